//! The admin panel at `/admin`. The page (`templates/admin.html`) is a shell in the language of
//! `?lang=` or the browser: the header, the sign-in form, the navigation and the static part of
//! each section's forms. Its script (`assets/admin.js` and the `admin-*.js` modules it imports)
//! signs in with the staff API, fills the lists and the parts of the forms that depend on the
//! branch (names per language, opening hours, a profile's entries and the preview of its call
//! order) and saves through the same REST API as any client. Its texts come as a JSON data
//! block, never as inline script.

use super::page::{self, Frame, LangQuery, LanguageLink, Page, browser_language, language_links};
use crate::http::route::{Route, route};
use crate::i18n::keys_with_prefix;
use crate::policy::Public;
use askama::Template;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use talon_core::Language;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    frame: Frame,
    links: Vec<LanguageLink>,
}
page::page!(AdminPage);

pub fn routes() -> Vec<Route> {
    vec![route!(Public, page)]
}

#[utoipa::path(
    get,
    path = "/admin",
    tag = "pages",
    summary = "The admin panel",
    description = "Administrators and managers sign in on it.",
    params(LangQuery),
    responses((status = 200, description = "The page.", content_type = "text/html", body = String)),
)]
pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    page::negotiated(&render(browser_language(&headers, &query)))
}

fn render(language: Language) -> AdminPage {
    AdminPage {
        frame: Frame::scripted(
            language,
            "admin.css",
            "admin.js",
            page::texts(language, &keys_with_prefix("admin_")),
        ),
        links: language_links(&Language::ALL, language, |l| format!("?lang={}", l.code())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::assets::FILES;
    use crate::http::page::checked;

    #[test]
    fn every_text_is_translated_and_the_block_stays_data() {
        let mut sources: Vec<&str> = FILES
            .iter()
            .filter(|(name, _, _)| name.starts_with("admin") && name.ends_with(".js"))
            .map(|(_, _, body)| std::str::from_utf8(body).expect("UTF-8"))
            .collect();
        assert!(!sources.is_empty());
        sources.push(include_str!("../../templates/admin.html"));
        let pages = checked::texts_of_page(
            "admin_",
            100,
            &sources,
            &[
                "admin_reason_strict_order",
                "admin_reason_longest_waiting",
                "admin_reason_weighted",
                "admin_reason_urgency",
                "admin_reason_max_wait_exceeded",
                "admin_policy_strict_order",
                "admin_policy_urgency",
                "admin_error_in_use",
                "admin_error_already_exists",
                "admin_invalid_prefix",
                "admin_role_operator",
                "admin_day_mon",
                "admin_lang_ru",
                "admin_user_disable_done",
                "admin_user_enable_title",
                "admin_config_kind_workplaces",
                "admin_config_settings_unchanged",
                "admin_error_import_invalid",
                "admin_error_config_not_exportable",
            ],
            |language| render(language).render().expect("a page"),
        );
        for markup in pages {
            assert!(!markup.contains("admin_"), "every label is translated");
            assert!(!markup.contains("{{"), "every placeholder is filled");
            assert!(
                !markup.contains(" style=") && !markup.contains("<style"),
                "no inline style"
            );
        }
    }
}

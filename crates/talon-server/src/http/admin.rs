//! The admin panel at `/admin` and its assets. The page is a shell in the language of `?lang=`
//! or the browser: the header, the sign-in form, the navigation and the static part of each
//! section's forms. Its script (`assets/admin.js`) signs in with the staff API, fills the
//! lists and the parts of the forms that depend on the branch (names per language, opening
//! hours, a profile's entries and the preview of its call order) and saves through the same
//! REST API as any client. Its texts come as a JSON data block, never as inline script.

use super::page::{LangQuery, asset, browser_language, escape, language_links, negotiated, texts};
use crate::i18n::{keys_with_prefix, text};
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use talon_core::Language;

const ADMIN_JS: &str = include_str!("../../assets/admin.js");
const ADMIN_CSS: &str = include_str!("../../assets/admin.css");

/// The page's markup; `{{key}}` stands for the escaped translation of `key`.
const TEMPLATE: &str = include_str!("admin.html");

pub async fn page(headers: HeaderMap, Query(query): Query<LangQuery>) -> impl IntoResponse {
    let language = browser_language(&headers, &query);
    negotiated(language, render(language))
}

pub async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", ADMIN_JS)
}

pub async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", ADMIN_CSS)
}

/// The template with every `{{key}}` translated and the page's own values filled in.
fn render(language: Language) -> String {
    let keys = keys_with_prefix("admin_");
    let mut page = String::with_capacity(TEMPLATE.len() * 2);
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        page.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            page.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        match name {
            "lang" => page.push_str(language.code()),
            "texts" => page.push_str(&texts(language, &keys)),
            "languages" => page.push_str(&language_links(&Language::ALL, language, |l| {
                format!("?lang={}", l.code())
            })),
            key => page.push_str(&escape(text(language, key))),
        }
        rest = &after[end + 2..];
    }
    page.push_str(rest);
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::page::checked;

    #[test]
    fn every_text_is_translated_and_the_block_stays_data() {
        let pages = checked::texts_of_page(
            "admin_",
            100,
            &[ADMIN_JS, TEMPLATE],
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
            render,
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

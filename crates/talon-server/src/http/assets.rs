//! The files the pages load, embedded in the binary and served by one handler at
//! `GET /assets/{file}`: scripts, styles and the icon, each listed once in [`FILES`].
//!
//! Every file has an `ETag` (the first 16 hex digits of its SHA-256) and is reachable under two
//! names. Its plain name (`kiosk.js`) is answered with `Cache-Control: no-cache`, so a browser
//! revalidates it and gets `304 Not Modified` while it is unchanged; the scripts import each
//! other by plain names, so a module is never older than the page's entry script. Its hashed
//! name (`kiosk.3f2a1b9c0d4e5f61.js`) is cached for a year as immutable: the pages link their
//! stylesheet and entry script by it ([`url`]), so a new build is fetched at once because its
//! names change. A hashed name whose hash is not the file's own is not found.

use crate::error::ApiError;
use crate::http::route::{Route, route};
use crate::policy::Public;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// A year: the longest lifetime caches honour.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

macro_rules! embed {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            $content_type,
            include_bytes!(concat!("../../assets/", $name)).as_slice(),
        )
    };
}

/// Every embedded file: its name under `/assets/`, its content type and its bytes.
pub const FILES: &[(&str, &str, &[u8])] = &[
    embed!("common.js", JS),
    embed!("chime.js", JS),
    embed!("start.css", CSS),
    embed!("kiosk.js", JS),
    embed!("kiosk.css", CSS),
    embed!("pair.js", JS),
    embed!("ticket.js", JS),
    embed!("ticket.css", CSS),
    embed!("display.js", JS),
    embed!("counter.js", JS),
    embed!("display.css", CSS),
    embed!("operator.js", JS),
    embed!("operator-state.js", JS),
    embed!("operator-format.js", JS),
    embed!("operator-session.js", JS),
    embed!("operator-choice.js", JS),
    embed!("operator-current.js", JS),
    embed!("operator-actions.js", JS),
    embed!("operator-queues.js", JS),
    embed!("operator-live.js", JS),
    embed!("operator.css", CSS),
    embed!("admin.js", JS),
    embed!("admin-state.js", JS),
    embed!("admin-format.js", JS),
    embed!("admin-forms.js", JS),
    embed!("admin-hours.js", JS),
    embed!("admin-session.js", JS),
    embed!("admin-branch.js", JS),
    embed!("admin-services.js", JS),
    embed!("admin-workplaces.js", JS),
    embed!("admin-categories.js", JS),
    embed!("admin-profiles.js", JS),
    embed!("admin-variants.js", JS),
    embed!("admin-preview.js", JS),
    embed!("admin-staff.js", JS),
    embed!("admin-devices.js", JS),
    embed!("admin-config.js", JS),
    embed!("admin.css", CSS),
    embed!("planning.js", JS),
    embed!("planning.css", CSS),
    embed!("favicon.svg", SVG),
];

/// One embedded file with what its answers need.
struct Asset {
    content_type: &'static str,
    body: &'static [u8],
    /// The quoted entity tag.
    etag: HeaderValue,
    hashed: String,
}

struct Registry {
    by_name: HashMap<&'static str, Asset>,
    /// Hashed name → plain name.
    hashed: HashMap<String, &'static str>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut by_name = HashMap::new();
    let mut hashed = HashMap::new();
    for &(name, content_type, body) in FILES {
        let digest = Sha256::digest(body);
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let hashed_name = match name.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
            None => format!("{name}.{hash}"),
        };
        let etag = HeaderValue::from_str(&format!("\"{hash}\"")).expect("hex is a header value");
        hashed.insert(hashed_name.clone(), name);
        by_name.insert(
            name,
            Asset {
                content_type,
                body,
                etag,
                hashed: hashed_name,
            },
        );
    }
    Registry { by_name, hashed }
});

/// The address of the embedded file `name` under its hashed name, for a page to link.
///
/// # Panics
///
/// If `name` is not embedded: a page linking a missing file is a programming error, and every
/// page's rendering is tested.
pub fn url(name: &str) -> String {
    let asset = REGISTRY
        .by_name
        .get(name)
        .unwrap_or_else(|| panic!("{name} is not an embedded asset"));
    format!("/assets/{}", asset.hashed)
}

pub fn routes() -> Vec<Route> {
    vec![route!(Public, serve), route!(Public, favicon)]
}

/// The embedded file by its plain or its hashed name.
#[utoipa::path(
    get,
    path = "/assets/{file}",
    tag = "pages",
    summary = "A file the pages load: a script (an ES module), a stylesheet or the icon",
    description = "By its plain name (`kiosk.js`, revalidated with its ETag) or its hashed name \
        (`kiosk.3f2a1b9c0d4e5f61.js`, cached for a year as immutable).",
    params(("file" = String, Path, description = "The file's plain or hashed name.")),
    responses(
        (status = 200, description = "The file.", content(
            (String = "text/javascript"),
            (String = "text/css"),
            (String = "image/svg+xml"),
        )),
        (status = 304, description = "Not modified since the ETag given in `If-None-Match`."),
        (status = 404, description = "No such file. Codes: `route_not_found`.",
            body = crate::error::ErrorBody),
    )
)]
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    answer(&file, &headers)
}

/// What browsers ask for by themselves on any page that names no icon (the API's JSON, for
/// one): the pages' icon.
#[utoipa::path(
    get,
    path = "/favicon.ico",
    tag = "pages",
    summary = "The pages' icon (SVG)",
    responses(
        (status = 200, description = "The icon.", content_type = "image/svg+xml", body = String),
        (status = 304, description = "Not modified since the ETag given in `If-None-Match`."),
    )
)]
pub async fn favicon(headers: HeaderMap) -> Response {
    answer("favicon.svg", &headers)
}

fn answer(file: &str, headers: &HeaderMap) -> Response {
    let registry = &*REGISTRY;
    let (asset, cache) = match registry.by_name.get(file) {
        Some(asset) => (asset, REVALIDATE),
        None => match registry.hashed.get(file) {
            Some(name) => (&registry.by_name[name], IMMUTABLE),
            None => {
                return ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such endpoint")
                    .into_response();
            }
        },
    };
    let cached = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .any(|value| matches(value, &asset.etag));
    let tags = [
        (header::ETAG, asset.etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, tags).into_response();
    }
    (
        tags,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.body,
    )
        .into_response()
}

/// Whether an `If-None-Match` value names `etag`: `*`, or a list of tags, weak ones compared
/// weakly as the header's rules say.
fn matches(value: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    let etag = etag.to_str().unwrap_or_default();
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn get(file: &str, if_none_match: Option<&str>) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(tag) = if_none_match {
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(tag).expect("a header"),
            );
        }
        serve(Path(file.to_string()), headers).await
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_plain_name_revalidates_and_a_hashed_one_is_immutable() {
        let plain = get("kiosk.js", None).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(header_of(&plain, header::CACHE_CONTROL), "no-cache");
        assert_eq!(header_of(&plain, header::CONTENT_TYPE), JS);
        let etag = header_of(&plain, header::ETAG).to_string();
        assert_eq!(etag.len(), 18, "16 hex digits, quoted: {etag}");
        let body = to_bytes(plain.into_body(), usize::MAX)
            .await
            .expect("a body");
        assert_eq!(body.as_ref(), include_bytes!("../../assets/kiosk.js"));

        let address = url("kiosk.js");
        let hash = etag.trim_matches('"');
        assert_eq!(address, format!("/assets/kiosk.{hash}.js"));
        let hashed = get(address.trim_start_matches("/assets/"), None).await;
        assert_eq!(hashed.status(), StatusCode::OK);
        assert_eq!(header_of(&hashed, header::CACHE_CONTROL), IMMUTABLE);
        assert_eq!(header_of(&hashed, header::ETAG), etag);
    }

    #[tokio::test]
    async fn an_unchanged_file_is_not_sent_again() {
        let etag = header_of(&get("admin.css", None).await, header::ETAG).to_string();
        for asked in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"0000000000000000\", {etag}"),
            "*".to_string(),
        ] {
            let again = get("admin.css", Some(&asked)).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{asked}");
            assert_eq!(header_of(&again, header::ETAG), etag);
            assert_eq!(header_of(&again, header::CACHE_CONTROL), "no-cache");
            let body = to_bytes(again.into_body(), usize::MAX)
                .await
                .expect("a body");
            assert!(body.is_empty());
        }
        let changed = get("admin.css", Some("\"0000000000000000\"")).await;
        assert_eq!(changed.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn unknown_names_and_stale_hashes_are_not_found() {
        for file in [
            "nothing.js",
            "kiosk.0000000000000000.js",
            "../Cargo.toml",
            "kiosk",
            "",
        ] {
            let answer = get(file, None).await;
            assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{file}");
            let body = to_bytes(answer.into_body(), usize::MAX)
                .await
                .expect("a body");
            let error: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(error["error"]["code"], "route_not_found");
        }
    }

    #[test]
    fn every_file_is_listed_once_with_its_type() {
        for (i, (name, content_type, _)) in FILES.iter().enumerate() {
            assert!(
                FILES[i + 1..].iter().all(|(other, _, _)| other != name),
                "{name} twice"
            );
            let expected = match name.rsplit_once('.').map(|(_, e)| e) {
                Some("js") => JS,
                Some("css") => CSS,
                Some("svg") => SVG,
                _ => panic!("{name} has no known type"),
            };
            assert_eq!(*content_type, expected, "{name}");
        }
    }

    /// Every module a script imports is embedded, and named relatively (so it is fetched by
    /// its plain name, beside the entry script): a missing one would stop the page's script.
    #[test]
    fn every_import_is_embedded() {
        for (name, _, body) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            let source = std::str::from_utf8(body).expect("UTF-8");
            for (_, rest) in source
                .match_indices(" from \"")
                .map(|(i, _)| source.split_at(i + 7))
            {
                let target = rest.split('"').next().unwrap_or_default();
                let file = target
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{name} imports {target}, not a file beside it"));
                assert!(
                    REGISTRY.by_name.contains_key(file),
                    "{name} imports {target}, which is not embedded"
                );
            }
        }
    }
}

//! The one error type of the HTTP layer: every failure becomes a status and a JSON body
//! `{"error": {"code", "message"}}` with a stable code the UI translates, and for a validation
//! error the `field` of the request it concerns, so a form can show it next to that field, and
//! the `request_id` of the request (its `X-Request-Id`), to find its log lines.

use axum::Json;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use talon_core::DomainError;
use talon_store::StoreError;
use utoipa::ToSchema;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds after which a refused caller may try again (`Retry-After`).
    pub retry_after: Option<u64>,
    /// The request field a validation error concerns, as a path into the body: `prefix`,
    /// `numbering.first`, `entries[0].weight`.
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            field: None,
        }
    }

    /// Too many requests: come back after `wait`.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        ApiError {
            retry_after: Some(wait.as_secs().max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests; try again later",
            )
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid token is required",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role may not do this here",
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; nothing was changed",
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = match &e {
            DomainError::NotFound(_) => StatusCode::NOT_FOUND,
            DomainError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            DomainError::NotYourWorkplace | DomainError::NotYourTicket => StatusCode::FORBIDDEN,
            _ => StatusCode::CONFLICT,
        };
        let field = match &e {
            DomainError::Invalid { field, .. } => Some(field.to_string()),
            _ => None,
        };
        ApiError {
            field,
            ..ApiError::new(status, e.code(), e.to_string())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                format!("this {what} is taken"),
            ),
            StoreError::Conflict => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "conflict",
                "the branch changed at the same moment; try again",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the change could not be saved; nothing was changed",
                )
            }
        }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for ApiError {
    /// JSON of the wrong shape, with the path of the field it got wrong.
    fn from(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut error = ApiError::from(inner);
        if error.code == "validation_failed" {
            error.field = field_of(&path, &error.message);
        }
        error
    }
}

impl From<serde_json::Error> for ApiError {
    /// A body that is not JSON is `invalid_json`; JSON of the wrong shape is
    /// `validation_failed`.
    fn from(e: serde_json::Error) -> Self {
        let message = public_message(&e.to_string());
        match e.classify() {
            serde_json::error::Category::Data => ApiError::invalid(message),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message),
        }
    }
}

/// What serde says about a body that does not fit, as a caller may read it: the names of
/// Talon's own types become the JSON they stand for, and the values the caller sent are not
/// repeated (they may be a card or phone number, and error messages end up in other logs).
pub fn public_message(text: &str) -> String {
    // Longer descriptions first, so "tuple struct X" is not read as "struct X".
    const TYPES: [(&str, &str); 9] = [
        ("internally tagged enum ", "an object"),
        ("adjacently tagged enum ", "an object"),
        ("untagged enum ", "one of the allowed forms"),
        ("struct variant ", "an object"),
        ("tuple variant ", "an array"),
        ("tuple struct ", "an array"),
        ("unit struct ", "null"),
        ("struct ", "an object"),
        ("enum ", "one of the allowed values"),
    ];
    const VALUES: [(&str, char, &str); 3] = [
        ("string \"", '"', "a string"),
        ("integer `", '`', "an integer"),
        ("floating point `", '`', "a number"),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for (described, public) in TYPES {
            if let Some(after) = rest.strip_prefix(described)
                && after.starts_with(|c: char| c.is_ascii_uppercase())
            {
                out.push_str(public);
                rest = after.trim_start_matches(|c: char| {
                    c.is_ascii_alphanumeric() || c == '_' || c == ':'
                });
                continue 'scan;
            }
        }
        for (described, close, public) in VALUES {
            if let Some(after) = rest.strip_prefix(described) {
                out.push_str(public);
                rest = skip_quoted(after, close);
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The field a body got wrong: the path `serde_path_to_error` tracked (`numbering.first`,
/// `entries[1].weight`; `.` for the body itself), joined with the field a missing, unknown or
/// duplicate field error names. A part of the path serde cannot name (`?`, a map key that is an
/// enum) ends it there: `hours.?[0]` is `hours`.
fn field_of(path: &str, message: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let path = path.trim_matches('.');
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|start| message.strip_prefix(start)?.split('`').next());
    match (path, named) {
        ("", None) => None,
        ("", Some(name)) => Some(name.to_string()),
        // An unknown field's path ends in the field already; a missing one's is its object's.
        (path, Some(name)) if path != name && !path.ends_with(&format!(".{name}")) => {
            Some(format!("{path}.{name}"))
        }
        (path, _) => Some(path.to_string()),
    }
}

/// What follows a quoted value up to its closing `close`, which a backslash escapes.
fn skip_quoted(text: &str, close: char) -> &str {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == close && !escaped => return &text[i + c.len_utf8()..],
            _ => escaped = false,
        }
    }
    ""
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than allowed",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                public_message(&r.body_text()),
            )
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such resource: ids are whole numbers",
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            public_message(&r.body_text()),
        )
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code the pages translate, e.g. `workplace_busy`.
    code: &'static str,
    /// What went wrong, in English, for people reading logs and integrators.
    message: String,
    /// The path of the request's value a validation error concerns, e.g. `entries[0].weight`.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// The request's id, as in its `X-Request-Id` header: every log line about the request
    /// names it, so quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
                request_id: crate::request_id::current(),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::{field_of, public_message};

    #[test]
    fn a_body_error_names_its_field() {
        use super::ApiError;
        use serde::Deserialize;
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Entry {
            weight: u32,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Numbering {
            first: u32,
            last: u32,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            prefix: String,
            #[serde(default)]
            numbering: Option<Numbering>,
            #[serde(default)]
            entries: Vec<Entry>,
        }
        for (body, field) in [
            (r#"{}"#, Some("prefix")),
            (
                r#"{"prefix": "A", "numbering": {"first": 1}}"#,
                Some("numbering.last"),
            ),
            (r#"{"prefix": "A", "colour": 1}"#, Some("colour")),
            (
                r#"{"prefix": "A", "numbering": {"first": 1, "last": 2, "x": 0}}"#,
                Some("numbering.x"),
            ),
            (
                r#"{"prefix": "A", "entries": [{"weight": 1}, {"weight": "x"}]}"#,
                Some("entries[1].weight"),
            ),
            (r#""a string""#, None),
        ] {
            let error = crate::extract::parse_json::<Body>(body.as_bytes())
                .map(|_| ())
                .expect_err(body);
            assert_eq!(error.code, "validation_failed", "{body}");
            assert_eq!(error.field.as_deref(), field, "{body}");
        }
        let broken: Result<Body, ApiError> = crate::extract::parse_json(b"{\"prefix\": ");
        assert_eq!(broken.unwrap_err().code, "invalid_json");
        let trailing: Result<Body, ApiError> = crate::extract::parse_json(b"{\"prefix\": \"A\"} x");
        assert_eq!(trailing.unwrap_err().code, "invalid_json");
        assert_eq!(
            field_of("hours.?[0]", "not a time span").as_deref(),
            Some("hours")
        );
        assert_eq!(field_of("?", "unknown variant `x`"), None);
    }

    #[test]
    fn serde_messages_name_no_type_and_repeat_no_value() {
        assert_eq!(
            public_message(
                r#"invalid type: string "4111 1111 \"1111\" 1111", expected struct IdentifierInput at line 1 column 51"#
            ),
            "invalid type: a string, expected an object at line 1 column 51"
        );
        assert_eq!(
            public_message("invalid type: integer `4111111111111111`, expected tuple struct Id"),
            "invalid type: an integer, expected an array"
        );
        assert_eq!(
            public_message("unknown variant `cardx`, expected one of `phone`, `card`"),
            "unknown variant `cardx`, expected one of `phone`, `card`"
        );
        assert_eq!(
            public_message("no struct here: enum values, structures"),
            "no struct here: enum values, structures"
        );
    }
}

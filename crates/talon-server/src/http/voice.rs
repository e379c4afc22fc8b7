//! Announcements of calls: the text in the branch's words (for displays that speak it with the
//! browser's synthesis) and the same text as audio rendered by the server's voice.

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::http::route::{Route, route};
use crate::policy::EVERYONE_OF_BRANCH;
use crate::voice::VoiceError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, Language, announcement, default_template};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Vec<Route> {
    vec![
        route!(EVERYONE_OF_BRANCH, text),
        route!(EVERYONE_OF_BRANCH, audio),
    ]
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnouncementQuery {
    /// The printed number, e.g. `A017`.
    ticket: String,
    /// The workplace's name, e.g. `3`.
    workplace: String,
    /// The branch's first language by default.
    language: Option<Language>,
    /// The caller's token, for an `<audio>` element, which cannot send a header.
    #[serde(rename = "access_token")]
    _access_token: Option<String>,
}

/// A call's announcement in words.
#[derive(Serialize, ToSchema)]
pub struct Announcement {
    language: Language,
    text: String,
}

/// The announcement's text in the branch's template for the language.
async fn compose(
    app: &App,
    branch: BranchId,
    query: AnnouncementQuery,
) -> Result<Announcement, ApiError> {
    let ticket_ok = (1..=10).contains(&query.ticket.chars().count())
        && query.ticket.chars().all(char::is_alphanumeric);
    let workplace_ok = (1..=50).contains(&query.workplace.chars().count())
        && !query.workplace.chars().any(char::is_control);
    if !ticket_ok || !workplace_ok {
        return Err(ApiError::invalid(
            "ticket is a printed number and workplace a workplace's name",
        ));
    }
    let language = query.language;
    let (ticket, workplace) = (query.ticket, query.workplace);
    app.branch(branch)?
        .read(move |state| {
            let settings = state.settings()?;
            let language = language.unwrap_or_else(|| settings.default_language());
            let template = settings
                .announcements
                .get(&language)
                .map_or(default_template(language), String::as_str);
            Some(Announcement {
                language,
                text: announcement(template, language, &ticket, &workplace),
            })
        })
        .await?
        .ok_or_else(ApiError::internal)
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/announcement",
    tag = "announcements",
    summary = "The spoken text of a call, in the branch's template",
    params(("branch" = u64, Path, description = "Branch id."), AnnouncementQuery),
    responses(
        (status = 200, description = "The text in words, e.g. «Талон А семнадцать, окно три».",
            body = Announcement),
        (status = 400, description = "A query value is missing or malformed. Codes: \
            `invalid_query`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
        (status = 422, description = "Not a printed number or a workplace's name. Codes: \
            `validation_failed`.", body = ErrorBody),
    )
)]
pub async fn text(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<AnnouncementQuery>,
) -> Result<axum::Json<Announcement>, ApiError> {
    Ok(axum::Json(compose(&app, branch, query).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/announcement.wav",
    tag = "announcements",
    summary = "The same announcement as WAV audio from the server's own voice",
    description = "Rendered offline by the text-to-speech program and cached.",
    params(("branch" = u64, Path, description = "Branch id."), AnnouncementQuery),
    responses(
        (status = 200, description = "The audio.", content_type = "audio/wav", body = Vec<u8>),
        (status = 400, description = "A query value is missing or malformed. Codes: \
            `invalid_query`.", body = ErrorBody),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
        (status = 422, description = "Not a printed number or a workplace's name. Codes: \
            `validation_failed`.", body = ErrorBody),
        (status = 503, description = "The server cannot speak now: speak the text instead. \
            Codes: `tts_unavailable`, `tts_failed`, `tts_busy`, `timeout`.", body = ErrorBody),
    )
)]
pub async fn audio(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<AnnouncementQuery>,
) -> Result<Response, ApiError> {
    let spoken = compose(&app, branch, query).await?;
    match app.voice.wav(spoken.language, &spoken.text).await {
        Ok(wav) => Ok((
            [
                (header::CONTENT_TYPE, "audio/wav"),
                (header::CACHE_CONTROL, "private, max-age=86400"),
            ],
            wav,
        )
            .into_response()),
        Err(e) => {
            tracing::warn!(error = %e, "no audio for an announcement");
            let code = match e {
                VoiceError::Unavailable(_) => "tts_unavailable",
                VoiceError::Failed(_) => "tts_failed",
                VoiceError::Busy => "tts_busy",
            };
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                "the server cannot speak now; speak the announcement's text instead",
            ))
        }
    }
}

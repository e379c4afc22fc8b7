//! Announcements of calls: the text in the branch's words (for displays that speak it with the
//! browser's synthesis) and the same text as audio rendered by the server's voice.

use crate::app::App;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::voice::VoiceError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, Language, announcement, default_template};

#[derive(Deserialize)]
pub struct AnnouncementQuery {
    /// The printed number, e.g. `A017`.
    ticket: String,
    /// The workplace's name, e.g. `3`.
    workplace: String,
    /// ru, en or de; the branch's first language by default.
    language: Option<String>,
    #[serde(rename = "access_token")]
    _access_token: Option<String>,
}

#[derive(Serialize)]
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
    let language = query
        .language
        .as_deref()
        .map(|code| {
            Language::parse(code).ok_or_else(|| ApiError::invalid("language is ru, en or de"))
        })
        .transpose()?;
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

pub async fn text(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Query(query): Query<AnnouncementQuery>,
) -> Result<axum::Json<Announcement>, ApiError> {
    Ok(axum::Json(compose(&app, branch, query).await?))
}

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
            };
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                "the server cannot speak now; speak the announcement's text instead",
            ))
        }
    }
}

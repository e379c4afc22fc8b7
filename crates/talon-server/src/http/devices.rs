//! A branch's kiosks and displays. An administrator either issues a device token directly (for
//! integrations) or creates a short one-time pairing code, which the device enters on `/pair`
//! to receive its long-lived token. Revoking a device deletes its token: its requests are
//! refused at once and its open event streams end, so the device stops within seconds.

use crate::app::App;
use crate::auth::{DeviceRole, Role, new_token, sha256_hex};
use crate::client::ClientAddress;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::pairing_guard::Voided;
use crate::policy::{CONFIGURE, Public};
use crate::printing::PrinterConfig;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, WorkplaceId};
use talon_store::{AuditEntry, NewPairing, Pairing, TokenKind, TokenRecord};
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(CONFIGURE, list),
        route!(CONFIGURE, create),
        route!(CONFIGURE, revoke),
        route!(CONFIGURE, create_pairing),
        route!(CONFIGURE, pairings),
        route!(Public, pair),
    ]
}

/// How long a pairing code can be entered.
const PAIRING_MINUTES: i64 = 10;
/// Digits of a pairing code: short enough to type on a kiosk, too many to guess within its
/// minutes at the rate the sign-in limit allows.
const CODE_DIGITS: u32 = 8;

/// A kiosk or display to issue a token or a pairing code for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    role: DeviceRole,
    name: String,
    /// A kiosk's receipt printer.
    printer: Option<PrinterConfig>,
    /// For a pairing: the workplace a counter display shows.
    #[serde(default)]
    workplace: Option<WorkplaceId>,
}

/// A device request, checked: its role, name, printer as stored.
struct Checked {
    role: Role,
    name: String,
    printer_json: Option<String>,
}

fn check(app: &App, branch: BranchId, request: &DeviceRequest) -> Result<Checked, ApiError> {
    app.branch(branch)?;
    let DeviceRole(role) = request.role;
    let name = request.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name has 1 to 100 characters"));
    }
    if let Some(printer) = &request.printer {
        if role != Role::Kiosk {
            return Err(ApiError::invalid("only a kiosk has a printer"));
        }
        printer.validate().map_err(ApiError::invalid)?;
    }
    if let Some(workplace) = request.workplace
        && (role != Role::Display || app.branches.workplace_branch(workplace) != Some(branch))
    {
        return Err(ApiError::invalid(
            "workplace is a workplace of this branch, for a counter display",
        ));
    }
    let printer_json = request
        .printer
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| ApiError::internal())?;
    Ok(Checked {
        role,
        name,
        printer_json,
    })
}

/// A device's token, shown once.
#[derive(Serialize, ToSchema)]
pub struct DeviceToken {
    token: String,
    /// kiosk or display.
    role: &'static str,
    branch: BranchId,
    name: String,
    printer: Option<PrinterConfig>,
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/devices",
    tag = "devices",
    summary = "Issue a kiosk's or display's token directly (for integrations)",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = DeviceRequest,
    responses(
        (status = 201, description = "The device's token, shown only here.", body = DeviceToken),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn create(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<DeviceRequest>,
) -> Result<(StatusCode, axum::Json<DeviceToken>), ApiError> {
    let checked = check(&app, branch, &request)?;
    let token = new_token();
    app.store
        .insert_token(TokenRecord {
            token_hash: sha256_hex(&token),
            kind: TokenKind::Device,
            role: checked.role.as_str().to_string(),
            user_id: None,
            branch: Some(branch),
            name: Some(checked.name.clone()),
            expires_at: None,
            printer: checked.printer_json,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DeviceToken {
            token,
            role: checked.role.as_str(),
            branch,
            name: checked.name,
            printer: request.printer,
        }),
    ))
}

/// A one-time pairing code.
#[derive(Serialize, ToSchema)]
pub struct PairingCode {
    /// What the person at the device types.
    code: String,
    expires_at: Timestamp,
    /// kiosk or display.
    role: &'static str,
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/pairings",
    tag = "devices",
    summary = "A one-time code that pairs the next device to enter it on /pair",
    description = "8 digits, valid for 10 minutes, usable once.",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = DeviceRequest,
    responses(
        (status = 201, description = "The code.", body = PairingCode),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn create_pairing(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<DeviceRequest>,
) -> Result<(StatusCode, axum::Json<PairingCode>), ApiError> {
    let checked = check(&app, branch, &request)?;
    let code = format!(
        "{:0width$}",
        rand::rng().random_range(0..10u64.pow(CODE_DIGITS)),
        width = CODE_DIGITS as usize
    );
    let expires_at = Timestamp::now() + SignedDuration::from_mins(PAIRING_MINUTES);
    app.store
        .insert_pairing(NewPairing {
            code_hash: sha256_hex(&code),
            pairing: Pairing {
                branch,
                role: checked.role.as_str().to_string(),
                name: checked.name.clone(),
                printer: checked.printer_json,
                workplace: request.workplace,
            },
            expires_at,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PairingCode {
            code,
            expires_at,
            role: checked.role.as_str(),
            name: checked.name,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    code: String,
}

/// A paired device: its long-lived token and the page it shows.
#[derive(Serialize, ToSchema)]
pub struct Paired {
    token: String,
    /// kiosk or display.
    role: String,
    branch: BranchId,
    name: String,
    /// The page this device shows.
    page: String,
}

/// A device enters its code and receives its token. Attempts count against the address's
/// sign-in limit: a code is a password for a few minutes.
#[utoipa::path(
    post,
    path = "/api/v1/pair",
    tag = "devices",
    summary = "A device trades its pairing code for its token",
    description = "Attempts count against the address's sign-in limit.",
    request_body = PairRequest,
    responses(
        (status = 200, description = "The device's token and page.", body = Paired),
        (status = 404, description = "The code is not valid or has expired. Codes: \
            `pairing_code_invalid`.", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address. Codes: \
            `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn pair(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    Json(request): Json<PairRequest>,
) -> Result<axum::Json<Paired>, ApiError> {
    app.limits
        .login_by_address
        .take(&peer.to_string())
        .map_err(ApiError::rate_limited)?;
    let digits: String = request
        .code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let invalid = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "pairing_code_invalid",
            "this pairing code is not valid or has expired",
        )
    };
    if digits.len() != CODE_DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong_code(&app, invalid()).await);
    }
    let token = new_token();
    let record = TokenRecord {
        token_hash: sha256_hex(&token),
        kind: TokenKind::Device,
        role: String::new(),
        user_id: None,
        branch: None,
        name: None,
        expires_at: None,
        printer: None,
    };
    let Some(pairing) = app
        .store
        .redeem_pairing(&sha256_hex(&digits), record, Timestamp::now())
        .await?
    else {
        return Err(wrong_code(&app, invalid()).await);
    };
    let b = pairing.branch;
    let page = match (pairing.role.as_str(), pairing.workplace) {
        ("kiosk", _) => format!("/kiosk/{b}"),
        (_, Some(w)) => format!("/display/{b}/workplace/{w}"),
        (_, None) => format!("/display/{b}"),
    };
    Ok(axum::Json(Paired {
        token,
        role: pairing.role,
        branch: b,
        name: pairing.name,
        page,
    }))
}

/// A paired device, without its token.
/// Counts a wrong pairing code; at the cap, voids every open code, notes why for each branch's
/// managers and records it in each branch's audit log. Answers `refusal`.
async fn wrong_code(app: &App, refusal: ApiError) -> ApiError {
    let Some(guesses) = app.pairing_guard.wrong() else {
        return refusal;
    };
    let at = Timestamp::now();
    match app.store.void_pairings().await {
        Ok(voided) => {
            for (branch, codes) in voided {
                let note = Voided {
                    at,
                    wrong_guesses: guesses,
                    codes,
                };
                app.pairing_guard.note_voided(branch, note);
                tracing::warn!(%branch, codes, guesses, "pairing codes voided after too many wrong codes");
                let entry = AuditEntry {
                    at,
                    user: None,
                    name: None,
                    role: "system".into(),
                    branch: Some(branch),
                    action: "VOID pairings".into(),
                    target: serde_json::json!({"codes": codes, "wrong_guesses": guesses}),
                    outcome: 200,
                };
                if let Err(e) = app.store.append_audit(entry).await {
                    tracing::error!(error = %e, "the voiding of pairing codes could not be recorded");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "pairing codes could not be voided"),
    }
    refusal
}

/// A branch's pairing codes: how many are open, and whether they were voided and why.
#[derive(Serialize, ToSchema)]
pub struct PairingsView {
    open: u64,
    /// The latest time the branch's open codes were voided after too many wrong codes (since
    /// the server started).
    voided: Option<Voided>,
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/pairings",
    tag = "devices",
    summary = "The branch's open pairing codes, and whether they were voided",
    description = "Past 100 wrong codes in 10 minutes, from all addresses together, every open \
        code is voided; `voided` says when and after how many.",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "The codes' state.", body = PairingsView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn pairings(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<PairingsView>, ApiError> {
    app.branch(branch)?;
    Ok(axum::Json(PairingsView {
        open: app.store.open_pairings(branch, Timestamp::now()).await?,
        voided: app.pairing_guard.voided(branch),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DeviceView {
    id: u64,
    /// kiosk or display.
    role: String,
    name: Option<String>,
    created_at: Timestamp,
    printer: Option<PrinterConfig>,
}

#[utoipa::path(
    get,
    path = "/api/v1/branches/{branch}/devices",
    tag = "devices",
    summary = "The branch's kiosks and displays",
    params(("branch" = u64, Path, description = "Branch id.")),
    responses(
        (status = 200, description = "Devices, never their tokens.", body = Vec<DeviceView>),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
) -> Result<axum::Json<Vec<DeviceView>>, ApiError> {
    app.branch(branch)?;
    let devices = app.store.devices(branch).await?;
    Ok(axum::Json(
        devices
            .into_iter()
            .map(|d| DeviceView {
                id: d.id,
                role: d.role,
                name: d.name,
                created_at: d.created_at,
                printer: d.printer.and_then(|p| serde_json::from_str(&p).ok()),
            })
            .collect(),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/branches/{branch}/devices/{id}",
    tag = "devices",
    summary = "Revoke a device",
    description = "Its token stops working at once and its open event streams end.",
    params(
        ("branch" = u64, Path, description = "Branch id."),
        ("id" = u64, Path, description = "Device id."),
    ),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `device_not_found`, \
            `not_found`.", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(app): State<Arc<App>>,
    Path((branch, id)): Path<(BranchId, u64)>,
) -> Result<StatusCode, ApiError> {
    app.branch(branch)?;
    let hash = app.store.revoke_device(branch, id).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "device_not_found", "no such device")
    })?;
    app.end_streams_of(&hash).await;
    Ok(StatusCode::NO_CONTENT)
}

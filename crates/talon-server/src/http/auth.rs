//! Staff sign-in and users.

use crate::app::App;
use crate::auth::{
    NewPassword, Password, Principal, Role, StaffPage, StaffRole, Username, check_role_branch,
    csrf_token, new_token, sha256_hex,
};
use crate::client::ClientAddress;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::policy::{CONFIGURE, Public, STAFF};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, ProfileId};
use talon_store::{NewUser, TokenKind, TokenRecord, User};
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(Public, login),
        route!(STAFF, logout),
        route!(CONFIGURE, list_users),
        route!(CONFIGURE, create_user),
        route!(CONFIGURE, set_profiles),
        route!(CONFIGURE, set_disabled),
    ]
}

/// Fails unless every profile in `profiles` is one of the user's branch (or, for a user of no
/// branch, of some branch): a profile of another branch or none at all would never apply.
async fn check_profiles(
    app: &App,
    branch: Option<BranchId>,
    profiles: &Option<Vec<ProfileId>>,
) -> Result<(), ApiError> {
    let Some(profiles) = profiles.clone() else {
        return Ok(());
    };
    let handles = match branch {
        Some(branch) => vec![app.branch(branch)?],
        None => app.branches.all(),
    };
    let mut known = Vec::new();
    for handle in handles {
        let wanted = profiles.clone();
        known.extend(
            handle
                .read(move |s| {
                    wanted
                        .into_iter()
                        .filter(|p| s.profile(*p).is_some())
                        .collect::<Vec<_>>()
                })
                .await?,
        );
    }
    match profiles.iter().find(|p| !known.contains(p)) {
        Some(missing) => Err(ApiError {
            field: Some("profiles".into()),
            ..ApiError::invalid(format!("profile {missing} is not one of the user's branch"))
        }),
        None => Ok(()),
    }
}

/// How long a staff token lives: one working day.
const SESSION_HOURS: i64 = 12;

/// A valid argon2id hash of a random password, checked when the user does not exist so that a
/// failed login takes as long whether or not the username is known.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Kjh1u3GZ3ZB3tY4cBpnAqBgpD4Z0nZLxQ4cG7l2gU9Q";

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: Username,
    password: Password,
    /// For the staff pages: keep the session in an http-only cookie and answer its CSRF token
    /// instead of the token itself.
    #[serde(default)]
    cookie: bool,
    /// The staff page the cookie is for, so each page keeps its own session; the page then
    /// names it on every request (`X-Talon-Page`, or `?page=` for an event stream).
    #[serde(default)]
    page: Option<StaffPage>,
}

/// A staff user, without their password.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView {
    id: u64,
    username: String,
    /// admin, manager, receptionist or operator.
    role: String,
    branch: Option<BranchId>,
    disabled: bool,
    /// The work profiles the user may work with; `null` means any.
    profiles: Option<Vec<ProfileId>>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            role: u.role,
            branch: u.branch,
            disabled: u.disabled,
            profiles: u.profiles,
        }
    }
}

/// A staff session: the bearer token (or, for a cookie session, its CSRF token) and the user.
#[derive(Serialize, ToSchema)]
pub struct Session {
    /// The bearer token; absent for a cookie session, whose token the page never sees.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    /// A cookie session's CSRF token, sent back as `X-CSRF-Token` on every change.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf: Option<String>,
    expires_at: Timestamp,
    user: UserView,
}

/// The `Set-Cookie` value of a session cookie; `Secure` whenever Talon is reached over HTTPS.
fn session_cookie(app: &App, page: Option<StaffPage>, token: &str, max_age: i64) -> String {
    let secure = if app.security.hsts { "; Secure" } else { "" };
    let name = StaffPage::cookie(page);
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    summary = "Staff login: get an API token",
    description = "Attempts are limited per address (bursts of 30, then one a second), and an \
        account that failed 5 times waits a minute per further attempt, whatever the password; \
        but a browser holding the account's device cookie (given at each successful sign-in) \
        answers only for its own failures, so guessing from elsewhere cannot lock the owner \
        out. At most a few password checks run at once; past that the answer is `503 busy`.",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A session valid for 12 hours; with `cookie`, the token is \
            in an http-only cookie and the answer carries its CSRF token.", body = Session),
        (status = 401, description = "Wrong username or password. Codes: `invalid_credentials`.",
            body = ErrorBody),
        (status = 429, description = "Too many attempts: wait `Retry-After` seconds. Codes: \
            `rate_limited`.", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once, or the store is unavailable; \
            try again after `Retry-After`. Codes: `busy`, `storage_unavailable`, `timeout`.",
            body = ErrorBody),
    )
)]
pub async fn login(
    State(app): State<Arc<App>>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    crate::audit::note_login(request.username.as_str());
    let limits = &app.limits;
    limits
        .login_by_address
        .take(&peer.to_string())
        .map_err(ApiError::rate_limited)?;
    // An account that failed too often waits, whatever password comes next; but a browser that
    // signed in to it before answers for its own failures only, so guessing from elsewhere
    // cannot lock its owner out.
    let account = request.username.as_str().to_lowercase();
    let device = known_device(&app, &headers, &account);
    let failures = match &device {
        Some(nonce) => (&limits.login_failures_by_device, nonce.as_str()),
        None => (&limits.login_failures_by_account, account.as_str()),
    };
    failures
        .0
        .check(failures.1)
        .map_err(ApiError::rate_limited)?;
    let user = app
        .store
        .user_by_username(request.username.as_str())
        .await?;
    let hash = user
        .as_ref()
        .map_or(DECOY_HASH.to_string(), |u| u.password_hash.clone());
    let matches = app
        .passwords
        .verify(Some(peer), request.password.expose().to_string(), hash)
        .await?;
    let Some(user) = user.filter(|u| matches && !u.disabled) else {
        let _ = failures.0.take(failures.1);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        ));
    };
    let token = new_token();
    let expires_at = Timestamp::now()
        .checked_add(SignedDuration::from_hours(SESSION_HOURS))
        .map_err(|_| ApiError::internal())?;
    app.store
        .insert_token(TokenRecord {
            printer: None,
            token_hash: sha256_hex(&token),
            kind: TokenKind::Session,
            role: user.role.clone(),
            user_id: Some(user.id),
            branch: user.branch,
            name: None,
            expires_at: Some(expires_at),
        })
        .await?;
    let device = device_cookie(&app, &account);
    if request.cookie {
        let cookie = session_cookie(&app, request.page, &token, SESSION_HOURS * 3600);
        let session = Session {
            csrf: Some(csrf_token(&token)),
            token: None,
            expires_at,
            user: user.into(),
        };
        return Ok((
            AppendHeaders([(header::SET_COOKIE, cookie), (header::SET_COOKIE, device)]),
            axum::Json(session),
        )
            .into_response());
    }
    let session = Session {
        token: Some(token),
        csrf: None,
        expires_at,
        user: user.into(),
    };
    Ok(([(header::SET_COOKIE, device)], axum::Json(session)).into_response())
}

/// How long a browser stays a known device of an account after signing in to it.
const DEVICE_DAYS: i64 = 365;

/// The name of an account's device cookie: one per account, so a browser that signs in to
/// several stays known to each.
fn device_cookie_name(account: &str) -> String {
    format!("talon_device_{}", &sha256_hex(account)[..16])
}

/// A new device cookie for `account` (OWASP's "device cookie"): a fresh nonce signed with the
/// installation's key, given at every successful sign-in.
fn device_cookie(app: &App, account: &str) -> String {
    let nonce = crate::auth::random_hex(16);
    let signature = app
        .identity_key
        .sign("device", &format!("{account}:{nonce}"));
    let secure = if app.security.hsts { "; Secure" } else { "" };
    format!(
        "{}={nonce}.{signature}; Path=/api/v1/auth/login; HttpOnly; SameSite=Strict; \
         Max-Age={}{secure}",
        device_cookie_name(account),
        DEVICE_DAYS * 86_400
    )
}

/// The nonce of a valid device cookie for `account` in the request, if it has one.
fn known_device(app: &App, headers: &HeaderMap, account: &str) -> Option<String> {
    let name = device_cookie_name(account);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .find_map(|(_, value)| {
            let (nonce, signature) = value.split_once('.')?;
            let expected = app
                .identity_key
                .sign("device", &format!("{account}:{nonce}"));
            (nonce.len() == 32 && constant_time_eq(signature, &expected)).then(|| nonce.to_string())
        })
}

/// Compares two strings in time that depends on their length only.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    summary = "End the caller's session",
    description = "The token stops working and the streams opened with it end; the browser \
        forgets its session cookie.",
    responses((status = 204, description = "Signed out.")),
)]
pub async fn logout(
    State(app): State<Arc<App>>,
    principal: Principal,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    app.store.delete_token(&principal.token_hash).await?;
    app.end_streams_of(&principal.token_hash).await;
    // Whether or not the session came in a cookie, the browser forgets the cookie of the page
    // that signs out; another page's session goes on.
    let page = headers
        .get("x-talon-page")
        .and_then(|v| v.to_str().ok())
        .and_then(StaffPage::parse);
    let forget = session_cookie(&app, page, "", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, forget)]).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    username: Username,
    password: NewPassword,
    role: StaffRole,
    branch: Option<BranchId>,
    /// The work profiles the user may work with; absent or null means any.
    #[serde(default)]
    profiles: Option<Vec<ProfileId>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    summary = "Create a staff user",
    description = "The network administrator creates anyone; a manager creates operators and \
        receptionists of their own branch.",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created.", body = UserView),
        (status = 404, description = "Not found. Codes: `branch_not_found`.", body = ErrorBody),
        (status = 409, description = "The username is taken. Codes: `already_exists`.",
            body = ErrorBody),
    )
)]
pub async fn create_user(
    State(app): State<Arc<App>>,
    principal: Principal,
    Json(request): Json<CreateUserRequest>,
) -> Result<(StatusCode, axum::Json<UserView>), ApiError> {
    let StaffRole(role) = request.role;
    // A manager adds the staff of their own branch, never a manager or an administrator.
    if !principal.is_network_admin() {
        let own = principal.branch.is_some() && request.branch == principal.branch;
        if !own || !matches!(role, Role::Operator | Role::Receptionist) {
            return Err(ApiError::forbidden());
        }
    }
    check_role_branch(role, request.branch)?;
    if let Some(branch) = request.branch {
        app.branch(branch)?;
    }
    check_profiles(&app, request.branch, &request.profiles).await?;
    let password_hash = app
        .passwords
        .hash(None, request.password.into_string())
        .await?;
    let user = app
        .store
        .create_user(NewUser {
            username: request.username.into_string(),
            password_hash,
            role: role.as_str().to_string(),
            branch: request.branch,
            profiles: request.profiles,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    summary = "List staff users",
    description = "The network administrator sees everyone; a manager their branch's staff.",
    responses((status = 200, description = "Users.", body = Vec<UserView>)),
)]
pub async fn list_users(
    State(app): State<Arc<App>>,
    principal: Principal,
) -> Result<axum::Json<Vec<UserView>>, ApiError> {
    let users = app.store.users().await?;
    Ok(axum::Json(
        users
            .into_iter()
            .filter(|u| principal.branch.is_none() || u.branch == principal.branch)
            .map(UserView::from)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilesRequest {
    profiles: Option<Vec<ProfileId>>,
}

/// Assigns the work profiles a user may work with (`null`: any). A manager assigns only staff
/// of their branch.
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/profiles",
    tag = "users",
    summary = "Assign the work profiles a user may work with",
    description = "`null` allows any. A manager assigns only staff of their branch.",
    params(("id" = u64, Path, description = "User id.")),
    request_body = ProfilesRequest,
    responses(
        (status = 200, description = "The user as saved.", body = UserView),
        (status = 404, description = "Not found. Codes: `user_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn set_profiles(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(id): Path<u64>,
    Json(request): Json<ProfilesRequest>,
) -> Result<axum::Json<UserView>, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "no such user");
    let user = app.store.user(id).await?.ok_or_else(not_found)?;
    if principal.branch.is_some() && user.branch != principal.branch {
        return Err(ApiError::forbidden());
    }
    check_profiles(&app, user.branch, &request.profiles).await?;
    if !app.store.set_user_profiles(id, request.profiles).await? {
        return Err(not_found());
    }
    let user = app.store.user(id).await?.ok_or_else(not_found)?;
    Ok(axum::Json(user.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledRequest {
    disabled: bool,
}

/// Disables (or enables again) a user. A disabled user cannot sign in, and every session they
/// hold ends now, its open streams included. A manager disables only staff of their branch
/// whom they could have created; nobody disables themself.
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/disabled",
    tag = "users",
    summary = "Disable a user, or enable them again",
    description = "Every session a disabled user holds ends now, streams included. A manager \
        disables only the operators and receptionists of their branch; nobody disables themself.",
    params(("id" = u64, Path, description = "User id.")),
    request_body = DisabledRequest,
    responses(
        (status = 200, description = "The user as saved.", body = UserView),
        (status = 404, description = "Not found. Codes: `user_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
pub async fn set_disabled(
    State(app): State<Arc<App>>,
    principal: Principal,
    Path(id): Path<u64>,
    Json(request): Json<DisabledRequest>,
) -> Result<axum::Json<UserView>, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "no such user");
    let user = app.store.user(id).await?.ok_or_else(not_found)?;
    let role = Role::parse(&user.role);
    let managed = principal.is_network_admin()
        || (user.branch.is_some()
            && user.branch == principal.branch
            && matches!(role, Some(Role::Operator | Role::Receptionist)));
    if !managed {
        return Err(ApiError::forbidden());
    }
    if principal.user_id == Some(id) {
        return Err(ApiError::invalid("you cannot disable yourself"));
    }
    let ended = app
        .store
        .set_user_disabled(id, request.disabled)
        .await?
        .ok_or_else(not_found)?;
    for hash in ended {
        app.end_streams_of(&hash).await;
    }
    let user = app.store.user(id).await?.ok_or_else(not_found)?;
    Ok(axum::Json(user.into()))
}

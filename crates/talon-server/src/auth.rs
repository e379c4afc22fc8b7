//! Who is calling: staff users with argon2id passwords and bearer tokens, and kiosk and display
//! devices with tokens bound to one branch. Tokens are random; only their SHA-256 is stored.

use crate::app::App;
use crate::error::ApiError;
use crate::printing::PrinterConfig;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use talon_core::{BranchId, OperatorId};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// What a caller may be. What each may do is the table in `policy.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Network administrator: configures everything, in every branch.
    Admin,
    /// Runs one branch: its configuration, its staff and devices, its workplaces.
    Manager,
    /// Issues tickets for visitors and looks after their records; serves no workplace.
    Receptionist,
    /// Works a workplace; scoped to one branch or, without one, to all.
    Operator,
    /// A ticket kiosk of one branch.
    Kiosk,
    /// A hall or counter display of one branch.
    Display,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Receptionist,
        Role::Operator,
        Role::Kiosk,
        Role::Display,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Receptionist => "receptionist",
            Role::Operator => "operator",
            Role::Kiosk => "kiosk",
            Role::Display => "display",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// People, as opposed to devices.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Kiosk | Role::Display)
    }

    /// Whether a user of this role must belong to one branch: everyone but the network
    /// administrator (an operator without a branch may work in any).
    pub fn needs_branch(self) -> bool {
        matches!(self, Role::Manager | Role::Receptionist)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub role: Role,
    pub user_id: Option<u64>,
    /// The only branch this caller may touch; `None` means every branch.
    pub branch: Option<BranchId>,
    pub token_hash: String,
    /// A kiosk's receipt printer.
    pub printer: Option<PrinterConfig>,
}

impl Principal {
    /// Whether the caller may touch `branch`: a caller bound to a branch touches only that one.
    pub fn may_touch(&self, branch: BranchId) -> bool {
        self.branch.is_none_or(|mine| mine == branch)
    }

    /// Fails unless the caller may touch `branch`. The role was checked by the policy before
    /// the handler ran; this is for resources whose branch only the handler can find.
    pub fn require_branch(&self, branch: BranchId) -> Result<(), ApiError> {
        if self.may_touch(branch) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether the caller administers the whole network, not one branch.
    pub fn is_network_admin(&self) -> bool {
        self.role == Role::Admin && self.branch.is_none()
    }

    /// The operator an action is taken as: an operator acts as themself and only at their own
    /// workplace; an administrator or manager is not bound to one.
    pub fn acting_operator(&self) -> Option<OperatorId> {
        match self.role {
            Role::Operator => self.user_id.map(OperatorId),
            _ => None,
        }
    }

    /// The operator identity under which a workplace is opened.
    pub fn operator_id(&self) -> Result<OperatorId, ApiError> {
        self.user_id
            .filter(|_| self.role.is_staff())
            .map(OperatorId)
            .ok_or_else(ApiError::forbidden)
    }

    /// The caller of a request, from its token: a bearer token, or the session cookie of the
    /// staff pages, which must come with its CSRF token on anything that changes state.
    pub async fn authenticate(parts: &Parts, app: &App) -> Result<Self, ApiError> {
        let token = match bearer_token(parts) {
            Some(token) => token,
            // An `Authorization` the server cannot read is refused, never passed over for a
            // cookie.
            None if parts
                .headers
                .contains_key(axum::http::header::AUTHORIZATION) =>
            {
                return Err(ApiError::unauthorized());
            }
            None => {
                let token = session_cookie(parts).ok_or_else(ApiError::unauthorized)?;
                check_csrf(parts, &token)?;
                token
            }
        };
        let hash = sha256_hex(&token);
        let record = app
            .store
            .token(&hash, jiff::Timestamp::now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let role = Role::parse(&record.role).ok_or_else(ApiError::unauthorized)?;
        let principal = Principal {
            role,
            user_id: record.user_id,
            branch: record.branch,
            token_hash: hash,
            printer: record
                .printer
                .and_then(|json| serde_json::from_str(&json).ok()),
        };
        // The audit log names the caller, whatever the policy or the handler then decides.
        crate::audit::note_caller(&principal);
        Ok(principal)
    }
}

/// A handler's caller: the one the policy already authenticated, else from the token.
impl FromRequestParts<Arc<App>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match parts.extensions.get::<Principal>() {
            Some(principal) => Ok(principal.clone()),
            None => Principal::authenticate(parts, app).await,
        }
    }
}

/// The token from `Authorization: Bearer …`, or, for event streams and announcement audio only,
/// from `?access_token=`: `EventSource` and `<audio>` cannot set headers, and tokens elsewhere in
/// URLs would end up in logs and browser histories.
fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        return bearer_credentials(value.to_str().ok()?).map(str::to_string);
    }
    let path = parts.uri.path();
    if !path.ends_with("/events") && !path.ends_with("/announcement.wav") {
        return None;
    }
    parts.uri.query()?.split('&').find_map(|pair| {
        let token = pair.strip_prefix("access_token=")?;
        (!token.is_empty()).then(|| token.to_string())
    })
}

/// The token of an `Authorization` value: the scheme `Bearer` in any case (RFC 9110), one space,
/// then the token in token68's characters. Anything else (another scheme, extra spaces, a
/// token with spaces in it) is no token at all, whatever the spacing.
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token68 = !token.is_empty()
        && token
            .trim_end_matches('=')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    (scheme.eq_ignore_ascii_case("bearer") && token68).then_some(token)
}

/// The cookie that carries a staff page's session: out of reach of the page's scripts, sent
/// only to Talon and only from its own pages.
pub const SESSION_COOKIE: &str = "talon_session";

/// The staff page a session cookie belongs to. The admin panel and the workstation each keep
/// their own cookie, so a manager signed in to both in one browser stays signed in to both; a
/// page names its session on each request (`X-Talon-Page`, or `?page=` for an event stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffPage {
    Admin,
    Operator,
}

impl StaffPage {
    /// The name of this page's session cookie.
    pub fn cookie(page: Option<StaffPage>) -> &'static str {
        match page {
            None => SESSION_COOKIE,
            Some(StaffPage::Admin) => "talon_session_admin",
            Some(StaffPage::Operator) => "talon_session_operator",
        }
    }

    pub fn parse(text: &str) -> Option<StaffPage> {
        match text {
            "admin" => Some(StaffPage::Admin),
            "operator" => Some(StaffPage::Operator),
            _ => None,
        }
    }
}

/// The page a request names its session by, if it names one.
fn requested_page(parts: &Parts) -> Option<StaffPage> {
    let header = parts
        .headers
        .get("x-talon-page")
        .and_then(|v| v.to_str().ok())
        .and_then(StaffPage::parse);
    header.or_else(|| {
        parts.uri.query()?.split('&').find_map(|pair| {
            let name = pair.strip_prefix("page=")?;
            StaffPage::parse(name)
        })
    })
}

/// The session token from the `Cookie` header: the cookie of the page the request names, else
/// the plain session cookie.
fn session_cookie(parts: &Parts) -> Option<String> {
    let name = StaffPage::cookie(requested_page(parts));
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_string())
        })
}

/// The CSRF token of a session: derived from its token, so only a page that was given it at
/// sign-in knows it, and a forged cross-site request, which the browser may send with the
/// cookie, does not.
pub fn csrf_token(session_token: &str) -> String {
    sha256_hex(&format!("csrf:{session_token}"))
}

/// A request that changes state with a session cookie carries `X-CSRF-Token`.
fn check_csrf(parts: &Parts, session_token: &str) -> Result<(), ApiError> {
    use axum::http::Method;
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    if sent.is_some_and(|sent| sent == csrf_token(session_token)) {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "csrf_failed",
            "this request needs the session's CSRF token",
        ))
    }
}

/// A new random token: 256 bits, hex.
pub fn new_token() -> String {
    random_hex(32)
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Hashes a password with argon2id and a random salt (slow by design: run it off the reactor).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| ApiError::internal())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::internal())
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks that a staff user of `role` may have `branch`: an administrator serves the whole
/// network, a manager or receptionist one branch.
pub fn check_role_branch(role: Role, branch: Option<BranchId>) -> Result<(), ApiError> {
    match (role, branch) {
        (Role::Admin, Some(_)) => Err(ApiError::invalid(
            "an administrator serves the whole network; a branch's head is a manager",
        )),
        (role, None) if role.needs_branch() => Err(ApiError::invalid(
            "a manager or receptionist belongs to a branch",
        )),
        _ => Ok(()),
    }
}

/// A username as Talon takes one: 1 to 64 letters, digits, `.`, `_`, `-` or `@`. Parsed at the
/// edge, so nothing longer ever becomes a rate-limit key, a log field or a query.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Username(String);

impl TryFrom<String> for Username {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let ok = (1..=MAX_USERNAME_CHARS).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if ok {
            Ok(Username(name))
        } else {
            Err("a username has 1 to 64 letters, digits, '.', '_', '-' or '@'")
        }
    }
}

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// A string schema for the types parsed from a string at the edge.
fn string_schema(description: &str, pattern: Option<&str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .into()
}

impl PartialSchema for Username {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "1 to 64 letters, digits, `.`, `_`, `-` or `@`.",
            Some(r"^[\p{L}\p{N}._@-]{1,64}$"),
        )
    }
}

impl ToSchema for Username {}

impl PartialSchema for Password {
    fn schema() -> RefOr<Schema> {
        string_schema("The password, at most 1024 characters.", None)
    }
}

impl ToSchema for Password {}

impl PartialSchema for NewPassword {
    fn schema() -> RefOr<Schema> {
        string_schema("A new password: 8 to 200 characters.", None)
    }
}

impl ToSchema for NewPassword {}

impl PartialSchema for StaffRole {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["admin", "manager", "receptionist", "operator"]))
            .into()
    }
}

impl ToSchema for StaffRole {}

impl PartialSchema for DeviceRole {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["kiosk", "display"]))
            .into()
    }
}

impl ToSchema for DeviceRole {}

/// A password given at sign-in: never shown by `Debug`, and at most 1,024 characters (a
/// longer one cannot be any user's, whose passwords have at most 200).
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl TryFrom<String> for Password {
    type Error = &'static str;

    fn try_from(password: String) -> Result<Self, Self::Error> {
        if password.chars().count() <= 1024 {
            Ok(Password(password))
        } else {
            Err("a password has at most 1024 characters")
        }
    }
}

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A new password, meeting the rules: 8 to 200 characters.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct NewPassword(String);

impl TryFrom<String> for NewPassword {
    type Error = &'static str;

    fn try_from(password: String) -> Result<Self, Self::Error> {
        if (8..=200).contains(&password.chars().count()) {
            Ok(NewPassword(password))
        } else {
            Err("a password has 8 to 200 characters")
        }
    }
}

impl NewPassword {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// The role of a person: admin, manager, receptionist or operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct StaffRole(pub Role);

impl TryFrom<String> for StaffRole {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Role::parse(&text)
            .filter(|r| r.is_staff())
            .map(StaffRole)
            .ok_or("role is admin, manager, receptionist or operator")
    }
}

/// The role of a device: kiosk or display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DeviceRole(pub Role);

impl TryFrom<String> for DeviceRole {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Role::parse(&text)
            .filter(|r| !r.is_staff())
            .map(DeviceRole)
            .ok_or("role is kiosk or display")
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_credentials;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_nothing_else_passes() {
        for (value, token) in [
            ("Bearer abc123", Some("abc123")),
            ("bearer abc123", Some("abc123")),
            ("BEARER abc123==", Some("abc123==")),
            ("Bearer  abc123", None),
            ("Bearer abc123 ", None),
            ("Bearer ", None),
            ("Bearer", None),
            ("Basic abc123", None),
            ("Bearer abc 123", None),
        ] {
            assert_eq!(bearer_credentials(value), token, "{value:?}");
        }
    }
}

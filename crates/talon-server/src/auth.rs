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
use sha2::{Digest, Sha256};
use std::sync::Arc;
use talon_core::{BranchId, OperatorId};

/// What a caller may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Network administrator: configures everything, may act on any workplace.
    Admin,
    /// Works a workplace; scoped to one branch or, without one, to all.
    Operator,
    /// A ticket kiosk of one branch.
    Kiosk,
    /// A hall or counter display of one branch.
    Display,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Kiosk => "kiosk",
            Role::Display => "display",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Admin, Role::Operator, Role::Kiosk, Role::Display]
            .into_iter()
            .find(|r| r.as_str() == text)
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Operator)
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
    /// Fails unless the caller has one of `roles` and may touch `branch`.
    pub fn require(&self, roles: &[Role], branch: Option<BranchId>) -> Result<(), ApiError> {
        let branch_ok = match (self.branch, branch) {
            (Some(mine), Some(asked)) => mine == asked,
            _ => true,
        };
        if roles.contains(&self.role) && branch_ok {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Fails unless the caller administers the whole network, not one branch.
    pub fn require_network_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin && self.branch.is_none() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The operator an action is taken as: an operator acts as themself and only at their own
    /// workplace; an administrator is not bound to one.
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
}

impl FromRequestParts<Arc<App>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or_else(ApiError::unauthorized)?;
        let hash = sha256_hex(&token);
        let record = app
            .store
            .token(&hash, jiff::Timestamp::now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let role = Role::parse(&record.role).ok_or_else(ApiError::unauthorized)?;
        Ok(Principal {
            role,
            user_id: record.user_id,
            branch: record.branch,
            token_hash: hash,
            printer: record
                .printer
                .and_then(|json| serde_json::from_str(&json).ok()),
        })
    }
}

/// The token from `Authorization: Bearer …`, or, for event streams and announcement audio only,
/// from `?access_token=`: `EventSource` and `<audio>` cannot set headers, and tokens elsewhere in
/// URLs would end up in logs and browser histories.
fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let token = value.strip_prefix("Bearer ")?.trim();
        return (!token.is_empty()).then(|| token.to_string());
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

/// Checks the rules a new password must meet.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if (8..=200).contains(&chars) {
        Ok(())
    } else {
        Err(ApiError::invalid("a password has 8 to 200 characters"))
    }
}

/// A username: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
pub fn check_username(name: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "a username has 1 to 64 letters, digits, '.', '_', '-' or '@'",
        ))
    }
}

//! Staff on SQLite: users with their password hashes and assigned profiles, and tokens (staff
//! sessions and device tokens, by their hash). Disabling a user also deletes every session
//! they hold, so their open pages and streams stop at once rather than at the sessions' expiry.

use super::SqliteStore;
use crate::error::StoreError;
use crate::records::{NewUser, TokenKind, TokenRecord, User};
use crate::time::{parse, stored};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use talon_core::{BranchId, ProfileId};

const USER_COLUMNS: &str =
    "SELECT id, username, password_hash, role, branch_id, disabled, profiles FROM users";

impl SqliteStore {
    pub async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.write(move |conn| {
            let inserted = conn.execute(
                "INSERT INTO users (username, password_hash, role, branch_id, created_at, \
                 profiles) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user.username,
                    user.password_hash,
                    user.role,
                    user.branch.map(|b| b.0 as i64),
                    stored(Timestamp::now()),
                    profiles_json(&user.profiles)?,
                ],
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(StoreError::Duplicate("username"));
                }
                other => other?,
            };
            Ok(User {
                id: conn.last_insert_rowid() as u64,
                username: user.username,
                password_hash: user.password_hash,
                role: user.role,
                branch: user.branch,
                disabled: false,
                profiles: user.profiles,
            })
        })
        .await
    }

    pub async fn user_by_username(&self, username: String) -> Result<Option<User>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} WHERE username = ?1"))?;
            Ok(stmt.query_row([username], user_from_row).optional()?)
        })
        .await
    }

    pub async fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} WHERE id = ?1"))?;
            Ok(stmt.query_row([id as i64], user_from_row).optional()?)
        })
        .await
    }

    pub async fn set_user_profiles(
        &self,
        id: u64,
        profiles: Option<Vec<ProfileId>>,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET profiles = ?2 WHERE id = ?1",
                params![id as i64, profiles_json(&profiles)?],
            )? > 0)
        })
        .await
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{USER_COLUMNS} ORDER BY id"))?;
            let users = stmt
                .query_map([], user_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(users)
        })
        .await
    }

    pub async fn set_user_disabled(
        &self,
        id: u64,
        disabled: bool,
    ) -> Result<Option<Vec<String>>, StoreError> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE users SET disabled = ?1 WHERE id = ?2",
                params![disabled, id as i64],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            if !disabled {
                return Ok(Some(Vec::new()));
            }
            let mut stmt = conn.prepare(
                "DELETE FROM tokens WHERE user_id = ?1 AND kind = ?2 RETURNING token_hash",
            )?;
            let hashes = stmt
                .query_map(params![id as i64, TokenKind::Session.as_str()], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(hashes))
        })
        .await
    }

    pub async fn insert_token(&self, token: TokenRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tokens (token_hash, kind, role, user_id, branch_id, name, \
                 created_at, expires_at, printer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    token.token_hash,
                    token.kind.as_str(),
                    token.role,
                    token.user_id.map(|u| u as i64),
                    token.branch.map(|b| b.0 as i64),
                    token.name,
                    stored(Timestamp::now()),
                    token.expires_at.map(stored),
                    token.printer,
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn token(
        &self,
        token_hash: String,
        now: Timestamp,
    ) -> Result<Option<TokenRecord>, StoreError> {
        self.read(move |conn| {
            // Two plain lookups rather than a join: SQLite re-prepares the joined query on
            // every run, and this is on the path of every authenticated request.
            let mut stmt = conn.prepare_cached(
                "SELECT token_hash, kind, role, user_id, branch_id, name, expires_at, printer \
                 FROM tokens WHERE token_hash = ?1",
            )?;
            let row = stmt
                .query_row([token_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .optional()?;
            let Some((token_hash, kind, role, user_id, branch, name, expires_at, printer)) = row
            else {
                return Ok(None);
            };
            let expires_at = expires_at
                .map(|t| parse(&t, "a token's expiry"))
                .transpose()?;
            if expires_at.is_some_and(|t| t <= now) {
                return Ok(None);
            }
            if let Some(user) = user_id {
                let disabled: Option<i64> = conn
                    .prepare_cached("SELECT disabled FROM users WHERE id = ?1")?
                    .query_row([user], |r| r.get(0))
                    .optional()?;
                if disabled != Some(0) {
                    return Ok(None);
                }
            }
            Ok(Some(TokenRecord {
                token_hash,
                kind: TokenKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("token kind {kind}")))?,
                role,
                user_id: user_id.map(|u| u as u64),
                branch: branch.map(|b| BranchId(b as u64)),
                name,
                expires_at,
                printer,
            }))
        })
        .await
    }

    pub async fn delete_token(&self, token_hash: String) -> Result<bool, StoreError> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM tokens WHERE token_hash = ?1", [token_hash])? > 0)
        })
        .await
    }
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let profiles: Option<String> = r.get(6)?;
    Ok(User {
        id: r.get::<_, i64>(0)? as u64,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: r.get(3)?,
        branch: r.get::<_, Option<i64>>(4)?.map(|b| BranchId(b as u64)),
        disabled: r.get::<_, i64>(5)? != 0,
        profiles: profiles
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
    })
}

fn profiles_json(profiles: &Option<Vec<ProfileId>>) -> Result<Option<String>, StoreError> {
    Ok(profiles.as_ref().map(serde_json::to_string).transpose()?)
}

//! Staff on PostgreSQL: users with their password hashes and assigned profiles, and tokens (staff
//! sessions and device tokens, by their hash). Disabling a user also deletes every session they
//! hold, in the same transaction, so their open pages and streams stop at once rather than at
//! the sessions' expiry.

use super::time::Instant;
use super::{PgStore, is_unique_violation};
use crate::error::StoreError;
use crate::records::{NewUser, TokenKind, TokenRecord, User};
use jiff::Timestamp;
use talon_core::{BranchId, ProfileId};
use tokio_postgres::Row;

const USER_COLUMNS: &str =
    "SELECT id, username, password_hash, role, branch_id, disabled, profiles FROM users";

impl PgStore {
    pub async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let client = self.client().await?;
        let inserted = client
            .query_one(
                "INSERT INTO users (username, password_hash, role, branch_id, created_at, \
                 profiles) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &user.username,
                    &user.password_hash,
                    &user.role,
                    &user.branch.map(|b| b.0 as i64),
                    &Instant(Timestamp::now()),
                    &profiles_json(&user.profiles)?,
                ],
            )
            .await;
        let id: i64 = match inserted {
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("username")),
            other => other?.get(0),
        };
        Ok(User {
            id: id as u64,
            username: user.username,
            password_hash: user.password_hash,
            role: user.role,
            branch: user.branch,
            disabled: false,
            profiles: user.profiles,
        })
    }

    pub async fn user_by_username(&self, username: String) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{USER_COLUMNS} WHERE username = $1"))
            .await?;
        client
            .query_opt(&statement, &[&username])
            .await?
            .map(|r| user_from_row(&r))
            .transpose()
    }

    pub async fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!("{USER_COLUMNS} WHERE id = $1"))
            .await?;
        client
            .query_opt(&statement, &[&(id as i64)])
            .await?
            .map(|r| user_from_row(&r))
            .transpose()
    }

    pub async fn set_user_profiles(
        &self,
        id: u64,
        profiles: Option<Vec<ProfileId>>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE users SET profiles = $2 WHERE id = $1",
                &[&(id as i64), &profiles_json(&profiles)?],
            )
            .await?;
        Ok(changed > 0)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let client = self.client().await?;
        client
            .query(&format!("{USER_COLUMNS} ORDER BY id"), &[])
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    pub async fn set_user_disabled(
        &self,
        id: u64,
        disabled: bool,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE users SET disabled = $1 WHERE id = $2",
                &[&disabled, &(id as i64)],
            )
            .await?;
        if changed == 0 {
            return Ok(None);
        }
        let hashes = if disabled {
            tx.query(
                "DELETE FROM tokens WHERE user_id = $1 AND kind = $2 RETURNING token_hash",
                &[&(id as i64), &TokenKind::Session.as_str()],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect()
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok(Some(hashes))
    }

    pub async fn insert_token(&self, token: TokenRecord) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO tokens (token_hash, kind, role, user_id, branch_id, name, \
                 created_at, expires_at, printer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &token.token_hash,
                    &token.kind.as_str(),
                    &token.role,
                    &token.user_id.map(|u| u as i64),
                    &token.branch.map(|b| b.0 as i64),
                    &token.name,
                    &Instant(Timestamp::now()),
                    &token.expires_at.map(Instant),
                    &token.printer,
                ],
            )
            .await?;
        Ok(())
    }

    pub async fn token(
        &self,
        token_hash: String,
        now: Timestamp,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let client = self.client().await?;
        // One round trip on the path of every authenticated request: the user's flag comes
        // with the token.
        let statement = client
            .prepare_cached(
                "SELECT t.token_hash, t.kind, t.role, t.user_id, t.branch_id, t.name, \
                 t.expires_at, t.printer, u.disabled \
                 FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            )
            .await?;
        let Some(row) = client.query_opt(&statement, &[&token_hash]).await? else {
            return Ok(None);
        };
        let expires_at = row.try_get::<_, Option<Instant>>(6)?.map(|t| t.0);
        if expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let user_id: Option<i64> = row.try_get(3)?;
        let disabled: Option<bool> = row.try_get(8)?;
        if user_id.is_some() && disabled != Some(false) {
            return Ok(None);
        }
        let kind: &str = row.try_get(1)?;
        Ok(Some(TokenRecord {
            token_hash: row.try_get(0)?,
            kind: TokenKind::parse(kind)
                .ok_or_else(|| StoreError::Corrupt(format!("token kind {kind}")))?,
            role: row.try_get(2)?,
            user_id: user_id.map(|u| u as u64),
            branch: row
                .try_get::<_, Option<i64>>(4)?
                .map(|b| BranchId(b as u64)),
            name: row.try_get(5)?,
            expires_at,
            printer: row.try_get(7)?,
        }))
    }

    pub async fn delete_token(&self, token_hash: String) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let deleted = client
            .execute("DELETE FROM tokens WHERE token_hash = $1", &[&token_hash])
            .await?;
        Ok(deleted > 0)
    }
}

fn user_from_row(r: &Row) -> Result<User, StoreError> {
    let profiles: Option<&str> = r.try_get(6)?;
    Ok(User {
        id: r.try_get::<_, i64>(0)? as u64,
        username: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        role: r.try_get(3)?,
        branch: r.try_get::<_, Option<i64>>(4)?.map(|b| BranchId(b as u64)),
        disabled: r.try_get(5)?,
        profiles: profiles.map(serde_json::from_str).transpose()?,
    })
}

fn profiles_json(profiles: &Option<Vec<ProfileId>>) -> Result<Option<String>, StoreError> {
    Ok(profiles.as_ref().map(serde_json::to_string).transpose()?)
}

//! Ending a user's sessions: disabling a user also deletes every session token they hold, so
//! their open pages and streams stop at once rather than at the sessions' expiry.

use crate::error::StoreError;
use crate::records::TokenKind;
use crate::sqlite::SqliteStore;
use rusqlite::params;

impl SqliteStore {
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
}

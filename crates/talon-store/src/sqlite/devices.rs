//! Kiosks and displays on SQLite: pairing codes that turn into device tokens, the devices of a
//! branch, and revoking one.

use super::SqliteStore;
use crate::error::StoreError;
use crate::records::{Device, NewPairing, Pairing, TokenKind, TokenRecord};
use crate::time::{parse, stored};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use talon_core::{BranchId, WorkplaceId};

impl SqliteStore {
    pub async fn insert_pairing(&self, new: NewPairing) -> Result<(), StoreError> {
        self.write(move |conn| {
            let now = Timestamp::now();
            conn.execute("DELETE FROM pairings WHERE expires_at <= ?1", [stored(now)])?;
            let p = new.pairing;
            conn.execute(
                "INSERT INTO pairings (code_hash, branch_id, role, name, printer, workplace_id, \
                 created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    new.code_hash,
                    p.branch.0 as i64,
                    p.role,
                    p.name,
                    p.printer,
                    p.workplace.map(|w| w.0 as i64),
                    stored(now),
                    stored(new.expires_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn redeem_pairing(
        &self,
        code_hash: String,
        token: TokenRecord,
        now: Timestamp,
    ) -> Result<Option<Pairing>, StoreError> {
        self.write(move |conn| {
            let found = conn
                .query_row(
                    "SELECT branch_id, role, name, printer, workplace_id FROM pairings \
                     WHERE code_hash = ?1 AND expires_at > ?2",
                    params![code_hash, stored(now)],
                    |r| {
                        Ok(Pairing {
                            branch: BranchId(r.get::<_, i64>(0)? as u64),
                            role: r.get(1)?,
                            name: r.get(2)?,
                            printer: r.get(3)?,
                            workplace: r.get::<_, Option<i64>>(4)?.map(|w| WorkplaceId(w as u64)),
                        })
                    },
                )
                .optional()?;
            let Some(pairing) = found else {
                return Ok(None);
            };
            conn.execute("DELETE FROM pairings WHERE code_hash = ?1", [&code_hash])?;
            conn.execute(
                "INSERT INTO tokens (token_hash, kind, role, user_id, branch_id, name, \
                 created_at, expires_at, printer) VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, NULL, ?7)",
                params![
                    token.token_hash,
                    TokenKind::Device.as_str(),
                    pairing.role,
                    pairing.branch.0 as i64,
                    pairing.name,
                    stored(now),
                    pairing.printer,
                ],
            )?;
            Ok(Some(pairing))
        })
        .await
    }

    pub async fn void_pairings(&self) -> Result<Vec<(BranchId, u64)>, StoreError> {
        self.write(move |conn| {
            let mut stmt =
                conn.prepare("DELETE FROM pairings WHERE expires_at > ?1 RETURNING branch_id")?;
            let branches = stmt
                .query_map([stored(Timestamp::now())], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut counts: Vec<(BranchId, u64)> = Vec::new();
            for branch in branches {
                let branch = BranchId(branch as u64);
                match counts.iter_mut().find(|(b, _)| *b == branch) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((branch, 1)),
                }
            }
            counts.sort();
            Ok(counts)
        })
        .await
    }

    pub async fn open_pairings(&self, branch: BranchId, now: Timestamp) -> Result<u64, StoreError> {
        self.read(move |conn| {
            let count: i64 = conn.query_row(
                "SELECT count(*) FROM pairings WHERE branch_id = ?1 AND expires_at > ?2",
                params![branch.0 as i64, stored(now)],
                |r| r.get(0),
            )?;
            Ok(count as u64)
        })
        .await
    }

    pub async fn devices(&self, branch: BranchId) -> Result<Vec<Device>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT rowid, role, name, created_at, printer FROM tokens \
                 WHERE kind = ?1 AND branch_id = ?2 ORDER BY rowid",
            )?;
            let rows =
                stmt.query_map(params![TokenKind::Device.as_str(), branch.0 as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })?;
            let mut devices = Vec::new();
            for row in rows {
                let (id, role, name, created_at, printer) = row?;
                devices.push(Device {
                    id: id as u64,
                    role,
                    name,
                    created_at: parse(&created_at, "a device's time")?,
                    printer,
                });
            }
            Ok(devices)
        })
        .await
    }

    pub async fn revoke_device(
        &self,
        branch: BranchId,
        id: u64,
    ) -> Result<Option<String>, StoreError> {
        self.write(move |conn| {
            let hash = conn
                .query_row(
                    "DELETE FROM tokens WHERE rowid = ?1 AND branch_id = ?2 AND kind = ?3 \
                     RETURNING token_hash",
                    params![id as i64, branch.0 as i64, TokenKind::Device.as_str()],
                    |r| r.get::<_, String>(0),
                )
                .optional()?;
            Ok(hash)
        })
        .await
    }
}

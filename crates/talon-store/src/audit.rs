//! The audit log's hash chain, the same in every backend. A record's hash is SHA-256 over a
//! canonical serialisation of its stored values: a JSON array of a version tag, the fields in
//! column order (sequence, instant as stored text, user, name, role, branch, action, target as
//! stored JSON text, outcome) and the previous hash. A backend that can hold a value in another
//! type than written (SQLite) serialises what it holds, so a field changed even to the same
//! text in another type no longer matches.

use crate::records::AuditEntry;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The previous hash of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names the serialisation, so a future change of it cannot be mistaken for tampering.
const VERSION: &str = "talon-audit/1";

/// A record's stored values, in column order, before its own hash.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signed {
    pub seq: i64,
    pub at: String,
    pub user: Option<i64>,
    pub name: Option<String>,
    pub role: String,
    pub branch: Option<i64>,
    pub action: String,
    pub target: String,
    pub outcome: i64,
    pub prev_hash: String,
}

impl Signed {
    /// The values of `entry` as the record after `prev_hash` stores them.
    pub fn of(
        seq: i64,
        entry: &AuditEntry,
        prev_hash: String,
    ) -> Result<Signed, serde_json::Error> {
        Ok(Signed {
            seq,
            // The signed text of the instant, to the microsecond like every stored instant.
            at: crate::time::stored(entry.at),
            user: entry.user.map(|u| u as i64),
            name: entry.name.clone(),
            role: entry.role.clone(),
            branch: entry.branch.map(|b| b.0 as i64),
            action: entry.action.clone(),
            target: serde_json::to_string(&entry.target)?,
            outcome: i64::from(entry.outcome),
            prev_hash,
        })
    }

    /// The canonical values, as [`hash_of`] takes them.
    pub fn canonical(&self) -> Vec<Value> {
        vec![
            json!(self.seq),
            json!(self.at),
            json!(self.user),
            json!(self.name),
            json!(self.role),
            json!(self.branch),
            json!(self.action),
            json!(self.target),
            json!(self.outcome),
            json!(self.prev_hash),
        ]
    }

    pub fn hash(&self) -> String {
        hash_of(self.canonical())
    }
}

/// The hash of a record from its canonical values (all columns but the hash, in order).
pub(crate) fn hash_of(values: Vec<Value>) -> String {
    let mut canonical = vec![Value::from(VERSION)];
    canonical.extend(values);
    hex(&Sha256::digest(
        Value::Array(canonical).to_string().as_bytes(),
    ))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

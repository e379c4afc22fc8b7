//! Store errors. They are `Clone` because one group commit answers many waiting callers.

use thiserror::Error;

#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// Another writer appended to the branch first; reload and try again.
    #[error("the branch's event log moved on")]
    Conflict,
    /// A unique value (a username, say) is taken.
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("database error: {0}")]
    Database(String),
    /// Stored data could not be read back.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("the store is closed")]
    Closed,
    /// The database was written by a newer Talon: its schema is ahead of what this one knows.
    #[error(
        "the database has schema version {found}, newer than this Talon knows ({known}); run the newer Talon or restore a backup"
    )]
    NewerSchema { found: u64, known: u64 },
    /// A copy's target already holds data: a copy only ever fills an empty database.
    #[error("the target database is not empty: {0} has rows")]
    NotEmpty(&'static str),
    /// A copy did not arrive whole: counts or the audit chain differ between the two sides.
    #[error("the copy differs from its source: {0}")]
    CopyMismatch(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The driver's own text names only the kind ("db error"); the database's message, the
        // useful part, is its source.
        StoreError::Database(match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Closed => StoreError::Closed,
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Database(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

//! The PostgreSQL backend: one database shared by any number of Talon instances.
//!
//! Queries run on a small pool of connections; every write that must be atomic is one
//! transaction, and what the instances must agree on the database serialises: a branch's
//! commits by the lock on its `branches` row, the audit chain and migrations by
//! transaction-level advisory locks. Two connections live outside the pool, each for as long as
//! what it holds: one listens for what other instances commit and revoke (`notices.rs`), one
//! holds the lead of the periodic work (`lead.rs`). Migrations (`migrations/postgres`) are
//! tracked in `talon_schema`; a database newer than this code is refused and left alone.

mod audit;
mod branches;
mod copy;
mod customers;
mod devices;
mod lead;
mod notices;
mod staff;
mod time;

use crate::error::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{Client, Config, Connection, NoTls, Socket};

const MIGRATIONS: &[&str] = &[include_str!("../../migrations/postgres/0001_init.sql")];

/// How many pooled connections one instance opens at most.
const POOL_SIZE: usize = 16;

/// How long connecting may take before it counts as failed, so an unreachable database is an
/// error rather than a wait.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an idle connection waits before TCP asks whether the other side is still there: a
/// dedicated connection is idle most of the time, and a peer gone without a word would otherwise
/// go unnoticed for hours.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// The keys of Talon's advisory locks; every instance takes the same ones. Their high bytes
/// spell "talon", to keep clear of other users of the database.
const MIGRATION_LOCK: i64 = 0x7461_6c6f_6e00_0001;
const AUDIT_LOCK: i64 = 0x7461_6c6f_6e00_0002;
const LEAD_LOCK: i64 = 0x7461_6c6f_6e00_0003;

/// How Talon's connections name themselves in `pg_stat_activity`.
const POOL_NAME: &str = "talon";
pub(crate) const LISTEN_NAME: &str = "talon-listen";
pub(crate) const LEAD_NAME: &str = "talon-lead";

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// Where the dedicated connections go.
    config: Config,
    lead: tokio::sync::Mutex<lead::Lead>,
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL or `key=value` pairs), creates
    /// the pool and runs the migrations the database has not had.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError::Database(format!("the PostgreSQL address: {e}")))?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(KEEPALIVE_IDLE);
        let mut pooled = config.clone();
        pooled.application_name(POOL_NAME);
        let manager = Manager::from_config(
            pooled,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let mut client = pool.get().await?;
        migrate(&mut client).await?;
        drop(client);
        Ok(PgStore {
            inner: Arc::new(Inner {
                pool,
                config,
                lead: tokio::sync::Mutex::new(lead::Lead::default()),
            }),
        })
    }

    /// The schema version the database holds, read on a pooled connection.
    pub async fn ping(&self) -> Result<crate::Schema, StoreError> {
        let found: i64 = self
            .client()
            .await?
            .query_one("SELECT COALESCE(max(version), 0) FROM talon_schema", &[])
            .await?
            .get(0);
        Ok(crate::Schema {
            found: found as u64,
            known: MIGRATIONS.len() as u64,
        })
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        Ok(self.inner.pool.get().await?)
    }

    /// A connection of its own, outside the pool, named `name` in `pg_stat_activity`. Its
    /// `Connection` half must be driven (polled or spawned) for the client to work.
    async fn dedicated(
        config: &Config,
        name: &str,
    ) -> Result<(Client, Connection<Socket, NoTlsStream>), StoreError> {
        let mut config = config.clone();
        config.application_name(name);
        Ok(config.connect(NoTls).await?)
    }
}

/// Runs the migrations the database has not had, all in one transaction under an advisory
/// lock: instances starting at once wait for each other, and the second finds the work done.
/// A database whose version is newer than this code is refused, and the transaction that looked
/// is rolled back, leaving it as it was.
async fn migrate(client: &mut deadpool_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS talon_schema (\
             version BIGINT PRIMARY KEY, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .await?;
    let version: i64 = tx
        .query_one("SELECT COALESCE(max(version), 0) FROM talon_schema", &[])
        .await?
        .get(0);
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::NewerSchema {
            found: version as u64,
            known: known as u64,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO talon_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `e` is the database refusing a second row with the same unique key.
fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

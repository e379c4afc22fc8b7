//! The lead of the periodic work (day rollover, retention) among the instances sharing the
//! database: whoever holds a session-level advisory lock on a connection of its own leads.
//!
//! The lock lives exactly as long as the session that took it, so an instance that dies, or
//! whose connection is lost, gives the lead up without a word, and another takes it at its next
//! try. The instance that lost its connection answers that it does not lead until it has taken
//! the lock again, which it tries at its next call.

use super::{LEAD_LOCK, LEAD_NAME, PgStore};
use crate::error::StoreError;
use std::time::Duration;
use tokio_postgres::Client;

/// How long asking the database may take before the connection counts as lost: asking never
/// waits for the lock itself, only for the round trip.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// This instance's connection for the lead, and whether its session holds the lock.
#[derive(Default)]
pub(super) struct Lead {
    client: Option<Client>,
    leads: bool,
}

impl PgStore {
    /// Whether this instance leads: true while the session holding the lock is alive; if it does
    /// not lead, it tries to take the lock without waiting for it. An error means it does not
    /// lead (the database could not be asked).
    pub async fn lead(&self) -> Result<bool, StoreError> {
        let mut lead = self.inner.lead.lock().await;
        if lead.client.as_ref().is_some_and(Client::is_closed) {
            let led = lead.leads;
            *lead = Lead::default();
            if led {
                return Ok(false);
            }
        }
        if lead.leads
            && let Some(client) = &lead.client
        {
            // A round trip shows the session, and with it the lock, is still there; a closed
            // flag alone would miss a peer that vanished without closing.
            let alive = within(client.simple_query("SELECT 1")).await.is_ok();
            if !alive {
                *lead = Lead::default();
            }
            return Ok(alive);
        }
        let client = match lead.client.take() {
            Some(client) => client,
            None => {
                let (client, connection) =
                    PgStore::dedicated(&self.inner.config, LEAD_NAME).await?;
                // The connection ends when the client is dropped or the session is lost; the
                // client then reads as closed.
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            }
        };
        // On an error the client is dropped here, and the next call starts afresh.
        let took: bool = within(client.query_one("SELECT pg_try_advisory_lock($1)", &[&LEAD_LOCK]))
            .await?
            .try_get(0)?;
        *lead = Lead {
            client: Some(client),
            leads: took,
        };
        Ok(took)
    }
}

/// Awaits a query about the lead for at most [`ASK_TIMEOUT`].
async fn within<T>(
    query: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(ASK_TIMEOUT, query).await {
        Ok(answer) => Ok(answer?),
        Err(_) => Err(StoreError::Database(
            "the database did not answer about the lead in time".into(),
        )),
    }
}

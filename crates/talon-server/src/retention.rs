//! How long personal data is kept, and the purge that enforces it. Two kinds are kept: customer
//! records (a visitor's category under the keyed hash of their identifier, and a card's last
//! four digits), dropped once not updated for their retention; and visitors' ticket links,
//! after which a ticket's page no longer opens. The event log holds neither. Each purge that
//! removes something leaves an audit record saying how much, never what.

use crate::app::App;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::time::Duration;
use talon_store::{AuditEntry, Purged, StoreError};

/// How often the purge runs; it also runs at start.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Days each kind of personal data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// A customer record, counted from its last update.
    pub customer_days: u32,
    /// A ticket's link (its page), counted from the ticket's issue.
    pub ticket_link_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            customer_days: 3 * 365,
            ticket_link_days: 30,
        }
    }
}

/// Removes what is past its retention at `now` and audits it; answers (customer records, ticket
/// links) removed.
pub async fn purge(app: &App, now: Timestamp) -> Result<Purged, StoreError> {
    let days = |n: u32| SignedDuration::from_hours(24 * i64::from(n));
    let customers_before = now - days(app.retention.customer_days);
    let links_before = now - days(app.retention.ticket_link_days);
    let purged = app.store.purge(customers_before, links_before).await?;
    let (customers, links) = (purged.customers, purged.ticket_links);
    if customers + links > 0 {
        app.store
            .append_audit(AuditEntry {
                at: now,
                user: None,
                name: None,
                role: "system".into(),
                branch: None,
                action: "PURGE retention".into(),
                target: json!({
                    "customer_records": customers,
                    "ticket_links": links,
                    "customers_not_updated_since": customers_before,
                    "tickets_issued_before": links_before,
                }),
                outcome: 200,
            })
            .await?;
        tracing::info!(customers, links, "purged personal data past its retention");
    }
    Ok(purged)
}

/// Runs the purge at start and then periodically, on the instance that leads the periodic work.
pub fn start(app: std::sync::Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            if !crate::workers::leads(&app).await {
                continue;
            }
            if let Err(e) = purge(&app, Timestamp::now()).await {
                tracing::warn!(error = %e, "the retention purge failed");
            }
        }
    });
}

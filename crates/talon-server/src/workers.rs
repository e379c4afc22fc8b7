//! Background work that keeps a branch running unattended: the retention purge (`retention.rs`),
//! and a periodic tick that closes past business days and, because the engine makes automatic
//! calls after every command, also calls visitors whose postponement ended or whose appointment
//! came due at workplaces that call by themselves. With several instances on one database, the
//! one that holds the lead (a PostgreSQL advisory lock) does this work; the others stand by and
//! take over when it stops.

use crate::app::App;
use std::sync::Arc;
use std::time::Duration;
use talon_core::Command;

/// How often each branch ticks. A tick that finds nothing to do writes nothing.
const ROLLOVER_EVERY: Duration = Duration::from_secs(10);

pub fn start(app: Arc<App>) {
    crate::retention::start(app.clone());
    crate::refusals::start(app.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ROLLOVER_EVERY);
        loop {
            tick.tick().await;
            if !leads(&app).await {
                continue;
            }
            for branch in app.branches.all() {
                if let Err(e) = branch.execute(Command::Rollover, |_, _| ()).await {
                    tracing::warn!(branch = %branch.id, error = %e.message, "rollover failed");
                }
            }
        }
    });
}

/// Whether this instance leads the periodic work now.
pub async fn leads(app: &App) -> bool {
    match app.store.lead().await {
        Ok(lead) => lead,
        Err(e) => {
            tracing::warn!(error = %e, "whether this instance leads is unknown; it stands by");
            false
        }
    }
}

//! Background work that keeps a branch running unattended: closing past business days.

use crate::app::App;
use std::sync::Arc;
use std::time::Duration;
use talon_core::Command;

/// How often each branch checks whether its business day has ended.
const ROLLOVER_EVERY: Duration = Duration::from_secs(60);

pub fn start(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ROLLOVER_EVERY);
        loop {
            tick.tick().await;
            for branch in app.branches.all() {
                if let Err(e) = branch.execute(Command::Rollover, |_, _| ()).await {
                    tracing::warn!(branch = %branch.id, error = %e.message, "rollover failed");
                }
            }
        }
    });
}

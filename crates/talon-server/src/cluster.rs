//! Several instances on one database. Each instance's state of a branch is a cache of the log:
//! a notice that another instance committed makes the branch's actor read what is new and
//! publish it to its own subscribers; a branch created elsewhere is loaded and started; a token
//! revoked elsewhere ends the streams opened with it here. Notices are hints, not the truth: after
//! the listening connection was lost, and every few seconds anyway, every branch's head in the
//! database is compared with the instance's, so a lost notice delays an event, never loses it.

use crate::app::App;
use std::sync::Arc;
use std::time::Duration;
use talon_core::BranchId;
use talon_store::{Notice, StoreError};

/// How often every branch's head is compared with the database's, notices or not.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Follows the other instances, when the database is shared.
pub async fn follow(app: Arc<App>) -> Result<(), StoreError> {
    let Some(mut notices) = app.store.notices().await? else {
        return Ok(());
    };
    tokio::spawn(async move {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                notice = notices.recv() => match notice {
                    Some(Notice::Committed { branch, seq }) => committed(&app, branch, seq).await,
                    Some(Notice::Revoked { token_hash }) => {
                        let _ = app.revoked.send(Arc::from(token_hash.as_str()));
                    }
                    Some(Notice::Reconnected) => sweep_all(&app).await,
                    None => return,
                },
                _ = sweep.tick() => sweep_all(&app).await,
            }
        }
    });
    Ok(())
}

/// Brings this instance's branch up to `seq`, starting the branch if it is new here.
async fn committed(app: &App, branch: BranchId, seq: u64) {
    match app.branches.get(branch) {
        Some(handle) => {
            if let Err(e) = handle.catch_up(seq).await {
                tracing::warn!(%branch, error = %e.message, "a branch could not catch up");
            }
        }
        None => match app.store.load_branch(branch).await {
            Ok(Some(state)) => {
                app.branches
                    .start_if_absent(branch, state, app.store.clone(), app.metrics.clone());
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%branch, error = %e, "a new branch could not be loaded"),
        },
    }
}

async fn sweep_all(app: &App) {
    match app.store.branch_heads().await {
        Ok(heads) => {
            for (branch, seq) in heads {
                committed(app, branch, seq).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "the branches' heads could not be read"),
    }
}

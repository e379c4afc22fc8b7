//! `talon backup`, `talon restore`, and the scheduled backups of a running server. A backup is
//! one file (see `talon_store::backup_sqlite`): the embedded database copied in one read
//! transaction while the server runs, with the data folder's identity key and demo facts. A
//! PostgreSQL installation is backed up with PostgreSQL's own tools instead.

use crate::settings::{self, DATABASE_FILE, Settings};
use std::path::{Path, PathBuf};
use std::time::Duration;
use talon_store::{Attachment, BackupCounts, Store};

type Error = super::Error;

/// The data folder's files a backup carries besides the database.
const CARRIED: [&str; 2] = ["identity.key", "demo.json"];

/// Scheduled backups: where, how often, and how many to keep.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub folder: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// Writes a backup of the installation in the data folder `data_dir` to `to`.
pub fn backup(data_dir: &Path, to: &Path) -> Result<BackupCounts, Error> {
    let mut attachments = Vec::new();
    for name in CARRIED {
        match std::fs::read(data_dir.join(name)) {
            Ok(bytes) => attachments.push(Attachment {
                name: name.to_string(),
                bytes,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {name}: {e}").into()),
        }
    }
    talon_store::backup_sqlite(&data_dir.join(DATABASE_FILE), to, &attachments)
        .map_err(|e| format!("cannot back up to {}: {e}", to.display()).into())
}

pub fn print_counts(counts: &BackupCounts) {
    for (table, rows) in &counts.tables {
        println!("  {table:<10} {rows}");
    }
}

/// Restores the backup `from` into the data folder, which must hold no installation, and
/// checks that it loads: every branch folds from its log as the server would load it.
pub async fn restore(settings: &Settings, from: &Path) -> Result<(), Error> {
    let folder = &settings.data_dir;
    settings::create_private_dir(folder)?;
    if let Some(name) = settings::DATA_FILES
        .iter()
        .find(|name| folder.join(name).exists())
    {
        return Err(format!(
            "{} already holds {name}: restore into an empty data folder, so nothing is overwritten",
            folder.display()
        )
        .into());
    }
    let restored = talon_store::restore_sqlite(from, &settings.database())
        .map_err(|e| format!("cannot restore {}: {e}", from.display()))?;
    for attachment in &restored.attachments {
        if CARRIED.contains(&attachment.name.as_str()) {
            settings::write_private(&folder.join(&attachment.name), &attachment.bytes)?;
        }
    }
    // Opening upgrades a backup of an earlier Talon; loading proves each branch folds.
    let store = Store::open_sqlite(&settings.database(), settings.durability).await?;
    let mut branches = 0;
    for branch in store.branch_ids().await? {
        store
            .load_branch(branch)
            .await?
            .ok_or_else(|| format!("branch {} does not load", branch.0))?;
        branches += 1;
    }
    println!(
        "restored {} into {}: integrity ok, audit chain intact ({} records), branches loaded: \
         {branches}",
        from.display(),
        folder.display(),
        restored.audit.verified
    );
    print_counts(&restored.counts);
    Ok(())
}

/// Takes a backup now and then every `schedule.every`, keeping the newest `schedule.keep`.
/// Failures are logged and tried again at the next turn: a backup must never stop the server.
pub async fn run_schedule(data_dir: PathBuf, schedule: Schedule) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (data_dir, schedule) = (data_dir.clone(), schedule.clone());
        let done = tokio::task::spawn_blocking(move || scheduled(&data_dir, &schedule)).await;
        match done {
            Ok(Ok(path)) => tracing::info!(path = %path.display(), "backup written"),
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
        }
    }
}

fn scheduled(data_dir: &Path, schedule: &Schedule) -> Result<PathBuf, Error> {
    settings::create_private_dir(&schedule.folder)?;
    let name = format!(
        "talon-{}.db",
        jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S%.6fZ")
    );
    let path = schedule.folder.join(name);
    backup(data_dir, &path)?;
    for old in outdated(&schedule.folder, schedule.keep)? {
        std::fs::remove_file(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
    }
    Ok(path)
}

/// The scheduled backups in `folder` beyond the newest `keep`. Their names sort by time.
fn outdated(folder: &Path, keep: usize) -> Result<Vec<PathBuf>, Error> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("talon-") && n.ends_with(".db"))
        })
        .collect();
    backups.sort();
    let surplus = backups.len().saturating_sub(keep);
    backups.truncate(surplus);
    Ok(backups)
}

#[cfg(test)]
mod tests {
    use super::outdated;

    #[test]
    fn rotation_keeps_the_newest_and_nothing_else_of_the_folder() {
        let folder = tempfile::tempdir().unwrap();
        let names = [
            "talon-20261201-010000.000000Z.db",
            "talon-20261203-010000.000000Z.db",
            "talon-20261202-010000.000000Z.db",
            "notes.txt",
            "talon-20261204-010000.000000Z.db",
        ];
        for name in names {
            std::fs::write(folder.path().join(name), b"x").unwrap();
        }
        let gone: Vec<String> = outdated(folder.path(), 2)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            gone,
            [
                "talon-20261201-010000.000000Z.db",
                "talon-20261202-010000.000000Z.db"
            ]
        );
        assert!(outdated(folder.path(), 10).unwrap().is_empty());
    }
}

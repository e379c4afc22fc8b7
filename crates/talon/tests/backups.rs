//! Backups: `talon backup` copies the installation while the server works, `talon restore`
//! brings it back into an empty folder and checks it, and a server takes its own backups on a
//! schedule. A restored installation serves what was acknowledged before the backup began.
//! A database a newer Talon wrote is refused rather than read wrongly (after a downgrade, say).

mod common;

use common::{Demo, WAIT};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn talon(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_talon"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("TALON_LOG", "warn")
        .output()
        .expect("talon runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_everything_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let demo = Demo::spawn(&data).await;
    let service = demo.service("A");
    let mut before = Vec::new();
    for _ in 0..20 {
        before.push(demo.issue(service).await);
    }

    // Kiosks keep issuing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (client, url, kiosk, stop) = (
            demo.client.clone(),
            demo.api(&format!("/branches/{}/tickets", demo.branch())),
            demo.kiosk().to_string(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let mut issued = 0;
            while !stop.load(Ordering::SeqCst) {
                let response = client
                    .post(&url)
                    .bearer_auth(&kiosk)
                    .json(&serde_json::json!({ "service": service }))
                    .send()
                    .await
                    .expect("the server answers");
                assert_eq!(response.status(), 201);
                issued += 1;
            }
            issued
        })
    };
    let file = dir.path().join("talon.backup");
    let (data_dir, backup_file) = (data.clone(), file.clone());
    let output = tokio::task::spawn_blocking(move || {
        talon(
            &["backup", "--to", backup_file.to_str().unwrap()],
            &data_dir,
        )
    })
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    let issued_meanwhile = load.await.unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("events"), "{}", text(&output));
    assert!(issued_meanwhile > 0, "the load ran during the backup");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a backup holds password hashes");

    let restored = dir.path().join("restored");
    let output = talon(&["restore", file.to_str().unwrap()], &restored);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("audit chain intact"),
        "{}",
        text(&output)
    );
    let audit = talon(&["audit", "verify"], &restored);
    assert!(audit.status.success(), "{}", text(&audit));

    // The restored folder is the same demo: same facts, same tickets, and it goes on numbering
    // where the backup left off.
    let copy = Demo::spawn(&restored).await;
    let mut facts = copy.facts.clone();
    facts.url = demo.facts.url.clone();
    assert_eq!(facts, demo.facts);
    for ticket in &before {
        let view = copy.public(ticket["token"].as_str().unwrap()).await;
        assert_eq!(view.expect(200)["number"], ticket["number"]);
    }
    let state = copy.state().await;
    let waiting = Demo::queue(&state, service)["waiting"].as_u64().unwrap();
    assert!(waiting >= before.len() as u64, "{waiting}");
    let next = copy.issue(service).await;
    let numbers: Vec<u32> = before
        .iter()
        .map(|t| common::number_value(t["number"].as_str().unwrap()))
        .collect();
    assert!(
        common::number_value(next["number"].as_str().unwrap()) > *numbers.iter().max().unwrap()
    );
}

#[tokio::test]
async fn a_restore_touches_no_installation_and_takes_no_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut demo = Demo::spawn(&data).await;
    demo.issue(demo.service("A")).await;
    let file = dir.path().join("talon.backup");
    let output = talon(&["backup", "--to", file.to_str().unwrap()], &data);
    assert!(output.status.success(), "{}", text(&output));

    // An existing backup file is not overwritten.
    let again = talon(&["backup", "--to", file.to_str().unwrap()], &data);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // Restoring over the running installation is refused, and it is left as it was.
    demo.kill().await;
    let database = std::fs::read(data.join("talon.db")).unwrap();
    let refused = talon(&["restore", file.to_str().unwrap()], &data);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("empty data folder"),
        "{}",
        text(&refused)
    );
    assert_eq!(std::fs::read(data.join("talon.db")).unwrap(), database);

    // A damaged backup is refused with its reason, and leaves no database behind.
    let bytes = std::fs::read(&file).unwrap();
    let damaged = dir.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let target = dir.path().join("from-damaged");
    let refused = talon(&["restore", damaged.to_str().unwrap()], &target);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("cannot restore"),
        "{}",
        text(&refused)
    );
    assert!(!target.join("talon.db").exists());

    // Any other SQLite file is not a backup.
    let plain = dir.path().join("plain.db");
    rusqlite::Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let refused = talon(
        &["restore", plain.to_str().unwrap()],
        &dir.path().join("from-plain"),
    );
    assert!(
        text(&refused).contains("not a Talon backup"),
        "{}",
        text(&refused)
    );
}

#[tokio::test]
async fn a_server_backs_itself_up_on_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let demo = Demo::spawn_with(
        &data,
        &[
            ("TALON_BACKUP_DIR", backups.to_str().unwrap()),
            ("TALON_BACKUP_KEEP", "2"),
            ("TALON_LOG", "info"),
        ],
    )
    .await;
    demo.issue(demo.service("A")).await;
    // The first backup is taken at start; the log says when it is complete.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !demo.log().contains("backup written") {
        assert!(tokio::time::Instant::now() < deadline, "{}", demo.log());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let files: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let restored = dir.path().join("restored");
    let output = talon(&["restore", files[0].to_str().unwrap()], &restored);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn a_database_from_a_newer_talon_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Private, as the server wants it, so that its only word is the refusal.
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let migrated = talon(&["migrate"], &data);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let file = data.join("talon.db");
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999")
        .unwrap();
    let before = std::fs::read(&file).unwrap();

    for command in [&["serve", "--listen", "127.0.0.1:0"][..], &["migrate"][..]] {
        let refused = talon(command, &data);
        assert!(!refused.status.success(), "{command:?} started");
        let said = text(&refused);
        assert!(
            said.contains("schema version 999, newer than this Talon knows"),
            "{command:?}: {said}"
        );
        assert_eq!(said.lines().count(), 1, "one clear line: {said}");
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the file is untouched"
    );
}

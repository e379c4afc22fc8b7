//! The audit log in every backend: records chain from the genesis value, concurrent appends
//! still form one chain, the database itself refuses to change or remove a record, and a record
//! changed, removed or reordered by someone who removed those guards is found by verification at
//! its sequence number. The hashes depend on the fields alone, so the same records hash the same
//! in every backend.

mod common;

use common::{TestStore, backends, sqlite};
use jiff::Timestamp;
use serde_json::json;
use talon_core::BranchId;
use talon_store::{AUDIT_GENESIS, AuditCheck, AuditEntry, AuditProblem, verify_sqlite_audit};

fn entry(i: u64) -> AuditEntry {
    AuditEntry {
        at: Timestamp::now(),
        user: (!i.is_multiple_of(3)).then_some(i),
        name: i.is_multiple_of(2).then(|| format!("user{i}")),
        role: if i.is_multiple_of(2) {
            "admin"
        } else {
            "operator"
        }
        .to_string(),
        branch: (!i.is_multiple_of(4)).then_some(BranchId(1 + i % 2)),
        action: "POST /api/v1/workplaces/{workplace}/call-next".to_string(),
        target: json!({ "workplace": i }),
        outcome: if i.is_multiple_of(5) { 403 } else { 200 },
    }
}

/// Every backend's fresh store with `records` records appended.
async fn stores_with(records: u64) -> Vec<TestStore> {
    let stores = backends().await;
    for t in &stores {
        for i in 1..=records {
            t.store.append_audit(entry(i)).await.expect("append");
        }
    }
    stores
}

/// Verifies through the open store and, for SQLite, through the file opened read-only; both
/// must agree.
async fn verify(t: &TestStore) -> AuditCheck {
    let through_store = t
        .store
        .verify_audit()
        .await
        .expect("verify through the store");
    if let Some(path) = t.sqlite_path() {
        let through_file = verify_sqlite_audit(path).expect("verify the file");
        assert_eq!(through_store, through_file);
    }
    through_store
}

#[track_caller]
fn assert_broken(t: &TestStore, check: &AuditCheck, seq: u64, problem: AuditProblem) {
    let broken = check.broken.as_ref().expect("the chain is broken");
    assert_eq!(
        (broken.seq, broken.problem),
        (seq, problem),
        "{}: {check:?}",
        t.name()
    );
    assert_eq!(check.verified, seq - 1, "the records before it are intact");
}

#[tokio::test]
async fn records_chain_from_the_genesis_value_and_read_back_in_pages() {
    for t in stores_with(0).await {
        chain_and_pages(&t).await;
    }
}

async fn chain_and_pages(t: &TestStore) {
    let store = &t.store;
    assert_eq!(
        verify(t).await,
        AuditCheck {
            verified: 0,
            head: AUDIT_GENESIS.to_string(),
            broken: None
        },
        "an empty log is intact"
    );
    let mut appended = Vec::new();
    for i in 1..=7 {
        appended.push(store.append_audit(entry(i)).await.expect("append"));
    }
    assert_eq!(appended[0].seq, 1);
    assert_eq!(appended[0].prev_hash, AUDIT_GENESIS);
    for pair in appended.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1);
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "each record names the one before"
        );
    }
    for record in &appended {
        assert_eq!(record.hash.len(), 64);
        assert!(record.hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    let all = store.audit_records(0, 100, None).await.expect("read");
    assert_eq!(all, appended, "records read back exactly as appended");
    let page = store.audit_records(2, 3, None).await.expect("read");
    assert_eq!(
        page.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    let branch_two = store
        .audit_records(0, 100, Some(BranchId(2)))
        .await
        .expect("read");
    assert_eq!(
        branch_two.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 3, 5, 7],
        "the branch filter keeps only that branch's records"
    );
    let branch_two_after = store
        .audit_records(3, 1, Some(BranchId(2)))
        .await
        .expect("read");
    assert_eq!(
        branch_two_after.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![5]
    );

    let check = verify(t).await;
    assert_eq!(
        check,
        AuditCheck {
            verified: 7,
            head: appended[6].hash.clone(),
            broken: None
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_form_one_chain() {
    for t in stores_with(0).await {
        let store = &t.store;
        let appends: Vec<_> = (1..=400)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.append_audit(entry(i)).await })
            })
            .collect();
        let mut seqs = Vec::new();
        for append in appends {
            seqs.push(append.await.expect("the task").expect("append").seq);
        }
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=400).collect::<Vec<_>>(),
            "every append got its own number"
        );
        let check = verify(&t).await;
        assert_eq!((check.verified, &check.broken), (400, &None), "{check:?}");
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_a_record() {
    for t in stores_with(3).await {
        for sql in [
            "UPDATE audit SET outcome = 200 WHERE seq = 2",
            "DELETE FROM audit WHERE seq = 3",
            "DELETE FROM audit",
        ] {
            let refused = t.try_sql(sql).await.expect_err(sql);
            assert!(
                refused.contains("append-only"),
                "{}: {sql}: {refused}",
                t.name()
            );
        }
        let check = verify(&t).await;
        assert_eq!((check.verified, &check.broken), (3, &None));
    }
}

#[tokio::test]
async fn a_changed_field_breaks_the_chain_at_that_record() {
    for t in stores_with(10).await {
        t.tamper("UPDATE audit SET outcome = 200 WHERE seq = 5")
            .await;
        assert_broken(&t, &verify(&t).await, 5, AuditProblem::Altered);
    }
}

#[tokio::test]
async fn sqlite_finds_a_field_changed_to_the_same_bytes_in_another_type() {
    // Only SQLite lets a column hold another type than it was written with.
    let t = sqlite().await;
    for i in 1..=10 {
        t.store.append_audit(entry(i)).await.expect("append");
    }
    t.tamper("UPDATE audit SET action = CAST(action AS BLOB) WHERE seq = 4")
        .await;
    assert_broken(&t, &verify(&t).await, 4, AuditProblem::Altered);
}

#[tokio::test]
async fn a_record_rehashed_after_a_change_breaks_the_next_one() {
    for t in stores_with(10).await {
        rehashed(&t).await;
    }
}

async fn rehashed(t: &TestStore) {
    let store = &t.store;
    let original = store.audit_records(0, 100, None).await.expect("read");
    // The attacker changes record 6 and gives it a hash that matches its new fields: they
    // replay records 1 to 5 into a log of their own, which yields the same hashes, and append
    // the changed record there.
    let scratch = sqlite().await.store;
    for record in &original[..5] {
        let replayed = scratch
            .append_audit(record.entry.clone())
            .await
            .expect("append");
        assert_eq!(
            replayed.hash, record.hash,
            "the hash depends on the fields alone"
        );
    }
    let mut changed = original[5].entry.clone();
    changed.user = Some(999);
    let forged = scratch.append_audit(changed).await.expect("append");
    assert_eq!(forged.prev_hash, original[5].prev_hash);
    t.tamper(&format!(
        "UPDATE audit SET actor_user = 999, hash = '{}' WHERE seq = 6",
        forged.hash
    ))
    .await;
    // Record 6 is consistent in itself now; record 7 still names the old one.
    assert_broken(t, &verify(t).await, 7, AuditProblem::Unchained);
}

#[tokio::test]
async fn a_removed_record_is_missing() {
    for t in stores_with(10).await {
        t.tamper("DELETE FROM audit WHERE seq = 7").await;
        assert_broken(&t, &verify(&t).await, 7, AuditProblem::Missing);
    }
}

#[tokio::test]
async fn a_removed_and_renumbered_record_breaks_the_chain() {
    for t in stores_with(10).await {
        // One record at a time, in order, so no two share a number on the way.
        let mut sql = "DELETE FROM audit WHERE seq = 3;".to_string();
        for seq in 4..=10 {
            sql.push_str(&format!(
                "UPDATE audit SET seq = {} WHERE seq = {seq};",
                seq - 1
            ));
        }
        t.tamper(&sql).await;
        assert_broken(&t, &verify(&t).await, 3, AuditProblem::Unchained);
    }
}

#[tokio::test]
async fn swapped_records_break_the_chain_at_the_first_of_them() {
    for t in stores_with(10).await {
        t.tamper(
            "UPDATE audit SET seq = -1 WHERE seq = 3; \
         UPDATE audit SET seq = 3 WHERE seq = 8; \
         UPDATE audit SET seq = 8 WHERE seq = -1;",
        )
        .await;
        assert_broken(&t, &verify(&t).await, 3, AuditProblem::Unchained);
    }
}

#[tokio::test]
async fn records_removed_from_the_end_change_the_head() {
    for t in stores_with(10).await {
        let before = verify(&t).await;
        t.tamper("DELETE FROM audit WHERE seq > 8").await;
        let after = verify(&t).await;
        // The chain alone cannot show a shorter log; the head kept elsewhere does.
        assert_eq!((after.verified, &after.broken), (8, &None));
        assert_ne!(after.head, before.head);
    }
}

#[tokio::test]
async fn a_dropped_audit_table_is_an_error_not_an_empty_log() {
    for t in stores_with(2).await {
        t.tamper("DROP TABLE audit").await;
        t.store
            .verify_audit()
            .await
            .expect_err("no audit table to verify");
        if let Some(path) = t.sqlite_path() {
            verify_sqlite_audit(path).expect_err("no audit table to verify");
        }
    }
}

#[test]
fn a_missing_database_file_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("talon.db");
    verify_sqlite_audit(&path).expect_err("no database");
    assert!(!path.exists(), "verification never creates a database");
}

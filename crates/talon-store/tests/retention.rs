//! The retention purge in every backend, with the clock moved: a customer record goes once it
//! has not been updated for its retention, and not a moment before; updating it keeps it.

mod common;

use common::{backends, create_branch};
use jiff::{SignedDuration, Timestamp};
use talon_core::BranchId;
use talon_store::{Customer, Purged, Store};

fn record(hash: &str) -> Customer {
    Customer {
        branch: BranchId(1),
        identifier_hash: hash.into(),
        kind: "phone".into(),
        last4: None,
        category: None,
    }
}

#[tokio::test]
async fn customer_records_go_when_their_retention_has_passed() {
    for t in backends().await {
        retention(&t.store).await;
    }
}

async fn retention(store: &Store) {
    // Records belong to a branch; the branch's own life does not matter here.
    create_branch(store, 1).await;
    store.save_customer(record("old")).await.expect("save");
    let saved = Timestamp::now();
    let retention = SignedDuration::from_hours(24 * 365);
    let purge_at = |now: Timestamp| {
        let store = store.clone();
        async move {
            store
                .purge(now - retention, now - retention)
                .await
                .expect("purge")
        }
    };

    // A day short of its retention: kept.
    let early = saved + retention - SignedDuration::from_hours(24);
    assert_eq!(purge_at(early).await, Purged::default());
    assert!(
        store
            .customer(BranchId(1), "old")
            .await
            .expect("read")
            .is_some()
    );

    // Another record is saved later; the clock moves a day past the first one's retention.
    store.save_customer(record("new")).await.expect("save");
    let late = saved + retention + SignedDuration::from_hours(24);
    let purged = purge_at(late).await;
    assert_eq!(
        purged.customers, 2,
        "both were saved more than a year before"
    );

    // Updated records count from their update.
    store.save_customer(record("kept")).await.expect("save");
    assert_eq!(purge_at(Timestamp::now()).await, Purged::default());
    assert!(
        store
            .customer(BranchId(1), "kept")
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .customer(BranchId(1), "old")
            .await
            .expect("read")
            .is_none()
    );
}

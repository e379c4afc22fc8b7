//! The retention purge in every backend, with the clock moved: a customer record goes once it
//! has not been updated for its retention, and not a moment before; updating it keeps it. A
//! ticket's link goes once it was issued before its retention: the ticket stays.

mod common;

use common::{backends, commit_of, create_branch, service};
use jiff::{SignedDuration, Timestamp};
use talon_core::{
    BranchId, BranchSettings, BranchState, Channel, Command, Language, ServiceId, TicketId,
    TimeZoneName, execute,
};
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

#[tokio::test]
async fn ticket_links_go_when_their_retention_has_passed() {
    for t in backends().await {
        ticket_links(&t.store).await;
    }
}

async fn ticket_links(store: &Store) {
    let issued = Timestamp::now();
    let mut state = BranchState::new();
    let mut events = Vec::new();
    for command in [
        Command::CreateBranch(BranchSettings {
            name: "Main".into(),
            time_zone: TimeZoneName::parse("Europe/Berlin").expect("zone"),
            languages: vec![Language::En],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        }),
        Command::DefineService(service(2)),
        Command::IssueTicket {
            category: None,
            due_at: None,
            id: TicketId(3),
            token_hash: "link".into(),
            service: ServiceId(2),
            channel: Channel::Kiosk,
            language: None,
        },
    ] {
        events.extend(execute(&mut state, &command, issued).expect("command"));
    }
    store
        .commit(commit_of(BranchId(1), 0, &state, &events))
        .await
        .expect("commit");
    let long_ago = issued - SignedDuration::from_hours(24 * 365);
    let second = SignedDuration::from_secs(1);

    assert_eq!(
        store.purge(long_ago, issued - second).await.expect("purge"),
        Purged::default(),
        "issued after the limit: kept"
    );
    assert!(store.ticket_by_token_hash("link").await.unwrap().is_some());

    let purged = store.purge(long_ago, issued + second).await.expect("purge");
    assert_eq!(purged.ticket_links, 1);
    assert!(
        store.ticket_by_token_hash("link").await.unwrap().is_none(),
        "the page no longer opens"
    );
    assert_eq!(
        store.ticket(TicketId(3)).await.unwrap().map(|t| t.branch),
        Some(BranchId(1)),
        "the ticket stays"
    );
    assert_eq!(
        store.purge(long_ago, issued + second).await.expect("purge"),
        Purged::default(),
        "a purged link is not purged again"
    );
}

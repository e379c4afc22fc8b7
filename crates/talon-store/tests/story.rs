//! One story through every store operation, in every backend: ids, the event log with its
//! projections and optimistic sequence check, snapshots, tickets, users and tokens, and what is
//! still there after the store is opened again.

mod common;

use common::{TestStore, backends, commit_of, service};

use jiff::Timestamp;
use talon_core::{
    BranchId, BranchSettings, BranchState, Channel, Command, Language, Service, ServiceId,
    TicketId, TimeZoneName, execute,
};
use talon_store::{NewUser, Store, StoreError, TokenKind, TokenRecord};

#[tokio::test]
async fn a_branch_is_written_and_read_back() {
    for mut t in backends().await {
        story(&mut t).await;
    }
}

async fn story(t: &mut TestStore) {
    let store = t.store.clone();

    let first = store.reserve_ids(10).await.expect("ids");
    let second = store.reserve_ids(10).await.expect("ids");
    assert_eq!(second, first + 10, "blocks of ids never overlap");

    let branch = BranchId(first);
    let now = Timestamp::now();
    let mut state = BranchState::new();
    let mut events = execute(
        &mut state,
        &Command::CreateBranch(BranchSettings {
            name: "Main".into(),
            time_zone: TimeZoneName::parse("Europe/Berlin").expect("zone"),
            languages: vec![Language::De, Language::En],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        }),
        now,
    )
    .expect("create");
    events.extend(
        execute(&mut state, &Command::DefineService(service(first + 1)), now).expect("service"),
    );
    events.extend(
        execute(
            &mut state,
            &Command::IssueTicket {
                category: None,
                due_at: None,
                id: TicketId(first + 2),
                token_hash: "hash-of-token".into(),
                service: ServiceId(first + 1),
                channel: Channel::Kiosk,
                language: None,
            },
            now,
        )
        .expect("issue"),
    );
    store
        .commit(commit_of(branch, 0, &state, &events))
        .await
        .expect("commit");

    // A writer that did not see these events is refused and changes nothing.
    let stale = store.commit(commit_of(branch, 0, &state, &events)).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");

    assert_eq!(store.branch_ids().await.expect("ids"), vec![branch]);
    let loaded = store
        .load_branch(branch)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(loaded.view(now), state.view(now));
    assert_eq!(loaded.seq(), 3);

    let after_one = store.events_after(branch, 1, 100).await.expect("events");
    assert_eq!(
        after_one.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(after_one[1].kind, "ticket_issued");
    let third: talon_core::Event = serde_json::from_str(&after_one[1].body).expect("JSON");
    assert_eq!(third, events[2], "the body is the event as committed");
    assert_eq!(
        store.events_after(branch, 1, 1).await.expect("page").len(),
        1
    );

    let found = store
        .ticket_by_token_hash("hash-of-token")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        (found.branch, found.ticket.number.as_str()),
        (branch, "A001")
    );
    assert_eq!(Some(&found.ticket), state.ticket(TicketId(first + 2)));
    assert!(
        store
            .ticket_by_token_hash("other")
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        store
            .ticket(TicketId(first + 2))
            .await
            .expect("lookup")
            .map(|t| t.branch),
        Some(branch)
    );

    // With a snapshot, loading starts from it and replays only what came after.
    let more = execute(
        &mut state,
        &Command::DefineService(Service {
            prefix: "B".into(),
            ..service(first + 3)
        }),
        now,
    )
    .expect("second service");
    let mut with_snapshot = commit_of(branch, 3, &state, &more);
    with_snapshot.snapshot = Some(serde_json::to_string(&state.snapshot()).expect("snapshot"));
    store
        .commit(with_snapshot)
        .await
        .expect("commit with snapshot");
    let reloaded = store
        .load_branch(branch)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(reloaded.view(now), state.view(now));

    let user = store
        .create_user(NewUser {
            profiles: None,
            username: "anna".into(),
            password_hash: "$argon2id$…".into(),
            role: "operator".into(),
            branch: Some(branch),
        })
        .await
        .expect("user");
    let twin = store
        .create_user(NewUser {
            profiles: None,
            username: "anna".into(),
            password_hash: "x".into(),
            role: "admin".into(),
            branch: None,
        })
        .await;
    assert!(
        matches!(twin, Err(StoreError::Duplicate("username"))),
        "{twin:?}"
    );
    assert_eq!(
        store.user_by_username("anna").await.expect("read"),
        Some(user.clone())
    );
    assert_eq!(store.users().await.expect("users").len(), 1);

    let expired = TokenRecord {
        printer: None,
        token_hash: "old".into(),
        kind: TokenKind::Session,
        role: "operator".into(),
        user_id: Some(user.id),
        branch: Some(branch),
        name: None,
        expires_at: Some(
            now.checked_sub(jiff::SignedDuration::from_secs(1))
                .expect("past"),
        ),
    };
    store.insert_token(expired).await.expect("token");
    assert!(
        store.token("old", now).await.expect("read").is_none(),
        "expired tokens are dead"
    );
    let device = TokenRecord {
        printer: None,
        token_hash: "kiosk".into(),
        kind: TokenKind::Device,
        role: "kiosk".into(),
        user_id: None,
        branch: Some(branch),
        name: Some("Kiosk 1".into()),
        expires_at: None,
    };
    store.insert_token(device.clone()).await.expect("token");
    assert_eq!(store.token("kiosk", now).await.expect("read"), Some(device));
    assert!(store.delete_token("kiosk").await.expect("delete"));
    assert!(store.token("kiosk", now).await.expect("read").is_none());

    // Everything is still there after the store is opened again.
    drop(store);
    t.reopen().await;
    let store = t.store.clone();
    let again = store
        .load_branch(branch)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(again.view(now), state.view(now));
    assert!(store.reserve_ids(1).await.expect("ids") >= second + 10);
}

#[tokio::test]
async fn a_failing_write_among_concurrent_ones_leaves_the_others_intact() {
    for t in backends().await {
        concurrent_writes(&t.store).await;
    }
}

async fn concurrent_writes(store: &Store) {
    let users = (0..50).map(|i| {
        let store = store.clone();
        // Every tenth name repeats an earlier one and must fail alone.
        let name = if i % 10 == 9 {
            format!("user{}", i - 1)
        } else {
            format!("user{i}")
        };
        tokio::spawn(async move {
            store
                .create_user(NewUser {
                    profiles: None,
                    username: name,
                    password_hash: "x".into(),
                    role: "operator".into(),
                    branch: None,
                })
                .await
        })
    });
    let mut failed = 0;
    for task in users.collect::<Vec<_>>() {
        if task.await.expect("task").is_err() {
            failed += 1;
        }
    }
    assert_eq!(failed, 5);
    assert_eq!(store.users().await.expect("users").len(), 45);
}

/// Staff and customers: assigned profiles, disabling a user (which ends their sessions and
/// answers them), and a customer record saved, updated, read with its times and erased.
#[tokio::test]
async fn staff_and_customer_records_change_and_read_back() {
    for t in backends().await {
        staff_and_customers(&t.store).await;
    }
}

async fn staff_and_customers(store: &Store) {
    let now = Timestamp::now();
    common::create_branch(store, 1).await;
    let user = store
        .create_user(NewUser {
            profiles: Some(vec![talon_core::ProfileId(5)]),
            username: "boris".into(),
            password_hash: "h".into(),
            role: "operator".into(),
            branch: Some(BranchId(1)),
        })
        .await
        .expect("user");
    assert_eq!(store.user(user.id).await.expect("read"), Some(user.clone()));
    assert!(store.user(user.id + 1000).await.expect("read").is_none());
    assert!(
        store
            .set_user_profiles(user.id, None)
            .await
            .expect("profiles")
    );
    assert!(
        !store
            .set_user_profiles(user.id + 1000, None)
            .await
            .expect("profiles"),
        "no such user"
    );
    assert_eq!(
        store.user(user.id).await.expect("read").unwrap().profiles,
        None
    );
    for hash in ["s1", "s2"] {
        store
            .insert_token(TokenRecord {
                printer: None,
                token_hash: hash.into(),
                kind: TokenKind::Session,
                role: "operator".into(),
                user_id: Some(user.id),
                branch: Some(BranchId(1)),
                name: None,
                expires_at: None,
            })
            .await
            .expect("session");
    }
    let mut ended = store
        .set_user_disabled(user.id, true)
        .await
        .expect("disable")
        .expect("the user exists");
    ended.sort();
    assert_eq!(ended, ["s1", "s2"], "disabling ends every session");
    assert!(store.token("s1", now).await.expect("read").is_none());
    assert!(store.user(user.id).await.expect("read").unwrap().disabled);
    assert_eq!(
        store
            .set_user_disabled(user.id, false)
            .await
            .expect("enable"),
        Some(Vec::new())
    );
    assert_eq!(
        store
            .set_user_disabled(user.id + 1000, true)
            .await
            .expect("disable"),
        None
    );

    let record = talon_store::Customer {
        branch: BranchId(1),
        identifier_hash: "hmac".into(),
        kind: "card".into(),
        last4: Some("4242".into()),
        category: Some(talon_core::CategoryId(15)),
    };
    store.save_customer(record.clone()).await.expect("save");
    let first = store
        .customer_times(BranchId(1), "hmac")
        .await
        .expect("times")
        .expect("kept");
    let updated = talon_store::Customer {
        category: None,
        ..record.clone()
    };
    store.save_customer(updated.clone()).await.expect("update");
    assert_eq!(
        store.customer(BranchId(1), "hmac").await.expect("read"),
        Some(updated)
    );
    let second = store
        .customer_times(BranchId(1), "hmac")
        .await
        .expect("times")
        .expect("kept");
    assert_eq!(second.created_at, first.created_at, "created once");
    assert!(second.updated_at >= first.updated_at);
    assert!(
        store
            .customer(BranchId(2), "hmac")
            .await
            .expect("read")
            .is_none(),
        "a record belongs to its branch"
    );
    assert!(
        store
            .delete_customer(BranchId(1), "hmac")
            .await
            .expect("erase")
    );
    assert!(
        !store
            .delete_customer(BranchId(1), "hmac")
            .await
            .expect("erase")
    );
    assert!(
        store
            .customer_times(BranchId(1), "hmac")
            .await
            .expect("times")
            .is_none()
    );
}

/// Every branch's head is its last sequence number, as committed.
#[tokio::test]
async fn branch_heads_are_the_last_committed_sequence_numbers() {
    for t in backends().await {
        assert!(t.store.branch_heads().await.unwrap().is_empty());
        common::create_branch(&t.store, 4).await;
        common::create_branch(&t.store, 2).await;
        assert_eq!(
            t.store.branch_heads().await.unwrap(),
            vec![(BranchId(2), 1), (BranchId(4), 1)]
        );
    }
}

//! Copying an embedded installation into PostgreSQL: everything a running Talon reads comes back
//! the same from the copy (branches from their snapshots and logs, tickets, users, sessions,
//! devices with their ids, open pairing codes, customer records, the audit log with the same
//! head), new users and devices are numbered after the copied ones, tables larger than a batch
//! arrive whole, and a target that holds anything is refused and left as it was.

mod common;

use common::{TestStore, commit_of, postgres, service, sqlite};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use talon_core::{
    BranchId, BranchSettings, BranchState, CategoryId, Channel, Command, Language, ProfileId,
    ServiceId, TicketId, TimeZoneName, execute,
};
use talon_store::{
    AuditEntry, Customer, NewPairing, NewUser, Pairing, Store, StoreError, TokenKind, TokenRecord,
    copy,
};

const BRANCHES: [BranchId; 2] = [BranchId(1), BranchId(2)];
const SESSIONS: [&str; 4] = ["s-alice", "s-old", "s-bob", "s-carol"];
const DEVICES: [&str; 2] = ["d1", "d2"];

/// Creates a branch with a service and `tickets` tickets over two commits, the first with a
/// snapshot, so loading it takes the snapshot and the events after it.
async fn branch(store: &Store, id: BranchId, tickets: u64, now: Timestamp) -> BranchState {
    let mut state = BranchState::new();
    let mut events = execute(
        &mut state,
        &Command::CreateBranch(BranchSettings {
            name: format!("Branch {}", id.0),
            time_zone: TimeZoneName::parse("Europe/Berlin").expect("zone"),
            languages: vec![Language::En, Language::De],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        }),
        now,
    )
    .expect("create");
    let service_id = id.0 * 100;
    events.extend(
        execute(
            &mut state,
            &Command::DefineService(service(service_id)),
            now,
        )
        .unwrap(),
    );
    let issue = |state: &mut BranchState, n: u64| {
        execute(
            state,
            &Command::IssueTicket {
                category: None,
                due_at: None,
                id: TicketId(id.0 * 10_000 + n),
                token_hash: format!("link-{}-{n}", id.0),
                service: ServiceId(service_id),
                channel: Channel::Kiosk,
                language: None,
            },
            now,
        )
        .expect("a ticket")
    };
    let head = tickets - tickets / 10;
    for n in 0..head {
        events.extend(issue(&mut state, n));
    }
    let mut first = commit_of(id, 0, &state, &events);
    first.snapshot = Some(serde_json::to_string(&state.snapshot()).expect("snapshot"));
    store.commit(first).await.expect("commit");
    let expected = state.seq();
    let mut tail = Vec::new();
    for n in head..tickets {
        tail.extend(issue(&mut state, n));
    }
    store
        .commit(commit_of(id, expected, &state, &tail))
        .await
        .expect("commit the tail");
    state
}

fn audit_entry(i: u64) -> AuditEntry {
    AuditEntry {
        at: Timestamp::now(),
        user: (!i.is_multiple_of(3)).then_some(i),
        name: i.is_multiple_of(2).then(|| format!("user{i}")),
        role: "manager".into(),
        branch: (!i.is_multiple_of(4)).then_some(BranchId(1 + i % 2)),
        action: "POST /api/v1/branches/{branch}/customers/forget".into(),
        target: json!({ "branch": 1 + i % 2, "kind": "phone" }),
        outcome: if i.is_multiple_of(5) { 404 } else { 200 },
    }
}

/// An installation with some of everything, and more events, tickets and audit records than
/// one batch carries.
async fn installation(source: &TestStore) -> Vec<BranchState> {
    let store = &source.store;
    let now = Timestamp::now();
    store.reserve_ids(256).await.expect("ids");
    let states = vec![
        branch(store, BRANCHES[0], 650, now).await,
        branch(store, BRANCHES[1], 400, now).await,
    ];

    let mut users = Vec::new();
    for (username, role, branch, profiles) in [
        (
            "alice",
            "operator",
            Some(BRANCHES[0]),
            Some(vec![ProfileId(5)]),
        ),
        ("bob", "manager", Some(BRANCHES[1]), None),
        ("carol", "admin", None, None),
    ] {
        users.push(
            store
                .create_user(NewUser {
                    username: username.into(),
                    password_hash: format!("$argon2id$hash-of-{username}"),
                    role: role.into(),
                    branch,
                    profiles,
                })
                .await
                .expect("a user"),
        );
    }
    let hour = SignedDuration::from_hours(1);
    for (hash, user, expires_at) in [
        ("s-alice", &users[0], Some(now + hour * 12)),
        ("s-old", &users[0], Some(now - hour)),
        ("s-bob", &users[1], None),
        ("s-carol", &users[2], Some(now + hour)),
    ] {
        store
            .insert_token(TokenRecord {
                token_hash: hash.into(),
                kind: TokenKind::Session,
                role: user.role.clone(),
                user_id: Some(user.id),
                branch: user.branch,
                name: None,
                expires_at,
                printer: None,
            })
            .await
            .expect("a session");
    }
    store
        .set_user_disabled(users[2].id, true)
        .await
        .expect("disable");

    for (code, role) in [("p1", "kiosk"), ("p2", "display"), ("p3", "kiosk")] {
        store
            .insert_pairing(NewPairing {
                code_hash: code.into(),
                pairing: Pairing {
                    branch: BRANCHES[0],
                    role: role.into(),
                    name: format!("Device {code}"),
                    printer: (role == "kiosk").then(|| r#"{"address":"10.0.0.9:9100"}"#.into()),
                    workplace: None,
                },
                expires_at: now + hour,
            })
            .await
            .expect("a pairing");
    }
    for (code, token) in [("p1", DEVICES[0]), ("p2", DEVICES[1])] {
        let device = TokenRecord {
            token_hash: token.into(),
            kind: TokenKind::Device,
            role: String::new(),
            user_id: None,
            branch: None,
            name: None,
            expires_at: None,
            printer: None,
        };
        store
            .redeem_pairing(code, device, now)
            .await
            .expect("redeem")
            .expect("paired");
    }
    // The first device goes, so device ids have a gap the copy must keep.
    let first = store.devices(BRANCHES[0]).await.expect("devices")[0].id;
    store
        .revoke_device(BRANCHES[0], first)
        .await
        .expect("revoke")
        .expect("revoked");

    for (branch, hash, kind, last4, category) in [
        (
            BRANCHES[0],
            "hmac-a",
            "card",
            Some("4242"),
            Some(CategoryId(15)),
        ),
        (BRANCHES[0], "hmac-b", "phone", None, None),
        (
            BRANCHES[1],
            "hmac-a",
            "document",
            None,
            Some(CategoryId(16)),
        ),
    ] {
        store
            .save_customer(Customer {
                branch,
                identifier_hash: hash.into(),
                kind: kind.into(),
                last4: last4.map(Into::into),
                category,
            })
            .await
            .expect("a customer");
    }

    // Appended at once, as the server's requests would; the writer chains them in one order.
    let appends: Vec<_> = (1..=1100)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.append_audit(audit_entry(i)).await })
        })
        .collect();
    for append in appends {
        append.await.expect("task").expect("append");
    }
    states
}

/// Everything the server reads is the same in `copy` as in `source`.
async fn same_reads(source: &Store, copy: &Store, states: &[BranchState]) {
    let now = Timestamp::now();
    assert_eq!(
        copy.branch_ids().await.unwrap(),
        source.branch_ids().await.unwrap()
    );
    assert_eq!(
        copy.branch_heads().await.unwrap(),
        source.branch_heads().await.unwrap()
    );
    for (branch, state) in BRANCHES.iter().zip(states) {
        let loaded = copy.load_branch(*branch).await.unwrap().expect("copied");
        assert_eq!(loaded.seq(), state.seq());
        assert_eq!(loaded.view(now), state.view(now));
        assert_eq!(
            copy.events_after(*branch, 0, 10_000).await.unwrap(),
            source.events_after(*branch, 0, 10_000).await.unwrap()
        );
        for ticket in state.tickets() {
            assert_eq!(
                copy.ticket(ticket.id).await.unwrap(),
                source.ticket(ticket.id).await.unwrap()
            );
            assert_eq!(
                copy.ticket_by_token_hash(&ticket.token_hash).await.unwrap(),
                source
                    .ticket_by_token_hash(&ticket.token_hash)
                    .await
                    .unwrap()
            );
        }
        assert_eq!(
            copy.devices(*branch).await.unwrap(),
            source.devices(*branch).await.unwrap()
        );
        assert_eq!(
            copy.open_pairings(*branch, now).await.unwrap(),
            source.open_pairings(*branch, now).await.unwrap()
        );
        for hash in ["hmac-a", "hmac-b"] {
            assert_eq!(
                copy.customer(*branch, hash).await.unwrap(),
                source.customer(*branch, hash).await.unwrap()
            );
            assert_eq!(
                copy.customer_times(*branch, hash).await.unwrap(),
                source.customer_times(*branch, hash).await.unwrap()
            );
        }
    }
    assert_eq!(copy.users().await.unwrap(), source.users().await.unwrap());
    for hash in SESSIONS.iter().chain(&DEVICES) {
        assert_eq!(
            copy.token(hash, now).await.unwrap(),
            source.token(hash, now).await.unwrap(),
            "{hash}"
        );
    }
    assert_eq!(
        copy.audit_records(0, 5000, None).await.unwrap(),
        source.audit_records(0, 5000, None).await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_copy_reads_back_as_its_source() {
    let source = sqlite().await;
    let states = installation(&source).await;
    let target = postgres().await;

    let report = copy(&source.store, &target.store).await.expect("copy");
    let events: u64 = states.iter().map(|s| s.seq()).sum();
    assert_eq!(report.next_id, 257);
    assert_eq!(
        report.tables(),
        [
            ("branches", 2),
            ("events", events),
            ("snapshots", 2),
            ("tickets", 1050),
            ("users", 3),
            ("tokens", 4),
            ("pairings", 1),
            ("customers", 3),
            ("audit", 1100),
        ],
        "carol's session ended when she was disabled; d1 was revoked"
    );
    assert!(events > 1000 && report.tickets > 1000, "more than a batch");

    same_reads(&source.store, &target.store, &states).await;
    let check = target.store.verify_audit().await.expect("verify");
    assert_eq!(check, source.store.verify_audit().await.expect("verify"));
    assert_eq!((check.verified, &check.broken), (1100, &None));

    // Numbering goes on where the source's would.
    assert_eq!(
        target.store.reserve_ids(1).await.unwrap(),
        source.store.reserve_ids(1).await.unwrap()
    );
    let dave = NewUser {
        username: "dave".into(),
        password_hash: "x".into(),
        role: "operator".into(),
        branch: None,
        profiles: None,
    };
    assert_eq!(
        target.store.create_user(dave.clone()).await.unwrap().id,
        source.store.create_user(dave).await.unwrap().id
    );
    let now = Timestamp::now();
    for t in [&source, &target] {
        t.store
            .insert_pairing(NewPairing {
                code_hash: "p4".into(),
                pairing: Pairing {
                    branch: BRANCHES[1],
                    role: "display".into(),
                    name: "Hall".into(),
                    printer: None,
                    workplace: None,
                },
                expires_at: now + SignedDuration::from_mins(5),
            })
            .await
            .unwrap();
        let device = TokenRecord {
            token_hash: "d4".into(),
            kind: TokenKind::Device,
            role: String::new(),
            user_id: None,
            branch: None,
            name: None,
            expires_at: None,
            printer: None,
        };
        t.store.redeem_pairing("p4", device, now).await.unwrap();
    }
    assert_eq!(
        target.store.devices(BRANCHES[1]).await.unwrap(),
        source.store.devices(BRANCHES[1]).await.unwrap()
    );

    // Copied once, it holds everything: a second copy is refused.
    let again = copy(&source.store, &target.store).await;
    assert!(
        matches!(again, Err(StoreError::NotEmpty("branches"))),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_target_holding_anything_is_refused_and_left_as_it_was() {
    let source = sqlite().await;
    common::create_branch(&source.store, 1).await;
    source
        .store
        .append_audit(audit_entry(1))
        .await
        .expect("append");

    let with_a_user = postgres().await;
    with_a_user
        .store
        .create_user(NewUser {
            username: "early".into(),
            password_hash: "x".into(),
            role: "admin".into(),
            branch: None,
            profiles: None,
        })
        .await
        .unwrap();
    let refused = copy(&source.store, &with_a_user.store).await;
    assert!(
        matches!(refused, Err(StoreError::NotEmpty("users"))),
        "{refused:?}"
    );
    assert!(with_a_user.store.branch_ids().await.unwrap().is_empty());
    assert_eq!(with_a_user.store.users().await.unwrap().len(), 1);
    assert_eq!(with_a_user.store.verify_audit().await.unwrap().verified, 0);

    let with_ids_taken = postgres().await;
    with_ids_taken.store.reserve_ids(256).await.unwrap();
    let refused = copy(&source.store, &with_ids_taken.store).await;
    assert!(
        matches!(refused, Err(StoreError::NotEmpty("ids"))),
        "{refused:?}"
    );
    assert!(with_ids_taken.store.branch_ids().await.unwrap().is_empty());

    // A copy goes from SQLite into PostgreSQL, not the other way or sideways.
    let empty = postgres().await;
    assert!(copy(&with_a_user.store, &empty.store).await.is_err());
    assert!(copy(&empty.store, &source.store).await.is_err());
}

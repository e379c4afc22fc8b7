//! Several instances on one PostgreSQL database, each a `Store` of its own as a server process
//! would have: one hears what another commits and revokes, hears that it may have missed
//! something when its listening connection was lost, one of them at a time leads the periodic
//! work, and of two racing commits to one branch exactly one succeeds. SQLite, which one process
//! holds, has no notices and always leads.

mod common;

use common::{TestStore, commit_of, connect, create_branch, postgres, service, sqlite};
use std::time::Duration;
use talon_core::{
    BranchId, BranchSettings, BranchState, Channel, Command, Language, ServiceId, TicketId,
    TimeZoneName, execute,
};
use talon_store::{Notice, Store, StoreError};
use tokio::sync::mpsc::Receiver;

/// How long anything the database does by itself may take to show.
const PATIENCE: Duration = Duration::from_secs(10);

/// Another instance's store on the same database.
async fn another(t: &TestStore) -> Store {
    Store::open_postgres(t.postgres_url().expect("a PostgreSQL store"))
        .await
        .expect("open another")
}

async fn next_notice(notices: &mut Receiver<Notice>) -> Notice {
    tokio::time::timeout(PATIENCE, notices.recv())
        .await
        .expect("a notice in time")
        .expect("the listener runs")
}

/// Ends the server processes of this database's connections named `name`, as lost
/// connections would; answers their pids. (A store just dropped may still show its connection
/// for a moment; ending it again is harmless.)
async fn kill_connections(t: &TestStore, name: &str) -> Vec<i32> {
    let client = connect(t.postgres_url().expect("a PostgreSQL store")).await;
    let killed: Vec<i32> = client
        .query(
            // Chosen first, ended after: in one WHERE the database may end every backend
            // before it filters by name.
            "WITH named AS MATERIALIZED (SELECT pid FROM pg_stat_activity \
                 WHERE application_name = $1 AND datname = current_database()) \
             SELECT pid FROM named WHERE pg_terminate_backend(pid)",
            &[&name],
        )
        .await
        .expect("terminate")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!killed.is_empty(), "no connection named {name}");
    killed
}

/// The pids of this database's connections named `name`.
async fn connections(t: &TestStore, name: &str) -> Vec<i32> {
    connect(t.postgres_url().expect("a PostgreSQL store"))
        .await
        .query(
            "SELECT pid FROM pg_stat_activity \
             WHERE application_name = $1 AND datname = current_database()",
            &[&name],
        )
        .await
        .expect("connections")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn sqlite_has_no_notices_and_always_leads() {
    let t = sqlite().await;
    assert!(t.store.notices().await.expect("notices").is_none());
    t.store
        .notify_revoked("hash")
        .await
        .expect("nothing to tell");
    assert!(t.store.lead().await.expect("lead"));
}

#[tokio::test]
async fn a_commit_and_a_revocation_of_another_instance_are_noticed() {
    let t = postgres().await;
    let mut notices = t.store.notices().await.expect("listen").expect("notices");
    let other = another(&t).await;
    create_branch(&other, 7).await;
    assert_eq!(
        next_notice(&mut notices).await,
        Notice::Committed {
            branch: BranchId(7),
            seq: 1
        }
    );
    other.notify_revoked("abc123").await.expect("notify");
    assert_eq!(
        next_notice(&mut notices).await,
        Notice::Revoked {
            token_hash: "abc123".into()
        }
    );
    // A commit that fails tells nobody: its notification goes with its transaction.
    let stale = commit_of(BranchId(7), 0, &BranchState::new(), &[]);
    assert!(matches!(
        other.commit(stale).await,
        Err(StoreError::Conflict)
    ));
    other.notify_revoked("after").await.expect("notify");
    assert_eq!(
        next_notice(&mut notices).await,
        Notice::Revoked {
            token_hash: "after".into()
        },
        "nothing came between"
    );
}

#[tokio::test]
async fn a_lost_listening_connection_comes_back_and_says_so() {
    let t = postgres().await;
    let mut notices = t.store.notices().await.expect("listen").expect("notices");
    let killed = kill_connections(&t, "talon-listen").await;
    assert_eq!(next_notice(&mut notices).await, Notice::Reconnected);
    // It listens again, on a new connection.
    let other = another(&t).await;
    create_branch(&other, 3).await;
    assert_eq!(
        next_notice(&mut notices).await,
        Notice::Committed {
            branch: BranchId(3),
            seq: 1
        }
    );
    let listening: Vec<i32> = connections(&t, "talon-listen")
        .await
        .into_iter()
        .filter(|pid| !killed.contains(pid))
        .collect();
    assert_eq!(listening.len(), 1, "one new listener");
}

/// Asks `store` until it leads, for at most [`PATIENCE`].
async fn until_it_leads(store: &Store) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !store.lead().await.expect("lead") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lead never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_instance_at_a_time_leads_and_the_lead_passes_on() {
    let t = postgres().await;
    let first = another(&t).await;
    let second = another(&t).await;
    assert!(first.lead().await.expect("lead"), "the first to ask leads");
    assert!(!second.lead().await.expect("lead"));
    assert!(first.lead().await.expect("lead"), "and keeps leading");
    assert!(!second.lead().await.expect("lead"));

    // The leader stops: its connection closes, and the other takes the lead at a next try.
    drop(first);
    until_it_leads(&second).await;

    // The leader's connection is lost: it no longer leads, and a third instance may take the
    // lead before it takes it back; either way, one leads.
    let third = another(&t).await;
    kill_connections(&t, "talon-lead").await;
    assert!(
        !second.lead().await.expect("lead"),
        "a lost connection lost the lead"
    );
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (a, b) = (
            second.lead().await.expect("lead"),
            third.lead().await.expect("lead"),
        );
        assert!(!(a && b), "two leaders");
        if a || b {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lead never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_racing_commits_exactly_one_succeeds() {
    let t = postgres().await;
    let (one, two) = (another(&t).await, another(&t).await);
    let branch = BranchId(9);
    let now = jiff::Timestamp::now();
    let mut state = BranchState::new();
    let created = execute(
        &mut state,
        &Command::CreateBranch(BranchSettings {
            name: "Raced".into(),
            time_zone: TimeZoneName::parse("Europe/Berlin").expect("zone"),
            languages: vec![Language::En],
            announcements: Default::default(),
            hours: None,
            holidays: Vec::new(),
            ticket_texts: Default::default(),
        }),
        now,
    )
    .expect("create");
    let mut commits = vec![commit_of(branch, 0, &state, &created)];
    let expected = state.seq();
    let defined = execute(&mut state, &Command::DefineService(service(100)), now).expect("service");
    commits.push(commit_of(branch, expected, &state, &defined));
    for round in 1..=20 {
        let expected = state.seq();
        let issue = Command::IssueTicket {
            category: None,
            due_at: None,
            id: TicketId(1000 + round),
            token_hash: format!("token-{round}"),
            service: ServiceId(100),
            channel: Channel::Kiosk,
            language: None,
        };
        let events = execute(&mut state, &issue, now).expect("a ticket");
        commits.push(commit_of(branch, expected, &state, &events));
    }
    // The first round races to create the branch, the others to append to it.
    for commit in commits {
        let (a, b) = tokio::join!(one.commit(commit.clone()), two.commit(commit));
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict)))
            .count();
        assert!(
            a.is_ok() != b.is_ok() && conflicts == 1,
            "one succeeds, the other conflicts: {a:?}, {b:?}"
        );
    }
    let loaded = one
        .load_branch(branch)
        .await
        .expect("load")
        .expect("the branch");
    assert_eq!(loaded.seq(), state.seq());
    assert_eq!(loaded.view(now), state.view(now));
    assert_eq!(
        two.events_after(branch, 0, 1000)
            .await
            .expect("events")
            .len() as u64,
        state.seq(),
        "no event was written twice or lost"
    );
    let last = two
        .ticket_by_token_hash("token-20")
        .await
        .expect("lookup")
        .expect("the ticket");
    assert_eq!(Some(&last.ticket), state.ticket(TicketId(1020)));
}

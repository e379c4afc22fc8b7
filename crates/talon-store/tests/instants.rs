//! Instants and days on PostgreSQL are the values PostgreSQL itself reads: the store writes and
//! reads them in the binary protocol through its own types, so a round trip through the store
//! alone would not show a wrong epoch. Here the database's SQL reads what the store wrote, and
//! the store reads what SQL wrote.

mod common;

use common::{commit_of, connect, postgres, service};
use jiff::Timestamp;
use talon_core::{
    BranchId, BranchSettings, BranchState, Channel, Command, Language, ServiceId, TicketId,
    TimeZoneName, execute,
};

const AT: &str = "2026-12-04T23:37:25.123456Z";

#[tokio::test]
async fn postgres_reads_the_instants_and_days_the_store_writes_and_back() {
    let t = postgres().await;
    let at: Timestamp = AT.parse().unwrap();
    let mut state = BranchState::new();
    let mut events = Vec::new();
    for command in [
        Command::CreateBranch(BranchSettings {
            name: "Main".into(),
            // East of UTC, so the business day (the 5th) is not the UTC date (the 4th).
            time_zone: TimeZoneName::parse("Asia/Tokyo").expect("zone"),
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
        events.extend(execute(&mut state, &command, at).expect("command"));
    }
    t.store
        .commit(commit_of(BranchId(1), 0, &state, &events))
        .await
        .expect("commit");

    let sql = connect(t.postgres_url().unwrap()).await;
    let utc = r#"to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#;
    let row = sql
        .query_one(
            &format!(
                "SELECT {}, {}, day::text FROM events, tickets WHERE seq = 3",
                utc.replace("{}", "events.at"),
                utc.replace("{}", "tickets.created_at"),
            ),
            &[],
        )
        .await
        .expect("read as SQL");
    assert_eq!(row.get::<_, String>(0), AT, "an event's instant");
    assert_eq!(row.get::<_, String>(1), AT, "a ticket's instant");
    assert_eq!(
        row.get::<_, String>(2),
        "2026-12-05",
        "the branch's business day"
    );

    sql.batch_execute(&format!(
        "INSERT INTO tokens (token_hash, kind, role, branch_id, created_at) \
         VALUES ('d', 'device', 'kiosk', 1, '{AT}')"
    ))
    .await
    .expect("write as SQL");
    let devices = t.store.devices(BranchId(1)).await.expect("devices");
    assert_eq!(devices[0].created_at, at);
}

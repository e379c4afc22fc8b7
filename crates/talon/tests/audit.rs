//! The audit log through the real binary: staff actions, sign-ins and accesses to personal data
//! are recorded with who, where, what and how it ended, and nothing else is (kiosks issuing
//! tickets, displays reading the state); a visitor's phone number, a password or a token never
//! reaches the log; and `talon audit verify` passes the untouched database and names the record
//! an attacker holding the file changed or removed.

mod common;

use common::Demo;
use reqwest::Method;
use rusqlite::Connection;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;

const PHONE: &str = "8 916 123-45-67";
/// The national part of the number, in every form it could be written or normalised to.
const PHONE_DIGITS: &str = "9161234567";
const WRONG_PASSWORD: &str = "not-the-password-7f3a";

/// Runs `talon audit verify --data-dir <dir>` as a separate process.
async fn verify(dir: &Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_talon"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir)
        .current_dir(dir)
        .env_remove("TALON_CONFIG")
        .env_remove("TALON_DATA_DIR")
        .output()
        .await
        .expect("running talon audit verify")
}

/// Every audit record through the API, checking that each names the hash of the one before.
async fn records(demo: &Demo, admin: &str) -> Vec<Value> {
    let reply = demo.get("/audit?limit=1000", Some(admin)).await;
    let records = reply.expect(200).as_array().expect("an array").clone();
    let mut prev = "0".repeat(64);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["seq"], i as u64 + 1, "{record}");
        assert_eq!(record["prev_hash"], prev.as_str(), "{record}");
        prev = record["hash"].as_str().expect("a hash").to_string();
        assert!(common::is_hex(&prev, 64), "{record}");
    }
    records
}

/// Every value of every column of the audit table, as text.
fn audit_table_text(db: &Path) -> String {
    let conn = Connection::open(db).expect("open the database");
    let mut statement = conn
        .prepare("SELECT * FROM audit ORDER BY seq")
        .expect("select");
    let columns = statement.column_count();
    let rows = statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| {
                    Ok(match row.get::<_, rusqlite::types::Value>(i)? {
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Integer(n) => n.to_string(),
                        other => format!("{other:?}"),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .expect("query");
    rows.map(|r| r.expect("row").join("|"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn staff_actions_and_personal_data_are_recorded_and_tampering_is_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::spawn(dir.path()).await;
    let branch = demo.branch();
    let workplace = demo.workplace(0);
    let admin = demo.admin().await;
    let operator = demo.operator(0).await;
    let operator_name = demo.facts.operators[0].username.clone();

    // An operator's working day: open, call, serve, finish.
    demo.open_workplace(&operator, workplace, demo.all_services())
        .await;
    // A kiosk issues and a display reads: neither is recorded.
    let issued = demo.issue(demo.service("A")).await;
    let ticket = issued["id"].as_u64().expect("ticket id");
    let visitor_token = issued["token"].as_str().expect("token").to_string();
    demo.state().await;
    let called = demo.call_next(&operator, workplace).await.expect("a call");
    assert_eq!(called["id"], ticket);
    demo.act(&operator, ticket, "start", None).await.expect(200);
    demo.act(&operator, ticket, "finish", None)
        .await
        .expect(200);
    // A refused action is recorded too, with the refusal.
    demo.post("/branches", Some(&operator), json!({}))
        .await
        .expect_error(403, "forbidden");

    // Personal data: a lookup by staff, a ticket with an identification from the kiosk, and
    // attempts by a kiosk and by nobody.
    let lookup = json!({"identifier": {"kind": "phone", "value": PHONE}});
    let customers = format!("/branches/{branch}/customers/lookup");
    demo.post(&customers, Some(&admin), lookup.clone())
        .await
        .expect(200);
    demo.post(
        &format!("/branches/{branch}/tickets"),
        Some(demo.kiosk()),
        json!({"service": demo.service("A"), "identification": {"kind": "phone", "value": PHONE}}),
    )
    .await
    .expect(201);
    demo.post(&customers, Some(demo.kiosk()), lookup.clone())
        .await
        .expect_error(403, "forbidden");
    demo.post(&customers, None, lookup)
        .await
        .expect_error(401, "unauthorized");

    // A failed sign-in, and a sign-out.
    demo.post(
        "/auth/login",
        None,
        json!({"username": operator_name, "password": WRONG_PASSWORD}),
    )
    .await
    .expect_error(401, "invalid_credentials");
    // A device's pairing code is its password for a few minutes: attempts are sign-ins.
    let pairing = demo.post("/pair", None, json!({"code": "12345678"})).await;
    pairing.expect_error(404, "pairing_code_invalid");
    demo.send(Method::POST, "/auth/logout", Some(&operator), None)
        .await
        .expect(204);

    // Reading the log is for the network administrator alone.
    let operator_again = demo.operator(1).await;
    demo.get("/audit", Some(&operator_again))
        .await
        .expect_error(403, "forbidden");
    demo.get("/audit", Some(demo.display()))
        .await
        .expect_error(403, "forbidden");

    let records = records(&demo, &admin).await;
    let seen: Vec<(String, String, u64)> = records
        .iter()
        .map(|r| {
            (
                r["action"].as_str().expect("action").to_string(),
                r["actor"]["role"].as_str().expect("role").to_string(),
                r["outcome"].as_u64().expect("outcome"),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64)> = [
        ("POST /api/v1/auth/login", "admin", 200),
        ("POST /api/v1/auth/login", "operator", 200),
        ("POST /api/v1/workplaces/{workplace}/open", "operator", 200),
        (
            "POST /api/v1/workplaces/{workplace}/call-next",
            "operator",
            200,
        ),
        ("POST /api/v1/tickets/{key}/start", "operator", 200),
        ("POST /api/v1/tickets/{key}/finish", "operator", 200),
        ("POST /api/v1/branches", "operator", 403),
        (
            "POST /api/v1/branches/{branch}/customers/lookup",
            "admin",
            200,
        ),
        ("POST /api/v1/branches/{branch}/tickets", "kiosk", 201),
        (
            "POST /api/v1/branches/{branch}/customers/lookup",
            "kiosk",
            403,
        ),
        (
            "POST /api/v1/branches/{branch}/customers/lookup",
            "anonymous",
            401,
        ),
        ("POST /api/v1/auth/login", "anonymous", 401),
        ("POST /api/v1/pair", "anonymous", 404),
        ("POST /api/v1/auth/logout", "operator", 204),
        ("POST /api/v1/auth/login", "operator", 200),
    ]
    .into_iter()
    .map(|(a, r, o)| (a.to_string(), r.to_string(), o))
    .collect();
    assert_eq!(seen, expected, "exactly these requests are recorded");

    let operator_id = records[1]["actor"]["user"].as_u64().expect("user id");
    assert_eq!(records[1]["actor"]["name"], operator_name.as_str());
    assert_eq!(records[1]["branch"], branch, "the operator's own branch");
    assert_eq!(records[0]["branch"], Value::Null, "the admin has no branch");
    assert_eq!(records[2]["target"], json!({"workplace": workplace}));
    assert_eq!(records[2]["actor"]["user"], operator_id);
    assert_eq!(records[2]["branch"], branch, "the workplace's branch");
    assert_eq!(records[3]["target"], json!({"workplace": workplace}));
    // The action is in the route's template; the target holds the ids of its path.
    assert_eq!(records[4]["target"], json!({"ticket": ticket}));
    assert_eq!(records[5]["target"], json!({"ticket": ticket}));
    assert_eq!(records[6]["actor"]["user"], operator_id);
    assert_eq!(
        records[7]["target"],
        json!({"branch": branch, "identification": "phone"})
    );
    assert_eq!(
        records[8]["target"],
        json!({"branch": branch, "identification": "phone"})
    );
    assert_eq!(records[8]["actor"]["name"], "Demo kiosk");
    assert_eq!(records[8]["actor"]["user"], Value::Null);
    assert_eq!(records[9]["actor"]["name"], "Demo kiosk");
    assert_eq!(
        records[10]["actor"],
        json!({"user": null, "name": null, "role": "anonymous"})
    );
    assert_eq!(records[10]["branch"], branch);
    assert_eq!(
        records[11]["actor"],
        json!({"user": null, "name": operator_name, "role": "anonymous"}),
        "a failed sign-in names the account tried, not a user"
    );
    assert_eq!(
        records[13]["actor"]["user"], operator_id,
        "the caller before the token went"
    );

    // Pages and the branch filter.
    let page = demo.get("/audit?after=3&limit=2", Some(&admin)).await;
    let seqs: Vec<&Value> = page
        .expect(200)
        .as_array()
        .expect("array")
        .iter()
        .map(|r| &r["seq"])
        .collect();
    assert_eq!(seqs, [&json!(4), &json!(5)]);
    let of_branch = demo
        .get(&format!("/audit?branch={branch}&limit=1000"), Some(&admin))
        .await;
    let of_branch = of_branch.expect(200).as_array().expect("array").clone();
    assert_eq!(
        of_branch.len(),
        records.iter().filter(|r| r["branch"] == branch).count()
    );
    assert!(of_branch.iter().all(|r| r["branch"] == branch));
    demo.get("/audit?limit=0", Some(&admin))
        .await
        .expect_error(422, "validation_failed");

    // Nothing secret or personal in the log, in the table or in what the server logged.
    demo.kill().await;
    let db = dir.path().join("talon.db");
    let table = audit_table_text(&db);
    let log = demo.log();
    let password = demo.facts.admin.password.clone();
    for (what, secret) in [
        ("the phone number", PHONE_DIGITS),
        ("the phone number as typed", PHONE),
        ("a wrong password", WRONG_PASSWORD),
        ("the admin's password", password.as_str()),
        ("a staff token", admin.as_str()),
        ("the kiosk's token", demo.kiosk()),
        ("a visitor's token", visitor_token.as_str()),
    ] {
        assert!(!table.contains(secret), "the audit table holds {what}");
        assert!(!log.contains(secret), "the server log holds {what}");
    }

    // The untouched log verifies; keep a copy of it.
    let intact = verify(dir.path()).await;
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(intact.status.success(), "{intact:?}");
    assert!(
        stdout.contains(&format!("{} records verified", records.len())),
        "{stdout}"
    );
    let copy = tempfile::tempdir().expect("temp dir");
    Connection::open(&db)
        .expect("open")
        .execute("VACUUM INTO ?1", [copy.path().join("talon.db").to_str()])
        .expect("copy the database");

    // Someone with the file drops the triggers and turns the failed sign-in into a success.
    let failed_login = records[11]["seq"].as_i64().expect("seq");
    let conn = Connection::open(&db).expect("open");
    conn.execute(
        "UPDATE audit SET outcome = 200 WHERE seq = ?1",
        [failed_login],
    )
    .expect_err("the table refuses changes");
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .expect("drop the triggers");
    conn.execute(
        "UPDATE audit SET outcome = 200 WHERE seq = ?1",
        [failed_login],
    )
    .expect("tamper");
    drop(conn);
    let tampered = verify(dir.path()).await;
    let stderr = String::from_utf8_lossy(&tampered.stderr);
    assert!(
        !tampered.status.success(),
        "tampering must fail verification"
    );
    assert!(
        stderr.contains(&format!("broken at record {failed_login}:")),
        "{stderr}"
    );
    assert!(stderr.contains("changed"), "{stderr}");

    // The copy still verifies; with a record removed from it, it no longer does.
    let intact_copy = verify(copy.path()).await;
    assert!(intact_copy.status.success(), "{intact_copy:?}");
    let conn = Connection::open(copy.path().join("talon.db")).expect("open");
    conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 5;")
        .expect("tamper");
    drop(conn);
    let removed = verify(copy.path()).await;
    let stderr = String::from_utf8_lossy(&removed.stderr);
    assert!(
        !removed.status.success(),
        "a removed record must fail verification"
    );
    assert!(stderr.contains("broken at record 5:"), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");
}

/// Nothing is acknowledged without its record: while the audit log cannot be appended to, a
/// staff action is answered `503 audit_unavailable`; once it can, actions are answered again.
#[tokio::test]
async fn an_action_whose_record_cannot_be_written_is_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::spawn(dir.path()).await;
    let admin = demo.admin().await;
    let path = format!(
        "/branches/{}/workplaces/{}",
        demo.branch(),
        demo.workplace(5)
    );
    let rename = |name: &'static str| demo.put(&path, Some(&admin), json!({"name": name}));
    rename("six").await.expect(200);
    let database = rusqlite::Connection::open(dir.path().join("talon.db")).unwrap();
    database
        .execute_batch(
            "CREATE TRIGGER audit_refused BEFORE INSERT ON audit \
             BEGIN SELECT RAISE(ABORT, 'the disk refuses'); END;",
        )
        .unwrap();
    rename("seven").await.expect_error(503, "audit_unavailable");
    database
        .execute_batch("DROP TRIGGER audit_refused")
        .unwrap();
    rename("eight").await.expect(200);
}

//! Upgrading a database written by an earlier Talon: a branch's administrator of old (an admin
//! bound to a branch) becomes that branch's manager, with their session; network
//! administrators stay administrators.

use talon_core::BranchId;
use talon_store::{Durability, NewUser, Store, TokenKind, TokenRecord};

#[tokio::test]
async fn a_branch_bound_administrator_becomes_its_manager() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("talon.db");
    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("open");
    let mut ids = Vec::new();
    for (username, branch) in [("head-of-b", Some(BranchId(7))), ("root", None)] {
        let user = store
            .create_user(NewUser {
                username: username.into(),
                password_hash: "x".into(),
                role: "admin".into(),
                branch,
                profiles: None,
            })
            .await
            .expect("a user");
        store
            .insert_token(TokenRecord {
                token_hash: format!("session-{username}"),
                kind: TokenKind::Session,
                role: "admin".into(),
                user_id: Some(user.id),
                branch,
                name: None,
                expires_at: None,
                printer: None,
            })
            .await
            .expect("a session");
        ids.push(user.id);
    }
    drop(store);
    // As an earlier Talon left it: before the migration that introduced managers.
    let conn = rusqlite::Connection::open(&path).expect("the file");
    conn.pragma_update(None, "user_version", 6)
        .expect("version");
    drop(conn);

    let store = Store::open_sqlite(&path, Durability::Full)
        .await
        .expect("reopen and migrate");
    let head = store.user(ids[0]).await.expect("read").expect("kept");
    let root = store.user(ids[1]).await.expect("read").expect("kept");
    assert_eq!(
        (head.role.as_str(), head.branch),
        ("manager", Some(BranchId(7)))
    );
    assert_eq!((root.role.as_str(), root.branch), ("admin", None));
    let now = jiff::Timestamp::now();
    let session = store.token("session-head-of-b", now).await.expect("read");
    assert_eq!(session.expect("kept").role, "manager");
    let session = store.token("session-root", now).await.expect("read");
    assert_eq!(session.expect("kept").role, "admin");
}

//! Pairing codes in every backend: a code turns into one device token, once (also when devices
//! enter it at the same moment), and only before it expires; a device is revoked only within its
//! own branch.

mod common;

use common::backends;
use jiff::{SignedDuration, Timestamp};
use talon_core::{BranchId, WorkplaceId};
use talon_store::{NewPairing, Pairing, Store, TokenKind, TokenRecord};

fn pairing(branch: u64) -> Pairing {
    Pairing {
        branch: BranchId(branch),
        role: "display".into(),
        name: "Counter 3".into(),
        printer: None,
        workplace: Some(WorkplaceId(9)),
    }
}

fn device_token(hash: &str) -> TokenRecord {
    TokenRecord {
        token_hash: hash.into(),
        kind: TokenKind::Device,
        role: String::new(),
        user_id: None,
        branch: None,
        name: None,
        expires_at: None,
        printer: None,
    }
}

#[tokio::test]
async fn a_code_pairs_one_device_before_it_expires() {
    for t in backends().await {
        pairing_story(&t.store).await;
    }
}

async fn pairing_story(store: &Store) {
    let now = Timestamp::now();
    for (hash, expires_at) in [
        ("fresh", now + SignedDuration::from_mins(10)),
        ("stale", now - SignedDuration::from_secs(1)),
    ] {
        store
            .insert_pairing(NewPairing {
                code_hash: hash.into(),
                pairing: pairing(1),
                expires_at,
            })
            .await
            .expect("a pairing");
    }
    assert_eq!(
        store
            .redeem_pairing("stale", device_token("t-stale"), now)
            .await
            .expect("redeem"),
        None,
        "an expired code pairs nothing"
    );
    assert_eq!(
        store
            .redeem_pairing("fresh", device_token("t1"), now)
            .await
            .expect("redeem"),
        Some(pairing(1))
    );
    assert_eq!(
        store
            .redeem_pairing("fresh", device_token("t2"), now)
            .await
            .expect("redeem"),
        None,
        "a code pairs once"
    );
    // The token carries the pairing's role and branch, and works.
    let token = store.token("t1", now).await.expect("read").expect("stored");
    assert_eq!(
        (token.role.as_str(), token.branch, token.name.as_deref()),
        ("display", Some(BranchId(1)), Some("Counter 3"))
    );
    assert!(store.token("t2", now).await.expect("read").is_none());
    assert!(store.token("t-stale", now).await.expect("read").is_none());

    let devices = store.devices(BranchId(1)).await.expect("devices");
    assert_eq!(devices.len(), 1);
    let id = devices[0].id;
    assert_eq!(
        store.revoke_device(BranchId(2), id).await.expect("revoke"),
        None,
        "another branch cannot revoke it"
    );
    assert_eq!(
        store.revoke_device(BranchId(1), id).await.expect("revoke"),
        Some("t1".to_string())
    );
    assert!(store.token("t1", now).await.expect("read").is_none());
    assert!(
        store
            .devices(BranchId(1))
            .await
            .expect("devices")
            .is_empty()
    );
}

/// Voiding the open codes removes every branch's, answers how many each lost, and leaves the
/// expired ones out of the count.
#[tokio::test]
async fn voiding_takes_every_open_code() {
    for t in backends().await {
        let store = &t.store;
        let now = Timestamp::now();
        for (hash, branch, minutes) in [("a", 1, 10), ("b", 1, 10), ("c", 2, 10), ("d", 2, -1)] {
            store
                .insert_pairing(NewPairing {
                    code_hash: hash.into(),
                    pairing: pairing(branch),
                    expires_at: now + SignedDuration::from_mins(minutes),
                })
                .await
                .expect("a pairing");
        }
        assert_eq!(store.open_pairings(BranchId(1), now).await.unwrap(), 2);
        assert_eq!(store.open_pairings(BranchId(2), now).await.unwrap(), 1);
        assert_eq!(
            store.void_pairings().await.unwrap(),
            vec![(BranchId(1), 2), (BranchId(2), 1)]
        );
        assert_eq!(store.open_pairings(BranchId(1), now).await.unwrap(), 0);
        assert_eq!(
            store
                .redeem_pairing("a", device_token("t"), now)
                .await
                .unwrap(),
            None,
            "a voided code pairs nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_entered_at_once_by_many_pairs_one() {
    for t in backends().await {
        let now = Timestamp::now();
        t.store
            .insert_pairing(NewPairing {
                code_hash: "code".into(),
                pairing: pairing(1),
                expires_at: now + SignedDuration::from_mins(10),
            })
            .await
            .expect("a pairing");
        let redeems: Vec<_> = (0..8)
            .map(|i| {
                let store = t.store.clone();
                tokio::spawn(async move {
                    store
                        .redeem_pairing("code", device_token(&format!("t{i}")), now)
                        .await
                })
            })
            .collect();
        let mut paired = 0;
        for redeem in redeems {
            if redeem.await.expect("task").expect("redeem").is_some() {
                paired += 1;
            }
        }
        assert_eq!(paired, 1, "{}", t.name());
        assert_eq!(t.store.devices(BranchId(1)).await.unwrap().len(), 1);
    }
}

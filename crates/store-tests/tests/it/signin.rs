//! Sign-in with one-time codes, bearer tokens and shared rate limits.

use crate::fixtures::{at, seeded};
use crate::harness::{story, Harness};
use chrono::Duration;
use store::{NewLogin, NewToken, ParticipantId, StoreError};

fn new_login(id: &str, participant: ParticipantId) -> NewLogin {
    NewLogin {
        id: id.to_string(),
        participant_id: participant,
        code_hash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".into(),
        expires_at: at(2026, 3, 10, 8, 5),
        created_at: at(2026, 3, 10, 8, 0),
    }
}

async fn a_login_code_can_be_consumed_once(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let login = db
        .store
        .create_login(new_login("lg_7Qm2", world.budi.id))
        .await
        .unwrap();
    assert_eq!((login.attempts, login.consumed), (0, false));
    assert_eq!(
        db.store.login("lg_7Qm2").await.unwrap(),
        Some(login.clone())
    );

    assert!(db.store.consume_login("lg_7Qm2").await.unwrap());
    assert!(
        !db.store.consume_login("lg_7Qm2").await.unwrap(),
        "a code works once"
    );
    assert!(db.store.login("lg_7Qm2").await.unwrap().unwrap().consumed);

    assert_eq!(db.store.login("lg_none").await.unwrap(), None);
    let unknown = db.store.consume_login("lg_none").await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
    let again = db
        .store
        .create_login(new_login("lg_7Qm2", world.budi.id))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}
story!(a_login_code_can_be_consumed_once);

async fn wrong_codes_are_counted(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    db.store
        .create_login(new_login("lg_try", world.siti.id))
        .await
        .unwrap();
    for expected in 1..=3 {
        assert_eq!(
            db.store.add_login_attempt("lg_try").await.unwrap(),
            expected
        );
    }
    assert_eq!(db.store.login("lg_try").await.unwrap().unwrap().attempts, 3);
    let unknown = db.store.add_login_attempt("lg_none").await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
}
story!(wrong_codes_are_counted);

async fn an_expired_token_does_not_authenticate(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let issued = at(2026, 3, 10, 8, 0);
    db.store
        .create_token(NewToken {
            token_hash: "a3f1".repeat(16),
            participant_id: world.budi.id,
            expires_at: issued + Duration::hours(1),
            created_at: issued,
        })
        .await
        .unwrap();
    let hash = "a3f1".repeat(16);
    assert_eq!(
        db.store
            .token_participant(&hash, issued + Duration::minutes(59))
            .await
            .unwrap(),
        Some(world.budi.id)
    );
    assert_eq!(
        db.store
            .token_participant(&hash, issued + Duration::hours(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.store
            .token_participant(&"0".repeat(64), issued)
            .await
            .unwrap(),
        None
    );
}
story!(an_expired_token_does_not_authenticate);

async fn the_rate_limit_counter_counts_per_key_and_window(db: &Harness) {
    let window = at(2026, 3, 10, 8, 0);
    let next = window + Duration::minutes(1);
    assert_eq!(
        db.store
            .hit_rate_limit("otp:6281234567890", window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.store
            .hit_rate_limit("otp:6281234567890", window)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        db.store
            .hit_rate_limit("otp:6285712345678", window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.store
            .hit_rate_limit("otp:6281234567890", next)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.store
            .hit_rate_limit("otp:6281234567890", window)
            .await
            .unwrap(),
        3
    );
}
story!(the_rate_limit_counter_counts_per_key_and_window);

async fn ended_rate_limit_windows_are_pruned_oldest_first(db: &Harness) {
    let hour = at(2026, 3, 10, 8, 0);
    let hit = |key: &'static str, window| async move {
        db.store.hit_rate_limit(key, window).await.unwrap()
    };
    for minutes in [0, 1, 2] {
        hit("webchat:poll:10.0.0.1", hour + Duration::minutes(minutes)).await;
    }
    hit("webchat:poll:10.0.0.2", hour + Duration::minutes(1)).await;
    hit("webchat:poll:10.0.0.2", hour + Duration::minutes(1)).await;
    let current = hour + Duration::minutes(3);
    assert_eq!(hit("webchat:poll:10.0.0.1", current).await, 1);
    assert_eq!(hit("webchat:poll:10.0.0.1", current).await, 2);

    // At most `limit` per call, the oldest windows first.
    assert_eq!(db.store.prune_rate_limits(current, 1).await.unwrap(), 1);
    assert_eq!(
        hit("webchat:poll:10.0.0.1", hour).await,
        1,
        "the oldest went"
    );
    assert_eq!(
        hit("webchat:poll:10.0.0.2", hour + Duration::minutes(1)).await,
        3,
        "a later one stayed"
    );
    // The re-counted oldest one goes again, with every other window before `current`.
    assert_eq!(db.store.prune_rate_limits(current, 100).await.unwrap(), 4);
    assert_eq!(db.store.prune_rate_limits(current, 100).await.unwrap(), 0);
    for (key, minutes) in [
        ("webchat:poll:10.0.0.1", 0),
        ("webchat:poll:10.0.0.1", 1),
        ("webchat:poll:10.0.0.1", 2),
        ("webchat:poll:10.0.0.2", 1),
    ] {
        assert_eq!(
            hit(key, hour + Duration::minutes(minutes)).await,
            1,
            "{key} +{minutes}"
        );
    }
    // The window that had not ended before `current` kept its count.
    assert_eq!(hit("webchat:poll:10.0.0.1", current).await, 3);
}
story!(ended_rate_limit_windows_are_pruned_oldest_first);

async fn hits_from_many_requests_at_once_are_all_counted(db: &Harness) {
    let window = at(2026, 3, 10, 8, 0);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move { store.hit_rate_limit("ip:10.0.0.7", window).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>());
}
story!(hits_from_many_requests_at_once_are_all_counted);

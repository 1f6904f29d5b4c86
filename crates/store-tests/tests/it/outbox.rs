//! The outbox and the key/value metadata.

use crate::fixtures::at;
use crate::harness::{story, Harness};
use chrono::Duration;
use store::NewOutbound;

fn message(recipient: &str, body: &str, minute: i64) -> NewOutbound {
    NewOutbound::plain(
        "whatsapp",
        recipient,
        "reply",
        body,
        at(2026, 3, 10, 8, 0) + Duration::minutes(minute),
    )
}

async fn the_outbox_keeps_recent_messages_for_a_recipient_newest_first(db: &Harness) {
    let budi = "6281234567890";
    let dewi = "6285712345678";
    let first = db
        .store
        .enqueue_outbound(message(budi, "Kode OTP Anda 482913", 0))
        .await
        .unwrap();
    let other = db
        .store
        .enqueue_outbound(message(dewi, "Tagihan Anda Rp0", 1))
        .await
        .unwrap();
    let second = db
        .store
        .enqueue_outbound(message(budi, "Status kartu: AKTIF", 2))
        .await
        .unwrap();
    let third = db
        .store
        .enqueue_outbound(message(budi, "Terima kasih", 3))
        .await
        .unwrap();
    assert_eq!(first.status, "queued");
    assert!(first.id != second.id);

    assert_eq!(
        db.store.recent_outbound(Some(budi), 10).await.unwrap(),
        [third.clone(), second.clone(), first]
    );
    assert_eq!(
        db.store.recent_outbound(Some(budi), 2).await.unwrap(),
        [third.clone(), second.clone()]
    );
    assert_eq!(
        db.store.recent_outbound(None, 3).await.unwrap(),
        [third, second, other]
    );
    assert!(db
        .store
        .recent_outbound(Some("6280000000000"), 10)
        .await
        .unwrap()
        .is_empty());
}
story!(the_outbox_keeps_recent_messages_for_a_recipient_newest_first);

async fn metadata_is_set_and_replaced(db: &Harness) {
    assert_eq!(db.store.meta_get("demo.seed").await.unwrap(), None);
    db.store.meta_set("demo.seed", "42").await.unwrap();
    db.store
        .meta_set("demo.reference_date", "2026-03-10")
        .await
        .unwrap();
    db.store.meta_set("demo.seed", "7").await.unwrap();
    assert_eq!(
        db.store.meta_get("demo.seed").await.unwrap().as_deref(),
        Some("7")
    );
    assert_eq!(
        db.store
            .meta_get("demo.reference_date")
            .await
            .unwrap()
            .as_deref(),
        Some("2026-03-10")
    );
}
story!(metadata_is_set_and_replaced);

async fn metadata_set_if_absent_keeps_the_first_value(db: &Harness) {
    assert_eq!(
        db.store
            .meta_set_if_absent("form_link_secret", "first")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        db.store
            .meta_set_if_absent("form_link_secret", "second")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        db.store
            .meta_get("form_link_secret")
            .await
            .unwrap()
            .as_deref(),
        Some("first")
    );
    // Offers racing each other: all get the same one.
    let offer = |v: &'static str| db.store.meta_set_if_absent("raced", v);
    let (a, b, c, d) = tokio::join!(offer("a"), offer("b"), offer("c"), offer("d"));
    let first = a.unwrap();
    assert!(["a", "b", "c", "d"].contains(&first.as_str()));
    for other in [b, c, d] {
        assert_eq!(other.unwrap(), first);
    }
}
story!(metadata_set_if_absent_keeps_the_first_value);

async fn one_node_at_a_time_holds_a_lease(db: &Harness) {
    let store = db.store.as_ref();
    let t = |s: i64| at(2026, 11, 24, 8, 0) + Duration::seconds(s);
    // `node` asks for the lease `name` at second `from`, for ten seconds.
    let holds = |name: &'static str, node: &'static str, from: i64| {
        store.hold_lease(name, node, t(from), t(from + 10))
    };
    assert!(holds("process", "node-a", 0).await.unwrap());
    assert!(!holds("process", "node-b", 5).await.unwrap());
    // Another role is another lease.
    assert!(holds("other", "node-b", 5).await.unwrap());
    // The holder renews; the lease is still live at its last instant.
    assert!(holds("process", "node-a", 8).await.unwrap());
    assert!(!holds("process", "node-b", 18).await.unwrap());
    // Not renewed, it runs out and the other node takes it; the first no longer holds it.
    assert!(holds("process", "node-b", 19).await.unwrap());
    assert!(!holds("process", "node-a", 20).await.unwrap());
    // Released by someone else's name: nothing happens. By its holder: free at once.
    store.release_lease("process", "node-a").await.unwrap();
    assert!(!holds("process", "node-a", 21).await.unwrap());
    store.release_lease("process", "node-b").await.unwrap();
    assert!(holds("process", "node-a", 21).await.unwrap());

    // Nodes racing for a free lease: exactly one gets it.
    let race = |node: &'static str| holds("raced", node, 0);
    let (a, b, c, d) = tokio::join!(race("a"), race("b"), race("c"), race("d"));
    let winners = [a, b, c, d]
        .into_iter()
        .filter(|w| *w.as_ref().unwrap())
        .count();
    assert_eq!(winners, 1);
}
story!(one_node_at_a_time_holds_a_lease);

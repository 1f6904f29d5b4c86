//! The messaging pipeline: the inbox of provider events (stored once, processed once, with
//! everything the processing produced committed together) and the outbox's send state
//! (claims in each recipient's order, leases, retries, and delivery statuses that only move
//! forward).

use crate::fixtures::at;
use crate::harness::{story, Harness};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::BTreeSet;
use store::{
    Claim, ConversationRecord, DeliveryUpdate, InboxEvent, InboxId, InboxStats, NewInboxEvent,
    NewOutbound, NewTurn, Outbound, OutboundId, OutboxCount, OutboxFilter, OutboxState,
    ProcessedEvent, SendOutcome, StoreError, StoredRequest,
};

const WA: &str = "whatsapp";
const BUDI: &str = "6281234567890";
const DEWI: &str = "6285712345678";
const SITI: &str = "6281398765432";
const RINA: &str = "6287812345678";
/// The business phone number's id in the Cloud API paths.
const PHONE_NUMBER_ID: &str = "106540352242922";

/// A minute of the morning of 23 November 2026 (UTC).
fn min(m: i64) -> DateTime<Utc> {
    at(2026, 11, 23, 1, 0) + Duration::minutes(m)
}

fn wamid(n: u32) -> String {
    format!("wamid.HBgMNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMzQ1{n:04}")
}

fn event(provider_id: &str, conversation: &str, kind: &str, minute: i64) -> NewInboxEvent {
    NewInboxEvent {
        channel: WA.into(),
        provider_id: provider_id.into(),
        conversation: conversation.into(),
        kind: kind.into(),
        payload: json!({
            "from": conversation,
            "id": provider_id,
            "type": "text",
            "text": {"body": "cek tagihan"},
        }),
        occurred_at: min(minute),
        received_at: min(minute) + Duration::seconds(2),
    }
}

/// An event as the inbox gives it back.
fn stored(id: InboxId, e: &NewInboxEvent) -> InboxEvent {
    InboxEvent {
        id,
        channel: e.channel.clone(),
        provider_id: e.provider_id.clone(),
        conversation: e.conversation.clone(),
        kind: e.kind.clone(),
        payload: e.payload.clone(),
        occurred_at: e.occurred_at,
        received_at: e.received_at,
        processed_at: None,
        redelivery: false,
    }
}

fn text_request(to: &str, text: &str) -> StoredRequest {
    StoredRequest {
        path: format!("/{PHONE_NUMBER_ID}/messages"),
        body: json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": text, "preview_url": false},
        }),
    }
}

fn template_request(to: &str, text: &str) -> StoredRequest {
    StoredRequest {
        path: format!("/{PHONE_NUMBER_ID}/messages"),
        body: json!({
            "messaging_product": "whatsapp",
            "to": to,
            "type": "template",
            "template": {
                "name": "layan_balasan",
                "language": {"code": "id"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
            },
        }),
    }
}

fn reply(to: &str, text: &str, minute: i64) -> NewOutbound {
    NewOutbound {
        channel: WA.into(),
        recipient: to.into(),
        purpose: "reply".into(),
        body: text.into(),
        created_at: min(minute),
        request: Some(text_request(to, text)),
        unsendable: None,
        inbox_id: None,
    }
}

fn turn(direction: &str, text: &str, minute: i64) -> NewTurn {
    NewTurn {
        channel: WA.into(),
        sender: BUDI.into(),
        direction: direction.into(),
        body: json!({"type": "text", "text": text}),
        text: text.into(),
        intent: (direction == "in").then(|| "tagihan".to_string()),
        participant_id: None,
        at: min(minute),
    }
}

fn conversation(flow: &str, minute: i64) -> ConversationRecord {
    ConversationRecord {
        channel: WA.into(),
        sender: BUDI.into(),
        state: json!({"flow": {"flow": flow}, "turns": 1}),
        status: "bot".into(),
        participant_id: None,
        updated_at: min(minute),
    }
}

fn status(
    message: &str,
    ours: Option<OutboundId>,
    state: OutboxState,
    code: Option<&str>,
    minute: i64,
) -> DeliveryUpdate {
    DeliveryUpdate {
        channel: WA.into(),
        provider_message_id: message.into(),
        outbound_id: ours,
        state,
        error_code: code.map(str::to_owned),
        at: min(minute),
    }
}

/// A sender's claim at `now`: a 30-second lease, and rows whose lease ended five minutes
/// before taken over.
fn lease(now: DateTime<Utc>) -> Claim {
    Claim {
        now,
        lease_until: now + Duration::seconds(30),
        in_doubt_before: now - Duration::minutes(5),
        limit: 50,
    }
}

async fn claim(db: &Harness, channel: &str, claim: Claim) -> Vec<OutboundId> {
    db.store
        .outbox_claim(channel, claim)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect()
}

async fn enqueue(db: &Harness, m: NewOutbound) -> Outbound {
    db.store.enqueue_outbound(m).await.unwrap()
}

async fn complete(db: &Harness, id: OutboundId, outcome: SendOutcome, minute: i64) {
    db.store
        .outbox_complete(id, outcome, min(minute))
        .await
        .unwrap();
}

fn sent(n: u32) -> SendOutcome {
    SendOutcome::Sent {
        provider_message_id: Some(wamid(n)),
    }
}

fn failed(code: &str, reason: &str) -> SendOutcome {
    SendOutcome::Failed {
        code: Some(code.into()),
        reason: reason.into(),
    }
}

fn all() -> OutboxFilter {
    OutboxFilter {
        channel: None,
        state: None,
        limit: 1000,
    }
}

async fn row(db: &Harness, id: OutboundId) -> Outbound {
    db.store
        .outbox_list(&all())
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("outbound {id} not listed"))
}

async fn deliver(db: &Harness, deliveries: Vec<DeliveryUpdate>) {
    assert!(db
        .store
        .commit_processed(ProcessedEvent {
            deliveries,
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());
}

async fn pending_ids(db: &Harness, after: InboxId, limit: u32) -> Vec<InboxId> {
    db.store
        .inbox_pending(after, limit)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect()
}

// ---- the inbox ----------------------------------------------------------------------------

/// Stores one event; its id.
async fn append_one(db: &Harness, e: NewInboxEvent) -> InboxId {
    let ids = db.store.inbox_append(vec![e]).await.unwrap();
    let [id] = ids[..] else {
        panic!("one event, one id: {ids:?}")
    };
    id
}

/// Marks an event processed, with the given turns stored alongside; whether it was stored.
async fn process(db: &dyn store::Store, id: InboxId, turns: Vec<NewTurn>, minute: i64) -> bool {
    db.commit_processed(ProcessedEvent {
        inbox_id: Some(id),
        turns,
        outbound: vec![NewOutbound {
            inbox_id: Some(id),
            ..reply(BUDI, "Tunggakan Anda Rp0", minute)
        }],
        processed_at: Some(min(minute)),
        ..ProcessedEvent::default()
    })
    .await
    .unwrap()
}

/// The (id, redelivery flag) of every pending event.
async fn pending_flags(db: &dyn store::Store) -> Vec<(InboxId, bool)> {
    db.inbox_pending(InboxId(0), 100)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.id, e.redelivery))
        .collect()
}

async fn a_redelivery_is_stored_and_dropped_when_processed(db: &Harness) {
    let first = event(&wamid(1), BUDI, "message", 0);
    let dewi = event(&wamid(2), DEWI, "message", 1);
    // The provider retries the webhook: the same message, received again later.
    let again = NewInboxEvent {
        received_at: min(3),
        payload: json!({"redelivery": true}),
        ..first.clone()
    };
    let delivered = event(&format!("{}:delivered", wamid(90)), BUDI, "status", 2);
    let ids = db
        .store
        .inbox_append(vec![
            first.clone(),
            dewi.clone(),
            again.clone(),
            delivered.clone(),
        ])
        .await
        .unwrap();
    let [a, b, a2, c] = ids[..] else {
        panic!("every delivery is stored, redeliveries too: {ids:?}");
    };
    assert!(
        a < b && b < a2 && a2 < c,
        "ids follow the batch order: {ids:?}"
    );
    assert!(db.store.inbox_append(Vec::new()).await.unwrap().is_empty());
    let mut expected = vec![
        stored(a, &first),
        stored(b, &dewi),
        stored(a2, &again),
        stored(c, &delivered),
    ];
    assert_eq!(
        db.store.inbox_pending(InboxId(0), 100).await.unwrap(),
        expected,
        "nothing is flagged while no delivery is processed"
    );

    // The first delivery is processed; the listing now flags the second.
    assert!(process(&*db.store, a, vec![turn("in", "cek tagihan", 0)], 4).await);
    assert_eq!(
        pending_flags(&*db.store).await,
        [(b, false), (a2, true), (c, false)]
    );
    // Its commit stores nothing and deletes it, whatever the processing produced.
    assert!(!process(&*db.store, a2, vec![turn("in", "cek tagihan (lagi)", 0)], 5).await);
    assert_eq!(pending_flags(&*db.store).await, [(b, false), (c, false)]);
    assert_eq!(db.store.recent_turns(WA, BUDI, 10).await.unwrap().len(), 1);
    assert_eq!(db.store.outbox_list(&all()).await.unwrap().len(), 1);

    // Redelivered again while the first is still pending; the same provider id on another
    // channel, or at another time, is another event.
    let later = event(&wamid(3), BUDI, "message", 6);
    let telegram = NewInboxEvent {
        channel: "telegram".into(),
        ..event(&wamid(1), "812345678", "message", 0)
    };
    let other_time = event(&wamid(1), BUDI, "message", 7);
    let ids = db
        .store
        .inbox_append(vec![
            dewi.clone(),
            later.clone(),
            telegram.clone(),
            other_time.clone(),
        ])
        .await
        .unwrap();
    let [b2, d, e, f] = ids[..] else {
        panic!("{ids:?}");
    };
    assert!(c < b2 && b2 < d && d < e && e < f, "{ids:?}");
    assert_eq!(
        pending_flags(&*db.store).await,
        [
            (b, false),
            (c, false),
            (b2, false),
            (d, false),
            (e, false),
            (f, false)
        ],
        "a redelivery of a pending event cannot be told yet"
    );
    assert!(process(&*db.store, b, Vec::new(), 8).await);
    assert!(
        process(&*db.store, e, Vec::new(), 8).await,
        "another channel"
    );
    assert!(process(&*db.store, f, Vec::new(), 8).await, "another time");

    expected = vec![
        stored(c, &delivered),
        InboxEvent {
            redelivery: true,
            ..stored(b2, &dewi)
        },
        stored(d, &later),
    ];
    assert_eq!(
        db.store.inbox_pending(InboxId(0), 100).await.unwrap(),
        expected
    );
    let reopened = db.reopen().await;
    assert_eq!(
        reopened.inbox_pending(InboxId(0), 100).await.unwrap(),
        expected,
        "the inbox and its flags are durable"
    );
    // After a restart, a redelivery of the first event is still recognised.
    let [a3] = reopened.inbox_append(vec![first]).await.unwrap()[..] else {
        panic!("one id")
    };
    assert_eq!(
        pending_flags(&*reopened).await,
        [(c, false), (b2, true), (d, false), (a3, true)]
    );
    assert!(!process(&*reopened, a3, Vec::new(), 9).await);
    assert!(!process(&*reopened, b2, Vec::new(), 9).await);
    assert_eq!(pending_flags(&*reopened).await, [(c, false), (d, false)]);
    assert_eq!(reopened.outbox_list(&all()).await.unwrap().len(), 4);
}
story!(a_redelivery_is_stored_and_dropped_when_processed);

async fn a_large_batch_is_appended_in_order(db: &Harness) {
    // A webhook burst: hundreds of events in one group commit, the last 100 redeliveries of
    // earlier ones (the same body again).
    let mut events: Vec<NewInboxEvent> = (0..500)
        .map(|i| {
            let sender = format!("6281{:09}", 300_000_000 + i % 150);
            event(&wamid(i), &sender, "message", i64::from(i / 10))
        })
        .collect();
    events.extend_from_within(200..300);
    let ids = db.store.inbox_append(events.clone()).await.unwrap();
    assert_eq!(ids.len(), 600);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids follow the batch");
    let pending = db.store.inbox_pending(InboxId(0), 1000).await.unwrap();
    assert_eq!(pending.len(), 600);
    for ((p, e), id) in pending.iter().zip(&events).zip(&ids) {
        assert_eq!(p, &stored(*id, e));
    }
}
story!(a_large_batch_is_appended_in_order);

async fn pending_events_are_listed_in_order_after_a_cursor(db: &Harness) {
    assert_eq!(
        db.store.inbox_stats().await.unwrap(),
        InboxStats {
            pending: 0,
            oldest_pending: None
        }
    );
    let events: Vec<NewInboxEvent> = (0..4)
        .map(|i| event(&wamid(i), BUDI, "message", i64::from(i)))
        .collect();
    let ids = db.store.inbox_append(events.clone()).await.unwrap();
    let [e1, e2, e3, e4] = ids[..] else {
        panic!("{ids:?}")
    };
    assert!(db
        .store
        .commit_processed(ProcessedEvent {
            inbox_id: Some(e2),
            processed_at: Some(min(10)),
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());

    assert_eq!(pending_ids(db, InboxId(0), 100).await, [e1, e3, e4]);
    assert_eq!(pending_ids(db, e1, 100).await, [e3, e4]);
    assert_eq!(pending_ids(db, e1, 1).await, [e3]);
    assert!(pending_ids(db, e4, 100).await.is_empty());
    assert_eq!(
        db.store.inbox_stats().await.unwrap(),
        InboxStats {
            pending: 3,
            oldest_pending: Some(events[0].received_at)
        }
    );

    assert!(db
        .store
        .commit_processed(ProcessedEvent {
            inbox_id: Some(e1),
            processed_at: Some(min(11)),
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());
    assert_eq!(
        db.store.inbox_stats().await.unwrap(),
        InboxStats {
            pending: 2,
            oldest_pending: Some(events[2].received_at)
        }
    );
}
story!(pending_events_are_listed_in_order_after_a_cursor);

async fn a_processed_event_is_committed_whole_and_only_once(db: &Harness) {
    let id = append_one(db, event(&wamid(1), BUDI, "message", 0)).await;
    let first = conversation("tagihan", 1);
    let answer = |text: &str| NewOutbound {
        inbox_id: Some(id),
        ..reply(BUDI, text, 1)
    };
    let processed = ProcessedEvent {
        inbox_id: Some(id),
        turns: vec![
            turn("in", "cek tagihan", 0),
            turn("out", "Tunggakan Anda Rp0", 1),
        ],
        conversation: Some(first.clone()),
        outbound: vec![
            answer("Tunggakan Anda Rp0"),
            answer("Ada lagi yang bisa dibantu?"),
        ],
        deliveries: Vec::new(),
        processed_at: Some(min(1)),
    };
    assert!(db.store.commit_processed(processed.clone()).await.unwrap());

    assert!(pending_ids(db, InboxId(0), 10).await.is_empty());
    let texts =
        |turns: Vec<store::Turn>| -> Vec<String> { turns.into_iter().map(|t| t.text).collect() };
    assert_eq!(
        texts(db.store.recent_turns(WA, BUDI, 10).await.unwrap()),
        ["Tunggakan Anda Rp0", "cek tagihan"]
    );
    assert_eq!(
        db.store.conversation(WA, BUDI).await.unwrap(),
        Some(first.clone())
    );
    let outbox = db.store.outbox_list(&all()).await.unwrap();
    let bodies: Vec<&str> = outbox.iter().map(|o| o.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["Ada lagi yang bisa dibantu?", "Tunggakan Anda Rp0"],
        "most recent first"
    );
    for o in &outbox {
        assert_eq!(o.status, "queued");
        assert_eq!(o.inbox_id, Some(id));
        assert_eq!(o.attempts, 0);
        assert_eq!(o.next_attempt_at, min(1));
        assert_eq!(o.request, Some(text_request(BUDI, &o.body)));
    }

    // Another worker processed the same event too: its results are not stored.
    let again = ProcessedEvent {
        turns: vec![turn("out", "Tunggakan Anda Rp0 (lagi)", 2)],
        conversation: Some(conversation("kartu", 2)),
        outbound: vec![answer("Tunggakan Anda Rp0 (lagi)")],
        processed_at: Some(min(2)),
        ..processed.clone()
    };
    assert!(!db.store.commit_processed(again).await.unwrap());
    // Nor those for an event the inbox does not have.
    assert!(!db
        .store
        .commit_processed(ProcessedEvent {
            inbox_id: Some(InboxId(id.0 + 1000)),
            outbound: vec![reply(BUDI, "Halo", 2)],
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());
    assert_eq!(db.store.recent_turns(WA, BUDI, 10).await.unwrap().len(), 2);
    assert_eq!(
        db.store.conversation(WA, BUDI).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(db.store.outbox_list(&all()).await.unwrap(), outbox);

    // A failure part-way keeps nothing, not even the mark: the event stays pending.
    let second = append_one(db, event(&wamid(2), BUDI, "message", 3)).await;
    let broken = ProcessedEvent {
        inbox_id: Some(second),
        turns: vec![turn("in", "cek kartu", 3)],
        conversation: Some(conversation("kartu", 3)),
        // Names an inbox event that does not exist.
        outbound: vec![NewOutbound {
            inbox_id: Some(InboxId(second.0 + 1000)),
            ..reply(BUDI, "Kartu Anda AKTIF", 3)
        }],
        processed_at: Some(min(3)),
        ..ProcessedEvent::default()
    };
    let result = db.store.commit_processed(broken).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(pending_ids(db, InboxId(0), 10).await, [second]);
    assert_eq!(db.store.recent_turns(WA, BUDI, 10).await.unwrap().len(), 2);
    assert_eq!(db.store.conversation(WA, BUDI).await.unwrap(), Some(first));
    assert_eq!(db.store.outbox_list(&all()).await.unwrap(), outbox);

    // Work that did not come from the inbox (an agent's answer) is stored as it is.
    assert!(db
        .store
        .commit_processed(ProcessedEvent {
            outbound: vec![reply(BUDI, "Dari petugas: kartu Anda sudah aktif", 4)],
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());
    assert_eq!(db.store.outbox_list(&all()).await.unwrap().len(), 3);
}
story!(a_processed_event_is_committed_whole_and_only_once);

async fn the_last_inbound_message_opens_the_window(db: &Harness) {
    assert_eq!(db.store.last_inbound_at(WA, BUDI).await.unwrap(), None);
    let telegram = NewInboxEvent {
        channel: "telegram".into(),
        ..event("738164", BUDI, "message", 50)
    };
    let ids = db
        .store
        .inbox_append(vec![
            event(&wamid(2), BUDI, "callback", 30),
            // A status is not the participant writing.
            event(&format!("{}:read", wamid(3)), BUDI, "status", 40),
            event(&wamid(4), DEWI, "message", 45),
            telegram,
            // Delivered late (a provider retry), with its own, older time.
            event(&wamid(1), BUDI, "message", 0),
        ])
        .await
        .unwrap();
    assert_eq!(
        db.store.last_inbound_at(WA, BUDI).await.unwrap(),
        None,
        "stored is not yet processed"
    );
    for id in ids {
        assert!(db
            .store
            .commit_processed(ProcessedEvent::marking(id, min(60)))
            .await
            .unwrap());
    }
    assert_eq!(
        db.store.last_inbound_at(WA, BUDI).await.unwrap(),
        Some(min(30)),
        "the newest message counts, not the last processed or the status"
    );
    assert_eq!(
        db.store.last_inbound_at(WA, DEWI).await.unwrap(),
        Some(min(45))
    );
    assert_eq!(
        db.store.last_inbound_at("telegram", BUDI).await.unwrap(),
        Some(min(50))
    );
    assert_eq!(db.store.last_inbound_at(WA, SITI).await.unwrap(), None);

    let newer = append_one(db, event(&wamid(5), BUDI, "message", 70)).await;
    db.store
        .commit_processed(ProcessedEvent::marking(newer, min(71)))
        .await
        .unwrap();
    assert_eq!(
        db.reopen().await.last_inbound_at(WA, BUDI).await.unwrap(),
        Some(min(70))
    );
}
story!(the_last_inbound_message_opens_the_window);

// ---- the outbox ---------------------------------------------------------------------------

async fn a_claim_takes_only_the_head_of_each_recipients_line(db: &Harness) {
    let budi1 = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 0)).await;
    let dewi1 = enqueue(db, reply(DEWI, "Kartu Anda AKTIF", 0)).await;
    let budi2 = enqueue(db, reply(BUDI, "Ada lagi yang bisa dibantu?", 1)).await;
    let siti1 = enqueue(db, reply(SITI, "Jadwal Puskesmas Kencong", 2)).await;
    // Not due yet: it was created for later.
    let rina1 = enqueue(db, reply(RINA, "Pengingat iuran", 30)).await;
    let telegram = enqueue(
        db,
        NewOutbound {
            channel: "telegram".into(),
            recipient: "812345678".into(),
            request: Some(StoredRequest {
                path: "/bot{secret}/sendMessage".into(),
                body: json!({"chat_id": 812345678, "text": "Halo"}),
            }),
            ..reply("812345678", "Halo", 0)
        },
    )
    .await;
    // An sms code has no request: nothing sends it.
    enqueue(
        db,
        NewOutbound::plain(
            "sms",
            BUDI,
            "otp",
            "Kode verifikasi JKN Anda: 482913",
            min(0),
        ),
    )
    .await;

    let claimed = db.store.outbox_claim(WA, lease(min(5))).await.unwrap();
    let ids: Vec<OutboundId> = claimed.iter().map(|o| o.id).collect();
    assert_eq!(
        ids,
        [budi1.id, dewi1.id, siti1.id],
        "one per recipient, in order"
    );
    for o in &claimed {
        assert_eq!(o.status, "sending");
        assert_eq!(o.attempts, 1);
        assert_eq!(o.updated_at, min(5));
    }
    assert_eq!(
        claimed[0].request,
        Some(text_request(BUDI, "Tagihan Anda Rp0"))
    );
    assert!(
        claim(db, WA, lease(min(5))).await.is_empty(),
        "Budi's second message waits for his first"
    );

    complete(db, budi1.id, sent(1), 5).await;
    let budi1 = row(db, budi1.id).await;
    assert_eq!(budi1.status, "sent");
    assert_eq!(budi1.provider_message_id, Some(wamid(1)));
    assert_eq!(claim(db, WA, lease(min(6))).await, [budi2.id]);
    // (Nothing in doubt: the other senders are alive.)
    let later = Claim {
        in_doubt_before: min(0),
        ..lease(min(30))
    };
    assert_eq!(claim(db, WA, later).await, [rina1.id]);

    assert_eq!(
        claim(db, "telegram", lease(min(6))).await,
        [telegram.id],
        "each channel has its own lines"
    );
    assert!(claim(db, "sms", lease(min(6))).await.is_empty());
}
story!(a_claim_takes_only_the_head_of_each_recipients_line);

async fn a_claim_takes_at_most_its_limit_oldest_first(db: &Harness) {
    let mut ids = Vec::new();
    for (i, to) in [BUDI, DEWI, SITI].into_iter().enumerate() {
        ids.push(enqueue(db, reply(to, "Halo", i as i64)).await.id);
    }
    let one = Claim {
        limit: 2,
        ..lease(min(5))
    };
    assert_eq!(claim(db, WA, one).await, ids[..2]);
    assert_eq!(claim(db, WA, one).await, ids[2..]);
}
story!(a_claim_takes_at_most_its_limit_oldest_first);

async fn a_message_without_a_request_does_not_hold_up_the_line(db: &Harness) {
    // Nothing will ever send this one, so it must not block what follows.
    let plain = enqueue(
        db,
        NewOutbound::plain(WA, BUDI, "reply", "Pesan tanpa permintaan", min(0)),
    )
    .await;
    let later = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 1)).await;
    assert_eq!(claim(db, WA, lease(min(2))).await, [later.id]);
    assert_eq!(row(db, plain.id).await.status, "queued");
}
story!(a_message_without_a_request_does_not_hold_up_the_line);

async fn a_message_left_sending_is_taken_over_only_once_in_doubt(db: &Harness) {
    let first = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 0)).await;
    let second = enqueue(db, reply(BUDI, "Ada lagi?", 0)).await;
    let claimed = db
        .store
        .outbox_claim(
            WA,
            Claim {
                now: min(1),
                lease_until: min(1) + Duration::seconds(30),
                in_doubt_before: min(1) - Duration::minutes(5),
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, first.id);

    // The sender died mid-send. While its lease runs, nobody takes the message over...
    assert!(claim(db, WA, lease(min(1) + Duration::seconds(10)))
        .await
        .is_empty());
    // ...nor when the lease has ended but not before `in_doubt_before` (a status may still
    // settle it).
    let early = Claim {
        now: min(3),
        lease_until: min(3) + Duration::seconds(30),
        in_doubt_before: min(1) + Duration::seconds(20),
        limit: 10,
    };
    assert!(claim(db, WA, early).await.is_empty());
    assert_eq!(row(db, first.id).await.status, "sending");

    // Long enough: sent again, the attempt counted; the second message still waits.
    let taken = db.store.outbox_claim(WA, lease(min(8))).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, first.id);
    assert_eq!(taken[0].status, "sending");
    assert_eq!(taken[0].attempts, 2);
    assert!(claim(db, WA, lease(min(8))).await.is_empty());

    complete(db, first.id, sent(1), 8).await;
    assert_eq!(claim(db, WA, lease(min(9))).await, [second.id]);
}
story!(a_message_left_sending_is_taken_over_only_once_in_doubt);

async fn two_nodes_claiming_at_once_never_share_a_message(db: &Harness) {
    let mut heads = BTreeSet::new();
    for i in 0..40 {
        let to = format!("6281{:09}", 200_000_000 + i);
        heads.insert(enqueue(db, reply(&to, "Tagihan Anda Rp0", 0)).await.id);
        if i % 4 == 0 {
            enqueue(db, reply(&to, "Ada lagi?", 1)).await;
        }
    }
    let other = db.reopen().await;
    let mine = Claim {
        limit: 25,
        ..lease(min(5))
    };
    let (a, b) = tokio::join!(
        db.store.outbox_claim(WA, mine),
        other.outbox_claim(WA, mine)
    );
    let a: BTreeSet<OutboundId> = a.unwrap().iter().map(|o| o.id).collect();
    let b: BTreeSet<OutboundId> = b.unwrap().iter().map(|o| o.id).collect();
    assert!(a.is_disjoint(&b), "{a:?} and {b:?}");
    assert_eq!(a.union(&b).copied().collect::<BTreeSet<_>>(), heads);
}
story!(two_nodes_claiming_at_once_never_share_a_message);

async fn a_transient_failure_waits_and_a_replacement_is_sent_instead(db: &Harness) {
    let m = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 0)).await;
    assert_eq!(claim(db, WA, lease(min(1))).await, [m.id]);
    complete(
        db,
        m.id,
        SendOutcome::Retry {
            at: min(11),
            code: Some("130429".into()),
            reason: "Rate limit hit".into(),
        },
        1,
    )
    .await;
    let waiting = row(db, m.id).await;
    assert_eq!(waiting.status, "queued");
    assert_eq!(waiting.next_attempt_at, min(11));
    assert_eq!(waiting.error_code.as_deref(), Some("130429"));
    assert_eq!(waiting.error_reason.as_deref(), Some("Rate limit hit"));
    assert_eq!(waiting.attempts, 1);
    assert!(
        claim(db, WA, lease(min(5))).await.is_empty(),
        "not before its time"
    );
    let again = db.store.outbox_claim(WA, lease(min(11))).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);

    // The 24-hour window had closed: a template goes instead, at once.
    let template = template_request(BUDI, "Tagihan Anda Rp0");
    complete(
        db,
        m.id,
        SendOutcome::Replace {
            request: template.clone(),
        },
        12,
    )
    .await;
    let replaced = row(db, m.id).await;
    assert_eq!(replaced.status, "queued");
    assert_eq!(replaced.request, Some(template.clone()));
    assert_eq!(replaced.next_attempt_at, min(12));
    let third = db.store.outbox_claim(WA, lease(min(12))).await.unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].request, Some(template.clone()));
    assert_eq!(third[0].attempts, 3);
    complete(db, m.id, sent(1), 12).await;
    let done = row(db, m.id).await;
    assert_eq!(done.status, "sent");
    assert_eq!(done.error_code, None, "the earlier failure is over");

    // A finished message is not sent again by a late outcome.
    complete(
        db,
        m.id,
        SendOutcome::Retry {
            at: min(20),
            code: None,
            reason: "timeout".into(),
        },
        13,
    )
    .await;
    complete(db, m.id, failed("131000", "Something went wrong"), 13).await;
    complete(
        db,
        m.id,
        SendOutcome::Replace {
            request: text_request(BUDI, "lain"),
        },
        13,
    )
    .await;
    let still = row(db, m.id).await;
    assert_eq!(still.status, "sent");
    assert_eq!(still.request, Some(template));

    let result = db
        .store
        .outbox_complete(OutboundId(m.id.0 + 1000), sent(2), min(14))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}
story!(a_transient_failure_waits_and_a_replacement_is_sent_instead);

async fn failed_messages_are_queued_again_on_request(db: &Harness) {
    let a = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 0)).await;
    let b = enqueue(db, reply(DEWI, "Kartu Anda AKTIF", 0)).await;
    let c = enqueue(db, reply(SITI, "Jadwal Puskesmas", 0)).await;
    let unsendable = enqueue(
        db,
        NewOutbound {
            request: None,
            unsendable: Some("outside the 24-hour window and no template is configured".into()),
            ..reply(RINA, "Pengingat iuran", 0)
        },
    )
    .await;
    assert_eq!(claim(db, WA, lease(min(1))).await, [a.id, b.id, c.id]);
    complete(db, a.id, failed("131026", "Message undeliverable"), 1).await;
    complete(db, b.id, failed("131047", "Re-engagement message"), 1).await;
    complete(db, c.id, sent(3), 1).await;

    let failed_rows = db
        .store
        .outbox_list(&OutboxFilter {
            channel: Some(WA.into()),
            state: Some(OutboxState::Failed),
            limit: 10,
        })
        .await
        .unwrap();
    let ids: Vec<OutboundId> = failed_rows.iter().map(|o| o.id).collect();
    assert_eq!(ids, [unsendable.id, b.id, a.id]);
    assert_eq!(failed_rows[2].error_code.as_deref(), Some("131026"));

    // Only the failed ones named are queued again (the sent one is not).
    assert_eq!(
        db.store.outbox_retry(&[a.id, c.id], min(20)).await.unwrap(),
        1
    );
    let retried = row(db, a.id).await;
    assert_eq!(retried.status, "queued");
    assert_eq!(retried.attempts, 0);
    assert_eq!(retried.next_attempt_at, min(20));
    assert_eq!(row(db, b.id).await.status, "failed");
    assert_eq!(row(db, c.id).await.status, "sent");
    assert!(claim(db, WA, lease(min(19))).await.is_empty());
    let claimed = db.store.outbox_claim(WA, lease(min(20))).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].id, claimed[0].attempts), (a.id, 1));

    // No ids: every failed message that has a request.
    assert_eq!(db.store.outbox_retry(&[], min(30)).await.unwrap(), 1);
    assert_eq!(row(db, b.id).await.status, "queued");
    assert_eq!(row(db, b.id).await.attempts, 0);
    assert_eq!(row(db, unsendable.id).await.status, "failed");
    assert_eq!(db.store.outbox_retry(&[], min(31)).await.unwrap(), 0);
}
story!(failed_messages_are_queued_again_on_request);

async fn delivery_statuses_only_move_a_message_forward(db: &Harness) {
    let m1 = enqueue(db, reply(BUDI, "Tagihan Anda Rp0", 0)).await.id;
    let m2 = enqueue(db, reply(DEWI, "Kartu Anda AKTIF", 0)).await.id;
    let m3 = enqueue(db, reply(SITI, "Jadwal Puskesmas", 0)).await.id;
    let m4 = enqueue(db, reply(RINA, "Pengingat iuran", 0)).await.id;
    assert_eq!(claim(db, WA, lease(min(1))).await, [m1, m2, m3, m4]);
    complete(db, m1, sent(1), 1).await;
    complete(db, m2, sent(2), 1).await;
    // m3's sender died before it heard the answer; m4's is slow.

    // The same id on another channel is not ours.
    deliver(
        db,
        vec![DeliveryUpdate {
            channel: "messenger".into(),
            ..status(&wamid(1), None, OutboxState::Read, None, 2)
        }],
    )
    .await;
    assert_eq!(row(db, m1).await.status, "sent");

    // Statuses arrive out of order.
    deliver(
        db,
        vec![
            status(&wamid(1), None, OutboxState::Delivered, None, 2),
            status(&wamid(1), None, OutboxState::Sent, None, 3),
        ],
    )
    .await;
    assert_eq!(row(db, m1).await.status, "delivered");
    deliver(
        db,
        vec![status(&wamid(1), None, OutboxState::Read, None, 4)],
    )
    .await;
    deliver(
        db,
        vec![status(
            &wamid(1),
            None,
            OutboxState::Failed,
            Some("131026"),
            5,
        )],
    )
    .await;
    let m1_row = row(db, m1).await;
    assert_eq!(m1_row.status, "read", "a late failure does not undo a read");
    assert_eq!(m1_row.updated_at, min(4));

    // A failure report before delivery counts, with its code; a late `sent` does not undo it.
    deliver(
        db,
        vec![
            status(&wamid(2), None, OutboxState::Failed, Some("131049"), 2),
            status(&wamid(2), None, OutboxState::Sent, None, 3),
        ],
    )
    .await;
    let m2_row = row(db, m2).await;
    assert_eq!(m2_row.status, "failed");
    assert_eq!(m2_row.error_code.as_deref(), Some("131049"));

    // A failure reported before the slow sender records its answer is kept, code included.
    deliver(
        db,
        vec![status(
            &wamid(4),
            Some(m4),
            OutboxState::Failed,
            Some("131026"),
            2,
        )],
    )
    .await;
    complete(db, m4, sent(4), 3).await;
    let m4_row = row(db, m4).await;
    assert_eq!(m4_row.status, "failed");
    assert_eq!(m4_row.error_code.as_deref(), Some("131026"));
    assert_eq!(m4_row.provider_message_id, Some(wamid(4)));

    // The provider echoes our id: the in-doubt message is settled and learns its wamid, so
    // it is not sent a second time.
    deliver(
        db,
        vec![status(&wamid(3), Some(m3), OutboxState::Sent, None, 2)],
    )
    .await;
    let m3_row = row(db, m3).await;
    assert_eq!(m3_row.status, "sent");
    assert_eq!(m3_row.provider_message_id, Some(wamid(3)));
    assert!(claim(db, WA, lease(min(60))).await.is_empty());
    // Later statuses find it by the wamid it learnt.
    deliver(
        db,
        vec![status(&wamid(3), None, OutboxState::Delivered, None, 3)],
    )
    .await;
    assert_eq!(row(db, m3).await.status, "delivered");
    // Our id beside a wamid other than the one the message learnt: another sender's message
    // on the same business number (its ids overlap ours), not this one.
    deliver(
        db,
        vec![status(&wamid(7), Some(m3), OutboxState::Read, None, 4)],
    )
    .await;
    assert_eq!(row(db, m3).await.status, "delivered");
    deliver(
        db,
        vec![status(&wamid(3), Some(m3), OutboxState::Read, None, 5)],
    )
    .await;
    assert_eq!(row(db, m3).await.status, "read");

    // Another channel's status names the message by the provider's id alone.
    let mid =
        "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P";
    let m5 = enqueue(
        db,
        NewOutbound {
            channel: "messenger".into(),
            ..reply("24536171512345678", "Kartu Anda AKTIF", 0)
        },
    )
    .await
    .id;
    assert_eq!(claim(db, "messenger", lease(min(1))).await, [m5]);
    let answer = SendOutcome::Sent {
        provider_message_id: Some(mid.into()),
    };
    complete(db, m5, answer, 2).await;
    deliver(
        db,
        vec![DeliveryUpdate {
            channel: "messenger".into(),
            ..status(mid, None, OutboxState::Delivered, None, 3)
        }],
    )
    .await;
    assert_eq!(row(db, m5).await.status, "delivered");

    // A status about a message we do not know changes nothing.
    deliver(
        db,
        vec![status(&wamid(99), None, OutboxState::Read, None, 6)],
    )
    .await;
}
story!(delivery_statuses_only_move_a_message_forward);

async fn an_unsendable_message_is_stored_failed(db: &Harness) {
    let reason = "outside the 24-hour window and no template is configured";
    let stored = enqueue(
        db,
        NewOutbound {
            request: None,
            unsendable: Some(reason.into()),
            ..reply(BUDI, "Tagihan Anda Rp0", 0)
        },
    )
    .await;
    assert_eq!(stored.status, "failed");
    assert_eq!(stored.error_code.as_deref(), Some("unsendable"));
    assert_eq!(stored.error_reason.as_deref(), Some(reason));
    assert_eq!(stored.attempts, 0);
    assert_eq!(
        db.store.outbox_list(&all()).await.unwrap(),
        [stored],
        "what enqueueing returns is what is stored"
    );

    // Also when it comes out of processing an event.
    let id = append_one(db, event(&wamid(1), BUDI, "message", 1)).await;
    assert!(db
        .store
        .commit_processed(ProcessedEvent {
            inbox_id: Some(id),
            outbound: vec![NewOutbound {
                unsendable: Some(reason.into()),
                inbox_id: Some(id),
                ..reply(BUDI, "Ada lagi?", 1)
            }],
            ..ProcessedEvent::default()
        })
        .await
        .unwrap());
    let listed = db.store.outbox_list(&all()).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].status, "failed");
    assert_eq!(listed[0].error_code.as_deref(), Some("unsendable"));
    assert_eq!(listed[0].inbox_id, Some(id));

    // Never claimed, and it does not hold up what follows.
    let later = enqueue(db, reply(BUDI, "Kartu Anda AKTIF", 2)).await;
    assert_eq!(claim(db, WA, lease(min(3))).await, [later.id]);
}
story!(an_unsendable_message_is_stored_failed);

async fn outbox_counts_group_by_channel_state_and_error_code(db: &Harness) {
    assert!(db.store.outbox_counts().await.unwrap().is_empty());
    let ids: Vec<OutboundId> = {
        let mut ids = Vec::new();
        for to in [BUDI, DEWI, SITI, RINA, "6281311112222"] {
            ids.push(enqueue(db, reply(to, "Halo", 0)).await.id);
        }
        ids
    };
    assert_eq!(claim(db, WA, lease(min(1))).await, ids);
    complete(db, ids[0], sent(1), 1).await;
    complete(db, ids[1], failed("131026", "Message undeliverable"), 1).await;
    complete(db, ids[2], failed("131026", "Message undeliverable"), 1).await;
    complete(db, ids[3], failed("131047", "Re-engagement message"), 1).await;
    // Queued again after a transient error: counted as queued, without its code.
    complete(
        db,
        ids[4],
        SendOutcome::Retry {
            at: min(5),
            code: Some("130429".into()),
            reason: "Rate limit hit".into(),
        },
        1,
    )
    .await;
    enqueue(db, reply(BUDI, "Ada lagi?", 2)).await;
    enqueue(
        db,
        NewOutbound {
            unsendable: Some("outside the 24-hour window".into()),
            ..reply(DEWI, "Pengingat", 2)
        },
    )
    .await;
    enqueue(
        db,
        NewOutbound {
            channel: "telegram".into(),
            ..reply("812345678", "Halo", 2)
        },
    )
    .await;
    enqueue(
        db,
        NewOutbound::plain(
            "sms",
            BUDI,
            "otp",
            "Kode verifikasi JKN Anda: 482913",
            min(2),
        ),
    )
    .await;

    let mut counts = db.store.outbox_counts().await.unwrap();
    counts.sort_by_key(|c| (c.channel.clone(), c.state.as_str(), c.error_code.clone()));
    let count = |channel: &str, state: OutboxState, code: Option<&str>, n: u64| OutboxCount {
        channel: channel.into(),
        state,
        error_code: code.map(str::to_owned),
        count: n,
    };
    assert_eq!(
        counts,
        [
            count("sms", OutboxState::Queued, None, 1),
            count("telegram", OutboxState::Queued, None, 1),
            count(WA, OutboxState::Failed, Some("131026"), 2),
            count(WA, OutboxState::Failed, Some("131047"), 1),
            count(WA, OutboxState::Failed, Some("unsendable"), 1),
            count(WA, OutboxState::Queued, None, 2),
            count(WA, OutboxState::Sent, None, 1),
        ]
    );
}
story!(outbox_counts_group_by_channel_state_and_error_code);

async fn processed_events_batched_together_are_each_stored_whole_and_in_order(db: &Harness) {
    let budi = append_one(db, event(&wamid(1), BUDI, "message", 0)).await;
    let dewi = append_one(db, event(&wamid(2), DEWI, "message", 0)).await;
    let done = append_one(db, event(&wamid(3), SITI, "message", 0)).await;
    assert!(process(db.store.as_ref(), done, Vec::new(), 0).await);
    let answered = |id: InboxId, who: &str, texts: [&str; 2]| ProcessedEvent {
        inbox_id: Some(id),
        turns: vec![
            NewTurn {
                sender: who.into(),
                ..turn("in", "cek tagihan", 1)
            },
            NewTurn {
                sender: who.into(),
                ..turn("out", texts[0], 1)
            },
        ],
        conversation: Some(ConversationRecord {
            sender: who.into(),
            ..conversation("tagihan", 1)
        }),
        outbound: texts
            .iter()
            .map(|text| NewOutbound {
                inbox_id: Some(id),
                ..reply(who, text, 1)
            })
            .collect(),
        deliveries: Vec::new(),
        processed_at: Some(min(1)),
    };
    let ops = vec![
        store::WriteOp::Processed(answered(budi, BUDI, ["Budi 1", "Budi 2"])),
        store::WriteOp::Processed(answered(dewi, DEWI, ["Dewi 1", "Dewi 2"])),
        // Already processed: nothing of it may be stored.
        store::WriteOp::Processed(answered(done, SITI, ["Siti 1", "Siti 2"])),
    ];
    let results = db.store.write_batch(ops).await.unwrap();
    assert_eq!(
        results,
        [
            store::WriteResult::Processed(true),
            store::WriteResult::Processed(true),
            store::WriteResult::Processed(false),
        ]
    );

    let mut outbox = db.store.outbox_list(&all()).await.unwrap();
    outbox.sort_by_key(|o| o.id);
    assert!(
        !outbox.iter().any(|o| o.body.starts_with("Siti")),
        "nothing of the event already processed"
    );
    let sent: Vec<(&str, &str)> = outbox
        .iter()
        .filter(|o| o.inbox_id != Some(done))
        .map(|o| (o.recipient.as_str(), o.body.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            (BUDI, "Budi 1"),
            (BUDI, "Budi 2"),
            (DEWI, "Dewi 1"),
            (DEWI, "Dewi 2")
        ],
        "ids follow the batch's order"
    );
    for (who, first) in [(BUDI, "Budi 1"), (DEWI, "Dewi 1")] {
        let texts: Vec<String> = db
            .store
            .recent_turns(WA, who, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(texts, [first, "cek tagihan"], "{who}");
        let saved = db.store.conversation(WA, who).await.unwrap();
        assert_eq!(saved.map(|c| c.sender), Some(who.to_string()));
    }
    assert!(db
        .store
        .recent_turns(WA, SITI, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(db.store.conversation(WA, SITI).await.unwrap().is_none());
}
story!(processed_events_batched_together_are_each_stored_whole_and_in_order);

async fn a_write_batch_commits_every_operation_and_isolates_the_one_that_fails(db: &Harness) {
    let earlier = enqueue(db, reply(DEWI, "Tagihan Anda Rp0", 0)).await;
    let waiting = append_one(db, event(&wamid(7), DEWI, "message", 0)).await;
    // Marks its event, stores a turn, then fails on a reply naming an event that does not
    // exist: none of it may stay.
    let broken = ProcessedEvent {
        inbox_id: Some(waiting),
        turns: vec![turn("in", "cek tagihan", 1)],
        outbound: vec![NewOutbound {
            inbox_id: Some(InboxId(waiting.0 + 1_000)),
            ..reply(DEWI, "Tagihan Anda Rp0", 1)
        }],
        processed_at: Some(min(1)),
        ..ProcessedEvent::default()
    };
    let ops = vec![
        store::WriteOp::AppendInbox(vec![event(&wamid(1), BUDI, "message", 1)]),
        store::WriteOp::Processed(broken),
        store::WriteOp::Claim {
            channel: WA.into(),
            claim: lease(min(2)),
        },
        // No such message: fails alone.
        store::WriteOp::Complete {
            id: OutboundId(earlier.id.0 + 1_000),
            outcome: sent(9),
            at: min(2),
        },
        store::WriteOp::Complete {
            id: earlier.id,
            outcome: sent(2),
            at: min(3),
        },
        store::WriteOp::AppendInbox(vec![event(&wamid(1), BUDI, "message", 1)]),
    ];
    let results = db.store.write_batch(ops).await.unwrap();
    assert_eq!(results.len(), 6);
    let appended = |result: &store::WriteResult| match result {
        store::WriteResult::Appended(ids) if ids.len() == 1 => ids[0],
        other => panic!("{other:?}"),
    };
    let first_id = appended(&results[0]);
    assert!(
        matches!(&results[1], store::WriteResult::Failed(_)),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(&results[2], store::WriteResult::Claimed(rows) if rows.len() == 1 && rows[0].id == earlier.id)
    );
    assert!(
        matches!(&results[3], store::WriteResult::Failed(_)),
        "{:?}",
        results[3]
    );
    assert_eq!(results[4], store::WriteResult::Completed);
    // The same event again in the same batch is stored too: a redelivery is told apart only
    // when processed.
    let again_id = appended(&results[5]);
    assert_eq!(
        pending_ids(db, InboxId(0), 10).await,
        [waiting, first_id, again_id]
    );
    assert!(db
        .store
        .recent_turns(WA, BUDI, 10)
        .await
        .unwrap()
        .is_empty());
    let sent_row = row(db, earlier.id).await;
    assert_eq!(sent_row.status, "sent");
    assert_eq!(sent_row.provider_message_id, Some(wamid(2)));
}
story!(a_write_batch_commits_every_operation_and_isolates_the_one_that_fails);

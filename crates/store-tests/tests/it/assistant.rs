//! The assistant's records: a conversation's state survives a reopen, every turn is kept in
//! order, and a case gets a number from which it can be found again.

use crate::fixtures::{at, seeded};
use crate::harness::{story, Harness};
use serde_json::json;
use store::{ConversationRecord, NewCase, NewTurn, Store};

fn turn(direction: &str, text: &str, minute: u32) -> NewTurn {
    NewTurn {
        channel: "webchat".into(),
        sender: "browser-1".into(),
        direction: direction.into(),
        body: json!({"type": "text", "text": text}),
        text: text.into(),
        intent: (direction == "in").then(|| "tagihan".to_string()),
        participant_id: None,
        at: at(2026, 11, 23, 3, minute),
    }
}

async fn a_conversation_is_saved_replaced_and_found_after_a_restart(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    assert!(db
        .store
        .conversation("webchat", "browser-1")
        .await
        .unwrap()
        .is_none());

    let first = ConversationRecord {
        channel: "webchat".into(),
        sender: "browser-1".into(),
        state: json!({"flow": {"flow": "identify"}, "turns": 1}),
        status: "bot".into(),
        participant_id: None,
        updated_at: at(2026, 11, 23, 3, 0),
    };
    db.store.save_conversation(&first).await.unwrap();
    let later = ConversationRecord {
        state: json!({"flow": null, "turns": 2}),
        status: "waiting_agent".into(),
        participant_id: Some(world.budi.id),
        updated_at: at(2026, 11, 23, 3, 5),
        ..first.clone()
    };
    db.store.save_conversation(&later).await.unwrap();

    let reopened = db.reopen().await;
    assert_eq!(
        reopened.conversation("webchat", "browser-1").await.unwrap(),
        Some(later),
        "the last state saved wins, and survives a restart"
    );
    assert!(
        reopened
            .conversation("whatsapp", "browser-1")
            .await
            .unwrap()
            .is_none(),
        "conversations are per channel"
    );
}
story!(a_conversation_is_saved_replaced_and_found_after_a_restart);

async fn turns_are_kept_and_listed_most_recent_first(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let stored = db
        .store
        .append_turn(turn("in", "tagihan saya", 1))
        .await
        .unwrap();
    assert_eq!(stored.text, "tagihan saya");
    db.store
        .append_turn(turn("out", "Tunggakan: 8 bulan", 1))
        .await
        .unwrap();
    db.store
        .append_turn(turn("in", "makasih", 2))
        .await
        .unwrap();
    let mut other = turn("in", "halo", 2);
    other.sender = "browser-2".into();
    db.store.append_turn(other).await.unwrap();

    let recent = db
        .store
        .recent_turns("webchat", "browser-1", 10)
        .await
        .unwrap();
    let texts: Vec<&str> = recent.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["makasih", "Tunggakan: 8 bulan", "tagihan saya"]);
    assert_eq!(recent[2].intent.as_deref(), Some("tagihan"));
    assert_eq!(recent[1].direction, "out");
    assert_eq!(recent[1].body["text"], "Tunggakan: 8 bulan");
    assert_eq!(
        db.store
            .recent_turns("webchat", "browser-1", 1)
            .await
            .unwrap()
            .len(),
        1
    );
}
story!(turns_are_kept_and_listed_most_recent_first);

/// A conversation's newest turns are its own whatever else is written between them: the same
/// sender on another channel, other senders, and more turns than are asked for.
async fn a_long_conversation_lists_only_its_own_newest_turns(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let addressed = |channel: &str, sender: &str, text: String, minute: u32| NewTurn {
        channel: channel.into(),
        sender: sender.into(),
        ..turn(
            if minute.is_multiple_of(2) {
                "in"
            } else {
                "out"
            },
            &text,
            minute,
        )
    };
    for minute in 0..45 {
        for (channel, sender) in [
            ("whatsapp", "6281"),
            ("telegram", "6281"),
            ("whatsapp", "6282"),
        ] {
            let text = format!("{channel} {sender} {minute}");
            db.store
                .append_turn(addressed(channel, sender, text, minute))
                .await
                .unwrap();
        }
    }

    let texts =
        |turns: Vec<store::Turn>| -> Vec<String> { turns.into_iter().map(|t| t.text).collect() };
    let newest = texts(db.store.recent_turns("whatsapp", "6281", 25).await.unwrap());
    let expected: Vec<String> = (20..45)
        .rev()
        .map(|minute| format!("whatsapp 6281 {minute}"))
        .collect();
    assert_eq!(newest, expected);
    assert_eq!(
        texts(
            db.reopen()
                .await
                .recent_turns("telegram", "6281", 2)
                .await
                .unwrap()
        ),
        ["telegram 6281 44", "telegram 6281 43"]
    );
    assert_eq!(
        db.store
            .recent_turns("whatsapp", "6282", 100)
            .await
            .unwrap()
            .len(),
        45
    );
    assert!(db
        .store
        .recent_turns("whatsapp", "6281", 0)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .store
        .recent_turns("whatsapp", "6283", 10)
        .await
        .unwrap()
        .is_empty());
    // Turns alone open no 24-hour window: only a message the address wrote does.
    assert_eq!(
        db.store.last_inbound_at("whatsapp", "6281").await.unwrap(),
        None
    );
}
story!(a_long_conversation_lists_only_its_own_newest_turns);

async fn a_case_gets_a_number_and_is_found_by_it_and_by_participant(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let new = |kind: &str, prefix: &str, minute: u32| NewCase {
        kind: kind.into(),
        number_prefix: prefix.into(),
        participant_id: Some(world.budi.id),
        family_id: Some(world.budi_family.id),
        office_id: None,
        channel: "webchat".into(),
        sender: "browser-1".into(),
        fields: json!({"facility": "42", "labels": {"facility": "Puskesmas Kencong"}}),
        status: cases::CaseStatus::Submitted,
        submission_key: None,
        created_at: at(2026, 11, 23, 3, minute),
    };
    let first = db
        .store
        .create_case(new("pindah_faskes", "PDW-G", 1))
        .await
        .unwrap();
    let second = db
        .store
        .create_case(new("pengaduan", "ADU", 2))
        .await
        .unwrap();
    assert_ne!(first.number, second.number);
    assert!(first.number.starts_with("PDW-G-"), "{}", first.number);
    assert!(second.number.starts_with("ADU-"), "{}", second.number);
    assert_eq!(first.number, store::case_number("PDW-G", first.id));

    let found = db
        .store
        .case_by_number(&first.number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, first);
    assert_eq!(found.fields["labels"]["facility"], "Puskesmas Kencong");
    assert!(db
        .store
        .case_by_number("PDW-G-999999")
        .await
        .unwrap()
        .is_none());

    let mine = db.store.cases_for_participant(world.budi.id).await.unwrap();
    let numbers: Vec<&str> = mine.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(
        numbers,
        [second.number.as_str(), first.number.as_str()],
        "newest first"
    );
    assert!(db
        .store
        .cases_for_participant(world.siti.id)
        .await
        .unwrap()
        .is_empty());
}
story!(a_case_gets_a_number_and_is_found_by_it_and_by_participant);

/// A branch server upgraded with cases already open: they come back `Submitted`, keep their
/// number, get no branch and no key, and the next case continues the numbering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_stored_before_the_lifecycle_are_submitted_after_the_upgrade() {
    let dir = std::env::temp_dir().join(format!(
        "layan-store-upgrade-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("layan.db");
    {
        // The schema as the previous release left it: migrations 1 to 4 and an "open" case.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        let old = [
            include_str!("../../../store-sqlite/migrations/0001_initial.sql"),
            include_str!("../../../store-sqlite/migrations/0002_rehab_plans.sql"),
            include_str!("../../../store-sqlite/migrations/0003_conversations.sql"),
            include_str!("../../../store-sqlite/migrations/0004_messaging.sql"),
        ];
        for (i, sql) in old.iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, 'old', 0)",
                [i as i64 + 1],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO cases (id, number, kind, channel, sender, fields, status, created_at, \
             updated_at) VALUES (7, 'ADU-000007', 'pengaduan', 'webchat', 'browser-1', '{}', \
             'open', 1763000000000, 1763000000000)",
            [],
        )
        .unwrap();
    }

    let store = store_sqlite::SqliteStore::open(&path).unwrap();
    let old = store.case_by_number("ADU-000007").await.unwrap().unwrap();
    assert_eq!(old.status, cases::CaseStatus::Submitted);
    assert_eq!(
        (old.office_id, old.submission_key, old.assigned_to),
        (None, None, None)
    );
    let stored: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT status FROM cases WHERE id = 7", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "submitted", "rewritten, not only read leniently");

    let next = store
        .create_case(NewCase {
            kind: "pengaduan".into(),
            number_prefix: "ADU".into(),
            participant_id: None,
            family_id: None,
            office_id: None,
            channel: "webchat".into(),
            sender: "browser-2".into(),
            fields: json!({}),
            status: cases::CaseStatus::Submitted,
            submission_key: Some("k1".into()),
            created_at: at(2026, 11, 23, 3, 0),
        })
        .await
        .unwrap();
    assert_eq!(next.number, "ADU-000008");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

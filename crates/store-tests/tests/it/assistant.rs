//! The assistant's records: a conversation's state survives a reopen, every turn is kept in
//! order, and a case gets a number from which it can be found again.

use crate::fixtures::{at, seeded};
use crate::harness::{story, Harness};
use serde_json::json;
use store::{ConversationRecord, NewCase, NewTurn};

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

use channels::{
    messenger, telegram, whatsapp, Attachment, Channel, DeliveryState, DeliveryStatus, EventKind,
    InboundEvent, ParseError,
};

use crate::fixture;

fn one(events: Vec<InboundEvent>) -> InboundEvent {
    assert_eq!(events.len(), 1, "{events:#?}");
    events.into_iter().next().unwrap()
}

fn wa(name: &str) -> InboundEvent {
    one(whatsapp::parse(&fixture(name)).unwrap())
}

fn tg(name: &str) -> InboundEvent {
    one(telegram::parse(&fixture(name)).unwrap())
}

fn fb(name: &str) -> InboundEvent {
    one(messenger::parse(&fixture(name)).unwrap())
}

#[test]
fn a_whatsapp_text_comes_from_a_verified_indonesian_number() {
    let e = wa("whatsapp_text");
    assert_eq!(e.channel, Channel::WhatsApp);
    assert!(e.provider_id.starts_with("wamid."));
    assert_eq!(e.sender.address, "6281234567890");
    assert_eq!(e.sender.display_name.as_deref(), Some("Siti Aminah"));
    assert_eq!(
        e.sender.verified_phone.as_ref().map(|m| m.expose()),
        Some("6281234567890")
    );
    assert_eq!(e.timestamp, 1_763_884_800);
    assert_eq!(
        e.dialog_inbound(),
        Some(dialog::Inbound::text("Halo, saya mau cek tunggakan iuran"))
    );
    let s = e.dialog_sender();
    assert_eq!(
        (s.channel.as_str(), s.id.as_str()),
        ("whatsapp", "6281234567890")
    );
}

#[test]
fn whatsapp_button_list_and_template_replies_become_choices() {
    for (name, id, title) in [
        ("whatsapp_button_reply", "menu:tunggakan", "Cek tunggakan"),
        (
            "whatsapp_list_reply",
            "faskes:0123B456",
            "Klinik Pratama Sehat",
        ),
        (
            "whatsapp_template_button",
            "pengingat:bayar",
            "Bayar sekarang",
        ),
    ] {
        let e = wa(name);
        assert_eq!(
            e.kind,
            EventKind::Choice {
                id: id.into(),
                title: Some(title.into())
            },
            "{name}"
        );
        assert_eq!(e.dialog_inbound(), Some(dialog::Inbound::choice(id)));
    }
}

#[test]
fn a_whatsapp_location_keeps_its_name_and_address() {
    let e = wa("whatsapp_location");
    assert_eq!(
        e.kind,
        EventKind::Location {
            latitude: -6.2087634,
            longitude: 106.845599,
            name: Some("Monas".into()),
            address: Some("Gambir, Jakarta Pusat".into()),
        }
    );
    assert!(matches!(
        e.dialog_inbound(),
        Some(dialog::Inbound::Location { .. })
    ));
}

#[test]
fn whatsapp_images_and_documents_are_attachment_references() {
    let img = wa("whatsapp_image");
    match &img.kind {
        EventKind::Attachment(a) => {
            assert_eq!(a.kind, "image");
            assert_eq!(a.id, "1003383421387256");
            assert_eq!(a.mime_type.as_deref(), Some("image/jpeg"));
            assert_eq!(a.caption.as_deref(), Some("Foto kartu KIS"));
            assert!(a.sha256.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(img.dialog_inbound(), None);
    let doc = wa("whatsapp_document");
    assert_eq!(
        doc.kind,
        EventKind::Attachment(Attachment {
            kind: "document".into(),
            id: "1250968465893284".into(),
            mime_type: Some("application/pdf".into()),
            sha256: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
            caption: Some("Surat rujukan".into()),
            filename: Some("rujukan.pdf".into()),
        })
    );
}

#[test]
fn a_forwarded_whatsapp_contact_card_is_never_the_senders_own_number() {
    let e = wa("whatsapp_contacts");
    assert_eq!(
        e.kind,
        EventKind::Contact {
            phone: "6281298765432".into(),
            own: false
        }
    );
    assert_eq!(e.dialog_inbound(), None);
}

#[test]
fn an_unsupported_whatsapp_type_is_reported_not_an_error() {
    let e = wa("whatsapp_unsupported");
    assert!(matches!(e.kind, EventKind::Unsupported { .. }));
    assert_eq!(e.dialog_inbound(), None);
}

#[test]
fn whatsapp_statuses_each_get_their_own_dedupe_key_and_are_never_answered() {
    let events = whatsapp::parse(&fixture("whatsapp_statuses")).unwrap();
    let states: Vec<_> = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Status(s) => (e.provider_id.as_str(), s.message_id.as_str(), s.state),
            other => panic!("{other:?}"),
        })
        .collect();
    // Out of order as Meta may send them; the inbox orders by state, not arrival.
    assert_eq!(
        states,
        [
            (
                "wamid.OUT1:delivered",
                "wamid.OUT1",
                DeliveryState::Delivered
            ),
            ("wamid.OUT1:sent", "wamid.OUT1", DeliveryState::Sent),
            ("wamid.OUT1:read", "wamid.OUT1", DeliveryState::Read),
        ]
    );
    assert!(events.iter().all(|e| e.dialog_inbound().is_none()));
    assert!(events.iter().all(|e| e.sender.verified_phone.is_none()));
}

#[test]
fn a_failed_whatsapp_status_carries_its_error_code() {
    let e = wa("whatsapp_status_failed");
    assert_eq!(
        e.kind,
        EventKind::Status(DeliveryStatus {
            message_id: "wamid.OUT2".into(),
            state: DeliveryState::Failed,
            recipient: "6281234567890".into(),
            errors: vec![(131047, "Re-engagement message".into())],
            callback_data: None,
        })
    );
}

#[test]
fn every_entry_and_change_of_a_whatsapp_webhook_is_read() {
    let events = whatsapp::parse(&fixture("whatsapp_multiple_entries")).unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.provider_id.as_str()).collect();
    assert_eq!(ids, ["wamid.MULTI1", "wamid.MULTI2", "wamid.OUT3:sent"]);
    // A foreign number is a WhatsApp address but not an Indonesian MSISDN.
    assert_eq!(events[1].sender.display_name.as_deref(), Some("John"));
    assert!(events[1].sender.verified_phone.is_none());
}

#[test]
fn malformed_or_foreign_bodies_are_typed_errors() {
    assert!(matches!(
        whatsapp::parse(b"{not json"),
        Err(ParseError::Json {
            channel: Channel::WhatsApp,
            ..
        })
    ));
    assert!(matches!(
        whatsapp::parse(&fixture("messenger_text")),
        Err(ParseError::UnexpectedObject { .. })
    ));
    assert!(matches!(
        messenger::parse(&fixture("whatsapp_text")),
        Err(ParseError::UnexpectedObject { .. })
    ));
    assert!(matches!(
        telegram::parse(b"[]"),
        Err(ParseError::Json {
            channel: Channel::Telegram,
            ..
        })
    ));
    assert!(matches!(
        messenger::parse(b""),
        Err(ParseError::Json { .. })
    ));
}

#[test]
fn a_telegram_text_is_keyed_by_update_id_and_answered_in_its_chat() {
    let e = tg("telegram_text");
    assert_eq!(e.provider_id, "872311001");
    assert_eq!(e.sender.address, "123456789");
    assert_eq!(e.sender.display_name.as_deref(), Some("Siti Aminah"));
    assert_eq!(e.sender.verified_phone, None);
    assert_eq!(e.timestamp, 1_763_884_800);
    assert_eq!(
        e.dialog_inbound(),
        Some(dialog::Inbound::text("Halo, saya mau cek tunggakan iuran"))
    );
}

#[test]
fn a_telegram_location_is_a_location() {
    assert_eq!(
        tg("telegram_location").dialog_inbound(),
        Some(dialog::Inbound::Location {
            latitude: -6.2087634,
            longitude: 106.845599
        })
    );
}

#[test]
fn only_the_participants_own_telegram_contact_is_accepted_as_their_number() {
    let own = tg("telegram_contact_own");
    assert_eq!(
        own.kind,
        EventKind::Contact {
            phone: "6281234567890".into(),
            own: true
        }
    );
    assert_eq!(
        own.dialog_inbound(),
        Some(dialog::Inbound::Contact {
            phone: "6281234567890".into()
        })
    );
    let other = tg("telegram_contact_other");
    assert_eq!(
        other.kind,
        EventKind::Contact {
            phone: "+6281298765432".into(),
            own: false
        }
    );
    assert_eq!(other.dialog_inbound(), None);
}

#[test]
fn a_telegram_button_tap_is_a_choice_that_must_be_acknowledged() {
    let e = tg("telegram_callback_query");
    assert_eq!(
        e.kind,
        EventKind::CallbackQuery {
            query_id: "4382bfdwdsb323b2d9".into(),
            data: Some("menu:tunggakan".into())
        }
    );
    assert_eq!(e.sender.address, "123456789");
    assert_eq!(
        e.dialog_inbound(),
        Some(dialog::Inbound::choice("menu:tunggakan"))
    );
}

#[test]
fn telegram_edits_documents_stickers_and_other_updates_are_not_new_requests() {
    let edit = tg("telegram_edited_message");
    assert!(matches!(edit.kind, EventKind::Edited { text: Some(_) }));
    assert_eq!(edit.dialog_inbound(), None);
    let doc = tg("telegram_document");
    assert!(
        matches!(&doc.kind, EventKind::Attachment(a) if a.filename.as_deref() == Some("rujukan.pdf") && a.caption.as_deref() == Some("Surat rujukan"))
    );
    assert_eq!(
        tg("telegram_sticker").kind,
        EventKind::Unsupported {
            what: "telegram message".into()
        }
    );
    assert_eq!(
        tg("telegram_my_chat_member").kind,
        EventKind::Unsupported {
            what: "telegram my_chat_member".into()
        }
    );
}

#[test]
fn a_messenger_text_is_keyed_by_mid() {
    let e = fb("messenger_text");
    assert_eq!(e.channel, Channel::Messenger);
    assert!(e.provider_id.starts_with("m_"));
    assert_eq!(e.sender.address, "6543210987654321");
    assert_eq!(e.timestamp, 1_763_884_800);
    assert_eq!(
        e.dialog_inbound(),
        Some(dialog::Inbound::text("Halo, saya mau cek tunggakan iuran"))
    );
}

#[test]
fn messenger_quick_replies_and_postbacks_are_choices() {
    assert_eq!(
        fb("messenger_quick_reply").kind,
        EventKind::Choice {
            id: "menu:tunggakan".into(),
            title: Some("Cek tunggakan".into())
        }
    );
    let pb = fb("messenger_postback");
    assert_eq!(pb.provider_id, "m_PB1");
    assert_eq!(
        pb.dialog_inbound(),
        Some(dialog::Inbound::choice("GET_STARTED"))
    );
}

#[test]
fn messenger_echoes_and_receipts_are_skipped() {
    assert!(messenger::parse(&fixture("messenger_echo"))
        .unwrap()
        .is_empty());
    let events = messenger::parse(&fixture("messenger_multiple_entries")).unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.provider_id.as_str()).collect();
    assert_eq!(ids, ["m_MULTI1", "m_MULTI2"]);
    assert_eq!(events[1].sender.address, "1111222233334444");
}

#[test]
fn messenger_attachments_are_references() {
    let e = fb("messenger_attachments");
    assert!(
        matches!(&e.kind, EventKind::Attachment(a) if a.kind == "image" && a.id.starts_with("https://"))
    );
    // A sticker ("like" thumb) arrives as an image attachment; it is kept as one.
    assert!(matches!(
        fb("messenger_sticker").kind,
        EventKind::Attachment(_)
    ));
}

#[test]
fn every_fixture_parses_without_error() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let body = std::fs::read(&path).unwrap();
        let parsed = match name.split('_').next() {
            Some("whatsapp") => whatsapp::parse(&body),
            Some("telegram") => telegram::parse(&body),
            Some("messenger") => messenger::parse(&body),
            _ => panic!("fixture {name} has no channel prefix"),
        };
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
        n += 1;
    }
    assert!(n >= 25);
}

#[test]
fn one_odd_item_never_loses_the_other_events_of_a_webhook() {
    let events = whatsapp::parse(&fixture("whatsapp_odd_items")).unwrap();
    let summary: Vec<(&str, &EventKind)> = events
        .iter()
        .map(|e| (e.provider_id.as_str(), &e.kind))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "wamid.ODD1",
                &EventKind::Unsupported {
                    what: "whatsapp malformed location".into()
                }
            ),
            (
                "wamid.ODD3",
                &EventKind::Unsupported {
                    what: "whatsapp reaction".into()
                }
            ),
            (
                "wamid.ODD4",
                &EventKind::Text {
                    text: "masih di sini".into()
                }
            ),
            (
                "wamid.OUT6:warning",
                &EventKind::Unsupported {
                    what: "whatsapp status warning".into()
                }
            ),
        ]
    );
    // A malformed Messenger event (no sender) is skipped; its neighbour still arrives.
    let body = br#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[
        {"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m_BAD","text":"x"}},
        {"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":2000,"message":{"mid":"m_OK","text":"ok"}}]}]}"#;
    let events = messenger::parse(body).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].provider_id, "m_OK");
}

#[test]
fn a_whatsapp_status_echoes_the_callback_data_we_sent() {
    let e = wa("whatsapp_status_callback_data");
    let EventKind::Status(status) = e.kind else {
        panic!("not a status: {e:?}");
    };
    assert_eq!(status.state, DeliveryState::Sent);
    assert_eq!(status.callback_data.as_deref(), Some("layan-outbound-4812"));
}

#[test]
fn every_parsed_event_survives_the_inbox_round_trip() {
    // The inbox stores events as JSON between the webhook and the engine: nothing may change.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let body = std::fs::read(&path).unwrap();
        let events = if name.starts_with("whatsapp") {
            whatsapp::parse(&body)
        } else if name.starts_with("telegram") {
            telegram::parse(&body)
        } else {
            messenger::parse(&body)
        }
        .unwrap_or_default();
        for event in events {
            let json = serde_json::to_value(&event).unwrap();
            let back: InboundEvent = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, event, "{name}: {json}");
            seen += 1;
        }
    }
    assert!(seen >= 30, "only {seen} events in the fixtures");
}

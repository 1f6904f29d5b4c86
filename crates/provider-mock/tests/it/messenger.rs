use channels::{messenger, Channel, SendDecision, Window};
use serde_json::{json, Value};

use crate::*;

#[tokio::test]
async fn every_rendered_message_is_accepted_inside_and_outside_the_window() {
    let mock = start().await;
    let token = mock.config().messenger_page_token.clone();
    let mut n = 0;
    for window in [Window::Open, Window::Closed] {
        for message in every_message() {
            for req in messenger::render(&token, PSID, window, &message) {
                let answer = send_fb(&mock, &req).await;
                let mid = assert_sent(&answer, Channel::Messenger).expect("a message id");
                assert!(mid.starts_with("m_"), "{mid}");
                assert_eq!(answer.json["recipient_id"], PSID);
                n += 1;
            }
        }
    }
    assert!(mock.rejected().is_empty(), "{:?}", mock.rejected());
    assert_eq!(mock.accepted().len(), n);
    assert!(mock
        .requests()
        .iter()
        .all(|r| r.path == "/v21.0/me/messages?access_token=***"));
}

#[tokio::test]
async fn invalid_bodies_are_refused_with_code_100_and_the_broken_rule() {
    let mock = start().await;
    let base = |message: Value| json!({"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": message});
    let qr = |title: &str, payload: &str| json!({"content_type": "text", "title": title, "payload": payload});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"messaging_type": "RESPONSE", "message": {"text": "x"}}),
            "recipient is required",
        ),
        (
            json!({"recipient": {"id": PSID}, "message": {"text": "x"}}),
            "messaging_type is required",
        ),
        (
            json!({"recipient": {"id": PSID}, "messaging_type": "PROMO", "message": {"text": "x"}}),
            "messaging_type must be",
        ),
        (
            json!({"recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "message": {"text": "x"}}),
            "tag is required",
        ),
        (
            json!({"recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "PROMO", "message": {"text": "x"}}),
            "not a valid message tag",
        ),
        (
            json!({"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "tag": "ACCOUNT_UPDATE", "message": {"text": "x"}}),
            "tag is only allowed",
        ),
        (
            base(json!({"text": "a".repeat(2000)})),
            "less than 2000 characters, got 2000",
        ),
        (base(json!({"text": ""})), "message.text must not be empty"),
        (base(json!({})), "exactly one of text or attachment"),
        (
            base(
                json!({"text": "x", "quick_replies": (0..14).map(|i| qr(&format!("P{i}"), &format!("p{i}"))).collect::<Vec<_>>()}),
            ),
            "quick_replies must have 1..=13 items, got 14",
        ),
        (
            base(json!({"text": "x", "quick_replies": [qr("Judul yang terlalu panjang", "p")]})),
            "title must be at most 20 characters",
        ),
        (
            base(json!({"text": "x", "quick_replies": [qr("A", &"p".repeat(1001))]})),
            "payload must be at most 1000 characters",
        ),
        (
            base(
                json!({"text": "x", "quick_replies": [{"content_type": "location", "title": "A", "payload": "p"}]}),
            ),
            "content_type \"location\"",
        ),
    ];
    for (body, needle) in &cases {
        let answer = send_fb_body(&mock, body).await;
        assert_invalid(&mock, &answer, Channel::Messenger, needle);
        assert_eq!(answer.json["error"]["code"], 100);
    }
    assert_eq!(mock.stats().messenger.invalid, cases.len() as u64);
}

#[tokio::test]
async fn a_wrong_page_token_gets_graph_code_190() {
    let mock = start().await;
    let req = &messenger::render("stolen", PSID, Window::Open, &dialog::Message::text("Halo"))[0];
    let answer = send_fb(&mock, req).await;
    assert_eq!(answer.json["error"]["code"], 190);
    assert!(matches!(
        answer.classify(Channel::Messenger),
        SendDecision::Permanent {
            code: Some(190),
            ..
        }
    ));
    let rec = mock.rejected().pop().unwrap();
    assert!(!rec.path.contains("stolen"), "{}", rec.path);
}

#[tokio::test]
async fn a_closed_window_refuses_response_with_10_2018278_but_takes_message_tag() {
    let mock = start().await;
    let token = mock.config().messenger_page_token.clone();
    mock.close_window(PSID);
    let message = dialog::Message::text("Status klaim Anda sudah diperbarui.");
    let answer = send_fb(
        &mock,
        &messenger::render(&token, PSID, Window::Open, &message)[0],
    )
    .await;
    assert_eq!(answer.json["error"]["error_subcode"], 2018278);
    assert_eq!(
        answer.classify(Channel::Messenger),
        SendDecision::NeedsTemplate { code: 10 }
    );
    let tagged = &messenger::render(&token, PSID, Window::Closed, &message)[0];
    assert_sent(&send_fb(&mock, tagged).await, Channel::Messenger);
    let typing = json!({"recipient": {"id": PSID}, "sender_action": "typing_on"});
    assert_eq!(
        send_fb_body(&mock, &typing).await.status,
        400,
        "sender actions need the window too"
    );
    mock.open_window(PSID);
    let answer = send_fb_body(&mock, &typing).await;
    assert_eq!(answer.json, json!({"recipient_id": PSID}));
}

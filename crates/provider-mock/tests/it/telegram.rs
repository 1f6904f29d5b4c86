use channels::{telegram, Channel, SendDecision};
use serde_json::{json, Value};

use crate::*;

#[tokio::test]
async fn every_rendered_call_is_accepted() {
    let mock = start().await;
    let token = mock.config().telegram_token.clone();
    let mut reqs = Vec::new();
    for message in every_message() {
        reqs.extend(telegram::render(&token, CHAT_ID, &message));
    }
    reqs.push(telegram::remove_keyboard(
        &token,
        CHAT_ID,
        "Terima kasih, nomor Anda sudah diterima.",
    ));
    let venue_index = reqs
        .iter()
        .position(|r| r.path().ends_with("/sendVenue"))
        .expect("a venue");
    for (i, req) in reqs.iter().enumerate() {
        let answer = send_tg(&mock, req).await;
        let id = assert_sent(&answer, Channel::Telegram).expect("a message_id");
        assert_eq!(answer.json["result"]["message_id"].to_string(), id);
        assert_eq!(answer.json["result"]["chat"]["id"], json!(123456789));
        if i == venue_index {
            assert_eq!(
                answer.json["result"]["venue"]["title"],
                "Kantor Cabang BPJS Kesehatan Jakarta Pusat"
            );
        } else {
            assert_eq!(answer.json["result"]["text"], req.body["text"]);
        }
    }
    let ack = telegram::answer_callback_query(&token, "4382bfdwdsb323b2d9", Some("Dipilih ✔"));
    let answer = send_tg(&mock, &ack).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json, json!({"ok": true, "result": true}));

    assert!(mock.rejected().is_empty(), "{:?}", mock.rejected());
    assert_eq!(mock.accepted().len(), reqs.len() + 1);
    // The bot token never reaches the record.
    assert!(mock
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/bot***/") && !r.path.contains(&token)));
}

#[tokio::test]
async fn invalid_calls_are_refused_with_bad_request_and_the_broken_rule() {
    let mock = start().await;
    let msg = |extra: Value| {
        let mut b = json!({"chat_id": CHAT_ID, "text": "Pilih"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // 22 three-byte characters: 22 characters but 66 bytes.
    let long_data = "€".repeat(22);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("sendMessage", json!({"text": "Halo"}), "chat_id is empty"),
        (
            "sendMessage",
            json!({"chat_id": CHAT_ID}),
            "message text is empty",
        ),
        (
            "sendMessage",
            json!({"chat_id": CHAT_ID, "text": "  "}),
            "message text is empty",
        ),
        (
            "sendMessage",
            json!({"chat_id": CHAT_ID, "text": "a".repeat(4097)}),
            "message is too long",
        ),
        (
            "sendMessage",
            json!({"chat_id": "not a chat", "text": "x"}),
            "chat not found",
        ),
        (
            "sendMessage",
            msg(json!({"parse_mode": "BBCode"})),
            "unsupported parse_mode",
        ),
        (
            "sendMessage",
            msg(
                json!({"reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": long_data}]]}}),
            ),
            "callback_data must be at most 64 bytes, got 66",
        ),
        (
            "sendMessage",
            msg(json!({"reply_markup": {"inline_keyboard": [[{"text": "A"}]]}})),
            "exactly one of callback_data or url",
        ),
        (
            "sendMessage",
            msg(
                json!({"reply_markup": {"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}}),
            ),
            "text is empty",
        ),
        (
            "sendMessage",
            msg(
                json!({"reply_markup": {"keyboard": [[{"text": "Kirim", "request_contact": true, "request_location": true}]]}}),
            ),
            "cannot request both",
        ),
        (
            "sendMessage",
            msg(json!({"reply_markup": {"keyboard": [[]]}})),
            "at least one button",
        ),
        (
            "sendMessage",
            msg(json!({"reply_markup": {"remove_keyboard": false}})),
            "remove_keyboard must be true",
        ),
        (
            "sendMessage",
            msg(json!({"reply_markup": {"inline_keyboard": [], "remove_keyboard": true}})),
            "exactly one of inline_keyboard",
        ),
        (
            "answerCallbackQuery",
            json!({"text": "ok"}),
            "callback_query_id is required",
        ),
        (
            "answerCallbackQuery",
            json!({"callback_query_id": "q1", "text": "x".repeat(201)}),
            "text must be at most 200 characters",
        ),
        (
            "sendVenue",
            json!({"chat_id": CHAT_ID, "latitude": -6.2, "longitude": 106.8, "title": "Kantor"}),
            "address is required",
        ),
    ];
    for (method, body, needle) in &cases {
        let answer = send_tg_body(&mock, method, body).await;
        assert_invalid(&mock, &answer, Channel::Telegram, needle);
        assert_eq!(answer.json["ok"], false);
        assert_eq!(answer.json["error_code"], 400);
        assert!(answer.json["description"]
            .as_str()
            .unwrap()
            .starts_with("Bad Request: "));
    }
    assert_eq!(mock.stats().telegram.invalid, cases.len() as u64);
}

#[tokio::test]
async fn a_wrong_token_or_unknown_method_is_refused() {
    let mock = start().await;
    let req = &telegram::render("999:wrong", CHAT_ID, &dialog::Message::text("Halo"))[0];
    let answer = send_tg(&mock, req).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.json,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    assert!(matches!(
        answer.classify(Channel::Telegram),
        SendDecision::Permanent {
            code: Some(401),
            ..
        }
    ));
    let rec = mock.rejected().pop().unwrap();
    assert_eq!(rec.path, "/bot***/sendMessage");

    let answer = send_tg_body(&mock, "sendSticker", &json!({"chat_id": CHAT_ID})).await;
    assert_eq!(answer.status, 404);
    assert_eq!(mock.stats().telegram.rejected, 2);
}

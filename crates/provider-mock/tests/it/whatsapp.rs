use channels::whatsapp::{self, Target};
use channels::{Channel, SendDecision, Window};
use serde_json::{json, Value};

use crate::*;

fn target(window: Window) -> Target<'static> {
    Target {
        phone_number_id: PHONE_NUMBER_ID,
        to: WA_ID,
        window,
        fallback_template: Some("pesan_layanan"),
    }
}

#[tokio::test]
async fn every_rendered_message_kind_is_accepted_with_a_wamid() {
    let mock = start().await;
    let mut ids = std::collections::HashSet::new();
    let mut sent = 0;
    for message in every_message() {
        for req in whatsapp::render(&target(Window::Open), &message).unwrap() {
            let answer = send_wa(&mock, &req).await;
            let id = assert_sent(&answer, Channel::WhatsApp).expect("a wamid");
            assert!(id.starts_with("wamid."), "{id}");
            assert!(ids.insert(id), "message ids are unique");
            assert_eq!(answer.json["messaging_product"], "whatsapp");
            assert_eq!(answer.json["contacts"][0]["input"], WA_ID);
            assert_eq!(answer.json["contacts"][0]["wa_id"], WA_ID);
            sent += 1;
        }
    }
    // The long text went out in two parts.
    assert_eq!(sent, every_message().len() + 1);
    assert!(mock.rejected().is_empty(), "{:?}", mock.rejected());
    let accepted = mock.accepted();
    assert_eq!(accepted.len(), sent);
    assert!(accepted
        .iter()
        .all(|r| r.recipient.as_deref() == Some(WA_ID)
            && r.path == format!("/v21.0/{PHONE_NUMBER_ID}/messages")
            && r.method == "POST"));
    assert_eq!(mock.stats().whatsapp.distinct_recipients, 1);
}

#[tokio::test]
async fn templates_and_mark_read_are_accepted() {
    let mock = start().await;
    let params = ["Budi".to_string(), "Rp 150.000".to_string()];
    let req = whatsapp::template(&target(Window::Closed), "tagihan_iuran", &params);
    let answer = send_wa(&mock, &req).await;
    assert_sent(&answer, Channel::WhatsApp);
    assert_eq!(answer.json["messages"][0]["message_status"], "accepted");

    let answer = send_wa(&mock, &whatsapp::mark_read(PHONE_NUMBER_ID, "wamid.IN1")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json, json!({"success": true}));
    let read = mock.accepted().pop().unwrap();
    assert_eq!(read.recipient, None);
    assert_eq!(read.message_id, None);
}

#[tokio::test]
async fn invalid_bodies_are_refused_with_graph_error_100_and_the_broken_rule() {
    let mock = start().await;
    let text = |body: &str| json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "text", "text": {"body": body}});
    let interactive = |i: Value| json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "interactive", "interactive": i});
    let reply =
        |id: &str, title: &str| json!({"type": "reply", "reply": {"id": id, "title": title}});
    let buttons = |bs: Vec<Value>| {
        interactive(json!({"type": "button", "body": {"text": "Pilih"}, "action": {"buttons": bs}}))
    };
    let list = |button: &str, sections: Value| {
        interactive(
            json!({"type": "list", "body": {"text": "Pilih"}, "action": {"button": button, "sections": sections}}),
        )
    };
    let row = |i: usize| json!({"id": format!("r{i}"), "title": format!("Baris {i}")});
    let template = |text: &str| {
        json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "template",
        "template": {"name": "pesan_layanan", "language": {"code": "id"},
                     "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}]}})
    };

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"to": WA_ID, "type": "text", "text": {"body": "x"}}),
            "messaging_product is required",
        ),
        (
            json!({"messaging_product": "sms", "to": WA_ID, "type": "text", "text": {"body": "x"}}),
            "messaging_product must be",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": "0812-3456", "type": "text", "text": {"body": "x"}}),
            "to must be a phone number",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": WA_ID, "text": {"body": "x"}}),
            "type is required",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "sticker", "sticker": {}}),
            "type \"sticker\"",
        ),
        (text(""), "text.body must not be empty"),
        (
            text(&"a".repeat(4097)),
            "text.body must be at most 4096 characters, got 4097",
        ),
        (buttons(vec![]), "buttons must have 1..=3 items, got 0"),
        (
            buttons(vec![
                reply("a", "A"),
                reply("b", "B"),
                reply("c", "C"),
                reply("d", "D"),
            ]),
            "buttons must have 1..=3 items, got 4",
        ),
        (
            buttons(vec![reply("a", "Judul yang terlalu panjang")]),
            "reply.title must be at most 20 characters",
        ),
        (
            buttons(vec![reply("a", "Sama"), reply("b", "Sama")]),
            "title \"Sama\" is not unique",
        ),
        (
            buttons(vec![reply("a", "Satu"), reply("a", "Dua")]),
            "id \"a\" is not unique",
        ),
        (
            buttons(vec![reply(&"i".repeat(257), "A")]),
            "reply.id must be at most 256 characters",
        ),
        (
            buttons(vec![
                json!({"type": "url", "reply": {"id": "a", "title": "A"}}),
            ]),
            "type must be \"reply\"",
        ),
        (
            interactive(
                json!({"type": "button", "body": {"text": "b".repeat(1025)}, "action": {"buttons": [reply("a", "A")]}}),
            ),
            "interactive.body.text must be at most 1024",
        ),
        (
            list(
                "Tombol daftar terlalu panjang",
                json!([{"title": "S", "rows": [row(0)]}]),
            ),
            "action.button must be at most 20",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "S", "rows": (0..11).map(row).collect::<Vec<_>>()}]),
            ),
            "at most 10 rows in all, got 11",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "S", "rows": (0..6).map(row).collect::<Vec<_>>()}, {"title": "T", "rows": (6..11).map(row).collect::<Vec<_>>()}]),
            ),
            "at most 10 rows in all, got 11",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "Judul bagian yang kepanjangan", "rows": [row(0)]}]),
            ),
            "sections[0].title must be at most 24",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "S", "rows": [{"id": "r", "title": "Judul baris yang terlalu panjang"}]}]),
            ),
            "rows[0].title must be at most 24",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "S", "rows": [{"id": "r", "title": "T", "description": "d".repeat(73)}]}]),
            ),
            "rows[0].description must be at most 72",
        ),
        (
            list(
                "Lihat",
                json!([{"title": "S", "rows": [{"id": "x".repeat(201), "title": "T"}]}]),
            ),
            "rows[0].id must be at most 200",
        ),
        (
            list("Lihat", json!([{"title": "S", "rows": [row(1), row(1)]}])),
            "id \"r1\" is not unique",
        ),
        (
            interactive(
                json!({"type": "location_request_message", "body": {"text": "Lokasi?"}, "action": {"name": "send_contact"}}),
            ),
            "action.name must be \"send_location\"",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "location", "location": {"latitude": "-6.2", "longitude": 106.8}}),
            "location.latitude must be a number",
        ),
        (
            template("Halo\nBudi"),
            "cannot have new-line/tab characters",
        ),
        (template("Halo      Budi"), "more than 4 consecutive spaces"),
        (
            json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "template", "template": {"name": "pesan_layanan"}}),
            "template.language is required",
        ),
        (
            json!({"messaging_product": "whatsapp", "to": WA_ID, "type": "text", "text": {"body": "x"}, "biz_opaque_callback_data": "o".repeat(513)}),
            "biz_opaque_callback_data must be at most 512",
        ),
        (
            json!({"messaging_product": "whatsapp", "status": "delivered", "message_id": "wamid.X"}),
            "status must be \"read\"",
        ),
    ];
    for (body, needle) in &cases {
        let answer = send_wa_body(&mock, body).await;
        assert_invalid(&mock, &answer, Channel::WhatsApp, needle);
        assert_eq!(answer.json["error"]["code"], 100, "{needle}");
        assert_eq!(answer.json["error"]["type"], "OAuthException");
        assert!(answer.json["error"]["fbtrace_id"].is_string());
    }
    let stats = mock.stats().whatsapp;
    assert_eq!((stats.invalid, stats.accepted), (cases.len() as u64, 0));
}

#[tokio::test]
async fn requests_need_the_bearer_token_and_a_json_content_type() {
    let mock = start().await;
    let req = &whatsapp::render(&target(Window::Open), &dialog::Message::text("Halo")).unwrap()[0];
    let url = format!("{}{}", mock.whatsapp_base(), req.path());
    for bearer in [None, Some("wrong-token")] {
        let answer = post(&url, bearer, &req.body).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.json["error"]["code"], 190);
        assert!(matches!(
            answer.classify(Channel::WhatsApp),
            SendDecision::Permanent {
                code: Some(190),
                ..
            }
        ));
    }
    let form = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&mock.config().whatsapp_token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("messaging_product=whatsapp")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    let stats = mock.stats().whatsapp;
    assert_eq!(
        (stats.unauthorized, stats.invalid, stats.accepted),
        (2, 1, 0)
    );
    assert!(mock.rejected()[2]
        .rejection
        .as_deref()
        .unwrap()
        .contains("Content-Type"));
}

#[tokio::test]
async fn a_closed_window_refuses_free_form_with_131047_but_takes_templates() {
    let mock = start().await;
    mock.close_window(WA_ID);
    let free = &whatsapp::render(&target(Window::Open), &dialog::Message::text("Halo")).unwrap()[0];
    let answer = send_wa(&mock, free).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.classify(Channel::WhatsApp),
        SendDecision::NeedsTemplate { code: 131047 }
    );
    // What our sender does next: the same message as the fallback template.
    let templ = &whatsapp::render(
        &target(Window::Closed),
        &dialog::Message::text("Halo, tagihan Anda sudah lunas."),
    )
    .unwrap()[0];
    assert_sent(&send_wa(&mock, templ).await, Channel::WhatsApp);
    // Receipts are not messages and are never refused for the window.
    let read = send_wa(&mock, &whatsapp::mark_read(PHONE_NUMBER_ID, "wamid.IN")).await;
    assert_eq!(read.status, 200);

    mock.open_window(WA_ID);
    assert_sent(&send_wa(&mock, free).await, Channel::WhatsApp);
    assert_eq!(mock.stats().whatsapp.window_closed, 1);
}

#[tokio::test]
async fn unknown_graph_paths_are_refused_and_recorded() {
    let mock = start().await;
    let url = format!("{}/{PHONE_NUMBER_ID}/message", mock.whatsapp_base());
    let answer = post(&url, Some(&mock.config().whatsapp_token), &json!({})).await;
    assert_eq!(answer.status, 400);
    let rec = mock.rejected().pop().unwrap();
    assert_eq!(rec.channel, Channel::WhatsApp);
    assert!(rec.rejection.unwrap().contains("no mocked endpoint"));
}

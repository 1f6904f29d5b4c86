//! One integration-test binary for the channels crate (each binary costs link time).

mod classify;
mod inbound;
mod render;
mod verify;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A participant taps a WhatsApp button: the signed webhook is checked over its raw bytes,
/// parsed, handed to the engine as a choice, and the engine's reply is rendered as the
/// documented request, keyed for dedupe by the wamid.
#[test]
fn a_whatsapp_button_tap_travels_from_raw_webhook_to_the_outbound_request() {
    use channels::{verify, whatsapp, Window};

    let body = fixture("whatsapp_button_reply");
    let header = verify::meta_signature(b"app-secret", &body);
    verify::verify_meta_signature(b"app-secret", Some(&header), &body).unwrap();
    let events = whatsapp::parse(&body).unwrap();
    let event = &events[0];
    assert_eq!(event.provider_id, "wamid.BUTTON1");
    assert_eq!(
        event.dialog_inbound(),
        Some(dialog::Inbound::choice("menu:tunggakan"))
    );
    let reply = dialog::Message::buttons(
        "Tunggakan iuran Anda Rp 0. Ada lagi yang bisa dibantu?",
        vec![
            dialog::Button::new("menu", "Menu utama"),
            dialog::Button::new("selesai", "Selesai"),
        ],
    );
    let target = whatsapp::Target {
        phone_number_id: "106540352242922",
        to: &event.sender.address,
        window: Window::Open,
        fallback_template: None,
    };
    let reqs = whatsapp::render(&target, &reply).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path(), "/106540352242922/messages");
    assert_eq!(reqs[0].body["to"], "6281234567890");
    assert_eq!(
        reqs[0].body["interactive"]["action"]["buttons"][1]["reply"],
        serde_json::json!({"id": "selesai", "title": "Selesai"})
    );
}

//! One integration-test binary for the provider mock (each binary costs link time). Requests
//! are the ones our channels crate renders, sent over real HTTP.

mod faults;
mod messenger;
mod stats;
mod status;
mod telegram;
mod whatsapp;

use channels::{Channel, OutboundRequest, SendDecision};
use provider_mock::{MockConfig, MockHandle, MockProvider};
use serde_json::Value;

pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const WA_ID: &str = "6281234567890";
pub const CHAT_ID: &str = "123456789";
pub const PSID: &str = "2345678901234567";

pub async fn start() -> MockHandle {
    start_with(MockConfig::default()).await
}

pub async fn start_with(config: MockConfig) -> MockHandle {
    MockProvider::start(config).await.expect("mock starts")
}

/// One answer from the mock.
#[derive(Debug)]
pub struct Sent {
    pub status: u16,
    pub raw: Vec<u8>,
    pub json: Value,
}

impl Sent {
    pub fn classify(&self, channel: Channel) -> SendDecision {
        channels::classify(channel, self.status, &self.raw)
    }
}

pub async fn post(url: &str, bearer: Option<&str>, body: &Value) -> Sent {
    post_with(&reqwest::Client::new(), url, bearer, body)
        .await
        .expect("mock answers")
}

pub async fn post_with(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> reqwest::Result<Sent> {
    let mut req = client.post(url).json(body);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let raw = resp.bytes().await?.to_vec();
    let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Ok(Sent { status, raw, json })
}

/// Sends a rendered WhatsApp request the way our sender does: base URL + path, bearer token.
pub async fn send_wa(mock: &MockHandle, req: &OutboundRequest) -> Sent {
    let url = format!("{}{}", mock.whatsapp_base(), req.path());
    post(&url, Some(&mock.config().whatsapp_token), &req.body).await
}

pub async fn send_wa_body(mock: &MockHandle, body: &Value) -> Sent {
    let url = format!("{}/{PHONE_NUMBER_ID}/messages", mock.whatsapp_base());
    post(&url, Some(&mock.config().whatsapp_token), body).await
}

pub async fn send_tg(mock: &MockHandle, req: &OutboundRequest) -> Sent {
    let url = format!("{}{}", mock.telegram_base(), req.path());
    post(&url, None, &req.body).await
}

pub async fn send_tg_body(mock: &MockHandle, method: &str, body: &Value) -> Sent {
    let url = format!(
        "{}/bot{}/{method}",
        mock.telegram_base(),
        mock.config().telegram_token
    );
    post(&url, None, body).await
}

pub async fn send_fb(mock: &MockHandle, req: &OutboundRequest) -> Sent {
    let url = format!("{}{}", mock.messenger_base(), req.path());
    post(&url, None, &req.body).await
}

pub async fn send_fb_body(mock: &MockHandle, body: &Value) -> Sent {
    let url = format!(
        "{}/me/messages?access_token={}",
        mock.messenger_base(),
        mock.config().messenger_page_token
    );
    post(&url, None, body).await
}

/// The answer was a success that `classify` reads as sent, with the provider's message id.
pub fn assert_sent(sent: &Sent, channel: Channel) -> Option<String> {
    assert_eq!(sent.status, 200, "{channel} answer: {}", sent.json);
    match sent.classify(channel) {
        SendDecision::Sent {
            provider_message_id,
        } => provider_message_id,
        other => panic!("{channel}: expected Sent, got {other:?} for {}", sent.json),
    }
}

/// The mock refused the request as invalid, and recorded a rejection mentioning `needle`.
pub fn assert_invalid(mock: &MockHandle, sent: &Sent, channel: Channel, needle: &str) {
    assert_eq!(sent.status, 400, "{channel} answer: {}", sent.json);
    let last = mock.requests().pop().expect("request recorded");
    assert!(!last.accepted);
    let reason = last.rejection.expect("a rejection reason");
    assert!(
        reason.contains(needle),
        "{channel}: rejection {reason:?} should mention {needle:?}"
    );
    // The reason also reaches the client, as the provider's own message would.
    assert!(
        String::from_utf8_lossy(&sent.raw).contains(&needle.replace('"', "\\\"")),
        "{channel}: answer {} should mention {needle:?}",
        sent.json
    );
    assert!(matches!(
        sent.classify(channel),
        SendDecision::Permanent { .. }
    ));
}

pub fn button(id: &str, title: &str) -> dialog::Button {
    dialog::Button::new(id, title)
}

pub fn rows(n: usize) -> Vec<dialog::ListRow> {
    (0..n)
        .map(|i| {
            dialog::ListRow::new(
                format!("faskes:{i}"),
                &format!("Puskesmas Kecamatan {i}"),
                Some("Jl. Merdeka No. 1, buka 07.30–14.00"),
            )
        })
        .collect()
}

/// Every kind of message the engine produces, with Indonesian text and emoji.
pub fn every_message() -> Vec<dialog::Message> {
    use dialog::Message;
    vec![
        Message::text("Halo! 👋 Saya Layan, asisten JKN."),
        Message::text("Informasi panjang. ".repeat(300)),
        Message::buttons(
            "Apa yang ingin Anda lakukan?",
            vec![
                button("menu:tunggakan", "Cek tunggakan"),
                button("menu:faskes", "Cari faskes"),
                button("menu:agen", "Bicara dengan petugas"),
            ],
        ),
        Message::list("Pilih faskes terdekat:", "Lihat daftar", rows(10)),
        Message::Location {
            latitude: -6.2088,
            longitude: 106.8456,
            name: "Kantor Cabang BPJS Kesehatan Jakarta Pusat".into(),
            address: "Jl. Proklamasi No. 1, Jakarta Pusat".into(),
        },
        Message::LocationRequest {
            text: "Bagikan lokasi Anda untuk mencari faskes terdekat.".into(),
        },
        Message::ContactRequest {
            text: "Bagikan nomor HP Anda untuk verifikasi.".into(),
        },
    ]
}

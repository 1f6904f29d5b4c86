//! What the mock expects and how it misbehaves.

use std::time::Duration;

use serde_json::Value;

/// The mock's configuration. `Default` gives tokens and ids usable in tests as they are.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Port on 127.0.0.1 for [`crate::MockProvider::start`]; 0 picks a free one.
    pub port: u16,
    /// Expected `Authorization: Bearer` token for WhatsApp.
    pub whatsapp_token: String,
    /// Expected `<token>` in Telegram's `/bot<token>/<method>` paths.
    pub telegram_token: String,
    /// Expected `access_token` query parameter for Messenger.
    pub messenger_page_token: String,
    /// WhatsApp Business Account id and display number put into status webhooks.
    pub waba_id: String,
    pub display_phone_number: String,
    /// Where to post WhatsApp status webhooks for accepted sends, if anywhere.
    pub status_webhook: Option<StatusWebhook>,
    /// Keep every accepted request's body. Off for benchmarks: then only counters are kept
    /// for accepted requests (rejected ones are still recorded, they are rare and the first
    /// thing one wants to read when a run goes wrong).
    pub record_bodies: bool,
    /// Fraction (0.0..=1.0) of valid requests answered with a provider 500, for crash tests.
    pub failure_rate: f64,
    /// Seed for the failure draws, so a failing crash test can be replayed exactly.
    pub seed: u64,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            port: 0,
            whatsapp_token: "mock-whatsapp-token".into(),
            telegram_token: "123456789:mock-telegram-token".into(),
            messenger_page_token: "mock-page-token".into(),
            waba_id: "102290129340398".into(),
            display_phone_number: "6281100000000".into(),
            status_webhook: None,
            record_bodies: true,
            failure_rate: 0.0,
            seed: 0x5eed,
        }
    }
}

/// Meta-style status callbacks for accepted WhatsApp sends.
#[derive(Debug, Clone)]
pub struct StatusWebhook {
    /// Our webhook endpoint (e.g. `http://127.0.0.1:8080/webhooks/whatsapp`).
    pub url: String,
    /// The app secret the `X-Hub-Signature-256` header is computed with.
    pub app_secret: String,
    /// Also post a `delivered` status after the `sent` one.
    pub delivered: bool,
}

/// One scripted misbehaviour, applied to the next message send of a channel. Receipts and
/// acknowledgements (WhatsApp mark-read, Telegram `answerCallbackQuery`, Messenger sender
/// actions) never consume one, so a script meant for a reply is not eaten by the courtesy
/// call sent before it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 500 with the provider's error body (WhatsApp 131000, Telegram 500, Messenger 1200).
    ServerError,
    /// Throttled: WhatsApp 130429 (HTTP 429), Telegram 429 with `parameters.retry_after`,
    /// Messenger 613. Only Telegram carries `retry_after_secs` to the client.
    RateLimited { retry_after_secs: u64 },
    /// Outside the 24-hour window: WhatsApp 131047, Messenger 10/2018278. Telegram has no
    /// window; it answers 403 "bot was blocked by the user", its nearest "cannot reach them now".
    WindowClosed,
    /// Never deliverable: WhatsApp 131026, Telegram 400 "chat not found", Messenger 100/2018001.
    Undeliverable,
    /// Answer normally, but only after this long. The request is accepted and recorded before
    /// the wait, so a client that times out leaves a delivered message behind: the case that
    /// makes a retry produce a duplicate.
    Delay(Duration),
    /// Any other answer, sent as it is.
    Custom { status: u16, body: Value },
}

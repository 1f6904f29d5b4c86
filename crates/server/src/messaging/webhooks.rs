//! The providers' webhooks. Each verifies the signature over the raw body before reading it,
//! parses every event the body carries, and answers 200 only once they are committed to the
//! inbox (a redelivery is recognised by the provider's id and acknowledged again). A channel
//! without a configured secret is off: its webhook does not exist (404).

use super::inbox_event;
use crate::api;
use crate::auth::sha256_hex;
use crate::config::Secret;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use channels::{Channel, InboundEvent, ParseError, VerifyError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/whatsapp", get(whatsapp_handshake).post(whatsapp))
        .route("/webhooks/telegram", axum::routing::post(telegram))
        .route(
            "/webhooks/messenger",
            get(messenger_handshake).post(messenger),
        )
}

#[derive(Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

fn handshake(channel: Channel, expected: &str, q: &Handshake) -> Response {
    match channels::hub_handshake(
        expected,
        q.mode.as_deref(),
        q.verify_token.as_deref(),
        q.challenge.as_deref(),
    ) {
        Ok(challenge) => {
            tracing::info!(channel = %channel, "webhook subscription verified");
            ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response()
        }
        Err(e) => {
            tracing::warn!(channel = %channel, reason = %e, "webhook verification refused");
            error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Verifikasi webhook ditolak.",
            )
        }
    }
}

async fn whatsapp_handshake(State(state): State<AppState>, Query(q): Query<Handshake>) -> Response {
    let wa = &state.config.whatsapp;
    if !wa.enabled() {
        return api::not_found().await.into_response();
    }
    handshake(Channel::WhatsApp, wa.verify_token.expose(), &q)
}

async fn messenger_handshake(
    State(state): State<AppState>,
    Query(q): Query<Handshake>,
) -> Response {
    let fb = &state.config.messenger;
    if !fb.enabled() {
        return api::not_found().await.into_response();
    }
    handshake(Channel::Messenger, fb.verify_token.expose(), &q)
}

async fn whatsapp(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let wa = &state.config.whatsapp;
    let secret = wa.enabled().then(|| wa.app_secret.clone());
    meta(
        &state,
        Channel::WhatsApp,
        secret,
        &headers,
        &body,
        channels::whatsapp::parse,
    )
    .await
}

async fn messenger(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fb = &state.config.messenger;
    let secret = fb.enabled().then(|| fb.app_secret.clone());
    meta(
        &state,
        Channel::Messenger,
        secret,
        &headers,
        &body,
        channels::messenger::parse,
    )
    .await
}

/// WhatsApp and Messenger: the same `X-Hub-Signature-256` scheme with the channel's app
/// secret (`None`: the channel is off).
async fn meta(
    state: &AppState,
    channel: Channel,
    app_secret: Option<Secret>,
    headers: &HeaderMap,
    body: &[u8],
    parse: fn(&[u8]) -> Result<Vec<InboundEvent>, ParseError>,
) -> Response {
    let Some(secret) = app_secret else {
        return api::not_found().await.into_response();
    };
    let signature = channels::verify_meta_signature(
        secret.expose().as_bytes(),
        header_str(headers, "x-hub-signature-256"),
        body,
    );
    receive(state, channel, signature, body, parse).await
}

async fn telegram(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let tg = &state.config.telegram;
    if !tg.enabled() {
        return api::not_found().await.into_response();
    }
    let signature = channels::verify_telegram_secret(
        tg.secret_token.expose(),
        header_str(&headers, "x-telegram-bot-api-secret-token"),
    );
    receive(
        &state,
        Channel::Telegram,
        signature,
        &body,
        channels::telegram::parse,
    )
    .await
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The body's fingerprint for logs: enough to find a delivery again, nothing of its content.
fn body_hash(body: &[u8]) -> String {
    let mut hex = sha256_hex(body);
    hex.truncate(24);
    hex
}

fn error(status: StatusCode, code: &'static str, message: &str) -> Response {
    ApiError::new(status, code, message).into_response()
}

async fn receive(
    state: &AppState,
    channel: Channel,
    signature: Result<(), VerifyError>,
    body: &[u8],
    parse: fn(&[u8]) -> Result<Vec<InboundEvent>, ParseError>,
) -> Response {
    let metrics = &state.metrics;
    if let Err(e) = signature {
        metrics.count(
            "layan_webhook_rejected_total",
            &[("channel", channel.as_str()), ("reason", "signature")],
        );
        tracing::warn!(channel = %channel, reason = %e, body_sha256 = %body_hash(body), bytes = body.len(), "webhook signature refused");
        return error(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "Tanda tangan webhook tidak valid.",
        );
    }
    let events = match parse(body) {
        Ok(events) => events,
        Err(e) => {
            metrics.count(
                "layan_webhook_rejected_total",
                &[("channel", channel.as_str()), ("reason", "malformed")],
            );
            tracing::warn!(channel = %channel, error = %e, body_sha256 = %body_hash(body), bytes = body.len(), "malformed webhook body");
            return error(
                StatusCode::BAD_REQUEST,
                "malformed",
                "Isi webhook tidak dapat dibaca.",
            );
        }
    };
    let Some(messaging) = &state.messaging else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Layanan pesan belum siap.",
        );
    };
    if events.is_empty() {
        return StatusCode::OK.into_response();
    }
    let now = state.now();
    let stored: Vec<_> = events.iter().map(|e| inbox_event(e, now)).collect();
    match messaging.writer.append_inbox(stored).await {
        Ok(()) => {
            for event in &events {
                let kind = super::kind_name(&event.kind);
                metrics.count(
                    "layan_inbound_events_total",
                    &[("channel", channel.as_str()), ("kind", kind)],
                );
            }
            StatusCode::OK.into_response()
        }
        Err(e) => {
            tracing::warn!(channel = %channel, error = %e, "webhook not stored; the provider will redeliver");
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Sedang ada gangguan; silakan kirim ulang.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            response
        }
    }
}

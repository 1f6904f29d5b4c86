//! The pure protocol layer for Layan's messaging channels (WhatsApp Cloud API, Telegram Bot API,
//! Facebook Messenger): no HTTP server, no database, no network and no clock, so every rule
//! here is tested against real payload shapes without any of them.
//!
//! - [`verify`]: webhook signatures and the `hub.*` handshake, checked over the raw body.
//! - [`whatsapp`], [`telegram`], [`messenger`]: webhook bodies into channel-neutral
//!   [`InboundEvent`]s, and [`dialog::Message`]s into each provider's request body.
//! - [`classify`]: what to do with a provider's answer to a send (retry, template, give up).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod classify;
pub mod event;
pub mod limits;
pub mod messenger;
pub mod outbound;
pub mod telegram;
pub mod verify;
pub mod whatsapp;

pub use classify::{classify, SendDecision};
pub use event::{
    Attachment, Channel, DeliveryState, DeliveryStatus, EventKind, InboundEvent, Sender,
};
pub use outbound::{OutboundRequest, RenderError, Window};
pub use verify::{hub_handshake, verify_meta_signature, verify_telegram_secret, VerifyError};

/// One item of a provider's array: parsed when it has the documented shape, kept raw when it
/// does not, so one odd item never makes the whole webhook (and its other events) fail.
#[derive(Debug)]
pub enum Lenient<T> {
    Parsed(T),
    Raw(serde_json::Value),
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(d)?;
        Ok(match T::deserialize(&raw) {
            Ok(t) => Lenient::Parsed(t),
            Err(_) => Lenient::Raw(raw),
        })
    }
}

/// A webhook body that is not the JSON its provider documents.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("malformed {channel} webhook body: {source}")]
    Json {
        channel: Channel,
        #[source]
        source: serde_json::Error,
    },
    #[error("unexpected {channel} webhook object {object:?}")]
    UnexpectedObject { channel: Channel, object: String },
}

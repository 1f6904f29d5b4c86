//! The chat channels end to end: provider webhooks ([`webhooks`]) into a durable inbox with
//! group commit ([`ingest`]), in-order processing per conversation through the assistant
//! ([`process`]), replies as outbox rows ([`render`]) sent by paced, retrying senders
//! ([`send`], [`pacing`]). See docs/ARCHITECTURE.md for the whole path and its guarantees.

pub mod pacing;
pub mod process;
mod redelivery;
pub mod render;
pub mod role;
pub mod send;
pub mod webhooks;
pub mod writer;

use crate::state::AppState;
use channels::{Channel, EventKind, InboundEvent};
use chrono::{DateTime, Utc};
use dialog::{DialogConfig, Engine, StoreData};
use std::sync::Arc;
use store::NewInboxEvent;
use tokio::sync::Notify;

/// Wake-ups between the stages, so work moves at once instead of at the next poll.
#[derive(Clone, Default)]
pub struct Wakers {
    pub inbox: Arc<Notify>,
    pub whatsapp: Arc<Notify>,
    pub telegram: Arc<Notify>,
    pub messenger: Arc<Notify>,
}

impl Wakers {
    pub fn sender(&self, channel: Channel) -> &Arc<Notify> {
        match channel {
            Channel::WhatsApp => &self.whatsapp,
            Channel::Telegram => &self.telegram,
            Channel::Messenger => &self.messenger,
        }
    }
}

/// The running pipeline, held by the server state.
#[derive(Clone)]
pub struct Messaging {
    pub writer: writer::Writer,
    pub wakers: Wakers,
    /// The processing role; `None` on an ingest node.
    pub role: Option<role::Role>,
}

impl Messaging {
    /// Before a clean exit: gives the processing role up, so another node answers at once.
    pub async fn stop(&self, state: &AppState) {
        if let Some(role) = &self.role {
            role.release(state).await;
        }
    }
}

/// The channels that have a secret configured.
pub fn enabled_channels(config: &crate::Config) -> Vec<Channel> {
    let mut on = Vec::new();
    if config.whatsapp.enabled() {
        on.push(Channel::WhatsApp);
    }
    if config.telegram.enabled() {
        on.push(Channel::Telegram);
    }
    if config.messenger.enabled() {
        on.push(Channel::Messenger);
    }
    on
}

/// Starts the committer and, unless this is an ingest node, the assistant, the conversation
/// workers and a sender per enabled channel. `None` when no channel is configured.
pub fn start(state: &AppState) -> Result<Option<Messaging>, String> {
    let channels = enabled_channels(&state.config);
    if channels.is_empty() {
        return Ok(None);
    }
    let wakers = Wakers::default();
    // One committer per node: inbox ids then become visible in the order they are assigned,
    // which keeps one conversation's messages in order. Throughput comes from the batch
    // growing while a commit is on disk, not from parallel transactions.
    let writer = writer::Writer::start(
        state.store.clone(),
        state.config.messaging.ingest_batch,
        wakers.inbox.clone(),
    );
    if !state.config.messaging.process {
        tracing::info!(channels = ?channels, "ingest only: webhooks are stored, other nodes answer them");
        return Ok(Some(Messaging {
            writer,
            wakers,
            role: None,
        }));
    }
    let engine = Engine::new(
        Arc::new(StoreData::with_services(
            state.store.clone(),
            crate::forms::dialog_services(state),
        )),
        state.rules.clone(),
        DialogConfig::default(),
    )
    .map_err(|e| format!("the assistant cannot start: {e}"))?;
    let role = role::spawn(state.clone(), state.node.as_str().to_owned());
    process::spawn(
        state.clone(),
        Arc::new(engine),
        wakers.clone(),
        writer.clone(),
        role.clone(),
    );
    for channel in channels {
        send::spawn(
            state.clone(),
            channel,
            wakers.sender(channel).clone(),
            writer.clone(),
            role.clone(),
        )?;
        tracing::info!(channel = %channel, "chat channel on");
    }
    Ok(Some(Messaging {
        writer,
        wakers,
        role: Some(role),
    }))
}

/// The inbox's name for an event kind.
pub fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Text { .. }
        | EventKind::Choice { .. }
        | EventKind::Location { .. }
        | EventKind::Contact { .. } => "message",
        EventKind::CallbackQuery { .. } => "callback",
        EventKind::Attachment(_) => "attachment",
        EventKind::Status(_) => "status",
        EventKind::Edited { .. } => "edit",
        EventKind::Unsupported { .. } => "unsupported",
    }
}

/// An event as the inbox stores it.
pub fn inbox_event(event: &InboundEvent, received_at: DateTime<Utc>) -> NewInboxEvent {
    NewInboxEvent {
        channel: event.channel.as_str().to_owned(),
        provider_id: event.provider_id.clone(),
        conversation: event.sender.address.clone(),
        kind: kind_name(&event.kind).to_owned(),
        payload: serde_json::to_value(event).unwrap_or_default(),
        // From the body alone (it is part of the redelivery key): a time out of range is the
        // epoch, which also opens no window.
        occurred_at: DateTime::from_timestamp(event.timestamp, 0).unwrap_or(DateTime::UNIX_EPOCH),
        received_at,
    }
}

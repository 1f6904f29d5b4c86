//! From the inbox to the outbox. A dispatcher reads unprocessed events in inbox order and
//! hands each to the worker that owns its conversation (by hash), so one conversation's
//! events are handled one at a time and in order while different conversations go in
//! parallel. A worker decides the answer and commits, in one transaction, the inbox mark, the
//! turns, the conversation state and the replies: after a crash an event is either fully
//! answered or still pending, never answered twice. Only the node holding the processing role
//! ([`super::role`]) dispatches.

use super::redelivery::RecentDeliveries;
use super::render::{self, Addressee};
use super::role::Role;
use super::writer::Writer;
use super::Wakers;
use crate::state::AppState;
use channels::{Channel, DeliveryState, EventKind, InboundEvent};
use chrono::{DateTime, Utc};
use dialog::{Engine, Message};
use serde::Deserialize;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{
    DeliveryUpdate, InboxEvent, InboxId, NewTurn, OutboundId, OutboxState, ProcessedEvent,
};
use tokio::sync::mpsc;

/// Prefix of the `biz_opaque_callback_data` we attach to WhatsApp sends.
pub const CALLBACK_PREFIX: &str = "layan-outbound-";

/// Events handed to workers, and those the workers have finished since the last rescan.
/// A finished id leaves `handed` only at the next rescan, after a query that started once it
/// was committed, so a rescan never hands out an event whose commit it could not yet see.
#[derive(Default)]
struct Ledger {
    handed: HashSet<i64>,
    finished: Vec<i64>,
}

type InFlight = Arc<Mutex<Ledger>>;

/// Events queued for one worker.
const LANE_CAPACITY: usize = 256;

pub fn spawn(state: AppState, engine: Arc<Engine>, wakers: Wakers, writer: Writer, role: Role) {
    let workers = state.config.messaging.workers.max(1);
    let in_flight: InFlight = Arc::default();
    let mut lanes = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (tx, rx) = mpsc::channel::<InboxEvent>(LANE_CAPACITY);
        lanes.push(tx);
        tokio::spawn(work(
            Worker {
                state: state.clone(),
                engine: engine.clone(),
                writer: writer.clone(),
            },
            wakers.clone(),
            in_flight.clone(),
            rx,
        ));
    }
    tokio::spawn(dispatch(state, wakers, in_flight, lanes, role));
}

fn lane(event: &InboxEvent, lanes: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&event.channel, &event.conversation).hash(&mut h);
    (h.finish() % lanes as u64) as usize
}

/// How often, when idle, the dispatcher looks again at the whole inbox: an id can become
/// visible after a higher one (another node's transaction committing later), and the cursor
/// alone would step over it.
const RESCAN: Duration = Duration::from_secs(2);

async fn dispatch(
    state: AppState,
    wakers: Wakers,
    in_flight: InFlight,
    lanes: Vec<mpsc::Sender<InboxEvent>>,
    role: Role,
) {
    // Everything unprocessed at start-up (a restart after a crash) is picked up from 0.
    let mut cursor = InboxId(0);
    let mut last_rescan = std::time::Instant::now();
    loop {
        if !role.held() {
            // Another node answers meanwhile; once this one takes over, it starts from 0.
            cursor = InboxId(0);
            role.wait_briefly().await;
            continue;
        }
        let rescan = last_rescan.elapsed() >= RESCAN;
        let from = if rescan { InboxId(0) } else { cursor };
        // Finished before this query starts: the query cannot return them any more.
        let settled = if rescan {
            in_flight
                .lock()
                .map(|mut l| std::mem::take(&mut l.finished))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        match state.store.inbox_pending(from, 1_000).await {
            Ok(events) => {
                if rescan {
                    last_rescan = std::time::Instant::now();
                    if let Ok(mut l) = in_flight.lock() {
                        for id in &settled {
                            l.handed.remove(id);
                        }
                    }
                }
                let mut handed = 0;
                for event in events {
                    let fresh = in_flight
                        .lock()
                        .map(|mut l| l.handed.insert(event.id.0))
                        .unwrap_or(false);
                    cursor = cursor.max(event.id);
                    if !fresh {
                        continue;
                    }
                    handed += 1;
                    let i = lane(&event, lanes.len());
                    if lanes[i].send(event).await.is_err() {
                        return;
                    }
                }
                if handed > 0 {
                    continue;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the inbox; retrying"),
        }
        // New commits wake us at once; the timer covers a missed wake-up and other nodes.
        let _ = tokio::time::timeout(Duration::from_millis(500), wakers.inbox.notified()).await;
    }
}

/// What a conversation worker works with.
struct Worker {
    state: AppState,
    engine: Arc<Engine>,
    writer: Writer,
}

async fn work(
    worker: Worker,
    wakers: Wakers,
    in_flight: InFlight,
    mut rx: mpsc::Receiver<InboxEvent>,
) {
    let mut recent = RecentDeliveries::new(4 * LANE_CAPACITY);
    while let Some(event) = rx.recv().await {
        let redelivery = recent.is_redelivery(&event);
        let mut delay = Duration::from_millis(100);
        loop {
            let outcome = if redelivery {
                drop_redelivery(&worker, &event).await
            } else {
                process(&worker, &event).await
            };
            match outcome {
                Ok(channel) => {
                    if let Some(c) = channel {
                        wakers.sender(c).notify_one();
                    }
                    if !redelivery {
                        worker.state.metrics.count(
                            "layan_inbox_processed_total",
                            &[("channel", event.channel.as_str())],
                        );
                    }
                    break;
                }
                // Only the database fails here; the event stays pending and is tried again,
                // holding back the later events of the same conversations so order is kept.
                Err(e) => {
                    tracing::warn!(error = %e, inbox_id = event.id.0, "processing failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
        if let Ok(mut l) = in_flight.lock() {
            l.finished.push(event.id.0);
        }
        recent.remember(event);
    }
}

/// A provider's second delivery of an event already processed: deleted unanswered by the
/// commit (see `Store::commit_processed`), never shown to the assistant.
async fn drop_redelivery(
    worker: &Worker,
    stored: &InboxEvent,
) -> Result<Option<Channel>, dialog::DialogError> {
    let state = &worker.state;
    if worker
        .writer
        .processed(ProcessedEvent::marking(stored.id, state.now()))
        .await?
    {
        // Only if its first delivery vanished from the inbox since it was processed.
        tracing::warn!(
            inbox_id = stored.id.0,
            "a redelivery found no first delivery; set aside unanswered"
        );
    } else {
        state.metrics.count(
            "layan_inbound_redeliveries_total",
            &[("channel", stored.channel.as_str())],
        );
    }
    Ok(None)
}

/// Handles one event; returns the channel whose sender has new work.
async fn process(
    worker: &Worker,
    stored: &InboxEvent,
) -> Result<Option<Channel>, dialog::DialogError> {
    let Worker {
        state,
        engine,
        writer,
    } = worker;
    let now = state.now();
    let event = match InboundEvent::deserialize(&stored.payload) {
        Ok(e) => e,
        Err(e) => {
            // Written by this program, so unreadable means a bug or an incompatible upgrade:
            // set it aside (processed, nothing sent) rather than block the conversation.
            tracing::error!(error = %e, inbox_id = stored.id.0, "unreadable inbox event skipped");
            commit(writer, ProcessedEvent::marking(stored.id, now)).await?;
            return Ok(None);
        }
    };
    let channel = event.channel;
    let mut done = ProcessedEvent::marking(stored.id, now);
    let window = render::window_at(Some(stored.occurred_at), now);
    let to = Addressee {
        channel,
        recipient: &event.sender.address,
        purpose: "reply",
        window,
        inbox_id: Some(stored.id),
        at: now,
    };
    let config = &state.config;
    match &event.kind {
        EventKind::Status(status) => {
            done.deliveries.push(DeliveryUpdate {
                channel: channel.as_str().to_owned(),
                provider_message_id: status.message_id.clone(),
                outbound_id: status
                    .callback_data
                    .as_deref()
                    .and_then(|d| d.strip_prefix(CALLBACK_PREFIX))
                    .and_then(|id| id.parse().ok())
                    .map(OutboundId),
                state: match status.state {
                    DeliveryState::Sent => OutboxState::Sent,
                    DeliveryState::Delivered => OutboxState::Delivered,
                    DeliveryState::Read => OutboxState::Read,
                    DeliveryState::Failed => OutboxState::Failed,
                },
                error_code: status.errors.first().map(|(code, _)| code.to_string()),
                at: DateTime::from_timestamp(event.timestamp, 0).unwrap_or(now),
            });
            commit(writer, done).await?;
            return Ok(None);
        }
        // An edit is not a new request; answering it would answer the same thing twice.
        EventKind::Edited { .. } => {
            commit(writer, done).await?;
            return Ok(None);
        }
        EventKind::CallbackQuery { query_id, .. } => {
            done.outbound
                .push(render::callback_answer(config, &to, query_id));
        }
        _ => {}
    }
    // "STOP"/"MULAI" answer broadcasts, not the assistant (see `outreach::optout`).
    if let EventKind::Text { text } = &event.kind {
        use crate::outreach::optout::{intercept, Intercepted};
        let address = &event.sender.address;
        match intercept(state, channel, address, text, stored.occurred_at).await? {
            Intercepted::NotACommand => {}
            Intercepted::Reply(reply) => {
                let reply = Message::text(reply);
                done.turns = side_turns(&event, &stored.payload, text.clone(), Some(&reply), now);
                done.outbound.extend(render::rows(config, &to, &[reply]));
                commit(writer, done).await?;
                return Ok(Some(channel));
            }
            Intercepted::Superseded => {
                done.turns = side_turns(&event, &stored.payload, text.clone(), None, now);
                commit(writer, done).await?;
                return Ok(None);
            }
        }
    }
    match event.dialog_inbound() {
        Some(inbound) => {
            let decided = engine.decide(&event.dialog_sender(), inbound, now).await?;
            done.outbound
                .extend(render::rows(config, &to, &decided.messages));
            done.turns = decided.turns;
            done.conversation = Some(decided.conversation);
        }
        None => {
            let (reply, what) = match &event.kind {
                EventKind::Attachment(a) => {
                    tracing::info!(channel = %channel, kind = %a.kind, "attachment received");
                    (dialog::templates::attachment_received(), "attachment")
                }
                EventKind::Unsupported { what } => {
                    tracing::info!(channel = %channel, what = %what, "unsupported message answered");
                    (dialog::templates::unsupported_message(), "unsupported")
                }
                // A tap on a button without data, someone else's contact card...
                _ => (dialog::templates::unsupported_message(), "unsupported"),
            };
            done.turns = side_turns(
                &event,
                &stored.payload,
                format!("[{what}]"),
                Some(&reply),
                now,
            );
            done.outbound.extend(render::rows(config, &to, &[reply]));
        }
    }
    commit(writer, done).await?;
    Ok(Some(channel))
}

/// The turns kept for an event the assistant did not read (the agents still see it), the
/// inbound one shown as `inbound` ("[attachment]", or a command as typed), then the reply if
/// there is one.
fn side_turns(
    event: &InboundEvent,
    payload: &serde_json::Value,
    inbound: String,
    reply: Option<&Message>,
    at: DateTime<Utc>,
) -> Vec<NewTurn> {
    let turn = |direction: &str, body: serde_json::Value, text: String| NewTurn {
        channel: event.channel.as_str().to_owned(),
        sender: event.sender.address.clone(),
        direction: direction.to_owned(),
        body,
        text,
        intent: None,
        participant_id: None,
        at,
    };
    let mut turns = vec![turn("in", payload["kind"].clone(), inbound)];
    if let Some(reply) = reply {
        turns.push(turn(
            "out",
            serde_json::to_value(reply).unwrap_or_default(),
            reply.body().to_owned(),
        ));
    }
    turns
}

async fn commit(writer: &Writer, done: ProcessedEvent) -> Result<(), dialog::DialogError> {
    let id = done.inbox_id;
    if !writer.processed(done).await? {
        // Another worker (another node) answered it first: its answer stands.
        tracing::debug!(inbox_id = ?id, "event already processed elsewhere");
    }
    Ok(())
}

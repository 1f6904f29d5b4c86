//! The records of the messaging pipeline: the durable inbox of provider events and the send
//! state of the outbox (`outbound` rows).
//!
//! The contract the backends implement (and `store-tests` checks on both):
//! - `inbox_append` stores a batch in one transaction, as it comes: a provider's redelivery is
//!   stored again (so the webhook's commit only appends).
//! - `commit_processed` marks one inbox event processed *and* stores everything its processing
//!   produced (turns, conversation state, replies, delivery updates) in one transaction, so a
//!   crash either keeps all of it or none of it, and an event is never answered twice. A
//!   redelivery of an event already processed (same channel, provider time and provider id)
//!   is deleted there instead; `inbox_pending` flags the ones it can already tell.
//! - `outbox_claim` hands out, per channel, only the oldest unfinished message of each
//!   recipient, so a conversation's messages leave in order, and leases them so another node
//!   (or this one after a crash) takes them over only when the lease has run out.

use crate::model::{ConversationRecord, InboxId, NewOutbound, NewTurn, OutboundId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One event from a provider webhook, as it is stored before the webhook is acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInboxEvent {
    /// "whatsapp", "telegram", "messenger".
    pub channel: String,
    /// The provider's idempotency key (wamid, update_id, mid; `wamid:status` for statuses).
    pub provider_id: String,
    /// The conversation it belongs to (the sender's address); one conversation's events are
    /// processed one at a time, in inbox order.
    pub conversation: String,
    /// "message", "status", "callback", "edit", "unsupported"... (for statistics).
    pub kind: String,
    /// The parsed event as JSON; its shape belongs to the channel adapter.
    pub payload: serde_json::Value,
    /// When the provider says it happened. Taken from the body alone, never from the clock:
    /// it is part of the key that recognises a redelivery.
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboxEvent {
    pub id: InboxId,
    pub channel: String,
    pub provider_id: String,
    pub conversation: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// The same delivery (channel, occurred at, provider id) was already processed under
    /// another id when this event was listed: it is a provider's redelivery, to be dropped
    /// unanswered. False does not prove the opposite (the first delivery may still be on its
    /// way through processing); `commit_processed` has the last word.
    pub redelivery: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxStats {
    /// Events stored but not processed yet.
    pub pending: u64,
    /// When the oldest of them was received (the inbox lag is now minus this).
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// A provider request as stored: the path relative to the channel's base URL, with secrets
/// left as the `{secret}` placeholder (filled in only when sending), and the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRequest {
    pub path: String,
    pub body: serde_json::Value,
}

/// Where a message is in its life. Delivery states only move forward (see [`Self::rank`]):
/// statuses arrive out of order and more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its turn (or for its next attempt after a transient failure).
    Queued,
    /// Handed to a sender under a lease; after a crash it is in doubt until the lease ends.
    Sending,
    /// Accepted by the provider.
    Sent,
    Delivered,
    Read,
    /// Given up: a permanent error, or it could not be sent at all.
    Failed,
}

impl OutboxState {
    pub const ALL: [OutboxState; 6] = [
        OutboxState::Queued,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Delivered,
        OutboxState::Read,
        OutboxState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Delivered => "delivered",
            OutboxState::Read => "read",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        OutboxState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
    }

    /// Progress of a delivery: a status may only raise it. A failure report counts only
    /// before the message is known delivered (a late `failed` never undoes a `read`).
    pub fn rank(self) -> u8 {
        match self {
            OutboxState::Queued | OutboxState::Sending => 0,
            OutboxState::Sent => 1,
            OutboxState::Failed => 2,
            OutboxState::Delivered => 3,
            OutboxState::Read => 4,
        }
    }

    /// Still owed to the provider (blocks later messages to the same recipient).
    pub fn is_unfinished(self) -> bool {
        matches!(self, OutboxState::Queued | OutboxState::Sending)
    }
}

impl std::fmt::Display for OutboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many of the newest messages a WhatsApp status without our id is looked for among (see
/// [`DeliveryUpdate`]). The bound keeps the cost of that search small whatever the outbox's
/// size: the stores do not index WhatsApp's ids.
pub const RECENT_WHATSAPP_STATUS_WINDOW: i64 = 10_000;

/// A provider's delivery report about one of our messages. It is about the message with our
/// id when it carries one, unless that message recorded another provider id (then it is
/// another sender's on the same business number); otherwise about the message with its
/// provider id, which on WhatsApp is looked for among the newest
/// [`RECENT_WHATSAPP_STATUS_WINDOW`] messages only (every WhatsApp send carries our id, so a
/// status without it should not happen).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryUpdate {
    pub channel: String,
    /// The provider's message id (wamid).
    pub provider_message_id: String,
    /// Our outbox id when the provider echoes it back (WhatsApp `biz_opaque_callback_data`):
    /// it settles a send whose answer a crash cut off.
    pub outbound_id: Option<OutboundId>,
    pub state: OutboxState,
    pub error_code: Option<String>,
    pub at: DateTime<Utc>,
}

/// How a store finds the message a [`DeliveryUpdate`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// By our id (and only if the message recorded no other provider id).
    OurId(OutboundId),
    /// By the provider's id among the newest `window` messages: WhatsApp's ids are not
    /// indexed.
    RecentProviderId { window: i64 },
    /// By the provider's id, through its index.
    IndexedProviderId,
}

impl DeliveryUpdate {
    /// The rule above, decided once for both stores.
    pub fn matching(&self) -> StatusMatch {
        match self.outbound_id {
            Some(ours) => StatusMatch::OurId(ours),
            None if self.channel == "whatsapp" => StatusMatch::RecentProviderId {
                window: RECENT_WHATSAPP_STATUS_WINDOW,
            },
            None => StatusMatch::IndexedProviderId,
        }
    }
}

/// Everything processing one inbox event produced, committed together.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessedEvent {
    /// The event processed (none for work that did not come from the inbox).
    pub inbox_id: Option<InboxId>,
    pub turns: Vec<NewTurn>,
    pub conversation: Option<ConversationRecord>,
    pub outbound: Vec<NewOutbound>,
    pub deliveries: Vec<DeliveryUpdate>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl ProcessedEvent {
    /// Marks `inbox_id` processed at `at`; add what the processing produced.
    pub fn marking(inbox_id: InboxId, at: DateTime<Utc>) -> Self {
        ProcessedEvent {
            inbox_id: Some(inbox_id),
            processed_at: Some(at),
            ..ProcessedEvent::default()
        }
    }
}

/// The result of one send attempt, as the sender records it.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    Sent {
        provider_message_id: Option<String>,
    },
    /// Transient failure: queue again for `at`.
    Retry {
        at: DateTime<Utc>,
        code: Option<String>,
        reason: String,
    },
    /// Send this request instead, now (a template or tagged message after the provider said
    /// the 24-hour window had closed).
    Replace {
        request: StoredRequest,
    },
    /// Given up.
    Failed {
        code: Option<String>,
        reason: String,
    },
}

/// Which outbox rows to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutboxFilter {
    pub channel: Option<String>,
    pub state: Option<OutboxState>,
    pub limit: u32,
}

/// Rows per (channel, state, error code), for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCount {
    pub channel: String,
    pub state: OutboxState,
    /// Set for failed rows only.
    pub error_code: Option<String>,
    pub count: u64,
}

/// How `outbox_claim` leases work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    pub now: DateTime<Utc>,
    /// Claimed rows are this sender's until then.
    pub lease_until: DateTime<Utc>,
    /// A row still `sending` whose lease ended before this instant belonged to a sender that
    /// died mid-send: it is claimed again (sent again). Channels whose provider reports our
    /// id back (WhatsApp) wait longer, so a status can settle it first.
    pub in_doubt_before: DateTime<Utc>,
    pub limit: u32,
}

/// One write of the messaging pipeline, for [`crate::Store::write_batch`].
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    AppendInbox(Vec<NewInboxEvent>),
    Processed(ProcessedEvent),
    Complete {
        id: OutboundId,
        outcome: SendOutcome,
        at: DateTime<Utc>,
    },
    Claim {
        channel: String,
        claim: Claim,
    },
}

/// The result of one [`WriteOp`], in the same order.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteResult {
    Appended(Vec<InboxId>),
    Processed(bool),
    Completed,
    Claimed(Vec<crate::Outbound>),
    /// This operation failed and was rolled back alone; the others were committed.
    Failed(String),
}

impl WriteResult {
    pub fn from_result(r: Result<WriteResult, crate::StoreError>) -> WriteResult {
        r.unwrap_or_else(|e| WriteResult::Failed(e.to_string()))
    }
}

//! Outreach records: office closures being declared, edited and cancelled (with their audit
//! entry in the same transaction), broadcasts to the participants a branch serves, and
//! participants' opt-outs from broadcasts.
//!
//! A broadcast is queued in one statement: its audience is selected into
//! `broadcast_recipients`, numbered by `seq`, in the transaction that creates it. A feeder then
//! hands recipients to the outbox a few at a time, under the channel's broadcast rate; each
//! hand-off marks the recipients and inserts their outbox rows in one transaction, so a crash
//! at any moment leaves every recipient either waiting or in the outbox exactly once (no gap,
//! no duplicate). From the outbox on, sending, retries, the 24-hour window fallback and
//! delivery statuses are the messaging pipeline's.

use crate::casework::NewAudit;
use crate::model::{BroadcastId, ClosureId, NewOutbound, OfficeId, ParticipantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// ---- closures -------------------------------------------------------------------------------

/// New values for a closure that is not cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureEdit {
    pub id: ClosureId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub message: String,
    pub alternatives: Vec<String>,
}

// ---- broadcasts -----------------------------------------------------------------------------

/// Who a broadcast goes to: participants whose home district lies in the area, who have a
/// reachable channel (a mobile number, taken as their WhatsApp; or a verified conversation on
/// WhatsApp, Telegram or Messenger) and have not opted out on it. One message per channel
/// address, however many family members share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// The regencies the branch serves.
    Office { office_id: OfficeId },
    /// Chosen regencies (kabupaten/kota codes, e.g. 3509).
    Regencies { codes: Vec<u16> },
    /// A whole province (e.g. 35).
    Province { code: u8 },
    /// Every participant.
    Everyone,
}

/// What a broadcast is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BroadcastKind {
    /// Tells the branch's participants about a closure.
    Closure { closure_id: ClosureId },
    /// A free notice from an admin ("fitur antrean online baru").
    Notice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastState {
    /// Recipients are being handed to the outbox.
    Sending,
    /// Nothing more is handed to the outbox until resumed.
    Paused,
    /// Stopped for good: recipients still waiting are never sent, queued outbox rows are
    /// failed with code `cancelled`.
    Cancelled,
    /// Every recipient has been handed to the outbox (or skipped).
    Done,
}

impl BroadcastState {
    pub const ALL: [BroadcastState; 4] = [
        BroadcastState::Sending,
        BroadcastState::Paused,
        BroadcastState::Cancelled,
        BroadcastState::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastState::Sending => "sending",
            BroadcastState::Paused => "paused",
            BroadcastState::Cancelled => "cancelled",
            BroadcastState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<BroadcastState> {
        BroadcastState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Indonesian label for the console and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            BroadcastState::Sending => "Sedang dikirim",
            BroadcastState::Paused => "Dijeda",
            BroadcastState::Cancelled => "Dibatalkan",
            BroadcastState::Done => "Selesai diantrekan",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBroadcast {
    pub kind: BroadcastKind,
    /// The branch it concerns, if any: its supervisors may manage it.
    pub office_id: Option<OfficeId>,
    pub audience: Audience,
    /// A short label for lists ("Penutupan KC Palembang 24-26 Nov").
    pub title: String,
    /// The message as sent inside the 24-hour window, on Telegram, and as Messenger text.
    pub text: String,
    /// The WhatsApp template's body parameters outside the window, in order.
    pub template_params: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Stored in the same transaction.
    pub audit: NewAudit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub id: BroadcastId,
    pub kind: BroadcastKind,
    pub office_id: Option<OfficeId>,
    pub audience: Audience,
    pub title: String,
    pub text: String,
    pub template_params: Vec<String>,
    pub state: BroadcastState,
    /// Recipients selected when it was queued.
    pub total: u64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One recipient not yet handed to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastRecipient {
    pub broadcast_id: BroadcastId,
    /// 1-based position in the broadcast; hand-offs go in this order per channel.
    pub seq: u64,
    /// "whatsapp", "telegram" or "messenger".
    pub channel: String,
    /// The channel's address (an MSISDN for WhatsApp, a chat id, a PSID).
    pub address: String,
    pub participant_id: Option<ParticipantId>,
    /// The address opted out after the broadcast was queued: skip it.
    pub opted_out: bool,
    /// When the address last wrote to us on this channel (the 24-hour window).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// What to do with one waiting recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct HandOff {
    pub seq: u64,
    /// The outbox row to insert; `None` skips the recipient (opted out since queuing).
    pub outbound: Option<NewOutbound>,
}

/// Counts for the progress bar. `total = waiting + queued + sent + delivered + read + failed
/// + skipped + cancelled`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BroadcastProgress {
    pub total: u64,
    /// Not handed to the outbox yet.
    pub waiting: u64,
    /// In the outbox, not yet accepted by the provider (queued or sending).
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    /// Opted out between queuing and hand-off.
    pub skipped: u64,
    /// Never sent because the broadcast was cancelled.
    pub cancelled: u64,
}

impl BroadcastState {
    /// A new broadcast's state: `Done` at once when nobody is in the audience.
    pub fn initial(total: u64) -> BroadcastState {
        if total == 0 {
            BroadcastState::Done
        } else {
            BroadcastState::Sending
        }
    }
}

impl NewBroadcast {
    /// The record as a backend stored it under `id`, with `total` recipients selected;
    /// `created_at` as the backend keeps it (its precision).
    pub fn stored(self, id: BroadcastId, total: u64, created_at: DateTime<Utc>) -> Broadcast {
        Broadcast {
            id,
            kind: self.kind,
            office_id: self.office_id,
            audience: self.audience,
            title: self.title,
            text: self.text,
            template_params: self.template_params,
            state: BroadcastState::initial(total),
            total,
            created_by: self.created_by,
            created_at,
            updated_at: created_at,
        }
    }
}

impl BroadcastProgress {
    /// Accepted by the provider: sent, delivered or read.
    pub fn accepted(&self) -> u64 {
        self.sent + self.delivered + self.read
    }

    /// At an end on our side: accepted, failed, skipped or never to be sent.
    pub fn settled(&self) -> u64 {
        self.accepted() + self.failed + self.skipped + self.cancelled
    }
}

impl Broadcast {
    /// Whether sending can still move `progress` (beyond delivery and read receipts): it is
    /// being sent or paused, or something is still waiting or in the outbox.
    pub fn in_progress(&self, progress: &BroadcastProgress) -> bool {
        matches!(self.state, BroadcastState::Sending | BroadcastState::Paused)
            || progress.waiting > 0
            || progress.queued > 0
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BroadcastQuery {
    pub office_id: Option<OfficeId>,
    pub state: Option<BroadcastState>,
    /// Newest first, at most this many.
    pub limit: u32,
}

/// A state change asked for by a supervisor, an admin or the CLI.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastStateChange {
    pub id: BroadcastId,
    /// The change is refused with `Conflict` unless the broadcast is in one of these.
    pub from: Vec<BroadcastState>,
    pub to: BroadcastState,
    pub at: DateTime<Utc>,
    pub audit: NewAudit,
}

impl BroadcastStateChange {
    /// Whether the change may be made to a broadcast now in `current`: `Conflict` naming both
    /// states when not. Both backends ask it inside their transaction, under the row's lock.
    pub fn allowed_from(&self, current: BroadcastState) -> crate::Result<()> {
        if self.from.contains(&current) {
            return Ok(());
        }
        let expected: Vec<_> = self.from.iter().map(|s| s.as_str()).collect();
        Err(crate::StoreError::Conflict(format!(
            "broadcast {} is {}, not {}",
            self.id,
            current.as_str(),
            expected.join(" or ")
        )))
    }
}

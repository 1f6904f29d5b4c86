//! The records Layan stores, built from typed domain values.

use crate::messaging::{OutboxState, StoredRequest};
use cases::CaseStatus;
use chrono::{DateTime, NaiveDate, Utc};
use directory::{FacilityKind, HospitalClass, Tier, WeeklyHours};
use jkn::{
    BilledMonth, CardNumber, CareClass, FamilyCardNumber, Msisdn, Nik, Payment, PaymentChannel,
    Rupiah, Segment, Sex, YearMonth,
};
use serde::{Deserialize, Serialize};
use wilayah::TimeZone;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// Internal id of a participant; never shown as an identity.
    ParticipantId
);
id_type!(
    /// Internal id of a family (one family card, one billing account).
    FamilyId
);
id_type!(FacilityId);
id_type!(OfficeId);
id_type!(ClosureId);
id_type!(BroadcastId);
id_type!(OutboundId);
id_type!(
    /// One event received from a messaging provider.
    InboxId
);

/// A person's place in the family card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Head of the family (kepala keluarga); the PPU worker in a PPU family.
    Kepala,
    Istri,
    Suami,
    Anak,
    /// Parent or parent-in-law.
    OrangTua,
    Lainnya,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::Kepala,
        Relation::Istri,
        Relation::Suami,
        Relation::Anak,
        Relation::OrangTua,
        Relation::Lainnya,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Relation::Kepala => "kepala",
            Relation::Istri => "istri",
            Relation::Suami => "suami",
            Relation::Anak => "anak",
            Relation::OrangTua => "orang_tua",
            Relation::Lainnya => "lainnya",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Relation::Kepala => "Kepala keluarga",
            Relation::Istri => "Istri",
            Relation::Suami => "Suami",
            Relation::Anak => "Anak",
            Relation::OrangTua => "Orang tua",
            Relation::Lainnya => "Anggota lain",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: ParticipantId,
    pub family_id: FamilyId,
    pub relation: Relation,
    pub nik: Nik,
    pub card_number: CardNumber,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<Msisdn>,
    pub email: Option<String>,
    /// Home district (kecamatan) code.
    pub district_code: u32,
    pub segment: Segment,
    pub class: CareClass,
    /// Since when the participant has been in the current class (for class changes).
    pub class_since: NaiveDate,
    pub fktp_id: Option<FacilityId>,
    /// When the current FKTP was chosen (for the 3-month rule).
    pub fktp_since: Option<NaiveDate>,
    pub registered_on: NaiveDate,
}

impl Participant {
    pub fn regency_code(&self) -> u16 {
        (self.district_code / 100) as u16
    }
}

/// A family card, which is also the billing account: PBPU/BP dues are paid for the whole
/// family through one virtual account; PPU dues are a share of the worker's wage.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub id: FamilyId,
    pub kk_number: FamilyCardNumber,
    pub segment: Segment,
    pub class: CareClass,
    /// The virtual account number for payments (PBPU/BP).
    pub virtual_account: String,
    /// The PPU worker's monthly wage, on which dues are computed.
    pub wage: Option<Rupiah>,
    pub employer: Option<String>,
    pub district_code: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    pub paid_on: NaiveDate,
    pub channel: PaymentChannel,
    pub amount: Rupiah,
    pub for_period: Option<YearMonth>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub id: FacilityId,
    /// The BPJS facility code, e.g. `1301P001`.
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
    pub tier: Tier,
    pub hospital_class: Option<HospitalClass>,
    pub regency_code: u16,
    pub district_code: u32,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub phone: String,
    pub hours: WeeklyHours,
    /// Polyclinics (poli) it runs: "Poli Umum", "Poli Gigi", "Poli Anak"...
    pub polyclinics: Vec<String>,
}

/// A branch office (Kantor Cabang).
#[derive(Debug, Clone, PartialEq)]
pub struct Office {
    pub id: OfficeId,
    pub code: String,
    pub name: String,
    /// Regencies this branch serves.
    pub regencies: Vec<u16>,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub phone: String,
    pub whatsapp: Option<Msisdn>,
    pub hours: WeeklyHours,
    pub timezone: TimeZone,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Closure {
    pub id: ClosureId,
    pub office_id: OfficeId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub message: String,
    /// The channels to use instead, as shown to participants.
    pub alternatives: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Closure {
    /// The closure as the pure opening-hours logic sees it.
    pub fn window(&self) -> directory::ClosureWindow {
        directory::ClosureWindow {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewClosure {
    pub office_id: OfficeId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub message: String,
    pub alternatives: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A sign-in in progress: a one-time code sent to the registered phone.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// Random, unguessable; the `{id}` of `/api/v1/sessions/{id}/verify`.
    pub id: String,
    pub participant_id: ParticipantId,
    /// SHA-256 hex of the login id and the code; the code itself is never stored.
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts: u32,
    pub consumed: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLogin {
    pub id: String,
    pub participant_id: ParticipantId,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// SHA-256 hex of the bearer token; the token itself is never stored.
    pub token_hash: String,
    pub participant_id: ParticipantId,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A message waiting to be (or already) sent to a participant: one provider request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outbound {
    pub id: OutboundId,
    /// "sms", "whatsapp", "telegram", "messenger", "webchat".
    pub channel: String,
    /// The channel's address for the recipient (an MSISDN for sms/whatsapp).
    pub recipient: String,
    /// What it is for ("otp", "reply", "callback_answer", "unsupported"...).
    pub purpose: String,
    /// The readable text (the agents' view; the template parameter if the window closed).
    pub body: String,
    /// One of [`OutboxState`]'s names.
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// The provider request to make; `None` for channels without a sender (sms codes read
    /// from the demo outbox) and for messages that could not be rendered.
    #[serde(skip)]
    pub request: Option<StoredRequest>,
    /// Send attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    /// The provider's id for the sent message (wamid...), which its statuses refer to.
    pub provider_message_id: Option<String>,
    /// The provider's error code of the last failed attempt ("131047", "429", "timeout").
    pub error_code: Option<String>,
    pub error_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// The inbound event this is a reply to.
    pub inbox_id: Option<InboxId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbound {
    pub channel: String,
    pub recipient: String,
    pub purpose: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub request: Option<StoredRequest>,
    /// Set when the message cannot be sent at all (outside the 24-hour window with no
    /// fallback): it is stored as failed with this reason, so the failure is visible.
    pub unsendable: Option<String>,
    pub inbox_id: Option<InboxId>,
}

impl NewOutbound {
    /// A message with no provider request (an sms code, read from the demo outbox).
    pub fn plain(
        channel: &str,
        recipient: &str,
        purpose: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Self {
        NewOutbound {
            channel: channel.to_owned(),
            recipient: recipient.to_owned(),
            purpose: purpose.to_owned(),
            body: body.to_owned(),
            created_at: at,
            request: None,
            unsendable: None,
            inbox_id: None,
        }
    }

    /// How the message is first stored: queued, or failed at once when it cannot be sent.
    pub fn initial_state(&self) -> OutboxState {
        match self.unsendable {
            Some(_) => OutboxState::Failed,
            None => OutboxState::Queued,
        }
    }

    /// The row as a backend has just stored it, under `id`, with `created_at` at the
    /// backend's precision.
    pub fn stored(self, id: OutboundId, created_at: DateTime<Utc>) -> Outbound {
        Outbound {
            id,
            status: self.initial_state().as_str().to_owned(),
            channel: self.channel,
            recipient: self.recipient,
            purpose: self.purpose,
            body: self.body,
            created_at,
            request: self.request,
            attempts: 0,
            next_attempt_at: created_at,
            provider_message_id: None,
            error_code: self.unsendable.as_ref().map(|_| UNSENDABLE.to_owned()),
            error_reason: self.unsendable,
            updated_at: created_at,
            inbox_id: self.inbox_id,
        }
    }
}

/// The error code of a message stored failed because it could not be sent at all.
pub const UNSENDABLE: &str = "unsendable";

/// Rows for [`crate::Store::import`]. Ids are assigned by the producer.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    pub offices: Vec<Office>,
    pub facilities: Vec<Facility>,
    pub families: Vec<Family>,
    pub participants: Vec<Participant>,
    pub bills: Vec<(FamilyId, BilledMonth)>,
    pub payments: Vec<(FamilyId, Payment)>,
}

impl ImportBatch {
    pub fn rows(&self) -> usize {
        self.offices.len()
            + self.facilities.len()
            + self.families.len()
            + self.participants.len()
            + self.bills.len()
            + self.payments.len()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub participants: u64,
    pub families: u64,
    pub bills: u64,
    pub payments: u64,
    pub facilities: u64,
    pub offices: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleFilter {
    pub segment: Option<Segment>,
    pub heads_only: bool,
    /// Only participants with a registered phone (so a one-time code can reach them).
    pub with_phone: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilitySearch {
    pub regency_code: Option<u16>,
    pub district_code: Option<u32>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    pub kind: Option<FacilityKind>,
    pub limit: u32,
}

/// A REHAB instalment plan registered for a family. The plan is the rules engine's own value,
/// stored whole, so its schedule and card rule stay as they were on the day it was registered.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRehabPlan {
    pub id: i64,
    pub family_id: FamilyId,
    pub registered_by: ParticipantId,
    pub registered_at: DateTime<Utc>,
    pub plan: jkn::RehabPlan,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRehabPlan {
    pub family_id: FamilyId,
    pub registered_by: ParticipantId,
    pub registered_at: DateTime<Utc>,
    pub plan: jkn::RehabPlan,
}

// ---- the assistant: conversations, turns and cases ------------------------------------------

id_type!(
    /// One stored message of a conversation.
    TurnId
);
id_type!(
    /// An administrative request or complaint.
    CaseId
);
id_type!(
    /// A customer-service agent, supervisor or admin of the console.
    AgentId
);
id_type!(
    /// One entry of a case's history.
    CaseEventId
);
id_type!(
    /// A document uploaded for a case or a form.
    AttachmentId
);
id_type!(
    /// One entry of the audit log.
    AuditId
);

/// A conversation's stored state, one per (channel, sender).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRecord {
    /// "webchat", "terminal", "whatsapp"...
    pub channel: String,
    /// The channel's address of the other side (browser id, MSISDN...).
    pub sender: String,
    /// The conversation engine's state as JSON; its shape belongs to the engine.
    pub state: serde_json::Value,
    /// "bot" while the assistant answers, "waiting_agent" after a hand-off to a human.
    pub status: String,
    /// The verified participant, when there is one (for the agent console).
    pub participant_id: Option<ParticipantId>,
    pub updated_at: DateTime<Utc>,
}

/// One message of a conversation, in or out, kept for the agents' history and the audit.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTurn {
    pub channel: String,
    pub sender: String,
    /// "in" (from the participant) or "out" (from the assistant or an agent).
    pub direction: String,
    /// The whole message as JSON (text, buttons, location...).
    pub body: serde_json::Value,
    /// The readable text of the message.
    pub text: String,
    /// The intent understood, for inbound turns.
    pub intent: Option<String>,
    pub participant_id: Option<ParticipantId>,
    pub at: DateTime<Utc>,
}

impl NewTurn {
    /// The turn as a backend has just stored it, under `id`, with `at` at the backend's
    /// precision.
    pub fn stored(self, id: TurnId, at: DateTime<Utc>) -> Turn {
        Turn {
            id,
            channel: self.channel,
            sender: self.sender,
            direction: self.direction,
            body: self.body,
            text: self.text,
            intent: self.intent,
            participant_id: self.participant_id,
            at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub id: TurnId,
    pub channel: String,
    pub sender: String,
    pub direction: String,
    pub body: serde_json::Value,
    pub text: String,
    pub intent: Option<String>,
    pub participant_id: Option<ParticipantId>,
    pub at: DateTime<Utc>,
}

/// An administrative request (PANDAWA-style) or a complaint, for the agents.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// What is asked, a [`cases::CaseKind`] code: "pindah_faskes", "pengaduan"...
    pub kind: String,
    /// The case number is this prefix, a dash and the case id: `PDW-G-000042`.
    pub number_prefix: String,
    pub participant_id: Option<ParticipantId>,
    pub family_id: Option<FamilyId>,
    /// The branch that handles it (the participant's, or the place given for a new member);
    /// `None` when unknown: any branch's agents may take it.
    pub office_id: Option<OfficeId>,
    /// Where the request came from, to answer there.
    pub channel: String,
    pub sender: String,
    /// What was collected, as JSON.
    pub fields: serde_json::Value,
    /// `Submitted` for a new request.
    pub status: CaseStatus,
    /// Makes creation idempotent: a second case with the same key is not created; the
    /// first one is returned instead (a form sent ten times over a bad connection).
    pub submission_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: CaseId,
    pub number: String,
    pub kind: String,
    pub participant_id: Option<ParticipantId>,
    pub family_id: Option<FamilyId>,
    pub office_id: Option<OfficeId>,
    pub channel: String,
    pub sender: String,
    pub fields: serde_json::Value,
    pub status: CaseStatus,
    pub submission_key: Option<String>,
    pub assigned_to: Option<AgentId>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The first reply, request or status change by an agent (the first-response SLA).
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it became done or rejected.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The number a case gets from its prefix and id (at least six digits): `ADU-000007`.
pub fn case_number(prefix: &str, id: CaseId) -> String {
    format!("{prefix}-{:06}", id.0)
}

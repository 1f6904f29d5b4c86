//! The state of one conversation, stored between messages as JSON. Everything the engine
//! remembers lives here, so a restarted server (or another node) continues where it was.
//!
//! Identifiers the participant typed are never kept in it: a claimed NIK or card number is
//! looked up at once and only the participant id found (if any) and a hash for rate limiting
//! are kept.

use crate::forms::Form;
use chrono::{DateTime, NaiveDate, Utc};
use directory::FacilityKind;
use nlu::Intent;
use serde::{Deserialize, Serialize};
use store::{FamilyId, ParticipantId};

/// Bumped when the shape changes in a way older states cannot be read as; an unreadable
/// state starts a fresh conversation instead of failing.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationState {
    pub version: u32,
    pub started_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    /// What the assistant is in the middle of (and so what it is waiting for).
    #[serde(default)]
    pub flow: Option<Flow>,
    /// A form set aside when the participant switched topic; offered back afterwards.
    #[serde(default)]
    pub paused: Option<Form>,
    #[serde(default)]
    pub identity: Option<VerifiedIdentity>,
    /// An identifier given but not yet verified.
    #[serde(default)]
    pub claim: Option<Claim>,
    /// A birth date given before the identifier.
    #[serde(default)]
    pub claimed_birth_date: Option<NaiveDate>,
    /// Failed verifications in a row in this conversation.
    #[serde(default)]
    pub failed_attempts: u32,
    /// No verification is tried before this moment.
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    /// Messages in a row the assistant did not understand.
    #[serde(default)]
    pub misunderstandings: u32,
    #[serde(default)]
    pub register: Register,
    /// The last location the participant shared.
    #[serde(default)]
    pub location: Option<GeoPoint>,
    /// A phone number the participant shared or typed for contact.
    #[serde(default)]
    pub phone: Option<String>,
    /// The last topic answered, for the recap after a pause.
    #[serde(default)]
    pub topic: Option<Intent>,
    /// The options offered with the last messages, so "2" or a title typed back selects one.
    #[serde(default)]
    pub options: Vec<Offered>,
    /// Handed to a human: since when the conversation waits for an agent.
    #[serde(default)]
    pub waiting_for_agent: Option<DateTime<Utc>>,
    /// An agent took the conversation (live chat): the assistant stores what the participant
    /// writes for the agent and stays silent until the agent hands it back.
    #[serde(default)]
    pub agent: Option<AgentJoined>,
    #[serde(default)]
    pub turns: u32,
}

/// The agent in a live chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentJoined {
    /// The agent's display name (told to the participant; never a username).
    pub name: String,
    pub since: DateTime<Utc>,
}

impl ConversationState {
    pub fn new(now: DateTime<Utc>) -> ConversationState {
        ConversationState {
            version: STATE_VERSION,
            started_at: now,
            last_activity: now,
            flow: None,
            paused: None,
            identity: None,
            claim: None,
            claimed_birth_date: None,
            failed_attempts: 0,
            locked_until: None,
            misunderstandings: 0,
            register: Register::default(),
            location: None,
            phone: None,
            topic: None,
            options: Vec::new(),
            waiting_for_agent: None,
            agent: None,
            turns: 0,
        }
    }

    /// The verified identity, if it has not expired at `now`.
    pub fn verified(&self, now: DateTime<Utc>) -> Option<&VerifiedIdentity> {
        self.identity.as_ref().filter(|i| i.expires_at > now)
    }
}

/// How the participant writes; the assistant always says "Anda", but greets a casual writer
/// ("kak", "min") a little less formally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    #[default]
    Formal,
    Casual,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A participant who proved who they are; covers the whole family card for `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    pub participant_id: ParticipantId,
    pub family_id: FamilyId,
    pub expires_at: DateTime<Utc>,
}

/// An identifier the participant gave, looked up but not yet confirmed by a birth date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Who the identifier belongs to; `None` when nobody has it (never said to the sender).
    pub participant_id: Option<ParticipantId>,
    /// SHA-256 of the identifier, the rate-limit key "per identity".
    pub key: String,
}

/// An option offered in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offered {
    pub id: String,
    pub title: String,
}

/// A question to answer once the participant is verified, with what the first message said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub intent: Intent,
    #[serde(default)]
    pub args: Args,
}

impl Request {
    pub fn new(intent: Intent) -> Request {
        Request {
            intent,
            args: Args::default(),
        }
    }
}

/// Details taken from the message that asked, used when answering later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Args {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<nlu::Relation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regency: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FacilityKind>,
    /// The normalised words, for help topics chosen by keyword ("otp", "lupa password").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub words: String,
}

/// What the assistant is doing across messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flow", rename_all = "snake_case")]
pub enum Flow {
    /// Waiting for an identifier and a birth date, then answering `then`.
    Identify { then: Request },
    /// A REHAB plan was shown; waiting for "ya" (register), a number of instalments, or "tidak".
    RehabOffer { min: u32, max: u32, chosen: u32 },
    /// Waiting for a location or a place name to list facilities.
    FindFacility {
        #[serde(default)]
        kind: Option<FacilityKind>,
    },
    /// Waiting for a place to name its branch office.
    FindOffice,
    /// Filling in an administrative request or a complaint.
    Form(Form),
    /// After repeated misunderstandings: waiting for "ya" to hand over to a human.
    HumanOffer,
}

//! PANDAWA records: agents and their sessions, case history and changes, form links and
//! drafts, attachments, and the audit log.

use crate::model::NewOutbound;
use crate::model::{
    AgentId, AttachmentId, AuditId, CaseEventId, CaseId, ConversationRecord, FamilyId, NewTurn,
    OfficeId, ParticipantId,
};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, Utc};

// ---- agents -------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct NewAgent {
    /// Sign-in name, unique, lower case.
    pub username: String,
    pub name: String,
    pub role: AgentRole,
    /// The branch the agent works for; admins may have none.
    pub office_id: Option<OfficeId>,
    /// Argon2id PHC string; never the password.
    pub password_hash: String,
    /// Weekly shifts in the branch's local time.
    pub shifts: Vec<Shift>,
    /// Most open cases the agent is given at once.
    pub max_open_cases: u32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub username: String,
    pub name: String,
    pub role: AgentRole,
    pub office_id: Option<OfficeId>,
    pub password_hash: String,
    pub shifts: Vec<Shift>,
    pub max_open_cases: u32,
    /// Disabled agents cannot sign in and receive no work.
    pub active: bool,
    /// Wrong passwords since the last successful sign-in or lock.
    pub failed_sign_ins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    /// When the agent last received a case (the rotation's order).
    pub last_assigned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A wrong password: counted, and once `max_failures` is reached the agent is locked until
/// `at + lock_for` and the count starts again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignInFailure {
    pub at: DateTime<Utc>,
    pub max_failures: u32,
    pub lock_for: chrono::Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAgentSession {
    /// SHA-256 hex of the cookie or bearer token; the token itself is never stored.
    pub token_hash: String,
    pub agent_id: AgentId,
    /// The session's anti-CSRF token, echoed in every form and `X-CSRF-Token` header.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentSession {
    pub token_hash: String,
    pub agent_id: AgentId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

// ---- cases --------------------------------------------------------------------------------

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseQuery {
    /// Only cases of this branch (and, with `include_unplaced`, those of no branch).
    pub office_id: Option<OfficeId>,
    pub include_unplaced: bool,
    /// `Some(None)`: unassigned cases only; `Some(Some(a))`: agent `a`'s.
    pub assigned_to: Option<Option<AgentId>>,
    /// Empty: every status.
    pub statuses: Vec<CaseStatus>,
    pub kind: Option<String>,
    /// Cases of one conversation.
    pub channel: Option<String>,
    pub sender: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    /// Oldest first when true (a queue), else newest first.
    pub oldest_first: bool,
    pub limit: u32,
}

/// Who did something to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Agent(AgentId),
    Participant,
    /// The assistant, the assignment loop, the voice line.
    System,
}

impl Actor {
    pub fn as_str(&self) -> &'static str {
        match self {
            Actor::Agent(_) => "agent",
            Actor::Participant => "participant",
            Actor::System => "system",
        }
    }
    pub fn agent_id(&self) -> Option<AgentId> {
        match self {
            Actor::Agent(a) => Some(*a),
            _ => None,
        }
    }
}

/// What happened, in a case's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseEventKind {
    Created,
    Assigned,
    StatusChanged,
    /// A message to the participant (an agent's reply).
    Reply,
    /// An internal note, never shown to the participant.
    Note,
    DocumentRequested,
    DocumentReceived,
    /// The agent gave the conversation back to the assistant.
    HandedBack,
    FieldsUpdated,
}

impl CaseEventKind {
    pub const ALL: [CaseEventKind; 9] = [
        CaseEventKind::Created,
        CaseEventKind::Assigned,
        CaseEventKind::StatusChanged,
        CaseEventKind::Reply,
        CaseEventKind::Note,
        CaseEventKind::DocumentRequested,
        CaseEventKind::DocumentReceived,
        CaseEventKind::HandedBack,
        CaseEventKind::FieldsUpdated,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseEventKind::Created => "created",
            CaseEventKind::Assigned => "assigned",
            CaseEventKind::StatusChanged => "status_changed",
            CaseEventKind::Reply => "reply",
            CaseEventKind::Note => "note",
            CaseEventKind::DocumentRequested => "document_requested",
            CaseEventKind::DocumentReceived => "document_received",
            CaseEventKind::HandedBack => "handed_back",
            CaseEventKind::FieldsUpdated => "fields_updated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCaseEvent {
    pub kind: CaseEventKind,
    pub actor: Actor,
    /// Why, or what was said: the reason of a rejection, the note, the reply's text.
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub id: CaseEventId,
    pub case_id: CaseId,
    pub kind: CaseEventKind,
    pub actor: Actor,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    /// Who was assigned, for `Assigned`.
    pub assigned_to: Option<AgentId>,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One change to a case, stored atomically with everything it causes: the history entry,
/// the participant's notices (outbox rows, web-chat turns), a conversation's new state and
/// the audit entry. Nothing is stored if the case is not in `expected_status` (another agent
/// changed it first: `StoreError::Conflict`).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseChange {
    pub case_id: CaseId,
    /// The status the change was decided against.
    pub expected_status: CaseStatus,
    /// When set, the assignee the change was decided against (`Some(None)`: unassigned);
    /// another value is a `Conflict`. Assignment sets it, so two nodes never both assign.
    pub expected_assignee: Option<Option<AgentId>>,
    /// The new status, when it changes (sets `closed_at` when it is done or rejected).
    pub status: Option<CaseStatus>,
    /// `Some(agent)` assigns (and sets `assigned_at` and the agent's `last_assigned_at`);
    /// `Some(None)` unassigns.
    pub assign: Option<Option<AgentId>>,
    /// Sets `first_response_at` if it is not set yet.
    pub first_response: bool,
    /// Replaces the case's fields.
    pub fields: Option<serde_json::Value>,
    pub event: NewCaseEvent,
    pub outbound: Vec<NewOutbound>,
    pub turns: Vec<NewTurn>,
    pub conversation: Option<ConversationRecord>,
    pub audit: Option<NewAudit>,
}

/// Cases created per local day, kind and channel, for the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCaseCount {
    pub day: chrono::NaiveDate,
    pub kind: String,
    pub channel: String,
    pub count: u64,
}

// ---- forms and attachments ------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct NewFormLink {
    /// Random, URL-safe; signed into the link the participant receives.
    pub id: String,
    /// The case kind the form files; for a document request, the case's kind.
    pub kind: String,
    pub channel: String,
    pub sender: String,
    pub participant_id: Option<ParticipantId>,
    pub family_id: Option<FamilyId>,
    pub office_id: Option<OfficeId>,
    /// Set for a link that completes an existing case (documents asked by an agent).
    pub case_id: Option<CaseId>,
    /// What the assistant already knows, shown filled in.
    pub prefill: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormLink {
    pub id: String,
    pub kind: String,
    pub channel: String,
    pub sender: String,
    pub participant_id: Option<ParticipantId>,
    pub family_id: Option<FamilyId>,
    pub office_id: Option<OfficeId>,
    pub case_id: Option<CaseId>,
    pub prefill: serde_json::Value,
    /// What the participant typed so far (saved as they type).
    pub draft: serde_json::Value,
    pub draft_saved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set once submitted: the case it created or completed. A link works once.
    pub submitted_case: Option<CaseId>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub case_id: Option<CaseId>,
    /// Uploaded on a form not yet submitted; linked to the case on submission.
    pub form_id: Option<String>,
    /// Which document it is ("ktp", "kk"...), when known.
    pub document: Option<String>,
    /// The name the participant's file had (shown, never used as a path).
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    /// Where the bytes are, relative to the data directory.
    pub path: String,
    pub uploaded_by: Actor,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub case_id: Option<CaseId>,
    pub form_id: Option<String>,
    pub document: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub path: String,
    pub uploaded_by: Actor,
    pub uploaded_at: DateTime<Utc>,
}

// ---- audit ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub agent_id: Option<AgentId>,
    /// "sign_in", "sign_in_failed", "view_case", "reveal_nik", "reply", "status", "export_audit"...
    pub action: String,
    pub participant_id: Option<ParticipantId>,
    pub case_id: Option<CaseId>,
    /// Free text without identifiers in full (masked NIKs only).
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub agent_id: Option<AgentId>,
    /// The agent's username at the time of reading (joined), for the CSV.
    pub agent_username: Option<String>,
    pub action: String,
    pub participant_id: Option<ParticipantId>,
    pub case_id: Option<CaseId>,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub agent_id: Option<AgentId>,
    pub case_id: Option<CaseId>,
    /// Oldest first, at most this many.
    pub limit: u32,
}

//! Office closures and broadcasts (PANDAWA outreach).
//!
//! - `closures`: declaring, editing and cancelling a closure, checked and audited, with the
//!   optional broadcast to the branch's participants. Shared by the console, the agent API
//!   and `layan offices`.
//! - `broadcasts`: free notices, pause/resume/cancel, progress.
//! - `feeder`: hands waiting recipients to the outbox under each channel's broadcast rate.
//! - `optout`: "STOP"/"berhenti" and "MULAI" from participants.
//! - `poster`: the closure poster for the office door (PDF and PNG with a QR code).
//! - `api`: the JSON endpoints under `/api/v1/agent/`.

pub mod api;
pub mod broadcasts;
pub mod closures;
pub mod feeder;
pub mod optout;
pub mod poster;

use crate::state::AppState;
use crate::Config;
use axum::Router;
use chrono::{DateTime, Utc};
use store::{Agent, NewAudit, SharedStore, StoreError};

/// What the outreach operations need; built from an `AppState` or by the CLI.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub store: &'a SharedStore,
    pub config: &'a Config,
    pub now: DateTime<Utc>,
}

impl<'a> Ctx<'a> {
    /// The server's store and configuration, at the server's now.
    pub fn of(state: &'a AppState) -> Ctx<'a> {
        Ctx {
            store: &state.store,
            config: &state.config,
            now: state.now(),
        }
    }
}

/// Who declares, edits or sends: a signed-in agent (checked against its role and branch) or
/// an operator at the command line (trusted: it holds the database).
#[derive(Debug, Clone)]
pub enum Operator {
    Agent(Agent),
    Cli { name: String },
}

impl Operator {
    /// The name stored as `created_by` and in the audit detail.
    pub fn name(&self) -> String {
        match self {
            Operator::Agent(a) => a.username.clone(),
            Operator::Cli { name } => format!("cli:{name}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    /// Not allowed for this agent (wrong role or another branch). Indonesian message.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Bad input; the message (Indonesian, polite) says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// The closure or broadcast changed meanwhile (cancelled, finished...).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An audit entry for an outreach change. The detail names the operator too: a change from
/// the command line has no agent id to show who made it.
pub(crate) fn audit(by: &Operator, action: &str, detail: String, at: DateTime<Utc>) -> NewAudit {
    NewAudit {
        at,
        agent_id: match by {
            Operator::Agent(a) => Some(a.id),
            Operator::Cli { .. } => None,
        },
        action: action.to_owned(),
        participant_id: None,
        case_id: None,
        detail: format!("{detail} (oleh {})", by.name()),
    }
}

/// The outreach routes: the agent API and the public closure poster.
pub fn routes() -> Router<AppState> {
    Router::new().merge(api::routes()).merge(poster::routes())
}

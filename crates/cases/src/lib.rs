//! PANDAWA casework without I/O: what each administrative request needs, how a case moves
//! from submitted to done, who may do what, when a branch works, who gets the next case, when
//! an SLA is breached, how form links are signed and which uploads are accepted. The server
//! and the store use these types; every decision here is tested without a database.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod assign;
pub mod calendar;
pub mod kind;
pub mod link;
pub mod notice;
pub mod role;
pub mod shift;
pub mod sla;
pub mod status;
pub mod upload;

pub use assign::{pick_agent, Candidate};
pub use calendar::BusinessCalendar;
pub use kind::{CaseKind, DocumentSpec, FieldSpec, KindSpec};
pub use link::{LinkClaims, LinkError};
pub use role::{AgentRole, Permission};
pub use shift::Shift;
pub use sla::{Sla, SlaState, SlaView};
pub use status::{CaseAction, CaseStatus, TransitionError};
pub use upload::{UploadError, UploadKind};

//! Service levels per case kind, in working minutes of the branch's calendar: time to the
//! first response and to resolution; and how a case stands against them.
//!
//! HELPER: implement and test.

use crate::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Still inside the target.
    OnTrack,
    /// Less than a fifth of the target is left.
    DueSoon,
    Breached,
    /// Done inside the target.
    Met,
}

/// A case against its SLA at a moment, for timers in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaView {
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    pub first_response: SlaState,
    pub resolution: SlaState,
    /// Working minutes left to the resolution target (negative once breached).
    pub resolution_minutes_left: i64,
}

impl SlaView {
    pub fn breached(&self) -> bool {
        self.first_response == SlaState::Breached || self.resolution == SlaState::Breached
    }
}

/// Where a case created at `created` stands at `now`. `first_response_at` and `resolved_at`
/// are when they happened, if they did.
pub fn evaluate(
    sla: Sla,
    calendar: &BusinessCalendar,
    created: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SlaView {
    let _ = (sla, calendar, created, first_response_at, resolved_at, now);
    todo!()
}

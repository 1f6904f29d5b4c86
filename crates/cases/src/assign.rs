//! Who gets the next case: rotation among the on-shift agents of the branch, skipping those
//! at their limit of open cases; and when an assigned case that nobody picked up is moved on.
//!
//! HELPER: implement and test (property tests: never picks an off-shift agent or one at the
//! limit; over many picks with equal loads the rotation is fair).

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: i64,
    pub on_shift: bool,
    pub open_cases: u32,
    pub max_open_cases: u32,
    /// When the agent last received a case; the rotation gives the next one to whoever
    /// waited longest (never = first), ties by id.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// The agent to receive the next case, excluding `exclude` (the agent who let it lapse).
pub fn pick_agent(candidates: &[Candidate], exclude: Option<i64>) -> Option<i64> {
    let _ = (candidates, exclude);
    todo!()
}

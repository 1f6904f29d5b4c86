//! Assignment: a new case goes at once to an on-shift agent of its branch (rotation, within
//! each agent's limit of open cases); a loop every `pandawa.assign_interval_secs` assigns what
//! is still unassigned (nobody was on shift) and moves cases nobody started within
//! `pandawa.pickup_minutes` working minutes. Every move is a `CaseChange` (history + audit),
//! guarded by the status it was decided on, so two nodes never both assign one case.
//!
//! OWNER: console helper.

use crate::state::AppState;
use store::{Case, CaseId, StoreError};

/// Tries to give `case` to an agent now; returns the case as stored afterwards.
pub async fn assign_now(state: &AppState, case: CaseId) -> Result<Option<Case>, StoreError> {
    let _ = (state, case);
    todo!()
}

/// Starts the background loop (called once per node from `AppState::new`).
pub fn spawn(state: AppState) {
    let _ = state;
}

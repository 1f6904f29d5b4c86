//! Work in progress (helper H4): hands waiting broadcast recipients to the outbox.

use crate::state::AppState;

/// Starts the feeder loop (when at least one messaging channel is enabled).
pub fn spawn(state: AppState) {
    let _ = state;
}

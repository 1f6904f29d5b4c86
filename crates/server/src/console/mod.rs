//! The agent console (`/console/...`, server-rendered HTML, mobile-friendly) and the same
//! actions as JSON under `/api/v1/agent/...`.
//!
//! OWNER: console helper (dashboard.rs: dashboard helper).

pub mod auth;
pub mod dashboard;

use crate::state::AppState;
use axum::Router;

pub fn routes(state: &AppState) -> Router<AppState> {
    let _ = state;
    Router::new().merge(dashboard::routes())
}

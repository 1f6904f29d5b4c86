//! The supervisor dashboard: charts (server-drawn SVG) and the live queue (SSE).
//!
//! OWNER: dashboard helper.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}

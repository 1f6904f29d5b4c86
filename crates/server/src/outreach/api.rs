//! Work in progress (helper H4): the outreach endpoints under /api/v1/agent/.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}

//! Work in progress (helper H3): GET /offices/{id}/closure-poster.pdf and .png.

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}

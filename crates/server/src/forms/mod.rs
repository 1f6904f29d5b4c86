//! The participant's web forms behind signed links (`/f/<token>`): drafts saved as they
//! type, uploads, one case however often "Kirim" is pressed.
//!
//! OWNER: forms helper.

use crate::state::AppState;
use axum::Router;

pub fn routes(state: &AppState) -> Router<AppState> {
    let _ = state;
    Router::new()
}

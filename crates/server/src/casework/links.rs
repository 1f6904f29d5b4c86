//! Form links: a stored `FormLink` (random id) and a signed, expiring token for it
//! (`cases::link`), as a URL under `public_url`: `/f/<token>`. The signing secret is
//! `pandawa.link_secret`, or one made at random and kept in the database (meta key
//! `form_link_secret`) so every node signs alike.
//!
//! OWNER: forms helper.

use crate::state::AppState;
use store::{FormLink, NewFormLink, StoreError};

/// Stores `link` and returns the URL the participant opens.
pub async fn issue(state: &AppState, link: NewFormLink) -> Result<(FormLink, String), StoreError> {
    let _ = (state, link);
    todo!()
}

/// The stored link of a token, if the token is intact, unexpired and the link exists.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<FormLink>, StoreError> {
    let _ = (state, token);
    todo!()
}

//! Console sign-in: argon2id passwords, sessions in a secure cookie (or a bearer token for
//! the agent API), CSRF tokens, lock-out after failed attempts.
//!
//! OWNER: console helper.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cases::Permission;
use store::{Agent, AgentSession};

/// A request from a signed-in agent (cookie session, or `Authorization: Bearer` for the
/// API). State-changing requests with a cookie must carry the session's CSRF token.
pub struct SignedIn {
    pub agent: Agent,
    pub session: AgentSession,
}

impl SignedIn {
    /// `Forbidden` unless the agent's role has `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        let _ = p;
        todo!()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        todo!()
    }
}

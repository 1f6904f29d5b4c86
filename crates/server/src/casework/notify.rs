//! Telling the participant: a text for the channel the case came from, as the rows to store
//! with the change that caused it (so the notice is never lost nor sent without the change):
//! a web-chat turn (the page polls for it), outbox rows for WhatsApp, Telegram and Messenger
//! (rendered inside or outside the 24-hour window), an SMS row for the voice line.
//!
//! OWNER: forms helper.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use store::{Case, NewOutbound, NewTurn, StoreError};

/// What to store to show `text` to the participant of `case`.
#[derive(Debug, Default)]
pub struct Notice {
    pub outbound: Vec<NewOutbound>,
    pub turns: Vec<NewTurn>,
}

pub async fn to_participant(
    state: &AppState,
    case: &Case,
    text: &str,
    at: DateTime<Utc>,
) -> Result<Notice, StoreError> {
    let _ = (state, case, text, at);
    todo!()
}

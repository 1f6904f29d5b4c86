//! Live chat: the conversation's state when an agent takes it from the assistant (the
//! assistant stays silent; the participant's messages are stored for the agent) and when the
//! agent hands it back.
//!
//! OWNER: forms helper.

use crate::records::ConversationRecord;
use chrono::{DateTime, Utc};

/// The conversation after agent `agent_name` joins: the assistant no longer answers.
pub fn agent_joined(
    record: &ConversationRecord,
    agent_name: &str,
    now: DateTime<Utc>,
) -> ConversationRecord {
    let _ = (record, agent_name, now);
    todo!()
}

/// The conversation after the agent hands it back: the assistant answers again.
pub fn handed_back(record: &ConversationRecord, now: DateTime<Utc>) -> ConversationRecord {
    let _ = (record, now);
    todo!()
}

//! Live chat: the conversation's state when an agent takes it from the assistant (the
//! assistant stays silent; the participant's messages are stored for the agent) and when the
//! agent hands it back.
//!
//! The console stores the returned record together with the case change that caused it
//! (`store::CaseChange::conversation`), so the conversation and the case never disagree.

use crate::records::ConversationRecord;
use crate::state::{AgentJoined, ConversationState, STATE_VERSION};
use chrono::{DateTime, Utc};

/// The record's `status` while an agent is in the conversation.
pub const STATUS_AGENT: &str = "agent";
/// While the assistant answers.
pub const STATUS_BOT: &str = "bot";
/// Handed to a human, nobody has joined yet.
pub const STATUS_WAITING: &str = "waiting_agent";

/// The stored state, or a fresh one when it cannot be read (an older shape): the agent's
/// presence must be recorded even then, or the assistant would talk over the agent.
fn state_of(record: &ConversationRecord, now: DateTime<Utc>) -> ConversationState {
    serde_json::from_value::<ConversationState>(record.state.clone())
        .ok()
        .filter(|s| s.version == STATE_VERSION)
        .unwrap_or_else(|| ConversationState::new(now))
}

fn with_state(
    record: &ConversationRecord,
    st: &ConversationState,
    status: &str,
    now: DateTime<Utc>,
) -> ConversationRecord {
    ConversationRecord {
        channel: record.channel.clone(),
        sender: record.sender.clone(),
        state: serde_json::to_value(st).unwrap_or_else(|_| record.state.clone()),
        status: status.to_owned(),
        participant_id: record.participant_id,
        updated_at: now,
    }
}

/// The conversation after agent `agent_name` joins: the assistant no longer answers.
pub fn agent_joined(
    record: &ConversationRecord,
    agent_name: &str,
    now: DateTime<Utc>,
) -> ConversationRecord {
    let mut st = state_of(record, now);
    // Whatever the assistant was asking is moot: the agent leads now.
    st.flow = None;
    st.options.clear();
    st.misunderstandings = 0;
    st.waiting_for_agent = None;
    // A second join (another agent takes over) keeps when the live chat began.
    let since = st.agent.as_ref().map(|a| a.since).unwrap_or(now);
    st.agent = Some(AgentJoined {
        name: agent_name.trim().to_owned(),
        since,
    });
    // The idle timeout counts from here, not from the last message to the bot.
    st.last_activity = now;
    with_state(record, &st, STATUS_AGENT, now)
}

/// The conversation after the agent hands it back: the assistant answers again.
pub fn handed_back(record: &ConversationRecord, now: DateTime<Utc>) -> ConversationRecord {
    let mut st = state_of(record, now);
    st.agent = None;
    st.waiting_for_agent = None;
    st.flow = None;
    st.options.clear();
    st.misunderstandings = 0;
    st.last_activity = now;
    with_state(record, &st, STATUS_BOT, now)
}

/// Whether the stored conversation has an agent in it.
pub fn has_agent(record: &ConversationRecord) -> bool {
    serde_json::from_value::<ConversationState>(record.state.clone())
        .ok()
        .is_some_and(|s| s.agent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap()
    }

    fn waiting() -> ConversationRecord {
        let mut st = ConversationState::new(at(2));
        st.waiting_for_agent = Some(at(2));
        st.flow = Some(crate::state::Flow::HumanOffer);
        ConversationRecord {
            channel: "webchat".into(),
            sender: "x".into(),
            state: serde_json::to_value(&st).unwrap(),
            status: STATUS_WAITING.into(),
            participant_id: None,
            updated_at: at(2),
        }
    }

    #[test]
    fn joining_marks_the_agent_and_hand_back_returns_to_the_bot() {
        let joined = agent_joined(&waiting(), "Rina", at(3));
        assert_eq!(joined.status, STATUS_AGENT);
        assert!(has_agent(&joined));
        let st: ConversationState = serde_json::from_value(joined.state.clone()).unwrap();
        assert_eq!(st.agent.as_ref().unwrap().name, "Rina");
        assert!(st.flow.is_none() && st.waiting_for_agent.is_none());

        // Another agent taking over keeps when the live chat began.
        let again = agent_joined(&joined, "Budi", at(4));
        let st: ConversationState = serde_json::from_value(again.state.clone()).unwrap();
        assert_eq!(st.agent.unwrap().since, at(3));

        let back = handed_back(&again, at(5));
        assert_eq!(back.status, STATUS_BOT);
        assert!(!has_agent(&back));
    }

    #[test]
    fn a_state_from_before_live_chat_still_loads_and_an_unreadable_one_still_records_the_agent() {
        // Stored before the `agent` field existed.
        let mut old = serde_json::to_value(ConversationState::new(at(1))).unwrap();
        old.as_object_mut().unwrap().remove("agent");
        let st: ConversationState = serde_json::from_value(old).unwrap();
        assert!(st.agent.is_none());

        let mut broken = waiting();
        broken.state = serde_json::json!({"version": 0});
        assert!(has_agent(&agent_joined(&broken, "Rina", at(3))));
    }
}

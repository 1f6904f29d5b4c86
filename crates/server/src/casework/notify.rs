//! Telling the participant: a text for the channel the case came from, as the rows to store
//! with the change that caused it (so the notice is never lost nor sent without the change):
//! a web-chat turn (the page polls for it), outbox rows for WhatsApp, Telegram and Messenger
//! (rendered inside or outside the 24-hour window), an SMS row for the voice line.

use crate::messaging::render;
use crate::state::AppState;
use channels::Channel;
use chrono::{DateTime, Utc};
use dialog::Message;
use store::{Case, NewOutbound, NewTurn, StoreError};

/// What the notices are stored as in the outbox (`purpose`).
pub const PURPOSE: &str = "case_notice";

/// What to store to show `text` to the participant of `case`.
#[derive(Debug, Default)]
pub struct Notice {
    pub outbound: Vec<NewOutbound>,
    pub turns: Vec<NewTurn>,
}

impl Notice {
    /// Whether the participant will see anything.
    pub fn is_empty(&self) -> bool {
        self.outbound.is_empty() && self.turns.is_empty()
    }
}

pub async fn to_participant(
    state: &AppState,
    case: &Case,
    text: &str,
    at: DateTime<Utc>,
) -> Result<Notice, StoreError> {
    let message = Message::text(text);
    // The conversation's own history shows the notice too, so an agent reading it later
    // (and the web chat page, which polls the turns) sees what the participant was told.
    let turn = || NewTurn {
        channel: case.channel.clone(),
        sender: case.sender.clone(),
        direction: "out".into(),
        body: serde_json::to_value(&message).unwrap_or_default(),
        text: text.to_owned(),
        intent: None,
        participant_id: case.participant_id,
        at,
    };
    let mut notice = Notice::default();
    match case.channel.as_str() {
        "webchat" => notice.turns.push(turn()),
        "whatsapp" | "telegram" | "messenger" => {
            let channel = match case.channel.as_str() {
                "whatsapp" => Channel::WhatsApp,
                "telegram" => Channel::Telegram,
                _ => Channel::Messenger,
            };
            let last = state
                .store
                .last_inbound_at(channel.as_str(), &case.sender)
                .await?;
            let to = render::Addressee {
                channel,
                recipient: &case.sender,
                purpose: PURPOSE,
                window: render::window_at(last, at),
                inbox_id: None,
                at,
            };
            notice.outbound = render::rows(&state.config, &to, std::slice::from_ref(&message));
            notice.turns.push(turn());
        }
        crate::voice::CHANNEL => {
            notice.outbound = to_caller(state, &case.sender, &message, at).await?;
        }
        other => {
            // A terminal conversation or a channel this build does not know: nobody to tell.
            tracing::warn!(
                case = %case.number,
                channel = other,
                "no way to notify the participant on this channel"
            );
        }
    }
    Ok(notice)
}

/// A voice caller (the case's sender is the number that called): on WhatsApp when it is
/// configured and the message can go out there (inside the window or with a template), else
/// by SMS, as the voice line sends its details.
async fn to_caller(
    state: &AppState,
    number: &str,
    message: &Message,
    at: DateTime<Utc>,
) -> Result<Vec<NewOutbound>, StoreError> {
    if state.config.whatsapp.enabled() {
        let last = state
            .store
            .last_inbound_at(Channel::WhatsApp.as_str(), number)
            .await?;
        let to = render::Addressee {
            channel: Channel::WhatsApp,
            recipient: number,
            purpose: PURPOSE,
            window: render::window_at(last, at),
            inbox_id: None,
            at,
        };
        let rows = render::rows(&state.config, &to, std::slice::from_ref(message));
        if !rows.is_empty() && rows.iter().all(|r| r.unsendable.is_none()) {
            return Ok(rows);
        }
    }
    Ok(vec![NewOutbound::plain(
        "sms",
        number,
        PURPOSE,
        message.body(),
        at,
    )])
}

/// Wakes the senders of the channels a stored notice queued rows for (call after storing),
/// so they go out at once rather than at the senders' next poll.
pub fn wake(state: &AppState, outbound: &[NewOutbound]) {
    let Some(m) = &state.messaging else { return };
    for channel in [Channel::WhatsApp, Channel::Telegram, Channel::Messenger] {
        if outbound.iter().any(|r| r.channel == channel.as_str()) {
            m.wakers.sender(channel).notify_one();
        }
    }
}

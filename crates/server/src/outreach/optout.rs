//! "STOP"/"berhenti" and "MULAI" from participants on WhatsApp, Telegram and Messenger.
//!
//! The conversation worker asks [`intercept`] before the assistant sees a text. A command is
//! recorded at the time the participant wrote it (so a redelivered old "STOP" never undoes a
//! newer "MULAI"), and the worker commits the acknowledgement like any other reply: a crash
//! before that commit processes the event again, which records the same choice again and
//! answers once.
//!
//! "mulai" is also how people ask the assistant for its menu, so it is a command only from an
//! address that opted out; from anyone else it goes to the assistant.

use crate::state::AppState;
use channels::Channel;
use chrono::{DateTime, Utc};
use dialog::outreach::Subscription;
use store::StoreError;

/// What became of an inbound text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intercepted {
    /// Not a command: the assistant answers it.
    NotACommand,
    /// A command, recorded: tell the participant this.
    Reply(String),
    /// A command older than the choice already stored (a message delayed in transit): the
    /// newer choice stands and nothing is said, since acknowledging would tell the participant
    /// the opposite of what holds.
    Superseded,
}

/// Records a subscription command and says how to answer it.
pub async fn intercept(
    state: &AppState,
    channel: Channel,
    address: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Result<Intercepted, StoreError> {
    let Some(command) = dialog::outreach::subscription_command(text) else {
        return Ok(Intercepted::NotACommand);
    };
    let store = &state.store;
    let opt_out = command == Subscription::OptOut;
    if !opt_out && !store.is_opted_out(channel.as_str(), address).await? {
        return Ok(Intercepted::NotACommand);
    }
    let stored = store
        .set_opt_out(channel.as_str(), address, opt_out, at)
        .await?;
    // An older command was not stored; it is still acknowledged when the newer choice says
    // the same, and silently dropped when it would contradict it.
    if !stored && store.is_opted_out(channel.as_str(), address).await? != opt_out {
        tracing::info!(channel = %channel, address = %masked(address), "older subscription command ignored");
        return Ok(Intercepted::Superseded);
    }
    tracing::info!(
        channel = %channel,
        address = %masked(address),
        opted_out = opt_out,
        "broadcast subscription changed"
    );
    state.metrics.count(
        "layan_broadcast_subscription_total",
        &[
            ("channel", channel.as_str()),
            ("change", if opt_out { "opt_out" } else { "opt_in" }),
        ],
    );
    Ok(Intercepted::Reply(if opt_out {
        dialog::outreach::opted_out_reply()
    } else {
        dialog::outreach::opted_in_reply()
    }))
}

/// An address fit for a log line: a phone number (or chat id) without its middle.
pub fn masked(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_addresses_keep_only_their_ends() {
        assert_eq!(masked("6281234567890"), "6281****890");
        assert!(!masked("6281234567890").contains("234567"));
        assert_eq!(masked("12345"), "*****");
    }
}

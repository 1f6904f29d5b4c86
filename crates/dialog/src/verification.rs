//! The limits on identity verification, shared by every channel that verifies (the chat
//! channels through the engine, the voice line through the server): the same counter keys,
//! the same hourly limits and the same lock, so a lockout earned in one channel holds in the
//! others.
//!
//! - Every attempt counts once per sender and once per identity (NIK or card number) in the
//!   current clock hour, in the store, so every node sees the same counts.
//! - Over either limit, verification is locked until the hour ends.
//! - A lock for failures in a row ([`lock`]) uses up the hour's remaining attempts of both the
//!   sender and the identity, so it holds wherever they try next: another conversation, another
//!   channel, another call.

use crate::engine::DialogConfig;
use crate::port::{DataResult, DialogData};
use chrono::{DateTime, Duration, Timelike, Utc};
use sha2::{Digest, Sha256};

fn hash(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of an identifier (its SHA-256), kept instead of the identifier itself.
pub fn identity_key(identifier: &str) -> String {
    hash(&format!("id:{identifier}"))
}

/// The start of the clock hour `now` is in: the window the counters count in.
pub fn hour_window(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
}

/// One attempt, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub window: DateTime<Utc>,
    sender_key: String,
    identity_key: String,
    /// Attempts in this window, this one included.
    pub by_sender: u32,
    pub by_identity: u32,
}

impl Attempt {
    /// When a lock placed now ends: the end of the window.
    pub fn lock_until(&self) -> DateTime<Utc> {
        self.window + Duration::hours(1)
    }
}

/// Counts one verification attempt by `sender` on `channel` for the identity whose
/// [`identity_key`] is `identity`. `Err(until)` when the sender or the identity is over its
/// hourly limit: verification is locked until then, whatever the answer would have been.
pub async fn attempt(
    data: &dyn DialogData,
    channel: &str,
    sender: &str,
    identity: &str,
    now: DateTime<Utc>,
    config: &DialogConfig,
) -> DataResult<Result<Attempt, DateTime<Utc>>> {
    let window = hour_window(now);
    let sender_key = format!(
        "dialog:verify:sender:{}",
        hash(&format!("{channel}:{sender}"))
    );
    let identity_key = format!("dialog:verify:id:{identity}");
    let by_sender = data.hit_rate_limit(&sender_key, window).await?;
    let by_identity = data.hit_rate_limit(&identity_key, window).await?;
    let attempt = Attempt {
        window,
        sender_key,
        identity_key,
        by_sender,
        by_identity,
    };
    if by_sender > config.attempts_per_sender_per_hour
        || by_identity > config.attempts_per_identity_per_hour
    {
        return Ok(Err(attempt.lock_until()));
    }
    Ok(Ok(attempt))
}

/// Locks verification for the sender and the identity of `attempt` until the hour ends, on
/// every channel, by using up the hour's remaining attempts of both. Returns when it ends.
pub async fn lock(
    data: &dyn DialogData,
    attempt: &Attempt,
    config: &DialogConfig,
) -> DataResult<DateTime<Utc>> {
    for (key, count, limit) in [
        (
            &attempt.sender_key,
            attempt.by_sender,
            config.attempts_per_sender_per_hour,
        ),
        (
            &attempt.identity_key,
            attempt.by_identity,
            config.attempts_per_identity_per_hour,
        ),
    ] {
        // The next attempt then counts limit + 1, which is over the limit.
        for _ in count..limit {
            data.hit_rate_limit(key, attempt.window).await?;
        }
    }
    Ok(attempt.lock_until())
}

//! Clean-up of rows that have stopped mattering: the counters of ended rate-limit windows
//! (every hit makes one per key and window; web-chat polling one per client address and
//! minute) and expired sign-in records (one-time-code challenges, participant tokens, agent
//! sessions). Nothing else ever deletes them. Every node runs this; deleting what is already
//! gone is harmless, so the nodes need no coordination.

use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use store::{Store, StoreError};

/// How long a counter is kept after its window started. No window is longer than an hour
/// (sign-in and verification attempts); a counter deleted while its window still runs would
/// let that window count from zero again, so the margin is wide.
pub const RATE_LIMIT_RETENTION: Duration = Duration::days(1);

/// How long an expired sign-in record is kept. Deleting it sooner gains nothing, and the
/// margin keeps a node whose clock runs ahead from deleting what another node still honours.
pub const EXPIRED_SIGN_IN_RETENTION: Duration = Duration::days(1);

/// Rows deleted per statement, so the writer is never held for long (on SQLite every other
/// write waits meanwhile).
const CHUNK: u32 = 5_000;

/// How often the clean-up runs, and how long after start-up it first does.
const PERIOD: std::time::Duration = std::time::Duration::from_secs(3_600);
const FIRST_RUN: std::time::Duration = std::time::Duration::from_secs(300);

/// What one clean-up deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub rate_limits: u64,
    pub sign_ins: u64,
}

/// Deletes every rate-limit counter older than [`RATE_LIMIT_RETENTION`] and every sign-in
/// record expired longer than [`EXPIRED_SIGN_IN_RETENTION`] at `now`, `chunk` rows per
/// statement.
pub async fn prune(
    store: &dyn Store,
    now: DateTime<Utc>,
    chunk: u32,
) -> Result<Pruned, StoreError> {
    let chunk = chunk.max(1);
    let rate_limits = in_chunks(chunk, || {
        store.prune_rate_limits(now - RATE_LIMIT_RETENTION, chunk)
    })
    .await?;
    let sign_ins = in_chunks(chunk, || {
        store.prune_expired_sign_ins(now - EXPIRED_SIGN_IN_RETENTION, chunk)
    })
    .await?;
    Ok(Pruned {
        rate_limits,
        sign_ins,
    })
}

/// Runs `delete` until a call deletes fewer than `chunk` rows: every kind it covers is then
/// done, as a kind with rows left deletes a whole chunk. Returns the total.
async fn in_chunks<F, Fut>(chunk: u32, mut delete: F) -> Result<u64, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let deleted = delete().await?;
        total += deleted;
        if deleted < u64::from(chunk) {
            return Ok(total);
        }
        // Let the writes queued behind this chunk go first.
        tokio::task::yield_now().await;
    }
}

/// Starts the hourly clean-up (called once per node from `AppState::new`).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticks = crate::ticks::every(PERIOD, FIRST_RUN);
        loop {
            ticks.tick().await;
            // A failure is retried at the next tick; the rows only wait a little longer.
            match prune(state.store.as_ref(), state.now(), CHUNK).await {
                Ok(p) if p == Pruned::default() => {}
                Ok(p) => tracing::info!(
                    rate_limits = p.rate_limits,
                    sign_ins = p.sign_ins,
                    "ended rate-limit windows and expired sign-ins pruned"
                ),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; retrying later"),
            }
        }
    });
}

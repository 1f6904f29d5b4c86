//! Checkpoints off the commit path, when configured. Otherwise the writer checkpoints
//! inside the commit that takes the WAL past 16,000 pages (`conn::WAL_AUTOCHECKPOINT_PAGES`;
//! SQLite's own default is 1,000, which the measurements below used): that commit (and every
//! write waiting behind it) pays for copying the pages back into the database file and two
//! flushes. Here a thread of its own, with its own connection, runs a PASSIVE checkpoint at a
//! fixed interval instead; the writer keeps committing meanwhile, and an index page rewritten
//! by a hundred commits within the interval is copied back once, not a hundred times.
//!
//! Measured on the webhook benchmark (one core for the server), it is a trade. Before
//! migration 0008 an ingest node stored about a third more webhooks per second with it (13.9
//! k/s instead of 8–9 k/s); since the inbox's index entries land side by side, there is no
//! measurable difference there (18–20 k/s either way). The whole pipeline answers about 14%
//! more messages per second at saturation, but at a steady 2,000 messages/s the large
//! checkpoints every interval push p99 from 12–23 ms to over 100 ms. So it is off by default
//! (`LAYAN_SQLITE_CHECKPOINT_MS`, see the README).
//!
//! The writer keeps a high automatic threshold as a safety net, so the WAL stays bounded even
//! if this thread cannot keep up or is gone.

use crate::conn::{self, SqliteOptions};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Stops its thread when dropped (with the store).
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` every `options.checkpoint_interval`; `None`
    /// when the interval is zero (SQLite's automatic checkpoints then do it).
    pub(crate) fn start(path: PathBuf, options: &SqliteOptions) -> Option<Checkpointer> {
        let interval = options.checkpoint_interval;
        if interval.is_zero() {
            return None;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = stop.clone();
        let options = options.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut warned = false;
                let mut conn = None;
                let (lock, wake) = &*signal;
                let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                while !*stopped {
                    stopped = wake
                        .wait_timeout(stopped, interval)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    if *stopped {
                        break;
                    }
                    if let Err(e) = checkpoint(&mut conn, &path, &options) {
                        // Not fatal: the writer's automatic checkpoint still bounds the WAL.
                        // Said once, so a lasting problem does not flood the log.
                        if !std::mem::replace(&mut warned, true) {
                            tracing::warn!(error = %e, "background checkpoint failed; will retry");
                        }
                        conn = None;
                    }
                }
            })
            .ok()?;
        Some(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

fn checkpoint(
    conn: &mut Option<rusqlite::Connection>,
    path: &std::path::Path,
    options: &SqliteOptions,
) -> Result<(), store::StoreError> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(conn::open_checkpointer(path, options)?),
    };
    // PASSIVE never waits for readers or the writer: it copies what it can and leaves the
    // rest for the next round.
    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .map_err(crate::error::map)
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{SqliteOptions, SqliteStore};
    use std::time::{Duration, Instant};
    use store::{NewInboxEvent, Store};

    fn events(from: usize, n: usize) -> Vec<NewInboxEvent> {
        let at = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        (from..from + n)
            .map(|i| NewInboxEvent {
                channel: "whatsapp".into(),
                provider_id: format!("wamid.checkpoint-{i}"),
                conversation: format!("62812{i:07}"),
                kind: "message".into(),
                payload: serde_json::json!({ "text": "x".repeat(500) }),
                occurred_at: at,
                received_at: at,
            })
            .collect()
    }

    /// The writer's own automatic checkpoint is set far above what this test writes, so the
    /// main database file only grows if the background thread copies the WAL into it.
    #[tokio::test]
    async fn committed_pages_reach_the_database_file_without_a_checkpoint_in_any_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layan.db");
        let options = SqliteOptions {
            checkpoint_interval: Duration::from_millis(20),
            ..SqliteOptions::default()
        };
        let store = SqliteStore::open_with(&path, options).unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        for batch in 0..10 {
            store.inbox_append(events(batch * 100, 100)).await.unwrap();
        }
        // About 500 KB of new rows: the file must grow by most of it. Waiting, not timing:
        // the deadline only stops a broken build from hanging.
        let deadline = Instant::now() + Duration::from_secs(60);
        while size() < before + 400_000 {
            assert!(
                Instant::now() < deadline,
                "the database file did not grow: {before} -> {} bytes",
                size()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Reads see the same rows whichever file holds them.
        assert_eq!(store.inbox_stats().await.unwrap().pending, 1_000);
    }

    #[test]
    fn without_an_interval_there_is_no_thread() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteOptions {
            checkpoint_interval: Duration::ZERO,
            ..SqliteOptions::default()
        };
        assert!(super::Checkpointer::start(dir.path().join("x.db"), &options).is_none());
    }
}

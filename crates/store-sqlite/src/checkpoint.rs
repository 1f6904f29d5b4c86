//! Checkpoints off the commit path (the default, every 20 ms while the writer is not busy). With the interval set to zero
//! the writer checkpoints inside the commit that takes the WAL past 16,000 pages
//! (`conn::WAL_AUTOCHECKPOINT_PAGES`): that commit, and every write waiting behind it, pays for
//! copying the pages back into the database file and flushing it. That flush grows with the
//! database (random pages spread over more of the file): 9 ms on a fresh benchmark database,
//! 61–99 ms after some 120,000 messages, and the webhooks' p99 at 2,000/s went with it (57–98
//! ms). Here a thread of its own, with its own connection, copies the log back in small rounds
//! while the writer keeps committing. A round's flush is short, and so is the time commits'
//! own flushes wait behind it on the disk: p99 7–20 ms on the grown database.
//!
//! Each round is a PASSIVE checkpoint, which never waits for anyone. Under a steady load that
//! alone never lets the log start over (see [`restart`]), so once the log reaches 16,000 pages
//! the round also restarts it, holding our writer for that moment.
//!
//! The trade, measured on one core (BENCHMARKS.md): the small rounds flush the database file
//! about fifty times a second instead of about once, and the pipeline sustained about 12%
//! fewer messages per second at its limit (3,650–3,730 replies/s instead of 4,225 at 3,500
//! webhooks/s on a fresh database). So the rounds space out while the writer is busy
//! (`pace.rs`): the configured interval at a moderate load, up to five times it near the
//! limit, where copying the same hot pages fifty times a second costs more than the short
//! flushes save. Setting `LAYAN_SQLITE_CHECKPOINT_MS=0` takes the throughput and leaves the
//! tail to the database's size.
//!
//! The writer keeps a high automatic threshold (100,000 pages) as a safety net, so the WAL
//! stays bounded even if this thread cannot keep up or is gone.

use crate::conn::{self, SqliteOptions, Writer};
use crate::error::map;
use crate::pace::{Pace, WriterBusy};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Stops its thread when dropped (with the store).
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` every `options.checkpoint_interval`, longer
    /// while `busy` shows the writer busy (`pace.rs`); `None` when the interval is zero
    /// (SQLite's automatic checkpoints then do it).
    pub(crate) fn start(
        path: PathBuf,
        options: &SqliteOptions,
        writer: Writer,
        busy: Arc<WriterBusy>,
    ) -> Option<Checkpointer> {
        let interval = options.checkpoint_interval;
        if interval.is_zero() {
            return None;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut warned = false;
                let mut conn = None;
                let mut pace = Pace::new(interval, &busy, Instant::now());
                let mut wait = interval;
                let (lock, wake) = &*signal;
                let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                while !*stopped {
                    stopped = wake
                        .wait_timeout(stopped, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    if *stopped {
                        break;
                    }
                    let result = checkpoint(&mut conn, &path, &writer, RESTART_AT);
                    wait = pace.next(busy.total(), Instant::now());
                    if let Err(e) = result {
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

/// Pages in the log at which a round also restarts it.
const RESTART_AT: i64 = conn::WAL_AUTOCHECKPOINT_PAGES;

/// How long the restart waits for a reader still on the log (the writer waits with it); a
/// reader that takes longer (a report) only postpones the restart to a later round.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// One round. Past `restart_at` pages it holds our writer while the log restarts, so the
/// writer waits on its mutex (woken the moment the restart is done) rather than in SQLite's
/// busy handler, which sleeps 1, 2, 5, 10 ms...
fn checkpoint(
    conn: &mut Option<Connection>,
    path: &Path,
    writer: &Writer,
    restart_at: i64,
) -> Result<(), store::StoreError> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(conn::open_checkpointer(path, RESTART_WAIT)?),
    };
    if copy_back(c)? < restart_at {
        return Ok(());
    }
    let _writer = writer.blocking_lock();
    restart(c)
}

/// Copies the log's pages into the database file and flushes it, the bulk of the work, while
/// the writer keeps committing. PASSIVE never waits for readers or the writer. Returns the
/// pages in the log.
fn copy_back(c: &Connection) -> Result<i64, store::StoreError> {
    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
        .map_err(map)
}

/// Copies the few pages committed during [`copy_back`] and makes the next commit write the log
/// from its start. A PASSIVE checkpoint alone never gets there under a steady load: the log
/// restarts only if a write transaction begins when every frame is already copied back, and
/// there is always a commit newer than the copy. Before this step the log grew until the
/// writer's own safety-net checkpoint (100,000 pages) copied the rest inside a commit and cut
/// the file back to 64 MiB: a stall of about 190 ms (`perf trace`), p99 over 100 ms. Restarting
/// at 16,000 pages (under 64 MiB with the frame headers) keeps the file from growing past the
/// size it is cut back to. Returns without restarting when a reader stays on the log longer
/// than [`RESTART_WAIT`]; a later round tries again.
fn restart(c: &Connection) -> Result<(), store::StoreError> {
    c.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
        .map_err(map)
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
    use rusqlite::Connection;
    use std::sync::Arc;
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
        let writer = Arc::new(tokio::sync::Mutex::new(
            Connection::open_in_memory().unwrap(),
        ));
        let busy = Arc::default();
        assert!(
            super::Checkpointer::start(dir.path().join("x.db"), &options, writer, busy).is_none()
        );
    }

    /// Frames in the current log, read off the WAL file without touching the database (a
    /// checkpoint to count them would move them): the frames from the start of the file that
    /// carry the header's salt (file format: sqlite.org/fileformat2.html#walformat).
    fn frames(path: &std::path::Path) -> usize {
        let wal = std::fs::read(path.with_extension("db-wal")).unwrap();
        let word = |at: usize| u32::from_be_bytes(wal[at..at + 4].try_into().unwrap());
        let (page, salt) = (word(8) as usize, &wal[16..24]);
        wal[32..]
            .chunks_exact(24 + page)
            .take_while(|frame| &frame[8..16] == salt)
            .count()
    }

    /// Under load, commits land while the bulk is copied back, and the copy alone then leaves
    /// them in the log: the next commit appends behind them, and so on. The restart copies
    /// them and lets the next commit write the log from its start.
    #[test]
    fn after_the_restart_the_next_commit_starts_the_log_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layan.db");
        let options = SqliteOptions::default();
        let writer = crate::conn::open_writer(&path, &options).unwrap();
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        let insert = |body: &str| {
            writer
                .execute("INSERT INTO t (body) VALUES (?1)", [body])
                .unwrap();
        };
        let checkpointer = crate::conn::open_checkpointer(&path, super::RESTART_WAIT).unwrap();
        for _ in 0..20 {
            insert(&"x".repeat(3000));
        }
        super::copy_back(&checkpointer).unwrap();
        // Committed during the copy, as far as the log can tell.
        for _ in 0..20 {
            insert(&"y".repeat(3000));
        }
        let during = frames(&path);
        assert!(during >= 20, "{during} frames");

        super::restart(&checkpointer).unwrap();
        insert("after");
        let after = frames(&path);
        assert!(after < 5, "{after} frames: the log grew on from {during}");
        // Nothing was lost in the move.
        let rows: i64 = writer
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 41);
    }

    /// The writer of a fresh database with one table, behind the mutex the store keeps it in.
    fn writer_of(path: &std::path::Path) -> crate::conn::Writer {
        let writer = crate::conn::open_writer(path, &SqliteOptions::default()).unwrap();
        writer.execute_batch("CREATE TABLE t (v INTEGER)").unwrap();
        Arc::new(tokio::sync::Mutex::new(writer))
    }

    /// Runs one round on another thread while a batch holds the writer; whether the round
    /// finished before the batch let go.
    fn round_during_a_batch(restart_at: i64) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layan.db");
        let writer = writer_of(&path);
        let batch = writer.clone().blocking_lock_owned();
        let (done, finished) = std::sync::mpsc::channel();
        let round = {
            let (path, writer) = (path.clone(), writer.clone());
            std::thread::spawn(move || {
                let result = super::checkpoint(&mut None, &path, &writer, restart_at);
                done.send(()).unwrap();
                result
            })
        };
        // Long enough for a round that needs nothing from the writer (it takes about a
        // millisecond); a round that waits for it never finishes here.
        let before = finished.recv_timeout(Duration::from_secs(2)).is_ok();
        batch.execute("INSERT INTO t VALUES (1)", []).unwrap();
        drop(batch);
        round.join().unwrap().unwrap();
        before
    }

    /// The restart waits for the writer's current batch (its mutex) and holds it meanwhile: a
    /// write queued behind it runs after the restart, never in SQLite's busy handler (which
    /// sleeps 1, 2, 5, 10 ms...).
    #[test]
    fn a_restarting_round_waits_for_the_writer_and_holds_it() {
        assert!(!round_during_a_batch(1));
    }

    /// Below the restart size a round only copies, whatever the writer is doing.
    #[test]
    fn a_round_below_the_restart_size_leaves_the_writer_alone() {
        assert!(round_during_a_batch(super::RESTART_AT));
    }
}

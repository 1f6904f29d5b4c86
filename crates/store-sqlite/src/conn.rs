//! Connections: one writer behind an async mutex and a small pool of readers, every call run
//! on tokio's blocking pool so that SQLite's blocking I/O never stalls the async workers; the
//! one exception is [`Connections::read_point`], a lookup by key cheaper than the hop.

use crate::checkpoint::Checkpointer;
use crate::error::map;
use crate::pace::WriterBusy;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use store::StoreError;
use tokio::sync::Semaphore;

/// Tuning for [`crate::SqliteStore::open_with`]; the defaults suit a server.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// How long a statement waits for another process's lock before failing with
    /// `StoreError::Unavailable`.
    pub busy_timeout: Duration,
    /// Reader connections; reads run in parallel with each other and with the writer (WAL).
    pub readers: usize,
    /// Page cache of the writer in KiB while serving. Kept small on purpose: SQLite walks
    /// the cache's hash table at the end of every write transaction, so a large cache makes
    /// every commit slower (measured: 16 MiB commits ~20% more webhooks per second than
    /// 256 MiB).
    pub writer_cache_kib: u32,
    /// Page cache of the writer in KiB during a bulk import (the indexes being built stay in
    /// it); set back to `writer_cache_kib` by `finish_import`.
    pub import_cache_kib: u32,
    /// Page cache of each reader in KiB.
    pub reader_cache_kib: u32,
    /// How often a background thread checkpoints the WAL while the writer is not busy (see
    /// `checkpoint.rs`; a busy writer stretches it up to five times, `pace.rs`); zero leaves
    /// it to SQLite's automatic checkpoint inside commits (more throughput at the limit, a
    /// tail latency that grows with the database).
    pub checkpoint_interval: Duration,
}

/// See `checkpoint.rs`: rounds this short keep each flush of the database file short.
pub const DEFAULT_CHECKPOINT_INTERVAL: Duration = Duration::from_millis(20);

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(5),
            readers: 4,
            writer_cache_kib: 16 * 1024,
            import_cache_kib: 256 * 1024,
            reader_cache_kib: 32 * 1024,
            checkpoint_interval: DEFAULT_CHECKPOINT_INTERVAL,
        }
    }
}

/// The one writer connection. Writes queue on this mutex, and so does the checkpointer when it
/// restarts the log (`checkpoint.rs`).
pub(crate) type Writer = Arc<tokio::sync::Mutex<Connection>>;

pub(crate) struct Connections {
    writer: Writer,
    /// Time spent in [`Connections::write`] calls, read by the checkpointer to pace itself.
    busy: Arc<WriterBusy>,
    /// Runs while the store is open; stopped and joined when it is dropped.
    _checkpointer: Option<Checkpointer>,
    /// `None` for an in-memory database, whose contents only its own connection sees: reads
    /// then go through the writer.
    readers: Option<Arc<Readers>>,
}

struct Readers {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    /// The connection of [`Connections::read_point`]; `None` if it could not be opened.
    point: Mutex<Option<Connection>>,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{what}: {e}"))
}

/// A poisoned lock only means another call panicked while holding it; the list of idle
/// connections is still consistent, so keep going.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn common_pragmas(
    conn: &Connection,
    options: &SqliteOptions,
    cache_kib: u32,
) -> Result<(), StoreError> {
    conn.busy_timeout(options.busy_timeout).map_err(map)?;
    // Negative cache_size is in KiB.
    conn.pragma_update(None, "cache_size", -i64::from(cache_kib))
        .map_err(map)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(map)?;
    // No memory map. A reader loses its page cache whenever another connection has committed
    // (WAL), and SQLite then unmaps the whole file as well (`pagerBeginReadTransaction`), so
    // with a map every read after a commit paid for munmap, a fresh mmap and page faults on
    // top of re-reading its pages. Without it a re-read page is one pread from the kernel's
    // page cache: 9% less server CPU per event in scripts/bench-drain.sh (BENCHMARKS.md).
    conn.pragma_update(None, "mmap_size", 0_i64).map_err(map)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// How many WAL pages the writer lets pile up before its commit copies them back into the
/// database (SQLite's default is 1,000, 4 MiB). A page written many times between two
/// checkpoints (the inbox's and the outbox's right edges, the hot index pages) is copied back
/// once, so a longer interval copies fewer pages per message: 16,000 (about 62 MiB, within the
/// 64 MiB the WAL is cut back to) gave the whole pipeline about 30% more replies at saturation
/// than 1,000 in back-to-back runs, and at 2,000 messages/s it kept up where 1,000 fell
/// behind (p99 within the same wide spread on that machine); 64,000 made the occasional
/// checkpoint long enough to show in p99. See BENCHMARKS.md.
pub(crate) const WAL_AUTOCHECKPOINT_PAGES: i64 = 16_000;

pub(crate) fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(map)?;
    common_pragmas(&conn, options, options.writer_cache_kib)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(map)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "could not switch the database to WAL mode (got {mode}); is it on a network file system?"
        )));
    }
    writer_pragmas(&conn)?;
    if !options.checkpoint_interval.is_zero() {
        // The background checkpointer does the work; this threshold (about 400 MB of WAL) is
        // only the safety net should it fall behind. After a burst, the WAL file is cut back
        // to 64 MiB when it restarts.
        conn.pragma_update(None, "wal_autocheckpoint", 100_000)
            .map_err(map)?;
    } else {
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .map_err(map)?;
    }
    conn.pragma_update(None, "journal_size_limit", 64_i64 << 20)
        .map_err(map)?;
    Ok(conn)
}

/// The background checkpointer's connection: read-write (a checkpoint writes the database
/// file), but it runs no statements of its own. `busy_timeout` bounds how long a checkpoint
/// that must wait (for readers) waits.
pub(crate) fn open_checkpointer(
    path: &Path,
    busy_timeout: Duration,
) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(map)?;
    conn.busy_timeout(busy_timeout).map_err(map)?;
    Ok(conn)
}

pub(crate) fn open_memory(options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = Connection::open_in_memory().map_err(map)?;
    common_pragmas(&conn, options, options.writer_cache_kib)?;
    writer_pragmas(&conn)?;
    Ok(conn)
}

fn writer_pragmas(conn: &Connection) -> Result<(), StoreError> {
    // FULL: in WAL mode NORMAL may lose the last commits on power loss, and an acknowledged
    // write (a payment, an inbound message) must survive that.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(map)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(map)?;
    Ok(())
}

fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(map)?;
    common_pragmas(&conn, options, options.reader_cache_kib)?;
    // Read-write flags so that the reader can share the WAL index file, but no writes.
    conn.pragma_update(None, "query_only", "ON").map_err(map)?;
    Ok(conn)
}

/// A connection handed back mid-transaction (a statement failed before commit) must not keep
/// its snapshot or locks into the next call.
fn reset(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

impl Connections {
    pub(crate) fn file(writer: Connection, path: PathBuf, options: SqliteOptions) -> Self {
        let readers = options.readers.max(1);
        let point = Mutex::new(open_reader(&path, &options).ok());
        let writer = Arc::new(tokio::sync::Mutex::new(writer));
        let busy = Arc::new(WriterBusy::default());
        Connections {
            _checkpointer: Checkpointer::start(
                path.clone(),
                &options,
                writer.clone(),
                busy.clone(),
            ),
            writer,
            busy,
            readers: Some(Arc::new(Readers {
                path,
                permits: Arc::new(Semaphore::new(readers)),
                idle: Mutex::new(Vec::with_capacity(readers)),
                point,
                options,
            })),
        }
    }

    pub(crate) fn memory(writer: Connection) -> Self {
        Connections {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            busy: Arc::default(),
            _checkpointer: None,
            readers: None,
        }
    }

    /// Runs `f` on the writer. Writes are serialised here rather than by SQLite's lock, so
    /// they queue without spinning on SQLITE_BUSY.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let mut guard = self.writer.clone().lock_owned().await;
        let busy = self.busy.clone();
        // The guard moves into the task, so a caller that gives up (a cancelled request) still
        // lets the write finish or roll back before the next one starts.
        tokio::task::spawn_blocking(move || {
            let began = Instant::now();
            reset(&guard);
            let result = f(&mut guard);
            reset(&guard);
            busy.add(began.elapsed());
            result
        })
        .await
        .map_err(|e| unavailable("database task failed", e))?
    }

    /// Runs `f`, a lookup by key on the message pipeline's hot path, on the calling task, on a
    /// reader connection kept for such lookups. From a warm cache it takes microseconds, less
    /// than the hop to the blocking pool: on a busy core every hop is about four context
    /// switches (the pool wakes its thread while holding its lock), measured at 13% of the
    /// core at 3,500 messages/s with one hop per message. Not for scans or reports: they
    /// would stall the async workers. Falls back to [`Self::read`] while that connection is
    /// in use by another task, or if it could not be opened or a lookup panicked in it.
    pub(crate) async fn read_point<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let f = match self.readers.as_deref().map(|r| r.point.try_lock()) {
            Some(Ok(mut slot)) => match slot.as_mut() {
                Some(conn) => {
                    let result = f(conn);
                    reset(conn);
                    return result;
                }
                None => f,
            },
            _ => f,
        };
        self.read(f).await
    }

    /// Runs `f` on an idle reader (opening one if needed), in parallel with other reads.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.write(f).await;
        };
        let permit = readers
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| unavailable("reader pool closed", e))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let popped = lock(&readers.idle).pop();
            let mut conn = match popped {
                Some(conn) => conn,
                None => open_reader(&readers.path, &readers.options)?,
            };
            let result = f(&mut conn);
            reset(&conn);
            // Only a connection that came back normally is reused; after a panic it is simply
            // dropped and a fresh one is opened on demand.
            lock(&readers.idle).push(conn);
            result
        })
        .await
        .map_err(|e| unavailable("database task failed", e))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_counter(dir: &Path) -> Arc<Connections> {
        let path = dir.join("point.db");
        let options = SqliteOptions::default();
        let writer = open_writer(&path, &options).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);",
            )
            .unwrap();
        Arc::new(Connections::file(writer, path, options))
    }

    async fn set(conns: &Connections, n: i64) {
        conns
            .write(move |c| c.execute("UPDATE counter SET n = ?1", [n]).map_err(map))
            .await
            .unwrap();
    }

    async fn point_count(conns: &Connections) -> Result<i64, StoreError> {
        conns
            .read_point(|c| {
                c.query_row("SELECT n FROM counter", [], |r| r.get(0))
                    .map_err(map)
            })
            .await
    }

    /// The checkpointer paces itself by this total (`pace.rs`): it must count the time
    /// spent inside write calls, and only that.
    #[tokio::test]
    async fn the_writer_counts_the_time_it_spends_in_write_calls() {
        let dir = tempfile::tempdir().unwrap();
        let conns = store_with_counter(dir.path());
        assert_eq!(conns.busy.total(), Duration::ZERO);
        conns
            .write(|_| {
                std::thread::sleep(Duration::from_millis(30));
                Ok(())
            })
            .await
            .unwrap();
        let after_write = conns.busy.total();
        assert!(after_write >= Duration::from_millis(30), "{after_write:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
        point_count(&conns).await.unwrap();
        assert_eq!(
            conns.busy.total(),
            after_write,
            "idle time and reads are not counted"
        );
    }

    #[tokio::test]
    async fn point_reads_see_each_commit_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let conns = store_with_counter(dir.path());
        for n in 1..=50 {
            set(&conns, n).await;
            assert_eq!(point_count(&conns).await.unwrap(), n);
        }
    }

    #[tokio::test]
    // On purpose: the held guard stands for another task inside the point connection.
    #[allow(clippy::await_holding_lock)]
    async fn a_busy_point_connection_sends_the_read_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let conns = store_with_counter(dir.path());
        set(&conns, 7).await;
        let readers = conns.readers.clone().unwrap();
        let held = readers.point.lock().unwrap();
        assert!(held.is_some(), "the point connection opens with the store");
        assert_eq!(point_count(&conns).await.unwrap(), 7);
        drop(held);
    }

    #[tokio::test]
    async fn a_lookup_that_panics_leaves_later_reads_working() {
        let dir = tempfile::tempdir().unwrap();
        let conns = store_with_counter(dir.path());
        set(&conns, 3).await;
        let panicking = conns.clone();
        let crashed = tokio::spawn(async move {
            panicking
                .read_point(|c| -> Result<(), StoreError> {
                    // Leaves a read transaction open, then dies inside it.
                    c.execute_batch("BEGIN; SELECT n FROM counter;").unwrap();
                    panic!("a bug in a lookup")
                })
                .await
        })
        .await;
        assert!(crashed.unwrap_err().is_panic());
        assert!(conns.readers.as_ref().unwrap().point.is_poisoned());
        set(&conns, 4).await;
        assert_eq!(point_count(&conns).await.unwrap(), 4);
    }
}

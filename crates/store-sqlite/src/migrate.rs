//! A tiny migration runner: numbered SQL files embedded in the binary, each applied once in
//! its own transaction and recorded in `schema_migrations`.

use crate::error::map;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use store::StoreError;

/// (version, name, SQL). Append only: an applied migration is never edited, because a database
/// that already ran it would not run the new text.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (
        2,
        "rehab_plans",
        include_str!("../migrations/0002_rehab_plans.sql"),
    ),
    (
        3,
        "conversations",
        include_str!("../migrations/0003_conversations.sql"),
    ),
    (
        4,
        "messaging",
        include_str!("../migrations/0004_messaging.sql"),
    ),
    (5, "pandawa", include_str!("../migrations/0005_pandawa.sql")),
    (
        6,
        "outreach",
        include_str!("../migrations/0006_outreach.sql"),
    ),
    (
        7,
        "lean_indexes",
        include_str!("../migrations/0007_lean_indexes.sql"),
    ),
];

pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )
    .map_err(migration_error)?;

    let newest_known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    let newest_applied: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(migration_error)?;
    if let Some(applied) = newest_applied.filter(|v| *v > newest_known) {
        return Err(StoreError::Migration(format!(
            "the database is at schema version {applied}, newer than this program knows \
             ({newest_known}); upgrade Layan before opening it"
        )));
    }

    for (version, name, sql) in MIGRATIONS {
        // IMMEDIATE takes the write lock before the check, so two processes opening the same
        // file at once cannot both apply a migration.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(migration_error)?;
        let done = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE version = ?1",
                [version],
                |_| Ok(()),
            )
            .optional()
            .map_err(migration_error)?
            .is_some();
        if done {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("{version:04}_{name}: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, chrono::Utc::now().timestamp_millis()],
        )
        .map_err(migration_error)?;
        tx.commit().map_err(migration_error)?;
    }
    Ok(())
}

/// A busy or missing database stays `Unavailable` (worth retrying); anything else while
/// migrating is a migration failure.
fn migration_error(e: rusqlite::Error) -> StoreError {
    match map(e) {
        StoreError::Other(msg) => StoreError::Migration(msg),
        other => other,
    }
}

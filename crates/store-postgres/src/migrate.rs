//! A tiny migration runner: numbered SQL files embedded in the binary, each applied once in
//! its own transaction and recorded in `schema_migrations`. Several nodes may start at once;
//! a transaction-scoped advisory lock makes them take turns, and the later ones find the
//! migration already recorded.

use crate::error::map;
use store::StoreError;
use tokio_postgres::Client;

/// (version, name, SQL). Append only: an applied migration is never edited.
pub(crate) const MIGRATIONS: &[(i32, &str, &str)] = &[
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
    (
        8,
        "inbox_keys",
        include_str!("../migrations/0008_inbox_keys.sql"),
    ),
    (
        9,
        "dedupe_when_processed",
        include_str!("../migrations/0009_dedupe_when_processed.sql"),
    ),
    (
        10,
        "housekeeping_indexes",
        include_str!("../migrations/0010_housekeeping_indexes.sql"),
    ),
    (11, "leases", include_str!("../migrations/0011_leases.sql")),
    (
        12,
        "conversations_by_rowid",
        include_str!("../migrations/0012_conversations_by_rowid.sql"),
    ),
    (
        13,
        "broadcasts_fed_by_the_role",
        include_str!("../migrations/0013_broadcasts_fed_by_the_role.sql"),
    ),
    (
        14,
        "turns_chained_per_address",
        include_str!("../migrations/0014_turns_chained_per_address.sql"),
    ),
    (
        15,
        "no_index_for_the_demo_outbox",
        include_str!("../migrations/0015_no_index_for_the_demo_outbox.sql"),
    ),
    (
        16,
        "whatsapp_statuses_by_our_id",
        include_str!("../migrations/0016_whatsapp_statuses_by_our_id.sql"),
    ),
    (
        17,
        "claims_walk_the_queue",
        include_str!("../migrations/0017_claims_walk_the_queue.sql"),
    ),
];

/// Any fixed number works, as long as nothing else in the database uses it: "Layan" in ASCII.
const LOCK_KEY: i64 = 0x4c_61_79_61_6e;

pub(crate) async fn run(client: &mut Client) -> Result<(), StoreError> {
    let newest_known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    for (version, name, sql) in MIGRATIONS {
        let tx = client.transaction().await.map_err(migration_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(migration_error)?;
        // Under the lock, so that two first starts do not race on creating it.
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(migration_error)?;
        let newest_applied: Option<i32> = tx
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])
            .await
            .map_err(migration_error)?
            .try_get(0)
            .map_err(migration_error)?;
        if let Some(applied) = newest_applied.filter(|v| *v > newest_known) {
            return Err(StoreError::Migration(format!(
                "the database is at schema version {applied}, newer than this program knows \
                 ({newest_known}); upgrade Layan before connecting it"
            )));
        }
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await
            .map_err(migration_error)?
            .is_some();
        if !done {
            tx.batch_execute(sql)
                .await
                .map_err(|e| StoreError::Migration(format!("{version:04}_{name}: {}", map(e))))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await
            .map_err(migration_error)?;
        }
        tx.commit().await.map_err(migration_error)?;
    }
    Ok(())
}

/// A lost connection stays `Unavailable` (worth retrying); anything else while migrating is a
/// migration failure.
fn migration_error(e: tokio_postgres::Error) -> StoreError {
    match map(e) {
        StoreError::Unavailable(m) => StoreError::Unavailable(m),
        other => StoreError::Migration(other.to_string()),
    }
}

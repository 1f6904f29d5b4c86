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

    // A migration that rebuilds a table (SQLite cannot drop a constraint) drops the old one
    // while other tables still refer to it by name: SQLite's own procedure for this turns
    // foreign key enforcement off (which only takes effect outside a transaction) and checks
    // every key before the commit instead.
    let enforced: bool = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .map_err(migration_error)?;
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(migration_error)?;
    let applied = apply_all(conn);
    conn.pragma_update(None, "foreign_keys", enforced)
        .map_err(migration_error)?;
    applied
}

fn apply_all(conn: &mut Connection) -> Result<(), StoreError> {
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
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(migration_error)?;
        if let Some(table) = broken {
            return Err(StoreError::Migration(format!(
                "{version:04}_{name}: leaves a broken foreign key in table {table}"
            )));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An older program's database: the migrations up to `version`, recorded as applied, and
    /// foreign keys enforced as the store's connections do.
    fn at_version(conn: &mut Connection, version: i64) {
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        for (v, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= version) {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
                rusqlite::params![v, name],
            )
            .unwrap();
        }
        conn.pragma_update(None, "foreign_keys", true).unwrap();
    }

    fn triples<A, B, C>(conn: &Connection, sql: &str) -> Vec<(A, B, C)>
    where
        A: rusqlite::types::FromSql,
        B: rusqlite::types::FromSql,
        C: rusqlite::types::FromSql,
    {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn the_inbox_rebuild_keeps_events_replies_and_windows() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&mut conn, 7);
        conn.execute_batch(
            "INSERT INTO inbox (id, channel, provider_id, conversation, kind, payload, \
               occurred_at, received_at, processed_at) VALUES \
               (7, 'whatsapp', 'wamid.A', '6281234567890', 'message', '{}', 1000, 1001, 1002), \
               (8, 'whatsapp', 'wamid.B', '6281234567890', 'message', '{}', 5000, 5001, NULL), \
               (9, 'whatsapp', 'wamid.B:read', '6281234567890', 'status', '{}', 9000, 9001, NULL), \
               (10, 'telegram', '738164', '812345678', 'callback', '{}', 3000, 3001, NULL);
             INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, \
               inbox_id) VALUES ('whatsapp', '6281234567890', 'reply', 'Halo', 'sent', 1003, 7);",
        )
        .unwrap();

        run(&mut conn).unwrap();

        let enforced: bool = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(enforced, "enforcement is back on after the rebuild");
        let events: Vec<(i64, String, Option<i64>)> = triples(
            &conn,
            "SELECT id, provider_id, processed_at FROM inbox ORDER BY id",
        );
        assert_eq!(
            events,
            [
                (7, "wamid.A".into(), Some(1002)),
                (8, "wamid.B".into(), None),
                (9, "wamid.B:read".into(), None),
                (10, "738164".into(), None),
            ]
        );
        let windows: Vec<(String, String, i64)> = triples(
            &conn,
            "SELECT channel, address, last_inbound_at FROM addresses ORDER BY channel",
        );
        assert_eq!(
            windows,
            [
                ("telegram".into(), "812345678".into(), 3000),
                ("whatsapp".into(), "6281234567890".into(), 5000),
            ],
            "the newest event each address wrote, statuses aside"
        );
        // The reply still points at its event, and the key still refuses a dangling id.
        let reply_of: i64 = conn
            .query_row(
                "SELECT i.id FROM outbound o JOIN inbox i ON i.id = o.inbox_id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(reply_of, 7);
        assert!(conn
            .execute(
                "INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, \
                 inbox_id) VALUES ('whatsapp', '62', 'reply', 'x', 'queued', 1, 999)",
                [],
            )
            .is_err());
        // A redelivery (same channel, time and id) is stored (since 0009), but can never be
        // marked processed beside the first delivery.
        conn.execute(
            "INSERT INTO inbox (id, channel, provider_id, conversation, kind, payload, \
             occurred_at, received_at) VALUES (11, 'whatsapp', 'wamid.A', '62', 'message', \
             '{}', 1000, 7000)",
            [],
        )
        .unwrap();
        assert!(conn
            .execute("UPDATE inbox SET processed_at = 7001 WHERE id = 11", [])
            .is_err());
    }

    #[test]
    fn the_broadcasts_rebuild_keeps_broadcasts_their_recipients_and_messages() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&mut conn, 12);
        conn.execute_batch(
            "INSERT INTO broadcasts (id, kind, office_id, audience, title, text, \
               template_params, state, total, created_by, created_at, updated_at, lease_node, \
               lease_until) VALUES \
               (3, '\"notice\"', NULL, '\"everyone\"', 'Libur', 'Kantor tutup', '[]', \
                'sending', 1, 'kepala', 100, 200, 'node-a', 9000), \
               (4, '\"notice\"', NULL, '\"everyone\"', 'Buka', 'Kantor buka', '[]', \
                'done', 0, 'kepala', 300, 300, NULL, NULL);
             INSERT INTO outbound (id, channel, recipient, purpose, body, status, created_at, \
               broadcast_id) VALUES (5, 'whatsapp', '6281234567890', 'broadcast', 'Kantor tutup', \
               'queued', 150, 3);
             INSERT INTO broadcast_recipients (broadcast_id, seq, channel, address, state, \
               outbound_id) VALUES (3, 1, 'whatsapp', '6281234567890', 1, 5);",
        )
        .unwrap();

        run(&mut conn).unwrap();

        let broadcasts: Vec<(i64, String, i64)> = triples(
            &conn,
            "SELECT id, state, updated_at FROM broadcasts ORDER BY id",
        );
        assert_eq!(
            broadcasts,
            [(3, "sending".into(), 200), (4, "done".into(), 300)]
        );
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('broadcasts')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            !columns.iter().any(|c| c.starts_with("lease")),
            "{columns:?}"
        );
        // The recipient and its message still point at the broadcast, and the keys still
        // refuse a dangling id.
        let linked: Vec<(i64, i64, String)> = triples(
            &conn,
            "SELECT r.seq, o.id, b.title FROM broadcast_recipients r \
             JOIN outbound o ON o.id = r.outbound_id JOIN broadcasts b ON b.id = o.broadcast_id",
        );
        assert_eq!(linked, [(1, 5, "Libur".into())]);
        assert!(conn
            .execute("UPDATE outbound SET broadcast_id = 99 WHERE id = 5", [])
            .is_err());
        let indexes: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'broadcasts' \
                 AND name IN ('broadcasts_created', 'broadcasts_office', 'broadcasts_sending')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 3);
    }

    #[test]
    fn the_turn_chains_start_from_the_turns_and_windows_already_stored() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&mut conn, 13);
        // Two WhatsApp conversations interleaved, a voice call with no inbound message, and
        // a Telegram address that wrote but has no turn.
        conn.execute_batch(
            "INSERT INTO turns (id, channel, sender, direction, body, text, at) VALUES \
               (1, 'whatsapp', '6281', 'in', '{}', 'halo', 100), \
               (2, 'whatsapp', '6282', 'in', '{}', 'pagi', 110), \
               (3, 'whatsapp', '6281', 'out', '{}', 'Halo, Bapak/Ibu', 120), \
               (4, 'voice', 'CA9', 'out', '{}', 'Tekan 1', 130), \
               (5, 'whatsapp', '6281', 'in', '{}', 'cek status', 140);
             INSERT INTO inbound_windows (channel, address, last_inbound_at) VALUES \
               ('whatsapp', '6281', 140), ('whatsapp', '6282', 110), ('telegram', '77', 90);",
        )
        .unwrap();

        run(&mut conn).unwrap();

        let addresses: Vec<(String, Option<i64>, Option<i64>)> = triples(
            &conn,
            "SELECT channel || ':' || address, last_inbound_at, last_turn_id FROM addresses \
             ORDER BY channel, address",
        );
        assert_eq!(
            addresses,
            [
                ("telegram:77".into(), Some(90), None),
                ("voice:CA9".into(), None, Some(4)),
                ("whatsapp:6281".into(), Some(140), Some(5)),
                ("whatsapp:6282".into(), Some(110), Some(2)),
            ]
        );
        let links: Vec<(i64, String, Option<i64>)> = triples(
            &conn,
            "SELECT id, sender, previous_id FROM turns ORDER BY id",
        );
        assert_eq!(
            links,
            [
                (1, "6281".into(), None),
                (2, "6282".into(), None),
                (3, "6281".into(), Some(1)),
                (4, "CA9".into(), None),
                (5, "6281".into(), Some(3)),
            ]
        );
        let left: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name IN \
                 ('inbound_windows', 'turns_conversation')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn a_migration_that_breaks_a_foreign_key_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&mut conn, 8);
        // What a faulty rebuild would leave behind: a reply whose event is gone.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(
            "INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, \
             inbox_id) VALUES ('whatsapp', '62', 'reply', 'x', 'queued', 1, 999);
             DELETE FROM schema_migrations WHERE version = 8;",
        )
        .unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        // Migration 8 again is harmless SQL apart from the tables it creates; drop them first.
        conn.execute_batch("DROP TABLE inbound_windows").unwrap();
        let e = run(&mut conn).unwrap_err();
        assert!(
            e.to_string()
                .contains("broken foreign key in table outbound"),
            "{e}"
        );
    }
}

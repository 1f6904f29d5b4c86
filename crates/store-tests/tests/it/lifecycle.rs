//! Opening, migrating, importing, reopening, and failing gracefully.

use crate::fixtures::{self, card, date, month, nik, seeded, KENCONG};
use crate::harness::{story, Harness};
use jkn::{BilledMonth, PaymentChannel, Rupiah, Segment, Sex};
use std::sync::Arc;
use std::time::Duration;
use store::{
    Counts, FamilyId, ImportBatch, NewPayment, ParticipantId, Relation, Store, StoreError,
};
use store_sqlite::{SqliteOptions, SqliteStore};

async fn an_import_is_counted(db: &Harness) {
    assert_eq!(db.store.counts().await.unwrap(), Counts::default());
    seeded(db.store.as_ref()).await;
    assert_eq!(
        db.store.counts().await.unwrap(),
        Counts {
            participants: 6,
            families: 3,
            bills: 9,
            payments: 2,
            facilities: 6,
            offices: 2,
        }
    );
}
story!(an_import_is_counted);

/// A family registered after the demo was loaded, in a batch of its own.
fn late_batch() -> ImportBatch {
    let fam = fixtures::family(13, Segment::Bp, KENCONG);
    let head = fixtures::person(
        130,
        &fam,
        Relation::Kepala,
        "Wahyuni",
        Sex::Perempuan,
        date(1950, 8, 17),
        7,
        Some("081390001111"),
    );
    ImportBatch {
        families: vec![fam.clone()],
        participants: vec![head],
        bills: vec![(
            fam.id,
            BilledMonth {
                period: month(2026, 1),
                amount: Rupiah(35_000),
                subsidy: Rupiah(7_000),
                members: 1,
            },
        )],
        ..ImportBatch::default()
    }
}

async fn importing_more_after_the_first_import_still_works(db: &Harness) {
    seeded(db.store.as_ref()).await;
    db.store.import(late_batch()).await.unwrap();
    db.store.finish_import().await.unwrap();
    let counts = db.store.counts().await.unwrap();
    assert_eq!(
        (counts.participants, counts.families, counts.bills),
        (7, 4, 10)
    );
    let wahyuni = nik(KENCONG, date(1950, 8, 17), Sex::Perempuan, 7);
    let found = db.store.participant_by_nik(&wahyuni).await.unwrap();
    assert_eq!(found.map(|p| p.id), Some(ParticipantId(130)));
    // Rows of a batch whose family is unknown are refused.
    let mut orphan = late_batch();
    orphan.families.clear();
    orphan.participants[0].id = ParticipantId(131);
    orphan.participants[0].nik = nik(KENCONG, date(1951, 8, 17), Sex::Perempuan, 8);
    orphan.participants[0].card_number = card(131);
    orphan.participants[0].family_id = FamilyId(999);
    orphan.bills[0].0 = FamilyId(999);
    let result = db.store.import(orphan.clone()).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    // Bills alone for an unknown family too.
    orphan.participants.clear();
    let result = db.store.import(orphan).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(db.store.counts().await.unwrap().bills, 10);
}
story!(importing_more_after_the_first_import_still_works);

async fn migrations_are_idempotent(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    // Two more opens of the same database, as after two restarts (or two nodes).
    let second = db.reopen().await;
    let third = db.reopen().await;
    second.ping().await.unwrap();
    third.ping().await.unwrap();
    assert_eq!(
        db.raw("SELECT COUNT(*) FROM schema_migrations").await,
        Some(migration_files(db)),
        "each migration recorded once"
    );
    assert_eq!(
        third.participant_by_nik(&world.budi.nik).await.unwrap(),
        Some(world.budi)
    );
}
story!(migrations_are_idempotent);

async fn several_nodes_starting_at_once_migrate_once(db: &Harness) {
    let opens: Vec<_> = (0..4).map(|_| db.reopen()).collect();
    for store in futures_join(opens).await {
        store.ping().await.unwrap();
    }
    assert_eq!(
        db.raw("SELECT COUNT(*) FROM schema_migrations").await,
        Some(migration_files(db)),
        "each migration recorded once"
    );
}
story!(several_nodes_starting_at_once_migrate_once);

/// How many migrations a fresh database records: one per file (both backends have the same
/// numbered files).
/// How many migrations the backend under test ships (the backends number theirs apart: a
/// change one backend needs is not forced on the other).
fn migration_files(db: &Harness) -> String {
    let backend = if db.sqlite_path().is_some() {
        "store-sqlite"
    } else {
        "store-postgres"
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(backend)
        .join("migrations");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter(|f| {
            f.as_ref()
                .is_ok_and(|f| f.path().extension().is_some_and(|x| x == "sql"))
        })
        .count()
        .to_string()
}

async fn futures_join<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn a_database_from_a_newer_layan_is_not_touched(db: &Harness) {
    // CURRENT_TIMESTAMP fits both backends' applied_at column.
    db.raw(
        "INSERT INTO schema_migrations (version, name, applied_at) \
         VALUES (999, 'from the future', CURRENT_TIMESTAMP)",
    )
    .await;
    let result = match (db.sqlite_path(), db.postgres_url()) {
        (Some(path), _) => SqliteStore::open(&path).map(|_| ()),
        (None, Some(url)) => store_postgres::PgStore::connect(url).await.map(|_| ()),
        (None, None) => unreachable!("a harness is one or the other"),
    };
    assert!(
        matches!(result, Err(StoreError::Migration(_))),
        "{result:?}"
    );
}
story!(a_database_from_a_newer_layan_is_not_touched);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_reopening_the_sqlite_file() {
    let db = Harness::sqlite().await;
    let path = db.sqlite_path().unwrap_or_default();
    let world = fixtures::world();
    {
        let store = SqliteStore::open(&path).unwrap();
        store.import(world.batch.clone()).await.unwrap();
        store.finish_import().await.unwrap();
        store
            .record_payment(
                world.budi_family.id,
                NewPayment {
                    paid_on: date(2026, 3, 11),
                    channel: PaymentChannel::Autodebit,
                    amount: Rupiah(400_000),
                    for_period: None,
                },
            )
            .await
            .unwrap();
        store.meta_set("demo.seed", "42").await.unwrap();
    }
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(
        reopened
            .ledger(world.budi_family.id)
            .await
            .unwrap()
            .payments
            .len(),
        3
    );
    assert_eq!(
        reopened.meta_get("demo.seed").await.unwrap().as_deref(),
        Some("42")
    );
    assert_eq!(
        reopened
            .participant_by_card(&world.pekerja.card_number)
            .await
            .unwrap(),
        Some(world.pekerja)
    );
    assert_eq!(db.raw("PRAGMA journal_mode").await.as_deref(), Some("wal"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_sqlite_store_keeps_its_data_while_open() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let world = seeded(store.as_ref()).await;
    assert_eq!(
        store.participant_by_nik(&world.siti.nik).await.unwrap(),
        Some(world.siti)
    );
    assert_eq!(store.counts().await.unwrap().bills, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_file_is_unavailable_not_a_panic() {
    let db = Harness::sqlite().await;
    let path = db.sqlite_path().unwrap_or_default();
    let store = SqliteStore::open_with(
        &path,
        SqliteOptions {
            busy_timeout: Duration::from_millis(50),
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    // Another process holds the write lock.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let result = store.meta_set("k", "v").await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    other.execute_batch("ROLLBACK").unwrap();
    store.meta_set("k", "v").await.unwrap();
    assert_eq!(store.meta_get("k").await.unwrap().as_deref(), Some("v"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_is_unavailable() {
    // Nothing listens on port 1.
    let result = store_postgres::PgStore::connect("postgres://postgres@127.0.0.1:1/postgres").await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{:?}",
        result.err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_postgres_connection_is_replaced() {
    let Some(db) = Harness::postgres().await else {
        return;
    };
    let world = seeded(db.store.as_ref()).await;
    db.raw(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await;
    // The pool's connections died under it: the next calls either fail as Unavailable (the
    // caller may retry) or already run on a fresh connection; none panics, and it recovers.
    let mut recovered = false;
    for _ in 0..20 {
        match db.store.participant_by_nik(&world.budi.nik).await {
            Ok(found) => {
                assert_eq!(found, Some(world.budi.clone()));
                recovered = true;
                break;
            }
            Err(StoreError::Unavailable(_)) => continue,
            Err(other) => panic!("expected Unavailable, got {other:?}"),
        }
    }
    assert!(recovered, "the store never got a fresh connection");
}

/// The plan PostgreSQL caches for `sql` once a pooled connection has run it a few times (a
/// generic plan, made without the parameters' values), as `EXPLAIN` lines.
async fn cached_plan(url: &str, sql: &str, args: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL connection: {e}"));
    tokio::spawn(connection);
    let explained = client
        .simple_query(&format!(
            "SET plan_cache_mode = force_generic_plan; PREPARE q AS {sql}; \
             EXPLAIN EXECUTE q({args})"
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    explained
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// After an import, the tables the import did not fill (the inbox, the outbox, conversations)
/// are still empty. Their single-row lookups must keep their indexes in the plans the pool's
/// connections cache: a plan made for an empty table reads the whole table for every message,
/// and stays cached as the table grows until the table is analysed again (never, where
/// autovacuum is off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_import_the_empty_runtime_tables_keep_index_lookups() {
    let Some(db) = Harness::postgres().await else {
        return;
    };
    seeded(db.store.as_ref()).await;
    let url = db.postgres_url().unwrap_or_default();
    let lookups = [
        // The foreign-key check of each reply that answers an inbox event, in PostgreSQL's
        // own words.
        (
            r#"SELECT 1 FROM ONLY "public"."inbox" x WHERE "id" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x"#,
            "1",
        ),
        // Whether the same delivery was already processed under another id.
        (
            "SELECT 1 FROM inbox WHERE channel = $1 AND occurred_at = $2 AND provider_id = $3 \
             AND processed_at IS NOT NULL",
            "'whatsapp', '2026-11-23 03:00:00+00', 'wamid.x'",
        ),
        ("SELECT 1 FROM outbound WHERE id = $1", "1"),
        (
            "SELECT state FROM conversations WHERE channel = $1 AND sender = $2",
            "'whatsapp', '6281200000000'",
        ),
    ];
    for (sql, args) in lookups {
        let plan = cached_plan(url, sql, args).await;
        assert!(
            !plan.contains("Seq Scan"),
            "{sql}\nreads the whole table:\n{plan}"
        );
    }
}

//! A fresh, empty database per story, on either backend, removed afterwards.
//!
//! PostgreSQL: the server at `LAYAN_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) gets a new database `layan_test_<unique>`
//! for each story, dropped at the end (best effort). If the server cannot be reached the
//! PostgreSQL stories fail: they are part of CI. `LAYAN_TEST_POSTGRES=skip` skips them
//! explicitly (for a laptop without PostgreSQL).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use store::Store;
use store_postgres::PgStore;
use store_sqlite::SqliteStore;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs one story against SQLite and against PostgreSQL: `story!(name)` next to
/// `async fn name(db: &Harness)` gives the tests `name::sqlite` and `name::postgres`.
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::harness::Harness::sqlite().await;
                super::$name(&db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::harness::Harness::postgres().await {
                    super::$name(&db).await;
                }
            }
        }
    };
}
pub(crate) use story;

enum Place {
    Sqlite {
        dir: PathBuf,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

pub struct Harness {
    pub store: Arc<dyn Store>,
    place: Place,
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The same server and options, another database.
fn with_database(url: &str, name: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (before_query, query) = match rest.split_once('?') {
                Some((a, q)) => (a, format!("?{q}")),
                None => (rest, String::new()),
            };
            let authority = before_query.split('/').next().unwrap_or(before_query);
            format!("{scheme}://{authority}/{name}{query}")
        }
        // key=value form: a later dbname wins.
        None => format!("{url} dbname={name}"),
    }
}

impl Harness {
    pub async fn sqlite() -> Harness {
        let dir = std::env::temp_dir().join(format!("layan-store-test-{}", unique_suffix()));
        let store = SqliteStore::open(&dir.join("layan.db"))
            .unwrap_or_else(|e| panic!("opening a fresh SQLite database: {e}"));
        Harness {
            store: Arc::new(store),
            place: Place::Sqlite { dir },
        }
    }

    /// `None` only when `LAYAN_TEST_POSTGRES=skip`.
    pub async fn postgres() -> Option<Harness> {
        if std::env::var("LAYAN_TEST_POSTGRES").as_deref() == Ok("skip") {
            eprintln!("LAYAN_TEST_POSTGRES=skip: PostgreSQL story skipped");
            return None;
        }
        let admin_url =
            std::env::var("LAYAN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
        let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| {
                let cause = std::error::Error::source(&e)
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default();
                panic!(
                    "PostgreSQL is required by the store conformance suite and could not be \
                     reached ({e}{cause}). Start it, point LAYAN_TEST_POSTGRES_URL (default \
                     {DEFAULT_URL}) at a server whose user may CREATE DATABASE, or set \
                     LAYAN_TEST_POSTGRES=skip to run the SQLite stories only."
                )
            });
        let task = tokio::spawn(connection);
        let name = format!("layan_test_{}", unique_suffix());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        drop(client);
        let _ = task.await;
        let url = with_database(&admin_url, &name);
        let store = PgStore::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the fresh database {name}: {e}"));
        Some(Harness {
            store: Arc::new(store),
            place: Place::Postgres {
                admin_url,
                name,
                url,
            },
        })
    }

    /// A second, independent store on the same database, as after a restart or on another
    /// node; migrations run again on the way.
    pub fn reopen(&self) -> impl std::future::Future<Output = Arc<dyn Store>> + Send + 'static {
        let (sqlite, url) = match &self.place {
            Place::Sqlite { dir } => (Some(dir.join("layan.db")), None),
            Place::Postgres { url, .. } => (None, Some(url.clone())),
        };
        async move {
            let store: Arc<dyn Store> = match (sqlite, url) {
                (Some(path), _) => Arc::new(
                    SqliteStore::open(&path).unwrap_or_else(|e| panic!("reopening SQLite: {e}")),
                ),
                (None, url) => Arc::new(
                    PgStore::connect(&url.unwrap_or_default())
                        .await
                        .unwrap_or_else(|e| panic!("reconnecting to PostgreSQL: {e}")),
                ),
            };
            store
        }
    }

    /// Where the SQLite file lives (SQLite stories only).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.place {
            Place::Sqlite { dir } => Some(dir.join("layan.db")),
            Place::Postgres { .. } => None,
        }
    }

    /// The URL of this story's PostgreSQL database (PostgreSQL stories only).
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.place {
            Place::Postgres { url, .. } => Some(url),
            Place::Sqlite { .. } => None,
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        match &self.place {
            Place::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::Postgres {
                admin_url, name, ..
            } => {
                // Drop runs inside the test's runtime (perhaps while unwinding), so the cleanup
                // gets a thread and a runtime of its own. FORCE ends the pool's connections.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let cleanup = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok((client, connection)) =
                            tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
                        {
                            tokio::spawn(connection);
                            let _ = client
                                .batch_execute(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                });
                let _ = cleanup.join();
            }
        }
    }
}

#[test]
fn another_database_on_the_same_server() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        with_database("host=/run/postgresql user=postgres", "x"),
        "host=/run/postgresql user=postgres dbname=x"
    );
}

impl Harness {
    /// Runs SQL on the database behind the store's back (to inspect the schema or to tamper
    /// with it), returning the first column of the first row as text, if any.
    pub async fn raw(&self, sql: &str) -> Option<String> {
        match &self.place {
            Place::Sqlite { dir } => {
                let conn = rusqlite::Connection::open(dir.join("layan.db"))
                    .unwrap_or_else(|e| panic!("raw SQLite connection: {e}"));
                let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let mut rows = stmt.query([]).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let row = rows.next().unwrap_or_else(|e| panic!("{sql}: {e}"))?;
                let value: rusqlite::types::Value =
                    row.get(0).unwrap_or_else(|e| panic!("{sql}: {e}"));
                Some(match value {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
            }
            Place::Postgres { url, .. } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap_or_else(|e| panic!("raw PostgreSQL connection: {e}"));
                tokio::spawn(connection);
                let messages = client
                    .simple_query(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                messages.into_iter().find_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                    _ => None,
                })
            }
        }
    }
}

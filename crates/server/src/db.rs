//! Chooses the storage backend from the configuration.

use crate::config::Config;
use std::sync::Arc;
use std::time::Duration;
use store::{SharedStore, StoreError};

/// PostgreSQL when `database_url` is a postgres URL, otherwise SQLite in the data directory.
/// Migrations are applied by the backend as it opens.
pub async fn open(config: &Config) -> Result<SharedStore, StoreError> {
    match config.postgres_url() {
        Some(url) => {
            let options = store_postgres::PgOptions {
                max_connections: config.database_max_connections,
                ..Default::default()
            };
            Ok(Arc::new(
                store_postgres::PgStore::connect_with(url, options).await?,
            ))
        }
        None => {
            let options = store_sqlite::SqliteOptions {
                checkpoint_interval: Duration::from_millis(config.sqlite_checkpoint_ms),
                ..Default::default()
            };
            let store = store_sqlite::SqliteStore::open_with(&config.sqlite_path(), options)?;
            Ok(Arc::new(store))
        }
    }
}

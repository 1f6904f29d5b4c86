//! A minimal connection pool: at most `max` connections, opened on demand, each with its own
//! cache of prepared statements; closed connections are dropped and replaced on next use.

use crate::error::{map, PgResultExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use store::StoreError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, Config, NoTls, Statement};

pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

pub(crate) struct Connection {
    pub(crate) client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Connection {
    /// A prepared statement for `sql`, prepared once per connection: a lookup then costs one
    /// round trip instead of two.
    pub(crate) async fn prepare(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql).await.db()?;
        self.statements.insert(sql, st.clone());
        Ok(st)
    }
}

/// A connection lent by the pool; goes back when dropped, unless it has closed.
pub(crate) struct Lease {
    conn: Option<Connection>,
    inner: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Lease {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present from construction until drop.
        match &self.conn {
            Some(c) => c,
            None => unreachable!("lease used after drop"),
        }
    }
}

impl std::ops::DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("lease used after drop"),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A transaction dropped unfinished has already queued its ROLLBACK on this
            // client, ahead of anything the next borrower sends.
            if !conn.client.is_closed() {
                lock(&self.inner.idle).push(conn);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    pub(crate) fn new(config: Config, max: usize, acquire_timeout: Duration) -> Self {
        Pool {
            inner: Arc::new(Inner {
                config,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(max.max(1))),
                acquire_timeout,
            }),
        }
    }

    pub(crate) async fn get(&self) -> Result<Lease, StoreError> {
        let permit = tokio::time::timeout(
            self.inner.acquire_timeout,
            self.inner.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            StoreError::Unavailable("every database connection stayed busy; try again".into())
        })?
        .map_err(|e| StoreError::Unavailable(format!("connection pool closed: {e}")))?;
        let idle = loop {
            let popped = lock(&self.inner.idle).pop();
            match popped {
                Some(conn) if conn.client.is_closed() => continue,
                other => break other,
            }
        };
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        Ok(Lease {
            conn: Some(conn),
            inner: self.inner.clone(),
            _permit: permit,
        })
    }

    async fn connect(&self) -> Result<Connection, StoreError> {
        let (client, connection) = self.inner.config.connect(NoTls).await.map_err(|e| {
            // Whatever the reason (refused, authentication, unknown database), the store
            // cannot be used now; the message says which.
            match map(e) {
                StoreError::Unavailable(m) | StoreError::Other(m) => StoreError::Unavailable(m),
                other => other,
            }
        })?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "PostgreSQL connection ended");
            }
        });
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }
}

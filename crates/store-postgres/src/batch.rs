//! Group commit for the messaging pipeline (`Store::write_batch`): the batch's operations in
//! one transaction, so a batch costs one durable flush instead of one per operation.
//!
//! Operations almost never fail, so they first run without savepoints, all at once: each
//! operation sends its next statement without waiting for the other operations' answers, and
//! tokio-postgres pipelines statements made at once on one connection. Processed events are
//! only marked in that pass; then the turns, conversations and replies of all the marked ones
//! go in one statement each. A batch then costs a few round trips and a few statements per
//! event, instead of a round trip per statement and several statements per event. The
//! operations of a batch were submitted concurrently, so none waits on another's result, and
//! the stores they make commute (a send's outcome and a status of the same message settle in
//! either order).
//!
//! If one fails, PostgreSQL has aborted the transaction anyway: it is rolled back and the batch
//! runs again, one operation after another, with a savepoint per operation, so the failing one
//! is reported in its slot and the others commit together.

use crate::error::PgResultExt;
use crate::messaging::{self, CompleteStatements, ProcessedStatements};
use crate::pool::Connection;
use crate::PgStore;
use futures_util::future::join_all;
use store::{ProcessedEvent, Result, WriteOp, WriteResult};
use tokio_postgres::{GenericClient, Statement};

struct Statements {
    inbox: Statement,
    claim: Statement,
    complete: CompleteStatements,
    processed: ProcessedStatements,
}

impl Statements {
    async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(Statements {
            inbox: conn.prepare(messaging::INBOX_APPEND).await?,
            claim: conn.prepare(messaging::CLAIM).await?,
            complete: CompleteStatements::prepare(conn).await?,
            processed: ProcessedStatements::prepare(conn).await?,
        })
    }
}

pub(crate) async fn write_batch(db: &PgStore, ops: Vec<WriteOp>) -> Result<Vec<WriteResult>> {
    let mut conn = db.committer.get().await?;
    let st = Statements::prepare(&mut conn).await?;
    {
        let tx = conn.client.transaction().await.db()?;
        let pipelined = join_all(ops.iter().map(|op| start(&tx, &st, op))).await;
        if let Ok(results) = pipelined.into_iter().collect::<Result<Vec<_>>>() {
            let marked: Vec<&ProcessedEvent> = ops
                .iter()
                .zip(&results)
                .filter_map(|(op, result)| match (op, result) {
                    (WriteOp::Processed(p), WriteResult::Processed(true)) => Some(p),
                    _ => None,
                })
                .collect();
            if messaging::store_processed(&tx, &st.processed, &marked)
                .await
                .is_ok()
            {
                tx.commit().await.db()?;
                return Ok(results);
            }
        }
        tx.rollback().await.db()?;
    }
    let mut tx = conn.client.transaction().await.db()?;
    let mut results = Vec::with_capacity(ops.len());
    for op in &ops {
        let sp = tx.savepoint("op").await.db()?;
        match apply(&sp, &st, op).await {
            Ok(r) => {
                sp.commit().await.db()?;
                results.push(r);
            }
            Err(e) => {
                sp.rollback().await.db()?;
                results.push(WriteResult::Failed(e.to_string()));
            }
        }
    }
    tx.commit().await.db()?;
    Ok(results)
}

/// The first pass: an operation as [`apply`] runs it, but a processed event is only marked;
/// what the marked events produced is then stored for the whole batch at once.
async fn start(
    tx: &(impl GenericClient + Sync),
    st: &Statements,
    op: &WriteOp,
) -> Result<WriteResult> {
    match op {
        WriteOp::Processed(p) => Ok(WriteResult::Processed(
            messaging::mark_processed(tx, &st.processed, p).await?,
        )),
        other => apply(tx, st, other).await,
    }
}

async fn apply(
    tx: &(impl GenericClient + Sync),
    st: &Statements,
    op: &WriteOp,
) -> Result<WriteResult> {
    Ok(match op {
        WriteOp::AppendInbox(events) => {
            WriteResult::Appended(messaging::inbox_append_with(tx, &st.inbox, events).await?)
        }
        WriteOp::Processed(p) => {
            WriteResult::Processed(messaging::processed_with(tx, &st.processed, p).await?)
        }
        WriteOp::Complete { id, outcome, at } => {
            messaging::complete_with(tx, &st.complete, *id, outcome, *at).await?;
            WriteResult::Completed
        }
        WriteOp::Claim { channel, claim } => {
            WriteResult::Claimed(messaging::claim_with(tx, &st.claim, channel, *claim).await?)
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::casework::tests::Fresh;
    use crate::{PgOptions, PgStore};
    use chrono::{TimeZone as _, Utc};
    use std::time::Duration;
    use store::{NewInboxEvent, Store, WriteOp, WriteResult};

    /// Readers holding every shared connection must not hold up the group commit: every
    /// webhook's acknowledgement and every reply waits on it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_group_commit_goes_on_while_every_shared_connection_is_busy() {
        let fresh = Fresh::new().await;
        let store = PgStore::connect_with(
            &fresh.url,
            PgOptions {
                max_connections: 2,
                acquire_timeout: Duration::from_millis(500),
                ..PgOptions::default()
            },
        )
        .await
        .unwrap();
        let busy = store.pool.get().await.unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        let event = NewInboxEvent {
            channel: "whatsapp".into(),
            provider_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA".into(),
            conversation: "6281234567890".into(),
            kind: "message".into(),
            payload: serde_json::json!({"kind": "text", "text": "halo"}),
            occurred_at: at,
            received_at: at,
        };
        let results = store
            .write_batch(vec![WriteOp::AppendInbox(vec![event])])
            .await
            .unwrap();
        assert!(
            matches!(results.as_slice(), [WriteResult::Appended(ids)] if ids.len() == 1),
            "{results:?}"
        );
        drop(busy);
    }
}

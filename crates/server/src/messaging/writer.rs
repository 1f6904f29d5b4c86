//! Group commit for the whole messaging pipeline. Webhooks (inbox appends), conversation
//! workers (processed events with their replies) and senders (claims and send outcomes) hand
//! their writes to one writer and wait; it takes everything queued at that moment and stores
//! it in one transaction (`Store::write_batch`). While a commit is on disk the next batch
//! gathers, so the number of durable flushes follows the disk's speed, not the message rate,
//! and every acknowledgement still follows a durable commit.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use store::{
    Claim, NewInboxEvent, Outbound, OutboundId, ProcessedEvent, SendOutcome, SharedStore,
    StoreError, WriteOp, WriteResult,
};
use tokio::sync::{mpsc, oneshot, Notify};

/// Below this many rows' worth of writes a batch waits up to [`LINGER`] for more.
const SMALL_BATCH: usize = 32;
const LINGER: std::time::Duration = std::time::Duration::from_micros(700);

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<WriteResult>,
}

/// The submitting side; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the committer: at most `max_batch` rows' worth of operations per transaction,
    /// one transaction at a time. `inbox_committed` is notified after a commit that stored
    /// new inbox events.
    pub fn start(store: SharedStore, max_batch: usize, inbox_committed: Arc<Notify>) -> Writer {
        let (jobs, rx) = mpsc::channel::<Job>(max_batch.max(1) * 4);
        tokio::spawn(commit_loop(store, rx, max_batch.max(1), inbox_committed));
        Writer { jobs }
    }

    async fn run(&self, op: WriteOp) -> Result<WriteResult, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { op, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the writer is shutting down".into()))?;
        match answer.await {
            Ok(WriteResult::Failed(e)) => Err(StoreError::Unavailable(e)),
            Ok(result) => Ok(result),
            Err(_) => Err(StoreError::Unavailable("the writer stopped".into())),
        }
    }

    /// Stores webhook events durably (redeliveries too: they are recognised when processed).
    pub async fn append_inbox(&self, events: Vec<NewInboxEvent>) -> Result<(), StoreError> {
        match self.run(WriteOp::AppendInbox(events)).await? {
            WriteResult::Appended(_) => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// See `Store::commit_processed`.
    pub async fn processed(&self, processed: ProcessedEvent) -> Result<bool, StoreError> {
        match self.run(WriteOp::Processed(processed)).await? {
            WriteResult::Processed(done) => Ok(done),
            other => Err(unexpected(other)),
        }
    }

    pub async fn complete(
        &self,
        id: OutboundId,
        outcome: SendOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self.run(WriteOp::Complete { id, outcome, at }).await? {
            WriteResult::Completed => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    pub async fn claim(&self, channel: &str, claim: Claim) -> Result<Vec<Outbound>, StoreError> {
        let op = WriteOp::Claim {
            channel: channel.to_owned(),
            claim,
        };
        match self.run(op).await? {
            WriteResult::Claimed(rows) => Ok(rows),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(result: WriteResult) -> StoreError {
    StoreError::Other(format!("unexpected write result {result:?}"))
}

fn weight(op: &WriteOp) -> usize {
    match op {
        WriteOp::AppendInbox(events) => events.len().max(1),
        WriteOp::Processed(p) => 1 + p.outbound.len(),
        WriteOp::Complete { .. } => 1,
        // Its limit is only a bound: a claim takes the head of the queue, often a few rows.
        // Weighed at its limit, every claim ended the batch at once, without the linger, and
        // since the sender's permits come back at the provider's answer, claims carry nearly
        // the whole limit: more and smaller commits at a moderate rate.
        WriteOp::Claim { .. } => 1,
    }
}

async fn commit_loop(
    store: SharedStore,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    inbox_committed: Arc<Notify>,
) {
    while let Some(first) = rx.recv().await {
        let mut size = weight(&first.op);
        let mut jobs = vec![first];
        // Take what is queued; when that is little, linger a moment for more, so a busy
        // pipeline commits a few large transactions instead of many small ones (each commit is
        // a durable flush). Costs at most LINGER of latency per write when idle.
        let linger_until = tokio::time::Instant::now() + LINGER;
        while size < max_batch {
            let job = match rx.try_recv() {
                Ok(job) => job,
                Err(_) if size >= SMALL_BATCH => break,
                Err(_) => match tokio::time::timeout_at(linger_until, rx.recv()).await {
                    Ok(Some(job)) => job,
                    _ => break,
                },
            };
            size += weight(&job.op);
            jobs.push(job);
        }
        let (ops, replies): (Vec<WriteOp>, Vec<_>) =
            jobs.into_iter().map(|j| (j.op, j.reply)).unzip();
        match store.write_batch(ops).await {
            Ok(results) => {
                let new_inbox = results
                    .iter()
                    .any(|r| matches!(r, WriteResult::Appended(ids) if !ids.is_empty()));
                if new_inbox {
                    inbox_committed.notify_one();
                }
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "pipeline commit failed; its writes will be retried");
                for reply in replies {
                    let _ = reply.send(WriteResult::Failed(e.to_string()));
                }
            }
        }
    }
}

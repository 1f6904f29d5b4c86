//! Group commit for the inbox. Webhook handlers hand their events to [`Ingest::submit`] and
//! wait; a committer takes everything queued at that moment and stores it in one transaction.
//! While a commit is on disk, new webhooks queue up for the next one, so the number of
//! transactions grows with the disk's speed, not with the number of webhooks, and every
//! acknowledgement still follows a durable commit.

use std::sync::Arc;
use store::{InboxId, NewInboxEvent, SharedStore, StoreError};
use tokio::sync::{mpsc, oneshot, Notify};

type Reply = oneshot::Sender<Result<Vec<Option<InboxId>>, StoreError>>;

struct Job {
    events: Vec<NewInboxEvent>,
    reply: Reply,
}

/// The submitting side; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    jobs: mpsc::Sender<Job>,
}

impl Ingest {
    /// Starts the committer: at most `max_batch` events per transaction, one transaction at
    /// a time. `committed` is notified after each commit that stored something new.
    pub fn start(store: SharedStore, max_batch: usize, committed: Arc<Notify>) -> Ingest {
        let (jobs, rx) = mpsc::channel::<Job>(max_batch.max(1) * 4);
        tokio::spawn(commit_loop(store, rx, max_batch.max(1), committed));
        Ingest { jobs }
    }

    /// Stores the events durably; returns each one's new inbox id, or `None` for a
    /// redelivery of an event already stored.
    pub async fn submit(
        &self,
        events: Vec<NewInboxEvent>,
    ) -> Result<Vec<Option<InboxId>>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { events, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the inbox is shutting down".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the inbox committer stopped".into()))?
    }
}

async fn commit_loop(
    store: SharedStore,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    committed: Arc<Notify>,
) {
    loop {
        let jobs = {
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut size = first.events.len();
            let mut jobs = vec![first];
            while size < max_batch {
                match rx.try_recv() {
                    Ok(job) => {
                        size += job.events.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            jobs
        };
        let mut all = Vec::with_capacity(jobs.iter().map(|j| j.events.len()).sum());
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs {
            replies.push((job.reply, job.events.len()));
            all.extend(job.events);
        }
        match store.inbox_append(all).await {
            Ok(ids) => {
                if ids.iter().any(Option::is_some) {
                    committed.notify_one();
                }
                let mut ids = ids.into_iter();
                for (reply, n) in replies {
                    let _ = reply.send(Ok(ids.by_ref().take(n).collect()));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "inbox commit failed; the providers will redeliver");
                for (reply, _) in replies {
                    let _ = reply.send(Err(StoreError::Unavailable(e.to_string())));
                }
            }
        }
    }
}

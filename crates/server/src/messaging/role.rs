//! The processing role: one node at a time reads the inbox, answers it and sends.
//!
//! Two nodes answering the same event would both run its side effects (a case filed, a
//! rate-limit hit) before the commit that keeps only one of the answers. So processing is a
//! role held under a lease in the database (`Store::hold_lease`): the holder renews it every
//! third of its length, a node that could not renew stops handing out events well before its
//! lease can run out, and another node takes the role once it has. Nodes that only ingest
//! never ask for it. A node stopping cleanly gives the role up at once. The senders keep to
//! the role too, so a channel's rate (the business number's, at the provider) is not
//! multiplied by the number of nodes.

use crate::state::AppState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// The lease's name in the store.
pub const LEASE: &str = "process-inbox";

/// Whether this node holds the role, as the dispatcher asks before each read of the inbox.
#[derive(Clone)]
pub struct Role {
    node: Arc<str>,
    /// Until when this node may act on its last successful renewal.
    held_until: Arc<Mutex<Option<Instant>>>,
    /// Notified (every task waiting at that moment) when this node takes the role.
    taken: Arc<Notify>,
    /// Set by [`Role::release`]: the node never takes the role again.
    stopped: Arc<AtomicBool>,
}

impl Role {
    pub fn held(&self) -> bool {
        !self.stopped.load(Ordering::SeqCst) && self.until().is_some_and(|u| Instant::now() < u)
    }

    /// Waits until this node takes the role, or half a second at most (the caller then
    /// looks again, so a take-over it was too busy to be woken for is not missed).
    pub async fn wait_briefly(&self) {
        let _ = tokio::time::timeout(Duration::from_millis(500), self.taken.notified()).await;
    }

    fn until(&self) -> Option<Instant> {
        *self.held_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_until(&self, until: Option<Instant>) {
        *self.held_until.lock().unwrap_or_else(|p| p.into_inner()) = until;
    }

    /// Stops acting on the role and frees it for another node (a clean shutdown).
    pub async fn release(&self, state: &AppState) {
        self.stopped.store(true, Ordering::SeqCst);
        self.set_until(None);
        if let Err(e) = state.store.release_lease(LEASE, &self.node).await {
            tracing::warn!(error = %e, "cannot give up the processing role; another node takes it when the lease runs out");
        }
    }
}

/// How long this node may act on a renewal that started at `asked`: two thirds of the lease,
/// so one missed renewal (every third) still leaves a third of the lease before another node
/// can take over, as margin for a slow database and clocks that differ a little.
fn acts_until(asked: Instant, lease: Duration) -> Instant {
    asked + lease * 2 / 3
}

/// Starts renewing the role for `node` every third of `messaging.lease_secs`.
pub fn spawn(state: AppState, node: String) -> Role {
    let role = Role {
        node: node.into(),
        held_until: Arc::default(),
        taken: Arc::default(),
        stopped: Arc::default(),
    };
    let lease = Duration::from_secs(state.config.messaging.lease_secs.max(1).unsigned_abs());
    let renewer = role.clone();
    tokio::spawn(async move {
        let mut ticks = crate::ticks::every(lease / 3, Duration::ZERO);
        let mut warning = crate::ticks::AtMostEvery::new(Duration::from_secs(30));
        let mut said_waiting = false;
        loop {
            ticks.tick().await;
            if renewer.stopped.load(Ordering::SeqCst) {
                return;
            }
            let asked = Instant::now();
            let now = state.now();
            let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
            match state
                .store
                .hold_lease(LEASE, &renewer.node, now, until)
                .await
            {
                // Released while this renewal was under way: give it up again.
                Ok(true) if renewer.stopped.load(Ordering::SeqCst) => {
                    let _ = state.store.release_lease(LEASE, &renewer.node).await;
                    return;
                }
                Ok(true) => {
                    said_waiting = false;
                    let had = renewer.held();
                    renewer.set_until(Some(acts_until(asked, lease)));
                    if !had {
                        tracing::info!(node = %renewer.node, "this node now answers the inbox");
                        renewer.taken.notify_waiters();
                    }
                }
                Ok(false) => {
                    if renewer.until().is_some() {
                        tracing::warn!(node = %renewer.node, "another node answers the inbox now");
                    } else if !said_waiting {
                        tracing::info!(node = %renewer.node, "another node answers the inbox; this one takes over if it stops");
                    }
                    said_waiting = true;
                    renewer.set_until(None);
                }
                // Acting stops by itself when the last renewal grows old.
                Err(e) => {
                    if warning.due() {
                        tracing::warn!(error = %e, "cannot renew the processing role; retrying");
                    }
                }
            }
        }
    });
    role
}

//! One read shared by everyone who asks for the same thing at about the same time.
//!
//! A branch's live queue is watched by every supervisor of the branch and by the admins, each
//! browser asking again every few seconds. Without sharing, the database work grows with the
//! number of open dashboards; with it, with the number of distinct things shown (branches).
//! A value younger than `fresh_for` is handed out as it is; otherwise the first caller loads
//! it while the others asking for the same key wait for that load instead of starting their own.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

type Slot<V> = Arc<tokio::sync::Mutex<Option<(Instant, Arc<V>)>>>;

/// Keys come from a small, bounded set (one per branch): entries are never removed.
pub struct SharedReads<K, V> {
    fresh_for: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V> SharedReads<K, V> {
    pub fn new(fresh_for: Duration) -> Self {
        SharedReads {
            fresh_for,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The value for `key`: the stored one while fresh, else the result of `load`. A failed
    /// load is returned to its caller only and stores nothing, so the next caller tries again.
    pub async fn get<F, Fut, E>(&self, key: &K, load: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            // A poisoned map only means a caller panicked while cloning a slot out of it.
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(key.clone()).or_default().clone()
        };
        let mut stored = slot.lock().await;
        if let Some((at, value)) = stored.as_ref() {
            if at.elapsed() < self.fresh_for {
                return Ok(value.clone());
            }
        }
        let value = Arc::new(load().await?);
        *stored = Some((Instant::now(), value.clone()));
        Ok(value)
    }
}

impl<K, V> std::fmt::Debug for SharedReads<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedReads")
            .field("fresh_for", &self.fresh_for)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::sync::Notify;

    const LONG: Duration = Duration::from_secs(3600);

    async fn counted(loads: &AtomicU32, value: u32) -> Result<u32, String> {
        loads.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }

    #[tokio::test]
    async fn callers_arriving_during_a_load_wait_for_it_instead_of_loading() {
        let reads = Arc::new(SharedReads::<u8, u32>::new(LONG));
        let loads = Arc::new(AtomicU32::new(0));
        let gate = Arc::new(Notify::new());
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (reads, loads, gate) = (reads.clone(), loads.clone(), gate.clone());
            callers.spawn(async move {
                let value = reads
                    .get(&1, || async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        gate.notified().await;
                        Ok::<_, String>(7)
                    })
                    .await;
                *value.unwrap()
            });
        }
        // Let every caller run until it blocks: one inside the load, the rest on its slot.
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        gate.notify_one();
        while let Some(got) = callers.join_next().await {
            assert_eq!(got.unwrap(), 7);
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_fresh_value_is_reused_and_a_stale_one_loaded_again() {
        let loads = AtomicU32::new(0);
        let lasting = SharedReads::<u8, u32>::new(LONG);
        assert_eq!(*lasting.get(&1, || counted(&loads, 1)).await.unwrap(), 1);
        assert_eq!(*lasting.get(&1, || counted(&loads, 2)).await.unwrap(), 1);
        assert_eq!(loads.load(Ordering::SeqCst), 1);

        let never_fresh = SharedReads::<u8, u32>::new(Duration::ZERO);
        assert_eq!(
            *never_fresh.get(&1, || counted(&loads, 3)).await.unwrap(),
            3
        );
        assert_eq!(
            *never_fresh.get(&1, || counted(&loads, 4)).await.unwrap(),
            4
        );
        assert_eq!(loads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn keys_are_loaded_separately_and_failures_are_not_kept() {
        let reads = SharedReads::<u8, u32>::new(LONG);
        let loads = AtomicU32::new(0);
        assert_eq!(*reads.get(&1, || counted(&loads, 1)).await.unwrap(), 1);
        assert_eq!(*reads.get(&2, || counted(&loads, 2)).await.unwrap(), 2);
        assert_eq!(loads.load(Ordering::SeqCst), 2);

        let failed = reads
            .get(&3, || async { Err::<u32, _>("database down".to_string()) })
            .await;
        assert_eq!(failed.unwrap_err(), "database down");
        assert_eq!(*reads.get(&3, || counted(&loads, 3)).await.unwrap(), 3);
    }
}

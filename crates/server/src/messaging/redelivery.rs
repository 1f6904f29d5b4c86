//! Recognising a provider's redelivery before it is processed. The inbox stores every
//! delivery as it comes (see `Store::inbox_append`), so the second delivery of an event is a
//! second pending row with the same (channel, provider time, provider id). It must be dropped
//! before the assistant runs on it: processing has effects before its commit (a case filed, an
//! opt-out recorded), and the conversation has moved on since the first delivery.
//!
//! Two checks cover every case on one node:
//! - the first delivery was processed before the inbox was read: the listing flags the
//!   second (`InboxEvent::redelivery`);
//! - it was still pending then: it went to the same worker (same conversation), ahead of the
//!   second, so that worker committed it moments before. [`RecentDeliveries`] remembers what a
//!   worker committed lately.
//!
//! Whatever slips past both (two nodes taking the two deliveries at once) is stopped at the
//! commit, which deletes a redelivery of a processed event instead of storing its answer.

use chrono::{DateTime, Utc};
use std::collections::{HashSet, VecDeque};
use store::InboxEvent;

/// One delivery's identity: what a redelivery repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DeliveryKey {
    channel: String,
    occurred_at: DateTime<Utc>,
    provider_id: String,
}

/// The deliveries one worker committed most recently, oldest forgotten first.
///
/// How many it must hold: a second delivery read while its first was pending is queued behind
/// it in the same worker's queue. So it comes at most a queue's length (plus the one being
/// processed) after the first.
pub struct RecentDeliveries {
    capacity: usize,
    order: VecDeque<DeliveryKey>,
    keys: HashSet<DeliveryKey>,
}

impl RecentDeliveries {
    /// Remembers the last `capacity` deliveries; `capacity` must exceed the worker's queue.
    pub fn new(capacity: usize) -> Self {
        RecentDeliveries {
            capacity: capacity.max(1),
            order: VecDeque::with_capacity(capacity),
            keys: HashSet::with_capacity(capacity),
        }
    }

    /// Whether `event` repeats a delivery remembered here, or was flagged by the listing.
    pub fn is_redelivery(&self, event: &InboxEvent) -> bool {
        event.redelivery || self.keys.contains(&key(event))
    }

    /// Remembers a committed event (processed, or dropped as a redelivery) as the most
    /// recent.
    pub fn remember(&mut self, event: InboxEvent) {
        let key = DeliveryKey {
            channel: event.channel,
            occurred_at: event.occurred_at,
            provider_id: event.provider_id,
        };
        if self.keys.contains(&key) {
            // A redelivery, rare: moved to the back, a scan is cheap enough.
            if let Some(at) = self.order.iter().position(|k| *k == key) {
                self.order.remove(at);
            }
            self.order.push_back(key);
            return;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.keys.remove(&oldest);
            }
        }
        self.keys.insert(key.clone());
        self.order.push_back(key);
    }
}

fn key(event: &InboxEvent) -> DeliveryKey {
    DeliveryKey {
        channel: event.channel.clone(),
        occurred_at: event.occurred_at,
        provider_id: event.provider_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use store::InboxId;

    fn event(id: i64, channel: &str, second: i64, provider_id: &str) -> InboxEvent {
        InboxEvent {
            id: InboxId(id),
            channel: channel.to_owned(),
            provider_id: provider_id.to_owned(),
            conversation: "6281234567890".to_owned(),
            kind: "message".to_owned(),
            payload: serde_json::json!({}),
            occurred_at: DateTime::from_timestamp(1_700_000_000 + second, 0).unwrap(),
            received_at: DateTime::from_timestamp(1_700_000_100, 0).unwrap(),
            processed_at: None,
            redelivery: false,
        }
    }

    #[test]
    fn a_redelivery_matches_on_channel_time_and_provider_id_together() {
        let mut recent = RecentDeliveries::new(8);
        recent.remember(event(1, "whatsapp", 0, "wamid.A"));
        assert!(recent.is_redelivery(&event(2, "whatsapp", 0, "wamid.A")));
        // The same id at another time, or on another channel, is another delivery.
        assert!(!recent.is_redelivery(&event(3, "whatsapp", 1, "wamid.A")));
        assert!(!recent.is_redelivery(&event(4, "telegram", 0, "wamid.A")));
        assert!(!recent.is_redelivery(&event(5, "whatsapp", 0, "wamid.B")));
        let mut flagged = event(6, "whatsapp", 0, "wamid.C");
        flagged.redelivery = true;
        assert!(
            recent.is_redelivery(&flagged),
            "the listing's flag is enough"
        );
    }

    proptest! {
        /// Against the whole history: the `capacity` distinct deliveries remembered most
        /// recently are recognised, older ones are forgotten.
        #[test]
        fn it_recognises_exactly_the_last_capacity_distinct_deliveries(
            capacity in 1usize..8,
            seen in proptest::collection::vec((0u8..2, 0i64..3, 0u8..6), 0..60),
            probe in (0u8..2, 0i64..3, 0u8..6),
        ) {
            let channel = |c: u8| if c == 0 { "whatsapp" } else { "telegram" };
            let mut recent = RecentDeliveries::new(capacity);
            for (i, &(c, t, p)) in seen.iter().enumerate() {
                recent.remember(event(i as i64, channel(c), t, &format!("id{p}")));
            }
            // The newest first, each delivery once, up to `capacity` of them.
            let mut kept: Vec<(u8, i64, u8)> = Vec::new();
            for d in seen.iter().rev() {
                if kept.len() < capacity && !kept.contains(d) {
                    kept.push(*d);
                }
            }
            let (c, t, p) = probe;
            let expected = kept.contains(&probe);
            prop_assert_eq!(
                recent.is_redelivery(&event(99, channel(c), t, &format!("id{p}"))),
                expected
            );
        }
    }
}

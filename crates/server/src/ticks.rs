//! The clock of the node's background loops (case assignment, the broadcast feeder,
//! housekeeping).

use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// Ticks every `period`, the first after `first`. A tick missed while the loop was busy (or
/// the node suspended) is not made up for with a burst: the next one comes a period later.
pub fn every(period: Duration, first: Duration) -> Interval {
    let mut ticks = tokio::time::interval_at(Instant::now() + first, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks
}

//! The clock of the node's background loops (case assignment, the broadcast feeder,
//! housekeeping, the processing role), and how often they may complain.

use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// Ticks every `period`, the first after `first`. A tick missed while the loop was busy (or
/// the node suspended) is not made up for with a burst: the next one comes a period later.
pub fn every(period: Duration, first: Duration) -> Interval {
    let mut ticks = tokio::time::interval_at(Instant::now() + first, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks
}

/// Lets a repeated complaint through at most once per `period`, so a loop failing at every
/// tick while the database is down does not flood the log.
#[derive(Debug)]
pub struct AtMostEvery {
    period: Duration,
    last: Option<Instant>,
}

impl AtMostEvery {
    pub fn new(period: Duration) -> Self {
        AtMostEvery { period, last: None }
    }

    /// True the first time and then once `period` has passed since the last true.
    pub fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.period);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_complaint_is_let_through_once_per_period() {
        let mut never_again = AtMostEvery::new(Duration::from_secs(3600));
        assert!(never_again.due());
        assert!(!never_again.due());
        let mut always = AtMostEvery::new(Duration::ZERO);
        assert!(always.due());
        assert!(always.due());
    }
}

//! How long the background checkpointer waits between rounds, from how busy the writer is.
//!
//! Short rounds keep each flush of the database file short, so the commits' own flushes wait
//! little behind it: the tail latency at a moderate rate. But they copy the same pages again
//! and again (a hot index page is written by most commits), and near the limit that copying
//! and those flushes take the throughput: on one core, rounds every 20 ms sustained about 12%
//! fewer messages than rounds every 100 ms (BENCHMARKS.md). So the wait follows the writer's
//! load, measured as the share of wall time spent inside write calls: the base interval while
//! that share is at most [`QUIET`], [`STRETCH`] times it from [`BUSY`] on, and in between in
//! proportion. Measured at 2,000 webhooks/s the share was about 0.42; at 4,000/s, close to the
//! limit, 0.74 to 0.82.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Up to this share of wall time in write calls, rounds keep the base interval.
pub(crate) const QUIET: f64 = 0.5;
/// From this share on, rounds wait [`STRETCH`] times the base interval.
pub(crate) const BUSY: f64 = 0.75;
/// The longest wait, as a multiple of the base interval.
pub(crate) const STRETCH: u32 = 5;
/// Weight of the newest round's share in the smoothed one: a single long batch does not
/// stretch the rounds, a few hundred milliseconds of load do.
const SMOOTHING: f64 = 0.3;

/// Total time the writer has spent inside write calls, in nanoseconds, added to by every
/// call and read by the checkpointer.
#[derive(Debug, Default)]
pub(crate) struct WriterBusy(AtomicU64);

impl WriterBusy {
    pub(crate) fn add(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

/// The wait before the next round for a writer busy `share` of the time (0 to 1).
pub(crate) fn interval_for(base: Duration, share: f64) -> Duration {
    let over = ((share - QUIET) / (BUSY - QUIET)).clamp(0.0, 1.0);
    // NaN (no time passed) counts as quiet.
    let over = if over.is_nan() { 0.0 } else { over };
    base.mul_f64(1.0 + over * f64::from(STRETCH - 1))
}

/// The checkpointer's view of the writer's load, updated once per round.
#[derive(Debug)]
pub(crate) struct Pace {
    base: Duration,
    share: f64,
    seen: Duration,
    at: Instant,
}

impl Pace {
    pub(crate) fn new(base: Duration, busy: &WriterBusy, now: Instant) -> Pace {
        Pace {
            base,
            share: 0.0,
            seen: busy.total(),
            at: now,
        }
    }

    /// Takes in the writer's time in write calls since the last call (`busy_total` is the
    /// running total) and returns the wait before the next round.
    pub(crate) fn next(&mut self, busy_total: Duration, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.at);
        if !elapsed.is_zero() {
            let spent = busy_total.saturating_sub(self.seen);
            // A write call is counted when it ends, so one that began before the last round
            // can put more than the elapsed time in this one.
            let share = (spent.as_secs_f64() / elapsed.as_secs_f64()).min(1.0);
            self.share += SMOOTHING * (share - self.share);
            self.seen = busy_total;
            self.at = now;
        }
        interval_for(self.base, self.share)
    }

    /// The smoothed share of wall time the writer spends in write calls.
    #[cfg(test)]
    pub(crate) fn share(&self) -> f64 {
        self.share
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: Duration = Duration::from_millis(20);

    #[test]
    fn a_quiet_writer_keeps_the_base_interval_and_a_busy_one_the_longest() {
        assert_eq!(interval_for(BASE, 0.0), BASE);
        assert_eq!(interval_for(BASE, 0.42), BASE);
        assert_eq!(interval_for(BASE, QUIET), BASE);
        assert_eq!(interval_for(BASE, BUSY), BASE * STRETCH);
        assert_eq!(interval_for(BASE, 1.0), BASE * STRETCH);
        assert_eq!(interval_for(BASE, f64::NAN), BASE);
    }

    #[test]
    fn in_between_the_wait_grows_in_proportion() {
        let halfway = interval_for(BASE, (QUIET + BUSY) / 2.0);
        assert_eq!(halfway, BASE * (1 + STRETCH) / 2);
    }

    proptest! {
        #[test]
        fn the_wait_never_shrinks_as_the_writer_gets_busier(a in 0.0f64..=1.0, b in 0.0f64..=1.0) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let (short, long) = (interval_for(BASE, low), interval_for(BASE, high));
            prop_assert!(short <= long);
            prop_assert!(BASE <= short && long <= BASE * STRETCH);
        }
    }

    /// Rounds, each given as (time the writer spent in write calls since the round before,
    /// time since the round before); the wait after the last one and the smoothed share.
    fn after(rounds: impl IntoIterator<Item = (Duration, Duration)>) -> (Duration, f64) {
        let mut now = Instant::now();
        let busy = WriterBusy::default();
        let mut pace = Pace::new(BASE, &busy, now);
        let mut wait = BASE;
        for (spent, elapsed) in rounds {
            busy.add(spent);
            now += elapsed;
            wait = pace.next(busy.total(), now);
        }
        (wait, pace.share())
    }

    fn steady(busy_ms: u64, rounds: usize) -> impl Iterator<Item = (Duration, Duration)> {
        std::iter::repeat_n((Duration::from_millis(busy_ms), BASE), rounds)
    }

    #[test]
    fn a_steady_load_moves_the_wait_to_its_level() {
        assert_eq!(after(steady(8, 50)).0, BASE, "40% busy stays at the base");
        let (wait, share) = after(steady(18, 50));
        assert!((share - 0.9).abs() < 0.01, "{share}");
        assert_eq!(wait, BASE * STRETCH, "90% busy waits longest");
    }

    #[test]
    fn one_busy_round_alone_does_not_stretch_the_wait() {
        let (wait, share) = after(steady(20, 1));
        assert!(share < QUIET, "{share}");
        assert_eq!(wait, BASE);
    }

    #[test]
    fn a_call_ending_after_a_long_gap_counts_as_fully_busy_not_more() {
        let (_, share) = after([(Duration::from_secs(10), BASE)]);
        assert!(share <= SMOOTHING + f64::EPSILON, "{share}");
    }

    #[test]
    fn no_time_passed_changes_nothing() {
        let (wait, share) = after([(Duration::from_millis(5), Duration::ZERO)]);
        assert_eq!(wait, BASE);
        assert_eq!(share, 0.0);
    }
}

//! Send pacing: a rate per channel (or business number) and a minimum spacing per recipient.
//! Pure arithmetic over instants passed in (GCRA, the "generic cell rate algorithm"), so it is
//! tested without sleeping; the sender sleeps for whatever `reserve` returns.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// At most `burst` sends at once and `rate` per second sustained. Each `reserve` books the
/// next slot and says how long to wait for it, so concurrent senders queue fairly.
#[derive(Debug, Clone)]
pub struct Rate {
    interval: Duration,
    tolerance: Duration,
    /// The theoretical arrival time of the next send.
    tat: Option<Instant>,
}

impl Rate {
    pub fn per_second(rate: u32, burst: u32) -> Rate {
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        Rate::every(interval, burst)
    }

    pub fn every(interval: Duration, burst: u32) -> Rate {
        Rate {
            interval,
            tolerance: interval * burst.max(1).saturating_sub(1),
            tat: None,
        }
    }

    /// Books one send at or after `now`; returns the wait before it may go.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let tat = self.tat.map_or(now, |t| t.max(now));
        let wait = (tat.checked_sub(self.tolerance).unwrap_or(now)).saturating_duration_since(now);
        self.tat = Some(tat + self.interval);
        wait
    }
}

/// A [`Rate`] per recipient, forgetting recipients idle long enough that their slot is free.
#[derive(Debug)]
pub struct PerRecipient {
    interval: Duration,
    burst: u32,
    rates: HashMap<String, Rate>,
    last_sweep: Option<Instant>,
}

impl PerRecipient {
    /// `interval` zero disables per-recipient pacing.
    pub fn new(interval: Duration, burst: u32) -> PerRecipient {
        PerRecipient {
            interval,
            burst,
            rates: HashMap::new(),
            last_sweep: None,
        }
    }

    pub fn reserve(&mut self, recipient: &str, now: Instant) -> Duration {
        if self.interval.is_zero() {
            return Duration::ZERO;
        }
        self.sweep(now);
        self.rates
            .entry(recipient.to_owned())
            .or_insert_with(|| Rate::every(self.interval, self.burst))
            .reserve(now)
    }

    /// Recipients being tracked (bounded by those active in the last few intervals).
    pub fn tracked(&self) -> usize {
        self.rates.len()
    }

    fn sweep(&mut self, now: Instant) {
        let period = (self.interval * 4).max(Duration::from_secs(1));
        if self
            .last_sweep
            .is_some_and(|t| now.duration_since(t) < period)
        {
            return;
        }
        self.last_sweep = Some(now);
        self.rates
            .retain(|_, r| r.tat.is_some_and(|tat| tat + r.tolerance > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends granted by `rate` when `n` ask at once: the instants they may go.
    fn schedule(rate: &mut Rate, start: Instant, n: usize) -> Vec<Duration> {
        (0..n).map(|_| rate.reserve(start)).collect()
    }

    #[test]
    fn a_burst_goes_at_once_and_the_rest_at_the_rate() {
        let t0 = Instant::now();
        let mut rate = Rate::per_second(10, 3);
        let waits = schedule(&mut rate, t0, 6);
        assert_eq!(waits[..3], [Duration::ZERO; 3]);
        assert_eq!(waits[3], Duration::from_millis(100));
        assert_eq!(waits[4], Duration::from_millis(200));
        assert_eq!(waits[5], Duration::from_millis(300));
    }

    #[test]
    fn the_sustained_rate_never_exceeds_the_configured_one() {
        // 80/s with a burst of 80: over any long run, sends in the first T seconds are at
        // most burst + 80 T.
        let t0 = Instant::now();
        let mut rate = Rate::per_second(80, 80);
        let mut send_times: Vec<Duration> = Vec::new();
        for i in 0..2_000u64 {
            // Requests arrive every 5 ms (200/s), faster than allowed.
            let asked = Duration::from_millis(5 * i);
            let wait = rate.reserve(t0 + asked);
            send_times.push(asked + wait);
        }
        for window_end in [1u64, 5, 10] {
            let t = Duration::from_secs(window_end);
            let sent = send_times.iter().filter(|s| **s < t).count() as u64;
            assert!(
                sent <= 80 + 80 * window_end,
                "{sent} sends before {window_end}s"
            );
        }
        // And it does not under-use the rate either: after the first burst, 80 per second.
        let last = *send_times.last().unwrap();
        let achieved = (2_000.0 - 80.0) / last.as_secs_f64();
        assert!((78.0..=82.0).contains(&achieved), "achieved {achieved}/s");
    }

    #[test]
    fn idle_time_refills_the_burst_but_not_beyond_it() {
        let t0 = Instant::now();
        let mut rate = Rate::per_second(1, 2);
        assert_eq!(schedule(&mut rate, t0, 2), [Duration::ZERO; 2]);
        let later = t0 + Duration::from_secs(60);
        let waits = schedule(&mut rate, later, 3);
        assert_eq!(waits[..2], [Duration::ZERO; 2]);
        assert_eq!(waits[2], Duration::from_secs(1));
    }

    #[test]
    fn each_recipient_is_paced_on_its_own() {
        let t0 = Instant::now();
        let mut pacer = PerRecipient::new(Duration::from_secs(1), 1);
        assert_eq!(pacer.reserve("6281234567890", t0), Duration::ZERO);
        assert_eq!(pacer.reserve("6281234567890", t0), Duration::from_secs(1));
        assert_eq!(pacer.reserve("6285712345678", t0), Duration::ZERO);
        assert_eq!(pacer.reserve("6281234567890", t0), Duration::from_secs(2));
    }

    #[test]
    fn idle_recipients_are_forgotten() {
        let t0 = Instant::now();
        let mut pacer = PerRecipient::new(Duration::from_millis(100), 1);
        for i in 0..1_000 {
            pacer.reserve(&format!("62812{i:08}"), t0);
        }
        assert_eq!(pacer.tracked(), 1_000);
        pacer.reserve("6281200000000", t0 + Duration::from_secs(5));
        assert_eq!(pacer.tracked(), 1);
    }

    #[test]
    fn zero_interval_means_no_pacing() {
        let t0 = Instant::now();
        let mut pacer = PerRecipient::new(Duration::ZERO, 1);
        for _ in 0..10 {
            assert_eq!(pacer.reserve("6281234567890", t0), Duration::ZERO);
        }
        assert_eq!(pacer.tracked(), 0);
    }
}

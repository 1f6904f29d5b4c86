//! What the mock remembers: recorded requests, counters, fault scripts, closed windows.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use channels::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{watch, Notify};

use crate::config::{Fault, MockConfig};

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub channel: Channel,
    /// The HTTP method.
    pub method: String,
    /// The path and query, with Telegram's bot token and Messenger's page token as `***`.
    pub path: String,
    /// The JSON body (`Null` when it was not JSON).
    pub body: Value,
    pub accepted: bool,
    /// Why it was not accepted: the broken rule, the injected fault, or the closed window.
    pub rejection: Option<String>,
    /// The wa_id, Telegram chat id or PSID the request was for, when it names one.
    pub recipient: Option<String>,
    /// The HTTP status the mock answered with.
    pub status: u16,
    /// The id given to an accepted message (wamid, Telegram message_id, Messenger mid).
    pub message_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// Counters for one channel since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelStats {
    pub requests: u64,
    pub accepted: u64,
    /// Everything not accepted: the four kinds below.
    pub rejected: u64,
    /// Bodies, paths or content types the provider would refuse.
    pub invalid: u64,
    pub unauthorized: u64,
    /// Scripted or random faults answered.
    pub faults: u64,
    /// Free-form sends refused because the 24-hour window was closed.
    pub window_closed: u64,
    /// Distinct recipients of accepted requests.
    pub distinct_recipients: u64,
}

/// Totals, as `GET /_mock/stats` answers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub whatsapp: ChannelStats,
    pub telegram: ChannelStats,
    pub messenger: ChannelStats,
    pub accepted: u64,
    pub rejected: u64,
    /// WhatsApp status webhook posts not yet answered with a 2xx.
    pub status_posts_pending: u64,
    pub status_posts_delivered: u64,
    /// Status post attempts that failed (non-2xx or no answer) and were retried.
    pub status_post_failures: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Accepted,
    Invalid,
    Unauthorized,
    Fault,
    WindowClosed,
}

pub(crate) fn index(c: Channel) -> usize {
    match c {
        Channel::WhatsApp => 0,
        Channel::Telegram => 1,
        Channel::Messenger => 2,
    }
}

/// How many rejected records a benchmark run keeps: enough to see what went wrong without
/// letting a misconfigured client grow memory at 10k requests a second.
const MAX_REJECTED_WITHOUT_BODIES: usize = 1000;

#[derive(Default)]
pub(crate) struct State {
    pub records: Vec<Recorded>,
    pub faults: [VecDeque<Fault>; 3],
    pub closed: HashSet<String>,
    pub rng: u64,
    pub failure_rate: f64,
    counts: [ChannelStats; 3],
    recipients: [HashSet<String>; 3],
}

impl State {
    pub(crate) fn new(config: &MockConfig) -> State {
        State {
            rng: config.seed,
            failure_rate: config.failure_rate,
            ..State::default()
        }
    }

    /// splitmix64: tiny, seedable, and good enough to spread failures evenly.
    pub(crate) fn next_f64(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn accepted_total(&self) -> u64 {
        self.counts.iter().map(|c| c.accepted).sum()
    }
}

pub(crate) struct Shared {
    pub config: MockConfig,
    state: Mutex<State>,
    pub accepted_changed: Notify,
    pub status_changed: Notify,
    pub status_pending: AtomicUsize,
    pub status_delivered: AtomicU64,
    pub status_failures: AtomicU64,
    ids: AtomicU64,
    /// Differs between runs, so ids stay unique when a crash test restarts the mock.
    instance: u32,
    pub shutdown: watch::Sender<bool>,
    pub http: Option<reqwest::Client>,
}

impl Shared {
    pub(crate) fn new(config: MockConfig) -> Shared {
        let http = config.status_webhook.as_ref().map(|_| {
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap_or_default()
        });
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or(0);
        Shared {
            state: Mutex::new(State::new(&config)),
            config,
            accepted_changed: Notify::new(),
            status_changed: Notify::new(),
            status_pending: AtomicUsize::new(0),
            status_delivered: AtomicU64::new(0),
            status_failures: AtomicU64::new(0),
            ids: AtomicU64::new(0),
            instance: (nanos as u64 ^ (nanos as u64 >> 32)) as u32,
            shutdown: watch::channel(false).0,
            http,
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the counters half-updated in a way that
        // matters to a test double, so a poisoned lock is used as it is.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A message id in WhatsApp's shape: `wamid.` and the base64 of a record that begins with
    /// the recipient's number. Like real ones, they sort by recipient, not by time, so what
    /// indexes them sees the random inserts it would in production.
    pub(crate) fn wamid(&self, n: u64, recipient: &str) -> String {
        use base64::Engine as _;
        let mut raw = Vec::with_capacity(48);
        raw.extend_from_slice(&[0x1C, 0x18, recipient.len() as u8]);
        raw.extend_from_slice(recipient.as_bytes());
        raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x12]);
        raw.extend_from_slice(format!("{:08X}{n:010X}", self.instance).as_bytes());
        raw.push(0x00);
        format!(
            "wamid.{}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    pub(crate) fn mid(&self, n: u64) -> String {
        format!("m_mock{:08x}{n:012}", self.instance)
    }

    pub(crate) fn trace_id(&self) -> String {
        format!("AmOcK{:08x}{:x}", self.instance, self.next_id())
    }

    pub(crate) fn record(&self, rec: Recorded, outcome: Outcome) {
        let mut st = self.state();
        let i = index(rec.channel);
        let c = &mut st.counts[i];
        c.requests += 1;
        match outcome {
            Outcome::Accepted => c.accepted += 1,
            Outcome::Invalid => c.invalid += 1,
            Outcome::Unauthorized => c.unauthorized += 1,
            Outcome::Fault => c.faults += 1,
            Outcome::WindowClosed => c.window_closed += 1,
        }
        if outcome != Outcome::Accepted {
            c.rejected += 1;
        }
        if outcome == Outcome::Accepted {
            if let Some(r) = &rec.recipient {
                if !st.recipients[i].contains(r) {
                    st.recipients[i].insert(r.clone());
                    st.counts[i].distinct_recipients += 1;
                }
            }
        }
        let keep = self.config.record_bodies
            || (outcome != Outcome::Accepted && st.records.len() < MAX_REJECTED_WITHOUT_BODIES);
        if keep {
            st.records.push(rec);
        }
        drop(st);
        if outcome == Outcome::Accepted {
            self.accepted_changed.notify_waiters();
        }
    }

    pub(crate) fn accepted_total(&self) -> u64 {
        self.state().accepted_total()
    }

    pub(crate) fn stats(&self) -> Stats {
        let st = self.state();
        let [whatsapp, telegram, messenger] = st.counts.clone();
        Stats {
            accepted: st.accepted_total(),
            rejected: st.counts.iter().map(|c| c.rejected).sum(),
            whatsapp,
            telegram,
            messenger,
            status_posts_pending: self.status_pending.load(Ordering::Relaxed) as u64,
            status_posts_delivered: self.status_delivered.load(Ordering::Relaxed),
            status_post_failures: self.status_failures.load(Ordering::Relaxed),
        }
    }

    /// Forgets requests, counters, fault scripts and closed windows, and restarts the failure
    /// draws from the seed; status posts already under way carry on (and stay counted as pending).
    pub(crate) fn reset(&self) {
        let mut st = self.state();
        let failure_rate = st.failure_rate;
        *st = State::new(&self.config);
        st.failure_rate = failure_rate;
        drop(st);
        self.status_delivered.store(0, Ordering::Relaxed);
        self.status_failures.store(0, Ordering::Relaxed);
        self.accepted_changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn wamids_are_shaped_like_whatsapps_and_sort_by_recipient_not_by_time() {
        let shared = Shared::new(MockConfig::default());
        let budi = shared.wamid(2, "6281234567890");
        assert!(budi.starts_with("wamid.HBgN"), "{budi}");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&budi["wamid.".len()..])
            .unwrap();
        assert_eq!(&raw[3..16], b"6281234567890");
        assert_ne!(budi, shared.wamid(3, "6281234567890"));
        // Sent later, to a number that sorts first: its id sorts first too.
        assert!(shared.wamid(9, "6281111111111") < budi);
    }
}

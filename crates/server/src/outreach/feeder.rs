//! Hands waiting broadcast recipients to the outbox under each channel's broadcast rate.
//!
//! Every `feed_interval_ms`, on the node holding the processing role (`messaging::role`: one
//! node at a time, so two nodes never feed at once and double a channel's rate), the feeder
//! reads the broadcasts being sent, takes from each channel's token bucket as many recipients
//! as the bucket allows, renders them and hands them off in one transaction per broadcast and
//! channel. The channel senders then send at their own (higher) rate, replies to participants
//! first in line with everything else.
//!
//! The rate is kept by a token bucket on the monotonic clock: fractional tokens carry from
//! tick to tick, so ticks arriving late or early do not bend the long-run rate, and the bucket
//! holds at most a small burst, so a stalled database or a restart never makes the feeder
//! "catch up" with a flood. Pausing or cancelling a broadcast takes it out of the next tick.

use crate::messaging::render::{self, Addressee, Template};
use crate::messaging::role::Role;
use crate::state::AppState;
use channels::Channel;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use store::{Broadcast, BroadcastKind, BroadcastRecipient, HandOff, NewOutbound};

/// What the outbox rows of broadcasts are stored as (`purpose`).
pub const PURPOSE: &str = "broadcast";

/// Recipients of a channel that is not configured (any more) handed off per tick, recorded
/// failed at once so the broadcast can finish and the failure shows.
const UNCONFIGURED_BATCH: u32 = 500;

/// Starts the feeder loop when at least one messaging channel is enabled and this node may
/// process (an ingest node never feeds: the node answering feeds).
pub fn spawn(state: AppState) {
    let channels = crate::messaging::enabled_channels(&state.config);
    let Some(role) = state.messaging.as_ref().and_then(|m| m.role.clone()) else {
        return;
    };
    if channels.is_empty() {
        return;
    }
    tokio::spawn(run(state, role, channels));
}

/// A token bucket over the monotonic clock: `rate` tokens a second, at most `capacity` held.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl Bucket {
    /// Starts empty: a node that has just (re)started sends nothing it did not earn.
    pub fn new(rate_per_sec: u32, capacity: f64) -> Bucket {
        let rate = f64::from(rate_per_sec.max(1));
        Bucket {
            rate,
            capacity: capacity.max(1.0),
            tokens: 0.0,
            last: None,
        }
    }

    /// The bucket for a channel's broadcast rate fed every `interval`: room for what two late
    /// ticks or a quarter second earn, whichever is more, on top of the fraction of a token
    /// a tick leaves behind, so ordinary jitter loses nothing.
    pub fn for_feed(rate_per_sec: u32, interval: Duration) -> Bucket {
        let headroom = (interval.as_secs_f64() * 2.0).max(0.25);
        Bucket::new(
            rate_per_sec,
            1.0 + f64::from(rate_per_sec.max(1)) * headroom,
        )
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: Instant) -> u32 {
        if let Some(last) = self.last {
            let earned = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + earned).min(self.capacity);
        }
        self.last = Some(self.last.map_or(now, |l| l.max(now)));
        self.tokens.floor().max(0.0) as u32
    }

    /// Spends `n` tokens (what was actually handed to the outbox).
    pub fn take(&mut self, n: u32) {
        self.tokens = (self.tokens - f64::from(n)).max(0.0);
    }
}

fn rate_of(state: &AppState, channel: Channel) -> u32 {
    let o = &state.config.outreach;
    match channel {
        Channel::WhatsApp => o.whatsapp_rate_per_sec,
        Channel::Telegram => o.telegram_rate_per_sec,
        Channel::Messenger => o.messenger_rate_per_sec,
    }
}

async fn run(state: AppState, role: Role, enabled: Vec<Channel>) {
    let interval = Duration::from_millis(state.config.outreach.feed_interval_ms.max(10));
    let mut buckets: HashMap<Channel, Bucket> = enabled
        .iter()
        .map(|c| (*c, Bucket::for_feed(rate_of(&state, *c), interval)))
        .collect();
    // A late tick is not made up for with extra ticks: the bucket already counts the time.
    let mut ticker = crate::ticks::every(interval, Duration::ZERO);
    let mut warning = crate::ticks::AtMostEvery::new(Duration::from_secs(30));
    tracing::info!(node = %state.node.as_str(), "broadcast feeder on");
    loop {
        ticker.tick().await;
        if !role.held() {
            // Another node feeds. Should this one take over, its buckets hold at most their
            // small burst.
            continue;
        }
        if let Err(e) = tick(&state, &enabled, &mut buckets).await {
            if warning.due() {
                tracing::warn!(error = %e, "cannot feed broadcasts; retrying");
            }
        }
    }
}

async fn tick(
    state: &AppState,
    enabled: &[Channel],
    buckets: &mut HashMap<Channel, Bucket>,
) -> Result<(), store::StoreError> {
    let sending = state.store.sending_broadcasts().await?;
    // Earn tokens even with nothing to send, so the bucket is measured from a fresh instant.
    let mut budget: HashMap<Channel, u32> = HashMap::new();
    let clock = Instant::now();
    for (channel, bucket) in buckets.iter_mut() {
        budget.insert(*channel, bucket.available(clock));
    }
    for broadcast in &sending {
        // The same for every recipient of the broadcast: worked out once.
        let text_param = [broadcast.text.clone()];
        let template = whatsapp_template(&state.config, broadcast, &text_param);
        for channel in [Channel::WhatsApp, Channel::Telegram, Channel::Messenger] {
            let configured = enabled.contains(&channel);
            let limit = if configured {
                budget.get(&channel).copied().unwrap_or(0)
            } else {
                UNCONFIGURED_BATCH
            };
            if limit == 0 {
                continue;
            }
            let waiting = state
                .store
                .broadcast_waiting(broadcast.id, channel.as_str(), limit)
                .await?;
            if waiting.is_empty() {
                continue;
            }
            let at = state.now();
            let hand_offs: Vec<HandOff> = waiting
                .iter()
                .map(|r| hand_off(state, broadcast, template, channel, configured, r, at))
                .collect();
            let sends = hand_offs.iter().filter(|h| h.outbound.is_some()).count();
            let inserted = state
                .store
                .hand_off_broadcast(broadcast.id, hand_offs, at)
                .await?;
            if configured {
                let used = u32::try_from(inserted).unwrap_or(u32::MAX);
                if let Some(bucket) = buckets.get_mut(&channel) {
                    bucket.take(used);
                }
                if let Some(left) = budget.get_mut(&channel) {
                    *left = left.saturating_sub(used);
                }
                if inserted > 0 {
                    if let Some(m) = &state.messaging {
                        m.wakers.sender(channel).notify_one();
                    }
                }
            }
            if inserted < sends as u64 {
                tracing::debug!(
                    broadcast = broadcast.id.0,
                    channel = %channel,
                    prepared = sends,
                    inserted,
                    "fewer hand-offs stored than prepared (paused, cancelled or taken elsewhere)"
                );
            }
        }
    }
    Ok(())
}

/// The outbox row for one recipient, or a skip when they opted out since queuing.
fn hand_off(
    state: &AppState,
    broadcast: &Broadcast,
    template: Option<Template<'_>>,
    channel: Channel,
    configured: bool,
    recipient: &BroadcastRecipient,
    at: DateTime<Utc>,
) -> HandOff {
    if recipient.opted_out {
        return HandOff {
            seq: recipient.seq,
            outbound: None,
        };
    }
    let outbound = if configured {
        render_one(state, broadcast, template, channel, recipient, at)
    } else {
        unsendable(
            broadcast,
            channel,
            recipient,
            at,
            format!("the {channel} channel is not configured"),
        )
    };
    HandOff {
        seq: recipient.seq,
        outbound: Some(outbound),
    }
}

/// The broadcast's text recorded for `recipient` as never sent, saying why.
fn unsendable(
    broadcast: &Broadcast,
    channel: Channel,
    recipient: &BroadcastRecipient,
    at: DateTime<Utc>,
    why: String,
) -> NewOutbound {
    let mut row = NewOutbound::plain(
        channel.as_str(),
        &recipient.address,
        PURPOSE,
        &broadcast.text,
        at,
    );
    row.unsendable = Some(why);
    row
}

fn render_one(
    state: &AppState,
    broadcast: &Broadcast,
    template: Option<Template<'_>>,
    channel: Channel,
    recipient: &BroadcastRecipient,
    at: DateTime<Utc>,
) -> NewOutbound {
    let to = Addressee {
        channel,
        recipient: &recipient.address,
        purpose: PURPOSE,
        window: render::window_at(recipient.last_inbound_at, at),
        inbox_id: None,
        at,
    };
    let mut rows = render::text_rows(&state.config, &to, &broadcast.text, template);
    // One text is one request on every channel (broadcast texts are far below the limits
    // where a text is split); should that ever change, the first part still goes and the
    // rest is recorded as unsent rather than dropped silently.
    match rows.len() {
        1 => rows.remove(0),
        0 => unsendable(broadcast, channel, recipient, at, "nothing to send".into()),
        n => {
            tracing::warn!(
                broadcast = broadcast.id.0,
                parts = n,
                "broadcast text split; only the first part is sent"
            );
            rows.remove(0)
        }
    }
}

/// The template a broadcast goes out as on WhatsApp outside the 24-hour window: the closure
/// template with the closure's four parameters, else the notice template with the text, else
/// the reply fallback template with the text; `None` when none is configured.
pub fn whatsapp_template<'a>(
    config: &'a crate::Config,
    broadcast: &'a Broadcast,
    text_param: &'a [String],
) -> Option<Template<'a>> {
    let o = &config.outreach;
    let is_closure = matches!(broadcast.kind, BroadcastKind::Closure { .. })
        && broadcast.template_params.len() == dialog::outreach::CLOSURE_TEMPLATE_PARAMS;
    if is_closure {
        if let Some(name) = o.closure_template.as_deref() {
            return Some(Template {
                name,
                params: &broadcast.template_params,
            });
        }
    }
    o.notice_template
        .as_deref()
        .or(config.whatsapp.template.as_deref())
        .map(|name| Template {
            name,
            params: text_param,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks at `interval` with some ticks late by up to `jitter`; returns tokens taken.
    fn run_bucket(
        rate: u32,
        interval_ms: u64,
        ticks: u64,
        jitter: impl Fn(u64) -> u64,
    ) -> (u64, Duration) {
        let t0 = Instant::now();
        let interval = Duration::from_millis(interval_ms);
        let mut bucket = Bucket::for_feed(rate, interval);
        let mut taken = 0u64;
        let mut last = t0;
        for i in 1..=ticks {
            let at = t0 + interval * i as u32 + Duration::from_millis(jitter(i));
            let at = at.max(last);
            last = at;
            let n = bucket.available(at);
            bucket.take(n);
            taken += u64::from(n);
        }
        (taken, last - t0)
    }

    #[test]
    fn the_long_run_rate_holds_with_jittery_ticks() {
        for rate in [1u32, 7, 20, 40, 80, 333] {
            // Every third tick 0-37 ms late; over ten simulated minutes.
            let (taken, span) = run_bucket(rate, 100, 6_000, |i| {
                if i % 3 == 0 {
                    (i * 7919) % 38
                } else {
                    0
                }
            });
            let achieved = taken as f64 / span.as_secs_f64();
            let error = (achieved - f64::from(rate)).abs() / f64::from(rate);
            assert!(error < 0.005, "rate {rate}: achieved {achieved:.3}/s");
        }
    }

    #[test]
    fn fractional_rates_per_tick_are_carried_not_lost() {
        // 7/s at 100 ms is 0.7 per tick: rounding each tick down would send nothing.
        let (taken, _) = run_bucket(7, 100, 100, |_| 0);
        assert!((69..=70).contains(&taken), "{taken}");
    }

    #[test]
    fn a_stall_is_not_caught_up_beyond_a_small_burst() {
        let t0 = Instant::now();
        let mut bucket = Bucket::for_feed(40, Duration::from_millis(100));
        assert_eq!(bucket.available(t0), 0, "a fresh bucket is empty");
        let after_stall = t0 + Duration::from_secs(60);
        let burst = bucket.available(after_stall);
        assert_eq!(
            burst, 11,
            "a quarter second's worth at 40/s, and the carried fraction"
        );
        bucket.take(burst);
        // Then the rate again, not the 2,400 the minute would have earned.
        assert_eq!(
            bucket.available(after_stall + Duration::from_millis(100)),
            4
        );
    }

    #[test]
    fn a_clock_going_backwards_earns_nothing() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(10, 10.0);
        bucket.available(t0 + Duration::from_secs(1));
        let n = bucket.available(t0 + Duration::from_secs(1));
        bucket.take(n);
        assert_eq!(bucket.available(t0), 0);
        assert_eq!(bucket.available(t0 + Duration::from_millis(1_100)), 1);
    }

    fn broadcast(kind: BroadcastKind, params: usize) -> Broadcast {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, 3, 0, 0).unwrap();
        Broadcast {
            id: store::BroadcastId(1),
            kind,
            office_id: None,
            audience: store::Audience::Everyone,
            title: "t".into(),
            text: "Halo".into(),
            template_params: vec!["p".into(); params],
            state: store::BroadcastState::Sending,
            total: 1,
            created_by: "x".into(),
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn the_template_follows_the_kind_and_what_is_configured() {
        let closure = broadcast(
            BroadcastKind::Closure {
                closure_id: store::ClosureId(1),
            },
            4,
        );
        let cancellation = broadcast(
            BroadcastKind::Closure {
                closure_id: store::ClosureId(1),
            },
            1,
        );
        let notice = broadcast(BroadcastKind::Notice, 1);
        let text = ["Halo".to_owned()];
        let mut c = crate::Config::default();
        assert!(whatsapp_template(&c, &closure, &text).is_none());
        c.whatsapp.template = Some("layan_balasan".into());
        assert_eq!(
            whatsapp_template(&c, &closure, &text).unwrap().name,
            "layan_balasan"
        );
        c.outreach.notice_template = Some("layan_pemberitahuan".into());
        c.outreach.closure_template = Some("layan_penutupan".into());
        let t = whatsapp_template(&c, &closure, &text).unwrap();
        assert_eq!((t.name, t.params.len()), ("layan_penutupan", 4));
        let t = whatsapp_template(&c, &cancellation, &text).unwrap();
        assert_eq!((t.name, t.params), ("layan_pemberitahuan", &text[..]));
        let t = whatsapp_template(&c, &notice, &text).unwrap();
        assert_eq!(t.name, "layan_pemberitahuan");
    }
}

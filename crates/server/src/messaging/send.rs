//! One sender task per enabled channel, sending only while its node holds the processing role
//! (so the channel's rate holds for the business number however many nodes run): it leases
//! due messages from the outbox (only the head of each recipient's line, so a conversation's
//! messages leave in order), paces them under the channel's rate and per-recipient spacing,
//! calls the provider, and records the outcome the provider's answer calls for
//! (`channels::classify`): sent, retry later, resend as a template or tagged message, or
//! failed with the provider's code.
//!
//! A crash between the provider's answer and the record leaves the message `sending`; when
//! its lease runs out it is sent again. For WhatsApp, the send carries our id in
//! `biz_opaque_callback_data`, which the provider's `sent` status echoes back: the status
//! settles the message during an extra grace period, so it is not sent twice.

use super::pacing::{PerRecipient, Rate};
use super::process::CALLBACK_PREFIX;
use super::render;
use super::role::Role;
use super::writer::Writer;
use crate::state::AppState;
use channels::{Channel, OutboundRequest, SendDecision};
use chrono::{DateTime, Duration as Span, Utc};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Claim, Outbound, OutboundId, SendOutcome};
use tokio::sync::{Notify, Semaphore};

struct Limits {
    rate: Rate,
    per_recipient: PerRecipient,
}

struct Sender {
    state: AppState,
    channel: Channel,
    client: reqwest::Client,
    base: String,
    limits: Mutex<Limits>,
    wake: Arc<Notify>,
    writer: Writer,
}

pub fn spawn(
    state: AppState,
    channel: Channel,
    wake: Arc<Notify>,
    writer: Writer,
    role: Role,
) -> Result<(), String> {
    let config = &state.config;
    let (base, rate, per_recipient) = match channel {
        Channel::WhatsApp => (
            config.whatsapp.api_base.clone(),
            Rate::per_second(config.whatsapp.rate_per_sec, config.whatsapp.rate_per_sec),
            PerRecipient::new(Duration::from_millis(config.whatsapp.pair_interval_ms), 5),
        ),
        Channel::Telegram => (
            config.telegram.api_base.clone(),
            Rate::per_second(config.telegram.rate_per_sec, config.telegram.rate_per_sec),
            PerRecipient::new(Duration::from_millis(config.telegram.chat_interval_ms), 1),
        ),
        Channel::Messenger => (
            config.messenger.api_base.clone(),
            Rate::per_second(config.messenger.rate_per_sec, config.messenger.rate_per_sec),
            PerRecipient::new(Duration::ZERO, 1),
        ),
    };
    let concurrency = config.messaging.send_concurrency.max(1);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(
            config.messaging.send_timeout_secs.max(1),
        ))
        .pool_max_idle_per_host(concurrency)
        .build()
        .map_err(|e| format!("cannot build the {channel} HTTP client: {e}"))?;
    let sender = Arc::new(Sender {
        channel,
        client,
        base: base.trim_end_matches('/').to_owned(),
        limits: Mutex::new(Limits {
            rate,
            per_recipient,
        }),
        wake,
        writer,
        state,
    });
    tokio::spawn(run(sender, concurrency, role));
    Ok(())
}

async fn run(sender: Arc<Sender>, concurrency: usize, role: Role) {
    let permits = Arc::new(Semaphore::new(concurrency));
    let messaging = &sender.state.config.messaging;
    let grace = match sender.channel {
        Channel::WhatsApp => Span::seconds(messaging.in_doubt_grace_secs.max(0)),
        _ => Span::zero(),
    };
    loop {
        // Take only as many as can be sent right away, so leases do not run out in a queue.
        let Ok(first) = permits.clone().acquire_owned().await else {
            return;
        };
        if !role.held() {
            // The channel's rate is the business number's: only the processing node sends.
            drop(first);
            role.wait_briefly().await;
            continue;
        }
        let now = sender.state.now();
        let claim = Claim {
            now,
            lease_until: now + Span::seconds(messaging.lease_secs),
            in_doubt_before: now - grace,
            limit: permits.available_permits() as u32 + 1,
        };
        let claimed = match sender.writer.claim(sender.channel.as_str(), claim).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(channel = %sender.channel, error = %e, "cannot read the outbox");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            drop(first);
            let _ = tokio::time::timeout(Duration::from_millis(250), sender.wake.notified()).await;
            continue;
        }
        let mut first = Some(first);
        for row in claimed {
            let permit = match first.take() {
                Some(p) => p,
                None => match permits.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let sender = sender.clone();
            tokio::spawn(async move {
                let outcome = sender.send(&row).await;
                // The permits bound calls to the provider, not writes. Held until the outcome
                // was committed, they made the sender's rate the permits over the commit's
                // latency, which grows as the writer queues up: overloaded, the replies fell
                // to about half of what the pipeline answered at its limit. The outcomes
                // waiting for a commit stay few: every row was claimed through the same
                // writer, so no more can be sent than a few commits have claimed.
                drop(permit);
                sender.record(row.id, outcome).await;
            });
        }
    }
}

impl Sender {
    /// Waits for the channel's rate and the recipient's spacing, then calls the provider.
    async fn send(&self, row: &Outbound) -> SendOutcome {
        let wait = {
            let now = Instant::now();
            match self.limits.lock() {
                Ok(mut l) => {
                    let global = l.rate.reserve(now);
                    global.max(l.per_recipient.reserve(&row.recipient, now))
                }
                Err(_) => Duration::ZERO,
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let outcome = self.attempt(row).await;
        let result = match &outcome {
            SendOutcome::Sent { .. } => "sent",
            SendOutcome::Retry { .. } => "retry",
            SendOutcome::Replace { .. } => "fallback",
            SendOutcome::Failed { .. } => "failed",
        };
        self.state.metrics.count(
            "layan_outbound_attempts_total",
            &[("channel", self.channel.as_str()), ("result", result)],
        );
        outcome
    }

    /// Stores the outcome; the message stays leased until this commits, and the recipient's
    /// next message waits for it.
    async fn record(&self, id: OutboundId, outcome: SendOutcome) {
        let settled = !matches!(outcome, SendOutcome::Retry { .. });
        let mut delay = Duration::from_millis(50);
        for _ in 0..5 {
            match self
                .writer
                .complete(id, outcome.clone(), self.state.now())
                .await
            {
                Ok(()) => break,
                Err(e) => {
                    // Unrecorded, the message stays leased and is sent again when the lease
                    // ends: a possible duplicate, never a loss.
                    tracing::warn!(channel = %self.channel, id = id.0, error = %e, "cannot record a send");
                    tokio::time::sleep(delay).await;
                    delay *= 4;
                }
            }
        }
        if settled {
            // The recipient's next message (if any) may go now.
            self.wake.notify_one();
        }
    }

    async fn attempt(&self, row: &Outbound) -> SendOutcome {
        let config = &self.state.config;
        let Some(stored) = &row.request else {
            return SendOutcome::Failed {
                code: Some("unsendable".into()),
                reason: "no provider request".into(),
            };
        };
        let mut body = stored.body.clone();
        if self.channel == Channel::WhatsApp && body.get("to").is_some() {
            body["biz_opaque_callback_data"] = format!("{CALLBACK_PREFIX}{}", row.id.0).into();
        }
        let request = OutboundRequest::from_stored(
            stored.path.clone(),
            render::secret(config, self.channel),
            body,
        );
        let mut http = self
            .client
            .post(format!("{}{}", self.base, request.path()))
            .json(&request.body);
        if self.channel == Channel::WhatsApp {
            http = http.bearer_auth(config.whatsapp.access_token.expose());
        }
        let decision = match http.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) => channels::classify(self.channel, status, &bytes),
                    Err(_) => SendDecision::transport_failure(),
                }
            }
            Err(e) => {
                tracing::debug!(channel = %self.channel, path = %request.redacted_path(), error = %e.without_url(), "provider call failed");
                SendDecision::transport_failure()
            }
        };
        let now = self.state.now();
        match decision {
            SendDecision::Sent {
                provider_message_id,
            } => SendOutcome::Sent {
                provider_message_id,
            },
            SendDecision::Retry {
                code,
                retry_after_secs,
            } => {
                let code = code.map_or_else(|| "transport".to_owned(), |c| c.to_string());
                if row.attempts >= config.messaging.max_attempts {
                    SendOutcome::Failed {
                        reason: format!("gave up after {} attempts", row.attempts),
                        code: Some(code),
                    }
                } else {
                    SendOutcome::Retry {
                        at: retry_at(now, row, retry_after_secs),
                        reason: "transient provider error".into(),
                        code: Some(code),
                    }
                }
            }
            SendDecision::NeedsTemplate { code } => {
                match render::outside_window_fallback(
                    config,
                    self.channel,
                    &row.recipient,
                    &row.body,
                    stored,
                ) {
                    Some(request) => SendOutcome::Replace { request },
                    None => SendOutcome::Failed {
                        code: Some(code.to_string()),
                        reason: "outside the 24-hour window and no fallback".into(),
                    },
                }
            }
            SendDecision::Permanent { code, reason } => SendOutcome::Failed {
                code: Some(code.map_or_else(|| "error".to_owned(), |c| c.to_string())),
                reason,
            },
        }
    }
}

/// When to try again: what the provider asked for, else exponential backoff (1 s, 2 s, 4 s...
/// up to 5 minutes) with a little spread so retries after an outage do not arrive together.
fn retry_at(now: DateTime<Utc>, row: &Outbound, retry_after_secs: Option<u64>) -> DateTime<Utc> {
    if let Some(secs) = retry_after_secs {
        return now + Span::seconds(secs.min(3_600) as i64);
    }
    let exponent = row.attempts.saturating_sub(1).min(9);
    let base_ms = (1_000i64 << exponent).min(300_000);
    let spread = (row.id.0.unsigned_abs() % 200) as i64; // up to +20%
    now + Span::milliseconds(base_ms + base_ms * spread / 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use store::StoredRequest;

    fn row(id: i64, attempts: u32) -> Outbound {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        Outbound {
            id: OutboundId(id),
            channel: "whatsapp".into(),
            recipient: "6281234567890".into(),
            purpose: "reply".into(),
            body: "Halo".into(),
            status: "sending".into(),
            created_at: t,
            request: Some(StoredRequest {
                path: "/1/messages".into(),
                body: serde_json::json!({}),
            }),
            attempts,
            next_attempt_at: t,
            provider_message_id: None,
            error_code: None,
            error_reason: None,
            updated_at: t,
            inbox_id: None,
        }
    }

    #[test]
    fn the_providers_retry_after_wins() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        assert_eq!(retry_at(now, &row(1, 1), Some(17)), now + Span::seconds(17));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        let gap = |attempts| (retry_at(now, &row(0, attempts), None) - now).num_milliseconds();
        assert_eq!(
            [gap(1), gap(2), gap(3), gap(4)],
            [1_000, 2_000, 4_000, 8_000]
        );
        assert_eq!(gap(30), 300_000);
        let spread = (retry_at(now, &row(199, 1), None) - now).num_milliseconds();
        assert!((1_000..=1_200).contains(&spread));
    }
}

//! What to do with a provider's answer to a send: a pure function of (channel, HTTP status,
//! body), so the sender loop's retry policy is tested without a network.

use serde_json::Value;

use crate::event::Channel;

/// The decision for one send attempt. Provider error codes are kept so failures can be
/// reported by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendDecision {
    /// Accepted; the provider's message id when it returned one (wamid, Telegram message_id,
    /// Messenger message_id).
    Sent { provider_message_id: Option<String> },
    /// Transient: try again with backoff, no sooner than `retry_after_secs` when given.
    Retry {
        code: Option<i64>,
        retry_after_secs: Option<u64>,
    },
    /// The 24-hour window has closed: resend as a template (WhatsApp) or a tagged message
    /// (Messenger), or record that it could not be sent.
    NeedsTemplate { code: i64 },
    /// Will never succeed as it is: record the failure with its code.
    Permanent { code: Option<i64>, reason: String },
}

impl SendDecision {
    /// A time-out or connection failure: the provider may or may not have the message, and
    /// every provider tolerates a retry better than a loss.
    pub fn transport_failure() -> SendDecision {
        SendDecision::Retry {
            code: None,
            retry_after_secs: None,
        }
    }
}

/// Classifies one HTTP answer from `channel`'s send API.
pub fn classify(channel: Channel, status: u16, body: &[u8]) -> SendDecision {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        let id = match channel {
            Channel::WhatsApp => json.pointer("/messages/0/id").and_then(as_string),
            Channel::Telegram => json.pointer("/result/message_id").and_then(as_string),
            Channel::Messenger => json.pointer("/message_id").and_then(as_string),
        };
        // Telegram can answer 200 with ok:false; it has never been seen for sends, but a
        // false `ok` must not count as delivered.
        if channel != Channel::Telegram || json["ok"].as_bool() != Some(false) {
            return SendDecision::Sent {
                provider_message_id: id,
            };
        }
    }
    match channel {
        Channel::Telegram => {
            let code = json["error_code"].as_i64().or(Some(i64::from(status)));
            let retry_after = json
                .pointer("/parameters/retry_after")
                .and_then(Value::as_u64);
            if status == 429 || status >= 500 || retry_after.is_some() {
                return SendDecision::Retry {
                    code,
                    retry_after_secs: retry_after,
                };
            }
            SendDecision::Permanent {
                code,
                reason: json["description"]
                    .as_str()
                    .unwrap_or("telegram error")
                    .to_string(),
            }
        }
        Channel::WhatsApp | Channel::Messenger => meta_error(channel, status, &json),
    }
}

fn meta_error(channel: Channel, status: u16, json: &Value) -> SendDecision {
    let code = json.pointer("/error/code").and_then(Value::as_i64);
    let subcode = json.pointer("/error/error_subcode").and_then(Value::as_i64);
    let message = json
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let retry = || SendDecision::Retry {
        code,
        retry_after_secs: None,
    };
    match (channel, code, subcode) {
        // WhatsApp: throughput (130429), pair rate limit (131056), number in maintenance
        // (131057), temporary service errors (131000 generic, 2 / 1 API unavailable).
        (Channel::WhatsApp, Some(130429 | 131056 | 131057 | 131000), _) => retry(),
        (Channel::WhatsApp, Some(131047), _) => SendDecision::NeedsTemplate { code: 131047 },
        // Messenger: 10/2018278 = message sent outside the allowed window.
        (Channel::Messenger, Some(10), Some(2018278)) => SendDecision::NeedsTemplate { code: 10 },
        // Messenger: 613 rate limit, 1200 temporary send failure.
        (Channel::Messenger, Some(613 | 1200), _) => retry(),
        // Graph API-wide: 1 unknown, 2 service unavailable, 4 app rate limit, 80007 WABA rate limit.
        (_, Some(1 | 2 | 4 | 80007), _) => retry(),
        _ if status == 429 || status >= 500 => retry(),
        (Channel::WhatsApp, Some(c), _) => SendDecision::Permanent {
            code: Some(c),
            reason: whatsapp_reason(c, &message),
        },
        _ => SendDecision::Permanent {
            code: code.or(Some(i64::from(status))),
            reason: if message.is_empty() {
                format!("HTTP {status}")
            } else {
                message
            },
        },
    }
}

fn whatsapp_reason(code: i64, message: &str) -> String {
    let known = match code {
        131026 => "message undeliverable (not a WhatsApp user or old app)",
        131048 => "spam rate limit: too many messages blocked or reported",
        131051 => "unsupported message type",
        132000 | 132001 | 132012 => "template rejected (parameters, name or language)",
        _ => "",
    };
    if known.is_empty() {
        message.to_string()
    } else {
        known.to_string()
    }
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

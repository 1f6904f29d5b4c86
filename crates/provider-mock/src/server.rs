//! Routing and the common pipeline every send goes through: authenticate, check the body,
//! apply scripted faults, random failures and closed windows, then answer and record.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use channels::Channel;
use chrono::Utc;
use serde_json::{json, Value};

use crate::config::Fault;
use crate::state::{index, Outcome, Recorded, Shared};
use crate::{messenger, status, telegram, whatsapp};

/// An HTTP answer: status and JSON body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub(crate) fn new(status: u16, body: Value) -> Answer {
        Answer { status, body }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.body)).into_response()
    }
}

/// What a body that passed its checks asks for.
pub(crate) struct Valid {
    pub recipient: Option<String>,
    /// A message to a participant; receipts and acknowledgements are not.
    pub message: bool,
    /// Refused while the recipient's 24-hour window is closed.
    pub windowed: bool,
    /// WhatsApp `biz_opaque_callback_data`, echoed in status webhooks.
    pub biz_opaque: Option<String>,
    /// A WhatsApp template (priced as utility rather than service).
    pub template: bool,
}

impl Valid {
    pub(crate) fn message(recipient: String) -> Valid {
        Valid {
            recipient: Some(recipient),
            message: true,
            windowed: false,
            biz_opaque: None,
            template: false,
        }
    }

    pub(crate) fn receipt(recipient: Option<String>) -> Valid {
        Valid {
            recipient,
            message: false,
            windowed: false,
            biz_opaque: None,
            template: false,
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

/// The endpoint a path names.
enum Endpoint {
    WhatsApp { phone_number_id: String },
    Telegram { token: String, method: String },
    Messenger { token: Option<String> },
}

/// A request on a provider's path that is not one of the mocked endpoints.
struct Unknown {
    channel: Channel,
    path: String,
}

fn is_graph_version(seg: &str) -> bool {
    seg.strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// Maps a path to its endpoint, and gives the path as it may be logged (tokens redacted).
fn route(uri: &Uri) -> Option<(Result<Endpoint, Unknown>, String)> {
    let path = uri.path();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let Some(token) = segs[0].strip_prefix("bot") {
        let rest = segs[1..].join("/");
        let redacted = format!("/bot***/{rest}");
        let endpoint = match segs.as_slice() {
            [_, method] if telegram::known_method(method) => Ok(Endpoint::Telegram {
                token: token.to_string(),
                method: (*method).to_string(),
            }),
            _ => Err(Unknown {
                channel: Channel::Telegram,
                path: redacted.clone(),
            }),
        };
        return Some((endpoint, redacted));
    }
    if !is_graph_version(segs[0]) {
        return None;
    }
    let (token, query) = redact_query(uri.query());
    let redacted = format!("{path}{query}");
    let endpoint = match segs.as_slice() {
        [_, "me", "messages"] => Ok(Endpoint::Messenger { token }),
        [_, "me", ..] => Err(Unknown {
            channel: Channel::Messenger,
            path: redacted.clone(),
        }),
        [_, id, "messages"] if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Endpoint::WhatsApp {
                phone_number_id: (*id).to_string(),
            })
        }
        _ => Err(Unknown {
            channel: Channel::WhatsApp,
            path: redacted.clone(),
        }),
    };
    Some((endpoint, redacted))
}

/// The `access_token` query value, and the query with it replaced by `***`.
fn redact_query(query: Option<&str>) -> (Option<String>, String) {
    let Some(q) = query else {
        return (None, String::new());
    };
    let mut token = None;
    let parts: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("access_token", v)) => {
                token = Some(v.to_string());
                "access_token=***".to_string()
            }
            _ => pair.to_string(),
        })
        .collect();
    (token, format!("?{}", parts.join("&")))
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match (method.as_str(), uri.path()) {
        ("GET", "/_mock/stats") => return Json(shared.stats()).into_response(),
        ("POST", "/_mock/reset") => {
            shared.reset();
            return Json(json!({"ok": true})).into_response();
        }
        _ => {}
    }
    let Some((endpoint, path)) = route(&uri) else {
        return (StatusCode::NOT_FOUND, "not a mocked provider path").into_response();
    };
    let exchange = Exchange {
        shared: &shared,
        method: method.as_str().to_string(),
        path,
    };
    match endpoint {
        Ok(endpoint) => exchange.send(endpoint, &method, &headers, &body).await,
        Err(unknown) => exchange.unknown(unknown, &body),
    }
}

struct Exchange<'a> {
    shared: &'a Arc<Shared>,
    method: String,
    path: String,
}

impl Exchange<'_> {
    fn record(
        &self,
        channel: Channel,
        body: Value,
        answer: &Answer,
        outcome: Outcome,
        detail: (Option<String>, Option<String>, Option<String>),
    ) {
        let (rejection, recipient, message_id) = detail;
        self.shared.record(
            Recorded {
                channel,
                method: self.method.clone(),
                path: self.path.clone(),
                body,
                accepted: outcome == Outcome::Accepted,
                rejection,
                recipient,
                status: answer.status,
                message_id,
                at: Utc::now(),
            },
            outcome,
        );
    }

    fn reject(
        &self,
        channel: Channel,
        body: Value,
        answer: Answer,
        outcome: Outcome,
        reason: String,
        recipient: Option<String>,
    ) -> Response {
        tracing::debug!(%channel, path = %self.path, %reason, "mock provider rejected a request");
        self.record(
            channel,
            body,
            &answer,
            outcome,
            (Some(reason), recipient, None),
        );
        answer.into_response()
    }

    fn unknown(&self, unknown: Unknown, body: &Bytes) -> Response {
        let trace = self.shared.trace_id();
        let answer = match unknown.channel {
            Channel::WhatsApp => whatsapp::not_found(&unknown.path, &trace),
            Channel::Telegram => telegram::not_found(),
            Channel::Messenger => messenger::not_found(&unknown.path, &trace),
        };
        let body = serde_json::from_slice(body).unwrap_or(Value::Null);
        let reason = format!("no mocked endpoint at {}", unknown.path);
        self.reject(
            unknown.channel,
            body,
            answer,
            Outcome::Invalid,
            reason,
            None,
        )
    }

    async fn send(
        &self,
        endpoint: Endpoint,
        method: &Method,
        headers: &HeaderMap,
        raw: &Bytes,
    ) -> Response {
        let shared = self.shared;
        let config = &shared.config;
        let trace = shared.trace_id();
        let channel = match &endpoint {
            Endpoint::WhatsApp { .. } => Channel::WhatsApp,
            Endpoint::Telegram { .. } => Channel::Telegram,
            Endpoint::Messenger { .. } => Channel::Messenger,
        };
        let invalid = |reason: &str| match channel {
            Channel::WhatsApp => whatsapp::invalid(reason, &trace),
            Channel::Telegram => telegram::invalid(reason),
            Channel::Messenger => messenger::invalid(reason, &trace),
        };
        let (body, parse_error) = match serde_json::from_slice::<Value>(raw) {
            Ok(v) => (v, None),
            Err(e) => (Value::Null, Some(format!("body is not valid JSON: {e}"))),
        };
        // Authentication comes first, as on the real APIs: a bad token says nothing about
        // the body.
        let authorized = match &endpoint {
            Endpoint::WhatsApp { .. } => {
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    == Some(config.whatsapp_token.as_str())
            }
            Endpoint::Telegram { token, .. } => *token == config.telegram_token,
            Endpoint::Messenger { token } => {
                token.as_deref() == Some(config.messenger_page_token.as_str())
            }
        };
        if !authorized {
            let answer = match channel {
                Channel::WhatsApp => whatsapp::unauthorized(&trace),
                Channel::Telegram => telegram::unauthorized(),
                Channel::Messenger => messenger::unauthorized(&trace),
            };
            let reason = "wrong or missing access token".to_string();
            return self.reject(channel, body, answer, Outcome::Unauthorized, reason, None);
        }
        if *method != Method::POST {
            let reason = format!("{method} is not mocked; send a POST with a JSON body");
            return self.reject(
                channel,
                body,
                invalid(&reason),
                Outcome::Invalid,
                reason,
                None,
            );
        }
        let json_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !json_type {
            let reason = "Content-Type must be application/json".to_string();
            return self.reject(
                channel,
                body,
                invalid(&reason),
                Outcome::Invalid,
                reason,
                None,
            );
        }
        if let Some(reason) = parse_error {
            return self.reject(
                channel,
                body,
                invalid(&reason),
                Outcome::Invalid,
                reason,
                None,
            );
        }
        let checked = match &endpoint {
            Endpoint::WhatsApp { .. } => whatsapp::validate(&body),
            Endpoint::Telegram { method, .. } => telegram::validate(method, &body),
            Endpoint::Messenger { .. } => messenger::validate(&body),
        };
        let valid = match checked {
            Ok(v) => v,
            Err(reason) => {
                let recipient = recipient_hint(channel, &body);
                return self.reject(
                    channel,
                    body,
                    invalid(&reason),
                    Outcome::Invalid,
                    reason,
                    recipient,
                );
            }
        };

        // One look at the shared state decides the fate of the request, so concurrent
        // requests consume scripted faults strictly in order.
        let (fault, random_failure, window_closed) = {
            let mut st = shared.state();
            let fault = if valid.message {
                st.faults[index(channel)].pop_front()
            } else {
                None
            };
            let random_failure =
                fault.is_none() && st.failure_rate > 0.0 && st.next_f64() < st.failure_rate;
            let window_closed = valid.windowed
                && valid
                    .recipient
                    .as_ref()
                    .is_some_and(|r| st.closed.contains(r));
            (fault, random_failure, window_closed)
        };
        let mut delay: Option<Duration> = None;
        match fault {
            Some(Fault::Delay(d)) => delay = Some(d),
            Some(f) => {
                let answer = match channel {
                    Channel::WhatsApp => whatsapp::fault(&f, &trace),
                    Channel::Telegram => telegram::fault(&f),
                    Channel::Messenger => messenger::fault(&f, &trace),
                };
                let reason = format!("injected fault: {f:?}");
                return self.reject(
                    channel,
                    body,
                    answer,
                    Outcome::Fault,
                    reason,
                    valid.recipient,
                );
            }
            None => {}
        }
        if random_failure {
            let answer = match channel {
                Channel::WhatsApp => whatsapp::server_error(&trace),
                Channel::Telegram => telegram::server_error(),
                Channel::Messenger => messenger::server_error(&trace),
            };
            let reason = "random failure (failure_rate)".to_string();
            return self.reject(
                channel,
                body,
                answer,
                Outcome::Fault,
                reason,
                valid.recipient,
            );
        }
        if window_closed {
            let answer = match channel {
                Channel::WhatsApp => whatsapp::window_closed(&trace),
                Channel::Messenger => messenger::window_closed(&trace),
                // Telegram has no window; `windowed` is never set for it.
                Channel::Telegram => telegram::server_error(),
            };
            let reason = "24-hour window closed for this recipient".to_string();
            return self.reject(
                channel,
                body,
                answer,
                Outcome::WindowClosed,
                reason,
                valid.recipient,
            );
        }

        let n = shared.next_id();
        let (answer_body, message_id) = match &endpoint {
            Endpoint::WhatsApp { .. } => {
                let to = valid.recipient.as_deref().unwrap_or_default();
                let id = valid.message.then(|| shared.wamid(n, to));
                (
                    whatsapp::success(&valid, &body, id.as_deref().unwrap_or("")),
                    id,
                )
            }
            Endpoint::Telegram { method, .. } => {
                let date = Utc::now().timestamp();
                let id = valid.message.then(|| n.to_string());
                (telegram::success(method, &body, n, date), id)
            }
            Endpoint::Messenger { .. } => {
                let id = valid.message.then(|| shared.mid(n));
                (messenger::success(&valid, id.as_deref().unwrap_or("")), id)
            }
        };
        let answer = Answer::new(200, answer_body);
        if let (Endpoint::WhatsApp { phone_number_id }, Some(wamid), Some(to)) =
            (&endpoint, &message_id, &valid.recipient)
        {
            if let Some(hook) = &config.status_webhook {
                status::spawn(
                    Arc::clone(shared),
                    hook.clone(),
                    status::Job {
                        wamid: wamid.clone(),
                        recipient: to.clone(),
                        phone_number_id: phone_number_id.clone(),
                        biz_opaque: valid.biz_opaque.clone(),
                        template: valid.template,
                    },
                );
            }
        }
        self.record(
            channel,
            body,
            &answer,
            Outcome::Accepted,
            (None, valid.recipient, message_id),
        );
        // Recorded first: a client that gives up waiting still leaves a delivered message.
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        answer.into_response()
    }
}

/// Who a rejected body was meant for, when it says, so rejections can be traced to a
/// conversation.
fn recipient_hint(channel: Channel, body: &Value) -> Option<String> {
    let v = match channel {
        Channel::WhatsApp => &body["to"],
        Channel::Telegram => &body["chat_id"],
        Channel::Messenger => &body["recipient"]["id"],
    };
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

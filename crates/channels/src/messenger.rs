//! Facebook Messenger Platform: `page` webhooks in, `/me/messages` bodies out.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::event::{Attachment, Channel, EventKind, InboundEvent, Sender};
use crate::limits::{clip_chars, split_chars, unique_ids};
use crate::outbound::{OutboundRequest, Window, SECRET};
use crate::{Lenient, ParseError};

/// Text must be shorter than 2000 characters.
pub const MAX_TEXT: usize = 1999;
pub const MAX_QUICK_REPLIES: usize = 13;
pub const MAX_QUICK_REPLY_TITLE: usize = 20;
pub const MAX_PAYLOAD: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct Webhook {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub id: Option<String>,
    pub time: Option<i64>,
    #[serde(default)]
    pub messaging: Vec<Lenient<Messaging>>,
}

#[derive(Debug, Deserialize)]
pub struct Id {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Messaging {
    pub sender: Id,
    pub recipient: Option<Id>,
    #[serde(default)]
    pub timestamp: i64,
    pub message: Option<FbMessage>,
    pub postback: Option<Postback>,
    pub delivery: Option<Value>,
    pub read: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct FbMessage {
    pub mid: String,
    #[serde(default)]
    pub is_echo: bool,
    pub text: Option<String>,
    pub quick_reply: Option<QuickReply>,
    #[serde(default)]
    pub attachments: Vec<FbAttachment>,
}

#[derive(Debug, Deserialize)]
pub struct QuickReply {
    pub payload: String,
}

#[derive(Debug, Deserialize)]
pub struct FbAttachment {
    #[serde(rename = "type")]
    pub kind: String,
    pub payload: Option<AttachmentPayload>,
}

#[derive(Debug, Deserialize)]
pub struct AttachmentPayload {
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Postback {
    pub mid: Option<String>,
    pub title: Option<String>,
    pub payload: String,
}

/// Parses a Messenger webhook body into every event it carries; echoes of our own messages
/// and delivery/read receipts are skipped.
pub fn parse(raw_body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    let hook: Webhook = serde_json::from_slice(raw_body).map_err(|source| ParseError::Json {
        channel: Channel::Messenger,
        source,
    })?;
    if hook.object != "page" {
        return Err(ParseError::UnexpectedObject {
            channel: Channel::Messenger,
            object: hook.object,
        });
    }
    let mut events = Vec::new();
    // An event we cannot read has no sender we could answer; it is skipped, not fatal.
    let items = hook.entry.iter().flat_map(|e| &e.messaging);
    for ev in items.filter_map(|ev| match ev {
        Lenient::Parsed(ev) => Some(ev),
        Lenient::Raw(_) => None,
    }) {
        let (provider_id, kind) = if let Some(m) = &ev.message {
            if m.is_echo {
                continue;
            }
            (m.mid.clone(), message_kind(m))
        } else if let Some(p) = &ev.postback {
            // Postbacks from older clients carry no mid; fall back to sender + time.
            let id = p
                .mid
                .clone()
                .unwrap_or_else(|| format!("postback:{}:{}", ev.sender.id, ev.timestamp));
            (
                id,
                EventKind::Choice {
                    id: p.payload.clone(),
                    title: p.title.clone(),
                },
            )
        } else if ev.delivery.is_some() || ev.read.is_some() {
            continue;
        } else {
            (
                format!("unknown:{}:{}", ev.sender.id, ev.timestamp),
                EventKind::Unsupported {
                    what: "messenger event".into(),
                },
            )
        };
        events.push(InboundEvent {
            channel: Channel::Messenger,
            provider_id,
            sender: Sender {
                address: ev.sender.id.clone(),
                display_name: None,
                verified_phone: None,
            },
            timestamp: ev.timestamp / 1000,
            kind,
        });
    }
    Ok(events)
}

fn message_kind(m: &FbMessage) -> EventKind {
    // A quick reply also carries its title as text; the payload is what identifies it.
    if let Some(q) = &m.quick_reply {
        return EventKind::Choice {
            id: q.payload.clone(),
            title: m.text.clone(),
        };
    }
    if let Some(t) = &m.text {
        return EventKind::Text { text: t.clone() };
    }
    match m.attachments.first() {
        Some(a) if matches!(a.kind.as_str(), "image" | "file" | "video" | "audio") => {
            match a.payload.as_ref().and_then(|p| p.url.clone()) {
                Some(url) => EventKind::Attachment(Attachment {
                    kind: a.kind.clone(),
                    id: url,
                    mime_type: None,
                    sha256: None,
                    caption: None,
                    filename: None,
                }),
                None => EventKind::Unsupported {
                    what: format!("messenger {} without url", a.kind),
                },
            }
        }
        Some(a) => EventKind::Unsupported {
            what: format!("messenger {}", a.kind),
        },
        None => EventKind::Unsupported {
            what: "messenger message".into(),
        },
    }
}

/// Renders one engine message as the Messenger calls that show it, in order. Outside the
/// 24-hour window it is sent with the ACCOUNT_UPDATE tag (the caller decides it applies).
pub fn render(
    page_token: &str,
    psid: &str,
    window: Window,
    message: &dialog::Message,
) -> Vec<OutboundRequest> {
    let (text, options): (String, Vec<(&str, &str)>) = match message {
        dialog::Message::Text { text, buttons } => (
            text.clone(),
            buttons
                .iter()
                .map(|b| (b.id.as_str(), b.title.as_str()))
                .collect(),
        ),
        dialog::Message::List { text, rows, .. } => (
            text.clone(),
            rows.iter()
                .map(|r| (r.id.as_str(), r.title.as_str()))
                .collect(),
        ),
        dialog::Message::Location {
            latitude,
            longitude,
            name,
            address,
        } => (
            format!("{name}\n{address}\nhttps://maps.google.com/?q={latitude},{longitude}"),
            Vec::new(),
        ),
        dialog::Message::LocationRequest { text } | dialog::Message::ContactRequest { text } => {
            (text.clone(), Vec::new())
        }
    };
    let options = &options[..options.len().min(MAX_QUICK_REPLIES)];
    let payloads = unique_ids(options.iter().map(|(id, _)| *id), MAX_PAYLOAD);
    let quick_replies: Vec<Value> = options
        .iter()
        .zip(&payloads)
        .map(|((_, title), payload)| {
            json!({"content_type": "text", "title": clip_chars(title, MAX_QUICK_REPLY_TITLE), "payload": payload})
        })
        .collect();
    let chunks = split_chars(&text, MAX_TEXT);
    let last = chunks.len().saturating_sub(1);
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut msg = json!({"text": chunk});
            if i == last && !quick_replies.is_empty() {
                msg["quick_replies"] = json!(quick_replies);
            }
            let mut body = json!({"recipient": {"id": psid}, "message": msg});
            match window {
                Window::Open => body["messaging_type"] = json!("RESPONSE"),
                Window::Closed => {
                    body["messaging_type"] = json!("MESSAGE_TAG");
                    body["tag"] = json!("ACCOUNT_UPDATE");
                }
            }
            OutboundRequest::post_with_secret(
                format!("/me/messages?access_token={SECRET}"),
                page_token,
                body,
            )
        })
        .collect()
}

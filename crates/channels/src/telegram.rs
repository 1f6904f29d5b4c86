//! Telegram Bot API: `Update` webhooks in, `sendMessage` and friends out.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::event::{Attachment, Channel, EventKind, InboundEvent, Sender};
use crate::limits::{prefix_bytes, split_chars, unique_ids};
use crate::outbound::{OutboundRequest, SECRET};
use crate::ParseError;

pub const MAX_TEXT: usize = 4096;
pub const MAX_CALLBACK_DATA: usize = 64;
/// answerCallbackQuery notification text limit.
pub const MAX_CALLBACK_ANSWER: usize = 200;

#[derive(Debug, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<TgMessage>,
    pub edited_message: Option<TgMessage>,
    pub callback_query: Option<CallbackQuery>,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TgMessage {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    pub date: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    pub location: Option<TgLocation>,
    pub contact: Option<TgContact>,
    pub document: Option<TgDocument>,
    pub photo: Option<Vec<PhotoSize>>,
}

#[derive(Debug, Deserialize)]
pub struct TgLocation {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Deserialize)]
pub struct TgContact {
    pub phone_number: String,
    pub user_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct TgDocument {
    pub file_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    pub width: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    pub message: Option<TgMessage>,
    pub data: Option<String>,
}

fn display_name(u: &User) -> Option<String> {
    match (&u.first_name, &u.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(f), None) => Some(f.clone()),
        (None, l) => l.clone(),
    }
}

/// Parses one Telegram webhook body (one `Update`) into its event; updates of kinds we did
/// not subscribe to come back as `Unsupported`.
pub fn parse(raw_body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    let u: Update = serde_json::from_slice(raw_body).map_err(|source| ParseError::Json {
        channel: Channel::Telegram,
        source,
    })?;
    let provider_id = u.update_id.to_string();
    let event = |address: i64, user: Option<&User>, timestamp: i64, kind: EventKind| InboundEvent {
        channel: Channel::Telegram,
        provider_id: provider_id.clone(),
        sender: Sender {
            address: address.to_string(),
            display_name: user.and_then(display_name),
            // Telegram never vouches for a phone in the sender; a shared own contact is
            // reported as `Contact { own: true }` for the engine to decide.
            verified_phone: None,
        },
        timestamp,
        kind,
    };
    let ev = if let Some(m) = &u.message {
        event(m.chat.id, m.from.as_ref(), m.date, message_kind(m))
    } else if let Some(m) = &u.edited_message {
        event(
            m.chat.id,
            m.from.as_ref(),
            m.date,
            EventKind::Edited {
                text: m.text.clone(),
            },
        )
    } else if let Some(q) = &u.callback_query {
        // Reply in the chat the button was in; fall back to the user's private chat.
        let chat = q.message.as_ref().map_or(q.from.id, |m| m.chat.id);
        let date = q.message.as_ref().map_or(0, |m| m.date);
        event(
            chat,
            Some(&q.from),
            date,
            EventKind::CallbackQuery {
                query_id: q.id.clone(),
                data: q.data.clone(),
            },
        )
    } else {
        let what = serde_json::from_slice::<serde_json::Map<String, Value>>(raw_body)
            .ok()
            .and_then(|m| m.keys().find(|k| *k != "update_id").cloned())
            .unwrap_or_else(|| "unknown".to_string());
        event(
            0,
            None,
            0,
            EventKind::Unsupported {
                what: format!("telegram {what}"),
            },
        )
    };
    Ok(vec![ev])
}

fn message_kind(m: &TgMessage) -> EventKind {
    if let Some(text) = &m.text {
        return EventKind::Text { text: text.clone() };
    }
    if let Some(l) = &m.location {
        return EventKind::Location {
            latitude: l.latitude,
            longitude: l.longitude,
            name: None,
            address: None,
        };
    }
    if let Some(c) = &m.contact {
        // Only the sender's own card (shared via a request_contact button) proves the number.
        let own = matches!((c.user_id, &m.from), (Some(uid), Some(from)) if uid == from.id);
        return EventKind::Contact {
            phone: c.phone_number.clone(),
            own,
        };
    }
    if let Some(d) = &m.document {
        return EventKind::Attachment(Attachment {
            kind: "document".into(),
            id: d.file_id.clone(),
            mime_type: d.mime_type.clone(),
            sha256: None,
            caption: m.caption.clone(),
            filename: d.file_name.clone(),
        });
    }
    if let Some(sizes) = &m.photo {
        // Telegram lists several sizes; keep the largest.
        if let Some(p) = sizes.iter().max_by_key(|p| p.width.unwrap_or(0)) {
            return EventKind::Attachment(Attachment {
                kind: "image".into(),
                id: p.file_id.clone(),
                mime_type: None,
                sha256: None,
                caption: m.caption.clone(),
                filename: None,
            });
        }
    }
    EventKind::Unsupported {
        what: "telegram message".into(),
    }
}

fn method(token: &str, name: &str, body: Value) -> OutboundRequest {
    OutboundRequest::post_with_secret(format!("/bot{SECRET}/{name}"), token, body)
}

/// Renders one engine message as the Telegram calls that show it, in order.
pub fn render(token: &str, chat_id: &str, message: &dialog::Message) -> Vec<OutboundRequest> {
    let send = |text: &str, markup: Option<Value>| {
        let mut out: Vec<OutboundRequest> = Vec::new();
        let chunks = split_chars(text, MAX_TEXT);
        let last = chunks.len().saturating_sub(1);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut body = json!({"chat_id": chat_id, "text": chunk});
            // The keyboard goes under the last part, where the question is.
            if let (true, Some(m)) = (i == last, &markup) {
                body["reply_markup"] = m.clone();
            }
            out.push(method(token, "sendMessage", body));
        }
        out
    };
    let inline = |options: Vec<(&str, &str)>| {
        let data = unique_ids(options.iter().map(|(id, _)| *id), MAX_CALLBACK_DATA);
        let rows: Vec<Value> = options
            .iter()
            .zip(&data)
            .map(|((_, title), d)| json!([{"text": title, "callback_data": d}]))
            .collect();
        json!({"inline_keyboard": rows})
    };
    match message {
        dialog::Message::Text { text, buttons } if buttons.is_empty() => send(text, None),
        dialog::Message::Text { text, buttons } => send(
            text,
            Some(inline(
                buttons
                    .iter()
                    .map(|b| (b.id.as_str(), b.title.as_str()))
                    .collect(),
            )),
        ),
        dialog::Message::List { text, rows, .. } if rows.is_empty() => send(text, None),
        dialog::Message::List { text, rows, .. } => send(
            text,
            Some(inline(
                rows.iter()
                    .map(|r| (r.id.as_str(), r.title.as_str()))
                    .collect(),
            )),
        ),
        dialog::Message::Location {
            latitude,
            longitude,
            name,
            address,
        } => vec![method(
            token,
            "sendVenue",
            json!({"chat_id": chat_id, "latitude": latitude, "longitude": longitude,
                   "title": name, "address": address}),
        )],
        dialog::Message::LocationRequest { text } => send(
            text,
            Some(reply_keyboard("📍 Kirim lokasi", "request_location")),
        ),
        dialog::Message::ContactRequest { text } => send(
            text,
            Some(reply_keyboard("📱 Kirim nomor HP", "request_contact")),
        ),
    }
}

fn reply_keyboard(label: &str, request: &str) -> Value {
    let mut button = json!({"text": label});
    button[request] = json!(true);
    json!({"keyboard": [[button]], "resize_keyboard": true, "one_time_keyboard": true})
}

/// Removes a reply keyboard once it served its purpose.
pub fn remove_keyboard(token: &str, chat_id: &str, text: &str) -> OutboundRequest {
    method(
        token,
        "sendMessage",
        json!({"chat_id": chat_id, "text": prefix_bytes(text, MAX_TEXT), "reply_markup": {"remove_keyboard": true}}),
    )
}

/// Acknowledges a button tap; Telegram keeps the button spinning until this is sent.
pub fn answer_callback_query(token: &str, query_id: &str, text: Option<&str>) -> OutboundRequest {
    let mut body = json!({"callback_query_id": query_id});
    if let Some(t) = text {
        body["text"] = json!(crate::limits::clip_chars(t, MAX_CALLBACK_ANSWER));
    }
    method(token, "answerCallbackQuery", body)
}

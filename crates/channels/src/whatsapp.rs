//! WhatsApp Business Cloud API: webhook payloads in, `/{phone_number_id}/messages` bodies out.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::event::{
    Attachment, Channel, DeliveryState, DeliveryStatus, EventKind, InboundEvent, Sender,
};
use crate::limits::{clip_chars, split_chars, unique_ids, unique_titles};
use crate::outbound::{OutboundRequest, RenderError, Window};
use crate::{Lenient, ParseError};

pub const MAX_TEXT: usize = 4096;
pub const MAX_INTERACTIVE_BODY: usize = 1024;
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE: usize = 20;
pub const MAX_BUTTON_ID: usize = 256;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_ID: usize = 200;
pub const MAX_ROW_TITLE: usize = 24;
pub const MAX_ROW_DESCRIPTION: usize = 72;
pub const MAX_SECTION_TITLE: usize = 24;
pub const MAX_LIST_BUTTON: usize = 20;

// ---- webhook payload (only the fields we use; unknown fields are ignored) ----

#[derive(Debug, Deserialize)]
pub struct Webhook {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub field: String,
    /// Kept raw: only `field == "messages"` values have the shape of [`ChangeValue`].
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeValue {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Lenient<WaMessage>>,
    #[serde(default)]
    pub statuses: Vec<Lenient<Status>>,
}

#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub display_phone_number: Option<String>,
    pub phone_number_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub wa_id: String,
    #[serde(default)]
    pub profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WaMessage {
    pub from: String,
    pub id: String,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<TextBody>,
    pub interactive: Option<Interactive>,
    pub button: Option<TemplateButton>,
    pub location: Option<Location>,
    pub image: Option<Media>,
    pub document: Option<Media>,
    pub contacts: Option<Vec<ContactCard>>,
}

#[derive(Debug, Deserialize)]
pub struct TextBody {
    pub body: String,
}

#[derive(Debug, Deserialize)]
pub struct Interactive {
    #[serde(rename = "type")]
    pub kind: String,
    pub button_reply: Option<Reply>,
    pub list_reply: Option<Reply>,
}

#[derive(Debug, Deserialize)]
pub struct Reply {
    pub id: String,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TemplateButton {
    pub payload: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Media {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ContactCard {
    #[serde(default)]
    pub phones: Vec<ContactPhone>,
}

#[derive(Debug, Deserialize)]
pub struct ContactPhone {
    pub phone: Option<String>,
    pub wa_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    pub timestamp: String,
    pub recipient_id: String,
    #[serde(default)]
    pub errors: Vec<StatusError>,
    #[serde(default)]
    pub biz_opaque_callback_data: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StatusError {
    pub code: i64,
    #[serde(default)]
    pub title: Option<String>,
}

/// Parses a WhatsApp webhook body (already signature-checked) into every event it carries.
pub fn parse(raw_body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    let hook: Webhook = serde_json::from_slice(raw_body).map_err(|source| ParseError::Json {
        channel: Channel::WhatsApp,
        source,
    })?;
    if hook.object != "whatsapp_business_account" {
        return Err(ParseError::UnexpectedObject {
            channel: Channel::WhatsApp,
            object: hook.object,
        });
    }
    let mut events = Vec::new();
    for change in hook.entry.iter().flat_map(|e| &e.changes) {
        if change.field != "messages" {
            continue;
        }
        let Some(value) = change
            .value
            .as_ref()
            .and_then(|v| ChangeValue::deserialize(v).ok())
        else {
            continue;
        };
        for m in &value.messages {
            let m = match m {
                Lenient::Parsed(m) => m,
                Lenient::Raw(raw) => {
                    events.extend(malformed(raw));
                    continue;
                }
            };
            let name = value
                .contacts
                .iter()
                .find(|c| c.wa_id == m.from)
                .and_then(|c| c.profile.as_ref())
                .and_then(|p| p.name.clone());
            events.push(InboundEvent {
                channel: Channel::WhatsApp,
                provider_id: m.id.clone(),
                sender: Sender {
                    address: m.from.clone(),
                    display_name: name,
                    // WhatsApp authenticates the number itself; foreign numbers stay None.
                    verified_phone: jkn::Msisdn::parse(&m.from).ok(),
                },
                timestamp: m.timestamp.parse().unwrap_or(0),
                kind: message_kind(m),
            });
        }
        for s in value.statuses.iter().filter_map(|s| match s {
            Lenient::Parsed(s) => Some(s),
            // A status we cannot read updates nothing; the sender still has its own record.
            Lenient::Raw(_) => None,
        }) {
            let state = match s.status.as_str() {
                "sent" => Some(DeliveryState::Sent),
                "delivered" => Some(DeliveryState::Delivered),
                "read" => Some(DeliveryState::Read),
                "failed" => Some(DeliveryState::Failed),
                _ => None,
            };
            let kind = match state {
                Some(state) => EventKind::Status(DeliveryStatus {
                    message_id: s.id.clone(),
                    state,
                    recipient: s.recipient_id.clone(),
                    errors: s
                        .errors
                        .iter()
                        .map(|e| (e.code, e.title.clone().unwrap_or_default()))
                        .collect(),
                    callback_data: s.biz_opaque_callback_data.clone(),
                }),
                None => EventKind::Unsupported {
                    what: format!("whatsapp status {}", s.status),
                },
            };
            events.push(InboundEvent {
                channel: Channel::WhatsApp,
                provider_id: format!("{}:{}", s.id, s.status),
                sender: Sender {
                    address: s.recipient_id.clone(),
                    display_name: None,
                    verified_phone: None,
                },
                timestamp: s.timestamp.parse().unwrap_or(0),
                kind,
            });
        }
    }
    Ok(events)
}

/// A message without its documented fields: answered as unsupported when it still says who
/// sent it and under which id (so it can be deduplicated), otherwise dropped.
fn malformed(raw: &Value) -> Option<InboundEvent> {
    let from = raw["from"].as_str()?;
    let id = raw["id"].as_str()?;
    Some(InboundEvent {
        channel: Channel::WhatsApp,
        provider_id: id.to_string(),
        sender: Sender {
            address: from.to_string(),
            display_name: None,
            verified_phone: jkn::Msisdn::parse(from).ok(),
        },
        timestamp: raw["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        kind: EventKind::Unsupported {
            what: format!(
                "whatsapp malformed {}",
                raw["type"].as_str().unwrap_or("message")
            ),
        },
    })
}

fn message_kind(m: &WaMessage) -> EventKind {
    let unsupported = || EventKind::Unsupported {
        what: format!("whatsapp {}", m.kind),
    };
    match m.kind.as_str() {
        "text" => m
            .text
            .as_ref()
            .map_or_else(unsupported, |t| EventKind::Text {
                text: t.body.clone(),
            }),
        "interactive" => {
            let reply = m
                .interactive
                .as_ref()
                .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()));
            reply.map_or_else(unsupported, |r| EventKind::Choice {
                id: r.id.clone(),
                title: r.title.clone(),
            })
        }
        // A template quick-reply button: its payload is the id we gave it.
        "button" => m
            .button
            .as_ref()
            .and_then(|b| {
                b.payload
                    .clone()
                    .or_else(|| b.text.clone())
                    .map(|id| EventKind::Choice {
                        id,
                        title: b.text.clone(),
                    })
            })
            .unwrap_or_else(unsupported),
        "location" => m
            .location
            .as_ref()
            .map_or_else(unsupported, |l| EventKind::Location {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name.clone(),
                address: l.address.clone(),
            }),
        "image" | "document" => {
            let media = if m.kind == "image" {
                &m.image
            } else {
                &m.document
            };
            media.as_ref().map_or_else(unsupported, |d| {
                EventKind::Attachment(Attachment {
                    kind: m.kind.clone(),
                    id: d.id.clone(),
                    mime_type: d.mime_type.clone(),
                    sha256: d.sha256.clone(),
                    caption: d.caption.clone(),
                    filename: d.filename.clone(),
                })
            })
        }
        // A forwarded contact card is someone's number, never proof of the sender's own.
        "contacts" => m
            .contacts
            .as_ref()
            .and_then(|cards| cards.iter().flat_map(|c| &c.phones).next())
            .and_then(|p| p.wa_id.clone().or_else(|| p.phone.clone()))
            .map_or_else(unsupported, |phone| EventKind::Contact {
                phone,
                own: false,
            }),
        _ => unsupported(),
    }
}

// ---- outbound ----

/// Where and how a WhatsApp message is sent.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub phone_number_id: &'a str,
    /// The recipient's `wa_id`.
    pub to: &'a str,
    pub window: Window,
    /// An approved template to use outside the 24-hour window; its single body parameter
    /// receives the message text.
    pub fallback_template: Option<&'a str>,
}

fn request(target: &Target<'_>, kind: &str, payload_key: &str, payload: Value) -> OutboundRequest {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": target.to,
        "type": kind,
    });
    body[payload_key] = payload;
    OutboundRequest::post(format!("/{}/messages", target.phone_number_id), body)
}

fn text_requests(target: &Target<'_>, text: &str) -> Vec<OutboundRequest> {
    split_chars(text, MAX_TEXT)
        .into_iter()
        .map(|chunk| {
            request(
                target,
                "text",
                "text",
                json!({"body": chunk, "preview_url": false}),
            )
        })
        .collect()
}

/// Splits text for an interactive message: leading overflow goes out as plain text messages
/// first, and the last part (≤ 1024 characters) becomes the interactive body.
fn interactive_body(target: &Target<'_>, text: &str) -> (Vec<OutboundRequest>, String) {
    let mut chunks = split_chars(text, MAX_INTERACTIVE_BODY);
    let last = chunks.pop().unwrap_or_default();
    let lead = chunks
        .iter()
        .map(|c| {
            request(
                target,
                "text",
                "text",
                json!({"body": c, "preview_url": false}),
            )
        })
        .collect();
    (lead, last)
}

/// Renders one engine message as the WhatsApp requests that show it, in order.
pub fn render(
    target: &Target<'_>,
    message: &dialog::Message,
) -> Result<Vec<OutboundRequest>, RenderError> {
    if target.window == Window::Closed {
        return match target.fallback_template {
            Some(name) => Ok(vec![template(target, name, &[message.body().to_string()])]),
            None => Err(RenderError::OutsideWindow {
                channel: Channel::WhatsApp,
            }),
        };
    }
    Ok(match message {
        dialog::Message::Text { text, buttons } if buttons.is_empty() => {
            text_requests(target, text)
        }
        dialog::Message::Text { text, buttons } => {
            let buttons = &buttons[..buttons.len().min(MAX_BUTTONS)];
            let ids = unique_ids(buttons.iter().map(|b| b.id.as_str()), MAX_BUTTON_ID);
            let titles = unique_titles(buttons.iter().map(|b| b.title.as_str()), MAX_BUTTON_TITLE);
            let (mut out, body) = interactive_body(target, text);
            let buttons: Vec<Value> = ids
                .iter()
                .zip(&titles)
                .map(|(id, title)| json!({"type": "reply", "reply": {"id": id, "title": title}}))
                .collect();
            out.push(request(
                target,
                "interactive",
                "interactive",
                json!({"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}),
            ));
            out
        }
        dialog::Message::List { text, rows, .. } if rows.is_empty() => text_requests(target, text),
        dialog::Message::List { text, button, rows } => {
            let rows = &rows[..rows.len().min(MAX_LIST_ROWS)];
            let ids = unique_ids(rows.iter().map(|r| r.id.as_str()), MAX_ROW_ID);
            let rows: Vec<Value> = rows
                .iter()
                .zip(&ids)
                .map(|(r, id)| {
                    let mut row = json!({"id": id, "title": clip_chars(&r.title, MAX_ROW_TITLE)});
                    if let Some(d) = &r.description {
                        row["description"] = json!(clip_chars(d, MAX_ROW_DESCRIPTION));
                    }
                    row
                })
                .collect();
            let label = clip_chars(button, MAX_LIST_BUTTON);
            let (mut out, body) = interactive_body(target, text);
            out.push(request(
                target,
                "interactive",
                "interactive",
                json!({
                    "type": "list",
                    "body": {"text": body},
                    "action": {
                        "button": label,
                        "sections": [{"title": clip_chars(button, MAX_SECTION_TITLE), "rows": rows}],
                    },
                }),
            ));
            out
        }
        dialog::Message::Location {
            latitude,
            longitude,
            name,
            address,
        } => vec![request(
            target,
            "location",
            "location",
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": address}),
        )],
        dialog::Message::LocationRequest { text } => {
            let (mut out, body) = interactive_body(target, text);
            out.push(request(
                target,
                "interactive",
                "interactive",
                json!({
                    "type": "location_request_message",
                    "body": {"text": body},
                    "action": {"name": "send_location"},
                }),
            ));
            out
        }
        // WhatsApp already vouches for the sender's number, so asking for it is just text.
        dialog::Message::ContactRequest { text } => text_requests(target, text),
    })
}

/// An approved template message (language "id") with text body parameters, the only kind
/// WhatsApp accepts outside the 24-hour window.
pub fn template(target: &Target<'_>, name: &str, parameters: &[String]) -> OutboundRequest {
    let params: Vec<Value> = parameters
        .iter()
        // Body parameters share the 1024-character template body limit, and Meta refuses a
        // parameter with a new-line, a tab or more than four spaces in a row (#100).
        .map(|p| json!({"type": "text", "text": clip_chars(&one_line(p), MAX_INTERACTIVE_BODY)}))
        .collect();
    let mut t = json!({"name": name, "language": {"code": "id"}});
    if !params.is_empty() {
        t["components"] = json!([{"type": "body", "parameters": params}]);
    }
    request(target, "template", "template", t)
}

/// Text as a template parameter accepts it: every run of whitespace becomes one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Marks an inbound message read (blue ticks), a courtesy the service may send on receipt.
pub fn mark_read(phone_number_id: &str, wamid: &str) -> OutboundRequest {
    OutboundRequest::post(
        format!("/{phone_number_id}/messages"),
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid}),
    )
}

//! The channel-neutral inbound event every adapter produces.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A messaging channel with a webhook adapter in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    WhatsApp,
    Telegram,
    Messenger,
}

impl Channel {
    /// The name `dialog::Sender::channel` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WhatsApp => "whatsapp",
            Channel::Telegram => "telegram",
            Channel::Messenger => "messenger",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened on a channel. A webhook body may carry many. Serialisable, so the
/// durable inbox can keep it between the webhook and the conversation engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub channel: Channel,
    /// The provider's id for this event (wamid, Telegram `update_id`, Messenger `mid`): the
    /// idempotency key of the durable inbox. For WhatsApp statuses it is `wamid:status`, since
    /// one of our messages gets one status of each kind.
    pub provider_id: String,
    pub sender: Sender,
    /// Unix seconds as the provider stamped it (Messenger's milliseconds are divided).
    pub timestamp: i64,
    pub kind: EventKind,
}

/// Who the event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// Where replies go: WhatsApp `wa_id`, Telegram chat id, Messenger PSID.
    pub address: String,
    /// The profile name the provider showed, if any (never trusted for identity).
    pub display_name: Option<String>,
    /// A phone number the channel itself vouches for: the WhatsApp sender, when it is an
    /// Indonesian mobile number. Never a number the participant typed or forwarded.
    #[serde(with = "stored_msisdn")]
    pub verified_phone: Option<jkn::Msisdn>,
}

/// `Msisdn` deliberately has no `Serialize` (so it cannot leak into logs by accident); the
/// inbox stores it in full, as it stores the sender address itself.
mod stored_msisdn {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<jkn::Msisdn>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(m) => s.serialize_some(m.expose()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<jkn::Msisdn>, D::Error> {
        Option::<jkn::Msisdn>::deserialize(d)
    }
}

/// What the event is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Text {
        text: String,
    },
    /// A reply button, list row, template quick reply, Messenger quick reply or postback,
    /// identified by the id/payload we gave it.
    Choice {
        id: String,
        title: Option<String>,
    },
    /// A Telegram button tap: the provider waits for `answerCallbackQuery(query_id)`.
    CallbackQuery {
        query_id: String,
        data: Option<String>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    /// A shared phone number. `own` is true only when the provider vouches that it is the
    /// sender's own number (Telegram: `contact.user_id == from.id`).
    Contact {
        phone: String,
        own: bool,
    },
    /// An image or document, kept as a reference; the bytes are fetched later if needed.
    Attachment(Attachment),
    /// A delivery report for one of our outbound messages. Never answered.
    Status(DeliveryStatus),
    /// A Telegram message the participant edited after sending; not a new request.
    Edited {
        text: Option<String>,
    },
    /// A shape this crate does not handle yet; the service answers politely and logs it.
    Unsupported {
        what: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// "image", "document", "audio", "video", "file", "sticker", ...
    pub kind: String,
    /// WhatsApp media id, Telegram file_id; for Messenger, the payload URL.
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    /// Our outbound message's provider id (wamid).
    pub message_id: String,
    pub state: DeliveryState,
    pub recipient: String,
    /// `(code, title)` of each error a failed status carries.
    pub errors: Vec<(i64, String)>,
    /// What we attached to the message when sending it (WhatsApp `biz_opaque_callback_data`):
    /// our outbox id, which settles a send whose answer a crash cut off.
    #[serde(default)]
    pub callback_data: Option<String>,
}

impl InboundEvent {
    /// What the conversation engine should see, or `None` for events it must not answer
    /// (statuses, edits, attachments, someone else's contact, unsupported shapes).
    pub fn dialog_inbound(&self) -> Option<dialog::Inbound> {
        match &self.kind {
            EventKind::Text { text } => Some(dialog::Inbound::text(text.clone())),
            EventKind::Choice { id, .. } => Some(dialog::Inbound::choice(id.clone())),
            EventKind::CallbackQuery { data, .. } => {
                data.as_ref().map(|d| dialog::Inbound::choice(d.clone()))
            }
            EventKind::Location {
                latitude,
                longitude,
                ..
            } => Some(dialog::Inbound::Location {
                latitude: *latitude,
                longitude: *longitude,
            }),
            EventKind::Contact { phone, own: true } => Some(dialog::Inbound::Contact {
                phone: phone.clone(),
            }),
            _ => None,
        }
    }

    /// The sender as the conversation engine knows it.
    pub fn dialog_sender(&self) -> dialog::Sender {
        dialog::Sender {
            channel: self.channel.as_str().to_string(),
            id: self.sender.address.clone(),
            verified_phone: self.sender.verified_phone.clone(),
        }
    }
}

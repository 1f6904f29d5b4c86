//! What goes in and out of a conversation, independent of any channel. Channel adapters turn
//! a provider's payload into an [`Inbound`] and render each [`Message`] within the provider's
//! limits; the limits below are the strictest common ones (WhatsApp's), so every channel can
//! show every message as it is.

use serde::{Deserialize, Serialize};

/// At most this many buttons under one message (WhatsApp reply buttons).
pub const MAX_BUTTONS: usize = 3;
/// At most this many rows in a list message (WhatsApp list messages).
pub const MAX_LIST_ROWS: usize = 10;
/// A button title is at most this many characters (WhatsApp: 20).
pub const MAX_BUTTON_TITLE: usize = 20;
/// A list row title is at most this many characters (WhatsApp: 24).
pub const MAX_ROW_TITLE: usize = 24;
/// A list row description is at most this many characters (WhatsApp: 72).
pub const MAX_ROW_DESCRIPTION: usize = 72;
/// A message body fits on a phone screen without much scrolling.
pub const MAX_TEXT: usize = 700;

/// What the participant sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inbound {
    /// Free text typed by the participant.
    Text { text: String },
    /// A button or list row the participant tapped, by the id the assistant gave it.
    Choice { id: String },
    /// A shared location.
    Location { latitude: f64, longitude: f64 },
    /// A shared contact: the phone number the participant chose to share.
    Contact { phone: String },
}

impl Inbound {
    pub fn text(text: impl Into<String>) -> Inbound {
        Inbound::Text { text: text.into() }
    }

    pub fn choice(id: impl Into<String>) -> Inbound {
        Inbound::Choice { id: id.into() }
    }
}

/// Who is writing, as the channel knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// "whatsapp", "telegram", "messenger", "webchat", "terminal".
    pub channel: String,
    /// The channel's address for the conversation (a phone number, a chat id, a browser id).
    pub id: String,
    /// A phone number the channel itself vouches for (the WhatsApp sender), never one the
    /// participant merely typed.
    pub verified_phone: Option<jkn::Msisdn>,
}

/// A tappable reply option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub id: String,
    pub title: String,
}

/// A row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One message from the assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Text, with up to [`MAX_BUTTONS`] reply buttons.
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Button>,
    },
    /// Text with a list of up to [`MAX_LIST_ROWS`] choices behind a button.
    List {
        text: String,
        /// The label of the button that opens the list.
        button: String,
        rows: Vec<ListRow>,
    },
    /// A location pin.
    Location {
        latitude: f64,
        longitude: f64,
        name: String,
        address: String,
    },
    /// Asks the participant to share their location.
    LocationRequest { text: String },
    /// Asks the participant to share their phone number.
    ContactRequest { text: String },
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        // Cut on a char boundary and mark the cut, so nothing is silently garbled.
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

impl Button {
    pub fn new(id: impl Into<String>, title: &str) -> Button {
        Button {
            id: id.into(),
            title: clip(title, MAX_BUTTON_TITLE),
        }
    }
}

impl ListRow {
    pub fn new(id: impl Into<String>, title: &str, description: Option<&str>) -> ListRow {
        ListRow {
            id: id.into(),
            title: clip(title, MAX_ROW_TITLE),
            description: description.map(|d| clip(d, MAX_ROW_DESCRIPTION)),
        }
    }
}

impl Message {
    pub fn text(text: impl Into<String>) -> Message {
        Message::Text {
            text: text.into(),
            buttons: Vec::new(),
        }
    }

    /// Text with buttons; extra buttons beyond the limit are dropped (callers keep the most
    /// useful first).
    pub fn buttons(text: impl Into<String>, mut buttons: Vec<Button>) -> Message {
        buttons.truncate(MAX_BUTTONS);
        Message::Text {
            text: text.into(),
            buttons,
        }
    }

    pub fn list(text: impl Into<String>, button: &str, mut rows: Vec<ListRow>) -> Message {
        rows.truncate(MAX_LIST_ROWS);
        Message::List {
            text: text.into(),
            button: clip(button, MAX_BUTTON_TITLE),
            rows,
        }
    }

    /// The text a participant reads, for logs of the conversation and tests.
    pub fn body(&self) -> &str {
        match self {
            Message::Text { text, .. }
            | Message::List { text, .. }
            | Message::LocationRequest { text }
            | Message::ContactRequest { text } => text,
            Message::Location { name, .. } => name,
        }
    }

    /// The options offered with this message, as (id, title).
    pub fn options(&self) -> Vec<(String, String)> {
        match self {
            Message::Text { buttons, .. } => buttons
                .iter()
                .map(|b| (b.id.clone(), b.title.clone()))
                .collect(),
            Message::List { rows, .. } => rows
                .iter()
                .map(|r| (r.id.clone(), r.title.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_clipped_to_the_channel_limits() {
        let b = Button::new("x", "Lanjutkan pendaftaran peserta baru");
        assert_eq!(b.title.chars().count(), MAX_BUTTON_TITLE);
        assert!(b.title.ends_with('…'));
        let r = ListRow::new("x", "Dokter Praktik Perorangan dr. Sutomo", Some("pendek"));
        assert_eq!(r.title.chars().count(), MAX_ROW_TITLE);
        assert_eq!(r.description.as_deref(), Some("pendek"));
    }

    #[test]
    fn no_more_than_three_buttons_or_ten_rows() {
        let m = Message::buttons(
            "t",
            (0..5).map(|i| Button::new(i.to_string(), "b")).collect(),
        );
        assert_eq!(m.options().len(), MAX_BUTTONS);
        let l = Message::list(
            "t",
            "Pilih",
            (0..12)
                .map(|i| ListRow::new(i.to_string(), "r", None))
                .collect(),
        );
        assert_eq!(l.options().len(), MAX_LIST_ROWS);
    }

    #[test]
    fn messages_serialize_with_a_type_tag() {
        let m = Message::text("Halo");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["type"], "text");
        let back: Message = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        let i: Inbound = serde_json::from_str(r#"{"type":"choice","id":"menu"}"#).unwrap();
        assert_eq!(i, Inbound::choice("menu"));
    }
}

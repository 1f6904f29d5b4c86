//! Layan's assistant: a channel-neutral conversation engine.
//!
//! A channel adapter (web chat, terminal, WhatsApp...) turns what a participant sent into an
//! [`Inbound`] and calls [`Engine::handle`]; the engine answers with [`Message`]s made of
//! text, up to three buttons, a list of up to ten rows, a location pin, or a request for a
//! location or a phone number. The engine knows nothing about HTTP.
//!
//! - Decisions are a state machine over a serialisable [`ConversationState`], stored per
//!   (channel, sender), so a restart continues mid-conversation; a conversation idle for 30
//!   minutes starts afresh with a recap offer.
//! - Data comes only through the [`DialogData`] port; [`StoreData`] implements it over a
//!   [`store::Store`]. Every number in an answer comes from the ledger through the `jkn` rules.
//! - Personal data is shown only after verification (NIK or card number plus birth date),
//!   with attempts limited per sender and per identity; a wrong answer never reveals whether
//!   an identifier exists.
//! - Every text is in [`templates`], the one catalogue of replies.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod engine;
mod flows;
pub mod forms;
pub mod handoff;
#[cfg(test)]
mod memory;
pub mod message;
pub mod outreach;
pub mod port;
pub mod records;
pub mod state;
mod store_data;
pub mod templates;
pub mod understand;
pub mod verification;

/// For implementing [`CaseServices`] without depending on `async-trait` directly.
pub use async_trait::async_trait;
pub use engine::{Decided, DialogConfig, DialogError, DialogResult, Engine};
pub use flows::account::Account;
pub use message::{Button, Inbound, ListRow, Message, Sender};
pub use port::{CaseServices, DialogData, FormLinkRequest};
pub use state::ConversationState;
pub use store_data::StoreData;

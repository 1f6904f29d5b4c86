//! The pure parts of Layan's voice line, VIKA: a TwiML phone menu (Twilio, SignalWire, Telnyx)
//! where participants press 1 for their card status and 2 for their bill. The call itself as
//! a state machine (`call`), every spoken text (`prompts`), Indonesian number words for
//! speech, a TwiML builder and a strict reader, webhook signature checks and keypad parsing.
//!
//! No I/O, no clock and no network: the server crate owns the HTTP side and passes in
//! everything these functions need.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod call;
pub mod keypad;
pub mod prompts;
pub mod read;
pub mod signature;
pub mod telnyx;
pub mod twiml;
pub mod words;

pub use keypad::{parse_birth_date, parse_identity, IdentityInput, KeypadError};
pub use signature::{expected_signature, verify, SignatureError};
pub use twiml::{Dial, Gather, Method, Pause, Play, Prompt, Redirect, Response, Say, Verb};

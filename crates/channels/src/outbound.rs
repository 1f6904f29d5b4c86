//! The provider-neutral shape of one outbound HTTP call.

use std::fmt;

use serde_json::Value;

use crate::event::Channel;

/// Whether free-form messages are allowed: within 24 hours of the participant's last message.
/// The caller decides from its own clock; this crate never reads one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("{channel}: outside the 24-hour window and no template is configured; record it as not sendable")]
    OutsideWindow { channel: Channel },
}

/// Stands in for a secret in a path template; replaced only by [`OutboundRequest::path`].
pub(crate) const SECRET: &str = "{secret}";

/// One HTTP call to a provider, relative to its configured base URL. The path may embed a
/// secret (Telegram's bot token, Messenger's page token); `Debug` and [`Self::redacted_path`]
/// never show it, so requests can be logged as they are.
#[derive(Clone, PartialEq)]
pub struct OutboundRequest {
    pub method: &'static str,
    path_template: String,
    secret: Option<String>,
    pub body: Value,
}

impl OutboundRequest {
    pub(crate) fn post(path: String, body: Value) -> Self {
        OutboundRequest {
            method: "POST",
            path_template: path,
            secret: None,
            body,
        }
    }

    pub(crate) fn post_with_secret(path_template: String, secret: &str, body: Value) -> Self {
        OutboundRequest {
            method: "POST",
            path_template,
            secret: Some(secret.to_string()),
            body,
        }
    }

    /// The path to append to the base URL, secret included: only for the HTTP client.
    pub fn path(&self) -> String {
        match &self.secret {
            Some(s) => self.path_template.replace(SECRET, s),
            None => self.path_template.clone(),
        }
    }

    /// The path with any secret left as the `{secret}` placeholder: what the outbox stores,
    /// so no token is ever written to the database.
    pub fn path_template(&self) -> &str {
        &self.path_template
    }

    /// A stored request made sendable again: `secret` replaces the placeholder (the bot or
    /// page token from the configuration of the moment).
    pub fn from_stored(path_template: String, secret: Option<&str>, body: Value) -> Self {
        OutboundRequest {
            method: "POST",
            path_template,
            secret: secret.map(str::to_owned),
            body,
        }
    }

    /// The path with any secret replaced by `***`, for logs.
    pub fn redacted_path(&self) -> String {
        self.path_template.replace(SECRET, "***")
    }
}

impl fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("method", &self.method)
            .field("path", &self.redacted_path())
            .field("body", &self.body)
            .finish()
    }
}

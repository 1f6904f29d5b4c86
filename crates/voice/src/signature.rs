//! Webhook authenticity for the voice line: Twilio's `X-Twilio-Signature`.
//!
//! The signature is Base64(HMAC-SHA1(auth token, URL + every POST parameter sorted by name,
//! each name immediately followed by its value)). A name that occurs more than once
//! contributes each of its values, in sorted order, as Twilio's own libraries do.
//!
//! SignalWire signs cXML webhooks with the same scheme and sends the result in
//! `X-SignalWire-Signature`, keyed with the project's signing key: the same functions apply,
//! with that key as `auth_token`. (Telnyx signs with Ed25519 instead: see `telnyx`.)
//!
//! `url` must be exactly the URL the provider requested, scheme, host, port, path and query
//! string included, as configured on the number: behind a proxy, rebuild it from the public
//! address rather than from the internal one the request arrived at.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Header that carries Twilio's signature.
pub const TWILIO_HEADER: &str = "X-Twilio-Signature";

/// Header that carries SignalWire's signature (same scheme as Twilio's).
pub const SIGNALWIRE_HEADER: &str = "X-SignalWire-Signature";

/// Why a webhook was refused; the HTTP layer answers 403 for every variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header missing")]
    Missing,
    #[error("signature header is not Base64 of a 20-byte HMAC-SHA1")]
    Malformed,
    #[error("signature does not match the request")]
    Mismatch,
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps the crate
    // free of `expect` and would only ever produce a signature that matches nothing.
    let mut mac = match Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => <Hmac<Sha1> as Mac>::new(&Default::default()),
    };
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The signature the provider sends for this request.
pub fn expected_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Checks a signature header against the request, in constant time.
pub fn verify(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty());
    let header = header.ok_or(SignatureError::Missing)?;
    let claimed = STANDARD
        .decode(header)
        .map_err(|_| SignatureError::Malformed)?;
    if claimed.len() != 20 {
        return Err(SignatureError::Malformed);
    }
    // `verify_slice` compares in constant time.
    mac(auth_token, url, params)
        .verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

//! Webhook authenticity: Meta's `X-Hub-Signature-256`, Telegram's secret token header, and
//! Meta's `hub.*` subscription handshake. All comparisons are constant-time so an attacker
//! cannot learn a secret byte by byte from response timings.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a webhook was refused. The HTTP layer answers 401 (signature) or 403 (handshake).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature header missing")]
    Missing,
    #[error("signature header malformed (expected `sha256=<64 hex digits>`)")]
    Malformed,
    #[error("signature does not match the body")]
    Mismatch,
    #[error("hub.mode is not `subscribe`")]
    NotSubscribe,
    #[error("hub.verify_token does not match")]
    WrongVerifyToken,
    #[error("hub.challenge missing")]
    NoChallenge,
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256(app secret, raw body), as WhatsApp
/// and Messenger send it. The body must be the exact bytes received, before any parsing.
pub fn verify_meta_signature(
    app_secret: &[u8],
    header: Option<&str>,
    raw_body: &[u8],
) -> Result<(), VerifyError> {
    let header = header.ok_or(VerifyError::Missing)?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(VerifyError::Malformed)?;
    let expected = decode_hex(hex).ok_or(VerifyError::Malformed)?;
    if expected.len() != 32 {
        return Err(VerifyError::Malformed);
    }
    // HMAC accepts keys of any length, so this never fails; map it anyway rather than panic.
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).map_err(|_| VerifyError::Mismatch)?;
    mac.update(raw_body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| VerifyError::Mismatch)
}

/// Computes the header value Meta would send for `raw_body`; for tests and local tools.
pub fn meta_signature(app_secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret) {
        Ok(m) => m,
        // Unreachable for HMAC (any key length works); an empty value then fails verification.
        Err(_) => return String::new(),
    };
    mac.update(raw_body);
    let bytes = mac.finalize().into_bytes();
    let mut out = String::from("sha256=");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Checks Telegram's `X-Telegram-Bot-Api-Secret-Token` header against the `secret_token`
/// given to `setWebhook`.
pub fn verify_telegram_secret(expected: &str, header: Option<&str>) -> Result<(), VerifyError> {
    let got = header.ok_or(VerifyError::Missing)?;
    if constant_time_eq(expected.as_bytes(), got.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// Decides Meta's GET subscription handshake: with `hub.mode=subscribe` and the right
/// `hub.verify_token`, answer 200 with the returned challenge as the plain body; else 403.
pub fn hub_handshake(
    expected_token: &str,
    mode: Option<&str>,
    verify_token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, VerifyError> {
    if mode != Some("subscribe") {
        return Err(VerifyError::NotSubscribe);
    }
    let token = verify_token.ok_or(VerifyError::WrongVerifyToken)?;
    if !constant_time_eq(expected_token.as_bytes(), token.as_bytes()) {
        return Err(VerifyError::WrongVerifyToken);
    }
    challenge
        .map(str::to_string)
        .ok_or(VerifyError::NoChallenge)
}

/// Compares without an early exit on the first differing byte. The length is not secret
/// (it is fixed by configuration), so unequal lengths may return at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_rejects_odd_and_non_hex() {
        assert_eq!(decode_hex("0aFF"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn signature_round_trips() {
        let sig = meta_signature(b"secret", b"{}");
        assert_eq!(verify_meta_signature(b"secret", Some(&sig), b"{}"), Ok(()));
    }
}

//! Signed, expiring form links: `https://…/f/<token>`. The token carries the link's id and
//! expiry, signed with HMAC-SHA256 under the server's secret, so a forged or altered link is
//! refused before the database is asked; single use is enforced by the store (the id).
//!
//! Token layout before encoding: version (1 byte), expiry seconds since the epoch (8 bytes,
//! big-endian), expiry nanoseconds (4 bytes), the id (UTF-8), then the 32-byte MAC of all
//! that. The whole is URL-safe base64 without padding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 8 + 4;
const MAC_LEN: usize = 32;
/// Keeps links made for something else with the same secret from passing as form links.
const DOMAIN: &[u8] = b"layan/form-link";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    /// The stored form link's id (random, URL-safe).
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LinkError {
    #[error("link is malformed")]
    Malformed,
    #[error("link signature is wrong")]
    BadSignature,
    #[error("link expired at {0}")]
    Expired(DateTime<Utc>),
}

fn mac(secret: &[u8], payload: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    m.update(DOMAIN);
    m.update(payload);
    m
}

/// The token for `claims`: URL-safe base64 without padding, no `/` or `+`.
pub fn sign(secret: &[u8], claims: &LinkClaims) -> String {
    let mut bytes = Vec::with_capacity(HEADER_LEN + claims.id.len() + MAC_LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(&claims.expires_at.timestamp().to_be_bytes());
    bytes.extend_from_slice(&claims.expires_at.timestamp_subsec_nanos().to_be_bytes());
    bytes.extend_from_slice(claims.id.as_bytes());
    let tag = mac(secret, &bytes).finalize().into_bytes();
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The claims of a token signed with `secret`, if it is intact and not expired at `now`.
/// A link is expired from its `expires_at` on.
pub fn verify(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<LinkClaims, LinkError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| LinkError::Malformed)?;
    if bytes.len() <= HEADER_LEN + MAC_LEN {
        return Err(LinkError::Malformed);
    }
    let (payload, tag) = bytes.split_at(bytes.len() - MAC_LEN);
    // Constant-time comparison.
    mac(secret, payload)
        .verify_slice(tag)
        .map_err(|_| LinkError::BadSignature)?;
    if payload[0] != VERSION {
        return Err(LinkError::Malformed);
    }
    let secs = i64::from_be_bytes(payload[1..9].try_into().map_err(|_| LinkError::Malformed)?);
    let nanos = u32::from_be_bytes(
        payload[9..HEADER_LEN]
            .try_into()
            .map_err(|_| LinkError::Malformed)?,
    );
    let expires_at = DateTime::from_timestamp(secs, nanos).ok_or(LinkError::Malformed)?;
    let id = std::str::from_utf8(&payload[HEADER_LEN..])
        .map_err(|_| LinkError::Malformed)?
        .to_string();
    if now >= expires_at {
        return Err(LinkError::Expired(expires_at));
    }
    Ok(LinkClaims { id, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"rahasia-cabang-jember";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T02:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn claims() -> LinkClaims {
        LinkClaims {
            id: "k3Jd9_x-Qw2".into(),
            expires_at: now() + Duration::hours(48),
        }
    }

    #[test]
    fn a_token_round_trips_exactly_and_is_url_safe() {
        let token = sign(SECRET, &claims());
        assert!(token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(verify(SECRET, &token, now()), Ok(claims()));
    }

    #[test]
    fn another_secret_is_refused() {
        let token = sign(SECRET, &claims());
        assert_eq!(
            verify(b"rahasia-lain", &token, now()),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn an_expired_link_is_refused_from_its_expiry_on() {
        let c = claims();
        let token = sign(SECRET, &c);
        let just_before = c.expires_at - Duration::nanoseconds(1);
        assert_eq!(verify(SECRET, &token, just_before), Ok(c.clone()));
        assert_eq!(
            verify(SECRET, &token, c.expires_at),
            Err(LinkError::Expired(c.expires_at))
        );
        assert_eq!(
            verify(SECRET, &token, c.expires_at + Duration::days(1)),
            Err(LinkError::Expired(c.expires_at))
        );
    }

    #[test]
    fn garbage_is_malformed() {
        for t in ["", "abc", "!!!!", "a/b+c=", &"A".repeat(40)] {
            assert_eq!(verify(SECRET, t, now()), Err(LinkError::Malformed), "{t}");
        }
    }

    #[test]
    fn extending_the_expiry_breaks_the_signature() {
        let token = sign(SECRET, &claims());
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[8] = bytes[8].wrapping_add(1);
        let forged = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(verify(SECRET, &forged, now()), Err(LinkError::BadSignature));
    }

    proptest! {
        #[test]
        fn changing_any_character_is_refused(
            id in "[A-Za-z0-9_-]{1,40}", pos in any::<prop::sample::Index>(), repl in 0usize..64,
        ) {
            let c = LinkClaims { id, expires_at: now() + Duration::hours(1) };
            let token = sign(SECRET, &c);
            prop_assert_eq!(verify(SECRET, &token, now()), Ok(c));
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let i = pos.index(token.len());
            let mut bytes = token.clone().into_bytes();
            prop_assume!(bytes[i] != ALPHABET[repl]);
            bytes[i] = ALPHABET[repl];
            let tampered = String::from_utf8(bytes).unwrap();
            let result = verify(SECRET, &tampered, now());
            prop_assert!(
                matches!(result, Err(LinkError::BadSignature | LinkError::Malformed)),
                "{:?}", result
            );
        }

        #[test]
        fn truncating_or_extending_is_refused(cut in 1usize..20, extra in "[A-Za-z0-9_-]{1,8}") {
            let token = sign(SECRET, &claims());
            prop_assert!(verify(SECRET, &token[..token.len() - cut], now()).is_err());
            let longer = format!("{token}{extra}");
            prop_assert!(verify(SECRET, &longer, now()).is_err());
        }
    }
}

//! Sign-in the way Mobile JKN does it: identity plus birth date, then a one-time code sent to
//! the registered phone, exchanged for a short-lived bearer token. Codes and tokens are
//! stored only as SHA-256 hashes.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use store::ParticipantId;

pub fn sha256_hex(input: impl AsRef<[u8]>) -> String {
    let digest = Sha256::digest(input.as_ref());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| {
        tracing::error!(error = %e, "no randomness available");
        ApiError::internal()
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A uniformly random 6-digit code (rejection sampling avoids modulo bias).
pub fn random_code() -> Result<String, ApiError> {
    loop {
        let mut buf = [0u8; 4];
        getrandom::getrandom(&mut buf).map_err(|_| ApiError::internal())?;
        let n = u32::from_le_bytes(buf);
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn code_hash(login_id: &str, code: &str) -> String {
    sha256_hex(format!("{login_id}:{code}"))
}

/// The token of an `Authorization: Bearer …` header, if one is sent.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A request made with a valid bearer token; the participant it belongs to.
pub struct Authenticated(pub ParticipantId);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let participant = state
            .store
            .token_participant(&sha256_hex(token), state.now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Authenticated(participant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> =
            (0..50).map(|_| random_code().unwrap()).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        assert!(codes.len() > 40, "50 random codes should rarely collide");
    }

    #[test]
    fn hashes_bind_the_code_to_its_login() {
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_eq!(sha256_hex("abc").len(), 64);
        assert!(constant_time_eq("123456", "123456"));
        assert!(!constant_time_eq("123456", "123457"));
        assert!(!constant_time_eq("123456", "12345"));
    }
}

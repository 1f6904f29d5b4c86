//! Webhook authenticity for Telnyx (TeXML): an Ed25519 signature over `timestamp|body`.
//!
//! Telnyx sends `telnyx-signature-ed25519` (Base64 of the 64-byte signature) and
//! `telnyx-timestamp` (Unix seconds when it signed) and signs the timestamp, a `|` and the raw
//! request body, exactly as sent. The key is the account's public key (Mission Control:
//! Keys & Credentials, Public Key), Base64 of 32 bytes. A signature older or newer than
//! [`TOLERANCE_SECS`] is refused, so a captured webhook cannot be replayed later.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, ED25519};

/// Header that carries the signature.
pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
/// Header that carries the signing time.
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";
/// How far the signing time may be from ours, either way (Telnyx's own libraries: 5 minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook was refused; the HTTP layer answers 403 for every variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelnyxError {
    #[error("signature or timestamp header missing")]
    Missing,
    #[error("signature header is not Base64 of a 64-byte Ed25519 signature, or the timestamp is not a number")]
    Malformed,
    #[error("signed more than five minutes away from now")]
    Stale,
    #[error("signature does not match the request")]
    Mismatch,
}

/// The account's Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The key as Mission Control shows it: Base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<PublicKey, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "the Telnyx public key is not Base64".to_string())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "the Telnyx public key must be 32 bytes (an Ed25519 key), not {}",
                b.len()
            )
        })?;
        Ok(PublicKey(bytes))
    }
}

fn present(header: Option<&str>) -> Option<&str> {
    header.map(str::trim).filter(|h| !h.is_empty())
}

/// Checks a webhook's headers against its raw `body`, at `now_unix` seconds.
pub fn verify(
    key: &PublicKey,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now_unix: i64,
) -> Result<(), TelnyxError> {
    let (Some(signature), Some(timestamp)) = (present(signature), present(timestamp)) else {
        return Err(TelnyxError::Missing);
    };
    let signed_at: i64 = timestamp.parse().map_err(|_| TelnyxError::Malformed)?;
    let signature = STANDARD
        .decode(signature)
        .map_err(|_| TelnyxError::Malformed)?;
    if signature.len() != 64 {
        return Err(TelnyxError::Malformed);
    }
    if now_unix.abs_diff(signed_at) > TOLERANCE_SECS.unsigned_abs() {
        return Err(TelnyxError::Stale);
    }
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'|');
    message.extend_from_slice(body);
    UnparsedPublicKey::new(&ED25519, key.0)
        .verify(&message, &signature)
        .map_err(|_| TelnyxError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8032, section 7.1, TEST 2 (the one-byte message 0x72): the verifier underneath
    /// accepts the standard's signature and refuses it for any other message.
    #[test]
    fn the_rfc_8032_vector_verifies_with_ring() {
        let public = hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        let signature = hex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
             085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        );
        let key = UnparsedPublicKey::new(&ED25519, &public);
        assert!(key.verify(&[0x72], &signature).is_ok());
        assert!(key.verify(&[0x73], &signature).is_err());
    }

    use ring::signature::{Ed25519KeyPair, KeyPair};

    /// A TeXML call webhook as Telnyx posts it (form-encoded; the `v3:` CallSid).
    const BODY: &[u8] = b"AccountSid=f5586561-8ff0-4291-a51b-c7dfe4139ff9\
&CallSid=v3%3A9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ&CallStatus=ringing\
&Direction=inbound&From=%2B6281234567890&To=%2B622150001234";
    const SIGNED_AT: i64 = 1_795_500_000;

    fn account(seed: u8) -> (Ed25519KeyPair, PublicKey) {
        let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
        let key = PublicKey::from_base64(&STANDARD.encode(pair.public_key().as_ref())).unwrap();
        (pair, key)
    }

    fn sign(pair: &Ed25519KeyPair, timestamp: &str, body: &[u8]) -> String {
        let message = [timestamp.as_bytes(), b"|", body].concat();
        STANDARD.encode(pair.sign(&message).as_ref())
    }

    #[test]
    fn a_webhook_signed_over_its_timestamp_and_raw_body_verifies_within_five_minutes() {
        let (pair, key) = account(1);
        let ts = SIGNED_AT.to_string();
        let sig = sign(&pair, &ts, BODY);
        for now in [SIGNED_AT, SIGNED_AT + 300, SIGNED_AT - 300] {
            assert_eq!(verify(&key, BODY, Some(&sig), Some(&ts), now), Ok(()));
        }
        for now in [SIGNED_AT + 301, SIGNED_AT - 301] {
            assert_eq!(
                verify(&key, BODY, Some(&sig), Some(&ts), now),
                Err(TelnyxError::Stale)
            );
        }
    }

    #[test]
    fn anything_changed_or_signed_by_another_account_is_refused() {
        let (pair, key) = account(1);
        let ts = SIGNED_AT.to_string();
        let sig = sign(&pair, &ts, BODY);
        let mut tampered = BODY.to_vec();
        let last = tampered.len() - 1;
        tampered[last] = b'5';
        assert_eq!(
            verify(&key, &tampered, Some(&sig), Some(&ts), SIGNED_AT),
            Err(TelnyxError::Mismatch)
        );
        // The timestamp is signed too: moving it (to dodge the window) breaks the signature.
        let later = (SIGNED_AT + 60).to_string();
        assert_eq!(
            verify(&key, BODY, Some(&sig), Some(&later), SIGNED_AT),
            Err(TelnyxError::Mismatch)
        );
        let (other, _) = account(2);
        let forged = sign(&other, &ts, BODY);
        assert_eq!(
            verify(&key, BODY, Some(&forged), Some(&ts), SIGNED_AT),
            Err(TelnyxError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_told_apart() {
        let (pair, key) = account(1);
        let ts = SIGNED_AT.to_string();
        let sig = sign(&pair, &ts, BODY);
        let check = |sig: Option<&str>, ts: Option<&str>| verify(&key, BODY, sig, ts, SIGNED_AT);
        assert_eq!(check(None, Some(&ts)), Err(TelnyxError::Missing));
        assert_eq!(check(Some(&sig), None), Err(TelnyxError::Missing));
        assert_eq!(check(Some("  "), Some(&ts)), Err(TelnyxError::Missing));
        assert_eq!(
            check(Some("not base64!"), Some(&ts)),
            Err(TelnyxError::Malformed)
        );
        let short = STANDARD.encode([0u8; 63]);
        assert_eq!(check(Some(&short), Some(&ts)), Err(TelnyxError::Malformed));
        assert_eq!(
            check(Some(&sig), Some("yesterday")),
            Err(TelnyxError::Malformed)
        );
    }

    #[test]
    fn keys_must_be_base64_of_32_bytes() {
        let key = STANDARD.encode([7u8; 32]);
        assert!(PublicKey::from_base64(&key).is_ok());
        assert!(PublicKey::from_base64(&format!(" {key}\n")).is_ok());
        assert!(PublicKey::from_base64("not base64!")
            .unwrap_err()
            .contains("Base64"));
        assert!(PublicKey::from_base64(&STANDARD.encode([7u8; 31]))
            .unwrap_err()
            .contains("not 31"));
    }
}

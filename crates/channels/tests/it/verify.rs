use channels::verify::{constant_time_eq, meta_signature};
use channels::{hub_handshake, verify_meta_signature, verify_telegram_secret, VerifyError};

use crate::fixture;

const SECRET: &[u8] = b"app-secret-layan";

#[test]
fn a_webhook_signed_with_the_app_secret_over_the_raw_body_is_accepted() {
    let body = fixture("whatsapp_text");
    let header = meta_signature(SECRET, &body);
    assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
    assert_eq!(verify_meta_signature(SECRET, Some(&header), &body), Ok(()));
    // Meta sends lowercase hex; uppercase digits decode to the same bytes.
    let upper = format!("sha256={}", header[7..].to_uppercase());
    assert_eq!(verify_meta_signature(SECRET, Some(&upper), &body), Ok(()));
}

#[test]
fn a_body_changed_by_one_byte_or_another_secret_is_refused() {
    let body = fixture("messenger_text");
    let header = meta_signature(SECRET, &body);
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verify_meta_signature(SECRET, Some(&header), &tampered),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify_meta_signature(b"other", Some(&header), &body),
        Err(VerifyError::Mismatch)
    );
}

#[test]
fn missing_or_malformed_signature_headers_are_errors() {
    let body = b"{}";
    assert_eq!(
        verify_meta_signature(SECRET, None, body),
        Err(VerifyError::Missing)
    );
    for bad in [
        "",
        "sha256=",
        "sha1=abcdef",
        "sha256=xyz",
        "sha256=abc",
        "sha256=00",
        &format!("sha256={}", "g".repeat(64)),
        &format!("sha256={}", "a".repeat(66)),
    ] {
        assert_eq!(
            verify_meta_signature(SECRET, Some(bad), body),
            Err(VerifyError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn telegram_secret_token_must_match_exactly() {
    assert_eq!(verify_telegram_secret("s3cr3t", Some("s3cr3t")), Ok(()));
    assert_eq!(
        verify_telegram_secret("s3cr3t", Some("s3cr3T")),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify_telegram_secret("s3cr3t", Some("s3cr3")),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        verify_telegram_secret("s3cr3t", None),
        Err(VerifyError::Missing)
    );
    assert!(constant_time_eq(b"", b""));
}

#[test]
fn the_hub_handshake_returns_the_challenge_only_for_a_subscribe_with_the_right_token() {
    let ok = hub_handshake(
        "verify-me",
        Some("subscribe"),
        Some("verify-me"),
        Some("1158201444"),
    );
    assert_eq!(ok, Ok("1158201444".to_string()));
    assert_eq!(
        hub_handshake("verify-me", Some("subscribe"), Some("wrong"), Some("1")),
        Err(VerifyError::WrongVerifyToken)
    );
    assert_eq!(
        hub_handshake(
            "verify-me",
            Some("unsubscribe"),
            Some("verify-me"),
            Some("1")
        ),
        Err(VerifyError::NotSubscribe)
    );
    assert_eq!(
        hub_handshake("verify-me", None, Some("verify-me"), Some("1")),
        Err(VerifyError::NotSubscribe)
    );
    assert_eq!(
        hub_handshake("verify-me", Some("subscribe"), None, Some("1")),
        Err(VerifyError::WrongVerifyToken)
    );
    assert_eq!(
        hub_handshake("verify-me", Some("subscribe"), Some("verify-me"), None),
        Err(VerifyError::NoChallenge)
    );
}

use voice::signature::{
    expected_signature, verify, SignatureError, SIGNALWIRE_HEADER, TWILIO_HEADER,
};

const TOKEN: &str = "12345";
const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
/// Twilio's published example signature for the request below.
const SIGNATURE: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Twilio's example call, deliberately not in sorted order.
fn example() -> Vec<(String, String)> {
    params(&[
        ("To", "+18005551212"),
        ("CallSid", "CA1234567890ABCDE"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("Caller", "+12349013030"),
    ])
}

#[test]
fn twilio_published_example_matches() {
    assert_eq!(expected_signature(TOKEN, URL, &example()), SIGNATURE);
    assert_eq!(verify(TOKEN, URL, &example(), Some(SIGNATURE)), Ok(()));
}

#[test]
fn surrounding_whitespace_in_the_header_is_tolerated() {
    let header = format!(" {SIGNATURE}\t");
    assert_eq!(verify(TOKEN, URL, &example(), Some(&header)), Ok(()));
}

#[test]
fn a_wrong_token_is_refused() {
    assert_eq!(
        verify("54321", URL, &example(), Some(SIGNATURE)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_changed_parameter_is_refused() {
    let mut changed = example();
    changed[2].1 = "1235".into();
    assert_eq!(
        verify(TOKEN, URL, &changed, Some(SIGNATURE)),
        Err(SignatureError::Mismatch)
    );
    let mut extra = example();
    extra.push(("CallStatus".into(), "ringing".into()));
    assert_eq!(
        verify(TOKEN, URL, &extra, Some(SIGNATURE)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(TOKEN, URL, &example()[1..], Some(SIGNATURE)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_changed_url_is_refused() {
    for url in [
        "https://mycompany.com/myapp.php?foo=1&bar=3",
        "http://mycompany.com/myapp.php?foo=1&bar=2",
        "https://mycompany.com/myapp.php",
    ] {
        assert_eq!(
            verify(TOKEN, url, &example(), Some(SIGNATURE)),
            Err(SignatureError::Mismatch),
            "{url}"
        );
    }
}

#[test]
fn a_missing_or_empty_header_is_refused() {
    assert_eq!(
        verify(TOKEN, URL, &example(), None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify(TOKEN, URL, &example(), Some("  ")),
        Err(SignatureError::Missing)
    );
}

#[test]
fn a_malformed_header_is_refused() {
    for header in [
        "not base64!",
        "AAAA",
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ",
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ==AA",
    ] {
        assert_eq!(
            verify(TOKEN, URL, &example(), Some(header)),
            Err(SignatureError::Malformed),
            "{header}"
        );
    }
    // The right length but one bit off.
    assert_eq!(
        verify(TOKEN, URL, &example(), Some("1/KCTR6DLpKmkAf8muzZqo1nDgQ=")),
        Err(SignatureError::Mismatch)
    );
}

/// Names sort as whole strings, so a name that is a prefix of another comes first; a naive
/// "concatenate then sort" would order differently.
#[test]
fn names_sharing_a_prefix_sort_as_whole_strings() {
    let url = "https://layan.example/voice";
    let given = params(&[("Digits", "2"), ("Dig", "1"), ("Digits2", "3"), ("D", "0")]);
    let canonical = "https://layan.example/voiceD0Dig1Digits2Digits23";
    let by_hand = {
        // The same message signed with the canonical order given explicitly.
        let ordered = params(&[("D", "0"), ("Dig", "1"), ("Digits", "2"), ("Digits2", "3")]);
        expected_signature("secret", url, &ordered)
    };
    assert_eq!(expected_signature("secret", url, &given), by_hand);
    // And the concatenation really is the canonical string: signing it as a bare URL with
    // no parameters gives the same HMAC.
    assert_eq!(expected_signature("secret", canonical, &[]), by_hand);
}

#[test]
fn sorting_is_by_byte_order_so_upper_case_comes_first() {
    let url = "https://layan.example/voice";
    let given = params(&[("a", "1"), ("B", "2")]);
    assert_eq!(
        expected_signature("k", url, &given),
        expected_signature("k", &format!("{url}B2a1"), &[])
    );
}

#[test]
fn repeated_names_contribute_each_value_in_sorted_order() {
    let url = "https://layan.example/voice";
    let given = params(&[("X", "b"), ("X", "a"), ("A", "z")]);
    assert_eq!(
        expected_signature("k", url, &given),
        expected_signature("k", &format!("{url}AzXaXb"), &[])
    );
}

#[test]
fn non_ascii_values_are_signed_as_utf8() {
    let given = params(&[("SpeechResult", "dua ribu rupiah, ñ")]);
    let sig = expected_signature("k", "https://a.example/", &given);
    assert_eq!(
        sig,
        expected_signature("k", "https://a.example/SpeechResultdua ribu rupiah, ñ", &[])
    );
    assert_eq!(
        verify("k", "https://a.example/", &given, Some(&sig)),
        Ok(())
    );
}

#[test]
fn signalwire_uses_the_same_scheme_under_its_own_header() {
    assert_eq!(TWILIO_HEADER, "X-Twilio-Signature");
    assert_eq!(SIGNALWIRE_HEADER, "X-SignalWire-Signature");
    let key = "PSKsignalwire-signing-key";
    let sig = expected_signature(key, URL, &example());
    assert_eq!(verify(key, URL, &example(), Some(&sig)), Ok(()));
    assert_ne!(sig, SIGNATURE);
}

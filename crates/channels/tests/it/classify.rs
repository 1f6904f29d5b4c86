use channels::{classify, Channel, SendDecision};

fn meta_error(code: i64) -> String {
    format!(
        r#"{{"error":{{"message":"(#{code}) error","type":"OAuthException","code":{code},"error_data":{{"messaging_product":"whatsapp","details":"x"}},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}}}"#
    )
}

fn retry(code: Option<i64>, after: Option<u64>) -> SendDecision {
    SendDecision::Retry {
        code,
        retry_after_secs: after,
    }
}

#[test]
fn whatsapp_error_table() {
    let cases: Vec<(u16, String, SendDecision)> = vec![
        (500, "".into(), retry(None, None)),
        (503, "<html>".into(), retry(None, None)),
        (429, "".into(), retry(None, None)),
        (400, meta_error(130429), retry(Some(130429), None)),
        (400, meta_error(131056), retry(Some(131056), None)),
        (400, meta_error(131057), retry(Some(131057), None)),
        (
            400,
            meta_error(131047),
            SendDecision::NeedsTemplate { code: 131047 },
        ),
        (500, meta_error(131000), retry(Some(131000), None)),
    ];
    for (status, body, want) in cases {
        assert_eq!(
            classify(Channel::WhatsApp, status, body.as_bytes()),
            want,
            "{status} {body}"
        );
    }
    for code in [131026, 131048, 100, 190] {
        match classify(Channel::WhatsApp, 400, meta_error(code).as_bytes()) {
            SendDecision::Permanent {
                code: Some(c),
                reason,
            } => {
                assert_eq!(c, code);
                assert!(!reason.is_empty());
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn whatsapp_success_records_the_wamid() {
    let body = br#"{"messaging_product":"whatsapp","contacts":[{"input":"6281234567890","wa_id":"6281234567890"}],"messages":[{"id":"wamid.OUT9"}]}"#;
    assert_eq!(
        classify(Channel::WhatsApp, 200, body),
        SendDecision::Sent {
            provider_message_id: Some("wamid.OUT9".into())
        }
    );
}

#[test]
fn telegram_429_honours_retry_after_and_403_is_permanent() {
    let body = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#;
    assert_eq!(
        classify(Channel::Telegram, 429, body),
        retry(Some(429), Some(7))
    );
    assert_eq!(
        classify(Channel::Telegram, 502, b"Bad Gateway"),
        retry(Some(502), None)
    );
    let blocked =
        br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#;
    assert_eq!(
        classify(Channel::Telegram, 403, blocked),
        SendDecision::Permanent {
            code: Some(403),
            reason: "Forbidden: bot was blocked by the user".into()
        }
    );
    let ok = br#"{"ok":true,"result":{"message_id":812,"chat":{"id":1,"type":"private"},"date":1,"text":"x"}}"#;
    assert_eq!(
        classify(Channel::Telegram, 200, ok),
        SendDecision::Sent {
            provider_message_id: Some("812".into())
        }
    );
}

#[test]
fn messenger_window_rate_limit_and_success() {
    let outside = br#"{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"x"}}"#;
    assert_eq!(
        classify(Channel::Messenger, 400, outside),
        SendDecision::NeedsTemplate { code: 10 }
    );
    let rate = br#"{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","code":613}}"#;
    assert_eq!(
        classify(Channel::Messenger, 400, rate),
        retry(Some(613), None)
    );
    let no_user = br#"{"error":{"message":"(#551) This person isn't available right now.","code":551,"error_subcode":1545041}}"#;
    assert!(matches!(
        classify(Channel::Messenger, 400, no_user),
        SendDecision::Permanent {
            code: Some(551),
            ..
        }
    ));
    let ok = br#"{"recipient_id":"6543210987654321","message_id":"m_OUT1"}"#;
    assert_eq!(
        classify(Channel::Messenger, 200, ok),
        SendDecision::Sent {
            provider_message_id: Some("m_OUT1".into())
        }
    );
}

#[test]
fn a_timeout_is_retried() {
    assert_eq!(SendDecision::transport_failure(), retry(None, None));
}

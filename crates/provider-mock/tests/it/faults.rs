use std::time::Duration;

use channels::{messenger, telegram, whatsapp, Channel, SendDecision, Window};
use provider_mock::{Fault, MockConfig, MockHandle};
use serde_json::json;

use crate::*;

fn script() -> Vec<Fault> {
    vec![
        Fault::ServerError,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        Fault::WindowClosed,
        Fault::Undeliverable,
    ]
}

fn wa_text(text: &str) -> channels::OutboundRequest {
    let target = whatsapp::Target {
        phone_number_id: PHONE_NUMBER_ID,
        to: WA_ID,
        window: Window::Open,
        fallback_template: None,
    };
    whatsapp::render(&target, &dialog::Message::text(text))
        .unwrap()
        .remove(0)
}

async fn send_on(mock: &MockHandle, channel: Channel, text: &str) -> Sent {
    let message = dialog::Message::text(text);
    match channel {
        Channel::WhatsApp => send_wa(mock, &wa_text(text)).await,
        Channel::Telegram => {
            let req = telegram::render(&mock.config().telegram_token, CHAT_ID, &message).remove(0);
            send_tg(mock, &req).await
        }
        Channel::Messenger => {
            let req = messenger::render(
                &mock.config().messenger_page_token,
                PSID,
                Window::Open,
                &message,
            )
            .remove(0);
            send_fb(mock, &req).await
        }
    }
}

#[tokio::test]
async fn scripted_faults_come_in_order_and_classify_as_the_real_ones() {
    let mock = start().await;
    for channel in [Channel::WhatsApp, Channel::Telegram, Channel::Messenger] {
        mock.push_faults(channel, script());
    }
    let expected = |channel: Channel| -> Vec<SendDecision> {
        match channel {
            Channel::WhatsApp => vec![
                SendDecision::Retry {
                    code: Some(131000),
                    retry_after_secs: None,
                },
                SendDecision::Retry {
                    code: Some(130429),
                    retry_after_secs: None,
                },
                SendDecision::NeedsTemplate { code: 131047 },
                SendDecision::Permanent {
                    code: Some(131026),
                    reason: "message undeliverable (not a WhatsApp user or old app)".into(),
                },
            ],
            Channel::Telegram => vec![
                SendDecision::Retry {
                    code: Some(500),
                    retry_after_secs: None,
                },
                SendDecision::Retry {
                    code: Some(429),
                    retry_after_secs: Some(7),
                },
                SendDecision::Permanent {
                    code: Some(403),
                    reason: "Forbidden: bot was blocked by the user".into(),
                },
                SendDecision::Permanent {
                    code: Some(400),
                    reason: "Bad Request: chat not found".into(),
                },
            ],
            Channel::Messenger => vec![
                SendDecision::Retry {
                    code: Some(1200),
                    retry_after_secs: None,
                },
                SendDecision::Retry {
                    code: Some(613),
                    retry_after_secs: None,
                },
                SendDecision::NeedsTemplate { code: 10 },
                SendDecision::Permanent {
                    code: Some(100),
                    reason: "(#100) No matching user found".into(),
                },
            ],
        }
    };
    for channel in [Channel::WhatsApp, Channel::Telegram, Channel::Messenger] {
        for (i, want) in expected(channel).into_iter().enumerate() {
            let answer = send_on(&mock, channel, &format!("percobaan {i}")).await;
            assert_eq!(
                answer.classify(channel),
                want,
                "{channel} fault {i}: {}",
                answer.json
            );
        }
        assert_eq!(mock.pending_faults(channel), 0);
        // The script is used up: the next send goes through.
        assert_sent(&send_on(&mock, channel, "lagi").await, channel);
    }
    let stats = mock.stats();
    assert_eq!(
        (
            stats.whatsapp.faults,
            stats.telegram.faults,
            stats.messenger.faults
        ),
        (4, 4, 4)
    );
    let rejected = mock.rejected();
    assert!(rejected[0]
        .rejection
        .as_deref()
        .unwrap()
        .contains("ServerError"));
    assert_eq!(rejected[0].recipient.as_deref(), Some(WA_ID));
}

#[tokio::test]
async fn scripts_are_per_channel_and_skip_receipts_and_invalid_bodies() {
    let mock = start().await;
    mock.push_fault(Channel::WhatsApp, Fault::Undeliverable);
    assert_sent(
        &send_on(&mock, Channel::Telegram, "halo").await,
        Channel::Telegram,
    );
    assert_sent(
        &send_on(&mock, Channel::Messenger, "halo").await,
        Channel::Messenger,
    );
    let read = send_wa(&mock, &whatsapp::mark_read(PHONE_NUMBER_ID, "wamid.IN")).await;
    assert_eq!(read.status, 200);
    let invalid = send_wa_body(&mock, &json!({"messaging_product": "whatsapp"})).await;
    assert_eq!(invalid.status, 400);
    assert_eq!(mock.pending_faults(Channel::WhatsApp), 1);
    let answer = send_on(&mock, Channel::WhatsApp, "halo").await;
    assert!(matches!(
        answer.classify(Channel::WhatsApp),
        SendDecision::Permanent {
            code: Some(131026),
            ..
        }
    ));
    mock.push_fault(Channel::Telegram, Fault::ServerError);
    mock.clear_faults();
    assert_eq!(mock.pending_faults(Channel::Telegram), 0);
}

#[tokio::test]
async fn a_slow_answer_times_out_the_client_yet_the_message_was_delivered() {
    let mock = start().await;
    mock.push_fault(Channel::WhatsApp, Fault::Delay(Duration::from_millis(600)));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let req = wa_text("Halo");
    let url = format!("{}{}", mock.whatsapp_base(), req.path());
    let err = post_with(
        &client,
        &url,
        Some(&mock.config().whatsapp_token),
        &req.body,
    )
    .await
    .expect_err("the client gives up");
    assert!(err.is_timeout(), "{err}");
    // What our sender concludes from a time-out...
    assert!(matches!(
        SendDecision::transport_failure(),
        SendDecision::Retry { .. }
    ));
    // ...while the provider has the message: a retry makes a duplicate.
    assert_eq!(mock.accepted().len(), 1);
    assert_sent(&send_wa(&mock, &req).await, Channel::WhatsApp);
    assert_eq!(mock.accepted().len(), 2);

    // A patient client gets the normal answer.
    mock.push_fault(Channel::Telegram, Fault::Delay(Duration::from_millis(200)));
    let started = std::time::Instant::now();
    assert_sent(
        &send_on(&mock, Channel::Telegram, "halo").await,
        Channel::Telegram,
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn custom_faults_are_answered_verbatim() {
    let mock = start().await;
    let body = json!({"error": {"message": "(#131056) (Business Account, Consumer Account) pair rate limit hit", "type": "OAuthException", "code": 131056, "fbtrace_id": "X"}});
    mock.push_fault(
        Channel::WhatsApp,
        Fault::Custom {
            status: 400,
            body: body.clone(),
        },
    );
    let answer = send_on(&mock, Channel::WhatsApp, "halo").await;
    assert_eq!((answer.status, &answer.json), (400, &body));
    assert_eq!(
        answer.classify(Channel::WhatsApp),
        SendDecision::Retry {
            code: Some(131056),
            retry_after_secs: None
        }
    );
}

#[tokio::test]
async fn a_seeded_failure_rate_fails_a_reproducible_fraction() {
    let config = MockConfig {
        failure_rate: 0.3,
        seed: 42,
        ..MockConfig::default()
    };
    let run = |mock: MockHandle| async move {
        let mut pattern = Vec::new();
        for i in 0..200 {
            let answer = send_on(&mock, Channel::Telegram, &format!("pesan {i}")).await;
            if answer.status == 500 {
                assert_eq!(
                    answer.classify(Channel::Telegram),
                    SendDecision::Retry {
                        code: Some(500),
                        retry_after_secs: None
                    }
                );
            } else {
                assert_sent(&answer, Channel::Telegram);
            }
            pattern.push(answer.status == 500);
        }
        assert_eq!(
            mock.stats().telegram.faults,
            pattern.iter().filter(|f| **f).count() as u64
        );
        pattern
    };
    let first = run(start_with(config.clone()).await).await;
    let failed = first.iter().filter(|f| **f).count();
    assert!(
        (30..=90).contains(&failed),
        "{failed} of 200 failed at rate 0.3"
    );
    let second = run(start_with(config).await).await;
    assert_eq!(first, second, "the same seed fails the same requests");

    let mock = start().await;
    mock.set_failure_rate(1.0);
    assert_eq!(send_on(&mock, Channel::Messenger, "x").await.status, 500);
    mock.set_failure_rate(0.0);
    assert_sent(
        &send_on(&mock, Channel::Messenger, "x").await,
        Channel::Messenger,
    );
}

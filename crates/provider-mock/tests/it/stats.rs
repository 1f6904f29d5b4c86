use std::time::Duration;

use channels::{telegram, Channel};
use provider_mock::{MockConfig, Stats};
use serde_json::json;

use crate::*;

#[tokio::test]
async fn stats_and_reset_are_served_over_http() {
    let mock = start().await;
    let token = mock.config().telegram_token.clone();
    for chat in ["1", "2", "2"] {
        let req = telegram::render(&token, chat, &dialog::Message::text("Halo")).remove(0);
        assert_sent(&send_tg(&mock, &req).await, Channel::Telegram);
    }
    send_tg_body(&mock, "sendMessage", &json!({"chat_id": "3"})).await;
    let base = mock.telegram_base();
    let client = reqwest::Client::new();
    let stats: Stats = client
        .get(format!("{base}/_mock/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, mock.stats());
    assert_eq!((stats.accepted, stats.rejected), (3, 1));
    assert_eq!(stats.telegram.requests, 4);
    assert_eq!(stats.telegram.distinct_recipients, 2);
    assert_eq!(stats.telegram.invalid, 1);
    assert_eq!(stats.whatsapp, Default::default());

    let reset = client
        .post(format!("{base}/_mock/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(mock.stats(), Stats::default());
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn without_bodies_only_counts_and_rejections_are_kept() {
    let mock = start_with(MockConfig {
        record_bodies: false,
        ..MockConfig::default()
    })
    .await;
    let token = mock.config().telegram_token.clone();
    let sends = (0..200).map(|i| {
        let mock = mock.clone();
        let req =
            telegram::render(&token, &i.to_string(), &dialog::Message::text("Halo")).remove(0);
        tokio::spawn(async move { send_tg(&mock, &req).await.status })
    });
    for s in sends.collect::<Vec<_>>() {
        assert_eq!(s.await.unwrap(), 200);
    }
    assert!(mock.wait_for_accepted(200, Duration::from_secs(5)).await);
    assert!(
        !mock
            .wait_for_accepted(201, Duration::from_millis(100))
            .await
    );
    assert_eq!(mock.accepted_count(), 200);
    assert_eq!(mock.stats().telegram.distinct_recipients, 200);
    assert!(mock.requests().is_empty());
    send_tg_body(&mock, "sendMessage", &json!({"chat_id": "1", "text": ""})).await;
    assert_eq!(mock.rejected().len(), 1, "rejections are still recorded");
}

#[tokio::test]
async fn wait_for_accepted_wakes_when_a_request_lands() {
    let mock = start().await;
    let waiter = {
        let mock = mock.clone();
        tokio::spawn(async move { mock.wait_for_accepted(1, Duration::from_secs(5)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let req = telegram::render(
        &mock.config().telegram_token,
        CHAT_ID,
        &dialog::Message::text("Halo"),
    )
    .remove(0);
    send_tg(&mock, &req).await;
    assert!(waiter.await.unwrap());
}

#[tokio::test]
async fn run_standalone_serves_on_the_given_address() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    tokio::spawn(provider_mock::run_standalone(addr, MockConfig::default()));
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/_mock/stats");
    for _ in 0..100 {
        if let Ok(r) = client.get(&url).send().await {
            let stats: Stats = r.json().await.unwrap();
            assert_eq!(stats, Stats::default());
            let body = json!({"chat_id": CHAT_ID, "text": "Halo"});
            let token = MockConfig::default().telegram_token;
            let sent = post(
                &format!("http://{addr}/bot{token}/sendMessage"),
                None,
                &body,
            )
            .await;
            assert_eq!(sent.status, 200);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the standalone mock never answered");
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let mock = start().await;
    let url = format!("{}/_mock/stats", mock.telegram_base());
    assert!(reqwest::get(&url).await.is_ok());
    mock.shutdown().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}

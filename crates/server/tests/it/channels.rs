//! The chat channels end to end: signed provider webhooks in, the assistant's replies out to a
//! mock provider that checks every request against the provider's documented shape.

use crate::helpers::{whatsapp_at_mock, TestApp, PHONE_NUMBER_ID};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use channels::Channel;
use chrono::Duration;
use provider_mock::{Fault, MockConfig, MockHandle, MockProvider};
use serde_json::{json, Value};
use std::time::Duration as Wait;
use store::{OutboxFilter, OutboxState};

const APP_SECRET: &str = "wa-app-secret-for-tests";
const FB_SECRET: &str = "fb-app-secret-for-tests";
const TG_SECRET: &str = "tg-secret-token-for-tests";
const WAIT: Wait = Wait::from_secs(20);

struct Chat {
    app: TestApp,
    mock: MockHandle,
}

async fn chat_with(template: Option<&str>) -> Chat {
    let mock = MockProvider::start(MockConfig::default()).await.unwrap();
    let mut config = channels_config(&mock);
    config.whatsapp.template = template.map(str::to_owned);
    let app = TestApp::with_demo_config(300, config).await;
    Chat { app, mock }
}

/// Every channel on, pointed at `mock`.
fn channels_config(mock: &MockHandle) -> server::Config {
    let mut config = server::Config::default();
    whatsapp_at_mock(&mut config, mock, APP_SECRET);
    config.telegram.secret_token = server::config::Secret::new(TG_SECRET);
    config.telegram.bot_token = server::config::Secret::new(&mock.config().telegram_token);
    config.telegram.api_base = mock.telegram_base();
    config.messenger.app_secret = server::config::Secret::new(FB_SECRET);
    config.messenger.verify_token = server::config::Secret::new("verify-me");
    config.messenger.page_token = server::config::Secret::new(&mock.config().messenger_page_token);
    config.messenger.api_base = mock.messenger_base();
    config
}

async fn chat() -> Chat {
    chat_with(None).await
}

/// A node that stores and acknowledges webhooks but answers nothing
/// (`messaging.process = false`); tests add the processing nodes they need.
async fn ingest_only() -> Chat {
    let mock = MockProvider::start(MockConfig::default()).await.unwrap();
    let mut ingest = channels_config(&mock);
    ingest.messaging.process = false;
    Chat {
        app: TestApp::with_demo_config(300, ingest).await,
        mock,
    }
}

fn now_secs(app: &TestApp) -> i64 {
    app.clock_now().timestamp()
}

/// A WhatsApp text webhook as Meta sends it.
/// "cek status kartu" from `from`, sent now: the question most tests only need answered.
fn card_status_question(app: &TestApp, from: &str, wamid: &str) -> Value {
    wa_text(from, wamid, "cek status kartu", now_secs(app))
}

fn wa_text(from: &str, wamid: &str, text: &str, timestamp: i64) -> Value {
    wa_value(json!({
        "contacts": [{"profile": {"name": "Siti Aminah"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": timestamp.to_string(), "text": {"body": text}, "type": "text"}]
    }))
}

fn wa_value(mut value: Value) -> Value {
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID});
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]
    })
}

fn wa_status(wamid: &str, status: &str, recipient: &str, timestamp: i64) -> Value {
    wa_value(json!({
        "statuses": [{"id": wamid, "status": status, "timestamp": timestamp.to_string(), "recipient_id": recipient}]
    }))
}

fn sign(secret: &str, body: &[u8]) -> String {
    channels::verify::meta_signature(secret.as_bytes(), body)
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> StatusCode {
    let mut request = Request::post(path).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    app.raw(request.body(Body::from(body)).unwrap())
        .await
        .status
}

/// `body` as Meta posts it: JSON, signed with the app secret.
fn whatsapp_request(body: &Value) -> Request<Body> {
    let bytes = body.to_string().into_bytes();
    Request::post("/webhooks/whatsapp")
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(APP_SECRET, &bytes))
        .body(Body::from(bytes))
        .unwrap()
}

async fn whatsapp(app: &TestApp, body: &Value) -> StatusCode {
    app.raw(whatsapp_request(body)).await.status
}

async fn telegram(app: &TestApp, body: &Value) -> StatusCode {
    post_raw(
        app,
        "/webhooks/telegram",
        body.to_string().into_bytes(),
        &[("x-telegram-bot-api-secret-token", TG_SECRET.to_owned())],
    )
    .await
}

async fn messenger(app: &TestApp, body: &Value) -> StatusCode {
    let bytes = body.to_string().into_bytes();
    let signature = sign(FB_SECRET, &bytes);
    post_raw(
        app,
        "/webhooks/messenger",
        bytes,
        &[("x-hub-signature-256", signature)],
    )
    .await
}

/// Accepted requests to one recipient, in the order the provider received them.
fn sent_to(mock: &MockHandle, recipient: &str) -> Vec<Value> {
    mock.accepted()
        .into_iter()
        .filter(|r| r.recipient.as_deref() == Some(recipient))
        .map(|r| r.body)
        .collect()
}

/// Waits until the outbox has nothing left to send and the mock has seen `n` accepted sends.
async fn settle(chat: &Chat, n: usize) {
    assert!(
        chat.mock.wait_for_accepted(n, WAIT).await,
        "expected {n} accepted sends, got {:?}",
        chat.mock.requests()
    );
    for _ in 0..200 {
        let counts = chat.app.store.outbox_counts().await.unwrap();
        if counts.iter().all(|c| !c.state.is_unfinished()) {
            return;
        }
        tokio::time::sleep(Wait::from_millis(20)).await;
    }
    panic!("the outbox did not drain");
}

fn assert_no_rejections(mock: &MockHandle) {
    let rejected = mock.rejected();
    assert!(rejected.is_empty(), "the provider refused: {rejected:#?}");
}

fn text_of(body: &Value) -> String {
    body.pointer("/text/body")
        .or_else(|| body.pointer("/interactive/body/text"))
        .or_else(|| body.get("text"))
        .or_else(|| body.pointer("/message/text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_whatsapp_question_is_answered_once_in_the_documented_shape() {
    let chat = chat().await;
    let from = "6281234567890";
    let t = now_secs(&chat.app);
    let body = wa_text(
        from,
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEFGRkY3QjhEN0ZC",
        "halo min",
        t,
    );
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    settle(&chat, 1).await;
    let replies = sent_to(&chat.mock, from);
    assert!(!replies.is_empty());
    for r in &replies {
        assert_eq!(r["messaging_product"], "whatsapp");
        assert_eq!(r["to"], from);
        assert!(r["biz_opaque_callback_data"]
            .as_str()
            .unwrap()
            .starts_with("layan-outbound-"));
    }
    assert_no_rejections(&chat.mock);
    // Both sides of the turn are kept for the agents.
    let turns = chat
        .app
        .store
        .recent_turns("whatsapp", from, 10)
        .await
        .unwrap();
    assert!(turns
        .iter()
        .any(|t| t.direction == "in" && t.text == "halo min"));
    assert_eq!(
        turns.iter().filter(|t| t.direction == "out").count(),
        chat.app
            .store
            .recent_outbound(Some(from), 100)
            .await
            .unwrap()
            .len()
            .min(turns.len() - 1)
    );
    // Sent rows learned the provider's message id.
    let rows = chat
        .app
        .store
        .recent_outbound(Some(from), 100)
        .await
        .unwrap();
    assert!(rows
        .iter()
        .all(|r| r.status == "sent" && r.provider_message_id.is_some()));
}

#[tokio::test]
async fn a_redelivered_webhook_is_acknowledged_but_answered_only_once() {
    let chat = chat().await;
    let from = "6285712345678";
    let body = card_status_question(&chat.app, from, "wamid.REDELIVERED1");
    // Meta retries on time-outs: the same body arrives again, even at the same moment.
    let (a, b) = tokio::join!(whatsapp(&chat.app, &body), whatsapp(&chat.app, &body));
    assert_eq!((a, b), (StatusCode::OK, StatusCode::OK));
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    settle(&chat, 1).await;
    tokio::time::sleep(Wait::from_millis(300)).await;
    let first = sent_to(&chat.mock, from);
    assert_eq!(
        inbound_turns(&chat, "whatsapp", from).await,
        1,
        "the message was processed more than once"
    );
    let rows = chat
        .app
        .store
        .recent_outbound(Some(from), 100)
        .await
        .unwrap();
    assert_eq!(
        first.len(),
        rows.len(),
        "each reply row is sent exactly once"
    );

    // A late retry, after the answer went out: stored, acknowledged, then dropped unanswered.
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    let mut dropped = false;
    for _ in 0..200 {
        let metrics = chat.app.get("/metrics").await.text;
        if metrics.contains("layan_inbound_redeliveries_total{channel=\"whatsapp\"} 3")
            && chat.app.store.inbox_stats().await.unwrap().pending == 0
        {
            dropped = true;
            break;
        }
        tokio::time::sleep(Wait::from_millis(20)).await;
    }
    assert!(
        dropped,
        "three redeliveries dropped: {}",
        chat.app.get("/metrics").await.text
    );
    assert_eq!(sent_to(&chat.mock, from).len(), first.len());
    assert_eq!(inbound_turns(&chat, "whatsapp", from).await, 1);
}

/// How many of the participant's messages the assistant took in.
async fn inbound_turns(chat: &Chat, channel: &str, from: &str) -> usize {
    chat.app
        .store
        .recent_turns(channel, from, 50)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.direction == "in")
        .count()
}

/// An ingest node (`messaging.process = false`) stores and acknowledges webhooks but answers
/// nothing; a node over the same database that processes answers them.
#[tokio::test]
async fn an_ingest_node_stores_webhooks_and_another_node_answers_them() {
    let chat = ingest_only().await;
    let from = "6285712340001";
    let body = card_status_question(&chat.app, from, "wamid.INGESTONLY1");
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    assert_eq!(chat.app.store.inbox_stats().await.unwrap().pending, 1);
    // Nothing is answering: the event waits (a sender, had one started, would have sent by
    // now; the answer must come from the other node below).
    tokio::time::sleep(Wait::from_millis(300)).await;
    assert!(chat.mock.requests().is_empty());
    assert_eq!(chat.app.store.inbox_stats().await.unwrap().pending, 1);

    let _worker = chat.app.another_node(channels_config(&chat.mock)).await;
    settle(&chat, 1).await;
    assert_eq!(sent_to(&chat.mock, from).len(), 1);
    assert_eq!(chat.app.store.inbox_stats().await.unwrap().pending, 0);
    assert_no_rejections(&chat.mock);
}

/// Polls `done` every 10 ms for up to 5 s; the assertion after it says what was expected.
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Wait::from_millis(10)).await;
    }
}

/// The value of the unlabelled series `name` on `node`'s /metrics.
async fn metric(node: &server::AppState, name: &str) -> Option<String> {
    let request = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(server::router(node.clone()), request)
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::to_owned)
}

/// Two processing nodes over one database: one at a time holds the processing role and
/// answers (so no event's side effects run twice); stopped cleanly, it hands over at once.
#[tokio::test]
async fn one_of_two_processing_nodes_answers_and_hands_over_when_it_stops() {
    let chat = chat().await;
    let mut config = channels_config(&chat.mock);
    // Renewals every second, so the handover below is seen quickly.
    config.messaging.lease_secs = 3;
    let second = chat.app.another_node(config).await;
    let nodes = [chat.app.state.clone(), second];
    let holders = || {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.messaging.as_ref().unwrap().role.as_ref().unwrap().held())
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    until(|| !holders().is_empty()).await;
    let held = holders();
    assert_eq!(held.len(), 1, "exactly one node answers the inbox");
    let first = held[0];

    // Webhooks reach both nodes (a load balancer in front); every one is answered once.
    let senders: Vec<String> = (0..6).map(|i| format!("62857123400{i:02}")).collect();
    for (i, from) in senders.iter().enumerate() {
        let body = card_status_question(&chat.app, from, &format!("wamid.TWONODES{i}"));
        let app = server::router(nodes[i % 2].clone());
        let response = tower::ServiceExt::oneshot(app, whatsapp_request(&body))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    settle(&chat, senders.len()).await;
    for from in &senders {
        assert_eq!(sent_to(&chat.mock, from).len(), 1, "{from}");
    }
    assert_eq!(
        holders(),
        [first],
        "the role stays where it is while renewed"
    );
    let processed = |node: &server::AppState| {
        node.metrics
            .render(&[])
            .lines()
            .filter_map(|l| l.strip_prefix("layan_inbox_processed_total{channel=\"whatsapp\"} "))
            .filter_map(|n| n.parse::<u64>().ok())
            .sum::<u64>()
    };
    // Counted just after each commit, which the sends may overtake.
    until(|| processed(&nodes[first]) == senders.len() as u64).await;
    assert_eq!(processed(&nodes[first]), senders.len() as u64);
    assert_eq!(
        processed(&nodes[1 - first]),
        0,
        "the other node answered nothing"
    );

    // The holder stops cleanly: the other node takes over and answers what comes next.
    let stopping = &nodes[first];
    stopping.messaging.as_ref().unwrap().stop(stopping).await;
    let other = 1 - first;
    until(|| holders() == [other]).await;
    assert_eq!(holders(), [other]);
    // Operators see the same on each node's /metrics.
    assert_eq!(
        metric(&nodes[other], "layan_processing_role")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        metric(&nodes[first], "layan_processing_role")
            .await
            .as_deref(),
        Some("0")
    );
    let late = "6285712349999";
    let body = card_status_question(&chat.app, late, "wamid.TWONODESLATE");
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    settle(&chat, senders.len() + 1).await;
    assert_eq!(sent_to(&chat.mock, late).len(), 1);
    until(|| processed(&nodes[other]) == 1).await;
    assert_eq!(processed(&nodes[other]), 1);
    assert_no_rejections(&chat.mock);
}

/// While another node holds the processing role, a node neither answers the inbox nor sends
/// what is queued (the business number's rate is one for all nodes); it does both once the
/// role is free.
#[tokio::test]
async fn a_node_without_the_processing_role_neither_answers_nor_sends() {
    let chat = ingest_only().await;
    let store = chat.app.store.clone();
    let now = chat.app.clock_now();
    let role = server::messaging::role::LEASE;
    assert!(store
        .hold_lease(role, "elsewhere", now, now + Duration::days(1))
        .await
        .unwrap());
    let mut config = channels_config(&chat.mock);
    config.messaging.lease_secs = 3;
    let node = chat.app.another_node(config).await;

    let from = "6285712340077";
    let body = card_status_question(&chat.app, from, "wamid.NOROLE1");
    assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    let notice = "6285712340078";
    let to = server::messaging::render::Addressee {
        channel: Channel::WhatsApp,
        recipient: notice,
        purpose: "voice_details",
        window: server::messaging::render::window_at(Some(now), now),
        inbox_id: None,
        at: now,
    };
    for row in server::messaging::render::rows(
        &node.config,
        &to,
        &[dialog::Message::text("Rincian tagihan Anda.")],
    ) {
        store.enqueue_outbound(row).await.unwrap();
    }
    node.messaging
        .as_ref()
        .unwrap()
        .wakers
        .whatsapp
        .notify_one();
    // Long enough for an unrestrained node to have answered and sent (it is woken at once).
    tokio::time::sleep(Wait::from_millis(600)).await;
    assert!(chat.mock.requests().is_empty());
    assert_eq!(store.inbox_stats().await.unwrap().pending, 1);

    store.release_lease(role, "elsewhere").await.unwrap();
    settle(&chat, 2).await;
    assert_eq!(sent_to(&chat.mock, from).len(), 1);
    assert_eq!(sent_to(&chat.mock, notice).len(), 1);
    assert_no_rejections(&chat.mock);
}

#[tokio::test]
async fn one_persons_messages_are_answered_in_the_order_they_were_sent() {
    let chat = chat().await;
    let from = "6281311112222";
    let t = now_secs(&chat.app);
    let texts = ["halo", "info kantor bpjs jember", "terima kasih"];
    for (i, text) in texts.iter().enumerate() {
        let body = wa_text(from, &format!("wamid.ORDER{i}"), text, t + i as i64);
        assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
    }
    settle(&chat, 3).await;
    let turns = chat
        .app
        .store
        .recent_turns("whatsapp", from, 50)
        .await
        .unwrap();
    let inbound: Vec<String> = turns
        .iter()
        .rev()
        .filter(|t| t.direction == "in")
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(inbound, texts);
    // The replies reached the provider in the order they were stored.
    let stored: Vec<String> = {
        let mut rows = chat
            .app
            .store
            .recent_outbound(Some(from), 100)
            .await
            .unwrap();
        rows.sort_by_key(|r| r.id);
        rows.into_iter()
            .filter_map(|r| r.request.map(|q| text_of(&q.body)))
            .collect()
    };
    let received: Vec<String> = sent_to(&chat.mock, from).iter().map(text_of).collect();
    assert_eq!(received, stored);
    assert!(
        received
            .last()
            .unwrap()
            .to_lowercase()
            .contains("sama-sama"),
        "{received:?}"
    );
}

#[tokio::test]
async fn bad_signatures_malformed_bodies_and_disabled_channels_are_refused() {
    let chat = chat().await;
    let body = wa_text("6281234567890", "wamid.SIG1", "halo", now_secs(&chat.app));
    let bytes = body.to_string().into_bytes();
    let wrong = sign("another-secret", &bytes);
    assert_eq!(
        post_raw(
            &chat.app,
            "/webhooks/whatsapp",
            bytes.clone(),
            &[("x-hub-signature-256", wrong)]
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_raw(&chat.app, "/webhooks/whatsapp", bytes, &[]).await,
        StatusCode::UNAUTHORIZED
    );
    let garbage = b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec();
    let signature = sign(APP_SECRET, &garbage);
    assert_eq!(
        post_raw(
            &chat.app,
            "/webhooks/whatsapp",
            garbage,
            &[("x-hub-signature-256", signature)]
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post_raw(
            &chat.app,
            "/webhooks/telegram",
            b"{}".to_vec(),
            &[("x-telegram-bot-api-secret-token", "guess".to_owned())]
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    // Nothing refused was stored.
    assert_eq!(chat.app.store.inbox_stats().await.unwrap().pending, 0);
    assert!(chat
        .app
        .store
        .inbox_pending(store::InboxId(0), 10)
        .await
        .unwrap()
        .is_empty());

    // A server without channel secrets has no webhooks at all.
    let plain = TestApp::with_demo(50).await;
    for path in [
        "/webhooks/whatsapp",
        "/webhooks/telegram",
        "/webhooks/messenger",
    ] {
        assert_eq!(
            post_raw(&plain, path, b"{}".to_vec(), &[]).await,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_hub_handshake_answers_the_challenge_only_with_the_right_token() {
    let chat = chat().await;
    for path in ["/webhooks/whatsapp", "/webhooks/messenger"] {
        let ok = chat
            .app
            .get(&format!(
                "{path}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"
            ))
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.text, "1158201444");
        let bad = chat
            .app
            .get(&format!(
                "{path}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444"
            ))
            .await;
        assert_eq!(bad.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn statuses_arriving_out_of_order_never_move_a_message_backwards() {
    let chat = chat().await;
    let from = "6281277778888";
    let t = now_secs(&chat.app);
    assert_eq!(
        whatsapp(&chat.app, &wa_text(from, "wamid.STAT1", "halo", t)).await,
        StatusCode::OK
    );
    settle(&chat, 1).await;
    let row = chat
        .app
        .store
        .recent_outbound(Some(from), 1)
        .await
        .unwrap()
        .remove(0);
    let wamid = row.provider_message_id.clone().unwrap();
    for status in ["read", "delivered", "sent", "read"] {
        assert_eq!(
            whatsapp(&chat.app, &wa_status(&wamid, status, from, t + 5)).await,
            StatusCode::OK
        );
    }
    let mut state = String::new();
    for _ in 0..200 {
        state = chat
            .app
            .store
            .recent_outbound(Some(from), 1)
            .await
            .unwrap()
            .remove(0)
            .status;
        if chat.app.store.inbox_stats().await.unwrap().pending == 0 {
            break;
        }
        tokio::time::sleep(Wait::from_millis(20)).await;
    }
    assert_eq!(state, "read");
    // A status is never answered.
    assert_eq!(
        sent_to(&chat.mock, from).len(),
        chat.app
            .store
            .recent_outbound(Some(from), 100)
            .await
            .unwrap()
            .len()
    );
}

#[tokio::test]
async fn provider_errors_are_retried_with_backoff_and_permanent_ones_recorded() {
    let chat = chat().await;
    let from = "6281299990000";
    chat.mock.push_faults(
        Channel::WhatsApp,
        [
            Fault::ServerError,
            Fault::RateLimited {
                retry_after_secs: 0,
            },
        ],
    );
    let t = now_secs(&chat.app);
    assert_eq!(
        whatsapp(&chat.app, &wa_text(from, "wamid.RETRY1", "terima kasih", t)).await,
        StatusCode::OK
    );
    // The first attempt fails with a 500: the message waits for its next attempt.
    let queued = wait_for_state(&chat, from, OutboxState::Queued, Some("131000")).await;
    assert_eq!(queued.attempts, 1);
    // Time passes (the test's clock): the retry and then the 130429 retry happen.
    for _ in 0..2 {
        chat.app
            .clock
            .set(chat.app.clock_now() + Duration::seconds(30));
        tokio::time::sleep(Wait::from_millis(400)).await;
    }
    chat.app
        .clock
        .set(chat.app.clock_now() + Duration::seconds(30));
    settle(&chat, 1).await;
    let row = chat
        .app
        .store
        .recent_outbound(Some(from), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 3);
    assert_eq!(sent_to(&chat.mock, from).len(), 1);

    // An undeliverable number is recorded as failed with the provider's code, and can be
    // queued again by an operator.
    let other = "6281299990001";
    chat.mock
        .push_fault(Channel::WhatsApp, Fault::Undeliverable);
    assert_eq!(
        whatsapp(&chat.app, &wa_text(other, "wamid.PERM1", "terima kasih", t)).await,
        StatusCode::OK
    );
    let failed = wait_for_state(&chat, other, OutboxState::Failed, Some("131026")).await;
    let listed = chat
        .app
        .store
        .outbox_list(&OutboxFilter {
            channel: Some("whatsapp".into()),
            state: Some(OutboxState::Failed),
            limit: 10,
        })
        .await
        .unwrap();
    assert!(listed.iter().any(|r| r.id == failed.id));
    let metrics = chat.app.get("/metrics").await.text;
    assert!(
        metrics.contains(
            "layan_outbox_messages{channel=\"whatsapp\",state=\"failed\",code=\"131026\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("layan_inbox_lag_seconds"));
    assert!(metrics.contains("layan_outbox_depth") || metrics.contains("state=\"sent\""));
    assert_eq!(
        chat.app
            .store
            .outbox_retry(&[failed.id], chat.app.clock_now())
            .await
            .unwrap(),
        1
    );
    settle(&chat, 2).await;
    assert_eq!(sent_to(&chat.mock, other).len(), 1);
}

async fn wait_for_state(
    chat: &Chat,
    recipient: &str,
    state: OutboxState,
    code: Option<&str>,
) -> store::Outbound {
    for _ in 0..500 {
        if let Some(row) = chat
            .app
            .store
            .recent_outbound(Some(recipient), 1)
            .await
            .unwrap()
            .pop()
        {
            if row.status == state.as_str() && row.error_code.as_deref() == code {
                return row;
            }
        }
        tokio::time::sleep(Wait::from_millis(20)).await;
    }
    panic!(
        "{recipient} never reached {state} {code:?}: {:?}",
        chat.app
            .store
            .recent_outbound(Some(recipient), 5)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn outside_the_24_hour_window_a_template_is_sent_or_the_failure_recorded() {
    // Without a template: a message processed more than a day after it was written cannot
    // be answered free-form, and that is recorded, not sent.
    let chat = chat().await;
    let from = "6281233334444";
    let old = (chat.app.clock_now() - Duration::hours(25)).timestamp();
    assert_eq!(
        whatsapp(&chat.app, &wa_text(from, "wamid.OLD1", "halo", old)).await,
        StatusCode::OK
    );
    let row = wait_for_state(&chat, from, OutboxState::Failed, Some("unsendable")).await;
    assert!(row.error_reason.unwrap().contains("24-hour"));
    assert!(sent_to(&chat.mock, from).is_empty());

    // With a template: the provider's 131047 turns the reply into the template.
    let chat = chat_with(Some("layan_pemberitahuan")).await;
    let from = "6281255556666";
    chat.mock.close_window(from);
    let t = now_secs(&chat.app);
    assert_eq!(
        whatsapp(&chat.app, &wa_text(from, "wamid.WIN1", "terima kasih", t)).await,
        StatusCode::OK
    );
    settle(&chat, 1).await;
    let sent = sent_to(&chat.mock, from);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["type"], "template");
    assert_eq!(sent[0]["template"]["name"], "layan_pemberitahuan");
    assert_eq!(sent[0]["template"]["language"]["code"], "id");
    let params = &sent[0]["template"]["components"][0]["parameters"][0]["text"];
    assert!(params
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("sama-sama"));
}

#[tokio::test]
async fn telegram_button_taps_are_acknowledged_before_the_answer() {
    let chat = chat().await;
    let date = now_secs(&chat.app);
    let text = json!({"update_id": 872311001, "message": {"message_id": 501, "from": {"id": 123456789, "is_bot": false, "first_name": "Siti", "language_code": "id"}, "chat": {"id": 123456789, "first_name": "Siti", "type": "private"}, "date": date, "text": "menu"}});
    assert_eq!(telegram(&chat.app, &text).await, StatusCode::OK);
    let tap = json!({"update_id": 872311002, "callback_query": {"id": "4382bfdwdsb323b2d9", "from": {"id": 123456789, "is_bot": false, "first_name": "Siti"}, "message": {"message_id": 502, "chat": {"id": 123456789, "type": "private"}, "date": date, "text": "Menu"}, "chat_instance": "-4837520981732896", "data": "menu"}});
    assert_eq!(telegram(&chat.app, &tap).await, StatusCode::OK);
    // Telegram paces one message per second per chat: allow for it.
    let mut requests = Vec::new();
    for _ in 0..400 {
        requests = chat.mock.accepted();
        if requests
            .iter()
            .any(|r| r.path.ends_with("/answerCallbackQuery"))
            && chat
                .app
                .store
                .outbox_counts()
                .await
                .unwrap()
                .iter()
                .all(|c| !c.state.is_unfinished())
        {
            break;
        }
        tokio::time::sleep(Wait::from_millis(25)).await;
    }
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    let answer = paths
        .iter()
        .position(|p| p.ends_with("/answerCallbackQuery"))
        .expect("callback answered");
    assert!(
        paths[..answer].iter().any(|p| p.ends_with("/sendMessage")),
        "the first message's reply came first: {paths:?}"
    );
    assert!(
        paths[answer + 1..]
            .iter()
            .any(|p| p.ends_with("/sendMessage")),
        "the tap was answered after its acknowledgement: {paths:?}"
    );
    assert!(paths.iter().all(|p| p.starts_with("/bot***/")), "{paths:?}");
    assert_eq!(
        requests[answer].body["callback_query_id"],
        "4382bfdwdsb323b2d9"
    );
    assert_no_rejections(&chat.mock);
}

#[tokio::test]
async fn messenger_messages_and_postbacks_are_answered_as_responses() {
    let chat = chat().await;
    let psid = "6783443456789012";
    let ms = chat.app.clock_now().timestamp_millis();
    let body = json!({"object": "page", "entry": [{"id": "104729351234567", "time": ms, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": "104729351234567"}, "timestamp": ms, "message": {"mid": "m_AbCdEf123", "text": "halo"}},
        {"sender": {"id": psid}, "recipient": {"id": "104729351234567"}, "timestamp": ms + 1, "message": {"mid": "m_echo1", "is_echo": true, "text": "balasan kami"}},
        {"sender": {"id": psid}, "recipient": {"id": "104729351234567"}, "timestamp": ms + 2, "postback": {"mid": "m_PoStBaCk1", "title": "Menu", "payload": "menu"}}
    ]}]});
    assert_eq!(messenger(&chat.app, &body).await, StatusCode::OK);
    settle(&chat, 2).await;
    let sent = sent_to(&chat.mock, psid);
    assert!(sent.len() >= 2);
    assert!(sent.iter().all(|b| b["messaging_type"] == "RESPONSE"));
    // The echo of our own message was skipped: two inbound turns, not three.
    assert_eq!(inbound_turns(&chat, "messenger", psid).await, 2);
    assert_no_rejections(&chat.mock);
}

#[tokio::test]
async fn stickers_and_photos_get_a_polite_answer_and_are_kept() {
    let chat = chat().await;
    let from = "6281244445555";
    let t = now_secs(&chat.app).to_string();
    let sticker = wa_value(
        json!({"contacts": [{"profile": {"name": "Budi"}, "wa_id": from}], "messages": [{"from": from, "id": "wamid.STICKER1", "timestamp": t, "type": "sticker", "sticker": {"mime_type": "image/webp", "sha256": "abc", "id": "1234567890", "animated": false}}]}),
    );
    let photo = wa_value(
        json!({"contacts": [{"profile": {"name": "Budi"}, "wa_id": from}], "messages": [{"from": from, "id": "wamid.PHOTO1", "timestamp": t, "type": "image", "image": {"caption": "ktp saya", "mime_type": "image/jpeg", "sha256": "d2f8e1", "id": "1480712345678901"}}]}),
    );
    assert_eq!(whatsapp(&chat.app, &sticker).await, StatusCode::OK);
    assert_eq!(whatsapp(&chat.app, &photo).await, StatusCode::OK);
    settle(&chat, 2).await;
    let texts: Vec<String> = sent_to(&chat.mock, from).iter().map(text_of).collect();
    assert!(texts[0].contains("belum dapat kami baca"), "{texts:?}");
    assert!(
        texts[1].contains("berkas Anda sudah kami simpan"),
        "{texts:?}"
    );
    let turns = chat
        .app
        .store
        .recent_turns("whatsapp", from, 10)
        .await
        .unwrap();
    let photo_turn = turns.iter().find(|t| t.text == "[attachment]").unwrap();
    assert_eq!(photo_turn.body["id"], "1480712345678901");
}

#[tokio::test]
async fn a_send_cut_off_by_a_crash_is_settled_by_the_providers_status_or_sent_again() {
    // A sender that died after calling the provider leaves its message `sending`. Model it:
    // store two messages due an hour from now (so the live sender leaves them alone) and
    // lease them as a sender would, then never complete them.
    let chat = chat().await;
    let start = chat.app.clock_now();
    let due = start + Duration::hours(1);
    let mut ids = Vec::new();
    for to in ["6281266667777", "6281266667778"] {
        let mut row = store::NewOutbound::plain("whatsapp", to, "reply", "Halo", due);
        row.request = Some(store::StoredRequest {
            path: format!("/{PHONE_NUMBER_ID}/messages"),
            body: json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text", "text": {"body": "Halo", "preview_url": false}}),
        });
        ids.push(chat.app.store.enqueue_outbound(row).await.unwrap().id);
    }
    let leased = chat
        .app
        .store
        .outbox_claim(
            "whatsapp",
            store::Claim {
                now: due,
                lease_until: due + Duration::seconds(30),
                in_doubt_before: due,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(leased.len(), 2);

    // The provider's `sent` status for the first echoes our id: that settles it.
    let status = wa_value(
        json!({"statuses": [{"id": "wamid.HBgNNjI4MTI2NjY2Nzc3NxUCABEYEkZGQjg5", "status": "sent", "timestamp": due.timestamp().to_string(), "recipient_id": "6281266667777", "biz_opaque_callback_data": format!("layan-outbound-{}", ids[0].0)}]}),
    );
    assert_eq!(whatsapp(&chat.app, &status).await, StatusCode::OK);
    let settled = wait_for_state(&chat, "6281266667777", OutboxState::Sent, None).await;
    assert_eq!(
        settled.provider_message_id.as_deref(),
        Some("wamid.HBgNNjI4MTI2NjY2Nzc3NxUCABEYEkZGQjg5")
    );

    // Past the lease but within the grace for a status, nothing is resent...
    chat.app.clock.set(due + Duration::seconds(45));
    tokio::time::sleep(Wait::from_millis(600)).await;
    assert_eq!(chat.mock.accepted_count(), 0);
    // ...after it, the one no status settled is sent again, and only that one.
    chat.app.clock.set(due + Duration::seconds(120));
    assert!(chat.mock.wait_for_accepted(1, WAIT).await);
    tokio::time::sleep(Wait::from_millis(300)).await;
    let sent: Vec<_> = chat
        .mock
        .accepted()
        .into_iter()
        .filter_map(|r| r.recipient)
        .collect();
    assert_eq!(sent, ["6281266667778"]);
    let resent = wait_for_state(&chat, "6281266667778", OutboxState::Sent, None).await;
    assert_eq!(resent.attempts, 2);
}

#[tokio::test]
async fn a_whatsapp_conversation_replays_from_raw_webhooks_to_provider_requests() {
    // A participant in arrears asks from their registered WhatsApp number, verifies with the
    // card number and birth date, and gets the REHAB offer; then taps a button. Printed with
    // `--no-capture` for the docs: the raw webhooks in, the provider requests out.
    let chat = chat().await;
    let who = chat.app.sample_of("arrears_4_24").await;
    let phone = who.phone.clone().expect("the persona has a phone");
    let from = jkn::Msisdn::parse(&phone).unwrap().expose().to_owned();
    let t = now_secs(&chat.app);
    let steps = [
        "pagi min, tunggakan sy bisa dicicil ga?".to_owned(),
        who.card_number.clone(),
        who.birth_date.format("%d/%m/%Y").to_string(),
    ];
    let mut printed = String::new();
    let mut expected = 0;
    for (i, text) in steps.iter().enumerate() {
        let body = wa_text(&from, &format!("wamid.REPLAY{i}"), text, t + i as i64 * 20);
        printed.push_str(&format!("IN  {}\n", body));
        assert_eq!(whatsapp(&chat.app, &body).await, StatusCode::OK);
        expected += 1;
        settle(&chat, expected).await;
        expected = sent_to(&chat.mock, &from).len();
    }
    // The offer came with buttons; the participant taps the first one.
    let offer = sent_to(&chat.mock, &from).pop().unwrap();
    assert_eq!(offer["type"], "interactive", "{offer}");
    let button = offer["interactive"]["action"]["buttons"][0]["reply"].clone();
    let tap = wa_value(json!({
        "contacts": [{"profile": {"name": "Peserta"}, "wa_id": from}],
        "messages": [{"from": from, "id": "wamid.REPLAY3", "timestamp": (t + 80).to_string(), "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": button["id"], "title": button["title"]}}}]
    }));
    printed.push_str(&format!("IN  {tap}\n"));
    assert_eq!(whatsapp(&chat.app, &tap).await, StatusCode::OK);
    settle(&chat, expected + 1).await;
    for body in sent_to(&chat.mock, &from) {
        printed.push_str(&format!(
            "OUT POST /v21.0/{PHONE_NUMBER_ID}/messages {body}\n"
        ));
    }
    eprintln!("{printed}");
    let texts: Vec<String> = sent_to(&chat.mock, &from).iter().map(text_of).collect();
    let all = texts.join("\n");
    assert!(all.contains("REHAB"), "{all}");
    assert!(all.contains("terverifikasi"), "{all}");
    assert!(
        texts.last().unwrap().contains("Pendaftaran REHAB berhasil"),
        "{all}"
    );
    assert_no_rejections(&chat.mock);
    // The plan was registered through the chat.
    let participant = chat
        .app
        .store
        .participant_by_card(&jkn::CardNumber::parse(&who.card_number).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(chat
        .app
        .store
        .latest_rehab_plan(participant.family_id)
        .await
        .unwrap()
        .is_some());
}

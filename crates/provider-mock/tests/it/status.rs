use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use channels::whatsapp::{self, Target};
use channels::{Channel, DeliveryState, EventKind, Window};
use provider_mock::{MockConfig, StatusWebhook};
use serde_json::Value;

use crate::*;

const APP_SECRET: &str = "mock-app-secret";

/// Our side of the webhook, reduced to what is checked here: the signature over the raw
/// body, and a flaky start (the first `fail_first` posts get a 500).
#[derive(Default)]
struct Receiver {
    fail_first: usize,
    posts: AtomicUsize,
    bad_signatures: AtomicUsize,
    accepted: Mutex<Vec<Bytes>>,
}

async fn receive(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if channels::verify_meta_signature(APP_SECRET.as_bytes(), signature, &body).is_err() {
        rx.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    if rx.posts.fetch_add(1, Ordering::SeqCst) < rx.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    rx.accepted.lock().unwrap().push(body);
    StatusCode::OK
}

async fn start_receiver(fail_first: usize) -> (String, Arc<Receiver>) {
    let rx = Arc::new(Receiver {
        fail_first,
        ..Receiver::default()
    });
    let app = axum::Router::new()
        .route("/webhooks/whatsapp", axum::routing::post(receive))
        .with_state(Arc::clone(&rx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/whatsapp",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

#[tokio::test]
async fn sent_and_delivered_statuses_arrive_signed_in_order_after_retries() {
    let (url, rx) = start_receiver(2).await;
    let mock = start_with(MockConfig {
        status_webhook: Some(StatusWebhook {
            url,
            app_secret: APP_SECRET.into(),
            delivered: true,
        }),
        ..MockConfig::default()
    })
    .await;
    let target = Target {
        phone_number_id: PHONE_NUMBER_ID,
        to: WA_ID,
        window: Window::Open,
        fallback_template: None,
    };
    let mut req = whatsapp::render(&target, &dialog::Message::text("Halo"))
        .unwrap()
        .remove(0);
    req.body["biz_opaque_callback_data"] = "outbox:42".into();
    let answer = send_wa(&mock, &req).await;
    let wamid = assert_sent(&answer, Channel::WhatsApp).unwrap();
    // Answered while the webhook was still being refused (two failures take at least 75 ms
    // of backoff): the send is never blocked by it.
    assert!(mock.pending_status_posts() >= 1);

    assert!(
        mock.wait_for_status_posts(Duration::from_secs(10)).await,
        "statuses delivered"
    );
    assert_eq!(rx.bad_signatures.load(Ordering::SeqCst), 0);
    assert_eq!(
        rx.posts.load(Ordering::SeqCst),
        4,
        "two refused, then sent and delivered"
    );
    let stats = mock.stats();
    assert_eq!(
        (stats.status_posts_delivered, stats.status_post_failures),
        (2, 2)
    );

    let bodies = rx.accepted.lock().unwrap().clone();
    let states: Vec<DeliveryState> = bodies
        .iter()
        .map(|raw| {
            let events = whatsapp::parse(raw).expect("a real-shaped status webhook");
            assert_eq!(events.len(), 1);
            match &events[0].kind {
                EventKind::Status(s) => {
                    assert_eq!(s.message_id, wamid);
                    assert_eq!(s.recipient, WA_ID);
                    assert_eq!(s.callback_data.as_deref(), Some("outbox:42"));
                    s.state
                }
                other => panic!("expected a status, got {other:?}"),
            }
        })
        .collect();
    assert_eq!(states, [DeliveryState::Sent, DeliveryState::Delivered]);
    let first: Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(first["object"], "whatsapp_business_account");
    let value = &first["entry"][0]["changes"][0]["value"];
    assert_eq!(value["metadata"]["phone_number_id"], PHONE_NUMBER_ID);
    assert_eq!(
        value["statuses"][0]["biz_opaque_callback_data"],
        "outbox:42"
    );
    assert_eq!(value["statuses"][0]["pricing"]["category"], "service");
}

#[tokio::test]
async fn only_message_sends_get_statuses() {
    let (url, rx) = start_receiver(0).await;
    let mock = start_with(MockConfig {
        status_webhook: Some(StatusWebhook {
            url,
            app_secret: APP_SECRET.into(),
            delivered: false,
        }),
        ..MockConfig::default()
    })
    .await;
    let target = Target {
        phone_number_id: PHONE_NUMBER_ID,
        to: WA_ID,
        window: Window::Closed,
        fallback_template: None,
    };
    let templ = whatsapp::template(&target, "pesan_layanan", &["Budi".into()]);
    assert_sent(&send_wa(&mock, &templ).await, Channel::WhatsApp);
    assert_eq!(
        send_wa(&mock, &whatsapp::mark_read(PHONE_NUMBER_ID, "wamid.IN"))
            .await
            .status,
        200
    );
    mock.close_window(WA_ID);
    let free = whatsapp::render(
        &Target {
            window: Window::Open,
            ..target.clone()
        },
        &dialog::Message::text("x"),
    )
    .unwrap()
    .remove(0);
    assert_eq!(send_wa(&mock, &free).await.status, 400);

    assert!(mock.wait_for_status_posts(Duration::from_secs(5)).await);
    let bodies = rx.accepted.lock().unwrap().clone();
    assert_eq!(
        bodies.len(),
        1,
        "one sent status for the one accepted message"
    );
    let body: Value = serde_json::from_slice(&bodies[0]).unwrap();
    let status = &body["entry"][0]["changes"][0]["value"]["statuses"][0];
    assert_eq!(status["status"], "sent");
    assert_eq!(status["pricing"]["category"], "utility");
    assert!(status.get("biz_opaque_callback_data").is_none());
}

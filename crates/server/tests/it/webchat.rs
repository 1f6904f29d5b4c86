//! The web chat: the page a newcomer opens first, and a conversation over HTTP.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use serde_json::{json, Value};

const ID: &str = "0123456789abcdef0123456789abcdef";

fn texts(body: &Value) -> String {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_chat_page_is_served_at_the_root_with_its_own_script_and_style() {
    let app = TestApp::with_demo(30).await;
    for path in ["/", "/chat"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("<title>Layan"), "{path}: {}", r.text);
        assert!(r.text.contains("/chat/app.js"));
        assert!(
            !r.text.contains("http://") && !r.text.contains("https://"),
            "no CDN"
        );
    }
    let js = app.get("/chat/app.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text.contains("/chat/messages") && js.text.contains("geolocation"));
    assert_eq!(app.get("/chat/app.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_visitor_is_greeted_and_can_ask_for_instalments_over_http() {
    let app = TestApp::with_demo(30).await;
    let start = app
        .post(
            "/chat/messages",
            json!({"conversation_id": ID, "message": {"type": "choice", "id": "start"}}),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    assert!(
        texts(&start.body).contains("asisten virtual"),
        "{}",
        start.text
    );
    assert_eq!(start.body["messages"][1]["type"], "list");

    let who = app.sample_of("arrears_4_24").await;
    let say =
        |text: String| json!({"conversation_id": ID, "message": {"type": "text", "text": text}});
    let r = app
        .post("/chat/messages", say("tunggakan bisa dicicil gak".into()))
        .await;
    assert!(texts(&r.body).contains("NIK"), "{}", r.text);
    let r = app
        .post(
            "/chat/messages",
            say(format!("{} {}", who.nik, who.birth_date.format("%d-%m-%Y"))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = texts(&r.body);
    assert!(t.contains("REHAB"), "{t}");
    assert!(t.contains("kali cicilan"), "{t}");
}

#[tokio::test]
async fn a_short_or_odd_conversation_id_is_refused() {
    let app = TestApp::with_demo(30).await;
    for id in ["abc", "0123456789abcdef0123456789abcdef!!", ""] {
        let r = app
            .post(
                "/chat/messages",
                json!({"conversation_id": id, "message": {"type": "text", "text": "halo"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{id}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "invalid_conversation_id");
    }
}

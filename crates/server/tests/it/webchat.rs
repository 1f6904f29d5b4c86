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

#[tokio::test]
async fn the_page_sees_an_agent_reply_that_arrives_later_and_nothing_twice() {
    let app = TestApp::with_demo(30).await;
    let start = app
        .post(
            "/chat/messages",
            json!({"conversation_id": ID, "message": {"type": "choice", "id": "start"}}),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text);
    let ids: Vec<i64> = start.body["turn_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), start.body["messages"].as_array().unwrap().len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let last = *ids.last().unwrap();

    // Nothing new yet: the replies the POST returned are not returned again.
    let poll = format!("/chat/messages?conversation={ID}&after={last}");
    let r = app.get(&poll).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.body["messages"].as_array().unwrap().is_empty(),
        "{}",
        r.text
    );
    assert_eq!(r.body["last_id"], last);

    // An agent answers from the console (a stored outbound turn of the conversation).
    let reply =
        dialog::Message::text("Halo, saya Rina dari BPJS Kesehatan. Ada yang bisa dibantu?");
    app.store
        .append_turn(store::NewTurn {
            channel: "webchat".into(),
            sender: ID.into(),
            direction: "out".into(),
            body: serde_json::to_value(&reply).unwrap(),
            text: reply.body().to_string(),
            intent: None,
            participant_id: None,
            at: app.clock_now(),
        })
        .await
        .unwrap();
    let r = app.get(&poll).await;
    let got = r.body["messages"].as_array().unwrap();
    assert_eq!(got.len(), 1, "{}", r.text);
    assert_eq!(got[0]["message"]["type"], "text");
    assert!(got[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("saya Rina"));
    let next = r.body["last_id"].as_i64().unwrap();
    assert_eq!(got[0]["id"].as_i64().unwrap(), next);
    assert!(next > last);
    let r = app
        .get(&format!("/chat/messages?conversation={ID}&after={next}"))
        .await;
    assert!(r.body["messages"].as_array().unwrap().is_empty());

    // The participant's own messages never come back as the page's to show.
    app.post(
        "/chat/messages",
        json!({"conversation_id": ID, "message": {"type": "text", "text": "terima kasih"}}),
    )
    .await;
    let r = app
        .get(&format!("/chat/messages?conversation={ID}&after={next}"))
        .await;
    assert!(r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| !m["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("terima kasih")));

    // Without `after`, only where to start from; an odd id is refused.
    let r = app.get(&format!("/chat/messages?conversation={ID}")).await;
    assert!(r.body["messages"].as_array().unwrap().is_empty());
    assert!(r.body["last_id"].as_i64().unwrap() >= next);
    let r = app.get("/chat/messages?conversation=abc&after=0").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_chat_offers_the_web_form_and_its_link_opens_prefilled() {
    let app = TestApp::with_demo(30).await;
    let say =
        |text: &str| json!({"conversation_id": ID, "message": {"type": "text", "text": text}});
    let r = app
        .post(
            "/chat/messages",
            say("saya mau daftar bpjs mandiri kelas 2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let offered = r.body["messages"].as_array().unwrap().iter().any(|m| {
        m["buttons"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["id"] == "webform:daftar_baru"))
    });
    assert!(offered, "{}", r.text);
    let r = app
        .post(
            "/chat/messages",
            json!({"conversation_id": ID, "message": {"type": "choice", "id": "webform:daftar_baru"}}),
        )
        .await;
    let t = texts(&r.body);
    let url = t
        .split_whitespace()
        .find(|w| w.contains("/f/"))
        .unwrap_or_else(|| panic!("a link: {t}"));
    let path = &url[url.find("/f/").unwrap()..];
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Pendaftaran") || page.text.contains("pendaftaran"));
    // What the chat already knew is filled in: class 2 selected.
    assert!(page.text.contains("value=\"2\" selected"), "{}", page.text);
}

#[tokio::test]
async fn asking_for_a_person_files_a_live_chat_case_for_the_agents() {
    let app = TestApp::with_demo(30).await;
    let r = app
        .post(
            "/chat/messages",
            json!({"conversation_id": ID, "message": {"type": "text", "text": "saya mau bicara dengan petugas"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cases = app
        .store
        .list_cases(&store::CaseQuery {
            channel: Some("webchat".into()),
            sender: Some(ID.into()),
            limit: 10,
            ..store::CaseQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].kind, "live_chat");
    assert!(texts(&r.body).contains(&cases[0].number), "{}", r.text);
}

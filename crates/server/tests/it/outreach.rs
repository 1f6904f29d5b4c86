//! Office closures and broadcasts end to end: a supervisor declares a closure through the
//! agent API, the branch's participants are told once each at a mock WhatsApp provider (as
//! text inside the 24-hour window, as the approved template outside it), participants opt
//! out with "STOP" and back in with "MULAI", and broadcasts are paused, resumed and
//! cancelled.

use crate::console::bearer;
use crate::console_outreach::add_agent;
use crate::helpers::{whatsapp_at_mock, Reply, TestApp, PHONE_NUMBER_ID};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cases::AgentRole;
use provider_mock::{MockConfig, MockHandle, MockProvider};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use store::{
    AuditEntry, AuditQuery, BroadcastId, BroadcastProgress, Office, OfficeId, SampleFilter,
};

const APP_SECRET: &str = "wa-app-secret-for-outreach";
const CLOSURE_TEMPLATE: &str = "layan_penutupan_kantor";
const NOTICE_TEMPLATE: &str = "layan_pemberitahuan";
const WAIT: Duration = Duration::from_secs(30);

struct Outreach {
    app: TestApp,
    mock: MockHandle,
}

/// A server with WhatsApp on (at the mock), both outreach templates, and a broadcast rate of
/// `rate` per second.
async fn outreach(rate: u32) -> Outreach {
    let mock = MockProvider::start(MockConfig::default()).await.unwrap();
    let mut config = server::Config::default();
    whatsapp_at_mock(&mut config, &mock, APP_SECRET);
    config.whatsapp.rate_per_sec = 1_000;
    config.outreach.whatsapp_rate_per_sec = rate;
    config.outreach.feed_interval_ms = 20;
    config.outreach.closure_template = Some(CLOSURE_TEMPLATE.into());
    config.outreach.notice_template = Some(NOTICE_TEMPLATE.into());
    config.pandawa.assign_interval_secs = 0;
    let app = TestApp::with_demo_config(300, config).await;
    Outreach { app, mock }
}

/// Declares a closure through the agent API as the holder of `token`.
async fn declare(app: &TestApp, token: &str, closure: Value) -> Reply {
    app.request(
        Method::POST,
        "/api/v1/agent/closures",
        Some(closure),
        Some(token),
    )
    .await
}

/// Cancels closure `id` through the agent API as the holder of `token`.
async fn cancel(app: &TestApp, id: i64, token: &str) -> Reply {
    app.request(
        Method::POST,
        &format!("/api/v1/agent/closures/{id}/cancel"),
        None,
        Some(token),
    )
    .await
}

/// Every audit entry so far.
async fn audit_trail(app: &TestApp) -> Vec<AuditEntry> {
    app.store
        .audit_entries(&AuditQuery {
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

/// The WhatsApp addresses of each branch's participants, computed from the demo data on its
/// own: mobile numbers of participants living in the regencies the branch serves.
async fn phones_by_office(app: &TestApp) -> BTreeMap<OfficeId, BTreeSet<String>> {
    let offices = app.store.offices().await.unwrap();
    let participants = app
        .store
        .sample_participants(
            SampleFilter {
                segment: None,
                heads_only: false,
                with_phone: true,
            },
            1_000_000,
        )
        .await
        .unwrap();
    let mut out: BTreeMap<OfficeId, BTreeSet<String>> = BTreeMap::new();
    for p in participants {
        let Some(phone) = &p.phone else { continue };
        for o in offices
            .iter()
            .filter(|o| o.regencies.contains(&p.regency_code()))
        {
            out.entry(o.id)
                .or_default()
                .insert(phone.expose().to_owned());
        }
    }
    out
}

/// The branch with the most reachable participants, and another branch with some.
async fn two_branches(app: &TestApp) -> (Office, BTreeSet<String>, Office, BTreeSet<String>) {
    let phones = phones_by_office(app).await;
    let mut ranked: Vec<_> = phones.into_iter().collect();
    ranked.sort_by_key(|(_, p)| std::cmp::Reverse(p.len()));
    assert!(
        ranked.len() >= 2,
        "the demo has participants in two branches"
    );
    let (a, a_phones) = ranked[0].clone();
    let (b, b_phones) = ranked[1].clone();
    assert!(
        a_phones.len() >= 3,
        "enough participants in the first branch"
    );
    let a = app.store.office(a).await.unwrap().unwrap();
    let b = app.store.office(b).await.unwrap().unwrap();
    (a, a_phones, b, b_phones)
}

fn sign(body: &[u8]) -> String {
    channels::verify::meta_signature(APP_SECRET.as_bytes(), body)
}

/// A participant writes on WhatsApp now.
async fn whatsapp_text(app: &TestApp, from: &str, wamid: &str, text: &str) {
    whatsapp_text_at(app, from, wamid, text, app.clock_now().timestamp()).await;
}

/// A participant's message written at `timestamp` (Unix seconds).
async fn whatsapp_text_at(app: &TestApp, from: &str, wamid: &str, text: &str, timestamp: i64) {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Peserta"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": timestamp.to_string(), "text": {"body": text}, "type": "text"}]
        }}]}]
    });
    let bytes = body.to_string().into_bytes();
    let request = Request::post("/webhooks/whatsapp")
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(&bytes))
        .body(Body::from(bytes))
        .unwrap();
    assert_eq!(app.raw(request).await.status, StatusCode::OK);
}

/// Whether a provider request carries a broadcast: one of the outreach templates, or a text
/// ending with the stop line.
fn is_broadcast(body: &Value) -> bool {
    let template = body.pointer("/template/name").and_then(Value::as_str);
    let text = body
        .pointer("/text/body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    matches!(template, Some(CLOSURE_TEMPLATE | NOTICE_TEMPLATE))
        || text.contains("Balas STOP untuk berhenti menerima pemberitahuan")
}

/// Broadcast messages the provider accepted, per recipient.
fn broadcasts_received(mock: &MockHandle) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in mock.accepted() {
        if is_broadcast(&r.body) {
            out.entry(r.recipient.clone().unwrap_or_default())
                .or_default()
                .push(r.body);
        }
    }
    out
}

fn replies_to(mock: &MockHandle, recipient: &str) -> Vec<String> {
    mock.accepted()
        .into_iter()
        .filter(|r| r.recipient.as_deref() == Some(recipient) && !is_broadcast(&r.body))
        .filter_map(|r| {
            r.body
                .pointer("/text/body")
                .or_else(|| r.body.pointer("/interactive/body/text"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

async fn progress(app: &TestApp, id: BroadcastId) -> BroadcastProgress {
    app.store.broadcast_progress(id).await.unwrap()
}

fn sum(p: &BroadcastProgress) -> u64 {
    p.waiting + p.queued + p.sent + p.delivered + p.read + p.failed + p.skipped + p.cancelled
}

/// Waits until nothing of the broadcast waits or sits in the outbox.
async fn until_settled(app: &TestApp, id: BroadcastId) -> BroadcastProgress {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let p = progress(app, id).await;
        if p.waiting == 0 && p.queued == 0 {
            return p;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "broadcast {} did not finish: {p:?}",
            id.0
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn closure_request(office: &Office, notify: bool) -> Value {
    json!({
        "office_id": office.id.0,
        "from": "2026-11-24T08:00",
        "until": "2026-11-25T15:00",
        "reason": "Perbaikan jaringan listrik gedung",
        "message": "Mohon maaf atas ketidaknyamanannya",
        "notify": notify
    })
}

#[tokio::test]
async fn a_closure_reaches_each_participant_of_the_branch_once_and_no_one_else() {
    let o = outreach(400).await;
    let app = &o.app;
    let (a, a_phones, b, b_phones) = two_branches(app).await;
    add_agent(app, "spv.a", AgentRole::Supervisor, Some(a.id)).await;
    let token = bearer(app, "spv.a").await;

    // One participant wrote a moment ago: inside the 24-hour window they get plain text.
    let talker = a_phones.iter().next().unwrap().clone();
    whatsapp_text(app, &talker, "wamid.outreach-halo", "halo").await;
    until("the assistant answered", || async {
        !replies_to(&o.mock, &talker).is_empty()
    })
    .await;

    let r = declare(app, &token, closure_request(&a, true)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tz = a.timezone.abbreviation();
    assert_eq!(r.body["closure"]["state"], "upcoming");
    assert_eq!(
        r.body["closure"]["starts_local"],
        format!("Selasa, 24 November 2026 pukul 08.00 {tz}")
    );
    let broadcast = BroadcastId(r.body["broadcast"]["id"].as_i64().unwrap());
    assert_eq!(r.body["broadcast"]["total"], a_phones.len() as u64);

    // The office API shows the closure at once, in force or not.
    let office = app.get(&format!("/api/v1/offices/{}", a.id.0)).await;
    assert_eq!(office.status, StatusCode::OK);
    let closures = office.body["closures"].as_array().unwrap();
    assert_eq!(closures.len(), 1, "{}", office.text);
    assert_eq!(closures[0]["reason"], "Perbaikan jaringan listrik gedung");

    let p = until_settled(app, broadcast).await;
    assert_eq!(sum(&p), p.total);
    assert_eq!(p.total, a_phones.len() as u64);
    until("every notice accepted by the provider", || async {
        broadcasts_received(&o.mock).len() == a_phones.len()
    })
    .await;
    let received = broadcasts_received(&o.mock);
    let recipients: BTreeSet<String> = received.keys().cloned().collect();
    assert_eq!(recipients, a_phones, "exactly the branch's participants");
    for (to, bodies) in &received {
        assert_eq!(bodies.len(), 1, "{to} was told more than once");
    }
    for phone in b_phones.difference(&a_phones) {
        assert!(
            !received.contains_key(phone),
            "{} of {} was told",
            phone,
            b.name
        );
    }

    // Inside the window: the notice as text. Outside: the closure template, in order.
    let text = received[&talker][0]["text"]["body"].as_str().unwrap();
    assert!(
        text.contains(&format!("{} ditutup sementara", a.name)),
        "{text}"
    );
    assert!(text.ends_with("Balas STOP untuk berhenti menerima pemberitahuan."));
    let other = a_phones.iter().find(|p| **p != talker).unwrap();
    let template = &received[other][0]["template"];
    assert_eq!(template["name"], CLOSURE_TEMPLATE);
    let params: Vec<&str> = template["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(params.len(), 4, "{template}");
    assert_eq!(params[0], a.name);
    assert_eq!(
        params[1],
        format!("Selasa, 24 November 2026 pukul 08.00 {tz}")
    );
    assert_eq!(
        params[2],
        format!("Rabu, 25 November 2026 pukul 15.00 {tz}")
    );
    assert!(params[3].contains("Care Center 165"), "{}", params[3]);

    // The API shows the progress, and the audit has both steps.
    let view = app
        .request(
            Method::GET,
            &format!("/api/v1/agent/broadcasts/{}", broadcast.0),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.body["progress"]["total"], a_phones.len() as u64);
    assert_eq!(view.body["progress"]["waiting"], 0);
    let audit = audit_trail(app).await;
    for action in ["closure_declared", "broadcast_created"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.detail.contains("spv.a")),
            "{action} audited"
        );
    }
}

#[tokio::test]
async fn stop_opts_out_and_mulai_opts_back_in() {
    let o = outreach(400).await;
    let app = &o.app;
    let (a, a_phones, _, _) = two_branches(app).await;
    add_agent(app, "admin", AgentRole::Admin, None).await;
    let token = bearer(app, "admin").await;
    let leaver = a_phones.iter().nth(1).unwrap().clone();
    let t = app.clock_now().timestamp();

    whatsapp_text_at(app, &leaver, "wamid.outreach-stop", "STOP", t - 30).await;
    until("the opt-out is acknowledged", || async {
        replies_to(&o.mock, &leaver)
            .iter()
            .any(|t| t.contains("balas MULAI"))
    })
    .await;
    assert!(app.store.is_opted_out("whatsapp", &leaver).await.unwrap());
    // Answered once, instead of the assistant: no menu, no second reply.
    assert_eq!(replies_to(&o.mock, &leaver).len(), 1);

    let notice = |title: &str| {
        json!({
            "audience": {"kind": "office", "office_id": a.id.0},
            "title": title,
            "text": "Kini Anda dapat mengambil antrean faskes lewat aplikasi Mobile JKN."
        })
    };
    let r = app
        .request(
            Method::POST,
            "/api/v1/agent/broadcasts",
            Some(notice("Antrean online")),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = BroadcastId(r.body["id"].as_i64().unwrap());
    assert_eq!(r.body["total"], (a_phones.len() - 1) as u64);
    until_settled(app, first).await;
    until("the notice delivered", || async {
        broadcasts_received(&o.mock).len() == a_phones.len() - 1
    })
    .await;
    let received = broadcasts_received(&o.mock);
    assert!(
        !received.contains_key(&leaver),
        "the opted-out participant was skipped"
    );
    let some = received.values().next().unwrap();
    assert_eq!(some[0]["template"]["name"], NOTICE_TEMPLATE);

    // "mulai" from someone who never opted out is the assistant's menu, not a command.
    let stayer = a_phones.iter().next().unwrap().clone();
    whatsapp_text(app, &stayer, "wamid.outreach-menu", "mulai").await;
    until("the assistant answered", || async {
        !replies_to(&o.mock, &stayer).is_empty()
    })
    .await;
    assert!(replies_to(&o.mock, &stayer)
        .iter()
        .all(|t| !t.contains("kembali menerima pemberitahuan")));

    whatsapp_text_at(app, &leaver, "wamid.outreach-mulai", "Mulai", t - 20).await;
    until("the opt-in is acknowledged", || async {
        replies_to(&o.mock, &leaver)
            .iter()
            .any(|t| t.contains("kembali menerima pemberitahuan"))
    })
    .await;
    assert!(!app.store.is_opted_out("whatsapp", &leaver).await.unwrap());
    // A STOP written before the MULAI but arriving after it never undoes it, and is not
    // acknowledged (that would say the opposite of what holds).
    let replies = replies_to(&o.mock, &leaver).len();
    whatsapp_text_at(app, &leaver, "wamid.outreach-late-stop", "stop", t - 40).await;
    until("the late message processed", || async {
        app.store
            .recent_turns("whatsapp", &leaver, 10)
            .await
            .unwrap()
            .iter()
            .any(|turn| turn.text == "stop")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!app.store.is_opted_out("whatsapp", &leaver).await.unwrap());
    assert_eq!(replies_to(&o.mock, &leaver).len(), replies);

    let r = app
        .request(
            Method::POST,
            "/api/v1/agent/broadcasts",
            Some(notice("Antrean online (2)")),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["total"], a_phones.len() as u64);
    until_settled(app, BroadcastId(r.body["id"].as_i64().unwrap())).await;
    until(
        "the second notice reached the participant again",
        || async {
            broadcasts_received(&o.mock)
                .get(&leaver)
                .is_some_and(|b| b.len() == 1)
        },
    )
    .await;
}

#[tokio::test]
async fn pause_holds_resume_continues_and_cancel_stops_with_counts_that_add_up() {
    // Slow enough to act while it is being sent.
    let o = outreach(20).await;
    let app = &o.app;
    add_agent(app, "admin", AgentRole::Admin, None).await;
    let token = bearer(app, "admin").await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/agent/broadcasts",
            Some(json!({
                "audience": {"kind": "everyone"},
                "title": "Libur nasional",
                "text": "Seluruh kantor cabang tutup pada hari libur nasional."
            })),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = BroadcastId(r.body["id"].as_i64().unwrap());
    let total = r.body["total"].as_u64().unwrap();
    assert!(total > 40, "a broadcast long enough to pause: {total}");
    let act = |action: &'static str| {
        let token = token.clone();
        async move {
            app.request(
                Method::POST,
                &format!("/api/v1/agent/broadcasts/{}/{action}", id.0),
                None,
                Some(&token),
            )
            .await
        }
    };

    let paused = act("pause").await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
    assert_eq!(paused.body["state"], "paused");
    assert_eq!(act("pause").await.status, StatusCode::CONFLICT);

    // The next participant in line opts out meanwhile: skipped, not sent, when resumed.
    let waiting = app
        .store
        .broadcast_waiting(id, "whatsapp", 1)
        .await
        .unwrap();
    let leaver = waiting[0].address.clone();
    whatsapp_text(app, &leaver, "wamid.outreach-pause-stop", "berhenti").await;
    until("the opt-out recorded", || async {
        app.store.is_opted_out("whatsapp", &leaver).await.unwrap()
    })
    .await;

    let held = progress(app, id).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        progress(app, id).await.waiting,
        held.waiting,
        "nothing handed off while paused"
    );

    assert_eq!(act("resume").await.status, StatusCode::OK);
    until("hand-offs resumed", || async {
        let p = progress(app, id).await;
        p.skipped == 1 && p.waiting + 2 <= held.waiting
    })
    .await;
    let cancelled = act("cancel").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.body["state"], "cancelled");
    assert_eq!(act("resume").await.status, StatusCode::CONFLICT);

    let p = until_settled(app, id).await;
    assert_eq!(sum(&p), total, "{p:?}");
    assert!(p.cancelled > 0, "{p:?}");
    let stopped_at = broadcasts_received(&o.mock)
        .values()
        .map(Vec::len)
        .sum::<usize>();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = broadcasts_received(&o.mock)
        .values()
        .map(Vec::len)
        .sum::<usize>();
    assert_eq!(after, stopped_at, "nothing sent after the cancel settled");
    assert!(
        (after as u64) <= p.sent + p.delivered + p.read,
        "sent {after}, progress {p:?}"
    );
    assert!(!broadcasts_received(&o.mock).contains_key(&leaver));
    assert_eq!(p.skipped, 1, "{p:?}");
    let audit = audit_trail(app).await;
    for action in [
        "broadcast_paused",
        "broadcast_resumed",
        "broadcast_cancelled",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
}

#[tokio::test]
async fn only_the_branch_supervisor_or_an_admin_may_declare_and_times_are_checked() {
    let o = outreach(400).await;
    let app = &o.app;
    let (a, _, b, _) = two_branches(app).await;
    add_agent(app, "agent.a", AgentRole::Agent, Some(a.id)).await;
    add_agent(app, "spv.b", AgentRole::Supervisor, Some(b.id)).await;
    add_agent(app, "spv.a", AgentRole::Supervisor, Some(a.id)).await;
    for who in ["agent.a", "spv.b"] {
        let token = bearer(app, who).await;
        let r = declare(app, &token, closure_request(&a, false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text);
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("supervisor"));
    }
    let token = bearer(app, "spv.a").await;
    // A supervisor cannot write to everyone.
    let wide = app
        .request(
            Method::POST,
            "/api/v1/agent/broadcasts",
            Some(json!({"audience": {"kind": "everyone"}, "title": "x", "text": "y"})),
            Some(&token),
        )
        .await;
    assert_eq!(wide.status, StatusCode::FORBIDDEN, "{}", wide.text);

    let mut backwards = closure_request(&a, false);
    backwards["until"] = json!("2026-11-23T08:00");
    backwards["from"] = json!("2026-11-24T08:00");
    let r = declare(app, &token, backwards).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("sesudah"));
    let mut no_reason = closure_request(&a, false);
    no_reason["reason"] = json!("  ");
    let r = declare(app, &token, no_reason).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Declared, moved by a day, then cancelled: the office API follows each step.
    let r = declare(app, &token, closure_request(&a, false)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.body["broadcast"].is_null());
    let id = r.body["closure"]["id"].as_i64().unwrap();
    let moved = app
        .request(
            Method::PATCH,
            &format!("/api/v1/agent/closures/{id}"),
            Some(json!({"from": "2026-11-25T08:00", "until": "2026-11-26T15:00"})),
            Some(&token),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(
        moved.body["closure"]["reason"],
        "Perbaikan jaringan listrik gedung"
    );
    let office = app.get(&format!("/api/v1/offices/{}", a.id.0)).await;
    let instant = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    assert_eq!(
        instant(&office.body["closures"][0]["starts_at"]),
        instant(&moved.body["closure"]["starts_at"])
    );
    let other = bearer(app, "spv.b").await;
    let r = cancel(app, id, &other).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = cancel(app, id, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["closure"]["state"], "cancelled");
    let office = app.get(&format!("/api/v1/offices/{}", a.id.0)).await;
    assert_eq!(office.body["closures"].as_array().unwrap().len(), 0);
    let list = app
        .request(
            Method::GET,
            &format!("/api/v1/agent/closures?office={}", a.id.0),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["closures"][0]["state"], "cancelled");
    let edit_cancelled = app
        .request(
            Method::PATCH,
            &format!("/api/v1/agent/closures/{id}"),
            Some(json!({"reason": "lain"})),
            Some(&token),
        )
        .await;
    assert_eq!(
        edit_cancelled.status,
        StatusCode::CONFLICT,
        "{}",
        edit_cancelled.text
    );

    let doc = app.get("/api/v1/openapi.json").await;
    for path in [
        "/agent/closures",
        "/agent/closures/{id}",
        "/agent/closures/{id}/cancel",
        "/agent/broadcasts",
        "/agent/broadcasts/{id}",
        "/agent/broadcasts/{id}/{action}",
    ] {
        assert!(doc.body["paths"].get(path).is_some(), "{path} documented");
    }
}

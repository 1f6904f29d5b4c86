//! Stories of the PANDAWA supervisor dashboard: what a supervisor of one branch sees (charts
//! drawn from the stored cases, the queue, agents' load and shifts), what an admin sees, who
//! is refused, and the live queue over the event stream.

use crate::helpers::{at, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use server::auth::sha256_hex;
use store::{
    Actor, Agent, CaseChange, CaseEventKind, NewAgent, NewAgentSession, NewCase, NewCaseEvent,
    Office,
};

/// The test clock: Monday 23 November 2026, 10:00 WIB.
fn now() -> DateTime<Utc> {
    at(2026, 11, 23, 3, 0)
}

struct Desk {
    app: TestApp,
    /// The supervisor's branch and another one.
    home: Office,
    other: Office,
    supervisor: String,
    admin: String,
    agent: String,
    /// An agent of `home` whose only shift is on Saturday.
    tono: Agent,
}

async fn add_agent(
    app: &TestApp,
    username: &str,
    name: &str,
    role: AgentRole,
    office: Option<&Office>,
    shifts: Vec<Shift>,
    max_open_cases: u32,
) -> (Agent, String) {
    let agent = app
        .store
        .create_agent(NewAgent {
            username: username.into(),
            name: name.into(),
            role,
            office_id: office.map(|o| o.id),
            // Sessions are made directly below: no password is ever checked here.
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
                .into(),
            shifts,
            max_open_cases,
            created_at: now() - Duration::days(30),
        })
        .await
        .unwrap();
    let token = format!("token-of-{username}-0123456789abcdef");
    app.store
        .create_agent_session(NewAgentSession {
            token_hash: sha256_hex(&token),
            agent_id: agent.id,
            csrf_token: format!("csrf-{username}"),
            created_at: now(),
            expires_at: now() + Duration::hours(8),
        })
        .await
        .unwrap();
    (agent, token)
}

async fn desk() -> Desk {
    let app = TestApp::with_demo(200).await;
    let offices = app.store.offices().await.unwrap();
    let (home, other) = (offices[0].clone(), offices[1].clone());
    let (_, supervisor) = add_agent(
        &app,
        "wati",
        "Wati Supervisor",
        AgentRole::Supervisor,
        Some(&home),
        vec![],
        20,
    )
    .await;
    let (_, admin) = add_agent(&app, "adi", "Adi Admin", AgentRole::Admin, None, vec![], 20).await;
    let saturday = Shift {
        weekday: 5,
        start: 8 * 60,
        end: 12 * 60,
    };
    let (tono, agent) = add_agent(
        &app,
        "tono",
        "Tono Petugas",
        AgentRole::Agent,
        Some(&home),
        vec![saturday],
        20,
    )
    .await;
    // On shift now (Monday, all day) but in the other branch.
    let monday = Shift {
        weekday: 0,
        start: 0,
        end: 23 * 60 + 59,
    };
    add_agent(
        &app,
        "rina",
        "Rina Petugas",
        AgentRole::Agent,
        Some(&other),
        vec![monday],
        5,
    )
    .await;
    Desk {
        app,
        home,
        other,
        supervisor,
        admin,
        agent,
        tono,
    }
}

async fn file(
    app: &TestApp,
    kind: &str,
    prefix: &str,
    office: Option<&Office>,
    channel: &str,
    created_at: DateTime<Utc>,
) -> store::Case {
    app.store
        .create_case(NewCase {
            kind: kind.into(),
            number_prefix: prefix.into(),
            participant_id: None,
            family_id: None,
            office_id: office.map(|o| o.id),
            channel: channel.into(),
            sender: format!("sender-{}", created_at.timestamp_micros()),
            fields: json!({}),
            status: CaseStatus::Submitted,
            submission_key: None,
            created_at,
        })
        .await
        .unwrap()
}

async fn get(
    app: &TestApp,
    uri: &str,
    token: Option<&str>,
    last_id: Option<&str>,
) -> (StatusCode, String, Option<String>) {
    let mut req = Request::builder().uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(id) = last_id {
        req = req.header("last-event-id", id);
    }
    let response = tower::ServiceExt::oneshot(
        server::router(app.state.clone()),
        req.body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (status, text, location.or(content_type))
}

/// The cases of the stories below: six of the supervisor's branch in the last two days, one
/// filed 40 days ago and never answered, one of no branch, one of the other branch.
struct Filed {
    home_numbers: Vec<String>,
    late: String,
    unplaced: String,
    elsewhere: String,
}

async fn file_the_week(d: &Desk) -> Filed {
    let app = &d.app;
    let today = now() - Duration::minutes(30);
    let yesterday = now() - Duration::days(1);
    let mut home_numbers = Vec::new();
    for i in 0..3 {
        let c = file(
            app,
            "pindah_faskes",
            "PDW-G",
            Some(&d.home),
            "webchat",
            today + Duration::minutes(i),
        )
        .await;
        home_numbers.push(c.number);
    }
    for i in 0..2 {
        let c = file(
            app,
            "pengaduan",
            "ADU",
            Some(&d.home),
            "whatsapp",
            today + Duration::minutes(5 + i),
        )
        .await;
        home_numbers.push(c.number);
    }
    let c = file(app, "pengaduan", "ADU", Some(&d.home), "voice", yesterday).await;
    home_numbers.push(c.number);
    let late = file(
        app,
        "pengaduan",
        "ADU",
        Some(&d.home),
        "whatsapp",
        now() - Duration::days(40),
    )
    .await
    .number;
    let unplaced = file(app, "daftar_baru", "PDW-A", None, "webchat", today)
        .await
        .number;
    let elsewhere = file(app, "ubah_data", "PDW-E", Some(&d.other), "telegram", today)
        .await
        .number;
    Filed {
        home_numbers,
        late,
        unplaced,
        elsewhere,
    }
}

/// The `data-total` of the element whose `data-key` is `key`.
fn total_of(html: &str, key: &str) -> Option<u64> {
    let marker = format!("data-key=\"{key}\" data-total=\"");
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next()?.parse().ok()
}

fn figure(html: &str, key: &str) -> Option<u64> {
    let marker = format!("data-figure=\"{key}\"><strong>");
    let start = html.find(&marker)? + marker.len();
    html[start..].split('<').next()?.parse().ok()
}

/// The `data:` of the first `queue` event of an event-stream body, and its id.
fn queue_event(body: &str) -> (Value, String) {
    let event = body
        .split("\n\n")
        .find(|e| e.lines().any(|l| l == "event: queue"))
        .unwrap_or_else(|| panic!("no queue event in {body:?}"));
    let id = event
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("the event has an id")
        .to_string();
    let data: String = event
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    (serde_json::from_str(&data).unwrap(), id)
}

fn numbers(queue: &Value) -> Vec<String> {
    queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_supervisor_sees_charts_of_their_branch_that_match_the_stored_cases() {
    let d = desk().await;
    let filed = file_the_week(&d).await;
    // Tono has one of the cases.
    let first = d
        .app
        .store
        .case_by_number(&filed.home_numbers[0])
        .await
        .unwrap()
        .unwrap();
    d.app
        .store
        .change_case(CaseChange {
            case_id: first.id,
            expected_status: CaseStatus::Submitted,
            expected_assignee: None,
            status: None,
            assign: Some(Some(d.tono.id)),
            first_response: false,
            fields: None,
            event: NewCaseEvent {
                kind: CaseEventKind::Assigned,
                actor: Actor::System,
                text: String::new(),
                at: now(),
            },
            outbound: vec![],
            turns: vec![],
            conversation: None,
            audit: None,
        })
        .await
        .unwrap();

    let (status, html, _) = get(&d.app, "/console/dashboard", Some(&d.supervisor), None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&d.home.name), "the page names the branch");
    assert!(
        html.matches("<svg class=\"chart-svg\"").count() >= 5,
        "five pictures: per day, channel, branch, SLA, agents"
    );

    // Cases per day: five today and one yesterday in this branch, and today's one of no
    // branch (which this branch may take); the case 40 days old is outside the fortnight,
    // and the other branch's case is not counted.
    assert_eq!(total_of(&html, "2026-11-23"), Some(6));
    assert_eq!(total_of(&html, "2026-11-22"), Some(1));
    assert_eq!(total_of(&html, "2026-11-21"), Some(0));
    assert_eq!(figure(&html, "incoming"), Some(7));
    // By channel: four in the web chat, two on WhatsApp, one by phone.
    assert_eq!(total_of(&html, "webchat"), Some(4));
    assert_eq!(total_of(&html, "whatsapp"), Some(2));
    assert_eq!(total_of(&html, "voice"), Some(1));
    assert_eq!(
        total_of(&html, "telegram"),
        None,
        "the other branch's channel"
    );

    // Waiting: the branch's seven open cases plus the one of no branch.
    assert_eq!(figure(&html, "open"), Some(8));
    assert_eq!(total_of(&html, &d.home.name), Some(7));
    assert_eq!(total_of(&html, "Belum ditentukan"), Some(1));
    assert!(total_of(&html, &d.other.name).is_none());

    // The queue lists them; never the other branch's.
    for n in filed
        .home_numbers
        .iter()
        .chain([&filed.late, &filed.unplaced])
    {
        assert!(
            html.contains(&format!("data-number=\"{n}\"")),
            "{n} in the queue"
        );
    }
    assert!(!html.contains(&filed.elsewhere));
    assert!(
        html.contains(&format!(
            "<a href=\"/console/cases/{}\">{}</a>",
            first.id.0, first.number
        )),
        "each case opens its screen"
    );

    // Forty days without an answer is past any SLA.
    let breaches = &html[html.find("id=\"breaches\"").unwrap()..html.find("id=\"queue\"").unwrap()];
    assert!(breaches.contains(&filed.late), "{breaches}");
    assert!(figure(&html, "breached").unwrap() >= 1);

    // Agent load: Tono has one case of 20 and is off shift on a Monday; the other branch's
    // agents are not shown to this supervisor.
    let tono = &html[html.find("data-key=\"Tono Petugas\"").expect("Tono's bar")..];
    let tono = &tono[..tono.find("</g>").unwrap()];
    assert!(tono.contains("data-total=\"1\""), "{tono}");
    assert!(tono.contains("data-limit=\"20\""), "{tono}");
    assert!(tono.contains("data-on-shift=\"false\""), "{tono}");
    assert!(!html.contains("Rina Petugas"));
}

#[tokio::test]
async fn an_admin_sees_every_branch_and_who_is_on_shift() {
    let d = desk().await;
    let filed = file_the_week(&d).await;
    let (status, html, _) = get(&d.app, "/console/dashboard", Some(&d.admin), None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Semua kantor cabang"));
    assert!(html.contains(&filed.elsewhere));
    assert_eq!(total_of(&html, &d.other.name), Some(1));
    assert_eq!(
        total_of(&html, "2026-11-23"),
        Some(7),
        "every branch's cases of today"
    );
    assert_eq!(total_of(&html, "telegram"), Some(1));
    let rina = &html[html.find("data-key=\"Rina Petugas\"").expect("Rina's bar")..];
    assert!(rina[..rina.find("</g>").unwrap()].contains("data-on-shift=\"true\""));
}

#[tokio::test]
async fn an_agent_is_refused_and_a_stranger_is_sent_to_sign_in() {
    let d = desk().await;
    let (status, html, _) = get(&d.app, "/console/dashboard", Some(&d.agent), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("khusus supervisor"), "{html}");
    assert!(!html.contains("<svg"));
    let (status, _, _) = get(&d.app, "/console/dashboard/events", Some(&d.agent), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _, location) = get(&d.app, "/console/dashboard", None, None).await;
    assert!(status.is_redirection());
    assert!(location.unwrap().starts_with("/console/login"));
    let (status, _, _) = get(&d.app, "/console/dashboard/events", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = get(
        &d.app,
        "/console/dashboard",
        Some("not-a-session-token"),
        None,
    )
    .await;
    assert!(status.is_redirection());
}

#[tokio::test]
async fn the_event_stream_sends_the_queue_and_then_each_change() {
    let d = desk().await;
    let filed = file_the_week(&d).await;
    let (status, body, content_type) = get(
        &d.app,
        "/console/dashboard/events",
        Some(&d.supervisor),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.unwrap().starts_with("text/event-stream"));
    let (queue, id) = queue_event(&body);
    assert_eq!(queue["open"], 8);
    let listed = numbers(&queue);
    assert_eq!(listed[0], filed.late, "oldest first");
    assert!(listed.contains(&filed.unplaced));
    assert!(!listed.contains(&filed.elsewhere));
    let row = &queue["cases"][0];
    assert_eq!(row["status"], "submitted");
    assert_eq!(row["status_label"], "Diterima");
    assert_eq!(row["sla"], "breached");

    // The browser asks again with the id it has; a new case arrives meanwhile.
    let app = d.app.state.clone();
    let supervisor = d.supervisor.clone();
    let waiting = tokio::spawn({
        let id = id.clone();
        async move {
            let req = Request::builder()
                .uri("/console/dashboard/events")
                .header(header::AUTHORIZATION, format!("Bearer {supervisor}"))
                .header("last-event-id", id)
                .body(Body::empty())
                .unwrap();
            let response = tower::ServiceExt::oneshot(server::router(app), req)
                .await
                .unwrap();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    });
    let new = file(
        &d.app,
        "aktivasi_kartu",
        "PDW-J",
        Some(&d.home),
        "whatsapp",
        now(),
    )
    .await;
    let body = waiting.await.unwrap();
    let (queue, next_id) = queue_event(&body);
    assert_ne!(next_id, id);
    assert_eq!(queue["open"], 9);
    assert!(numbers(&queue).contains(&new.number));
}

#[tokio::test]
async fn what_people_typed_is_shown_as_text_never_as_markup() {
    let d = desk().await;
    let evil = "<img src=x onerror=alert(1)>";
    file(&d.app, "pengaduan", "ADU", Some(&d.home), evil, now()).await;
    let (status, html, _) = get(&d.app, "/console/dashboard", Some(&d.supervisor), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(evil));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[tokio::test]
async fn the_page_loads_its_own_script_and_style_and_nothing_from_elsewhere() {
    let d = desk().await;
    let (_, html, _) = get(&d.app, "/console/dashboard", Some(&d.supervisor), None).await;
    assert!(html.contains("/console/dashboard/assets/dashboard.js"));
    for outside in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !html.contains(outside),
            "nothing loaded from elsewhere: {outside}"
        );
    }
    let (status, js, content_type) =
        get(&d.app, "/console/dashboard/assets/dashboard.js", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.unwrap().starts_with("text/javascript"));
    assert!(js.contains("EventSource"));
    let (status, css, _) = get(
        &d.app,
        "/console/dashboard/assets/dashboard.css",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(".chart-svg"));
}

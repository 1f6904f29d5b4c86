//! Stories of the PANDAWA console: agents signing in, working their own cases from home in
//! shifts, supervisors watching the branch, the assignment of cases across WIB, WITA and WIT,
//! and the audit trail of every look at a participant's data.

use crate::helpers::{at, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use server::casework::{assign, calendar};
use server::console::auth::hash_password;
use server::Config;
use store::{
    Actor, Agent, AuditQuery, Case, CaseChange, CaseEventKind, NewAgent, NewCase, NewCaseEvent,
    Office, OfficeId,
};
use wilayah::TimeZone;

pub(crate) const PASSWORD: &str = "sandi-panjang-sekali";

fn config() -> Config {
    let mut config = Config::default();
    // The tests run assignment passes themselves, at the moments they choose.
    config.pandawa.assign_interval_secs = 0;
    config
}

async fn app() -> TestApp {
    TestApp::with_demo_config(40, config()).await
}

/// Monday 23 November 2026 at `h:m` UTC.
fn monday(h: u32, m: u32) -> DateTime<Utc> {
    at(2026, 11, 23, h, m)
}

pub(crate) async fn office_in(app: &TestApp, tz: TimeZone) -> Office {
    app.store
        .offices()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.timezone == tz)
        .unwrap_or_else(|| panic!("the demo has a branch in {tz:?}"))
}

pub(crate) async fn add_agent(
    app: &TestApp,
    username: &str,
    role: AgentRole,
    office: Option<OfficeId>,
    shifts: &str,
    max_open: u32,
) -> Agent {
    let shifts = if shifts.is_empty() {
        Vec::new()
    } else {
        Shift::parse_many(shifts).unwrap()
    };
    app.store
        .create_agent(NewAgent {
            username: username.into(),
            name: format!("Petugas {username}"),
            role,
            office_id: office,
            password_hash: hash_password(PASSWORD).unwrap(),
            shifts,
            max_open_cases: max_open,
            created_at: app.clock_now(),
        })
        .await
        .unwrap()
}

async fn new_case(app: &TestApp, kind: &str, office: Option<OfficeId>, sender: &str) -> Case {
    app.store
        .create_case(NewCase {
            kind: kind.into(),
            number_prefix: "ADU".into(),
            participant_id: None,
            family_id: None,
            office_id: office,
            channel: "webchat".into(),
            sender: sender.into(),
            fields: json!({"keterangan": "Mohon bantuan"}),
            status: CaseStatus::Submitted,
            submission_key: None,
            created_at: app.clock_now(),
        })
        .await
        .unwrap()
}

/// A case of a real demo participant, filed from the web chat.
async fn participant_case(app: &TestApp, office: OfficeId, sender: &str) -> (Case, String) {
    let sample = app.sample_of("active").await;
    let nik = jkn::Nik::parse(&sample.nik).unwrap();
    let p = app.store.participant_by_nik(&nik).await.unwrap().unwrap();
    let case = app
        .store
        .create_case(NewCase {
            kind: "pindah_faskes".into(),
            number_prefix: "PDW-G".into(),
            participant_id: Some(p.id),
            family_id: Some(p.family_id),
            office_id: Some(office),
            channel: "webchat".into(),
            sender: sender.into(),
            fields: json!({"fktp_reason": "moved_domicile", "facility": "Puskesmas Kencong"}),
            status: CaseStatus::Submitted,
            submission_key: None,
            created_at: app.clock_now(),
        })
        .await
        .unwrap();
    (case, sample.nik)
}

async fn give(app: &TestApp, case: &Case, agent: &Agent) -> Case {
    app.store
        .change_case(CaseChange {
            case_id: case.id,
            expected_status: case.status,
            expected_assignee: None,
            status: None,
            assign: Some(Some(agent.id)),
            first_response: false,
            fields: None,
            event: NewCaseEvent {
                kind: CaseEventKind::Assigned,
                actor: Actor::System,
                text: "uji".into(),
                at: app.clock_now(),
            },
            outbound: Vec::new(),
            turns: Vec::new(),
            conversation: None,
            audit: None,
        })
        .await
        .unwrap()
}

pub(crate) async fn bearer(app: &TestApp, username: &str) -> String {
    let r = app
        .post(
            "/api/v1/agent/sessions",
            json!({"username": username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_string()
}

/// A browser session: the cookie's token and the CSRF token of the pages.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) fn form_request(
    uri: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("layan_console={c}"));
    }
    b.body(Body::from(body)).unwrap()
}

pub(crate) fn get_with_cookie(uri: &str, cookie: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::COOKIE, format!("layan_console={cookie}"))
        .body(Body::empty())
        .unwrap()
}

pub(crate) async fn browser_sign_in(app: &TestApp, username: &str) -> Browser {
    let response = response(
        app,
        form_request(
            "/console/login",
            None,
            &[("username", username), ("password", PASSWORD)],
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let cookie = set
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("layan_console=")
        .unwrap()
        .to_string();
    let page = app.raw(get_with_cookie("/console", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the CSRF token")
        .to_string();
    Browser { cookie, csrf }
}

/// A response with its headers (the helpers' `raw` keeps only status and body).
pub(crate) async fn response(app: &TestApp, request: Request<Body>) -> axum::response::Response {
    use tower::ServiceExt;
    server::router(app.state.clone())
        .oneshot(request)
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.store
        .audit_entries(&AuditQuery {
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

// ---- signing in ------------------------------------------------------------------------------------

#[tokio::test]
async fn an_agent_signs_in_with_the_right_password_and_every_refusal_reads_the_same() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;

    let wrong = app
        .post(
            "/api/v1/agent/sessions",
            json!({"username": "sari", "password": "salah-sekali-ini"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/agent/sessions",
            json!({"username": "tidak-ada", "password": PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body, "no hint which usernames exist");

    let token = bearer(&app, "sari").await;
    let me = app
        .request(Method::GET, "/api/v1/agent/me", None, Some(&token))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["username"], "sari");
    assert_eq!(
        me.body["on_shift"], true,
        "Monday 10:00 WIB is inside the shift"
    );

    // A browser gets a cookie the page scripts cannot read and other sites cannot send.
    let response = response(
        &app,
        form_request(
            "/console/login",
            None,
            &[("username", "SARI"), ("password", PASSWORD)],
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let refused = app
        .raw(form_request(
            "/console/login",
            None,
            &[("username", "sari"), ("password", "x")],
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text.contains("Nama pengguna atau kata sandi salah"));

    // Signing out ends the token.
    let out = app
        .request(Method::DELETE, "/api/v1/agent/sessions", None, Some(&token))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = app
        .request(Method::GET, "/api/v1/agent/me", None, Some(&token))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().filter(|a| *a == "sign_in").count() >= 2,
        "{actions:?}"
    );
    assert!(
        actions.iter().filter(|a| *a == "sign_in_failed").count() >= 2,
        "{actions:?}"
    );
    assert!(actions.contains(&"sign_out".to_string()), "{actions:?}");
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_even_against_the_right_one_until_it_expires() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    add_agent(
        &app,
        "budi",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let max = app.state.config.pandawa.max_failed_sign_ins;
    for _ in 0..max {
        let r = app
            .post(
                "/api/v1/agent/sessions",
                json!({"username": "budi", "password": "tebakan-salah"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app
        .post(
            "/api/v1/agent/sessions",
            json!({"username": "budi", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "locked: {}",
        locked.text
    );
    let stored = app.store.agent_by_username("budi").await.unwrap().unwrap();
    assert!(stored.locked_until.is_some_and(|t| t > app.clock_now()));

    app.clock
        .set(app.clock_now() + Duration::minutes(app.state.config.pandawa.lockout_minutes + 1));
    bearer(&app, "budi").await;
}

#[tokio::test]
async fn a_form_or_request_without_the_csrf_token_is_refused_when_signed_in_by_cookie() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let case = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "b-1").await,
        &sari,
    )
    .await;
    let browser = browser_sign_in(&app, "sari").await;
    let uri = format!("/console/cases/{}/actions", case.id.0);

    let missing = app
        .raw(form_request(
            &uri,
            Some(&browser.cookie),
            &[("action", "note"), ("text", "cek data")],
        ))
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.text);
    let wrong = app
        .raw(form_request(
            &uri,
            Some(&browser.cookie),
            &[("csrf", "0000"), ("action", "note"), ("text", "cek data")],
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // The same action through the JSON API with the cookie but no header.
    let api = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/agent/cases/{}/actions", case.id.0))
        .header(header::COOKIE, format!("layan_console={}", browser.cookie))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"action": "note", "text": "cek"}).to_string(),
        ))
        .unwrap();
    assert_eq!(app.raw(api).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .case_events(case.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == CaseEventKind::Note)
            .count(),
        0,
        "nothing refused was stored"
    );

    let ok = app
        .raw(form_request(
            &uri,
            Some(&browser.cookie),
            &[
                ("csrf", &browser.csrf),
                ("action", "note"),
                ("text", "cek data"),
            ],
        ))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let events = app.store.case_events(case.id).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.kind == CaseEventKind::Note && e.text == "cek data"));

    // A page without a session sends the browser to the sign-in page.
    let anonymous = app.get("/console").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_agent_sees_only_their_own_cases_and_a_supervisor_only_their_branch() {
    let app = app().await;
    let wib = office_in(&app, TimeZone::Wib).await;
    let wita = office_in(&app, TimeZone::Wita).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(wib.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(
        &app,
        "budi",
        AgentRole::Agent,
        Some(wib.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(wib.id), "", 20).await;
    add_agent(
        &app,
        "spv-wita",
        AgentRole::Supervisor,
        Some(wita.id),
        "",
        20,
    )
    .await;
    let case = give(
        &app,
        &new_case(&app, "pengaduan", Some(wib.id), "b-1").await,
        &sari,
    )
    .await;
    let unassigned = new_case(&app, "pengaduan", Some(wib.id), "b-2").await;

    let budi = bearer(&app, "budi").await;
    let path = format!("/api/v1/agent/cases/{}", case.id.0);
    let r = app.request(Method::GET, &path, None, Some(&budi)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .request(
            Method::POST,
            &format!("{path}/actions"),
            Some(json!({"action": "take"})),
            Some(&budi),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let queue = app
        .request(Method::GET, "/api/v1/agent/cases", None, Some(&budi))
        .await;
    assert_eq!(
        queue.body["cases"].as_array().unwrap().len(),
        0,
        "{}",
        queue.text
    );

    let sari_token = bearer(&app, "sari").await;
    let queue = app
        .request(Method::GET, "/api/v1/agent/cases", None, Some(&sari_token))
        .await;
    let numbers: Vec<&str> = queue.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec![case.number.as_str()]);

    let spv = bearer(&app, "spv").await;
    let queue = app
        .request(Method::GET, "/api/v1/agent/cases", None, Some(&spv))
        .await;
    let numbers: Vec<&str> = queue.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&case.number.as_str()) && numbers.contains(&unassigned.number.as_str()),
        "{numbers:?}"
    );
    assert_eq!(
        app.request(Method::GET, &path, None, Some(&spv))
            .await
            .status,
        StatusCode::OK
    );

    let other = bearer(&app, "spv-wita").await;
    assert_eq!(
        app.request(Method::GET, &path, None, Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Only supervisors see the dashboard link.
    let agent_page = browser_sign_in(&app, "sari").await;
    let page = app
        .raw(get_with_cookie("/console", &agent_page.cookie))
        .await;
    assert!(!page.text.contains("/console/dashboard"));
    let spv_page = browser_sign_in(&app, "spv").await;
    let page = app.raw(get_with_cookie("/console", &spv_page.cookie)).await;
    assert!(page.text.contains("/console/dashboard"));
}

// ---- assignment --------------------------------------------------------------------------------------

#[tokio::test]
async fn new_cases_go_in_turn_to_on_shift_agents_within_their_limits() {
    let app = app().await;
    app.clock.set(monday(3, 0)); // 10:00 WIB
    let office = office_in(&app, TimeZone::Wib).await;
    let a1 = add_agent(
        &app,
        "a1",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        2,
    )
    .await;
    let a2 = add_agent(
        &app,
        "a2",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        1,
    )
    .await;
    let weekend = add_agent(
        &app,
        "weekend",
        AgentRole::Agent,
        Some(office.id),
        "Sat-Sun 08:00-15:00",
        20,
    )
    .await;
    add_agent(
        &app,
        "spv",
        AgentRole::Supervisor,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;

    let mut given = Vec::new();
    for i in 0..4 {
        let c = new_case(&app, "pengaduan", Some(office.id), &format!("r-{i}")).await;
        let after = assign::assign_now(&app.state, c.id).await.unwrap().unwrap();
        given.push(after.assigned_to);
    }
    assert_eq!(
        given,
        vec![Some(a1.id), Some(a2.id), Some(a1.id), None],
        "rotation, then everyone at the limit"
    );
    assert!(!given.contains(&Some(weekend.id)), "off shift");

    // The unassigned one waits for capacity; completing a case frees it.
    let open = app.store.open_cases_per_agent().await.unwrap();
    assert!(
        open.contains(&(a1.id, 2)) && open.contains(&(a2.id, 1)),
        "{open:?}"
    );

    // Every assignment is in the case history and the audit log.
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "assign").count(),
        3,
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_case_nobody_started_moves_to_another_agent_after_the_pickup_time() {
    let app = app().await;
    app.clock.set(monday(3, 0)); // 10:00 WIB
    let office = office_in(&app, TimeZone::Wib).await;
    let a1 = add_agent(
        &app,
        "a1",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        5,
    )
    .await;
    let c = new_case(&app, "pengaduan", Some(office.id), "r-1").await;
    let c = assign::assign_now(&app.state, c.id).await.unwrap().unwrap();
    assert_eq!(c.assigned_to, Some(a1.id));
    let a2 = add_agent(
        &app,
        "a2",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        5,
    )
    .await;

    let pickup = i64::from(app.state.config.pandawa.pickup_minutes);
    app.clock.set(monday(3, 0) + Duration::minutes(pickup - 5));
    let pass = assign::run_once(&app.state).await.unwrap();
    assert_eq!(pass.reassigned, 0);
    assert_eq!(
        app.store.case(c.id).await.unwrap().unwrap().assigned_to,
        Some(a1.id)
    );

    app.clock.set(monday(3, 0) + Duration::minutes(pickup + 5));
    let pass = assign::run_once(&app.state).await.unwrap();
    assert_eq!(pass.reassigned, 1);
    assert_eq!(
        app.store.case(c.id).await.unwrap().unwrap().assigned_to,
        Some(a2.id)
    );

    // A case started in time stays with its agent.
    let token = bearer(&app, "a2").await;
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/agent/cases/{}/actions", c.id.0),
            Some(json!({"action": "take"})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.clock.set(monday(3, 0) + Duration::minutes(3 * pickup));
    assert_eq!(assign::run_once(&app.state).await.unwrap().reassigned, 0);
}

#[tokio::test]
async fn the_loop_assigns_what_waited_while_nobody_was_on_shift() {
    let app = app().await;
    app.clock.set(monday(0, 0)); // 07:00 WIB: before the shift
    let office = office_in(&app, TimeZone::Wib).await;
    let a1 = add_agent(
        &app,
        "a1",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        5,
    )
    .await;
    let c = new_case(&app, "pengaduan", Some(office.id), "r-1").await;
    assert_eq!(
        assign::assign_now(&app.state, c.id)
            .await
            .unwrap()
            .unwrap()
            .assigned_to,
        None
    );
    assert_eq!(assign::run_once(&app.state).await.unwrap().assigned, 0);
    app.clock.set(monday(1, 5)); // 08:05 WIB
    assert_eq!(assign::run_once(&app.state).await.unwrap().assigned, 1);
    assert_eq!(
        app.store.case(c.id).await.unwrap().unwrap().assigned_to,
        Some(a1.id)
    );
}

#[tokio::test]
async fn branches_in_wib_wita_and_wit_work_by_their_own_clocks_at_the_same_instant() {
    let app = app().await;
    let wib = office_in(&app, TimeZone::Wib).await;
    let wita = office_in(&app, TimeZone::Wita).await;
    let wit = office_in(&app, TimeZone::Wit).await;
    let shift = "Mon-Fri 08:00-15:00";
    let in_wib = add_agent(&app, "wib", AgentRole::Agent, Some(wib.id), shift, 5).await;
    let in_wita = add_agent(&app, "wita", AgentRole::Agent, Some(wita.id), shift, 5).await;
    let in_wit = add_agent(&app, "wit", AgentRole::Agent, Some(wit.id), shift, 5).await;

    // 00:30 UTC: 07:30 WIB (not yet), 08:30 WITA, 09:30 WIT.
    app.clock.set(monday(0, 30));
    let mut got = Vec::new();
    for o in [&wib, &wita, &wit] {
        let c = new_case(&app, "pengaduan", Some(o.id), &format!("pagi-{}", o.id.0)).await;
        got.push(
            assign::assign_now(&app.state, c.id)
                .await
                .unwrap()
                .unwrap()
                .assigned_to,
        );
    }
    assert_eq!(got, vec![None, Some(in_wita.id), Some(in_wit.id)]);

    // 07:30 UTC: 14:30 WIB (still working), 15:30 WITA and 16:30 WIT (closed).
    app.clock.set(monday(7, 30));
    let mut got = Vec::new();
    for o in [&wib, &wita, &wit] {
        let c = new_case(&app, "pengaduan", Some(o.id), &format!("sore-{}", o.id.0)).await;
        got.push(
            assign::assign_now(&app.state, c.id)
                .await
                .unwrap()
                .unwrap()
                .assigned_to,
        );
    }
    assert_eq!(got, vec![Some(in_wib.id), None, None]);

    // The branch calendars agree, and a branch holiday stops the work there only.
    let t = monday(0, 30);
    for (o, open) in [(&wib, false), (&wita, true), (&wit, true)] {
        let cal = calendar::for_office(app.store.as_ref(), Some(o))
            .await
            .unwrap();
        assert_eq!(
            cal.is_open(t),
            open,
            "{} at 00:30 UTC",
            o.timezone.abbreviation()
        );
    }
    calendar::add_holiday(
        app.store.as_ref(),
        Some(wita.id),
        calendar::Holiday {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            name: "Hari jadi kota".into(),
        },
    )
    .await
    .unwrap();
    app.clock.set(monday(1, 5)); // 08:05 WIB, 09:05 WITA
    let c = new_case(&app, "pengaduan", Some(wita.id), "libur").await;
    assert_eq!(
        assign::assign_now(&app.state, c.id)
            .await
            .unwrap()
            .unwrap()
            .assigned_to,
        None
    );
    let c = new_case(&app, "pengaduan", Some(wib.id), "kerja").await;
    assert_eq!(
        assign::assign_now(&app.state, c.id)
            .await
            .unwrap()
            .unwrap()
            .assigned_to,
        Some(in_wib.id)
    );

    // A case of no known branch goes to whoever works now, whichever the zone.
    app.clock.set(monday(0, 30));
    let c = new_case(&app, "pengaduan", None, "tanpa-cabang").await;
    let to = assign::assign_now(&app.state, c.id)
        .await
        .unwrap()
        .unwrap()
        .assigned_to;
    assert_eq!(
        to,
        Some(in_wit.id),
        "only WIT works at 00:30 UTC now that WITA is on holiday"
    );
}

// ---- the queue and the case screen ------------------------------------------------------------------

#[tokio::test]
async fn a_case_past_its_sla_is_flagged_on_the_queue() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    // Filed three weeks ago and never answered.
    app.clock.set(monday(3, 0) - Duration::days(21));
    let old = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "lama").await,
        &sari,
    )
    .await;
    app.clock.set(monday(3, 0));
    let fresh = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "baru").await,
        &sari,
    )
    .await;

    let token = bearer(&app, "sari").await;
    let queue = app
        .request(Method::GET, "/api/v1/agent/cases", None, Some(&token))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let rows = queue.body["cases"].as_array().unwrap();
    let row = |n: &str| rows.iter().find(|c| c["number"] == n).unwrap().clone();
    assert_eq!(row(&old.number)["breached"], true);
    assert_eq!(row(&old.number)["sla"]["first_response"], "breached");
    assert_eq!(row(&fresh.number)["breached"], false);
    assert_eq!(rows[0]["number"], old.number, "oldest first");

    let browser = browser_sign_in(&app, "sari").await;
    let page = app.raw(get_with_cookie("/console", &browser.cookie)).await;
    assert!(page.text.contains("Melewati SLA"), "{}", page.text);
    assert!(
        page.text.contains("data-on-shift=\"true\""),
        "Monday 10:00 WIB"
    );
    assert!(page.text.contains(&format!(
        "<tr class=\"breached\" data-case=\"{}\"",
        old.number
    )));
    assert!(!page.text.contains(&format!(
        "<tr class=\"breached\" data-case=\"{}\"",
        fresh.number
    )));
}

#[tokio::test]
async fn viewing_and_revealing_a_participant_are_audited_and_only_admins_export_the_log() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(&app, "admin", AgentRole::Admin, None, "", 20).await;
    let (case, nik) = participant_case(&app, office.id, "browser-7").await;
    let case = give(&app, &case, &sari).await;
    let browser = browser_sign_in(&app, "sari").await;

    let page = app
        .raw(get_with_cookie(
            &format!("/console/cases/{}", case.id.0),
            &browser.cookie,
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        !page.text.contains(&nik),
        "the NIK is masked until revealed"
    );
    assert!(page
        .text
        .contains(&format!("{}********{}", &nik[..4], &nik[12..])));
    assert!(
        page.text.contains("FKTP"),
        "the FKTP-change rule is shown: {}",
        page.text
    );
    assert!(
        page.text.contains("Perubahan FKTP dapat diproses"),
        "a move of domicile is exempt from the 3 months: {}",
        page.text
    );
    assert!(
        page.text.contains("Pindah domisili"),
        "the choice's label, not its code"
    );

    let revealed = app
        .raw(form_request(
            &format!("/console/cases/{}/reveal", case.id.0),
            Some(&browser.cookie),
            &[("csrf", &browser.csrf)],
        ))
        .await;
    assert_eq!(revealed.status, StatusCode::OK, "{}", revealed.text);
    assert!(revealed.text.contains(&nik));

    let entries = app
        .store
        .audit_entries(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let of_case: Vec<&str> = entries
        .iter()
        .filter(|e| e.case_id == Some(case.id) && e.agent_id == Some(sari.id))
        .map(|e| e.action.as_str())
        .collect();
    assert!(
        of_case.contains(&"view_case") && of_case.contains(&"reveal_nik"),
        "{of_case:?}"
    );
    assert!(
        entries.iter().all(|e| !e.detail.contains(&nik)),
        "no full NIK in the audit log"
    );

    let agent_csv = app
        .raw(get_with_cookie("/console/audit.csv", &browser.cookie))
        .await;
    assert_eq!(agent_csv.status, StatusCode::FORBIDDEN);
    let admin = bearer(&app, "admin").await;
    let csv = app
        .request(
            Method::GET,
            "/api/v1/agent/audit?from=2026-11-01&to=2026-11-30",
            None,
            Some(&admin),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("id,at,agent_id,agent_username,action,participant_id,case_id,detail")
    );
    assert!(csv.text.contains(",sari,reveal_nik,"), "{}", csv.text);
    assert!(
        csv.text.contains(",admin,export_audit,"),
        "the export records itself"
    );
    assert!(!csv.text.contains(&nik));
    let empty = app
        .request(
            Method::GET,
            "/api/v1/agent/audit?from=2020-01-01&to=2020-01-31",
            None,
            Some(&admin),
        )
        .await;
    assert_eq!(
        empty.text.lines().count(),
        1,
        "only the header: {}",
        empty.text
    );
    let bad = app
        .request(
            Method::GET,
            "/api/v1/agent/audit?from=kemarin",
            None,
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

// ---- working a case through the API -----------------------------------------------------------------

#[tokio::test]
async fn an_agent_takes_asks_for_documents_and_completes_a_case_and_the_participant_is_told_each_time(
) {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let (case, _) = participant_case(&app, office.id, "browser-9").await;
    let case = give(&app, &case, &sari).await;
    let token = bearer(&app, "sari").await;
    let uri = format!("/api/v1/agent/cases/{}/actions", case.id.0);
    let turns_before = app
        .store
        .recent_turns("webchat", "browser-9", 100)
        .await
        .unwrap()
        .len();

    let act = |body: Value| {
        let app = &app;
        let uri = uri.clone();
        let token = token.clone();
        async move {
            app.request(Method::POST, &uri, Some(body), Some(&token))
                .await
        }
    };

    let r = act(json!({"action": "complete"})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a submitted case is taken first: {}",
        r.text
    );

    let r = act(json!({"action": "take"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["case"]["status"], "in_progress");
    assert!(r.body["case"]["first_response_at"].is_string());

    let r = act(json!({"action": "ask_documents"})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the request needs its text"
    );
    let r = act(json!({"action": "ask_documents", "text": "Mohon unggah foto KTP dan surat keterangan domisili."})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["case"]["status"], "waiting_participant");

    let r = act(json!({"action": "complete", "text": "FKTP baru berlaku bulan depan."})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["case"]["status"], "done");

    let r = act(json!({"action": "reply", "text": "Terima kasih"})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a closed case does not move: {}",
        r.text
    );

    // Three notices on the web chat the participant used, the request with an upload link.
    let turns = app
        .store
        .recent_turns("webchat", "browser-9", 100)
        .await
        .unwrap();
    let told: Vec<&str> = turns
        .iter()
        .filter(|t| t.direction == "out")
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(turns.len() - turns_before, 3, "{told:?}");
    assert!(told.iter().any(|t| t.contains("/f/")), "{told:?}");

    let kinds: Vec<CaseEventKind> = app
        .store
        .case_events(case.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&CaseEventKind::DocumentRequested),
        "{kinds:?}"
    );
    let actions = audit_actions(&app).await;
    for a in ["take", "ask_documents", "complete"] {
        assert!(actions.contains(&a.to_string()), "{a} audited: {actions:?}");
    }

    // The detail shows the whole story.
    let d = app
        .request(
            Method::GET,
            &format!("/api/v1/agent/cases/{}", case.id.0),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.body["case"]["status"], "done");
    assert!(
        d.body["history"].as_array().unwrap().len() >= 5,
        "{}",
        d.body["history"]
    );
    assert_eq!(d.body["actions"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn only_a_supervisor_reassigns_and_a_rejection_needs_a_reason() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let budi = add_agent(
        &app,
        "budi",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(office.id), "", 20).await;
    let case = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "r-1").await,
        &sari,
    )
    .await;
    let uri = format!("/api/v1/agent/cases/{}/actions", case.id.0);

    let sari_token = bearer(&app, "sari").await;
    let r = app
        .request(
            Method::POST,
            &uri,
            Some(json!({"action": "reassign", "agent_id": budi.id.0})),
            Some(&sari_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .request(
            Method::POST,
            &uri,
            Some(json!({"action": "reject", "text": " "})),
            Some(&sari_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let spv = bearer(&app, "spv").await;
    let r = app
        .request(
            Method::POST,
            &uri,
            Some(json!({"action": "reassign", "agent_id": budi.id.0})),
            Some(&spv),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["case"]["assigned_to"], budi.id.0);
    // Now out of Sari's reach.
    let r = app
        .request(
            Method::GET,
            &format!("/api/v1/agent/cases/{}", case.id.0),
            None,
            Some(&sari_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_agent_joins_a_live_chat_silencing_the_assistant_and_hands_it_back() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let now = app.clock_now();
    app.store
        .save_conversation(&store::ConversationRecord {
            channel: "webchat".into(),
            sender: "live-1".into(),
            state: serde_json::to_value(dialog::ConversationState::new(now)).unwrap(),
            status: dialog::handoff::STATUS_WAITING.into(),
            participant_id: None,
            updated_at: now,
        })
        .await
        .unwrap();
    let status = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .conversation("webchat", "live-1")
                .await
                .unwrap()
                .unwrap()
                .status
        }
    };
    let mut live = new_case(&app, "live_chat", Some(office.id), "live-1").await;
    live = give(&app, &live, &sari).await;
    let token = bearer(&app, "sari").await;
    let uri = format!("/api/v1/agent/cases/{}", live.id.0);

    // Opening the case is enough for the assistant to stop answering.
    let d = app.request(Method::GET, &uri, None, Some(&token)).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(status(&app).await, dialog::handoff::STATUS_AGENT);
    assert!(
        !d.body["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("hand_back")),
        "take it first"
    );

    let act = |body: Value| {
        let (app, uri, token) = (&app, format!("{uri}/actions"), token.clone());
        async move {
            app.request(Method::POST, &uri, Some(body), Some(&token))
                .await
        }
    };
    assert_eq!(act(json!({"action": "take"})).await.status, StatusCode::OK);
    let r =
        act(json!({"action": "reply", "text": "Halo, saya Sari. Ada yang bisa saya bantu?"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let turns = app
        .store
        .recent_turns("webchat", "live-1", 10)
        .await
        .unwrap();
    assert_eq!(turns[0].text, "Halo, saya Sari. Ada yang bisa saya bantu?");
    assert_eq!(status(&app).await, dialog::handoff::STATUS_AGENT);

    let r = act(json!({"action": "hand_back"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["case"]["status"], "done");
    assert_eq!(
        status(&app).await,
        dialog::handoff::STATUS_BOT,
        "the assistant answers again"
    );
    let kinds: Vec<CaseEventKind> = app
        .store
        .case_events(live.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&CaseEventKind::HandedBack), "{kinds:?}");

    // Only a live chat can be handed back.
    let other = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "r-2").await,
        &sari,
    )
    .await;
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/agent/cases/{}/actions", other.id.0),
            Some(json!({"action": "hand_back"})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_document_is_downloaded_only_by_who_may_see_the_case_and_each_download_is_audited() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.data_dir = data_dir.path().to_path_buf();
    let app = TestApp::with_demo_config(40, config).await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(
        &app,
        "budi",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    let case = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "r-1").await,
        &sari,
    )
    .await;
    let bytes = b"%PDF-1.4 surat keterangan".to_vec();
    std::fs::create_dir_all(data_dir.path().join("uploads/uji")).unwrap();
    std::fs::write(data_dir.path().join("uploads/uji/surat.pdf"), &bytes).unwrap();
    let att = app
        .store
        .add_attachment(store::NewAttachment {
            case_id: Some(case.id),
            form_id: None,
            document: Some("surat_keterangan".into()),
            filename: "surat \"domisili\".pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: bytes.len() as u64,
            sha256: server::auth::sha256_hex(&bytes),
            path: "uploads/uji/surat.pdf".into(),
            uploaded_by: Actor::Participant,
            uploaded_at: app.clock_now(),
        })
        .await
        .unwrap();
    let uri = format!("/console/cases/{}/attachments/{}", case.id.0, att.id.0);

    let budi = bearer(&app, "budi").await;
    assert_eq!(
        app.request(Method::GET, &uri, None, Some(&budi))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let sari_token = bearer(&app, "sari").await;
    let mut request = Request::builder()
        .uri(&uri)
        .header(header::AUTHORIZATION, format!("Bearer {sari_token}"));
    request = request.header(header::ACCEPT, "*/*");
    let r = response(&app, request.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
    let disposition = r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment;") && !disposition.contains("\"domisili\""),
        "{disposition}"
    );
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(body.to_vec(), bytes);
    // The case screen lists it.
    let d = app
        .request(
            Method::GET,
            &format!("/api/v1/agent/cases/{}", case.id.0),
            None,
            Some(&sari_token),
        )
        .await;
    assert_eq!(d.body["attachments"][0]["id"], att.id.0);
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "download_attachment")
            .count(),
        1,
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_action_decided_on_a_page_that_is_out_of_date_is_refused_with_a_clear_message() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    let sari = add_agent(
        &app,
        "sari",
        AgentRole::Agent,
        Some(office.id),
        "Mon-Fri 08:00-15:00",
        20,
    )
    .await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(office.id), "", 20).await;
    let case = give(
        &app,
        &new_case(&app, "pengaduan", Some(office.id), "r-1").await,
        &sari,
    )
    .await;
    let browser = browser_sign_in(&app, "sari").await;
    let page = app
        .raw(get_with_cookie(
            &format!("/console/cases/{}", case.id.0),
            &browser.cookie,
        ))
        .await;
    assert!(page
        .text
        .contains("name=\"expected_status\" value=\"submitted\""));

    // Meanwhile the supervisor rejects it.
    let spv = bearer(&app, "spv").await;
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/agent/cases/{}/actions", case.id.0),
            Some(json!({"action": "reject", "text": "Pengaduan ganda", "expected_status": "submitted"})),
            Some(&spv),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Sari's form still says "submitted".
    let stale = app
        .raw(form_request(
            &format!("/console/cases/{}/actions", case.id.0),
            Some(&browser.cookie),
            &[
                ("csrf", &browser.csrf),
                ("action", "reply"),
                ("text", "Baik, kami proses"),
                ("expected_status", "submitted"),
            ],
        ))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.text.contains("baru saja diubah oleh petugas lain"),
        "{}",
        stale.text
    );
    assert!(
        stale.text.contains("Ditolak"),
        "the page shows the case as it is now"
    );
    let replies = app
        .store
        .case_events(case.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == CaseEventKind::Reply)
        .count();
    assert_eq!(replies, 0);

    let api = app
        .request(
            Method::POST,
            &format!("/api/v1/agent/cases/{}/actions", case.id.0),
            Some(json!({"action": "note", "text": "x", "expected_status": "in_progress"})),
            Some(&bearer(&app, "sari").await),
        )
        .await;
    assert_eq!(api.status, StatusCode::CONFLICT);
    assert_eq!(api.body["error"]["code"], "stale");
}

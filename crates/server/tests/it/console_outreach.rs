//! The console's closure and broadcast pages: a supervisor declares a closure from the form
//! and follows the broadcast to the branch's participants; refusals (role, branch, CSRF,
//! input) are polite pages that change nothing.

use crate::console::{
    self, browser_sign_in as sign_in, get_with_cookie as get, office_in, response, Browser,
};
use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cases::AgentRole;
use serde_json::Value;
use store::{Agent, Office, OfficeId};
use wilayah::TimeZone;

async fn app() -> TestApp {
    TestApp::with_demo(40).await
}

/// A supervisor or admin without shifts, as the outreach stories need them.
pub(crate) async fn add_agent(
    app: &TestApp,
    username: &str,
    role: AgentRole,
    office: Option<OfficeId>,
) -> Agent {
    console::add_agent(app, username, role, office, "", 20).await
}

/// The branch of a demo participant with a phone: its broadcasts have recipients.
async fn office_with_participants(app: &TestApp) -> Office {
    for who in app.sample().await {
        if who.phone.is_none() {
            continue;
        }
        let nik = jkn::Nik::parse(&who.nik).unwrap();
        let p = app.store.participant_by_nik(&nik).await.unwrap().unwrap();
        if let Some(o) = app
            .store
            .office_for_regency(p.regency_code())
            .await
            .unwrap()
        {
            return o;
        }
    }
    panic!("the demo has a participant with a phone and a branch")
}

fn form_request(uri: &str, cookie: &str, form: &[(&str, &str)]) -> Request<Body> {
    console::form_request(uri, Some(cookie), form)
}

fn location(r: &axum::response::Response) -> String {
    r.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no Location: {}", r.status()))
}

/// The closure form as a supervisor fills it in: Tuesday 08:00 to Wednesday 16:00, local.
fn closure_form<'a>(b: &'a Browser, office: &'a str, notify: bool) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", b.csrf.as_str()),
        ("office_id", office),
        ("from", "2026-11-24T08:00"),
        ("until", "2026-11-25T16:00"),
        ("reason", "Pemeliharaan jaringan listrik gedung"),
        ("message", "Mohon maaf, kantor kami tutup sementara."),
        (
            "alternatives",
            "WhatsApp PANDAWA 08118165165\r\nCare Center 165",
        ),
    ];
    if notify {
        f.push(("notify", "1"));
    }
    f
}

/// `closure_form` reopening at `until` instead.
fn closure_form_until<'a>(
    b: &'a Browser,
    office: &'a str,
    until: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut f = closure_form(b, office, false);
    f.retain(|(k, _)| *k != "until");
    f.push(("until", until));
    f
}

/// Whether the office has no closure in force or ahead.
async fn no_closures(app: &TestApp, office: OfficeId) -> bool {
    app.store
        .closures(office, app.clock_now())
        .await
        .unwrap()
        .is_empty()
}

/// Declares a closure from the console form as `b`; the page the console sends them on to.
async fn declare(app: &TestApp, b: &Browser, office: &str, notify: bool) -> String {
    let r = response(
        app,
        form_request(
            "/console/closures",
            &b.cookie,
            &closure_form(b, office, notify),
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r)
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_supervisor_declares_a_closure_and_follows_the_broadcast_live() {
    let app = app().await;
    let office = office_with_participants(&app).await;
    let zone = office.timezone.abbreviation();
    add_agent(&app, "spv", AgentRole::Supervisor, Some(office.id)).await;
    let b = sign_in(&app, "spv").await;

    let page = app.raw(get("/console/closures", &b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("href=\"/console/closures\""),
        "the navigation links it"
    );
    assert!(page.text.contains("Belum ada penutupan yang diumumkan."));
    assert!(page.text.contains(&format!("Tutup mulai ({zone})")));
    assert!(page.text.contains("Kirim pemberitahuan ke peserta"));
    // The usual channels are offered, one per line.
    assert!(page.text.contains("WhatsApp PANDAWA"), "{}", page.text);
    assert!(page.text.contains("\nCare Center"), "{}", page.text);

    let id = office.id.to_string();
    let to = declare(&app, &b, &id, true).await;
    assert_eq!(query_value(&to, "ok").as_deref(), Some("declared"), "{to}");
    let broadcast: i64 = query_value(&to, "broadcast").unwrap().parse().unwrap();

    // Declared in the office's own time: 08:00 local.
    let now = app.clock_now();
    let closures = app.store.closures(office.id, now).await.unwrap();
    assert_eq!(closures.len(), 1);
    assert_eq!(
        closures[0].starts_at,
        crate::helpers::at(2026, 11, 24, 8, 0)
            - chrono::Duration::seconds(i64::from(office.timezone.utc_offset_seconds()))
    );
    assert_eq!(
        closures[0].alternatives,
        vec!["WhatsApp PANDAWA 08118165165", "Care Center 165"]
    );

    let page = app.raw(get(&to, &b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Penutupan kantor sudah diumumkan."));
    assert!(page
        .text
        .contains(&format!("/offices/{}/closure-poster.pdf", office.id)));
    assert!(page
        .text
        .contains(&format!("/offices/{}/closure-poster.png", office.id)));
    assert!(page
        .text
        .contains(&format!("href=\"/console/broadcasts/{broadcast}\"")));
    assert!(
        page.text
            .contains(&format!("Selasa, 24 Nov 2026 08.00 {zone}")),
        "{}",
        page.text
    );
    assert!(page.text.contains("Akan datang"));
    assert!(page.text.contains("Pemeliharaan jaringan listrik gedung"));

    // The list of broadcasts, then the broadcast's own page.
    let list = app.raw(get("/console/broadcasts", &b.cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list
        .text
        .contains(&format!("data-broadcast-row=\"{broadcast}\"")));
    assert!(list.text.contains("role=\"progressbar\""));
    let detail = app
        .raw(get(&format!("/console/broadcasts/{broadcast}"), &b.cookie))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("Sedang dikirim"));
    assert!(detail.text.contains("Jeda pengiriman"));
    assert!(detail.text.contains("Batalkan pengiriman"));
    assert!(detail.text.contains("/console/assets/broadcast.js"));
    assert!(detail
        .text
        .contains("<noscript><meta http-equiv=\"refresh\""));
    assert!(detail.text.contains(&format!(
        "data-progress-url=\"/console/broadcasts/{broadcast}/progress\""
    )));

    let progress = app
        .raw(get(
            &format!("/console/broadcasts/{broadcast}/progress"),
            &b.cookie,
        ))
        .await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    let p: &Value = &progress.body;
    assert_eq!(p["state"], "sending");
    let total = p["progress"]["total"].as_u64().unwrap();
    assert!(total > 0, "{p}");
    let parts: u64 = [
        "waiting",
        "queued",
        "sent",
        "delivered",
        "read",
        "failed",
        "skipped",
        "cancelled",
    ]
    .iter()
    .map(|k| p["progress"][k].as_u64().unwrap())
    .sum();
    assert_eq!(parts, total, "{p}");
    let script = app
        .raw(get("/console/assets/broadcast.js", &b.cookie))
        .await;
    assert!(script.text.contains("data-progress-url"));

    // Pause: without the CSRF token nothing changes; with it, the state does.
    let actions = format!("/console/broadcasts/{broadcast}/actions");
    let refused = app
        .raw(form_request(&actions, &b.cookie, &[("action", "pause")]))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let progress_url = format!("/console/broadcasts/{broadcast}/progress");
    assert_eq!(
        app.raw(get(&progress_url, &b.cookie)).await.body["state"],
        "sending"
    );
    let r = response(
        &app,
        form_request(
            &actions,
            &b.cookie,
            &[("csrf", &b.csrf), ("action", "pause")],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.raw(get(&progress_url, &b.cookie)).await.body["state"],
        "paused"
    );
    let page = app.raw(get(&location(&r), &b.cookie)).await;
    assert!(page.text.contains("Pengiriman dijeda."));
    assert!(page.text.contains("Lanjutkan pengiriman"));
    // Pausing again is a conflict, shown on the page as it is now.
    let again = app
        .raw(form_request(
            &actions,
            &b.cookie,
            &[("csrf", &b.csrf), ("action", "pause")],
        ))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains("notice error"));
    assert!(again.text.contains("Lanjutkan pengiriman"));
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_and_csrf_is_required() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wita).await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(office.id)).await;
    let b = sign_in(&app, "spv").await;
    let id = office.id.to_string();

    let form = closure_form_until(&b, &id, "2026-11-23T08:00");
    let r = app
        .raw(form_request("/console/closures", &b.cookie, &form))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("notice error"));
    assert!(
        r.text.contains("harus sesudah waktu mulainya"),
        "{}",
        r.text
    );
    assert!(r
        .text
        .contains("value=\"Pemeliharaan jaringan listrik gedung\""));
    assert!(r.text.contains("value=\"2026-11-23T08:00\""));
    assert!(r.text.contains("Tutup mulai (WITA)"));

    let mut no_csrf = closure_form(&b, &id, true);
    no_csrf.retain(|(k, _)| *k != "csrf");
    let r = app
        .raw(form_request("/console/closures", &b.cookie, &no_csrf))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(no_closures(&app, office.id).await);
}

#[tokio::test]
async fn agents_and_other_branches_are_refused_politely() {
    let app = app().await;
    let wib = office_in(&app, TimeZone::Wib).await;
    let wit = office_in(&app, TimeZone::Wit).await;
    add_agent(&app, "sari", AgentRole::Agent, Some(wib.id)).await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(wib.id)).await;
    add_agent(&app, "spv-timur", AgentRole::Supervisor, Some(wit.id)).await;

    let agent = sign_in(&app, "sari").await;
    let page = app.raw(get("/console", &agent.cookie)).await;
    assert!(
        !page.text.contains("/console/closures"),
        "no link for agents"
    );
    for uri in ["/console/closures", "/console/broadcasts"] {
        let r = app.raw(get(uri, &agent.cookie)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(r.text.contains("Khusus supervisor dan admin"), "{}", r.text);
    }
    let id = wib.id.to_string();
    let r = app
        .raw(form_request(
            "/console/closures",
            &agent.cookie,
            &closure_form(&agent, &id, true),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(no_closures(&app, wib.id).await);

    // The branch's supervisor declares; the other branch's supervisor cannot touch it.
    let spv = sign_in(&app, "spv").await;
    let to = declare(&app, &spv, &id, true).await;
    let closure = query_value(&to, "closure").unwrap();
    let broadcast = query_value(&to, "broadcast").unwrap();
    let progress = format!("/console/broadcasts/{broadcast}/progress");
    assert_eq!(
        app.raw(get(&progress, &agent.cookie)).await.status,
        StatusCode::FORBIDDEN
    );

    let other = sign_in(&app, "spv-timur").await;
    let edit = app
        .raw(get(
            &format!("/console/closures/{closure}/edit"),
            &other.cookie,
        ))
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let cancel = app
        .raw(form_request(
            &format!("/console/closures/{closure}/cancel"),
            &other.cookie,
            &[("csrf", &other.csrf)],
        ))
        .await;
    assert_eq!(cancel.status, StatusCode::FORBIDDEN);
    assert_ne!(
        app.raw(get(&progress, &other.cookie)).await.status,
        StatusCode::OK
    );
    // Their own list is their own branch's: nothing there.
    let list = app.raw(get("/console/closures", &other.cookie)).await;
    assert!(list.text.contains("Belum ada penutupan yang diumumkan."));
    assert!(list.text.contains("Tutup mulai (WIT)"));
}

#[tokio::test]
async fn a_closure_is_edited_then_cancelled_from_its_list() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    add_agent(&app, "spv", AgentRole::Supervisor, Some(office.id)).await;
    let b = sign_in(&app, "spv").await;
    let id = office.id.to_string();
    let to = declare(&app, &b, &id, false).await;
    assert_eq!(query_value(&to, "broadcast"), None, "no notice asked for");
    let closure = query_value(&to, "closure").unwrap();

    let edit = app
        .raw(get(&format!("/console/closures/{closure}/edit"), &b.cookie))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.text.contains("value=\"2026-11-24T08:00\""),
        "{}",
        edit.text
    );
    let form = closure_form_until(&b, &id, "2026-11-26T12:00");
    let r = response(
        &app,
        form_request(&format!("/console/closures/{closure}"), &b.cookie, &form),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.raw(get(&location(&r), &b.cookie)).await;
    assert!(page.text.contains("Perubahan penutupan tersimpan"));
    assert!(
        page.text.contains("Kamis, 26 Nov 2026 12.00 WIB"),
        "{}",
        page.text
    );

    let cancel = format!("/console/closures/{closure}/cancel");
    let r = response(
        &app,
        form_request(&cancel, &b.cookie, &[("csrf", &b.csrf), ("notify", "1")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(query_value(&to, "broadcast").is_some(), "{to}");
    let page = app.raw(get(&to, &b.cookie)).await;
    assert!(page.text.contains("Penutupan dibatalkan."));
    assert!(page.text.contains("Dibatalkan"));
    assert!(!page.text.contains(&format!("action=\"{cancel}\"")));
    assert!(no_closures(&app, office.id).await);
    // A second cancel (an old tab) tells nobody again.
    let r = response(
        &app,
        form_request(&cancel, &b.cookie, &[("csrf", &b.csrf), ("notify", "1")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(query_value(&location(&r), "broadcast"), None);
}

#[tokio::test]
async fn an_admin_picks_a_branch_and_sends_a_notice_to_a_province() {
    let app = app().await;
    let office = office_in(&app, TimeZone::Wib).await;
    add_agent(&app, "admin", AgentRole::Admin, None).await;
    let b = sign_in(&app, "admin").await;

    let page = app.raw(get("/console/closures", &b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Pilih kantor cabang"));
    let page = app
        .raw(get(
            &format!("/console/closures?office={}", office.id),
            &b.cookie,
        ))
        .await;
    assert!(page.text.contains("Umumkan penutupan baru"));

    let list = app.raw(get("/console/broadcasts", &b.cookie)).await;
    assert!(list.text.contains("Pengumuman baru"));
    assert!(list.text.contains("Semua peserta"));
    let province = wilayah::regency(office.regencies[0]).unwrap().province_code;
    let code = province.to_string();
    let notice = |title: &str| {
        form_request(
            "/console/broadcasts",
            &b.cookie,
            &[
                ("csrf", &b.csrf),
                ("audience", "province"),
                ("province", &code),
                ("title", title),
                ("text", "Antrean online kini tersedia di Mobile JKN."),
            ],
        )
    };
    // No title: refused, with the text kept.
    let r = app.raw(notice("")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r
        .text
        .contains("Antrean online kini tersedia di Mobile JKN."));
    let r = response(&app, notice("Antrean online")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.raw(get(&location(&r), &b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Pengumuman sudah diantrekan"));
    assert!(page.text.contains("Peserta di Provinsi"), "{}", page.text);
}

//! Stories of the PANDAWA web forms: a participant opens a signed link, types (saved as they
//! go), uploads documents, and presses "Kirim" as often as a bad connection makes them.

use crate::helpers::{at, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use cases::kind::FieldType;
use cases::{CaseKind, CaseStatus, KindSpec};
use serde_json::{json, Map, Value};
use server::casework::links;
use server::Config;
use store::{Actor, CaseChange, CaseEventKind, CaseQuery, NewCase, NewCaseEvent, NewFormLink};
use tower::ServiceExt;

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xff, 0xff, 0x3f,
    0x00, 0x05, 0xfe, 0x02, 0xfe, 0xa7, 0xd2, 0xb2, 0xd9, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

const SENDER: &str = "0123456789abcdef0123456789abcdef";

struct Forms {
    app: TestApp,
    data_dir: tempfile::TempDir,
}

async fn forms_with(config: impl FnOnce(&mut Config)) -> Forms {
    let data_dir = tempfile::tempdir().unwrap();
    let mut c = Config::load(None, Vec::new()).unwrap();
    c.data_dir = data_dir.path().to_path_buf();
    c.public_url = Some("https://layan.test/".into());
    config(&mut c);
    Forms {
        app: TestApp::with_demo_config(30, c).await,
        data_dir,
    }
}

async fn forms() -> Forms {
    forms_with(|_| {}).await
}

/// A kind anyone can file on the web (no verified identity needed): a new registration.
fn web_kind() -> CaseKind {
    let k = CaseKind::DaftarBaru;
    assert!(k.spec().web_form && !k.spec().needs_identity);
    k
}

/// Valid answers for every field of a kind, as a participant would type them.
fn filled(spec: &KindSpec) -> Map<String, Value> {
    let nik = jkn::Nik::compose(
        350920,
        chrono::NaiveDate::from_ymd_opt(1990, 1, 19).unwrap(),
        jkn::Sex::Perempuan,
        7,
    )
    .unwrap();
    let mut m = Map::new();
    for f in spec.fields {
        let v = match f.kind {
            FieldType::Text => "Siti Aminah".to_string(),
            FieldType::LongText => "Mohon dibantu, data saya belum terdaftar.".to_string(),
            FieldType::Nik => nik.expose().to_string(),
            FieldType::Date => "1990-01-19".to_string(),
            FieldType::Phone => "081234567890".to_string(),
            FieldType::Choice(options) => options[0].0.to_string(),
        };
        m.insert(f.key.to_string(), Value::String(v));
    }
    m
}

impl Forms {
    async fn issue(&self, kind: &str, edit: impl FnOnce(&mut NewFormLink)) -> String {
        let mut link = links::new_link(&self.app.state, kind, "webchat", SENDER).unwrap();
        edit(&mut link);
        let (_, url) = links::issue(&self.app.state, link).await.unwrap();
        assert!(url.starts_with("https://layan.test/f/"), "{url}");
        url.trim_start_matches("https://layan.test").to_string()
    }

    async fn upload(
        &self,
        path: &str,
        document: &str,
        name: &str,
        bytes: &[u8],
    ) -> crate::helpers::Reply {
        let boundary = "layanboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\n{document}\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("{path}/attachments"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.app.raw(request).await
    }

    /// Uploads a photo for every required document of the kind.
    async fn upload_required(&self, path: &str, spec: &KindSpec) {
        for d in spec.documents.iter().filter(|d| d.required) {
            let r = self.upload(path, d.key, "foto.png", PNG).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", d.key, r.text);
        }
    }
}

#[tokio::test]
async fn ten_presses_of_kirim_file_one_case_and_all_get_its_number() {
    let f = forms().await;
    let kind = web_kind();
    let spec = kind.spec();
    let path = f.issue(kind.as_str(), |_| {}).await;
    f.upload_required(&path, spec).await;
    let body = json!({"fields": filled(spec)});

    // Pressed ten times at once over a bad connection.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let router = server::router(f.app.state.clone());
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("{path}/submit"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        tasks.push(tokio::spawn(async move {
            let r = router.oneshot(request).await.unwrap();
            let status = r.status();
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        numbers.push(body["case_number"].as_str().unwrap().to_string());
    }
    // And once more, later.
    let again = f.app.post(&format!("{path}/submit"), body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    numbers.push(again.body["case_number"].as_str().unwrap().to_string());
    numbers.dedup();
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert!(
        numbers[0].starts_with(spec.number_prefix),
        "{} for {}",
        numbers[0],
        spec.number_prefix
    );
    assert!(again.body["message"]
        .as_str()
        .unwrap()
        .contains(&numbers[0]));

    let filed = f
        .app
        .store
        .list_cases(&CaseQuery {
            kind: Some(kind.as_str().into()),
            limit: 100,
            ..CaseQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(filed.len(), 1);
    let case = &filed[0];
    assert_eq!(case.channel, "webchat");
    assert_eq!(case.sender, SENDER);
    assert_eq!(case.fields["source"], "web_form");
    // The documents moved to the case.
    let docs = f.app.store.case_attachments(case.id).await.unwrap();
    assert_eq!(
        docs.len(),
        spec.documents.iter().filter(|d| d.required).count()
    );
}

#[tokio::test]
async fn a_draft_is_saved_as_they_type_and_shown_again_escaped() {
    let f = forms().await;
    let kind = web_kind();
    let spec = kind.spec();
    let text_field = spec
        .fields
        .iter()
        .find(|x| matches!(x.kind, FieldType::Text | FieldType::LongText))
        .expect("a kind with a text field");
    let path = f
        .issue(kind.as_str(), |l| {
            l.prefill = json!({"phone": "081322552052"});
        })
        .await;
    let page = f.app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(spec.label), "{}", page.text);
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no CDN"
    );

    let typed = "Siti <b>Aminah</b> & keluarga";
    let r = f
        .app
        .post(
            &format!("{path}/draft"),
            json!({"fields": {text_field.key: typed}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = f.app.get(&path).await;
    assert!(
        page.text
            .contains("Siti &lt;b&gt;Aminah&lt;/b&gt; &amp; keluarga"),
        "the draft is back, escaped: {}",
        page.text
    );
    assert!(!page.text.contains("<b>Aminah"));

    // A refused submission keeps what was typed.
    let r = f
        .app
        .post(
            &format!("{path}/submit"),
            json!({"fields": {text_field.key: "Siti Aminah"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let problems = r.body["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .all(|p| p["message"].as_str().unwrap().starts_with("Mohon")
                || p["message"].as_str().unwrap().contains("tidak valid")),
        "{problems:?}"
    );
    let link = f
        .app
        .store
        .form_link(&stored_id(&f, &path).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.draft[text_field.key], "Siti Aminah");
    assert!(link.submitted_case.is_none());
}

async fn stored_id(f: &Forms, path: &str) -> String {
    let token = path.trim_start_matches("/f/");
    links::resolve(&f.app.state, token)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn uploads_are_judged_by_their_content_not_their_name() {
    let f = forms().await;
    let kind = web_kind();
    let doc = kind.spec().documents[0].key;
    let path = f.issue(kind.as_str(), |_| {}).await;

    // A photo named like a PDF is a photo.
    let r = f.upload(&path, doc, "ktp.pdf", PNG).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["content_type"], "image/png");
    assert_eq!(r.body["filename"], "ktp.pdf");
    let id = stored_id(&f, &path).await;
    let stored = f.app.store.form_attachments(&id).await.unwrap();
    assert_eq!(stored.len(), 1);
    let on_disk = std::fs::read(f.data_dir.path().join(&stored[0].path)).unwrap();
    assert_eq!(on_disk, PNG);
    assert_eq!(stored[0].sha256, server::forms::files::sha256_hex(PNG));
    assert!(stored[0].path.ends_with(".png") && !stored[0].path.contains("ktp"));

    // A script named like a photo is refused, and nothing is kept.
    let r = f
        .upload(&path, doc, "ktp.jpg", b"#!/bin/sh\necho hello\n")
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(f.app.store.form_attachments(&id).await.unwrap().len(), 1);

    // A document the form does not ask for is refused.
    let r = f.upload(&path, "paspor_palsu", "a.png", PNG).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}

#[tokio::test]
async fn an_oversize_upload_is_refused_with_the_limit() {
    let f = forms_with(|c| c.pandawa.max_upload_bytes = 1024).await;
    let kind = web_kind();
    let doc = kind.spec().documents[0].key;
    let path = f.issue(kind.as_str(), |_| {}).await;
    let mut big = PNG.to_vec();
    big.resize(4096, 0);
    let r = f.upload(&path, doc, "besar.png", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert!(
        r.body["error"]["message"].as_str().unwrap().contains("MB"),
        "{}",
        r.text
    );
    let id = stored_id(&f, &path).await;
    assert!(f.app.store.form_attachments(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn forged_expired_and_used_links_get_a_clear_page() {
    let f = forms().await;
    let kind = web_kind();
    let path = f.issue(kind.as_str(), |_| {}).await;

    // Forged: nonsense, and one character of a real token changed.
    let r = f.app.get("/f/bukan-tautan").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Tautan tidak dikenal"), "{}", r.text);
    let mut forged: Vec<char> = path.chars().collect();
    let i = forged.len() - 5;
    forged[i] = if forged[i] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let r = f.app.get(&forged).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = f
        .app
        .post(&format!("{forged}/submit"), json!({"fields": {}}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Used: submitted once, then the page says so with the number.
    f.upload_required(&path, kind.spec()).await;
    let done = f
        .app
        .post(
            &format!("{path}/submit"),
            json!({"fields": filled(kind.spec())}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let number = done.body["case_number"].as_str().unwrap();
    let r = f.app.get(&path).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(
        r.text.contains("sudah dikirim") && r.text.contains(number),
        "{}",
        r.text
    );
    let r = f
        .app
        .post(&format!("{path}/draft"), json!({"fields": {}}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Expired: past the link's lifetime.
    let fresh = f.issue(kind.as_str(), |_| {}).await;
    let ttl = f.app.state.config.pandawa.link_ttl_hours;
    f.app
        .clock
        .set(at(2026, 11, 23, 3, 0) + chrono::Duration::hours(ttl) + chrono::Duration::minutes(1));
    let r = f.app.get(&fresh).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    assert!(r.text.contains("kedaluwarsa"), "{}", r.text);
    let r = f
        .app
        .post(&format!("{fresh}/submit"), json!({"fields": {}}))
        .await;
    assert_eq!(r.status, StatusCode::GONE);
}

#[tokio::test]
async fn documents_asked_by_an_agent_move_the_case_back_to_in_progress_with_a_notice() {
    let f = forms().await;
    let store = &f.app.store;
    let now = f.app.clock_now();
    let kind = CaseKind::UbahData;
    let case = store
        .create_case(NewCase {
            kind: kind.as_str().into(),
            number_prefix: kind.spec().number_prefix.into(),
            participant_id: None,
            family_id: None,
            office_id: None,
            channel: "webchat".into(),
            sender: SENDER.into(),
            fields: json!({"item": "nama", "new_value": "Siti Aminah"}),
            status: CaseStatus::Submitted,
            submission_key: None,
            created_at: now,
        })
        .await
        .unwrap();
    let asked = store
        .change_case(CaseChange {
            case_id: case.id,
            expected_status: CaseStatus::Submitted,
            expected_assignee: None,
            status: Some(CaseStatus::WaitingParticipant),
            assign: None,
            first_response: true,
            fields: None,
            event: NewCaseEvent {
                kind: CaseEventKind::DocumentRequested,
                actor: Actor::System,
                text: "Mohon kirim foto KTP".into(),
                at: now,
            },
            outbound: Vec::new(),
            turns: Vec::new(),
            conversation: None,
            audit: None,
        })
        .await
        .unwrap();
    assert_eq!(asked.status, CaseStatus::WaitingParticipant);

    let path = f
        .issue(kind.as_str(), |l| {
            l.case_id = Some(case.id);
            l.prefill = json!({"reason": "Mohon kirim foto KTP yang jelas.", "documents": ["ktp"]});
        })
        .await;
    // As the console asks: no prefill; the agent's words come from the case's history.
    let plain = f.issue(kind.as_str(), |l| l.case_id = Some(case.id)).await;
    let page = f.app.get(&plain).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Mohon kirim foto KTP"), "{}", page.text);

    let page = f.app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(&case.number), "{}", page.text);
    assert!(page.text.contains("Mohon kirim foto KTP yang jelas."));
    assert!(!page.text.contains("id=\"fields\""), "only the upload part");
    assert!(page.text.contains("data-doc=\"ktp\""), "{}", page.text);
    assert!(
        !page.text.contains("data-doc=\"kk\""),
        "only what the agent asked for"
    );

    // Nothing uploaded yet: refused, nothing changes.
    let r = f
        .app
        .post(&format!("{path}/submit"), json!({"fields": {}}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        store.case(case.id).await.unwrap().unwrap().status,
        CaseStatus::WaitingParticipant
    );

    let doc = page
        .text
        .split("data-doc=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = f.upload(&path, &doc, "ktp.png", PNG).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    for _ in 0..3 {
        let r = f
            .app
            .post(&format!("{path}/submit"), json!({"fields": {}}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["case_number"], case.number.as_str());
    }

    let after = store.case(case.id).await.unwrap().unwrap();
    assert_eq!(after.status, CaseStatus::InProgress);
    let events = store.case_events(case.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == CaseEventKind::DocumentReceived)
            .count(),
        1,
        "pressed three times, received once"
    );
    assert_eq!(store.case_attachments(case.id).await.unwrap().len(), 1);
    // The participant is told in their web chat (the page polls for it).
    let turns = store.recent_turns("webchat", SENDER, 10).await.unwrap();
    let notices: Vec<_> = turns
        .iter()
        .filter(|t| t.direction == "out" && t.text.contains(&case.number))
        .collect();
    assert_eq!(notices.len(), 1, "{turns:?}");
    assert!(notices[0].text.contains("sudah kami terima"));
}

#[tokio::test]
async fn a_class_change_with_arrears_is_explained_not_silently_filed() {
    let f = forms().await;
    let head = f
        .app
        .store
        .participant(demo::Persona::PbpuArrears8.head_id())
        .await
        .unwrap()
        .unwrap();
    let family = f.app.store.family(head.family_id).await.unwrap().unwrap();
    let kind = CaseKind::UbahKelas;
    let path = f
        .issue(kind.as_str(), |l| {
            l.participant_id = Some(head.id);
            l.family_id = Some(head.family_id);
        })
        .await;
    f.upload_required(&path, kind.spec()).await;
    let other = if family.class.number() == 3 { "2" } else { "3" };
    let r = f
        .app
        .post(
            &format!("{path}/submit"),
            json!({"fields": {"class": other}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let problem = &r.body["problems"][0];
    assert_eq!(problem["field"], "_form");
    assert!(
        problem["message"].as_str().unwrap().contains("tunggakan"),
        "the reason is told: {}",
        r.text
    );
    let filed = f
        .app
        .store
        .list_cases(&CaseQuery {
            kind: Some(kind.as_str().into()),
            limit: 10,
            ..CaseQuery::default()
        })
        .await
        .unwrap();
    assert!(filed.is_empty(), "nothing filed: {filed:?}");

    // Without a verified participant the form cannot be filed at all.
    let anonymous = f.issue(kind.as_str(), |_| {}).await;
    f.upload_required(&anonymous, kind.spec()).await;
    let r = f
        .app
        .post(
            &format!("{anonymous}/submit"),
            json!({"fields": {"class": other}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("verifikasi identitas"), "{}", r.text);
}

#[tokio::test]
async fn a_form_sent_at_night_says_when_an_agent_will_reply_in_local_time() {
    let f = forms().await;
    // Monday 20:00 WIB.
    f.app.clock.set(at(2026, 11, 23, 13, 0));
    let kind = web_kind();
    let path = f.issue(kind.as_str(), |_| {}).await;
    f.upload_required(&path, kind.spec()).await;
    let r = f
        .app
        .post(
            &format!("{path}/submit"),
            json!({"fields": filled(kind.spec())}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let waits = r.body["outside_hours"].as_str().expect("told when");
    assert!(waits.contains("08.00 WIB"), "{waits}");
    assert!(r.body["message"].as_str().unwrap().contains(waits));

    // In working hours nothing of the kind is said.
    f.app.clock.set(at(2026, 11, 24, 3, 0));
    let path = f.issue(kind.as_str(), |_| {}).await;
    f.upload_required(&path, kind.spec()).await;
    let r = f
        .app
        .post(
            &format!("{path}/submit"),
            json!({"fields": filled(kind.spec())}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["outside_hours"].is_null(), "{}", r.text);
}

#[tokio::test]
async fn notices_go_out_on_the_channel_the_case_came_from() {
    use server::casework::notify;
    let f = forms().await;
    let now = f.app.clock_now();
    let case = |channel: &str, sender: &str| store::Case {
        id: store::CaseId(1),
        number: "PDW-E-000001".into(),
        kind: "ubah_data".into(),
        participant_id: None,
        family_id: None,
        office_id: None,
        channel: channel.into(),
        sender: sender.into(),
        fields: json!({}),
        status: CaseStatus::InProgress,
        submission_key: None,
        assigned_to: None,
        assigned_at: None,
        first_response_at: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    let text = "Permintaan PDW-E-000001 sedang diproses.";

    let web = notify::to_participant(&f.app.state, &case("webchat", SENDER), text, now)
        .await
        .unwrap();
    assert!(web.outbound.is_empty());
    assert_eq!(web.turns.len(), 1);
    assert_eq!(web.turns[0].direction, "out");
    assert_eq!(web.turns[0].body["text"], text);

    let tg = notify::to_participant(&f.app.state, &case("telegram", "5551234"), text, now)
        .await
        .unwrap();
    assert_eq!(tg.outbound.len(), 1);
    assert_eq!(tg.outbound[0].channel, "telegram");
    assert_eq!(tg.outbound[0].recipient, "5551234");
    assert_eq!(tg.outbound[0].body, text);
    assert_eq!(tg.turns.len(), 1, "kept in the conversation's history too");

    // A voice caller without WhatsApp configured gets an SMS.
    let call = notify::to_participant(&f.app.state, &case("voice", "6281234567890"), text, now)
        .await
        .unwrap();
    assert_eq!(call.outbound.len(), 1);
    assert_eq!(call.outbound[0].channel, "sms");
    assert_eq!(call.outbound[0].recipient, "6281234567890");

    let nobody = notify::to_participant(&f.app.state, &case("terminal", "x"), text, now)
        .await
        .unwrap();
    assert!(nobody.is_empty());
}

#[tokio::test]
async fn two_nodes_starting_together_sign_links_with_one_shared_secret() {
    let f = forms().await;
    // A second node over the same database, with no secret configured either.
    let other = server::AppState::new(
        f.app.store.clone(),
        (*f.app.state.config).clone(),
        f.app.clock.clone(),
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let state = if i % 2 == 0 {
            f.app.state.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            let link = links::new_link(&state, "pengaduan", "webchat", SENDER).unwrap();
            links::issue(&state, link).await.unwrap().1
        }));
    }
    let mut urls = Vec::new();
    for t in tasks {
        urls.push(t.await.unwrap());
    }
    // Every link opens on either node.
    for url in &urls {
        let token = url.rsplit('/').next().unwrap();
        assert!(links::resolve(&f.app.state, token).await.unwrap().is_some());
        assert!(links::resolve(&other, token).await.unwrap().is_some());
    }
    assert!(f
        .app
        .store
        .meta_get(links::SECRET_META_KEY)
        .await
        .unwrap()
        .is_some());
}

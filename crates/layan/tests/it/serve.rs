use crate::binary::{layan, postgres_skipped, PgDatabase, Server};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// What a tester does after the quick start: read a demo identity, sign in with the code from
/// the demo outbox, and read the bills.
async fn tester_story(server: &Server, sample: &[Value]) {
    let base = &server.base;
    assert_eq!(get(base, "/healthz", None).await.0, 200);
    let (status, facilities) = get(
        base,
        "/api/v1/facilities?lat=-8.1724&lon=113.7&limit=3",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(facilities["facilities"].as_array().unwrap().len(), 3);

    for who in sample {
        let nik = who["nik"].as_str().unwrap();
        let (status, started) = post(
            base,
            "/api/v1/sessions",
            json!({"nik": nik, "birth_date": who["birth_date"]}),
        )
        .await;
        assert_eq!(status, 202);
        let phone = who["phone"].as_str().unwrap();
        let (_, outbox) = get(base, &format!("/demo/outbox?phone={phone}&limit=1"), None).await;
        let text = outbox[0]["body"].as_str().unwrap();
        let code: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_string();
        let session = started["session_id"].as_str().unwrap();
        let (status, token) = post(
            base,
            &format!("/api/v1/sessions/{session}/verify"),
            json!({"code": code}),
        )
        .await;
        assert_eq!(status, 200, "{token}");
        let token = token["access_token"].as_str().unwrap();
        let (status, me) = get(base, "/api/v1/me", Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(me["nik"], who["nik"]);
        assert_eq!(me["status"]["label"], who["status"], "{}", who["category"]);
        let months = me["status"]["months_in_arrears"].as_u64().unwrap()
            + me["status"]["months_not_billed"].as_u64().unwrap();
        assert_eq!(
            months,
            who["months_in_arrears"].as_u64().unwrap(),
            "{}",
            who["category"]
        );
        let (status, bills) = get(base, "/api/v1/me/bills", Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(bills["status"]["active"], me["status"]["active"]);
    }
}

fn sample_json(env: &[(&str, String)]) -> Vec<Value> {
    let mut cmd = layan();
    cmd.args(["demo", "sample", "--json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_no_full_identifiers(log: &str, sample: &[Value]) {
    assert!(
        !log.is_empty(),
        "the server logged something at trace level"
    );
    for who in sample {
        for field in ["nik", "card_number", "phone"] {
            let value = who[field].as_str().unwrap();
            assert!(!log.contains(value), "a full {field} reached the log");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quick_start_serves_the_demo_on_sqlite_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("LAYAN_DATA_DIR", dir.path().display().to_string())];
    // A misspelt setting is reported in the log, without its value.
    let typo = [(
        "LAYAN_WHATSAP_APP_SECRET",
        "rahasia-salah-ketik".to_string(),
    )];
    let server = Server::start_demo(dir.path(), &typo);
    assert!(server.stdout.contains("/api/v1/openapi.json"));
    assert!(server.stdout.contains("/demo/outbox"));
    let sample = sample_json(&env);
    assert!(
        sample.len() >= 6,
        "one participant of each status: {sample:?}"
    );
    for who in &sample {
        assert!(
            server.stdout.contains(who["nik"].as_str().unwrap()),
            "the guide lists the demo identities"
        );
    }
    let (_, ready) = get(&server.base, "/readyz", None).await;
    assert_eq!(ready["database"], "sqlite");
    tester_story(&server, &sample).await;
    let (clean, log) = server.terminate();
    assert!(clean, "SIGTERM shuts down gracefully with exit status 0");
    assert_no_full_identifiers(&log, &sample);
    assert!(log.contains("did you mean LAYAN_WHATSAPP_APP_SECRET?"));
    assert!(!log.contains("rahasia-salah-ketik"));
    assert!(dir.path().join("layan.db").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_on_postgresql_with_the_same_answers() {
    if postgres_skipped() {
        return;
    }
    let db = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("LAYAN_DATABASE_URL", db.url.clone()),
        ("LAYAN_DATA_DIR", dir.path().display().to_string()),
    ];
    let server = Server::start_demo(dir.path(), &env);
    let (_, ready) = get(&server.base, "/readyz", None).await;
    assert_eq!(ready["database"], "postgres");
    let sample = sample_json(&env);
    tester_story(&server, &sample).await;
    let (clean, log) = server.terminate();
    assert!(clean);
    assert_no_full_identifiers(&log, &sample);
}

#[test]
fn demo_commands_refuse_to_touch_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let sample = layan()
        .args(["demo", "sample"])
        .env("LAYAN_DATA_DIR", dir.path())
        .env("LAYAN_OUTREACH_LEASE_SECS", "30")
        .output()
        .unwrap();
    assert!(!sample.status.success());
    let said = String::from_utf8_lossy(&sample.stderr);
    assert!(said.contains("not created as demo data"));
    assert!(said.contains("warning: LAYAN_OUTREACH_LEASE_SECS is no longer used"));

    let generate = |n: &str| {
        layan()
            .args([
                "demo",
                "generate",
                "--participants",
                n,
                "--seed",
                "3",
                "--as-of",
                "2026-11-23",
            ])
            .env("LAYAN_DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let first = generate("40");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = generate("40");
    assert!(
        !second.status.success(),
        "a second generation into a filled database is refused"
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("empty database"));
}

#[test]
fn a_bad_configuration_is_reported_before_anything_starts() {
    let out = layan()
        .args(["serve"])
        .env("LAYAN_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration"));
}

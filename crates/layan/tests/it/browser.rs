//! The PANDAWA story in a real browser: the `layan` binary serving a small demo, a participant
//! in the web chat, an agent in the console and a supervisor on the dashboard, all in
//! Debian's Chromium driven by `tests/browser/story.mjs` (playwright-core). Needs
//! `scripts/browser-deps.sh` to have run (CI runs it first). WhatsApp goes to the mock
//! provider, so the supervisor's closure notice is really sent and its progress moves.

use crate::binary::{layan, Server};
use chrono::{Duration, NaiveDate, Utc};
use jkn::{fktp_change, FktpChangeInput, FktpChangeReason, Nik, RulesConfig};
use provider_mock::{MockConfig, MockProvider, StatusWebhook};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use store::{Office, Participant, Store};

fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn chromium() -> PathBuf {
    std::env::var_os("LAYAN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Why the story cannot run here, if it cannot.
fn missing_prerequisite(root: &Path) -> Option<String> {
    if !chromium().exists() {
        return Some(format!("{} is not installed", chromium().display()));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Some("node is not installed".into());
    }
    let pw = root.join("tests/browser/node_modules/playwright-core/package.json");
    if !pw.exists() {
        return Some(format!("{} is missing", pw.display()));
    }
    None
}

fn run(mut cmd: Command, input: Option<&str>) -> String {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("layan starts");
    if let Some(text) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("stdin written");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("layan finishes");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn layan_in(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = layan();
    cmd.args(args).env("LAYAN_DATA_DIR", data_dir);
    cmd
}

/// Today in WIB, as the demo generator and the server's clock see it.
fn today_wib() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// A demo participant (of those `layan demo sample` shows) who may change FKTP now without
/// a special reason (registered at the current one long enough), and the branch serving them.
async fn fktp_changer(data_dir: &Path) -> (Participant, Office) {
    let store = store_sqlite::SqliteStore::open(&data_dir.join("layan.db")).expect("the demo db");
    let rules = RulesConfig::default();
    let today = today_wib();
    let sample = server::sample::pick(&store, Utc::now(), &rules)
        .await
        .expect("demo sample");
    for who in sample {
        let Ok(nik) = Nik::parse(&who.nik) else {
            continue;
        };
        let Some(p) = store.participant_by_nik(&nik).await.expect("lookup") else {
            continue;
        };
        let since = p.fktp_since.unwrap_or(p.registered_on).min(today);
        let check = fktp_change(
            &FktpChangeInput {
                fktp_since: since,
                requested_on: today,
                reason: FktpChangeReason::Regular,
            },
            &rules,
        );
        if !check.is_ok_and(|c| c.allowed) || p.fktp_id.is_none() {
            continue;
        }
        let Some(office) = store
            .office_for_regency(p.regency_code())
            .await
            .expect("office lookup")
        else {
            continue;
        };
        return (p, office);
    }
    panic!("no demo participant may change FKTP today; the demo generator changed?");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_files_an_fktp_change_in_chromium_and_an_agent_completes_it() {
    let root = workspace();
    if let Some(why) = missing_prerequisite(&root) {
        panic!("the browser story cannot run: {why}. Run scripts/browser-deps.sh first (CI does).");
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    run(
        layan_in(
            data,
            &[
                "demo",
                "generate",
                "--participants",
                "300",
                "--seed",
                "2020",
            ],
        ),
        None,
    );
    let (participant, office) = fktp_changer(data).await;

    let office_ref = office.code.clone();
    let agent_password = "kata-sandi-petugas-1";
    let supervisor_password = "kata-sandi-supervisor-1";
    run(
        layan_in(
            data,
            &[
                "agents",
                "add",
                "--username",
                "sari",
                "--name",
                "Sari Petugas",
                "--role",
                "agent",
                "--office",
                &office_ref,
                "--shift",
                "Mon-Sun 00:00-24:00",
                "--password-stdin",
            ],
        ),
        Some(&format!("{agent_password}\n")),
    );
    run(
        layan_in(
            data,
            &[
                "agents",
                "add",
                "--username",
                "budi",
                "--name",
                "Budi Supervisor",
                "--role",
                "supervisor",
                "--office",
                &office_ref,
                "--password-stdin",
            ],
        ),
        Some(&format!("{supervisor_password}\n")),
    );

    // Session cookies stay `Secure` (LAYAN_PANDAWA_SECURE_COOKIES is left at its default):
    // Chromium keeps them on http://127.0.0.1, a trustworthy origin. Links in messages are
    // made from the public URL, which must name the real port: take a free one, not port 0.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    const APP_SECRET: &str = "browser-story-app-secret";
    let mock = MockProvider::start(MockConfig {
        status_webhook: Some(StatusWebhook {
            url: format!("http://127.0.0.1:{port}/webhooks/whatsapp"),
            app_secret: APP_SECRET.into(),
            delivered: true,
        }),
        ..MockConfig::default()
    })
    .await
    .expect("the mock provider starts");
    let server = tokio::task::block_in_place(|| {
        Server::start_demo(
            data,
            &[
                ("LAYAN_LISTEN", format!("127.0.0.1:{port}")),
                ("LAYAN_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
                ("LAYAN_WHATSAPP_APP_SECRET", APP_SECRET.into()),
                ("LAYAN_WHATSAPP_VERIFY_TOKEN", "browser-story-verify".into()),
                (
                    "LAYAN_WHATSAPP_ACCESS_TOKEN",
                    mock.config().whatsapp_token.clone(),
                ),
                ("LAYAN_WHATSAPP_PHONE_NUMBER_ID", "106540352242922".into()),
                ("LAYAN_WHATSAPP_API_BASE", mock.whatsapp_base()),
                ("LAYAN_WHATSAPP_TEMPLATE", "layan_pemberitahuan".into()),
                // Slow enough that the progress page is seen moving, not only finished.
                ("LAYAN_OUTREACH_WHATSAPP_RATE_PER_SEC", "2".into()),
            ],
        )
    });
    let shots = root.join("target/screenshots");
    let mut story = Command::new("node");
    story
        .arg(root.join("tests/browser/story.mjs"))
        .current_dir(&root)
        .env("BASE_URL", &server.base)
        .env("STORY_NIK", participant.nik.expose())
        .env("STORY_BIRTH_DATE", participant.birth_date.to_string())
        .env("STORY_AGENT_USER", "sari")
        .env("STORY_AGENT_PASSWORD", agent_password)
        .env("STORY_SUPERVISOR_USER", "budi")
        .env("STORY_SUPERVISOR_PASSWORD", supervisor_password)
        .env("SCREENSHOT_DIR", &shots)
        .env("CHROMIUM", chromium())
        // Readiness waits, generous for a debug build on a busy 2-core machine.
        .env("STORY_WAIT_MS", "120000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = story.spawn().expect("node starts");
    // A safety net against a hung browser, not a measure of speed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    let status = loop {
        if let Some(status) = child.try_wait().expect("node runs") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let out = child.wait_with_output().expect("node output");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, log) = server.terminate();
    match status {
        Some(s) if s.success() => {}
        Some(_) => panic!(
            "the browser story failed:\n{printed}\n--- server log (last lines) ---\n{}",
            tail(&log, 40)
        ),
        None => panic!("the browser story hung for 15 minutes:\n{printed}"),
    }
    assert!(printed.contains("ok: the whole story passed"), "{printed}");
    assert!(
        mock.accepted_count() > 0,
        "the closure notice reached no participant"
    );
    for shot in ["console.png", "dashboard.png", "broadcast.png"] {
        let bytes = std::fs::read(shots.join(shot)).expect("the screenshot was saved");
        assert!(bytes.starts_with(b"\x89PNG"), "{shot} is a PNG");
    }
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

//! `layan agents`, `layan holidays`, `layan hours`: an operator sets up the PANDAWA console
//! of a branch from the command line, against the database `layan serve` uses.

use crate::binary::layan;
use std::io::Write;
use std::process::Stdio;
use store::{OfficeId, Store};

fn run(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = layan()
        .args(args)
        .env("LAYAN_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("layan runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A database with the demo's branch offices (and a few participants).
async fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = store_sqlite::SqliteStore::open(&dir.path().join("layan.db")).unwrap();
    let config = demo::DemoConfig {
        participants: 20,
        seed: 3,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    };
    demo::load(&store, &config, |_| {}).await.unwrap();
    dir
}

#[tokio::test]
async fn an_operator_creates_agents_with_shifts_and_lists_them() {
    let dir = demo_dir().await;
    let password = "sandi-rahasia-panjang\n";
    let (ok, out, err) = run(
        dir.path(),
        &[
            "agents",
            "add",
            "--username",
            "Sari",
            "--name",
            "Sari Wulandari",
            "--role",
            "agent",
            "--office",
            "1",
            "--shift",
            "Mon-Fri 08:00-15:00",
            "--max-open",
            "12",
            "--password-stdin",
        ],
        password,
    );
    assert!(ok, "{err}");
    assert!(out.contains("sari (agent) created"), "{out}");

    // The same username twice, an agent without a branch, a short password: refused.
    let (ok, _, err) = run(
        dir.path(),
        &[
            "agents",
            "add",
            "--username",
            "sari",
            "--name",
            "Lain",
            "--office",
            "1",
            "--password-stdin",
        ],
        password,
    );
    assert!(!ok && err.contains("already taken"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "agents",
            "add",
            "--username",
            "budi",
            "--name",
            "Budi",
            "--password-stdin",
        ],
        password,
    );
    assert!(!ok && err.contains("--office"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "agents",
            "add",
            "--username",
            "budi",
            "--name",
            "Budi",
            "--office",
            "1",
            "--password-stdin",
        ],
        "pendek\n",
    );
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "agents",
            "add",
            "--username",
            "admin",
            "--name",
            "Admin Pusat",
            "--role",
            "admin",
            "--password-stdin",
        ],
        password,
    );
    assert!(ok, "{err}");

    let (ok, listed, err) = run(dir.path(), &["agents", "list"], "");
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.contains("sari") && listed.contains("max=12"),
        "{listed}"
    );
    assert!(listed.contains("Senin 08.00-15.00"), "{listed}");
    assert!(
        !listed.contains("argon2"),
        "no password hash printed: {listed}"
    );

    let (ok, out, err) = run(
        dir.path(),
        &[
            "agents",
            "set-shifts",
            "--username",
            "sari",
            "--shift",
            "Sat 07:00-12:00",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("Sabtu 07.00-12.00"), "{out}");

    // The stored account signs in with the password typed, never stored in clear.
    let store = store_sqlite::SqliteStore::open(&dir.path().join("layan.db")).unwrap();
    let sari = store.agent_by_username("sari").await.unwrap().unwrap();
    assert_eq!(sari.office_id, Some(OfficeId(1)));
    assert_eq!(sari.max_open_cases, 12);
    assert!(server::console::auth::verify_password(
        "sandi-rahasia-panjang",
        &sari.password_hash
    ));
    assert!(!sari.password_hash.contains("sandi-rahasia-panjang"));
}

#[tokio::test]
async fn an_operator_sets_a_branch_calendar_with_hours_and_holidays() {
    let dir = demo_dir().await;
    let (ok, out, err) = run(
        dir.path(),
        &[
            "hours",
            "set",
            "1",
            "07:30-14:30,07:30-14:30,07:30-14:30,07:30-14:30,07:30-12:00,-,-",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("07:30-14:30"), "{out}");
    let (ok, _, err) = run(dir.path(), &["hours", "set", "1", "setiap hari"], "");
    assert!(!ok && err.contains("tidak valid"), "{err}");

    let (ok, _, err) = run(
        dir.path(),
        &["holidays", "add", "2026-12-25", "Hari Raya Natal"],
        "",
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &[
            "holidays",
            "add",
            "2026-11-24",
            "Hari jadi kabupaten",
            "--office",
            "1",
        ],
        "",
    );
    assert!(ok, "{err}");
    let (ok, listed, err) = run(dir.path(), &["holidays", "list", "--office", "1"], "");
    assert!(ok, "{err}");
    assert!(
        listed.contains("2026-12-25") && listed.contains("Hari jadi kabupaten"),
        "{listed}"
    );

    // The server's calendar reads what the command wrote.
    let store = store_sqlite::SqliteStore::open(&dir.path().join("layan.db")).unwrap();
    let office = store.office(OfficeId(1)).await.unwrap().unwrap();
    let cal = server::casework::calendar::for_office(&store, Some(&office))
        .await
        .unwrap();
    assert!(cal
        .holidays
        .contains(&chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()));
    assert!(cal
        .holidays
        .contains(&chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()));
    assert_eq!(
        cal.hours.to_spec(),
        "07:30-14:30,07:30-14:30,07:30-14:30,07:30-14:30,07:30-12:00,-,-"
    );
}

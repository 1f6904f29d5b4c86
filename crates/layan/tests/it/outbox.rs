//! `layan outbox`: an operator lists the failed sends and queues them again.

use crate::binary::layan;
use chrono::{TimeZone, Utc};
use store::{NewOutbound, SendOutcome, StoredRequest};

fn run(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = layan()
        .arg("outbox")
        .args(args)
        .env("LAYAN_DATA_DIR", data_dir)
        .output()
        .expect("layan outbox runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn failed_sends_are_listed_without_the_full_number_and_queued_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_sqlite::SqliteStore::open(&dir.path().join("layan.db")).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
    let mut ids = Vec::new();
    for to in ["6281234567890", "6285712345678"] {
        let mut m = NewOutbound::plain("whatsapp", to, "reply", "Status kartu Anda AKTIF.", at);
        m.request = Some(StoredRequest {
            path: "/106540352242922/messages".into(),
            body: serde_json::json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Status kartu Anda AKTIF."}}),
        });
        ids.push(store.enqueue_outbound(m).await.unwrap().id);
    }
    use store::Store;
    let claim = store::Claim {
        now: at,
        lease_until: at + chrono::Duration::seconds(30),
        in_doubt_before: at,
        limit: 10,
    };
    assert_eq!(
        store.outbox_claim("whatsapp", claim).await.unwrap().len(),
        2
    );
    for id in &ids {
        let failed = SendOutcome::Failed {
            code: Some("131026".into()),
            reason: "Message undeliverable".into(),
        };
        store.outbox_complete(*id, failed, at).await.unwrap();
    }
    drop(store);

    let (ok, listed, err) = run(dir.path(), &["list"]);
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.contains("code=131026") && listed.contains("…7890"),
        "{listed}"
    );
    assert!(
        !listed.contains("6281234567890"),
        "a full number was printed: {listed}"
    );

    let (ok, _, err) = run(dir.path(), &["retry"]);
    assert!(!ok && err.contains("--all"), "{err}");
    let first = ids[0].0.to_string();
    let (ok, out, err) = run(dir.path(), &["retry", &first]);
    assert!(ok, "{err}");
    assert!(out.starts_with("1 message(s) queued again"), "{out}");
    let (_, listed, _) = run(dir.path(), &["list"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let (_, queued, _) = run(dir.path(), &["list", "--state", "queued"]);
    assert!(queued.contains("attempts=0"), "{queued}");
    let (ok, out, _) = run(dir.path(), &["retry", "--all"]);
    assert!(ok && out.starts_with("1 message(s)"), "{out}");
    let (ok, _, err) = run(dir.path(), &["list", "--state", "lost"]);
    assert!(!ok && err.contains("unknown state"), "{err}");
}

//! The crash test: thousands of signed WhatsApp webhooks from concurrent clients that re-send
//! whatever was not acknowledged (as Meta does), while the real binary is killed with SIGKILL
//! at random moments and restarted. At the end the mock provider must have received exactly
//! one send of every reply the service stored, and every distinct inbound message must have
//! been answered: none lost, none duplicated.

use crate::binary::{postgres_skipped, PgDatabase, Server};
use crate::crashing::{self, below, free_port, PHONE_NUMBER_ID};
use provider_mock::MockHandle;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{OutboxFilter, SharedStore};

const APP_SECRET: &str = "crash-test-app-secret";
const CLIENTS: usize = 4;
const SENDERS_PER_CLIENT: usize = 60;
const MESSAGES_PER_SENDER: usize = 6;
const KILLS: usize = 4;
const TEXTS: [&str; 6] = [
    "halo",
    "terima kasih",
    "kantor bpjs jember buka jam berapa",
    "cara bayar iuran bpjs",
    "apa itu program rehab",
    "makasih min",
];

fn webhook(from: &str, wamid: &str, text: &str, timestamp: i64) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Peserta Uji"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": timestamp.to_string(), "text": {"body": text}, "type": "text"}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

struct Run {
    port: u16,
    data_dir: std::path::PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Run {
    fn start(&self) -> Server {
        tokio::task::block_in_place(|| Server::start_demo(&self.data_dir, &self.env))
    }
}

/// One client: its own senders' messages, each posted until acknowledged; sometimes an
/// acknowledged one is posted again, as providers do.
async fn client(base: String, id: usize, seed: u64, acked: Arc<AtomicU64>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let mut rng = demo::SplitMix64::new(seed ^ ((id as u64 + 1) * 0x9E37_79B9));
    let start = chrono::Utc::now().timestamp();
    for round in 0..MESSAGES_PER_SENDER {
        for s in 0..SENDERS_PER_CLIENT {
            let from = format!("62812{:02}{:06}", id, s);
            let wamid = format!("wamid.CRASH{id:02}{s:04}{round:02}");
            let text = TEXTS[(s + round) % TEXTS.len()];
            let body = webhook(&from, &wamid, text, start + round as i64);
            let signature = channels::verify::meta_signature(APP_SECRET.as_bytes(), &body);
            let times = if below(&mut rng, 10) == 0 { 2 } else { 1 };
            for _ in 0..times {
                loop {
                    let sent = http
                        .post(format!("{base}/webhooks/whatsapp"))
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", &signature)
                        .body(body.clone())
                        .send()
                        .await;
                    if sent.is_ok_and(|r| r.status().as_u16() == 200) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50 + below(&mut rng, 150))).await;
                }
            }
            acked.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn metric(base: &str, name: &str) -> Option<f64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Waits until nothing is pending in the inbox and nothing unfinished in the outbox.
async fn quiescent(base: &str, mock: &MockHandle) {
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut calm = 0;
    let mut last = u64::MAX;
    while Instant::now() < deadline {
        let pending = metric(base, "layan_inbox_pending").await.unwrap_or(1.0);
        let depth = metric(base, "layan_outbox_depth{channel=\"whatsapp\"}")
            .await
            .unwrap_or(0.0);
        let accepted = mock.accepted_count();
        if pending == 0.0 && depth == 0.0 && accepted == last && mock.pending_status_posts() == 0 {
            calm += 1;
            if calm >= 5 {
                return;
            }
        } else {
            calm = 0;
        }
        last = accepted;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .map(|r| r.status().to_string())
        .unwrap_or_default();
    panic!(
        "the service did not settle: inbox pending {:?}, outbox depth {:?}, status posts pending {}, metrics {metrics}",
        metric(base, "layan_inbox_pending").await,
        metric(base, "layan_outbox_depth{channel=\"whatsapp\"}").await,
        mock.pending_status_posts()
    );
}

async fn open_store(run: &Run) -> SharedStore {
    let mut vars: Vec<(String, String)> =
        vec![("LAYAN_DATA_DIR".into(), run.data_dir.display().to_string())];
    vars.extend(
        run.env
            .iter()
            .filter(|(k, _)| *k == "LAYAN_DATABASE_URL")
            .map(|(k, v)| (k.to_string(), v.clone())),
    );
    let config = server::Config::load(None, vars).unwrap();
    server::db::open(&config).await.unwrap()
}

async fn crash_story(database_url: Option<String>) {
    let seed = crashing::seed("crash test");
    let mut rng = demo::SplitMix64::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mock, mut env) = crashing::provider(port, APP_SECRET, 0.03, false, seed).await;
    env.push(("LAYAN_WHATSAPP_RATE_PER_SEC", "1000".into()));
    if let Some(url) = database_url {
        env.push(("LAYAN_DATABASE_URL", url));
    }
    let run = Run {
        port,
        data_dir: dir.path().to_path_buf(),
        env,
    };
    let mut server = run.start();
    let base = format!("http://127.0.0.1:{}", run.port);
    let acked = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(client(base.clone(), i, seed, acked.clone())))
        .collect();
    let total = (CLIENTS * SENDERS_PER_CLIENT * MESSAGES_PER_SENDER) as u64;

    // Kill at random moments while the load runs, then let it finish on a live server.
    for kill in 0..KILLS {
        let target = total * (kill as u64 + 1) / (KILLS as u64 + 1);
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.load(Ordering::Relaxed) < target && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!(
            "kill {} after {} acknowledged webhooks",
            kill + 1,
            acked.load(Ordering::Relaxed)
        );
        crashing::kill_and_restart(&mut server, &mut rng, &mock, || run.start()).await;
    }
    for c in clients {
        c.await.unwrap();
    }
    quiescent(&base, &mock).await;
    let (clean, log) = server.terminate();
    assert!(clean, "layan did not stop cleanly: {log}");

    // What the service stored: every distinct inbound message answered...
    let store = open_store(&run).await;
    let rows = store
        .outbox_list(&OutboxFilter {
            channel: Some("whatsapp".into()),
            state: None,
            limit: u32::MAX,
        })
        .await
        .unwrap();
    let answered: BTreeSet<_> = rows.iter().filter_map(|r| r.inbox_id).collect();
    assert_eq!(answered.len() as u64, total, "inbound messages answered");
    let unfinished: Vec<_> = rows
        .iter()
        .filter(|r| !matches!(r.status.as_str(), "sent" | "delivered" | "read"))
        .collect();
    assert!(unfinished.is_empty(), "not sent: {unfinished:#?}");
    assert!(store
        .inbox_pending(store::InboxId(0), 1)
        .await
        .unwrap()
        .is_empty());

    // ...and the provider received each stored reply exactly once.
    let mut received: BTreeMap<i64, u32> = BTreeMap::new();
    for request in mock.accepted() {
        let Some(tag) = request.body["biz_opaque_callback_data"].as_str() else {
            continue;
        };
        let id: i64 = tag.trim_start_matches("layan-outbound-").parse().unwrap();
        *received.entry(id).or_default() += 1;
    }
    let duplicated: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "sent more than once: {duplicated:?}");
    let stored: BTreeSet<i64> = rows.iter().map(|r| r.id.0).collect();
    let sent: BTreeSet<i64> = received.keys().copied().collect();
    assert_eq!(
        stored.difference(&sent).count(),
        0,
        "stored but never received"
    );
    assert_eq!(
        sent.difference(&stored).count(),
        0,
        "received but not stored"
    );
    crashing::assert_only_injected_failures(&mock);
    eprintln!(
        "{total} messages, {} replies, {} provider calls refused by injected faults",
        rows.len(),
        mock.rejected().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_or_sent_twice_across_kills_on_sqlite() {
    crash_story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_or_sent_twice_across_kills_on_postgres() {
    if postgres_skipped() {
        return;
    }
    let db = PgDatabase::create();
    crash_story(Some(db.url.clone())).await;
}

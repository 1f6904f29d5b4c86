//! The broadcast crash test: a notice to every demo participant is sent by the real binary
//! while it is killed with SIGKILL at random moments and restarted. The mock provider's log
//! must then hold exactly one message for every reachable participant address: none missing
//! (no gap), none twice (no duplicate). The expected addresses are read straight from the
//! database's participants, not from the broadcast's own recipient list.

use crate::binary::{layan, postgres_skipped, PgDatabase, Server};
use crate::crashing::{self, free_port};
use provider_mock::{Channel, MockHandle};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const APP_SECRET: &str = "broadcast-crash-app-secret";
const PARTICIPANTS: &str = "1500";
const RATE_PER_SEC: &str = "120";
const KILLS: usize = 3;

/// Runs a `layan` subcommand against the test's database and returns its stdout.
fn cli(data_dir: &Path, env: &[(&'static str, String)], args: &[&str]) -> String {
    let mut cmd = layan();
    cmd.args(args).env("LAYAN_DATA_DIR", data_dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("layan runs");
    assert!(
        out.status.success(),
        "layan {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every distinct mobile number of a participant, read with the database's own client.
fn participant_phones(data_dir: &Path, database_url: Option<&str>) -> BTreeSet<String> {
    let sql = "SELECT DISTINCT phone FROM participants WHERE phone IS NOT NULL";
    match database_url {
        Some(url) => {
            let out = Command::new("psql")
                .args([url, "-At", "-c", sql])
                .output()
                .expect("psql runs");
            assert!(out.status.success());
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect()
        }
        None => {
            let db = rusqlite::Connection::open(data_dir.join("layan.db")).unwrap();
            let mut stmt = db.prepare(sql).unwrap();
            let phones = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            phones
        }
    }
}

/// The `broadcast status` line's counts, parsed: (waiting, queued).
fn unfinished(status: &str) -> Option<(u64, u64)> {
    let count = |label: &str| -> Option<u64> {
        let rest = &status[status.find(label)? + label.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    Some((count("menunggu ")?, count("antre ")?))
}

async fn settle(
    data_dir: &Path,
    env: &[(&'static str, String)],
    id: &str,
    mock: &MockHandle,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut calm = 0;
    let mut last = (u64::MAX, 0);
    loop {
        let status =
            tokio::task::block_in_place(|| cli(data_dir, env, &["broadcast", "status", id]));
        let accepted = mock.accepted_count();
        let left = unfinished(&status).unwrap_or((1, 1));
        if left == (0, 0) && mock.pending_status_posts() == 0 && last == (0, accepted) {
            calm += 1;
            if calm >= 3 {
                return status;
            }
        } else {
            calm = 0;
        }
        last = (left.0 + left.1, accepted);
        assert!(
            Instant::now() < deadline,
            "the broadcast did not finish: {status}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn crash_resume(database_url: Option<String>) {
    let seed = crashing::seed("broadcast crash test");
    let mut rng = demo::SplitMix64::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mock, mut env) = crashing::provider(port, APP_SECRET, 0.02, true, seed).await;
    env.extend([
        ("LAYAN_DEMO_PARTICIPANTS", PARTICIPANTS.to_owned()),
        ("LAYAN_WHATSAPP_TEMPLATE", "layan_pemberitahuan".to_owned()),
        (
            "LAYAN_OUTREACH_WHATSAPP_RATE_PER_SEC",
            RATE_PER_SEC.to_owned(),
        ),
        // The feeder runs on the node holding the processing role. The restarted node keeps
        // its name (`data_dir/node-name`) and takes that role back at once; should it not,
        // the killed node's lease still ends within seconds.
        ("LAYAN_MESSAGING_LEASE_SECS", "2".to_owned()),
    ]);
    if let Some(url) = &database_url {
        env.push(("LAYAN_DATABASE_URL", url.clone()));
    }
    let start = |env: &[(&'static str, String)]| {
        tokio::task::block_in_place(|| Server::start_demo(dir.path(), env))
    };
    let mut server = start(&env);
    let expected = participant_phones(dir.path(), database_url.as_deref());
    assert!(expected.len() > 500, "demo phones: {}", expected.len());

    let queued = tokio::task::block_in_place(|| {
        cli(
            dir.path(),
            &env,
            &[
                "broadcast",
                "notice",
                "--everyone",
                "--title",
                "Antrean online",
                "--text",
                "Kini Anda dapat mengambil antrean faskes lewat aplikasi Mobile JKN.",
                "--by",
                "crash-test",
            ],
        )
    });
    let id = queued
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.trim_end_matches(':').parse::<i64>().ok())
        .unwrap_or_else(|| panic!("no broadcast id in {queued:?}"))
        .to_string();

    let total = expected.len() as u64;
    for kill in 0..KILLS {
        let target = total * (kill as u64 + 1) / (KILLS as u64 + 2);
        let deadline = Instant::now() + Duration::from_secs(120);
        while mock.accepted_count() < target && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("kill {}", kill + 1);
        crashing::kill_and_restart(&mut server, &mut rng, &mock, || start(&env)).await;
    }
    let status = settle(dir.path(), &env, &id, &mock).await;
    eprintln!("{status}");
    let (clean, log) = server.terminate();
    assert!(clean, "layan did not stop cleanly: {log}");

    // The provider's log: one accepted message per address, and exactly the addresses of the
    // participants (no gap, no duplicate).
    let mut received: BTreeMap<String, u32> = BTreeMap::new();
    for r in mock.accepted() {
        assert_eq!(r.channel, Channel::WhatsApp);
        let to = r.recipient.clone().expect("a recipient");
        *received.entry(to).or_default() += 1;
    }
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let got: BTreeSet<String> = received.into_keys().collect();
    let missing: Vec<_> = expected.difference(&got).take(5).collect();
    assert!(missing.is_empty(), "never sent: {missing:?}");
    let extra: Vec<_> = got.difference(&expected).take(5).collect();
    assert!(
        extra.is_empty(),
        "sent to someone outside the audience: {extra:?}"
    );
    crashing::assert_only_injected_failures(&mock);
    eprintln!(
        "{} recipients, each sent once across {KILLS} kills; {} injected provider failures retried",
        expected.len(),
        mock.rejected().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broadcast_resumes_after_kills_without_gap_or_duplicate_on_sqlite() {
    crash_resume(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broadcast_resumes_after_kills_without_gap_or_duplicate_on_postgres() {
    if postgres_skipped() {
        return;
    }
    let db = PgDatabase::create();
    crash_resume(Some(db.url.clone())).await;
}

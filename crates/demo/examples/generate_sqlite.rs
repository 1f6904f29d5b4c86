//! Generates a demo dataset straight into a SQLite file and reports how long it took.
//!
//! `cargo run --release -p demo --example generate_sqlite -- [participants] [path] [seed]`
//! (defaults: 1000000, /tmp/layan-demo.sqlite, 1). The file is replaced.

use chrono::NaiveDate;
use demo::{load, DemoConfig};
use std::path::PathBuf;
use std::time::Instant;

/// Peak resident memory of this process in MiB (Linux), for the benchmark notes.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let participants: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/tmp/layan-demo.sqlite".to_string()),
    );
    let seed: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let config = DemoConfig {
        participants,
        seed,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 23).ok_or("date")?,
    };

    let started = Instant::now();
    let store = store_sqlite::SqliteStore::open(&path)?;
    let mut last_report = 0;
    let stats = load(&store, &config, |done| {
        if done >= last_report + 100_000 {
            last_report = done;
            eprintln!(
                "{done:>9} participants  {:>6.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    let elapsed = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("{stats:?}");
    println!(
        "{} rows into {} in {elapsed:.1} s ({:.0} rows/s), file {} MiB, peak RSS {} MiB",
        stats.rows(),
        path.display(),
        stats.rows() as f64 / elapsed,
        size / (1024 * 1024),
        peak_rss_mib().map_or("?".to_string(), |m| m.to_string()),
    );
    Ok(())
}

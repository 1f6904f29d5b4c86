//! Per-message latency percentiles, single-core throughput, model size and training time:
//! `cargo run --release -p nlu --example latency`. Figures go to BENCHMARKS.md.

use chrono::NaiveDate;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// Resident memory of this process in kB (Linux), to see what the model and tables cost.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rss_start = rss_kb();
    let started = Instant::now();
    let nlu = nlu::Nlu::shipped()?;
    let load = started.elapsed();
    let today = NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default();
    let mut msgs: Vec<String> = Vec::new();
    for split in ["train.tsv", "dev.tsv", "test.tsv"] {
        let text = std::fs::read_to_string(dir.join("corpus").join(split))?;
        msgs.extend(
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t').map(|(_, t)| t.to_string())),
        );
    }
    // A long rambling message, the worst realistic case.
    msgs.push("assalamualaikum min, maaf ganggu malam2, sy mau tanya soalnya bpjs istri sy nik 3509014503880001 kok tiba2 nonaktif padahal tiap bulan bayar lewat alfamart 150rb, kmrn tgl 5 ke puskesmas kaliwates di jember ditolak, anak2 jg mau berobat, gmn ya solusinya, apa hrs ke kantor cabang atau bisa lewat wa aja, makasih banyak🙏🙏".repeat(2));
    let warm = Instant::now();
    for m in &msgs {
        black_box(nlu.analyze(m, today));
    }
    let first_pass = warm.elapsed();
    let rss_loaded = rss_kb();

    let rounds = 20;
    let mut samples: Vec<u64> = Vec::with_capacity(msgs.len() * rounds);
    let total = Instant::now();
    for _ in 0..rounds {
        for m in &msgs {
            let t = Instant::now();
            black_box(nlu.analyze(black_box(m), today));
            samples.push(t.elapsed().as_nanos() as u64);
        }
    }
    let wall = total.elapsed();
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    let n = samples.len();
    println!(
        "messages timed      {n} ({} distinct x {rounds})",
        msgs.len()
    );
    println!(
        "model load          {:.1} ms (parse of the embedded model)",
        load.as_secs_f64() * 1e3
    );
    println!(
        "first pass          {:.1} ms (builds lexicon, place and typo tables)",
        first_pass.as_secs_f64() * 1e3
    );
    println!("latency p50         {:.1} us", pct(0.50));
    println!("latency p90         {:.1} us", pct(0.90));
    println!("latency p99         {:.1} us", pct(0.99));
    println!("latency max         {:.1} us", pct(1.0));
    println!(
        "throughput (1 core) {:.0} messages/s",
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "model weights       {:.2} MB in memory",
        nlu.model().weight_bytes() as f64 / 1e6
    );
    println!(
        "model file          {:.2} MB",
        std::fs::metadata(dir.join("model/intent.bin"))?.len() as f64 / 1e6
    );
    println!(
        "resident memory     +{:.1} MB after loading the model and building all tables",
        rss_loaded.saturating_sub(rss_start) as f64 / 1024.0
    );

    let t = Instant::now();
    let (_, report) = nlu::cli::train_model(&dir.join("corpus"), &nlu::TrainConfig::default())?;
    println!(
        "training            {:.2} s for {} messages, {}",
        t.elapsed().as_secs_f64(),
        report.train_examples,
        nlu::TrainConfig::default()
    );
    Ok(())
}

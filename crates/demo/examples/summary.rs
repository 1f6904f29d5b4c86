//! Prints what a demo dataset contains: counts, segment shares, family sizes, arrears.
//!
//! `cargo run --release -p demo --example summary -- [participants] [seed]`

use chrono::NaiveDate;
use demo::{generate, DemoConfig, DemoStats};
use jkn::Segment;
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let participants = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let config = DemoConfig {
        participants,
        seed,
        as_of,
    };
    let month = jkn::YearMonth::of(as_of);

    // First a bare pass, to time generation alone (the tallies below cost as much again).
    let started = Instant::now();
    let mut bare = DemoStats::default();
    let mut peak_rows = 0usize;
    for batch in generate(&config) {
        peak_rows = peak_rows.max(batch.rows());
        bare.add(&batch);
    }
    let elapsed = started.elapsed();
    println!("{bare:?}");
    println!(
        "generated in {:.2} s: {:.0} rows/s; largest batch {} rows",
        elapsed.as_secs_f64(),
        bare.rows() as f64 / elapsed.as_secs_f64(),
        peak_rows
    );

    let mut stats = DemoStats::default();
    let mut by_segment: BTreeMap<&str, u64> = BTreeMap::new();
    let mut sizes: BTreeMap<usize, u64> = BTreeMap::new();
    let mut arrears: BTreeMap<String, u64> = BTreeMap::new();
    let mut phones = 0u64;
    let mut emails = 0u64;
    for batch in generate(&config) {
        stats.add(&batch);
        let mut members: BTreeMap<i64, usize> = BTreeMap::new();
        for p in &batch.participants {
            *by_segment.entry(p.segment.code()).or_default() += 1;
            *members.entry(p.family_id.0).or_default() += 1;
            phones += u64::from(p.phone.is_some());
            emails += u64::from(p.email.is_some());
        }
        for n in members.values() {
            *sizes.entry(*n).or_default() += 1;
        }
        // Oldest-first settlement per family.
        let mut paid: BTreeMap<i64, i64> = BTreeMap::new();
        for (f, p) in &batch.payments {
            *paid.entry(f.0).or_default() += p.amount.0;
        }
        let mut unpaid: BTreeMap<i64, u32> = BTreeMap::new();
        for (f, b) in &batch.bills {
            let left = paid.entry(f.0).or_default();
            let settled = *left >= b.amount.0;
            *left -= b.amount.0.min(*left);
            if !settled && b.period < month {
                *unpaid.entry(f.0).or_default() += 1;
            }
        }
        for f in &batch.families {
            if f.segment.pays_own_dues() || f.segment == Segment::Ppu {
                let n = unpaid.get(&f.id.0).copied().unwrap_or(0);
                let bucket = match n {
                    0 => "0",
                    1..=3 => "1-3",
                    4..=24 => "4-24",
                    _ => ">24",
                };
                *arrears
                    .entry(format!("{} {bucket}", f.segment.code()))
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(stats, bare, "two passes over the same seed agree");
    let total = stats.participants as f64;
    for (s, n) in &by_segment {
        println!("segment {s}: {:.1}%", 100.0 * *n as f64 / total);
    }
    let families: u64 = sizes.values().sum();
    for (s, n) in &sizes {
        println!(
            "family size {s}: {:.1}%",
            100.0 * *n as f64 / families as f64
        );
    }
    println!(
        "mean family size {:.2}; phones {:.1}%, emails {:.1}% of participants",
        total / families as f64,
        100.0 * phones as f64 / total,
        100.0 * emails as f64 / total
    );
    for (k, n) in &arrears {
        println!("arrears {k}: {n}");
    }
}

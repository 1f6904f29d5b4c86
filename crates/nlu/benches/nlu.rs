//! Throughput of the NLU pipeline on one core, and training time.
//! `cargo bench -p nlu` (latency percentiles: `cargo run --release -p nlu --example latency`).

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;

fn messages() -> Vec<String> {
    include_str!("../corpus/test.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t.to_string()))
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let Ok(nlu) = nlu::Nlu::shipped() else {
        eprintln!("no shipped model; run the train example first");
        return;
    };
    let msgs = messages();
    let today = NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default();
    // Load lazily-built tables before measuring.
    for m in &msgs {
        black_box(nlu.analyze(m, today));
    }
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(msgs.len() as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(nlu::normalize(black_box(m)));
            }
        })
    });
    group.bench_function("normalize+entities", |b| {
        b.iter(|| {
            for m in &msgs {
                let n = nlu::normalize(black_box(m));
                black_box(nlu::entities::extract(&n, today));
            }
        })
    });
    group.bench_function("analyze (normalize+entities+classify)", |b| {
        b.iter(|| {
            for m in &msgs {
                black_box(nlu.analyze(black_box(m), today));
            }
        })
    });
    group.finish();
}

fn training(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    group.bench_function("train+calibrate full corpus", |b| {
        b.iter(|| black_box(nlu::cli::train_model(&dir, &nlu::TrainConfig::default()).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, pipeline, training);
criterion_main!(benches);

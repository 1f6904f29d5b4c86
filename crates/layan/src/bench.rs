//! `layan bench store`: latency of the queries participants wait on, measured against the
//! configured database (a demo database of any size, typically 1,000,000 participants).

use anyhow::{bail, Result};
use directory::Point;
use std::time::{Duration, Instant};
use store::{ParticipantId, Store};

/// Deterministic samples (the demo's SplitMix64), so runs are comparable.
struct Mix(demo::SplitMix64);

impl Mix {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub struct Percentiles {
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
    pub per_second: f64,
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "n={} p50={:.1}µs p99={:.1}µs p99.9={:.1}µs max={:.1}µs ({:.0}/s sequential)",
            self.count,
            self.p50.as_secs_f64() * 1e6,
            self.p99.as_secs_f64() * 1e6,
            self.p999.as_secs_f64() * 1e6,
            self.max.as_secs_f64() * 1e6,
            self.per_second
        )
    }
}

fn percentiles(mut samples: Vec<Duration>) -> Percentiles {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let total: Duration = samples.iter().sum();
    Percentiles {
        count: samples.len(),
        p50: at(0.50),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
        per_second: samples.len() as f64 / total.as_secs_f64().max(1e-9),
    }
}

pub async fn run(store: &dyn Store, queries: usize) -> Result<()> {
    let counts = store.counts().await?;
    if counts.participants == 0 {
        bail!("the database is empty; generate demo data first (layan demo generate --participants 1000000)");
    }
    println!(
        "backend {}: {} participants, {} families, {} billed months, {} facilities",
        store.backend(),
        counts.participants,
        counts.families,
        counts.bills,
        counts.facilities
    );
    let mut mix = Mix(demo::SplitMix64::new(20_200_823));

    // Pick NIKs of random participants first, so the timed loop measures only the lookup.
    let mut niks = Vec::with_capacity(queries);
    while niks.len() < queries {
        let id = ParticipantId(1 + mix.below(counts.participants) as i64);
        if let Some(p) = store.participant(id).await? {
            niks.push(p.nik);
        }
    }
    // Warm the caches the way a running server has them.
    for nik in niks.iter().take(200) {
        store.participant_by_nik(nik).await?;
    }
    let mut samples = Vec::with_capacity(queries);
    for nik in &niks {
        let started = Instant::now();
        let found = store.participant_by_nik(nik).await?;
        samples.push(started.elapsed());
        if found.is_none() {
            bail!("participant {nik} vanished during the benchmark");
        }
    }
    println!("participant by NIK:       {}", percentiles(samples));

    let mut samples = Vec::with_capacity(queries);
    for _ in 0..queries {
        let id = ParticipantId(1 + mix.below(counts.participants) as i64);
        let Some(p) = store.participant(id).await? else {
            continue;
        };
        let started = Instant::now();
        let ledger = store.ledger(p.family_id).await?;
        let _ = jkn::account_status(
            &ledger,
            chrono::Utc::now().date_naive(),
            &jkn::RulesConfig::default(),
        );
        samples.push(started.elapsed());
    }
    println!("ledger + status:          {}", percentiles(samples));

    // Points scattered within ~20 km of random regency centres: where people actually are.
    let regencies = wilayah::regencies();
    let mut samples = Vec::with_capacity(queries);
    for _ in 0..queries {
        let r = &regencies[mix.below(regencies.len() as u64) as usize];
        let point = Point {
            lat: r.latitude + (mix.unit() - 0.5) * 0.36,
            lon: r.longitude + (mix.unit() - 0.5) * 0.36,
        };
        let started = Instant::now();
        let found = store::nearest_facilities(store, point, None, 10).await?;
        samples.push(started.elapsed());
        if found.is_empty() {
            bail!("no facility near {point:?}");
        }
    }
    println!("nearest 10 facilities:    {}", percentiles(samples));
    Ok(())
}

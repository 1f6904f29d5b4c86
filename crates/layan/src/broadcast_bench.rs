//! `layan bench broadcast`: how long queuing a broadcast to everyone in the configured
//! database takes, and how closely sending holds the configured rate against the mock
//! provider (run in this process, on the same machine).
//!
//! Sending is measured at the provider: the rate is the number of accepted requests after a
//! warm-up, divided by the time between the first and the last of them, as the mock recorded
//! them on arrival.

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::Args;
use provider_mock::{MockConfig, MockProvider};
use server::config::Secret;
use server::outreach::broadcasts::{self, BroadcastAction, NoticeForm};
use server::outreach::{Ctx, Operator};
use server::{AppState, Config, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Audience;

#[derive(Args)]
pub struct BroadcastBenchArgs {
    /// Broadcast messages per second to hold (LAYAN_OUTREACH_WHATSAPP_RATE_PER_SEC).
    #[arg(long, default_value_t = 40)]
    pub rate: u32,
    /// Provider requests to measure the rate over, after the warm-up.
    #[arg(long, default_value_t = 2400)]
    pub sends: usize,
    /// Requests ignored at the start while the sender warms up.
    #[arg(long, default_value_t = 100)]
    pub warmup: usize,
}

pub async fn run(mut config: Config, args: BroadcastBenchArgs) -> Result<()> {
    if args.rate == 0 || args.sends < 2 {
        bail!("--rate must be positive and --sends at least 2");
    }
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    let counts = store.counts().await?;
    println!(
        "database: {} ({} participants)",
        store.backend(),
        counts.participants
    );

    // 1. Queuing: the audience is selected and numbered inside the database.
    let by = Operator::Cli {
        name: "bench".to_owned(),
    };
    let started = Instant::now();
    let broadcast = broadcasts::send_notice(
        Ctx {
            store: &store,
            config: &config,
            now: Utc::now(),
        },
        &by,
        NoticeForm {
            audience: Audience::Everyone,
            title: "Benchmark".to_owned(),
            text: "Kini Anda dapat mengambil antrean faskes lewat aplikasi Mobile JKN.".to_owned(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let queued = started.elapsed();
    println!(
        "queued broadcast {} to {} recipients in {:.2} s ({:.0} recipients/s)",
        broadcast.id.0,
        broadcast.total,
        queued.as_secs_f64(),
        broadcast.total as f64 / queued.as_secs_f64().max(1e-9)
    );

    // 2. Sending at the configured rate to the mock provider.
    let mock = MockProvider::start(MockConfig::default()).await?;
    config.whatsapp.app_secret = Secret::new("bench-app-secret");
    config.whatsapp.verify_token = Secret::new("bench-verify");
    config.whatsapp.access_token = Secret::new(mock.config().whatsapp_token.clone());
    config.whatsapp.phone_number_id = "106540352242922".to_owned();
    config.whatsapp.api_base = mock.whatsapp_base();
    config.whatsapp.template = Some("layan_pemberitahuan".to_owned());
    config.outreach.whatsapp_rate_per_sec = args.rate;
    // The channel's own limit stays above the broadcast's, as the README advises, so the
    // feeder is what paces the sends.
    config.whatsapp.rate_per_sec = config.whatsapp.rate_per_sec.max(args.rate * 2);
    let state = AppState::new(store.clone(), config, Arc::new(SystemClock)).await?;
    let wanted = args.warmup + args.sends;
    let budget = Duration::from_secs_f64(wanted as f64 / args.rate as f64 * 1.5 + 30.0);
    if !mock.wait_for_accepted(wanted, budget).await {
        bail!(
            "only {} of {wanted} sends reached the provider in {budget:?}",
            mock.accepted_count()
        );
    }
    let cancelling = Instant::now();
    broadcasts::act(
        Ctx {
            store: &store,
            config: &state.config,
            now: Utc::now(),
        },
        &by,
        broadcast.id,
        BroadcastAction::Cancel,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cancel_secs = cancelling.elapsed().as_secs_f64();
    let progress = store.broadcast_progress(broadcast.id).await?;
    println!(
        "cancelled the rest ({} recipients) in {cancel_secs:.2} s",
        progress.cancelled
    );
    let mut arrivals: Vec<_> = mock.accepted().into_iter().map(|r| r.at).collect();
    arrivals.sort();
    let window = &arrivals[args.warmup..wanted];
    let span = (window[window.len() - 1] - window[0])
        .to_std()
        .unwrap_or_default()
        .as_secs_f64();
    let measured = (window.len() - 1) as f64 / span.max(1e-9);
    let deviation = (measured - args.rate as f64) / args.rate as f64 * 100.0;
    println!(
        "sending: {} requests over {span:.1} s = {measured:.2}/s against {} configured ({deviation:+.2}%)",
        window.len(),
        args.rate
    );
    // Per-second counts show whether the rate is even or merely right on average.
    let first = window[0];
    let mut per_second = vec![0u32; span.ceil() as usize + 1];
    let last_bucket = per_second.len() - 1;
    for t in window {
        let s = (*t - first).num_milliseconds().max(0) as usize / 1000;
        per_second[s.min(last_bucket)] += 1;
    }
    let full = &per_second[..per_second.len().saturating_sub(1)];
    if let (Some(min), Some(max)) = (full.iter().min(), full.iter().max()) {
        println!("per whole second: min {min}, max {max}");
    }
    Ok(())
}

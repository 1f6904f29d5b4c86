//! The `layan` command: the service and its operator tools in one binary.

mod agents;
mod bench;
mod broadcast_bench;
mod chat;
mod loadgen;
mod outbox;
mod outreach;
mod voice;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use server::unknown_env::IgnoredVar;
use server::{AppState, Config, SystemClock};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "layan",
    version,
    about = "Layanan peserta JKN: service desk for JKN participants"
)]
struct Cli {
    /// TOML configuration file; `LAYAN_*` environment variables override it.
    #[arg(long, global = true, env = "LAYAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Fill an empty database with demo data and print how to try the service.
        #[arg(long)]
        demo: bool,
    },
    /// Demo data: generate it, or print some demo participants.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Benchmarks: query latency of the configured database, and webhook load.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Talk to the assistant in the terminal (scriptable: one message per line on stdin).
    Chat(chat::ChatArgs),
    /// Outgoing chat messages: list failed sends and queue them again.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// The voice line (VIKA): a call simulator and prerecorded prompts.
    Voice {
        #[command(subcommand)]
        command: voice::VoiceCommand,
    },
    /// Console accounts for PANDAWA agents, supervisors and admins.
    Agents {
        #[command(subcommand)]
        command: agents::AgentsCommand,
    },
    /// Public holidays on which PANDAWA agents do not work (national or per branch).
    Holidays {
        #[command(subcommand)]
        command: agents::HolidaysCommand,
    },
    /// Each branch's PANDAWA working hours, in its own time zone.
    Hours {
        #[command(subcommand)]
        command: agents::HoursCommand,
    },
    /// Branch offices: closures and the closure poster for the door.
    Offices {
        #[command(subcommand)]
        command: outreach::OfficesCommand,
    },
    /// Broadcasts to participants: free notices, progress, pause, resume, cancel.
    Broadcast {
        #[command(subcommand)]
        command: outreach::BroadcastCommand,
    },
    /// The language model of the assistant.
    Nlu {
        #[command(subcommand)]
        command: NluCommand,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Generate a deterministic demo dataset into the configured database (must be empty).
    Generate {
        #[arg(long, default_value_t = 10_000)]
        participants: u64,
        #[arg(long, default_value_t = 2020)]
        seed: u64,
        /// The demo's "today" (YYYY-MM-DD); defaults to today in WIB.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Print a handful of demo participants (one of each status) to try the service with.
    Sample {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// NIK lookup, ledger + status, and nearest-facility latency (p50/p99/p99.9).
    Store {
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
    },
    /// Queuing a broadcast to everyone in the configured database, then sending it to the
    /// mock provider at `--rate` and measuring the rate the provider sees.
    Broadcast(broadcast_bench::BroadcastBenchArgs),
    /// Signed WhatsApp text webhooks, each with a unique wamid, against a running server:
    /// open loop at a fixed `--rate` (latency from the scheduled send) or `--max` throughput.
    Webhooks(loadgen::WebhookArgs),
    /// The ceiling to compare with: a bare axum handler on the same route that verifies the
    /// signature, parses the body and answers 200 without storing it.
    Ceiling {
        #[arg(long, default_value = "127.0.0.1:9200")]
        listen: std::net::SocketAddr,
        #[arg(long, env = "LAYAN_WHATSAPP_APP_SECRET", hide_env_values = true)]
        app_secret: String,
    },
    /// The mock WhatsApp/Telegram/Messenger send APIs as a process of their own, counting
    /// accepted requests (`GET /_mock/stats`) without keeping their bodies.
    MockProvider(loadgen::MockProviderArgs),
}

#[derive(Subcommand)]
enum NluCommand {
    /// Read one message per line on stdin; write one JSON analysis per line.
    Classify,
    /// Evaluate on a TSV file with columns intent<TAB>text.
    Eval { file: PathBuf },
    /// Train the intent model from the corpus and write it.
    Train {
        #[arg(long, default_value = "crates/nlu/corpus")]
        corpus: PathBuf,
        #[arg(long, default_value = "crates/nlu/model/intent.model")]
        out: PathBuf,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // The load tools take their settings from flags only: a partial `LAYAN_WHATSAPP_*` setup in
    // the environment (the generator reads the app secret from it) must not stop them.
    let cli = match cli.command {
        Command::Bench { command }
            if !matches!(
                command,
                BenchCommand::Store { .. } | BenchCommand::Broadcast(_)
            ) =>
        {
            return bench_tool(command)
        }
        command => Cli { command, ..cli },
    };
    let config = Config::load(cli.config.as_deref(), std::env::vars()).context("configuration")?;
    let ignored = server::unknown_env::ignored_vars(
        std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()),
    );
    // The server says it in its log, in the log's format; the one-shot commands on stderr.
    if !matches!(cli.command, Command::Serve { .. }) {
        for var in &ignored {
            eprintln!("warning: {}", var.advice);
        }
    }
    match cli.command {
        Command::Serve { demo } => runtime()?.block_on(serve(config, demo, ignored)),
        Command::Demo { command } => runtime()?.block_on(demo_command(config, command)),
        Command::Bench {
            command: BenchCommand::Store { queries },
        } => runtime()?.block_on(async {
            let store = server::db::open(&config)
                .await
                .context("opening the database")?;
            bench::run(store.as_ref(), queries).await
        }),
        Command::Bench {
            command: BenchCommand::Broadcast(args),
        } => runtime()?.block_on(broadcast_bench::run(config, args)),
        Command::Bench { command } => bench_tool(command),
        Command::Chat(args) => runtime()?.block_on(chat::run(config, args)),
        Command::Outbox { command } => runtime()?.block_on(outbox::run(config, command)),
        Command::Voice { command } => runtime()?.block_on(voice::run(config, command)),
        Command::Agents { command } => runtime()?.block_on(agents::agents(config, command)),
        Command::Holidays { command } => runtime()?.block_on(agents::holidays(config, command)),
        Command::Hours { command } => runtime()?.block_on(agents::hours(config, command)),
        Command::Offices { command } => runtime()?.block_on(outreach::offices(config, command)),
        Command::Broadcast { command } => runtime()?.block_on(outreach::broadcast(config, command)),
        Command::Nlu { command } => nlu_command(command),
    }
}

/// The benchmark tools that need no configuration: load generator, ceiling, mock provider.
fn bench_tool(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Webhooks(args) => loadgen::run(args),
        BenchCommand::Ceiling { listen, app_secret } => {
            runtime()?.block_on(loadgen::ceiling(listen, app_secret))
        }
        BenchCommand::MockProvider(args) => runtime()?.block_on(loadgen::mock_provider(args)),
        BenchCommand::Store { .. } | BenchCommand::Broadcast(_) => {
            bail!("this benchmark reads the configuration")
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Today's date in WIB, the zone most participants live in; the demo's default "today".
fn wib_today() -> NaiveDate {
    directory::hours::local_date(chrono::Utc::now(), wilayah::TimeZone::Wib)
}

async fn serve(mut config: Config, demo_flag: bool, ignored: Vec<IgnoredVar>) -> Result<()> {
    config.demo |= demo_flag;
    server::logging::init(&config);
    for var in ignored {
        tracing::warn!(variable = %var.name, "{}", var.advice);
    }
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    if config.demo {
        let counts = store.counts().await?;
        if counts.participants == 0 {
            let demo_config = demo::DemoConfig {
                participants: config.demo_participants,
                seed: config.demo_seed,
                as_of: wib_today(),
            };
            eprintln!(
                "Membuat data demo: {} peserta (seed {})...",
                demo_config.participants, demo_config.seed
            );
            demo::load(store.as_ref(), &demo_config, |_| {}).await?;
        } else if store.meta_get(server::DEMO_META_KEY).await?.as_deref() != Some("true") {
            bail!("--demo was given but the database already holds data that is not demo data; refusing to mix them");
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    // Links sent to participants (form links, voice actions) must name the address actually
    // bound: with port 0 the configured one is not reachable.
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{address}"));
    }
    let state = AppState::new(store, config.clone(), Arc::new(SystemClock)).await?;
    tracing::info!(%address, backend = state.store.backend(), demo = state.demo, "layan is serving");
    if state.demo {
        print_demo_guide(&state, &config, address).await?;
    }
    server::serve(state.clone(), listener, server::shutdown_signal()).await?;
    if let Some(messaging) = &state.messaging {
        messaging.stop(&state).await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn print_demo_guide(
    state: &AppState,
    config: &Config,
    address: std::net::SocketAddr,
) -> Result<()> {
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let sample =
        server::sample::pick(state.store.as_ref(), state.clock.now(), &state.rules).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nLayan demo is running at {base}")?;
    writeln!(
        out,
        "  web chat:   {base}/   (or in a terminal: layan chat)"
    )?;
    writeln!(
        out,
        "  health:     {base}/healthz   ready: {base}/readyz   metrics: {base}/metrics"
    )?;
    writeln!(out, "  API:        {base}/api/v1/openapi.json")?;
    writeln!(
        out,
        "  facilities: {base}/api/v1/facilities?lat=-8.1724&lon=113.7&limit=5"
    )?;
    writeln!(
        out,
        "  offices:    {base}/api/v1/offices?lat=-8.1724&lon=113.7"
    )?;
    writeln!(out, "  one-time codes (demo only): {base}/demo/outbox")?;
    writeln!(
        out,
        "\nDemo participants (sign in with NIK + birth date, read the code from /demo/outbox):"
    )?;
    writeln!(out, "{}", server::sample::table(&sample))?;
    writeln!(
        out,
        "Try: curl -s -XPOST {base}/api/v1/sessions -H 'content-type: application/json' \\"
    )?;
    if let Some(first) = sample.first() {
        writeln!(
            out,
            "       -d '{{\"nik\":\"{}\",\"birth_date\":\"{}\"}}'",
            first.nik, first.birth_date
        )?;
    }
    writeln!(out, "Stop with Ctrl-C.\n")?;
    Ok(())
}

async fn demo_command(config: Config, command: DemoCommand) -> Result<()> {
    server::logging::init(&config);
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    match command {
        DemoCommand::Generate {
            participants,
            seed,
            as_of,
        } => {
            let counts = store.counts().await?;
            if counts.participants > 0 {
                bail!(
                    "the database already holds {} participants; demo data goes into an empty database only",
                    counts.participants
                );
            }
            let demo_config = demo::DemoConfig {
                participants,
                seed,
                as_of: as_of.unwrap_or_else(wib_today),
            };
            let started = std::time::Instant::now();
            let stats = demo::load(store.as_ref(), &demo_config, |done| {
                eprint!("\r{done} peserta...");
            })
            .await?;
            eprintln!();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{} participants in {} families, {} billed months, {} payments, {} facilities, {} offices",
                stats.participants, stats.families, stats.bills, stats.payments, stats.facilities, stats.offices
            );
            println!(
                "generated in {secs:.1} s ({:.0} participants/s, {:.0} rows/s) into {}",
                stats.participants as f64 / secs.max(1e-9),
                stats.rows() as f64 / secs.max(1e-9),
                store.backend()
            );
        }
        DemoCommand::Sample { json } => {
            if store.meta_get(server::DEMO_META_KEY).await?.as_deref() != Some("true") {
                bail!("this database was not created as demo data; `layan demo sample` only prints demo participants");
            }
            let sample = server::sample::pick(
                store.as_ref(),
                chrono::Utc::now(),
                &jkn::RulesConfig::default(),
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&sample)?);
            } else {
                println!("{}", server::sample::table(&sample));
            }
        }
    }
    Ok(())
}

/// A reader that closed the pipe early (`layan nlu eval FILE | head`) is not a failure.
fn ignore_broken_pipe(result: Result<()>) -> Result<()> {
    match result {
        Err(e)
            if e.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn nlu_command(command: NluCommand) -> Result<()> {
    ignore_broken_pipe(run_nlu_command(command))
}

fn run_nlu_command(command: NluCommand) -> Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    match command {
        NluCommand::Classify => nlu::cli::classify(stdin.lock(), stdout.lock(), wib_today())?,
        NluCommand::Eval { file } => {
            nlu::cli::eval(&file, stdout.lock())?;
        }
        NluCommand::Train { corpus, out } => {
            nlu::cli::train(&corpus, &out, stdout.lock())?;
        }
    }
    Ok(())
}

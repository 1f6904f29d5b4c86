//! `layan offices` and `layan broadcast`: declaring closures, printing the door poster and
//! running broadcasts from the command line, against the same database `layan serve` uses.
//! Every change goes through the same checks and audit as the console; a running server's
//! feeder sends the broadcasts queued here.

use crate::agents::find_office;
use anyhow::{bail, Context, Result};
use chrono::{NaiveDateTime, Utc};
use clap::{Args, Subcommand};
use server::outreach::broadcasts::{self, BroadcastAction, NoticeForm};
use server::outreach::closures::{self, ClosureForm};
use server::outreach::poster::{self, PosterFormat};
use server::outreach::{Ctx, Operator, OutreachError};
use server::Config;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use store::{Audience, Broadcast, BroadcastId, BroadcastProgress, ClosureId, SharedStore};

#[derive(Subcommand)]
pub enum OfficesCommand {
    /// List the branch offices with their codes and time zones.
    List,
    /// Declare a closure (times in the office's own time zone).
    Close(CloseArgs),
    /// Change a closure's times or texts.
    EditClosure {
        id: i64,
        #[command(flatten)]
        closure: ClosureArgs,
    },
    /// Cancel a closure (the office is open as usual again).
    CancelClosure {
        id: i64,
        /// Tell the branch's participants the office is open after all.
        #[arg(long)]
        notify: bool,
        #[arg(long)]
        by: Option<String>,
    },
    /// Closures of an office that have not ended, cancelled ones included.
    Closures {
        #[arg(long)]
        office: String,
    },
    /// Write the closure poster for the office door (A4, with a QR code to the branch's
    /// WhatsApp): a PDF or a PNG, chosen by --out's extension.
    Poster {
        #[arg(long)]
        office: String,
        /// A particular closure; default: the one in force, else the next one.
        #[arg(long)]
        closure: Option<i64>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args)]
pub struct CloseArgs {
    /// The branch: its id or code (e.g. KC1671).
    #[arg(long)]
    office: String,
    #[command(flatten)]
    closure: ClosureArgs,
}

#[derive(Args)]
pub struct ClosureArgs {
    /// Local start, "YYYY-MM-DD HH:MM".
    #[arg(long)]
    from: String,
    /// Local end, "YYYY-MM-DD HH:MM".
    #[arg(long)]
    until: String,
    #[arg(long)]
    reason: String,
    /// What participants are told (shown on every channel and the poster).
    #[arg(long)]
    message: String,
    /// Where to be served instead; repeat. Default: the branch's WhatsApp (PANDAWA), the
    /// care centre and the Mobile JKN app.
    #[arg(long = "alternative")]
    alternatives: Vec<String>,
    /// Send a notice to the participants the branch serves.
    #[arg(long)]
    notify: bool,
    /// Who is doing this (for the audit log); default: $USER.
    #[arg(long)]
    by: Option<String>,
}

#[derive(Subcommand)]
pub enum BroadcastCommand {
    /// Queue a free notice to a branch's participants, a province, chosen regencies or
    /// everyone.
    Notice {
        #[arg(long, conflicts_with_all = ["province", "regency", "everyone"])]
        office: Option<String>,
        #[arg(long, conflicts_with_all = ["regency", "everyone"])]
        province: Option<u8>,
        #[arg(long, conflicts_with = "everyone")]
        regency: Vec<u16>,
        #[arg(long)]
        everyone: bool,
        #[arg(long)]
        title: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// The latest broadcasts with their progress.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A broadcast's progress as a bar with counts; --follow redraws until it is finished.
    Status {
        id: i64,
        #[arg(long)]
        follow: bool,
    },
    Pause {
        id: i64,
        #[arg(long)]
        by: Option<String>,
    },
    Resume {
        id: i64,
        #[arg(long)]
        by: Option<String>,
    },
    Cancel {
        id: i64,
        #[arg(long)]
        by: Option<String>,
    },
}

fn operator(by: Option<String>) -> Operator {
    let name = by
        .or_else(|| std::env::var("USER").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "operator".to_owned());
    Operator::Cli { name }
}

fn local_time(flag: &str, value: &str) -> Result<NaiveDateTime> {
    closures::parse_local_time(value)
        .with_context(|| format!("--{flag}: expected \"YYYY-MM-DD HH:MM\", got {value:?}"))
}

fn form(office: store::OfficeId, args: ClosureArgs) -> Result<(ClosureForm, Operator)> {
    let form = ClosureForm {
        office_id: office,
        from_local: local_time("from", &args.from)?,
        until_local: local_time("until", &args.until)?,
        reason: args.reason,
        message: args.message,
        alternatives: (!args.alternatives.is_empty()).then_some(args.alternatives),
        notify: args.notify,
    };
    Ok((form, operator(args.by)))
}

/// Outreach errors carry Indonesian messages meant for people; the CLI shows them as they are.
fn refused(e: OutreachError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn open(config: &Config) -> Result<SharedStore> {
    server::db::open(config)
        .await
        .context("opening the database")
}

pub async fn offices(config: Config, command: OfficesCommand) -> Result<()> {
    let store = open(&config).await?;
    let ctx = Ctx {
        store: &store,
        config: &config,
        now: Utc::now(),
    };
    let mut out = std::io::stdout().lock();
    match command {
        OfficesCommand::List => {
            for o in store.offices().await? {
                writeln!(
                    out,
                    "{:>4}  {:<8} {:<4} {}",
                    o.id.0,
                    o.code,
                    o.timezone.abbreviation(),
                    o.name
                )?;
            }
        }
        OfficesCommand::Close(args) => {
            let office = find_office(store.as_ref(), &args.office).await?;
            let (form, by) = form(office.id, args.closure)?;
            let declared = closures::declare(ctx, &by, form).await.map_err(refused)?;
            print_declared(&mut out, &declared)?;
        }
        OfficesCommand::EditClosure { id, closure } => {
            let existing = store
                .closure(ClosureId(id))
                .await?
                .with_context(|| format!("no closure {id}"))?;
            let (form, by) = form(existing.office_id, closure)?;
            let declared = closures::edit(ctx, &by, ClosureId(id), form)
                .await
                .map_err(refused)?;
            print_declared(&mut out, &declared)?;
        }
        OfficesCommand::CancelClosure { id, notify, by } => {
            let declared = closures::cancel(ctx, &operator(by), ClosureId(id), notify)
                .await
                .map_err(refused)?;
            print_declared(&mut out, &declared)?;
        }
        OfficesCommand::Closures { office } => {
            let office = find_office(store.as_ref(), &office).await?;
            let list = closures::list(ctx, office.id).await.map_err(refused)?;
            if list.is_empty() {
                writeln!(out, "{}: no closures", office.name)?;
            }
            for c in list {
                writeln!(
                    out,
                    "{:>5}  {} - {}  {}{}",
                    c.id.0,
                    cases::notice::local_time_id(c.starts_at, office.timezone),
                    cases::notice::local_time_id(c.ends_at, office.timezone),
                    c.reason,
                    if c.cancelled_at.is_some() {
                        "  (dibatalkan)"
                    } else {
                        ""
                    }
                )?;
            }
        }
        OfficesCommand::Poster {
            office,
            closure,
            out: path,
        } => {
            let office = find_office(store.as_ref(), &office).await?;
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let Some(format) = PosterFormat::parse(ext) else {
                bail!("--out must end in .pdf or .png");
            };
            let (_, bytes) = poster::render(ctx, office.id, closure.map(ClosureId), format)
                .await
                .map_err(refused)?;
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            writeln!(out, "{} ({} bytes)", path.display(), bytes.len())?;
        }
    }
    Ok(())
}

fn print_declared(out: &mut impl Write, d: &closures::Declared) -> Result<()> {
    let c = &d.closure;
    let tz = d.office.timezone;
    writeln!(
        out,
        "closure {} of {}: {} - {}{}",
        c.id.0,
        d.office.name,
        cases::notice::local_time_id(c.starts_at, tz),
        cases::notice::local_time_id(c.ends_at, tz),
        if c.cancelled_at.is_some() {
            " (cancelled)"
        } else {
            ""
        }
    )?;
    if let Some(b) = &d.broadcast {
        writeln!(
            out,
            "broadcast {} queued to {} recipients; follow it with `layan broadcast status {} --follow`",
            b.id.0, b.total, b.id.0
        )?;
    }
    Ok(())
}

pub async fn broadcast(config: Config, command: BroadcastCommand) -> Result<()> {
    let store = open(&config).await?;
    let now = Utc::now();
    let ctx = Ctx {
        store: &store,
        config: &config,
        now,
    };
    let mut out = std::io::stdout().lock();
    let act = |id: i64, by: Option<String>, action: BroadcastAction| {
        let store = &store;
        let config = &config;
        async move {
            let ctx = Ctx {
                store,
                config,
                now: Utc::now(),
            };
            broadcasts::act(ctx, &operator(by), BroadcastId(id), action)
                .await
                .map_err(refused)
        }
    };
    let changed = match command {
        BroadcastCommand::Notice {
            office,
            province,
            regency,
            everyone,
            title,
            text,
            by,
        } => {
            let audience = match (office, province, everyone) {
                (Some(o), _, _) => Audience::Office {
                    office_id: find_office(store.as_ref(), &o).await?.id,
                },
                (None, Some(code), _) => Audience::Province { code },
                (None, None, true) => Audience::Everyone,
                (None, None, false) if !regency.is_empty() => {
                    Audience::Regencies { codes: regency }
                }
                _ => bail!("choose the audience: --office, --province, --regency or --everyone"),
            };
            let form = NoticeForm {
                audience,
                title,
                text,
            };
            broadcasts::send_notice(ctx, &operator(by), form)
                .await
                .map_err(refused)?
        }
        BroadcastCommand::List { limit } => {
            let by = operator(None);
            for (b, p) in broadcasts::list(ctx, &by, limit).await.map_err(refused)? {
                writeln!(out, "{:>5}  {:<18} {}", b.id.0, b.state.label(), b.title)?;
                writeln!(out, "       {}", bar_line(&p, 30))?;
            }
            return Ok(());
        }
        BroadcastCommand::Status { id, follow } => {
            drop(out);
            return status(&store, &config, BroadcastId(id), follow).await;
        }
        BroadcastCommand::Pause { id, by } => act(id, by, BroadcastAction::Pause).await?,
        BroadcastCommand::Resume { id, by } => act(id, by, BroadcastAction::Resume).await?,
        BroadcastCommand::Cancel { id, by } => act(id, by, BroadcastAction::Cancel).await?,
    };
    writeln!(
        out,
        "broadcast {}: {} ({} recipients)",
        changed.id.0,
        changed.state.label(),
        changed.total
    )?;
    Ok(())
}

/// Prints the progress bar; with `follow`, redraws it every second (in place on a terminal,
/// a line per change otherwise) until nothing is left to send.
async fn status(store: &SharedStore, config: &Config, id: BroadcastId, follow: bool) -> Result<()> {
    let by = operator(None);
    let tty = std::io::stdout().is_terminal();
    let mut last = String::new();
    loop {
        let ctx = Ctx {
            store,
            config,
            now: Utc::now(),
        };
        let (b, p) = broadcasts::get(ctx, &by, id).await.map_err(refused)?;
        let line = format!("{}  {}", bar_line(&p, 40), b.state.label());
        let mut out = std::io::stdout().lock();
        if line != last {
            if tty && follow {
                write!(out, "\r\x1b[2K{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            last = line;
        }
        if !follow || !b.in_progress(&p) {
            if tty && follow {
                writeln!(out)?;
            }
            if !follow {
                writeln!(out, "{}", counts_line(&b, &p))?;
            }
            return Ok(());
        }
        drop(out);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `[##########..........]  50%  sent 5/10 ...`: accepted by the provider (sent, delivered,
/// read) over everything that will ever be attempted.
fn bar_line(p: &BroadcastProgress, width: usize) -> String {
    let done = p.settled();
    let fraction = if p.total == 0 {
        1.0
    } else {
        done as f64 / p.total as f64
    };
    let filled = ((fraction * width as f64).round() as usize).min(width);
    format!(
        "[{}{}] {:>3.0}%  menunggu {} · antre {} · terkirim {} · diterima {} · dibaca {} · gagal {}",
        "#".repeat(filled),
        ".".repeat(width - filled),
        fraction * 100.0,
        p.waiting,
        p.queued,
        p.sent,
        p.delivered,
        p.read,
        p.failed
    )
}

fn counts_line(b: &Broadcast, p: &BroadcastProgress) -> String {
    format!(
        "broadcast {} \"{}\": {} recipients, {} skipped (opted out), {} cancelled",
        b.id.0, b.title, p.total, p.skipped, p.cancelled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_counts_everything_settled() {
        let p = BroadcastProgress {
            total: 10,
            waiting: 4,
            queued: 1,
            sent: 2,
            delivered: 1,
            read: 1,
            failed: 1,
            ..BroadcastProgress::default()
        };
        let line = bar_line(&p, 10);
        assert!(line.starts_with("[#####.....]  50%"), "{line}");
        assert!(line.contains("menunggu 4"), "{line}");
    }

    #[test]
    fn empty_broadcast_is_full() {
        assert!(bar_line(&BroadcastProgress::default(), 4).starts_with("[####] 100%"));
    }

    #[test]
    fn local_times_accept_common_forms() {
        assert_eq!(
            local_time("from", "2026-11-24 08:00").unwrap(),
            local_time("from", "2026-11-24T08:00").unwrap()
        );
        assert!(local_time("from", "24/11/2026").is_err());
    }
}

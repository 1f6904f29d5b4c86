//! `layan outbox`: what the senders could not deliver, and sending it again.

use anyhow::{bail, Result};
use clap::Subcommand;
use server::Config;
use store::{OutboundId, OutboxFilter, OutboxState};

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// List outbox messages, most recent first (failed ones by default).
    List {
        /// queued, sending, sent, delivered, read or failed.
        #[arg(long, default_value = "failed")]
        state: String,
        /// whatsapp, telegram, messenger, sms.
        #[arg(long)]
        channel: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue failed messages again: the given ids, or every failed one with --all.
    Retry {
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
    },
}

pub async fn run(config: Config, command: OutboxCommand) -> Result<()> {
    let store = server::db::open(&config).await?;
    match command {
        OutboxCommand::List {
            state,
            channel,
            limit,
        } => {
            let Some(state) = OutboxState::parse(&state) else {
                bail!(
                    "unknown state {state:?}; use queued, sending, sent, delivered, read or failed"
                );
            };
            let rows = store
                .outbox_list(&OutboxFilter {
                    channel,
                    state: Some(state),
                    limit,
                })
                .await?;
            if rows.is_empty() {
                println!("no {state} messages");
            }
            for row in rows {
                // The recipient is a phone number or chat id: only its end is shown.
                let tail: String = row
                    .recipient
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                println!(
                    "{id:>8}  {channel:<9} …{tail:<4}  {status:<9} attempts={attempts}  code={code}  {reason}  {at}",
                    id = row.id.0,
                    channel = row.channel,
                    status = row.status,
                    attempts = row.attempts,
                    code = row.error_code.as_deref().unwrap_or("-"),
                    reason = row.error_reason.as_deref().unwrap_or(""),
                    at = row.updated_at.format("%Y-%m-%d %H:%M:%S UTC"),
                );
            }
        }
        OutboxCommand::Retry { ids, all } => {
            if ids.is_empty() && !all {
                bail!("give the ids to retry, or --all for every failed message");
            }
            if !ids.is_empty() && all {
                bail!("give either ids or --all, not both");
            }
            let ids: Vec<OutboundId> = ids.into_iter().map(OutboundId).collect();
            let n = store.outbox_retry(&ids, chrono::Utc::now()).await?;
            println!("{n} message(s) queued again; a running server sends them within a second");
        }
    }
    Ok(())
}

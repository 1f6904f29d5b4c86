//! `layan chat`: talk to the assistant in a terminal.
//!
//! Interactive on a terminal. With stdin not a terminal it is scriptable: one participant
//! message per line in, the assistant's replies out, each message followed by a blank line.
//! Buttons and list rows are printed as numbered options; a line holding just that number
//! chooses the option. `/lokasi LAT,LON` shares a location, `/kontak NOMOR` a phone number.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use clap::Args;
use dialog::{DialogConfig, Engine, Inbound, Message, Sender, StoreData};
use server::Config;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Write as this phone number, as if from WhatsApp (the number counts as verified by the
    /// channel, and the conversation continues across runs like a WhatsApp chat).
    #[arg(long, value_name = "MSISDN")]
    pub from: Option<String>,
    /// Pretend the conversation happens at this moment (RFC 3339, e.g.
    /// 2026-11-23T10:00:00+07:00), for demos and tests; each message is one second later.
    #[arg(long, value_name = "TIME")]
    pub at: Option<DateTime<chrono::FixedOffset>>,
    /// Also print each participant message (prefixed with "> "), for transcripts.
    #[arg(long)]
    pub echo: bool,
}

pub async fn run(config: Config, args: ChatArgs) -> Result<()> {
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    let engine = Engine::new(
        Arc::new(StoreData::new(store)),
        Arc::new(jkn::RulesConfig::default()),
        DialogConfig::default(),
    )?;
    let sender = match &args.from {
        Some(raw) => {
            let phone = jkn::Msisdn::parse(raw)
                .with_context(|| format!("--from {raw}: not an Indonesian mobile number"))?;
            Sender {
                channel: "whatsapp".into(),
                id: phone.expose().to_string(),
                verified_phone: Some(phone),
            }
        }
        None => Sender {
            channel: "terminal".into(),
            // A fresh conversation per run.
            id: format!(
                "terminal-{}-{}",
                std::process::id(),
                Utc::now().timestamp_millis()
            ),
            verified_phone: None,
        },
    };
    let mut clock = args.at.map(|t| t.with_timezone(&Utc));
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    if interactive {
        writeln!(
            out,
            "Layan — asisten peserta JKN. Ketik pesan Anda; angka untuk memilih opsi, /lokasi LAT,LON untuk berbagi lokasi, /kontak NOMOR, /keluar untuk selesai.\n"
        )?;
    }
    let mut options: Vec<String> = Vec::new();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            write!(out, "> ")?;
            out.flush()?;
        }
        let Some(line) = lines.next() else { break };
        let line = line.context("reading stdin")?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "/keluar" || line == "/quit" {
            break;
        }
        if args.echo && !interactive {
            writeln!(out, "> {line}\n")?;
        }
        let inbound = match parse_line(line, &options) {
            Ok(inbound) => inbound,
            Err(hint) => {
                writeln!(out, "{hint}\n")?;
                continue;
            }
        };
        let now = match clock.as_mut() {
            Some(t) => {
                *t += Duration::seconds(1);
                *t
            }
            None => Utc::now(),
        };
        match engine.handle(&sender, inbound, now).await {
            Ok(messages) => {
                let (text, ids) = render(&messages);
                write!(out, "{text}")?;
                options = ids;
            }
            Err(e) => {
                eprintln!("layan chat: {e}");
                writeln!(
                    out,
                    "Maaf, sistem sedang mengalami gangguan. Silakan coba lagi beberapa saat lagi.\n"
                )?;
            }
        }
        out.flush()?;
    }
    Ok(())
}

/// What one input line means: a numbered option, a location, a contact, or text.
fn parse_line(line: &str, options: &[String]) -> Result<Inbound, String> {
    if let Ok(n) = line.parse::<usize>() {
        if let Some(id) = n.checked_sub(1).and_then(|i| options.get(i)) {
            return Ok(Inbound::choice(id.clone()));
        }
    }
    if let Some(rest) = line.strip_prefix("/lokasi") {
        let coords: Vec<f64> = rest
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        return match coords.as_slice() {
            [lat, lon] => Ok(Inbound::Location {
                latitude: *lat,
                longitude: *lon,
            }),
            _ => Err("Tulis lokasi seperti: /lokasi -8.1689,113.7022".into()),
        };
    }
    if let Some(rest) = line.strip_prefix("/kontak") {
        return Ok(Inbound::Contact {
            phone: rest.trim().to_string(),
        });
    }
    Ok(Inbound::text(line))
}

/// The messages as terminal text (each followed by a blank line) and the ids of the options
/// in the order they are numbered.
pub fn render(messages: &[Message]) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut ids = Vec::new();
    for m in messages {
        match m {
            Message::Text { text, buttons } => {
                out.push_str(text);
                out.push('\n');
                for b in buttons {
                    ids.push(b.id.clone());
                    out.push_str(&format!("  {}) {}\n", ids.len(), b.title));
                }
            }
            Message::List { text, button, rows } => {
                out.push_str(text);
                out.push('\n');
                out.push_str(&format!("  [{button}]\n"));
                for r in rows {
                    ids.push(r.id.clone());
                    match &r.description {
                        Some(d) => out.push_str(&format!("  {}) {} — {}\n", ids.len(), r.title, d)),
                        None => out.push_str(&format!("  {}) {}\n", ids.len(), r.title)),
                    }
                }
            }
            Message::Location {
                latitude,
                longitude,
                name,
                address,
            } => {
                out.push_str(&format!(
                    "📍 {name}\n   {address}\n   https://www.openstreetmap.org/?mlat={latitude:.5}&mlon={longitude:.5}\n"
                ));
            }
            Message::LocationRequest { text } => {
                out.push_str(text);
                out.push_str("\n  (bagikan lokasi: /lokasi LAT,LON)\n");
            }
            Message::ContactRequest { text } => {
                out.push_str(text);
                out.push_str("\n  (bagikan nomor: /kontak NOMOR)\n");
            }
        }
        out.push('\n');
    }
    (out, ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialog::{Button, ListRow};

    #[test]
    fn options_are_numbered_across_messages_and_chosen_by_number() {
        let messages = vec![
            Message::buttons(
                "Pilih",
                vec![Button::new("a", "Satu"), Button::new("b", "Dua")],
            ),
            Message::list(
                "Menu",
                "Lihat",
                vec![ListRow::new("c", "Tiga", Some("ket"))],
            ),
        ];
        let (text, ids) = render(&messages);
        assert!(text.contains("  1) Satu\n  2) Dua\n"), "{text}");
        assert!(text.contains("  3) Tiga — ket\n"), "{text}");
        assert!(text.ends_with("\n\n"), "a blank line after each message");
        assert_eq!(parse_line("3", &ids), Ok(Inbound::choice("c")));
        assert_eq!(parse_line("4", &ids), Ok(Inbound::text("4")));
        assert_eq!(
            parse_line("/lokasi -8.1689,113.7022", &ids),
            Ok(Inbound::Location {
                latitude: -8.1689,
                longitude: 113.7022
            })
        );
        assert!(parse_line("/lokasi di sini", &ids).is_err());
    }
}

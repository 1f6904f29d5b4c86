//! `layan agents`, `layan holidays`, `layan hours`: the PANDAWA console's accounts and each
//! branch's working calendar, against the same database `layan serve` uses.

use anyhow::{bail, Context, Result};
use cases::{AgentRole, Shift};
use clap::Subcommand;
use directory::WeeklyHours;
use server::casework::calendar::{self, Holiday};
use server::console::auth::{hash_password, password_acceptable};
use server::Config;
use std::io::{BufRead, IsTerminal, Write};
use store::{NewAgent, NewAudit, Office, OfficeId, Store};

#[derive(Subcommand)]
pub enum AgentsCommand {
    /// Create a console account. The password is read from stdin with --password-stdin,
    /// otherwise asked for (twice, not echoed).
    Add {
        /// Sign-in name (stored in lower case).
        #[arg(long)]
        username: String,
        /// The name agents and supervisors see.
        #[arg(long)]
        name: String,
        /// agent, supervisor or admin.
        #[arg(long, default_value = "agent")]
        role: String,
        /// The branch: its id or its code. Required for agents and supervisors.
        #[arg(long)]
        office: Option<String>,
        /// A weekly shift in the branch's local time, e.g. "Mon-Fri 08:00-15:00" or
        /// "Sen-Jum 08:00-15:00"; repeat for more.
        #[arg(long = "shift")]
        shifts: Vec<String>,
        /// Most open cases given to the agent at once (default: pandawa.default_max_open_cases).
        #[arg(long)]
        max_open: Option<u32>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts (all, or of one branch).
    List {
        #[arg(long)]
        office: Option<String>,
    },
    /// Replace an agent's shifts (no --shift: no shifts, the agent receives no new work).
    SetShifts {
        #[arg(long)]
        username: String,
        #[arg(long = "shift")]
        shifts: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum HolidaysCommand {
    /// Add a public holiday (national, or of one branch with --office).
    Add {
        /// YYYY-MM-DD.
        date: chrono::NaiveDate,
        name: String,
        #[arg(long)]
        office: Option<String>,
    },
    /// List the holidays (national, and the branch's own with --office).
    List {
        #[arg(long)]
        office: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum HoursCommand {
    /// Set a branch's PANDAWA working hours: seven entries Monday to Sunday, "-" for closed,
    /// e.g. "08:00-15:00,08:00-15:00,08:00-15:00,08:00-15:00,08:00-15:00,-,-".
    Set { office: String, hours: String },
    /// Show a branch's PANDAWA working hours.
    Show { office: String },
}

/// The office given by id or by code.
pub(crate) async fn find_office(store: &dyn Store, given: &str) -> Result<Office> {
    let given = given.trim();
    if let Ok(id) = given.parse::<i64>() {
        if let Some(o) = store.office(OfficeId(id)).await? {
            return Ok(o);
        }
    }
    store
        .offices()
        .await?
        .into_iter()
        .find(|o| o.code.eq_ignore_ascii_case(given))
        .with_context(|| format!("no branch office with id or code {given:?}"))
}

fn parse_shifts(specs: &[String]) -> Result<Vec<Shift>> {
    let mut out = Vec::new();
    for spec in specs {
        let shifts =
            Shift::parse_many(spec).map_err(|e| anyhow::anyhow!("--shift {spec:?}: {e}"))?;
        out.extend(shifts);
    }
    Ok(out)
}

/// Reads the new password: one line of stdin, or a prompt without echo on a terminal.
fn read_password(from_stdin: bool) -> Result<String> {
    let stdin = std::io::stdin();
    if from_stdin {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if !stdin.is_terminal() {
        bail!("no terminal to ask for the password; pipe it in with --password-stdin");
    }
    let ask = |prompt: &str| -> Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        // `stty` is the portable way to stop echoing without a terminal library.
        let quiet = std::process::Command::new("stty")
            .arg("-echo")
            .status()
            .is_ok();
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        if quiet {
            let _ = std::process::Command::new("stty").arg("echo").status();
        }
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = ask("Kata sandi: ")?;
    let second = ask("Ulangi kata sandi: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

fn shifts_label(shifts: &[Shift]) -> String {
    if shifts.is_empty() {
        "-".to_string()
    } else {
        shifts
            .iter()
            .map(|s| s.label_id())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub async fn agents(config: Config, command: AgentsCommand) -> Result<()> {
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    let now = chrono::Utc::now();
    match command {
        AgentsCommand::Add {
            username,
            name,
            role,
            office,
            shifts,
            max_open,
            password_stdin,
        } => {
            let username = username.trim().to_lowercase();
            if username.is_empty()
                || username.len() > 64
                || !username
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            {
                bail!("username: use 1-64 letters, digits, '.', '-' or '_'");
            }
            if name.trim().is_empty() {
                bail!("--name is required");
            }
            let role: AgentRole = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let office = match office {
                Some(o) => Some(find_office(store.as_ref(), &o).await?),
                None if role == AgentRole::Admin => None,
                None => bail!("--office is required for the {role} role"),
            };
            let shifts = parse_shifts(&shifts)?;
            let password = read_password(password_stdin)?;
            password_acceptable(&password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
                .await?
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            let agent = store
                .create_agent(NewAgent {
                    username: username.clone(),
                    name: name.trim().to_string(),
                    role,
                    office_id: office.as_ref().map(|o| o.id),
                    password_hash,
                    shifts,
                    max_open_cases: max_open.unwrap_or(config.pandawa.default_max_open_cases),
                    created_at: now,
                })
                .await
                .map_err(|e| match e {
                    store::StoreError::Conflict(_) => {
                        anyhow::anyhow!("the username {username:?} is already taken")
                    }
                    other => other.into(),
                })?;
            store
                .append_audit(NewAudit {
                    at: now,
                    agent_id: None,
                    action: "agent_created".into(),
                    participant_id: None,
                    case_id: None,
                    detail: format!(
                        "akun {} ({}) dibuat lewat baris perintah",
                        agent.username, agent.role
                    ),
                })
                .await?;
            println!(
                "agent #{} {} ({}) created{}; shifts: {}",
                agent.id.0,
                agent.username,
                agent.role,
                office
                    .map(|o| format!(" for {} ({})", o.name, o.code))
                    .unwrap_or_default(),
                shifts_label(&agent.shifts)
            );
        }
        AgentsCommand::List { office } => {
            let office = match office {
                Some(o) => Some(find_office(store.as_ref(), &o).await?.id),
                None => None,
            };
            let agents = store.agents(office).await?;
            if agents.is_empty() {
                println!("no agents yet; create one with `layan agents add`");
            }
            for a in agents {
                println!(
                    "{id:>5}  {user:<20} {role:<10} office={office:<5} max={max:<3} {state:<8} {shifts}",
                    id = a.id.0,
                    user = a.username,
                    role = a.role.as_str(),
                    office = a.office_id.map(|o| o.0.to_string()).unwrap_or("-".into()),
                    max = a.max_open_cases,
                    state = if !a.active {
                        "inactive"
                    } else if a.locked_until.is_some_and(|t| t > now) {
                        "locked"
                    } else {
                        "active"
                    },
                    shifts = shifts_label(&a.shifts),
                );
            }
        }
        AgentsCommand::SetShifts { username, shifts } => {
            let username = username.trim().to_lowercase();
            let Some(mut agent) = store.agent_by_username(&username).await? else {
                bail!("no agent named {username:?}");
            };
            agent.shifts = parse_shifts(&shifts)?;
            store.update_agent(&agent).await?;
            println!("{}: {}", agent.username, shifts_label(&agent.shifts));
        }
    }
    Ok(())
}

pub async fn holidays(config: Config, command: HolidaysCommand) -> Result<()> {
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    match command {
        HolidaysCommand::Add { date, name, office } => {
            let office = match office {
                Some(o) => Some(find_office(store.as_ref(), &o).await?),
                None => None,
            };
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!("give the holiday a name");
            }
            let added = calendar::add_holiday(
                store.as_ref(),
                office.as_ref().map(|o| o.id),
                Holiday {
                    date,
                    name: name.clone(),
                },
            )
            .await?;
            let scope = office
                .map(|o| format!("{} ({})", o.name, o.code))
                .unwrap_or_else(|| "national".into());
            if added {
                println!("{date} {name}: holiday added ({scope})");
            } else {
                println!("{date} {name}: already listed ({scope})");
            }
        }
        HolidaysCommand::List { office } => {
            let mut rows: Vec<(Holiday, String)> = calendar::holidays(store.as_ref(), None)
                .await?
                .into_iter()
                .map(|h| (h, "national".to_string()))
                .collect();
            if let Some(o) = office {
                let o = find_office(store.as_ref(), &o).await?;
                for h in calendar::holidays(store.as_ref(), Some(o.id)).await? {
                    rows.push((h, o.code.clone()));
                }
            }
            rows.sort_by_key(|(h, _)| h.date);
            if rows.is_empty() {
                println!("no holidays listed");
            }
            for (h, scope) in rows {
                println!("{}  {:<10} {}", h.date, scope, h.name);
            }
        }
    }
    Ok(())
}

pub async fn hours(config: Config, command: HoursCommand) -> Result<()> {
    let store = server::db::open(&config)
        .await
        .context("opening the database")?;
    match command {
        HoursCommand::Set { office, hours } => {
            let office = find_office(store.as_ref(), &office).await?;
            let parsed = WeeklyHours::parse_spec(&hours).map_err(|e| anyhow::anyhow!("{e}"))?;
            calendar::set_hours(store.as_ref(), office.id, &parsed).await?;
            println!(
                "{} ({}): {} ({})",
                office.name,
                office.code,
                parsed.to_spec(),
                office.timezone.abbreviation()
            );
        }
        HoursCommand::Show { office } => {
            let office = find_office(store.as_ref(), &office).await?;
            let h = calendar::hours(store.as_ref(), office.id).await?;
            println!(
                "{} ({}): {} ({})",
                office.name,
                office.code,
                h.to_spec(),
                office.timezone.abbreviation()
            );
        }
    }
    Ok(())
}

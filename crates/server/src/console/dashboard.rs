//! The supervisor dashboard: charts (server-drawn SVG) and the live queue (SSE).
//!
//! `GET /console/dashboard` draws, for the supervisor's branch (admins: every branch), the
//! cases that came in per day by kind and by channel, the open cases waiting per branch, the
//! cases past their SLA, and each agent's open cases against their limit with whether they
//! are on shift now. Everything is drawn on the server as inline SVG: no chart library, no
//! external resource.
//!
//! `GET /console/dashboard/events` is an event stream (`text/event-stream`) carrying the
//! open-case queue as JSON in `queue` events, which `dashboard.js` puts in the queue table.
//! Each response carries the current snapshot, or, when the browser already has it (its
//! `Last-Event-ID` is the snapshot's id), waits while checking every 2 seconds and answers
//! as soon as the queue changes, or with a keep-alive comment after a while. The browser's
//! `EventSource` reconnects by itself after each answer. Bounded answers keep graceful
//! shutdown short and never hold a database connection between checks. A queue read is
//! shared for a second by every dashboard of the same scope (`shared_reads`), so the
//! database sees about one read per branch per second however many supervisors watch.

use crate::console::auth::SignedIn;
use crate::console::work::Directory;
use crate::error::ApiError;
use crate::html::escape;
use crate::shared_reads::SharedReads;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use cases::{AgentRole, BusinessCalendar, CaseKind, CaseStatus, Permission, SlaState};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;
use store::{Agent, AgentId, Case, CaseQuery, DailyCaseCount, OfficeId};
use wilayah::TimeZone;

const SCRIPT: &str = include_str!("../../assets/console/dashboard.js");
const STYLE: &str = include_str!("../../assets/console/dashboard.css");

/// Days of history in the per-day charts, today included.
const DAYS: i64 = 14;
/// Most open cases read for the charts and the queue.
const OPEN_LIMIT: u32 = 5_000;
/// Most cases of one branch read for the per-day counts.
const BRANCH_HISTORY_LIMIT: u32 = 50_000;
/// Rows of a bar chart (branches, agents).
const MAX_BARS: usize = 30;
/// Rows of the queue table.
const QUEUE_ROWS: usize = 200;
/// How long a queue read is shown to every dashboard of its scope before the next one asks
/// the database again: under `CHECK_EVERY`, so each stream still sees every change.
const SHARED_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a waiting event stream looks at the queue again.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// Checks before a waiting event stream answers with a keep-alive.
const CHECKS_PER_ANSWER: u32 = 8;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/dashboard", get(page))
        .route("/console/dashboard/events", get(events))
        .route("/console/dashboard/assets/dashboard.js", get(script))
        .route("/console/dashboard/assets/dashboard.css", get(style))
}

// ---- who sees what -------------------------------------------------------------------------

/// The cases a dashboard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    /// Admins: every branch.
    All,
    /// A supervisor's branch (and the cases of no branch, which any branch may take).
    Branch(OfficeId),
    /// A supervisor without a branch: only the cases of no branch.
    Unplaced,
}

impl Scope {
    fn of(agent: &Agent) -> Scope {
        if agent.role.is_national() {
            Scope::All
        } else {
            match agent.office_id {
                Some(o) => Scope::Branch(o),
                None => Scope::Unplaced,
            }
        }
    }

    fn open_query(self) -> CaseQuery {
        CaseQuery {
            office_id: match self {
                Scope::Branch(o) => Some(o),
                Scope::All | Scope::Unplaced => None,
            },
            include_unplaced: true,
            statuses: CaseStatus::OPEN.to_vec(),
            oldest_first: true,
            limit: OPEN_LIMIT,
            ..CaseQuery::default()
        }
    }

    fn covers(self, office: Option<OfficeId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Branch(o) => office.is_none_or(|c| c == o),
            Scope::Unplaced => office.is_none(),
        }
    }
}

/// The signed-in agent, if allowed to see the dashboard.
fn authorised(signed: &SignedIn) -> Result<Scope, ApiError> {
    signed.require(Permission::ViewDashboard)?;
    Ok(Scope::of(&signed.agent))
}

// ---- what is shown -------------------------------------------------------------------------

struct Context {
    now: DateTime<Utc>,
    tz: TimeZone,
    /// Branches, their calendars and every agent, read once per page or snapshot.
    dir: Directory,
}

impl Context {
    async fn load(state: &AppState, scope: Scope) -> Result<Context, ApiError> {
        let dir = Directory::load(state).await?;
        let tz = match scope {
            Scope::Branch(o) => dir.tz(Some(o)),
            Scope::All | Scope::Unplaced => TimeZone::Wib,
        };
        Ok(Context {
            now: state.now(),
            tz,
            dir,
        })
    }

    fn branch_name(&self, office: Option<OfficeId>) -> String {
        self.dir.office_name(office)
    }

    fn tz_of(&self, office: Option<OfficeId>) -> TimeZone {
        self.dir.tz(office)
    }

    async fn calendar(
        &mut self,
        state: &AppState,
        office: Option<OfficeId>,
    ) -> Result<BusinessCalendar, ApiError> {
        self.dir.calendar(state, office).await
    }

    /// The agents of the scope, by id.
    fn agents_in(&self, scope: Scope) -> Vec<Agent> {
        let mut agents: Vec<Agent> = self
            .dir
            .agents
            .values()
            .filter(|a| match scope {
                Scope::All => true,
                Scope::Branch(o) => a.office_id == Some(o),
                Scope::Unplaced => a.office_id.is_none(),
            })
            .cloned()
            .collect();
        agents.sort_by_key(|a| a.id);
        agents
    }

    fn local(&self, at: DateTime<Utc>, tz: TimeZone) -> String {
        let t = at.with_timezone(&directory::hours::offset(tz));
        format!("{} {}", t.format("%d/%m %H.%M"), tz.abbreviation())
    }
}

/// One open case as the queue shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueRow {
    /// The case's id: its screen is `/console/cases/{id}`.
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub status: String,
    pub status_label: String,
    pub channel: String,
    pub channel_label: String,
    pub branch: String,
    /// The agent's name, or `None` while nobody has it.
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it came in, in the branch's time: `23/11 10.05 WIB`.
    pub created_local: String,
    /// `on_track`, `due_soon` or `breached` (the worse of first response and resolution);
    /// `None` for a kind without an SLA.
    pub sla: Option<SlaState>,
    pub sla_label: String,
}

/// The open-case queue: what the event stream sends.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueSnapshot {
    /// When it was taken, in the dashboard's time zone: `10.05.42 WIB`.
    pub as_of: String,
    pub open: usize,
    pub unassigned: usize,
    pub breached: usize,
    pub due_soon: usize,
    /// The oldest first, at most 200.
    pub cases: Vec<QueueRow>,
}

impl QueueSnapshot {
    /// A short id that changes whenever the snapshot does.
    fn id(&self) -> String {
        let content = QueueSnapshot {
            as_of: String::new(),
            ..self.clone()
        };
        let json = serde_json::to_vec(&content).unwrap_or_default();
        let digest = Sha256::digest(&json);
        digest[..8].iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

fn kind_label(kind: &str) -> String {
    match kind.parse::<CaseKind>() {
        Ok(k) => k.spec().label.to_string(),
        Err(_) => kind.to_string(),
    }
}

fn channel_label(channel: &str) -> String {
    match channel {
        "webchat" => "Web chat",
        "whatsapp" => "WhatsApp",
        "telegram" => "Telegram",
        "messenger" => "Messenger",
        "voice" => "Telepon (VIKA)",
        "web" | "form" => "Formulir web",
        "api" => "Aplikasi",
        "console" => "Petugas",
        other => other,
    }
    .to_string()
}

fn sla_label(s: Option<SlaState>) -> &'static str {
    match s {
        Some(SlaState::Breached) => "Melewati SLA",
        Some(SlaState::DueSoon) => "Segera jatuh tempo",
        Some(SlaState::OnTrack) => "Sesuai target",
        Some(SlaState::Met) => "Terpenuhi",
        None => "-",
    }
}

fn worse(a: SlaState, b: SlaState) -> SlaState {
    let rank = |s: SlaState| match s {
        SlaState::Breached => 3,
        SlaState::DueSoon => 2,
        SlaState::OnTrack => 1,
        SlaState::Met => 0,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// Where an open case stands against its kind's SLA; `None` for an unknown kind.
async fn sla_of(
    state: &AppState,
    ctx: &mut Context,
    case: &Case,
) -> Result<Option<(SlaState, i64)>, ApiError> {
    let Ok(kind) = case.kind.parse::<CaseKind>() else {
        return Ok(None);
    };
    let now = ctx.now;
    let cal = ctx.calendar(state, case.office_id).await?;
    let view = cases::sla::evaluate(
        kind.spec().sla,
        &cal,
        case.created_at,
        case.first_response_at,
        None,
        now,
    );
    Ok(Some((
        worse(view.first_response, view.resolution),
        view.resolution_minutes_left,
    )))
}

struct OpenCase {
    case: Case,
    sla: Option<(SlaState, i64)>,
}

async fn open_cases(
    state: &AppState,
    ctx: &mut Context,
    scope: Scope,
) -> Result<Vec<OpenCase>, ApiError> {
    let listed = state.store.list_cases(&scope.open_query()).await?;
    let mut out = Vec::with_capacity(listed.len());
    for case in listed {
        if !scope.covers(case.office_id) || case.status.is_closed() {
            continue;
        }
        let sla = sla_of(state, ctx, &case).await?;
        out.push(OpenCase { case, sla });
    }
    Ok(out)
}

fn snapshot(ctx: &Context, open: &[OpenCase]) -> QueueSnapshot {
    let state_of = |o: &OpenCase| o.sla.map(|(s, _)| s);
    let rows = open
        .iter()
        .take(QUEUE_ROWS)
        .map(|o| {
            let c = &o.case;
            QueueRow {
                id: c.id.0,
                number: c.number.clone(),
                kind: c.kind.clone(),
                kind_label: kind_label(&c.kind),
                status: c.status.as_str().to_string(),
                status_label: c.status.label_id().to_string(),
                channel: c.channel.clone(),
                channel_label: channel_label(&c.channel),
                branch: ctx.branch_name(c.office_id),
                assigned_to: c.assigned_to.map(|a| ctx.dir.agent_name(a)),
                created_at: c.created_at,
                created_local: ctx.local(c.created_at, ctx.tz_of(c.office_id)),
                sla: state_of(o),
                sla_label: sla_label(state_of(o)).to_string(),
            }
        })
        .collect();
    QueueSnapshot {
        as_of: {
            let t = ctx.now.with_timezone(&directory::hours::offset(ctx.tz));
            format!("{} {}", t.format("%H.%M.%S"), ctx.tz.abbreviation())
        },
        open: open.len(),
        unassigned: open.iter().filter(|o| o.case.assigned_to.is_none()).count(),
        breached: open
            .iter()
            .filter(|o| state_of(o) == Some(SlaState::Breached))
            .count(),
        due_soon: open
            .iter()
            .filter(|o| state_of(o) == Some(SlaState::DueSoon))
            .count(),
        cases: rows,
    }
}

/// The open-case queues read recently, one per scope, shared by every open dashboard.
pub(crate) type SharedQueues = SharedReads<Scope, QueueSnapshot>;

pub(crate) fn shared_queues() -> SharedQueues {
    SharedReads::new(SHARED_FOR)
}

/// The scope's queue as read within the last [`SHARED_FOR`]: however many dashboards are
/// open, each scope's queue is read at most about once a second.
async fn queue_snapshot(state: &AppState, scope: Scope) -> Result<Arc<QueueSnapshot>, ApiError> {
    state
        .queues
        .get(&scope, || async {
            let mut ctx = Context::load(state, scope).await?;
            let open = open_cases(state, &mut ctx, scope).await?;
            Ok::<_, ApiError>(snapshot(&ctx, &open))
        })
        .await
}

/// Cases created per local day, kind and channel since `since`, for the scope.
async fn daily_counts(
    state: &AppState,
    scope: Scope,
    since: DateTime<Utc>,
    tz: TimeZone,
) -> Result<Vec<DailyCaseCount>, ApiError> {
    let offset_minutes = tz.utc_offset_seconds() / 60;
    if scope == Scope::All {
        return Ok(state.store.case_daily_counts(since, offset_minutes).await?);
    }
    // The per-day counts of the store cover every branch; a branch counts its own cases and
    // those of no branch, as its queue shows them.
    let query = CaseQuery {
        office_id: match scope {
            Scope::Branch(o) => Some(o),
            Scope::All | Scope::Unplaced => None,
        },
        include_unplaced: true,
        created_from: Some(since),
        limit: BRANCH_HISTORY_LIMIT,
        ..CaseQuery::default()
    };
    let mut counts: BTreeMap<(NaiveDate, String, String), u64> = BTreeMap::new();
    for case in state.store.list_cases(&query).await? {
        if !scope.covers(case.office_id) || case.created_at < since {
            continue;
        }
        let day = directory::hours::local_date(case.created_at, tz);
        *counts.entry((day, case.kind, case.channel)).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|((day, kind, channel), count)| DailyCaseCount {
            day,
            kind,
            channel,
            count,
        })
        .collect())
}

// ---- handlers ------------------------------------------------------------------------------

fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn refusal_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} — Layan</title>\
<link rel=\"stylesheet\" href=\"/console/dashboard/assets/dashboard.css\"></head>\
<body class=\"dash\"><main class=\"refusal\"><h1>{t}</h1><p>{x}</p>\
<p><a href=\"/console\">Kembali ke konsol</a></p></main></body></html>",
        t = escape(title),
        x = escape(text)
    );
    no_store((status, Html(body)).into_response())
}

async fn page(State(state): State<AppState>, signed: Result<SignedIn, ApiError>) -> Response {
    let signed = match signed {
        Ok(s) => s,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            return Redirect::to("/console/login").into_response();
        }
        Err(e) => return refusal_page(e.status, "Tidak dapat membuka dasbor", &e.message),
    };
    let scope = match authorised(&signed) {
        Ok(s) => s,
        Err(e) if e.status == StatusCode::FORBIDDEN => {
            return refusal_page(
                StatusCode::FORBIDDEN,
                "Dasbor khusus supervisor",
                "Maaf, dasbor hanya dapat dibuka oleh supervisor dan admin. Silakan kembali ke antrean kasus Anda.",
            );
        }
        Err(e) => return e.into_response(),
    };
    match render_page(&state, &signed.agent, scope).await {
        Ok(html) => no_store(Html(html).into_response()),
        Err(e) => refusal_page(e.status, "Dasbor belum dapat ditampilkan", &e.message),
    }
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: SignedIn,
) -> Result<Response, ApiError> {
    let scope = authorised(&signed)?;
    let known = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut current = queue_snapshot(&state, scope).await?;
    let mut id = current.id();
    let mut checks = 0;
    while known.as_deref() == Some(id.as_str()) && checks < CHECKS_PER_ANSWER {
        tokio::time::sleep(CHECK_EVERY).await;
        checks += 1;
        current = queue_snapshot(&state, scope).await?;
        id = current.id();
    }
    let body = if known.as_deref() == Some(id.as_str()) {
        // Nothing new: a comment keeps the stream alive, and the browser asks again.
        ": keep-alive\nretry: 500\n\n".to_string()
    } else {
        let json = serde_json::to_string(&*current).map_err(|_| ApiError::internal())?;
        format!("retry: 1000\nid: {id}\nevent: queue\ndata: {json}\n\n")
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response())
}

async fn script() -> Response {
    crate::html::script(SCRIPT)
}

async fn style() -> Response {
    crate::html::stylesheet(STYLE)
}

// ---- the page ------------------------------------------------------------------------------

struct AgentLoad {
    name: String,
    branch: String,
    open: u32,
    limit: u32,
    on_shift: bool,
}

async fn render_page(state: &AppState, me: &Agent, scope: Scope) -> Result<String, ApiError> {
    let mut ctx = Context::load(state, scope).await?;
    let tz = ctx.tz;
    let today = directory::hours::local_date(ctx.now, tz);
    let first_day = today - Duration::days(DAYS - 1);
    let since = first_day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - Duration::seconds(i64::from(tz.utc_offset_seconds())))
        .unwrap_or(ctx.now);
    let days: Vec<NaiveDate> = (0..DAYS).map(|i| first_day + Duration::days(i)).collect();

    let daily = daily_counts(state, scope, since, tz).await?;
    let open = open_cases(state, &mut ctx, scope).await?;
    let snapshot = snapshot(&ctx, &open);
    let per_agent: HashMap<AgentId, u32> = state
        .store
        .open_cases_per_agent()
        .await?
        .into_iter()
        .collect();
    let mut loads: Vec<AgentLoad> = ctx
        .agents_in(scope)
        .into_iter()
        // Work goes to agents by itself; a supervisor or admin appears while holding cases.
        .filter(|a| {
            a.active && (a.role == AgentRole::Agent || per_agent.get(&a.id).is_some_and(|n| *n > 0))
        })
        .map(|a| AgentLoad {
            on_shift: cases::shift::on_shift(&a.shifts, ctx.tz_of(a.office_id), ctx.now),
            open: per_agent.get(&a.id).copied().unwrap_or(0),
            limit: a.max_open_cases,
            branch: ctx.branch_name(a.office_id),
            name: a.name,
        })
        .collect();
    // Who is working now first, the busiest first; a national view keeps to the first few.
    loads.sort_by(|a, b| {
        b.on_shift
            .cmp(&a.on_shift)
            .then(b.open.cmp(&a.open))
            .then(a.name.cmp(&b.name))
    });
    let on_shift = loads.iter().filter(|l| l.on_shift).count();
    let hidden_agents = loads.len().saturating_sub(MAX_BARS);
    loads.truncate(MAX_BARS);

    let scope_name = match scope {
        Scope::All => "Semua kantor cabang".to_string(),
        Scope::Branch(o) => ctx.branch_name(Some(o)),
        Scope::Unplaced => "Kasus tanpa kantor cabang".to_string(),
    };
    let total_in: u64 = daily.iter().map(|d| d.count).sum();

    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Dasbor PANDAWA — {scope}</title>\
<link rel=\"stylesheet\" href=\"/console/assets/console.css\">\
<link rel=\"stylesheet\" href=\"/console/dashboard/assets/dashboard.css\">\
<script src=\"/console/dashboard/assets/dashboard.js\" defer></script></head>\
<body class=\"dash\"><header class=\"dash-head\"><div><h1>Dasbor PANDAWA</h1>\
<p>{scope} · {me} ({role}) · per {now}</p></div>\
<nav><a href=\"/console\">Antrean kasus</a></nav></header><main>",
        scope = escape(&scope_name),
        me = escape(&me.name),
        role = escape(me.role.label_id()),
        now = escape(&ctx.local(ctx.now, tz)),
    );

    // Headline figures.
    let _ = write!(
        h,
        "<section class=\"figures\" aria-label=\"Ringkasan\">\
{}{}{}{}{}</section>",
        figure("open", "Kasus terbuka", snapshot.open, ""),
        figure(
            "unassigned",
            "Belum ditangani petugas",
            snapshot.unassigned,
            ""
        ),
        figure(
            "breached",
            "Melewati SLA",
            snapshot.breached,
            if snapshot.breached > 0 { "alert" } else { "" }
        ),
        figure("on-shift", "Petugas bertugas sekarang", on_shift, ""),
        figure(
            "incoming",
            &format!("Kasus masuk {DAYS} hari terakhir"),
            usize::try_from(total_in).unwrap_or(usize::MAX),
            ""
        ),
    );

    h.push_str("<div class=\"charts\">");
    // Cases per day by kind (stacked).
    let mut kinds: Vec<String> = daily.iter().map(|d| d.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let mut per_day: Vec<Vec<u64>> = vec![vec![0; kinds.len()]; days.len()];
    for d in &daily {
        if let (Some(di), Some(ki)) = (
            days.iter().position(|x| *x == d.day),
            kinds.iter().position(|k| *k == d.kind),
        ) {
            per_day[di][ki] += d.count;
        }
    }
    let series: Vec<Series> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| Series {
            key: k.clone(),
            label: kind_label(k),
            colour: PALETTE[i % PALETTE.len()],
        })
        .collect();
    let day_labels: Vec<(String, String)> = days
        .iter()
        .map(|d| (d.to_string(), d.format("%d/%m").to_string()))
        .collect();
    chart_card(
        &mut h,
        "per-day",
        &format!("Kasus masuk per hari menurut jenis ({} hari)", DAYS),
        &stacked_columns(
            "Kasus masuk per hari menurut jenis layanan",
            &day_labels,
            &series,
            &per_day,
        ),
    );

    // Cases by channel.
    let mut by_channel: BTreeMap<String, u64> = BTreeMap::new();
    for d in &daily {
        *by_channel.entry(d.channel.clone()).or_default() += d.count;
    }
    let channel_rows: Vec<Bar> = by_channel
        .iter()
        .map(|(c, n)| Bar {
            key: c.clone(),
            label: channel_label(c),
            parts: vec![(*n, CHANNEL_COLOUR)],
            marker: None,
            dot: None,
        })
        .collect();
    chart_card(
        &mut h,
        "by-channel",
        &format!("Kasus masuk menurut kanal ({} hari)", DAYS),
        &bars("Kasus masuk menurut kanal", &channel_rows, &[]),
    );

    // Waiting cases per branch, by status.
    let mut by_branch: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for o in &open {
        let slot = by_branch
            .entry(ctx.branch_name(o.case.office_id))
            .or_default();
        if let Some(i) = CaseStatus::OPEN.iter().position(|s| *s == o.case.status) {
            slot[i] += 1;
        }
    }
    let status_legend: Vec<(&str, &str)> = CaseStatus::OPEN
        .iter()
        .zip(STATUS_COLOURS)
        .map(|(s, c)| (s.label_id(), c))
        .collect();
    // The busiest branches first; a national view keeps to the busiest few.
    let mut by_branch: Vec<(String, [u64; 3])> = by_branch.into_iter().collect();
    by_branch.sort_by(|a, b| {
        let total = |c: &[u64; 3]| c.iter().sum::<u64>();
        total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(&b.0))
    });
    let hidden_branches = by_branch.len().saturating_sub(MAX_BARS);
    by_branch.truncate(MAX_BARS);
    let branch_rows: Vec<Bar> = by_branch
        .iter()
        .map(|(b, counts)| Bar {
            key: b.clone(),
            label: b.clone(),
            parts: counts.iter().copied().zip(STATUS_COLOURS).collect(),
            marker: None,
            dot: None,
        })
        .collect();
    chart_card(
        &mut h,
        "by-branch",
        "Kasus menunggu per kantor cabang",
        &(bars(
            "Kasus terbuka per kantor cabang",
            &branch_rows,
            &status_legend,
        ) + &more(
            hidden_branches,
            "kantor cabang lain dengan kasus lebih sedikit",
        )),
    );

    // SLA per kind.
    let mut by_kind: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for o in &open {
        let Some((s, _)) = o.sla else { continue };
        let slot = by_kind.entry(kind_label(&o.case.kind)).or_default();
        match s {
            SlaState::Breached => slot[0] += 1,
            SlaState::DueSoon => slot[1] += 1,
            SlaState::OnTrack | SlaState::Met => slot[2] += 1,
        }
    }
    let sla_legend = [
        ("Melewati SLA", SLA_COLOURS[0]),
        ("Segera jatuh tempo", SLA_COLOURS[1]),
        ("Sesuai target", SLA_COLOURS[2]),
    ];
    let sla_rows: Vec<Bar> = by_kind
        .iter()
        .map(|(k, counts)| Bar {
            key: k.clone(),
            label: k.clone(),
            parts: counts.iter().copied().zip(SLA_COLOURS).collect(),
            marker: None,
            dot: None,
        })
        .collect();
    chart_card(
        &mut h,
        "sla",
        "Kasus terbuka terhadap SLA, per jenis",
        &bars(
            "Kasus terbuka terhadap SLA per jenis layanan",
            &sla_rows,
            &sla_legend,
        ),
    );

    // Agent load.
    let load_rows: Vec<Bar> = loads
        .iter()
        .map(|l| Bar {
            key: l.name.clone(),
            label: if matches!(scope, Scope::All) {
                let branch = l.branch.strip_prefix("Kantor Cabang ").unwrap_or(&l.branch);
                format!("{} · {branch}", l.name)
            } else {
                l.name.clone()
            },
            parts: vec![(
                u64::from(l.open),
                if l.open >= l.limit {
                    LOAD_FULL
                } else {
                    LOAD_COLOUR
                },
            )],
            marker: Some(u64::from(l.limit)),
            dot: Some(l.on_shift),
        })
        .collect();
    let load_legend = [
        ("Kasus terbuka", LOAD_COLOUR),
        ("Penuh (mencapai batas)", LOAD_FULL),
        ("Batas kasus", MARKER_COLOUR),
        ("Sedang bertugas", ON_SHIFT_COLOUR),
        ("Di luar jadwal", OFF_SHIFT_COLOUR),
    ];
    chart_card(
        &mut h,
        "agent-load",
        "Beban petugas: kasus terbuka terhadap batas",
        &(bars("Beban kasus tiap petugas", &load_rows, &load_legend)
            + &more(hidden_agents, "petugas lain")),
    );
    h.push_str("</div>");

    // Breached cases, worst first.
    let mut late: Vec<&OpenCase> = open
        .iter()
        .filter(|o| matches!(o.sla, Some((SlaState::Breached, _))))
        .collect();
    late.sort_by_key(|o| o.sla.map(|(_, left)| left).unwrap_or(0));
    h.push_str("<section class=\"card\" id=\"breaches\"><h2>Kasus melewati SLA</h2>");
    if late.is_empty() {
        h.push_str("<p class=\"empty\">Tidak ada kasus yang melewati SLA. Terima kasih.</p>");
    } else {
        h.push_str(
            "<table><thead><tr><th>Nomor</th><th>Jenis</th><th>Kantor cabang</th>\
<th>Petugas</th><th>Terlambat</th></tr></thead><tbody>",
        );
        for o in late.iter().take(50) {
            let c = &o.case;
            let over = o.sla.map(|(_, left)| -left).unwrap_or(0).max(0);
            let who = c
                .assigned_to
                .map(|a| ctx.dir.agent_name(a))
                .unwrap_or_else(|| "Belum ada".to_string());
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.number),
                escape(&kind_label(&c.kind)),
                escape(&ctx.branch_name(c.office_id)),
                escape(&who),
                escape(&working_time(over)),
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");

    // The live queue.
    let id = snapshot.id();
    let _ = write!(
        h,
        "<section class=\"card\" id=\"queue\" data-events=\"/console/dashboard/events\" data-snapshot=\"{}\">\
<h2>Antrean saat ini <small id=\"queue-status\" aria-live=\"polite\">{} kasus terbuka</small></h2>",
        escape(&id),
        snapshot.open
    );
    h.push_str(
        "<table><thead><tr><th>Nomor</th><th>Jenis</th><th>Status</th><th>Kanal</th>\
<th>Kantor cabang</th><th>Petugas</th><th>Masuk</th><th>SLA</th></tr></thead><tbody id=\"queue-rows\">",
    );
    for r in &snapshot.cases {
        h.push_str(&queue_row_html(r));
    }
    if snapshot.cases.is_empty() {
        h.push_str("<tr class=\"empty\"><td colspan=\"8\">Antrean kosong.</td></tr>");
    }
    h.push_str("</tbody></table></section></main></body></html>");
    Ok(h)
}

fn working_time(minutes: i64) -> String {
    let (hours, mins) = (minutes / 60, minutes % 60);
    match (hours, mins) {
        (0, m) => format!("{m} menit kerja"),
        (h, 0) => format!("{h} jam kerja"),
        (h, m) => format!("{h} jam {m} menit kerja"),
    }
}

fn figure(key: &str, label: &str, value: usize, class: &str) -> String {
    format!(
        "<div class=\"figure {class}\" data-figure=\"{key}\"><strong>{value}</strong><span>{label}</span></div>",
        class = escape(class),
        key = escape(key),
        label = escape(label),
    )
}

fn queue_row_html(r: &QueueRow) -> String {
    let sla = r.sla.map(|s| match s {
        SlaState::Breached => "breached",
        SlaState::DueSoon => "due_soon",
        SlaState::OnTrack => "on_track",
        SlaState::Met => "met",
    });
    format!(
        "<tr data-number=\"{n}\" data-status=\"{st}\"><td><a href=\"/console/cases/{id}\">{n}</a></td><td>{k}</td><td>{sl}</td><td>{ch}</td>\
<td>{b}</td><td>{a}</td><td>{c}</td><td class=\"sla {sc}\">{sla}</td></tr>",
        id = r.id,
        n = escape(&r.number),
        st = escape(&r.status),
        k = escape(&r.kind_label),
        sl = escape(&r.status_label),
        ch = escape(&r.channel_label),
        b = escape(&r.branch),
        a = escape(r.assigned_to.as_deref().unwrap_or("Belum ada")),
        c = escape(&r.created_local),
        sc = escape(sla.unwrap_or("none")),
        sla = escape(&r.sla_label),
    )
}

/// "and N more" under a chart that shows only the first rows.
fn more(hidden: usize, what: &str) -> String {
    if hidden == 0 {
        String::new()
    } else {
        format!(
            "<p class=\"more\">Dan {hidden} {} tidak ditampilkan.</p>",
            escape(what)
        )
    }
}

fn chart_card(h: &mut String, id: &str, title: &str, svg: &str) {
    let _ = write!(
        h,
        "<section class=\"card chart\" id=\"{}\"><h2>{}</h2>{}</section>",
        escape(id),
        escape(title),
        svg
    );
}

// ---- SVG -----------------------------------------------------------------------------------

/// Okabe-Ito and friends: distinguishable, also for most colour-blind readers.
const PALETTE: [&str; 13] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f", "#0b7a3e",
    "#7f7f7f", "#b15928", "#6a3d9a", "#17becf", "#333333",
];
const STATUS_COLOURS: [&str; 3] = ["#e69f00", "#0072b2", "#cc79a7"];
const SLA_COLOURS: [&str; 3] = ["#d55e00", "#e69f00", "#009e73"];
const CHANNEL_COLOUR: &str = "#0b7a3e";
const LOAD_COLOUR: &str = "#0072b2";
const LOAD_FULL: &str = "#d55e00";
const MARKER_COLOUR: &str = "#222222";
const ON_SHIFT_COLOUR: &str = "#009e73";
const OFF_SHIFT_COLOUR: &str = "#bbbbbb";

const FONT: &str = "font-family=\"system-ui, sans-serif\"";

struct Series {
    key: String,
    label: String,
    colour: &'static str,
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max / 4`, so an axis has about four steps.
fn tick_step(max: u64) -> u64 {
    let target = max.div_ceil(4).max(1);
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = base.saturating_mul(m);
            if step >= target {
                return step;
            }
        }
        base = base.saturating_mul(10);
    }
}

fn legend(items: &[(&str, &str)], y: f64, width: f64) -> (String, f64) {
    let mut out = String::new();
    let (mut x, mut y) = (8.0, y);
    for (label, colour) in items {
        let w = 22.0 + 6.5 * label.chars().count() as f64;
        if x + w > width && x > 8.0 {
            x = 8.0;
            y += 18.0;
        }
        let _ = write!(
            out,
            "<g class=\"legend\"><rect x=\"{x:.1}\" y=\"{ry:.1}\" width=\"12\" height=\"12\" fill=\"{c}\"/>\
<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" {FONT}>{l}</text></g>",
            ry = y - 10.0,
            c = escape(colour),
            tx = x + 16.0,
            ty = y,
            l = escape(label),
        );
        x += w;
    }
    (out, y + 10.0)
}

/// Vertical stacked columns: one per `columns` entry (key, short label), one segment per
/// series; `values[column][series]`.
fn stacked_columns(
    title: &str,
    columns: &[(String, String)],
    series: &[Series],
    values: &[Vec<u64>],
) -> String {
    let width = 640.0;
    let (left, right, top, plot_h) = (36.0, 8.0, 18.0, 180.0);
    let totals: Vec<u64> = values.iter().map(|v| v.iter().sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0);
    let step = tick_step(max);
    let axis_max = (max.div_ceil(step).max(1) * step) as f64;
    let plot_w = width - left - right;
    let slot = plot_w / columns.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(2.0);
    let base_y = top + plot_h;
    let y_of = |v: f64| base_y - v / axis_max * plot_h;

    let mut body = String::new();
    let mut t = 0;
    while t as f64 <= axis_max {
        let y = y_of(t as f64);
        let _ = write!(
            body,
            "<line x1=\"{left}\" x2=\"{x2}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dddddd\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"end\" {FONT}>{t}</text>",
            x2 = width - right,
            tx = left - 4.0,
            ty = y + 3.5,
        );
        t += step;
    }
    for (i, (key, label)) in columns.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut acc = 0u64;
        let total = totals.get(i).copied().unwrap_or(0);
        let _ = write!(
            body,
            "<g class=\"column\" data-key=\"{}\" data-total=\"{}\">",
            escape(key),
            total
        );
        for (s, v) in series.iter().zip(values.get(i).into_iter().flatten()) {
            if *v == 0 {
                continue;
            }
            let y1 = y_of((acc + v) as f64);
            let y0 = y_of(acc as f64);
            let _ = write!(
                body,
                "<rect x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" fill=\"{c}\" \
data-series=\"{k}\" data-count=\"{v}\"><title>{l} · {sl}: {v}</title></rect>",
                h = (y0 - y1).max(0.5),
                c = escape(s.colour),
                k = escape(&s.key),
                l = escape(label),
                sl = escape(&s.label),
            );
            acc += v;
        }
        if total > 0 {
            let _ = write!(
                body,
                "<text x=\"{cx:.1}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"middle\" {FONT}>{total}</text>",
                cx = x + bar_w / 2.0,
                ty = y_of(total as f64) - 3.0,
            );
        }
        let _ = write!(
            body,
            "<text x=\"{cx:.1}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"middle\" {FONT}>{l}</text></g>",
            cx = x + bar_w / 2.0,
            ty = base_y + 13.0,
            l = escape(label),
        );
    }
    let items: Vec<(&str, &str)> = series
        .iter()
        .map(|s| (s.label.as_str(), s.colour))
        .collect();
    let (legend_svg, bottom) = legend(&items, base_y + 34.0, width);
    let empty = if max == 0 {
        format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#666666\" {FONT}>Belum ada kasus pada periode ini</text>",
            width / 2.0,
            top + plot_h / 2.0
        )
    } else {
        String::new()
    };
    svg(title, width, bottom + 4.0, &(body + &empty + &legend_svg))
}

struct Bar {
    key: String,
    label: String,
    /// Stacked segments: (value, colour).
    parts: Vec<(u64, &'static str)>,
    /// A vertical line at this value (an agent's limit).
    marker: Option<u64>,
    /// A dot before the label: filled when true (on shift).
    dot: Option<bool>,
}

/// Horizontal stacked bars, one row per `rows` entry.
fn bars(title: &str, rows: &[Bar], legend_items: &[(&str, &str)]) -> String {
    let width = 640.0;
    let (label_w, right, top, row_h) = (190.0, 40.0, 8.0, 24.0);
    let max = rows
        .iter()
        .map(|r| {
            let sum: u64 = r.parts.iter().map(|(v, _)| v).sum();
            sum.max(r.marker.unwrap_or(0))
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = width - label_w - right;
    let x_of = |v: f64| label_w + v / max as f64 * plot_w;
    let mut body = String::new();
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let total: u64 = r.parts.iter().map(|(v, _)| v).sum();
        let _ = write!(
            body,
            "<g class=\"bar\" data-key=\"{}\" data-total=\"{}\"",
            escape(&r.key),
            total
        );
        if let Some(m) = r.marker {
            let _ = write!(body, " data-limit=\"{m}\"");
        }
        if let Some(d) = r.dot {
            let _ = write!(body, " data-on-shift=\"{d}\"");
        }
        body.push('>');
        let mut label_x = 4.0;
        if let Some(on) = r.dot {
            let _ =
                write!(
                body,
                "<circle cx=\"9\" cy=\"{cy:.1}\" r=\"5\" fill=\"{c}\"><title>{t}</title></circle>",
                cy = y + row_h / 2.0,
                c = if on { ON_SHIFT_COLOUR } else { OFF_SHIFT_COLOUR },
                t = if on {
                    "Sedang bertugas"
                } else {
                    "Di luar jadwal"
                },
            );
            label_x = 20.0;
        }
        let _ = write!(
            body,
            "<text x=\"{label_x}\" y=\"{ty:.1}\" font-size=\"11\" {FONT}>{l}</text>",
            ty = y + row_h / 2.0 + 4.0,
            l = escape(&truncate(&r.label, if r.dot.is_some() { 26 } else { 29 })),
        );
        let mut acc = 0u64;
        for (v, colour) in &r.parts {
            if *v == 0 {
                continue;
            }
            let x0 = x_of(acc as f64);
            let x1 = x_of((acc + v) as f64);
            let _ = write!(
                body,
                "<rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{c}\" data-count=\"{v}\"><title>{l}: {v}</title></rect>",
                ry = y + 4.0,
                w = (x1 - x0).max(0.5),
                h = row_h - 8.0,
                c = escape(colour),
                l = escape(&r.label),
            );
            acc += v;
        }
        if let Some(m) = r.marker {
            let mx = x_of(m as f64);
            let _ = write!(
                body,
                "<line x1=\"{mx:.1}\" x2=\"{mx:.1}\" y1=\"{y1:.1}\" y2=\"{y2:.1}\" stroke=\"{MARKER_COLOUR}\" stroke-width=\"2\"><title>Batas {m} kasus</title></line>",
                y1 = y + 1.0,
                y2 = y + row_h - 1.0,
            );
        }
        let value = match r.marker {
            Some(m) => format!("{total}/{m}"),
            None => total.to_string(),
        };
        let _ = write!(
            body,
            "<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" {FONT}>{value}</text></g>",
            tx = x_of(acc.max(r.marker.unwrap_or(0)) as f64) + 4.0,
            ty = y + row_h / 2.0 + 4.0,
        );
    }
    let mut bottom = top + row_h * rows.len() as f64;
    if rows.is_empty() {
        let _ = write!(
            body,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#666666\" {FONT}>Tidak ada data</text>",
            width / 2.0,
            top + 20.0
        );
        bottom = top + 32.0;
    }
    if !legend_items.is_empty() {
        let (l, b) = legend(legend_items, bottom + 18.0, width);
        body.push_str(&l);
        bottom = b;
    }
    svg(title, width, bottom + 4.0, &body)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn svg(title: &str, width: f64, height: f64, body: &str) -> String {
    format!(
        "<svg class=\"chart-svg\" viewBox=\"0 0 {width} {height:.0}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>{body}</svg>",
        t = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round_numbers_covering_the_maximum_in_about_four_steps() {
        assert_eq!(tick_step(0), 1);
        assert_eq!(tick_step(3), 1);
        assert_eq!(tick_step(7), 2);
        assert_eq!(tick_step(17), 5);
        assert_eq!(tick_step(40), 10);
        assert_eq!(tick_step(41), 20);
        assert_eq!(tick_step(999), 500);
        for max in 1..2_000u64 {
            let step = tick_step(max);
            assert!(max.div_ceil(step) <= 4, "{max}: step {step}");
        }
    }

    #[test]
    fn chart_labels_from_the_database_are_escaped() {
        let rows = [Bar {
            key: "<b>".into(),
            label: "Kantor <script>alert(1)</script>".into(),
            parts: vec![(3, LOAD_COLOUR)],
            marker: Some(5),
            dot: Some(true),
        }];
        let out = bars("Beban", &rows, &[("Batas \"x\"", MARKER_COLOUR)]);
        assert!(!out.contains("<script>"));
        assert!(!out.contains("<b>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(out.contains("data-limit=\"5\""));
        assert!(out.contains("data-on-shift=\"true\""));
        assert!(out.contains(">3/5<"));
    }

    #[test]
    fn stacked_columns_stack_each_series_and_label_the_total() {
        let columns = vec![
            ("2026-11-22".to_string(), "22/11".to_string()),
            ("2026-11-23".to_string(), "23/11".to_string()),
        ];
        let series = vec![
            Series {
                key: "pindah_faskes".into(),
                label: "Pindah FKTP".into(),
                colour: PALETTE[0],
            },
            Series {
                key: "pengaduan".into(),
                label: "Pengaduan".into(),
                colour: PALETTE[1],
            },
        ];
        let out = stacked_columns("Per hari", &columns, &series, &[vec![0, 0], vec![2, 3]]);
        assert!(out.contains("data-key=\"2026-11-23\" data-total=\"5\""));
        assert!(out.contains("data-key=\"2026-11-22\" data-total=\"0\""));
        assert_eq!(
            out.matches("<rect").count(),
            2 + 2,
            "two segments, two legend keys"
        );
        assert!(out.contains("data-series=\"pengaduan\" data-count=\"3\""));
        assert!(!out.contains("Belum ada kasus"));
        let empty = stacked_columns("Per hari", &columns, &series, &[vec![0, 0], vec![0, 0]]);
        assert!(empty.contains("Belum ada kasus pada periode ini"));
    }

    #[test]
    fn a_supervisor_sees_their_branch_and_the_unplaced_cases_an_admin_everything() {
        let b = Scope::Branch(OfficeId(4));
        assert!(b.covers(Some(OfficeId(4))));
        assert!(b.covers(None));
        assert!(!b.covers(Some(OfficeId(5))));
        assert!(Scope::All.covers(Some(OfficeId(5))));
        assert!(!Scope::Unplaced.covers(Some(OfficeId(4))));
        assert_eq!(b.open_query().office_id, Some(OfficeId(4)));
        assert!(b.open_query().include_unplaced);
    }

    #[test]
    fn working_time_reads_naturally() {
        assert_eq!(working_time(5), "5 menit kerja");
        assert_eq!(working_time(120), "2 jam kerja");
        assert_eq!(working_time(135), "2 jam 15 menit kerja");
    }
}

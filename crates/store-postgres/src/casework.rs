//! PANDAWA on PostgreSQL: agents and their sessions, the life of a case after its creation
//! (`assistant.rs` creates them), form links, attachments and the audit log. The contract is
//! documented on `store::Store`.
//!
//! Several nodes share the database, so every check-then-write is made safe by a row lock:
//! a case change locks the case (`FOR UPDATE`) before comparing its status with the one the
//! change was decided against, and a form submission locks its link, so two agents acting at
//! once, or a form sent twice, never both succeed.

use crate::assistant::{self, CreateCaseStatements, CASE_BY_ID};
use crate::error::{corrupt, PgResultExt};
use crate::messaging;
use crate::pool::Connection;
use crate::rows::{self, case_cols, get, stored_instant};
use crate::{int4, PgStore};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, NaiveDate, Utc};
use store::{
    Actor, Agent, AgentId, AgentSession, Attachment, AttachmentId, AuditEntry, AuditId, AuditQuery,
    Case, CaseChange, CaseEvent, CaseEventId, CaseEventKind, CaseId, CaseQuery, DailyCaseCount,
    FamilyId, FormLink, NewAgent, NewAgentSession, NewAttachment, NewAudit, NewCase, NewFormLink,
    OfficeId, ParticipantId, Result, SignInFailure, StoreError,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row, Statement, Transaction};

fn json(s: &str, col: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
}

fn narrow_u32(v: i32, col: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| corrupt(col, format!("{v} out of range")))
}

/// An actor is stored as its kind and, for an agent, the agent's id.
fn actor(kind: &str, agent: Option<i64>, col: &str) -> Result<Actor> {
    match (kind, agent) {
        ("agent", Some(id)) => Ok(Actor::Agent(AgentId(id))),
        ("participant", None) => Ok(Actor::Participant),
        ("system", None) => Ok(Actor::System),
        _ => Err(corrupt(col, format!("unknown actor '{kind}'"))),
    }
}

fn status_opt(s: Option<&str>, col: &str) -> Result<Option<CaseStatus>> {
    s.map(|s| rows::case_status(s, col)).transpose()
}

// ---- agents -------------------------------------------------------------------------------

macro_rules! agent_cols {
    () => {
        "a.id, a.username, a.name, a.role, a.office_id, a.password_hash, a.shifts, \
         a.max_open_cases, a.active, a.failed_sign_ins, a.locked_until, a.last_assigned_at, \
         a.created_at"
    };
}

fn agent_row(r: &Row) -> Result<Agent> {
    let role: &str = get(r, 3, "agents.role")?;
    let shifts: &str = get(r, 6, "agents.shifts")?;
    Ok(Agent {
        id: AgentId(get(r, 0, "agents.id")?),
        username: get(r, 1, "agents.username")?,
        name: get(r, 2, "agents.name")?,
        role: role
            .parse::<AgentRole>()
            .map_err(|e| corrupt("agents.role", e))?,
        office_id: get::<Option<i64>>(r, 4, "agents.office_id")?.map(OfficeId),
        password_hash: get(r, 5, "agents.password_hash")?,
        shifts: serde_json::from_str::<Vec<Shift>>(shifts)
            .map_err(|e| corrupt("agents.shifts", e))?,
        max_open_cases: narrow_u32(get(r, 7, "agents.max_open_cases")?, "agents.max_open_cases")?,
        active: get(r, 8, "agents.active")?,
        failed_sign_ins: narrow_u32(
            get(r, 9, "agents.failed_sign_ins")?,
            "agents.failed_sign_ins",
        )?,
        locked_until: get(r, 10, "agents.locked_until")?,
        last_assigned_at: get(r, 11, "agents.last_assigned_at")?,
        created_at: get(r, 12, "agents.created_at")?,
    })
}

fn shifts_json(shifts: &[Shift]) -> Result<String> {
    serde_json::to_string(shifts).map_err(|e| StoreError::Other(format!("encoding shifts: {e}")))
}

pub(crate) async fn create_agent(db: &PgStore, new: NewAgent) -> Result<Agent> {
    let shifts = shifts_json(&new.shifts)?;
    let created_at = stored_instant(new.created_at);
    // A taken username is a unique violation, which `error::map` makes a `Conflict`.
    let id = db
        .query_opt(
            "INSERT INTO agents (username, name, role, office_id, password_hash, shifts, \
             max_open_cases, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &new.username,
                &new.name,
                &new.role.as_str(),
                &new.office_id.map(|o| o.0),
                &new.password_hash,
                &shifts,
                &int4(new.max_open_cases, "max_open_cases")?,
                &created_at,
            ],
            |r| get::<i64>(r, 0, "agents.id"),
        )
        .await?
        .ok_or_else(|| StoreError::Other("INSERT returned no agent id".into()))?;
    Ok(Agent {
        id: AgentId(id),
        username: new.username,
        name: new.name,
        role: new.role,
        office_id: new.office_id,
        password_hash: new.password_hash,
        shifts: new.shifts,
        max_open_cases: new.max_open_cases,
        active: true,
        failed_sign_ins: 0,
        locked_until: None,
        last_assigned_at: None,
        created_at,
    })
}

pub(crate) async fn agent(db: &PgStore, id: AgentId) -> Result<Option<Agent>> {
    db.query_opt(
        concat!("SELECT ", agent_cols!(), " FROM agents a WHERE a.id = $1"),
        &[&id.0],
        agent_row,
    )
    .await
}

pub(crate) async fn agent_by_username(db: &PgStore, username: &str) -> Result<Option<Agent>> {
    db.query_opt(
        concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents a WHERE a.username = $1"
        ),
        &[&username],
        agent_row,
    )
    .await
}

pub(crate) async fn agents(db: &PgStore, office: Option<OfficeId>) -> Result<Vec<Agent>> {
    db.query_all(
        concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents a WHERE ($1::bigint IS NULL OR a.office_id = $1) ORDER BY a.id"
        ),
        &[&office.map(|o| o.0)],
        agent_row,
    )
    .await
}

pub(crate) async fn update_agent(db: &PgStore, a: &Agent) -> Result<()> {
    let shifts = shifts_json(&a.shifts)?;
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare(
            "UPDATE agents SET name = $2, role = $3, office_id = $4, password_hash = $5, \
             shifts = $6, max_open_cases = $7, active = $8 WHERE id = $1",
        )
        .await?;
    let changed = conn
        .client
        .execute(
            &st,
            &[
                &a.id.0,
                &a.name,
                &a.role.as_str(),
                &a.office_id.map(|o| o.0),
                &a.password_hash,
                &shifts,
                &int4(a.max_open_cases, "max_open_cases")?,
                &a.active,
            ],
        )
        .await
        .db()?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("agent {}", a.id)));
    }
    Ok(())
}

pub(crate) async fn agent_sign_in_failed(
    db: &PgStore,
    id: AgentId,
    failure: SignInFailure,
) -> Result<Agent> {
    let until = stored_instant(failure.at + failure.lock_for);
    // One statement, so wrong passwords typed at once on several nodes are all counted: the
    // row lock of the UPDATE orders them and each sees the count the one before left.
    db.query_opt(
        concat!(
            "UPDATE agents a SET \
             failed_sign_ins = CASE WHEN a.failed_sign_ins + 1 >= $2 THEN 0 \
               ELSE a.failed_sign_ins + 1 END, \
             locked_until = CASE WHEN a.failed_sign_ins + 1 >= $2 THEN $3 \
               ELSE a.locked_until END \
             WHERE a.id = $1 RETURNING ",
            agent_cols!()
        ),
        &[&id.0, &int4(failure.max_failures, "max_failures")?, &until],
        agent_row,
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("agent {id}")))
}

pub(crate) async fn agent_signed_in(db: &PgStore, id: AgentId) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare("UPDATE agents SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1")
        .await?;
    if conn.client.execute(&st, &[&id.0]).await.db()? == 0 {
        return Err(StoreError::NotFound(format!("agent {id}")));
    }
    Ok(())
}

pub(crate) async fn create_agent_session(db: &PgStore, s: NewAgentSession) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare(
            "INSERT INTO agent_sessions (token_hash, agent_id, csrf_token, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    conn.client
        .execute(
            &st,
            &[
                &s.token_hash,
                &s.agent_id.0,
                &s.csrf_token,
                &stored_instant(s.created_at),
                &stored_instant(s.expires_at),
            ],
        )
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn agent_session(
    db: &PgStore,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<AgentSession>> {
    db.query_opt(
        "SELECT token_hash, agent_id, csrf_token, created_at, expires_at FROM agent_sessions \
         WHERE token_hash = $1 AND expires_at > $2",
        &[&token_hash, &stored_instant(now)],
        |r| {
            Ok(AgentSession {
                token_hash: get(r, 0, "agent_sessions.token_hash")?,
                agent_id: AgentId(get(r, 1, "agent_sessions.agent_id")?),
                csrf_token: get(r, 2, "agent_sessions.csrf_token")?,
                created_at: get(r, 3, "agent_sessions.created_at")?,
                expires_at: get(r, 4, "agent_sessions.expires_at")?,
            })
        },
    )
    .await
}

pub(crate) async fn end_agent_session(db: &PgStore, token_hash: &str) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare("DELETE FROM agent_sessions WHERE token_hash = $1")
        .await?;
    conn.client.execute(&st, &[&token_hash]).await.db()?;
    Ok(())
}

// ---- case history -----------------------------------------------------------------------------

pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO case_events (case_id, kind, actor, actor_agent, from_status, to_status, \
     assigned_to, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// One history entry, as [`insert_event`] stores it.
pub(crate) struct EventRow<'a> {
    pub case_id: CaseId,
    pub kind: CaseEventKind,
    pub actor: &'a Actor,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub assigned_to: Option<AgentId>,
    pub text: &'a str,
    pub at: DateTime<Utc>,
}

/// [`INSERT_EVENT`] (prepared as `st`) on a client or in a transaction.
pub(crate) async fn insert_event(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    e: EventRow<'_>,
) -> Result<()> {
    client
        .execute(
            st,
            &[
                &e.case_id.0,
                &e.kind.as_str(),
                &e.actor.as_str(),
                &e.actor.agent_id().map(|a| a.0),
                &e.from_status.map(CaseStatus::as_str),
                &e.to_status.map(CaseStatus::as_str),
                &e.assigned_to.map(|a| a.0),
                &e.text,
                &stored_instant(e.at),
            ],
        )
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn case_events(db: &PgStore, id: CaseId) -> Result<Vec<CaseEvent>> {
    db.query_all(
        "SELECT id, case_id, kind, actor, actor_agent, from_status, to_status, assigned_to, \
         text, at FROM case_events WHERE case_id = $1 ORDER BY at, id",
        &[&id.0],
        |r| {
            let kind: &str = get(r, 2, "case_events.kind")?;
            Ok(CaseEvent {
                id: CaseEventId(get(r, 0, "case_events.id")?),
                case_id: CaseId(get(r, 1, "case_events.case_id")?),
                kind: CaseEventKind::parse(kind)
                    .ok_or_else(|| corrupt("case_events.kind", format!("unknown kind '{kind}'")))?,
                actor: actor(
                    get(r, 3, "case_events.actor")?,
                    get(r, 4, "case_events.actor_agent")?,
                    "case_events.actor",
                )?,
                from_status: status_opt(
                    get(r, 5, "case_events.from_status")?,
                    "case_events.from_status",
                )?,
                to_status: status_opt(
                    get(r, 6, "case_events.to_status")?,
                    "case_events.to_status",
                )?,
                assigned_to: get::<Option<i64>>(r, 7, "case_events.assigned_to")?.map(AgentId),
                text: get(r, 8, "case_events.text")?,
                at: get(r, 9, "case_events.at")?,
            })
        },
    )
    .await
}

// ---- listing and counting cases -------------------------------------------------------------

pub(crate) async fn case(db: &PgStore, id: CaseId) -> Result<Option<Case>> {
    assistant::case(db, id).await
}

/// The WHERE clause is built from the fields the query sets, so each shape of query gets a
/// plan that uses its index (a catch-all `$1 IS NULL OR ...` statement would not); values
/// always travel as parameters.
pub(crate) async fn list_cases(db: &PgStore, q: &CaseQuery) -> Result<Vec<Case>> {
    let office = q.office_id.map(|o| o.0);
    let assignee = q.assigned_to.flatten().map(|a| a.0);
    let statuses: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
    let created_from = q.created_from.map(stored_instant);
    let limit = i64::from(q.limit);

    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    // Parameters are numbered in the order they are pushed.
    if let Some(office) = &office {
        params.push(office);
        conditions.push(if q.include_unplaced {
            format!("(office_id = ${} OR office_id IS NULL)", params.len())
        } else {
            format!("office_id = ${}", params.len())
        });
    }
    match (&q.assigned_to, &assignee) {
        (Some(None), _) => conditions.push("assigned_to IS NULL".to_owned()),
        (Some(Some(_)), Some(a)) => {
            params.push(a);
            conditions.push(format!("assigned_to = ${}", params.len()));
        }
        _ => {}
    }
    if !statuses.is_empty() {
        params.push(&statuses);
        conditions.push(format!("status = ANY (${}::text[])", params.len()));
    }
    if let Some(kind) = &q.kind {
        params.push(kind);
        conditions.push(format!("kind = ${}", params.len()));
    }
    if let Some(channel) = &q.channel {
        params.push(channel);
        conditions.push(format!("channel = ${}", params.len()));
    }
    if let Some(sender) = &q.sender {
        params.push(sender);
        conditions.push(format!("sender = ${}", params.len()));
    }
    if let Some(from) = &created_from {
        params.push(from);
        conditions.push(format!("created_at >= ${}", params.len()));
    }
    let mut sql = concat!("SELECT ", case_cols!(), " FROM cases").to_owned();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(if q.oldest_first {
        " ORDER BY created_at, id"
    } else {
        " ORDER BY created_at DESC, id DESC"
    });
    params.push(&limit);
    sql.push_str(&format!(" LIMIT ${}", params.len()));

    let conn = db.pool.get().await?;
    let found = conn.client.query(sql.as_str(), &params).await.db()?;
    found.iter().map(rows::case).collect()
}

pub(crate) async fn open_cases_per_agent(db: &PgStore) -> Result<Vec<(AgentId, u32)>> {
    db.query_all(
        "SELECT assigned_to, COUNT(*) FROM cases WHERE assigned_to IS NOT NULL \
         AND status IN ('submitted', 'in_progress', 'waiting_participant') \
         GROUP BY assigned_to ORDER BY assigned_to",
        &[],
        |r| {
            let n: i64 = get(r, 1, "count")?;
            Ok((
                AgentId(get(r, 0, "cases.assigned_to")?),
                u32::try_from(n).map_err(|e| corrupt("count", e))?,
            ))
        },
    )
    .await
}

pub(crate) async fn case_daily_counts(
    db: &PgStore,
    since: DateTime<Utc>,
    utc_offset_minutes: i32,
) -> Result<Vec<DailyCaseCount>> {
    // The local day is the UTC wall time shifted by the zone's fixed offset (Indonesia has no
    // daylight saving), independent of the session's TimeZone setting.
    db.query_all(
        "SELECT ((created_at AT TIME ZONE 'UTC') + make_interval(mins => $2))::date AS day, \
         kind, channel, COUNT(*) FROM cases WHERE created_at >= $1 \
         GROUP BY day, kind, channel ORDER BY day, kind, channel",
        &[&stored_instant(since), &utc_offset_minutes],
        |r| {
            let n: i64 = get(r, 3, "count")?;
            Ok(DailyCaseCount {
                day: get::<NaiveDate>(r, 0, "day")?,
                kind: get(r, 1, "cases.kind")?,
                channel: get(r, 2, "cases.channel")?,
                count: n.max(0) as u64,
            })
        },
    )
    .await
}

// ---- changing a case --------------------------------------------------------------------------

const LOCK_CASE: &str = "SELECT status, assigned_to FROM cases WHERE id = $1 FOR UPDATE";

const TOUCH_AGENT: &str = "UPDATE agents SET last_assigned_at = $2 WHERE id = $1";

// $3: NULL when the status stays, else whether the new one is closed; $4: whether the
// assignment changes, $5 the new assignee (NULL unassigns).
const UPDATE_CASE: &str = concat!(
    "UPDATE cases SET status = COALESCE($2, status), \
     closed_at = CASE WHEN $3::boolean IS NULL THEN closed_at \
       WHEN $3 THEN COALESCE(closed_at, $8) ELSE NULL END, \
     assigned_to = CASE WHEN $4 THEN $5::bigint ELSE assigned_to END, \
     assigned_at = CASE WHEN NOT $4 THEN assigned_at WHEN $5::bigint IS NULL THEN NULL \
       ELSE $8 END, \
     first_response_at = CASE WHEN $6 THEN COALESCE(first_response_at, $8) \
       ELSE first_response_at END, \
     fields = COALESCE($7, fields), updated_at = $8 \
     WHERE id = $1 RETURNING ",
    case_cols!()
);

pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, agent_id, action, participant_id, case_id, detail) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// Everything a change may run, prepared before its transaction starts.
struct ChangeStatements {
    lock: Statement,
    touch_agent: Statement,
    update: Statement,
    event: Statement,
    outbound: Statement,
    turns: Statement,
    conversations: Statement,
    audit: Statement,
}

impl ChangeStatements {
    async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(ChangeStatements {
            lock: conn.prepare(LOCK_CASE).await?,
            touch_agent: conn.prepare(TOUCH_AGENT).await?,
            update: conn.prepare(UPDATE_CASE).await?,
            event: conn.prepare(INSERT_EVENT).await?,
            outbound: conn.prepare(messaging::INSERT_OUTBOUND).await?,
            turns: conn.prepare(assistant::APPEND_TURNS).await?,
            conversations: conn.prepare(assistant::SAVE_CONVERSATIONS).await?,
            audit: conn.prepare(INSERT_AUDIT).await?,
        })
    }
}

pub(crate) async fn insert_audit(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    a: &NewAudit,
) -> Result<()> {
    client
        .execute(
            st,
            &[
                &stored_instant(a.at),
                &a.agent_id.map(|x| x.0),
                &a.action,
                &a.participant_id.map(|x| x.0),
                &a.case_id.map(|x| x.0),
                &a.detail,
            ],
        )
        .await
        .db()?;
    Ok(())
}

/// Applies `change` inside the caller's transaction (see [`CaseChange`]). On an error the
/// caller drops the transaction, so nothing of the change is stored.
async fn apply_change(
    tx: &Transaction<'_>,
    st: &ChangeStatements,
    change: CaseChange,
) -> Result<Case> {
    let id = change.case_id;
    let at = stored_instant(change.event.at);
    // The lock holds off any other change of this case until this transaction ends, so the
    // status compared here is the one the update below replaces.
    let locked = tx
        .query_opt(&st.lock, &[&id.0])
        .await
        .db()?
        .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    let current = rows::case_status(get(&locked, 0, "cases.status")?, "cases.status")?;
    if let Some(expected) = change.expected_assignee {
        let assigned = get::<Option<i64>>(&locked, 1, "cases.assigned_to")?.map(AgentId);
        if assigned != expected {
            return Err(StoreError::Conflict(format!(
                "case {id} was assigned meanwhile"
            )));
        }
    }
    if current != change.expected_status {
        return Err(StoreError::Conflict(format!(
            "case {id} is {current}, no longer {}",
            change.expected_status
        )));
    }
    let assignee = change.assign.flatten();
    if let Some(agent) = assignee {
        // The rotation gives the next case to whoever waited longest.
        if tx.execute(&st.touch_agent, &[&agent.0, &at]).await.db()? == 0 {
            return Err(StoreError::NotFound(format!("agent {agent}")));
        }
    }
    let fields = change.fields.as_ref().map(|f| f.to_string());
    let row = tx
        .query_one(
            &st.update,
            &[
                &id.0,
                &change.status.map(CaseStatus::as_str),
                &change.status.map(CaseStatus::is_closed),
                &change.assign.is_some(),
                &assignee.map(|a| a.0),
                &change.first_response,
                &fields,
                &at,
            ],
        )
        .await
        .db()?;
    let case = rows::case(&row)?;
    insert_event(
        tx,
        &st.event,
        EventRow {
            case_id: id,
            kind: change.event.kind,
            actor: &change.event.actor,
            from_status: change.status.map(|_| current),
            to_status: change.status,
            assigned_to: assignee,
            text: &change.event.text,
            at,
        },
    )
    .await?;
    let outbound: Vec<_> = change.outbound.iter().collect();
    messaging::insert_outbound_rows(tx, &st.outbound, &outbound, None).await?;
    let turns: Vec<_> = change.turns.iter().collect();
    assistant::insert_turns(tx, &st.turns, &turns).await?;
    if let Some(c) = &change.conversation {
        assistant::save_conversations(tx, &st.conversations, &[c]).await?;
    }
    if let Some(a) = &change.audit {
        insert_audit(tx, &st.audit, a).await?;
    }
    Ok(case)
}

pub(crate) async fn change_case(db: &PgStore, change: CaseChange) -> Result<Case> {
    let mut conn = db.pool.get().await?;
    let st = ChangeStatements::prepare(&mut conn).await?;
    let tx = conn.client.transaction().await.db()?;
    let case = apply_change(&tx, &st, change).await?;
    tx.commit().await.db()?;
    Ok(case)
}

// ---- form links -------------------------------------------------------------------------------

macro_rules! link_cols {
    () => {
        "id, kind, channel, sender, participant_id, family_id, office_id, case_id, prefill, \
         draft, draft_saved_at, created_at, expires_at, submitted_case, submitted_at"
    };
}

fn form_link_row(r: &Row) -> Result<FormLink> {
    Ok(FormLink {
        id: get(r, 0, "form_links.id")?,
        kind: get(r, 1, "form_links.kind")?,
        channel: get(r, 2, "form_links.channel")?,
        sender: get(r, 3, "form_links.sender")?,
        participant_id: get::<Option<i64>>(r, 4, "form_links.participant_id")?.map(ParticipantId),
        family_id: get::<Option<i64>>(r, 5, "form_links.family_id")?.map(FamilyId),
        office_id: get::<Option<i64>>(r, 6, "form_links.office_id")?.map(OfficeId),
        case_id: get::<Option<i64>>(r, 7, "form_links.case_id")?.map(CaseId),
        prefill: json(get(r, 8, "form_links.prefill")?, "form_links.prefill")?,
        draft: json(get(r, 9, "form_links.draft")?, "form_links.draft")?,
        draft_saved_at: get(r, 10, "form_links.draft_saved_at")?,
        created_at: get(r, 11, "form_links.created_at")?,
        expires_at: get(r, 12, "form_links.expires_at")?,
        submitted_case: get::<Option<i64>>(r, 13, "form_links.submitted_case")?.map(CaseId),
        submitted_at: get(r, 14, "form_links.submitted_at")?,
    })
}

/// The draft of a link nobody has typed into yet.
fn empty_draft() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

pub(crate) async fn create_form_link(db: &PgStore, new: NewFormLink) -> Result<FormLink> {
    let prefill = new.prefill.to_string();
    let draft = empty_draft();
    let created_at = stored_instant(new.created_at);
    let expires_at = stored_instant(new.expires_at);
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare(
            "INSERT INTO form_links (id, kind, channel, sender, participant_id, family_id, \
             office_id, case_id, prefill, draft, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    conn.client
        .execute(
            &st,
            &[
                &new.id,
                &new.kind,
                &new.channel,
                &new.sender,
                &new.participant_id.map(|p| p.0),
                &new.family_id.map(|f| f.0),
                &new.office_id.map(|o| o.0),
                &new.case_id.map(|c| c.0),
                &prefill,
                &draft.to_string(),
                &created_at,
                &expires_at,
            ],
        )
        .await
        .db()?;
    Ok(FormLink {
        id: new.id,
        kind: new.kind,
        channel: new.channel,
        sender: new.sender,
        participant_id: new.participant_id,
        family_id: new.family_id,
        office_id: new.office_id,
        case_id: new.case_id,
        prefill: new.prefill,
        draft,
        draft_saved_at: None,
        created_at,
        expires_at,
        submitted_case: None,
        submitted_at: None,
    })
}

pub(crate) async fn form_link(db: &PgStore, id: &str) -> Result<Option<FormLink>> {
    db.query_opt(
        concat!("SELECT ", link_cols!(), " FROM form_links WHERE id = $1"),
        &[&id],
        form_link_row,
    )
    .await
}

pub(crate) async fn save_form_draft(
    db: &PgStore,
    id: &str,
    draft: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    let draft = draft.to_string();
    // Conditional on the link being unused, in the same statement, so a draft saved while
    // the form is being submitted cannot change what was filed.
    let outcome = db
        .query_opt(
            "WITH saved AS (UPDATE form_links SET draft = $2, draft_saved_at = $3 \
             WHERE id = $1 AND submitted_case IS NULL RETURNING 1) \
             SELECT EXISTS (SELECT 1 FROM saved), EXISTS (SELECT 1 FROM form_links WHERE id = $1)",
            &[&id, &draft, &stored_instant(at)],
            |r| Ok((get::<bool>(r, 0, "saved")?, get::<bool>(r, 1, "exists")?)),
        )
        .await?;
    match outcome {
        Some((true, _)) => Ok(()),
        Some((false, true)) => Err(StoreError::Conflict(
            "the form was already submitted".to_owned(),
        )),
        _ => Err(StoreError::NotFound(format!("form link {id}"))),
    }
}

const LOCK_LINK: &str = "SELECT submitted_case, case_id FROM form_links WHERE id = $1 FOR UPDATE";

const MARK_LINK: &str =
    "UPDATE form_links SET submitted_case = $2, submitted_at = $3 WHERE id = $1";

/// The form's uploads become the case's; `form_id` stays, as where they came from.
const MOVE_ATTACHMENTS: &str =
    "UPDATE attachments SET case_id = $2 WHERE form_id = $1 AND case_id IS NULL";

struct LinkStatements {
    lock: Statement,
    mark: Statement,
    move_attachments: Statement,
    case: Statement,
}

impl LinkStatements {
    async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(LinkStatements {
            lock: conn.prepare(LOCK_LINK).await?,
            mark: conn.prepare(MARK_LINK).await?,
            move_attachments: conn.prepare(MOVE_ATTACHMENTS).await?,
            case: conn.prepare(CASE_BY_ID).await?,
        })
    }
}

/// Locks the link until the transaction ends (a second submission waits here, then finds it
/// used) and returns (the case it was used for, the case it completes).
async fn lock_link(
    tx: &Transaction<'_>,
    st: &LinkStatements,
    id: &str,
) -> Result<(Option<CaseId>, Option<CaseId>)> {
    let row = tx
        .query_opt(&st.lock, &[&id])
        .await
        .db()?
        .ok_or_else(|| StoreError::NotFound(format!("form link {id}")))?;
    Ok((
        get::<Option<i64>>(&row, 0, "form_links.submitted_case")?.map(CaseId),
        get::<Option<i64>>(&row, 1, "form_links.case_id")?.map(CaseId),
    ))
}

async fn case_in(tx: &Transaction<'_>, st: &LinkStatements, id: CaseId) -> Result<Case> {
    let row = tx
        .query_opt(&st.case, &[&id.0])
        .await
        .db()?
        .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    rows::case(&row)
}

pub(crate) async fn submit_form(
    db: &PgStore,
    id: &str,
    new: NewCase,
    at: DateTime<Utc>,
) -> Result<Case> {
    let mut conn = db.pool.get().await?;
    let st = LinkStatements::prepare(&mut conn).await?;
    let create = CreateCaseStatements::prepare(&mut conn).await?;
    let tx = conn.client.transaction().await.db()?;
    let (submitted, _) = lock_link(&tx, &st, id).await?;
    if let Some(case_id) = submitted {
        // Sent again (a retry over a bad connection, a second tab): the first filing stands.
        let case = case_in(&tx, &st, case_id).await?;
        tx.rollback().await.db()?;
        return Ok(case);
    }
    let case = assistant::create_case_with(&tx, &create, new).await?;
    tx.execute(&st.mark, &[&id, &case.id.0, &stored_instant(at)])
        .await
        .db()?;
    tx.execute(&st.move_attachments, &[&id, &case.id.0])
        .await
        .db()?;
    tx.commit().await.db()?;
    Ok(case)
}

pub(crate) async fn complete_form_link(
    db: &PgStore,
    id: &str,
    change: CaseChange,
    at: DateTime<Utc>,
) -> Result<Case> {
    let mut conn = db.pool.get().await?;
    let st = LinkStatements::prepare(&mut conn).await?;
    let changes = ChangeStatements::prepare(&mut conn).await?;
    let tx = conn.client.transaction().await.db()?;
    let (submitted, completes) = lock_link(&tx, &st, id).await?;
    if let Some(case_id) = submitted {
        let case = case_in(&tx, &st, case_id).await?;
        tx.rollback().await.db()?;
        return Ok(case);
    }
    let Some(case_id) = completes else {
        return Err(StoreError::Conflict(format!(
            "form link {id} files a new case; it completes none"
        )));
    };
    if change.case_id != case_id {
        return Err(StoreError::Conflict(format!(
            "form link {id} completes case {case_id}, not case {}",
            change.case_id
        )));
    }
    tx.execute(&st.mark, &[&id, &case_id.0, &stored_instant(at)])
        .await
        .db()?;
    tx.execute(&st.move_attachments, &[&id, &case_id.0])
        .await
        .db()?;
    let case = apply_change(&tx, &changes, change).await?;
    tx.commit().await.db()?;
    Ok(case)
}

// ---- attachments ------------------------------------------------------------------------------

macro_rules! attachment_cols {
    () => {
        "id, case_id, form_id, document, filename, content_type, size_bytes, sha256, path, \
         uploaded_by, uploaded_agent, uploaded_at"
    };
}

fn attachment_row(r: &Row) -> Result<Attachment> {
    let size: i64 = get(r, 6, "attachments.size_bytes")?;
    Ok(Attachment {
        id: AttachmentId(get(r, 0, "attachments.id")?),
        case_id: get::<Option<i64>>(r, 1, "attachments.case_id")?.map(CaseId),
        form_id: get(r, 2, "attachments.form_id")?,
        document: get(r, 3, "attachments.document")?,
        filename: get(r, 4, "attachments.filename")?,
        content_type: get(r, 5, "attachments.content_type")?,
        size_bytes: u64::try_from(size).map_err(|e| corrupt("attachments.size_bytes", e))?,
        sha256: get(r, 7, "attachments.sha256")?,
        path: get(r, 8, "attachments.path")?,
        uploaded_by: actor(
            get(r, 9, "attachments.uploaded_by")?,
            get(r, 10, "attachments.uploaded_agent")?,
            "attachments.uploaded_by",
        )?,
        uploaded_at: get(r, 11, "attachments.uploaded_at")?,
    })
}

pub(crate) async fn add_attachment(db: &PgStore, new: NewAttachment) -> Result<Attachment> {
    let size = i64::try_from(new.size_bytes)
        .map_err(|_| StoreError::Other(format!("size {} does not fit BIGINT", new.size_bytes)))?;
    let uploaded_at = stored_instant(new.uploaded_at);
    let id = db
        .query_opt(
            "INSERT INTO attachments (case_id, form_id, document, filename, content_type, \
             size_bytes, sha256, path, uploaded_by, uploaded_agent, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &new.case_id.map(|c| c.0),
                &new.form_id,
                &new.document,
                &new.filename,
                &new.content_type,
                &size,
                &new.sha256,
                &new.path,
                &new.uploaded_by.as_str(),
                &new.uploaded_by.agent_id().map(|a| a.0),
                &uploaded_at,
            ],
            |r| get::<i64>(r, 0, "attachments.id"),
        )
        .await?
        .ok_or_else(|| StoreError::Other("INSERT returned no attachment id".into()))?;
    Ok(Attachment {
        id: AttachmentId(id),
        case_id: new.case_id,
        form_id: new.form_id,
        document: new.document,
        filename: new.filename,
        content_type: new.content_type,
        size_bytes: new.size_bytes,
        sha256: new.sha256,
        path: new.path,
        uploaded_by: new.uploaded_by,
        uploaded_at,
    })
}

pub(crate) async fn attachment(db: &PgStore, id: AttachmentId) -> Result<Option<Attachment>> {
    db.query_opt(
        concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE id = $1"
        ),
        &[&id.0],
        attachment_row,
    )
    .await
}

pub(crate) async fn case_attachments(db: &PgStore, case: CaseId) -> Result<Vec<Attachment>> {
    db.query_all(
        concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE case_id = $1 ORDER BY uploaded_at, id"
        ),
        &[&case.0],
        attachment_row,
    )
    .await
}

pub(crate) async fn form_attachments(db: &PgStore, form_id: &str) -> Result<Vec<Attachment>> {
    // Once submitted they belong to the case and are listed there.
    db.query_all(
        concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE form_id = $1 AND case_id IS NULL ORDER BY uploaded_at, id"
        ),
        &[&form_id],
        attachment_row,
    )
    .await
}

// ---- audit ------------------------------------------------------------------------------------

pub(crate) async fn append_audit(db: &PgStore, entry: NewAudit) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(INSERT_AUDIT).await?;
    insert_audit(&conn.client, &st, &entry).await
}

pub(crate) async fn audit_entries(db: &PgStore, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    db.query_all(
        "SELECT l.id, l.at, l.agent_id, a.username, l.action, l.participant_id, l.case_id, \
         l.detail FROM audit_log l LEFT JOIN agents a ON a.id = l.agent_id \
         WHERE ($1::timestamptz IS NULL OR l.at >= $1) \
         AND ($2::timestamptz IS NULL OR l.at < $2) \
         AND ($3::bigint IS NULL OR l.agent_id = $3) \
         AND ($4::bigint IS NULL OR l.case_id = $4) \
         ORDER BY l.at, l.id LIMIT $5",
        &[
            &q.from.map(stored_instant),
            &q.to.map(stored_instant),
            &q.agent_id.map(|a| a.0),
            &q.case_id.map(|c| c.0),
            &i64::from(q.limit),
        ],
        |r| {
            Ok(AuditEntry {
                id: AuditId(get(r, 0, "audit_log.id")?),
                at: get(r, 1, "audit_log.at")?,
                agent_id: get::<Option<i64>>(r, 2, "audit_log.agent_id")?.map(AgentId),
                agent_username: get(r, 3, "agents.username")?,
                action: get(r, 4, "audit_log.action")?,
                participant_id: get::<Option<i64>>(r, 5, "audit_log.participant_id")?
                    .map(ParticipantId),
                case_id: get::<Option<i64>>(r, 6, "audit_log.case_id")?.map(CaseId),
                detail: get(r, 7, "audit_log.detail")?,
            })
        },
    )
    .await
}

/// Checks of what only PostgreSQL can get wrong: several connections racing on one row, and
/// the migration of cases stored before the lifecycle. The behaviour shared with SQLite is
/// covered by the conformance stories in `store-tests`.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::migrate::MIGRATIONS;
    use chrono::TimeZone as _;
    use serde_json::json;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use store::{NewCaseEvent, Store};

    const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

    /// A fresh database on the test server (as `store-tests`' harness finds it), dropped at
    /// the end.
    pub(crate) struct Fresh {
        admin_url: String,
        name: String,
        pub(crate) url: String,
    }

    impl Fresh {
        pub(crate) async fn new() -> Fresh {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let admin_url =
                std::env::var("LAYAN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
            let name = format!(
                "layan_pg_unit_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let admin = client(&admin_url).await;
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let url = match admin_url.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => panic!("LAYAN_TEST_POSTGRES_URL must be a postgres:// URL"),
            };
            Fresh {
                admin_url,
                name,
                url,
            }
        }

        pub(crate) async fn store(&self) -> Arc<PgStore> {
            Arc::new(PgStore::connect(&self.url).await.unwrap())
        }
    }

    impl Drop for Fresh {
        fn drop(&mut self) {
            let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
            // Drop runs inside the test's runtime: the cleanup gets one of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let admin = client(&admin_url).await;
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                });
            })
            .join();
        }
    }

    pub(crate) async fn client(url: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required by these tests: {e}"));
        tokio::spawn(connection);
        client
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).unwrap()
    }

    fn new_case(key: Option<&str>) -> NewCase {
        NewCase {
            kind: "pindah_faskes".into(),
            number_prefix: "PDW-F".into(),
            participant_id: None,
            family_id: None,
            office_id: None,
            channel: "webchat".into(),
            sender: "browser-1".into(),
            fields: json!({"fktp": "Puskesmas Patrang"}),
            status: CaseStatus::Submitted,
            submission_key: key.map(str::to_owned),
            created_at: at(0),
        }
    }

    fn new_agent(username: &str) -> NewAgent {
        NewAgent {
            username: username.into(),
            name: "Sari".into(),
            role: AgentRole::Agent,
            office_id: None,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            shifts: vec![Shift {
                weekday: 0,
                start: 480,
                end: 900,
            }],
            max_open_cases: 5,
            created_at: at(0),
        }
    }

    fn change(case: &Case, expected: CaseStatus, minute: u32) -> CaseChange {
        CaseChange {
            case_id: case.id,
            expected_status: expected,
            expected_assignee: None,
            status: None,
            assign: None,
            first_response: false,
            fields: None,
            event: NewCaseEvent {
                kind: CaseEventKind::Note,
                actor: Actor::System,
                text: String::new(),
                at: at(minute),
            },
            outbound: Vec::new(),
            turns: Vec::new(),
            conversation: None,
            audit: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn open_cases_of_the_old_schema_become_submitted() {
        let fresh = Fresh::new().await;
        let mut old = client(&fresh.url).await;
        // The schema as it was before PANDAWA, with one case of that time.
        let tx = old.transaction().await.unwrap();
        tx.batch_execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await
        .unwrap();
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 < 5) {
            tx.batch_execute(sql).await.unwrap();
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await
            .unwrap();
        }
        tx.batch_execute(
            "INSERT INTO cases (number, kind, channel, sender, fields, status, created_at, \
             updated_at) VALUES ('ADU-000001', 'pengaduan', 'webchat', 'b', '{}', 'open', \
             '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let store = fresh.store().await;
        let case = store.case_by_number("ADU-000001").await.unwrap().unwrap();
        assert_eq!(case.status, CaseStatus::Submitted);
        assert_eq!((case.assigned_to, case.closed_at), (None, None));
        // New cases continue the old numbering.
        let next = store.create_case(new_case(None)).await.unwrap();
        assert_eq!(next.id, CaseId(case.id.0 + 1));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_same_submission_key_sent_at_once_files_one_case() {
        let fresh = Fresh::new().await;
        let store = fresh.store().await;
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.create_case(new_case(Some("k-1"))).await })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap().unwrap().id);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "every submission got the first case");
        assert_eq!(store.case_events(ids[0]).await.unwrap().len(), 1);
        let all = store
            .list_cases(&CaseQuery {
                limit: 100,
                ..CaseQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].submission_key.as_deref(), Some("k-1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_form_submitted_twice_at_once_files_one_case_with_its_uploads() {
        let fresh = Fresh::new().await;
        let store = fresh.store().await;
        store
            .create_form_link(NewFormLink {
                id: "f-1".into(),
                kind: "pindah_faskes".into(),
                channel: "webchat".into(),
                sender: "browser-1".into(),
                participant_id: None,
                family_id: None,
                office_id: None,
                case_id: None,
                prefill: json!({}),
                created_at: at(0),
                expires_at: at(59),
            })
            .await
            .unwrap();
        let upload = store
            .add_attachment(NewAttachment {
                case_id: None,
                form_id: Some("f-1".into()),
                document: Some("kk".into()),
                filename: "kk.jpg".into(),
                content_type: "image/jpeg".into(),
                size_bytes: 1234,
                sha256: "ab".repeat(32),
                path: "uploads/1".into(),
                uploaded_by: Actor::Participant,
                uploaded_at: at(1),
            })
            .await
            .unwrap();
        // Different keys: only the link's lock keeps the second submission out.
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let case = new_case(Some(&format!("form-{i}")));
                    store.submit_form("f-1", case, at(2)).await
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap().unwrap().id);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1);
        let link = store.form_link("f-1").await.unwrap().unwrap();
        assert_eq!(link.submitted_case, Some(ids[0]));
        let moved = store.case_attachments(ids[0]).await.unwrap();
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].id, upload.id);
        assert!(store.form_attachments("f-1").await.unwrap().is_empty());
        assert!(matches!(
            store.save_form_draft("f-1", json!({"a": 1}), at(3)).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.submit_form("nope", new_case(None), at(3)).await,
            Err(StoreError::NotFound(_))
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_agents_taking_one_case_at_once_leave_one_owner() {
        let fresh = Fresh::new().await;
        let store = fresh.store().await;
        let case = store.create_case(new_case(None)).await.unwrap();
        let mut agents = Vec::new();
        for i in 0..5 {
            agents.push(
                store
                    .create_agent(new_agent(&format!("a{i}")))
                    .await
                    .unwrap(),
            );
        }
        let tasks: Vec<_> = agents
            .iter()
            .map(|a| {
                let (store, id) = (store.clone(), a.id);
                let mut take = change(&case, CaseStatus::Submitted, 5);
                take.status = Some(CaseStatus::InProgress);
                take.assign = Some(Some(id));
                take.first_response = true;
                take.event.kind = CaseEventKind::Assigned;
                take.event.actor = Actor::Agent(id);
                take.outbound = vec![store::NewOutbound::plain(
                    "sms",
                    "62811",
                    "case",
                    "diproses",
                    at(5),
                )];
                take.audit = Some(NewAudit {
                    at: at(5),
                    agent_id: Some(id),
                    action: "status".into(),
                    participant_id: None,
                    case_id: Some(case.id),
                    detail: String::new(),
                });
                tokio::spawn(async move { store.change_case(take).await })
            })
            .collect();
        let mut owners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(c) => owners.push(c.assigned_to),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(owners.len(), 1, "exactly one agent took it");
        let owner = owners[0].unwrap();
        let stored = store.case(case.id).await.unwrap().unwrap();
        assert_eq!(stored.status, CaseStatus::InProgress);
        assert_eq!(stored.assigned_to, Some(owner));
        assert_eq!(stored.assigned_at, Some(at(5)));
        assert_eq!(stored.first_response_at, Some(at(5)));
        // The losers stored nothing: one event after `Created`, one notice, one audit entry.
        let events = store.case_events(case.id).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].from_status, Some(CaseStatus::Submitted));
        assert_eq!(events[1].to_status, Some(CaseStatus::InProgress));
        assert_eq!(events[1].assigned_to, Some(owner));
        assert_eq!(
            store
                .recent_outbound(Some("62811"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let audit = store
            .audit_entries(&AuditQuery {
                limit: 10,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);
        let owner_agent = store.agent(owner).await.unwrap().unwrap();
        assert_eq!(audit[0].agent_username, Some(owner_agent.username));
        assert_eq!(owner_agent.last_assigned_at, Some(at(5)));
        assert_eq!(
            store.open_cases_per_agent().await.unwrap(),
            vec![(owner, 1)]
        );

        let mut done = change(&stored, CaseStatus::InProgress, 9);
        done.status = Some(CaseStatus::Done);
        done.first_response = true;
        let closed = store.change_case(done).await.unwrap();
        assert_eq!(closed.closed_at, Some(at(9)));
        assert_eq!(
            closed.first_response_at,
            Some(at(5)),
            "the first response stays"
        );
        assert!(store.open_cases_per_agent().await.unwrap().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn wrong_passwords_typed_at_once_are_all_counted() {
        let fresh = Fresh::new().await;
        let store = fresh.store().await;
        let agent = store.create_agent(new_agent("sari")).await.unwrap();
        assert!(matches!(
            store.create_agent(new_agent("sari")).await,
            Err(StoreError::Conflict(_))
        ));
        let failure = SignInFailure {
            at: at(10),
            max_failures: 100,
            lock_for: chrono::Duration::minutes(15),
        };
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.agent_sign_in_failed(agent.id, failure).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let counted = store.agent(agent.id).await.unwrap().unwrap();
        assert_eq!((counted.failed_sign_ins, counted.locked_until), (20, None));
        let locked = store
            .agent_sign_in_failed(
                agent.id,
                SignInFailure {
                    max_failures: 21,
                    ..failure
                },
            )
            .await
            .unwrap();
        assert_eq!(locked.failed_sign_ins, 0);
        assert_eq!(locked.locked_until, Some(at(25)));
        store.agent_signed_in(agent.id).await.unwrap();
        let cleared = store.agent(agent.id).await.unwrap().unwrap();
        assert_eq!((cleared.failed_sign_ins, cleared.locked_until), (0, None));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cases_are_counted_per_local_day() {
        let fresh = Fresh::new().await;
        let store = fresh.store().await;
        // 16:59 and 17:00 UTC fall on two days in WIB (UTC+7).
        for (hour, minute) in [(16, 59), (17, 0), (17, 30)] {
            let mut c = new_case(None);
            c.created_at = Utc.with_ymd_and_hms(2026, 11, 23, hour, minute, 0).unwrap();
            store.create_case(c).await.unwrap();
        }
        let counts = store
            .case_daily_counts(Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(), 7 * 60)
            .await
            .unwrap();
        let days: Vec<_> = counts
            .iter()
            .map(|c| (c.day.to_string(), c.count))
            .collect();
        assert_eq!(
            days,
            vec![("2026-11-23".to_owned(), 1), ("2026-11-24".to_owned(), 2)]
        );
    }
}

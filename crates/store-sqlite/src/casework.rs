//! PANDAWA's tables: agents and their sessions, case history and changes, form links with
//! their drafts, attachments and the audit log. Plain functions over a connection; `lib.rs`
//! runs them on the writer or a reader. The contract is documented on `store::Store`.

use crate::assistant::{self, case, opt_instant, status, CASE_COLS};
use crate::error::{corrupt, SqlResultExt};
use crate::messaging;
use crate::rows::{instant, millis, stored_instant};
use crate::{query_all, query_one};
use cases::{AgentRole, CaseStatus, Shift};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Row};
use std::sync::LazyLock;
use store::{
    Actor, Agent, AgentId, AgentSession, Attachment, AttachmentId, AuditEntry, AuditId, AuditQuery,
    Case, CaseChange, CaseEvent, CaseEventId, CaseEventKind, CaseId, CaseQuery, DailyCaseCount,
    FamilyId, FormLink, NewAgent, NewAgentSession, NewAttachment, NewAudit, NewCase, NewFormLink,
    OfficeId, ParticipantId, Result, SignInFailure, StoreError,
};

use crate::messaging::in_transaction;

fn count(n: i64, col: &str) -> Result<u32> {
    u32::try_from(n).map_err(|e| corrupt(col, e))
}

/// An actor is stored as its kind and, for an agent, the agent's id.
fn actor(kind: &str, agent: Option<i64>, col: &str) -> Result<Actor> {
    match (kind, agent) {
        ("agent", Some(a)) => Ok(Actor::Agent(AgentId(a))),
        ("participant", None) => Ok(Actor::Participant),
        ("system", None) => Ok(Actor::System),
        _ => Err(corrupt(col, format!("unknown actor '{kind}'"))),
    }
}

fn opt_status(s: Option<String>, col: &str) -> Result<Option<CaseStatus>> {
    s.map(|s| status(&s, col)).transpose()
}

// ---- agents -----------------------------------------------------------------------------------

const AGENT_COLS: &str = "id, username, name, role, office_id, password_hash, shifts, \
     max_open_cases, active, failed_sign_ins, locked_until, last_assigned_at, created_at";

fn agent_row(r: &Row<'_>) -> Result<Agent> {
    let role: String = r.get(3).db()?;
    let shifts: String = r.get(6).db()?;
    Ok(Agent {
        id: AgentId(r.get(0).db()?),
        username: r.get(1).db()?,
        name: r.get(2).db()?,
        role: role
            .parse::<AgentRole>()
            .map_err(|e| corrupt("agents.role", e))?,
        office_id: r.get::<_, Option<i64>>(4).db()?.map(OfficeId),
        password_hash: r.get(5).db()?,
        shifts: serde_json::from_str(&shifts).map_err(|e| corrupt("agents.shifts", e))?,
        max_open_cases: count(r.get(7).db()?, "agents.max_open_cases")?,
        active: r.get::<_, i64>(8).db()? != 0,
        failed_sign_ins: count(r.get(9).db()?, "agents.failed_sign_ins")?,
        locked_until: opt_instant(r.get(10).db()?, "agents.locked_until")?,
        last_assigned_at: opt_instant(r.get(11).db()?, "agents.last_assigned_at")?,
        created_at: instant(r.get(12).db()?, "agents.created_at")?,
    })
}

fn shifts_json(shifts: &[Shift]) -> Result<String> {
    serde_json::to_string(shifts).map_err(|e| StoreError::Other(format!("encoding shifts: {e}")))
}

pub(crate) fn create_agent(c: &Connection, new: NewAgent) -> Result<Agent> {
    let shifts = shifts_json(&new.shifts)?;
    // A taken username breaks the UNIQUE constraint, which `error::map` turns into Conflict.
    c.prepare_cached(
        "INSERT INTO agents (username, name, role, office_id, password_hash, shifts, \
         max_open_cases, active, failed_sign_ins, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 0, ?8)",
    )
    .db()?
    .execute(params![
        new.username,
        new.name,
        new.role.as_str(),
        new.office_id.map(|o| o.0),
        new.password_hash,
        shifts,
        new.max_open_cases,
        millis(new.created_at),
    ])
    .db()?;
    Ok(Agent {
        id: AgentId(c.last_insert_rowid()),
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
        created_at: stored_instant(new.created_at),
    })
}

pub(crate) fn agent(c: &Connection, id: AgentId) -> Result<Option<Agent>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {AGENT_COLS} FROM agents WHERE id = ?1"));
    query_one(c, &SQL, [id.0], agent_row)
}

pub(crate) fn agent_by_username(c: &Connection, username: &str) -> Result<Option<Agent>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {AGENT_COLS} FROM agents WHERE username = ?1"));
    query_one(c, &SQL, [username], agent_row)
}

pub(crate) fn agents(c: &Connection, office: Option<OfficeId>) -> Result<Vec<Agent>> {
    match office {
        Some(office) => {
            static SQL: LazyLock<String> = LazyLock::new(|| {
                format!("SELECT {AGENT_COLS} FROM agents WHERE office_id = ?1 ORDER BY id")
            });
            query_all(c, &SQL, [office.0], agent_row)
        }
        None => {
            static SQL: LazyLock<String> =
                LazyLock::new(|| format!("SELECT {AGENT_COLS} FROM agents ORDER BY id"));
            query_all(c, &SQL, [], agent_row)
        }
    }
}

pub(crate) fn update_agent(c: &Connection, a: &Agent) -> Result<()> {
    let changed = c
        .prepare_cached(
            "UPDATE agents SET name = ?2, role = ?3, office_id = ?4, password_hash = ?5, \
             shifts = ?6, max_open_cases = ?7, active = ?8 WHERE id = ?1",
        )
        .db()?
        .execute(params![
            a.id.0,
            a.name,
            a.role.as_str(),
            a.office_id.map(|o| o.0),
            a.password_hash,
            shifts_json(&a.shifts)?,
            a.max_open_cases,
            a.active,
        ])
        .db()?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("agent {}", a.id)));
    }
    Ok(())
}

pub(crate) fn agent_sign_in_failed(
    c: &Connection,
    id: AgentId,
    failure: SignInFailure,
) -> Result<Agent> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        // One statement: every SET expression reads the row as it was, so the count and the
        // lock are decided together and no failure is lost between a read and a write.
        format!(
            "UPDATE agents SET \
             failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= ?2 THEN 0 \
               ELSE failed_sign_ins + 1 END, \
             locked_until = CASE WHEN failed_sign_ins + 1 >= ?2 THEN ?3 ELSE locked_until END \
             WHERE id = ?1 RETURNING {AGENT_COLS}"
        )
    });
    let until = millis(failure.at + failure.lock_for);
    query_one(
        c,
        &SQL,
        params![id.0, failure.max_failures, until],
        agent_row,
    )?
    .ok_or_else(|| StoreError::NotFound(format!("agent {id}")))
}

pub(crate) fn agent_signed_in(c: &Connection, id: AgentId) -> Result<()> {
    let changed = c
        .prepare_cached("UPDATE agents SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?1")
        .db()?
        .execute([id.0])
        .db()?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("agent {id}")));
    }
    Ok(())
}

pub(crate) fn create_agent_session(c: &Connection, s: NewAgentSession) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO agent_sessions (token_hash, agent_id, csrf_token, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        s.token_hash,
        s.agent_id.0,
        s.csrf_token,
        millis(s.created_at),
        millis(s.expires_at),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn agent_session(
    c: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<AgentSession>> {
    query_one(
        c,
        "SELECT token_hash, agent_id, csrf_token, created_at, expires_at FROM agent_sessions \
         WHERE token_hash = ?1 AND expires_at > ?2",
        params![token_hash, millis(now)],
        |r| {
            Ok(AgentSession {
                token_hash: r.get(0).db()?,
                agent_id: AgentId(r.get(1).db()?),
                csrf_token: r.get(2).db()?,
                created_at: instant(r.get(3).db()?, "agent_sessions.created_at")?,
                expires_at: instant(r.get(4).db()?, "agent_sessions.expires_at")?,
            })
        },
    )
}

pub(crate) fn end_agent_session(c: &Connection, token_hash: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM agent_sessions WHERE token_hash = ?1")
        .db()?
        .execute([token_hash])
        .db()?;
    Ok(())
}

// ---- case history -----------------------------------------------------------------------------

/// One history entry, as [`insert_event`] stores it.
pub(crate) struct EventRow<'a> {
    pub case_id: CaseId,
    pub kind: CaseEventKind,
    pub actor: &'a Actor,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub assigned_to: Option<AgentId>,
    pub text: &'a str,
    /// Milliseconds since the epoch.
    pub at: i64,
}

pub(crate) fn insert_event(c: &Connection, e: &EventRow<'_>) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO case_events (case_id, kind, actor, actor_agent, from_status, to_status, \
         assigned_to, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(params![
        e.case_id.0,
        e.kind.as_str(),
        e.actor.as_str(),
        e.actor.agent_id().map(|a| a.0),
        e.from_status.map(CaseStatus::as_str),
        e.to_status.map(CaseStatus::as_str),
        e.assigned_to.map(|a| a.0),
        e.text,
        e.at,
    ])
    .db()?;
    Ok(())
}

pub(crate) fn case_events(c: &Connection, id: CaseId) -> Result<Vec<CaseEvent>> {
    query_all(
        c,
        "SELECT id, case_id, kind, actor, actor_agent, from_status, to_status, assigned_to, \
         text, at FROM case_events WHERE case_id = ?1 ORDER BY at, id",
        [id.0],
        |r| {
            let kind: String = r.get(2).db()?;
            let actor_kind: String = r.get(3).db()?;
            Ok(CaseEvent {
                id: CaseEventId(r.get(0).db()?),
                case_id: CaseId(r.get(1).db()?),
                kind: CaseEventKind::parse(&kind)
                    .ok_or_else(|| corrupt("case_events.kind", &kind))?,
                actor: actor(&actor_kind, r.get(4).db()?, "case_events.actor")?,
                from_status: opt_status(r.get(5).db()?, "case_events.from_status")?,
                to_status: opt_status(r.get(6).db()?, "case_events.to_status")?,
                assigned_to: r.get::<_, Option<i64>>(7).db()?.map(AgentId),
                text: r.get(8).db()?,
                at: instant(r.get(9).db()?, "case_events.at")?,
            })
        },
    )
}

// ---- cases -----------------------------------------------------------------------------------

pub(crate) fn case_by_id(c: &Connection, id: CaseId) -> Result<Option<Case>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"));
    query_one(c, &SQL, [id.0], case)
}

/// The WHERE clause is built from the fields the query sets, so each shape of query gets a
/// plan that uses its index (a catch-all `?1 IS NULL OR ...` statement would not); values
/// always travel as parameters, and the few shapes each get a cached statement.
pub(crate) fn list_cases(c: &Connection, q: &CaseQuery) -> Result<Vec<Case>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(office) = q.office_id {
        values.push(Value::Integer(office.0));
        conditions.push(if q.include_unplaced {
            "(office_id = ? OR office_id IS NULL)".to_owned()
        } else {
            "office_id = ?".to_owned()
        });
    }
    match q.assigned_to {
        Some(None) => conditions.push("assigned_to IS NULL".to_owned()),
        Some(Some(agent)) => {
            values.push(Value::Integer(agent.0));
            conditions.push("assigned_to = ?".to_owned());
        }
        None => {}
    }
    if !q.statuses.is_empty() {
        let marks = vec!["?"; q.statuses.len()].join(", ");
        conditions.push(format!("status IN ({marks})"));
        values.extend(
            q.statuses
                .iter()
                .map(|s| Value::Text(s.as_str().to_owned())),
        );
    }
    for (column, value) in [
        ("kind", &q.kind),
        ("channel", &q.channel),
        ("sender", &q.sender),
    ] {
        if let Some(v) = value {
            conditions.push(format!("{column} = ?"));
            values.push(Value::Text(v.clone()));
        }
    }
    if let Some(from) = q.created_from {
        conditions.push("created_at >= ?".to_owned());
        values.push(Value::Integer(millis(from)));
    }
    let mut sql = format!("SELECT {CASE_COLS} FROM cases");
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(if q.oldest_first {
        " ORDER BY created_at, id LIMIT ?"
    } else {
        " ORDER BY created_at DESC, id DESC LIMIT ?"
    });
    values.push(Value::Integer(i64::from(q.limit)));
    query_all(c, &sql, params_from_iter(values), case)
}

pub(crate) fn open_cases_per_agent(c: &Connection) -> Result<Vec<(AgentId, u32)>> {
    // Answered from the covering index `cases_assignee` (assignee, then status).
    query_all(
        c,
        "SELECT assigned_to, COUNT(*) FROM cases WHERE assigned_to IS NOT NULL \
         AND status IN ('submitted', 'in_progress', 'waiting_participant') \
         GROUP BY assigned_to ORDER BY assigned_to",
        [],
        |r| Ok((AgentId(r.get(0).db()?), count(r.get(1).db()?, "count")?)),
    )
}

pub(crate) fn case_daily_counts(
    c: &Connection,
    since: DateTime<Utc>,
    utc_offset_minutes: i32,
) -> Result<Vec<DailyCaseCount>> {
    // The local day is the instant shifted by the zone's fixed offset (Indonesia has no
    // daylight saving), computed in integers: days since the epoch, floored.
    const DAY_MS: i64 = 86_400_000;
    let offset_ms = i64::from(utc_offset_minutes) * 60_000;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .ok_or_else(|| StoreError::Other("the epoch is not a date".into()))?;
    query_all(
        c,
        // Floor division that stays right for instants before 1970 too.
        "SELECT (created_at + ?2 - (((created_at + ?2) % ?3) + ?3) % ?3) / ?3 AS day, kind, \
         channel, COUNT(*) FROM cases WHERE created_at >= ?1 \
         GROUP BY day, kind, channel ORDER BY day, kind, channel",
        params![millis(since), offset_ms, DAY_MS],
        |r| {
            let day: i64 = r.get(0).db()?;
            let n: i64 = r.get(3).db()?;
            Ok(DailyCaseCount {
                day: epoch
                    .checked_add_signed(Duration::days(day))
                    .ok_or_else(|| corrupt("cases.created_at", format!("day {day}")))?,
                kind: r.get(1).db()?,
                channel: r.get(2).db()?,
                count: u64::try_from(n).map_err(|e| corrupt("count", e))?,
            })
        },
    )
}

// ---- changing a case --------------------------------------------------------------------------

pub(crate) fn change_case(c: &mut Connection, change: CaseChange) -> Result<Case> {
    in_transaction(c, |tx| apply_change(tx, change))
}

/// Applies `change` inside the caller's transaction (see [`CaseChange`]). On an error the
/// caller drops the transaction, so nothing of the change is stored.
fn apply_change(tx: &Connection, change: CaseChange) -> Result<Case> {
    let id = change.case_id;
    let at = millis(change.event.at);
    // The single writer holds the write lock until commit, so the status read here is the
    // one the update below replaces.
    let (current, assigned): (String, Option<i64>) = query_one(
        tx,
        "SELECT status, assigned_to FROM cases WHERE id = ?1",
        [id.0],
        |r| Ok((r.get(0).db()?, r.get(1).db()?)),
    )?
    .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    let current = status(&current, "cases.status")?;
    let assigned = assigned.map(AgentId);
    if let Some(expected) = change.expected_assignee {
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
        let touched = tx
            .prepare_cached("UPDATE agents SET last_assigned_at = ?2 WHERE id = ?1")
            .db()?
            .execute(params![agent.0, at])
            .db()?;
        if touched == 0 {
            return Err(StoreError::NotFound(format!("agent {agent}")));
        }
    }
    static UPDATE: LazyLock<String> = LazyLock::new(|| {
        // ?3: NULL when the status stays, else whether the new one is closed; ?4: whether
        // the assignment changes, ?5 the new assignee (NULL unassigns).
        format!(
            "UPDATE cases SET status = COALESCE(?2, status), \
             closed_at = CASE WHEN ?3 IS NULL THEN closed_at \
               WHEN ?3 THEN COALESCE(closed_at, ?8) ELSE NULL END, \
             assigned_to = CASE WHEN ?4 THEN ?5 ELSE assigned_to END, \
             assigned_at = CASE WHEN NOT ?4 THEN assigned_at WHEN ?5 IS NULL THEN NULL \
               ELSE ?8 END, \
             first_response_at = CASE WHEN ?6 THEN COALESCE(first_response_at, ?8) \
               ELSE first_response_at END, \
             fields = COALESCE(?7, fields), updated_at = ?8 \
             WHERE id = ?1 RETURNING {CASE_COLS}"
        )
    });
    let updated = query_one(
        tx,
        &UPDATE,
        params![
            id.0,
            change.status.map(CaseStatus::as_str),
            change.status.map(CaseStatus::is_closed),
            change.assign.is_some(),
            assignee.map(|a| a.0),
            change.first_response,
            change.fields.as_ref().map(assistant::to_json),
            at,
        ],
        case,
    )?
    .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    insert_event(
        tx,
        &EventRow {
            case_id: id,
            kind: change.event.kind,
            actor: &change.event.actor,
            from_status: change.status.map(|_| current),
            to_status: change.status,
            assigned_to: assignee,
            text: &change.event.text,
            at,
        },
    )?;
    // The same rows the outbox and the conversation pipeline store, through their own code.
    for m in change.outbound {
        messaging::insert_outbound(tx, m)?;
    }
    for t in change.turns {
        assistant::append_turn(tx, t)?;
    }
    if let Some(conversation) = &change.conversation {
        assistant::save_conversation(tx, conversation)?;
    }
    if let Some(audit) = &change.audit {
        insert_audit(tx, audit)?;
    }
    Ok(updated)
}

// ---- form links -------------------------------------------------------------------------------

const LINK_COLS: &str = "id, kind, channel, sender, participant_id, family_id, office_id, \
     case_id, prefill, draft, draft_saved_at, created_at, expires_at, submitted_case, \
     submitted_at";

fn form_link_row(r: &Row<'_>) -> Result<FormLink> {
    Ok(FormLink {
        id: r.get(0).db()?,
        kind: r.get(1).db()?,
        channel: r.get(2).db()?,
        sender: r.get(3).db()?,
        participant_id: r.get::<_, Option<i64>>(4).db()?.map(ParticipantId),
        family_id: r.get::<_, Option<i64>>(5).db()?.map(FamilyId),
        office_id: r.get::<_, Option<i64>>(6).db()?.map(OfficeId),
        case_id: r.get::<_, Option<i64>>(7).db()?.map(CaseId),
        prefill: assistant::from_json(&r.get::<_, String>(8).db()?, "form_links.prefill")?,
        draft: assistant::from_json(&r.get::<_, String>(9).db()?, "form_links.draft")?,
        draft_saved_at: opt_instant(r.get(10).db()?, "form_links.draft_saved_at")?,
        created_at: instant(r.get(11).db()?, "form_links.created_at")?,
        expires_at: instant(r.get(12).db()?, "form_links.expires_at")?,
        submitted_case: r.get::<_, Option<i64>>(13).db()?.map(CaseId),
        submitted_at: opt_instant(r.get(14).db()?, "form_links.submitted_at")?,
    })
}

/// The draft of a link nobody has typed into yet.
fn empty_draft() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

pub(crate) fn create_form_link(c: &Connection, new: NewFormLink) -> Result<FormLink> {
    let draft = empty_draft();
    c.prepare_cached(
        "INSERT INTO form_links (id, kind, channel, sender, participant_id, family_id, \
         office_id, case_id, prefill, draft, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(params![
        new.id,
        new.kind,
        new.channel,
        new.sender,
        new.participant_id.map(|p| p.0),
        new.family_id.map(|f| f.0),
        new.office_id.map(|o| o.0),
        new.case_id.map(|c| c.0),
        assistant::to_json(&new.prefill),
        assistant::to_json(&draft),
        millis(new.created_at),
        millis(new.expires_at),
    ])
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
        created_at: stored_instant(new.created_at),
        expires_at: stored_instant(new.expires_at),
        submitted_case: None,
        submitted_at: None,
    })
}

pub(crate) fn form_link(c: &Connection, id: &str) -> Result<Option<FormLink>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {LINK_COLS} FROM form_links WHERE id = ?1"));
    query_one(c, &SQL, [id], form_link_row)
}

pub(crate) fn save_form_draft(
    c: &Connection,
    id: &str,
    draft: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    // Conditional on the link being unused, in the same statement, so a draft saved while
    // the form is being submitted cannot change what was filed.
    let saved = c
        .prepare_cached(
            "UPDATE form_links SET draft = ?2, draft_saved_at = ?3 \
             WHERE id = ?1 AND submitted_case IS NULL",
        )
        .db()?
        .execute(params![id, assistant::to_json(draft), millis(at)])
        .db()?;
    if saved == 1 {
        return Ok(());
    }
    match link_state(c, id)? {
        Some(_) => Err(StoreError::Conflict(
            "the form was already submitted".to_owned(),
        )),
        None => Err(StoreError::NotFound(format!("form link {id}"))),
    }
}

/// (the case the link was used for, the case it completes), or `None` for no such link.
fn link_state(c: &Connection, id: &str) -> Result<Option<(Option<CaseId>, Option<CaseId>)>> {
    query_one(
        c,
        "SELECT submitted_case, case_id FROM form_links WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get::<_, Option<i64>>(0).db()?.map(CaseId),
                r.get::<_, Option<i64>>(1).db()?.map(CaseId),
            ))
        },
    )
}

fn existing_case(c: &Connection, id: CaseId) -> Result<Case> {
    case_by_id(c, id)?.ok_or_else(|| StoreError::NotFound(format!("case {id}")))
}

/// Marks the link used for `case` and hands the form's uploads to it; `form_id` stays, as
/// where they came from.
fn use_link(tx: &Connection, id: &str, case: CaseId, at: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached("UPDATE form_links SET submitted_case = ?2, submitted_at = ?3 WHERE id = ?1")
        .db()?
        .execute(params![id, case.0, millis(at)])
        .db()?;
    tx.prepare_cached("UPDATE attachments SET case_id = ?2 WHERE form_id = ?1 AND case_id IS NULL")
        .db()?
        .execute(params![id, case.0])
        .db()?;
    Ok(())
}

pub(crate) fn submit_form(
    c: &mut Connection,
    id: &str,
    new: NewCase,
    at: DateTime<Utc>,
) -> Result<Case> {
    in_transaction(c, |tx| {
        let (submitted, _) =
            link_state(tx, id)?.ok_or_else(|| StoreError::NotFound(format!("form link {id}")))?;
        if let Some(case_id) = submitted {
            // Sent again (a retry over a bad connection, a second tab): the first filing
            // stands and nothing is written.
            return existing_case(tx, case_id);
        }
        let case = assistant::create_case_in(tx, new)?;
        use_link(tx, id, case.id, at)?;
        Ok(case)
    })
}

pub(crate) fn complete_form_link(
    c: &mut Connection,
    id: &str,
    change: CaseChange,
    at: DateTime<Utc>,
) -> Result<Case> {
    in_transaction(c, |tx| {
        let (submitted, completes) =
            link_state(tx, id)?.ok_or_else(|| StoreError::NotFound(format!("form link {id}")))?;
        if let Some(case_id) = submitted {
            return existing_case(tx, case_id);
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
        use_link(tx, id, case_id, at)?;
        apply_change(tx, change)
    })
}

// ---- attachments ------------------------------------------------------------------------------

const ATTACHMENT_COLS: &str = "id, case_id, form_id, document, filename, content_type, \
     size_bytes, sha256, path, uploaded_by, uploaded_agent, uploaded_at";

fn attachment_row(r: &Row<'_>) -> Result<Attachment> {
    let size: i64 = r.get(6).db()?;
    let by: String = r.get(9).db()?;
    Ok(Attachment {
        id: AttachmentId(r.get(0).db()?),
        case_id: r.get::<_, Option<i64>>(1).db()?.map(CaseId),
        form_id: r.get(2).db()?,
        document: r.get(3).db()?,
        filename: r.get(4).db()?,
        content_type: r.get(5).db()?,
        size_bytes: u64::try_from(size).map_err(|e| corrupt("attachments.size_bytes", e))?,
        sha256: r.get(7).db()?,
        path: r.get(8).db()?,
        uploaded_by: actor(&by, r.get(10).db()?, "attachments.uploaded_by")?,
        uploaded_at: instant(r.get(11).db()?, "attachments.uploaded_at")?,
    })
}

pub(crate) fn add_attachment(c: &Connection, new: NewAttachment) -> Result<Attachment> {
    let size = i64::try_from(new.size_bytes)
        .map_err(|_| StoreError::Other(format!("size {} is too large", new.size_bytes)))?;
    c.prepare_cached(
        "INSERT INTO attachments (case_id, form_id, document, filename, content_type, \
         size_bytes, sha256, path, uploaded_by, uploaded_agent, uploaded_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .db()?
    .execute(params![
        new.case_id.map(|c| c.0),
        new.form_id,
        new.document,
        new.filename,
        new.content_type,
        size,
        new.sha256,
        new.path,
        new.uploaded_by.as_str(),
        new.uploaded_by.agent_id().map(|a| a.0),
        millis(new.uploaded_at),
    ])
    .db()?;
    Ok(Attachment {
        id: AttachmentId(c.last_insert_rowid()),
        case_id: new.case_id,
        form_id: new.form_id,
        document: new.document,
        filename: new.filename,
        content_type: new.content_type,
        size_bytes: new.size_bytes,
        sha256: new.sha256,
        path: new.path,
        uploaded_by: new.uploaded_by,
        uploaded_at: stored_instant(new.uploaded_at),
    })
}

pub(crate) fn attachment(c: &Connection, id: AttachmentId) -> Result<Option<Attachment>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = ?1"));
    query_one(c, &SQL, [id.0], attachment_row)
}

pub(crate) fn case_attachments(c: &Connection, case: CaseId) -> Result<Vec<Attachment>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments WHERE case_id = ?1 \
             ORDER BY uploaded_at, id"
        )
    });
    query_all(c, &SQL, [case.0], attachment_row)
}

pub(crate) fn form_attachments(c: &Connection, form_id: &str) -> Result<Vec<Attachment>> {
    // Once submitted they belong to the case and are listed there.
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments WHERE form_id = ?1 AND case_id IS NULL \
             ORDER BY uploaded_at, id"
        )
    });
    query_all(c, &SQL, [form_id], attachment_row)
}

// ---- audit ------------------------------------------------------------------------------------

pub(crate) fn insert_audit(c: &Connection, a: &NewAudit) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO audit_log (at, agent_id, action, participant_id, case_id, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![
        millis(a.at),
        a.agent_id.map(|x| x.0),
        a.action,
        a.participant_id.map(|x| x.0),
        a.case_id.map(|x| x.0),
        a.detail,
    ])
    .db()?;
    Ok(())
}

pub(crate) fn audit_entries(c: &Connection, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    // Built from the fields the query sets, like `list_cases`, so a filter by agent or case
    // walks its own index instead of the whole log.
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(from) = q.from {
        conditions.push("l.at >= ?");
        values.push(Value::Integer(millis(from)));
    }
    if let Some(to) = q.to {
        conditions.push("l.at < ?");
        values.push(Value::Integer(millis(to)));
    }
    if let Some(agent) = q.agent_id {
        conditions.push("l.agent_id = ?");
        values.push(Value::Integer(agent.0));
    }
    if let Some(case) = q.case_id {
        conditions.push("l.case_id = ?");
        values.push(Value::Integer(case.0));
    }
    let mut sql = "SELECT l.id, l.at, l.agent_id, a.username, l.action, l.participant_id, \
                   l.case_id, l.detail FROM audit_log l LEFT JOIN agents a ON a.id = l.agent_id"
        .to_owned();
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY l.at, l.id LIMIT ?");
    values.push(Value::Integer(i64::from(q.limit)));
    query_all(c, &sql, params_from_iter(values), |r| {
        Ok(AuditEntry {
            id: AuditId(r.get(0).db()?),
            at: instant(r.get(1).db()?, "audit_log.at")?,
            agent_id: r.get::<_, Option<i64>>(2).db()?.map(AgentId),
            agent_username: r.get(3).db()?,
            action: r.get(4).db()?,
            participant_id: r.get::<_, Option<i64>>(5).db()?.map(ParticipantId),
            case_id: r.get::<_, Option<i64>>(6).db()?.map(CaseId),
            detail: r.get(7).db()?,
        })
    })
}

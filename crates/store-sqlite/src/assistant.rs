//! The assistant's tables: conversations (state per channel and sender), turns and cases.
//! Plain functions over a connection; `lib.rs` runs them on the writer or a reader.

use crate::casework;
use crate::error::{corrupt, SqlResultExt};
use crate::rows::{instant, millis, stored_instant};
use crate::{query_all, query_one};
use cases::status::UnknownStatus;
use cases::CaseStatus;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use store::{
    case_number, Actor, AgentId, Case, CaseEventKind, CaseId, ConversationRecord, FamilyId,
    NewCase, NewTurn, OfficeId, ParticipantId, Result, Turn, TurnId,
};

pub(crate) fn to_json(v: &serde_json::Value) -> String {
    v.to_string()
}

pub(crate) fn from_json(s: &str, col: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
}

pub(crate) fn conversation(
    c: &Connection,
    channel: &str,
    sender: &str,
) -> Result<Option<ConversationRecord>> {
    query_one(
        c,
        "SELECT channel, sender, state, status, participant_id, updated_at FROM conversations \
         WHERE channel = ?1 AND sender = ?2",
        params![channel, sender],
        |r| {
            Ok(ConversationRecord {
                channel: r.get(0).db()?,
                sender: r.get(1).db()?,
                state: from_json(&r.get::<_, String>(2).db()?, "conversations.state")?,
                status: r.get(3).db()?,
                participant_id: r.get::<_, Option<i64>>(4).db()?.map(ParticipantId),
                updated_at: instant(r.get(5).db()?, "conversations.updated_at")?,
            })
        },
    )
}

pub(crate) fn save_conversation(c: &Connection, r: &ConversationRecord) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO conversations (channel, sender, state, status, participant_id, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (channel, sender) DO UPDATE SET state = excluded.state, \
         status = excluded.status, participant_id = excluded.participant_id, \
         updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![
        r.channel,
        r.sender,
        to_json(&r.state),
        r.status,
        r.participant_id.map(|p| p.0),
        millis(r.updated_at),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn append_turn(c: &Connection, t: NewTurn) -> Result<Turn> {
    let id = insert_turn(c, &t)?;
    let at = stored_instant(t.at);
    Ok(t.stored(id, at))
}

/// Stores a turn; its new id. The turn is linked to its address's newest one and becomes the
/// newest itself (migration 14): the chain `recent_turns` walks, in place of an index that
/// took a random page per turn.
pub(crate) fn insert_turn(c: &Connection, t: &NewTurn) -> Result<TurnId> {
    c.prepare_cached(
        "INSERT INTO turns (channel, sender, direction, body, text, intent, participant_id, at, \
         previous_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
         (SELECT last_turn_id FROM addresses WHERE channel = ?1 AND address = ?2))",
    )
    .db()?
    .execute(params![
        t.channel,
        t.sender,
        t.direction,
        to_json(&t.body),
        t.text,
        t.intent,
        t.participant_id.map(|p| p.0),
        millis(t.at),
    ])
    .db()?;
    let id = c.last_insert_rowid();
    c.prepare_cached(
        "INSERT INTO addresses (channel, address, last_turn_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (channel, address) DO UPDATE SET last_turn_id = excluded.last_turn_id",
    )
    .db()?
    .execute(params![t.channel, t.sender, id])
    .db()?;
    Ok(TurnId(id))
}

fn turn(r: &Row<'_>) -> Result<Turn> {
    Ok(Turn {
        id: TurnId(r.get(0).db()?),
        channel: r.get(1).db()?,
        sender: r.get(2).db()?,
        direction: r.get(3).db()?,
        body: from_json(&r.get::<_, String>(4).db()?, "turns.body")?,
        text: r.get(5).db()?,
        intent: r.get(6).db()?,
        participant_id: r.get::<_, Option<i64>>(7).db()?.map(ParticipantId),
        at: instant(r.get(8).db()?, "turns.at")?,
    })
}

/// The address's newest `limit` turns, newest first: the chain from the address's newest turn
/// backwards, one rowid lookup per turn, whatever the table's size.
pub(crate) fn recent_turns(
    c: &Connection,
    channel: &str,
    sender: &str,
    limit: u32,
) -> Result<Vec<Turn>> {
    query_all(
        c,
        "WITH RECURSIVE chain (id, depth) AS ( \
             SELECT last_turn_id, 1 FROM addresses \
             WHERE channel = ?1 AND address = ?2 AND last_turn_id IS NOT NULL AND ?3 > 0 \
             UNION ALL \
             SELECT t.previous_id, chain.depth + 1 FROM chain JOIN turns AS t ON t.id = chain.id \
             WHERE t.previous_id IS NOT NULL AND chain.depth < ?3) \
         SELECT id, channel, sender, direction, body, text, intent, participant_id, at \
         FROM turns WHERE id IN (SELECT id FROM chain) ORDER BY at DESC, id DESC",
        params![channel, sender, limit],
        turn,
    )
}

pub(crate) fn create_case(c: &mut Connection, new: NewCase) -> Result<Case> {
    crate::messaging::in_transaction(c, |tx| create_case_in(tx, new))
}

/// Stores a case and its `Created` event in the caller's (IMMEDIATE) transaction. With a
/// submission key already used, stores nothing and returns the case stored the first time.
pub(crate) fn create_case_in(tx: &Connection, new: NewCase) -> Result<Case> {
    // The single writer holds the write lock for the whole transaction, so a key looked up
    // here cannot be stored by anyone else before the insert below.
    if let Some(key) = &new.submission_key {
        if let Some(first) = query_one(
            tx,
            &format!("SELECT {CASE_COLS} FROM cases WHERE submission_key = ?1"),
            [key],
            case,
        )? {
            return Ok(first);
        }
    }
    // The number is made from the id, so the id is chosen first; the writer lock (and the
    // IMMEDIATE transaction) make max + 1 safe.
    let id: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    let number = case_number(&new.number_prefix, CaseId(id));
    let created = millis(new.created_at);
    tx.prepare_cached(
        "INSERT INTO cases (id, number, kind, participant_id, family_id, office_id, channel, \
         sender, fields, status, submission_key, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )
    .db()?
    .execute(params![
        id,
        number,
        new.kind,
        new.participant_id.map(|p| p.0),
        new.family_id.map(|f| f.0),
        new.office_id.map(|o| o.0),
        new.channel,
        new.sender,
        to_json(&new.fields),
        new.status.as_str(),
        new.submission_key,
        created,
    ])
    .db()?;
    let case = Case {
        id: CaseId(id),
        number,
        kind: new.kind,
        participant_id: new.participant_id,
        family_id: new.family_id,
        office_id: new.office_id,
        channel: new.channel,
        sender: new.sender,
        fields: new.fields,
        status: new.status,
        submission_key: new.submission_key,
        assigned_to: None,
        assigned_at: None,
        first_response_at: None,
        closed_at: None,
        created_at: stored_instant(new.created_at),
        updated_at: stored_instant(new.created_at),
    };
    casework::insert_event(
        tx,
        &casework::EventRow {
            case_id: case.id,
            kind: CaseEventKind::Created,
            // Cases are filed by or on behalf of the participant (the assistant, a form).
            actor: &Actor::Participant,
            from_status: None,
            to_status: Some(case.status),
            assigned_to: None,
            text: "",
            at: created,
        },
    )?;
    Ok(case)
}

pub(crate) const CASE_COLS: &str = "id, number, kind, participant_id, family_id, channel, sender, \
     fields, status, created_at, updated_at, office_id, submission_key, assigned_to, \
     assigned_at, first_response_at, closed_at";

pub(crate) fn status(s: &str, col: &str) -> Result<CaseStatus> {
    s.parse().map_err(|e: UnknownStatus| corrupt(col, e))
}

pub(crate) fn opt_instant(ms: Option<i64>, col: &str) -> Result<Option<DateTime<Utc>>> {
    ms.map(|ms| instant(ms, col)).transpose()
}

pub(crate) fn case(r: &Row<'_>) -> Result<Case> {
    Ok(Case {
        id: CaseId(r.get(0).db()?),
        number: r.get(1).db()?,
        kind: r.get(2).db()?,
        participant_id: r.get::<_, Option<i64>>(3).db()?.map(ParticipantId),
        family_id: r.get::<_, Option<i64>>(4).db()?.map(FamilyId),
        channel: r.get(5).db()?,
        sender: r.get(6).db()?,
        fields: from_json(&r.get::<_, String>(7).db()?, "cases.fields")?,
        status: status(&r.get::<_, String>(8).db()?, "cases.status")?,
        created_at: instant(r.get(9).db()?, "cases.created_at")?,
        updated_at: instant(r.get(10).db()?, "cases.updated_at")?,
        office_id: r.get::<_, Option<i64>>(11).db()?.map(OfficeId),
        submission_key: r.get(12).db()?,
        assigned_to: r.get::<_, Option<i64>>(13).db()?.map(AgentId),
        assigned_at: opt_instant(r.get(14).db()?, "cases.assigned_at")?,
        first_response_at: opt_instant(r.get(15).db()?, "cases.first_response_at")?,
        closed_at: opt_instant(r.get(16).db()?, "cases.closed_at")?,
    })
}

pub(crate) fn case_by_number(c: &Connection, number: &str) -> Result<Option<Case>> {
    query_one(
        c,
        &format!("SELECT {CASE_COLS} FROM cases WHERE number = ?1"),
        [number],
        case,
    )
}

pub(crate) fn cases_for_participant(
    c: &Connection,
    participant: ParticipantId,
) -> Result<Vec<Case>> {
    query_all(
        c,
        &format!(
            "SELECT {CASE_COLS} FROM cases WHERE participant_id = ?1 \
             ORDER BY created_at DESC, id DESC"
        ),
        [participant.0],
        case,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const ADDRESSES: [(&str, &str); 3] = [
        ("whatsapp", "6281"),
        ("telegram", "6281"),
        ("whatsapp", "6282"),
    ];

    proptest! {
        /// Whatever the interleaving, `recent_turns` gives an address's newest turns as
        /// stored (by insertion), ordered by time, newest first: what the chain promises.
        #[test]
        fn the_chain_lists_the_newest_turns_of_each_address(
            turns in prop::collection::vec((0..ADDRESSES.len(), 0i64..600), 0..80),
            asked in prop::collection::vec((0..ADDRESSES.len(), 0u32..30), 1..6),
        ) {
            let mut c = Connection::open_in_memory().unwrap();
            crate::migrate::run(&mut c).unwrap();
            let mut stored = Vec::new();
            for (i, (who, second)) in turns.iter().enumerate() {
                let (channel, sender) = ADDRESSES[*who];
                let turn = NewTurn {
                    channel: channel.into(),
                    sender: sender.into(),
                    direction: "in".into(),
                    body: serde_json::json!({"type": "text"}),
                    text: format!("turn {i}"),
                    intent: None,
                    participant_id: None,
                    at: Utc.timestamp_opt(1_790_000_000 + second, 0).unwrap(),
                };
                let id = insert_turn(&c, &turn).unwrap();
                stored.push((*who, id.0, millis(turn.at), turn.text));
            }
            for (who, limit) in asked {
                let (channel, sender) = ADDRESSES[who];
                let mut expected: Vec<_> =
                    stored.iter().filter(|t| t.0 == who).rev().take(limit as usize).collect();
                expected.sort_by_key(|t| std::cmp::Reverse((t.2, t.1)));
                let expected: Vec<&str> = expected.iter().map(|t| t.3.as_str()).collect();
                let listed = recent_turns(&c, channel, sender, limit).unwrap();
                let listed: Vec<&str> = listed.iter().map(|t| t.text.as_str()).collect();
                prop_assert_eq!(listed, expected);
            }
        }
    }
}

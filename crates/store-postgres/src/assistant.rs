//! The assistant's tables: conversations (state per channel and sender), turns and cases.
//! JSON is stored as text and parsed here, as the SQLite backend does.

use crate::error::{corrupt, PgResultExt};
use crate::rows::stored_instant;
use crate::PgStore;
use store::{
    case_number, Case, CaseId, ConversationRecord, FamilyId, NewCase, NewTurn, ParticipantId,
    Result, StoreError, Turn, TurnId,
};
use tokio_postgres::{GenericClient, Row, Statement};

fn from_json(s: &str, col: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(r: &'a Row, i: usize, col: &str) -> Result<T> {
    r.try_get(i).map_err(|e| corrupt(col, e))
}

pub(crate) async fn conversation(
    db: &PgStore,
    channel: &str,
    sender: &str,
) -> Result<Option<ConversationRecord>> {
    db.query_opt(
        "SELECT channel, sender, state, status, participant_id, updated_at FROM conversations \
         WHERE channel = $1 AND sender = $2",
        &[&channel, &sender],
        |r| {
            Ok(ConversationRecord {
                channel: get(r, 0, "conversations.channel")?,
                sender: get(r, 1, "conversations.sender")?,
                state: from_json(get(r, 2, "conversations.state")?, "conversations.state")?,
                status: get(r, 3, "conversations.status")?,
                participant_id: get::<Option<i64>>(r, 4, "conversations.participant_id")?
                    .map(ParticipantId),
                updated_at: get(r, 5, "conversations.updated_at")?,
            })
        },
    )
    .await
}

/// Creates or replaces a conversation's state; run by [`save_conversation`] and, inside the
/// transaction of a processed event, by `messaging::commit_processed`.
pub(crate) const SAVE_CONVERSATION: &str =
    "INSERT INTO conversations (channel, sender, state, status, participant_id, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (channel, sender) DO UPDATE SET state = EXCLUDED.state, \
     status = EXCLUDED.status, participant_id = EXCLUDED.participant_id, \
     updated_at = EXCLUDED.updated_at";

/// Stores one turn, returning its id.
pub(crate) const APPEND_TURN: &str =
    "INSERT INTO turns (channel, sender, direction, body, text, intent, participant_id, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

pub(crate) async fn save_conversation(db: &PgStore, c: &ConversationRecord) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(SAVE_CONVERSATION).await?;
    save_conversation_with(&conn.client, &st, c).await
}

/// [`SAVE_CONVERSATION`] (prepared as `st`) on a client or in a transaction.
pub(crate) async fn save_conversation_with(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    c: &ConversationRecord,
) -> Result<()> {
    let state = c.state.to_string();
    let participant = c.participant_id.map(|p| p.0);
    let updated_at = stored_instant(c.updated_at);
    client
        .execute(
            st,
            &[
                &c.channel,
                &c.sender,
                &state,
                &c.status,
                &participant,
                &updated_at,
            ],
        )
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn append_turn(db: &PgStore, t: NewTurn) -> Result<Turn> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(APPEND_TURN).await?;
    append_turn_with(&conn.client, &st, t).await
}

/// [`APPEND_TURN`] (prepared as `st`) on a client or in a transaction.
pub(crate) async fn append_turn_with(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    t: NewTurn,
) -> Result<Turn> {
    let body = t.body.to_string();
    let participant = t.participant_id.map(|p| p.0);
    let at = stored_instant(t.at);
    let row = client
        .query_one(
            st,
            &[
                &t.channel,
                &t.sender,
                &t.direction,
                &body,
                &t.text,
                &t.intent,
                &participant,
                &at,
            ],
        )
        .await
        .db()?;
    let id = get::<i64>(&row, 0, "turns.id")?;
    Ok(Turn {
        id: TurnId(id),
        channel: t.channel,
        sender: t.sender,
        direction: t.direction,
        body: t.body,
        text: t.text,
        intent: t.intent,
        participant_id: t.participant_id,
        at,
    })
}

fn turn(r: &Row) -> Result<Turn> {
    Ok(Turn {
        id: TurnId(get(r, 0, "turns.id")?),
        channel: get(r, 1, "turns.channel")?,
        sender: get(r, 2, "turns.sender")?,
        direction: get(r, 3, "turns.direction")?,
        body: from_json(get(r, 4, "turns.body")?, "turns.body")?,
        text: get(r, 5, "turns.text")?,
        intent: get(r, 6, "turns.intent")?,
        participant_id: get::<Option<i64>>(r, 7, "turns.participant_id")?.map(ParticipantId),
        at: get(r, 8, "turns.at")?,
    })
}

pub(crate) async fn recent_turns(
    db: &PgStore,
    channel: &str,
    sender: &str,
    limit: u32,
) -> Result<Vec<Turn>> {
    let limit = i64::from(limit);
    db.query_all(
        "SELECT id, channel, sender, direction, body, text, intent, participant_id, at \
         FROM turns WHERE channel = $1 AND sender = $2 ORDER BY at DESC, id DESC LIMIT $3",
        &[&channel, &sender, &limit],
        turn,
    )
    .await
}

pub(crate) async fn create_case(db: &PgStore, new: NewCase) -> Result<Case> {
    // The number is made from the id, so the id is drawn from the sequence first; a sequence
    // value is never handed out twice, even to nodes inserting at the same moment.
    let id: i64 = db
        .query_opt(
            "SELECT nextval(pg_get_serial_sequence('cases', 'id'))",
            &[],
            |r| get(r, 0, "cases.id"),
        )
        .await?
        .ok_or_else(|| StoreError::Other("no case id from the sequence".into()))?;
    let number = case_number(&new.number_prefix, CaseId(id));
    let fields = new.fields.to_string();
    let participant = new.participant_id.map(|p| p.0);
    let family = new.family_id.map(|f| f.0);
    let created = stored_instant(new.created_at);
    db.query_opt(
        "INSERT INTO cases (id, number, kind, participant_id, family_id, channel, sender, \
         fields, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        &[
            &id,
            &number,
            &new.kind,
            &participant,
            &family,
            &new.channel,
            &new.sender,
            &fields,
            &new.status.as_str(),
            &created,
        ],
        |_| Ok(()),
    )
    .await?;
    Ok(Case {
        id: CaseId(id),
        number,
        kind: new.kind,
        participant_id: new.participant_id,
        family_id: new.family_id,
        channel: new.channel,
        sender: new.sender,
        fields: new.fields,
        status: new.status,
        office_id: None,
        submission_key: None,
        assigned_to: None,
        assigned_at: None,
        first_response_at: None,
        closed_at: None,
        created_at: created,
        updated_at: created,
    })
}

fn case(r: &Row) -> Result<Case> {
    Ok(Case {
        id: CaseId(get(r, 0, "cases.id")?),
        number: get(r, 1, "cases.number")?,
        kind: get(r, 2, "cases.kind")?,
        participant_id: get::<Option<i64>>(r, 3, "cases.participant_id")?.map(ParticipantId),
        family_id: get::<Option<i64>>(r, 4, "cases.family_id")?.map(FamilyId),
        channel: get(r, 5, "cases.channel")?,
        sender: get(r, 6, "cases.sender")?,
        fields: from_json(get(r, 7, "cases.fields")?, "cases.fields")?,
        status: get::<String>(r, 8, "cases.status")?
            .parse()
            .map_err(|e: cases::status::UnknownStatus| store::StoreError::Corrupt(e.to_string()))?,
        office_id: None,
        submission_key: None,
        assigned_to: None,
        assigned_at: None,
        first_response_at: None,
        closed_at: None,
        created_at: get(r, 9, "cases.created_at")?,
        updated_at: get(r, 10, "cases.updated_at")?,
    })
}

pub(crate) async fn case_by_number(db: &PgStore, number: &str) -> Result<Option<Case>> {
    db.query_opt(
        "SELECT id, number, kind, participant_id, family_id, channel, sender, fields, status, \
         created_at, updated_at FROM cases WHERE number = $1",
        &[&number],
        case,
    )
    .await
}

pub(crate) async fn cases_for_participant(
    db: &PgStore,
    participant: ParticipantId,
) -> Result<Vec<Case>> {
    db.query_all(
        "SELECT id, number, kind, participant_id, family_id, channel, sender, fields, status, \
         created_at, updated_at FROM cases WHERE participant_id = $1 \
         ORDER BY created_at DESC, id DESC",
        &[&participant.0],
        case,
    )
    .await
}

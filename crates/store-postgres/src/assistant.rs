//! The assistant's tables: conversations (state per channel and sender), turns and cases
//! (created here; their later life is in `casework.rs`).
//! JSON is stored as text and parsed here, as the SQLite backend does.

use crate::casework;
use crate::error::{corrupt, PgResultExt};
use crate::pool::Connection;
use crate::rows::{self, case_cols, column, get, only_id, stored_instant};
use crate::PgStore;
use store::{
    case_number, Actor, Case, CaseEventKind, CaseId, ConversationRecord, NewCase, NewTurn,
    ParticipantId, Result, StoreError, Turn, TurnId,
};
use tokio_postgres::{GenericClient, Row, Statement, Transaction};

fn from_json(s: &str, col: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| corrupt(col, e))
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

/// Stores turns (one, or a batch's) in one statement, in the order given (their ids follow
/// it).
pub(crate) const APPEND_TURNS: &str =
    "INSERT INTO turns (channel, sender, direction, body, text, intent, participant_id, at) \
     SELECT channel, sender, direction, body, text, intent, participant_id, at \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
       $7::int8[], $8::timestamptz[]) WITH ORDINALITY \
       AS t (channel, sender, direction, body, text, intent, participant_id, at, n) \
     ORDER BY t.n \
     RETURNING id";

/// Creates or replaces conversations' states (one, or a batch's) in one statement (one row per
/// conversation:
/// the same conversation twice is refused, and a batch holding it is then stored one event at
/// a time).
pub(crate) const SAVE_CONVERSATIONS: &str =
    "INSERT INTO conversations (channel, sender, state, status, participant_id, updated_at) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], \
       $6::timestamptz[]) \
     ON CONFLICT (channel, sender) DO UPDATE SET state = EXCLUDED.state, \
     status = EXCLUDED.status, participant_id = EXCLUDED.participant_id, \
     updated_at = EXCLUDED.updated_at";

pub(crate) async fn save_conversation(db: &PgStore, c: &ConversationRecord) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(SAVE_CONVERSATIONS).await?;
    save_conversations(&conn.client, &st, &[c]).await
}

pub(crate) async fn append_turn(db: &PgStore, t: NewTurn) -> Result<Turn> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(APPEND_TURNS).await?;
    let id = only_id(insert_turns(&conn.client, &st, &[&t]).await?, "turns.id")?;
    let at = stored_instant(t.at);
    Ok(t.stored(id, at))
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

/// The statements [`create_case_with`] runs, prepared (or found in the connection's cache)
/// before a transaction starts, so that each costs one round trip inside it.
pub(crate) struct CreateCaseStatements {
    next_id: Statement,
    insert: Statement,
    by_key: Statement,
    event: Statement,
}

impl CreateCaseStatements {
    pub(crate) async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(CreateCaseStatements {
            next_id: conn.prepare(NEXT_CASE_ID).await?,
            insert: conn.prepare(INSERT_CASE).await?,
            by_key: conn.prepare(CASE_BY_SUBMISSION_KEY).await?,
            event: conn.prepare(casework::INSERT_EVENT).await?,
        })
    }
}

const NEXT_CASE_ID: &str = "SELECT nextval(pg_get_serial_sequence('cases', 'id'))";

// The conflict target names the partial unique index's predicate, as PostgreSQL requires to
// infer it; a case without a key never conflicts there.
const INSERT_CASE: &str = concat!(
    "INSERT INTO cases (id, number, kind, participant_id, family_id, office_id, channel, \
     sender, fields, status, submission_key, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
     ON CONFLICT (submission_key) WHERE submission_key IS NOT NULL DO NOTHING \
     RETURNING ",
    case_cols!()
);

const CASE_BY_SUBMISSION_KEY: &str = concat!(
    "SELECT ",
    case_cols!(),
    " FROM cases WHERE submission_key = $1"
);

pub(crate) async fn create_case(db: &PgStore, new: NewCase) -> Result<Case> {
    let mut conn = db.pool.get().await?;
    let st = CreateCaseStatements::prepare(&mut conn).await?;
    let tx = conn.client.transaction().await.db()?;
    let case = create_case_with(&tx, &st, new).await?;
    tx.commit().await.db()?;
    Ok(case)
}

/// Stores a case and its `Created` event in the caller's transaction. With a submission key
/// already used, stores nothing and returns the case stored the first time.
pub(crate) async fn create_case_with(
    tx: &Transaction<'_>,
    st: &CreateCaseStatements,
    new: NewCase,
) -> Result<Case> {
    // The number is made from the id, so the id is drawn from the sequence first; a sequence
    // value is never handed out twice, even to nodes inserting at the same moment. A value
    // drawn for a duplicate submission is simply skipped.
    let id: i64 = get(&tx.query_one(&st.next_id, &[]).await.db()?, 0, "cases.id")?;
    let number = case_number(&new.number_prefix, CaseId(id));
    let fields = new.fields.to_string();
    let created = stored_instant(new.created_at);
    let inserted = tx
        .query_opt(
            &st.insert,
            &[
                &id,
                &number,
                &new.kind,
                &new.participant_id.map(|p| p.0),
                &new.family_id.map(|f| f.0),
                &new.office_id.map(|o| o.0),
                &new.channel,
                &new.sender,
                &fields,
                &new.status.as_str(),
                &new.submission_key,
                &created,
            ],
        )
        .await
        .db()?;
    let Some(row) = inserted else {
        // ON CONFLICT waited for the transaction that stored this key to commit, so the first
        // case is visible to this (new) statement.
        let row = tx
            .query_opt(&st.by_key, &[&new.submission_key])
            .await
            .db()?
            .ok_or_else(|| StoreError::Other("a case with this submission key vanished".into()))?;
        return rows::case(&row);
    };
    let case = rows::case(&row)?;
    casework::insert_event(
        tx,
        &st.event,
        casework::EventRow {
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
    )
    .await?;
    Ok(case)
}

pub(crate) const CASE_BY_ID: &str = concat!("SELECT ", case_cols!(), " FROM cases WHERE id = $1");

pub(crate) async fn case(db: &PgStore, id: CaseId) -> Result<Option<Case>> {
    db.query_opt(CASE_BY_ID, &[&id.0], rows::case).await
}

pub(crate) async fn case_by_number(db: &PgStore, number: &str) -> Result<Option<Case>> {
    db.query_opt(
        concat!("SELECT ", case_cols!(), " FROM cases WHERE number = $1"),
        &[&number],
        rows::case,
    )
    .await
}

pub(crate) async fn cases_for_participant(
    db: &PgStore,
    participant: ParticipantId,
) -> Result<Vec<Case>> {
    db.query_all(
        concat!(
            "SELECT ",
            case_cols!(),
            " FROM cases WHERE participant_id = $1 ORDER BY created_at DESC, id DESC"
        ),
        &[&participant.0],
        rows::case,
    )
    .await
}

/// Stores `turns` with [`APPEND_TURNS`] (prepared as `st`), in their order; their new ids.
pub(crate) async fn insert_turns(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    turns: &[&NewTurn],
) -> Result<Vec<TurnId>> {
    if turns.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            st,
            &[
                &column(turns, |t| t.channel.as_str()),
                &column(turns, |t| t.sender.as_str()),
                &column(turns, |t| t.direction.as_str()),
                &column(turns, |t| t.body.to_string()),
                &column(turns, |t| t.text.as_str()),
                &column(turns, |t| t.intent.as_deref()),
                &column(turns, |t| t.participant_id.map(|p| p.0)),
                &column(turns, |t| stored_instant(t.at)),
            ],
        )
        .await
        .db()?;
    rows.iter()
        .map(|r| Ok(TurnId(get::<i64>(r, 0, "turns.id")?)))
        .collect()
}

/// Stores `conversations` with [`SAVE_CONVERSATIONS`] (prepared as `st`).
pub(crate) async fn save_conversations(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    conversations: &[&ConversationRecord],
) -> Result<()> {
    if conversations.is_empty() {
        return Ok(());
    }
    client
        .execute(
            st,
            &[
                &column(conversations, |c| c.channel.as_str()),
                &column(conversations, |c| c.sender.as_str()),
                &column(conversations, |c| c.state.to_string()),
                &column(conversations, |c| c.status.as_str()),
                &column(conversations, |c| c.participant_id.map(|p| p.0)),
                &column(conversations, |c| stored_instant(c.updated_at)),
            ],
        )
        .await
        .db()?;
    Ok(())
}

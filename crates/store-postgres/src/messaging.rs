//! The inbox and the outbox's send state on PostgreSQL. The contract is documented in
//! `store::messaging`; the SQLite backend's `messaging.rs` is the reference.
//!
//! Several nodes share the database: claims lock their candidates with `FOR UPDATE SKIP
//! LOCKED` (a node never waits for, nor takes, rows another node is claiming), and an event is
//! marked processed by a conditional `UPDATE`, so only one worker's results are ever stored.

use crate::assistant;
use crate::error::{corrupt, PgResultExt};
use crate::pool::Connection;
use crate::rows::{self, column, get, only_id, outbound_cols, stored_instant};
use crate::PgStore;
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use store::{
    BroadcastId, Claim, DeliveryUpdate, InboxEvent, InboxId, InboxStats, NewInboxEvent,
    NewOutbound, Outbound, OutboundId, OutboxCount, OutboxFilter, OutboxState, ProcessedEvent,
    Result, SendOutcome, StatusMatch, StoreError, StoredRequest,
};
use tokio::try_join;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row, Statement};

fn request_json(r: &StoredRequest) -> Result<String> {
    serde_json::to_string(r).map_err(|e| StoreError::Other(format!("encoding a request: {e}")))
}

pub(crate) fn count(r: &Row, i: usize, col: &str) -> Result<u64> {
    Ok(get::<i64>(r, i, col)?.max(0) as u64)
}

// ---- the outbox ---------------------------------------------------------------------------

/// Stores outbox rows (one, or a batch's replies) in one statement, in the order given: their
/// ids follow it, so each recipient's messages are sent in that order.
pub(crate) const INSERT_OUTBOUND: &str =
    "INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, request, \
     attempts, next_attempt_at, error_code, error_reason, updated_at, inbox_id, broadcast_id) \
     SELECT channel, recipient, purpose, body, status, created_at, request, 0, created_at, \
       error_code, error_reason, created_at, inbox_id, $11 \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
       $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::int8[]) WITH ORDINALITY \
       AS m (channel, recipient, purpose, body, status, created_at, request, error_code, \
         error_reason, inbox_id, n) \
     ORDER BY m.n \
     RETURNING id";

/// Stores `messages` with [`INSERT_OUTBOUND`] (prepared as `st`), tagged with `broadcast` if
/// a broadcast produced them: each queued, or failed at once when it is unsendable (see
/// `NewOutbound::initial_state`). Their new ids.
pub(crate) async fn insert_outbound_rows(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    messages: &[&NewOutbound],
    broadcast: Option<BroadcastId>,
) -> Result<Vec<OutboundId>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let requests = column(messages, |m| {
        m.request.as_ref().map(request_json).transpose()
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let rows = client
        .query(
            st,
            &[
                &column(messages, |m| m.channel.as_str()),
                &column(messages, |m| m.recipient.as_str()),
                &column(messages, |m| m.purpose.as_str()),
                &column(messages, |m| m.body.as_str()),
                &column(messages, |m| m.initial_state().as_str()),
                &column(messages, |m| stored_instant(m.created_at)),
                &requests,
                &column(messages, |m| {
                    m.unsendable.as_ref().map(|_| store::UNSENDABLE)
                }),
                &column(messages, |m| m.unsendable.as_deref()),
                &column(messages, |m| m.inbox_id.map(|i| i.0)),
                &broadcast.map(|b| b.0),
            ],
        )
        .await
        .db()?;
    rows.iter()
        .map(|r| Ok(OutboundId(get(r, 0, "outbound.id")?)))
        .collect()
}

pub(crate) async fn enqueue(db: &PgStore, m: NewOutbound) -> Result<Outbound> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(INSERT_OUTBOUND).await?;
    let ids = insert_outbound_rows(&conn.client, &st, &[&m], None).await?;
    let id = only_id(ids, "outbound.id")?;
    let created_at = stored_instant(m.created_at);
    Ok(m.stored(id, created_at))
}

/// An earlier message to the same recipient still owed. `OFFSET 0` keeps it a lookup per
/// candidate in the `(channel, recipient, id)` index: without it the planner may turn it into
/// an anti-join, and on a fresh table (no statistics yet, so it expects one row) it picked one
/// that compared every queued row with every other: 700 ms for 1,500 queued rows instead of
/// 4 ms.
macro_rules! head_of_line {
    () => {
        "SELECT 1 FROM outbound e WHERE e.channel = o.channel AND e.recipient = o.recipient \
         AND e.id < o.id AND e.status IN ('queued', 'sending') AND e.request IS NOT NULL OFFSET 0"
    };
}

/// Candidates are locked with SKIP LOCKED, so nodes claiming at the same moment share the due
/// rows instead of queueing behind each other. Two walks, each stopping at the limit: the
/// queued rows in id order (`outbound_queued`), and the rows whose lease ran out
/// (`outbound_leased`), so a claim reads about a batch of rows whatever the backlog. (A row a
/// walk locked but the batch did not keep stays locked, and skipped by other nodes, until the
/// transaction ends: at most one batch more, and only when leases have run out.) A row is a
/// candidate only when no earlier message to its recipient is still owed (a row without a
/// request is never sent, so it never holds the line up).
macro_rules! claim_walk {
    ($due:literal) => {
        concat!(
            "SELECT o.id FROM outbound o WHERE o.channel = $1 AND ",
            $due,
            " AND o.request IS NOT NULL AND NOT EXISTS (",
            head_of_line!(),
            ") ORDER BY o.id LIMIT $5 FOR UPDATE OF o SKIP LOCKED"
        )
    };
}

pub(crate) const CLAIM: &str = concat!(
    "WITH queued AS (",
    claim_walk!("o.status = 'queued' AND o.next_attempt_at <= $2"),
    "), expired AS (",
    claim_walk!("o.status = 'sending' AND o.lease_until <= $4"),
    "), due AS (SELECT id FROM queued UNION ALL SELECT id FROM expired ORDER BY id LIMIT $5) \
     UPDATE outbound SET status = 'sending', lease_until = $3, attempts = attempts + 1, \
       updated_at = $2 \
     WHERE id IN (SELECT id FROM due) \
     RETURNING ",
    outbound_cols!()
);

pub(crate) async fn claim(db: &PgStore, channel: &str, claim: Claim) -> Result<Vec<Outbound>> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(CLAIM).await?;
    claim_with(&conn.client, &st, channel, claim).await
}

/// [`claim`] with [`CLAIM`] prepared as `st`, on a connection or inside a transaction.
pub(crate) async fn claim_with(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    channel: &str,
    claim: Claim,
) -> Result<Vec<Outbound>> {
    let rows = client
        .query(
            st,
            &[
                &channel,
                &stored_instant(claim.now),
                &stored_instant(claim.lease_until),
                &stored_instant(claim.in_doubt_before),
                &i64::from(claim.limit),
            ],
        )
        .await
        .db()?;
    let mut claimed = rows
        .iter()
        .map(rows::outbound)
        .collect::<Result<Vec<_>>>()?;
    claimed.sort_by_key(|o| o.id);
    Ok(claimed)
}

// A status may have settled the message already (the provider can be faster than its own
// answer): keep the further state and its error, but learn the provider's id.
const COMPLETE_SENT: &str = "UPDATE outbound SET \
     status = CASE WHEN status IN ('queued', 'sending') THEN 'sent' ELSE status END, \
     error_code = CASE WHEN status IN ('queued', 'sending') THEN NULL ELSE error_code END, \
     error_reason = CASE WHEN status IN ('queued', 'sending') THEN NULL ELSE error_reason END, \
     provider_message_id = COALESCE($2, provider_message_id), lease_until = NULL, \
     updated_at = $3 WHERE id = $1";
const COMPLETE_RETRY: &str =
    "UPDATE outbound SET status = 'queued', next_attempt_at = $2, lease_until = NULL, \
     error_code = $3, error_reason = $4, updated_at = $5 \
     WHERE id = $1 AND status IN ('queued', 'sending')";
const COMPLETE_REPLACE: &str =
    "UPDATE outbound SET status = 'queued', request = $2, next_attempt_at = $3, \
     lease_until = NULL, updated_at = $3 \
     WHERE id = $1 AND status IN ('queued', 'sending')";
const COMPLETE_FAILED: &str =
    "UPDATE outbound SET status = 'failed', lease_until = NULL, error_code = $2, \
     error_reason = $3, updated_at = $4 \
     WHERE id = $1 AND status IN ('queued', 'sending')";

const OUTBOUND_EXISTS: &str = "SELECT 1 FROM outbound WHERE id = $1";

/// What recording a send's outcome needs, prepared before a transaction starts.
pub(crate) struct CompleteStatements {
    sent: Statement,
    retry: Statement,
    replace: Statement,
    failed: Statement,
    exists: Statement,
}

impl CompleteStatements {
    pub(crate) async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(CompleteStatements {
            sent: conn.prepare(COMPLETE_SENT).await?,
            retry: conn.prepare(COMPLETE_RETRY).await?,
            replace: conn.prepare(COMPLETE_REPLACE).await?,
            failed: conn.prepare(COMPLETE_FAILED).await?,
            exists: conn.prepare(OUTBOUND_EXISTS).await?,
        })
    }
}

pub(crate) async fn complete(
    db: &PgStore,
    id: OutboundId,
    outcome: SendOutcome,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut conn = db.pool.get().await?;
    let st = CompleteStatements::prepare(&mut conn).await?;
    complete_with(&conn.client, &st, id, &outcome, at).await
}

pub(crate) async fn complete_with(
    client: &(impl GenericClient + Sync),
    st: &CompleteStatements,
    id: OutboundId,
    outcome: &SendOutcome,
    at: DateTime<Utc>,
) -> Result<()> {
    let at = stored_instant(at);
    let changed = match outcome {
        SendOutcome::Sent {
            provider_message_id,
        } => {
            client
                .execute(&st.sent, &[&id.0, provider_message_id, &at])
                .await
        }
        SendOutcome::Retry {
            at: next,
            code,
            reason,
        } => {
            client
                .execute(
                    &st.retry,
                    &[&id.0, &stored_instant(*next), code, reason, &at],
                )
                .await
        }
        SendOutcome::Replace { request } => {
            client
                .execute(&st.replace, &[&id.0, &request_json(request)?, &at])
                .await
        }
        SendOutcome::Failed { code, reason } => {
            client
                .execute(&st.failed, &[&id.0, code, reason, &at])
                .await
        }
    }
    .db()?;
    if changed == 0 {
        // Not an error when a status got there first (the row is finished); only when the
        // message does not exist.
        if client.query_opt(&st.exists, &[&id.0]).await.db()?.is_none() {
            return Err(StoreError::NotFound(format!("outbound message {id}")));
        }
    }
    Ok(())
}

pub(crate) async fn list(db: &PgStore, filter: &OutboxFilter) -> Result<Vec<Outbound>> {
    db.query_all(
        concat!(
            "SELECT ",
            outbound_cols!(),
            " FROM outbound WHERE ($1::text IS NULL OR channel = $1) \
             AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
        ),
        &[
            &filter.channel,
            &filter.state.map(OutboxState::as_str),
            &i64::from(filter.limit),
        ],
        rows::outbound,
    )
    .await
}

pub(crate) async fn retry(db: &PgStore, ids: &[OutboundId], now: DateTime<Utc>) -> Result<u64> {
    // No ids: every failed message. What a broadcast's cancel withdrew stays withdrawn.
    let ids: Option<Vec<i64>> = (!ids.is_empty()).then(|| ids.iter().map(|i| i.0).collect());
    let mut conn = db.pool.get().await?;
    let st = conn
        .prepare(
            "UPDATE outbound SET status = 'queued', attempts = 0, next_attempt_at = $2, \
             lease_until = NULL, updated_at = $2 \
             WHERE status = 'failed' AND request IS NOT NULL \
             AND error_code IS DISTINCT FROM 'cancelled' \
             AND ($1::bigint[] IS NULL OR id = ANY ($1))",
        )
        .await?;
    conn.client
        .execute(&st, &[&ids, &stored_instant(now)])
        .await
        .db()
}

pub(crate) async fn counts(db: &PgStore) -> Result<Vec<OutboxCount>> {
    db.query_all(
        // NULLS FIRST: the order SQLite gives.
        "SELECT channel, status, CASE WHEN status = 'failed' THEN error_code END AS code, \
         COUNT(*) FROM outbound GROUP BY channel, status, code \
         ORDER BY channel, status, code NULLS FIRST",
        &[],
        |r| {
            let status: &str = get(r, 1, "outbound.status")?;
            Ok(OutboxCount {
                channel: get(r, 0, "outbound.channel")?,
                state: OutboxState::parse(status)
                    .ok_or_else(|| corrupt("outbound.status", status))?,
                error_code: get(r, 2, "outbound.error_code")?,
                count: count(r, 3, "count")?,
            })
        },
    )
    .await
}

// ---- the inbox ----------------------------------------------------------------------------

/// The whole batch in one statement (so one transaction and one round trip), inserted in the
/// batch's order so ids follow arrival. Redeliveries are stored too: they are recognised when
/// processed, so no index over random provider ids is written here.
pub(crate) const INBOX_APPEND: &str =
    "INSERT INTO inbox (channel, provider_id, conversation, kind, payload, occurred_at, \
     received_at) \
     SELECT e.channel, e.provider_id, e.conversation, e.kind, e.payload, e.occurred_at, \
     e.received_at \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
     $6::timestamptz[], $7::timestamptz[]) WITH ORDINALITY \
     AS e (channel, provider_id, conversation, kind, payload, occurred_at, received_at, n) \
     ORDER BY e.n \
     RETURNING id";

pub(crate) async fn inbox_append(db: &PgStore, events: Vec<NewInboxEvent>) -> Result<Vec<InboxId>> {
    let mut conn = db.pool.get().await?;
    let st = conn.prepare(INBOX_APPEND).await?;
    inbox_append_with(&conn.client, &st, &events).await
}

/// [`inbox_append`] with [`INBOX_APPEND`] prepared as `st`.
pub(crate) async fn inbox_append_with(
    client: &(impl GenericClient + Sync),
    st: &Statement,
    events: &[NewInboxEvent],
) -> Result<Vec<InboxId>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = events.len();
    let mut channels = Vec::with_capacity(n);
    let mut provider_ids = Vec::with_capacity(n);
    let mut conversations = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut payloads = Vec::with_capacity(n);
    let mut occurred = Vec::with_capacity(n);
    let mut received = Vec::with_capacity(n);
    for e in events {
        channels.push(e.channel.as_str());
        provider_ids.push(e.provider_id.as_str());
        conversations.push(e.conversation.as_str());
        kinds.push(e.kind.as_str());
        payloads.push(e.payload.to_string());
        occurred.push(stored_instant(e.occurred_at));
        received.push(stored_instant(e.received_at));
    }
    let rows = client
        .query(
            st,
            &[
                &channels,
                &provider_ids,
                &conversations,
                &kinds,
                &payloads,
                &occurred,
                &received,
            ],
        )
        .await
        .db()?;
    // The rows take their ids from the sequence in the order they are inserted, which is the
    // batch's order; RETURNING's own order is not promised, so the ids are sorted.
    let mut ids = rows
        .iter()
        .map(|r| get(r, 0, "inbox.id").map(InboxId))
        .collect::<Result<Vec<_>>>()?;
    if ids.len() != n {
        return Err(corrupt(
            "inbox",
            "an appended batch returned another number of rows",
        ));
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Another row of `inbox` holding the same delivery (channel, provider time, provider id),
/// already processed: the partial unique index over processed events answers it.
macro_rules! processed_twin {
    () => {
        "SELECT 1 FROM inbox AS twin WHERE twin.channel = inbox.channel \
         AND twin.occurred_at = inbox.occurred_at AND twin.provider_id = inbox.provider_id \
         AND twin.processed_at IS NOT NULL"
    };
}

/// The columns of an [`InboxEvent`], the last one telling whether the same delivery was
/// already processed under another id.
macro_rules! inbox_cols {
    () => {
        concat!(
            "id, channel, provider_id, conversation, kind, payload, occurred_at, received_at, \
             processed_at, EXISTS (",
            processed_twin!(),
            ")"
        )
    };
}

fn inbox_event(r: &Row) -> Result<InboxEvent> {
    let payload: &str = get(r, 5, "inbox.payload")?;
    Ok(InboxEvent {
        id: InboxId(get(r, 0, "inbox.id")?),
        channel: get(r, 1, "inbox.channel")?,
        provider_id: get(r, 2, "inbox.provider_id")?,
        conversation: get(r, 3, "inbox.conversation")?,
        kind: get(r, 4, "inbox.kind")?,
        payload: serde_json::from_str(payload).map_err(|e| corrupt("inbox.payload", e))?,
        occurred_at: get(r, 6, "inbox.occurred_at")?,
        received_at: get(r, 7, "inbox.received_at")?,
        processed_at: get(r, 8, "inbox.processed_at")?,
        redelivery: get(r, 9, "inbox.redelivery")?,
    })
}

pub(crate) async fn inbox_pending(
    db: &PgStore,
    after: InboxId,
    limit: u32,
) -> Result<Vec<InboxEvent>> {
    db.query_all(
        concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inbox WHERE processed_at IS NULL AND id > $1 ORDER BY id LIMIT $2"
        ),
        &[&after.0, &i64::from(limit)],
        inbox_event,
    )
    .await
}

pub(crate) async fn inbox_stats(db: &PgStore) -> Result<InboxStats> {
    let stats = db
        .query_opt(
            "SELECT COUNT(*), MIN(received_at) FROM inbox WHERE processed_at IS NULL",
            &[],
            |r| {
                Ok(InboxStats {
                    pending: count(r, 0, "count")?,
                    oldest_pending: get(r, 1, "inbox.received_at")?,
                })
            },
        )
        .await?;
    Ok(stats.unwrap_or_default())
}

pub(crate) async fn last_inbound_at(
    db: &PgStore,
    channel: &str,
    conversation: &str,
) -> Result<Option<DateTime<Utc>>> {
    db.query_opt(
        "SELECT last_inbound_at FROM inbound_windows WHERE channel = $1 AND address = $2",
        &[&channel, &conversation],
        |r| get(r, 0, "inbound_windows.last_inbound_at"),
    )
    .await
}

// ---- one processed event --------------------------------------------------------------------

/// Marks the event processed and, when the participant wrote it (anything but a delivery
/// status), opens their 24-hour window from its time (an older event processed late never
/// narrows it); in one round trip. The number of events marked (0 or 1). A redelivery of a
/// delivery processed under another id is deleted instead (and counts 0).
const MARK_PROCESSED: &str = concat!(
    "WITH marked AS (UPDATE inbox SET processed_at = $2 WHERE id = $1 AND processed_at IS NULL \
       AND NOT EXISTS (",
    processed_twin!(),
    ") RETURNING channel, conversation, kind, occurred_at), \
     dropped AS (DELETE FROM inbox WHERE id = $1 AND processed_at IS NULL \
       AND NOT EXISTS (SELECT 1 FROM marked)), \
     widened AS (INSERT INTO inbound_windows (channel, address, last_inbound_at) \
       SELECT channel, conversation, occurred_at FROM marked WHERE kind <> 'status' \
       ON CONFLICT (channel, address) DO UPDATE \
       SET last_inbound_at = GREATEST(inbound_windows.last_inbound_at, \
                                      EXCLUDED.last_inbound_at)) \
     SELECT COUNT(*) FROM marked"
);

/// A status's update; the argument says which message of channel $1 it is about.
macro_rules! apply_delivery {
    ($matching:literal) => {
        concat!(
            "UPDATE outbound SET status = $3, error_code = COALESCE($4, error_code), \
             provider_message_id = COALESCE(provider_message_id, $2), lease_until = NULL, \
             updated_at = $5 WHERE ",
            $matching,
            " AND (CASE status WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 \
             WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE 0 END) < $6"
        )
    };
}

const APPLY_BY_OUR_ID: &str = apply_delivery!(
    "id = $7 AND channel = $1 AND (provider_message_id IS NULL OR provider_message_id = $2)"
);
const APPLY_BY_INDEXED_PROVIDER_ID: &str =
    apply_delivery!("channel = $1 AND channel <> 'whatsapp' AND provider_message_id = $2");
const APPLY_BY_RECENT_WAMID: &str = apply_delivery!(
    "id > (SELECT COALESCE(MAX(id), 0) FROM outbound) - $7 AND channel = $1 \
     AND provider_message_id = $2"
);

/// The three ways a status finds its message, one statement each: a statement for all three
/// gets a generic plan that walks the newest messages even when our id is known.
pub(crate) struct DeliveryStatements {
    by_our_id: Statement,
    by_indexed_provider_id: Statement,
    by_recent_wamid: Statement,
}

impl DeliveryStatements {
    async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(DeliveryStatements {
            by_our_id: conn.prepare(APPLY_BY_OUR_ID).await?,
            by_indexed_provider_id: conn.prepare(APPLY_BY_INDEXED_PROVIDER_ID).await?,
            by_recent_wamid: conn.prepare(APPLY_BY_RECENT_WAMID).await?,
        })
    }
}

/// A status only raises a message's state ([`OutboxState::rank`], spelled out in SQL), and
/// teaches a message whose send answer a crash cut off the provider's id. Which message it is
/// about is [`DeliveryUpdate`]'s rule, as in the SQLite store.
async fn apply_delivery(
    client: &(impl GenericClient + Sync),
    st: &DeliveryStatements,
    d: &DeliveryUpdate,
) -> Result<()> {
    let (statement, seventh) = match d.matching() {
        StatusMatch::OurId(ours) => (&st.by_our_id, Some(ours.0)),
        StatusMatch::RecentProviderId { window } => (&st.by_recent_wamid, Some(window)),
        StatusMatch::IndexedProviderId => (&st.by_indexed_provider_id, None),
    };
    let (state, at, rank) = (
        d.state.as_str(),
        stored_instant(d.at),
        i32::from(d.state.rank()),
    );
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![
        &d.channel,
        &d.provider_message_id,
        &state,
        &d.error_code,
        &at,
        &rank,
    ];
    values.extend(seventh.as_ref().map(|v| v as &(dyn ToSql + Sync)));
    client.execute(statement, &values).await.db()?;
    Ok(())
}

/// What storing a processed event needs, prepared before a transaction starts so that each
/// statement costs one round trip inside it.
pub(crate) struct ProcessedStatements {
    mark: Statement,
    turns: Statement,
    conversations: Statement,
    outbound: Statement,
    delivery: DeliveryStatements,
}

impl ProcessedStatements {
    pub(crate) async fn prepare(conn: &mut Connection) -> Result<Self> {
        Ok(ProcessedStatements {
            mark: conn.prepare(MARK_PROCESSED).await?,
            turns: conn.prepare(assistant::APPEND_TURNS).await?,
            conversations: conn.prepare(assistant::SAVE_CONVERSATIONS).await?,
            outbound: conn.prepare(INSERT_OUTBOUND).await?,
            delivery: DeliveryStatements::prepare(conn).await?,
        })
    }
}

pub(crate) async fn commit_processed(db: &PgStore, p: ProcessedEvent) -> Result<bool> {
    let mut conn = db.pool.get().await?;
    let st = ProcessedStatements::prepare(&mut conn).await?;
    let tx = conn.client.transaction().await.db()?;
    // Committed either way: when the event is not stored, nothing was written but the
    // deletion of a redelivery.
    let stored = processed_with(&tx, &st, &p).await?;
    tx.commit().await.db()?;
    Ok(stored)
}

/// Stores `p` inside the caller's transaction; false, having stored nothing, when its event
/// was already processed (or is not in the inbox).
pub(crate) async fn processed_with(
    tx: &(impl GenericClient + Sync),
    st: &ProcessedStatements,
    p: &ProcessedEvent,
) -> Result<bool> {
    if !mark_processed(tx, st, p).await? {
        return Ok(false);
    }
    store_processed(tx, st, &[p]).await?;
    Ok(true)
}

/// Marks `p`'s inbox event processed; false when it already was (or is not in the inbox), and
/// then nothing of `p` may be stored. True for work that did not come from the inbox.
pub(crate) async fn mark_processed(
    tx: &(impl GenericClient + Sync),
    st: &ProcessedStatements,
    p: &ProcessedEvent,
) -> Result<bool> {
    let Some(id) = p.inbox_id else {
        return Ok(true);
    };
    let at = stored_instant(p.processed_at.unwrap_or_else(Utc::now));
    // Another worker that marked it first holds the row until it commits; this one then
    // finds it processed and changes nothing. Two nodes marking two deliveries of the same
    // event at once: the later commit fails on the unique index, and its retry finds the
    // other processed.
    let marked: i64 = get(
        &tx.query_one(&st.mark, &[&id.0, &at]).await.db()?,
        0,
        "count",
    )?;
    Ok(marked > 0)
}

/// Stores what the marked `events` produced: all their turns, conversations and replies in one
/// statement each (in the events' order), and their delivery updates; sent together and
/// pipelined, since none needs another's answer.
pub(crate) async fn store_processed(
    tx: &(impl GenericClient + Sync),
    st: &ProcessedStatements,
    events: &[&ProcessedEvent],
) -> Result<()> {
    let turns: Vec<_> = events.iter().flat_map(|p| &p.turns).collect();
    let conversations: Vec<_> = events
        .iter()
        .filter_map(|p| p.conversation.as_ref())
        .collect();
    let outbound: Vec<_> = events.iter().flat_map(|p| &p.outbound).collect();
    try_join!(
        assistant::insert_turns(tx, &st.turns, &turns),
        assistant::save_conversations(tx, &st.conversations, &conversations),
        insert_outbound_rows(tx, &st.outbound, &outbound, None),
        try_join_all(
            events
                .iter()
                .flat_map(|p| &p.deliveries)
                .map(|d| apply_delivery(tx, &st.delivery, d))
        ),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::CLAIM;
    use crate::casework::tests::{client, Fresh};

    /// The `rows=` of every node of an `EXPLAIN (ANALYZE, COSTS OFF)`, top node first.
    fn rows_per_node(plan: &[String]) -> Vec<u64> {
        plan.iter()
            .filter_map(|line| {
                let rest = line.split("(actual time=").nth(1)?;
                let rows = rest.split(" rows=").nth(1)?;
                rows.split(' ').next()?.parse().ok()
            })
            .collect()
    }

    /// With thousands of replies queued, a claim reads about a batch of rows, not the whole
    /// queue: the cost of a claim must not grow with the backlog it is there to drain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_claim_reads_about_a_batch_however_long_the_queue() {
        let fresh = Fresh::new().await;
        drop(fresh.store().await); // migrated
        let queued = 3000;
        client(&fresh.url)
            .await
            .batch_execute(&format!(
                "INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, \
                   request, attempts, next_attempt_at, updated_at, lease_until) \
                 SELECT 'whatsapp', '62812' || lpad((g % 2500)::text, 7, '0'), 'reply', 'x', \
                   CASE WHEN g <= 10 THEN 'sending' ELSE 'queued' END, ts, '{{}}', 0, ts, ts, \
                   CASE WHEN g <= 10 THEN ts + interval '1 hour' END \
                 FROM generate_series(1, {queued}) g, \
                   LATERAL (SELECT TIMESTAMPTZ '2026-11-23 03:00:00+00' AS ts) t"
            ))
            .await
            .unwrap();
        // Plans cached by a pooled connection, before the table's first ANALYZE and after it.
        for (when, setup) in [
            ("before the first ANALYZE", ""),
            ("after ANALYZE", "ANALYZE outbound;"),
        ] {
            let db = client(&fresh.url).await;
            let out = db
                .simple_query(&format!(
                    "BEGIN; {setup} SET LOCAL plan_cache_mode = force_generic_plan; \
                     PREPARE claim (text, timestamptz, timestamptz, timestamptz, bigint) AS \
                     {CLAIM}; \
                     EXPLAIN (ANALYZE, COSTS OFF) EXECUTE claim('whatsapp', \
                       '2026-11-23 04:00:00+00', '2026-11-23 04:01:00+00', \
                       '2026-11-23 03:59:00+00', 32); \
                     ROLLBACK"
                ))
                .await
                .unwrap();
            let plan: Vec<String> = out
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                    _ => None,
                })
                .collect();
            let rows = rows_per_node(&plan);
            let text = plan.join("\n");
            assert_eq!(
                rows.first(),
                Some(&32),
                "{when}: a full batch claimed:\n{text}"
            );
            // Recipients repeat every 2,500 rows, so a few candidates wait behind an earlier
            // message; the walk reads past those and stops.
            assert!(
                rows.iter().all(|&n| n < 200),
                "{when}: a node read most of the {queued} queued rows for a batch of 32:\n{text}"
            );
        }
    }
}

//! The inbox and the outbox's send state. Plain functions over a connection; `lib.rs` runs
//! them on the writer or a reader. The contract is documented in `store::messaging`.

use crate::assistant;
use crate::error::{corrupt, SqlResultExt};
use crate::rows::{self, instant, millis, stored_instant};
use crate::{query_all, query_one};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row, TransactionBehavior};
use std::sync::LazyLock;
use store::{
    BroadcastId, Claim, DeliveryUpdate, InboxEvent, InboxId, InboxStats, NewInboxEvent,
    NewOutbound, Outbound, OutboundId, OutboxCount, OutboxFilter, OutboxState, ProcessedEvent,
    Result, SendOutcome, StatusMatch, StoreError, StoredRequest, WriteOp, WriteResult,
};

/// No earlier unfinished message to the same recipient (`o` is the candidate).
const HEAD_OF_LINE: &str = "NOT EXISTS (SELECT 1 FROM outbound e WHERE e.channel = o.channel \
     AND e.recipient = o.recipient AND e.id < o.id AND e.status IN ('queued', 'sending') \
     AND e.request IS NOT NULL)";

/// The SQL form of [`OutboxState::rank`].
const RANK: &str = "CASE status WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 WHEN 'delivered' THEN 3 \
                    WHEN 'read' THEN 4 ELSE 0 END";

fn request_json(r: &StoredRequest) -> Result<String> {
    serde_json::to_string(r).map_err(|e| StoreError::Other(format!("encoding a request: {e}")))
}

pub(crate) fn insert_outbound(c: &Connection, m: NewOutbound) -> Result<Outbound> {
    insert_outbound_for(c, m, None)
}

/// [`insert_outbound`], tagged with the broadcast that produced the message (if any) so the
/// broadcast's progress and cancellation find it.
pub(crate) fn insert_outbound_for(
    c: &Connection,
    m: NewOutbound,
    broadcast: Option<BroadcastId>,
) -> Result<Outbound> {
    let id = insert_outbound_row(c, &m, broadcast)?;
    let created_at = stored_instant(m.created_at);
    Ok(m.stored(id, created_at))
}

/// Stores an outbox row (see `NewOutbound::initial_state`); its id.
fn insert_outbound_row(
    c: &Connection,
    m: &NewOutbound,
    broadcast: Option<BroadcastId>,
) -> Result<OutboundId> {
    let status = m.initial_state();
    let request = m.request.as_ref().map(request_json).transpose()?;
    let at = millis(m.created_at);
    c.prepare_cached(
        "INSERT INTO outbound (channel, recipient, purpose, body, status, created_at, request, \
         attempts, next_attempt_at, error_code, error_reason, updated_at, inbox_id, \
         broadcast_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?6, ?8, ?9, ?6, ?10, ?11)",
    )
    .db()?
    .execute(params![
        m.channel,
        m.recipient,
        m.purpose,
        m.body,
        status.as_str(),
        at,
        request,
        m.unsendable.as_ref().map(|_| store::UNSENDABLE),
        m.unsendable,
        m.inbox_id.map(|i| i.0),
        broadcast.map(|b| b.0),
    ])
    .db()?;
    Ok(OutboundId(c.last_insert_rowid()))
}

pub(crate) fn claim(c: &mut Connection, channel: &str, claim: Claim) -> Result<Vec<Outbound>> {
    in_transaction(c, |tx| claim_in(tx, channel, claim))
}

/// Runs `f` in one IMMEDIATE transaction, committed when it returns Ok and rolled back (by
/// the drop) when it fails, so a failed operation stores nothing.
pub(crate) fn in_transaction<T>(
    c: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    let out = f(&tx)?;
    tx.commit().db()?;
    Ok(out)
}

/// Claims are the hottest query of a busy outbox: its text is built once.
static CLAIM_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        // Two walks of the unfinished-rows index in id order (due queued rows, and
        // sending rows whose lease is over), each stopping at the limit: the cost follows
        // the queue, never the history of sent messages.
        "UPDATE outbound SET status = 'sending', lease_until = ?3, attempts = attempts + 1, \
             updated_at = ?2 \
             WHERE id IN (SELECT id FROM ( \
               SELECT id FROM (SELECT o.id FROM outbound o \
                 WHERE o.channel = ?1 AND o.status = 'queued' AND o.next_attempt_at <= ?2 \
                   AND o.request IS NOT NULL AND {HEAD_OF_LINE} ORDER BY o.id LIMIT ?5) \
               UNION ALL \
               SELECT id FROM (SELECT o.id FROM outbound o \
                 WHERE o.channel = ?1 AND o.status = 'sending' AND o.lease_until <= ?4 \
                   AND o.request IS NOT NULL AND {HEAD_OF_LINE} ORDER BY o.id LIMIT ?5)) \
               ORDER BY id LIMIT ?5) \
             RETURNING {}",
        rows::OUTBOUND_COLS
    )
});

fn claim_in(tx: &Connection, channel: &str, claim: Claim) -> Result<Vec<Outbound>> {
    let mut claimed = query_all(
        tx,
        &CLAIM_SQL,
        params![
            channel,
            millis(claim.now),
            millis(claim.lease_until),
            millis(claim.in_doubt_before),
            claim.limit
        ],
        rows::outbound,
    )?;
    claimed.sort_by_key(|o| o.id);
    Ok(claimed)
}

pub(crate) fn complete(
    c: &Connection,
    id: OutboundId,
    outcome: &SendOutcome,
    at: DateTime<Utc>,
) -> Result<()> {
    let at = millis(at);
    let changed = match outcome {
        SendOutcome::Sent {
            provider_message_id,
        } => c
            .prepare_cached(
                // A status may have settled it already (the provider can be faster than its
                // own answer): keep the further state (and a reported failure's code), but
                // learn the provider's id.
                "UPDATE outbound SET status = CASE WHEN status IN ('queued', 'sending') \
                 THEN 'sent' ELSE status END, \
                 error_code = CASE WHEN status IN ('queued', 'sending') \
                 THEN NULL ELSE error_code END, \
                 error_reason = CASE WHEN status IN ('queued', 'sending') \
                 THEN NULL ELSE error_reason END, \
                 provider_message_id = COALESCE(?2, provider_message_id), lease_until = NULL, \
                 updated_at = ?3 WHERE id = ?1",
            )
            .db()?
            .execute(params![id.0, provider_message_id, at])
            .db()?,
        SendOutcome::Retry {
            at: next,
            code,
            reason,
        } => c
            .prepare_cached(
                "UPDATE outbound SET status = 'queued', next_attempt_at = ?2, lease_until = NULL, \
                 error_code = ?3, error_reason = ?4, updated_at = ?5 \
                 WHERE id = ?1 AND status IN ('queued', 'sending')",
            )
            .db()?
            .execute(params![id.0, millis(*next), code, reason, at])
            .db()?,
        SendOutcome::Replace { request } => c
            .prepare_cached(
                "UPDATE outbound SET status = 'queued', request = ?2, next_attempt_at = ?3, \
                 lease_until = NULL, updated_at = ?3 \
                 WHERE id = ?1 AND status IN ('queued', 'sending')",
            )
            .db()?
            .execute(params![id.0, request_json(request)?, at])
            .db()?,
        SendOutcome::Failed { code, reason } => c
            .prepare_cached(
                "UPDATE outbound SET status = 'failed', lease_until = NULL, error_code = ?2, \
                 error_reason = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND status IN ('queued', 'sending')",
            )
            .db()?
            .execute(params![id.0, code, reason, at])
            .db()?,
    };
    if changed == 0 {
        let exists: Option<i64> =
            query_one(c, "SELECT id FROM outbound WHERE id = ?1", [id.0], |r| {
                r.get(0).db()
            })?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("outbound message {id}")));
        }
    }
    Ok(())
}

pub(crate) fn list(c: &Connection, filter: &OutboxFilter) -> Result<Vec<Outbound>> {
    query_all(
        c,
        &format!(
            "SELECT {} FROM outbound WHERE (?1 IS NULL OR channel = ?1) \
             AND (?2 IS NULL OR status = ?2) ORDER BY id DESC LIMIT ?3",
            rows::OUTBOUND_COLS
        ),
        params![
            filter.channel,
            filter.state.map(OutboxState::as_str),
            filter.limit
        ],
        rows::outbound,
    )
}

pub(crate) fn retry(c: &mut Connection, ids: &[OutboundId], now: DateTime<Utc>) -> Result<u64> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    let sql = "UPDATE outbound SET status = 'queued', attempts = 0, next_attempt_at = ?2, \
               lease_until = NULL, updated_at = ?2 \
               WHERE status = 'failed' AND request IS NOT NULL AND (?1 IS NULL OR id = ?1) \
               AND error_code IS NOT 'cancelled'";
    let mut n = 0;
    {
        let mut stmt = tx.prepare_cached(sql).db()?;
        if ids.is_empty() {
            n += stmt
                .execute(params![Option::<i64>::None, millis(now)])
                .db()?;
        }
        for id in ids {
            n += stmt.execute(params![id.0, millis(now)]).db()?;
        }
    }
    tx.commit().db()?;
    Ok(n as u64)
}

pub(crate) fn counts(c: &Connection) -> Result<Vec<OutboxCount>> {
    query_all(
        c,
        "SELECT channel, status, CASE WHEN status = 'failed' THEN error_code END AS code, \
         COUNT(*) FROM outbound GROUP BY channel, status, code ORDER BY channel, status, code",
        [],
        |r| {
            let status: String = r.get(1).db()?;
            Ok(OutboxCount {
                channel: r.get(0).db()?,
                state: OutboxState::parse(&status)
                    .ok_or_else(|| corrupt("outbound.status", &status))?,
                error_code: r.get(2).db()?,
                count: r.get::<_, i64>(3).db()?.max(0) as u64,
            })
        },
    )
}

pub(crate) fn inbox_append(c: &mut Connection, events: Vec<NewInboxEvent>) -> Result<Vec<InboxId>> {
    in_transaction(c, |tx| inbox_append_in(tx, &events))
}

/// Appends only: a redelivery is stored too, and recognised when it is processed (see
/// `processed_in`), so the webhook's commit writes no page chosen by a random provider id.
fn inbox_append_in(tx: &Connection, events: &[NewInboxEvent]) -> Result<Vec<InboxId>> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO inbox (channel, provider_id, conversation, kind, payload, \
             occurred_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .db()?;
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        insert
            .execute(params![
                e.channel,
                e.provider_id,
                e.conversation,
                e.kind,
                e.payload.to_string(),
                millis(e.occurred_at),
                millis(e.received_at),
            ])
            .db()?;
        ids.push(InboxId(tx.last_insert_rowid()));
    }
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
const INBOX_COLS: &str = concat!(
    "id, channel, provider_id, conversation, kind, payload, occurred_at, received_at, \
     processed_at, EXISTS (",
    processed_twin!(),
    ")"
);

fn inbox_event(r: &Row<'_>) -> Result<InboxEvent> {
    let payload: String = r.get(5).db()?;
    Ok(InboxEvent {
        id: InboxId(r.get(0).db()?),
        channel: r.get(1).db()?,
        provider_id: r.get(2).db()?,
        conversation: r.get(3).db()?,
        kind: r.get(4).db()?,
        payload: serde_json::from_str(&payload).map_err(|e| corrupt("inbox.payload", e))?,
        occurred_at: instant(r.get(6).db()?, "inbox.occurred_at")?,
        received_at: instant(r.get(7).db()?, "inbox.received_at")?,
        processed_at: r
            .get::<_, Option<i64>>(8)
            .db()?
            .map(|ms| instant(ms, "inbox.processed_at"))
            .transpose()?,
        redelivery: r.get(9).db()?,
    })
}

pub(crate) fn inbox_pending(c: &Connection, after: InboxId, limit: u32) -> Result<Vec<InboxEvent>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {INBOX_COLS} FROM inbox WHERE processed_at IS NULL AND id > ?1 \
             ORDER BY id LIMIT ?2"
        )
    });
    query_all(c, &SQL, params![after.0, limit], inbox_event)
}

pub(crate) fn inbox_stats(c: &Connection) -> Result<InboxStats> {
    let (pending, oldest): (i64, Option<i64>) = query_one(
        c,
        "SELECT COUNT(*), MIN(received_at) FROM inbox WHERE processed_at IS NULL",
        [],
        |r| Ok((r.get(0).db()?, r.get(1).db()?)),
    )?
    .unwrap_or((0, None));
    Ok(InboxStats {
        pending: pending.max(0) as u64,
        oldest_pending: oldest
            .map(|ms| instant(ms, "inbox.received_at"))
            .transpose()?,
    })
}

/// The last inbound instant (unix ms, or NULL) of `conversation` on `channel`, given as SQL
/// expressions: parameters, or a broadcast recipient's columns in a correlated subquery. One
/// text for both, so the 24-hour window means the same everywhere.
pub(crate) fn last_inbound_sql(channel: &str, conversation: &str) -> String {
    format!(
        "SELECT last_inbound_at FROM addresses \
         WHERE channel = {channel} AND address = {conversation}"
    )
}

pub(crate) fn last_inbound_at(
    c: &Connection,
    channel: &str,
    conversation: &str,
) -> Result<Option<DateTime<Utc>>> {
    static SQL: LazyLock<String> = LazyLock::new(|| last_inbound_sql("?1", "?2"));
    let ms: Option<i64> =
        query_one(c, &SQL, params![channel, conversation], |r| r.get(0).db())?.flatten();
    ms.map(|ms| instant(ms, "addresses.last_inbound_at"))
        .transpose()
}

/// A processed event the participant wrote (anything but a delivery status) opens their
/// window from its own time; an older event processed late never narrows it.
fn widen_window(tx: &Connection, inbox_id: InboxId) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO addresses (channel, address, last_inbound_at) \
         SELECT channel, conversation, occurred_at FROM inbox WHERE id = ?1 AND kind <> 'status' \
         ON CONFLICT (channel, address) DO UPDATE \
         SET last_inbound_at = MAX(COALESCE(last_inbound_at, 0), excluded.last_inbound_at)",
    )
    .db()?
    .execute([inbox_id.0])
    .db()?;
    Ok(())
}

/// A status's update; `matching` says which message of channel ?1 it is about.
fn apply_delivery_sql(matching: &str) -> String {
    format!(
        "UPDATE outbound SET status = ?3, error_code = COALESCE(?4, error_code), \
         provider_message_id = COALESCE(provider_message_id, ?2), lease_until = NULL, \
         updated_at = ?5 WHERE ({RANK}) < ?6 AND {matching}"
    )
}

static APPLY_BY_OUR_ID: LazyLock<String> = LazyLock::new(|| {
    apply_delivery_sql(
        "id = ?7 AND channel = ?1 \
         AND (provider_message_id IS NULL OR provider_message_id = ?2)",
    )
});

// `channel <> 'whatsapp'` is spelled out so that the partial index can serve the query.
static APPLY_BY_INDEXED_PROVIDER_ID: LazyLock<String> = LazyLock::new(|| {
    apply_delivery_sql("channel = ?1 AND channel <> 'whatsapp' AND provider_message_id = ?2")
});

// `+channel` keeps the planner off `outbound_due`, whose (channel) prefix would walk every
// message of the channel: the walk is over the newest rows by id, and stops there.
static APPLY_BY_RECENT_WAMID: LazyLock<String> = LazyLock::new(|| {
    apply_delivery_sql(
        "id > (SELECT IFNULL(MAX(id), 0) FROM outbound) - ?7 AND +channel = ?1 \
         AND provider_message_id = ?2",
    )
});

/// A status only raises a message's state ([`OutboxState::rank`]), and teaches a message
/// whose send answer a crash cut off the provider's id. Which message it is about is
/// [`DeliveryUpdate`]'s rule: one statement per way of finding it (WhatsApp's wamids are not
/// indexed, migration 16).
fn apply_delivery(c: &Connection, d: &DeliveryUpdate) -> Result<()> {
    let (statement, seventh): (&str, Option<i64>) = match d.matching() {
        StatusMatch::OurId(ours) => (&APPLY_BY_OUR_ID, Some(ours.0)),
        StatusMatch::RecentProviderId { window } => (&APPLY_BY_RECENT_WAMID, Some(window)),
        StatusMatch::IndexedProviderId => (&APPLY_BY_INDEXED_PROVIDER_ID, None),
    };
    let (state, at, rank) = (d.state.as_str(), millis(d.at), d.state.rank());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &d.channel,
        &d.provider_message_id,
        &state,
        &d.error_code,
        &at,
        &rank,
    ];
    values.extend(seventh.as_ref().map(|v| v as &dyn rusqlite::ToSql));
    c.prepare_cached(statement)
        .db()?
        .execute(rusqlite::params_from_iter(values))
        .db()?;
    Ok(())
}

pub(crate) fn commit_processed(c: &mut Connection, p: ProcessedEvent) -> Result<bool> {
    in_transaction(c, |tx| processed_in(tx, &p))
}

fn processed_in(tx: &Connection, p: &ProcessedEvent) -> Result<bool> {
    if let Some(id) = p.inbox_id {
        let at = millis(p.processed_at.unwrap_or_else(Utc::now));
        let marked = tx
            .prepare_cached(concat!(
                "UPDATE inbox SET processed_at = ?2 WHERE id = ?1 AND processed_at IS NULL \
                 AND NOT EXISTS (",
                processed_twin!(),
                ")"
            ))
            .db()?
            .execute(params![id.0, at])
            .db()?;
        if marked == 0 {
            // Already processed, not in the inbox at all, or a redelivery of an event
            // processed before: store nothing, and let the redelivery go.
            tx.prepare_cached("DELETE FROM inbox WHERE id = ?1 AND processed_at IS NULL")
                .db()?
                .execute([id.0])
                .db()?;
            return Ok(false);
        }
        widen_window(tx, id)?;
    }
    for turn in &p.turns {
        assistant::insert_turn(tx, turn)?;
    }
    if let Some(conversation) = &p.conversation {
        assistant::save_conversation(tx, conversation)?;
    }
    for message in &p.outbound {
        insert_outbound_row(tx, message, None)?;
    }
    for delivery in &p.deliveries {
        apply_delivery(tx, delivery)?;
    }
    Ok(true)
}

/// Every operation in one IMMEDIATE transaction. Operations almost never fail, so they first
/// run straight in it; should one fail, that attempt is rolled back and the batch runs again
/// with a savepoint per operation, so the failing one is rolled back alone and reported in its
/// slot while the others commit together. (Savepoints on every operation cost about 5% of the
/// pipeline's time: each page an operation first touches is copied to the sub-journal.)
pub(crate) fn write_batch(c: &mut Connection, ops: Vec<WriteOp>) -> Result<Vec<WriteResult>> {
    {
        let tx = c
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db()?;
        let all: Result<Vec<WriteResult>> = ops.iter().map(|op| apply(&tx, op)).collect();
        if let Ok(results) = all {
            tx.commit().db()?;
            return Ok(results);
        }
        // Dropping the transaction rolls the attempt back.
    }
    let mut tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    let mut results = Vec::with_capacity(ops.len());
    for op in &ops {
        let sp = tx.savepoint().db()?;
        match apply(&sp, op) {
            Ok(r) => {
                sp.commit().db()?;
                results.push(r);
            }
            Err(e) => {
                drop(sp); // rolls back to the savepoint
                results.push(WriteResult::Failed(e.to_string()));
            }
        }
    }
    tx.commit().db()?;
    Ok(results)
}

fn apply(tx: &Connection, op: &WriteOp) -> Result<WriteResult> {
    Ok(match op {
        WriteOp::AppendInbox(events) => WriteResult::Appended(inbox_append_in(tx, events)?),
        WriteOp::Processed(p) => WriteResult::Processed(processed_in(tx, p)?),
        WriteOp::Complete { id, outcome, at } => {
            complete(tx, *id, outcome, *at)?;
            WriteResult::Completed
        }
        WriteOp::Claim { channel, claim } => WriteResult::Claimed(claim_in(tx, channel, *claim)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use store::RECENT_WHATSAPP_STATUS_WINDOW;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::migrate::run(&mut c).unwrap();
        c
    }

    /// `n` WhatsApp messages, sent: message `i` learnt the wamid `wamid.i`.
    fn sent_messages(c: &Connection, n: i64) {
        c.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO outbound (id, channel, recipient, purpose, body, status, created_at, \
             request, provider_message_id, updated_at) \
             SELECT i, 'whatsapp', '62812' || i, 'reply', 'Halo', 'sent', 0, '{}', \
             'wamid.' || i, 0 FROM n",
            [n],
        )
        .unwrap();
    }

    fn status(wamid: &str, ours: Option<i64>) -> DeliveryUpdate {
        DeliveryUpdate {
            channel: "whatsapp".into(),
            provider_message_id: wamid.into(),
            outbound_id: ours.map(OutboundId),
            state: OutboxState::Delivered,
            error_code: None,
            at: Utc.timestamp_opt(1_795_000_000, 0).unwrap(),
        }
    }

    fn state_of(c: &Connection, id: i64) -> String {
        c.query_row("SELECT status FROM outbound WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    }

    #[test]
    fn a_whatsapp_status_without_our_id_is_looked_for_among_the_newest_messages_only() {
        let c = db();
        let n = RECENT_WHATSAPP_STATUS_WINDOW + 5;
        sent_messages(&c, n);
        let (oldest_in_window, newest_outside) = (n - RECENT_WHATSAPP_STATUS_WINDOW + 1, 5);
        for id in [oldest_in_window, newest_outside] {
            apply_delivery(&c, &status(&format!("wamid.{id}"), None)).unwrap();
        }
        assert_eq!(state_of(&c, oldest_in_window), "delivered");
        assert_eq!(state_of(&c, newest_outside), "sent");
        // Naming our id, the same status finds a message of any age.
        apply_delivery(&c, &status("wamid.5", Some(5))).unwrap();
        assert_eq!(state_of(&c, 5), "delivered");
    }

    /// The plan SQLite chose for `sql`, one line per step.
    fn plan(c: &Connection, sql: &str) -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps = stmt
            .query_map(
                rusqlite::params_from_iter((0..stmt.parameter_count()).map(|_| "x")),
                |r| r.get::<_, String>(3),
            )
            .unwrap();
        steps.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn no_status_scans_the_outbox() {
        let c = db();
        sent_messages(&c, 100);
        // Whichever statement a status takes, it is a search, never a scan of `outbound`,
        // with the table's statistics or without.
        let statements = [
            (
                APPLY_BY_OUR_ID.as_str(),
                "USING INTEGER PRIMARY KEY (rowid=?)",
            ),
            (
                APPLY_BY_RECENT_WAMID.as_str(),
                "USING INTEGER PRIMARY KEY (rowid>?)",
            ),
            (
                APPLY_BY_INDEXED_PROVIDER_ID.as_str(),
                "USING INDEX outbound_provider_message",
            ),
        ];
        for analysed in [false, true] {
            if analysed {
                c.execute_batch("ANALYZE").unwrap();
            }
            for (sql, expected) in statements {
                let plan = plan(&c, sql);
                assert!(plan.contains(expected), "{sql}\n{plan}");
                assert!(!plan.contains("SCAN outbound"), "{sql}\n{plan}");
            }
        }
    }
}

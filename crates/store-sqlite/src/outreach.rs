//! Closures declared, edited and cancelled with their audit entry; broadcasts, their
//! recipients and their hand-off to the outbox; opt-outs. Plain functions over a connection,
//! like `messaging.rs`; the contract is documented in `store::outreach` and on the trait.

use crate::casework::insert_audit;
use crate::error::{corrupt, SqlResultExt};
use crate::messaging::{in_transaction, insert_outbound_for, last_inbound_sql};
use crate::rows::{self, instant, json_list, millis, stored_instant, BROADCAST_COLS};
use crate::{query_all, query_one};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};
use std::sync::LazyLock;
use store::{
    Audience, Broadcast, BroadcastId, BroadcastProgress, BroadcastQuery, BroadcastRecipient,
    BroadcastState, BroadcastStateChange, Closure, ClosureEdit, ClosureId, HandOff, NewAudit,
    NewBroadcast, NewClosure, OfficeId, ParticipantId, Result, StoreError,
};

// ---- closures -------------------------------------------------------------------------------

pub(crate) fn insert_closure(c: &Connection, closure: NewClosure) -> Result<Closure> {
    c.prepare_cached(
        "INSERT INTO closures (office_id, starts_at, ends_at, reason, message, alternatives, \
         created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .db()?
    .execute(params![
        closure.office_id.0,
        millis(closure.starts_at),
        millis(closure.ends_at),
        closure.reason,
        closure.message,
        json_list(&closure.alternatives)?,
        millis(closure.created_at),
        closure.created_by,
    ])
    .db()?;
    Ok(Closure {
        id: ClosureId(c.last_insert_rowid()),
        office_id: closure.office_id,
        starts_at: stored_instant(closure.starts_at),
        ends_at: stored_instant(closure.ends_at),
        reason: closure.reason,
        message: closure.message,
        alternatives: closure.alternatives,
        created_at: stored_instant(closure.created_at),
        created_by: closure.created_by,
        cancelled_at: None,
    })
}

static CLOSURE_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM closures WHERE id = ?1", rows::CLOSURE_COLS));

pub(crate) fn closure(c: &Connection, id: ClosureId) -> Result<Option<Closure>> {
    query_one(c, &CLOSURE_SQL, [id.0], rows::closure)
}

pub(crate) fn office_closures(
    c: &Connection,
    office: OfficeId,
    after: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Closure>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM closures WHERE office_id = ?1 AND ends_at > ?2 \
             ORDER BY starts_at DESC, id DESC LIMIT ?3",
            rows::CLOSURE_COLS
        )
    });
    query_all(
        c,
        &SQL,
        params![office.0, millis(after), limit],
        rows::closure,
    )
}

pub(crate) fn declare_closure(
    c: &mut Connection,
    closure: NewClosure,
    audit: NewAudit,
) -> Result<Closure> {
    in_transaction(c, |tx| {
        let stored = insert_closure(tx, closure)?;
        insert_audit(tx, &audit)?;
        Ok(stored)
    })
}

pub(crate) fn update_closure(
    c: &mut Connection,
    edit: ClosureEdit,
    audit: NewAudit,
) -> Result<Closure> {
    // Only a closure not cancelled changes; RETURNING gives the stored row.
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE closures SET starts_at = ?2, ends_at = ?3, reason = ?4, message = ?5, \
             alternatives = ?6 WHERE id = ?1 AND cancelled_at IS NULL RETURNING {}",
            rows::CLOSURE_COLS
        )
    });
    let id = edit.id;
    in_transaction(c, |tx| {
        let updated = query_one(
            tx,
            &SQL,
            params![
                id.0,
                millis(edit.starts_at),
                millis(edit.ends_at),
                edit.reason,
                edit.message,
                json_list(&edit.alternatives)?,
            ],
            rows::closure,
        )?;
        let Some(updated) = updated else {
            // Nothing changed: either no such closure or a cancelled one.
            return Err(if closure(tx, id)?.is_some() {
                StoreError::Conflict(format!("closure {id} was cancelled"))
            } else {
                StoreError::NotFound(format!("closure {id}"))
            });
        };
        insert_audit(tx, &audit)?;
        Ok(updated)
    })
}

pub(crate) fn cancel_closure(
    c: &mut Connection,
    id: ClosureId,
    at: DateTime<Utc>,
    audit: NewAudit,
) -> Result<Closure> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            // COALESCE keeps the first cancellation's time when it is repeated.
            "UPDATE closures SET cancelled_at = COALESCE(cancelled_at, ?2) WHERE id = ?1 \
             RETURNING {}",
            rows::CLOSURE_COLS
        )
    });
    in_transaction(c, |tx| {
        let cancelled = query_one(tx, &SQL, params![id.0, millis(at)], rows::closure)?
            .ok_or_else(|| StoreError::NotFound(format!("closure {id}")))?;
        insert_audit(tx, &audit)?;
        Ok(cancelled)
    })
}

// ---- broadcasts -----------------------------------------------------------------------------

/// `broadcast_recipients.state`.
const WAITING: i64 = 0;
const HANDED: i64 = 1;
const SKIPPED: i64 = 2;
const CANCELLED: i64 = 3;

fn encoding(what: &'static str) -> impl FnOnce(serde_json::Error) -> StoreError {
    move |e| StoreError::Other(format!("encoding {what}: {e}"))
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

pub(crate) fn broadcast(c: &Connection, id: BroadcastId) -> Result<Option<Broadcast>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {BROADCAST_COLS} FROM broadcasts WHERE id = ?1"));
    query_one(c, &SQL, [id.0], rows::broadcast)
}

fn existing(c: &Connection, id: BroadcastId) -> Result<Broadcast> {
    broadcast(c, id)?.ok_or_else(|| StoreError::NotFound(format!("broadcast {id}")))
}

pub(crate) fn broadcasts(c: &Connection, q: &BroadcastQuery) -> Result<Vec<Broadcast>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {BROADCAST_COLS} FROM broadcasts \
             WHERE (?1 IS NULL OR office_id = ?1) AND (?2 IS NULL OR state = ?2) \
             ORDER BY created_at DESC, id DESC LIMIT ?3"
        )
    });
    query_all(
        c,
        &SQL,
        params![
            q.office_id.map(|o| o.0),
            q.state.map(BroadcastState::as_str),
            q.limit
        ],
        rows::broadcast,
    )
}

/// The audience's condition on the participant `p`, with its one parameter (`?2`).
fn area(audience: &Audience) -> Result<(&'static str, Value)> {
    Ok(match audience {
        Audience::Office { office_id } => (
            "p.district_code / 100 IN \
             (SELECT regency_code FROM office_regencies WHERE office_id = ?2)",
            Value::Integer(office_id.0),
        ),
        Audience::Regencies { codes } => (
            "p.district_code / 100 IN (SELECT value FROM json_each(?2))",
            Value::Text(serde_json::to_string(codes).map_err(encoding("regency codes"))?),
        ),
        Audience::Province { code } => (
            "p.district_code / 10000 = ?2",
            Value::Integer((*code).into()),
        ),
        // Everyone: a condition that always holds, keeping the parameter count the same.
        Audience::Everyone => ("?2 IS NULL", Value::Null),
    })
}

/// Selects the audience into `broadcast_recipients` in one statement (no row passes through
/// Rust, so a million participants cost one scan and a sort). Returns how many.
fn select_audience(tx: &Connection, id: BroadcastId, audience: &Audience) -> Result<u64> {
    let (area, value) = area(audience)?;
    // Reachable addresses: the mobile number as WhatsApp, and verified conversations on the
    // channels that can carry a broadcast. One row per (channel, address): family members
    // sharing a phone get one message, credited to the smallest participant id. Numbered as
    // the GROUP BY's sorter hands them over, i.e. in (channel, address) order, so both of
    // the table's B-trees are appended to; `OVER ()` instead of `OVER (ORDER BY channel,
    // address)` saves a second sort of the whole audience (6.3 s down to 4.4 s at 1M participants), and
    // any order would still number them 1..n.
    let sql = format!(
        "INSERT INTO broadcast_recipients (broadcast_id, seq, channel, address, participant_id, \
         state) \
         SELECT ?1, row_number() OVER (), channel, address, participant_id, {WAITING} \
         FROM (SELECT channel, address, MIN(participant_id) AS participant_id \
               FROM (SELECT 'whatsapp' AS channel, p.phone AS address, p.id AS participant_id \
                     FROM participants p WHERE p.phone IS NOT NULL AND ({area}) \
                     UNION ALL \
                     SELECT c.channel, c.sender, c.participant_id \
                     FROM conversations c JOIN participants p ON p.id = c.participant_id \
                     WHERE c.channel IN ('whatsapp', 'telegram', 'messenger') AND ({area})) \
               GROUP BY channel, address) AS reachable \
         WHERE NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.channel = reachable.channel \
                           AND o.address = reachable.address AND o.opted_out = 1)"
    );
    let inserted = tx
        .prepare_cached(&sql)
        .db()?
        .execute(params_from_iter([Value::Integer(id.0), value]))
        .db()?;
    Ok(inserted as u64)
}

pub(crate) fn create_broadcast(c: &mut Connection, b: NewBroadcast) -> Result<Broadcast> {
    let kind = serde_json::to_string(&b.kind).map_err(encoding("a broadcast kind"))?;
    let audience = serde_json::to_string(&b.audience).map_err(encoding("an audience"))?;
    let template_params = json_list(&b.template_params)?;
    in_transaction(c, |tx| {
        let at = millis(b.created_at);
        tx.prepare_cached(
            "INSERT INTO broadcasts (kind, office_id, audience, title, text, template_params, \
             state, total, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', 0, ?7, ?8, ?8)",
        )
        .db()?
        .execute(params![
            kind,
            b.office_id.map(|o| o.0),
            audience,
            b.title,
            b.text,
            template_params,
            b.created_by,
            at,
        ])
        .db()?;
        let id = BroadcastId(tx.last_insert_rowid());
        let total = select_audience(tx, id, &b.audience)?;
        let state = BroadcastState::initial(total);
        tx.prepare_cached("UPDATE broadcasts SET total = ?2, state = ?3 WHERE id = ?1")
            .db()?
            .execute(params![id.0, total as i64, state.as_str()])
            .db()?;
        insert_audit(tx, &b.audit)?;
        let created_at = stored_instant(b.created_at);
        Ok(b.stored(id, total, created_at))
    })
}

pub(crate) fn set_broadcast_state(
    c: &mut Connection,
    change: BroadcastStateChange,
) -> Result<Broadcast> {
    in_transaction(c, |tx| {
        let id = change.id;
        change.allowed_from(existing(tx, id)?.state)?;
        static SET_STATE: LazyLock<String> = LazyLock::new(|| {
            format!(
                "UPDATE broadcasts SET state = ?2, updated_at = ?3 WHERE id = ?1 \
                 RETURNING {BROADCAST_COLS}"
            )
        });
        let at = millis(change.at);
        let changed = query_one(
            tx,
            &SET_STATE,
            params![id.0, change.to.as_str(), at],
            rows::broadcast,
        )?
        .ok_or_else(|| StoreError::NotFound(format!("broadcast {id}")))?;
        if change.to == BroadcastState::Cancelled {
            tx.prepare_cached(&format!(
                "UPDATE broadcast_recipients SET state = {CANCELLED} \
                 WHERE broadcast_id = ?1 AND state = {WAITING}"
            ))
            .db()?
            .execute([id.0])
            .db()?;
            // Rows being sent right now ('sending') are past recall; the rest never go out.
            tx.prepare_cached(
                "UPDATE outbound SET status = 'failed', error_code = 'cancelled', \
                 error_reason = 'broadcast cancelled', lease_until = NULL, updated_at = ?2 \
                 WHERE broadcast_id = ?1 AND status = 'queued'",
            )
            .db()?
            .execute(params![id.0, at])
            .db()?;
        }
        insert_audit(tx, &change.audit)?;
        Ok(changed)
    })
}

/// Not `broadcasts` with a state filter: its optional filters cannot use the partial index
/// `broadcasts_sending`, and this runs every feeder tick while finished broadcasts pile up.
pub(crate) fn sending_broadcasts(c: &mut Connection) -> Result<Vec<Broadcast>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {BROADCAST_COLS} FROM broadcasts WHERE state = 'sending' ORDER BY id")
    });
    query_all(c, &SQL, [], rows::broadcast)
}

pub(crate) fn broadcast_waiting(
    c: &Connection,
    id: BroadcastId,
    channel: &str,
    limit: u32,
) -> Result<Vec<BroadcastRecipient>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT r.broadcast_id, r.seq, r.channel, r.address, r.participant_id, \
             EXISTS (SELECT 1 FROM opt_outs o WHERE o.channel = r.channel \
                     AND o.address = r.address AND o.opted_out = 1), \
             ({}) \
             FROM broadcast_recipients r \
             WHERE r.broadcast_id = ?1 AND r.channel = ?2 AND r.state = {WAITING} \
             ORDER BY r.seq LIMIT ?3",
            last_inbound_sql("r.channel", "r.address")
        )
    });
    query_all(c, &SQL, params![id.0, channel, limit], |r| {
        Ok(BroadcastRecipient {
            broadcast_id: BroadcastId(r.get(0).db()?),
            seq: count(r.get(1).db()?),
            channel: r.get(2).db()?,
            address: r.get(3).db()?,
            participant_id: r.get::<_, Option<i64>>(4).db()?.map(ParticipantId),
            opted_out: r.get(5).db()?,
            last_inbound_at: r
                .get::<_, Option<i64>>(6)
                .db()?
                .map(|ms| instant(ms, "addresses.last_inbound_at"))
                .transpose()?,
        })
    })
}

pub(crate) fn hand_off_broadcast(
    c: &mut Connection,
    id: BroadcastId,
    hand_offs: Vec<HandOff>,
    at: DateTime<Utc>,
) -> Result<u64> {
    in_transaction(c, |tx| {
        // Checked inside the write transaction, so a pause or a cancellation committed just
        // before wins over a feeder that read the broadcast earlier.
        if existing(tx, id)?.state != BroadcastState::Sending {
            return Ok(0);
        }
        static IS_WAITING: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT 1 FROM broadcast_recipients \
                 WHERE broadcast_id = ?1 AND seq = ?2 AND state = {WAITING}"
            )
        });
        // Done once nobody waits any more: checked and set in one statement.
        static FINISH_IF_DONE: LazyLock<String> = LazyLock::new(|| {
            format!(
                "UPDATE broadcasts SET state = 'done', updated_at = ?2 \
                 WHERE id = ?1 AND state = 'sending' AND NOT EXISTS (SELECT 1 \
                   FROM broadcast_recipients WHERE broadcast_id = ?1 AND state = {WAITING})"
            )
        });
        let mut inserted = 0;
        for hand_off in hand_offs {
            // No recipient is numbered beyond i64: such a seq names nobody.
            let Ok(seq) = i64::try_from(hand_off.seq) else {
                continue;
            };
            // Another feeder (a node whose lease lapsed) may have handed this one already.
            let waiting = query_one(tx, &IS_WAITING, params![id.0, seq], |_| Ok(()))?.is_some();
            if !waiting {
                continue;
            }
            let (state, outbound_id) = match hand_off.outbound {
                Some(message) => {
                    inserted += 1;
                    (
                        HANDED,
                        Some(insert_outbound_for(tx, message, Some(id))?.id.0),
                    )
                }
                None => (SKIPPED, None),
            };
            tx.prepare_cached(
                "UPDATE broadcast_recipients SET state = ?3, outbound_id = ?4 \
                 WHERE broadcast_id = ?1 AND seq = ?2",
            )
            .db()?
            .execute(params![id.0, seq, state, outbound_id])
            .db()?;
        }
        tx.prepare_cached(&FINISH_IF_DONE)
            .db()?
            .execute(params![id.0, millis(at)])
            .db()?;
        Ok(inserted)
    })
}

pub(crate) fn broadcast_progress(c: &mut Connection, id: BroadcastId) -> Result<BroadcastProgress> {
    // One read transaction: the recipients and their outbox rows from the same snapshot, so
    // the counts add up even while a hand-off commits.
    let tx = c.transaction().db()?;
    let mut progress = BroadcastProgress {
        total: existing(&tx, id)?.total,
        ..BroadcastProgress::default()
    };
    for (state, n) in query_all(
        &tx,
        "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1 \
         GROUP BY state",
        [id.0],
        |r| Ok((r.get::<_, i64>(0).db()?, count(r.get(1).db()?))),
    )? {
        match state {
            WAITING => progress.waiting += n,
            SKIPPED => progress.skipped += n,
            CANCELLED => progress.cancelled += n,
            // Handed off: counted by the state of their outbox rows below.
            HANDED => {}
            other => return Err(corrupt("broadcast_recipients.state", other)),
        }
    }
    // Answered from the partial index `outbound_broadcast` alone.
    for (status, cancelled, n) in query_all(
        &tx,
        "SELECT status, status = 'failed' AND error_code IS 'cancelled' AS cancelled, COUNT(*) \
         FROM outbound WHERE broadcast_id = ?1 GROUP BY status, cancelled",
        [id.0],
        |r| {
            Ok((
                r.get::<_, String>(0).db()?,
                r.get::<_, bool>(1).db()?,
                count(r.get(2).db()?),
            ))
        },
    )? {
        let slot = match status.as_str() {
            "failed" if cancelled => &mut progress.cancelled,
            "queued" | "sending" => &mut progress.queued,
            "sent" => &mut progress.sent,
            "delivered" => &mut progress.delivered,
            "read" => &mut progress.read,
            "failed" => &mut progress.failed,
            _ => return Err(corrupt("outbound.status", &status)),
        };
        *slot += n;
    }
    tx.finish().db()?;
    Ok(progress)
}

// ---- opt-outs -------------------------------------------------------------------------------

pub(crate) fn set_opt_out(
    c: &Connection,
    channel: &str,
    address: &str,
    opted_out: bool,
    at: DateTime<Utc>,
) -> Result<bool> {
    let stored = c.prepare_cached(
        // The WHERE of the upsert drops a change older than the stored one.
        "INSERT INTO opt_outs (channel, address, opted_out, changed_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (channel, address) DO UPDATE SET opted_out = excluded.opted_out, \
         changed_at = excluded.changed_at WHERE excluded.changed_at >= opt_outs.changed_at",
    )
    .db()?
    .execute(params![channel, address, opted_out, millis(at)])
    .db()?;
    Ok(stored > 0)
}

pub(crate) fn is_opted_out(c: &Connection, channel: &str, address: &str) -> Result<bool> {
    Ok(query_one(
        c,
        "SELECT opted_out FROM opt_outs WHERE channel = ?1 AND address = ?2",
        params![channel, address],
        |r| r.get::<_, bool>(0).db(),
    )?
    .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use std::collections::HashSet;
    use std::time::{Duration, Instant};
    use store::{BroadcastKind, Store};

    /// Participant `i`'s district: a quarter each in Jember, Surabaya, Jakarta and Bondowoso.
    const DISTRICTS: [i64; 4] = [350_902, 357_803, 317_101, 351_101];
    /// Seven in ten have a mobile number, shared by pairs (i and i + 1 for even i), like
    /// families sharing a phone.
    fn phone(i: i64) -> Option<i64> {
        (i % 10 < 7).then_some(i / 2)
    }

    /// Queues a broadcast to a whole province of `n` participants (the default is kept small
    /// for the everyday test run; `LAYAN_BROADCAST_SCALE=1000000` measures the real case) and
    /// checks the count against an independent computation and the time against the budget
    /// of 30 s per million.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_audience_of_many_is_selected_in_one_statement() {
        let n: i64 = std::env::var("LAYAN_BROADCAST_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200_000);
        let dir =
            std::env::temp_dir().join(format!("layan-broadcast-scale-{}", std::process::id()));
        let store = SqliteStore::open(&dir.join("layan.db")).unwrap();
        store
            .conns
            .write(move |c| {
                let tx = c.transaction().db()?;
                tx.execute_batch(
                    "INSERT INTO families (id, kk_number, segment, class, virtual_account, \
                     district_code) VALUES (1, '3509020000000001', 'pbpu', 3, '8888', 350902)",
                )
                .db()?;
                tx.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
                     INSERT INTO participants (id, family_id, relation, nik, card_number, name, \
                     sex, birth_date, phone, district_code, segment, class, class_since, \
                     registered_on) \
                     SELECT i, 1, 'anak', printf('%016d', i), printf('%013d', i), 'P', 'l', \
                     '1990-01-01', CASE WHEN i % 10 < 7 THEN printf('628%010d', i / 2) END, \
                     CASE i % 4 WHEN 0 THEN 350902 WHEN 1 THEN 357803 WHEN 2 THEN 317101 \
                     ELSE 351101 END, 'pbpu', 3, '2020-01-01', '2020-01-01' FROM n",
                    [n],
                )
                .db()?;
                // One in twenty verified on Telegram.
                tx.execute(
                    "INSERT INTO conversations (channel, sender, state, status, participant_id, \
                     updated_at) SELECT 'telegram', 'tg' || id, '{}', 'bot', id, 0 \
                     FROM participants WHERE id % 20 = 0",
                    [],
                )
                .db()?;
                tx.commit().db()
            })
            .await
            .unwrap();

        // East Java (35): everyone but Jakarta.
        let in_area = |i: i64| DISTRICTS[(i % 4) as usize] / 10_000 == 35;
        let mut expected: HashSet<(bool, i64)> = HashSet::new();
        for i in 1..=n {
            if in_area(i) {
                if let Some(p) = phone(i) {
                    expected.insert((false, p));
                }
                if i % 20 == 0 {
                    expected.insert((true, i));
                }
            }
        }

        let started = Instant::now();
        let created = store
            .create_broadcast(NewBroadcast {
                kind: BroadcastKind::Notice,
                office_id: None,
                audience: Audience::Province { code: 35 },
                title: "t".into(),
                text: "t".into(),
                template_params: vec![],
                created_by: "test".into(),
                created_at: Utc::now(),
                audit: NewAudit {
                    at: Utc::now(),
                    agent_id: None,
                    action: "broadcast_create".into(),
                    participant_id: None,
                    case_id: None,
                    detail: String::new(),
                },
            })
            .await
            .unwrap();
        let elapsed = started.elapsed();
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!(
            "{n} participants: {} recipients in {elapsed:?}",
            created.total
        );
        assert_eq!(created.total, expected.len() as u64);
        let budget = Duration::from_secs_f64(30.0 * n as f64 / 1_000_000.0);
        assert!(elapsed < budget, "{elapsed:?} for {n} participants");
    }
}

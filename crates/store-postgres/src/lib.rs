//! The PostgreSQL backend of Layan's [`Store`], for production and for several nodes sharing
//! one database.
//!
//! # Design
//! - **Connections.** A minimal pool (`pool.rs`): up to `max_connections` clients opened on
//!   demand, each caching its prepared statements, so a lookup is one round trip. A client
//!   whose connection closed (server restart, network cut) is discarded and replaced on the
//!   next call; that call's failure surfaces as `StoreError::Unavailable`. One of those
//!   connections is kept for `write_batch`: the messaging pipeline's single committer must
//!   never queue behind the readers, or every conversation waits on the longest queue.
//! - **Errors.** Connection problems give `Unavailable`, unique and foreign-key violations
//!   `Conflict`, unparsable stored values `Corrupt`. Messages never carry the server's DETAIL,
//!   which quotes key values such as a NIK.
//! - **Migrations.** Numbered SQL files in `migrations/`, embedded, applied at connect, each in
//!   its own transaction under `pg_advisory_xact_lock` so that nodes starting together take
//!   turns; recorded in `schema_migrations`.
//! - **Bulk import.** One transaction per batch, each table loaded with binary `COPY`.
//! - **Messaging** (`messaging.rs`). The inbox takes a webhook batch in one `INSERT ... SELECT
//!   FROM unnest(...) ON CONFLICT DO NOTHING` (one statement, one round trip); outbox claims lock
//!   their candidates `FOR UPDATE SKIP LOCKED`, so nodes claiming together share the due rows;
//!   a processed event is marked, and its results stored, in one transaction.
//! - **Outreach** (`outreach.rs`). A broadcast's audience is computed and numbered by one
//!   `INSERT ... SELECT` in the transaction that creates it; state changes and hand-offs to the
//!   outbox take turns on the broadcast's row, and feed leases are taken by one conditional
//!   `UPDATE`, so nodes never hand a recipient off twice nor feed one broadcast together.
//! - **Instants** are kept to the millisecond, like the SQLite backend, so both return the same.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod assistant;
mod batch;
mod casework;
mod error;
mod messaging;
mod migrate;
mod outreach;
mod pool;
mod rows;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use directory::{BoundingBox, FacilityKind};
use error::PgResultExt;
use jkn::{CardNumber, Ledger, Msisdn, Nik, Payment};
use pool::Pool;
use rows::{
    closure_cols, facility_cols, family_cols, login_cols, office_select, outbound_cols,
    participant_cols, stored_instant,
};
use std::pin::Pin;
use std::time::Duration;
use store::{
    Closure, ClosureId, Counts, Facility, FacilityId, FacilitySearch, Family, FamilyId,
    ImportBatch, Login, NewClosure, NewLogin, NewOutbound, NewPayment, NewRehabPlan, NewToken,
    Office, OfficeId, Outbound, OutboundId, Participant, ParticipantId, Result, SampleFilter,
    Store, StoreError, StoredRehabPlan,
};
// The messaging pipeline's records; their SQL lives in `messaging.rs`.
use store::{
    Claim, InboxEvent, InboxId, InboxStats, NewInboxEvent, OutboxCount, OutboxFilter,
    ProcessedEvent, SendOutcome, WriteOp, WriteResult,
};
// The assistant's records (conversations, turns, cases); their SQL lives in `assistant.rs`.
use store::{Case, ConversationRecord, NewCase, NewTurn, Turn};
// Outreach records (closures' edits, broadcasts, opt-outs); their SQL lives in `outreach.rs`.
use store::{
    Broadcast, BroadcastId, BroadcastProgress, BroadcastQuery, BroadcastRecipient,
    BroadcastStateChange, ClosureEdit, HandOff, NewBroadcast,
};
// PANDAWA's records (agents, case changes, form links, attachments, audit); their SQL lives in
// `casework.rs`.
use store::{
    Agent, AgentId, AgentSession, Attachment, AttachmentId, AuditEntry, AuditQuery, CaseChange,
    CaseEvent, CaseId, CaseQuery, DailyCaseCount, FormLink, NewAgent, NewAgentSession,
    NewAttachment, NewAudit, NewFormLink, SignInFailure,
};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Config, IsolationLevel, Transaction};

/// Tuning for [`PgStore::connect_with`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections this node opens, one of them kept for the group commit (so at least
    /// two).
    pub max_connections: usize,
    /// How long a call waits for a free connection before `StoreError::Unavailable`.
    pub acquire_timeout: Duration,
    /// How long opening a connection may take (used when the URL sets no `connect_timeout`).
    pub connect_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Layan's store in a PostgreSQL database. Cheap to share behind an `Arc`.
pub struct PgStore {
    pool: Pool,
    /// The group commit's own connection (see the module's design notes).
    committer: Pool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db` or key=value form) and brings the
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// [`PgStore::connect`] with explicit tuning.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<Self> {
        // The parse error never quotes the URL, which may hold a password.
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError::Other(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("layan");
        }
        // The committer's connection is one of `max_connections` (the others are shared).
        let shared = options.max_connections.saturating_sub(1).max(1);
        let committer = Pool::new(config.clone(), 1, options.acquire_timeout);
        let pool = Pool::new(config, shared, options.acquire_timeout);
        {
            let mut conn = pool.get().await?;
            migrate::run(&mut conn.client).await?;
        }
        Ok(PgStore { pool, committer })
    }
}

/// `u32`/`u16` have no PostgreSQL type; codes and counts are stored as INTEGER.
fn int4(v: impl Into<i64>, what: &str) -> Result<i32> {
    let v = v.into();
    i32::try_from(v).map_err(|_| StoreError::Other(format!("{what} {v} does not fit INTEGER")))
}

/// Bills and payments have no foreign key in this schema (see the migration): one query
/// checks that every family they name exists, before they are copied.
async fn check_families(tx: &Transaction<'_>, batch: &ImportBatch) -> Result<()> {
    let mut ids: Vec<i64> = batch
        .bills
        .iter()
        .map(|(f, _)| f.0)
        .chain(batch.payments.iter().map(|(f, _)| f.0))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let found: i64 = tx
        .query_one("SELECT COUNT(*) FROM families WHERE id = ANY($1)", &[&ids])
        .await
        .db()?
        .try_get(0)
        .map_err(|e| error::corrupt("count", e))?;
    if found != ids.len() as i64 {
        return Err(StoreError::Conflict(format!(
            "{} of the families named by bills or payments do not exist",
            ids.len() as i64 - found
        )));
    }
    Ok(())
}

/// Starts a binary COPY into a table; rows go in with `write`, and `finish` ends it.
async fn copy_writer(
    tx: &Transaction<'_>,
    sql: &str,
    types: &[Type],
) -> Result<Pin<Box<BinaryCopyInWriter>>> {
    let sink = tx.copy_in(sql).await.db()?;
    Ok(Box::pin(BinaryCopyInWriter::new(sink, types)))
}

type Boxed = Box<dyn ToSql + Sync + Send>;

fn b<T: ToSql + Sync + Send + 'static>(v: T) -> Boxed {
    Box::new(v)
}

/// The tables [`import`] fills, the only ones `finish_import` analyses. Analysing a table that
/// is still empty (the inbox, the outbox, conversations) records it as empty, and the plans
/// the pool's connections then cache for its single-row lookups read the whole table: they
/// stay cached as the table grows, until it is analysed again, which never happens where
/// autovacuum is off. A table never analysed is assumed to hold at least ten pages, so its
/// lookups keep their indexes.
const IMPORTED_TABLES: &str =
    "offices, office_regencies, facilities, families, participants, bills, payments";

async fn import(tx: &Transaction<'_>, batch: &ImportBatch) -> Result<()> {
    use Type as T;
    if !batch.offices.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY offices (id, code, name, address, latitude, longitude, phone, whatsapp, hours, \
             timezone) FROM STDIN (FORMAT binary)",
            &[
                T::INT8,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::FLOAT8,
                T::FLOAT8,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
            ],
        )
        .await?;
        for o in &batch.offices {
            w.as_mut()
                .write(&[
                    &o.id.0,
                    &o.code,
                    &o.name,
                    &o.address,
                    &o.latitude,
                    &o.longitude,
                    &o.phone,
                    &o.whatsapp.as_ref().map(|m| m.expose()),
                    &o.hours.to_spec(),
                    &o.timezone.iana(),
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;

        let mut w = copy_writer(
            tx,
            "COPY office_regencies (office_id, position, regency_code) FROM STDIN (FORMAT binary)",
            &[T::INT8, T::INT4, T::INT4],
        )
        .await?;
        for o in &batch.offices {
            for (position, code) in o.regencies.iter().enumerate() {
                w.as_mut()
                    .write(&[
                        &o.id.0,
                        &int4(position as i64, "position")?,
                        &i32::from(*code),
                    ])
                    .await
                    .db()?;
            }
        }
        w.as_mut().finish().await.db()?;
    }
    if !batch.facilities.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY facilities (id, code, name, name_folded, kind, tier, hospital_class, \
             regency_code, district_code, address, latitude, longitude, phone, hours, \
             polyclinics) FROM STDIN (FORMAT binary)",
            &[
                T::INT8,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::INT4,
                T::INT4,
                T::TEXT,
                T::FLOAT8,
                T::FLOAT8,
                T::TEXT,
                T::TEXT,
                T::TEXT_ARRAY,
            ],
        )
        .await?;
        for f in &batch.facilities {
            w.as_mut()
                .write(&[
                    &f.id.0,
                    &f.code,
                    &f.name,
                    &f.name.to_lowercase(),
                    &f.kind.code(),
                    &f.tier.code(),
                    &f.hospital_class.map(|c| c.code()),
                    &i32::from(f.regency_code),
                    &int4(f.district_code, "district code")?,
                    &f.address,
                    &f.latitude,
                    &f.longitude,
                    &f.phone,
                    &f.hours.to_spec(),
                    &f.polyclinics,
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;
    }
    if !batch.families.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY families (id, kk_number, segment, class, virtual_account, wage, employer, \
             district_code) FROM STDIN (FORMAT binary)",
            &[
                T::INT8,
                T::TEXT,
                T::TEXT,
                T::INT4,
                T::TEXT,
                T::INT8,
                T::TEXT,
                T::INT4,
            ],
        )
        .await?;
        for f in &batch.families {
            w.as_mut()
                .write(&[
                    &f.id.0,
                    &f.kk_number.expose(),
                    &f.segment.code(),
                    &i32::from(f.class.number()),
                    &f.virtual_account,
                    &f.wage.map(|w| w.amount()),
                    &f.employer,
                    &int4(f.district_code, "district code")?,
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;
    }
    if !batch.participants.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY participants (id, family_id, relation, nik, card_number, name, sex, birth_date, \
             phone, email, district_code, segment, class, class_since, fktp_id, fktp_since, \
             registered_on) FROM STDIN (FORMAT binary)",
            &[
                T::INT8,
                T::INT8,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::TEXT,
                T::DATE,
                T::TEXT,
                T::TEXT,
                T::INT4,
                T::TEXT,
                T::INT4,
                T::DATE,
                T::INT8,
                T::DATE,
                T::DATE,
            ],
        )
        .await?;
        for p in &batch.participants {
            w.as_mut()
                .write(&[
                    &p.id.0,
                    &p.family_id.0,
                    &p.relation.code(),
                    &p.nik.expose(),
                    &p.card_number.expose(),
                    &p.name,
                    &p.sex.code(),
                    &p.birth_date,
                    &p.phone.as_ref().map(|m| m.expose()),
                    &p.email,
                    &int4(p.district_code, "district code")?,
                    &p.segment.code(),
                    &i32::from(p.class.number()),
                    &p.class_since,
                    &p.fktp_id.map(|f| f.0),
                    &p.fktp_since,
                    &p.registered_on,
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;
    }
    check_families(tx, batch).await?;
    if !batch.bills.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY bills (family_id, period, amount, subsidy, members) FROM STDIN (FORMAT binary)",
            &[T::INT8, T::INT4, T::INT8, T::INT8, T::INT4],
        )
        .await?;
        for (family, bill) in &batch.bills {
            w.as_mut()
                .write(&[
                    &family.0,
                    &bill.period.as_number(),
                    &bill.amount.amount(),
                    &bill.subsidy.amount(),
                    &int4(bill.members, "member count")?,
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;
    }
    if !batch.payments.is_empty() {
        let mut w = copy_writer(
            tx,
            "COPY payments (family_id, id, paid_on, channel, amount, for_period) \
             FROM STDIN (FORMAT binary)",
            &[T::INT8, T::INT8, T::DATE, T::TEXT, T::INT8, T::INT4],
        )
        .await?;
        for (family, p) in &batch.payments {
            w.as_mut()
                .write(&[
                    &family.0,
                    &p.id,
                    &p.paid_on,
                    &p.channel.code(),
                    &p.amount.amount(),
                    &p.for_period.map(|m| m.as_number()),
                ])
                .await
                .db()?;
        }
        w.as_mut().finish().await.db()?;
    }
    Ok(())
}

const SELECT_PARTICIPANT_BY_ID: &str = concat!(
    "SELECT ",
    participant_cols!(),
    " FROM participants WHERE id = $1"
);
const SELECT_PARTICIPANT_BY_NIK: &str = concat!(
    "SELECT ",
    participant_cols!(),
    " FROM participants WHERE nik = $1"
);
const SELECT_PARTICIPANT_BY_CARD: &str = concat!(
    "SELECT ",
    participant_cols!(),
    " FROM participants WHERE card_number = $1"
);

impl PgStore {
    async fn query_opt<T>(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        f: impl Fn(&tokio_postgres::Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut conn = self.pool.get().await?;
        let st = conn.prepare(sql).await?;
        let row = conn.client.query_opt(&st, params).await.db()?;
        row.as_ref().map(f).transpose()
    }

    async fn query_all<T>(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        f: impl Fn(&tokio_postgres::Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut conn = self.pool.get().await?;
        let st = conn.prepare(sql).await?;
        let rows = conn.client.query(&st, params).await.db()?;
        rows.iter().map(f).collect()
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        let conn = self.pool.get().await?;
        conn.client.simple_query("SELECT 1").await.db()?;
        Ok(())
    }

    async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key], |r| {
            r.try_get(0).map_err(|e| error::corrupt("meta.value", e))
        })
        .await
    }

    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let st = conn
            .prepare(
                "INSERT INTO meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .await?;
        conn.client.execute(&st, &[&key, &value]).await.db()?;
        Ok(())
    }

    async fn meta_set_if_absent(&self, key: &str, value: &str) -> Result<String> {
        let mut conn = self.pool.get().await?;
        let insert = conn
            .prepare("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .await?;
        conn.client.execute(&insert, &[&key, &value]).await.db()?;
        // A statement of its own: under READ COMMITTED it sees a racing node's row, which the
        // insert waited for and then skipped, and which one statement's snapshot would miss.
        let select = conn
            .prepare("SELECT value FROM meta WHERE key = $1")
            .await?;
        let row = conn.client.query_one(&select, &[&key]).await.db()?;
        row.try_get(0).map_err(|e| error::corrupt("meta.value", e))
    }

    async fn hold_lease(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        // A racing node's insert or update is waited for, then the guard is checked against
        // its committed row: at most one of them gets a row back.
        let held = self
            .query_opt(
                "INSERT INTO leases (name, node, until) VALUES ($1, $2, $4) \
                 ON CONFLICT (name) DO UPDATE SET node = excluded.node, until = excluded.until \
                 WHERE leases.node = excluded.node OR leases.until < $3 \
                 RETURNING node",
                &[&name, &node, &stored_instant(now), &stored_instant(until)],
                |_| Ok(()),
            )
            .await?;
        Ok(held.is_some())
    }

    async fn release_lease(&self, name: &str, node: &str) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let st = conn
            .prepare("DELETE FROM leases WHERE name = $1 AND node = $2")
            .await?;
        conn.client.execute(&st, &[&name, &node]).await.db()?;
        Ok(())
    }

    async fn import(&self, batch: ImportBatch) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let tx = conn.client.transaction().await.db()?;
        import(&tx, &batch).await?;
        tx.commit().await.db()
    }

    async fn finish_import(&self) -> Result<()> {
        let conn = self.pool.get().await?;
        // Fresh statistics, so the planner knows the tables now hold millions of rows.
        conn.client
            .batch_execute(&format!("ANALYZE {IMPORTED_TABLES}"))
            .await
            .db()
    }

    async fn counts(&self) -> Result<Counts> {
        // One statement, one snapshot.
        let row = self
            .query_opt(
                "SELECT (SELECT COUNT(*) FROM participants), (SELECT COUNT(*) FROM families), \
                 (SELECT COUNT(*) FROM bills), (SELECT COUNT(*) FROM payments), \
                 (SELECT COUNT(*) FROM facilities), (SELECT COUNT(*) FROM offices)",
                &[],
                |r| {
                    let n = |i: usize| -> Result<u64> {
                        let v: i64 = r.try_get(i).map_err(|e| error::corrupt("count", e))?;
                        Ok(v.max(0) as u64)
                    };
                    Ok(Counts {
                        participants: n(0)?,
                        families: n(1)?,
                        bills: n(2)?,
                        payments: n(3)?,
                        facilities: n(4)?,
                        offices: n(5)?,
                    })
                },
            )
            .await?;
        Ok(row.unwrap_or_default())
    }

    async fn participant(&self, id: ParticipantId) -> Result<Option<Participant>> {
        self.query_opt(SELECT_PARTICIPANT_BY_ID, &[&id.0], rows::participant)
            .await
    }

    async fn participant_by_nik(&self, nik: &Nik) -> Result<Option<Participant>> {
        self.query_opt(
            SELECT_PARTICIPANT_BY_NIK,
            &[&nik.expose()],
            rows::participant,
        )
        .await
    }

    async fn participant_by_card(&self, card: &CardNumber) -> Result<Option<Participant>> {
        self.query_opt(
            SELECT_PARTICIPANT_BY_CARD,
            &[&card.expose()],
            rows::participant,
        )
        .await
    }

    async fn participants_by_phone(&self, phone: &Msisdn, limit: u32) -> Result<Vec<Participant>> {
        self.query_all(
            concat!(
                "SELECT ",
                participant_cols!(),
                " FROM participants WHERE phone = $1 ORDER BY id LIMIT $2"
            ),
            &[&phone.expose(), &i64::from(limit)],
            rows::participant,
        )
        .await
    }

    async fn family(&self, id: FamilyId) -> Result<Option<Family>> {
        self.query_opt(
            concat!("SELECT ", family_cols!(), " FROM families WHERE id = $1"),
            &[&id.0],
            rows::family,
        )
        .await
    }

    async fn family_members(&self, id: FamilyId) -> Result<Vec<Participant>> {
        self.query_all(
            concat!(
                "SELECT ",
                participant_cols!(),
                " FROM participants WHERE family_id = $1 \
                 ORDER BY relation <> 'kepala', birth_date, id"
            ),
            &[&id.0],
            rows::participant,
        )
        .await
    }

    async fn ledger(&self, family: FamilyId) -> Result<Ledger> {
        let mut conn = self.pool.get().await?;
        let bills_st = conn
            .prepare(
                "SELECT period, amount, subsidy, members FROM bills WHERE family_id = $1 \
                 ORDER BY period",
            )
            .await?;
        let payments_st = conn
            .prepare(
                "SELECT id, paid_on, channel, amount, for_period FROM payments \
                 WHERE family_id = $1 ORDER BY paid_on, id",
            )
            .await?;
        // Bills and payments from the same snapshot.
        let tx = conn
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .db()?;
        let bills = tx.query(&bills_st, &[&family.0]).await.db()?;
        let payments = tx.query(&payments_st, &[&family.0]).await.db()?;
        tx.commit().await.db()?;
        Ok(Ledger {
            bills: bills.iter().map(rows::bill).collect::<Result<_>>()?,
            payments: payments.iter().map(rows::payment).collect::<Result<_>>()?,
        })
    }

    async fn record_payment(&self, family: FamilyId, payment: NewPayment) -> Result<Payment> {
        let mut conn = self.pool.get().await?;
        let lock_st = conn
            .prepare("SELECT 1 FROM families WHERE id = $1 FOR NO KEY UPDATE")
            .await?;
        let insert_st = conn
            .prepare(
                "INSERT INTO payments (family_id, id, paid_on, channel, amount, for_period) \
                 SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3, $4, $5 FROM payments \
                 WHERE family_id = $1 RETURNING id",
            )
            .await?;
        let tx = conn.client.transaction().await.db()?;
        // Locking the family row makes concurrent payments to one family take turns, so
        // max + 1 cannot be handed out twice.
        if tx.query_opt(&lock_st, &[&family.0]).await.db()?.is_none() {
            return Err(StoreError::NotFound(format!("family {family}")));
        }
        let row = tx
            .query_one(
                &insert_st,
                &[
                    &family.0,
                    &payment.paid_on,
                    &payment.channel.code(),
                    &payment.amount.amount(),
                    &payment.for_period.map(|m| m.as_number()),
                ],
            )
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(Payment {
            id: row
                .try_get(0)
                .map_err(|e| error::corrupt("payments.id", e))?,
            paid_on: payment.paid_on,
            channel: payment.channel,
            amount: payment.amount,
            for_period: payment.for_period,
        })
    }

    async fn sample_participants(
        &self,
        filter: SampleFilter,
        limit: u32,
    ) -> Result<Vec<Participant>> {
        self.query_all(
            "SELECT p.id, p.family_id, p.relation, p.nik, p.card_number, p.name, p.sex, \
             p.birth_date, p.phone, p.email, p.district_code, p.segment, p.class, p.class_since, \
             p.fktp_id, p.fktp_since, p.registered_on \
             FROM participants p JOIN families f ON f.id = p.family_id \
             WHERE ($1::text IS NULL OR f.segment = $1) \
             AND (NOT $2 OR p.relation = 'kepala') \
             AND (NOT $3 OR p.phone IS NOT NULL) \
             ORDER BY p.id LIMIT $4",
            &[
                &filter.segment.map(|s| s.code()),
                &filter.heads_only,
                &filter.with_phone,
                &i64::from(limit),
            ],
            rows::participant,
        )
        .await
    }

    async fn facility(&self, id: FacilityId) -> Result<Option<Facility>> {
        self.query_opt(
            concat!(
                "SELECT ",
                facility_cols!(),
                " FROM facilities WHERE id = $1"
            ),
            &[&id.0],
            rows::facility,
        )
        .await
    }

    async fn facilities_in_box(
        &self,
        area: BoundingBox,
        kind: Option<FacilityKind>,
    ) -> Result<Vec<Facility>> {
        self.query_all(
            concat!(
                "SELECT ",
                facility_cols!(),
                " FROM facilities WHERE latitude BETWEEN $1 AND $2 \
                 AND longitude BETWEEN $3 AND $4 AND ($5::text IS NULL OR kind = $5) ORDER BY id"
            ),
            &[
                &area.min_lat,
                &area.max_lat,
                &area.min_lon,
                &area.max_lon,
                &kind.map(|k| k.code()),
            ],
            rows::facility,
        )
        .await
    }

    async fn search_facilities(&self, query: &FacilitySearch) -> Result<Vec<Facility>> {
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Boxed> = Vec::new();
        if let Some(regency) = query.regency_code {
            params.push(b(i32::from(regency)));
            conditions.push(format!("regency_code = ${}", params.len()));
        }
        if let Some(district) = query.district_code {
            params.push(b(int4(district, "district code")?));
            conditions.push(format!("district_code = ${}", params.len()));
        }
        if let Some(name) = &query.name_contains {
            // strpos, not LIKE: the user's text is matched literally, '%' and '_' included.
            params.push(b(name.to_lowercase()));
            conditions.push(format!("strpos(name_folded, ${}) > 0", params.len()));
        }
        if let Some(kind) = query.kind {
            params.push(b(kind.code()));
            conditions.push(format!("kind = ${}", params.len()));
        }
        params.push(b(i64::from(query.limit)));
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            concat!(
                "SELECT ",
                facility_cols!(),
                " FROM facilities {} ORDER BY name, id LIMIT ${}"
            ),
            filter,
            params.len()
        );
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let conn = self.pool.get().await?;
        let rows = conn.client.query(&sql, &refs).await.db()?;
        rows.iter().map(rows::facility).collect()
    }

    async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        self.query_opt(
            concat!(office_select!(), "WHERE o.id = $1"),
            &[&id.0],
            rows::office,
        )
        .await
    }

    async fn offices(&self) -> Result<Vec<Office>> {
        self.query_all(
            concat!(office_select!(), "ORDER BY o.id"),
            &[],
            rows::office,
        )
        .await
    }

    async fn office_for_regency(&self, regency_code: u16) -> Result<Option<Office>> {
        self.query_opt(
            concat!(
                office_select!(),
                "WHERE o.id = (SELECT office_id FROM office_regencies WHERE regency_code = $1 \
                 ORDER BY office_id LIMIT 1)"
            ),
            &[&i32::from(regency_code)],
            rows::office,
        )
        .await
    }

    async fn closures(&self, office: OfficeId, after: DateTime<Utc>) -> Result<Vec<Closure>> {
        self.query_all(
            concat!(
                "SELECT ",
                closure_cols!(),
                " FROM closures WHERE office_id = $1 AND ends_at > $2 \
                 AND cancelled_at IS NULL ORDER BY starts_at, id"
            ),
            &[&office.0, &stored_instant(after)],
            rows::closure,
        )
        .await
    }

    async fn add_closure(&self, closure: NewClosure) -> Result<Closure> {
        let closure = NewClosure {
            starts_at: stored_instant(closure.starts_at),
            ends_at: stored_instant(closure.ends_at),
            created_at: stored_instant(closure.created_at),
            ..closure
        };
        let id = self
            .query_opt(
                "INSERT INTO closures (office_id, starts_at, ends_at, reason, message, \
                 alternatives, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id",
                &[
                    &closure.office_id.0,
                    &closure.starts_at,
                    &closure.ends_at,
                    &closure.reason,
                    &closure.message,
                    &closure.alternatives,
                    &closure.created_at,
                    &closure.created_by,
                ],
                |r| {
                    r.try_get::<_, i64>(0)
                        .map_err(|e| error::corrupt("closures.id", e))
                },
            )
            .await?
            .ok_or_else(|| StoreError::Other("INSERT returned no id".into()))?;
        Ok(Closure {
            id: ClosureId(id),
            office_id: closure.office_id,
            starts_at: closure.starts_at,
            ends_at: closure.ends_at,
            reason: closure.reason,
            message: closure.message,
            alternatives: closure.alternatives,
            created_at: closure.created_at,
            created_by: closure.created_by,
            cancelled_at: None,
        })
    }

    async fn closure(&self, id: ClosureId) -> Result<Option<Closure>> {
        outreach::closure(self, id).await
    }

    async fn office_closures(
        &self,
        office: OfficeId,
        after: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Closure>> {
        outreach::office_closures(self, office, after, limit).await
    }

    async fn declare_closure(&self, closure: NewClosure, audit: NewAudit) -> Result<Closure> {
        outreach::declare_closure(self, closure, audit).await
    }

    async fn update_closure(&self, edit: ClosureEdit, audit: NewAudit) -> Result<Closure> {
        outreach::update_closure(self, edit, audit).await
    }

    async fn cancel_closure(
        &self,
        id: ClosureId,
        at: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<Closure> {
        outreach::cancel_closure(self, id, at, audit).await
    }

    // ---- broadcasts and opt-outs ------------------------------------------------------------
    async fn create_broadcast(&self, broadcast: NewBroadcast) -> Result<Broadcast> {
        outreach::create_broadcast(self, broadcast).await
    }

    async fn broadcast(&self, id: BroadcastId) -> Result<Option<Broadcast>> {
        outreach::broadcast(self, id).await
    }

    async fn broadcasts(&self, query: &BroadcastQuery) -> Result<Vec<Broadcast>> {
        outreach::broadcasts(self, query).await
    }

    async fn set_broadcast_state(&self, change: BroadcastStateChange) -> Result<Broadcast> {
        outreach::set_broadcast_state(self, change).await
    }

    async fn sending_broadcasts(&self) -> Result<Vec<Broadcast>> {
        outreach::sending_broadcasts(self).await
    }

    async fn broadcast_waiting(
        &self,
        id: BroadcastId,
        channel: &str,
        limit: u32,
    ) -> Result<Vec<BroadcastRecipient>> {
        outreach::broadcast_waiting(self, id, channel, limit).await
    }

    async fn hand_off_broadcast(
        &self,
        id: BroadcastId,
        hand_offs: Vec<HandOff>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        outreach::hand_off_broadcast(self, id, hand_offs, at).await
    }

    async fn broadcast_progress(&self, id: BroadcastId) -> Result<BroadcastProgress> {
        outreach::broadcast_progress(self, id).await
    }

    async fn set_opt_out(
        &self,
        channel: &str,
        address: &str,
        opted_out: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        outreach::set_opt_out(self, channel, address, opted_out, at).await
    }

    async fn is_opted_out(&self, channel: &str, address: &str) -> Result<bool> {
        outreach::is_opted_out(self, channel, address).await
    }

    async fn create_login(&self, login: NewLogin) -> Result<Login> {
        let login = Login {
            id: login.id,
            participant_id: login.participant_id,
            code_hash: login.code_hash,
            expires_at: stored_instant(login.expires_at),
            attempts: 0,
            consumed: false,
            created_at: stored_instant(login.created_at),
        };
        let mut conn = self.pool.get().await?;
        let st = conn
            .prepare(
                "INSERT INTO logins (id, participant_id, code_hash, expires_at, attempts, \
                 consumed, created_at) VALUES ($1, $2, $3, $4, 0, FALSE, $5)",
            )
            .await?;
        conn.client
            .execute(
                &st,
                &[
                    &login.id,
                    &login.participant_id.0,
                    &login.code_hash,
                    &login.expires_at,
                    &login.created_at,
                ],
            )
            .await
            .db()?;
        Ok(login)
    }

    async fn login(&self, id: &str) -> Result<Option<Login>> {
        self.query_opt(
            concat!("SELECT ", login_cols!(), " FROM logins WHERE id = $1"),
            &[&id],
            rows::login,
        )
        .await
    }

    async fn add_login_attempt(&self, id: &str) -> Result<u32> {
        let attempts = self
            .query_opt(
                "UPDATE logins SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts",
                &[&id],
                |r| {
                    let n: i32 = r
                        .try_get(0)
                        .map_err(|e| error::corrupt("logins.attempts", e))?;
                    u32::try_from(n).map_err(|e| error::corrupt("logins.attempts", e))
                },
            )
            .await?;
        attempts.ok_or_else(|| StoreError::NotFound("login".to_owned()))
    }

    async fn consume_login(&self, id: &str) -> Result<bool> {
        // One statement: whether the row exists and whether this call was the one that
        // consumed it.
        let outcome = self
            .query_opt(
                "WITH used AS (UPDATE logins SET consumed = TRUE WHERE id = $1 AND NOT consumed \
                 RETURNING 1) SELECT EXISTS (SELECT 1 FROM used), \
                 EXISTS (SELECT 1 FROM logins WHERE id = $1)",
                &[&id],
                |r| {
                    let used: bool = r.try_get(0).map_err(|e| error::corrupt("used", e))?;
                    let exists: bool = r.try_get(1).map_err(|e| error::corrupt("exists", e))?;
                    Ok((used, exists))
                },
            )
            .await?;
        match outcome {
            Some((true, _)) => Ok(true),
            Some((false, true)) => Ok(false),
            _ => Err(StoreError::NotFound("login".to_owned())),
        }
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        let mut conn = self.pool.get().await?;
        let st = conn
            .prepare(
                "INSERT INTO tokens (token_hash, participant_id, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .await?;
        conn.client
            .execute(
                &st,
                &[
                    &token.token_hash,
                    &token.participant_id.0,
                    &stored_instant(token.expires_at),
                    &stored_instant(token.created_at),
                ],
            )
            .await
            .db()?;
        Ok(())
    }

    async fn token_participant(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ParticipantId>> {
        self.query_opt(
            "SELECT participant_id FROM tokens WHERE token_hash = $1 AND expires_at > $2",
            &[&token_hash, &stored_instant(now)],
            |r| {
                r.try_get(0)
                    .map(ParticipantId)
                    .map_err(|e| error::corrupt("tokens.participant_id", e))
            },
        )
        .await
    }

    async fn prune_rate_limits(&self, before: DateTime<Utc>, limit: u32) -> Result<u64> {
        let mut conn = self.pool.get().await?;
        let st = conn
            .prepare(
                // Row ids from the window index, deleted by a TID scan whatever the
                // table's statistics say.
                "DELETE FROM rate_limits WHERE ctid = ANY (ARRAY( \
                 SELECT ctid FROM rate_limits WHERE window_start < $1 \
                 ORDER BY window_start LIMIT $2))",
            )
            .await?;
        let limit = i64::from(limit);
        conn.client
            .execute(&st, &[&stored_instant(before), &limit])
            .await
            .db()
    }

    async fn prune_expired_sign_ins(&self, before: DateTime<Utc>, limit: u32) -> Result<u64> {
        let mut conn = self.pool.get().await?;
        let (before, limit) = (stored_instant(before), i64::from(limit));
        let mut deleted = 0;
        for sql in [
            "DELETE FROM logins WHERE ctid = ANY (ARRAY( \
             SELECT ctid FROM logins WHERE expires_at < $1 LIMIT $2))",
            "DELETE FROM tokens WHERE ctid = ANY (ARRAY( \
             SELECT ctid FROM tokens WHERE expires_at < $1 LIMIT $2))",
            "DELETE FROM agent_sessions WHERE ctid = ANY (ARRAY( \
             SELECT ctid FROM agent_sessions WHERE expires_at < $1 LIMIT $2))",
        ] {
            let st = conn.prepare(sql).await?;
            deleted += conn.client.execute(&st, &[&before, &limit]).await.db()?;
        }
        Ok(deleted)
    }

    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> Result<u32> {
        let count = self
            .query_opt(
                "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
                 ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 \
                 RETURNING count",
                &[&key, &stored_instant(window_start)],
                |r| {
                    let n: i32 = r
                        .try_get(0)
                        .map_err(|e| error::corrupt("rate_limits.count", e))?;
                    u32::try_from(n).map_err(|e| error::corrupt("rate_limits.count", e))
                },
            )
            .await?;
        count.ok_or_else(|| StoreError::Other("upsert returned no count".into()))
    }

    async fn save_rehab_plan(&self, new: NewRehabPlan) -> Result<StoredRehabPlan> {
        let json = serde_json::to_string(&new.plan)
            .map_err(|e| StoreError::Other(format!("cannot encode REHAB plan: {e}")))?;
        let registered_at = stored_instant(new.registered_at);
        let id = self
            .query_opt(
                "INSERT INTO rehab_plans (family_id, registered_by, registered_at, plan) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &new.family_id.0,
                    &new.registered_by.0,
                    &registered_at,
                    &json,
                ],
                |r| {
                    r.try_get::<_, i64>(0)
                        .map_err(|e| error::corrupt("rehab_plans.id", e))
                },
            )
            .await?
            .ok_or_else(|| StoreError::Other("INSERT returned no id".into()))?;
        Ok(StoredRehabPlan {
            id,
            family_id: new.family_id,
            registered_by: new.registered_by,
            registered_at,
            plan: new.plan,
        })
    }

    async fn latest_rehab_plan(&self, family: FamilyId) -> Result<Option<StoredRehabPlan>> {
        self.query_opt(
            "SELECT id, family_id, registered_by, registered_at, plan FROM rehab_plans \
             WHERE family_id = $1 ORDER BY registered_at DESC, id DESC LIMIT 1",
            &[&family.0],
            |r| {
                let plan: String = r
                    .try_get(4)
                    .map_err(|e| error::corrupt("rehab_plans.plan", e))?;
                Ok(StoredRehabPlan {
                    id: r
                        .try_get(0)
                        .map_err(|e| error::corrupt("rehab_plans.id", e))?,
                    family_id: FamilyId(
                        r.try_get(1)
                            .map_err(|e| error::corrupt("rehab_plans.family_id", e))?,
                    ),
                    registered_by: ParticipantId(
                        r.try_get(2)
                            .map_err(|e| error::corrupt("rehab_plans.registered_by", e))?,
                    ),
                    registered_at: r
                        .try_get(3)
                        .map_err(|e| error::corrupt("rehab_plans.registered_at", e))?,
                    plan: serde_json::from_str(&plan)
                        .map_err(|e| StoreError::Corrupt(format!("rehab_plans.plan: {e}")))?,
                })
            },
        )
        .await
    }

    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Outbound> {
        messaging::enqueue(self, message).await
    }

    // ---- the messaging pipeline: the outbox's send state and the inbox ------------------------
    async fn outbox_claim(&self, channel: &str, claim: Claim) -> Result<Vec<Outbound>> {
        messaging::claim(self, channel, claim).await
    }

    async fn outbox_complete(
        &self,
        id: OutboundId,
        outcome: SendOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        messaging::complete(self, id, outcome, at).await
    }

    async fn outbox_list(&self, filter: &OutboxFilter) -> Result<Vec<Outbound>> {
        messaging::list(self, filter).await
    }

    async fn outbox_retry(&self, ids: &[OutboundId], now: DateTime<Utc>) -> Result<u64> {
        messaging::retry(self, ids, now).await
    }

    async fn outbox_counts(&self) -> Result<Vec<OutboxCount>> {
        messaging::counts(self).await
    }

    async fn inbox_append(&self, events: Vec<NewInboxEvent>) -> Result<Vec<InboxId>> {
        messaging::inbox_append(self, events).await
    }

    async fn inbox_pending(&self, after: InboxId, limit: u32) -> Result<Vec<InboxEvent>> {
        messaging::inbox_pending(self, after, limit).await
    }

    async fn inbox_stats(&self) -> Result<InboxStats> {
        messaging::inbox_stats(self).await
    }

    async fn last_inbound_at(
        &self,
        channel: &str,
        conversation: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        messaging::last_inbound_at(self, channel, conversation).await
    }

    async fn commit_processed(&self, processed: ProcessedEvent) -> Result<bool> {
        messaging::commit_processed(self, processed).await
    }

    async fn write_batch(&self, ops: Vec<WriteOp>) -> Result<Vec<WriteResult>> {
        batch::write_batch(self, ops).await
    }

    async fn recent_outbound(&self, recipient: Option<&str>, limit: u32) -> Result<Vec<Outbound>> {
        let limit = i64::from(limit);
        match recipient {
            Some(recipient) => {
                self.query_all(
                    concat!(
                        "SELECT ",
                        outbound_cols!(),
                        " FROM outbound WHERE recipient = $1 \
                         ORDER BY created_at DESC, id DESC LIMIT $2"
                    ),
                    &[&recipient, &limit],
                    rows::outbound,
                )
                .await
            }
            None => {
                self.query_all(
                    concat!(
                        "SELECT ",
                        outbound_cols!(),
                        " FROM outbound ORDER BY created_at DESC, id DESC LIMIT $1"
                    ),
                    &[&limit],
                    rows::outbound,
                )
                .await
            }
        }
    }

    // ---- the assistant: conversations, turns and cases --------------------------------------
    async fn conversation(
        &self,
        channel: &str,
        sender: &str,
    ) -> Result<Option<ConversationRecord>> {
        assistant::conversation(self, channel, sender).await
    }

    async fn save_conversation(&self, record: &ConversationRecord) -> Result<()> {
        assistant::save_conversation(self, record).await
    }

    async fn append_turn(&self, turn: NewTurn) -> Result<Turn> {
        assistant::append_turn(self, turn).await
    }

    async fn recent_turns(&self, channel: &str, sender: &str, limit: u32) -> Result<Vec<Turn>> {
        assistant::recent_turns(self, channel, sender, limit).await
    }

    async fn create_case(&self, case: NewCase) -> Result<Case> {
        assistant::create_case(self, case).await
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<Case>> {
        assistant::case_by_number(self, number).await
    }

    async fn cases_for_participant(&self, participant: ParticipantId) -> Result<Vec<Case>> {
        assistant::cases_for_participant(self, participant).await
    }

    // ---- PANDAWA: agents and their sessions -------------------------------------------------
    async fn create_agent(&self, agent: NewAgent) -> Result<Agent> {
        casework::create_agent(self, agent).await
    }

    async fn agent(&self, id: AgentId) -> Result<Option<Agent>> {
        casework::agent(self, id).await
    }

    async fn agent_by_username(&self, username: &str) -> Result<Option<Agent>> {
        casework::agent_by_username(self, username).await
    }

    async fn agents(&self, office: Option<OfficeId>) -> Result<Vec<Agent>> {
        casework::agents(self, office).await
    }

    async fn update_agent(&self, agent: &Agent) -> Result<()> {
        casework::update_agent(self, agent).await
    }

    async fn agent_sign_in_failed(&self, id: AgentId, failure: SignInFailure) -> Result<Agent> {
        casework::agent_sign_in_failed(self, id, failure).await
    }

    async fn agent_signed_in(&self, id: AgentId) -> Result<()> {
        casework::agent_signed_in(self, id).await
    }

    async fn create_agent_session(&self, session: NewAgentSession) -> Result<()> {
        casework::create_agent_session(self, session).await
    }

    async fn agent_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AgentSession>> {
        casework::agent_session(self, token_hash, now).await
    }

    async fn end_agent_session(&self, token_hash: &str) -> Result<()> {
        casework::end_agent_session(self, token_hash).await
    }

    // ---- PANDAWA: cases ---------------------------------------------------------------------
    async fn case(&self, id: CaseId) -> Result<Option<Case>> {
        casework::case(self, id).await
    }

    async fn list_cases(&self, query: &CaseQuery) -> Result<Vec<Case>> {
        casework::list_cases(self, query).await
    }

    async fn change_case(&self, change: CaseChange) -> Result<Case> {
        casework::change_case(self, change).await
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        casework::case_events(self, id).await
    }

    async fn open_cases_per_agent(&self) -> Result<Vec<(AgentId, u32)>> {
        casework::open_cases_per_agent(self).await
    }

    async fn case_daily_counts(
        &self,
        since: DateTime<Utc>,
        utc_offset_minutes: i32,
    ) -> Result<Vec<DailyCaseCount>> {
        casework::case_daily_counts(self, since, utc_offset_minutes).await
    }

    // ---- PANDAWA: form links, drafts and attachments ----------------------------------------
    async fn create_form_link(&self, link: NewFormLink) -> Result<FormLink> {
        casework::create_form_link(self, link).await
    }

    async fn form_link(&self, id: &str) -> Result<Option<FormLink>> {
        casework::form_link(self, id).await
    }

    async fn save_form_draft(
        &self,
        id: &str,
        draft: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        casework::save_form_draft(self, id, draft, at).await
    }

    async fn submit_form(&self, id: &str, case: NewCase, at: DateTime<Utc>) -> Result<Case> {
        casework::submit_form(self, id, case, at).await
    }

    async fn complete_form_link(
        &self,
        id: &str,
        change: CaseChange,
        at: DateTime<Utc>,
    ) -> Result<Case> {
        casework::complete_form_link(self, id, change, at).await
    }

    async fn add_attachment(&self, attachment: NewAttachment) -> Result<Attachment> {
        casework::add_attachment(self, attachment).await
    }

    async fn attachment(&self, id: AttachmentId) -> Result<Option<Attachment>> {
        casework::attachment(self, id).await
    }

    async fn case_attachments(&self, case: CaseId) -> Result<Vec<Attachment>> {
        casework::case_attachments(self, case).await
    }

    async fn form_attachments(&self, form_id: &str) -> Result<Vec<Attachment>> {
        casework::form_attachments(self, form_id).await
    }

    // ---- PANDAWA: audit ---------------------------------------------------------------------
    async fn append_audit(&self, entry: NewAudit) -> Result<()> {
        casework::append_audit(self, entry).await
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        casework::audit_entries(self, query).await
    }
}

//! The embedded SQLite backend of Layan's [`Store`]: zero setup, one file.
//!
//! # Design
//! - **Connections.** SQLite allows one writer at a time and, in WAL mode, any number of
//!   readers alongside it. The store holds exactly that: one writer connection behind an async
//!   mutex, and a small pool of reader connections (4 by default, opened on demand). Every call
//!   runs its blocking SQLite work on tokio's blocking pool (`spawn_blocking`), so the async
//!   workers never wait on disk. Writes queue on the mutex instead of spinning on
//!   `SQLITE_BUSY`; a busy timeout only matters when another *process* holds the file.
//! - **Durability.** `journal_mode=WAL`, `synchronous=FULL` (an acknowledged write survives a
//!   power cut), `foreign_keys=ON`.
//! - **Failures.** A locked, missing or failing database gives `StoreError::Unavailable`
//!   (retryable), constraint violations `Conflict`, unparsable stored values `Corrupt`. A panic
//!   inside a call is caught at the task boundary and reported as `Unavailable`.
//! - **Migrations.** Numbered SQL files in `migrations/`, embedded in the binary, applied at
//!   open, each in its own transaction, recorded in `schema_migrations`.
//! - **Bulk import.** One `IMMEDIATE` transaction per batch, cached prepared statements, rows
//!   sorted by primary key so the B-trees are appended to rather than split at random.
//! - **In memory.** [`SqliteStore::open_in_memory`] keeps everything on one connection (an
//!   in-memory database is private to its connection), so reads share the writer.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod assistant;
mod casework;
mod checkpoint;
mod conn;
mod error;
mod messaging;
mod migrate;
mod outreach;
mod pace;
mod rows;

pub use conn::{SqliteOptions, DEFAULT_CHECKPOINT_INTERVAL};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use conn::Connections;
use directory::{BoundingBox, FacilityKind};
use error::SqlResultExt;
use jkn::{BilledMonth, CardNumber, Ledger, Msisdn, Nik, Payment, Rupiah};
use rows::{iso_date, json_list, millis, stored_instant};
use rusqlite::{
    params, Connection, OptionalExtension, Params, Row, Statement, TransactionBehavior,
};
use std::path::Path;
use store::{
    Closure, ClosureId, Counts, Facility, FacilityId, FacilitySearch, Family, FamilyId,
    ImportBatch, Login, NewClosure, NewLogin, NewOutbound, NewPayment, NewRehabPlan, NewToken,
    Office, OfficeId, Outbound, OutboundId, Participant, ParticipantId, Result, SampleFilter,
    Store, StoreError, StoredRehabPlan,
};
// The assistant's records (conversations, turns, cases); their SQL lives in `assistant.rs`.
use store::{Case, ConversationRecord, NewCase, NewTurn, Turn};
// PANDAWA's records; their SQL lives in `casework.rs`.
use store::{
    Agent, AgentId, AgentSession, Attachment, AttachmentId, AuditEntry, AuditQuery, CaseChange,
    CaseEvent, CaseId, CaseQuery, DailyCaseCount, FormLink, NewAgent, NewAgentSession,
    NewAttachment, NewAudit, NewFormLink, SignInFailure,
};
// Closures' lifecycle, broadcasts and opt-outs; their SQL lives in `outreach.rs`.
use store::{
    Broadcast, BroadcastId, BroadcastProgress, BroadcastQuery, BroadcastRecipient,
    BroadcastStateChange, ClosureEdit, HandOff, NewBroadcast,
};
// The messaging pipeline's records; their SQL lives in `messaging.rs`.
use store::{
    Claim, InboxEvent, InboxId, InboxStats, NewInboxEvent, OutboxCount, OutboxFilter,
    ProcessedEvent, SendOutcome, WriteOp, WriteResult,
};

/// Layan's store in one SQLite file. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    conns: Connections,
    /// Writer cache sizes (KiB) for serving and for bulk imports.
    cache_kib: (u32, u32),
}

impl SqliteStore {
    /// Opens (creating it and its folder if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// [`SqliteStore::open`] with explicit tuning.
    pub fn open_with(path: &Path, options: SqliteOptions) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut writer = conn::open_writer(path, &options)?;
        migrate::run(&mut writer)?;
        Ok(SqliteStore {
            cache_kib: (options.writer_cache_kib, options.import_cache_kib),
            conns: Connections::file(writer, path.to_path_buf(), options),
        })
    }

    /// A private, empty, migrated database that disappears when the store is dropped (tests,
    /// trying things out).
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = conn::open_memory(&SqliteOptions::default())?;
        migrate::run(&mut conn)?;
        Ok(SqliteStore {
            cache_kib: {
                let o = SqliteOptions::default();
                (o.writer_cache_kib, o.import_cache_kib)
            },
            conns: Connections::memory(conn),
        })
    }
}

fn query_all<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let mut rows = stmt.query(params).db()?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().db()? {
        out.push(f(row)?);
    }
    Ok(out)
}

fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let mut rows = stmt.query(params).db()?;
    rows.next().db()?.map(f).transpose()
}

fn participant_where(
    conn: &Connection,
    condition: &str,
    value: &str,
) -> Result<Option<Participant>> {
    let sql = format!(
        "SELECT {} FROM participants WHERE {condition} = ?1",
        rows::PARTICIPANT_COLS
    );
    query_one(conn, &sql, [value], rows::participant)
}

fn office_regencies(conn: &Connection, office: &mut Office) -> Result<()> {
    office.regencies = query_all(
        conn,
        "SELECT regency_code FROM office_regencies WHERE office_id = ?1 ORDER BY position",
        [office.id.0],
        |r| {
            let code: i64 = r.get(0).db()?;
            u16::try_from(code).map_err(|_| error::corrupt("office_regencies.regency_code", code))
        },
    )?;
    Ok(())
}

fn office_by_id(conn: &Connection, id: OfficeId) -> Result<Option<Office>> {
    let sql = format!("SELECT {} FROM offices WHERE id = ?1", rows::OFFICE_COLS);
    let Some(mut office) = query_one(conn, &sql, [id.0], rows::office)? else {
        return Ok(None);
    };
    office_regencies(conn, &mut office)?;
    Ok(Some(office))
}

/// Rows per multi-row INSERT. Each statement execution has a fixed cost (step, reset,
/// bookkeeping) that dominates for narrow rows such as bills; 64 rows share it while staying
/// far below SQLite's limit of 32,766 parameters.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` with multi-row INSERTs; `bind` binds one row's values starting at the given
/// parameter index.
fn insert_all<T>(
    tx: &Connection,
    table: &str,
    columns: &[&str],
    rows: &[T],
    bind: impl Fn(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<()> {
    let sql = |n: usize| {
        let one = format!("({})", vec!["?"; columns.len()].join(", "));
        format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            vec![one; n].join(", ")
        )
    };
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    if rows.len() >= ROWS_PER_INSERT {
        let mut stmt = tx.prepare_cached(&sql(ROWS_PER_INSERT)).db()?;
        for chunk in &mut chunks {
            for (i, row) in chunk.iter().enumerate() {
                bind(&mut stmt, i * columns.len() + 1, row).db()?;
            }
            stmt.raw_execute().db()?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut stmt = tx.prepare_cached(&sql(1)).db()?;
        for row in rest {
            bind(&mut stmt, 1, row).db()?;
            stmt.raw_execute().db()?;
        }
    }
    Ok(())
}

fn import(conn: &mut Connection, mut batch: ImportBatch) -> Result<()> {
    // Primary-key order: appends to the end of each B-tree instead of splitting pages at
    // random. Producers usually send sorted rows already, and sorting sorted input is linear.
    batch.offices.sort_by_key(|o| o.id);
    batch.facilities.sort_by_key(|f| f.id);
    batch.families.sort_by_key(|f| f.id);
    batch.participants.sort_by_key(|p| p.id);
    batch.bills.sort_by_key(|(f, b)| (*f, b.period));
    batch.payments.sort_by_key(|(f, p)| (*f, p.id));

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    insert_all(
        &tx,
        "offices",
        &[
            "id",
            "code",
            "name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "whatsapp",
            "hours",
            "timezone",
        ],
        &batch.offices,
        |st, i, o| {
            st.raw_bind_parameter(i, o.id.0)?;
            st.raw_bind_parameter(i + 1, &o.code)?;
            st.raw_bind_parameter(i + 2, &o.name)?;
            st.raw_bind_parameter(i + 3, &o.address)?;
            st.raw_bind_parameter(i + 4, o.latitude)?;
            st.raw_bind_parameter(i + 5, o.longitude)?;
            st.raw_bind_parameter(i + 6, &o.phone)?;
            st.raw_bind_parameter(i + 7, o.whatsapp.as_ref().map(|m| m.expose()))?;
            st.raw_bind_parameter(i + 8, o.hours.to_spec())?;
            st.raw_bind_parameter(i + 9, o.timezone.iana())
        },
    )?;
    let regencies: Vec<(i64, usize, u16)> = batch
        .offices
        .iter()
        .flat_map(|o| {
            o.regencies
                .iter()
                .enumerate()
                .map(move |(position, code)| (o.id.0, position, *code))
        })
        .collect();
    insert_all(
        &tx,
        "office_regencies",
        &["office_id", "position", "regency_code"],
        &regencies,
        |st, i, (office, position, code)| {
            st.raw_bind_parameter(i, office)?;
            st.raw_bind_parameter(i + 1, *position as i64)?;
            st.raw_bind_parameter(i + 2, code)
        },
    )?;
    insert_all(
        &tx,
        "facilities",
        &[
            "id",
            "code",
            "name",
            "name_folded",
            "kind",
            "tier",
            "hospital_class",
            "regency_code",
            "district_code",
            "address",
            "latitude",
            "longitude",
            "phone",
            "hours",
            "polyclinics",
        ],
        &batch.facilities,
        |st, i, f| {
            st.raw_bind_parameter(i, f.id.0)?;
            st.raw_bind_parameter(i + 1, &f.code)?;
            st.raw_bind_parameter(i + 2, &f.name)?;
            st.raw_bind_parameter(i + 3, f.name.to_lowercase())?;
            st.raw_bind_parameter(i + 4, f.kind.code())?;
            st.raw_bind_parameter(i + 5, f.tier.code())?;
            st.raw_bind_parameter(i + 6, f.hospital_class.map(|c| c.code()))?;
            st.raw_bind_parameter(i + 7, f.regency_code)?;
            st.raw_bind_parameter(i + 8, f.district_code)?;
            st.raw_bind_parameter(i + 9, &f.address)?;
            st.raw_bind_parameter(i + 10, f.latitude)?;
            st.raw_bind_parameter(i + 11, f.longitude)?;
            st.raw_bind_parameter(i + 12, &f.phone)?;
            st.raw_bind_parameter(i + 13, f.hours.to_spec())?;
            // Serialising a list of strings cannot fail.
            st.raw_bind_parameter(i + 14, json_list(&f.polyclinics).unwrap_or_default())
        },
    )?;
    insert_all(
        &tx,
        "families",
        &[
            "id",
            "kk_number",
            "segment",
            "class",
            "virtual_account",
            "wage",
            "employer",
            "district_code",
        ],
        &batch.families,
        |st, i, f| {
            st.raw_bind_parameter(i, f.id.0)?;
            st.raw_bind_parameter(i + 1, f.kk_number.expose())?;
            st.raw_bind_parameter(i + 2, f.segment.code())?;
            st.raw_bind_parameter(i + 3, f.class.number())?;
            st.raw_bind_parameter(i + 4, &f.virtual_account)?;
            st.raw_bind_parameter(i + 5, f.wage.map(Rupiah::amount))?;
            st.raw_bind_parameter(i + 6, &f.employer)?;
            st.raw_bind_parameter(i + 7, f.district_code)
        },
    )?;
    insert_all(
        &tx,
        "participants",
        &[
            "id",
            "family_id",
            "relation",
            "nik",
            "card_number",
            "name",
            "sex",
            "birth_date",
            "phone",
            "email",
            "district_code",
            "segment",
            "class",
            "class_since",
            "fktp_id",
            "fktp_since",
            "registered_on",
        ],
        &batch.participants,
        |st, i, p| {
            st.raw_bind_parameter(i, p.id.0)?;
            st.raw_bind_parameter(i + 1, p.family_id.0)?;
            st.raw_bind_parameter(i + 2, p.relation.code())?;
            st.raw_bind_parameter(i + 3, p.nik.expose())?;
            st.raw_bind_parameter(i + 4, p.card_number.expose())?;
            st.raw_bind_parameter(i + 5, &p.name)?;
            st.raw_bind_parameter(i + 6, p.sex.code())?;
            st.raw_bind_parameter(i + 7, iso_date(p.birth_date))?;
            st.raw_bind_parameter(i + 8, p.phone.as_ref().map(|m| m.expose()))?;
            st.raw_bind_parameter(i + 9, &p.email)?;
            st.raw_bind_parameter(i + 10, p.district_code)?;
            st.raw_bind_parameter(i + 11, p.segment.code())?;
            st.raw_bind_parameter(i + 12, p.class.number())?;
            st.raw_bind_parameter(i + 13, iso_date(p.class_since))?;
            st.raw_bind_parameter(i + 14, p.fktp_id.map(|f| f.0))?;
            st.raw_bind_parameter(i + 15, p.fktp_since.map(iso_date))?;
            st.raw_bind_parameter(i + 16, iso_date(p.registered_on))
        },
    )?;
    insert_all(
        &tx,
        "bills",
        &["family_id", "period", "amount", "subsidy", "members"],
        &batch.bills,
        |st, i, (family, b)| {
            st.raw_bind_parameter(i, family.0)?;
            st.raw_bind_parameter(i + 1, b.period.as_number())?;
            st.raw_bind_parameter(i + 2, b.amount.amount())?;
            st.raw_bind_parameter(i + 3, b.subsidy.amount())?;
            st.raw_bind_parameter(i + 4, b.members)
        },
    )?;
    insert_all(
        &tx,
        "payments",
        &[
            "family_id",
            "id",
            "paid_on",
            "channel",
            "amount",
            "for_period",
        ],
        &batch.payments,
        |st, i, (family, p)| {
            st.raw_bind_parameter(i, family.0)?;
            st.raw_bind_parameter(i + 1, p.id)?;
            st.raw_bind_parameter(i + 2, iso_date(p.paid_on))?;
            st.raw_bind_parameter(i + 3, p.channel.code())?;
            st.raw_bind_parameter(i + 4, p.amount.amount())?;
            st.raw_bind_parameter(i + 5, p.for_period.map(|m| m.as_number()))
        },
    )?;
    tx.commit().db()
}

fn ledger(conn: &mut Connection, family: FamilyId) -> Result<Ledger> {
    // One read transaction: bills and payments from the same snapshot.
    let tx = conn.transaction().db()?;
    let bills = query_all(
        &tx,
        "SELECT period, amount, subsidy, members FROM bills WHERE family_id = ?1 ORDER BY period",
        [family.0],
        |r| {
            Ok(BilledMonth {
                period: rows::month(r.get(0).db()?, "bills.period")?,
                amount: Rupiah(r.get(1).db()?),
                subsidy: Rupiah(r.get(2).db()?),
                members: u32::try_from(r.get::<_, i64>(3).db()?)
                    .map_err(|e| error::corrupt("bills.members", e))?,
            })
        },
    )?;
    let payments = query_all(
        &tx,
        "SELECT id, paid_on, channel, amount, for_period FROM payments WHERE family_id = ?1 \
         ORDER BY paid_on, id",
        [family.0],
        |r| {
            Ok(Payment {
                id: r.get(0).db()?,
                paid_on: rows::parse_date(&r.get::<_, String>(1).db()?, "payments.paid_on")?,
                channel: rows::channel(&r.get::<_, String>(2).db()?)?,
                amount: Rupiah(r.get(3).db()?),
                for_period: r
                    .get::<_, Option<i64>>(4)
                    .db()?
                    .map(|n| rows::month(n, "payments.for_period"))
                    .transpose()?,
            })
        },
    )?;
    tx.finish().db()?;
    Ok(Ledger { bills, payments })
}

fn search_sql(query: &FacilitySearch) -> String {
    let mut conditions = Vec::new();
    if query.regency_code.is_some() {
        conditions.push("regency_code = :regency");
    }
    if query.district_code.is_some() {
        conditions.push("district_code = :district");
    }
    if query.name_contains.is_some() {
        // instr, not LIKE: the user's text is matched literally, '%' and '_' included.
        conditions.push("instr(name_folded, :name) > 0");
    }
    if query.kind.is_some() {
        conditions.push("kind = :kind");
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    format!(
        "SELECT {} FROM facilities {filter} ORDER BY name, id LIMIT :limit",
        rows::FACILITY_COLS
    )
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        self.conns
            .read(|c| c.query_row("SELECT 1", [], |_| Ok(())).db())
            .await
    }

    async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.conns
            .read(move |c| {
                c.prepare_cached("SELECT value FROM meta WHERE key = ?1")
                    .db()?
                    .query_row([key], |r| r.get(0))
                    .optional()
                    .db()
            })
            .await
    }

    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.conns
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .db()?
                .execute([key, value])
                .db()?;
                Ok(())
            })
            .await
    }

    async fn meta_set_if_absent(&self, key: &str, value: &str) -> Result<String> {
        let (key, value) = (key.to_owned(), value.to_owned());
        // Both statements on the one writer: no other write comes between them.
        self.conns
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                )
                .db()?
                .execute([&key, &value])
                .db()?;
                c.prepare_cached("SELECT value FROM meta WHERE key = ?1")
                    .db()?
                    .query_row([&key], |r| r.get(0))
                    .db()
            })
            .await
    }

    async fn hold_lease(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let (name, node) = (name.to_owned(), node.to_owned());
        self.conns
            .write(move |c| {
                // One statement: the check and the take are atomic. RETURNING gives a row
                // only when the insert or the guarded update happened.
                let held = c
                    .prepare_cached(
                        "INSERT INTO leases (name, node, until) VALUES (?1, ?2, ?4) \
                         ON CONFLICT (name) DO UPDATE SET node = excluded.node, \
                           until = excluded.until \
                         WHERE leases.node = excluded.node OR leases.until < ?3 \
                         RETURNING node",
                    )
                    .db()?
                    .query_row(params![name, node, millis(now), millis(until)], |_| Ok(()))
                    .optional()
                    .db()?;
                Ok(held.is_some())
            })
            .await
    }

    async fn release_lease(&self, name: &str, node: &str) -> Result<()> {
        let (name, node) = (name.to_owned(), node.to_owned());
        self.conns
            .write(move |c| {
                c.prepare_cached("DELETE FROM leases WHERE name = ?1 AND node = ?2")
                    .db()?
                    .execute([&name, &node])
                    .db()?;
                Ok(())
            })
            .await
    }

    async fn import(&self, batch: ImportBatch) -> Result<()> {
        let import_kib = self.cache_kib.1;
        self.conns
            .write(move |c| {
                c.pragma_update(None, "cache_size", -i64::from(import_kib))
                    .db()?;
                import(c, batch)
            })
            .await
    }

    async fn finish_import(&self) -> Result<()> {
        let serving_kib = self.cache_kib.0;
        self.conns
            .write(move |c| {
                c.pragma_update(None, "cache_size", -i64::from(serving_kib))
                    .db()?;
                // A bounded ANALYZE samples each index instead of reading millions of rows;
                // the checkpoint folds the import's WAL into the main file and truncates it.
                c.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE;")
                    .db()?;
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    .optional()
                    .db()?;
                Ok(())
            })
            .await
    }

    async fn counts(&self) -> Result<Counts> {
        self.conns
            .read(|c| {
                let tx = c.transaction().db()?;
                let count = |table: &str| -> Result<u64> {
                    let n: i64 = tx
                        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                        .db()?;
                    Ok(n.max(0) as u64)
                };
                let counts = Counts {
                    participants: count("participants")?,
                    families: count("families")?,
                    bills: count("bills")?,
                    payments: count("payments")?,
                    facilities: count("facilities")?,
                    offices: count("offices")?,
                };
                tx.finish().db()?;
                Ok(counts)
            })
            .await
    }

    async fn participant(&self, id: ParticipantId) -> Result<Option<Participant>> {
        self.conns
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM participants WHERE id = ?1",
                    rows::PARTICIPANT_COLS
                );
                query_one(c, &sql, [id.0], rows::participant)
            })
            .await
    }

    async fn participant_by_nik(&self, nik: &Nik) -> Result<Option<Participant>> {
        let nik = nik.expose().to_owned();
        self.conns
            .read(move |c| participant_where(c, "nik", &nik))
            .await
    }

    async fn participant_by_card(&self, card: &CardNumber) -> Result<Option<Participant>> {
        let card = card.expose().to_owned();
        self.conns
            .read(move |c| participant_where(c, "card_number", &card))
            .await
    }

    async fn participants_by_phone(&self, phone: &Msisdn, limit: u32) -> Result<Vec<Participant>> {
        let phone = phone.expose().to_owned();
        self.conns
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM participants WHERE phone = ?1 ORDER BY id LIMIT ?2",
                    rows::PARTICIPANT_COLS
                );
                query_all(c, &sql, params![phone, limit], rows::participant)
            })
            .await
    }

    async fn family(&self, id: FamilyId) -> Result<Option<Family>> {
        self.conns
            .read(move |c| {
                let sql = format!("SELECT {} FROM families WHERE id = ?1", rows::FAMILY_COLS);
                query_one(c, &sql, [id.0], rows::family)
            })
            .await
    }

    async fn family_members(&self, id: FamilyId) -> Result<Vec<Participant>> {
        self.conns
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM participants WHERE family_id = ?1 \
                     ORDER BY relation <> 'kepala', birth_date, id",
                    rows::PARTICIPANT_COLS
                );
                query_all(c, &sql, [id.0], rows::participant)
            })
            .await
    }

    async fn ledger(&self, family: FamilyId) -> Result<Ledger> {
        self.conns.read(move |c| ledger(c, family)).await
    }

    async fn record_payment(&self, family: FamilyId, payment: NewPayment) -> Result<Payment> {
        self.conns
            .write(move |c| {
                let tx = c
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .db()?;
                let exists = tx
                    .prepare_cached("SELECT 1 FROM families WHERE id = ?1")
                    .db()?
                    .query_row([family.0], |_| Ok(()))
                    .optional()
                    .db()?
                    .is_some();
                if !exists {
                    return Err(StoreError::NotFound(format!("family {family}")));
                }
                // Payment ids count up within a family; the writer lock makes max + 1 safe.
                let id: i64 = tx
                    .prepare_cached(
                        "SELECT COALESCE(MAX(id), 0) + 1 FROM payments WHERE family_id = ?1",
                    )
                    .db()?
                    .query_row([family.0], |r| r.get(0))
                    .db()?;
                tx.prepare_cached(
                    "INSERT INTO payments (family_id, id, paid_on, channel, amount, for_period) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .db()?
                .execute(params![
                    family.0,
                    id,
                    iso_date(payment.paid_on),
                    payment.channel.code(),
                    payment.amount.amount(),
                    payment.for_period.map(|m| m.as_number()),
                ])
                .db()?;
                tx.commit().db()?;
                Ok(Payment {
                    id,
                    paid_on: payment.paid_on,
                    channel: payment.channel,
                    amount: payment.amount,
                    for_period: payment.for_period,
                })
            })
            .await
    }

    async fn sample_participants(
        &self,
        filter: SampleFilter,
        limit: u32,
    ) -> Result<Vec<Participant>> {
        self.conns
            .read(move |c| {
                let cols = rows::PARTICIPANT_COLS
                    .split(", ")
                    .map(|col| format!("p.{col}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut sql = format!(
                    "SELECT {cols} FROM participants p JOIN families f ON f.id = p.family_id \
                     WHERE (?1 IS NULL OR f.segment = ?1)"
                );
                if filter.heads_only {
                    sql.push_str(" AND p.relation = 'kepala'");
                }
                if filter.with_phone {
                    sql.push_str(" AND p.phone IS NOT NULL");
                }
                sql.push_str(" ORDER BY p.id LIMIT ?2");
                query_all(
                    c,
                    &sql,
                    params![filter.segment.map(|s| s.code()), limit],
                    rows::participant,
                )
            })
            .await
    }

    async fn facility(&self, id: FacilityId) -> Result<Option<Facility>> {
        self.conns
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM facilities WHERE id = ?1",
                    rows::FACILITY_COLS
                );
                query_one(c, &sql, [id.0], rows::facility)
            })
            .await
    }

    async fn facilities_in_box(
        &self,
        area: BoundingBox,
        kind: Option<FacilityKind>,
    ) -> Result<Vec<Facility>> {
        self.conns
            .read(move |c| {
                let bounds = params![area.min_lat, area.max_lat, area.min_lon, area.max_lon];
                let base = format!(
                    "SELECT {} FROM facilities WHERE latitude BETWEEN ?1 AND ?2 \
                     AND longitude BETWEEN ?3 AND ?4",
                    rows::FACILITY_COLS
                );
                match kind {
                    None => query_all(c, &format!("{base} ORDER BY id"), bounds, rows::facility),
                    Some(kind) => query_all(
                        c,
                        &format!("{base} AND kind = ?5 ORDER BY id"),
                        params![
                            area.min_lat,
                            area.max_lat,
                            area.min_lon,
                            area.max_lon,
                            kind.code()
                        ],
                        rows::facility,
                    ),
                }
            })
            .await
    }

    async fn search_facilities(&self, query: &FacilitySearch) -> Result<Vec<Facility>> {
        let query = query.clone();
        self.conns
            .read(move |c| {
                let sql = search_sql(&query);
                let mut stmt = c.prepare_cached(&sql).db()?;
                let name = query.name_contains.as_deref().map(str::to_lowercase);
                let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":limit", &query.limit)];
                if let Some(regency) = &query.regency_code {
                    named.push((":regency", regency));
                }
                if let Some(district) = &query.district_code {
                    named.push((":district", district));
                }
                if let Some(name) = &name {
                    named.push((":name", name));
                }
                let kind = query.kind.map(|k| k.code());
                if let Some(kind) = &kind {
                    named.push((":kind", kind));
                }
                let mut rows = stmt.query(named.as_slice()).db()?;
                let mut out = Vec::new();
                while let Some(row) = rows.next().db()? {
                    out.push(rows::facility(row)?);
                }
                Ok(out)
            })
            .await
    }

    async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        self.conns.read(move |c| office_by_id(c, id)).await
    }

    async fn offices(&self) -> Result<Vec<Office>> {
        self.conns
            .read(|c| {
                let tx = c.transaction().db()?;
                let sql = format!("SELECT {} FROM offices ORDER BY id", rows::OFFICE_COLS);
                let mut offices = query_all(&tx, &sql, [], rows::office)?;
                let regencies = query_all(
                    &tx,
                    "SELECT office_id, regency_code FROM office_regencies \
                     ORDER BY office_id, position",
                    [],
                    |r| Ok((r.get::<_, i64>(0).db()?, r.get::<_, i64>(1).db()?)),
                )?;
                let mut by_office = std::collections::HashMap::<i64, Vec<u16>>::new();
                for (office, code) in regencies {
                    let code = u16::try_from(code)
                        .map_err(|_| error::corrupt("office_regencies.regency_code", code))?;
                    by_office.entry(office).or_default().push(code);
                }
                for office in &mut offices {
                    office.regencies = by_office.remove(&office.id.0).unwrap_or_default();
                }
                tx.finish().db()?;
                Ok(offices)
            })
            .await
    }

    async fn office_for_regency(&self, regency_code: u16) -> Result<Option<Office>> {
        self.conns
            .read(move |c| {
                let id = c
                    .prepare_cached(
                        "SELECT office_id FROM office_regencies WHERE regency_code = ?1 \
                         ORDER BY office_id LIMIT 1",
                    )
                    .db()?
                    .query_row([regency_code], |r| r.get::<_, i64>(0))
                    .optional()
                    .db()?;
                match id {
                    Some(id) => office_by_id(c, OfficeId(id)),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn closures(&self, office: OfficeId, after: DateTime<Utc>) -> Result<Vec<Closure>> {
        self.conns
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM closures WHERE office_id = ?1 AND ends_at > ?2 \
                     AND cancelled_at IS NULL ORDER BY starts_at, id",
                    rows::CLOSURE_COLS
                );
                query_all(c, &sql, params![office.0, millis(after)], rows::closure)
            })
            .await
    }

    async fn add_closure(&self, closure: NewClosure) -> Result<Closure> {
        self.conns
            .write(move |c| outreach::insert_closure(c, closure))
            .await
    }

    async fn closure(&self, id: ClosureId) -> Result<Option<Closure>> {
        self.conns.read(move |c| outreach::closure(c, id)).await
    }

    async fn office_closures(
        &self,
        office: OfficeId,
        after: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Closure>> {
        self.conns
            .read(move |c| outreach::office_closures(c, office, after, limit))
            .await
    }

    async fn declare_closure(&self, closure: NewClosure, audit: NewAudit) -> Result<Closure> {
        self.conns
            .write(move |c| outreach::declare_closure(c, closure, audit))
            .await
    }

    async fn update_closure(&self, edit: ClosureEdit, audit: NewAudit) -> Result<Closure> {
        self.conns
            .write(move |c| outreach::update_closure(c, edit, audit))
            .await
    }

    async fn cancel_closure(
        &self,
        id: ClosureId,
        at: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<Closure> {
        self.conns
            .write(move |c| outreach::cancel_closure(c, id, at, audit))
            .await
    }

    // ---- broadcasts (SQL in `outreach.rs`) ------------------------------------------------
    async fn create_broadcast(&self, broadcast: NewBroadcast) -> Result<Broadcast> {
        self.conns
            .write(move |c| outreach::create_broadcast(c, broadcast))
            .await
    }

    async fn broadcast(&self, id: BroadcastId) -> Result<Option<Broadcast>> {
        self.conns.read(move |c| outreach::broadcast(c, id)).await
    }

    async fn broadcasts(&self, query: &BroadcastQuery) -> Result<Vec<Broadcast>> {
        let query = query.clone();
        self.conns
            .read(move |c| outreach::broadcasts(c, &query))
            .await
    }

    async fn set_broadcast_state(&self, change: BroadcastStateChange) -> Result<Broadcast> {
        self.conns
            .write(move |c| outreach::set_broadcast_state(c, change))
            .await
    }

    async fn sending_broadcasts(&self) -> Result<Vec<Broadcast>> {
        self.conns.read(outreach::sending_broadcasts).await
    }

    async fn broadcast_waiting(
        &self,
        id: BroadcastId,
        channel: &str,
        limit: u32,
    ) -> Result<Vec<BroadcastRecipient>> {
        let channel = channel.to_owned();
        self.conns
            .read(move |c| outreach::broadcast_waiting(c, id, &channel, limit))
            .await
    }

    async fn hand_off_broadcast(
        &self,
        id: BroadcastId,
        hand_offs: Vec<HandOff>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        self.conns
            .write(move |c| outreach::hand_off_broadcast(c, id, hand_offs, at))
            .await
    }

    async fn broadcast_progress(&self, id: BroadcastId) -> Result<BroadcastProgress> {
        self.conns
            .read(move |c| outreach::broadcast_progress(c, id))
            .await
    }

    async fn set_opt_out(
        &self,
        channel: &str,
        address: &str,
        opted_out: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let (channel, address) = (channel.to_owned(), address.to_owned());
        self.conns
            .write(move |c| outreach::set_opt_out(c, &channel, &address, opted_out, at))
            .await
    }

    async fn is_opted_out(&self, channel: &str, address: &str) -> Result<bool> {
        let (channel, address) = (channel.to_owned(), address.to_owned());
        self.conns
            .read(move |c| outreach::is_opted_out(c, &channel, &address))
            .await
    }

    async fn create_login(&self, login: NewLogin) -> Result<Login> {
        self.conns
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO logins (id, participant_id, code_hash, expires_at, attempts, \
                     consumed, created_at) VALUES (?1, ?2, ?3, ?4, 0, 0, ?5)",
                )
                .db()?
                .execute(params![
                    login.id,
                    login.participant_id.0,
                    login.code_hash,
                    millis(login.expires_at),
                    millis(login.created_at),
                ])
                .db()?;
                Ok(Login {
                    id: login.id,
                    participant_id: login.participant_id,
                    code_hash: login.code_hash,
                    expires_at: stored_instant(login.expires_at),
                    attempts: 0,
                    consumed: false,
                    created_at: stored_instant(login.created_at),
                })
            })
            .await
    }

    async fn login(&self, id: &str) -> Result<Option<Login>> {
        let id = id.to_owned();
        self.conns
            .read(move |c| {
                let sql = format!("SELECT {} FROM logins WHERE id = ?1", rows::LOGIN_COLS);
                query_one(c, &sql, [id], rows::login)
            })
            .await
    }

    async fn add_login_attempt(&self, id: &str) -> Result<u32> {
        let id = id.to_owned();
        self.conns
            .write(move |c| {
                let attempts: Option<i64> = c
                    .prepare_cached(
                        "UPDATE logins SET attempts = attempts + 1 WHERE id = ?1 \
                         RETURNING attempts",
                    )
                    .db()?
                    .query_row([&id], |r| r.get(0))
                    .optional()
                    .db()?;
                let attempts = attempts.ok_or_else(|| StoreError::NotFound("login".to_owned()))?;
                u32::try_from(attempts).map_err(|e| error::corrupt("logins.attempts", e))
            })
            .await
    }

    async fn consume_login(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.conns
            .write(move |c| {
                let changed = c
                    .prepare_cached("UPDATE logins SET consumed = 1 WHERE id = ?1 AND consumed = 0")
                    .db()?
                    .execute([&id])
                    .db()?;
                if changed == 1 {
                    return Ok(true);
                }
                let exists = c
                    .prepare_cached("SELECT 1 FROM logins WHERE id = ?1")
                    .db()?
                    .query_row([&id], |_| Ok(()))
                    .optional()
                    .db()?
                    .is_some();
                if exists {
                    Ok(false)
                } else {
                    Err(StoreError::NotFound("login".to_owned()))
                }
            })
            .await
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        self.conns
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO tokens (token_hash, participant_id, expires_at, created_at) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .db()?
                .execute(params![
                    token.token_hash,
                    token.participant_id.0,
                    millis(token.expires_at),
                    millis(token.created_at),
                ])
                .db()?;
                Ok(())
            })
            .await
    }

    async fn token_participant(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ParticipantId>> {
        let token_hash = token_hash.to_owned();
        self.conns
            .read(move |c| {
                c.prepare_cached(
                    "SELECT participant_id FROM tokens WHERE token_hash = ?1 AND expires_at > ?2",
                )
                .db()?
                .query_row(params![token_hash, millis(now)], |r| r.get(0))
                .optional()
                .db()
                .map(|id| id.map(ParticipantId))
            })
            .await
    }

    async fn prune_rate_limits(&self, before: DateTime<Utc>, limit: u32) -> Result<u64> {
        self.conns
            .write(move |c| {
                // By the window index, so each call reads only what it deletes.
                let n = c
                    .prepare_cached(
                        "DELETE FROM rate_limits WHERE (key, window_start) IN \
                         (SELECT key, window_start FROM rate_limits WHERE window_start < ?1 \
                          ORDER BY window_start LIMIT ?2)",
                    )
                    .db()?
                    .execute(params![millis(before), limit])
                    .db()?;
                Ok(n as u64)
            })
            .await
    }

    async fn prune_expired_sign_ins(&self, before: DateTime<Utc>, limit: u32) -> Result<u64> {
        self.conns
            .write(move |c| {
                let mut deleted = 0;
                for sql in [
                    "DELETE FROM logins WHERE id IN \
                     (SELECT id FROM logins WHERE expires_at < ?1 LIMIT ?2)",
                    "DELETE FROM tokens WHERE token_hash IN \
                     (SELECT token_hash FROM tokens WHERE expires_at < ?1 LIMIT ?2)",
                    "DELETE FROM agent_sessions WHERE token_hash IN \
                     (SELECT token_hash FROM agent_sessions WHERE expires_at < ?1 LIMIT ?2)",
                ] {
                    deleted += c
                        .prepare_cached(sql)
                        .db()?
                        .execute(params![millis(before), limit])
                        .db()? as u64;
                }
                Ok(deleted)
            })
            .await
    }

    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> Result<u32> {
        let key = key.to_owned();
        self.conns
            .write(move |c| {
                let count: i64 = c
                    .prepare_cached(
                        "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
                         ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 \
                         RETURNING count",
                    )
                    .db()?
                    .query_row(params![key, millis(window_start)], |r| r.get(0))
                    .db()?;
                u32::try_from(count).map_err(|e| error::corrupt("rate_limits.count", e))
            })
            .await
    }

    async fn save_rehab_plan(&self, new: NewRehabPlan) -> Result<StoredRehabPlan> {
        let json = serde_json::to_string(&new.plan)
            .map_err(|e| StoreError::Other(format!("cannot encode REHAB plan: {e}")))?;
        self.conns
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO rehab_plans (family_id, registered_by, registered_at, plan) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .db()?
                .execute(params![
                    new.family_id.0,
                    new.registered_by.0,
                    millis(new.registered_at),
                    json
                ])
                .db()?;
                Ok(StoredRehabPlan {
                    id: c.last_insert_rowid(),
                    family_id: new.family_id,
                    registered_by: new.registered_by,
                    registered_at: stored_instant(new.registered_at),
                    plan: new.plan,
                })
            })
            .await
    }

    async fn latest_rehab_plan(&self, family: FamilyId) -> Result<Option<StoredRehabPlan>> {
        self.conns
            .read(move |c| {
                let plans = query_all(
                    c,
                    "SELECT id, family_id, registered_by, registered_at, plan FROM rehab_plans \
                     WHERE family_id = ?1 ORDER BY registered_at DESC, id DESC LIMIT 1",
                    [family.0],
                    |r| {
                        let plan: String = r.get(4).db()?;
                        Ok(StoredRehabPlan {
                            id: r.get(0).db()?,
                            family_id: FamilyId(r.get(1).db()?),
                            registered_by: ParticipantId(r.get(2).db()?),
                            registered_at: rows::instant(
                                r.get(3).db()?,
                                "rehab_plans.registered_at",
                            )?,
                            plan: serde_json::from_str(&plan).map_err(|e| {
                                StoreError::Corrupt(format!("rehab_plans.plan: {e}"))
                            })?,
                        })
                    },
                )?;
                Ok(plans.into_iter().next())
            })
            .await
    }

    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Outbound> {
        self.conns
            .write(move |c| messaging::insert_outbound(c, message))
            .await
    }

    async fn recent_outbound(&self, recipient: Option<&str>, limit: u32) -> Result<Vec<Outbound>> {
        let recipient = recipient.map(str::to_owned);
        self.conns
            .read(move |c| match recipient {
                Some(recipient) => query_all(
                    c,
                    &format!(
                        "SELECT {} FROM outbound WHERE recipient = ?1 \
                         ORDER BY created_at DESC, id DESC LIMIT ?2",
                        rows::OUTBOUND_COLS
                    ),
                    params![recipient, limit],
                    rows::outbound,
                ),
                None => query_all(
                    c,
                    &format!(
                        "SELECT {} FROM outbound ORDER BY created_at DESC, id DESC LIMIT ?1",
                        rows::OUTBOUND_COLS
                    ),
                    [limit],
                    rows::outbound,
                ),
            })
            .await
    }

    async fn outbox_claim(&self, channel: &str, claim: Claim) -> Result<Vec<Outbound>> {
        let channel = channel.to_owned();
        self.conns
            .write(move |c| messaging::claim(c, &channel, claim))
            .await
    }

    async fn outbox_complete(
        &self,
        id: OutboundId,
        outcome: SendOutcome,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.conns
            .write(move |c| messaging::complete(c, id, &outcome, at))
            .await
    }

    async fn outbox_list(&self, filter: &OutboxFilter) -> Result<Vec<Outbound>> {
        let filter = filter.clone();
        self.conns.read(move |c| messaging::list(c, &filter)).await
    }

    async fn outbox_retry(&self, ids: &[OutboundId], now: DateTime<Utc>) -> Result<u64> {
        let ids = ids.to_vec();
        self.conns
            .write(move |c| messaging::retry(c, &ids, now))
            .await
    }

    async fn outbox_counts(&self) -> Result<Vec<OutboxCount>> {
        self.conns.read(|c| messaging::counts(c)).await
    }

    async fn inbox_append(&self, events: Vec<NewInboxEvent>) -> Result<Vec<InboxId>> {
        self.conns
            .write(move |c| messaging::inbox_append(c, events))
            .await
    }

    async fn inbox_pending(&self, after: InboxId, limit: u32) -> Result<Vec<InboxEvent>> {
        self.conns
            .read(move |c| messaging::inbox_pending(c, after, limit))
            .await
    }

    async fn inbox_stats(&self) -> Result<InboxStats> {
        self.conns.read(|c| messaging::inbox_stats(c)).await
    }

    async fn last_inbound_at(
        &self,
        channel: &str,
        conversation: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let (channel, conversation) = (channel.to_owned(), conversation.to_owned());
        self.conns
            .read(move |c| messaging::last_inbound_at(c, &channel, &conversation))
            .await
    }

    async fn commit_processed(&self, processed: ProcessedEvent) -> Result<bool> {
        self.conns
            .write(move |c| messaging::commit_processed(c, processed))
            .await
    }

    async fn write_batch(&self, ops: Vec<WriteOp>) -> Result<Vec<WriteResult>> {
        self.conns
            .write(move |c| messaging::write_batch(c, ops))
            .await
    }

    // ---- the assistant: conversations, turns and cases --------------------------------------
    async fn conversation(
        &self,
        channel: &str,
        sender: &str,
    ) -> Result<Option<ConversationRecord>> {
        let (channel, sender) = (channel.to_owned(), sender.to_owned());
        self.conns
            .read_point(move |c| assistant::conversation(c, &channel, &sender))
            .await
    }

    async fn save_conversation(&self, record: &ConversationRecord) -> Result<()> {
        let record = record.clone();
        self.conns
            .write(move |c| assistant::save_conversation(c, &record))
            .await
    }

    async fn append_turn(&self, turn: NewTurn) -> Result<Turn> {
        self.conns
            .write(move |c| assistant::append_turn(c, turn))
            .await
    }

    async fn recent_turns(&self, channel: &str, sender: &str, limit: u32) -> Result<Vec<Turn>> {
        let (channel, sender) = (channel.to_owned(), sender.to_owned());
        self.conns
            .read(move |c| assistant::recent_turns(c, &channel, &sender, limit))
            .await
    }

    async fn create_case(&self, case: NewCase) -> Result<Case> {
        self.conns
            .write(move |c| assistant::create_case(c, case))
            .await
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<Case>> {
        let number = number.to_owned();
        self.conns
            .read(move |c| assistant::case_by_number(c, &number))
            .await
    }

    async fn cases_for_participant(&self, participant: ParticipantId) -> Result<Vec<Case>> {
        self.conns
            .read(move |c| assistant::cases_for_participant(c, participant))
            .await
    }

    // ---- PANDAWA: agents and their sessions ------------------------------------------------
    async fn create_agent(&self, agent: NewAgent) -> Result<Agent> {
        self.conns
            .write(move |c| casework::create_agent(c, agent))
            .await
    }

    async fn agent(&self, id: AgentId) -> Result<Option<Agent>> {
        self.conns.read(move |c| casework::agent(c, id)).await
    }

    async fn agent_by_username(&self, username: &str) -> Result<Option<Agent>> {
        let username = username.to_owned();
        self.conns
            .read(move |c| casework::agent_by_username(c, &username))
            .await
    }

    async fn agents(&self, office: Option<OfficeId>) -> Result<Vec<Agent>> {
        self.conns.read(move |c| casework::agents(c, office)).await
    }

    async fn update_agent(&self, agent: &Agent) -> Result<()> {
        let agent = agent.clone();
        self.conns
            .write(move |c| casework::update_agent(c, &agent))
            .await
    }

    async fn agent_sign_in_failed(&self, id: AgentId, failure: SignInFailure) -> Result<Agent> {
        self.conns
            .write(move |c| casework::agent_sign_in_failed(c, id, failure))
            .await
    }

    async fn agent_signed_in(&self, id: AgentId) -> Result<()> {
        self.conns
            .write(move |c| casework::agent_signed_in(c, id))
            .await
    }

    async fn create_agent_session(&self, session: NewAgentSession) -> Result<()> {
        self.conns
            .write(move |c| casework::create_agent_session(c, session))
            .await
    }

    async fn agent_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AgentSession>> {
        let token_hash = token_hash.to_owned();
        self.conns
            .read(move |c| casework::agent_session(c, &token_hash, now))
            .await
    }

    async fn end_agent_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.conns
            .write(move |c| casework::end_agent_session(c, &token_hash))
            .await
    }

    // ---- PANDAWA: cases ---------------------------------------------------------------------
    async fn case(&self, id: CaseId) -> Result<Option<Case>> {
        self.conns.read(move |c| casework::case_by_id(c, id)).await
    }

    async fn list_cases(&self, query: &CaseQuery) -> Result<Vec<Case>> {
        let query = query.clone();
        self.conns
            .read(move |c| casework::list_cases(c, &query))
            .await
    }

    async fn change_case(&self, change: CaseChange) -> Result<Case> {
        self.conns
            .write(move |c| casework::change_case(c, change))
            .await
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        self.conns.read(move |c| casework::case_events(c, id)).await
    }

    async fn open_cases_per_agent(&self) -> Result<Vec<(AgentId, u32)>> {
        self.conns.read(|c| casework::open_cases_per_agent(c)).await
    }

    async fn case_daily_counts(
        &self,
        since: DateTime<Utc>,
        utc_offset_minutes: i32,
    ) -> Result<Vec<DailyCaseCount>> {
        self.conns
            .read(move |c| casework::case_daily_counts(c, since, utc_offset_minutes))
            .await
    }

    // ---- PANDAWA: form links, drafts and attachments --------------------------------------
    async fn create_form_link(&self, link: NewFormLink) -> Result<FormLink> {
        self.conns
            .write(move |c| casework::create_form_link(c, link))
            .await
    }

    async fn form_link(&self, id: &str) -> Result<Option<FormLink>> {
        let id = id.to_owned();
        self.conns.read(move |c| casework::form_link(c, &id)).await
    }

    async fn save_form_draft(
        &self,
        id: &str,
        draft: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let id = id.to_owned();
        self.conns
            .write(move |c| casework::save_form_draft(c, &id, &draft, at))
            .await
    }

    async fn submit_form(&self, id: &str, case: NewCase, at: DateTime<Utc>) -> Result<Case> {
        let id = id.to_owned();
        self.conns
            .write(move |c| casework::submit_form(c, &id, case, at))
            .await
    }

    async fn complete_form_link(
        &self,
        id: &str,
        change: CaseChange,
        at: DateTime<Utc>,
    ) -> Result<Case> {
        let id = id.to_owned();
        self.conns
            .write(move |c| casework::complete_form_link(c, &id, change, at))
            .await
    }

    async fn add_attachment(&self, attachment: NewAttachment) -> Result<Attachment> {
        self.conns
            .write(move |c| casework::add_attachment(c, attachment))
            .await
    }

    async fn attachment(&self, id: AttachmentId) -> Result<Option<Attachment>> {
        self.conns.read(move |c| casework::attachment(c, id)).await
    }

    async fn case_attachments(&self, case: CaseId) -> Result<Vec<Attachment>> {
        self.conns
            .read(move |c| casework::case_attachments(c, case))
            .await
    }

    async fn form_attachments(&self, form_id: &str) -> Result<Vec<Attachment>> {
        let form_id = form_id.to_owned();
        self.conns
            .read(move |c| casework::form_attachments(c, &form_id))
            .await
    }

    // ---- PANDAWA: audit -----------------------------------------------------------------------
    async fn append_audit(&self, entry: NewAudit) -> Result<()> {
        self.conns
            .write(move |c| casework::insert_audit(c, &entry))
            .await
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let query = query.clone();
        self.conns
            .read(move |c| casework::audit_entries(c, &query))
            .await
    }
}

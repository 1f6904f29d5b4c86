//! One storage interface ([`Store`]) with two backends: `store-sqlite` (embedded default) and
//! `store-postgres` (production). Both pass the same conformance suite in `store-tests`.
//!
//! Records hold typed domain values (`Nik`, `CardNumber`, `Msisdn`, `Rupiah`...): a backend
//! parses what it reads, so the rest of the system never sees an unchecked identifier.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod casework;
pub mod messaging;
pub mod model;
mod nearest;
pub mod outreach;

pub use casework::*;
pub use messaging::*;
pub use model::*;
pub use nearest::nearest_facilities;
pub use outreach::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use directory::{BoundingBox, FacilityKind};
use jkn::{CardNumber, Ledger, Msisdn, Nik, Payment};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database could not be reached or the connection dropped; the caller may retry.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or foreign-key rule was broken by the write.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// Stored data failed to parse into a domain value (a bug or manual tampering).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Layan keeps. Handlers are written against this trait; `Arc<dyn Store>` is what
/// the server holds.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is ("sqlite", "postgres"), for metrics and logs.
    fn backend(&self) -> &'static str;

    /// A cheap round trip proving the database answers (used by `/readyz`).
    async fn ping(&self) -> Result<()>;

    // ---- key/value metadata (demo marker, seed, reference date) -------------------------
    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;
    /// Stores `value` under `key` unless the key holds one already; returns what is stored
    /// then (the earlier value, or `value`). Nodes racing to create the same setting all end
    /// up with the one stored first.
    async fn meta_set_if_absent(&self, key: &str, value: &str) -> Result<String>;
    /// Takes or renews the lease `name` for `node` until `until`, when it is free, ran out
    /// before `now` or is `node`'s already. True when `node` holds it now. A role that one
    /// node at a time must play (processing the inbox) is held this way.
    async fn hold_lease(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Gives up `node`'s lease `name`, if `node` holds it, so another node can take it at once.
    async fn release_lease(&self, name: &str, node: &str) -> Result<()>;

    // ---- bulk import (demo generation, migrations from other systems) -------------------
    /// Stores a batch in one transaction. Ids in the batch are assigned by the caller and
    /// must not collide with existing rows. Used for millions of rows, so backends use their
    /// fastest durable path (prepared statements in one transaction, COPY).
    async fn import(&self, batch: ImportBatch) -> Result<()>;

    /// Called once after the last `import` so backends may build indexes and statistics.
    async fn finish_import(&self) -> Result<()>;

    /// Row counts, for `layan demo sample`, metrics and tests.
    async fn counts(&self) -> Result<Counts>;

    // ---- participants ---------------------------------------------------------------------
    async fn participant(&self, id: ParticipantId) -> Result<Option<Participant>>;
    async fn participant_by_nik(&self, nik: &Nik) -> Result<Option<Participant>>;
    async fn participant_by_card(&self, card: &CardNumber) -> Result<Option<Participant>>;
    /// Participants whose registered mobile number is `phone` (family members may share one),
    /// lowest id first, at most `limit`.
    async fn participants_by_phone(&self, phone: &Msisdn, limit: u32) -> Result<Vec<Participant>>;
    async fn family(&self, id: FamilyId) -> Result<Option<Family>>;
    /// Members of a family, head first, then by birth date.
    async fn family_members(&self, id: FamilyId) -> Result<Vec<Participant>>;
    /// The family's billed months and payments, months in increasing order.
    async fn ledger(&self, family: FamilyId) -> Result<Ledger>;
    /// Records a payment; returns it with its assigned id.
    async fn record_payment(&self, family: FamilyId, payment: NewPayment) -> Result<Payment>;
    /// Participants for `layan demo sample`: up to `limit` whose family matches the filter.
    async fn sample_participants(
        &self,
        filter: SampleFilter,
        limit: u32,
    ) -> Result<Vec<Participant>>;

    // ---- REHAB plans ----------------------------------------------------------------------
    async fn save_rehab_plan(&self, plan: NewRehabPlan) -> Result<StoredRehabPlan>;
    /// The family's most recently registered plan, if any (earlier ones are kept as history).
    async fn latest_rehab_plan(&self, family: FamilyId) -> Result<Option<StoredRehabPlan>>;

    // ---- facilities and offices --------------------------------------------------------------
    async fn facility(&self, id: FacilityId) -> Result<Option<Facility>>;
    /// Facilities whose coordinates fall inside the box, optionally of one kind. The caller
    /// computes distances and widens the box when too few come back.
    async fn facilities_in_box(
        &self,
        area: BoundingBox,
        kind: Option<FacilityKind>,
    ) -> Result<Vec<Facility>>;
    /// Search by place and name (case-insensitive substring on the name), at most `limit`.
    async fn search_facilities(&self, query: &FacilitySearch) -> Result<Vec<Facility>>;
    async fn office(&self, id: OfficeId) -> Result<Option<Office>>;
    async fn offices(&self) -> Result<Vec<Office>>;
    /// The branch office serving a regency.
    async fn office_for_regency(&self, regency_code: u16) -> Result<Option<Office>>;
    /// Closures of an office that have not ended by `after` and are not cancelled, soonest first.
    async fn closures(&self, office: OfficeId, after: DateTime<Utc>) -> Result<Vec<Closure>>;
    async fn add_closure(&self, closure: NewClosure) -> Result<Closure>;
    async fn closure(&self, id: ClosureId) -> Result<Option<Closure>>;
    /// Every closure of an office ending after `after`, cancelled ones included, newest
    /// start first, at most `limit` (the console's list).
    async fn office_closures(
        &self,
        office: OfficeId,
        after: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Closure>>;
    /// Declares a closure and stores its audit entry, in one transaction.
    async fn declare_closure(&self, closure: NewClosure, audit: NewAudit) -> Result<Closure>;
    /// `NotFound` for an unknown id; `Conflict` when the closure was cancelled.
    async fn update_closure(&self, edit: ClosureEdit, audit: NewAudit) -> Result<Closure>;
    /// Cancels a closure (idempotent: cancelling again keeps the first time).
    async fn cancel_closure(
        &self,
        id: ClosureId,
        at: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<Closure>;

    // ---- broadcasts (see `outreach`) ----

    /// Creates the broadcast and selects its audience, in one transaction. `state` is
    /// `Sending`, or `Done` when nobody is in the audience.
    async fn create_broadcast(&self, broadcast: NewBroadcast) -> Result<Broadcast>;
    async fn broadcast(&self, id: BroadcastId) -> Result<Option<Broadcast>>;
    async fn broadcasts(&self, query: &BroadcastQuery) -> Result<Vec<Broadcast>>;
    /// Pause, resume or cancel. Cancelling also fails the broadcast's outbox rows still
    /// `queued` with error code `cancelled`. `Conflict` unless the state is in `change.from`.
    async fn set_broadcast_state(&self, change: BroadcastStateChange) -> Result<Broadcast>;
    /// Every broadcast in `Sending`, oldest first: what the feeder hands to the outbox. (One
    /// node feeds at a time, the one holding the processing role, so the channels' broadcast
    /// rates hold however many nodes run.)
    async fn sending_broadcasts(&self) -> Result<Vec<Broadcast>>;
    /// Recipients of `channel` not yet handed off, lowest `seq` first, at most `limit`.
    async fn broadcast_waiting(
        &self,
        id: BroadcastId,
        channel: &str,
        limit: u32,
    ) -> Result<Vec<BroadcastRecipient>>;
    /// In one transaction, while the broadcast is `Sending`: inserts each hand-off's outbox
    /// row (tagged with the broadcast) and marks the recipient handed off or skipped.
    /// Recipients no longer waiting are left alone (another node got there first). Marks the
    /// broadcast `Done` when nobody waits any more. Returns the outbox rows inserted; a
    /// broadcast no longer `Sending` inserts none.
    async fn hand_off_broadcast(
        &self,
        id: BroadcastId,
        hand_offs: Vec<HandOff>,
        at: DateTime<Utc>,
    ) -> Result<u64>;
    async fn broadcast_progress(&self, id: BroadcastId) -> Result<BroadcastProgress>;
    /// Records "STOP"/"berhenti" (`opted_out`) or "MULAI"; a change older than the stored
    /// one is ignored, so a redelivered old message never undoes a newer choice. Returns
    /// whether this change was stored (false: an older one, ignored).
    async fn set_opt_out(
        &self,
        channel: &str,
        address: &str,
        opted_out: bool,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    async fn is_opted_out(&self, channel: &str, address: &str) -> Result<bool>;

    // ---- sign-in (Mobile-JKN style one-time codes) --------------------------------------
    async fn create_login(&self, login: NewLogin) -> Result<Login>;
    async fn login(&self, id: &str) -> Result<Option<Login>>;
    /// Counts a wrong code against a login; returns the attempts used so far.
    async fn add_login_attempt(&self, id: &str) -> Result<u32>;
    /// Marks a login used (a code works once). Returns false if it was already used.
    async fn consume_login(&self, id: &str) -> Result<bool>;
    async fn create_token(&self, token: NewToken) -> Result<()>;
    /// The participant a bearer token (given as its SHA-256 hex) belongs to, if unexpired at `now`.
    async fn token_participant(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ParticipantId>>;
    /// Adds one to a rate-limit counter for `key` in the window starting at `window_start`
    /// and returns the new count. Shared by every node, unlike an in-memory limiter.
    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> Result<u32>;
    /// Deletes at most `limit` rate-limit counters of windows that started before `before`,
    /// oldest first, and returns how many went. A counter of a window that has ended never
    /// counts again; without this they would pile up, one per client per minute.
    async fn prune_rate_limits(&self, before: DateTime<Utc>, limit: u32) -> Result<u64>;
    /// Deletes sign-in records that expired before `before`: one-time-code challenges,
    /// participant tokens and agent sessions, at most `limit` of each kind per call; how many
    /// went in all. Expired, none of them opens anything any more.
    async fn prune_expired_sign_ins(&self, before: DateTime<Utc>, limit: u32) -> Result<u64>;

    // ---- outbound messages (the outbox; channels send what is queued here) -------------
    /// Queues one message (stored as failed at once when it is `unsendable`).
    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Outbound>;
    /// Most recent first, at most `limit`, optionally only for one recipient.
    async fn recent_outbound(&self, recipient: Option<&str>, limit: u32) -> Result<Vec<Outbound>>;
    /// Leases up to `claim.limit` messages of `channel` that are due, oldest first, at most one
    /// per recipient and only when no earlier message to that recipient is unfinished. Claimed
    /// rows become `sending` with one more attempt counted.
    async fn outbox_claim(&self, channel: &str, claim: Claim) -> Result<Vec<Outbound>>;
    /// Records the result of a send attempt of a claimed message.
    async fn outbox_complete(
        &self,
        id: OutboundId,
        outcome: SendOutcome,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Rows matching the filter, most recent first.
    async fn outbox_list(&self, filter: &OutboxFilter) -> Result<Vec<Outbound>>;
    /// Queues failed messages again (all failed ones when `ids` is empty), with their attempt
    /// count reset. Broadcast messages withdrawn by a cancel (code `cancelled`) stay failed.
    /// Returns how many were queued.
    async fn outbox_retry(&self, ids: &[OutboundId], now: DateTime<Utc>) -> Result<u64>;
    async fn outbox_counts(&self) -> Result<Vec<OutboxCount>>;

    // ---- the inbox of provider events --------------------------------------------------------
    /// Stores a batch of events in one transaction, redeliveries included (they are
    /// recognised when processed, see [`Store::commit_processed`]). Returns the new ids, in
    /// the order of `events`.
    async fn inbox_append(&self, events: Vec<NewInboxEvent>) -> Result<Vec<InboxId>>;
    /// Unprocessed events with an id above `after`, in id order, at most `limit`, each telling
    /// whether its delivery was already processed under another id ([`InboxEvent::redelivery`]).
    async fn inbox_pending(&self, after: InboxId, limit: u32) -> Result<Vec<InboxEvent>>;
    async fn inbox_stats(&self) -> Result<InboxStats>;
    /// When the participant last wrote on `channel` (the start of the 24-hour window): the
    /// newest time of their processed events other than delivery statuses. Counted when
    /// processed, not when stored, so the webhook's commit writes no per-address row.
    async fn last_inbound_at(
        &self,
        channel: &str,
        conversation: &str,
    ) -> Result<Option<DateTime<Utc>>>;
    /// Stores everything one event's processing produced, in one transaction, and marks the
    /// event processed. Returns false, storing nothing, when the event was already processed
    /// (another worker got there first), or when the same delivery (channel, occurred at,
    /// provider id) was processed under another id: then the event is a redelivery (the same
    /// body again, so the same provider time) and is deleted.
    async fn commit_processed(&self, processed: ProcessedEvent) -> Result<bool>;
    /// Group commit for the messaging pipeline: every operation in one transaction (one
    /// durable flush), each isolated so a failing one is reported in its slot and the others
    /// still commit. Results come in the order of `ops`. The default runs them one by one.
    async fn write_batch(&self, ops: Vec<WriteOp>) -> Result<Vec<WriteResult>> {
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            let result = match op {
                WriteOp::AppendInbox(events) => {
                    self.inbox_append(events).await.map(WriteResult::Appended)
                }
                WriteOp::Processed(p) => self.commit_processed(p).await.map(WriteResult::Processed),
                WriteOp::Complete { id, outcome, at } => self
                    .outbox_complete(id, outcome, at)
                    .await
                    .map(|()| WriteResult::Completed),
                WriteOp::Claim { channel, claim } => self
                    .outbox_claim(&channel, claim)
                    .await
                    .map(WriteResult::Claimed),
            };
            results.push(WriteResult::from_result(result));
        }
        Ok(results)
    }

    // ---- the assistant: conversations, turns and cases -------------------------------------
    /// The stored state of the conversation with `sender` on `channel`, if any.
    async fn conversation(&self, channel: &str, sender: &str)
        -> Result<Option<ConversationRecord>>;
    /// Creates the conversation or replaces its stored state.
    async fn save_conversation(&self, record: &ConversationRecord) -> Result<()>;
    /// Stores one message of a conversation.
    async fn append_turn(&self, turn: NewTurn) -> Result<Turn>;
    /// The most recent turns of a conversation, most recent first, at most `limit`.
    async fn recent_turns(&self, channel: &str, sender: &str, limit: u32) -> Result<Vec<Turn>>;
    /// Stores a case, gives it its number ([`case_number`] of its prefix and id) and its
    /// `Created` history entry. With a `submission_key` already used, stores nothing and
    /// returns the case created the first time.
    async fn create_case(&self, case: NewCase) -> Result<Case>;
    async fn case_by_number(&self, number: &str) -> Result<Option<Case>>;
    /// The cases of a participant, newest first.
    async fn cases_for_participant(&self, participant: ParticipantId) -> Result<Vec<Case>>;

    // ---- PANDAWA: agents and their sessions ---------------------------------------------------
    /// `Conflict` when the username is taken.
    async fn create_agent(&self, agent: NewAgent) -> Result<Agent>;
    async fn agent(&self, id: AgentId) -> Result<Option<Agent>>;
    async fn agent_by_username(&self, username: &str) -> Result<Option<Agent>>;
    /// Agents of one branch (or all), by id.
    async fn agents(&self, office: Option<OfficeId>) -> Result<Vec<Agent>>;
    /// Saves the editable parts: name, role, branch, password hash, shifts, limit, active.
    async fn update_agent(&self, agent: &Agent) -> Result<()>;
    /// Counts a wrong password (atomically) and locks the agent when the limit is reached;
    /// returns the agent as stored afterwards.
    async fn agent_sign_in_failed(&self, id: AgentId, failure: SignInFailure) -> Result<Agent>;
    /// Clears the failure count and any lock after a correct password.
    async fn agent_signed_in(&self, id: AgentId) -> Result<()>;
    async fn create_agent_session(&self, session: NewAgentSession) -> Result<()>;
    /// The session of a token hash if it has not expired at `now`.
    async fn agent_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AgentSession>>;
    async fn end_agent_session(&self, token_hash: &str) -> Result<()>;

    // ---- PANDAWA: cases -------------------------------------------------------------------------
    async fn case(&self, id: CaseId) -> Result<Option<Case>>;
    async fn list_cases(&self, query: &CaseQuery) -> Result<Vec<Case>>;
    /// Applies a change and everything it causes in one transaction; see [`CaseChange`].
    /// Returns the case as stored afterwards.
    async fn change_case(&self, change: CaseChange) -> Result<Case>;
    /// The case's history, oldest first.
    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>>;
    /// Open (not done or rejected) cases per assigned agent.
    async fn open_cases_per_agent(&self) -> Result<Vec<(AgentId, u32)>>;
    /// Cases created since `since`, counted per day (in a time zone `utc_offset_minutes`
    /// east of UTC), kind and channel; days in increasing order.
    async fn case_daily_counts(
        &self,
        since: DateTime<Utc>,
        utc_offset_minutes: i32,
    ) -> Result<Vec<DailyCaseCount>>;

    // ---- PANDAWA: form links, drafts and attachments ------------------------------------------
    async fn create_form_link(&self, link: NewFormLink) -> Result<FormLink>;
    async fn form_link(&self, id: &str) -> Result<Option<FormLink>>;
    /// Saves what the participant typed so far. `Conflict` once the form is submitted.
    async fn save_form_draft(
        &self,
        id: &str,
        draft: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Files the form as a new case, once: marks the link used, creates the case (with its
    /// `Created` event) and moves the form's attachments to it, in one transaction. A link
    /// already used returns the case it created and stores nothing.
    async fn submit_form(&self, id: &str, case: NewCase, at: DateTime<Utc>) -> Result<Case>;
    /// Completes a document-request link (one with `case_id`), once: marks it used, moves
    /// its attachments to the case and applies `change`, in one transaction. A link already
    /// used returns the case as it is and stores nothing.
    async fn complete_form_link(
        &self,
        id: &str,
        change: CaseChange,
        at: DateTime<Utc>,
    ) -> Result<Case>;
    async fn add_attachment(&self, attachment: NewAttachment) -> Result<Attachment>;
    async fn attachment(&self, id: AttachmentId) -> Result<Option<Attachment>>;
    /// Attachments of a case, oldest first.
    async fn case_attachments(&self, case: CaseId) -> Result<Vec<Attachment>>;
    /// Attachments uploaded on a form not submitted yet, oldest first.
    async fn form_attachments(&self, form_id: &str) -> Result<Vec<Attachment>>;

    // ---- PANDAWA: audit -----------------------------------------------------------------------
    async fn append_audit(&self, entry: NewAudit) -> Result<()>;
    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
}

pub type SharedStore = Arc<dyn Store>;

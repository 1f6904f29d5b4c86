//! A store whose every call fails, to check that `load` gives up cleanly.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use directory::{BoundingBox, FacilityKind};
use jkn::{CardNumber, Ledger, Nik, Payment};
use store::{
    Broadcast, BroadcastId, BroadcastProgress, BroadcastQuery, BroadcastRecipient,
    BroadcastStateChange, ClosureEdit, ClosureId, HandOff, NewAudit, NewBroadcast,
};
use store::{
    Closure, Counts, Facility, FacilityId, FacilitySearch, Family, FamilyId, ImportBatch, Login,
    NewClosure, NewLogin, NewOutbound, NewPayment, NewToken, Office, OfficeId, Outbound,
    Participant, ParticipantId, Result, SampleFilter, Store, StoreError,
};
use store::{NewRehabPlan, StoredRehabPlan};

pub struct FailingStore;

fn down<T>() -> Result<T> {
    Err(StoreError::Unavailable("database is down".into()))
}

#[async_trait]
impl Store for FailingStore {
    fn backend(&self) -> &'static str {
        "failing"
    }
    async fn ping(&self) -> Result<()> {
        down()
    }
    async fn meta_get(&self, _: &str) -> Result<Option<String>> {
        down()
    }
    async fn meta_set(&self, _: &str, _: &str) -> Result<()> {
        down()
    }
    async fn meta_set_if_absent(&self, _: &str, _: &str) -> Result<String> {
        down()
    }
    async fn hold_lease(
        &self,
        _: &str,
        _: &str,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<bool> {
        down()
    }
    async fn release_lease(&self, _: &str, _: &str) -> Result<()> {
        down()
    }
    async fn import(&self, _: ImportBatch) -> Result<()> {
        down()
    }
    async fn finish_import(&self) -> Result<()> {
        down()
    }
    async fn counts(&self) -> Result<Counts> {
        down()
    }
    async fn participant(&self, _: ParticipantId) -> Result<Option<Participant>> {
        down()
    }
    async fn participant_by_nik(&self, _: &Nik) -> Result<Option<Participant>> {
        down()
    }
    async fn participant_by_card(&self, _: &CardNumber) -> Result<Option<Participant>> {
        down()
    }
    async fn participants_by_phone(&self, _: &jkn::Msisdn, _: u32) -> Result<Vec<Participant>> {
        down()
    }
    async fn family(&self, _: FamilyId) -> Result<Option<Family>> {
        down()
    }
    async fn family_members(&self, _: FamilyId) -> Result<Vec<Participant>> {
        down()
    }
    async fn ledger(&self, _: FamilyId) -> Result<Ledger> {
        down()
    }
    async fn record_payment(&self, _: FamilyId, _: NewPayment) -> Result<Payment> {
        down()
    }
    async fn sample_participants(&self, _: SampleFilter, _: u32) -> Result<Vec<Participant>> {
        down()
    }
    async fn facility(&self, _: FacilityId) -> Result<Option<Facility>> {
        down()
    }
    async fn facilities_in_box(
        &self,
        _: BoundingBox,
        _: Option<FacilityKind>,
    ) -> Result<Vec<Facility>> {
        down()
    }
    async fn search_facilities(&self, _: &FacilitySearch) -> Result<Vec<Facility>> {
        down()
    }
    async fn office(&self, _: OfficeId) -> Result<Option<Office>> {
        down()
    }
    async fn offices(&self) -> Result<Vec<Office>> {
        down()
    }
    async fn office_for_regency(&self, _: u16) -> Result<Option<Office>> {
        down()
    }
    async fn closures(&self, _: OfficeId, _: DateTime<Utc>) -> Result<Vec<Closure>> {
        down()
    }
    async fn add_closure(&self, _: NewClosure) -> Result<Closure> {
        down()
    }
    async fn closure(&self, _: ClosureId) -> Result<Option<Closure>> {
        down()
    }
    async fn office_closures(&self, _: OfficeId, _: DateTime<Utc>, _: u32) -> Result<Vec<Closure>> {
        down()
    }
    async fn declare_closure(&self, _: NewClosure, _: NewAudit) -> Result<Closure> {
        down()
    }
    async fn update_closure(&self, _: ClosureEdit, _: NewAudit) -> Result<Closure> {
        down()
    }
    async fn cancel_closure(&self, _: ClosureId, _: DateTime<Utc>, _: NewAudit) -> Result<Closure> {
        down()
    }
    async fn create_broadcast(&self, _: NewBroadcast) -> Result<Broadcast> {
        down()
    }
    async fn broadcast(&self, _: BroadcastId) -> Result<Option<Broadcast>> {
        down()
    }
    async fn broadcasts(&self, _: &BroadcastQuery) -> Result<Vec<Broadcast>> {
        down()
    }
    async fn set_broadcast_state(&self, _: BroadcastStateChange) -> Result<Broadcast> {
        down()
    }
    async fn sending_broadcasts(&self) -> Result<Vec<Broadcast>> {
        down()
    }
    async fn broadcast_waiting(
        &self,
        _: BroadcastId,
        _: &str,
        _: u32,
    ) -> Result<Vec<BroadcastRecipient>> {
        down()
    }
    async fn hand_off_broadcast(
        &self,
        _: BroadcastId,
        _: Vec<HandOff>,
        _: DateTime<Utc>,
    ) -> Result<u64> {
        down()
    }
    async fn broadcast_progress(&self, _: BroadcastId) -> Result<BroadcastProgress> {
        down()
    }
    async fn set_opt_out(&self, _: &str, _: &str, _: bool, _: DateTime<Utc>) -> Result<bool> {
        down()
    }
    async fn is_opted_out(&self, _: &str, _: &str) -> Result<bool> {
        down()
    }
    async fn create_login(&self, _: NewLogin) -> Result<Login> {
        down()
    }
    async fn login(&self, _: &str) -> Result<Option<Login>> {
        down()
    }
    async fn add_login_attempt(&self, _: &str) -> Result<u32> {
        down()
    }
    async fn consume_login(&self, _: &str) -> Result<bool> {
        down()
    }
    async fn create_token(&self, _: NewToken) -> Result<()> {
        down()
    }
    async fn token_participant(&self, _: &str, _: DateTime<Utc>) -> Result<Option<ParticipantId>> {
        down()
    }
    async fn hit_rate_limit(&self, _: &str, _: DateTime<Utc>) -> Result<u32> {
        down()
    }
    async fn prune_rate_limits(&self, _: DateTime<Utc>, _: u32) -> Result<u64> {
        down()
    }
    async fn prune_expired_sign_ins(&self, _: DateTime<Utc>, _: u32) -> Result<u64> {
        down()
    }
    async fn enqueue_outbound(&self, _: NewOutbound) -> Result<Outbound> {
        down()
    }
    async fn recent_outbound(&self, _: Option<&str>, _: u32) -> Result<Vec<Outbound>> {
        down()
    }
    async fn outbox_claim(&self, _: &str, _: store::Claim) -> Result<Vec<Outbound>> {
        down()
    }
    async fn outbox_complete(
        &self,
        _: store::OutboundId,
        _: store::SendOutcome,
        _: DateTime<Utc>,
    ) -> Result<()> {
        down()
    }
    async fn outbox_list(&self, _: &store::OutboxFilter) -> Result<Vec<Outbound>> {
        down()
    }
    async fn outbox_retry(&self, _: &[store::OutboundId], _: DateTime<Utc>) -> Result<u64> {
        down()
    }
    async fn outbox_counts(&self) -> Result<Vec<store::OutboxCount>> {
        down()
    }

    // ---- the inbox of provider events -------------------------------------------------------
    async fn inbox_append(&self, _: Vec<store::NewInboxEvent>) -> Result<Vec<store::InboxId>> {
        down()
    }
    async fn inbox_pending(&self, _: store::InboxId, _: u32) -> Result<Vec<store::InboxEvent>> {
        down()
    }
    async fn inbox_stats(&self) -> Result<store::InboxStats> {
        down()
    }
    async fn last_inbound_at(&self, _: &str, _: &str) -> Result<Option<DateTime<Utc>>> {
        down()
    }
    async fn commit_processed(&self, _: store::ProcessedEvent) -> Result<bool> {
        down()
    }
    async fn save_rehab_plan(&self, _: NewRehabPlan) -> Result<StoredRehabPlan> {
        down()
    }
    async fn latest_rehab_plan(&self, _: FamilyId) -> Result<Option<StoredRehabPlan>> {
        down()
    }

    // ---- the assistant: conversations, turns and cases --------------------------------------
    async fn conversation(&self, _: &str, _: &str) -> Result<Option<store::ConversationRecord>> {
        down()
    }
    async fn save_conversation(&self, _: &store::ConversationRecord) -> Result<()> {
        down()
    }
    async fn append_turn(&self, _: store::NewTurn) -> Result<store::Turn> {
        down()
    }
    async fn recent_turns(&self, _: &str, _: &str, _: u32) -> Result<Vec<store::Turn>> {
        down()
    }
    async fn create_case(&self, _: store::NewCase) -> Result<store::Case> {
        down()
    }
    async fn case_by_number(&self, _: &str) -> Result<Option<store::Case>> {
        down()
    }
    async fn cases_for_participant(&self, _: ParticipantId) -> Result<Vec<store::Case>> {
        down()
    }

    // ---- PANDAWA ------------------------------------------------------------------------------
    async fn create_agent(&self, _: store::NewAgent) -> Result<store::Agent> {
        down()
    }
    async fn agent(&self, _: store::AgentId) -> Result<Option<store::Agent>> {
        down()
    }
    async fn agent_by_username(&self, _: &str) -> Result<Option<store::Agent>> {
        down()
    }
    async fn agents(&self, _: Option<OfficeId>) -> Result<Vec<store::Agent>> {
        down()
    }
    async fn update_agent(&self, _: &store::Agent) -> Result<()> {
        down()
    }
    async fn agent_sign_in_failed(
        &self,
        _: store::AgentId,
        _: store::SignInFailure,
    ) -> Result<store::Agent> {
        down()
    }
    async fn agent_signed_in(&self, _: store::AgentId) -> Result<()> {
        down()
    }
    async fn create_agent_session(&self, _: store::NewAgentSession) -> Result<()> {
        down()
    }
    async fn agent_session(
        &self,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<Option<store::AgentSession>> {
        down()
    }
    async fn end_agent_session(&self, _: &str) -> Result<()> {
        down()
    }
    async fn case(&self, _: store::CaseId) -> Result<Option<store::Case>> {
        down()
    }
    async fn list_cases(&self, _: &store::CaseQuery) -> Result<Vec<store::Case>> {
        down()
    }
    async fn change_case(&self, _: store::CaseChange) -> Result<store::Case> {
        down()
    }
    async fn case_events(&self, _: store::CaseId) -> Result<Vec<store::CaseEvent>> {
        down()
    }
    async fn open_cases_per_agent(&self) -> Result<Vec<(store::AgentId, u32)>> {
        down()
    }
    async fn case_daily_counts(
        &self,
        _: DateTime<Utc>,
        _: i32,
    ) -> Result<Vec<store::DailyCaseCount>> {
        down()
    }
    async fn create_form_link(&self, _: store::NewFormLink) -> Result<store::FormLink> {
        down()
    }
    async fn form_link(&self, _: &str) -> Result<Option<store::FormLink>> {
        down()
    }
    async fn save_form_draft(&self, _: &str, _: serde_json::Value, _: DateTime<Utc>) -> Result<()> {
        down()
    }
    async fn submit_form(
        &self,
        _: &str,
        _: store::NewCase,
        _: DateTime<Utc>,
    ) -> Result<store::Case> {
        down()
    }
    async fn complete_form_link(
        &self,
        _: &str,
        _: store::CaseChange,
        _: DateTime<Utc>,
    ) -> Result<store::Case> {
        down()
    }
    async fn add_attachment(&self, _: store::NewAttachment) -> Result<store::Attachment> {
        down()
    }
    async fn attachment(&self, _: store::AttachmentId) -> Result<Option<store::Attachment>> {
        down()
    }
    async fn case_attachments(&self, _: store::CaseId) -> Result<Vec<store::Attachment>> {
        down()
    }
    async fn form_attachments(&self, _: &str) -> Result<Vec<store::Attachment>> {
        down()
    }
    async fn append_audit(&self, _: store::NewAudit) -> Result<()> {
        down()
    }
    async fn audit_entries(&self, _: &store::AuditQuery) -> Result<Vec<store::AuditEntry>> {
        down()
    }
}

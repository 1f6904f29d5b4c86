//! The engine's only way to data: a small async port. [`crate::StoreData`] implements it over
//! a [`store::Store`]; tests may implement it in memory, so every decision of the engine can be
//! exercised without a database.

use crate::records::{Case, ConversationRecord, NewCase, NewTurn};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use directory::{FacilityKind, Point};
use jkn::{CardNumber, Ledger, Nik};
use store::{
    Closure, Facility, FacilityId, FacilitySearch, Family, FamilyId, NewRehabPlan, Office,
    OfficeId, Participant, ParticipantId, StoreError, StoredRehabPlan,
};

pub type DataResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait DialogData: Send + Sync {
    // ---- participants and their accounts ---------------------------------------------------
    async fn participant(&self, id: ParticipantId) -> DataResult<Option<Participant>>;
    async fn participant_by_nik(&self, nik: &Nik) -> DataResult<Option<Participant>>;
    async fn participant_by_card(&self, card: &CardNumber) -> DataResult<Option<Participant>>;
    async fn family(&self, id: FamilyId) -> DataResult<Option<Family>>;
    /// Head first, then by birth date.
    async fn family_members(&self, id: FamilyId) -> DataResult<Vec<Participant>>;
    async fn ledger(&self, family: FamilyId) -> DataResult<Ledger>;
    async fn latest_rehab_plan(&self, family: FamilyId) -> DataResult<Option<StoredRehabPlan>>;
    async fn save_rehab_plan(&self, plan: NewRehabPlan) -> DataResult<StoredRehabPlan>;

    // ---- places -------------------------------------------------------------------------------
    async fn facility(&self, id: FacilityId) -> DataResult<Option<Facility>>;
    /// The `limit` nearest facilities to `point`, nearest first, with their distance in metres.
    async fn nearest_facilities(
        &self,
        point: Point,
        kind: Option<FacilityKind>,
        limit: usize,
    ) -> DataResult<Vec<(Facility, f64)>>;
    async fn search_facilities(&self, query: &FacilitySearch) -> DataResult<Vec<Facility>>;
    async fn offices(&self) -> DataResult<Vec<Office>>;
    async fn office_for_regency(&self, regency_code: u16) -> DataResult<Option<Office>>;
    /// Closures not ended by `after`, soonest first.
    async fn closures(&self, office: OfficeId, after: DateTime<Utc>) -> DataResult<Vec<Closure>>;

    // ---- limits, conversations, cases ---------------------------------------------------------
    /// Adds one to a shared counter for `key` in the window starting at `window_start`.
    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> DataResult<u32>;
    async fn load_conversation(
        &self,
        channel: &str,
        sender: &str,
    ) -> DataResult<Option<ConversationRecord>>;
    async fn save_conversation(&self, record: &ConversationRecord) -> DataResult<()>;
    async fn append_turn(&self, turn: NewTurn) -> DataResult<()>;
    async fn create_case(&self, case: NewCase) -> DataResult<Case>;

    // ---- casework services (the server's; defaults for a port without them) ---------------
    /// Whether [`DialogData::form_link`] can make links at all: the assistant offers the web
    /// form only then.
    fn offers_form_links(&self) -> bool {
        false
    }
    /// A signed link to the web form for `request`, or `None` when forms are not served.
    async fn form_link(&self, request: &FormLinkRequest) -> DataResult<Option<String>> {
        let _ = request;
        Ok(None)
    }
    /// When agents of `office` (any branch when `None`) next work: `at` itself while they
    /// work. The default is PANDAWA's Monday-Friday 08:00-15:00 in the branch's time zone
    /// (WIB when unknown), without holidays.
    async fn agents_work_from(
        &self,
        office: Option<&Office>,
        at: DateTime<Utc>,
    ) -> DataResult<Option<DateTime<Utc>>> {
        let tz = office.map(|o| o.timezone).unwrap_or(wilayah::TimeZone::Wib);
        Ok(cases::BusinessCalendar::pandawa_default(tz).next_open(at))
    }
    /// Called after the assistant filed a case (so the server can assign it at once).
    async fn case_filed(&self, case: &Case) -> DataResult<()> {
        let _ = case;
        Ok(())
    }
}

/// What a web-form link is for: the kind to file, who asks, and what is already known.
#[derive(Debug, Clone, PartialEq)]
pub struct FormLinkRequest {
    /// A `cases::CaseKind` code.
    pub kind: String,
    pub channel: String,
    pub sender: String,
    pub participant_id: Option<ParticipantId>,
    pub family_id: Option<FamilyId>,
    pub office_id: Option<OfficeId>,
    /// Field values shown filled in (keys of the kind's spec).
    pub prefill: serde_json::Value,
}

/// The server's casework behind [`crate::StoreData`]: signed form links, each branch's
/// working calendar, and assignment of a new case. The dialog crate cannot reach them
/// itself (they live in the server), so the server passes an implementation in.
#[async_trait]
pub trait CaseServices: Send + Sync {
    async fn form_link(&self, request: &FormLinkRequest) -> DataResult<Option<String>>;
    async fn agents_work_from(
        &self,
        office: Option<&Office>,
        at: DateTime<Utc>,
    ) -> DataResult<Option<DateTime<Utc>>>;
    async fn case_filed(&self, case: &Case) -> DataResult<()>;
}

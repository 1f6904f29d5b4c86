//! [`DialogData`] over a [`store::Store`]: the engine's port to the real database.

use crate::port::{CaseServices, DataResult, DialogData, FormLinkRequest};
use crate::records::{Case, ConversationRecord, NewCase, NewTurn};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use directory::{FacilityKind, Point};
use jkn::{CardNumber, Ledger, Nik};
use std::sync::Arc;
use store::{
    Closure, Facility, FacilityId, FacilitySearch, Family, FamilyId, NewRehabPlan, Office,
    OfficeId, Participant, ParticipantId, SharedStore, StoredRehabPlan,
};

pub struct StoreData {
    store: SharedStore,
    services: Option<Arc<dyn CaseServices>>,
}

impl StoreData {
    /// Over the store alone: no web-form links, the default PANDAWA calendar, and new cases
    /// wait for the server's assignment loop.
    pub fn new(store: SharedStore) -> StoreData {
        StoreData {
            store,
            services: None,
        }
    }

    /// With the server's casework: form links, each branch's calendar, assignment at once.
    pub fn with_services(store: SharedStore, services: Arc<dyn CaseServices>) -> StoreData {
        StoreData {
            store,
            services: Some(services),
        }
    }
}

#[async_trait]
impl DialogData for StoreData {
    async fn participant(&self, id: ParticipantId) -> DataResult<Option<Participant>> {
        self.store.participant(id).await
    }

    async fn participant_by_nik(&self, nik: &Nik) -> DataResult<Option<Participant>> {
        self.store.participant_by_nik(nik).await
    }

    async fn participant_by_card(&self, card: &CardNumber) -> DataResult<Option<Participant>> {
        self.store.participant_by_card(card).await
    }

    async fn family(&self, id: FamilyId) -> DataResult<Option<Family>> {
        self.store.family(id).await
    }

    async fn family_members(&self, id: FamilyId) -> DataResult<Vec<Participant>> {
        self.store.family_members(id).await
    }

    async fn ledger(&self, family: FamilyId) -> DataResult<Ledger> {
        self.store.ledger(family).await
    }

    async fn latest_rehab_plan(&self, family: FamilyId) -> DataResult<Option<StoredRehabPlan>> {
        self.store.latest_rehab_plan(family).await
    }

    async fn save_rehab_plan(&self, plan: NewRehabPlan) -> DataResult<StoredRehabPlan> {
        self.store.save_rehab_plan(plan).await
    }

    async fn facility(&self, id: FacilityId) -> DataResult<Option<Facility>> {
        self.store.facility(id).await
    }

    async fn nearest_facilities(
        &self,
        point: Point,
        kind: Option<FacilityKind>,
        limit: usize,
    ) -> DataResult<Vec<(Facility, f64)>> {
        store::nearest_facilities(self.store.as_ref(), point, kind, limit).await
    }

    async fn search_facilities(&self, query: &FacilitySearch) -> DataResult<Vec<Facility>> {
        self.store.search_facilities(query).await
    }

    async fn offices(&self) -> DataResult<Vec<Office>> {
        self.store.offices().await
    }

    async fn office_for_regency(&self, regency_code: u16) -> DataResult<Option<Office>> {
        self.store.office_for_regency(regency_code).await
    }

    async fn closures(&self, office: OfficeId, after: DateTime<Utc>) -> DataResult<Vec<Closure>> {
        self.store.closures(office, after).await
    }

    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> DataResult<u32> {
        self.store.hit_rate_limit(key, window_start).await
    }

    async fn load_conversation(
        &self,
        channel: &str,
        sender: &str,
    ) -> DataResult<Option<ConversationRecord>> {
        self.store.conversation(channel, sender).await
    }

    async fn save_conversation(&self, record: &ConversationRecord) -> DataResult<()> {
        self.store.save_conversation(record).await
    }

    async fn append_turn(&self, turn: NewTurn) -> DataResult<()> {
        self.store.append_turn(turn).await.map(|_| ())
    }

    async fn create_case(&self, case: NewCase) -> DataResult<Case> {
        self.store.create_case(case).await
    }

    fn offers_form_links(&self) -> bool {
        self.services.is_some()
    }

    async fn form_link(&self, request: &FormLinkRequest) -> DataResult<Option<String>> {
        match &self.services {
            Some(s) => s.form_link(request).await,
            None => Ok(None),
        }
    }

    async fn agents_work_from(
        &self,
        office: Option<&Office>,
        at: DateTime<Utc>,
    ) -> DataResult<Option<DateTime<Utc>>> {
        match &self.services {
            Some(s) => s.agents_work_from(office, at).await,
            None => {
                let tz = office.map(|o| o.timezone).unwrap_or(wilayah::TimeZone::Wib);
                Ok(cases::BusinessCalendar::pandawa_default(tz).next_open(at))
            }
        }
    }

    async fn case_filed(&self, case: &Case) -> DataResult<()> {
        match &self.services {
            Some(s) => s.case_filed(case).await,
            None => Ok(()),
        }
    }
}

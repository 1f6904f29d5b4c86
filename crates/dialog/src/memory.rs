//! An in-memory [`DialogData`] for unit tests: the engine's decisions without a database.

use crate::port::{DataResult, DialogData, FormLinkRequest};
use crate::records::{Case, ConversationRecord, NewCase, NewTurn};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use directory::{FacilityKind, Point};
use jkn::{BilledMonth, CardNumber, CareClass, Ledger, Nik, Rupiah, Segment, Sex, YearMonth};
use std::collections::HashMap;
use std::sync::Mutex;
use store::{
    CaseId, Closure, Facility, FacilityId, FacilitySearch, Family, FamilyId, NewRehabPlan, Office,
    OfficeId, Participant, ParticipantId, Relation, StoredRehabPlan,
};

#[derive(Default)]
pub struct MemoryData {
    pub participants: Vec<Participant>,
    pub families: Vec<Family>,
    pub ledgers: HashMap<FamilyId, Ledger>,
    pub conversations: Mutex<HashMap<(String, String), ConversationRecord>>,
    pub turns: Mutex<Vec<NewTurn>>,
    pub cases: Mutex<Vec<Case>>,
    pub limits: Mutex<HashMap<(String, DateTime<Utc>), u32>>,
    pub plans: Mutex<Vec<StoredRehabPlan>>,
    /// Links asked for, in order; each gets `https://layan.test/f/<n>`.
    pub form_links: Mutex<Vec<FormLinkRequest>>,
    /// Cases the engine reported filed (for assignment).
    pub filed: Mutex<Vec<Case>>,
    /// When agents next work; `None`: they work now.
    pub agents_back_at: Mutex<Option<DateTime<Utc>>>,
    /// Offices returned for every regency (the participant's branch).
    pub offices: Vec<Office>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MemoryData {
    /// One PBPU class-3 family of two in Jember (Patrang), `months_unpaid` months behind at
    /// `today`'s month, billed from a year before.
    pub fn one_family(today: NaiveDate, months_unpaid: i64) -> MemoryData {
        let family = Family {
            id: FamilyId(1),
            kk_number: jkn::FamilyCardNumber::parse("3509200101200001").expect("a valid test KK"),
            segment: Segment::Pbpu,
            class: CareClass::Three,
            virtual_account: "8888801234567890".into(),
            wage: None,
            employer: None,
            district_code: 350920,
        };
        let born = NaiveDate::from_ymd_opt(1984, 1, 19).expect("a date");
        let head = Participant {
            id: ParticipantId(1),
            family_id: family.id,
            relation: Relation::Kepala,
            nik: Nik::compose(350920, born, Sex::Laki, 1).expect("a valid test NIK"),
            card_number: CardNumber::parse("0001234567890").expect("a valid card"),
            name: "Hadi".into(),
            sex: Sex::Laki,
            birth_date: born,
            phone: jkn::Msisdn::parse("081322552052").ok(),
            email: None,
            district_code: 350920,
            segment: Segment::Pbpu,
            class: CareClass::Three,
            class_since: NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date"),
            fktp_id: None,
            fktp_since: None,
            registered_on: NaiveDate::from_ymd_opt(2019, 1, 1).expect("a date"),
        };
        let now = YearMonth::of(today);
        let mut ledger = Ledger::default();
        for m in now.add_months(-12).through(now) {
            ledger.bills.push(BilledMonth {
                period: m,
                amount: Rupiah(70_000),
                subsidy: Rupiah(14_000),
                members: 2,
            });
        }
        // Everything before the unpaid months was paid in one go.
        let paid_months = 12 - months_unpaid;
        if paid_months > 0 {
            ledger.payments.push(jkn::Payment {
                id: 1,
                paid_on: now.add_months(-12).first_day(),
                channel: jkn::PaymentChannel::Minimarket,
                amount: Rupiah(70_000 * paid_months),
                for_period: None,
            });
        }
        let mut ledgers = HashMap::new();
        ledgers.insert(family.id, ledger);
        MemoryData {
            participants: vec![head],
            families: vec![family],
            ledgers,
            ..MemoryData::default()
        }
    }
}

#[async_trait]
impl DialogData for MemoryData {
    async fn participant(&self, id: ParticipantId) -> DataResult<Option<Participant>> {
        Ok(self.participants.iter().find(|p| p.id == id).cloned())
    }
    async fn participant_by_nik(&self, nik: &Nik) -> DataResult<Option<Participant>> {
        Ok(self.participants.iter().find(|p| &p.nik == nik).cloned())
    }
    async fn participant_by_card(&self, card: &CardNumber) -> DataResult<Option<Participant>> {
        Ok(self
            .participants
            .iter()
            .find(|p| &p.card_number == card)
            .cloned())
    }
    async fn family(&self, id: FamilyId) -> DataResult<Option<Family>> {
        Ok(self.families.iter().find(|f| f.id == id).cloned())
    }
    async fn family_members(&self, id: FamilyId) -> DataResult<Vec<Participant>> {
        Ok(self
            .participants
            .iter()
            .filter(|p| p.family_id == id)
            .cloned()
            .collect())
    }
    async fn ledger(&self, family: FamilyId) -> DataResult<Ledger> {
        Ok(self.ledgers.get(&family).cloned().unwrap_or_default())
    }
    async fn latest_rehab_plan(&self, family: FamilyId) -> DataResult<Option<StoredRehabPlan>> {
        Ok(lock(&self.plans)
            .iter()
            .rev()
            .find(|p| p.family_id == family)
            .cloned())
    }
    async fn save_rehab_plan(&self, plan: NewRehabPlan) -> DataResult<StoredRehabPlan> {
        let mut plans = lock(&self.plans);
        let stored = StoredRehabPlan {
            id: plans.len() as i64 + 1,
            family_id: plan.family_id,
            registered_by: plan.registered_by,
            registered_at: plan.registered_at,
            plan: plan.plan,
        };
        plans.push(stored.clone());
        Ok(stored)
    }
    async fn facility(&self, _: FacilityId) -> DataResult<Option<Facility>> {
        Ok(None)
    }
    async fn nearest_facilities(
        &self,
        _: Point,
        _: Option<FacilityKind>,
        _: usize,
    ) -> DataResult<Vec<(Facility, f64)>> {
        Ok(Vec::new())
    }
    async fn search_facilities(&self, _: &FacilitySearch) -> DataResult<Vec<Facility>> {
        Ok(Vec::new())
    }
    async fn offices(&self) -> DataResult<Vec<Office>> {
        Ok(self.offices.clone())
    }
    async fn office_for_regency(&self, _: u16) -> DataResult<Option<Office>> {
        Ok(self.offices.first().cloned())
    }
    async fn closures(&self, _: OfficeId, _: DateTime<Utc>) -> DataResult<Vec<Closure>> {
        Ok(Vec::new())
    }
    async fn hit_rate_limit(&self, key: &str, window_start: DateTime<Utc>) -> DataResult<u32> {
        let mut limits = lock(&self.limits);
        let n = limits.entry((key.to_string(), window_start)).or_default();
        *n += 1;
        Ok(*n)
    }
    async fn load_conversation(
        &self,
        channel: &str,
        sender: &str,
    ) -> DataResult<Option<ConversationRecord>> {
        Ok(lock(&self.conversations)
            .get(&(channel.to_string(), sender.to_string()))
            .cloned())
    }
    async fn save_conversation(&self, record: &ConversationRecord) -> DataResult<()> {
        lock(&self.conversations).insert(
            (record.channel.clone(), record.sender.clone()),
            record.clone(),
        );
        Ok(())
    }
    async fn append_turn(&self, turn: NewTurn) -> DataResult<()> {
        lock(&self.turns).push(turn);
        Ok(())
    }
    async fn create_case(&self, case: NewCase) -> DataResult<Case> {
        let mut cases = lock(&self.cases);
        if let Some(existing) = case.submission_key.as_ref().and_then(|key| {
            cases
                .iter()
                .find(|c| c.submission_key.as_ref() == Some(key))
        }) {
            return Ok(existing.clone());
        }
        let id = CaseId(cases.len() as i64 + 1);
        let stored = Case {
            id,
            number: store::case_number(&case.number_prefix, id),
            kind: case.kind,
            participant_id: case.participant_id,
            family_id: case.family_id,
            office_id: case.office_id,
            channel: case.channel,
            sender: case.sender,
            fields: case.fields,
            status: case.status,
            submission_key: case.submission_key,
            assigned_to: None,
            assigned_at: None,
            first_response_at: None,
            closed_at: None,
            created_at: case.created_at,
            updated_at: case.created_at,
        };
        cases.push(stored.clone());
        Ok(stored)
    }

    fn offers_form_links(&self) -> bool {
        true
    }
    async fn form_link(&self, request: &FormLinkRequest) -> DataResult<Option<String>> {
        let mut links = lock(&self.form_links);
        links.push(request.clone());
        Ok(Some(format!("https://layan.test/f/{}", links.len())))
    }
    async fn agents_work_from(
        &self,
        _: Option<&Office>,
        at: DateTime<Utc>,
    ) -> DataResult<Option<DateTime<Utc>>> {
        Ok(Some(lock(&self.agents_back_at).unwrap_or(at)))
    }
    async fn case_filed(&self, case: &Case) -> DataResult<()> {
        lock(&self.filed).push(case.clone());
        Ok(())
    }
}

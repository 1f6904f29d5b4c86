//! The signed-in participant's own data: `GET /api/v1/me`, `/me/family`, `/me/bills`,
//! `/me/payments`. Everything is computed from the stored ledger by the `jkn` rules, the same
//! functions the assistant and the voice line use.

use crate::api::views::{district_ref, regency_ref, PlaceRef};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use jkn::{
    account_status, reactivation, statement, AccountStatus, Ledger, MonthLine, Payment,
    Reactivation, Rupiah, Segment, YearMonth,
};
use serde::Serialize;
use store::{Family, Participant};

#[derive(Debug, Serialize)]
pub struct StatusView {
    pub active: bool,
    /// "aktif" or "tidak aktif".
    pub label: &'static str,
    /// Why, and what to do next, in Indonesian.
    pub explanation: String,
    pub months_in_arrears: u32,
    pub arrears: Rupiah,
    /// Older unpaid months beyond the 24 that are billed.
    pub months_not_billed: u32,
    pub suspended_since: Option<NaiveDate>,
    pub paid_through: Option<YearMonth>,
}

pub fn status_view(s: &AccountStatus) -> StatusView {
    StatusView {
        active: s.active,
        label: if s.active { "aktif" } else { "tidak aktif" },
        explanation: s.message(),
        months_in_arrears: s.months_in_arrears,
        arrears: s.arrears,
        months_not_billed: s.months_not_billed,
        suspended_since: s.suspended_since,
        paid_through: s.paid_through,
    }
}

/// The status a participant sees: the ledger's, unless a REHAB plan on schedule already
/// reactivates the card (REHAB 2.0 configured to reactivate after the first instalment).
pub fn effective_status(
    status: &AccountStatus,
    rehab: Option<&crate::api::rehab::RegisteredPlan>,
) -> StatusView {
    let mut view = status_view(status);
    if let Some(plan) = rehab.filter(|p| p.progress.card_active && !status.active) {
        view.active = true;
        view.label = "aktif";
        view.explanation = plan.message.clone();
    }
    view
}

/// The participant behind a token, with their family and ledger.
pub struct Account {
    pub participant: Participant,
    pub family: Family,
    pub ledger: Ledger,
    pub today: NaiveDate,
}

/// The account's status as the participant should see it (ledger plus any REHAB plan).
pub async fn status_of(state: &AppState, account: &Account) -> ApiResult<StatusView> {
    let status = account_status(&account.ledger, account.today, &state.rules);
    let plan = state.store.latest_rehab_plan(account.family.id).await?;
    let rehab = plan.map(|p| crate::api::rehab::registered_plan(p, account, &state.rules));
    Ok(effective_status(&status, rehab.as_ref()))
}

pub async fn load_account(state: &AppState, auth: &Authenticated) -> ApiResult<Account> {
    let participant = state
        .store
        .participant(auth.0)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let family = state
        .store
        .family(participant.family_id)
        .await?
        .ok_or_else(|| {
            store::StoreError::Corrupt(format!("participant {} has no family", participant.id))
        })?;
    let ledger = state.store.ledger(family.id).await?;
    let today = state.today_for_district(participant.district_code);
    Ok(Account {
        participant,
        family,
        ledger,
        today,
    })
}

#[derive(Debug, Serialize)]
pub struct FktpView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub since: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub nik: String,
    pub card_number: String,
    pub name: String,
    pub sex: jkn::Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub segment: Segment,
    pub segment_label: &'static str,
    pub class: u8,
    pub relation: store::Relation,
    pub district: PlaceRef,
    pub regency: PlaceRef,
    pub registered_on: NaiveDate,
    pub status: StatusView,
    pub fktp: Option<FktpView>,
}

pub async fn profile(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<Profile>> {
    let account = load_account(&state, &auth).await?;
    let p = &account.participant;
    let status = status_of(&state, &account).await?;
    let fktp = match p.fktp_id {
        Some(id) => state.store.facility(id).await?.map(|f| FktpView {
            id: f.id.0,
            name: f.name,
            address: f.address,
            phone: f.phone,
            since: p.fktp_since,
        }),
        None => None,
    };
    tracing::info!(participant = %p.nik, "participant viewed own profile");
    Ok(Json(Profile {
        nik: p.nik.expose().to_string(),
        card_number: p.card_number.expose().to_string(),
        name: p.name.clone(),
        sex: p.sex,
        birth_date: p.birth_date,
        phone: p.phone.as_ref().map(|m| m.local()),
        email: p.email.clone(),
        segment: p.segment,
        segment_label: p.segment.label(),
        class: p.class.number(),
        relation: p.relation,
        district: district_ref(p.district_code),
        regency: regency_ref(p.regency_code()),
        registered_on: p.registered_on,
        status,
        fktp,
    }))
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    pub name: String,
    pub relation: store::Relation,
    pub relation_label: &'static str,
    pub card_number: String,
    /// Masked for everyone but the signed-in participant.
    pub nik: String,
    pub birth_date: NaiveDate,
    pub is_me: bool,
}

#[derive(Debug, Serialize)]
pub struct FamilyView {
    /// Masked.
    pub family_card: String,
    pub segment: Segment,
    pub class: u8,
    /// One family card is one account: the status applies to every member.
    pub status: StatusView,
    pub members: Vec<MemberView>,
}

pub async fn family(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<FamilyView>> {
    let account = load_account(&state, &auth).await?;
    let members = state.store.family_members(account.family.id).await?;
    let status = status_of(&state, &account).await?;
    Ok(Json(FamilyView {
        family_card: account.family.kk_number.to_string(),
        segment: account.family.segment,
        class: account.family.class.number(),
        status,
        members: members
            .into_iter()
            .map(|m| {
                let is_me = m.id == account.participant.id;
                MemberView {
                    nik: if is_me {
                        m.nik.expose().to_string()
                    } else {
                        m.nik.to_string()
                    },
                    card_number: m.card_number.expose().to_string(),
                    relation_label: m.relation.label(),
                    name: m.name,
                    relation: m.relation,
                    birth_date: m.birth_date,
                    is_me,
                }
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize)]
pub struct BillsView {
    pub as_of: NaiveDate,
    pub segment: Segment,
    pub class: u8,
    pub members: usize,
    /// Where PBPU/BP families pay (bank transfer, minimarket, app...).
    pub virtual_account: String,
    pub status: StatusView,
    /// Every billed month, oldest first, with what was paid and what is still owed.
    pub months: Vec<MonthLine>,
    pub current_month: Option<YearMonth>,
    pub current_month_due: Rupiah,
    pub current_month_due_by: Option<NaiveDate>,
    /// What to pay now to make the card active (arrears at most 24 months plus this month).
    pub reactivation: Reactivation,
    pub last_payment: Option<Payment>,
    pub credit: Rupiah,
    /// The registered REHAB plan with its progress, if any.
    pub rehab: Option<crate::api::rehab::RegisteredPlan>,
}

pub async fn bills(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<BillsView>> {
    let account = load_account(&state, &auth).await?;
    let members = state.store.family_members(account.family.id).await?.len();
    let plan = state.store.latest_rehab_plan(account.family.id).await?;
    let rehab = plan.map(|p| crate::api::rehab::registered_plan(p, &account, &state.rules));
    let status = account_status(&account.ledger, account.today, &state.rules);
    let months = statement(&account.ledger, account.today, &state.rules).months;
    Ok(Json(BillsView {
        as_of: account.today,
        segment: account.family.segment,
        class: account.family.class.number(),
        members,
        virtual_account: account.family.virtual_account.clone(),
        months,
        current_month: status.current_month,
        current_month_due: status.current_month_due,
        current_month_due_by: status.current_month_due_by,
        reactivation: reactivation(&account.ledger, account.today, &state.rules),
        last_payment: status.last_payment.clone(),
        credit: status.credit,
        status: effective_status(&status, rehab.as_ref()),
        rehab,
    }))
}

#[derive(Debug, Serialize)]
pub struct PaymentsView {
    /// Newest first.
    pub payments: Vec<Payment>,
}

pub async fn payments(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<PaymentsView>> {
    let account = load_account(&state, &auth).await?;
    let mut payments = account.ledger.payments;
    payments.sort_by(|a, b| b.paid_on.cmp(&a.paid_on).then(b.id.cmp(&a.id)));
    Ok(Json(PaymentsView { payments }))
}

//! Rows to records. Everything read is parsed into the domain types; a value that does not
//! parse is `StoreError::Corrupt`, named by its column but never quoted (it may be a NIK).

use crate::error::corrupt;
use cases::CaseStatus;
use chrono::{DateTime, NaiveDate, Utc};
use directory::{FacilityKind, HospitalClass, Tier, WeeklyHours};
use jkn::{
    BilledMonth, CardNumber, CareClass, FamilyCardNumber, Msisdn, Nik, Payment, PaymentChannel,
    Rupiah, Segment, Sex, YearMonth,
};
use store::{
    AgentId, Broadcast, BroadcastId, BroadcastState, Case, CaseId, Closure, ClosureId, Facility,
    FacilityId, Family, FamilyId, InboxId, Login, Office, OfficeId, Outbound, OutboundId,
    Participant, ParticipantId, Relation, StoreError,
};
use tokio_postgres::types::FromSql;
use tokio_postgres::Row;
use wilayah::TimeZone;

type Result<T> = std::result::Result<T, StoreError>;

/// The instant as the store keeps it (whole milliseconds, like the SQLite backend), so that
/// what a write returns equals what a later read gives on either backend.
pub(crate) fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// One column of a multi-row statement (`unnest($n::type[])`): `f` of each item, in order.
pub(crate) fn column<'a, T, U>(items: &[&'a T], f: impl Fn(&'a T) -> U) -> Vec<U> {
    items.iter().map(|item| f(item)).collect()
}

/// The one id a multi-row insert of one row returned.
pub(crate) fn only_id<T>(ids: Vec<T>, col: &str) -> Result<T> {
    ids.into_iter()
        .next()
        .ok_or_else(|| corrupt(col, "no id returned for the row"))
}

pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize, col: &str) -> Result<T> {
    row.try_get(i).map_err(|e| corrupt(col, e))
}

fn narrow<T: TryFrom<i64>>(v: impl Into<i64>, col: &str) -> Result<T> {
    let v = v.into();
    T::try_from(v).map_err(|_| corrupt(col, format!("{v} out of range")))
}

pub(crate) fn month(n: i32, col: &str) -> Result<YearMonth> {
    YearMonth::from_number(n).ok_or_else(|| corrupt(col, format!("{n} is not a month")))
}

fn segment(s: &str, col: &str) -> Result<Segment> {
    Segment::parse(s).map_err(|e| corrupt(col, e))
}

fn class(n: i32, col: &str) -> Result<CareClass> {
    CareClass::try_from(narrow::<u8>(n, col)?).map_err(|e| corrupt(col, e))
}

fn hours(s: &str, col: &str) -> Result<WeeklyHours> {
    WeeklyHours::parse_spec(s).map_err(|e| corrupt(col, e))
}

fn msisdn(s: &str, col: &str) -> Result<Msisdn> {
    Msisdn::parse(s).map_err(|e| corrupt(col, e))
}

macro_rules! participant_cols {
    () => {
        "id, family_id, relation, nik, card_number, name, sex, birth_date, phone, email, \
         district_code, segment, class, class_since, fktp_id, fktp_since, registered_on"
    };
}
pub(crate) use participant_cols;

pub(crate) fn participant(row: &Row) -> Result<Participant> {
    Ok(Participant {
        id: ParticipantId(get(row, 0, "participants.id")?),
        family_id: FamilyId(get(row, 1, "participants.family_id")?),
        relation: Relation::from_code(get(row, 2, "participants.relation")?)
            .ok_or_else(|| corrupt("participants.relation", "unknown code"))?,
        nik: Nik::parse(get(row, 3, "participants.nik")?)
            .map_err(|e| corrupt("participants.nik", e))?,
        card_number: CardNumber::parse(get(row, 4, "participants.card_number")?)
            .map_err(|e| corrupt("participants.card_number", e))?,
        name: get(row, 5, "participants.name")?,
        sex: Sex::from_code(get(row, 6, "participants.sex")?)
            .ok_or_else(|| corrupt("participants.sex", "unknown code"))?,
        birth_date: get(row, 7, "participants.birth_date")?,
        phone: get::<Option<&str>>(row, 8, "participants.phone")?
            .map(|s| msisdn(s, "participants.phone"))
            .transpose()?,
        email: get(row, 9, "participants.email")?,
        district_code: narrow(
            get::<i32>(row, 10, "participants.district_code")?,
            "participants.district_code",
        )?,
        segment: segment(
            get(row, 11, "participants.segment")?,
            "participants.segment",
        )?,
        class: class(get(row, 12, "participants.class")?, "participants.class")?,
        class_since: get(row, 13, "participants.class_since")?,
        fktp_id: get::<Option<i64>>(row, 14, "participants.fktp_id")?.map(FacilityId),
        fktp_since: get::<Option<NaiveDate>>(row, 15, "participants.fktp_since")?,
        registered_on: get(row, 16, "participants.registered_on")?,
    })
}

macro_rules! family_cols {
    () => {
        "id, kk_number, segment, class, virtual_account, wage, employer, district_code"
    };
}
pub(crate) use family_cols;

pub(crate) fn family(row: &Row) -> Result<Family> {
    Ok(Family {
        id: FamilyId(get(row, 0, "families.id")?),
        kk_number: FamilyCardNumber::parse(get(row, 1, "families.kk_number")?)
            .map_err(|e| corrupt("families.kk_number", e))?,
        segment: segment(get(row, 2, "families.segment")?, "families.segment")?,
        class: class(get(row, 3, "families.class")?, "families.class")?,
        virtual_account: get(row, 4, "families.virtual_account")?,
        wage: get::<Option<i64>>(row, 5, "families.wage")?.map(Rupiah),
        employer: get(row, 6, "families.employer")?,
        district_code: narrow(
            get::<i32>(row, 7, "families.district_code")?,
            "families.district_code",
        )?,
    })
}

pub(crate) fn bill(row: &Row) -> Result<BilledMonth> {
    Ok(BilledMonth {
        period: month(get(row, 0, "bills.period")?, "bills.period")?,
        amount: Rupiah(get(row, 1, "bills.amount")?),
        subsidy: Rupiah(get(row, 2, "bills.subsidy")?),
        members: narrow(get::<i32>(row, 3, "bills.members")?, "bills.members")?,
    })
}

pub(crate) fn payment(row: &Row) -> Result<Payment> {
    Ok(Payment {
        id: get(row, 0, "payments.id")?,
        paid_on: get(row, 1, "payments.paid_on")?,
        channel: PaymentChannel::from_code(get(row, 2, "payments.channel")?)
            .ok_or_else(|| corrupt("payments.channel", "unknown code"))?,
        amount: Rupiah(get(row, 3, "payments.amount")?),
        for_period: get::<Option<i32>>(row, 4, "payments.for_period")?
            .map(|n| month(n, "payments.for_period"))
            .transpose()?,
    })
}

macro_rules! facility_cols {
    () => {
        "id, code, name, kind, tier, hospital_class, regency_code, district_code, address, \
         latitude, longitude, phone, hours, polyclinics"
    };
}
pub(crate) use facility_cols;

pub(crate) fn facility(row: &Row) -> Result<Facility> {
    Ok(Facility {
        id: FacilityId(get(row, 0, "facilities.id")?),
        code: get(row, 1, "facilities.code")?,
        name: get(row, 2, "facilities.name")?,
        kind: FacilityKind::from_code(get(row, 3, "facilities.kind")?)
            .ok_or_else(|| corrupt("facilities.kind", "unknown code"))?,
        tier: Tier::from_code(get(row, 4, "facilities.tier")?)
            .ok_or_else(|| corrupt("facilities.tier", "unknown code"))?,
        hospital_class: get::<Option<&str>>(row, 5, "facilities.hospital_class")?
            .map(|s| {
                HospitalClass::from_code(s)
                    .ok_or_else(|| corrupt("facilities.hospital_class", "unknown code"))
            })
            .transpose()?,
        regency_code: narrow(
            get::<i32>(row, 6, "facilities.regency_code")?,
            "facilities.regency_code",
        )?,
        district_code: narrow(
            get::<i32>(row, 7, "facilities.district_code")?,
            "facilities.district_code",
        )?,
        address: get(row, 8, "facilities.address")?,
        latitude: get(row, 9, "facilities.latitude")?,
        longitude: get(row, 10, "facilities.longitude")?,
        phone: get(row, 11, "facilities.phone")?,
        hours: hours(get(row, 12, "facilities.hours")?, "facilities.hours")?,
        polyclinics: get(row, 13, "facilities.polyclinics")?,
    })
}

/// Offices come with their regencies aggregated into the last column, in one statement.
macro_rules! office_select {
    () => {
        "SELECT o.id, o.code, o.name, o.address, o.latitude, o.longitude, o.phone, o.whatsapp, \
         o.hours, o.timezone, COALESCE((SELECT array_agg(r.regency_code ORDER BY r.position) \
         FROM office_regencies r WHERE r.office_id = o.id), '{}') FROM offices o "
    };
}
pub(crate) use office_select;

pub(crate) fn office(row: &Row) -> Result<Office> {
    let tz: &str = get(row, 9, "offices.timezone")?;
    let regencies: Vec<i32> = get(row, 10, "office_regencies.regency_code")?;
    Ok(Office {
        id: OfficeId(get(row, 0, "offices.id")?),
        code: get(row, 1, "offices.code")?,
        name: get(row, 2, "offices.name")?,
        regencies: regencies
            .into_iter()
            .map(|c| narrow(c, "office_regencies.regency_code"))
            .collect::<Result<_>>()?,
        address: get(row, 3, "offices.address")?,
        latitude: get(row, 4, "offices.latitude")?,
        longitude: get(row, 5, "offices.longitude")?,
        phone: get(row, 6, "offices.phone")?,
        whatsapp: get::<Option<&str>>(row, 7, "offices.whatsapp")?
            .map(|s| msisdn(s, "offices.whatsapp"))
            .transpose()?,
        hours: hours(get(row, 8, "offices.hours")?, "offices.hours")?,
        timezone: TimeZone::from_iana(tz)
            .ok_or_else(|| corrupt("offices.timezone", format!("unknown zone {tz}")))?,
    })
}

macro_rules! closure_cols {
    () => {
        "id, office_id, starts_at, ends_at, reason, message, alternatives, created_at, created_by, \
         cancelled_at"
    };
}
pub(crate) use closure_cols;

pub(crate) fn closure(row: &Row) -> Result<Closure> {
    Ok(Closure {
        id: ClosureId(get(row, 0, "closures.id")?),
        office_id: OfficeId(get(row, 1, "closures.office_id")?),
        starts_at: get(row, 2, "closures.starts_at")?,
        ends_at: get(row, 3, "closures.ends_at")?,
        reason: get(row, 4, "closures.reason")?,
        message: get(row, 5, "closures.message")?,
        alternatives: get(row, 6, "closures.alternatives")?,
        created_at: get(row, 7, "closures.created_at")?,
        created_by: get(row, 8, "closures.created_by")?,
        cancelled_at: get(row, 9, "closures.cancelled_at")?,
    })
}

macro_rules! login_cols {
    () => {
        "id, participant_id, code_hash, expires_at, attempts, consumed, created_at"
    };
}
pub(crate) use login_cols;

pub(crate) fn login(row: &Row) -> Result<Login> {
    Ok(Login {
        id: get(row, 0, "logins.id")?,
        participant_id: ParticipantId(get(row, 1, "logins.participant_id")?),
        code_hash: get(row, 2, "logins.code_hash")?,
        expires_at: get(row, 3, "logins.expires_at")?,
        attempts: narrow(get::<i32>(row, 4, "logins.attempts")?, "logins.attempts")?,
        consumed: get(row, 5, "logins.consumed")?,
        created_at: get(row, 6, "logins.created_at")?,
    })
}

macro_rules! outbound_cols {
    () => {
        "id, channel, recipient, purpose, body, status, created_at, request, attempts, \
         next_attempt_at, provider_message_id, error_code, error_reason, updated_at, inbox_id"
    };
}
pub(crate) use outbound_cols;

pub(crate) fn outbound(row: &Row) -> Result<Outbound> {
    let request = get::<Option<&str>>(row, 7, "outbound.request")?
        .map(|json| serde_json::from_str(json).map_err(|e| corrupt("outbound.request", e)))
        .transpose()?;
    Ok(Outbound {
        id: OutboundId(get(row, 0, "outbound.id")?),
        channel: get(row, 1, "outbound.channel")?,
        recipient: get(row, 2, "outbound.recipient")?,
        purpose: get(row, 3, "outbound.purpose")?,
        body: get(row, 4, "outbound.body")?,
        status: get(row, 5, "outbound.status")?,
        created_at: get(row, 6, "outbound.created_at")?,
        request,
        attempts: narrow(
            get::<i32>(row, 8, "outbound.attempts")?,
            "outbound.attempts",
        )?,
        next_attempt_at: get(row, 9, "outbound.next_attempt_at")?,
        provider_message_id: get(row, 10, "outbound.provider_message_id")?,
        error_code: get(row, 11, "outbound.error_code")?,
        error_reason: get(row, 12, "outbound.error_reason")?,
        updated_at: get(row, 13, "outbound.updated_at")?,
        inbox_id: get::<Option<i64>>(row, 14, "outbound.inbox_id")?.map(InboxId),
    })
}

macro_rules! case_cols {
    () => {
        "id, number, kind, participant_id, family_id, office_id, channel, sender, fields, \
         status, submission_key, assigned_to, assigned_at, first_response_at, closed_at, \
         created_at, updated_at"
    };
}
pub(crate) use case_cols;

pub(crate) fn case_status(s: &str, col: &str) -> Result<CaseStatus> {
    s.parse().map_err(|e| corrupt(col, e))
}

/// A row selected with [`case_cols`].
pub(crate) fn case(row: &Row) -> Result<Case> {
    let fields: &str = get(row, 8, "cases.fields")?;
    Ok(Case {
        id: CaseId(get(row, 0, "cases.id")?),
        number: get(row, 1, "cases.number")?,
        kind: get(row, 2, "cases.kind")?,
        participant_id: get::<Option<i64>>(row, 3, "cases.participant_id")?.map(ParticipantId),
        family_id: get::<Option<i64>>(row, 4, "cases.family_id")?.map(FamilyId),
        office_id: get::<Option<i64>>(row, 5, "cases.office_id")?.map(OfficeId),
        channel: get(row, 6, "cases.channel")?,
        sender: get(row, 7, "cases.sender")?,
        fields: serde_json::from_str(fields).map_err(|e| corrupt("cases.fields", e))?,
        status: case_status(get(row, 9, "cases.status")?, "cases.status")?,
        submission_key: get(row, 10, "cases.submission_key")?,
        assigned_to: get::<Option<i64>>(row, 11, "cases.assigned_to")?.map(AgentId),
        assigned_at: get(row, 12, "cases.assigned_at")?,
        first_response_at: get(row, 13, "cases.first_response_at")?,
        closed_at: get(row, 14, "cases.closed_at")?,
        created_at: get(row, 15, "cases.created_at")?,
        updated_at: get(row, 16, "cases.updated_at")?,
    })
}

macro_rules! broadcast_cols {
    () => {
        "id, kind, office_id, audience, title, text, template_params, state, total, created_by, \
         created_at, updated_at"
    };
}
pub(crate) use broadcast_cols;

pub(crate) fn broadcast_state(s: &str) -> Result<BroadcastState> {
    BroadcastState::parse(s)
        .ok_or_else(|| corrupt("broadcasts.state", format!("unknown state '{s}'")))
}

/// A row selected with [`broadcast_cols`].
pub(crate) fn broadcast(row: &Row) -> Result<Broadcast> {
    let state: &str = get(row, 7, "broadcasts.state")?;
    let kind: &str = get(row, 1, "broadcasts.kind")?;
    let audience: &str = get(row, 3, "broadcasts.audience")?;
    let params: &str = get(row, 6, "broadcasts.template_params")?;
    Ok(Broadcast {
        id: BroadcastId(get(row, 0, "broadcasts.id")?),
        kind: serde_json::from_str(kind).map_err(|e| corrupt("broadcasts.kind", e))?,
        office_id: get::<Option<i64>>(row, 2, "broadcasts.office_id")?.map(OfficeId),
        audience: serde_json::from_str(audience).map_err(|e| corrupt("broadcasts.audience", e))?,
        title: get(row, 4, "broadcasts.title")?,
        text: get(row, 5, "broadcasts.text")?,
        template_params: serde_json::from_str(params)
            .map_err(|e| corrupt("broadcasts.template_params", e))?,
        state: broadcast_state(state)?,
        total: narrow(get::<i64>(row, 8, "broadcasts.total")?, "broadcasts.total")?,
        created_by: get(row, 9, "broadcasts.created_by")?,
        created_at: get(row, 10, "broadcasts.created_at")?,
        updated_at: get(row, 11, "broadcasts.updated_at")?,
    })
}

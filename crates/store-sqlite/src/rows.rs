//! Rows to records and back. Everything read is parsed into the domain types; a value that does
//! not parse is `StoreError::Corrupt`, named by its column but never quoted (it may be a NIK).

use crate::error::{corrupt, map};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use directory::{FacilityKind, HospitalClass, Tier, WeeklyHours};
use jkn::{
    CardNumber, CareClass, FamilyCardNumber, Msisdn, Nik, PaymentChannel, Rupiah, Segment, Sex,
    YearMonth,
};
use rusqlite::types::ValueRef;
use rusqlite::Row;
use store::{
    Broadcast, BroadcastId, BroadcastState, Closure, ClosureId, Facility, FacilityId, Family,
    FamilyId, InboxId, Login, Office, OfficeId, Outbound, OutboundId, Participant, ParticipantId,
    Relation, StoreError,
};
use wilayah::TimeZone;

type Result<T> = std::result::Result<T, StoreError>;

// ---- writing ---------------------------------------------------------------------------

/// `YYYY-MM-DD` without going through a formatter: the import writes millions of dates.
pub(crate) fn iso_date(d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&y) {
        let y = y as u32;
        let digits = [
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (day / 10) as u8,
            b'0' + (day % 10) as u8,
        ];
        digits.iter().map(|b| *b as char).collect()
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant as the store keeps it (whole milliseconds), so that what a write returns equals
/// what a later read gives.
pub(crate) fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

pub(crate) fn json_list(items: &[String]) -> Result<String> {
    serde_json::to_string(items).map_err(|e| StoreError::Other(format!("encoding a list: {e}")))
}

// ---- reading ---------------------------------------------------------------------------

fn text<'r>(row: &'r Row<'_>, i: usize, col: &str) -> Result<&'r str> {
    match row.get_ref(i).map_err(map)? {
        ValueRef::Text(b) => std::str::from_utf8(b).map_err(|e| corrupt(col, e)),
        _ => Err(corrupt(col, "expected text")),
    }
}

fn opt_text<'r>(row: &'r Row<'_>, i: usize, col: &str) -> Result<Option<&'r str>> {
    match row.get_ref(i).map_err(map)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(b) => std::str::from_utf8(b)
            .map(Some)
            .map_err(|e| corrupt(col, e)),
        _ => Err(corrupt(col, "expected text")),
    }
}

fn int(row: &Row<'_>, i: usize) -> Result<i64> {
    row.get::<_, i64>(i).map_err(map)
}

fn opt_int(row: &Row<'_>, i: usize) -> Result<Option<i64>> {
    row.get::<_, Option<i64>>(i).map_err(map)
}

fn real(row: &Row<'_>, i: usize) -> Result<f64> {
    row.get::<_, f64>(i).map_err(map)
}

fn narrow<T: TryFrom<i64>>(v: i64, col: &str) -> Result<T> {
    T::try_from(v).map_err(|_| corrupt(col, format!("{v} out of range")))
}

pub(crate) fn parse_date(s: &str, col: &str) -> Result<NaiveDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                return Ok(date);
            }
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(col, e))
}

fn date(row: &Row<'_>, i: usize, col: &str) -> Result<NaiveDate> {
    parse_date(text(row, i, col)?, col)
}

fn opt_date(row: &Row<'_>, i: usize, col: &str) -> Result<Option<NaiveDate>> {
    opt_text(row, i, col)?
        .map(|s| parse_date(s, col))
        .transpose()
}

pub(crate) fn instant(ms: i64, col: &str) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(col, format!("{ms} ms out of range")))
}

fn json(row: &Row<'_>, i: usize, col: &str) -> Result<Vec<String>> {
    serde_json::from_str(text(row, i, col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn month(n: i64, col: &str) -> Result<YearMonth> {
    YearMonth::from_number(narrow(n, col)?)
        .ok_or_else(|| corrupt(col, format!("{n} is not a month")))
}

pub(crate) fn channel(s: &str) -> Result<PaymentChannel> {
    PaymentChannel::from_code(s).ok_or_else(|| corrupt("payments.channel", "unknown code"))
}

fn segment(s: &str, col: &str) -> Result<Segment> {
    Segment::parse(s).map_err(|e| corrupt(col, e))
}

fn class(n: i64, col: &str) -> Result<CareClass> {
    CareClass::try_from(narrow::<u8>(n, col)?).map_err(|e| corrupt(col, e))
}

fn hours(s: &str, col: &str) -> Result<WeeklyHours> {
    WeeklyHours::parse_spec(s).map_err(|e| corrupt(col, e))
}

fn msisdn(s: &str, col: &str) -> Result<Msisdn> {
    Msisdn::parse(s).map_err(|e| corrupt(col, e))
}

pub(crate) const PARTICIPANT_COLS: &str = "id, family_id, relation, nik, card_number, name, sex, \
     birth_date, phone, email, district_code, segment, class, class_since, fktp_id, fktp_since, \
     registered_on";

pub(crate) fn participant(row: &Row<'_>) -> Result<Participant> {
    Ok(Participant {
        id: ParticipantId(int(row, 0)?),
        family_id: FamilyId(int(row, 1)?),
        relation: Relation::from_code(text(row, 2, "participants.relation")?)
            .ok_or_else(|| corrupt("participants.relation", "unknown code"))?,
        nik: Nik::parse(text(row, 3, "participants.nik")?)
            .map_err(|e| corrupt("participants.nik", e))?,
        card_number: CardNumber::parse(text(row, 4, "participants.card_number")?)
            .map_err(|e| corrupt("participants.card_number", e))?,
        name: text(row, 5, "participants.name")?.to_owned(),
        sex: Sex::from_code(text(row, 6, "participants.sex")?)
            .ok_or_else(|| corrupt("participants.sex", "unknown code"))?,
        birth_date: date(row, 7, "participants.birth_date")?,
        phone: opt_text(row, 8, "participants.phone")?
            .map(|s| msisdn(s, "participants.phone"))
            .transpose()?,
        email: opt_text(row, 9, "participants.email")?.map(str::to_owned),
        district_code: narrow(int(row, 10)?, "participants.district_code")?,
        segment: segment(
            text(row, 11, "participants.segment")?,
            "participants.segment",
        )?,
        class: class(int(row, 12)?, "participants.class")?,
        class_since: date(row, 13, "participants.class_since")?,
        fktp_id: opt_int(row, 14)?.map(FacilityId),
        fktp_since: opt_date(row, 15, "participants.fktp_since")?,
        registered_on: date(row, 16, "participants.registered_on")?,
    })
}

pub(crate) const FAMILY_COLS: &str =
    "id, kk_number, segment, class, virtual_account, wage, employer, district_code";

pub(crate) fn family(row: &Row<'_>) -> Result<Family> {
    Ok(Family {
        id: FamilyId(int(row, 0)?),
        kk_number: FamilyCardNumber::parse(text(row, 1, "families.kk_number")?)
            .map_err(|e| corrupt("families.kk_number", e))?,
        segment: segment(text(row, 2, "families.segment")?, "families.segment")?,
        class: class(int(row, 3)?, "families.class")?,
        virtual_account: text(row, 4, "families.virtual_account")?.to_owned(),
        wage: opt_int(row, 5)?.map(Rupiah),
        employer: opt_text(row, 6, "families.employer")?.map(str::to_owned),
        district_code: narrow(int(row, 7)?, "families.district_code")?,
    })
}

pub(crate) const FACILITY_COLS: &str = "id, code, name, kind, tier, hospital_class, regency_code, \
     district_code, address, latitude, longitude, phone, hours, polyclinics";

pub(crate) fn facility(row: &Row<'_>) -> Result<Facility> {
    Ok(Facility {
        id: FacilityId(int(row, 0)?),
        code: text(row, 1, "facilities.code")?.to_owned(),
        name: text(row, 2, "facilities.name")?.to_owned(),
        kind: FacilityKind::from_code(text(row, 3, "facilities.kind")?)
            .ok_or_else(|| corrupt("facilities.kind", "unknown code"))?,
        tier: Tier::from_code(text(row, 4, "facilities.tier")?)
            .ok_or_else(|| corrupt("facilities.tier", "unknown code"))?,
        hospital_class: opt_text(row, 5, "facilities.hospital_class")?
            .map(|s| {
                HospitalClass::from_code(s)
                    .ok_or_else(|| corrupt("facilities.hospital_class", "unknown code"))
            })
            .transpose()?,
        regency_code: narrow(int(row, 6)?, "facilities.regency_code")?,
        district_code: narrow(int(row, 7)?, "facilities.district_code")?,
        address: text(row, 8, "facilities.address")?.to_owned(),
        latitude: real(row, 9)?,
        longitude: real(row, 10)?,
        phone: text(row, 11, "facilities.phone")?.to_owned(),
        hours: hours(text(row, 12, "facilities.hours")?, "facilities.hours")?,
        polyclinics: json(row, 13, "facilities.polyclinics")?,
    })
}

pub(crate) const OFFICE_COLS: &str =
    "id, code, name, address, latitude, longitude, phone, whatsapp, hours, timezone";

/// An office without its regencies, which come from `office_regencies`.
pub(crate) fn office(row: &Row<'_>) -> Result<Office> {
    let tz = text(row, 9, "offices.timezone")?;
    Ok(Office {
        id: OfficeId(int(row, 0)?),
        code: text(row, 1, "offices.code")?.to_owned(),
        name: text(row, 2, "offices.name")?.to_owned(),
        regencies: Vec::new(),
        address: text(row, 3, "offices.address")?.to_owned(),
        latitude: real(row, 4)?,
        longitude: real(row, 5)?,
        phone: text(row, 6, "offices.phone")?.to_owned(),
        whatsapp: opt_text(row, 7, "offices.whatsapp")?
            .map(|s| msisdn(s, "offices.whatsapp"))
            .transpose()?,
        hours: hours(text(row, 8, "offices.hours")?, "offices.hours")?,
        timezone: TimeZone::from_iana(tz)
            .ok_or_else(|| corrupt("offices.timezone", format!("unknown zone {tz}")))?,
    })
}

pub(crate) const CLOSURE_COLS: &str =
    "id, office_id, starts_at, ends_at, reason, message, alternatives, created_at, created_by, \
     cancelled_at";

pub(crate) fn closure(row: &Row<'_>) -> Result<Closure> {
    Ok(Closure {
        id: ClosureId(int(row, 0)?),
        office_id: OfficeId(int(row, 1)?),
        starts_at: instant(int(row, 2)?, "closures.starts_at")?,
        ends_at: instant(int(row, 3)?, "closures.ends_at")?,
        reason: text(row, 4, "closures.reason")?.to_owned(),
        message: text(row, 5, "closures.message")?.to_owned(),
        alternatives: json(row, 6, "closures.alternatives")?,
        created_at: instant(int(row, 7)?, "closures.created_at")?,
        created_by: text(row, 8, "closures.created_by")?.to_owned(),
        cancelled_at: opt_int(row, 9)?
            .map(|v| instant(v, "closures.cancelled_at"))
            .transpose()?,
    })
}

pub(crate) const BROADCAST_COLS: &str = "id, kind, office_id, audience, title, text, \
     template_params, state, total, created_by, created_at, updated_at";

/// A row selected with [`BROADCAST_COLS`].
pub(crate) fn broadcast(row: &Row<'_>) -> Result<Broadcast> {
    let state = text(row, 7, "broadcasts.state")?;
    Ok(Broadcast {
        id: BroadcastId(int(row, 0)?),
        kind: serde_json::from_str(text(row, 1, "broadcasts.kind")?)
            .map_err(|e| corrupt("broadcasts.kind", e))?,
        office_id: opt_int(row, 2)?.map(OfficeId),
        audience: serde_json::from_str(text(row, 3, "broadcasts.audience")?)
            .map_err(|e| corrupt("broadcasts.audience", e))?,
        title: text(row, 4, "broadcasts.title")?.to_owned(),
        text: text(row, 5, "broadcasts.text")?.to_owned(),
        template_params: json(row, 6, "broadcasts.template_params")?,
        state: BroadcastState::parse(state).ok_or_else(|| corrupt("broadcasts.state", state))?,
        total: int(row, 8)?.max(0) as u64,
        created_by: text(row, 9, "broadcasts.created_by")?.to_owned(),
        created_at: instant(int(row, 10)?, "broadcasts.created_at")?,
        updated_at: instant(int(row, 11)?, "broadcasts.updated_at")?,
    })
}

pub(crate) const LOGIN_COLS: &str =
    "id, participant_id, code_hash, expires_at, attempts, consumed, created_at";

pub(crate) fn login(row: &Row<'_>) -> Result<Login> {
    Ok(Login {
        id: text(row, 0, "logins.id")?.to_owned(),
        participant_id: ParticipantId(int(row, 1)?),
        code_hash: text(row, 2, "logins.code_hash")?.to_owned(),
        expires_at: instant(int(row, 3)?, "logins.expires_at")?,
        attempts: narrow(int(row, 4)?, "logins.attempts")?,
        consumed: int(row, 5)? != 0,
        created_at: instant(int(row, 6)?, "logins.created_at")?,
    })
}

pub(crate) const OUTBOUND_COLS: &str = "id, channel, recipient, purpose, body, status, created_at, \
     request, attempts, next_attempt_at, provider_message_id, error_code, error_reason, updated_at, \
     inbox_id";

pub(crate) fn outbound(row: &Row<'_>) -> Result<Outbound> {
    let request = match opt_text(row, 7, "outbound.request")? {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| corrupt("outbound.request", e))?),
        None => None,
    };
    Ok(Outbound {
        id: OutboundId(int(row, 0)?),
        channel: text(row, 1, "outbound.channel")?.to_owned(),
        recipient: text(row, 2, "outbound.recipient")?.to_owned(),
        purpose: text(row, 3, "outbound.purpose")?.to_owned(),
        body: text(row, 4, "outbound.body")?.to_owned(),
        status: text(row, 5, "outbound.status")?.to_owned(),
        created_at: instant(int(row, 6)?, "outbound.created_at")?,
        request,
        attempts: narrow(int(row, 8)?, "outbound.attempts")?,
        next_attempt_at: instant(int(row, 9)?, "outbound.next_attempt_at")?,
        provider_message_id: opt_text(row, 10, "outbound.provider_message_id")?.map(str::to_owned),
        error_code: opt_text(row, 11, "outbound.error_code")?.map(str::to_owned),
        error_reason: opt_text(row, 12, "outbound.error_reason")?.map(str::to_owned),
        updated_at: instant(int(row, 13)?, "outbound.updated_at")?,
        inbox_id: opt_int(row, 14)?.map(InboxId),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_round_trip() {
        for (y, m, d) in [(1930, 1, 1), (2026, 11, 23), (2000, 2, 29), (9, 3, 4)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            let s = iso_date(date);
            assert_eq!(s, date.format("%Y-%m-%d").to_string());
            assert_eq!(parse_date(&s, "t").ok(), Some(date));
        }
        assert!(parse_date("2026-02-30", "t").is_err());
        assert!(parse_date("kemarin", "t").is_err());
    }
}

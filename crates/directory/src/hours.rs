//! Opening hours in a place's own time zone, with public holidays and declared closures.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;
use wilayah::TimeZone;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("jam buka '{0}' tidak valid; tulis 7 hari Senin-Minggu, misalnya 08:00-15:00,...,-,-")]
pub struct HoursError(pub String);

/// One day's opening: from `open` to `close`, in minutes after local midnight
/// (`close` may be 1440 for "until midnight").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub open: u16,
    pub close: u16,
}

impl DayHours {
    pub fn new(open: u16, close: u16) -> Option<Self> {
        (open < close && close <= 1440).then_some(DayHours { open, close })
    }

    fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('-')?;
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once([':', '.'])?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
        };
        DayHours::new(minutes(a)?, minutes(b)?)
    }
}

impl fmt::Display for DayHours {
    /// Indonesian style: `08.00-15.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}.{:02}-{:02}.{:02}",
            self.open / 60,
            self.open % 60,
            self.close / 60,
            self.close % 60
        )
    }
}

/// Opening hours for each weekday, Monday first. A day without hours is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Option<DayHours>; 7],
}

pub const WEEKDAYS_ID: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

impl WeeklyHours {
    pub fn new(days: [Option<DayHours>; 7]) -> Self {
        WeeklyHours { days }
    }

    /// Monday to Friday with the same hours, closed at the weekend.
    pub fn weekdays(open: u16, close: u16) -> Self {
        let day = DayHours::new(open, close);
        WeeklyHours {
            days: [day, day, day, day, day, None, None],
        }
    }

    /// Open around the clock (emergency departments, some pharmacies).
    pub fn always() -> Self {
        WeeklyHours {
            days: [Some(DayHours {
                open: 0,
                close: 1440,
            }); 7],
        }
    }

    pub fn day(&self, weekday: chrono::Weekday) -> Option<DayHours> {
        self.days[weekday.num_days_from_monday() as usize]
    }

    pub fn days(&self) -> &[Option<DayHours>; 7] {
        &self.days
    }

    /// The storage form: seven comma-separated entries, Monday first, `-` for closed:
    /// `08:00-15:00,08:00-15:00,08:00-15:00,08:00-15:00,08:00-15:00,-,-`.
    pub fn to_spec(&self) -> String {
        self.days
            .iter()
            .map(|d| match d {
                Some(h) => format!(
                    "{:02}:{:02}-{:02}:{:02}",
                    h.open / 60,
                    h.open % 60,
                    h.close / 60,
                    h.close % 60
                ),
                None => "-".to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn parse_spec(spec: &str) -> Result<Self, HoursError> {
        let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
        if parts.len() != 7 {
            return Err(HoursError(spec.to_string()));
        }
        let mut days = [None; 7];
        for (slot, part) in days.iter_mut().zip(parts) {
            if part != "-" {
                *slot = Some(DayHours::parse(part).ok_or_else(|| HoursError(spec.to_string()))?);
            }
        }
        Ok(WeeklyHours { days })
    }
}

impl Serialize for WeeklyHours {
    /// As a map a client can show directly: `{"Senin": "08.00-15.00", "Sabtu": null, ...}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(7))?;
        for (name, day) in WEEKDAYS_ID.iter().zip(self.days.iter()) {
            map.serialize_entry(name, &day.map(|d| d.to_string()))?;
        }
        map.end()
    }
}

/// A declared closure (for example a lockdown after a positive test), in absolute time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosureWindow {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl ClosureWindow {
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.starts_at <= t && t < self.ends_at
    }
}

/// Whether a place is open at a moment, and when it next opens or closes, in local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenState {
    pub open_now: bool,
    /// When open: the time it closes today (or when a closure starts, if sooner).
    pub closes_at: Option<DateTime<FixedOffset>>,
    /// When closed: the next moment it opens, if within the search horizon.
    pub next_opening: Option<DateTime<FixedOffset>>,
    /// The index (in the `closures` given) of a closure in force now.
    pub closed_by: Option<usize>,
}

/// How far ahead to look for the next opening; longer closures are reported without one.
const HORIZON_DAYS: i64 = 120;

pub fn offset(tz: TimeZone) -> FixedOffset {
    match FixedOffset::east_opt(tz.utc_offset_seconds()) {
        Some(o) => o,
        None => unreachable!("offsets of 7 to 9 hours are always valid"),
    }
}

/// The calendar date at `now` in a time zone: dues, deadlines and "today" are per local day.
pub fn local_date(now: DateTime<Utc>, tz: TimeZone) -> NaiveDate {
    now.with_timezone(&offset(tz)).date_naive()
}

fn local_instant(tz: FixedOffset, date: NaiveDate, minutes: u16) -> Option<DateTime<Utc>> {
    let base = date.and_time(NaiveTime::MIN);
    let local = tz.from_local_datetime(&base).single()?;
    Some((local + Duration::minutes(i64::from(minutes))).with_timezone(&Utc))
}

/// The open state of a place with `hours` in time zone `tz` at instant `at`. `holidays` are
/// local dates on which it is closed all day.
pub fn open_state(
    hours: &WeeklyHours,
    tz: TimeZone,
    holidays: &[NaiveDate],
    closures: &[ClosureWindow],
    at: DateTime<Utc>,
) -> OpenState {
    let fixed = offset(tz);
    let local_today = at.with_timezone(&fixed).date_naive();
    let closed_by = closures.iter().position(|c| c.covers(at));

    // Open intervals (in UTC) from yesterday (a shift running past midnight is not modelled,
    // but starting a day early keeps the scan simple) to the horizon, minus holidays.
    let intervals = (-1..=HORIZON_DAYS).filter_map(|offset_days| {
        let date = local_today + Duration::days(offset_days);
        if holidays.contains(&date) {
            return None;
        }
        let day = hours.day(date.weekday())?;
        Some((
            local_instant(fixed, date, day.open)?,
            local_instant(fixed, date, day.close)?,
        ))
    });

    let mut state = OpenState {
        open_now: false,
        closes_at: None,
        next_opening: None,
        closed_by,
    };
    for (open, close) in intervals {
        if close <= at {
            continue;
        }
        let mut t = open.max(at);
        // Skip past any closures that cover the candidate moment.
        while let Some(c) = closures.iter().find(|c| c.covers(t)) {
            t = c.ends_at;
        }
        if t >= close {
            continue;
        }
        if t == at {
            state.open_now = true;
            let next_closure = closures
                .iter()
                .filter(|c| c.starts_at > at && c.starts_at < close)
                .map(|c| c.starts_at)
                .min();
            state.closes_at = Some(next_closure.unwrap_or(close).with_timezone(&fixed));
        } else {
            state.next_opening = Some(t.with_timezone(&fixed));
        }
        break;
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn office() -> WeeklyHours {
        WeeklyHours::weekdays(8 * 60, 15 * 60)
    }

    #[test]
    fn the_spec_round_trips_and_rejects_nonsense() {
        let h = office();
        assert_eq!(WeeklyHours::parse_spec(&h.to_spec()), Ok(h));
        assert_eq!(
            WeeklyHours::parse_spec(&WeeklyHours::always().to_spec()),
            Ok(WeeklyHours::always())
        );
        assert!(WeeklyHours::parse_spec("08:00-15:00").is_err());
        assert!(WeeklyHours::parse_spec("15:00-08:00,-,-,-,-,-,-").is_err());
        assert!(WeeklyHours::parse_spec("08:00-25:00,-,-,-,-,-,-").is_err());
    }

    #[test]
    fn a_wib_office_at_0830_local_is_open_until_1500() {
        // Monday 23 Nov 2026, 01:30 UTC = 08:30 WIB.
        let s = open_state(
            &office(),
            TimeZone::Wib,
            &[],
            &[],
            utc("2026-11-23T01:30:00Z"),
        );
        assert!(s.open_now);
        assert_eq!(
            s.closes_at.map(|t| t.to_rfc3339()),
            Some("2026-11-23T15:00:00+07:00".into())
        );
    }

    #[test]
    fn the_same_instant_is_after_hours_in_jayapura_only_when_it_should_be() {
        // 07:30 UTC = 14:30 WIB (open), 15:30 WITA (closed), 16:30 WIT (closed).
        let at = utc("2026-11-23T07:30:00Z");
        assert!(open_state(&office(), TimeZone::Wib, &[], &[], at).open_now);
        let wita = open_state(&office(), TimeZone::Wita, &[], &[], at);
        assert!(!wita.open_now);
        assert_eq!(
            wita.next_opening.map(|t| t.to_rfc3339()),
            Some("2026-11-24T08:00:00+08:00".into())
        );
        let wit = open_state(&office(), TimeZone::Wit, &[], &[], at);
        assert_eq!(
            wit.next_opening.map(|t| t.to_rfc3339()),
            Some("2026-11-24T08:00:00+09:00".into())
        );
    }

    #[test]
    fn on_friday_evening_the_next_opening_is_monday() {
        // Friday 27 Nov 2026 17:00 WIB.
        let s = open_state(
            &office(),
            TimeZone::Wib,
            &[],
            &[],
            utc("2026-11-27T10:00:00Z"),
        );
        assert!(!s.open_now);
        assert_eq!(
            s.next_opening.map(|t| t.to_rfc3339()),
            Some("2026-11-30T08:00:00+07:00".into())
        );
    }

    #[test]
    fn a_public_holiday_is_skipped() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let s = open_state(
            &office(),
            TimeZone::Wib,
            &[monday],
            &[],
            utc("2026-11-27T10:00:00Z"),
        );
        assert_eq!(
            s.next_opening.map(|t| t.to_rfc3339()),
            Some("2026-12-01T08:00:00+07:00".into())
        );
    }

    #[test]
    fn a_three_day_lockdown_closes_the_office_and_names_the_reopening() {
        // Closed from Monday 08:00 WIB to Wednesday 23:59 WIB.
        let lockdown = ClosureWindow {
            starts_at: utc("2026-11-23T01:00:00Z"),
            ends_at: utc("2026-11-25T16:59:00Z"),
        };
        let s = open_state(
            &office(),
            TimeZone::Wib,
            &[],
            &[lockdown],
            utc("2026-11-23T02:00:00Z"),
        );
        assert!(!s.open_now);
        assert_eq!(s.closed_by, Some(0));
        assert_eq!(
            s.next_opening.map(|t| t.to_rfc3339()),
            Some("2026-11-26T08:00:00+07:00".into())
        );
    }

    #[test]
    fn a_closure_that_starts_at_noon_shortens_the_day() {
        let afternoon = ClosureWindow {
            starts_at: utc("2026-11-23T05:00:00Z"),
            ends_at: utc("2026-11-23T09:00:00Z"),
        };
        let s = open_state(
            &office(),
            TimeZone::Wib,
            &[],
            &[afternoon],
            utc("2026-11-23T02:00:00Z"),
        );
        assert!(s.open_now);
        assert_eq!(
            s.closes_at.map(|t| t.to_rfc3339()),
            Some("2026-11-23T12:00:00+07:00".into())
        );
    }

    #[test]
    fn a_24_hour_hospital_is_always_open() {
        let s = open_state(
            &WeeklyHours::always(),
            TimeZone::Wit,
            &[],
            &[],
            utc("2026-11-22T20:00:00Z"),
        );
        assert!(s.open_now);
    }
}

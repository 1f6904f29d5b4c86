//! A branch's PANDAWA working hours in its own time zone (default Monday-Friday
//! 08:00-15:00), with public holidays: whether agents work now, when they next do, and
//! working-time arithmetic for SLAs.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use directory::WeeklyHours;
use std::collections::BTreeSet;
use wilayah::TimeZone;

/// How many days without any working time are searched before giving up.
const HORIZON_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    pub hours: WeeklyHours,
    pub tz: TimeZone,
    /// Local dates on which nobody works.
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// Monday-Friday 08:00-15:00 in `tz`, no holidays.
    pub fn pandawa_default(tz: TimeZone) -> Self {
        BusinessCalendar {
            hours: WeeklyHours::weekdays(8 * 60, 15 * 60),
            tz,
            holidays: BTreeSet::new(),
        }
    }

    /// The local date of `at` in the branch's zone.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        directory::hours::local_date(at, self.tz)
    }

    /// The working interval of a local date, in UTC, if agents work that day.
    fn interval(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.contains(&date) {
            return None;
        }
        let day = self.hours.day(date.weekday())?;
        let midnight_utc = date.and_time(NaiveTime::MIN).and_utc()
            - Duration::seconds(i64::from(self.tz.utc_offset_seconds()));
        Some((
            midnight_utc + Duration::minutes(i64::from(day.open)),
            midnight_utc + Duration::minutes(i64::from(day.close)),
        ))
    }

    /// Working intervals that end after `at`, in order, starting with the local day of
    /// `at`; stops after `HORIZON_DAYS` consecutive days without working time.
    fn intervals_after(
        &self,
        at: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let mut date = Some(self.local_date(at));
        let mut idle_days = 0i64;
        std::iter::from_fn(move || loop {
            if idle_days > HORIZON_DAYS {
                return None;
            }
            let d = date?;
            date = d.succ_opt();
            match self.interval(d) {
                Some((open, close)) if close > at => {
                    idle_days = 0;
                    return Some((open, close));
                }
                _ => idle_days += 1,
            }
        })
    }

    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.interval(self.local_date(at))
            .is_some_and(|(open, close)| open <= at && at < close)
    }

    /// `at` itself when open, else the next moment agents work (None if the calendar has
    /// no working day at all within a year).
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.intervals_after(at)
            .next()
            .map(|(open, _)| open.max(at))
    }

    /// The moment `minutes` of working time after `from` (working time only counts while open).
    pub fn add_working_minutes(&self, from: DateTime<Utc>, minutes: u32) -> Option<DateTime<Utc>> {
        let mut remaining = Duration::minutes(i64::from(minutes));
        for (open, close) in self.intervals_after(from) {
            let start = open.max(from);
            let available = close - start;
            if remaining <= available {
                return Some(start + remaining);
            }
            remaining -= available;
        }
        None
    }

    /// Working time between `from` and `to`, in seconds (0 when `to <= from`).
    pub fn working_seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let last_date = self.local_date(to);
        let mut total = 0i64;
        let mut date = self.local_date(from);
        while date <= last_date {
            if let Some((open, close)) = self.interval(date) {
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += (end - start).num_seconds();
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total
    }

    /// Working minutes between `from` and `to` (0 when `to <= from`).
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        u32::try_from(self.working_seconds_between(from, to) / 60).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use directory::DayHours;
    use proptest::prelude::*;

    pub(crate) fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn open_on_a_weekday_morning_closed_at_three_and_at_the_weekend() {
        let cal = BusinessCalendar::pandawa_default(TimeZone::Wib);
        // Monday 23 Nov 2026.
        assert!(!cal.is_open(utc("2026-11-23T07:59:59+07:00")));
        assert!(cal.is_open(utc("2026-11-23T08:00:00+07:00")));
        assert!(cal.is_open(utc("2026-11-23T14:59:59+07:00")));
        assert!(!cal.is_open(utc("2026-11-23T15:00:00+07:00")));
        // Saturday.
        assert!(!cal.is_open(utc("2026-11-28T10:00:00+07:00")));
    }

    #[test]
    fn wib_and_wit_open_at_different_utc_moments() {
        let sunday_night = utc("2026-11-22T12:00:00Z");
        let wib = BusinessCalendar::pandawa_default(TimeZone::Wib).next_open(sunday_night);
        let wita = BusinessCalendar::pandawa_default(TimeZone::Wita).next_open(sunday_night);
        let wit = BusinessCalendar::pandawa_default(TimeZone::Wit).next_open(sunday_night);
        assert_eq!(wib, Some(utc("2026-11-23T01:00:00Z")));
        assert_eq!(wita, Some(utc("2026-11-23T00:00:00Z")));
        assert_eq!(wit, Some(utc("2026-11-22T23:00:00Z")));
        // 07:30 UTC: 14:30 WIB is open, 16:30 WIT is not.
        let at = utc("2026-11-23T07:30:00Z");
        assert!(BusinessCalendar::pandawa_default(TimeZone::Wib).is_open(at));
        assert!(!BusinessCalendar::pandawa_default(TimeZone::Wit).is_open(at));
    }

    #[test]
    fn friday_evening_waits_for_monday_and_a_holiday_for_tuesday() {
        let mut cal = BusinessCalendar::pandawa_default(TimeZone::Wita);
        let friday_evening = utc("2026-11-27T17:00:00+08:00");
        assert_eq!(
            cal.next_open(friday_evening),
            Some(utc("2026-11-30T08:00:00+08:00"))
        );
        cal.holidays.insert(date(2026, 11, 30));
        assert!(!cal.is_open(utc("2026-11-30T09:00:00+08:00")));
        assert_eq!(
            cal.next_open(friday_evening),
            Some(utc("2026-12-01T08:00:00+08:00"))
        );
    }

    #[test]
    fn next_open_while_open_is_now() {
        let cal = BusinessCalendar::pandawa_default(TimeZone::Wit);
        let at = utc("2026-11-24T10:17:23+09:00");
        assert_eq!(cal.next_open(at), Some(at));
    }

    #[test]
    fn a_calendar_without_working_days_never_opens() {
        let cal = BusinessCalendar {
            hours: WeeklyHours::new([None; 7]),
            tz: TimeZone::Wib,
            holidays: BTreeSet::new(),
        };
        let at = utc("2026-11-24T10:00:00+07:00");
        assert_eq!(cal.next_open(at), None);
        assert_eq!(cal.add_working_minutes(at, 1), None);
        assert_eq!(cal.working_minutes_between(at, at + Duration::days(30)), 0);
    }

    #[test]
    fn working_minutes_skip_the_night_and_the_weekend() {
        let cal = BusinessCalendar::pandawa_default(TimeZone::Wib);
        // Friday 14:00 + 120 working minutes = Monday 09:00.
        let friday = utc("2026-11-27T14:00:00+07:00");
        let due = cal.add_working_minutes(friday, 120);
        assert_eq!(due, Some(utc("2026-11-30T09:00:00+07:00")));
        assert_eq!(
            cal.working_minutes_between(friday, utc("2026-11-30T09:00:00+07:00")),
            120
        );
        // A full working day is 420 minutes; three days from Monday 08:00 end Wednesday 15:00.
        let monday = utc("2026-11-23T08:00:00+07:00");
        assert_eq!(
            cal.add_working_minutes(monday, 1260),
            Some(utc("2026-11-25T15:00:00+07:00"))
        );
        // Filed on Saturday: the clock starts on Monday.
        let saturday = utc("2026-11-28T20:00:00+07:00");
        assert_eq!(
            cal.add_working_minutes(saturday, 60),
            Some(utc("2026-11-30T09:00:00+07:00"))
        );
        assert_eq!(cal.working_minutes_between(friday, friday), 0);
        assert_eq!(cal.working_minutes_between(due.unwrap(), friday), 0);
    }

    fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
        let day = prop_oneof![
            Just(None),
            (0u16..1380, 1u16..600)
                .prop_map(|(open, len)| DayHours::new(open, (open + len).min(1440))),
        ];
        (
            proptest::array::uniform7(day),
            prop_oneof![
                Just(TimeZone::Wib),
                Just(TimeZone::Wita),
                Just(TimeZone::Wit)
            ],
            proptest::collection::btree_set(0i64..60, 0..6),
        )
            .prop_map(|(days, tz, holiday_offsets)| {
                let mut days = days;
                // At least one working day, so the calendar is usable.
                if days.iter().all(Option::is_none) {
                    days[2] = DayHours::new(8 * 60, 15 * 60);
                }
                BusinessCalendar {
                    hours: WeeklyHours::new(days),
                    tz,
                    holidays: holiday_offsets
                        .into_iter()
                        .map(|o| date(2026, 11, 1) + Duration::days(o))
                        .collect(),
                }
            })
    }

    fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // November 2026 to January 2027, to the second.
        (0i64..90 * 86_400).prop_map(|s| utc("2026-11-01T00:00:00Z") + Duration::seconds(s))
    }

    proptest! {
        #[test]
        fn adding_then_measuring_round_trips(
            cal in any_calendar(), from in any_instant(), minutes in 0u32..5_000,
        ) {
            let to = cal.add_working_minutes(from, minutes);
            prop_assert!(to.is_some());
            let to = to.unwrap();
            prop_assert!(to >= from);
            prop_assert_eq!(cal.working_minutes_between(from, to), minutes);
            prop_assert_eq!(cal.working_seconds_between(from, to), i64::from(minutes) * 60);
        }

        #[test]
        fn next_open_is_open_and_nothing_earlier_is(cal in any_calendar(), at in any_instant()) {
            let next = cal.next_open(at);
            prop_assert!(next.is_some());
            let next = next.unwrap();
            prop_assert!(next >= at);
            prop_assert!(cal.is_open(next));
            prop_assert_eq!(cal.working_seconds_between(at, next), 0);
            if cal.is_open(at) {
                prop_assert_eq!(next, at);
            }
        }

        #[test]
        fn nothing_is_open_on_a_holiday(cal in any_calendar(), at in any_instant()) {
            let day = directory::hours::local_date(at, cal.tz);
            if cal.holidays.contains(&day) {
                prop_assert!(!cal.is_open(at));
            }
            let mut closed = cal.clone();
            closed.holidays.insert(day);
            prop_assert!(!closed.is_open(at));
        }

        #[test]
        fn working_time_is_additive(
            cal in any_calendar(), a in any_instant(), b in any_instant(), c in any_instant(),
        ) {
            let mut v = [a, b, c];
            v.sort();
            prop_assert_eq!(
                cal.working_seconds_between(v[0], v[2]),
                cal.working_seconds_between(v[0], v[1]) + cal.working_seconds_between(v[1], v[2])
            );
        }
    }
}

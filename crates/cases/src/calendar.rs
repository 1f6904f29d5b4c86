//! A branch's PANDAWA working hours in its own time zone (default Monday-Friday
//! 08:00-15:00), with public holidays: whether agents work now, when they next do, and
//! working-time arithmetic for SLAs.
//!
//! HELPER: implement and test, including property tests (adding then measuring working
//! minutes round-trips; `next_open` is open; nothing is open on a holiday).

use chrono::{DateTime, NaiveDate, Utc};
use directory::WeeklyHours;
use std::collections::BTreeSet;
use wilayah::TimeZone;

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

    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let _ = at;
        todo!()
    }

    /// `at` itself when open, else the next moment agents work (None if the calendar has
    /// no working day at all within a year).
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let _ = at;
        todo!()
    }

    /// The moment `minutes` of working time after `from` (working time only counts while open).
    pub fn add_working_minutes(&self, from: DateTime<Utc>, minutes: u32) -> Option<DateTime<Utc>> {
        let _ = (from, minutes);
        todo!()
    }

    /// Working minutes between `from` and `to` (0 when `to <= from`).
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let _ = (from, to);
        todo!()
    }
}

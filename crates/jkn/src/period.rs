//! Calendar months, the unit in which dues are billed.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A calendar month. Ordered; arithmetic in whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// Months since year 0, for arithmetic.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(i: i64) -> Self {
        YearMonth {
            year: i.div_euclid(12) as i32,
            month: (i.rem_euclid(12) + 1) as u32,
        }
    }

    pub fn add_months(self, n: i64) -> Self {
        Self::from_index(self.index() + n)
    }

    pub fn next(self) -> Self {
        self.add_months(1)
    }

    pub fn prev(self) -> Self {
        self.add_months(-1)
    }

    /// `later - self` in months (negative if `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        later.index() - self.index()
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// A given day of this month, clamped to the month's last day.
    pub fn day(self, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, day).unwrap_or_else(|| self.last_day())
    }

    /// Every month from `self` to `end`, both included.
    pub fn through(self, end: YearMonth) -> impl Iterator<Item = YearMonth> {
        (self.index()..=end.index()).map(Self::from_index)
    }

    /// `202503`, a compact sortable integer used in storage.
    pub fn as_number(self) -> i32 {
        self.year * 100 + self.month as i32
    }

    pub fn from_number(n: i32) -> Option<Self> {
        Self::new(n / 100, (n % 100) as u32)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        Self::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// Indonesian month name: "Maret 2025".
    pub fn indonesian(self) -> String {
        format!("{} {}", MONTHS_ID[(self.month - 1) as usize], self.year)
    }
}

pub const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        YearMonth::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("bulan '{s}' harus berbentuk YYYY-MM")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).unwrap_or_else(|| panic!("{y}-{m}"))
    }

    #[test]
    fn month_arithmetic_crosses_years() {
        assert_eq!(ym(2025, 12).next(), ym(2026, 1));
        assert_eq!(ym(2026, 1).prev(), ym(2025, 12));
        assert_eq!(ym(2024, 11).months_until(ym(2026, 11)), 24);
        assert_eq!(
            ym(2025, 2).last_day(),
            NaiveDate::from_ymd_opt(2025, 2, 28).unwrap_or_default()
        );
        assert_eq!(
            ym(2024, 2).day(30),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
        );
        assert_eq!(ym(2025, 11).through(ym(2026, 2)).count(), 4);
        assert_eq!(
            YearMonth::from_number(ym(2026, 3).as_number()),
            Some(ym(2026, 3))
        );
        assert_eq!(YearMonth::parse("2026-03"), Some(ym(2026, 3)));
        assert_eq!(ym(2026, 3).indonesian(), "Maret 2026");
    }
}

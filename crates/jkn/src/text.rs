//! Indonesian wording shared by the rules' messages, so every channel writes dates alike.

use crate::period::MONTHS_ID;
use chrono::{Datelike, NaiveDate};

/// A date as Indonesians write it: "1 Mei 2025".
pub fn tanggal(date: &NaiveDate) -> String {
    let month = MONTHS_ID
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} {} {}", date.day(), month, date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_day_month_name_year() {
        let d = NaiveDate::from_ymd_opt(2025, 5, 1).unwrap();
        assert_eq!(tanggal(&d), "1 Mei 2025");
        let d = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        assert_eq!(tanggal(&d), "31 Desember 2024");
    }
}

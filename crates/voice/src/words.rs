//! Indonesian number words, so that a text-to-speech voice reads amounts, dates and
//! identifiers the way a person would say them ("tiga ratus lima belas ribu rupiah") instead
//! of guessing at "315.000" or reading "Rp" letter by letter.
//!
//! The rules: 10 is "sepuluh", 11 "sebelas", 12..19 "<unit> belas", tens "<unit> puluh".
//! The prefix "se-" stands for one only in the places that take it: "sepuluh", "sebelas",
//! "seratus" and "seribu" (as a whole thousands group, so 1,000 is "seribu" but 101,000 is
//! "seratus satu ribu"). Millions and above always say "satu": "satu juta", "satu miliar".

use chrono::{Datelike, NaiveDate};

const UNITS: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];

/// Scale words for each group of three digits above the first, smallest first.
/// u64 reaches 18 quintillion, so "kuintiliun" is the largest scale needed.
const SCALES: [&str; 6] = [
    "ribu",
    "juta",
    "miliar",
    "triliun",
    "kuadriliun",
    "kuintiliun",
];

/// The month names the rest of Layan writes, so spoken and written dates agree.
use jkn::period::MONTHS_ID as MONTHS;

/// Pushes the words for 1..=999 onto `out`; 0 pushes nothing.
fn below_thousand(n: u64, out: &mut Vec<&'static str>) {
    let hundreds = (n / 100) as usize;
    let rest = n % 100;
    match hundreds {
        0 => {}
        1 => out.push("seratus"),
        h => out.extend([UNITS[h], "ratus"]),
    }
    let tens = (rest / 10) as usize;
    let unit = (rest % 10) as usize;
    match (tens, unit) {
        (0, 0) => {}
        (0, u) => out.push(UNITS[u]),
        (1, 0) => out.push("sepuluh"),
        (1, 1) => out.push("sebelas"),
        (1, u) => out.extend([UNITS[u], "belas"]),
        (t, 0) => out.extend([UNITS[t], "puluh"]),
        (t, u) => out.extend([UNITS[t], "puluh", UNITS[u]]),
    }
}

/// The words for `n`, e.g. 315000 → "tiga ratus lima belas ribu".
pub fn number(n: u64) -> String {
    if n == 0 {
        return UNITS[0].to_string();
    }
    // Groups of three digits, least significant first.
    let mut groups = Vec::with_capacity(7);
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut out: Vec<&'static str> = Vec::new();
    for (index, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        match index {
            0 => below_thousand(group, &mut out),
            // One thousand is "seribu"; every larger scale says "satu juta" and so on.
            1 if group == 1 => out.push("seribu"),
            _ => {
                below_thousand(group, &mut out);
                out.push(SCALES[index - 1]);
            }
        }
    }
    out.join(" ")
}

/// The words for a signed integer: negative values are prefixed "minus".
fn signed(n: i64) -> String {
    if n < 0 {
        format!("minus {}", number(n.unsigned_abs()))
    } else {
        number(n.unsigned_abs())
    }
}

/// An amount of rupiah, e.g. 315000 → "tiga ratus lima belas ribu rupiah";
/// -35000 → "minus tiga puluh lima ribu rupiah" (a credit on the bill).
pub fn rupiah(amount: i64) -> String {
    format!("{} rupiah", signed(amount))
}

/// The Indonesian name of a month, 1 = "Januari"; `None` outside 1..=12.
pub fn month_name(month: u32) -> Option<&'static str> {
    let index = usize::try_from(month).ok()?.checked_sub(1)?;
    MONTHS.get(index).copied()
}

/// Day and month, e.g. 10 May → "sepuluh Mei", 1 January → "satu Januari".
pub fn day_month(d: NaiveDate) -> String {
    // `NaiveDate::month()` is always 1..=12, so the fallback is never used.
    let month = month_name(d.month()).unwrap_or_default();
    format!("{} {}", number(u64::from(d.day())), month)
}

/// A full date, e.g. 2026-05-10 → "sepuluh Mei dua ribu dua puluh enam".
pub fn date(d: NaiveDate) -> String {
    format!("{} {}", day_month(d), signed(i64::from(d.year())))
}

/// The Indonesian name of the date's weekday, e.g. 2026-11-24 → "Selasa".
pub fn weekday(d: NaiveDate) -> &'static str {
    directory::hours::WEEKDAYS_ID[d.weekday().num_days_from_monday() as usize]
}

/// The word for one keypad key: "0".."9" as digits, '*' "bintang", '#' "pagar".
pub fn key(c: char) -> Option<&'static str> {
    match c {
        '0'..='9' => c.to_digit(10).map(|d| UNITS[d as usize]),
        '*' => Some("bintang"),
        '#' => Some("pagar"),
        _ => None,
    }
}

/// Reads a string key by key for read-backs, e.g. "4321" → "empat tiga dua satu".
/// Digits, '*' and '#' are spoken; spaces, dashes and any other characters are skipped.
pub fn digits(s: &str) -> String {
    s.chars().filter_map(key).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names_cover_exactly_twelve_months() {
        assert_eq!(month_name(0), None);
        assert_eq!(month_name(1), Some("Januari"));
        assert_eq!(month_name(12), Some("Desember"));
        assert_eq!(month_name(13), None);
    }

    #[test]
    fn the_largest_u64_has_words() {
        let words = number(u64::MAX);
        assert!(words.starts_with("delapan belas kuintiliun"), "{words}");
        assert!(words.ends_with("enam ratus lima belas"), "{words}");
    }

    #[test]
    fn weekdays_start_on_monday() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(weekday(monday), "Senin");
        assert_eq!(weekday(monday + chrono::Duration::days(6)), "Minggu");
    }

    #[test]
    fn keys_other_than_the_keypad_are_skipped() {
        assert_eq!(digits("12-3 4"), "satu dua tiga empat");
        assert_eq!(digits("*0#"), "bintang nol pagar");
        assert_eq!(digits(""), "");
    }
}

//! Identifiers that can only be built valid: NIK, JKN card number, Indonesian mobile number.
//!
//! Their `Display` and `Debug` are masked so that a full identifier never reaches a log line;
//! code that must see the whole value (storage, the verified owner's own profile) calls
//! `expose()`, which makes every such place easy to find.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};
use std::fmt;
use thiserror::Error;

/// Why a string is not a valid identifier. The messages are shown to participants, so they
/// are in Indonesian and say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("{what} harus {expected} digit angka, yang Anda kirim {found} digit")]
    WrongLength {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("{what} hanya boleh berisi angka")]
    NotDigits { what: &'static str },
    #[error("kode wilayah {code} pada NIK tidak dikenal; periksa 6 digit pertama NIK Anda")]
    UnknownRegion { code: String },
    #[error("tanggal lahir pada NIK (digit 7-12) tidak valid")]
    InvalidBirthDate,
    #[error("nomor urut pada NIK (4 digit terakhir) tidak boleh 0000")]
    ZeroSerial,
    #[error("nomor HP tidak valid; tulis seperti 081234567890")]
    InvalidMsisdn,
}

fn only_digits(s: &str, what: &'static str, expected: usize) -> Result<(), IdError> {
    let count = s.chars().count();
    if count != expected {
        if s.chars().all(|c| c.is_ascii_digit()) {
            return Err(IdError::WrongLength {
                what,
                expected,
                found: count,
            });
        }
        return Err(IdError::NotDigits { what });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::NotDigits { what });
    }
    Ok(())
}

/// Strips the separators people type inside long numbers ("3509 1234-5678.0001").
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    #[serde(alias = "L", alias = "male")]
    Laki,
    #[serde(alias = "P", alias = "female")]
    Perempuan,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Laki => "L",
            Sex::Perempuan => "P",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "L" | "l" => Some(Sex::Laki),
            "P" | "p" => Some(Sex::Perempuan),
            _ => None,
        }
    }
}

/// Nomor Induk Kependudukan: province(2) regency(2) district(2) DDMMYY serial(4), where a
/// woman's day of birth has 40 added. The district must exist in the Kemendagri list.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

impl Nik {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input.trim());
        only_digits(&s, "NIK", 16)?;
        let district = &s[0..6];
        let code: u32 = district
            .parse()
            .map_err(|_| IdError::NotDigits { what: "NIK" })?;
        if wilayah::district(code).is_none() {
            return Err(IdError::UnknownRegion {
                code: district.to_string(),
            });
        }
        let (day, month, yy) = Self::date_parts(&s);
        let day = if day > 40 { day - 40 } else { day };
        // Two-digit years are ambiguous between centuries; a day/month pair is accepted if it
        // exists in either century (29 February needs a leap year in at least one of them).
        let exists = |year: i32| NaiveDate::from_ymd_opt(year, month, day).is_some();
        if !(1..=31).contains(&day) || !(exists(1900 + yy) || exists(2000 + yy)) {
            return Err(IdError::InvalidBirthDate);
        }
        if &s[12..16] == "0000" {
            return Err(IdError::ZeroSerial);
        }
        Ok(Nik(s))
    }

    /// Builds the NIK of a person from its parts; used by the demo generator and tests.
    pub fn compose(
        district_code: u32,
        birth_date: NaiveDate,
        sex: Sex,
        serial: u16,
    ) -> Result<Self, IdError> {
        let day = birth_date.day() + if sex == Sex::Perempuan { 40 } else { 0 };
        Nik::parse(&format!(
            "{:06}{:02}{:02}{:02}{:04}",
            district_code,
            day,
            birth_date.month(),
            birth_date.year().rem_euclid(100),
            serial
        ))
    }

    fn date_parts(s: &str) -> (u32, u32, i32) {
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        (num(6..8), num(8..10), num(10..12) as i32)
    }

    /// The whole number. Call only where the full value is needed (storage, the owner's
    /// own verified view); never in a log line.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn district_code(&self) -> u32 {
        self.0[0..6].parse().unwrap_or(0)
    }

    pub fn sex(&self) -> Sex {
        if Self::date_parts(&self.0).0 > 40 {
            Sex::Perempuan
        } else {
            Sex::Laki
        }
    }

    /// The birth date, resolving the two-digit year to the latest century that does not put
    /// it after `today`.
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (day, month, yy) = Self::date_parts(&self.0);
        let day = if day > 40 { day - 40 } else { day };
        let century = today.year() - today.year().rem_euclid(100);
        [century + yy, century - 100 + yy]
            .into_iter()
            .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
            .find(|d| *d <= today)
    }

    /// Whether this NIK's birth-date part agrees with a given birth date and sex.
    pub fn matches_birth(&self, birth_date: NaiveDate, sex: Sex) -> bool {
        let (day, month, yy) = Self::date_parts(&self.0);
        let expected_day = birth_date.day() + if sex == Sex::Perempuan { 40 } else { 0 };
        day == expected_day
            && month == birth_date.month()
            && yy == birth_date.year().rem_euclid(100)
    }

    /// The last four digits, which are safe to read back to a caller for confirmation.
    pub fn last4(&self) -> &str {
        &self.0[12..16]
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}********{}", &self.0[0..4], &self.0[12..16])
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({self})")
    }
}

impl std::str::FromStr for Nik {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nik::parse(s)
    }
}

impl<'de> Deserialize<'de> for Nik {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Nik::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// JKN card number (nomor kartu): 13 digits; real ones start with 000. No public checksum.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input.trim());
        only_digits(&s, "Nomor kartu JKN", 13)?;
        Ok(CardNumber(s))
    }

    /// See [`Nik::expose`].
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn last4(&self) -> &str {
        &self.0[9..13]
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}*****{}", &self.0[0..4], &self.0[9..13])
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({self})")
    }
}

impl std::str::FromStr for CardNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CardNumber::parse(s)
    }
}

impl<'de> Deserialize<'de> for CardNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CardNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Nomor Kartu Keluarga (KK): 16 digits, starting with the issuing district's code, then the
/// issue date DDMMYY and a serial. Masked like a NIK.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FamilyCardNumber(String);

impl FamilyCardNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input.trim());
        only_digits(&s, "Nomor KK", 16)?;
        let district = &s[0..6];
        let known = district
            .parse::<u32>()
            .ok()
            .and_then(wilayah::district)
            .is_some();
        if !known {
            return Err(IdError::UnknownRegion {
                code: district.to_string(),
            });
        }
        Ok(FamilyCardNumber(s))
    }

    /// See [`Nik::expose`].
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FamilyCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}********{}", &self.0[0..4], &self.0[12..16])
    }
}

impl fmt::Debug for FamilyCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyCardNumber({self})")
    }
}

/// An Indonesian mobile number in international form without the plus: `62` then the
/// subscriber number starting with 8 (e.g. `6281234567890`). Accepts `08…`, `+62…`, `62…`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msisdn(String);

impl Msisdn {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        let s = s.strip_prefix('+').unwrap_or(&s);
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::InvalidMsisdn);
        }
        let subscriber = if let Some(rest) = s.strip_prefix("62") {
            rest
        } else if let Some(rest) = s.strip_prefix('0') {
            rest
        } else {
            s
        };
        // Indonesian mobile subscriber numbers: 8 then 8 to 11 more digits.
        if !subscriber.starts_with('8') || !(9..=12).contains(&subscriber.len()) {
            return Err(IdError::InvalidMsisdn);
        }
        Ok(Msisdn(format!("62{subscriber}")))
    }

    /// See [`Nik::expose`].
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The local form people recognise: `0812…`.
    pub fn local(&self) -> String {
        format!("0{}", &self.0[2..])
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{}****{}", &self.0[0..5], &self.0[n - 3..])
    }
}

impl fmt::Debug for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Msisdn({self})")
    }
}

impl std::str::FromStr for Msisdn {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Msisdn::parse(s)
    }
}

impl<'de> Deserialize<'de> for Msisdn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Msisdn::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_woman_born_on_5_march_1988_in_jember_has_day_45() {
        // 350901 = Kab. Jember, Kec. Jombang.
        let nik = Nik::parse("3509014503880001").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(nik.sex(), Sex::Perempuan);
        assert_eq!(nik.birth_date(date(2026, 11, 23)), Some(date(1988, 3, 5)));
        assert_eq!(nik.district_code(), 350901);
        assert!(nik.matches_birth(date(1988, 3, 5), Sex::Perempuan));
        assert!(!nik.matches_birth(date(1988, 3, 5), Sex::Laki));
    }

    #[test]
    fn a_child_born_in_2015_resolves_to_this_century() {
        let nik =
            Nik::compose(350901, date(2015, 7, 1), Sex::Laki, 12).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(nik.expose(), "3509010107150012");
        assert_eq!(nik.birth_date(date(2026, 1, 1)), Some(date(2015, 7, 1)));
    }

    #[test]
    fn separators_are_accepted() {
        assert!(Nik::parse(" 3509 0145-0388 0001 ").is_ok());
    }

    #[test]
    fn each_defect_has_its_own_reason() {
        assert!(matches!(
            Nik::parse("350901450388"),
            Err(IdError::WrongLength { found: 12, .. })
        ));
        assert!(matches!(
            Nik::parse("35090145038800O1"),
            Err(IdError::NotDigits { .. })
        ));
        assert!(matches!(
            Nik::parse("9999994503880001"),
            Err(IdError::UnknownRegion { .. })
        ));
        assert!(matches!(
            Nik::parse("3509013213880001"),
            Err(IdError::InvalidBirthDate)
        ));
        assert!(matches!(
            Nik::parse("3509017203880001"),
            Err(IdError::InvalidBirthDate)
        ));
        assert!(matches!(
            Nik::parse("3509014503880000"),
            Err(IdError::ZeroSerial)
        ));
        // 29 February exists in 2000 and 1988 but not in 1901 or 2001.
        assert!(Nik::parse("3509012902880001").is_ok());
        assert!(matches!(
            Nik::parse("3509012902010001"),
            Err(IdError::InvalidBirthDate)
        ));
    }

    #[test]
    fn display_and_debug_never_show_the_middle_digits() {
        let nik = Nik::parse("3509014503880001").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(nik.to_string(), "3509********0001");
        assert!(!format!("{nik:?}").contains("450388"));
        let card = CardNumber::parse("0001234567890").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(card.to_string(), "0001*****7890");
        let phone = Msisdn::parse("0812-3456-7890").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(phone.expose(), "6281234567890");
        assert_eq!(phone.to_string(), "62812****890");
    }

    #[test]
    fn msisdn_accepts_the_common_forms() {
        for s in [
            "081234567890",
            "+6281234567890",
            "6281234567890",
            "81234567890",
            "+62 812-3456-7890",
        ] {
            assert_eq!(
                Msisdn::parse(s).map(|m| m.expose().to_string()),
                Ok("6281234567890".into()),
                "{s}"
            );
        }
        for s in ["021555123", "62812", "0812abc45678", "6221555123456"] {
            assert_eq!(Msisdn::parse(s), Err(IdError::InvalidMsisdn), "{s}");
        }
    }

    fn any_valid_parts() -> impl Strategy<Value = (u32, NaiveDate, Sex, u16)> {
        let n = wilayah::districts().len();
        (
            0..n,
            (1930i32..2025, 1u32..=12, 1u32..=31),
            prop_oneof![Just(Sex::Laki), Just(Sex::Perempuan)],
            1u16..=9999,
        )
            .prop_filter_map("real date", |(i, (y, m, d), sex, serial)| {
                let date = NaiveDate::from_ymd_opt(y, m, d)?;
                Some((wilayah::districts()[i].code, date, sex, serial))
            })
    }

    proptest! {
        #[test]
        fn any_valid_nik_round_trips((district, birth, sex, serial) in any_valid_parts()) {
            let nik = Nik::compose(district, birth, sex, serial).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let again = Nik::parse(nik.expose()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&again, &nik);
            prop_assert_eq!(again.sex(), sex);
            prop_assert_eq!(again.district_code(), district);
            prop_assert!(again.matches_birth(birth, sex));
            prop_assert_eq!(again.birth_date(date(2026, 11, 23)), Some(birth));
        }

        #[test]
        fn any_corrupted_nik_is_rejected_with_a_reason(
            (district, birth, sex, serial) in any_valid_parts(),
            corruption in 0usize..5,
            pos in 0usize..16,
        ) {
            let nik = Nik::compose(district, birth, sex, serial).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let s = nik.expose().to_string();
            let bad = match corruption {
                0 => s[..15].to_string(),                                   // too short
                1 => format!("{s}{}", pos % 10),                            // too long
                2 => { let mut b = s.clone().into_bytes(); b[pos] = b'x'; String::from_utf8(b).unwrap_or_default() }
                3 => format!("{}{}", "99", &s[2..]),                        // province 99 does not exist
                _ => format!("{}{}{}", &s[..8], "13", &s[10..]),             // month 13
            };
            let result = Nik::parse(&bad);
            prop_assert!(result.is_err(), "{} accepted", bad);
            let reason = result.err().map(|e| e.to_string()).unwrap_or_default();
            prop_assert!(!reason.is_empty());
        }
    }
}

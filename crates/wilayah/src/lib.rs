//! Indonesian administrative areas, embedded in the binary.
//!
//! The data (provinces with their time zone, regencies with an approximate centre, districts)
//! comes from `data/` beside this crate; see `data/README.md` for sources and licence.
//! It is parsed once, on first use, and never read from disk at run time.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod timezone;

pub use timezone::TimeZone;

use std::collections::HashMap;
use std::sync::LazyLock;

/// A province (provinsi), identified by its 2-digit Kemendagri code.
#[derive(Debug, Clone, PartialEq)]
pub struct Province {
    pub code: u8,
    pub name: &'static str,
    pub timezone: TimeZone,
}

/// A regency or city (kabupaten/kota), identified by its 4-digit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Regency {
    pub code: u16,
    pub province_code: u8,
    /// As written in the source, with its "Kab." or "Kota" prefix.
    pub name: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

impl Regency {
    /// The name without the "Kab." / "Kota" prefix, as people say it ("Jember").
    pub fn short_name(&self) -> &'static str {
        self.name
            .strip_prefix("Kab. ")
            .or_else(|| self.name.strip_prefix("Kota "))
            .unwrap_or(self.name)
    }

    pub fn is_city(&self) -> bool {
        self.name.starts_with("Kota ")
    }

    pub fn province(&self) -> &'static Province {
        // Every regency row names a province present in the data; checked by a test.
        province(self.province_code).unwrap_or(&UNKNOWN_PROVINCE)
    }
}

/// A district (kecamatan), identified by its 6-digit code: the first 6 digits of a NIK.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    pub code: u32,
    pub regency_code: u16,
    pub name: &'static str,
}

impl District {
    pub fn regency(&self) -> Option<&'static Regency> {
        regency(self.regency_code)
    }
}

static UNKNOWN_PROVINCE: Province = Province {
    code: 0,
    name: "",
    timezone: TimeZone::Wib,
};

struct Tables {
    provinces: Vec<Province>,
    regencies: Vec<Regency>,
    districts: Vec<District>,
    province_index: HashMap<u8, usize>,
    regency_index: HashMap<u16, usize>,
    district_index: HashMap<u32, usize>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(load);

fn rows(csv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::trim).collect())
}

fn load() -> Tables {
    // The embedded files are fixed at build time and checked by this crate's tests, so a
    // malformed row here is a build defect; such rows are skipped rather than panicking.
    let provinces: Vec<Province> = rows(include_str!("../data/provinces.csv"))
        .filter_map(|r| {
            Some(Province {
                code: r.first()?.parse().ok()?,
                name: r.get(1)?,
                timezone: TimeZone::from_iana(r.get(2)?)?,
            })
        })
        .collect();
    let regencies: Vec<Regency> = rows(include_str!("../data/regencies.csv"))
        .filter_map(|r| {
            Some(Regency {
                code: r.first()?.parse().ok()?,
                province_code: r.get(1)?.parse().ok()?,
                name: r.get(2)?,
                latitude: r.get(3)?.parse().ok()?,
                longitude: r.get(4)?.parse().ok()?,
            })
        })
        .collect();
    let districts: Vec<District> = rows(include_str!("../data/districts.csv"))
        .filter_map(|r| {
            Some(District {
                code: r.first()?.parse().ok()?,
                regency_code: r.get(1)?.parse().ok()?,
                name: r.get(2)?,
            })
        })
        .collect();
    Tables {
        province_index: provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code, i))
            .collect(),
        regency_index: regencies
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code, i))
            .collect(),
        district_index: districts
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code, i))
            .collect(),
        provinces,
        regencies,
        districts,
    }
}

pub fn provinces() -> &'static [Province] {
    &TABLES.provinces
}

pub fn regencies() -> &'static [Regency] {
    &TABLES.regencies
}

pub fn districts() -> &'static [District] {
    &TABLES.districts
}

pub fn province(code: u8) -> Option<&'static Province> {
    TABLES
        .province_index
        .get(&code)
        .map(|&i| &TABLES.provinces[i])
}

pub fn regency(code: u16) -> Option<&'static Regency> {
    TABLES
        .regency_index
        .get(&code)
        .map(|&i| &TABLES.regencies[i])
}

pub fn district(code: u32) -> Option<&'static District> {
    TABLES
        .district_index
        .get(&code)
        .map(|&i| &TABLES.districts[i])
}

/// The districts of one regency, in code order.
pub fn districts_of(regency_code: u16) -> impl Iterator<Item = &'static District> {
    TABLES
        .districts
        .iter()
        .filter(move |d| d.regency_code == regency_code)
}

/// The time zone a district lies in (through its province).
pub fn timezone_of_district(code: u32) -> Option<TimeZone> {
    let regency = district(code)?.regency()?;
    province(regency.province_code).map(|p| p.timezone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_embedded_files_is_parsed() {
        let count = |csv: &str| csv.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        assert_eq!(
            provinces().len(),
            count(include_str!("../data/provinces.csv"))
        );
        assert_eq!(
            regencies().len(),
            count(include_str!("../data/regencies.csv"))
        );
        assert_eq!(
            districts().len(),
            count(include_str!("../data/districts.csv"))
        );
        assert_eq!(provinces().len(), 38);
        assert_eq!(regencies().len(), 514);
        assert_eq!(districts().len(), 7266);
    }

    #[test]
    fn every_district_and_regency_has_a_known_parent() {
        for d in districts() {
            let r = d
                .regency()
                .unwrap_or_else(|| panic!("district {} has no regency", d.code));
            assert_eq!(
                d.code / 100,
                u32::from(r.code),
                "district code prefix is its regency"
            );
        }
        for r in regencies() {
            assert!(province(r.province_code).is_some(), "regency {}", r.code);
            assert_eq!(r.code / 100, u16::from(r.province_code));
            assert!((-11.5..6.5).contains(&r.latitude), "{} lat", r.name);
            assert!((94.0..141.5).contains(&r.longitude), "{} lon", r.name);
        }
    }

    #[test]
    fn jember_is_a_regency_of_east_java_in_wib() {
        let jember = regencies()
            .iter()
            .find(|r| r.short_name() == "Jember")
            .expect("Jember");
        assert_eq!(jember.province().name, "Jawa Timur");
        assert_eq!(jember.province().timezone, TimeZone::Wib);
        assert!(!jember.is_city());
    }

    #[test]
    fn papua_is_wit_and_bali_is_wita() {
        assert_eq!(province(91).map(|p| p.timezone), Some(TimeZone::Wit));
        assert_eq!(province(51).map(|p| p.timezone), Some(TimeZone::Wita));
        assert_eq!(province(31).map(|p| p.timezone), Some(TimeZone::Wib));
    }
}

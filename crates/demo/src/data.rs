//! The embedded word lists in `data/`, parsed once on first use.
//!
//! Every file is plain text: `#` starts a comment line, `[name]` starts a section, every other
//! non-empty line is one entry. Keeping the lists as data lets a reader correct a name or a
//! street without reading code.

use crate::names::Culture;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A file's sections, in file order.
#[derive(Debug, Default)]
pub(crate) struct Sections {
    entries: Vec<(&'static str, Vec<&'static str>)>,
}

impl Sections {
    pub(crate) fn parse(text: &'static str) -> Self {
        let mut entries: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                entries.push((name, Vec::new()));
            } else if let Some((_, list)) = entries.last_mut() {
                list.push(line);
            } else {
                // Entries before any section header form an unnamed section.
                entries.push(("", vec![line]));
            }
        }
        Sections { entries }
    }

    /// The entries of a section; empty if the file has no such section.
    pub(crate) fn get(&self, name: &str) -> &[&'static str] {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
}

/// Per-province facts used to place people and facilities.
#[derive(Debug, Clone)]
pub(crate) struct ProvinceFacts {
    pub population_thousands: u64,
    pub area_code: &'static str,
    pub cultures: Vec<(Culture, u64)>,
}

#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub provinces: HashMap<u8, ProvinceFacts>,
    pub regency_cultures: HashMap<u16, Vec<(Culture, u64)>>,
    /// Known populations (thousands) of regencies where the district count misleads.
    pub regency_population: HashMap<u16, u64>,
    pub area_codes: HashMap<u16, &'static str>,
    pub streets: Vec<&'static str>,
    pub words: Sections,
}

fn culture_mix<'a>(fields: impl Iterator<Item = &'a str>) -> Vec<(Culture, u64)> {
    fields
        .filter_map(|f| {
            let (name, weight) = f.split_once(':')?;
            Some((Culture::from_name(name)?, weight.parse().ok()?))
        })
        .collect()
}

fn parse_facts() -> Facts {
    let mut facts = Facts::default();
    // Malformed lines are skipped; the tests check that every line of every file is used.
    for line in include_str!("../data/provinces.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some(regency) = first.strip_prefix('p') {
            if let (Ok(code), Some(Ok(thousands))) =
                (regency.parse(), fields.next().map(str::parse::<u64>))
            {
                facts.regency_population.insert(code, thousands);
            }
            continue;
        }
        if let Some(regency) = first.strip_prefix('r') {
            if let Ok(code) = regency.parse() {
                facts.regency_cultures.insert(code, culture_mix(fields));
            }
            continue;
        }
        let (Ok(code), Some(Ok(population)), Some(area_code)) = (
            first.parse::<u8>(),
            fields.next().map(str::parse::<u64>),
            fields.next(),
        ) else {
            continue;
        };
        facts.provinces.insert(
            code,
            ProvinceFacts {
                population_thousands: population,
                area_code,
                cultures: culture_mix(fields),
            },
        );
    }
    for line in include_str!("../data/area_codes.txt").lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some((regency, code)) = line.split_once(' ') {
            if let Ok(regency) = regency.parse() {
                facts.area_codes.insert(regency, code.trim());
            }
        }
    }
    facts.streets = Sections::parse(include_str!("../data/streets.txt"))
        .get("")
        .to_vec();
    facts.words = Sections::parse(include_str!("../data/words.txt"));
    facts
}

static FACTS: LazyLock<Facts> = LazyLock::new(parse_facts);

pub(crate) fn facts() -> &'static Facts {
    &FACTS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_lines(text: &str) -> usize {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count()
    }

    #[test]
    fn every_line_of_the_data_files_is_understood() {
        let f = facts();
        assert_eq!(
            f.provinces.len() + f.regency_cultures.len() + f.regency_population.len(),
            data_lines(include_str!("../data/provinces.txt"))
        );
        assert_eq!(
            f.area_codes.len(),
            data_lines(include_str!("../data/area_codes.txt"))
        );
        for (code, p) in &f.provinces {
            assert!(!p.cultures.is_empty(), "province {code}");
            assert!(p.area_code.starts_with('0'), "province {code}");
        }
        for (code, mix) in &f.regency_cultures {
            assert!(
                wilayah::regency(*code).is_some(),
                "override for unknown {code}"
            );
            assert!(!mix.is_empty(), "{code}");
        }
        for code in f.regency_population.keys() {
            assert!(
                wilayah::regency(*code).is_some(),
                "population for unknown {code}"
            );
        }
        for (code, area) in &f.area_codes {
            assert!(
                wilayah::regency(*code).is_some(),
                "area code for unknown {code}"
            );
            assert!(
                area.starts_with('0') && (3..=4).contains(&area.len()),
                "{code}"
            );
        }
        assert!(f.streets.len() > 50);
        for section in [
            "klinik",
            "apotek",
            "optik",
            "rs",
            "company_prefix",
            "company_word",
        ] {
            assert!(f.words.get(section).len() > 5, "{section}");
        }
    }

    #[test]
    fn every_province_with_regencies_has_facts() {
        for r in wilayah::regencies() {
            assert!(
                facts().provinces.contains_key(&r.province_code),
                "province {}",
                r.province_code
            );
        }
    }
}

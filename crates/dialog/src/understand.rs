//! What one message says, beyond its intent: short answers to the assistant's own questions
//! ("iya", "bukan", "3", a bare date), identifiers and places. Built once per message from the
//! NLU analysis and the text itself.

use chrono::{Datelike, NaiveDate};
use directory::FacilityKind;
use jkn::{CardNumber, CareClass, Msisdn, Nik, Rupiah};
use nlu::{Analysis, EntityValue, Intent};
use std::collections::HashMap;

/// Words that accept ("iya", "boleh", "lanjut"), as normalised by `nlu`.
const YES: &[&str] = &[
    "ya",
    "iya",
    "y",
    "yes",
    "yoi",
    "ok",
    "oke",
    "okay",
    "boleh",
    "mau",
    "setuju",
    "lanjut",
    "lanjutkan",
    "betul",
    "benar",
    "siap",
    "sip",
    "baik",
    "bisa",
    "kirim",
    "daftar",
    "daftarkan",
    "gas",
    "yup",
];
/// Words that decline ("tidak", "bukan", "nanti saja").
const NO: &[&str] = &["tidak", "bukan", "jangan", "no", "nanti", "enggak", "belum"];
/// Words that may surround a yes or a no without changing it ("iya kak", "tidak usah dulu").
const FILLER: &[&str] = &[
    "saya", "kak", "min", "dong", "aja", "saja", "deh", "sih", "ya", "usah", "dulu", "perlu",
    "jadi", "terima", "kasih", "pak", "bu", "mas", "mbak", "sudah", "itu", "lah", "nya",
];
/// Words that abandon what is going on.
const CANCEL: &[&str] = &["batal", "batalkan", "cancel", "stop", "berhenti", "keluar"];
/// Words that ask for the main menu.
const MENU: &[&str] = &["menu", "kembali", "home", "mulai"];
/// Words that skip an optional question.
const SKIP: &[&str] = &["lewati", "melewati", "skip", "lewat"];
/// Casual forms of address: the participant writes informally.
const CASUAL: &[&str] = &["kak", "kakak", "min", "mimin", "admin", "gan", "sis", "bro"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Said {
    /// The text as typed, trimmed.
    pub text: String,
    /// The normalised text.
    pub words: String,
    pub intent: Option<Intent>,
    pub confidence: f32,
    pub yes: bool,
    pub no: bool,
    pub cancel: bool,
    pub menu: bool,
    pub skip: bool,
    pub casual: bool,
    /// The message is just a number ("3", "3 kali", "4x").
    pub number: Option<u32>,
    pub nik: Option<Nik>,
    pub card: Option<CardNumber>,
    pub date: Option<NaiveDate>,
    pub class: Option<CareClass>,
    pub relation: Option<nlu::Relation>,
    pub regency: Option<u16>,
    pub district: Option<u32>,
    pub kind: Option<FacilityKind>,
    pub amount: Option<Rupiah>,
    pub months: Option<u32>,
    pub phone: Option<Msisdn>,
    /// Words not part of any entity, for "is this message only an identity?".
    pub other_words: usize,
}

impl Said {
    pub fn from(text: &str, a: &Analysis, today: NaiveDate) -> Said {
        let text = text.trim().to_string();
        let words = a.normalized.clone();
        let tokens: Vec<&str> = words.split_whitespace().collect();
        let short = tokens.len() <= 3;
        let has = |set: &[&str]| tokens.iter().any(|t| set.contains(t));
        let mut s = Said {
            intent: Some(a.intent),
            confidence: a.confidence,
            yes: short
                && tokens.first().is_some_and(|t| YES.contains(t))
                && tokens.iter().all(|t| YES.contains(t) || FILLER.contains(t)),
            no: short
                && has(NO)
                && tokens
                    .iter()
                    .all(|t| NO.contains(t) || FILLER.contains(t) || YES.contains(t)),
            cancel: short && (has(CANCEL) || words == "tidak jadi"),
            menu: short
                && has(MENU)
                && tokens
                    .iter()
                    .all(|t| MENU.contains(t) || matches!(*t, "utama" | "ke" | "lihat")),
            skip: short && (has(SKIP) || words == "belum ada" || words == "tidak ada"),
            casual: has(CASUAL),
            number: bare_number(&tokens),
            ..Said::default()
        };
        s.text = text.clone();
        s.words = words.clone();
        for e in &a.entities {
            match &e.value {
                EntityValue::Nik(n) => s.nik = Some(n.clone()),
                EntityValue::CardNumber(c) => s.card = Some(c.clone()),
                EntityValue::Date(d) => s.date = s.date.or(Some(*d)),
                EntityValue::MonthCount(m) => s.months = Some(*m),
                EntityValue::Amount(r) => s.amount = Some(*r),
                EntityValue::CareClass(c) => s.class = Some(*c),
                EntityValue::Relation(r) => s.relation = s.relation.or(Some(*r)),
                EntityValue::Regency(r) => s.regency = s.regency.or(Some(*r)),
                EntityValue::District(d) => s.district = s.district.or(Some(*d)),
                EntityValue::FacilityKind(k) => s.kind = s.kind.or(Some(*k)),
            }
        }
        if s.date.is_none() {
            s.date = compact_date(&text, today);
        }
        s.phone = phone_in(&text);
        let covered: usize = a.entities.iter().map(|e| e.end - e.start).sum();
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        s.other_words = if covered == 0 {
            tokens.len()
        } else {
            // Words outside entities, roughly: the share of the text not covered.
            tokens
                .len()
                .saturating_sub(a.entities.len())
                .min(chars.saturating_sub(covered) / 3)
        };
        s
    }

    /// A place the message names, from the entities or, failing those, a regency name
    /// anywhere in it ("jember", "kota malang"), which `nlu` only accepts after a cue.
    pub fn place(&self) -> Option<Place> {
        if let Some(d) = self.district {
            return Some(Place::District(d));
        }
        if let Some(r) = self.regency {
            return Some(Place::Regency(r));
        }
        regency_named_in(&self.words).map(Place::Regency)
    }

    /// The message only gives identity data (an identifier and maybe a date), nothing else.
    pub fn is_identity_only(&self) -> bool {
        (self.nik.is_some() || self.card.is_some()) && self.other_words <= 4
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Regency(u16),
    District(u32),
}

impl Place {
    pub fn regency_code(self) -> u16 {
        match self {
            Place::Regency(r) => r,
            Place::District(d) => (d / 100) as u16,
        }
    }
}

/// "3", "3 kali", "4x" (normalised to "4 kali"), "ke-2", "nomor 2".
fn bare_number(tokens: &[&str]) -> Option<u32> {
    let filler = |t: &&str| matches!(*t, "kali" | "x" | "ke" | "nomor" | "no" | "pilih" | "yang");
    let rest: Vec<&&str> = tokens.iter().filter(|t| !filler(t)).collect();
    match rest.as_slice() {
        [n] => n
            .trim_start_matches("ke-")
            .parse()
            .ok()
            .filter(|n| *n < 1000),
        _ => None,
    }
}

/// Dates `nlu` leaves alone: eight digits `17081985` (DDMMYYYY) and `1985/08/17`.
fn compact_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        let (d, m, y) = (
            t[0..2].parse().ok()?,
            t[2..4].parse().ok()?,
            t[4..8].parse().ok()?,
        );
        return NaiveDate::from_ymd_opt(y, m, d).filter(|d| *d <= today && d.year() > 1900);
    }
    NaiveDate::parse_from_str(t, "%Y/%m/%d").ok()
}

/// A mobile number anywhere in the text (`0812…`, `+62 812-3456-7890`): runs of digits and
/// separators are tried whole, then word by word (an NIK next to a phone number).
fn phone_in(text: &str) -> Option<Msisdn> {
    let runs = text.split(|c: char| !(c.is_ascii_digit() || "+-.() ".contains(c)));
    for run in runs {
        let digits = run.chars().filter(|c| c.is_ascii_digit()).count();
        if digits < 10 {
            continue;
        }
        if let Ok(m) = Msisdn::parse(run.trim()) {
            return Some(m);
        }
        if let Some(m) = run.split_whitespace().find_map(|w| Msisdn::parse(w).ok()) {
            return Some(m);
        }
    }
    None
}

/// A regency's name as searched for: each spelling padded with spaces, built once.
struct RegencyNeedles {
    code: u16,
    city: bool,
    /// Too short or an everyday word: a match counts only with "kota"/"kab" in front.
    needs_prefix: bool,
    bare: String,
    kota: String,
    kabupaten: String,
    kab: String,
}

/// Every regency's needles, and where to find them by the first word of the bare name.
struct RegencyIndex {
    needles: Vec<RegencyNeedles>,
    by_first_word: HashMap<String, Vec<usize>>,
}

fn regency_index() -> &'static RegencyIndex {
    static INDEX: std::sync::OnceLock<RegencyIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let needles: Vec<RegencyNeedles> = wilayah::regencies()
            .iter()
            .map(|r| {
                let short = r.short_name().to_lowercase();
                RegencyNeedles {
                    code: r.code,
                    city: r.is_city(),
                    needs_prefix: short.len() < 4 || COMMON_WORDS.contains(&short.as_str()),
                    bare: format!(" {short} "),
                    kota: format!(" kota {short} "),
                    kabupaten: format!(" kabupaten {short} "),
                    kab: format!(" kab {short} "),
                }
            })
            .collect();
        let mut by_first_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in needles.iter().enumerate() {
            let first = n.bare[1..].split(' ').next().unwrap_or_default();
            by_first_word.entry(first.to_owned()).or_default().push(i);
        }
        RegencyIndex {
            needles,
            by_first_word,
        }
    })
}

/// A regency or city named anywhere in a normalised text; the longest name wins, so
/// "kota malang" is the city. A name that is also an everyday word needs "kota"/"kab" first.
pub fn regency_named_in(words: &str) -> Option<u16> {
    let padded = format!(" {words} ");
    let index = regency_index();
    // Every spelling contains the bare name " name ", whose first word then stands between
    // two spaces: only the regencies whose first word is one of the text's can match. This
    // runs on nearly every message; scanning all 500-odd names each time was measurable.
    let mut candidates: Vec<usize> = padded
        .split(' ')
        .filter_map(|word| index.by_first_word.get(word))
        .flatten()
        .copied()
        .collect();
    // In table order, so that ties resolve as they always have.
    candidates.sort_unstable();
    candidates.dedup();
    best_named(&padded, candidates.iter().map(|&i| &index.needles[i]))
}

/// The best of these regencies named in `padded` (the text with a space on either side).
fn best_named<'a>(
    padded: &str,
    regencies: impl Iterator<Item = &'a RegencyNeedles>,
) -> Option<u16> {
    let mut best: Option<(usize, u16)> = None;
    for r in regencies {
        // Every spelling contains the bare name: most candidates are ruled out by one search.
        if !padded.contains(&r.bare) {
            continue;
        }
        let candidates = [
            (&r.kota, r.city, false),
            (&r.kabupaten, !r.city, false),
            (&r.kab, !r.city, false),
            (&r.bare, true, true),
        ];
        for (needle, fits, bare) in candidates {
            if !fits || (bare && r.needs_prefix) || !padded.contains(needle.as_str()) {
                continue;
            }
            let len = needle.len();
            // Prefer the regency over a city of the same bare name (Kab. Malang vs Kota
            // Malang) only when the text says which; otherwise the city, where offices sit.
            let better = match best {
                None => true,
                Some((l, _)) => len > l || (len == l && r.city),
            };
            if better {
                best = Some((len, r.code));
            }
        }
    }
    best.map(|(_, code)| code)
}

/// Regency names that are everyday words too; without "kota"/"kab" they are not places.
const COMMON_WORDS: &[&str] = &[
    "karo", "toba", "metro", "batu", "bone", "ende", "belu", "buru", "palu", "kaur", "pati",
    "kudus", "tegal", "lahat", "sigi", "tual", "muna", "agam", "alor", "bima", "ngada", "siak",
    "nias", "paser", "lebak", "buol", "tapin", "barru", "dompu", "sikka", "poso", "luwu", "asahan",
    "banjar", "kota", "pinrang", "soppeng", "bangli", "badung", "kapuas", "berau", "jaya",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Words around the names: everyday words, prefixes out of place, and first words of
    /// two-word regencies on their own ("tanah", "pulau"), which must not match alone.
    const FILLER: &[&str] = &[
        "saya", "di", "tinggal", "kantor", "tanah", "pulau", "utara", "selatan", "barat", "kota",
        "kab", "batu", "bone", "dekat", "mau", "ke", "labuhan", "tanjung",
    ];

    proptest! {
        /// The first-word index only narrows the search: it answers what a scan of every
        /// regency answers, for texts that name several places, with and without prefixes.
        #[test]
        fn the_first_word_index_answers_what_a_full_scan_answers(
            parts in proptest::collection::vec(
                (0usize..1000, 0usize..5, 0usize..FILLER.len(), any::<bool>()),
                1..5,
            )
        ) {
            let regencies = wilayah::regencies();
            let mut text = String::new();
            for (r, prefix, filler, double_space) in parts {
                text.push_str(FILLER[filler]);
                text.push(' ');
                if prefix < 4 {
                    text.push_str(["", "kota ", "kab ", "kabupaten "][prefix]);
                    text.push_str(&regencies[r % regencies.len()].short_name().to_lowercase());
                }
                text.push_str(if double_space { "  " } else { " " });
            }
            let text = text.trim_end();
            let full_scan = best_named(&format!(" {text} "), regency_index().needles.iter());
            prop_assert_eq!(regency_named_in(text), full_scan, "{}", text);
        }
    }

    fn said(text: &str) -> Said {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let a = nlu::Nlu::shipped().unwrap().analyze(text, today);
        Said::from(text, &a, today)
    }

    #[test]
    fn short_answers_are_understood_in_their_common_forms() {
        for y in ["iya", "ya", "y", "oke", "boleh", "iya betul", "lanjut"] {
            assert!(said(y).yes, "{y}");
        }
        for n in ["gak", "tidak", "bukan", "nggak usah", "enggak"] {
            let s = said(n);
            assert!(s.no && !s.yes, "{n}");
        }
        assert!(said("batal").cancel);
        assert!(said("tidak jadi").cancel);
        assert!(!said("tidak bisa login mobile jkn").no);
    }

    #[test]
    fn a_bare_number_is_an_answer_but_a_number_in_a_sentence_is_not() {
        assert_eq!(said("3").number, Some(3));
        assert_eq!(said("4x").number, Some(4));
        assert_eq!(said("3 kali").number, Some(3));
        assert_eq!(said("nunggak 3 bulan").number, None);
    }

    #[test]
    fn birth_dates_in_common_formats() {
        let d = NaiveDate::from_ymd_opt(1985, 8, 17);
        for t in [
            "17-08-1985",
            "17/8/1985",
            "17 agustus 1985",
            "1985-08-17",
            "17081985",
        ] {
            assert_eq!(said(t).date, d, "{t}");
        }
    }

    #[test]
    fn places_are_found_with_or_without_a_cue() {
        assert_eq!(
            said("kantor bpjs jember").place(),
            Some(Place::Regency(3509))
        );
        assert_eq!(said("jember").place(), Some(Place::Regency(3509)));
        assert_eq!(said("kota malang").place(), Some(Place::Regency(3573)));
        assert_eq!(
            said("puskesmas di kecamatan patrang").place(),
            Some(Place::District(350920))
        );
        assert_eq!(said("mau bayar iuran").place(), None);
    }

    #[test]
    fn phone_numbers_in_text() {
        assert_eq!(
            said("no hp saya 0812-3456-7890")
                .phone
                .map(|m| m.expose().to_string()),
            Some("6281234567890".to_string())
        );
        assert_eq!(
            said("+62 812 3456 7890")
                .phone
                .map(|m| m.expose().to_string()),
            Some("6281234567890".to_string())
        );
    }
}

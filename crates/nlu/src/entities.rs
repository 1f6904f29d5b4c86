//! Deterministic entity extraction over a normalised message.
//!
//! Spans are **char offsets** (Unicode scalar values, end exclusive) into the ORIGINAL message,
//! so `text.chars().skip(start).take(end - start)` is what the participant typed; use
//! [`Entity::byte_range`] to slice a `&str` directly.
//!
//! Values are normalised and typed: an NIK is a validated [`jkn::Nik`], an amount a
//! [`jkn::Rupiah`], a date a calendar date resolved against the `today` passed in (never the
//! clock), a place a `wilayah` code.

use crate::hash::{FxHashMap, FxHashSet};
use crate::lexicon::LEXICON;
use crate::normalize::{Normalized, TokenKind};
use chrono::{Datelike, Days, Months, NaiveDate};
use directory::FacilityKind;
use jkn::{CardNumber, CareClass, Nik, Rupiah};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;

/// A family relation named in the message ("bpjs istri saya", "daftarin bayi").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Anak,
    Istri,
    Suami,
    Ibu,
    Bapak,
    Bayi,
    OrangTua,
    Mertua,
    Adik,
    Kakak,
    Cucu,
}

impl Relation {
    pub fn code(self) -> &'static str {
        match self {
            Relation::Anak => "anak",
            Relation::Istri => "istri",
            Relation::Suami => "suami",
            Relation::Ibu => "ibu",
            Relation::Bapak => "bapak",
            Relation::Bayi => "bayi",
            Relation::OrangTua => "orang_tua",
            Relation::Mertua => "mertua",
            Relation::Adik => "adik",
            Relation::Kakak => "kakak",
            Relation::Cucu => "cucu",
        }
    }
}

/// A normalised entity value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityValue {
    Nik(Nik),
    CardNumber(CardNumber),
    Date(NaiveDate),
    /// A duration in months ("8 bulan" = 8, "setahun" = 12).
    MonthCount(u32),
    Amount(Rupiah),
    CareClass(CareClass),
    Relation(Relation),
    /// A regency or city, by its 4-digit `wilayah` code.
    Regency(u16),
    /// A district (kecamatan), by its 6-digit `wilayah` code.
    District(u32),
    FacilityKind(FacilityKind),
}

impl EntityValue {
    /// The kind name used in the JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            EntityValue::Nik(_) => "nik",
            EntityValue::CardNumber(_) => "card_number",
            EntityValue::Date(_) => "date",
            EntityValue::MonthCount(_) => "month_count",
            EntityValue::Amount(_) => "amount",
            EntityValue::CareClass(_) => "care_class",
            EntityValue::Relation(_) => "relation",
            EntityValue::Regency(_) => "regency",
            EntityValue::District(_) => "district",
            EntityValue::FacilityKind(_) => "facility_kind",
        }
    }

    /// The value as JSON: identifiers as digit strings, dates ISO, amounts integer rupiah,
    /// places by code, the rest by code name.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            EntityValue::Nik(n) => Value::from(n.expose()),
            EntityValue::CardNumber(c) => Value::from(c.expose()),
            EntityValue::Date(d) => Value::from(d.format("%Y-%m-%d").to_string()),
            EntityValue::MonthCount(m) => Value::from(*m),
            EntityValue::Amount(r) => Value::from(r.amount()),
            EntityValue::CareClass(c) => Value::from(c.number()),
            EntityValue::Relation(r) => Value::from(r.code()),
            EntityValue::Regency(c) => Value::from(*c),
            EntityValue::District(c) => Value::from(*c),
            EntityValue::FacilityKind(k) => Value::from(k.code()),
        }
    }
}

/// An entity found in a message, with its span in the original text in char offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub value: EntityValue,
    /// First char of the entity in the original message.
    pub start: usize,
    /// One past its last char.
    pub end: usize,
}

impl Entity {
    pub fn kind(&self) -> &'static str {
        self.value.kind()
    }

    /// The span as a byte range of `text` (the message it was extracted from).
    pub fn byte_range(&self, text: &str) -> Range<usize> {
        let mut indices = text.char_indices().map(|(b, _)| b).chain([text.len()]);
        let start = indices.nth(self.start).unwrap_or(text.len());
        let end = if self.end > self.start {
            text.char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .nth(self.end)
                .unwrap_or(text.len())
        } else {
            start
        };
        start..end
    }

    /// The original text of the entity.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.byte_range(text)).unwrap_or("")
    }
}

/// The place name of a regency as people write it: without "Kab."/"Kota"/"Adm.".
pub(crate) fn regency_short_name(r: &wilayah::Regency) -> &'static str {
    let name = r.name;
    let name = name
        .strip_prefix("Kab. ")
        .or_else(|| name.strip_prefix("Kab "))
        .or_else(|| name.strip_prefix("Kota "))
        .unwrap_or(name);
    name.strip_prefix("Adm. ").unwrap_or(name)
}

fn is_city(r: &wilayah::Regency) -> bool {
    r.name.starts_with("Kota ")
}

/// Folds a place name the way message surfaces are folded: lower case, words separated by
/// single spaces, punctuation dropped.
fn fold_name(name: &str) -> String {
    let mut folded = String::new();
    for c in name.chars() {
        crate::normalize::fold_into(c, &mut folded);
    }
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Single-word regency names that are also everyday words ("karo" is Javanese for "with",
/// "palu" a hammer): these need a place cue before them ("di", "kab", "kota", ...).
const REGENCY_NEEDS_CUE: &[&str] = &[
    "karo", "toba", "metro", "batu", "bone", "ende", "belu", "buru", "palu", "kaur", "pati",
    "kudus", "tegal", "lahat", "sigi", "tual", "muna", "agam", "alor", "bima", "ngada", "siak",
    "nias", "paser", "lebak", "buol", "tapin", "barru", "dompu", "sikka", "poso", "luwu",
];

/// Words after which a place name is expected.
const PLACE_CUES: &[&str] = &[
    "di",
    "ke",
    "dari",
    "kab",
    "kabupaten",
    "kota",
    "daerah",
    "wilayah",
    "cabang",
    "kc",
    "kec",
    "kecamatan",
    "sekitar",
    "area",
    "domisili",
    "tinggal",
    "wil",
    "dekat",
    "deket",
];

/// Nicknames that are not in the official names.
const PLACE_ALIASES: &[(&str, u16)] = &[
    ("jogja", 3471),
    ("jogjakarta", 3471),
    ("yogya", 3471),
    ("jogya", 3471),
    ("yogyakarta", 3471),
    ("solo", 3372),
    ("jaksel", 3174),
    ("jakpus", 3171),
    ("jakbar", 3173),
    ("jaktim", 3175),
    ("jakut", 3172),
    ("bdg", 3273),
    ("sby", 3578),
    ("smg", 3374),
    ("mks", 7371),
    ("dps", 5171),
    ("plg", 1671),
    ("tangsel", 3674),
];

struct Places {
    /// Folded name → regencies with that name, and whether a cue word is needed first.
    regencies: FxHashMap<String, (Vec<u16>, bool)>,
    /// Folded name → districts with that name, and whether a cue word is needed first.
    districts: FxHashMap<String, (Vec<u32>, bool)>,
    /// First words of every name, to skip most tokens with one lookup.
    first_words: FxHashSet<String>,
    /// Longest name in words.
    max_words: usize,
}

static PLACES: LazyLock<Places> = LazyLock::new(|| {
    let lx = &*LEXICON;
    let mut regencies: FxHashMap<String, (Vec<u16>, bool)> = FxHashMap::default();
    let mut districts: FxHashMap<String, (Vec<u32>, bool)> = FxHashMap::default();
    let mut first_words = FxHashSet::default();
    let mut max_words = 1;
    let note = |name: &str, first_words: &mut FxHashSet<String>, max_words: &mut usize| {
        let words: Vec<&str> = name.split(' ').collect();
        if let Some(first) = words.first() {
            first_words.insert((*first).to_string());
        }
        *max_words = (*max_words).max(words.len());
    };
    for r in wilayah::regencies() {
        let short = fold_name(regency_short_name(r));
        if short.is_empty() {
            continue;
        }
        let needs_cue = REGENCY_NEEDS_CUE.contains(&short.as_str())
            || (!short.contains(' ') && lx.recognised(&short));
        note(&short, &mut first_words, &mut max_words);
        let e = regencies
            .entry(short)
            .or_insert_with(|| (Vec::new(), needs_cue));
        e.0.push(r.code);
    }
    for (alias, code) in PLACE_ALIASES {
        note(alias, &mut first_words, &mut max_words);
        regencies
            .entry((*alias).to_string())
            .or_insert_with(|| (Vec::new(), false))
            .0
            .push(*code);
    }
    for d in wilayah::districts() {
        let name = fold_name(d.name);
        if name.chars().count() < 4 || regencies.contains_key(&name) {
            continue;
        }
        // A district called like an everyday word ("Kota", "Ayah", "Raya") only counts after
        // "kec"/"kecamatan"/"di".
        let needs_cue = name.split(' ').all(|w| lx.recognised(w)) || name.chars().count() < 5;
        note(&name, &mut first_words, &mut max_words);
        let e = districts
            .entry(name)
            .or_insert_with(|| (Vec::new(), needs_cue));
        e.0.push(d.code);
        e.1 |= needs_cue;
    }
    Places {
        regencies,
        districts,
        first_words,
        max_words: max_words.min(5),
    }
});

const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("jan", 1),
    ("februari", 2),
    ("pebruari", 2),
    ("feb", 2),
    ("peb", 2),
    ("maret", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("agustus", 8),
    ("agu", 8),
    ("agt", 8),
    ("agus", 8),
    ("ags", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("oktober", 10),
    ("okt", 10),
    ("oct", 10),
    ("november", 11),
    ("nopember", 11),
    ("nov", 11),
    ("desember", 12),
    ("des", 12),
    ("dec", 12),
];

fn month_of(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(w, _)| *w == word).map(|(_, m)| *m)
}

fn number_word(word: &str) -> Option<u32> {
    Some(match word {
        "satu" | "se" => 1,
        "dua" => 2,
        "tiga" => 3,
        "empat" => 4,
        "lima" => 5,
        "enam" => 6,
        "tujuh" => 7,
        "delapan" => 8,
        "sembilan" => 9,
        "sepuluh" => 10,
        "sebelas" => 11,
        _ => return None,
    })
}

/// Digits of a number token with its separators removed.
fn digits_only(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A plain non-negative integer token ("5", "12"), no separators.
fn plain_int(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A number as written in an amount: "150.000" and "150,000" are thousands groups; "1,5" and
/// "1.5" are decimals. Returns (mantissa, decimals) so that money never becomes floating point.
fn amount_number(s: &str) -> Option<(i64, u32)> {
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mantissa = |s: &str| -> Option<i64> {
        if s.len() > 15 {
            None
        } else {
            s.parse().ok()
        }
    };
    match groups.as_slice() {
        [one] => Some((mantissa(one)?, 0)),
        [first, rest @ ..]
            if first.len() <= 3 && !first.is_empty() && rest.iter().all(|g| g.len() == 3) =>
        {
            Some((mantissa(&groups.concat())?, 0))
        }
        [int, frac] if frac.len() <= 2 => {
            Some((mantissa(&format!("{int}{frac}"))?, frac.len() as u32))
        }
        _ => None,
    }
}

fn has_thousands_groups(s: &str) -> bool {
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    groups.len() >= 2
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
}

/// Resolves a two-digit year to the latest century that does not put the date after today;
/// four-digit years are taken as written.
fn resolve_year(raw: &str, month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    let y: i32 = raw.parse().ok()?;
    match raw.len() {
        4 if (1900..=2100).contains(&y) => NaiveDate::from_ymd_opt(y, month, day),
        2 => {
            let century = today.year() - today.year().rem_euclid(100);
            [century + y, century - 100 + y]
                .into_iter()
                .filter_map(|yy| NaiveDate::from_ymd_opt(yy, month, day))
                .find(|d| *d <= today)
        }
        _ => None,
    }
}

/// Day/month[/year] written with separators: "12/03/1988", "12-3-88", "12.03.1988",
/// "1988-03-12", "5/3".
fn slash_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if s.contains(',') || s.contains(':') {
        return None;
    }
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && (y.len() == 2 || y.len() == 4) => {
            // "150.000.000" has 3-digit groups and is money, not a date.
            resolve_year(y, m.parse().ok()?, d.parse().ok()?, today)
        }
        [d, m] if d.len() <= 2 && m.len() <= 2 && s.contains('/') => {
            NaiveDate::from_ymd_opt(today.year(), m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

/// The possessive or context words that make "ibu"/"bapak" a relation rather than a way of
/// addressing the agent ("bu, mau tanya").
const POSSESSIVES: &[&str] = &["saya", "aku", "ku", "kami", "nya", "kita", "beta"];
const RELATION_CONTEXT: &[&str] = &[
    "untuk",
    "buat",
    "punya",
    "kartu",
    "bpjs",
    "status",
    "data",
    "nama",
    "daftarkan",
    "tambahkan",
    "masukkan",
    "hapus",
    "keluarkan",
    "anggota",
    "dan",
    "sama",
    "istri",
    "suami",
    "anak",
    "jkn",
    "kis",
    "iuran",
    "almarhum",
    "almarhumah",
];

struct Extractor<'a> {
    n: &'a Normalized,
    used: Vec<bool>,
    out: Vec<Entity>,
    today: NaiveDate,
}

impl<'a> Extractor<'a> {
    fn word(&self, i: usize) -> &'a str {
        self.n.word(i)
    }

    fn kind(&self, i: usize) -> Option<TokenKind> {
        self.n.tokens().get(i).map(|t| t.kind)
    }

    fn free(&self, range: Range<usize>) -> bool {
        range.end <= self.used.len() && self.used[range].iter().all(|u| !u)
    }

    fn emit(&mut self, tokens: Range<usize>, value: EntityValue) {
        let toks = self.n.tokens();
        let (Some(first), Some(last)) = (toks.get(tokens.start), toks.get(tokens.end - 1)) else {
            return;
        };
        let (start, end) = (first.start, last.end.max(first.end));
        for u in &mut self.used[tokens] {
            *u = true;
        }
        self.out.push(Entity { value, start, end });
    }

    /// Two tokens are adjacent when only one separator char lies between them in the
    /// original ("3509 0145 0388 0001").
    fn adjacent(&self, a: usize, b: usize) -> bool {
        let t = self.n.tokens();
        match (t.get(a), t.get(b)) {
            (Some(x), Some(y)) => y.start <= x.end + 1,
            _ => false,
        }
    }

    fn identifiers(&mut self) {
        let len = self.n.len();
        let mut i = 0;
        while i < len {
            if self.kind(i) != Some(TokenKind::Number) || !self.free(i..i + 1) {
                i += 1;
                continue;
            }
            let mut digits = String::new();
            let mut found = false;
            let mut j = i;
            while j < len && self.kind(j) == Some(TokenKind::Number) && self.free(j..j + 1) {
                if j > i && !self.adjacent(j - 1, j) {
                    break;
                }
                let w = self.word(j);
                if w.contains([',', '/', ':']) {
                    break;
                }
                digits.push_str(&digits_only(w));
                if digits.len() > 16 {
                    break;
                }
                if digits.len() == 16 {
                    if let Ok(nik) = Nik::parse(&digits) {
                        self.emit(i..j + 1, EntityValue::Nik(nik));
                        found = true;
                    }
                    break;
                }
                // A 13-digit number starting with 08 or 62 is a phone number, not a card.
                if digits.len() == 13
                    && !digits.starts_with("08")
                    && !digits.starts_with("62")
                    && (j + 1 >= len
                        || self.kind(j + 1) != Some(TokenKind::Number)
                        || !self.adjacent(j, j + 1))
                {
                    if let Ok(card) = CardNumber::parse(&digits) {
                        self.emit(i..j + 1, EntityValue::CardNumber(card));
                        found = true;
                    }
                    break;
                }
                j += 1;
            }
            i = if found { j + 1 } else { i + 1 };
        }
    }

    fn dates(&mut self) {
        let len = self.n.len();
        let today = self.today;
        for i in 0..len {
            if !self.free(i..i + 1) {
                continue;
            }
            let w = self.word(i);
            // "12/03/1988", "1988-03-12"
            if self.kind(i) == Some(TokenKind::Number) && w.contains(['/', '-', '.']) {
                if let Some(d) = slash_date(w, today) {
                    self.emit(i..i + 1, EntityValue::Date(d));
                }
                continue;
            }
            // "5 maret 88", "tgl 5 mei", "tanggal 5 bulan 3 2024"
            if self.kind(i) == Some(TokenKind::Number) {
                let Some(day) = plain_int(w).filter(|d| (1..=31).contains(d)) else {
                    continue;
                };
                let after_tanggal = i > 0 && self.word(i - 1) == "tanggal" && self.free(i - 1..i);
                let from = if after_tanggal { i - 1 } else { i };
                let (month, mut next) = match (month_of(self.word(i + 1)), self.word(i + 1)) {
                    (Some(m), _) => (Some(m), i + 2),
                    (None, "bulan") => match plain_int(self.word(i + 2)) {
                        Some(m) if (1..=12).contains(&m) && after_tanggal => (Some(m), i + 3),
                        _ => (None, i + 1),
                    },
                    _ => (None, i + 1),
                };
                if let Some(month) = month {
                    let year_word = self.word(next);
                    let with_year = (self.kind(next) == Some(TokenKind::Number))
                        .then(|| resolve_year(year_word, month, day, today))
                        .flatten();
                    let date = match with_year {
                        Some(d) => {
                            next += 1;
                            Some(d)
                        }
                        None => NaiveDate::from_ymd_opt(today.year(), month, day),
                    };
                    if let Some(d) = date {
                        if self.free(from..next) {
                            self.emit(from..next, EntityValue::Date(d));
                        }
                    }
                    continue;
                }
                if after_tanggal {
                    // A day of the month alone: this month, moved a month back or forward when
                    // the message says it is past ("kemarin", "lalu") or to come ("depan").
                    let Some(mut d) = NaiveDate::from_ymd_opt(today.year(), today.month(), day)
                    else {
                        continue;
                    };
                    let cue = self.word(i + 1);
                    let mut to = i + 1;
                    if matches!(cue, "kemarin" | "lalu" | "kmarin") {
                        to = i + 2;
                        if d > today {
                            d = d.checked_sub_months(Months::new(1)).unwrap_or(d);
                        }
                    } else if matches!(cue, "depan" | "besok" | "nanti") {
                        to = i + 2;
                        if d < today {
                            d = d.checked_add_months(Months::new(1)).unwrap_or(d);
                        }
                    }
                    let _ = to;
                    self.emit(from..i + 1, EntityValue::Date(d));
                    if to == i + 2 && self.free(i + 1..i + 2) {
                        // The cue word is part of this date, not a date of its own.
                        self.used[i + 1] = true;
                    }
                }
                continue;
            }
            let offset = match w {
                "kemarin" if self.word(i + 1) == "lusa" => Some((-2i64, i + 2)),
                "kemarin" | "kmarin" => Some((-1, i + 1)),
                "besok" => Some((1, i + 1)),
                "lusa" => Some((2, i + 1)),
                "hari" if self.word(i + 1) == "ini" => Some((0, i + 2)),
                _ => None,
            };
            if let Some((days, to)) = offset {
                let d = if days < 0 {
                    today.checked_sub_days(Days::new(days.unsigned_abs()))
                } else {
                    today.checked_add_days(Days::new(days as u64))
                };
                if let Some(d) = d {
                    if self.free(i..to) {
                        self.emit(i..to, EntityValue::Date(d));
                    }
                }
            }
        }
    }

    fn amounts(&mut self) {
        let len = self.n.len();
        for i in 0..len {
            if !self.free(i..i + 1) {
                continue;
            }
            let with_rp = self.word(i) == "rp";
            let num_at = if with_rp { i + 1 } else { i };
            if self.kind(num_at) != Some(TokenKind::Number) || !self.free(num_at..num_at + 1) {
                continue;
            }
            let w = self.word(num_at);
            let Some((mantissa, decimals)) = amount_number(w) else {
                continue;
            };
            let (multiplier, end) = match self.word(num_at + 1) {
                "ribu" => (1_000i64, num_at + 2),
                "juta" => (1_000_000, num_at + 2),
                "miliar" | "milyar" | "m" => (1_000_000_000, num_at + 2),
                _ => (1, num_at + 1),
            };
            if multiplier == 1 && !with_rp && !has_thousands_groups(w) {
                continue;
            }
            if multiplier == 1 && decimals > 0 {
                continue;
            }
            let scale = 10i64.pow(decimals);
            let Some(value) = mantissa.checked_mul(multiplier).map(|v| v / scale) else {
                continue;
            };
            self.emit(i..end, EntityValue::Amount(Rupiah::new(value)));
        }
    }

    fn month_counts(&mut self) {
        let len = self.n.len();
        for i in 0..len {
            if !self.free(i..i + 1) {
                continue;
            }
            let w = self.word(i);
            let (count_tenths, unit_at) = if self.kind(i) == Some(TokenKind::Number) {
                match amount_number(w) {
                    Some((m, 0)) if m <= 600 => (m * 10, i + 1),
                    Some((m, 1)) => (m, i + 1),
                    _ => continue,
                }
            } else if let Some(v) = number_word(w) {
                // "dua belas bulan", "dua puluh empat bulan"
                let mut v = i64::from(v);
                let mut at = i + 1;
                if self.word(at) == "belas" {
                    v += 10;
                    at += 1;
                } else if self.word(at) == "puluh" {
                    v *= 10;
                    at += 1;
                    if let Some(u) = number_word(self.word(at)) {
                        v += i64::from(u);
                        at += 1;
                    }
                }
                (v * 10, at)
            } else {
                match w {
                    "sebulan" => (10, usize::MAX),
                    "setahun" => (120, usize::MAX),
                    _ => continue,
                }
            };
            let (months_tenths, end) = if unit_at == usize::MAX {
                (count_tenths, i + 1)
            } else {
                match self.word(unit_at) {
                    "bulan" => (count_tenths, unit_at + 1),
                    "tahun" => {
                        // "umur 5 tahun" is an age, not a duration.
                        if i > 0 && matches!(self.word(i - 1), "umur" | "usia") {
                            continue;
                        }
                        (count_tenths * 12, unit_at + 1)
                    }
                    _ => continue,
                }
            };
            if months_tenths % 10 != 0 || months_tenths == 0 || !self.free(i..end) {
                continue;
            }
            let months = u32::try_from(months_tenths / 10).unwrap_or(0);
            if (1..=600).contains(&months) {
                self.emit(i..end, EntityValue::MonthCount(months));
            }
        }
    }

    fn care_classes(&mut self) {
        let len = self.n.len();
        for i in 0..len {
            if self.word(i) != "kelas" || !self.free(i..i + 2) {
                continue;
            }
            let next = self.word(i + 1);
            let surface = self.n.surface(i + 1);
            let n = match (next, surface) {
                ("1" | "satu", _) | (_, "i") => 1,
                ("2" | "dua", _) | (_, "ii") => 2,
                ("3" | "tiga", _) | (_, "iii") => 3,
                _ => continue,
            };
            if let Ok(c) = CareClass::try_from(n) {
                self.emit(i..i + 2, EntityValue::CareClass(c));
            }
        }
    }

    fn relations(&mut self) {
        let len = self.n.len();
        let mut i = 0;
        while i < len {
            if !self.free(i..i + 1) {
                i += 1;
                continue;
            }
            let w = self.word(i);
            let strong = match (w, self.word(i + 1)) {
                ("orang", "tua") => Some((Relation::OrangTua, 2)),
                ("anak", _) => Some((Relation::Anak, 1)),
                ("istri", _) => Some((Relation::Istri, 1)),
                ("suami", _) => Some((Relation::Suami, 1)),
                ("bayi", _) => Some((Relation::Bayi, 1)),
                ("mertua", _) => Some((Relation::Mertua, 1)),
                ("adik", _) => Some((Relation::Adik, 1)),
                ("ayah", _) => Some((Relation::Bapak, 1)),
                ("cucu", _) => Some((Relation::Cucu, 1)),
                _ => None,
            };
            let weak = match w {
                "ibu" | "mama" | "emak" => Some(Relation::Ibu),
                "bapak" | "papa" => Some(Relation::Bapak),
                "kakak" => Some(Relation::Kakak),
                _ => None,
            };
            let found = strong.or_else(|| {
                let r = weak?;
                let next = self.word(i + 1);
                let prev = if i > 0 { self.word(i - 1) } else { "" };
                let owned = POSSESSIVES.contains(&next) || RELATION_CONTEXT.contains(&prev);
                owned.then_some((r, 1))
            });
            let Some((rel, mut width)) = found else {
                i += 1;
                continue;
            };
            // "anak anak" (from "anak2") is one mention.
            if width == 1 && self.word(i + 1) == w {
                width = 2;
            }
            // "orang tua" must not be read as a second relation.
            self.emit(i..i + width, EntityValue::Relation(rel));
            i += width;
        }
    }

    fn places(&mut self) {
        let places = &*PLACES;
        let len = self.n.len();
        let mut key = String::new();
        let mut regency_codes: Vec<u16> = Vec::new();
        let mut district_hits: Vec<(Range<usize>, Vec<u32>)> = Vec::new();
        let mut i = 0;
        while i < len {
            if !self.free(i..i + 1)
                || self.kind(i) != Some(TokenKind::Word)
                || !places.first_words.contains(self.n.surface(i))
            {
                i += 1;
                continue;
            }
            let prev = if i > 0 { self.n.surface(i - 1) } else { "" };
            let prev_word = if i > 0 { self.word(i - 1) } else { "" };
            let cued = PLACE_CUES.contains(&prev) || PLACE_CUES.contains(&prev_word);
            let mut matched = false;
            for width in (1..=places.max_words.min(len - i)).rev() {
                key.clear();
                for k in i..i + width {
                    if k > i {
                        key.push(' ');
                    }
                    key.push_str(self.n.surface(k));
                }
                // The same original chunk can yield two tokens ("anak2"); a name must not.
                if width > 1 && !self.free(i..i + width) {
                    continue;
                }
                if let Some((codes, needs_cue)) = places.regencies.get(key.as_str()) {
                    if *needs_cue && !cued {
                        continue;
                    }
                    let want_city = match prev {
                        "kab" | "kabupaten" => Some(false),
                        "kota" => Some(true),
                        _ => None,
                    };
                    let pick = codes
                        .iter()
                        .copied()
                        .filter_map(wilayah::regency)
                        .min_by_key(|r| match want_city {
                            Some(city) => (is_city(r) != city, r.code),
                            None => (!is_city(r), r.code),
                        })
                        .map(|r| r.code)
                        .or_else(|| codes.first().copied());
                    if let Some(code) = pick {
                        let from = if matches!(prev, "kab" | "kabupaten" | "kota") {
                            i - 1
                        } else {
                            i
                        };
                        if self.free(from..i) {
                            self.emit(from..i + width, EntityValue::Regency(code));
                        } else {
                            self.emit(i..i + width, EntityValue::Regency(code));
                        }
                        regency_codes.push(code);
                        matched = true;
                        i += width;
                        break;
                    }
                }
                if let Some((codes, needs_cue)) = places.districts.get(key.as_str()) {
                    let district_cue = matches!(prev, "kec" | "kecamatan" | "di" | "daerah");
                    if *needs_cue && !district_cue {
                        continue;
                    }
                    let from = if matches!(prev, "kec" | "kecamatan") {
                        i - 1
                    } else {
                        i
                    };
                    district_hits.push((from..i + width, codes.clone()));
                    for u in &mut self.used[i..i + width] {
                        *u = true;
                    }
                    matched = true;
                    i += width;
                    break;
                }
            }
            if !matched {
                i += 1;
            }
        }
        // A district name shared by several regencies is kept only when a regency named in the
        // same message settles which one is meant.
        for (range, codes) in district_hits {
            let pick = if codes.len() == 1 {
                codes.first().copied()
            } else {
                let inside: Vec<u32> = codes
                    .iter()
                    .copied()
                    .filter(|c| regency_codes.contains(&((c / 100) as u16)))
                    .collect();
                (inside.len() == 1).then(|| inside[0])
            };
            if let Some(code) = pick {
                for u in &mut self.used[range.clone()] {
                    *u = false;
                }
                self.emit(range, EntityValue::District(code));
            }
        }
    }

    fn facilities(&mut self) {
        let len = self.n.len();
        let mut i = 0;
        while i < len {
            if !self.free(i..i + 1) {
                i += 1;
                continue;
            }
            let (w, next) = (self.word(i), self.word(i + 1));
            let found = match (w, next) {
                ("rumah", "sakit") => Some((FacilityKind::RumahSakit, 2)),
                ("rsud" | "rsu" | "rsia" | "rsup", _) => Some((FacilityKind::RumahSakit, 1)),
                ("puskesmas", _) => Some((FacilityKind::Puskesmas, 1)),
                ("klinik", "pratama") => Some((FacilityKind::KlinikPratama, 2)),
                ("klinik", _) => Some((FacilityKind::KlinikPratama, 1)),
                ("dokter", "gigi") => Some((FacilityKind::DokterGigi, 2)),
                ("dokter", "keluarga" | "praktik" | "praktek") => {
                    Some((FacilityKind::DokterPraktikPerorangan, 2))
                }
                ("praktik" | "praktek", "dokter") => {
                    Some((FacilityKind::DokterPraktikPerorangan, 2))
                }
                ("dpp", _) => Some((FacilityKind::DokterPraktikPerorangan, 1)),
                ("apotek", _) => Some((FacilityKind::Apotek, 1)),
                ("optik", _) => Some((FacilityKind::Optik, 1)),
                _ => None,
            };
            match found {
                Some((kind, width)) if self.free(i..i + width) => {
                    self.emit(i..i + width, EntityValue::FacilityKind(kind));
                    i += width;
                }
                _ => i += 1,
            }
        }
    }
}

/// Extracts the entities of a normalised message, sorted by position. `today` resolves
/// relative dates ("kemarin", "tgl 5") and two-digit years.
pub fn extract(n: &Normalized, today: NaiveDate) -> Vec<Entity> {
    let mut x = Extractor {
        n,
        used: vec![false; n.len()],
        out: Vec::new(),
        today,
    };
    // Order matters: long identifiers and dates claim their digits before amounts and month
    // counts look at numbers.
    x.identifiers();
    x.dates();
    x.amounts();
    x.month_counts();
    x.care_classes();
    x.relations();
    x.places();
    x.facilities();
    x.out.sort_by_key(|e| (e.start, e.end));
    x.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> EntityValue {
        EntityValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
    }

    fn ents(text: &str) -> Vec<(EntityValue, String)> {
        extract(&normalize(text), today())
            .into_iter()
            .map(|e| {
                let t = e.text(text).to_string();
                (e.value, t)
            })
            .collect()
    }

    fn values(text: &str) -> Vec<EntityValue> {
        ents(text).into_iter().map(|(v, _)| v).collect()
    }

    #[test]
    fn a_nik_is_validated_and_spaced_groups_are_joined() {
        let nik = Nik::parse("3509014503880001").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ents("nik sy 3509014503880001 kak"),
            vec![(EntityValue::Nik(nik.clone()), "3509014503880001".into())]
        );
        assert_eq!(
            ents("NIK: 3509 0145 0388 0001"),
            vec![(EntityValue::Nik(nik), "3509 0145 0388 0001".into())]
        );
        // Region 99 does not exist: not an NIK.
        assert_eq!(values("9999014503880001"), vec![]);
    }

    #[test]
    fn a_card_number_has_13_digits_and_a_phone_is_not_one() {
        let card = CardNumber::parse("0001234567890").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            values("no kartu 0001234567890"),
            vec![EntityValue::CardNumber(card)]
        );
        assert_eq!(values("wa 0812345678901"), vec![]);
    }

    #[test]
    fn dates_in_the_ways_people_write_them() {
        assert_eq!(values("lahir 12/03/1988"), vec![date(1988, 3, 12)]);
        assert_eq!(values("lahir 5 maret 88"), vec![date(1988, 3, 5)]);
        assert_eq!(values("tgl 5"), vec![date(2025, 6, 5)]);
        assert_eq!(values("kemarin"), vec![date(2025, 6, 17)]);
        assert_eq!(values("besok"), vec![date(2025, 6, 19)]);
        // Paid "on the 25th" in the past: last month, since the 25th of June is to come.
        assert_eq!(
            ents("bayar tgl 25 kemarin"),
            vec![(date(2025, 5, 25), "tgl 25".into())]
        );
    }

    #[test]
    fn month_counts_and_amounts() {
        assert_eq!(
            ents("nunggak 8bln totalnya brp"),
            vec![(EntityValue::MonthCount(8), "8bln".into())]
        );
        assert_eq!(values("udah setahun"), vec![EntityValue::MonthCount(12)]);
        assert_eq!(values("dua belas bulan"), vec![EntityValue::MonthCount(12)]);
        assert_eq!(
            values("150rb"),
            vec![EntityValue::Amount(Rupiah::new(150_000))]
        );
        assert_eq!(
            values("1,5 jt"),
            vec![EntityValue::Amount(Rupiah::new(1_500_000))]
        );
        assert_eq!(
            values("Rp 35.000,-"),
            vec![EntityValue::Amount(Rupiah::new(35_000))]
        );
        assert_eq!(values("jam 08.00"), vec![]);
    }

    #[test]
    fn care_class_relations_places_and_facilities() {
        assert_eq!(
            values("turun ke kelas 3"),
            vec![EntityValue::CareClass(CareClass::Three)]
        );
        assert_eq!(
            values("kls II"),
            vec![EntityValue::CareClass(CareClass::Two)]
        );
        assert_eq!(
            values("bpjs istri sy"),
            vec![EntityValue::Relation(Relation::Istri)]
        );
        assert_eq!(values("bu, mau tanya"), vec![]);
        assert_eq!(
            values("ibu saya meninggal"),
            vec![EntityValue::Relation(Relation::Ibu)]
        );
        assert_eq!(
            values("rs yg terima bpjs di kediri"),
            vec![
                EntityValue::FacilityKind(FacilityKind::RumahSakit),
                EntityValue::Regency(3571)
            ]
        );
        assert_eq!(
            values("kantor bpjs kab. jember"),
            vec![EntityValue::Regency(3509)]
        );
    }
}

//! What a submitted web form must hold: every required field, in the shape its type asks
//! (a valid NIK, a date, an Indonesian phone number, one of the offered choices), and every
//! required document uploaded. Each problem is told in plain Indonesian next to its field.

use cases::kind::FieldType;
use cases::KindSpec;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Longest value kept for one field (a long story of a complaint fits easily).
pub const MAX_FIELD_CHARS: usize = 5_000;

/// One problem, for the field (or document) it concerns; `_form` for the whole request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The text value of `key` in what was typed (numbers typed as numbers count too).
pub fn text_of(fields: &Map<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Filed values (machine values: ISO dates, MSISDNs, choice codes) and their labels.
pub struct Filed {
    pub values: Map<String, Value>,
    pub labels: Map<String, Value>,
}

/// The filed values and their labels, or every problem found.
pub fn fields(
    spec: &KindSpec,
    typed: &Map<String, Value>,
    today: NaiveDate,
) -> Result<Filed, Vec<Problem>> {
    let mut values = Map::new();
    let mut labels = Map::new();
    let mut problems = Vec::new();
    for f in spec.fields {
        let raw = text_of(typed, f.key);
        if raw.is_empty() {
            if f.required {
                problems.push(Problem::new(f.key, format!("Mohon isi {}.", f.label)));
            }
            continue;
        }
        if raw.chars().count() > MAX_FIELD_CHARS {
            problems.push(Problem::new(
                f.key,
                format!(
                    "{} terlalu panjang; paling banyak {MAX_FIELD_CHARS} karakter.",
                    f.label
                ),
            ));
            continue;
        }
        let parsed: Result<(String, String), String> = match f.kind {
            FieldType::Text | FieldType::LongText => Ok((raw.clone(), raw.clone())),
            FieldType::Nik => {
                let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                jkn::Nik::parse(&digits)
                    .map(|n| (n.expose().to_owned(), n.to_string()))
                    .map_err(|_| {
                        format!(
                            "{} tidak valid. NIK terdiri dari 16 angka sesuai KTP; mohon periksa lagi.",
                            f.label
                        )
                    })
            }
            FieldType::Date => parse_date(&raw)
                .filter(|d| *d <= today || !is_past_only(f.key))
                .map(|d| (d.to_string(), jkn::text::tanggal(&d)))
                .ok_or_else(|| {
                    format!(
                        "{} tidak valid. Mohon pilih tanggal atau tulis seperti 17-08-1985.",
                        f.label
                    )
                }),
            FieldType::Phone => jkn::Msisdn::parse(&raw)
                .map(|m| (m.expose().to_owned(), m.local()))
                .map_err(|_| {
                    format!(
                        "{} tidak valid. Mohon tulis nomor HP seperti 081234567890.",
                        f.label
                    )
                }),
            FieldType::Choice(options) => options
                .iter()
                .find(|(v, l)| *v == raw || l.eq_ignore_ascii_case(&raw))
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .ok_or_else(|| format!("Mohon pilih salah satu pilihan {}.", f.label)),
        };
        match parsed {
            Ok((value, label)) => {
                values.insert(f.key.to_owned(), Value::String(value));
                labels.insert(f.key.to_owned(), Value::String(label));
            }
            Err(message) => problems.push(Problem::new(f.key, message)),
        }
    }
    if problems.is_empty() {
        Ok(Filed { values, labels })
    } else {
        Err(problems)
    }
}

/// Dates that cannot lie ahead (a birth, a death, a past event).
fn is_past_only(key: &str) -> bool {
    key.contains("birth") || key.contains("lahir") || key.contains("death") || key == "date"
}

/// `2026-11-23` (a date input) or `23-11-2026` / `23/11/2026` (typed by hand).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Problems for required documents not uploaded yet (`uploaded`: the document keys).
pub fn documents(spec: &KindSpec, uploaded: &BTreeSet<String>) -> Vec<Problem> {
    spec.documents
        .iter()
        .filter(|d| d.required && !uploaded.contains(d.key))
        .map(|d| Problem::new(d.key, format!("Mohon unggah {}.", d.label)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_typed_or_picked() {
        let d = NaiveDate::from_ymd_opt(1985, 8, 17);
        assert_eq!(parse_date("1985-08-17"), d);
        assert_eq!(parse_date("17-08-1985"), d);
        assert_eq!(parse_date("17/08/1985"), d);
        assert_eq!(parse_date("kemarin"), None);
    }

    #[test]
    fn text_of_trims_and_reads_numbers() {
        let m: Map<String, Value> =
            serde_json::from_str(r#"{"a": "  Siti ", "b": 3, "c": null}"#).unwrap();
        assert_eq!(text_of(&m, "a"), "Siti");
        assert_eq!(text_of(&m, "b"), "3");
        assert_eq!(text_of(&m, "c"), "");
        assert_eq!(text_of(&m, "d"), "");
    }
}

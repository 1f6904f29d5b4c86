//! A handful of demo participants, one of each status, chosen by running the real rules over
//! their ledgers (not by trusting how the generator meant them to be).

use chrono::{DateTime, NaiveDate, Utc};
use jkn::{account_status, RulesConfig, Segment};
use serde::Serialize;
use store::{Participant, SampleFilter, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct SampleParticipant {
    /// Why this one was picked: `active`, `arrears_1_3`, `arrears_4_24`, `arrears_over_24`,
    /// `pbi`, `ppu`.
    pub category: &'static str,
    pub nik: String,
    pub card_number: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub segment: Segment,
    pub class: u8,
    pub status: &'static str,
    pub months_in_arrears: u32,
}

type Category = (&'static str, fn(&Participant, bool, u32, u32) -> bool);

/// (category, test on segment, active, months in arrears, months not billed).
const CATEGORIES: [Category; 6] = [
    ("active", |p, active, _, _| {
        p.segment.pays_own_dues() && active
    }),
    ("arrears_1_3", |p, active, m, _| {
        p.segment.pays_own_dues() && !active && (1..=3).contains(&m)
    }),
    ("arrears_4_24", |p, active, m, n| {
        p.segment.pays_own_dues() && !active && (4..=24).contains(&m) && n == 0
    }),
    ("arrears_over_24", |p, active, _, n| {
        p.segment.pays_own_dues() && !active && n > 0
    }),
    ("pbi", |p, active, _, _| p.segment.is_pbi() && active),
    ("ppu", |p, active, _, _| p.segment == Segment::Ppu && active),
];

/// How many family heads to look at; the generator puts one of each kind first.
const SCAN: u32 = 2_000;

pub async fn pick(
    store: &dyn Store,
    now: DateTime<Utc>,
    rules: &RulesConfig,
) -> Result<Vec<SampleParticipant>, StoreError> {
    let candidates = store
        .sample_participants(
            SampleFilter {
                segment: None,
                heads_only: true,
                with_phone: true,
            },
            SCAN,
        )
        .await?;
    let mut picked: Vec<Option<SampleParticipant>> = vec![None; CATEGORIES.len()];
    for p in candidates {
        if picked.iter().all(Option::is_some) {
            break;
        }
        let today = crate::state::local_today(now, p.district_code);
        let ledger = store.ledger(p.family_id).await?;
        let status = account_status(&ledger, today, rules);
        let unbilled = status.months_not_billed;
        for (slot, (category, test)) in picked.iter_mut().zip(CATEGORIES.iter()) {
            if slot.is_none() && test(&p, status.active, status.months_in_arrears, unbilled) {
                *slot = Some(SampleParticipant {
                    category,
                    nik: p.nik.expose().to_string(),
                    card_number: p.card_number.expose().to_string(),
                    name: p.name.clone(),
                    birth_date: p.birth_date,
                    phone: p.phone.as_ref().map(|m| m.expose().to_string()),
                    segment: p.segment,
                    class: p.class.number(),
                    status: if status.active {
                        "aktif"
                    } else {
                        "tidak aktif"
                    },
                    months_in_arrears: status.months_in_arrears + unbilled,
                });
                break;
            }
        }
    }
    Ok(picked.into_iter().flatten().collect())
}

/// A plain-text table for the terminal.
pub fn table(sample: &[SampleParticipant]) -> String {
    let mut out = format!(
        "{:<16} {:<16} {:<13} {:<26} {:<10} {:<13} {:<8} {:<5} {:<11} {}\n",
        "category",
        "NIK",
        "card",
        "name",
        "born",
        "phone",
        "segment",
        "class",
        "status",
        "months in arrears"
    );
    for s in sample {
        out.push_str(&format!(
            "{:<16} {:<16} {:<13} {:<26} {:<10} {:<13} {:<8} {:<5} {:<11} {}\n",
            s.category,
            s.nik,
            s.card_number,
            s.name.chars().take(26).collect::<String>(),
            s.birth_date,
            s.phone.as_deref().unwrap_or("-"),
            s.segment.code(),
            s.class,
            s.status,
            s.months_in_arrears
        ));
    }
    out
}

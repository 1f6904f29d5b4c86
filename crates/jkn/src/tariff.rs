//! The dated tariff table: monthly dues by segment and class, each month billed at the tariff
//! in force that month. The table is data (`data/tariffs.toml`), so a new tariff is an edit
//! to that file, not to this code.

use crate::{CareClass, Rupiah, Segment, YearMonth};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TariffError {
    #[error("tariff table is not valid TOML: {0}")]
    Syntax(String),
    #[error("tariff table has no periods")]
    Empty,
    #[error("tariff periods must be in increasing `from` order ({0} is out of order)")]
    Unordered(YearMonth),
    #[error("tariff period {from} has no amount for class {class}")]
    MissingClass { from: YearMonth, class: u8 },
    #[error("tariff period {from}: participant share exceeds the total for class {class}")]
    ShareAboveTotal { from: YearMonth, class: u8 },
    #[error("no tariff is known for {0}; the table starts later")]
    NotCovered(YearMonth),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MandiriRate {
    pub class: u8,
    /// The full monthly dues per person.
    pub total: i64,
    /// What the participant pays; the rest is a government subsidy (class 3 from July 2020).
    pub participant: i64,
}

/// One row of the table: the tariff in force from `from` until the next period.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct TariffPeriod {
    pub from: YearMonth,
    pub source: String,
    pub pbi_per_person: i64,
    pub ppu_rate_bp: i64,
    pub ppu_worker_rate_bp: i64,
    pub ppu_extra_member_rate_bp: i64,
    pub ppu_wage_cap: i64,
    /// Worker, spouse and up to three children are covered by the PPU rate.
    pub ppu_covered_members: u32,
    pub mandiri: Vec<MandiriRate>,
}

impl TariffPeriod {
    pub fn mandiri_rate(&self, class: CareClass) -> Option<&MandiriRate> {
        self.mandiri.iter().find(|r| r.class == class.number())
    }
}

/// Who pays what of one month's dues. `participant + government + employer == total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Dues {
    pub total: Rupiah,
    /// What the participant (or their family) must pay; this is what arrears are made of.
    pub participant: Rupiah,
    pub government: Rupiah,
    pub employer: Rupiah,
}

/// What a family is billed on: its segment, class, how many people and, for PPU, the wage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingBasis {
    pub segment: Segment,
    pub class: CareClass,
    /// People covered by this bill (at least 1).
    pub members: u32,
    /// Monthly wage of the PPU worker; ignored for other segments.
    pub wage: Rupiah,
}

#[derive(Deserialize)]
struct TableFile {
    period: Vec<TariffPeriod>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TariffTable {
    periods: Vec<TariffPeriod>,
}

static STANDARD: LazyLock<TariffTable> = LazyLock::new(|| {
    // The embedded table is checked by the tests below; an invalid edit fails the build's
    // tests, and an empty table here would make every lookup answer `NotCovered`.
    TariffTable::from_toml(include_str!("../data/tariffs.toml")).unwrap_or(TariffTable {
        periods: Vec::new(),
    })
});

impl TariffTable {
    /// The tariffs in force in Indonesia, as embedded from `data/tariffs.toml`.
    pub fn standard() -> &'static TariffTable {
        &STANDARD
    }

    pub fn from_toml(text: &str) -> Result<Self, TariffError> {
        let file: TableFile =
            toml::from_str(text).map_err(|e| TariffError::Syntax(e.to_string()))?;
        Self::new(file.period)
    }

    pub fn new(periods: Vec<TariffPeriod>) -> Result<Self, TariffError> {
        if periods.is_empty() {
            return Err(TariffError::Empty);
        }
        for pair in periods.windows(2) {
            if pair[1].from <= pair[0].from {
                return Err(TariffError::Unordered(pair[1].from));
            }
        }
        for p in &periods {
            for class in CareClass::ALL {
                let rate = p.mandiri_rate(class).ok_or(TariffError::MissingClass {
                    from: p.from,
                    class: class.number(),
                })?;
                if rate.participant > rate.total {
                    return Err(TariffError::ShareAboveTotal {
                        from: p.from,
                        class: class.number(),
                    });
                }
            }
        }
        Ok(TariffTable { periods })
    }

    pub fn periods(&self) -> &[TariffPeriod] {
        &self.periods
    }

    /// The tariff in force in `month`.
    pub fn period_at(&self, month: YearMonth) -> Result<&TariffPeriod, TariffError> {
        self.periods
            .iter()
            .rev()
            .find(|p| p.from <= month)
            .ok_or(TariffError::NotCovered(month))
    }

    /// One month's dues for a whole family bill.
    pub fn dues(&self, month: YearMonth, basis: BillingBasis) -> Result<Dues, TariffError> {
        let p = self.period_at(month)?;
        let members = i64::from(basis.members.max(1));
        Ok(match basis.segment {
            Segment::PbiApbn | Segment::PbiApbd => {
                let total = Rupiah(p.pbi_per_person * members);
                Dues {
                    total,
                    government: total,
                    ..Dues::default()
                }
            }
            Segment::Ppu => {
                let wage = basis.wage.min(Rupiah(p.ppu_wage_cap)).max(Rupiah::ZERO);
                let extra = i64::from(basis.members.saturating_sub(p.ppu_covered_members));
                let worker = wage.percent_bp(p.ppu_worker_rate_bp)
                    + wage.percent_bp(p.ppu_extra_member_rate_bp) * extra;
                let employer = wage.percent_bp(p.ppu_rate_bp - p.ppu_worker_rate_bp);
                Dues {
                    total: worker + employer,
                    participant: worker,
                    government: Rupiah::ZERO,
                    employer,
                }
            }
            Segment::Pbpu | Segment::Bp => {
                let rate = p
                    .mandiri_rate(basis.class)
                    .ok_or(TariffError::MissingClass {
                        from: p.from,
                        class: basis.class.number(),
                    })?;
                Dues {
                    total: Rupiah(rate.total * members),
                    participant: Rupiah(rate.participant * members),
                    government: Rupiah((rate.total - rate.participant) * members),
                    employer: Rupiah::ZERO,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    fn mandiri(class: CareClass, members: u32) -> BillingBasis {
        BillingBasis {
            segment: Segment::Pbpu,
            class,
            members,
            wage: Rupiah::ZERO,
        }
    }

    fn dues(month: &str, basis: BillingBasis) -> Dues {
        TariffTable::standard()
            .dues(ym(month), basis)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_embedded_table_is_valid() {
        let table = TariffTable::from_toml(include_str!("../data/tariffs.toml"));
        assert!(table.is_ok(), "{table:?}");
        assert_eq!(TariffTable::standard().periods().len(), 5);
    }

    #[test]
    fn pbpu_dues_from_july_2020_are_150_100_and_42_thousand() {
        // Perpres 64/2020.
        assert_eq!(
            dues("2020-07", mandiri(CareClass::One, 1)).participant,
            Rupiah(150_000)
        );
        assert_eq!(
            dues("2020-07", mandiri(CareClass::Two, 1)).participant,
            Rupiah(100_000)
        );
        assert_eq!(
            dues("2020-07", mandiri(CareClass::Three, 1)).total,
            Rupiah(42_000)
        );
    }

    #[test]
    fn class_3_participant_pays_25500_in_2020_and_35000_from_2021_the_rest_is_subsidy() {
        let d2020 = dues("2020-12", mandiri(CareClass::Three, 1));
        assert_eq!(
            (d2020.participant, d2020.government),
            (Rupiah(25_500), Rupiah(16_500))
        );
        let d2021 = dues("2021-01", mandiri(CareClass::Three, 1));
        assert_eq!(
            (d2021.participant, d2021.government),
            (Rupiah(35_000), Rupiah(7_000))
        );
        assert_eq!(
            dues("2026-11", mandiri(CareClass::Three, 1)).participant,
            Rupiah(35_000)
        );
    }

    #[test]
    fn older_tariffs_apply_to_old_months() {
        // Perpres 82/2018: 80,000 / 51,000 / 25,500.
        assert_eq!(
            dues("2019-12", mandiri(CareClass::One, 1)).participant,
            Rupiah(80_000)
        );
        // Perpres 75/2019 for January-March 2020.
        assert_eq!(
            dues("2020-02", mandiri(CareClass::One, 1)).participant,
            Rupiah(160_000)
        );
        assert_eq!(
            dues("2020-03", mandiri(CareClass::Two, 1)).participant,
            Rupiah(110_000)
        );
        // Restored after the Supreme Court ruling for April-June 2020.
        assert_eq!(
            dues("2020-05", mandiri(CareClass::Two, 1)).participant,
            Rupiah(51_000)
        );
        assert!(TariffTable::standard()
            .dues(ym("2015-01"), mandiri(CareClass::One, 1))
            .is_err());
    }

    #[test]
    fn a_family_of_four_in_class_2_pays_four_times_the_rate() {
        assert_eq!(
            dues("2025-06", mandiri(CareClass::Two, 4)).participant,
            Rupiah(400_000)
        );
    }

    #[test]
    fn pbi_dues_are_42000_per_person_paid_by_the_government() {
        let d = dues(
            "2025-06",
            BillingBasis {
                segment: Segment::PbiApbn,
                class: CareClass::Three,
                members: 3,
                wage: Rupiah::ZERO,
            },
        );
        assert_eq!(d.total, Rupiah(126_000));
        assert_eq!(d.participant, Rupiah::ZERO);
        assert_eq!(d.government, d.total);
    }

    #[test]
    fn ppu_is_5_percent_of_wage_capped_at_12_million_worker_pays_1_percent() {
        let ppu = |wage: i64, members: u32| {
            dues(
                "2025-06",
                BillingBasis {
                    segment: Segment::Ppu,
                    class: CareClass::One,
                    members,
                    wage: Rupiah(wage),
                },
            )
        };
        let d = ppu(5_000_000, 4);
        assert_eq!(
            (d.total, d.participant, d.employer),
            (Rupiah(250_000), Rupiah(50_000), Rupiah(200_000))
        );
        let capped = ppu(20_000_000, 5);
        assert_eq!(capped.total, Rupiah(600_000));
        assert_eq!(capped.participant, Rupiah(120_000));
        // Each member beyond worker, spouse and three children adds 1% of wage to the worker.
        let seven = ppu(5_000_000, 7);
        assert_eq!(seven.participant, Rupiah(50_000 + 2 * 50_000));
        assert_eq!(seven.total, seven.participant + seven.employer);
    }

    #[test]
    fn a_new_tariff_is_added_as_data() {
        let mut text = include_str!("../data/tariffs.toml").to_string();
        text.push_str(
            r#"
[[period]]
from = "2027-07"
source = "hypothetical KRIS tariff"
pbi_per_person = 50000
ppu_rate_bp = 500
ppu_worker_rate_bp = 100
ppu_extra_member_rate_bp = 100
ppu_wage_cap = 12000000
ppu_covered_members = 5
mandiri = [
  { class = 1, total = 75000, participant = 75000 },
  { class = 2, total = 75000, participant = 75000 },
  { class = 3, total = 75000, participant = 50000 },
]
"#,
        );
        let table = TariffTable::from_toml(&text).unwrap_or_else(|e| panic!("{e}"));
        let basis = mandiri(CareClass::Three, 1);
        assert_eq!(
            table.dues(ym("2027-06"), basis).map(|d| d.participant),
            Ok(Rupiah(35_000))
        );
        assert_eq!(
            table.dues(ym("2027-07"), basis).map(|d| d.participant),
            Ok(Rupiah(50_000))
        );
    }

    #[test]
    fn a_broken_table_is_refused_with_its_reason() {
        let unordered = include_str!("../data/tariffs.toml")
            .replace("from = \"2021-01\"", "from = \"2019-01\"");
        assert!(matches!(
            TariffTable::from_toml(&unordered),
            Err(TariffError::Unordered(_))
        ));
        assert!(matches!(
            TariffTable::from_toml("period = []"),
            Err(TariffError::Empty)
        ));
    }
}

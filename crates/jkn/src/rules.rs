//! Every tunable number of the participant rules, in one typed, deserializable struct.
//!
//! `RulesConfig::default()` is the product decision recorded in `shared/reference/jkn-rules.md`;
//! where sources disagree (the bold decisions there) the value lives here, dated where the rule
//! changed over time, so a new regulation is a configuration change, not a code change.

use crate::{Rupiah, Segment};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub dues: DuesRules,
    pub reactivation: ReactivationRules,
    pub penalty: PenaltyRules,
    pub rehab: RehabRules,
    pub rehab2: Rehab2Rules,
    pub changes: ChangeRules,
}

/// Dues are due by the 10th of each month (Peraturan BPJS 5/2018); there is no late fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuesRules {
    pub due_day: u32,
}

impl Default for DuesRules {
    fn default() -> Self {
        DuesRules { due_day: 10 }
    }
}

/// Perpres 64/2020 Pasal 42: reactivation pays the arrears, counted at most 24 months, plus
/// the current month; BPJS bills at most 24 months of arrears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReactivationRules {
    pub arrears_months_cap: u32,
}

impl Default for ReactivationRules {
    fn default() -> Self {
        ReactivationRules {
            arrears_months_cap: 24,
        }
    }
}

/// A penalty rate in force from a date (inclusive) until the next entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedRate {
    pub from: NaiveDate,
    /// Hundredths of a percent: 500 = 5%.
    pub rate_bp: i64,
    pub source: String,
}

/// Denda pelayanan (Perpres 64/2020 Pasal 42).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PenaltyRules {
    /// In increasing `from` order.
    pub rates: Vec<DatedRate>,
    pub months_cap: u32,
    pub amount_cap: Rupiah,
    /// Inpatient admission within this many days after reactivation is penalised.
    pub window_days: i64,
}

impl Default for PenaltyRules {
    fn default() -> Self {
        PenaltyRules {
            rates: vec![
                DatedRate {
                    from: date(2020, 1, 1),
                    rate_bp: 250,
                    source: "Perpres 82/2018 Pasal 42 as in force in 2020 (2.5%)".into(),
                },
                DatedRate {
                    from: date(2021, 1, 1),
                    rate_bp: 500,
                    source: "Perpres 64/2020 Pasal 42 (5% from 2021)".into(),
                },
            ],
            months_cap: 12,
            amount_cap: Rupiah(30_000_000),
            window_days: 45,
        }
    }
}

impl PenaltyRules {
    /// The rate in force on `date`.
    pub fn rate_on(&self, date: NaiveDate) -> Option<&DatedRate> {
        self.rates.iter().rev().find(|r| r.from <= date)
    }

    /// The most recent rate, for calculations that give no date.
    pub fn latest_rate(&self) -> Option<&DatedRate> {
        self.rates.last()
    }
}

/// REHAB (Rencana Pembayaran Bertahap), launched January 2022.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RehabRules {
    pub available_from: NaiveDate,
    /// Months in arrears (as billed, see [`ReactivationRules`]) a participant must have.
    /// Decision: 4-24 (one source says 3-24).
    pub min_months: u32,
    pub max_months: u32,
    pub min_instalments: u32,
    pub max_instalments: u32,
    /// At most one instalment per this many months of arrears ("at most half the months").
    pub months_per_instalment: u32,
    /// Registration closes after this day of the month ...
    pub registration_last_day: u32,
    /// ... and after this day in February, leap years included.
    pub registration_last_day_february: u32,
}

impl Default for RehabRules {
    fn default() -> Self {
        RehabRules {
            available_from: date(2022, 1, 1),
            min_months: 4,
            max_months: 24,
            min_instalments: 2,
            max_instalments: 12,
            months_per_instalment: 2,
            registration_last_day: 28,
            registration_last_day_february: 27,
        }
    }
}

/// When a REHAB 2.0 participant's card becomes active again. Decision: after the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReactivateAfter {
    FirstInstalment,
    LastInstalment,
}

/// REHAB 2.0 (February 2025): each instalment also carries the current month's dues, and
/// people now in PPU or PBI may spread old arrears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rehab2Rules {
    pub available_from: NaiveDate,
    pub open_to_ppu_and_pbi: bool,
    pub old_arrears_min_months: u32,
    pub old_arrears_max_instalments: u32,
    /// Each instalment of an old-arrears plan is at least this much per family member.
    pub old_arrears_min_instalment_per_person: Rupiah,
    pub reactivate_after: ReactivateAfter,
}

impl Default for Rehab2Rules {
    fn default() -> Self {
        Rehab2Rules {
            available_from: date(2025, 2, 1),
            open_to_ppu_and_pbi: true,
            old_arrears_min_months: 2,
            old_arrears_max_instalments: 36,
            old_arrears_min_instalment_per_person: Rupiah(35_000),
            reactivate_after: ReactivateAfter::LastInstalment,
        }
    }
}

/// Changes to a membership and referral letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeRules {
    pub fktp_min_months: u32,
    pub class_min_months: u32,
    /// Segments that may change class on request (PBPU and BP).
    pub class_change_segments: Vec<Segment>,
    pub newborn_deadline_days: i64,
    /// Counted with the issue day as day 1.
    pub referral_validity_days: i64,
}

impl Default for ChangeRules {
    fn default() -> Self {
        ChangeRules {
            fktp_min_months: 3,
            class_min_months: 12,
            class_change_segments: vec![Segment::Pbpu, Segment::Bp],
            newborn_deadline_days: 28,
            referral_validity_days: 90,
        }
    }
}

/// A configuration that cannot be applied; for operators, so in English.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("rules config: {0}")]
    Invalid(String),
}

impl RulesConfig {
    /// Checks the relations between numbers that the code relies on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |s: &str| Err(ConfigError::Invalid(s.to_string()));
        if !(1..=28).contains(&self.dues.due_day) {
            return bad("dues.due_day must be 1..=28");
        }
        if self.reactivation.arrears_months_cap == 0 {
            return bad("reactivation.arrears_months_cap must be at least 1");
        }
        if self.penalty.rates.is_empty() {
            return bad("penalty.rates must not be empty");
        }
        if self
            .penalty
            .rates
            .windows(2)
            .any(|w| w[1].from <= w[0].from)
        {
            return bad("penalty.rates must be in increasing `from` order");
        }
        if self.penalty.rates.iter().any(|r| r.rate_bp < 0) || self.penalty.window_days < 0 {
            return bad("penalty rates and window must not be negative");
        }
        let r = &self.rehab;
        if r.min_months > r.max_months
            || r.min_instalments == 0
            || r.min_instalments > r.max_instalments
            || r.months_per_instalment == 0
        {
            return bad("rehab: need min_months <= max_months, 1 <= min_instalments <= max_instalments, months_per_instalment >= 1");
        }
        if !(1..=31).contains(&r.registration_last_day)
            || !(1..=29).contains(&r.registration_last_day_february)
        {
            return bad("rehab registration last days must be valid days of the month");
        }
        if self.rehab2.old_arrears_max_instalments == 0 {
            return bad("rehab2.old_arrears_max_instalments must be at least 1");
        }
        Ok(())
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_decisions_in_jkn_rules_md() {
        let c = RulesConfig::default();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!((c.rehab.min_months, c.rehab.max_months), (4, 24));
        assert_eq!((c.rehab.min_instalments, c.rehab.max_instalments), (2, 12));
        assert_eq!(
            (
                c.rehab.registration_last_day,
                c.rehab.registration_last_day_february
            ),
            (28, 27)
        );
        assert_eq!(c.reactivation.arrears_months_cap, 24);
        assert_eq!(c.rehab2.reactivate_after, ReactivateAfter::LastInstalment);
        assert_eq!(c.rehab2.old_arrears_max_instalments, 36);
        assert_eq!(c.penalty.amount_cap, Rupiah(30_000_000));
        assert_eq!(c.penalty.months_cap, 12);
        assert_eq!(c.penalty.window_days, 45);
        assert_eq!(c.changes.referral_validity_days, 90);
    }

    #[test]
    fn penalty_rate_is_dated_2_5_percent_in_2020_and_5_percent_from_2021() {
        let p = PenaltyRules::default();
        assert_eq!(p.rate_on(date(2020, 12, 31)).map(|r| r.rate_bp), Some(250));
        assert_eq!(p.rate_on(date(2021, 1, 1)).map(|r| r.rate_bp), Some(500));
        assert_eq!(p.rate_on(date(2019, 12, 31)), None);
        assert_eq!(p.latest_rate().map(|r| r.rate_bp), Some(500));
    }

    #[test]
    fn a_partial_config_file_overrides_only_what_it_names() {
        let c: RulesConfig = toml::from_str(
            "[rehab2]\nreactivate_after = \"first_instalment\"\n[rehab]\nmin_months = 3\n",
        )
        .unwrap();
        assert_eq!(c.rehab2.reactivate_after, ReactivateAfter::FirstInstalment);
        assert_eq!(c.rehab.min_months, 3);
        assert_eq!(c.rehab.max_months, 24);
        assert_eq!(c.penalty, PenaltyRules::default());
        assert!(toml::from_str::<RulesConfig>("[rehab]\nmin_month = 3\n").is_err());
    }

    #[test]
    fn an_inconsistent_config_is_refused() {
        let mut c = RulesConfig::default();
        c.rehab.min_months = 30;
        assert!(c.validate().is_err());
        let mut c = RulesConfig::default();
        c.penalty.rates.reverse();
        assert!(c.validate().is_err());
    }
}

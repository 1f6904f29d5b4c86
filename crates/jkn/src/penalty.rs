//! Denda pelayanan, the service penalty (Perpres 64/2020 Pasal 42): a participant who receives
//! inpatient care at a referral hospital (FKRTL) within 45 days after reactivation pays a share
//! of the INA-CBG tariff of the initial diagnosis for each month that was in arrears.

use crate::error::RuleError;
use crate::rules::RulesConfig;
use crate::text::tanggal;
use crate::{Rupiah, Segment};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyPayer {
    Participant,
    /// For PPU the employer pays the penalty.
    Employer,
}

/// Why no penalty is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum NoPenalty {
    /// PBI participants are exempt.
    PbiExempt,
    NoArrears,
    NotInpatient,
    NotAtFkrtl,
    AdmittedBeforeReactivation,
    AfterWindow {
        days_after: i64,
        window_days: i64,
        window_ended_on: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Penalty {
    pub applies: bool,
    pub amount: Rupiah,
    pub payer: Option<PenaltyPayer>,
    pub segment: Segment,
    pub inacbg_tariff: Rupiah,
    pub months_in_arrears: u32,
    /// Months used in the computation (at most 12).
    pub months_counted: u32,
    /// The rate used, in hundredths of a percent; `None` when no penalty applies.
    pub rate_bp: Option<i64>,
    /// The day the rate took effect.
    pub rate_from: Option<NaiveDate>,
    /// rate × tariff × months counted, before the amount cap.
    pub uncapped_amount: Rupiah,
    pub months_cap: u32,
    pub months_capped: bool,
    pub amount_cap: Rupiah,
    pub amount_capped: bool,
    /// The last day an admission is penalised, when the reactivation date is known.
    pub window_ends_on: Option<NaiveDate>,
    pub not_applicable: Option<NoPenalty>,
}

/// The calculator behind `POST /api/v1/simulations/penalty`: assumes inpatient care at an FKRTL
/// within the window after reactivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyInput {
    pub segment: Segment,
    pub months_in_arrears: i64,
    pub inacbg_tariff: Rupiah,
    /// The day of admission, which selects the rate; without it the latest rate applies.
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// A real admission after a reactivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyCase {
    pub segment: Segment,
    pub months_in_arrears: i64,
    pub inacbg_tariff: Rupiah,
    pub reactivated_on: NaiveDate,
    pub admitted_on: NaiveDate,
    pub inpatient: bool,
    pub at_fkrtl: bool,
}

pub fn penalty(input: &PenaltyInput, rules: &RulesConfig) -> Result<Penalty, RuleError> {
    let months = checked_months(input.months_in_arrears)?;
    checked_tariff(input.inacbg_tariff)?;
    let base = Penalty::none(input.segment, input.inacbg_tariff, months, rules);
    if let Some(reason) = exemption(input.segment, months) {
        return Ok(base.not_applicable(reason));
    }
    let rate = match input.date {
        Some(date) => rules
            .penalty
            .rate_on(date)
            .ok_or(RuleError::NoPenaltyRate { date })?,
        None => rules
            .penalty
            .latest_rate()
            .ok_or(RuleError::PenaltyRateMissing)?,
    };
    base.computed(rate.rate_bp, rate.from, rules)
}

pub fn service_penalty(case: &PenaltyCase, rules: &RulesConfig) -> Result<Penalty, RuleError> {
    let months = checked_months(case.months_in_arrears)?;
    checked_tariff(case.inacbg_tariff)?;
    let window_ends_on = case
        .reactivated_on
        .checked_add_days(Days::new(rules.penalty.window_days.unsigned_abs()))
        .ok_or(RuleError::Overflow)?;
    let mut base = Penalty::none(case.segment, case.inacbg_tariff, months, rules);
    base.window_ends_on = Some(window_ends_on);
    let days_after = (case.admitted_on - case.reactivated_on).num_days();
    let reason = exemption(case.segment, months)
        .or((!case.inpatient).then_some(NoPenalty::NotInpatient))
        .or((!case.at_fkrtl).then_some(NoPenalty::NotAtFkrtl))
        .or((days_after < 0).then_some(NoPenalty::AdmittedBeforeReactivation))
        .or(
            (days_after > rules.penalty.window_days).then_some(NoPenalty::AfterWindow {
                days_after,
                window_days: rules.penalty.window_days,
                window_ended_on: window_ends_on,
            }),
        );
    if let Some(reason) = reason {
        return Ok(base.not_applicable(reason));
    }
    let rate = rules
        .penalty
        .rate_on(case.admitted_on)
        .ok_or(RuleError::NoPenaltyRate {
            date: case.admitted_on,
        })?;
    base.computed(rate.rate_bp, rate.from, rules)
}

fn checked_months(months: i64) -> Result<u32, RuleError> {
    if months < 0 {
        return Err(RuleError::NegativeMonths { months });
    }
    u32::try_from(months).map_err(|_| RuleError::Overflow)
}

fn checked_tariff(tariff: Rupiah) -> Result<(), RuleError> {
    if tariff < Rupiah::ZERO {
        return Err(RuleError::NegativeAmount {
            what: "tarif INA-CBG",
        });
    }
    Ok(())
}

fn exemption(segment: Segment, months: u32) -> Option<NoPenalty> {
    if segment.is_pbi() {
        Some(NoPenalty::PbiExempt)
    } else if months == 0 {
        Some(NoPenalty::NoArrears)
    } else {
        None
    }
}

impl Penalty {
    fn none(segment: Segment, tariff: Rupiah, months: u32, rules: &RulesConfig) -> Penalty {
        Penalty {
            applies: false,
            amount: Rupiah::ZERO,
            payer: None,
            segment,
            inacbg_tariff: tariff,
            months_in_arrears: months,
            months_counted: 0,
            rate_bp: None,
            rate_from: None,
            uncapped_amount: Rupiah::ZERO,
            months_cap: rules.penalty.months_cap,
            months_capped: false,
            amount_cap: rules.penalty.amount_cap,
            amount_capped: false,
            window_ends_on: None,
            not_applicable: None,
        }
    }

    fn not_applicable(mut self, reason: NoPenalty) -> Penalty {
        self.not_applicable = Some(reason);
        self
    }

    fn computed(
        mut self,
        rate_bp: i64,
        from: NaiveDate,
        rules: &RulesConfig,
    ) -> Result<Penalty, RuleError> {
        let counted = self.months_in_arrears.min(rules.penalty.months_cap);
        // One rounding, half up, on the whole product, in i128 so large tariffs cannot overflow.
        let product =
            i128::from(self.inacbg_tariff.amount()) * i128::from(rate_bp) * i128::from(counted);
        let uncapped =
            i64::try_from((product + 5_000) / 10_000).map_err(|_| RuleError::Overflow)?;
        let uncapped = Rupiah(uncapped);
        self.applies = true;
        self.months_counted = counted;
        self.months_capped = counted < self.months_in_arrears;
        self.rate_bp = Some(rate_bp);
        self.rate_from = Some(from);
        self.uncapped_amount = uncapped;
        self.amount = uncapped.min(rules.penalty.amount_cap);
        self.amount_capped = self.amount < uncapped;
        self.payer = Some(if self.segment == Segment::Ppu {
            PenaltyPayer::Employer
        } else {
            PenaltyPayer::Participant
        });
        Ok(self)
    }

    /// What to tell the participant, in Indonesian.
    pub fn message(&self) -> String {
        if let Some(reason) = &self.not_applicable {
            return match reason {
                NoPenalty::PbiExempt => {
                    "Peserta PBI tidak dikenakan denda pelayanan.".to_string()
                }
                NoPenalty::NoArrears => {
                    "Tidak ada denda pelayanan karena tidak ada bulan tunggakan.".to_string()
                }
                NoPenalty::NotInpatient => {
                    "Denda pelayanan hanya berlaku untuk rawat inap, jadi layanan ini tidak dikenakan denda.".to_string()
                }
                NoPenalty::NotAtFkrtl => {
                    "Denda pelayanan hanya berlaku untuk rawat inap di rumah sakit rujukan (FKRTL), jadi layanan ini tidak dikenakan denda.".to_string()
                }
                NoPenalty::AdmittedBeforeReactivation => {
                    "Rawat inap dimulai sebelum kartu aktif kembali, jadi denda pelayanan tidak dihitung di sini. Silakan hubungi BPJS Kesehatan Care Center 165.".to_string()
                }
                NoPenalty::AfterWindow {
                    days_after,
                    window_days,
                    ..
                } => format!(
                    "Tidak ada denda pelayanan: rawat inap dimulai {days_after} hari setelah kartu aktif kembali, lebih dari {window_days} hari."
                ),
            };
        }
        let payer = match self.payer {
            Some(PenaltyPayer::Employer) => "dibayar oleh pemberi kerja",
            _ => "dibayar oleh peserta",
        };
        let rate = self.rate_bp.unwrap_or_default();
        let mut text = format!(
            "Denda pelayanan {}, {payer}: {},{:02}% dari tarif INA-CBG {} dikali {} bulan tunggakan.",
            self.amount,
            rate / 100,
            rate % 100,
            self.inacbg_tariff,
            self.months_counted
        );
        if self.months_capped {
            text.push_str(&format!(
                " Bulan tunggakan dihitung paling banyak {} bulan.",
                self.months_cap
            ));
        }
        if self.amount_capped {
            text.push_str(&format!(" Denda paling tinggi {}.", self.amount_cap));
        }
        if let Some(end) = &self.window_ends_on {
            text.push_str(&format!(
                " Denda berlaku untuk rawat inap sampai {}.",
                tanggal(end)
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::tests::d;
    use proptest::prelude::*;

    fn calc(segment: Segment, months: i64, tariff: i64, date: Option<&str>) -> Penalty {
        penalty(
            &PenaltyInput {
                segment,
                months_in_arrears: months,
                inacbg_tariff: Rupiah(tariff),
                date: date.map(d),
            },
            &RulesConfig::default(),
        )
        .unwrap()
    }

    fn case(reactivated: &str, admitted: &str) -> PenaltyCase {
        PenaltyCase {
            segment: Segment::Pbpu,
            months_in_arrears: 6,
            inacbg_tariff: Rupiah(10_000_000),
            reactivated_on: d(reactivated),
            admitted_on: d(admitted),
            inpatient: true,
            at_fkrtl: true,
        }
    }

    fn assess(c: &PenaltyCase) -> Penalty {
        service_penalty(c, &RulesConfig::default()).unwrap()
    }

    #[test]
    fn penalty_is_5_percent_of_the_ina_cbg_tariff_times_the_months_in_arrears() {
        let p = calc(Segment::Pbpu, 4, 8_000_000, Some("2025-03-01"));
        assert!(p.applies);
        assert_eq!(p.amount, Rupiah(1_600_000));
        assert_eq!((p.rate_bp, p.rate_from), (Some(500), Some(d("2021-01-01"))));
        assert_eq!(p.payer, Some(PenaltyPayer::Participant));
        assert!(!p.months_capped && !p.amount_capped);
    }

    #[test]
    fn penalty_was_2_5_percent_in_2020() {
        let p = calc(Segment::Bp, 4, 8_000_000, Some("2020-11-30"));
        assert_eq!(p.amount, Rupiah(800_000));
        assert_eq!(p.rate_bp, Some(250));
        let p = calc(Segment::Bp, 4, 8_000_000, Some("2021-01-01"));
        assert_eq!(p.amount, Rupiah(1_600_000));
    }

    #[test]
    fn without_a_date_the_latest_rate_applies() {
        assert_eq!(calc(Segment::Pbpu, 1, 1_000_000, None).rate_bp, Some(500));
    }

    #[test]
    fn penalty_counts_at_most_12_months() {
        let twelve = calc(Segment::Pbpu, 12, 1_000_000, None);
        let thirteen = calc(Segment::Pbpu, 13, 1_000_000, None);
        assert_eq!(twelve.amount, Rupiah(600_000));
        assert!(!twelve.months_capped);
        assert_eq!(thirteen.amount, Rupiah(600_000));
        assert_eq!(
            (thirteen.months_counted, thirteen.months_in_arrears),
            (12, 13)
        );
        assert!(thirteen.months_capped);
        assert!(thirteen.message().contains("paling banyak 12 bulan"));
    }

    #[test]
    fn penalty_is_at_most_30_million_rupiah() {
        // 5% × 50,000,000 × 12 = 30,000,000: exactly at the cap, not capped.
        let at = calc(Segment::Pbpu, 12, 50_000_000, None);
        assert_eq!(at.amount, Rupiah(30_000_000));
        assert!(!at.amount_capped);
        let over = calc(Segment::Pbpu, 12, 50_000_001, None);
        assert_eq!(over.amount, Rupiah(30_000_000));
        assert_eq!(over.uncapped_amount, Rupiah(30_000_001));
        assert!(over.amount_capped);
    }

    #[test]
    fn pbi_participants_are_exempt_from_the_penalty() {
        for segment in [Segment::PbiApbn, Segment::PbiApbd] {
            let p = calc(segment, 6, 10_000_000, None);
            assert!(!p.applies);
            assert_eq!(p.amount, Rupiah::ZERO);
            assert_eq!(p.not_applicable, Some(NoPenalty::PbiExempt));
        }
    }

    #[test]
    fn for_ppu_the_employer_pays_the_penalty() {
        let p = calc(Segment::Ppu, 2, 10_000_000, None);
        assert_eq!(p.payer, Some(PenaltyPayer::Employer));
        assert!(p.message().contains("pemberi kerja"));
    }

    #[test]
    fn penalty_applies_only_to_inpatient_care_within_45_days_after_reactivation() {
        let day45 = assess(&case("2025-01-01", "2025-02-15"));
        assert!(day45.applies, "{day45:?}");
        assert_eq!(day45.amount, Rupiah(3_000_000));
        assert_eq!(day45.window_ends_on, Some(d("2025-02-15")));
        let day46 = assess(&case("2025-01-01", "2025-02-16"));
        assert!(!day46.applies);
        assert!(matches!(
            day46.not_applicable,
            Some(NoPenalty::AfterWindow { days_after: 46, .. })
        ));
        assert!(assess(&case("2025-01-01", "2025-01-01")).applies);
        assert_eq!(
            assess(&case("2025-01-10", "2025-01-09")).not_applicable,
            Some(NoPenalty::AdmittedBeforeReactivation)
        );
    }

    #[test]
    fn penalty_applies_only_to_inpatient_care_at_a_referral_hospital() {
        let mut outpatient = case("2025-01-01", "2025-01-05");
        outpatient.inpatient = false;
        assert_eq!(
            assess(&outpatient).not_applicable,
            Some(NoPenalty::NotInpatient)
        );
        let mut at_clinic = case("2025-01-01", "2025-01-05");
        at_clinic.at_fkrtl = false;
        assert_eq!(
            assess(&at_clinic).not_applicable,
            Some(NoPenalty::NotAtFkrtl)
        );
    }

    #[test]
    fn the_rate_follows_the_admission_date() {
        let c = case("2020-12-20", "2021-01-02");
        assert_eq!(assess(&c).rate_bp, Some(500));
        let c = case("2020-12-01", "2020-12-31");
        assert_eq!(assess(&c).rate_bp, Some(250));
    }

    #[test]
    fn invalid_penalty_inputs_are_refused() {
        let r = RulesConfig::default();
        let mut i = PenaltyInput {
            segment: Segment::Pbpu,
            months_in_arrears: -1,
            inacbg_tariff: Rupiah(1),
            date: None,
        };
        assert_eq!(
            penalty(&i, &r),
            Err(RuleError::NegativeMonths { months: -1 })
        );
        i.months_in_arrears = 2;
        i.inacbg_tariff = Rupiah(-5);
        assert!(matches!(
            penalty(&i, &r),
            Err(RuleError::NegativeAmount { .. })
        ));
        i.inacbg_tariff = Rupiah(5);
        i.date = Some(d("2019-06-01"));
        assert_eq!(
            penalty(&i, &r),
            Err(RuleError::NoPenaltyRate {
                date: d("2019-06-01")
            })
        );
    }

    proptest! {
        #[test]
        fn penalty_never_exceeds_the_cap_nor_counts_more_than_12_months(
            months in 0i64..400,
            tariff in 0i64..2_000_000_000,
            ppu in any::<bool>(),
        ) {
            let segment = if ppu { Segment::Ppu } else { Segment::Pbpu };
            let p = calc(segment, months, tariff, Some("2025-01-01"));
            prop_assert!(p.amount <= Rupiah(30_000_000));
            prop_assert!(p.months_counted <= 12);
            prop_assert!(p.amount <= p.uncapped_amount);
            prop_assert!(p.amount >= Rupiah::ZERO);
        }
    }
}

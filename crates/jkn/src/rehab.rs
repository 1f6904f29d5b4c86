//! REHAB (Rencana Pembayaran Bertahap): paying arrears in monthly instalments.
//!
//! REHAB (January 2022) is for PBPU and BP participants with 4 to 24 months of arrears, in 2 to
//! 12 instalments and at most one instalment per two months of arrears; registration closes
//! after the 28th of the month (the 27th in February, leap years included). REHAB 2.0
//! (February 2025) adds the current month's dues to every instalment and opens old-arrears
//! plans to people now in PPU or PBI. Every number here comes from [`RulesConfig`].
//!
//! Decisions: the first instalment is due in the registration month and instalment k in the
//! (k-1)th month after it, each by the end of its month; the arrears are split in whole rupiah
//! as evenly as possible, the first instalments taking the extra rupiah; without an explicit
//! choice the plan uses the most instalments allowed (the smallest monthly amount).

use crate::error::RuleError;
use crate::reactivation::{
    reactivation, simulated_ledger, LineKind, Reactivation, ReactivationInput,
};
use crate::rules::{ReactivateAfter, RulesConfig};
use crate::text::tanggal;
use crate::{Ledger, Rupiah, Segment, TariffTable, YearMonth};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RehabVariant {
    /// REHAB, January 2022.
    Rehab1,
    /// New REHAB 2.0, February 2025.
    Rehab2,
}

impl RehabVariant {
    pub fn label(self) -> &'static str {
        match self {
            RehabVariant::Rehab1 => "REHAB",
            RehabVariant::Rehab2 => "REHAB 2.0",
        }
    }

    pub fn available_from(self, rules: &RulesConfig) -> NaiveDate {
        match self {
            RehabVariant::Rehab1 => rules.rehab.available_from,
            RehabVariant::Rehab2 => rules.rehab2.available_from,
        }
    }

    /// The newest scheme available on `date` (REHAB 1 before any is, so that the refusal
    /// names the first one and its start date).
    pub fn in_force(date: NaiveDate, rules: &RulesConfig) -> RehabVariant {
        if date >= rules.rehab2.available_from {
            RehabVariant::Rehab2
        } else {
            RehabVariant::Rehab1
        }
    }
}

/// When the card becomes active again for a participant in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardRule {
    /// REHAB 1: once all arrears and the current month are paid (the plan does not carry the
    /// current month, so the months that passed during the plan must be paid too).
    ArrearsAndCurrentMonthPaid,
    /// REHAB 2.0, configurable: as soon as the first instalment is paid, while on schedule.
    AfterFirstInstalment,
    /// REHAB 2.0, the default: when the last instalment is paid.
    AfterLastInstalment,
}

/// One month of the arrears a plan spreads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrearsMonth {
    pub period: YearMonth,
    pub amount: Rupiah,
}

/// What a participant owes when asking for a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabArrears {
    /// The participant's segment now.
    pub segment: Segment,
    pub members: u32,
    /// Months in arrears as BPJS bills them (at most 24), oldest first.
    pub months: Vec<ArrearsMonth>,
    pub months_not_counted: u32,
    /// One month's dues, carried by every REHAB 2.0 instalment after the first.
    pub monthly_dues: Rupiah,
    /// What is unpaid of the registration month, carried by the first REHAB 2.0 instalment.
    pub current_month_due: Rupiah,
}

impl RehabArrears {
    pub fn from_reactivation(r: &Reactivation, segment: Segment, members: u32) -> RehabArrears {
        RehabArrears {
            segment,
            members,
            months: r
                .months
                .iter()
                .filter(|m| m.kind == LineKind::Arrears)
                .map(|m| ArrearsMonth {
                    period: m.period,
                    amount: m.amount,
                })
                .collect(),
            months_not_counted: r.months_not_counted,
            monthly_dues: r.current_month_billed,
            current_month_due: r.current_month_due,
        }
    }

    pub fn from_ledger(
        ledger: &Ledger,
        segment: Segment,
        members: u32,
        on: NaiveDate,
        rules: &RulesConfig,
    ) -> RehabArrears {
        Self::from_reactivation(&reactivation(ledger, on, rules), segment, members)
    }

    pub fn months_in_arrears(&self) -> u32 {
        self.months.len() as u32
    }

    pub fn total(&self) -> Rupiah {
        self.months.iter().map(|m| m.amount).sum()
    }
}

/// Why a participant cannot join (or cannot choose this plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RehabRefusal {
    NotYetAvailable {
        variant: RehabVariant,
        from: NaiveDate,
    },
    SegmentNotEligible {
        segment: Segment,
        variant: RehabVariant,
    },
    TooFewMonths {
        months: u32,
        min: u32,
    },
    TooManyMonths {
        months: u32,
        max: u32,
    },
    RegistrationClosed {
        last_day: NaiveDate,
        reopens_on: NaiveDate,
    },
    /// An old-arrears plan (PPU/PBI) needs instalments of at least Rp35,000 per person.
    BelowMinimumInstalment {
        arrears: Rupiah,
        minimum_instalment: Rupiah,
        min_instalments: u32,
    },
    CannotSplit {
        min_instalments: u32,
        max_instalments: u32,
    },
    InstalmentsOutOfRange {
        requested: u32,
        min: u32,
        max: u32,
    },
}

impl RehabRefusal {
    pub fn message(&self) -> String {
        match self {
            RehabRefusal::NotYetAvailable { variant, from } => format!(
                "Program {} baru tersedia mulai {}.",
                variant.label(),
                tanggal(from)
            ),
            RehabRefusal::SegmentNotEligible { segment, variant } => format!(
                "Program {} tidak tersedia untuk kepesertaan {}. Program ini untuk peserta PBPU (mandiri) dan BP{}.",
                variant.label(),
                segment.label(),
                if *variant == RehabVariant::Rehab2 { "" } else { "; peserta PPU atau PBI yang masih memiliki tunggakan lama dapat memakai REHAB 2.0" }
            ),
            RehabRefusal::TooFewMonths { months, min } => format!(
                "Program REHAB untuk tunggakan paling sedikit {min} bulan, sedangkan tunggakan Anda {months} bulan. Silakan lunasi tunggakan secara langsung agar kartu aktif kembali."
            ),
            RehabRefusal::TooManyMonths { months, max } => format!(
                "Program REHAB untuk tunggakan paling banyak {max} bulan, sedangkan tunggakan Anda {months} bulan. Silakan hubungi BPJS Kesehatan Care Center 165."
            ),
            RehabRefusal::RegistrationClosed { last_day, reopens_on } => format!(
                "Pendaftaran REHAB bulan ini sudah ditutup (paling lambat {}). Silakan mendaftar lagi mulai {}.",
                tanggal(last_day),
                tanggal(reopens_on)
            ),
            RehabRefusal::BelowMinimumInstalment {
                arrears,
                minimum_instalment,
                min_instalments,
            } => format!(
                "Tunggakan Anda {arrears} belum dapat dibagi menjadi {min_instalments} cicilan karena setiap cicilan paling sedikit {minimum_instalment}. Silakan lunasi sekaligus."
            ),
            RehabRefusal::CannotSplit {
                min_instalments,
                max_instalments,
            } => format!(
                "Tunggakan Anda hanya dapat dibagi paling banyak {max_instalments} kali, kurang dari {min_instalments} cicilan. Silakan lunasi sekaligus."
            ),
            RehabRefusal::InstalmentsOutOfRange { requested, min, max } => format!(
                "Jumlah cicilan yang dapat dipilih {min} sampai {max} kali, sedangkan Anda memilih {requested} kali. Mohon pilih ulang."
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentRange {
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabEligibility {
    pub eligible: bool,
    pub variant: RehabVariant,
    pub segment: Segment,
    pub months_in_arrears: u32,
    pub months_not_counted: u32,
    pub arrears: Rupiah,
    /// The choices open to the participant; `None` when not eligible.
    pub instalments: Option<InstalmentRange>,
    /// The last day to register this month.
    pub registration_last_day: NaiveDate,
    pub refusals: Vec<RehabRefusal>,
}

impl RehabEligibility {
    pub fn message(&self) -> String {
        match (&self.instalments, self.refusals.is_empty()) {
            (Some(range), true) => format!(
                "Anda dapat mengikuti program {} untuk tunggakan {} bulan sebesar {}, dengan {} sampai {} kali cicilan. Pendaftaran bulan ini paling lambat {}.",
                self.variant.label(),
                self.months_in_arrears,
                self.arrears,
                range.min,
                range.max,
                tanggal(&self.registration_last_day)
            ),
            _ => self
                .refusals
                .iter()
                .map(RehabRefusal::message)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Whether the participant may register a plan on `on`, listing every reason they may not.
pub fn rehab_eligibility(
    arrears: &RehabArrears,
    on: NaiveDate,
    variant: Option<RehabVariant>,
    rules: &RulesConfig,
) -> RehabEligibility {
    let variant = variant.unwrap_or_else(|| RehabVariant::in_force(on, rules));
    let months = arrears.months_in_arrears();
    let total = arrears.total();
    let mut refusals = Vec::new();

    let from = variant.available_from(rules);
    if on < from {
        refusals.push(RehabRefusal::NotYetAvailable { variant, from });
    }
    let last_day = registration_last_day(on, rules);
    if on > last_day {
        refusals.push(RehabRefusal::RegistrationClosed {
            last_day,
            reopens_on: YearMonth::of(on).next().first_day(),
        });
    }

    let min_instalments = rules.rehab.min_instalments;
    let mut max_instalments = 0;
    if arrears.segment.pays_own_dues() {
        if months < rules.rehab.min_months {
            refusals.push(RehabRefusal::TooFewMonths {
                months,
                min: rules.rehab.min_months,
            });
        } else if months > rules.rehab.max_months {
            refusals.push(RehabRefusal::TooManyMonths {
                months,
                max: rules.rehab.max_months,
            });
        } else {
            max_instalments = rules
                .rehab
                .max_instalments
                .min(months / rules.rehab.months_per_instalment.max(1));
            if max_instalments < min_instalments {
                refusals.push(RehabRefusal::CannotSplit {
                    min_instalments,
                    max_instalments,
                });
            }
        }
    } else if variant == RehabVariant::Rehab1 || !rules.rehab2.open_to_ppu_and_pbi {
        refusals.push(RehabRefusal::SegmentNotEligible {
            segment: arrears.segment,
            variant,
        });
    } else if months < rules.rehab2.old_arrears_min_months {
        refusals.push(RehabRefusal::TooFewMonths {
            months,
            min: rules.rehab2.old_arrears_min_months,
        });
    } else {
        let minimum_instalment =
            rules.rehab2.old_arrears_min_instalment_per_person * i64::from(arrears.members.max(1));
        let affordable = if minimum_instalment > Rupiah::ZERO {
            u32::try_from(total.amount() / minimum_instalment.amount()).unwrap_or(u32::MAX)
        } else {
            u32::MAX
        };
        max_instalments = rules.rehab2.old_arrears_max_instalments.min(affordable);
        if max_instalments < min_instalments {
            refusals.push(RehabRefusal::BelowMinimumInstalment {
                arrears: total,
                minimum_instalment,
                min_instalments,
            });
        }
    }

    let eligible = refusals.is_empty();
    RehabEligibility {
        eligible,
        variant,
        segment: arrears.segment,
        months_in_arrears: months,
        months_not_counted: arrears.months_not_counted,
        arrears: total,
        instalments: eligible.then_some(InstalmentRange {
            min: min_instalments,
            max: max_instalments,
        }),
        registration_last_day: last_day,
        refusals,
    }
}

/// Registration is open until the 28th (the 27th in February, leap years included).
pub fn registration_last_day(on: NaiveDate, rules: &RulesConfig) -> NaiveDate {
    let day = if on.month() == 2 {
        rules.rehab.registration_last_day_february
    } else {
        rules.rehab.registration_last_day
    };
    YearMonth::of(on).day(day)
}

/// The participant's choice when registering or simulating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RehabChoice {
    #[serde(default)]
    pub variant: Option<RehabVariant>,
    /// Without it, the most instalments allowed.
    #[serde(default)]
    pub instalments: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1-based.
    pub number: u32,
    pub due_month: YearMonth,
    /// Paid by the end of its month, or the plan lapses.
    pub due_by: NaiveDate,
    pub arrears_part: Rupiah,
    /// The month's dues carried by a REHAB 2.0 instalment; zero otherwise.
    pub current_dues: Rupiah,
    pub amount: Rupiah,
}

/// A registered (or simulated) plan; stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabPlan {
    pub variant: RehabVariant,
    pub segment: Segment,
    pub members: u32,
    pub registered_on: NaiveDate,
    pub arrears_months: Vec<ArrearsMonth>,
    pub months_in_arrears: u32,
    pub months_not_counted: u32,
    pub arrears: Rupiah,
    pub carries_current_dues: bool,
    pub instalments: Vec<Instalment>,
    /// Sum of the instalments: the arrears plus any carried dues.
    pub total: Rupiah,
    /// The card rule in force when the plan was registered.
    pub card_rule: CardRule,
}

impl RehabPlan {
    pub fn message(&self) -> String {
        let first = self.instalments.first();
        let last = self.instalments.last();
        let mut text = format!(
            "Rencana {}: tunggakan {} bulan sebesar {} dicicil {} kali",
            self.variant.label(),
            self.months_in_arrears,
            self.arrears,
            self.instalments.len()
        );
        if let (Some(first), Some(last)) = (first, last) {
            text.push_str(&format!(
                ", mulai {} sampai {}; cicilan pertama {} dibayar paling lambat {}.",
                first.due_month.indonesian(),
                last.due_month.indonesian(),
                first.amount,
                tanggal(&first.due_by)
            ));
        }
        if self.carries_current_dues {
            text.push_str(" Setiap cicilan sudah termasuk iuran bulan berjalan.");
        }
        text.push_str(match self.card_rule {
            CardRule::ArrearsAndCurrentMonthPaid => " Kartu aktif kembali setelah semua tunggakan dan iuran bulan berjalan lunas.",
            CardRule::AfterFirstInstalment => " Kartu aktif kembali setelah cicilan pertama dibayar, selama cicilan dibayar tepat waktu.",
            CardRule::AfterLastInstalment => " Kartu aktif kembali setelah cicilan terakhir lunas.",
        });
        text.push_str(" Jika satu cicilan tidak dibayar sampai akhir bulannya, rencana cicilan batal dan seluruh sisa tunggakan harus dibayar sekaligus.");
        text
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum RehabError {
    #[error(transparent)]
    Invalid(#[from] RuleError),
    #[error("{}", .0.message())]
    Refused(RehabEligibility),
}

impl RehabError {
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// The plan a participant gets when registering on `registered_on` with `choice`.
pub fn rehab_plan(
    arrears: &RehabArrears,
    registered_on: NaiveDate,
    choice: &RehabChoice,
    rules: &RulesConfig,
) -> Result<RehabPlan, RehabError> {
    if choice.instalments == Some(0) {
        return Err(RuleError::ZeroInstalments.into());
    }
    if arrears.members == 0 {
        return Err(RuleError::NoMembers.into());
    }
    if arrears.months.iter().any(|m| m.amount < Rupiah::ZERO)
        || arrears.monthly_dues < Rupiah::ZERO
        || arrears.current_month_due < Rupiah::ZERO
    {
        return Err(RuleError::NegativeAmount { what: "tunggakan" }.into());
    }
    let mut eligibility = rehab_eligibility(arrears, registered_on, choice.variant, rules);
    let Some(range) = eligibility.instalments else {
        return Err(RehabError::Refused(eligibility));
    };
    let n = choice.instalments.unwrap_or(range.max);
    if n < range.min || n > range.max {
        eligibility.eligible = false;
        eligibility
            .refusals
            .push(RehabRefusal::InstalmentsOutOfRange {
                requested: n,
                min: range.min,
                max: range.max,
            });
        return Err(RehabError::Refused(eligibility));
    }

    let variant = eligibility.variant;
    let carries_current_dues = variant == RehabVariant::Rehab2 && arrears.segment.pays_own_dues();
    let total_arrears = arrears.total();
    let parts = split_evenly(total_arrears, n);
    let start = YearMonth::of(registered_on);
    let instalments: Vec<Instalment> = parts
        .into_iter()
        .enumerate()
        .map(|(i, arrears_part)| {
            let due_month = start.add_months(i as i64);
            let current_dues = match (carries_current_dues, i) {
                (false, _) => Rupiah::ZERO,
                (true, 0) => arrears.current_month_due,
                (true, _) => arrears.monthly_dues,
            };
            Instalment {
                number: i as u32 + 1,
                due_month,
                due_by: due_month.last_day(),
                arrears_part,
                current_dues,
                amount: arrears_part + current_dues,
            }
        })
        .collect();
    let card_rule = match variant {
        RehabVariant::Rehab1 => CardRule::ArrearsAndCurrentMonthPaid,
        RehabVariant::Rehab2 => match rules.rehab2.reactivate_after {
            ReactivateAfter::FirstInstalment => CardRule::AfterFirstInstalment,
            ReactivateAfter::LastInstalment => CardRule::AfterLastInstalment,
        },
    };
    Ok(RehabPlan {
        variant,
        segment: arrears.segment,
        members: arrears.members,
        registered_on,
        arrears_months: arrears.months.clone(),
        months_in_arrears: arrears.months_in_arrears(),
        months_not_counted: arrears.months_not_counted,
        arrears: total_arrears,
        carries_current_dues,
        total: instalments.iter().map(|i| i.amount).sum(),
        instalments,
        card_rule,
    })
}

/// `total` in `n` whole-rupiah parts differing by at most one, the larger ones first.
fn split_evenly(total: Rupiah, n: u32) -> Vec<Rupiah> {
    let n = i64::from(n.max(1));
    let base = total.amount() / n;
    let extra = total.amount() % n;
    (0..n)
        .map(|i| Rupiah(base + i64::from(i < extra)))
        .collect()
}

/// A REHAB question from someone who is not logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabSimulationInput {
    /// How the arrears were billed (segment, class, members, wage, months unpaid) and the
    /// registration date.
    #[serde(flatten)]
    pub arrears: ReactivationInput,
    /// The segment now, when it differs from the one the arrears were billed under (someone now
    /// in PPU or PBI with old arrears).
    #[serde(default)]
    pub current_segment: Option<Segment>,
    #[serde(default)]
    pub variant: Option<RehabVariant>,
    #[serde(default)]
    pub instalments: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabSimulation {
    pub reactivation: Reactivation,
    pub eligibility: RehabEligibility,
    /// The plan, when the participant is eligible and the choice is allowed.
    pub plan: Option<RehabPlan>,
}

/// The calculator behind `POST /api/v1/simulations/rehab`: prices the arrears with the dated
/// tariffs, then answers eligibility and the plan. Refusals are part of the answer; only
/// invalid inputs are errors.
pub fn simulate_rehab(
    input: &RehabSimulationInput,
    tariffs: &TariffTable,
    rules: &RulesConfig,
) -> Result<RehabSimulation, RuleError> {
    let (ledger, not_counted) = simulated_ledger(&input.arrears, tariffs, rules)?;
    let on = input.arrears.date;
    let mut r = reactivation(&ledger, on, rules);
    r.months_not_counted = not_counted;
    r.amount_not_counted = None;
    let segment = input.current_segment.unwrap_or(input.arrears.segment);
    let arrears = RehabArrears::from_reactivation(&r, segment, input.arrears.members);
    let choice = RehabChoice {
        variant: input.variant,
        instalments: input.instalments,
    };
    let (eligibility, plan) = match rehab_plan(&arrears, on, &choice, rules) {
        Ok(plan) => (
            rehab_eligibility(&arrears, on, input.variant, rules),
            Some(plan),
        ),
        Err(RehabError::Refused(e)) => (e, None),
        Err(RehabError::Invalid(e)) => return Err(e),
    };
    Ok(RehabSimulation {
        reactivation: r,
        eligibility,
        plan,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::allocation::tests::{d, ym};
    use crate::CareClass;
    use proptest::prelude::*;

    /// `months` months of arrears at `amount` each, before the month of `on`.
    pub fn owed(segment: Segment, months: u32, amount: i64, on: &str) -> RehabArrears {
        let current = YearMonth::of(d(on));
        RehabArrears {
            segment,
            members: 1,
            months: (1..=months)
                .rev()
                .map(|k| ArrearsMonth {
                    period: current.add_months(-i64::from(k)),
                    amount: Rupiah(amount),
                })
                .collect(),
            months_not_counted: 0,
            monthly_dues: Rupiah(amount),
            current_month_due: Rupiah(amount),
        }
    }

    fn rules() -> RulesConfig {
        RulesConfig::default()
    }

    fn eligible(a: &RehabArrears, on: &str, variant: Option<RehabVariant>) -> RehabEligibility {
        rehab_eligibility(a, d(on), variant, &rules())
    }

    fn codes(e: &RehabEligibility) -> Vec<String> {
        e.refusals
            .iter()
            .map(|r| {
                serde_json::to_value(r).unwrap()["code"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    fn plan(
        a: &RehabArrears,
        on: &str,
        variant: Option<RehabVariant>,
        n: Option<u32>,
    ) -> Result<RehabPlan, RehabError> {
        rehab_plan(
            a,
            d(on),
            &RehabChoice {
                variant,
                instalments: n,
            },
            &rules(),
        )
    }

    #[test]
    fn rehab_is_for_pbpu_and_bp_with_4_to_24_months_of_arrears() {
        let cases = [
            (Segment::Pbpu, 3, false),
            (Segment::Pbpu, 4, true),
            (Segment::Bp, 4, true),
            (Segment::Bp, 24, true),
            (Segment::Pbpu, 25, false),
        ];
        for (segment, months, ok) in cases {
            let e = eligible(
                &owed(segment, months, 35_000, "2023-06-10"),
                "2023-06-10",
                None,
            );
            assert_eq!(e.eligible, ok, "{segment} {months}: {:?}", e.refusals);
        }
        let three = eligible(
            &owed(Segment::Pbpu, 3, 35_000, "2023-06-10"),
            "2023-06-10",
            None,
        );
        assert_eq!(
            three.refusals,
            vec![RehabRefusal::TooFewMonths { months: 3, min: 4 }]
        );
        assert!(three.message().contains("paling sedikit 4 bulan"));
        let many = eligible(
            &owed(Segment::Pbpu, 25, 35_000, "2023-06-10"),
            "2023-06-10",
            None,
        );
        assert_eq!(
            many.refusals,
            vec![RehabRefusal::TooManyMonths {
                months: 25,
                max: 24
            }]
        );
    }

    #[test]
    fn rehab_1_refuses_ppu_and_pbi_with_a_reason() {
        for segment in [Segment::Ppu, Segment::PbiApbn, Segment::PbiApbd] {
            let e = eligible(&owed(segment, 6, 35_000, "2023-06-10"), "2023-06-10", None);
            assert_eq!(e.variant, RehabVariant::Rehab1);
            assert_eq!(codes(&e), vec!["segment_not_eligible"]);
            assert!(e.message().contains("PBPU"), "{}", e.message());
        }
    }

    #[test]
    fn rehab_allows_at_least_2_and_at_most_12_instalments() {
        let range = |m| {
            eligible(
                &owed(Segment::Pbpu, m, 35_000, "2023-06-10"),
                "2023-06-10",
                None,
            )
            .instalments
            .unwrap()
        };
        assert_eq!(range(4), InstalmentRange { min: 2, max: 2 });
        assert_eq!(range(24), InstalmentRange { min: 2, max: 12 });
    }

    #[test]
    fn rehab_allows_at_most_half_the_months_in_arrears() {
        for (months, max) in [(4, 2), (5, 2), (9, 4), (18, 9), (23, 11), (24, 12)] {
            let e = eligible(
                &owed(Segment::Pbpu, months, 35_000, "2023-06-10"),
                "2023-06-10",
                None,
            );
            assert_eq!(e.instalments.map(|r| r.max), Some(max), "{months} months");
        }
        let a = owed(Segment::Pbpu, 9, 35_000, "2023-06-10");
        assert!(plan(&a, "2023-06-10", None, Some(4)).is_ok());
        let Err(RehabError::Refused(e)) = plan(&a, "2023-06-10", None, Some(5)) else {
            panic!("5 instalments for 9 months must be refused");
        };
        assert_eq!(
            e.refusals,
            vec![RehabRefusal::InstalmentsOutOfRange {
                requested: 5,
                min: 2,
                max: 4
            }]
        );
        assert_eq!(
            plan(&a, "2023-06-10", None, Some(0)),
            Err(RehabError::Invalid(RuleError::ZeroInstalments))
        );
    }

    #[test]
    fn registration_is_open_until_the_28th_and_the_27th_in_february() {
        let cases = [
            ("2023-06-28", true),
            ("2023-06-29", false),
            ("2023-12-28", true),
            ("2023-12-31", false),
            ("2023-02-27", true),
            ("2023-02-28", false),
            // Leap year: the 28th is not the last day of February, but registration still
            // closes after the 27th.
            ("2024-02-27", true),
            ("2024-02-28", false),
            ("2024-02-29", false),
            ("2025-02-27", true),
            ("2025-02-28", false),
        ];
        for (on, open) in cases {
            let e = eligible(&owed(Segment::Pbpu, 6, 35_000, on), on, None);
            assert_eq!(e.eligible, open, "{on}: {:?}", e.refusals);
        }
        let e = eligible(
            &owed(Segment::Pbpu, 6, 35_000, "2024-02-28"),
            "2024-02-28",
            None,
        );
        assert_eq!(
            e.refusals,
            vec![RehabRefusal::RegistrationClosed {
                last_day: d("2024-02-27"),
                reopens_on: d("2024-03-01")
            }]
        );
        assert!(e.message().contains("1 Maret 2024"), "{}", e.message());
    }

    #[test]
    fn rehab_started_in_january_2022_and_rehab_2_in_february_2025() {
        let e = eligible(
            &owed(Segment::Pbpu, 6, 35_000, "2021-12-10"),
            "2021-12-10",
            None,
        );
        assert_eq!(codes(&e), vec!["not_yet_available"]);
        let e = eligible(
            &owed(Segment::Pbpu, 6, 35_000, "2025-01-10"),
            "2025-01-10",
            Some(RehabVariant::Rehab2),
        );
        assert_eq!(codes(&e), vec!["not_yet_available"]);
        assert_eq!(
            eligible(
                &owed(Segment::Pbpu, 6, 35_000, "2025-01-10"),
                "2025-01-10",
                None
            )
            .variant,
            RehabVariant::Rehab1
        );
        assert_eq!(
            eligible(
                &owed(Segment::Pbpu, 6, 35_000, "2025-02-03"),
                "2025-02-03",
                None
            )
            .variant,
            RehabVariant::Rehab2
        );
    }

    #[test]
    fn every_unmet_condition_is_listed() {
        let e = eligible(
            &owed(Segment::Ppu, 1, 35_000, "2022-02-28"),
            "2022-02-28",
            None,
        );
        assert_eq!(
            codes(&e),
            vec!["registration_closed", "segment_not_eligible"]
        );
        assert!(!e.eligible);
        assert_eq!(e.instalments, None);
    }

    #[test]
    fn a_participant_with_8_months_of_arrears_gets_a_4_step_plan_starting_this_month() {
        let a = owed(Segment::Pbpu, 8, 35_000, "2023-11-15");
        let p = plan(&a, "2023-11-15", None, None).unwrap();
        assert_eq!(p.variant, RehabVariant::Rehab1);
        assert_eq!(p.instalments.len(), 4);
        let due: Vec<String> = p
            .instalments
            .iter()
            .map(|i| i.due_month.to_string())
            .collect();
        // The first instalment is due in the registration month; the plan crosses the year.
        assert_eq!(due, vec!["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(p.instalments[3].due_by, d("2024-02-29"));
        assert!(p.instalments.iter().all(|i| i.amount == Rupiah(70_000)));
        assert_eq!(p.total, Rupiah(280_000));
        assert_eq!(p.card_rule, CardRule::ArrearsAndCurrentMonthPaid);
        assert!(!p.carries_current_dues);
        assert!(p.message().contains("4 kali"), "{}", p.message());
    }

    #[test]
    fn a_rehab_plan_sums_exactly_to_the_arrears_the_first_instalments_taking_the_remainder() {
        let mut a = owed(Segment::Pbpu, 5, 35_000, "2023-06-10");
        a.months[0].amount = Rupiah(25_500);
        // 25,500 + 4 × 35,000 = 165,500 in 2 instalments.
        let p = plan(&a, "2023-06-10", None, Some(2)).unwrap();
        assert_eq!(p.arrears, Rupiah(165_500));
        let amounts: Vec<i64> = p.instalments.iter().map(|i| i.amount.amount()).collect();
        assert_eq!(amounts, vec![82_750, 82_750]);
        let a = owed(Segment::Pbpu, 7, 100_001, "2023-06-10"); // 700,007 in 3
        let p = plan(&a, "2023-06-10", None, Some(3)).unwrap();
        let amounts: Vec<i64> = p.instalments.iter().map(|i| i.amount.amount()).collect();
        assert_eq!(amounts, vec![233_336, 233_336, 233_335]);
    }

    #[test]
    fn rehab_2_each_instalment_carries_the_current_months_dues() {
        let mut a = owed(Segment::Pbpu, 8, 35_000, "2025-03-05");
        a.current_month_due = Rupiah(10_000); // this month partly paid already
        let p = plan(&a, "2025-03-05", None, Some(4)).unwrap();
        assert_eq!(p.variant, RehabVariant::Rehab2);
        assert!(p.carries_current_dues);
        let amounts: Vec<(i64, i64)> = p
            .instalments
            .iter()
            .map(|i| (i.arrears_part.amount(), i.current_dues.amount()))
            .collect();
        assert_eq!(
            amounts,
            vec![
                (70_000, 10_000),
                (70_000, 35_000),
                (70_000, 35_000),
                (70_000, 35_000)
            ]
        );
        assert_eq!(p.arrears, Rupiah(280_000));
        assert_eq!(p.total, Rupiah(280_000 + 10_000 + 3 * 35_000));
        assert_eq!(p.card_rule, CardRule::AfterLastInstalment);
        // REHAB 1 can still be chosen explicitly; it carries no dues.
        let p1 = plan(&a, "2025-03-05", Some(RehabVariant::Rehab1), Some(4)).unwrap();
        assert_eq!(p1.total, Rupiah(280_000));
    }

    #[test]
    fn rehab_2_card_rule_is_configurable_first_or_last_instalment() {
        let a = owed(Segment::Pbpu, 8, 35_000, "2025-03-05");
        let mut r = rules();
        r.rehab2.reactivate_after = ReactivateAfter::FirstInstalment;
        let p = rehab_plan(&a, d("2025-03-05"), &RehabChoice::default(), &r).unwrap();
        assert_eq!(p.card_rule, CardRule::AfterFirstInstalment);
    }

    #[test]
    fn rehab_2_is_open_to_ppu_and_pbi_with_at_least_2_months_of_old_arrears() {
        for segment in [Segment::Ppu, Segment::PbiApbn, Segment::PbiApbd] {
            let one = eligible(&owed(segment, 1, 35_000, "2025-03-05"), "2025-03-05", None);
            assert_eq!(
                one.refusals,
                vec![RehabRefusal::TooFewMonths { months: 1, min: 2 }]
            );
            let two = eligible(&owed(segment, 2, 35_000, "2025-03-05"), "2025-03-05", None);
            assert!(two.eligible, "{segment}: {:?}", two.refusals);
            assert_eq!(two.instalments, Some(InstalmentRange { min: 2, max: 2 }));
        }
        let mut r = rules();
        r.rehab2.open_to_ppu_and_pbi = false;
        let e = rehab_eligibility(
            &owed(Segment::Ppu, 6, 35_000, "2025-03-05"),
            d("2025-03-05"),
            None,
            &r,
        );
        assert_eq!(codes(&e), vec!["segment_not_eligible"]);
    }

    #[test]
    fn rehab_2_old_arrears_take_up_to_36_instalments_of_at_least_35000_per_person() {
        // 24 months of class 1 (150,000): 3,600,000 / 35,000 = 102 → capped at 36.
        let a = owed(Segment::Ppu, 24, 150_000, "2025-03-05");
        let e = eligible(&a, "2025-03-05", None);
        assert_eq!(e.instalments, Some(InstalmentRange { min: 2, max: 36 }));
        let p = plan(&a, "2025-03-05", None, None).unwrap();
        assert_eq!(p.instalments.len(), 36);
        assert_eq!(p.instalments[35].due_month, ym("2028-02"));
        assert!(!p.carries_current_dues);
        // A family of 3: each instalment at least 105,000. 10 × 35,000 = 350,000 → 3 instalments.
        let mut family = owed(Segment::PbiApbn, 10, 35_000, "2025-03-05");
        family.members = 3;
        let e = eligible(&family, "2025-03-05", None);
        assert_eq!(e.instalments.map(|r| r.max), Some(3));
        let p = plan(&family, "2025-03-05", None, None).unwrap();
        assert!(p.instalments.iter().all(|i| i.amount >= Rupiah(105_000)));
        // Two months of 25,500 cannot make two instalments of 35,000.
        let small = owed(Segment::Ppu, 2, 25_500, "2025-03-05");
        let e = eligible(&small, "2025-03-05", None);
        assert_eq!(codes(&e), vec!["below_minimum_instalment"]);
    }

    #[test]
    fn a_plan_is_stored_as_json_and_read_back_unchanged() {
        let p = plan(
            &owed(Segment::Bp, 10, 100_000, "2025-04-02"),
            "2025-04-02",
            None,
            Some(5),
        )
        .unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"variant\":\"rehab2\""), "{json}");
        assert!(
            json.contains("\"card_rule\":\"after_last_instalment\""),
            "{json}"
        );
        let back: RehabPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_refusal_serializes_with_its_reasons() {
        let err = plan(
            &owed(Segment::Pbpu, 2, 35_000, "2025-04-02"),
            "2025-04-02",
            None,
            None,
        )
        .unwrap_err();
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "refused");
        assert_eq!(json["detail"]["refusals"][0]["code"], "too_few_months");
        assert!(err.message().contains("paling sedikit 4 bulan"));
    }

    fn sim(months: i64, date: &str, class: u8) -> RehabSimulationInput {
        RehabSimulationInput {
            arrears: ReactivationInput {
                segment: Segment::Pbpu,
                class: Some(CareClass::try_from(class).unwrap()),
                members: 1,
                wage: None,
                months_unpaid: months,
                date: d(date),
            },
            current_segment: None,
            variant: None,
            instalments: None,
        }
    }

    #[test]
    fn a_rehab_simulation_prices_the_arrears_with_the_dated_tariffs() {
        // Class 3, 6 months before February 2022: Aug-Dec 2021 at 35,000, no 2020 month.
        let s =
            simulate_rehab(&sim(6, "2022-02-10", 3), TariffTable::standard(), &rules()).unwrap();
        let p = s.plan.unwrap();
        assert_eq!(p.arrears, Rupiah(6 * 35_000));
        assert_eq!(p.instalments.len(), 3);
        // Class 3, 14 months before February 2022 reaches back to December 2020 (25,500).
        let s =
            simulate_rehab(&sim(14, "2022-02-10", 3), TariffTable::standard(), &rules()).unwrap();
        assert_eq!(s.plan.unwrap().arrears, Rupiah(25_500 + 13 * 35_000));
    }

    #[test]
    fn a_simulation_with_more_than_24_months_counts_24_and_is_eligible() {
        // BPJS bills at most 24 months, so 30 unpaid months are assessed as 24.
        let s =
            simulate_rehab(&sim(30, "2025-06-10", 2), TariffTable::standard(), &rules()).unwrap();
        assert!(s.eligibility.eligible);
        assert_eq!(s.eligibility.months_in_arrears, 24);
        assert_eq!(s.eligibility.months_not_counted, 6);
        assert_eq!(s.plan.map(|p| p.instalments.len()), Some(12));
    }

    #[test]
    fn a_simulation_refusal_is_an_answer_and_an_invalid_input_an_error() {
        let s =
            simulate_rehab(&sim(3, "2025-06-10", 2), TariffTable::standard(), &rules()).unwrap();
        assert!(!s.eligibility.eligible);
        assert!(s.plan.is_none());
        assert_eq!(
            simulate_rehab(&sim(-3, "2025-06-10", 2), TariffTable::standard(), &rules()),
            Err(RuleError::NegativeMonths { months: -3 })
        );
        let mut zero = sim(6, "2025-06-10", 2);
        zero.instalments = Some(0);
        assert_eq!(
            simulate_rehab(&zero, TariffTable::standard(), &rules()),
            Err(RuleError::ZeroInstalments)
        );
    }

    #[test]
    fn a_simulation_for_someone_now_in_ppu_uses_the_old_arrears_rule() {
        let mut i = sim(6, "2025-06-10", 3);
        i.current_segment = Some(Segment::Ppu);
        let s = simulate_rehab(&i, TariffTable::standard(), &rules()).unwrap();
        // 210,000 / 35,000 = 6 instalments at most; nothing carried for the current month.
        let p = s.plan.unwrap();
        assert_eq!(p.instalments.len(), 6);
        assert_eq!(p.total, Rupiah(210_000));
    }

    #[test]
    fn a_simulation_input_reads_from_flat_json() {
        let i: RehabSimulationInput = serde_json::from_str(
            r#"{"segment":"BP","class":2,"months_unpaid":8,"date":"2025-06-10","instalments":4}"#,
        )
        .unwrap();
        assert_eq!(i.instalments, Some(4));
        let s = simulate_rehab(&i, TariffTable::standard(), &rules()).unwrap();
        assert_eq!(s.plan.map(|p| p.instalments.len()), Some(4));
    }

    proptest! {
        #[test]
        fn a_rehab_plan_always_sums_to_the_arrears_within_the_instalment_bounds(
            amounts in prop::collection::vec(1i64..500_000, 4..=24),
            pick in 0u32..100,
            rehab2 in any::<bool>(),
        ) {
            let on = if rehab2 { "2025-05-20" } else { "2023-05-20" };
            let mut a = owed(Segment::Pbpu, amounts.len() as u32, 0, on);
            for (m, amount) in a.months.iter_mut().zip(&amounts) {
                m.amount = Rupiah(*amount);
            }
            let range = eligible(&a, on, None).instalments.unwrap();
            prop_assert!(range.min >= 2 && range.max <= 12);
            prop_assert!(range.max <= amounts.len() as u32 / 2);
            let n = range.min + pick % (range.max - range.min + 1);
            let p = plan(&a, on, None, Some(n)).unwrap();
            prop_assert_eq!(p.instalments.len() as u32, n);
            let parts: Rupiah = p.instalments.iter().map(|i| i.arrears_part).sum();
            prop_assert_eq!(parts, Rupiah(amounts.iter().sum()));
            let carried: Rupiah = p.instalments.iter().map(|i| i.current_dues).sum();
            prop_assert_eq!(p.total, parts + carried);
            for w in p.instalments.windows(2) {
                prop_assert!(w[0].arrears_part >= w[1].arrears_part);
                prop_assert!(w[0].arrears_part.amount() - w[1].arrears_part.amount() <= 1);
                prop_assert_eq!(w[0].due_month.next(), w[1].due_month);
            }
        }

        #[test]
        fn an_old_arrears_plan_never_goes_below_the_minimum_per_person(
            months in 2u32..=24,
            amount in 10_000i64..200_000,
            members in 1u32..6,
        ) {
            let mut a = owed(Segment::Ppu, months, amount, "2025-05-20");
            a.members = members;
            if let Ok(p) = plan(&a, "2025-05-20", None, None) {
                prop_assert!(p.instalments.len() <= 36);
                for i in &p.instalments {
                    prop_assert!(i.amount >= Rupiah(35_000 * i64::from(members)));
                }
            }
        }
    }
}

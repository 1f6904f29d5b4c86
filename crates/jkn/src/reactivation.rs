//! What a participant pays to reactivate a suspended card (Perpres 64/2020 Pasal 42): every
//! month in arrears, counted at most 24 (the most recent ones), plus the current month.

use crate::error::RuleError;
use crate::rules::RulesConfig;
use crate::status::account_status;
use crate::tariff::BillingBasis;
use crate::{BilledMonth, CareClass, Ledger, Rupiah, Segment, TariffTable, YearMonth};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Arrears,
    CurrentMonth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactivationLine {
    pub period: YearMonth,
    /// What is still owed for that month.
    pub amount: Rupiah,
    pub kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reactivation {
    pub as_of: NaiveDate,
    /// The card is not active now; paying `total` makes it active.
    pub required: bool,
    /// The months paid for, oldest first, the current month last.
    pub months: Vec<ReactivationLine>,
    pub arrears_months_counted: u32,
    pub arrears: Rupiah,
    pub current_month: Option<YearMonth>,
    /// The whole bill of the current month (the monthly dues at today's tariff).
    pub current_month_billed: Rupiah,
    /// What is still unpaid of the current month.
    pub current_month_due: Rupiah,
    pub total: Rupiah,
    /// The cap applied (24).
    pub months_cap: u32,
    /// Older unpaid months that are not counted (not billed).
    pub months_not_counted: u32,
    /// Their amount; `None` in a simulation, which does not price months it does not count.
    pub amount_not_counted: Option<Rupiah>,
}

pub fn reactivation(ledger: &Ledger, today: NaiveDate, rules: &RulesConfig) -> Reactivation {
    let status = account_status(ledger, today, rules);
    let current_month = YearMonth::of(today);
    let mut months: Vec<ReactivationLine> = status
        .unpaid_months
        .iter()
        .map(|m| ReactivationLine {
            period: m.period,
            amount: m.outstanding,
            kind: LineKind::Arrears,
        })
        .collect();
    if status.current_month_due > Rupiah::ZERO {
        months.push(ReactivationLine {
            period: current_month,
            amount: status.current_month_due,
            kind: LineKind::CurrentMonth,
        });
    }
    let current_month_billed = ledger
        .bills
        .iter()
        .filter(|b| b.period == current_month)
        .map(|b| b.amount.max(Rupiah::ZERO))
        .sum();
    Reactivation {
        as_of: today,
        required: !status.active,
        arrears_months_counted: status.months_in_arrears,
        arrears: status.arrears,
        current_month: status.current_month,
        current_month_billed,
        current_month_due: status.current_month_due,
        total: status.arrears + status.current_month_due,
        months_cap: rules.reactivation.arrears_months_cap,
        months_not_counted: status.months_not_billed,
        amount_not_counted: Some(status.amount_not_billed),
        months,
    }
}

impl Reactivation {
    pub fn message(&self) -> String {
        let mut text = if self.required {
            format!(
                "Untuk mengaktifkan kembali kartu JKN, mohon bayar {}: tunggakan {} bulan sebesar {} ditambah iuran bulan ini sebesar {}.",
                self.total, self.arrears_months_counted, self.arrears, self.current_month_due
            )
        } else if self.total > Rupiah::ZERO {
            format!(
                "Kartu JKN Anda aktif; tidak ada tunggakan. Iuran bulan ini yang belum dibayar {}.",
                self.total
            )
        } else {
            "Kartu JKN Anda aktif dan tidak ada tagihan yang perlu dibayar.".to_string()
        };
        if self.months_not_counted > 0 {
            text.push_str(&format!(
                " Tunggakan dihitung paling banyak {} bulan, jadi {} bulan yang lebih lama tidak ditagihkan.",
                self.months_cap, self.months_not_counted
            ));
        }
        text
    }
}

/// A reactivation question from someone who is not logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactivationInput {
    pub segment: Segment,
    /// Required for PBPU and BP.
    #[serde(default)]
    pub class: Option<CareClass>,
    /// People on the family's bill.
    #[serde(default = "one")]
    pub members: u32,
    /// Monthly wage; required for PPU.
    #[serde(default)]
    pub wage: Option<Rupiah>,
    /// Months unpaid immediately before the month of `date`.
    pub months_unpaid: i64,
    pub date: NaiveDate,
}

fn one() -> u32 {
    1
}

/// A guard against absurd inputs; the simulation bills one month per month unpaid.
const MAX_SIMULATED_MONTHS: i64 = 1_200;

/// The reactivation amount for `input`, each unpaid month billed at the tariff in force that
/// month, so a span across a tariff change is priced correctly.
pub fn simulate_reactivation(
    input: &ReactivationInput,
    tariffs: &TariffTable,
    rules: &RulesConfig,
) -> Result<Reactivation, RuleError> {
    let (ledger, not_counted) = simulated_ledger(input, tariffs, rules)?;
    let mut r = reactivation(&ledger, input.date, rules);
    r.months_not_counted = not_counted;
    r.amount_not_counted = None;
    Ok(r)
}

/// The ledger of a family that has not paid the `months_unpaid` months before `date` nor the
/// current month. Only the months that count are billed; the second value is how many older
/// months were left out.
pub(crate) fn simulated_ledger(
    input: &ReactivationInput,
    tariffs: &TariffTable,
    rules: &RulesConfig,
) -> Result<(Ledger, u32), RuleError> {
    if input.months_unpaid < 0 {
        return Err(RuleError::NegativeMonths {
            months: input.months_unpaid,
        });
    }
    if input.months_unpaid > MAX_SIMULATED_MONTHS {
        return Err(RuleError::TooManyMonths {
            months: input.months_unpaid,
            max: MAX_SIMULATED_MONTHS,
        });
    }
    let basis = billing_basis(input)?;
    let cap = i64::from(rules.reactivation.arrears_months_cap);
    let counted = input.months_unpaid.min(cap);
    let current = YearMonth::of(input.date);
    let bills = current
        .add_months(-counted)
        .through(current)
        .map(|month| {
            tariffs
                .dues(month, basis)
                .map(|dues| BilledMonth::from_dues(month, input.segment, basis.members, dues))
                .map_err(|_| RuleError::NoTariff { month })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let not_counted = u32::try_from(input.months_unpaid - counted).unwrap_or(u32::MAX);
    Ok((
        Ledger {
            bills,
            payments: Vec::new(),
        },
        not_counted,
    ))
}

fn billing_basis(input: &ReactivationInput) -> Result<BillingBasis, RuleError> {
    if input.members == 0 {
        return Err(RuleError::NoMembers);
    }
    let class = match (input.segment, input.class) {
        (_, Some(class)) => class,
        (Segment::Pbpu | Segment::Bp, None) => {
            return Err(RuleError::ClassMissing {
                segment: input.segment,
            })
        }
        // PPU dues follow the wage and PBI dues are flat, so the class does not price them.
        (_, None) => CareClass::Three,
    };
    let wage = match (input.segment, input.wage) {
        (_, Some(w)) if w < Rupiah::ZERO => return Err(RuleError::NegativeAmount { what: "upah" }),
        (Segment::Ppu, None) | (Segment::Ppu, Some(Rupiah(0))) => {
            return Err(RuleError::WageMissing)
        }
        (_, w) => w.unwrap_or(Rupiah::ZERO),
    };
    Ok(BillingBasis {
        segment: input.segment,
        class,
        members: input.members,
        wage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::tests::{billed, d, pay, ym};
    use proptest::prelude::*;

    fn input(segment: Segment, class: Option<u8>, months: i64, date: &str) -> ReactivationInput {
        ReactivationInput {
            segment,
            class: class.map(|c| CareClass::try_from(c).unwrap()),
            members: 1,
            wage: None,
            months_unpaid: months,
            date: d(date),
        }
    }

    fn simulate(i: &ReactivationInput) -> Result<Reactivation, RuleError> {
        simulate_reactivation(i, TariffTable::standard(), &RulesConfig::default())
    }

    #[test]
    fn reactivation_pays_all_months_in_arrears_plus_the_current_month() {
        let l = billed("2025-01", "2025-04", 35_000);
        let r = reactivation(&l, d("2025-04-12"), &RulesConfig::default());
        assert!(r.required);
        assert_eq!(r.arrears_months_counted, 3);
        assert_eq!(r.total, Rupiah(4 * 35_000));
        assert_eq!(
            r.months.last().map(|m| m.kind),
            Some(LineKind::CurrentMonth)
        );
        assert_eq!(r.months.len(), 4);
        assert_eq!(r.amount_not_counted, Some(Rupiah::ZERO));
    }

    #[test]
    fn reactivation_counts_at_most_the_24_most_recent_months_of_arrears() {
        for (months, counted, left_out) in [(24, 24, 0), (25, 24, 1), (30, 24, 6)] {
            let first = ym("2025-07").add_months(-months).to_string();
            let l = billed(&first, "2025-07", 35_000);
            let r = reactivation(&l, d("2025-07-03"), &RulesConfig::default());
            assert_eq!(r.arrears_months_counted, counted, "{months} months");
            assert_eq!(r.months_not_counted, left_out, "{months} months");
            assert_eq!(r.months[0].period, ym("2025-07").add_months(-24));
            assert_eq!(r.total, Rupiah((counted as i64 + 1) * 35_000));
        }
    }

    #[test]
    fn paying_the_reactivation_amount_reactivates_the_card() {
        let mut l = billed("2023-01", "2025-07", 35_000);
        let today = d("2025-07-03");
        let r = reactivation(&l, today, &RulesConfig::default());
        pay(&mut l, "2025-07-03", r.total.amount());
        let after = reactivation(&l, today, &RulesConfig::default());
        assert!(!after.required);
        assert_eq!(after.total, Rupiah::ZERO);
        assert!(account_status(&l, today, &RulesConfig::default()).active);
    }

    #[test]
    fn an_active_card_needs_no_reactivation() {
        let mut l = billed("2025-01", "2025-02", 35_000);
        pay(&mut l, "2025-01-05", 35_000);
        let r = reactivation(&l, d("2025-02-05"), &RulesConfig::default());
        assert!(!r.required);
        assert_eq!(r.total, Rupiah(35_000));
        assert!(r.message().contains("aktif"));
    }

    #[test]
    fn a_simulation_bills_each_month_at_the_tariff_in_force_that_month() {
        // Class 3 across December 2020 / January 2021: 25,500 then 35,000.
        let r = simulate(&input(Segment::Pbpu, Some(3), 2, "2021-02-15")).unwrap();
        let amounts: Vec<(String, i64)> = r
            .months
            .iter()
            .map(|m| (m.period.to_string(), m.amount.amount()))
            .collect();
        assert_eq!(
            amounts,
            vec![
                ("2020-12".into(), 25_500),
                ("2021-01".into(), 35_000),
                ("2021-02".into(), 35_000)
            ]
        );
        assert_eq!(r.total, Rupiah(95_500));
    }

    #[test]
    fn a_simulation_30_months_back_from_march_2021_counts_24_months_across_the_2020_tariffs() {
        let r = simulate(&input(Segment::Pbpu, Some(1), 30, "2021-03-01")).unwrap();
        assert_eq!(r.arrears_months_counted, 24);
        assert_eq!(r.months_not_counted, 6);
        assert_eq!(r.amount_not_counted, None);
        assert_eq!(r.months[0].period, ym("2019-03"));
        // Mar-Dec 2019 at 80,000; Jan-Mar 2020 at 160,000; Apr-Jun 2020 at 80,000;
        // Jul 2020-Feb 2021 at 150,000; plus March 2021 at 150,000.
        let expected = 10 * 80_000 + 3 * 160_000 + 3 * 80_000 + 8 * 150_000 + 150_000;
        assert_eq!(r.total, Rupiah(expected));
    }

    #[test]
    fn a_family_simulation_multiplies_by_the_members() {
        let mut i = input(Segment::Bp, Some(2), 3, "2025-06-01");
        i.members = 4;
        assert_eq!(simulate(&i).unwrap().total, Rupiah(4 * 4 * 100_000));
    }

    #[test]
    fn a_ppu_simulation_bills_the_wage_based_dues() {
        let mut i = input(Segment::Ppu, None, 2, "2025-06-01");
        i.wage = Some(Rupiah(5_000_000));
        assert_eq!(simulate(&i).unwrap().total, Rupiah(3 * 250_000));
        i.wage = None;
        assert_eq!(simulate(&i), Err(RuleError::WageMissing));
    }

    #[test]
    fn a_pbi_participant_owes_nothing_to_reactivate() {
        let r = simulate(&input(Segment::PbiApbn, None, 5, "2025-06-01")).unwrap();
        assert_eq!(r.total, Rupiah::ZERO);
        assert!(!r.required);
    }

    #[test]
    fn invalid_simulation_inputs_are_refused_with_a_reason() {
        assert_eq!(
            simulate(&input(Segment::Pbpu, Some(3), -1, "2025-06-01")),
            Err(RuleError::NegativeMonths { months: -1 })
        );
        assert_eq!(
            simulate(&input(Segment::Pbpu, None, 3, "2025-06-01")),
            Err(RuleError::ClassMissing {
                segment: Segment::Pbpu
            })
        );
        let mut i = input(Segment::Pbpu, Some(3), 3, "2025-06-01");
        i.members = 0;
        assert_eq!(simulate(&i), Err(RuleError::NoMembers));
        // The tariff table starts in April 2016.
        assert_eq!(
            simulate(&input(Segment::Pbpu, Some(3), 3, "2016-05-01")),
            Err(RuleError::NoTariff {
                month: ym("2016-02")
            })
        );
        assert!(matches!(
            simulate(&input(Segment::Pbpu, Some(3), 5_000, "2025-06-01")),
            Err(RuleError::TooManyMonths { .. })
        ));
    }

    #[test]
    fn a_simulation_input_reads_from_json_with_one_member_by_default() {
        let i: ReactivationInput = serde_json::from_str(
            r#"{"segment":"PBPU","class":3,"months_unpaid":4,"date":"2025-06-01"}"#,
        )
        .unwrap();
        assert_eq!(i.members, 1);
        assert_eq!(simulate(&i).unwrap().total, Rupiah(5 * 35_000));
    }

    proptest! {
        #[test]
        fn reactivation_never_counts_more_than_24_months(months in 0i64..200, class in 1u8..=3) {
            let r = simulate(&input(Segment::Pbpu, Some(class), months, "2026-01-20")).unwrap();
            prop_assert!(r.arrears_months_counted <= 24);
            prop_assert_eq!(i64::from(r.arrears_months_counted + r.months_not_counted), months);
            let sum: Rupiah = r.months.iter().map(|m| m.amount).sum();
            prop_assert_eq!(sum, r.total);
        }
    }
}

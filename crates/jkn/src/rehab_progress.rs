//! How a registered REHAB plan is going at a date: which instalments are paid, what is due
//! next, whether the card is active and whether the plan has lapsed.
//!
//! Payments made on or after the registration day count towards the instalments in order.
//! Decision (no public source, see jkn-rules.md): an instalment still unpaid at the end of its
//! due month lapses the plan from the 1st of the next month, and the remaining arrears fall due
//! at once, as in an ordinary reactivation. A lapsed plan stays lapsed even if paid later.

use crate::reactivation::reactivation;
use crate::rehab::{CardRule, RehabPlan};
use crate::rules::RulesConfig;
use crate::status::{account_status, StatusReason};
use crate::text::tanggal;
use crate::{Ledger, Payment, Rupiah, YearMonth};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    OnTrack,
    Completed,
    Lapsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentState {
    Paid,
    /// Due this month.
    Due,
    Upcoming,
    /// Its month ended before it was fully paid.
    Missed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentProgress {
    pub number: u32,
    pub due_month: YearMonth,
    pub due_by: NaiveDate,
    pub amount: Rupiah,
    pub paid: Rupiah,
    pub outstanding: Rupiah,
    pub settled_on: Option<NaiveDate>,
    pub state: InstalmentState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lapse {
    pub missed_instalment: u32,
    pub due_month: YearMonth,
    pub lapsed_on: NaiveDate,
    /// What the plan still expected at the statement date.
    pub remaining_in_plan: Rupiah,
    /// What must be paid now, all at once, to reactivate (arrears plus current month).
    pub due_now: Rupiah,
}

/// Whether the card is active, and why, while the plan runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CardState {
    /// Every month billed is settled as an ordinary account would be.
    Active {
        reason: StatusReason,
    },
    /// REHAB 2.0 configured to reactivate after the first instalment, and the plan is on time.
    ActiveSinceFirstInstalment,
    /// Still inactive until the plan is completed (and, for REHAB 1, the months since
    /// registration and the current month are paid).
    InactiveUntilPlanCompleted {
        rule: CardRule,
        instalments_left: u32,
    },
    /// The plan is completed but months outside it are still unpaid.
    InactiveOutstanding {
        due_now: Rupiah,
    },
    InactivePlanLapsed {
        due_now: Rupiah,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RehabProgress {
    pub as_of: NaiveDate,
    pub state: PlanState,
    /// Paid since registration.
    pub paid: Rupiah,
    pub remaining: Rupiah,
    pub instalments: Vec<InstalmentProgress>,
    pub instalments_paid: u32,
    pub next_due: Option<InstalmentProgress>,
    pub lapse: Option<Lapse>,
    pub card_active: bool,
    pub card: CardState,
}

pub fn rehab_progress(
    plan: &RehabPlan,
    ledger: &Ledger,
    today: NaiveDate,
    rules: &RulesConfig,
) -> RehabProgress {
    let mut payments: Vec<&Payment> = ledger
        .payments
        .iter()
        .filter(|p| {
            p.paid_on >= plan.registered_on && p.paid_on <= today && p.amount > Rupiah::ZERO
        })
        .collect();
    payments.sort_by_key(|p| (p.paid_on, p.id));
    let paid_by = |date: NaiveDate| -> Rupiah {
        payments
            .iter()
            .filter(|p| p.paid_on <= date)
            .map(|p| p.amount)
            .sum()
    };
    let paid = paid_by(today);
    let current = YearMonth::of(today);

    let mut owed_through = Rupiah::ZERO;
    let mut lapse_at: Option<(u32, YearMonth)> = None;
    let mut instalments = Vec::with_capacity(plan.instalments.len());
    for i in &plan.instalments {
        let owed_before = owed_through;
        owed_through += i.amount;
        let on_it = (paid - owed_before).max(Rupiah::ZERO).min(i.amount);
        let outstanding = i.amount - on_it;
        let settled_on =
            settled_on(&payments, owed_through).filter(|_| outstanding == Rupiah::ZERO);
        if lapse_at.is_none() && today > i.due_by && paid_by(i.due_by) < owed_through {
            lapse_at = Some((i.number, i.due_month));
        }
        let state = if outstanding == Rupiah::ZERO {
            InstalmentState::Paid
        } else if today > i.due_by {
            InstalmentState::Missed
        } else if i.due_month == current {
            InstalmentState::Due
        } else {
            InstalmentState::Upcoming
        };
        instalments.push(InstalmentProgress {
            number: i.number,
            due_month: i.due_month,
            due_by: i.due_by,
            amount: i.amount,
            paid: on_it,
            outstanding,
            settled_on,
            state,
        });
    }

    let remaining = (plan.total - paid).max(Rupiah::ZERO);
    let instalments_paid = instalments
        .iter()
        .filter(|i| i.state == InstalmentState::Paid)
        .count() as u32;
    let due_now = || reactivation(ledger, today, rules).total;
    let lapse = lapse_at.map(|(number, due_month)| Lapse {
        missed_instalment: number,
        due_month,
        lapsed_on: due_month.next().first_day(),
        remaining_in_plan: remaining,
        due_now: due_now(),
    });
    let state = match (&lapse, remaining == Rupiah::ZERO) {
        (Some(_), _) => PlanState::Lapsed,
        (None, true) => PlanState::Completed,
        (None, false) => PlanState::OnTrack,
    };
    let next_due = if state == PlanState::OnTrack {
        instalments
            .iter()
            .find(|i| i.outstanding > Rupiah::ZERO)
            .cloned()
    } else {
        None
    };

    let status = account_status(ledger, today, rules);
    let card = if status.active {
        CardState::Active {
            reason: status.reason,
        }
    } else if state == PlanState::OnTrack
        && plan.card_rule == CardRule::AfterFirstInstalment
        && instalments_paid >= 1
    {
        CardState::ActiveSinceFirstInstalment
    } else if let Some(l) = &lapse {
        CardState::InactivePlanLapsed { due_now: l.due_now }
    } else if state == PlanState::OnTrack {
        CardState::InactiveUntilPlanCompleted {
            rule: plan.card_rule,
            instalments_left: instalments.len() as u32 - instalments_paid,
        }
    } else {
        CardState::InactiveOutstanding { due_now: due_now() }
    };
    RehabProgress {
        as_of: today,
        state,
        paid,
        remaining,
        instalments,
        instalments_paid,
        next_due,
        lapse,
        card_active: matches!(
            card,
            CardState::Active { .. } | CardState::ActiveSinceFirstInstalment
        ),
        card,
    }
}

/// The day the running total of payments first reached `target`.
fn settled_on(payments: &[&Payment], target: Rupiah) -> Option<NaiveDate> {
    let mut sum = Rupiah::ZERO;
    for p in payments {
        sum += p.amount;
        if sum >= target {
            return Some(p.paid_on);
        }
    }
    None
}

impl RehabProgress {
    /// What to tell the participant, in Indonesian; a lapse is said plainly.
    pub fn message(&self) -> String {
        let mut text = match (&self.lapse, self.state) {
            (Some(l), _) => format!(
                "Rencana cicilan REHAB Anda batal sejak {} karena cicilan ke-{} (bulan {}) tidak lunas sampai akhir bulan tersebut. Sisa tunggakan sekarang harus dibayar sekaligus: {}.",
                tanggal(&l.lapsed_on),
                l.missed_instalment,
                l.due_month.indonesian(),
                l.due_now
            ),
            (None, PlanState::Completed) => "Semua cicilan REHAB Anda sudah lunas.".to_string(),
            (None, _) => {
                let mut t = format!(
                    "Cicilan REHAB yang sudah lunas {} dari {}.",
                    self.instalments_paid,
                    self.instalments.len()
                );
                if let Some(n) = &self.next_due {
                    t.push_str(&format!(
                        " Cicilan ke-{} sebesar {} mohon dibayar paling lambat {}.",
                        n.number,
                        n.outstanding,
                        tanggal(&n.due_by)
                    ));
                }
                t
            }
        };
        text.push(' ');
        text.push_str(&match &self.card {
            CardState::Active { .. } | CardState::ActiveSinceFirstInstalment => {
                "Kartu JKN Anda aktif.".to_string()
            }
            CardState::InactiveUntilPlanCompleted { rule, .. } => match rule {
                CardRule::ArrearsAndCurrentMonthPaid => "Kartu aktif kembali setelah semua cicilan dan iuran bulan berjalan lunas.".to_string(),
                CardRule::AfterFirstInstalment => "Kartu aktif kembali setelah cicilan pertama dibayar.".to_string(),
                CardRule::AfterLastInstalment => "Kartu aktif kembali setelah cicilan terakhir lunas.".to_string(),
            },
            CardState::InactiveOutstanding { due_now } => format!(
                "Kartu belum aktif: mohon bayar iuran yang belum lunas di luar cicilan, sebesar {due_now}."
            ),
            CardState::InactivePlanLapsed { .. } => "Kartu belum aktif.".to_string(),
        });
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::tests::{billed, d, pay};
    use crate::rehab::{rehab_plan, RehabArrears, RehabChoice, RehabVariant};
    use crate::rules::ReactivateAfter;
    use crate::Segment;

    /// Eight months unpaid (July 2024 - February 2025), billed through 2025, class 3.
    fn ledger() -> Ledger {
        billed("2024-07", "2025-12", 35_000)
    }

    fn plan_for(l: &Ledger, variant: RehabVariant, rules: &RulesConfig) -> RehabPlan {
        let on = d("2025-03-05");
        let a = RehabArrears::from_ledger(l, Segment::Pbpu, 1, on, rules);
        rehab_plan(
            &a,
            on,
            &RehabChoice {
                variant: Some(variant),
                instalments: Some(4),
            },
            rules,
        )
        .unwrap()
    }

    fn at(plan: &RehabPlan, l: &Ledger, today: &str, rules: &RulesConfig) -> RehabProgress {
        rehab_progress(plan, l, d(today), rules)
    }

    #[test]
    fn rehab_2_card_is_active_again_after_the_last_instalment() {
        let r = RulesConfig::default();
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        assert_eq!(plan.instalments[0].amount, Rupiah(105_000));
        for (on, check) in [
            ("2025-03-05", "2025-03-20"),
            ("2025-04-05", "2025-04-20"),
            ("2025-05-05", "2025-05-20"),
        ] {
            pay(&mut l, on, 105_000);
            let p = at(&plan, &l, check, &r);
            assert_eq!(p.state, PlanState::OnTrack);
            assert!(!p.card_active, "{check}: {:?}", p.card);
        }
        let p = at(&plan, &l, "2025-05-20", &r);
        assert_eq!(p.instalments_paid, 3);
        assert_eq!(p.next_due.as_ref().map(|n| n.number), Some(4));
        assert_eq!(
            p.card,
            CardState::InactiveUntilPlanCompleted {
                rule: CardRule::AfterLastInstalment,
                instalments_left: 1
            }
        );
        pay(&mut l, "2025-06-05", 105_000);
        let p = at(&plan, &l, "2025-06-06", &r);
        assert_eq!(p.state, PlanState::Completed);
        assert!(p.card_active, "{:?}", p.card);
        assert_eq!(p.instalments[3].settled_on, Some(d("2025-06-05")));
        assert!(p.message().contains("aktif"), "{}", p.message());
    }

    #[test]
    fn rehab_2_can_be_configured_to_reactivate_after_the_first_instalment() {
        let mut r = RulesConfig::default();
        r.rehab2.reactivate_after = ReactivateAfter::FirstInstalment;
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        assert!(!at(&plan, &l, "2025-03-05", &r).card_active);
        pay(&mut l, "2025-03-06", 105_000);
        let p = at(&plan, &l, "2025-03-07", &r);
        assert_eq!(p.card, CardState::ActiveSinceFirstInstalment);
        // Missing the second instalment ends that: the plan lapses on 1 May.
        let p = at(&plan, &l, "2025-05-01", &r);
        assert_eq!(p.state, PlanState::Lapsed);
        assert!(!p.card_active);
    }

    #[test]
    fn rehab_1_card_is_active_once_all_arrears_and_the_current_month_are_paid() {
        let r = RulesConfig::default();
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab1, &r);
        assert_eq!(plan.instalments[0].amount, Rupiah(70_000));
        for on in ["2025-03-05", "2025-04-05", "2025-05-05", "2025-06-05"] {
            pay(&mut l, on, 70_000);
        }
        let p = at(&plan, &l, "2025-06-06", &r);
        assert_eq!(p.state, PlanState::Completed);
        // March to May passed during the plan and June is the current month.
        assert_eq!(
            p.card,
            CardState::InactiveOutstanding {
                due_now: Rupiah(4 * 35_000)
            }
        );
        assert!(!p.card_active);
        pay(&mut l, "2025-06-07", 4 * 35_000);
        assert!(at(&plan, &l, "2025-06-07", &r).card_active);
    }

    #[test]
    fn a_missed_instalment_lapses_the_plan_after_its_due_month_and_the_rest_falls_due() {
        let r = RulesConfig::default();
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        pay(&mut l, "2025-03-05", 105_000);
        // April's instalment is unpaid: still on track on 30 April ...
        let p = at(&plan, &l, "2025-04-30", &r);
        assert_eq!(p.state, PlanState::OnTrack);
        assert_eq!(p.instalments[1].state, InstalmentState::Due);
        // ... lapsed on 1 May.
        let p = at(&plan, &l, "2025-05-01", &r);
        assert_eq!(p.state, PlanState::Lapsed);
        assert_eq!(p.instalments[1].state, InstalmentState::Missed);
        let lapse = p.lapse.clone().unwrap();
        assert_eq!(
            (lapse.missed_instalment, lapse.lapsed_on),
            (2, d("2025-05-01"))
        );
        // 11 months billed July 2024 - May 2025, 3 of them paid by the first instalment.
        assert_eq!(lapse.due_now, Rupiah(8 * 35_000));
        assert_eq!(
            p.card,
            CardState::InactivePlanLapsed {
                due_now: Rupiah(8 * 35_000)
            }
        );
        assert_eq!(p.next_due, None);
        let msg = p.message();
        assert!(msg.contains("batal") && msg.contains("sekaligus"), "{msg}");
        // Paying the instalment late does not revive the plan.
        pay(&mut l, "2025-05-02", 105_000);
        assert_eq!(at(&plan, &l, "2025-05-03", &r).state, PlanState::Lapsed);
    }

    #[test]
    fn payments_before_registration_do_not_count_towards_the_plan() {
        let r = RulesConfig::default();
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        pay(&mut l, "2025-03-04", 105_000);
        let p = at(&plan, &l, "2025-03-10", &r);
        assert_eq!(p.paid, Rupiah::ZERO);
        assert_eq!(p.instalments[0].state, InstalmentState::Due);
    }

    #[test]
    fn a_partial_instalment_is_shown_with_what_is_left() {
        let r = RulesConfig::default();
        let mut l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        pay(&mut l, "2025-03-05", 100_000);
        let p = at(&plan, &l, "2025-03-06", &r);
        assert_eq!(p.instalments[0].outstanding, Rupiah(5_000));
        assert_eq!(p.instalments[0].settled_on, None);
        assert_eq!(p.instalments[1].state, InstalmentState::Upcoming);
        assert_eq!(p.remaining, plan.total - Rupiah(100_000));
    }

    #[test]
    fn progress_serializes_with_codes() {
        let r = RulesConfig::default();
        let l = ledger();
        let plan = plan_for(&l, RehabVariant::Rehab2, &r);
        let json = serde_json::to_value(at(&plan, &l, "2025-03-06", &r)).unwrap();
        assert_eq!(json["state"], "on_track");
        assert_eq!(json["card"]["code"], "inactive_until_plan_completed");
        assert_eq!(json["instalments"][0]["state"], "due");
    }
}

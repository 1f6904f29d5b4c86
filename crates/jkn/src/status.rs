//! Membership status of a family's account at a date, derived from its ledger.
//!
//! Perpres 64/2020 Pasal 42: dues for month M are due by the 10th of M; dues still unpaid at the
//! end of a month suspend coverage from the 1st of the next month; coverage returns once all
//! months in arrears (counted at most 24) and the current month are paid.

use crate::allocation::{statement, MonthDue, MonthState, Statement};
use crate::rules::RulesConfig;
use crate::text::tanggal;
use crate::{Ledger, Payment, Rupiah, YearMonth};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why the account is or is not active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StatusReason {
    /// Every month billed so far, the current one included, is settled.
    Paid,
    /// No arrears; this month's dues are still open but only fall into arrears after the
    /// month ends, so coverage continues meanwhile.
    CurrentMonthDue { amount: Rupiah, due_by: NaiveDate },
    /// Months before the current one are unpaid: coverage suspended since `since`.
    Arrears {
        months: u32,
        amount: Rupiah,
        since: NaiveDate,
    },
    /// The account was suspended when this month began and its arrears are now paid, but a
    /// suspended card comes back only when the current month is paid too.
    CurrentMonthRequired { amount: Rupiah },
    /// Nothing has been billed to this account up to this month.
    NoBills,
}

/// The account's status at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    pub as_of: NaiveDate,
    pub active: bool,
    pub reason: StatusReason,
    /// Unpaid months before the current month that BPJS bills (at most 24).
    pub months_in_arrears: u32,
    /// Those months, oldest first, with what is still owed on each.
    pub unpaid_months: Vec<MonthDue>,
    pub arrears: Rupiah,
    /// Older unpaid months no longer billed because of the 24-month cap.
    pub months_not_billed: u32,
    pub amount_not_billed: Rupiah,
    /// The current month, when it is billed.
    pub current_month: Option<YearMonth>,
    /// What is still unpaid of the current month.
    pub current_month_due: Rupiah,
    pub current_month_due_by: Option<NaiveDate>,
    /// Coverage is suspended since this date (when inactive because of arrears).
    pub suspended_since: Option<NaiveDate>,
    pub paid_through: Option<YearMonth>,
    pub last_payment: Option<Payment>,
    pub credit: Rupiah,
}

pub fn account_status(ledger: &Ledger, today: NaiveDate, rules: &RulesConfig) -> AccountStatus {
    let now = statement(ledger, today, rules);
    let current = YearMonth::of(today);
    let unpaid_months = now.arrears();
    let not_billed = now.not_billed();
    let arrears: Rupiah = unpaid_months.iter().map(|m| m.outstanding).sum();
    let current_line = now.line(current);
    let current_month_due = current_line.map_or(Rupiah::ZERO, |l| l.outstanding);

    let suspended_now = suspension_start(&now, current);
    let suspended_at_month_start = current
        .first_day()
        .pred_opt()
        .and_then(|eve| suspension_start(&statement(ledger, eve, rules), current));

    let (active, reason) = if let Some(oldest) = unpaid_months.first() {
        (
            false,
            StatusReason::Arrears {
                months: unpaid_months.len() as u32,
                amount: arrears,
                since: suspended_now.unwrap_or_else(|| oldest.period.next().first_day()),
            },
        )
    } else if !now.months.iter().any(|m| m.period <= current) {
        (false, StatusReason::NoBills)
    } else if suspended_at_month_start.is_some() && current_month_due > Rupiah::ZERO {
        (
            false,
            StatusReason::CurrentMonthRequired {
                amount: current_month_due,
            },
        )
    } else if let (Some(line), true) = (current_line, current_month_due > Rupiah::ZERO) {
        (
            true,
            StatusReason::CurrentMonthDue {
                amount: current_month_due,
                due_by: line.due_by,
            },
        )
    } else {
        (true, StatusReason::Paid)
    };

    let last_payment = ledger
        .payments
        .iter()
        .filter(|p| p.paid_on <= today)
        .max_by_key(|p| (p.paid_on, p.id))
        .cloned();

    AccountStatus {
        as_of: today,
        active,
        months_in_arrears: unpaid_months.len() as u32,
        arrears,
        months_not_billed: not_billed.len() as u32,
        amount_not_billed: not_billed.iter().map(|m| m.outstanding).sum(),
        unpaid_months,
        current_month: current_line.map(|l| l.period),
        current_month_due,
        current_month_due_by: current_line.map(|l| l.due_by),
        suspended_since: match (&reason, active) {
            (_, true) => None,
            (StatusReason::CurrentMonthRequired { .. }, false) => suspended_at_month_start,
            (StatusReason::Arrears { since, .. }, false) => Some(*since),
            (_, false) => suspended_now,
        },
        paid_through: now.paid_through(),
        last_payment,
        credit: now.credit,
        reason,
    }
}

/// When the current suspension began: the 1st of the month after the oldest month of the
/// unbroken run of unpaid months before `current`, whether or not that month is still billed
/// (it has been unpaid ever since its month ended). `None` when the last month before
/// `current` is settled.
fn suspension_start(s: &Statement, current: YearMonth) -> Option<NaiveDate> {
    let mut oldest = None;
    for m in s.months.iter().rev().filter(|m| m.period < current) {
        match m.state {
            MonthState::InArrears | MonthState::NotBilled | MonthState::Open => {
                oldest = Some(m.period)
            }
            // A month the government paid interrupts nothing.
            MonthState::NothingOwed => {}
            MonthState::Paid => break,
        }
    }
    oldest.map(|p| p.next().first_day())
}

impl StatusReason {
    /// What to tell the participant, in Indonesian.
    pub fn message(&self) -> String {
        match self {
            StatusReason::Paid => "Kartu JKN Anda aktif dan iuran sudah lunas.".into(),
            StatusReason::CurrentMonthDue { amount, due_by } => format!(
                "Kartu JKN Anda aktif. Iuran bulan ini {amount} mohon dibayar paling lambat {}.",
                tanggal(due_by)
            ),
            StatusReason::Arrears {
                months,
                amount,
                since,
            } => format!(
                "Kartu JKN Anda tidak aktif sejak {} karena ada tunggakan iuran {months} bulan sebesar {amount}.",
                tanggal(since)
            ),
            StatusReason::CurrentMonthRequired { amount } => format!(
                "Tunggakan Anda sudah lunas. Agar kartu aktif kembali, mohon bayar juga iuran bulan ini sebesar {amount}."
            ),
            StatusReason::NoBills => {
                "Belum ada tagihan iuran untuk kepesertaan ini, jadi kartu belum aktif. Silakan hubungi BPJS Kesehatan Care Center 165.".into()
            }
        }
    }
}

impl AccountStatus {
    pub fn message(&self) -> String {
        let mut text = self.reason.message();
        if self.months_not_billed > 0 {
            text.push_str(&format!(
                " Tunggakan {} bulan yang lebih lama tidak ditagihkan lagi.",
                self.months_not_billed
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::tests::{billed, d, pay, ym};
    use crate::BilledMonth;

    fn status(ledger: &Ledger, today: &str) -> AccountStatus {
        account_status(ledger, d(today), &RulesConfig::default())
    }

    #[test]
    fn dues_unpaid_at_the_end_of_a_month_suspend_coverage_from_the_first_of_the_next_month() {
        let mut l = billed("2025-01", "2025-03", 35_000);
        pay(&mut l, "2025-01-08", 35_000);
        // February unpaid: still covered on 28 February, suspended on 1 March.
        let feb = status(&l, "2025-02-28");
        assert!(feb.active, "{feb:?}");
        assert_eq!(feb.months_in_arrears, 0);
        let mar = status(&l, "2025-03-01");
        assert!(!mar.active);
        assert_eq!(
            mar.reason,
            StatusReason::Arrears {
                months: 1,
                amount: Rupiah(35_000),
                since: d("2025-03-01")
            }
        );
        assert_eq!(mar.suspended_since, Some(d("2025-03-01")));
        assert_eq!(mar.unpaid_months[0].period, ym("2025-02"));
    }

    #[test]
    fn dues_unpaid_in_december_suspend_coverage_from_the_first_of_january() {
        let l = billed("2025-12", "2026-01", 35_000);
        assert!(status(&l, "2025-12-31").active);
        let jan = status(&l, "2026-01-01");
        assert!(!jan.active);
        assert_eq!(jan.suspended_since, Some(d("2026-01-01")));
    }

    #[test]
    fn dues_are_due_by_the_tenth_but_there_is_no_late_fee() {
        let mut l = billed("2025-04", "2025-05", 35_000);
        pay(&mut l, "2025-04-25", 35_000);
        let s = status(&l, "2025-05-20");
        assert!(s.active);
        assert_eq!(
            s.reason,
            StatusReason::CurrentMonthDue {
                amount: Rupiah(35_000),
                due_by: d("2025-05-10")
            }
        );
        // Paid late in the month: exactly the dues, nothing more.
        pay(&mut l, "2025-05-25", 35_000);
        let s = status(&l, "2025-05-26");
        assert_eq!(s.reason, StatusReason::Paid);
        assert_eq!(s.credit, Rupiah::ZERO);
    }

    #[test]
    fn reactivation_needs_the_arrears_and_the_current_month() {
        let mut l = billed("2025-01", "2025-04", 100_000);
        pay(&mut l, "2025-04-03", 300_000); // January to March only
        let s = status(&l, "2025-04-04");
        assert!(!s.active);
        assert_eq!(
            s.reason,
            StatusReason::CurrentMonthRequired {
                amount: Rupiah(100_000)
            }
        );
        pay(&mut l, "2025-04-05", 100_000);
        let s = status(&l, "2025-04-05");
        assert!(s.active);
        assert_eq!(s.paid_through, Some(ym("2025-04")));
    }

    #[test]
    fn an_account_active_when_the_month_began_stays_active_until_the_month_ends() {
        let mut l = billed("2025-01", "2025-02", 100_000);
        pay(&mut l, "2025-01-05", 100_000);
        let s = status(&l, "2025-02-27");
        assert!(s.active);
        assert_eq!(s.current_month, Some(ym("2025-02")));
        assert_eq!(s.current_month_due, Rupiah(100_000));
        assert_eq!(s.current_month_due_by, Some(d("2025-02-10")));
        assert_eq!(s.paid_through, Some(ym("2025-01")));
        assert_eq!(
            s.last_payment.as_ref().map(|p| p.paid_on),
            Some(d("2025-01-05"))
        );
    }

    #[test]
    fn a_month_billed_at_zero_is_never_in_arrears() {
        // PBI: the government pays outside the family account.
        let l = billed("2024-01", "2025-06", 0);
        let s = status(&l, "2025-06-15");
        assert!(s.active);
        assert_eq!(s.reason, StatusReason::Paid);
        assert_eq!(s.arrears, Rupiah::ZERO);
    }

    #[test]
    fn an_account_with_no_bills_is_not_active() {
        let s = status(&Ledger::default(), "2025-06-15");
        assert!(!s.active);
        assert_eq!(s.reason, StatusReason::NoBills);
        let later = billed("2025-07", "2025-08", 35_000);
        assert_eq!(status(&later, "2025-06-15").reason, StatusReason::NoBills);
    }

    #[test]
    fn arrears_are_counted_at_most_24_months() {
        let l = billed("2023-01", "2025-07", 35_000); // 30 months before July 2025
        let s = status(&l, "2025-07-01");
        assert_eq!(s.months_in_arrears, 24);
        assert_eq!(s.unpaid_months[0].period, ym("2023-07"));
        assert_eq!(s.arrears, Rupiah(24 * 35_000));
        assert_eq!(
            (s.months_not_billed, s.amount_not_billed),
            (6, Rupiah(6 * 35_000))
        );
        // Coverage has been suspended since the oldest month went unpaid.
        assert_eq!(s.suspended_since, Some(d("2023-02-01")));
        assert!(s.message().contains("6 bulan"), "{}", s.message());
    }

    #[test]
    fn a_new_suspension_after_a_reactivation_dates_from_the_new_unpaid_month() {
        // 30 months unpaid, reactivated in July 2025 (24 months + July), August unpaid.
        let mut l = billed("2023-01", "2025-09", 35_000);
        pay(&mut l, "2025-07-05", 25 * 35_000);
        let s = status(&l, "2025-09-02");
        assert!(!s.active);
        assert_eq!(s.suspended_since, Some(d("2025-09-01")));
        assert_eq!(s.months_in_arrears, 1);
        assert_eq!(s.months_not_billed, 6);
    }

    #[test]
    fn a_card_waiting_for_the_current_month_says_since_when_it_is_suspended() {
        let mut l = billed("2025-01", "2025-04", 100_000);
        pay(&mut l, "2025-04-03", 300_000);
        let s = status(&l, "2025-04-04");
        assert_eq!(s.suspended_since, Some(d("2025-02-01")));
        assert!(s.message().contains("iuran bulan ini"), "{}", s.message());
    }

    #[test]
    fn overpayment_is_shown_as_credit() {
        let mut l = billed("2025-01", "2025-01", 35_000);
        pay(&mut l, "2025-01-02", 40_000);
        let s = status(&l, "2025-01-03");
        assert_eq!(s.credit, Rupiah(5_000));
    }

    #[test]
    fn a_gap_in_billing_is_not_arrears() {
        // A family that was PBI (not billed to this account) in between.
        let mut l = billed("2025-01", "2025-01", 35_000);
        l.bills.push(BilledMonth {
            period: ym("2025-05"),
            amount: Rupiah(35_000),
            subsidy: Rupiah::ZERO,
            members: 1,
        });
        pay(&mut l, "2025-01-03", 35_000);
        let s = status(&l, "2025-05-02");
        assert!(s.active, "{s:?}");
    }

    #[test]
    fn status_serializes_with_a_reason_code() {
        let l = billed("2025-01", "2025-03", 35_000);
        let json = serde_json::to_value(status(&l, "2025-03-02")).unwrap();
        assert_eq!(json["reason"]["code"], "arrears");
        assert_eq!(json["unpaid_months"][0]["period"], "2025-01");
        assert_eq!(json["arrears"], 70_000);
    }
}

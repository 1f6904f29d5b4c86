//! Where a family's money went: payments settle the oldest unpaid billed months first (FIFO),
//! partial payments allowed, overpayment kept as credit.
//!
//! BPJS bills at most 24 months of arrears (Perpres 64/2020 Pasal 42). So when a payment
//! arrives while more unpaid months lie behind its month than the cap, the oldest ones are
//! no longer billed: they receive no money, and the payment goes to the oldest months still
//! billed. Without this, paying the reactivation amount (24 months plus the current one) would
//! settle the oldest months instead and leave the newest ones in arrears.

use crate::rules::RulesConfig;
use crate::{BilledMonth, Ledger, Payment, Rupiah, YearMonth};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The state of one billed month at the statement date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthState {
    /// Fully paid.
    Paid,
    /// Nothing was owed by this account (PBI, paid by the government).
    NothingOwed,
    /// The current or a later month, not (fully) paid yet; not arrears.
    Open,
    /// A past month not fully paid, within the months BPJS bills.
    InArrears,
    /// A past unpaid month older than the arrears BPJS bills (beyond the 24-month cap).
    NotBilled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthLine {
    pub period: YearMonth,
    pub billed: Rupiah,
    /// Paid from elsewhere (class 3 subsidy, PBI contribution); never owed by the account.
    pub subsidy: Rupiah,
    pub members: u32,
    pub paid: Rupiah,
    pub outstanding: Rupiah,
    /// Dues for a month are due by the 10th of that month.
    pub due_by: NaiveDate,
    /// The date of the payment that completed this month.
    pub settled_on: Option<NaiveDate>,
    pub state: MonthState,
}

/// An amount still owed for one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthDue {
    pub period: YearMonth,
    pub billed: Rupiah,
    pub outstanding: Rupiah,
}

/// Every billed month of an account with what was paid on it, as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub as_of: NaiveDate,
    pub months: Vec<MonthLine>,
    /// Payments received up to `as_of`.
    pub total_paid: Rupiah,
    /// Money left after every billed month is paid.
    pub credit: Rupiah,
}

/// Allocates the payments received up to `today` to the ledger's months.
///
/// Payments are taken in date order (then by id); payments dated after `today` are ignored, as
/// are zero or negative amounts (corrections belong in the bills). Several bills for the same
/// month are read as one month's bill.
pub fn statement(ledger: &Ledger, today: NaiveDate, rules: &RulesConfig) -> Statement {
    let cap = rules.reactivation.arrears_months_cap as usize;
    let mut slots = merge_bills(&ledger.bills);
    let mut payments: Vec<&Payment> = ledger
        .payments
        .iter()
        .filter(|p| p.paid_on <= today && p.amount > Rupiah::ZERO)
        .collect();
    payments.sort_by_key(|p| (p.paid_on, p.id));

    let mut credit = Rupiah::ZERO;
    let mut total_paid = Rupiah::ZERO;
    for p in payments {
        total_paid += p.amount;
        stop_billing_beyond_cap(&mut slots, YearMonth::of(p.paid_on), cap);
        let mut left = p.amount;
        for s in slots.iter_mut().filter(|s| !s.written_off) {
            if left == Rupiah::ZERO {
                break;
            }
            let take = left.min(s.outstanding());
            if take > Rupiah::ZERO {
                s.paid += take;
                left = left - take;
                if s.outstanding() == Rupiah::ZERO {
                    s.settled_on = Some(p.paid_on);
                }
            }
        }
        credit += left;
    }

    let current = YearMonth::of(today);
    let unpaid_past: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.written_off && s.period < current && s.outstanding() > Rupiah::ZERO)
        .map(|(i, _)| i)
        .collect();
    let beyond_cap = unpaid_past.len().saturating_sub(cap);
    let not_billed_now: Vec<usize> = unpaid_past.into_iter().take(beyond_cap).collect();

    let months = slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let state = if s.bill.amount <= Rupiah::ZERO {
                MonthState::NothingOwed
            } else if s.outstanding() == Rupiah::ZERO {
                MonthState::Paid
            } else if s.written_off || not_billed_now.contains(&i) {
                MonthState::NotBilled
            } else if s.period >= current {
                MonthState::Open
            } else {
                MonthState::InArrears
            };
            MonthLine {
                period: s.period,
                billed: s.bill.amount.max(Rupiah::ZERO),
                subsidy: s.bill.subsidy,
                members: s.bill.members,
                paid: s.paid,
                outstanding: s.outstanding(),
                due_by: s.period.day(rules.dues.due_day),
                settled_on: s.settled_on,
                state,
            }
        })
        .collect();
    Statement {
        as_of: today,
        months,
        total_paid,
        credit,
    }
}

impl Statement {
    /// Months in arrears (billed, unpaid, before the current month), oldest first.
    pub fn arrears(&self) -> Vec<MonthDue> {
        self.in_state(MonthState::InArrears)
    }

    /// Unpaid months no longer billed because of the arrears cap, oldest first.
    pub fn not_billed(&self) -> Vec<MonthDue> {
        self.in_state(MonthState::NotBilled)
    }

    fn in_state(&self, state: MonthState) -> Vec<MonthDue> {
        self.months
            .iter()
            .filter(|m| m.state == state)
            .map(MonthLine::due)
            .collect()
    }

    pub fn line(&self, period: YearMonth) -> Option<&MonthLine> {
        self.months.iter().find(|m| m.period == period)
    }

    /// The last month up to which every month billed is settled (paid, owing nothing, or no
    /// longer billed), if any month was paid or owed nothing.
    pub fn paid_through(&self) -> Option<YearMonth> {
        let mut through = None;
        for m in &self.months {
            match m.state {
                MonthState::Paid | MonthState::NothingOwed => through = Some(m.period),
                MonthState::NotBilled => {}
                MonthState::Open | MonthState::InArrears => break,
            }
        }
        through
    }
}

impl MonthLine {
    pub fn due(&self) -> MonthDue {
        MonthDue {
            period: self.period,
            billed: self.billed,
            outstanding: self.outstanding,
        }
    }
}

struct Slot {
    period: YearMonth,
    bill: BilledMonth,
    paid: Rupiah,
    settled_on: Option<NaiveDate>,
    written_off: bool,
}

impl Slot {
    fn outstanding(&self) -> Rupiah {
        (self.bill.amount - self.paid).max(Rupiah::ZERO)
    }
}

fn merge_bills(bills: &[BilledMonth]) -> Vec<Slot> {
    let mut sorted: Vec<BilledMonth> = bills.to_vec();
    sorted.sort_by_key(|b| b.period);
    let mut slots: Vec<Slot> = Vec::with_capacity(sorted.len());
    for b in sorted {
        match slots.last_mut() {
            Some(last) if last.period == b.period => {
                last.bill.amount += b.amount;
                last.bill.subsidy += b.subsidy;
                last.bill.members = last.bill.members.max(b.members);
            }
            _ => slots.push(Slot {
                period: b.period,
                bill: b,
                paid: Rupiah::ZERO,
                settled_on: None,
                written_off: false,
            }),
        }
    }
    slots
}

/// Stops billing unpaid months before `month` beyond the `cap` most recent ones.
fn stop_billing_beyond_cap(slots: &mut [Slot], month: YearMonth, cap: usize) {
    let unpaid: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.written_off && s.period < month && s.outstanding() > Rupiah::ZERO)
        .map(|(i, _)| i)
        .collect();
    let excess = unpaid.len().saturating_sub(cap);
    for &i in unpaid.iter().take(excess) {
        if let Some(s) = slots.get_mut(i) {
            s.written_off = true;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::PaymentChannel;
    use proptest::prelude::*;

    pub fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    pub fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// A ledger billing `amount` for every month from `from` to `to`.
    pub fn billed(from: &str, to: &str, amount: i64) -> Ledger {
        Ledger {
            bills: ym(from)
                .through(ym(to))
                .map(|period| BilledMonth {
                    period,
                    amount: Rupiah(amount),
                    subsidy: Rupiah::ZERO,
                    members: 1,
                })
                .collect(),
            payments: Vec::new(),
        }
    }

    pub fn pay(ledger: &mut Ledger, on: &str, amount: i64) {
        let id = ledger.payments.len() as i64 + 1;
        ledger.payments.push(Payment {
            id,
            paid_on: d(on),
            channel: PaymentChannel::VirtualAccount,
            amount: Rupiah(amount),
            for_period: None,
        });
    }

    fn states(s: &Statement) -> Vec<(String, MonthState, i64)> {
        s.months
            .iter()
            .map(|m| (m.period.to_string(), m.state, m.paid.amount()))
            .collect()
    }

    #[test]
    fn payments_settle_the_oldest_unpaid_months_first() {
        let mut l = billed("2025-01", "2025-04", 35_000);
        pay(&mut l, "2025-04-05", 70_000);
        let s = statement(&l, d("2025-04-20"), &RulesConfig::default());
        assert_eq!(
            states(&s),
            vec![
                ("2025-01".into(), MonthState::Paid, 35_000),
                ("2025-02".into(), MonthState::Paid, 35_000),
                ("2025-03".into(), MonthState::InArrears, 0),
                ("2025-04".into(), MonthState::Open, 0),
            ]
        );
        assert_eq!(
            s.line(ym("2025-02")).unwrap().settled_on,
            Some(d("2025-04-05"))
        );
        assert_eq!(s.paid_through(), Some(ym("2025-02")));
    }

    #[test]
    fn a_partial_payment_leaves_the_rest_of_the_month_owed() {
        let mut l = billed("2025-01", "2025-02", 100_000);
        pay(&mut l, "2025-01-05", 60_000);
        pay(&mut l, "2025-01-25", 60_000);
        let s = statement(&l, d("2025-02-03"), &RulesConfig::default());
        let feb = s.line(ym("2025-02")).unwrap();
        assert_eq!(
            (feb.paid, feb.outstanding),
            (Rupiah(20_000), Rupiah(80_000))
        );
        assert_eq!(
            s.line(ym("2025-01")).unwrap().settled_on,
            Some(d("2025-01-25"))
        );
    }

    #[test]
    fn an_overpayment_is_kept_as_credit() {
        let mut l = billed("2025-01", "2025-01", 35_000);
        pay(&mut l, "2025-01-02", 50_000);
        let s = statement(&l, d("2025-01-03"), &RulesConfig::default());
        assert_eq!(s.credit, Rupiah(15_000));
        assert_eq!(s.total_paid, Rupiah(50_000));
    }

    #[test]
    fn payments_dated_after_the_statement_date_are_not_counted() {
        let mut l = billed("2025-01", "2025-01", 35_000);
        pay(&mut l, "2025-02-02", 35_000);
        let s = statement(&l, d("2025-02-01"), &RulesConfig::default());
        assert_eq!(s.total_paid, Rupiah::ZERO);
        assert_eq!(s.arrears().len(), 1);
    }

    #[test]
    fn dues_for_a_month_are_due_by_the_tenth() {
        let l = billed("2025-03", "2025-03", 35_000);
        let s = statement(&l, d("2025-03-01"), &RulesConfig::default());
        assert_eq!(s.months[0].due_by, d("2025-03-10"));
    }

    #[test]
    fn bpjs_stops_billing_months_beyond_the_24_most_recent_when_a_payment_arrives() {
        // 30 months unpaid (2023-01..2025-06), the participant pays 24 months + July.
        let mut l = billed("2023-01", "2025-07", 35_000);
        pay(&mut l, "2025-07-05", 25 * 35_000);
        let s = statement(&l, d("2025-07-06"), &RulesConfig::default());
        assert_eq!(s.not_billed().len(), 6);
        assert_eq!(s.not_billed()[0].period, ym("2023-01"));
        assert!(s.arrears().is_empty());
        assert_eq!(s.line(ym("2025-07")).unwrap().state, MonthState::Paid);
        assert_eq!(s.credit, Rupiah::ZERO);
    }

    #[test]
    fn without_a_payment_months_beyond_the_cap_are_shown_as_not_billed() {
        let l = billed("2023-01", "2025-07", 35_000);
        let s = statement(&l, d("2025-07-06"), &RulesConfig::default());
        assert_eq!(s.arrears().len(), 24);
        assert_eq!(s.not_billed().len(), 6);
        assert_eq!(s.paid_through(), None);
    }

    #[test]
    fn a_month_billed_at_zero_owes_nothing() {
        let l = billed("2025-01", "2025-03", 0);
        let s = statement(&l, d("2025-03-20"), &RulesConfig::default());
        assert!(s.months.iter().all(|m| m.state == MonthState::NothingOwed));
        assert_eq!(s.paid_through(), Some(ym("2025-03")));
    }

    fn arb_ledger() -> impl Strategy<Value = (Ledger, NaiveDate)> {
        (
            prop::collection::vec(0i64..200_000, 1..40),
            prop::collection::vec((0i64..1200, 1i64..400_000), 0..12),
            0i64..1300,
        )
            .prop_map(|(amounts, pays, today_offset)| {
                let start = ym("2022-01");
                let bills = amounts
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| BilledMonth {
                        period: start.add_months(i as i64),
                        amount: Rupiah(a),
                        subsidy: Rupiah::ZERO,
                        members: 1,
                    })
                    .collect();
                let base = d("2022-01-01");
                let payments = pays
                    .iter()
                    .enumerate()
                    .map(|(i, &(day, a))| Payment {
                        id: i as i64,
                        paid_on: base + chrono::Days::new(day as u64),
                        channel: PaymentChannel::Ewallet,
                        amount: Rupiah(a),
                        for_period: None,
                    })
                    .collect();
                (
                    Ledger { bills, payments },
                    base + chrono::Days::new(today_offset as u64),
                )
            })
    }

    proptest! {
        #[test]
        fn fifo_never_leaves_a_later_month_paid_while_an_earlier_one_is_unpaid(
            (ledger, today) in arb_ledger()
        ) {
            let s = statement(&ledger, today, &RulesConfig::default());
            let billed: Vec<&MonthLine> = s
                .months
                .iter()
                .filter(|m| m.state != MonthState::NothingOwed && m.state != MonthState::NotBilled)
                .collect();
            for (i, earlier) in billed.iter().enumerate() {
                if earlier.outstanding > Rupiah::ZERO {
                    for later in &billed[i + 1..] {
                        prop_assert_eq!(later.paid, Rupiah::ZERO, "{} unpaid but {} paid", earlier.period, later.period);
                    }
                }
            }
        }

        #[test]
        fn every_rupiah_paid_is_either_on_a_month_or_credit((ledger, today) in arb_ledger()) {
            let s = statement(&ledger, today, &RulesConfig::default());
            let on_months: Rupiah = s.months.iter().map(|m| m.paid).sum();
            prop_assert_eq!(on_months + s.credit, s.total_paid);
            for m in &s.months {
                prop_assert_eq!(m.paid + m.outstanding, m.billed);
            }
        }

        #[test]
        fn no_more_than_24_months_are_ever_in_arrears((ledger, today) in arb_ledger()) {
            let s = statement(&ledger, today, &RulesConfig::default());
            prop_assert!(s.arrears().len() <= 24);
        }
    }
}

//! Changes to a membership: FKTP change, class change, newborn registration, and the validity
//! of a referral letter. Each answer says when the change takes effect, or when it becomes
//! possible and every condition still unmet.

use crate::error::RuleError;
use crate::rules::RulesConfig;
use crate::text::tanggal;
use crate::{CareClass, Segment, YearMonth};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why a participant asks for a new FKTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FktpChangeReason {
    #[default]
    Regular,
    /// Moved domicile: exempt from the 3-month rule.
    MovedDomicile,
    /// Official assignment (dinas) elsewhere: exempt from the 3-month rule.
    OfficialAssignment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FktpChangeInput {
    /// When the current FKTP was chosen.
    pub fktp_since: NaiveDate,
    pub requested_on: NaiveDate,
    #[serde(default)]
    pub reason: FktpChangeReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FktpChange {
    pub allowed: bool,
    pub reason: FktpChangeReason,
    /// The change was allowed only thanks to a move of domicile or an official assignment.
    pub exception_applied: bool,
    pub months_at_current: u32,
    pub min_months: u32,
    /// From this day the 3-month rule is met.
    pub earliest_request_on: NaiveDate,
    /// The 1st of the month after the request, or, when refused, after the earliest request.
    pub effective_on: NaiveDate,
}

/// Change of FKTP: allowed after 3 months at the current FKTP, effective the 1st of the next
/// month; a move of domicile or an official assignment is exempt from the 3 months. "3 months"
/// is reached on the same day of the month three months later (clamped to the month's end).
pub fn fktp_change(input: &FktpChangeInput, rules: &RulesConfig) -> Result<FktpChange, RuleError> {
    check_order(
        "FKTP dipilih",
        input.fktp_since,
        "pengajuan",
        input.requested_on,
    )?;
    let min_months = rules.changes.fktp_min_months;
    let earliest_request_on = add_months(input.fktp_since, min_months)?;
    let months_at_current = whole_months(input.fktp_since, input.requested_on);
    let rule_met = input.requested_on >= earliest_request_on;
    let exception = input.reason != FktpChangeReason::Regular;
    let allowed = rule_met || exception;
    let from = if allowed {
        input.requested_on
    } else {
        earliest_request_on
    };
    Ok(FktpChange {
        allowed,
        reason: input.reason,
        exception_applied: allowed && !rule_met,
        months_at_current,
        min_months,
        earliest_request_on,
        effective_on: YearMonth::of(from).next().first_day(),
    })
}

impl FktpChange {
    pub fn message(&self) -> String {
        if self.allowed {
            format!(
                "Perubahan FKTP dapat diproses dan berlaku mulai {}.",
                tanggal(&self.effective_on)
            )
        } else {
            format!(
                "Perubahan FKTP dapat dilakukan setelah {} bulan terdaftar di FKTP saat ini. Anda dapat mengajukan mulai {}, dan FKTP baru berlaku mulai {}. Jika Anda pindah domisili atau bertugas di luar kota, perubahan dapat diajukan lebih awal.",
                self.min_months,
                tanggal(&self.earliest_request_on),
                tanggal(&self.effective_on)
            )
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassChangeInput {
    pub segment: Segment,
    pub current_class: CareClass,
    pub requested_class: CareClass,
    /// Since when the family has been in the current class.
    pub class_since: NaiveDate,
    pub months_in_arrears: u32,
    /// Every member of the family card changes together.
    pub whole_family: bool,
    pub requested_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ClassChangeBlocker {
    SegmentNotEligible {
        segment: Segment,
    },
    SameClass {
        class: CareClass,
    },
    TooSoon {
        months_in_class: u32,
        min_months: u32,
        earliest_on: NaiveDate,
    },
    Arrears {
        months: u32,
    },
    NotWholeFamily,
}

impl ClassChangeBlocker {
    pub fn message(&self) -> String {
        match self {
            ClassChangeBlocker::SegmentNotEligible { segment } => format!(
                "Perubahan kelas atas permintaan hanya untuk peserta PBPU (mandiri) dan BP; kepesertaan Anda {}.",
                segment.label()
            ),
            ClassChangeBlocker::SameClass { class } => {
                format!("Anda sudah terdaftar di {class}.")
            }
            ClassChangeBlocker::TooSoon {
                min_months,
                earliest_on,
                ..
            } => format!(
                "Kelas dapat diubah setelah paling sedikit {min_months} bulan di kelas saat ini, yaitu mulai {}.",
                tanggal(earliest_on)
            ),
            ClassChangeBlocker::Arrears { months } => format!(
                "Masih ada tunggakan iuran {months} bulan; mohon lunasi terlebih dahulu."
            ),
            ClassChangeBlocker::NotWholeFamily => {
                "Perubahan kelas harus untuk seluruh anggota keluarga dalam satu Kartu Keluarga.".to_string()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassChange {
    pub allowed: bool,
    /// Every condition not met, in the order of the rule.
    pub unmet: Vec<ClassChangeBlocker>,
    pub months_in_class: u32,
    pub earliest_request_on: NaiveDate,
    /// The 1st of the month after the request (or after the earliest date when too soon).
    pub effective_on: NaiveDate,
}

/// Change of class (PBPU/BP): after at least 12 months in the current class, the whole family
/// together, no arrears; effective next month.
pub fn class_change(
    input: &ClassChangeInput,
    rules: &RulesConfig,
) -> Result<ClassChange, RuleError> {
    check_order(
        "kelas berlaku",
        input.class_since,
        "pengajuan",
        input.requested_on,
    )?;
    let min_months = rules.changes.class_min_months;
    let earliest_request_on = add_months(input.class_since, min_months)?;
    let months_in_class = whole_months(input.class_since, input.requested_on);
    let mut unmet = Vec::new();
    if !rules.changes.class_change_segments.contains(&input.segment) {
        unmet.push(ClassChangeBlocker::SegmentNotEligible {
            segment: input.segment,
        });
    }
    if input.current_class == input.requested_class {
        unmet.push(ClassChangeBlocker::SameClass {
            class: input.current_class,
        });
    }
    if input.requested_on < earliest_request_on {
        unmet.push(ClassChangeBlocker::TooSoon {
            months_in_class,
            min_months,
            earliest_on: earliest_request_on,
        });
    }
    if input.months_in_arrears > 0 {
        unmet.push(ClassChangeBlocker::Arrears {
            months: input.months_in_arrears,
        });
    }
    if !input.whole_family {
        unmet.push(ClassChangeBlocker::NotWholeFamily);
    }
    let from = input.requested_on.max(earliest_request_on);
    Ok(ClassChange {
        allowed: unmet.is_empty(),
        unmet,
        months_in_class,
        earliest_request_on,
        effective_on: YearMonth::of(from).next().first_day(),
    })
}

impl ClassChange {
    pub fn message(&self) -> String {
        if self.allowed {
            format!(
                "Perubahan kelas dapat diproses dan berlaku mulai {}.",
                tanggal(&self.effective_on)
            )
        } else {
            let reasons: Vec<String> = self.unmet.iter().map(ClassChangeBlocker::message).collect();
            format!(
                "Perubahan kelas belum dapat diproses. {}",
                reasons.join(" ")
            )
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewbornInput {
    /// The family's segment.
    pub segment: Segment,
    pub born_on: NaiveDate,
    /// The day the baby is registered and the first dues paid.
    pub registered_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewbornRegistration {
    pub on_time: bool,
    /// The last day to register on time.
    pub deadline: NaiveDate,
    pub days_after_birth: i64,
    /// The family pays the baby's dues (PBPU/BP).
    pub family_pays: bool,
    /// The first month of dues owed: the registration month on time, the birth month when late.
    pub dues_from: YearMonth,
    /// Months of dues to pay at registration, the registration month included.
    pub months_due_at_registration: u32,
    /// A late registration may bring the service penalty on a hospital stay after it.
    pub penalty_may_apply: bool,
}

/// Newborn: registered and first dues paid within 28 days of birth (the day of birth is day
/// 0, so a baby born on 1 March is on time until 29 March); later registration means dues owed
/// from the birth month and the service penalty may apply.
pub fn newborn_registration(
    input: &NewbornInput,
    rules: &RulesConfig,
) -> Result<NewbornRegistration, RuleError> {
    check_order("lahir", input.born_on, "pendaftaran", input.registered_on)?;
    let days = rules.changes.newborn_deadline_days;
    let deadline = input
        .born_on
        .checked_add_days(Days::new(days.unsigned_abs()))
        .ok_or(RuleError::Overflow)?;
    let on_time = input.registered_on <= deadline;
    let registered = YearMonth::of(input.registered_on);
    let dues_from = if on_time {
        registered
    } else {
        YearMonth::of(input.born_on)
    };
    let family_pays = input.segment.pays_own_dues();
    Ok(NewbornRegistration {
        on_time,
        deadline,
        days_after_birth: (input.registered_on - input.born_on).num_days(),
        family_pays,
        dues_from,
        months_due_at_registration: u32::try_from(dues_from.months_until(registered) + 1)
            .unwrap_or(1),
        penalty_may_apply: !on_time && !input.segment.is_pbi(),
    })
}

impl NewbornRegistration {
    pub fn message(&self) -> String {
        if self.on_time {
            format!(
                "Pendaftaran bayi tepat waktu (paling lambat {}). Iuran mulai bulan {}.",
                tanggal(&self.deadline),
                self.dues_from.indonesian()
            )
        } else {
            let mut t = format!(
                "Pendaftaran bayi melewati batas waktu (paling lambat {}). Iuran dihitung sejak bulan lahir, {}: {} bulan dibayar saat pendaftaran.",
                tanggal(&self.deadline),
                self.dues_from.indonesian(),
                self.months_due_at_registration
            );
            if self.penalty_may_apply {
                t.push_str(" Denda pelayanan dapat dikenakan bila bayi dirawat inap di rumah sakit dalam 45 hari setelah pendaftaran.");
            }
            t
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralValidity {
    pub valid: bool,
    pub issued_on: NaiveDate,
    /// The last day the letter can be used.
    pub valid_until: NaiveDate,
    /// Days the letter can still be used, today included; 0 when expired.
    pub days_left: i64,
}

/// A referral letter is valid 90 days, counting the issue day as day 1: issued on 1 January,
/// it can be used until 31 March (30 March in a leap year).
pub fn referral_validity(
    issued_on: NaiveDate,
    on: NaiveDate,
    rules: &RulesConfig,
) -> Result<ReferralValidity, RuleError> {
    check_order("rujukan terbit", issued_on, "pemakaian", on)?;
    let span = rules.changes.referral_validity_days.max(1) - 1;
    let valid_until = issued_on
        .checked_add_days(Days::new(span.unsigned_abs()))
        .ok_or(RuleError::Overflow)?;
    let valid = on <= valid_until;
    Ok(ReferralValidity {
        valid,
        issued_on,
        valid_until,
        days_left: if valid {
            (valid_until - on).num_days() + 1
        } else {
            0
        },
    })
}

impl ReferralValidity {
    pub fn message(&self) -> String {
        if self.valid {
            format!(
                "Surat rujukan masih berlaku sampai {} ({} hari lagi, termasuk hari ini).",
                tanggal(&self.valid_until),
                self.days_left
            )
        } else {
            format!(
                "Surat rujukan sudah tidak berlaku sejak {}. Silakan minta rujukan baru di FKTP Anda; untuk keadaan gawat darurat tidak diperlukan rujukan.",
                tanggal(&(self.valid_until + Days::new(1)))
            )
        }
    }
}

fn check_order(
    earlier_what: &'static str,
    earlier: NaiveDate,
    later_what: &'static str,
    later: NaiveDate,
) -> Result<(), RuleError> {
    if later < earlier {
        return Err(RuleError::DateOrder {
            earlier_what,
            earlier,
            later_what,
            later,
        });
    }
    Ok(())
}

fn add_months(date: NaiveDate, months: u32) -> Result<NaiveDate, RuleError> {
    date.checked_add_months(Months::new(months))
        .ok_or(RuleError::Overflow)
}

/// Whole months from `from` to `to` (`to >= from`), a month being reached on the same day of
/// the month (or the month's last day when it is shorter).
fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    let by_calendar = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let mut months = u32::try_from(by_calendar.max(0)).unwrap_or(0);
    while months > 0 && add_months(from, months).is_ok_and(|d| d > to) {
        months -= 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocation::tests::{d, ym};

    fn rules() -> RulesConfig {
        RulesConfig::default()
    }

    fn fktp(since: &str, on: &str, reason: FktpChangeReason) -> FktpChange {
        fktp_change(
            &FktpChangeInput {
                fktp_since: d(since),
                requested_on: d(on),
                reason,
            },
            &rules(),
        )
        .unwrap()
    }

    #[test]
    fn fktp_change_is_allowed_after_3_months_at_the_current_fktp() {
        let cases = [
            ("2025-01-15", "2025-04-14", false, 2),
            ("2025-01-15", "2025-04-15", true, 3),
            ("2025-01-31", "2025-04-29", false, 2),
            ("2025-01-31", "2025-04-30", true, 3),
            ("2024-11-30", "2025-02-27", false, 2),
            ("2024-11-30", "2025-02-28", true, 3),
        ];
        for (since, on, allowed, months) in cases {
            let c = fktp(since, on, FktpChangeReason::Regular);
            assert_eq!(
                (c.allowed, c.months_at_current),
                (allowed, months),
                "{since} → {on}"
            );
        }
    }

    #[test]
    fn fktp_change_takes_effect_on_the_first_of_the_next_month() {
        assert_eq!(
            fktp("2025-01-15", "2025-06-20", FktpChangeReason::Regular).effective_on,
            d("2025-07-01")
        );
        assert_eq!(
            fktp("2025-01-15", "2025-12-31", FktpChangeReason::Regular).effective_on,
            d("2026-01-01")
        );
    }

    #[test]
    fn a_refused_fktp_change_says_from_when_it_is_possible() {
        let c = fktp("2025-01-15", "2025-02-10", FktpChangeReason::Regular);
        assert!(!c.allowed);
        assert_eq!(c.earliest_request_on, d("2025-04-15"));
        assert_eq!(c.effective_on, d("2025-05-01"));
        assert!(c.message().contains("1 Mei 2025"), "{}", c.message());
    }

    #[test]
    fn moving_domicile_or_an_official_assignment_allows_an_earlier_fktp_change() {
        for reason in [
            FktpChangeReason::MovedDomicile,
            FktpChangeReason::OfficialAssignment,
        ] {
            let c = fktp("2025-01-15", "2025-02-10", reason);
            assert!(c.allowed && c.exception_applied);
            assert_eq!(c.effective_on, d("2025-03-01"));
        }
        assert!(
            !fktp("2025-01-15", "2025-05-10", FktpChangeReason::MovedDomicile).exception_applied
        );
    }

    fn class(since: &str, on: &str) -> ClassChangeInput {
        ClassChangeInput {
            segment: Segment::Pbpu,
            current_class: CareClass::Three,
            requested_class: CareClass::Two,
            class_since: d(since),
            months_in_arrears: 0,
            whole_family: true,
            requested_on: d(on),
        }
    }

    fn codes(c: &ClassChange) -> Vec<String> {
        c.unmet
            .iter()
            .map(|b| {
                serde_json::to_value(b).unwrap()["code"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn class_change_needs_12_months_in_the_current_class_and_takes_effect_next_month() {
        let early = class_change(&class("2024-03-20", "2025-03-19"), &rules()).unwrap();
        assert_eq!(codes(&early), vec!["too_soon"]);
        assert_eq!(early.effective_on, d("2025-04-01"));
        let ok = class_change(&class("2024-03-20", "2025-03-20"), &rules()).unwrap();
        assert!(ok.allowed);
        assert_eq!(ok.months_in_class, 12);
        assert_eq!(ok.effective_on, d("2025-04-01"));
        let december = class_change(&class("2024-01-05", "2025-12-15"), &rules()).unwrap();
        assert_eq!(december.effective_on, d("2026-01-01"));
    }

    #[test]
    fn class_change_lists_every_unmet_condition() {
        let mut i = class("2025-01-01", "2025-03-01");
        i.segment = Segment::Ppu;
        i.requested_class = CareClass::Three;
        i.months_in_arrears = 2;
        i.whole_family = false;
        let c = class_change(&i, &rules()).unwrap();
        assert!(!c.allowed);
        assert_eq!(
            codes(&c),
            vec![
                "segment_not_eligible",
                "same_class",
                "too_soon",
                "arrears",
                "not_whole_family"
            ]
        );
        assert!(
            c.message().contains("tunggakan iuran 2 bulan"),
            "{}",
            c.message()
        );
    }

    #[test]
    fn class_change_is_for_pbpu_and_bp_with_no_arrears_and_the_whole_family() {
        let mut bp = class("2024-01-01", "2025-03-01");
        bp.segment = Segment::Bp;
        assert!(class_change(&bp, &rules()).unwrap().allowed);
        let mut arrears = class("2024-01-01", "2025-03-01");
        arrears.months_in_arrears = 1;
        assert_eq!(
            codes(&class_change(&arrears, &rules()).unwrap()),
            vec!["arrears"]
        );
        let mut part = class("2024-01-01", "2025-03-01");
        part.whole_family = false;
        assert_eq!(
            codes(&class_change(&part, &rules()).unwrap()),
            vec!["not_whole_family"]
        );
    }

    fn newborn(born: &str, registered: &str) -> NewbornRegistration {
        newborn_registration(
            &NewbornInput {
                segment: Segment::Pbpu,
                born_on: d(born),
                registered_on: d(registered),
            },
            &rules(),
        )
        .unwrap()
    }

    #[test]
    fn a_newborn_is_registered_within_28_days_of_birth() {
        let on_time = newborn("2025-03-01", "2025-03-29");
        assert!(on_time.on_time);
        assert_eq!(on_time.days_after_birth, 28);
        assert_eq!(on_time.dues_from, ym("2025-03"));
        assert_eq!(on_time.months_due_at_registration, 1);
        assert!(!on_time.penalty_may_apply);
        // Newborns of PBPU/BP: the family pays.
        assert!(on_time.family_pays);
        let late = newborn("2025-03-01", "2025-03-30");
        assert!(!late.on_time);
        assert_eq!(late.deadline, d("2025-03-29"));
    }

    #[test]
    fn a_late_newborn_registration_owes_dues_from_birth_and_may_bring_the_penalty() {
        let late = newborn("2025-01-20", "2025-04-02");
        assert_eq!(late.dues_from, ym("2025-01"));
        assert_eq!(late.months_due_at_registration, 4);
        assert!(late.penalty_may_apply);
        assert!(
            late.message().contains("Januari 2025"),
            "{}",
            late.message()
        );
        // On time across the month end: dues from the registration month.
        let on_time = newborn("2025-01-20", "2025-02-15");
        assert_eq!(on_time.dues_from, ym("2025-02"));
        let pbi = newborn_registration(
            &NewbornInput {
                segment: Segment::PbiApbn,
                born_on: d("2025-01-20"),
                registered_on: d("2025-04-02"),
            },
            &rules(),
        )
        .unwrap();
        assert!(!pbi.penalty_may_apply && !pbi.family_pays);
    }

    #[test]
    fn a_newborn_cannot_be_registered_before_birth() {
        let r = newborn_registration(
            &NewbornInput {
                segment: Segment::Pbpu,
                born_on: d("2025-03-10"),
                registered_on: d("2025-03-09"),
            },
            &rules(),
        );
        assert!(matches!(r, Err(RuleError::DateOrder { .. })));
    }

    #[test]
    fn a_referral_letter_is_valid_90_days_counting_the_issue_day() {
        let check = |on: &str| referral_validity(d("2025-01-01"), d(on), &rules()).unwrap();
        let day1 = check("2025-01-01");
        assert!(day1.valid);
        assert_eq!(day1.days_left, 90);
        let day90 = check("2025-03-31");
        assert!(day90.valid);
        assert_eq!(day90.days_left, 1);
        assert_eq!(day90.valid_until, d("2025-03-31"));
        let day91 = check("2025-04-01");
        assert!(!day91.valid);
        assert_eq!(day91.days_left, 0);
        assert!(
            day91.message().contains("1 April 2025"),
            "{}",
            day91.message()
        );
        // Leap year: February has 29 days.
        let leap = referral_validity(d("2024-01-01"), d("2024-03-30"), &rules()).unwrap();
        assert_eq!(leap.valid_until, d("2024-03-30"));
        assert!(referral_validity(d("2025-01-02"), d("2025-01-01"), &rules()).is_err());
    }
}

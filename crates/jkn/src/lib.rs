//! JKN participant rules as pure code: no I/O, no clock reads ("today" is always passed in),
//! integer rupiah and calendar dates. The API, the assistant, the voice line and the agents
//! all call these functions so that every channel gives the same answer.
//!
//! Sources are in `shared/reference/jkn-rules.md`; each rule cites its regulation where it is
//! implemented.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod allocation;
pub mod changes;
pub mod error;
pub mod id;
pub mod ledger;
pub mod membership;
pub mod money;
pub mod penalty;
pub mod period;
pub mod reactivation;
pub mod rehab;
pub mod rehab_progress;
pub mod rules;
pub mod status;
pub mod tariff;
pub mod text;

pub use id::{CardNumber, FamilyCardNumber, IdError, Msisdn, Nik, Sex};
pub use ledger::{BilledMonth, Ledger, Payment, PaymentChannel};
pub use membership::{CareClass, Segment};
pub use money::Rupiah;
pub use period::YearMonth;
pub use tariff::{BillingBasis, Dues, TariffTable};

pub use allocation::{statement, MonthDue, MonthLine, MonthState, Statement};
pub use changes::{
    class_change, fktp_change, newborn_registration, referral_validity, ClassChange,
    ClassChangeBlocker, ClassChangeInput, FktpChange, FktpChangeInput, FktpChangeReason,
    NewbornInput, NewbornRegistration, ReferralValidity,
};
pub use error::RuleError;
pub use penalty::{
    penalty, service_penalty, NoPenalty, Penalty, PenaltyCase, PenaltyInput, PenaltyPayer,
};
pub use reactivation::{
    reactivation, simulate_reactivation, LineKind, Reactivation, ReactivationInput,
    ReactivationLine,
};
pub use rehab::{
    registration_last_day, rehab_eligibility, rehab_plan, simulate_rehab, ArrearsMonth, CardRule,
    Instalment, InstalmentRange, RehabArrears, RehabChoice, RehabEligibility, RehabError,
    RehabPlan, RehabRefusal, RehabSimulation, RehabSimulationInput, RehabVariant,
};
pub use rehab_progress::{
    rehab_progress, CardState, InstalmentProgress, InstalmentState, Lapse, PlanState, RehabProgress,
};
pub use rules::{ReactivateAfter, RulesConfig};
pub use status::{account_status, AccountStatus, StatusReason};

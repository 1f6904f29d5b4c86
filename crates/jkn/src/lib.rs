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

pub mod id;
pub mod ledger;
pub mod membership;
pub mod money;
pub mod period;
pub mod tariff;

pub use id::{CardNumber, FamilyCardNumber, IdError, Msisdn, Nik, Sex};
pub use ledger::{BilledMonth, Ledger, Payment, PaymentChannel};
pub use membership::{CareClass, Segment};
pub use money::Rupiah;
pub use period::YearMonth;
pub use tariff::{Dues, TariffTable};

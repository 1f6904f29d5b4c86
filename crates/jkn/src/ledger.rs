//! The dues ledger of one billing account (a family card): the months billed and the payments
//! received. Membership status is derived from these two lists; nothing stores it as a flag.

use crate::{Dues, Rupiah, Segment, YearMonth};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One month billed to a family's account.
///
/// `amount` is what this account owes for the month and must be paid into it:
/// - PBPU/BP: the family's own dues (the participant share of each member);
/// - PPU: the whole wage-based dues, remitted by the employer (the worker's share is deducted
///   from the wage), so an employer that stops paying leaves the account in arrears;
/// - PBI: zero, because the government pays PBI dues in bulk, outside family accounts.
///
/// `subsidy` is the part of the tariff paid from elsewhere and never owed by the account:
/// the government's class 3 subsidy for PBPU/BP, or the whole PBI contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledMonth {
    pub period: YearMonth,
    pub amount: Rupiah,
    pub subsidy: Rupiah,
    pub members: u32,
}

impl BilledMonth {
    /// The bill for one month from that month's dues (see [`crate::TariffTable::dues`]).
    pub fn from_dues(period: YearMonth, segment: Segment, members: u32, dues: Dues) -> Self {
        let (amount, subsidy) = match segment {
            Segment::Pbpu | Segment::Bp => (dues.participant, dues.government),
            Segment::Ppu => (dues.total, Rupiah::ZERO),
            Segment::PbiApbn | Segment::PbiApbd => (Rupiah::ZERO, dues.total),
        };
        BilledMonth {
            period,
            amount,
            subsidy,
            members,
        }
    }
}

/// How a payment reached BPJS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentChannel {
    /// Bank transfer or teller to the family's virtual account.
    VirtualAccount,
    /// Monthly autodebit from a bank account.
    Autodebit,
    /// Minimarket counters (Alfamart, Indomaret).
    Minimarket,
    /// Post office.
    PosIndonesia,
    /// E-wallets and marketplaces (GoPay, OVO, DANA, Tokopedia...).
    Ewallet,
    /// The Mobile JKN app.
    MobileJkn,
    /// Paid by the central or local government for PBI participants.
    Government,
    /// Paid by the employer for PPU participants.
    Employer,
}

impl PaymentChannel {
    pub const ALL: [PaymentChannel; 8] = [
        PaymentChannel::VirtualAccount,
        PaymentChannel::Autodebit,
        PaymentChannel::Minimarket,
        PaymentChannel::PosIndonesia,
        PaymentChannel::Ewallet,
        PaymentChannel::MobileJkn,
        PaymentChannel::Government,
        PaymentChannel::Employer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentChannel::VirtualAccount => "virtual_account",
            PaymentChannel::Autodebit => "autodebit",
            PaymentChannel::Minimarket => "minimarket",
            PaymentChannel::PosIndonesia => "pos_indonesia",
            PaymentChannel::Ewallet => "ewallet",
            PaymentChannel::MobileJkn => "mobile_jkn",
            PaymentChannel::Government => "government",
            PaymentChannel::Employer => "employer",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// How the channel is named to participants.
    pub fn label(self) -> &'static str {
        match self {
            PaymentChannel::VirtualAccount => "transfer ke virtual account",
            PaymentChannel::Autodebit => "autodebet",
            PaymentChannel::Minimarket => "minimarket",
            PaymentChannel::PosIndonesia => "Kantor Pos",
            PaymentChannel::Ewallet => "dompet digital",
            PaymentChannel::MobileJkn => "aplikasi Mobile JKN",
            PaymentChannel::Government => "pemerintah",
            PaymentChannel::Employer => "pemberi kerja",
        }
    }
}

/// A payment received for a family's account. Payments settle the oldest unpaid months first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: i64,
    pub paid_on: NaiveDate,
    pub channel: PaymentChannel,
    pub amount: Rupiah,
    /// The month the payer meant to pay, when the channel tells us (informational).
    pub for_period: Option<YearMonth>,
}

/// A family's whole ledger, months in increasing order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub bills: Vec<BilledMonth>,
    pub payments: Vec<Payment>,
}

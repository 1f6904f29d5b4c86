//! Keypad input for identification: a NIK or card number, and a birth date, typed on the
//! phone's keypad. The identifiers go through `jkn`'s parsers, so the voice line accepts
//! exactly what the chat accepts.
//!
//! Keypad input is stricter than chat input: it may end with one `#` (the finish key, which
//! some providers include in `Digits`), and everything else must be a digit. Error messages
//! are in Indonesian because they are read out to the caller.

use chrono::NaiveDate;
use jkn::id::{CardNumber, IdError, Nik};

/// Why keypad digits were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeypadError {
    #[error("tidak ada angka yang ditekan")]
    Empty,
    #[error("hanya tombol angka yang bisa dipakai, diakhiri tanda pagar")]
    NotDigits,
    #[error("tekan 16 digit NIK atau 13 digit nomor kartu JKN; yang Anda tekan {found} digit")]
    IdentityLength { found: usize },
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("tekan tanggal lahir 8 digit: tanggal, bulan, tahun; yang Anda tekan {found} digit")]
    DateLength { found: usize },
    #[error("tanggal lahir tidak ada di kalender")]
    InvalidDate,
    #[error("tahun lahir {year} di luar rentang 1900 sampai 2100")]
    YearOutOfRange { year: i32 },
}

/// An identifier typed on the keypad, told apart by its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityInput {
    /// 16 digits.
    Nik(Nik),
    /// 13 digits.
    Card(CardNumber),
}

impl IdentityInput {
    /// The last four digits, safe to read back for confirmation.
    pub fn last4(&self) -> String {
        match self {
            IdentityInput::Nik(nik) => nik.last4().to_string(),
            IdentityInput::Card(card) => card.last4().to_string(),
        }
    }
}

/// Strips one trailing `#` and checks that only digits remain.
fn keypad_digits(input: &str) -> Result<&str, KeypadError> {
    let digits = input.strip_suffix('#').unwrap_or(input);
    if digits.is_empty() {
        return Err(KeypadError::Empty);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeypadError::NotDigits);
    }
    Ok(digits)
}

/// A NIK (16 digits) or JKN card number (13 digits), optionally ended by `#`.
pub fn parse_identity(digits: &str) -> Result<IdentityInput, KeypadError> {
    let digits = keypad_digits(digits)?;
    match digits.len() {
        16 => Ok(IdentityInput::Nik(Nik::parse(digits)?)),
        13 => Ok(IdentityInput::Card(CardNumber::parse(digits)?)),
        found => Err(KeypadError::IdentityLength { found }),
    }
}

/// A birth date typed as DDMMYYYY, optionally ended by `#`, in the years 1900..=2100.
pub fn parse_birth_date(digits: &str) -> Result<NaiveDate, KeypadError> {
    let digits = keypad_digits(digits)?;
    if digits.len() != 8 {
        return Err(KeypadError::DateLength {
            found: digits.len(),
        });
    }
    // Eight ASCII digits, so every slice parses; the error arm is unreachable.
    let field = |range: std::ops::Range<usize>| {
        digits[range]
            .parse::<u32>()
            .map_err(|_| KeypadError::NotDigits)
    };
    let (day, month, year) = (field(0..2)?, field(2..4)?, field(4..8)?);
    let year = i32::try_from(year).map_err(|_| KeypadError::NotDigits)?;
    if !(1900..=2100).contains(&year) {
        return Err(KeypadError::YearOutOfRange { year });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(KeypadError::InvalidDate)
}

//! Money is integer rupiah; there is no smaller unit in use.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Sub};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    pub fn new(amount: i64) -> Self {
        Rupiah(amount)
    }

    pub fn amount(self) -> i64 {
        self.0
    }

    /// `self × percent / 100`, rounded half up to whole rupiah; percentages in JKN rules are
    /// whole or half numbers, so this takes hundredths of a percent (basis points).
    pub fn percent_bp(self, basis_points: i64) -> Rupiah {
        Rupiah((self.0 * basis_points + 5_000) / 10_000)
    }

    pub fn min(self, other: Rupiah) -> Rupiah {
        Rupiah(self.0.min(other.0))
    }

    pub fn max(self, other: Rupiah) -> Rupiah {
        Rupiah(self.0.max(other.0))
    }
}

/// Formats as Indonesians write amounts: `Rp150.000`, `-Rp25.500`.
impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}Rp{grouped}")
    }
}

impl Add for Rupiah {
    type Output = Rupiah;
    fn add(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0 + rhs.0)
    }
}

impl AddAssign for Rupiah {
    fn add_assign(&mut self, rhs: Rupiah) {
        self.0 += rhs.0;
    }
}

impl Sub for Rupiah {
    type Output = Rupiah;
    fn sub(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0 - rhs.0)
    }
}

impl Mul<i64> for Rupiah {
    type Output = Rupiah;
    fn mul(self, rhs: i64) -> Rupiah {
        Rupiah(self.0 * rhs)
    }
}

impl Sum for Rupiah {
    fn sum<I: Iterator<Item = Rupiah>>(iter: I) -> Rupiah {
        Rupiah(iter.map(|r| r.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_with_dots() {
        assert_eq!(Rupiah(150_000).to_string(), "Rp150.000");
        assert_eq!(Rupiah(30_000_000).to_string(), "Rp30.000.000");
        assert_eq!(Rupiah(500).to_string(), "Rp500");
        assert_eq!(Rupiah(-25_500).to_string(), "-Rp25.500");
        assert_eq!(Rupiah(0).to_string(), "Rp0");
    }

    #[test]
    fn five_percent_of_a_wage_rounds_to_whole_rupiah() {
        assert_eq!(Rupiah(12_000_000).percent_bp(500), Rupiah(600_000));
        assert_eq!(Rupiah(3_333_333).percent_bp(100), Rupiah(33_333));
        assert_eq!(Rupiah(50).percent_bp(100), Rupiah(1)); // 0.5 rounds up
    }
}

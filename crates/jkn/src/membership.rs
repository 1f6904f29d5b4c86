//! Who a participant is to the scheme: their segment (who pays) and care class.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct UnknownValue(pub String);

/// Participant segment (segmen kepesertaan), which decides who pays the dues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Segment {
    /// Penerima Bantuan Iuran paid by the central budget.
    #[serde(rename = "PBI_APBN")]
    PbiApbn,
    /// Registered and paid by a local government (Pemda).
    #[serde(rename = "PBI_APBD")]
    PbiApbd,
    /// Pekerja Penerima Upah: wage earners, dues shared by employer and worker.
    #[serde(rename = "PPU")]
    Ppu,
    /// Pekerja Bukan Penerima Upah (mandiri): pays their own dues.
    #[serde(rename = "PBPU")]
    Pbpu,
    /// Bukan Pekerja: non-workers who pay their own dues.
    #[serde(rename = "BP")]
    Bp,
}

impl Segment {
    pub const ALL: [Segment; 5] = [
        Segment::PbiApbn,
        Segment::PbiApbd,
        Segment::Ppu,
        Segment::Pbpu,
        Segment::Bp,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Segment::PbiApbn => "PBI_APBN",
            Segment::PbiApbd => "PBI_APBD",
            Segment::Ppu => "PPU",
            Segment::Pbpu => "PBPU",
            Segment::Bp => "BP",
        }
    }

    /// Accepts the codes and the spellings people use ("pbi apbn", "mandiri", "pemda").
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        let key: String = s
            .trim()
            .to_ascii_uppercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match key.as_str() {
            "PBIAPBN" | "PBI" => Ok(Segment::PbiApbn),
            "PBIAPBD" | "PEMDA" | "APBD" => Ok(Segment::PbiApbd),
            "PPU" => Ok(Segment::Ppu),
            "PBPU" | "MANDIRI" => Ok(Segment::Pbpu),
            "BP" => Ok(Segment::Bp),
            _ => Err(UnknownValue(format!(
                "segmen '{s}' tidak dikenal; pilih PBI_APBN, PBI_APBD, PPU, PBPU atau BP"
            ))),
        }
    }

    /// Dues are paid by the central or a local government.
    pub fn is_pbi(self) -> bool {
        matches!(self, Segment::PbiApbn | Segment::PbiApbd)
    }

    /// The participant (their family) pays their own dues.
    pub fn pays_own_dues(self) -> bool {
        matches!(self, Segment::Pbpu | Segment::Bp)
    }

    /// The label shown to participants.
    pub fn label(self) -> &'static str {
        match self {
            Segment::PbiApbn => "PBI APBN (iuran dibayar pemerintah pusat)",
            Segment::PbiApbd => "PBI APBD (iuran dibayar pemerintah daerah)",
            Segment::Ppu => "PPU (pekerja penerima upah)",
            Segment::Pbpu => "PBPU (mandiri)",
            Segment::Bp => "BP (bukan pekerja)",
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Segment {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Segment::parse(s)
    }
}

/// Care class (kelas rawat): 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum CareClass {
    One = 1,
    Two = 2,
    Three = 3,
}

impl CareClass {
    pub const ALL: [CareClass; 3] = [CareClass::One, CareClass::Two, CareClass::Three];

    pub fn number(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for CareClass {
    type Error = UnknownValue;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(CareClass::One),
            2 => Ok(CareClass::Two),
            3 => Ok(CareClass::Three),
            _ => Err(UnknownValue(format!(
                "kelas {n} tidak ada; pilih kelas 1, 2 atau 3"
            ))),
        }
    }
}

impl From<CareClass> for u8 {
    fn from(c: CareClass) -> u8 {
        c.number()
    }
}

impl fmt::Display for CareClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kelas {}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_parse_from_codes_and_everyday_words() {
        for s in Segment::ALL {
            assert_eq!(Segment::parse(s.code()), Ok(s));
        }
        assert_eq!(Segment::parse("mandiri"), Ok(Segment::Pbpu));
        assert_eq!(Segment::parse("pbi apbn"), Ok(Segment::PbiApbn));
        assert!(Segment::parse("bpjs tk").is_err());
    }

    #[test]
    fn classes_are_one_to_three() {
        assert_eq!(CareClass::try_from(2), Ok(CareClass::Two));
        assert!(CareClass::try_from(0).is_err());
        assert!(CareClass::try_from(4).is_err());
    }
}

//! Invalid inputs to the rules. Participants see these messages (through the API, the
//! assistant or the voice line), so each says in plain Indonesian what to correct.

use crate::text::tanggal;
use crate::{Segment, YearMonth};
use chrono::NaiveDate;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RuleError {
    #[error("Jumlah bulan tidak boleh negatif (Anda mengisi {months}). Mohon isi 0 atau lebih.")]
    NegativeMonths { months: i64 },
    #[error(
        "Jumlah bulan {months} terlalu besar untuk dihitung. Mohon isi paling banyak {max} bulan."
    )]
    TooManyMonths { months: i64, max: i64 },
    #[error("Jumlah cicilan tidak boleh nol. Mohon pilih paling sedikit 1 kali cicilan.")]
    ZeroInstalments,
    #[error("Jumlah anggota keluarga paling sedikit 1 orang. Mohon periksa kembali.")]
    NoMembers,
    #[error("Kelas rawat belum diisi. Untuk peserta {segment}, mohon pilih kelas 1, 2 atau 3.")]
    ClassMissing { segment: Segment },
    #[error(
        "Upah bulanan belum diisi. Iuran peserta PPU dihitung dari upah; mohon isi upah per bulan."
    )]
    WageMissing,
    #[error("Tarif iuran untuk {} belum tersedia, jadi tagihan bulan itu belum dapat dihitung. Silakan hubungi BPJS Kesehatan Care Center 165.", .month.indonesian())]
    NoTariff { month: YearMonth },
    #[error("Nominal {what} tidak boleh negatif. Mohon periksa kembali.")]
    NegativeAmount { what: &'static str },
    #[error("Besaran denda pelayanan untuk tanggal {} belum tersedia. Silakan hubungi BPJS Kesehatan Care Center 165.", tanggal(.date))]
    NoPenaltyRate { date: NaiveDate },
    #[error(
        "Besaran denda pelayanan belum diatur. Silakan hubungi BPJS Kesehatan Care Center 165."
    )]
    PenaltyRateMissing,
    #[error("Tanggal {later_what} ({}) tidak boleh sebelum tanggal {earlier_what} ({}). Mohon periksa kembali.", tanggal(.later), tanggal(.earlier))]
    DateOrder {
        earlier_what: &'static str,
        earlier: NaiveDate,
        later_what: &'static str,
        later: NaiveDate,
    },
    #[error("Angka yang Anda isi terlalu besar untuk dihitung. Mohon periksa kembali.")]
    Overflow,
}

impl RuleError {
    /// The Indonesian message for participants (the same text as `Display`).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_speak_indonesian_and_say_what_to_fix() {
        let e = RuleError::NoTariff {
            month: YearMonth::new(2015, 1).unwrap(),
        };
        assert!(e.message().contains("Januari 2015"), "{e}");
        let e = RuleError::ClassMissing {
            segment: Segment::Pbpu,
        };
        assert!(e.message().contains("kelas 1, 2 atau 3"), "{e}");
        let json = serde_json::to_value(RuleError::NegativeMonths { months: -2 }).unwrap();
        assert_eq!(json["code"], "negative_months");
    }
}

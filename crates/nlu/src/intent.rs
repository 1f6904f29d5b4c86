//! The intents of `shared/nlu/intents.tsv`, in that file's order. The order is part of the model
//! format (class index = position in [`Intent::ALL`]), so new intents go at the end.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a participant wants from one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Salam,
    TerimaKasih,
    CekStatus,
    Tagihan,
    CaraBayar,
    Rehab,
    Denda,
    DaftarBaru,
    TambahAnggota,
    KurangiAnggota,
    UbahData,
    PindahFaskes,
    UbahKelas,
    AktivasiKartu,
    LokasiFaskes,
    InfoKantor,
    Antrean,
    MobileJkn,
    Rujukan,
    Pengaduan,
    BicaraPetugas,
    InfoLayanan,
    /// Anything outside JKN participant services: small talk, other products, other insurers,
    /// gibberish. The assistant answers it with a menu instead of guessing.
    TidakDikenal,
}

impl Intent {
    pub const ALL: [Intent; 23] = [
        Intent::Salam,
        Intent::TerimaKasih,
        Intent::CekStatus,
        Intent::Tagihan,
        Intent::CaraBayar,
        Intent::Rehab,
        Intent::Denda,
        Intent::DaftarBaru,
        Intent::TambahAnggota,
        Intent::KurangiAnggota,
        Intent::UbahData,
        Intent::PindahFaskes,
        Intent::UbahKelas,
        Intent::AktivasiKartu,
        Intent::LokasiFaskes,
        Intent::InfoKantor,
        Intent::Antrean,
        Intent::MobileJkn,
        Intent::Rujukan,
        Intent::Pengaduan,
        Intent::BicaraPetugas,
        Intent::InfoLayanan,
        Intent::TidakDikenal,
    ];

    /// The name used in intents.tsv, the corpus and the JSON output.
    pub fn code(self) -> &'static str {
        match self {
            Intent::Salam => "salam",
            Intent::TerimaKasih => "terima_kasih",
            Intent::CekStatus => "cek_status",
            Intent::Tagihan => "tagihan",
            Intent::CaraBayar => "cara_bayar",
            Intent::Rehab => "rehab",
            Intent::Denda => "denda",
            Intent::DaftarBaru => "daftar_baru",
            Intent::TambahAnggota => "tambah_anggota",
            Intent::KurangiAnggota => "kurangi_anggota",
            Intent::UbahData => "ubah_data",
            Intent::PindahFaskes => "pindah_faskes",
            Intent::UbahKelas => "ubah_kelas",
            Intent::AktivasiKartu => "aktivasi_kartu",
            Intent::LokasiFaskes => "lokasi_faskes",
            Intent::InfoKantor => "info_kantor",
            Intent::Antrean => "antrean",
            Intent::MobileJkn => "mobile_jkn",
            Intent::Rujukan => "rujukan",
            Intent::Pengaduan => "pengaduan",
            Intent::BicaraPetugas => "bicara_petugas",
            Intent::InfoLayanan => "info_layanan",
            Intent::TidakDikenal => "tidak_dikenal",
        }
    }

    pub fn from_code(code: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.code() == code)
    }

    /// Position in [`Intent::ALL`]: the class index of the model.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Intent> {
        Intent::ALL.get(i).copied()
    }

    pub fn is_out_of_scope(self) -> bool {
        self == Intent::TidakDikenal
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_index_matches_position() {
        for (i, intent) in Intent::ALL.into_iter().enumerate() {
            assert_eq!(Intent::from_code(intent.code()), Some(intent));
            assert_eq!(intent.index(), i);
            assert_eq!(Intent::from_index(i), Some(intent));
        }
        assert_eq!(Intent::from_code("tidak ada"), None);
    }

    #[test]
    fn the_enum_lists_exactly_the_shared_intents_in_order() {
        let shared = include_str!("../data/intents.tsv");
        let codes: Vec<&str> = shared
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|c| !c.is_empty())
            .collect();
        let ours: Vec<&str> = Intent::ALL.iter().map(|i| i.code()).collect();
        assert_eq!(codes, ours);
    }
}

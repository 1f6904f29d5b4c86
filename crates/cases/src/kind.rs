//! The kinds of administrative request, as data: what each needs from the participant (fields
//! and documents), its PANDAWA service letter and its SLA. Adding a kind is adding an entry.
//!
//! HELPER: fill in `spec()` for every kind (fields, documents, SLA), with tests.

use crate::sla::Sla;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Stored as `as_str()` in the case's `kind`. The codes of the assistant's forms
/// (`dialog::FormKind::code`) and the voice line's call-backs are kinds here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A: new registration (PBPU / family).
    DaftarBaru,
    /// B: add a family member.
    TambahAnggota,
    /// C: a newborn.
    BayiBaruLahir,
    /// D: change of segment (PPU inactive to PBPU).
    UbahSegmen,
    /// E: change of identity data.
    UbahData,
    /// G: change of FKTP.
    PindahFaskes,
    /// H/K: remove a deceased or departed member.
    KurangiAnggota,
    /// I: duplicate data.
    DataGanda,
    /// J: card reactivation.
    AktivasiKartu,
    /// L: change of class.
    UbahKelas,
    Pengaduan,
    /// A conversation handed from the assistant to a human.
    LiveChat,
    /// A voice caller asked to be called back.
    TeleponBalik,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    LongText,
    Nik,
    Date,
    Phone,
    /// One of the given `(value, label)` pairs.
    Choice(&'static [(&'static str, &'static str)]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The key in the case's `fields` (the same keys the assistant's forms use).
    pub key: &'static str,
    /// Indonesian label on the web form and in the console.
    pub label: &'static str,
    pub kind: FieldType,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentSpec {
    /// Stable key: "ktp", "kk", "akta_lahir", "surat_kematian"...
    pub key: &'static str,
    /// Indonesian label: "Foto KTP".
    pub label: &'static str,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    pub kind: CaseKind,
    /// Indonesian name shown to participants and agents.
    pub label: &'static str,
    /// The case-number prefix ("PDW-G", "ADU", "CHAT", "TLP").
    pub number_prefix: &'static str,
    pub fields: &'static [FieldSpec],
    pub documents: &'static [DocumentSpec],
    pub sla: Sla,
    /// Whether the participant must have verified their identity first.
    pub needs_identity: bool,
    /// Whether the participant can file it through the web form.
    pub web_form: bool,
}

impl CaseKind {
    pub const ALL: [CaseKind; 13] = [
        CaseKind::DaftarBaru,
        CaseKind::TambahAnggota,
        CaseKind::BayiBaruLahir,
        CaseKind::UbahSegmen,
        CaseKind::UbahData,
        CaseKind::PindahFaskes,
        CaseKind::KurangiAnggota,
        CaseKind::DataGanda,
        CaseKind::AktivasiKartu,
        CaseKind::UbahKelas,
        CaseKind::Pengaduan,
        CaseKind::LiveChat,
        CaseKind::TeleponBalik,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::DaftarBaru => "daftar_baru",
            CaseKind::TambahAnggota => "tambah_anggota",
            CaseKind::BayiBaruLahir => "bayi_baru_lahir",
            CaseKind::UbahSegmen => "ubah_segmen",
            CaseKind::UbahData => "ubah_data",
            CaseKind::PindahFaskes => "pindah_faskes",
            CaseKind::KurangiAnggota => "kurangi_anggota",
            CaseKind::DataGanda => "data_ganda",
            CaseKind::AktivasiKartu => "aktivasi_kartu",
            CaseKind::UbahKelas => "ubah_kelas",
            CaseKind::Pengaduan => "pengaduan",
            CaseKind::LiveChat => "live_chat",
            CaseKind::TeleponBalik => "telepon_balik",
        }
    }

    /// Everything about the kind; see the module comment.
    pub fn spec(self) -> &'static KindSpec {
        todo!("helper: the catalogue")
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown case kind '{0}'")]
pub struct UnknownKind(pub String);

impl FromStr for CaseKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

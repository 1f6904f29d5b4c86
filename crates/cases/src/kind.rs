//! The kinds of administrative request, as data: what each needs from the participant (fields
//! and documents), its PANDAWA service letter and its SLA. Adding a kind is adding an entry.

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
        match self {
            CaseKind::DaftarBaru => &DAFTAR_BARU,
            CaseKind::TambahAnggota => &TAMBAH_ANGGOTA,
            CaseKind::BayiBaruLahir => &BAYI_BARU_LAHIR,
            CaseKind::UbahSegmen => &UBAH_SEGMEN,
            CaseKind::UbahData => &UBAH_DATA,
            CaseKind::PindahFaskes => &PINDAH_FASKES,
            CaseKind::KurangiAnggota => &KURANGI_ANGGOTA,
            CaseKind::DataGanda => &DATA_GANDA,
            CaseKind::AktivasiKartu => &AKTIVASI_KARTU,
            CaseKind::UbahKelas => &UBAH_KELAS,
            CaseKind::Pengaduan => &PENGADUAN,
            CaseKind::LiveChat => &LIVE_CHAT,
            CaseKind::TeleponBalik => &TELEPON_BALIK,
        }
    }
}

// The catalogue. Field keys are those of the assistant's forms (`dialog::forms::Field::key`)
// and the assistant offers the choices below, so a case filed in the chat and one filed on
// the web read alike. SLAs are in working minutes: a PANDAWA day is 420 minutes.

const DAY: u32 = 7 * 60;

pub const CLASSES: &[(&str, &str)] = &[("1", "Kelas 1"), ("2", "Kelas 2"), ("3", "Kelas 3")];
pub const RELATIONS: &[(&str, &str)] = &[
    ("bayi", "Bayi baru lahir"),
    ("pasangan", "Istri/suami"),
    ("anak", "Anak"),
    ("orang_tua", "Orang tua/mertua"),
];
pub const REMOVAL_REASONS: &[(&str, &str)] = &[
    ("meninggal", "Meninggal dunia"),
    ("pindah_kk", "Pindah KK/cerai"),
    ("lainnya", "Alasan lain"),
];
pub const DATA_ITEMS: &[(&str, &str)] = &[
    ("nama", "Nama"),
    ("tanggal_lahir", "Tanggal lahir"),
    ("nik", "NIK"),
    ("no_hp", "Nomor HP"),
    ("email", "Email"),
    ("alamat", "Alamat"),
];
pub const FKTP_REASONS: &[(&str, &str)] = &[
    ("moved_domicile", "Pindah domisili"),
    ("official_assignment", "Tugas di luar kota"),
    ("regular", "Tidak"),
];
pub const COMPLAINT_CATEGORIES: &[(&str, &str)] = &[
    ("biaya_tambahan", "Diminta biaya tambahan"),
    ("penolakan", "Ditolak faskes"),
    ("obat", "Obat/alat kesehatan"),
    ("petugas", "Sikap petugas"),
    ("antrean", "Antrean/pelayanan lama"),
    ("lainnya", "Lainnya"),
];

const fn field(key: &'static str, label: &'static str, kind: FieldType) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required: true,
    }
}

const fn optional(key: &'static str, label: &'static str, kind: FieldType) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required: false,
    }
}

const fn doc(key: &'static str, label: &'static str, required: bool) -> DocumentSpec {
    DocumentSpec {
        key,
        label,
        required,
    }
}

const KTP: DocumentSpec = doc("ktp", "Foto KTP", true);
const KK: DocumentSpec = doc("kk", "Foto Kartu Keluarga (KK)", true);
const KIS: DocumentSpec = doc("kis", "Foto Kartu JKN-KIS", true);

const fn sla(first_response_minutes: u32, resolution_minutes: u32) -> Sla {
    Sla {
        first_response_minutes,
        resolution_minutes,
    }
}

static DAFTAR_BARU: KindSpec = KindSpec {
    kind: CaseKind::DaftarBaru,
    label: "Pendaftaran peserta baru",
    number_prefix: "PDW-A",
    fields: &[
        field("nik", "NIK kepala keluarga", FieldType::Nik),
        field("name", "Nama lengkap sesuai KTP", FieldType::Text),
        field("class", "Kelas rawat", FieldType::Choice(CLASSES)),
        field("place", "Domisili (kecamatan/kabupaten)", FieldType::Text),
        field("phone", "Nomor HP", FieldType::Phone),
    ],
    documents: &[KTP, KK],
    sla: sla(240, 3 * DAY),
    needs_identity: false,
    web_form: true,
};

static TAMBAH_ANGGOTA: KindSpec = KindSpec {
    kind: CaseKind::TambahAnggota,
    label: "Penambahan anggota keluarga",
    number_prefix: "PDW-B",
    fields: &[
        field(
            "relation",
            "Hubungan keluarga",
            FieldType::Choice(RELATIONS),
        ),
        field("name", "Nama anggota keluarga", FieldType::Text),
        field("birth_date", "Tanggal lahir", FieldType::Date),
        optional("member_nik", "NIK anggota keluarga", FieldType::Nik),
    ],
    documents: &[
        KK,
        doc("ktp", "Foto KTP anggota keluarga (bila sudah ada)", false),
    ],
    sla: sla(240, 3 * DAY),
    needs_identity: true,
    web_form: true,
};

static BAYI_BARU_LAHIR: KindSpec = KindSpec {
    kind: CaseKind::BayiBaruLahir,
    label: "Pendaftaran bayi baru lahir",
    number_prefix: "PDW-C",
    fields: &[
        field("name", "Nama bayi", FieldType::Text),
        field("birth_date", "Tanggal lahir bayi", FieldType::Date),
        optional("member_nik", "NIK bayi (bila sudah ada)", FieldType::Nik),
    ],
    documents: &[
        doc(
            "akta_lahir",
            "Akta kelahiran atau surat keterangan lahir dari bidan/rumah sakit",
            true,
        ),
        doc(
            "kk",
            "Foto Kartu Keluarga (KK), bila bayi sudah tercantum",
            false,
        ),
    ],
    sla: sla(240, 2 * DAY),
    needs_identity: true,
    web_form: true,
};

static UBAH_SEGMEN: KindSpec = KindSpec {
    kind: CaseKind::UbahSegmen,
    label: "Perubahan segmen dari pekerja penerima upah ke peserta mandiri",
    number_prefix: "PDW-D",
    fields: &[
        field("employer", "Nama perusahaan terakhir", FieldType::Text),
        field(
            "class",
            "Kelas rawat yang dipilih",
            FieldType::Choice(CLASSES),
        ),
        field("phone", "Nomor HP", FieldType::Phone),
    ],
    documents: &[
        KTP,
        KK,
        doc(
            "surat_berhenti_kerja",
            "Surat keterangan berhenti kerja atau PHK dari perusahaan",
            true,
        ),
    ],
    sla: sla(240, 3 * DAY),
    needs_identity: true,
    web_form: true,
};

static UBAH_DATA: KindSpec = KindSpec {
    kind: CaseKind::UbahData,
    label: "Perubahan data identitas",
    number_prefix: "PDW-E",
    fields: &[
        field("item", "Data yang diubah", FieldType::Choice(DATA_ITEMS)),
        field("new_value", "Data yang benar", FieldType::Text),
    ],
    documents: &[KTP, KK],
    sla: sla(240, 2 * DAY),
    needs_identity: true,
    web_form: true,
};

static PINDAH_FASKES: KindSpec = KindSpec {
    kind: CaseKind::PindahFaskes,
    label: "Perubahan FKTP",
    number_prefix: "PDW-G",
    fields: &[
        optional(
            "fktp_reason",
            "Pindah karena domisili atau tugas?",
            FieldType::Choice(FKTP_REASONS),
        ),
        field("facility", "FKTP tujuan", FieldType::Text),
    ],
    documents: &[doc(
        "surat_domisili",
        "Surat keterangan domisili atau surat tugas (bila pindah sebelum 3 bulan)",
        false,
    )],
    sla: sla(120, DAY),
    needs_identity: true,
    web_form: true,
};

static KURANGI_ANGGOTA: KindSpec = KindSpec {
    kind: CaseKind::KurangiAnggota,
    label: "Penonaktifan anggota keluarga (meninggal atau pindah KK)",
    number_prefix: "PDW-H",
    fields: &[
        field("member", "Anggota keluarga", FieldType::Text),
        field("reason", "Alasan", FieldType::Choice(REMOVAL_REASONS)),
    ],
    documents: &[
        doc(
            "surat_kematian",
            "Surat keterangan kematian (bila meninggal dunia)",
            false,
        ),
        doc("kk", "Foto Kartu Keluarga (KK) terbaru", true),
    ],
    sla: sla(240, 3 * DAY),
    needs_identity: true,
    web_form: true,
};

static DATA_GANDA: KindSpec = KindSpec {
    kind: CaseKind::DataGanda,
    label: "Perbaikan data ganda",
    number_prefix: "PDW-I",
    fields: &[
        field("nik", "NIK", FieldType::Nik),
        field(
            "duplicate_number",
            "Nomor kartu JKN lain yang tercatat",
            FieldType::Text,
        ),
        optional("details", "Keterangan", FieldType::LongText),
    ],
    documents: &[KTP, KK, KIS],
    sla: sla(240, 3 * DAY),
    needs_identity: true,
    web_form: true,
};

static AKTIVASI_KARTU: KindSpec = KindSpec {
    kind: CaseKind::AktivasiKartu,
    label: "Pengaktifan kembali kartu",
    number_prefix: "PDW-J",
    fields: &[field("class", "Kelas rawat", FieldType::Choice(CLASSES))],
    documents: &[KTP, doc("kis", "Foto Kartu JKN-KIS", false)],
    sla: sla(240, DAY),
    needs_identity: true,
    web_form: true,
};

static UBAH_KELAS: KindSpec = KindSpec {
    kind: CaseKind::UbahKelas,
    label: "Perubahan kelas rawat",
    number_prefix: "PDW-L",
    fields: &[field(
        "class",
        "Kelas rawat baru",
        FieldType::Choice(CLASSES),
    )],
    documents: &[KK],
    sla: sla(240, DAY),
    needs_identity: true,
    web_form: true,
};

static PENGADUAN: KindSpec = KindSpec {
    kind: CaseKind::Pengaduan,
    label: "Pengaduan",
    number_prefix: "ADU",
    fields: &[
        field(
            "category",
            "Jenis pengaduan",
            FieldType::Choice(COMPLAINT_CATEGORIES),
        ),
        field("details", "Kronologi singkat", FieldType::LongText),
        optional("phone", "Nomor HP yang dapat dihubungi", FieldType::Phone),
    ],
    documents: &[doc(
        "bukti",
        "Bukti pendukung (foto kuitansi, surat, atau tangkapan layar)",
        false,
    )],
    sla: sla(120, 3 * DAY),
    needs_identity: false,
    web_form: true,
};

static LIVE_CHAT: KindSpec = KindSpec {
    kind: CaseKind::LiveChat,
    label: "Percakapan dengan petugas",
    number_prefix: "CHAT",
    fields: &[],
    documents: &[],
    sla: sla(15, DAY),
    needs_identity: false,
    web_form: false,
};

static TELEPON_BALIK: KindSpec = KindSpec {
    kind: CaseKind::TeleponBalik,
    label: "Permintaan telepon balik",
    number_prefix: "TLP",
    fields: &[
        field("phone", "Nomor yang dihubungi", FieldType::Phone),
        optional("details", "Keperluan", FieldType::LongText),
    ],
    documents: &[],
    sla: sla(60, DAY),
    needs_identity: false,
    web_form: false,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_kind_has_its_own_entry_label_and_prefix() {
        let mut prefixes = BTreeSet::new();
        let mut labels = BTreeSet::new();
        for k in CaseKind::ALL {
            let s = k.spec();
            assert_eq!(s.kind, k);
            assert!(!s.label.trim().is_empty(), "{k}");
            assert!(!s.number_prefix.is_empty(), "{k}");
            assert!(
                s.number_prefix
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '-'),
                "{k}"
            );
            assert!(prefixes.insert(s.number_prefix), "prefix of {k} repeats");
            assert!(labels.insert(s.label), "label of {k} repeats");
            assert_eq!(k.as_str().parse::<CaseKind>(), Ok(k));
        }
        assert!("pindah_rumah".parse::<CaseKind>().is_err());
    }

    #[test]
    fn pandawa_service_letters() {
        let expect = [
            (CaseKind::DaftarBaru, "PDW-A"),
            (CaseKind::TambahAnggota, "PDW-B"),
            (CaseKind::BayiBaruLahir, "PDW-C"),
            (CaseKind::UbahSegmen, "PDW-D"),
            (CaseKind::UbahData, "PDW-E"),
            (CaseKind::PindahFaskes, "PDW-G"),
            (CaseKind::KurangiAnggota, "PDW-H"),
            (CaseKind::DataGanda, "PDW-I"),
            (CaseKind::AktivasiKartu, "PDW-J"),
            (CaseKind::UbahKelas, "PDW-L"),
            (CaseKind::Pengaduan, "ADU"),
            (CaseKind::LiveChat, "CHAT"),
            (CaseKind::TeleponBalik, "TLP"),
        ];
        for (k, p) in expect {
            assert_eq!(k.spec().number_prefix, p, "{k}");
        }
    }

    #[test]
    fn fields_and_documents_are_well_formed() {
        for k in CaseKind::ALL {
            let s = k.spec();
            let keys: BTreeSet<_> = s.fields.iter().map(|f| f.key).collect();
            assert_eq!(keys.len(), s.fields.len(), "{k}: a field key repeats");
            let docs: BTreeSet<_> = s.documents.iter().map(|d| d.key).collect();
            assert_eq!(docs.len(), s.documents.len(), "{k}: a document key repeats");
            for f in s.fields {
                assert!(!f.label.is_empty() && !f.key.is_empty(), "{k}");
                assert!(
                    f.key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{k}: {}",
                    f.key
                );
                if let FieldType::Choice(options) = f.kind {
                    assert!(!options.is_empty(), "{k}: {}", f.key);
                }
            }
            for d in s.documents {
                assert!(!d.label.is_empty() && !d.key.is_empty(), "{k}");
            }
            if s.web_form {
                assert!(
                    s.fields.iter().any(|f| f.required),
                    "{k}: a web form asks something"
                );
            }
        }
    }

    #[test]
    fn the_assistant_form_keys_are_used() {
        let keys = |k: CaseKind| -> Vec<&str> { k.spec().fields.iter().map(|f| f.key).collect() };
        assert_eq!(
            keys(CaseKind::DaftarBaru),
            ["nik", "name", "class", "place", "phone"]
        );
        assert_eq!(
            keys(CaseKind::TambahAnggota),
            ["relation", "name", "birth_date", "member_nik"]
        );
        assert_eq!(keys(CaseKind::KurangiAnggota), ["member", "reason"]);
        assert_eq!(keys(CaseKind::UbahData), ["item", "new_value"]);
        assert_eq!(keys(CaseKind::UbahKelas), ["class"]);
        assert_eq!(keys(CaseKind::AktivasiKartu), ["class"]);
        assert_eq!(keys(CaseKind::PindahFaskes), ["fktp_reason", "facility"]);
        assert_eq!(keys(CaseKind::Pengaduan), ["category", "details", "phone"]);
    }

    #[test]
    fn documents_match_what_the_branch_asks() {
        let docs = |k: CaseKind| -> Vec<(&str, bool)> {
            k.spec()
                .documents
                .iter()
                .map(|d| (d.key, d.required))
                .collect()
        };
        assert!(docs(CaseKind::BayiBaruLahir).contains(&("akta_lahir", true)));
        assert!(docs(CaseKind::KurangiAnggota).contains(&("surat_kematian", false)));
        assert!(docs(CaseKind::UbahSegmen).contains(&("surat_berhenti_kerja", true)));
        assert!(docs(CaseKind::DaftarBaru).contains(&("ktp", true)));
        assert!(docs(CaseKind::DaftarBaru).contains(&("kk", true)));
        assert!(docs(CaseKind::LiveChat).is_empty());
    }

    #[test]
    fn identity_and_web_forms() {
        for k in CaseKind::ALL {
            let s = k.spec();
            let anonymous = matches!(
                k,
                CaseKind::DaftarBaru
                    | CaseKind::Pengaduan
                    | CaseKind::LiveChat
                    | CaseKind::TeleponBalik
            );
            assert_eq!(s.needs_identity, !anonymous, "{k}");
            let conversational = matches!(k, CaseKind::LiveChat | CaseKind::TeleponBalik);
            assert_eq!(s.web_form, !conversational, "{k}");
        }
    }

    #[test]
    fn slas_are_realistic() {
        for k in CaseKind::ALL {
            let sla = k.spec().sla;
            assert!(sla.first_response_minutes > 0, "{k}");
            assert!(sla.first_response_minutes <= 240, "{k}");
            assert!(sla.first_response_minutes < sla.resolution_minutes, "{k}");
            assert!((420..=1260).contains(&sla.resolution_minutes), "{k}");
        }
        assert_eq!(CaseKind::LiveChat.spec().sla.first_response_minutes, 15);
    }
}

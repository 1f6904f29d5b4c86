//! Administrative requests (PANDAWA-style) and complaints: which fields each needs, in which
//! order, and how a short answer fills a field. Pure: the engine supplies the options that need
//! data (family members, nearby facilities) and stores the finished form as a case.

use crate::understand::{Place, Said};
use chrono::NaiveDate;
use jkn::{CareClass, Msisdn, Nik};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    DaftarBaru,
    TambahAnggota,
    KurangiAnggota,
    UbahData,
    UbahKelas,
    AktivasiKartu,
    PindahFaskes,
    Pengaduan,
}

impl FormKind {
    /// The case kind stored, as the intent code it answers.
    pub fn code(self) -> &'static str {
        match self {
            FormKind::DaftarBaru => "daftar_baru",
            FormKind::TambahAnggota => "tambah_anggota",
            FormKind::KurangiAnggota => "kurangi_anggota",
            FormKind::UbahData => "ubah_data",
            FormKind::UbahKelas => "ubah_kelas",
            FormKind::AktivasiKartu => "aktivasi_kartu",
            FormKind::PindahFaskes => "pindah_faskes",
            FormKind::Pengaduan => "pengaduan",
        }
    }

    pub const ALL: [FormKind; 8] = [
        FormKind::DaftarBaru,
        FormKind::TambahAnggota,
        FormKind::KurangiAnggota,
        FormKind::UbahData,
        FormKind::UbahKelas,
        FormKind::AktivasiKartu,
        FormKind::PindahFaskes,
        FormKind::Pengaduan,
    ];

    pub fn from_code(code: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the participant may file this kind on the web form too.
    pub fn has_web_form(self) -> bool {
        self.code()
            .parse::<cases::CaseKind>()
            .is_ok_and(|k| k.spec().web_form)
    }

    /// Whether the form needs a verified participant (every change to an existing
    /// membership does; a new registration and a complaint do not).
    pub fn needs_identity(self) -> bool {
        !matches!(self, FormKind::DaftarBaru | FormKind::Pengaduan)
    }

    /// The fields, in the order they are asked.
    pub fn fields(self) -> &'static [Field] {
        match self {
            FormKind::DaftarBaru => &[
                Field::Nik,
                Field::Name,
                Field::Class,
                Field::Place,
                Field::Phone,
            ],
            FormKind::TambahAnggota => &[
                Field::Relation,
                Field::Name,
                Field::BirthDate,
                Field::NewMemberNik,
            ],
            FormKind::KurangiAnggota => &[Field::Member, Field::Reason],
            FormKind::UbahData => &[Field::DataItem, Field::NewValue],
            FormKind::UbahKelas => &[Field::Class],
            FormKind::AktivasiKartu => &[Field::Class],
            FormKind::PindahFaskes => &[Field::FktpReason, Field::Facility],
            FormKind::Pengaduan => &[Field::Category, Field::Details, Field::Phone],
        }
    }

    /// The case-number prefix: PANDAWA service codes where one exists (A new registration,
    /// B add a member, C newborn, D change of segment, E identity data, G FKTP, H a deceased
    /// member, J reactivation), K and L for the Kediri branch's removal and class change.
    pub fn number_prefix(self, fields: &BTreeMap<String, String>) -> &'static str {
        let is = |k: &str, v: &str| fields.get(k).map(String::as_str) == Some(v);
        match self {
            FormKind::DaftarBaru => "PDW-A",
            FormKind::TambahAnggota if is("relation", "bayi") => "PDW-C",
            FormKind::TambahAnggota => "PDW-B",
            FormKind::KurangiAnggota if is("reason", "meninggal") => "PDW-H",
            FormKind::KurangiAnggota => "PDW-K",
            FormKind::UbahData => "PDW-E",
            FormKind::UbahKelas => "PDW-L",
            FormKind::AktivasiKartu if is("move", "ppu_ke_pbpu") => "PDW-D",
            FormKind::AktivasiKartu => "PDW-J",
            FormKind::PindahFaskes => "PDW-G",
            FormKind::Pengaduan => "ADU",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Nik,
    Name,
    Class,
    Place,
    Phone,
    Relation,
    BirthDate,
    NewMemberNik,
    Member,
    Reason,
    DataItem,
    NewValue,
    /// Why an FKTP change is asked before the 3 months are over (asked only then).
    FktpReason,
    Facility,
    Category,
    Details,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Nik => "nik",
            Field::Name => "name",
            Field::Class => "class",
            Field::Place => "place",
            Field::Phone => "phone",
            Field::Relation => "relation",
            Field::BirthDate => "birth_date",
            Field::NewMemberNik => "member_nik",
            Field::Member => "member",
            Field::Reason => "reason",
            Field::DataItem => "item",
            Field::NewValue => "new_value",
            Field::FktpReason => "fktp_reason",
            Field::Facility => "facility",
            Field::Category => "category",
            Field::Details => "details",
        }
    }
}

/// A form being filled in. `fields` hold machine values (codes, ids, ISO dates); `labels`
/// what the participant is shown in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub kind: FormKind,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The field asked last, whose answer the next message should be.
    #[serde(default)]
    pub asking: Option<Field>,
    /// Every field is filled; waiting for "kirim" or "batal".
    #[serde(default)]
    pub confirming: bool,
}

impl Form {
    pub fn new(kind: FormKind) -> Form {
        Form {
            kind,
            fields: BTreeMap::new(),
            labels: BTreeMap::new(),
            asking: None,
            confirming: false,
        }
    }

    pub fn set(&mut self, field: Field, value: impl Into<String>, label: impl Into<String>) {
        self.fields.insert(field.key().to_string(), value.into());
        self.labels.insert(field.key().to_string(), label.into());
    }

    /// Extra facts for the agent that are not asked (effective date, current FKTP...).
    pub fn note(&mut self, key: &str, value: impl Into<String>) {
        self.fields.insert(key.to_string(), value.into());
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        self.fields.get(field.key()).map(String::as_str)
    }

    pub fn has(&self, field: Field) -> bool {
        self.fields.contains_key(field.key())
    }

    /// The next field to ask, if any.
    pub fn missing(&self) -> Option<Field> {
        self.kind.fields().iter().copied().find(|f| !self.has(*f))
    }
}

/// Why an answer does not fill the field; the engine asks again with this hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Nothing in the message answers the question.
    NoAnswer,
    /// A number that looks like an NIK but is not a valid one.
    BadNik,
    BadDate,
    BadPhone,
    /// The value is the one already registered (same class...).
    Same,
}

/// Fills a field from free text, for the fields that need no data to check. Fields whose
/// options come from data (member, facility) are chosen by id and handled by the engine.
pub fn accept_text(
    form: &Form,
    field: Field,
    said: &Said,
    today: NaiveDate,
) -> Result<(String, String), Invalid> {
    let text = said.text.trim();
    match field {
        Field::Nik | Field::NewMemberNik => {
            if let Some(nik) = &said.nik {
                return Ok((nik.expose().to_string(), masked_nik(nik)));
            }
            if field == Field::NewMemberNik && said.skip {
                return Ok(("belum_ada".into(), "belum ada".into()));
            }
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            match Nik::parse(&digits) {
                Ok(nik) => Ok((nik.expose().to_string(), masked_nik(&nik))),
                Err(_) if digits.len() >= 10 => Err(Invalid::BadNik),
                Err(_) => Err(Invalid::NoAnswer),
            }
        }
        Field::Name => {
            let name = text
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_string();
            let letters = name.chars().filter(|c| c.is_alphabetic()).count();
            let digits = name.chars().filter(char::is_ascii_digit).count();
            if letters >= 2 && digits == 0 && name.chars().count() <= 80 && !said.yes && !said.no {
                Ok((name.clone(), name))
            } else {
                Err(Invalid::NoAnswer)
            }
        }
        Field::Class => said
            .class
            .or_else(|| {
                said.number
                    .and_then(|n| u8::try_from(n).ok())
                    .and_then(|n| CareClass::try_from(n).ok())
            })
            .map(|c| (c.number().to_string(), format!("Kelas {}", c.number())))
            .ok_or(Invalid::NoAnswer),
        Field::Place => match said.place() {
            Some(Place::District(d)) => {
                Ok((format!("district:{d}"), crate::templates::district_name(d)))
            }
            Some(Place::Regency(r)) => {
                Ok((format!("regency:{r}"), crate::templates::regency_name(r)))
            }
            None => Err(Invalid::NoAnswer),
        },
        Field::Phone => match &said.phone {
            Some(m) => Ok((m.expose().to_string(), m.local())),
            None if said.skip => Ok(("-".into(), "tidak diberikan".into())),
            None if text.chars().filter(char::is_ascii_digit).count() >= 9 => {
                Err(Invalid::BadPhone)
            }
            None => Err(Invalid::NoAnswer),
        },
        Field::Relation => relation_code(said)
            .map(|(code, label)| (code.to_string(), label.to_string()))
            .ok_or(Invalid::NoAnswer),
        Field::BirthDate => match said.date {
            Some(d) if d <= today => Ok((d.to_string(), jkn::text::tanggal(&d))),
            Some(_) => Err(Invalid::BadDate),
            None => Err(Invalid::NoAnswer),
        },
        Field::Reason => reason_code(&said.words)
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .ok_or(Invalid::NoAnswer),
        Field::DataItem => data_item(&said.words)
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .ok_or(Invalid::NoAnswer),
        Field::NewValue => new_value(form.get(Field::DataItem), said, today),
        Field::Category => complaint_category(&said.words)
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .ok_or(Invalid::NoAnswer),
        Field::Details => {
            if text.split_whitespace().count() >= 3 && !said.yes && !said.no {
                Ok((text.to_string(), text.to_string()))
            } else {
                Err(Invalid::NoAnswer)
            }
        }
        Field::FktpReason => {
            let w = &said.words;
            if w.contains("domisili") || w.contains("pindah rumah") || w.contains("pindah alamat") {
                Ok(("moved_domicile".into(), "Pindah domisili".into()))
            } else if w.contains("tugas") || w.contains("dinas") {
                Ok(("official_assignment".into(), "Tugas di luar kota".into()))
            } else if said.no {
                Ok(("regular".into(), "Tidak".into()))
            } else {
                Err(Invalid::NoAnswer)
            }
        }
        Field::Member | Field::Facility => Err(Invalid::NoAnswer),
    }
}

fn masked_nik(nik: &Nik) -> String {
    nik.to_string()
}

/// Fills a field from a tapped option (`opt:<field>:<value>`), for fields with fixed options.
pub fn accept_choice(field: Field, value: &str) -> Option<(String, String)> {
    let label = choices(field)
        .iter()
        .find(|(code, _)| *code == value)
        .map(|(_, label)| label.to_string())?;
    Some((value.to_string(), label))
}

/// The fixed options of a field: (value, label).
pub fn choices(field: Field) -> &'static [(&'static str, &'static str)] {
    use cases::kind as k;
    match field {
        Field::Class => k::CLASSES,
        Field::Relation => k::RELATIONS,
        Field::Reason => k::REMOVAL_REASONS,
        Field::DataItem => k::DATA_ITEMS,
        Field::FktpReason => k::FKTP_REASONS,
        Field::Category => k::COMPLAINT_CATEGORIES,
        _ => &[],
    }
}

fn relation_code(said: &Said) -> Option<(&'static str, &'static str)> {
    use nlu::Relation as R;
    if let Some(r) = said.relation {
        return Some(match r {
            R::Bayi => ("bayi", "Bayi baru lahir"),
            R::Istri | R::Suami => ("pasangan", "Istri/suami"),
            R::Anak | R::Cucu => ("anak", "Anak"),
            R::Ibu | R::Bapak | R::OrangTua | R::Mertua => ("orang_tua", "Orang tua/mertua"),
            R::Adik | R::Kakak => ("lainnya", "Anggota keluarga lain"),
        });
    }
    let w = &said.words;
    if w.contains("bayi") || w.contains("baru lahir") {
        Some(("bayi", "Bayi baru lahir"))
    } else if w.contains("istri") || w.contains("suami") || w.contains("pasangan") {
        Some(("pasangan", "Istri/suami"))
    } else if w.contains("anak") {
        Some(("anak", "Anak"))
    } else if w.contains("orang tua") || w.contains("mertua") {
        Some(("orang_tua", "Orang tua/mertua"))
    } else {
        None
    }
}

fn reason_code(words: &str) -> Option<(&'static str, &'static str)> {
    if ["meninggal", "wafat", "almarhum", "tutup usia", "mati"]
        .iter()
        .any(|w| words.contains(w))
    {
        Some(("meninggal", "Meninggal dunia"))
    } else if ["cerai", "pindah", "kk baru", "kartu keluarga", "menikah"]
        .iter()
        .any(|w| words.contains(w))
    {
        Some(("pindah_kk", "Pindah KK/cerai"))
    } else if words.contains("lain") {
        Some(("lainnya", "Alasan lain"))
    } else {
        None
    }
}

fn data_item(words: &str) -> Option<(&'static str, &'static str)> {
    let has = |ws: &[&str]| ws.iter().any(|w| words.contains(w));
    if has(&["tanggal lahir", "tgl lahir", "lahir"]) {
        Some(("tanggal_lahir", "Tanggal lahir"))
    } else if has(&[
        "nomor hp",
        "no hp",
        "handphone",
        "nomor telepon",
        "telepon",
        "hp",
        "wa",
    ]) {
        Some(("no_hp", "Nomor HP"))
    } else if has(&["email", "surel"]) {
        Some(("email", "Email"))
    } else if has(&["alamat", "domisili"]) {
        Some(("alamat", "Alamat"))
    } else if has(&["nik", "ktp"]) {
        Some(("nik", "NIK"))
    } else if has(&["nama"]) {
        Some(("nama", "Nama"))
    } else {
        None
    }
}

fn new_value(
    item: Option<&str>,
    said: &Said,
    today: NaiveDate,
) -> Result<(String, String), Invalid> {
    let text = said.text.trim();
    match item {
        Some("tanggal_lahir") => match said.date {
            Some(d) if d <= today => Ok((d.to_string(), jkn::text::tanggal(&d))),
            _ => Err(Invalid::BadDate),
        },
        Some("nik") => match said.nik.clone().or_else(|| {
            Nik::parse(
                &text
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>(),
            )
            .ok()
        }) {
            Some(n) => Ok((n.expose().to_string(), n.to_string())),
            None => Err(Invalid::BadNik),
        },
        Some("no_hp") => match said.phone.clone().or_else(|| Msisdn::parse(text).ok()) {
            Some(m) => Ok((m.expose().to_string(), m.local())),
            None => Err(Invalid::BadPhone),
        },
        Some("email") => {
            let ok = text.contains('@')
                && text.rsplit('@').next().is_some_and(|d| d.contains('.'))
                && !text.contains(' ');
            if ok {
                Ok((text.to_string(), text.to_string()))
            } else {
                Err(Invalid::NoAnswer)
            }
        }
        _ => {
            if text.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !said.yes && !said.no {
                Ok((text.to_string(), text.to_string()))
            } else {
                Err(Invalid::NoAnswer)
            }
        }
    }
}

fn complaint_category(words: &str) -> Option<(&'static str, &'static str)> {
    let has = |ws: &[&str]| ws.iter().any(|w| words.contains(w));
    if has(&["bayar", "biaya", "iur biaya", "pungut", "tambahan", "uang"]) {
        Some(("biaya_tambahan", "Diminta biaya tambahan"))
    } else if has(&[
        "tolak",
        "ditolak",
        "menolak",
        "tidak dilayani",
        "tidak mau melayani",
        "penuh",
    ]) {
        Some(("penolakan", "Ditolak faskes"))
    } else if has(&["obat", "alat"]) {
        Some(("obat", "Obat/alat kesehatan"))
    } else if has(&[
        "petugas", "judes", "kasar", "sikap", "perawat", "dokter", "satpam",
    ]) {
        Some(("petugas", "Sikap petugas"))
    } else if has(&["antre", "antri", "lama", "lambat"]) {
        Some(("antrean", "Antrean/pelayanan lama"))
    } else if has(&["lain"]) {
        Some(("lainnya", "Lainnya"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Said {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let a = nlu::Nlu::shipped().unwrap().analyze(text, today);
        Said::from(text, &a, today)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn forms_ask_their_fields_in_order_and_skip_what_is_known() {
        let mut f = Form::new(FormKind::DaftarBaru);
        assert_eq!(f.missing(), Some(Field::Nik));
        f.set(Field::Nik, "x", "x");
        f.set(Field::Class, "2", "Kelas 2");
        assert_eq!(f.missing(), Some(Field::Name));
        f.set(Field::Name, "Siti", "Siti");
        assert_eq!(f.missing(), Some(Field::Place));
    }

    #[test]
    fn complaint_categories_come_from_the_words() {
        let f = Form::new(FormKind::Pengaduan);
        let s = said("rs minta bayar padahal pakai bpjs");
        assert_eq!(
            accept_text(&f, Field::Category, &s, today()).unwrap().0,
            "biaya_tambahan"
        );
        let s = said("saya ditolak puskesmas");
        assert_eq!(
            accept_text(&f, Field::Category, &s, today()).unwrap().0,
            "penolakan"
        );
    }

    #[test]
    fn a_new_value_is_checked_against_the_item_changed() {
        let mut f = Form::new(FormKind::UbahData);
        f.set(Field::DataItem, "no_hp", "Nomor HP");
        assert_eq!(
            accept_text(&f, Field::NewValue, &said("0812 3456 7890"), today())
                .unwrap()
                .0,
            "6281234567890"
        );
        assert_eq!(
            accept_text(&f, Field::NewValue, &said("nomor saya ganti"), today()),
            Err(Invalid::BadPhone)
        );
        f.set(Field::DataItem, "tanggal_lahir", "Tanggal lahir");
        assert_eq!(
            accept_text(&f, Field::NewValue, &said("12-03-1988"), today())
                .unwrap()
                .0,
            "1988-03-12"
        );
    }

    #[test]
    fn a_name_is_letters_not_a_yes() {
        let f = Form::new(FormKind::TambahAnggota);
        assert!(accept_text(&f, Field::Name, &said("Siti Aminah"), today()).is_ok());
        assert!(accept_text(&f, Field::Name, &said("iya"), today()).is_err());
        assert!(accept_text(&f, Field::Name, &said("12345"), today()).is_err());
    }

    #[test]
    fn prefixes_follow_the_pandawa_service_codes() {
        let mut f = Form::new(FormKind::TambahAnggota);
        f.set(Field::Relation, "bayi", "Bayi");
        assert_eq!(f.kind.number_prefix(&f.fields), "PDW-C");
        assert_eq!(
            FormKind::PindahFaskes.number_prefix(&BTreeMap::new()),
            "PDW-G"
        );
    }
}

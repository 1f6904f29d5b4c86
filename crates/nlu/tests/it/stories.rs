//! Participants' messages, end to end.

use jkn::{CareClass, Nik, Rupiah};
use nlu::{EntityValue, Intent, Relation};

fn analyze(text: &str) -> nlu::Analysis {
    crate::shipped().analyze(text, crate::today())
}

#[test]
fn a_participant_asks_whether_her_card_is_still_active() {
    let a = analyze("bpjs sy msh aktif ga min");
    assert_eq!(a.intent, Intent::CekStatus);
    assert_eq!(a.normalized, "bpjs saya masih aktif tidak admin");
}

#[test]
fn a_participant_with_5_months_of_arrears_asks_the_total() {
    let a = analyze("nunggak 5 bln totalnya brp");
    assert_eq!(a.intent, Intent::Tagihan);
    assert_eq!(a.entities.len(), 1);
    assert_eq!(a.entities[0].value, EntityValue::MonthCount(5));
    assert_eq!(a.entities[0].text("nunggak 5 bln totalnya brp"), "5 bln");
}

#[test]
fn a_father_wants_to_add_his_newborn() {
    let a = analyze("mau daftarin bayi ke bpjs");
    assert_eq!(a.intent, Intent::TambahAnggota);
    assert_eq!(a.entities[0].value, EntityValue::Relation(Relation::Bayi));
}

#[test]
fn a_lone_p_opens_the_chat() {
    assert_eq!(analyze("p").intent, Intent::Salam);
}

#[test]
fn other_insurers_and_gibberish_are_out_of_scope() {
    for text in [
        "cara klaim jht bpjs ketenagakerjaan",
        "qwertyuiop",
        "jual voucher game",
        "???",
    ] {
        assert_eq!(analyze(text).intent, Intent::TidakDikenal, "{text}");
    }
}

#[test]
fn a_woman_gives_her_nik_and_birth_date_to_fix_her_data() {
    let text = "tgl lahir sy salah, harusnya 5 maret 88. NIK 3509014503880001";
    let a = analyze(text);
    assert_eq!(a.intent, Intent::UbahData);
    let nik = Nik::parse("3509014503880001").unwrap_or_else(|e| panic!("{e}"));
    let values: Vec<&EntityValue> = a.entities.iter().map(|e| &e.value).collect();
    assert!(values.contains(&&EntityValue::Nik(nik)));
    assert!(values.contains(&&EntityValue::Date(
        chrono::NaiveDate::from_ymd_opt(1988, 3, 5).unwrap_or_default()
    )));
}

#[test]
fn a_participant_wants_to_drop_to_class_3_because_150rb_is_too_much() {
    let a = analyze("iuran 150rb kemahalan, mau turun ke kelas 3 aja");
    assert_eq!(a.intent, Intent::UbahKelas);
    let values: Vec<&EntityValue> = a.entities.iter().map(|e| &e.value).collect();
    assert!(values.contains(&&EntityValue::Amount(Rupiah::new(150_000))));
    assert!(values.contains(&&EntityValue::CareClass(CareClass::Three)));
}

#[test]
fn a_participant_looks_for_a_hospital_in_kediri() {
    let a = analyze("rs yg terima bpjs di kediri");
    assert_eq!(a.intent, Intent::LokasiFaskes);
    let values: Vec<&EntityValue> = a.entities.iter().map(|e| &e.value).collect();
    assert!(values.contains(&&EntityValue::Regency(3571)));
    assert!(values.contains(&&EntityValue::FacilityKind(
        directory::FacilityKind::RumahSakit
    )));
}

#[test]
fn confidences_are_probabilities_and_alternatives_are_ranked() {
    let a = analyze("kantor bpjs jember buka jam berapa");
    assert_eq!(a.intent, Intent::InfoKantor);
    assert!(a.confidence > 0.0 && a.confidence <= 1.0);
    assert!(a.alternatives.len() <= 3);
    assert!(a.alternatives.windows(2).all(|w| w[0].1 >= w[1].1));
    assert!(a
        .alternatives
        .iter()
        .all(|(i, p)| *i != a.intent && *p <= a.confidence));
}

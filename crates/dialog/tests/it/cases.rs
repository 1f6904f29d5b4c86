//! Administrative requests: requirements, the participant's own eligibility from the rules,
//! one question at a time, and a stored case with a number.

use crate::helpers::{as_of, Chat, World};
use chrono::NaiveDate;
use demo::Persona;
use dialog::Inbound;
use jkn::{
    account_status, class_change, fktp_change, ClassChangeInput, FktpChangeInput, FktpChangeReason,
    RulesConfig,
};
use store::Case;

/// The case number in a reply (`*PDW-G-000001*`), looked up in the store.
async fn case_in(world: &World, text: &str, prefix: &str) -> Case {
    let number = text
        .split('*')
        .find(|w| w.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} case number in: {text}"))
        .to_string();
    world
        .store
        .case_by_number(&number)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("case {number} is stored"))
}

#[tokio::test]
async fn changing_fktp_follows_the_three_month_rule_and_creates_a_case() {
    let world = World::demo().await;
    // Any participant whose FKTP is old enough, and one who is too recent, from the demo.
    let rules = RulesConfig::default();
    let mut allowed = None;
    let mut too_soon = None;
    for id in 1..=60 {
        let Some(p) = world
            .store
            .participant(store::ParticipantId(id))
            .await
            .unwrap()
        else {
            continue;
        };
        let (Some(_), Some(since)) = (p.fktp_id, p.fktp_since) else {
            continue;
        };
        let fc = fktp_change(
            &FktpChangeInput {
                fktp_since: since,
                requested_on: as_of(),
                reason: FktpChangeReason::Regular,
            },
            &rules,
        )
        .unwrap();
        if fc.allowed && allowed.is_none() {
            allowed = Some((p, fc));
        } else if !fc.allowed && too_soon.is_none() {
            too_soon = Some((p, fc));
        }
    }

    let (p, fc) = allowed.expect("someone may change FKTP");
    let mut chat = world.chat("fktp");
    chat.say(&world, "mau ganti faskes 1").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("dapat diproses"), "{}", r.text());
    let choice = r
        .options()
        .into_iter()
        .find(|(id, _)| id.starts_with("fac:"))
        .unwrap_or_else(|| panic!("FKTP choices: {}", chat.transcript()));
    assert!(
        !choice.0.ends_with(&format!(":{}", p.fktp_id.unwrap().0)),
        "the current FKTP is not offered"
    );
    let r = chat.tap(&world, &choice.0).await;
    assert!(r.has("Ringkasan"), "{}", r.text());
    assert!(r.has(&jkn::text::tanggal(&fc.effective_on)), "{}", r.text());
    let r = chat.say(&world, "iya").await;
    let case = case_in(&world, &r.text(), "PDW-G-").await;
    assert_eq!(case.kind, "pindah_faskes");
    assert_eq!(case.participant_id, Some(p.id));
    assert_eq!(case.fields["facility"], choice.0.trim_start_matches("fac:"));
    assert_eq!(case.fields["effective_on"], fc.effective_on.to_string());
    assert_eq!(
        world.store.cases_for_participant(p.id).await.unwrap().len(),
        1
    );

    if let Some((p, fc)) = too_soon {
        let mut chat = world.chat("fktp-soon");
        chat.say(&world, "pindah puskesmas bisa?").await;
        let r = chat.verify(&world, &p).await;
        assert!(
            r.has(&jkn::text::tanggal(&fc.earliest_request_on)),
            "{}",
            r.text()
        );
        let r = chat.say(&world, "tidak").await;
        assert!(
            r.has(&format!("mulai {}", jkn::text::tanggal(&fc.effective_on))),
            "{}",
            r.text()
        );
        assert!(world
            .store
            .cases_for_participant(p.id)
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn a_class_change_is_refused_with_every_reason_while_in_arrears() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("kelas-arrears");
    chat.say(&world, "mau pindah ke kelas 2").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("belum dapat diproses"), "{}", r.text());
    assert!(r.has("tunggakan iuran 8 bulan"), "{}", r.text());
    assert!(world
        .store
        .cases_for_participant(p.id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_class_change_for_a_paid_up_family_follows_the_rules() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let family = world.store.family(p.family_id).await.unwrap().unwrap();
    let members = world.store.family_members(p.family_id).await.unwrap();
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let rules = RulesConfig::default();
    let status = account_status(&ledger, as_of(), &rules);
    let since = members.iter().map(|m| m.class_since).max().unwrap();
    let expected = class_change(
        &ClassChangeInput {
            segment: family.segment,
            current_class: family.class,
            requested_class: jkn::CareClass::One,
            class_since: since,
            months_in_arrears: status.months_in_arrears,
            whole_family: true,
            requested_on: as_of(),
        },
        &rules,
    )
    .unwrap();
    let mut chat = world.chat("kelas");
    chat.say(&world, "mau naik ke kelas 1").await;
    let r = chat.verify(&world, &p).await;
    if expected.allowed {
        assert!(r.has("Ringkasan"), "{}", chat.transcript());
        assert!(r.has(&jkn::text::tanggal(&expected.effective_on)));
        let r = chat.tap(&world, "confirm").await;
        let case = case_in(&world, &r.text(), "PDW-L-").await;
        assert_eq!(case.fields["class"], "1");
    } else {
        assert!(r.has(&expected.message()), "{}", r.text());
    }
}

#[tokio::test]
async fn a_new_participant_registers_without_verification_and_gets_a_case_number() {
    let world = World::demo().await;
    let mut chat = world.chat("daftar");
    let r = chat.say(&world, "syarat bikin bpjs mandiri apa").await;
    assert!(r.has("Kartu Keluarga"), "requirements first: {}", r.text());
    assert!(r.has("NIK calon peserta"), "{}", r.text());
    let nik = jkn::Nik::compose(
        350920,
        NaiveDate::from_ymd_opt(1995, 4, 2).unwrap(),
        jkn::Sex::Perempuan,
        77,
    )
    .unwrap();
    let r = chat.say(&world, nik.expose()).await;
    assert!(r.has("nama lengkap"), "{}", chat.transcript());
    let r = chat.say(&world, "Nur Aini").await;
    assert!(r.has("kelas"), "{}", r.text());
    let r = chat.tap(&world, "opt:class:3").await;
    assert!(r.asks_for_location(), "{}", r.text());
    let r = chat.say(&world, "kecamatan patrang").await;
    assert!(r.has("nomor HP"), "{}", r.text());
    let r = chat.say(&world, "0813 1111 2222").await;
    assert!(r.has("Ringkasan"), "{}", r.text());
    assert!(
        r.has("Nur Aini") && r.has("Kelas 3") && r.has("Patrang"),
        "{}",
        r.text()
    );
    let r = chat.tap(&world, "confirm").await;
    let case = case_in(&world, &r.text(), "PDW-A-").await;
    assert_eq!(case.kind, "daftar_baru");
    assert_eq!(case.fields["nik"], nik.expose());
    assert_eq!(case.fields["place"], "district:350920");
    assert_eq!(case.fields["phone"], "6281311112222");
    assert_eq!(case.participant_id, None);
}

#[tokio::test]
async fn a_newborn_is_added_on_time_with_the_28_day_rule() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let mut chat = world.chat("bayi");
    chat.say(&world, "mau masukin bayi saya ke bpjs").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("28 hari"), "{}", r.text());
    assert!(
        r.has("nama anggota"),
        "relation known from 'bayi': {}",
        chat.transcript()
    );
    chat.say(&world, "Muhammad Alif").await;
    let r = chat.say(&world, "10-11-2026").await;
    // Born 10 November, registered 23 November: on time, deadline 8 December.
    assert!(r.has("tepat waktu"), "{}", r.text());
    assert!(r.has("8 Desember 2026"), "{}", r.text());
    let r = chat.say(&world, "belum ada").await;
    assert!(r.has("Ringkasan"), "{}", r.text());
    let r = chat.say(&world, "kirim").await;
    let case = case_in(&world, &r.text(), "PDW-C-").await;
    assert_eq!(case.fields["relation"], "bayi");
    assert_eq!(case.fields["birth_date"], "2026-11-10");
    assert_eq!(case.fields["newborn_on_time"], "true");
}

#[tokio::test]
async fn removing_a_deceased_member_names_the_documents_and_creates_an_h_case() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let members = world.store.family_members(p.family_id).await.unwrap();
    let child = members
        .iter()
        .find(|m| m.relation == store::Relation::Anak)
        .unwrap();
    let mut chat = world.chat("kurangi");
    chat.say(&world, "keluarkan anggota dari kk bpjs").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("akta"), "{}", r.text());
    assert!(
        r.offers(&format!("member:{}", child.id.0)),
        "{:?}",
        r.options()
    );
    chat.tap(&world, &format!("member:{}", child.id.0)).await;
    let r = chat.say(&world, "meninggal dunia").await;
    assert!(r.has(&child.name), "{}", r.text());
    let r = chat.tap(&world, "confirm").await;
    let case = case_in(&world, &r.text(), "PDW-H-").await;
    assert_eq!(case.fields["member"], child.id.0.to_string());
}

#[tokio::test]
async fn a_phone_number_change_is_validated_and_recorded() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let mut chat = world.chat("ubah-hp");
    chat.say(&world, "ganti no hp terdaftar").await;
    let r = chat.verify(&world, &p).await;
    assert!(
        r.has("nomor HP yang baru"),
        "item known from the question: {}",
        chat.transcript()
    );
    let r = chat.say(&world, "nomornya ganti").await;
    assert!(r.has("tidak valid"), "{}", r.text());
    let r = chat.say(&world, "0857 7000 1234").await;
    assert!(r.has("Ringkasan"), "{}", r.text());
    let r = chat.tap(&world, "confirm").await;
    let case = case_in(&world, &r.text(), "PDW-E-").await;
    assert_eq!(case.fields["item"], "no_hp");
    assert_eq!(case.fields["new_value"], "6285770001234");
}

/// A WhatsApp sender (so the phone is known) tells a whole complaint in one message: the
/// assistant has its category, details and phone, and shows the summary to confirm.
async fn a_complaint_to_confirm(world: &World, phone: &str) -> Chat {
    let mut chat = world.chat(phone);
    chat.sender.channel = "whatsapp".into();
    chat.sender.verified_phone = Some(jkn::Msisdn::parse(phone).unwrap());
    let r = chat
        .say(
            world,
            "rs di jember minta bayar obat padahal pakai bpjs, kemarin sore di kasir",
        )
        .await;
    assert!(
        r.has("Ringkasan"),
        "category, details and phone known: {}",
        chat.transcript()
    );
    assert!(r.has("Diminta biaya tambahan"), "{}", r.text());
    chat
}

#[tokio::test]
async fn a_complaint_told_in_full_gets_a_ticket_at_once() {
    let world = World::demo().await;
    let mut chat = a_complaint_to_confirm(&world, "6281299990000").await;
    let r = chat.tap(&world, "confirm").await;
    let case = case_in(&world, &r.text(), "ADU-").await;
    assert_eq!(case.kind, "pengaduan");
    assert_eq!(case.fields["category"], "biaya_tambahan");
    assert_eq!(case.fields["phone"], "6281299990000");
    assert!(r.has("nomor tiket"), "{}", r.text());
}

#[tokio::test]
async fn a_confirmation_handled_again_after_a_crash_files_one_case() {
    let world = World::demo().await;
    let mut chat = a_complaint_to_confirm(&world, "6281299990001").await;
    let lost = chat
        .send_then_crash(&world, Inbound::choice("confirm"))
        .await;
    let filed = case_in(&world, &lost.text(), "ADU-").await;

    // Handled again after the restart: the same ticket, not a second one.
    let r = chat.tap(&world, "confirm").await;
    let again = case_in(&world, &r.text(), "ADU-").await;
    assert_eq!(again.id, filed.id, "{}", chat.transcript());
    assert_eq!(again.number, filed.number);
}

#[tokio::test]
async fn a_short_complaint_is_asked_for_details() {
    let world = World::demo().await;
    let mut chat = world.chat("adu-pendek");
    let r = chat.say(&world, "mau lapor pelayanan buruk").await;
    assert!(r.has("tentang apa"), "{}", r.text());
    chat.tap(&world, "opt:category:petugas").await;
    let r = chat
        .say(
            &world,
            "Perawat di Puskesmas Patrang membentak ibu saya tadi pagi",
        )
        .await;
    assert!(r.has("nomor HP"), "{}", r.text());
    let r = chat.say(&world, "lewati").await;
    assert!(r.has("Ringkasan"), "{}", r.text());
    let r = chat.say(&world, "ya").await;
    let case = case_in(&world, &r.text(), "ADU-").await;
    assert_eq!(case.fields["category"], "petugas");
    assert_eq!(case.fields["phone"], "-");
}

#[tokio::test]
async fn more_of_the_story_while_the_phone_is_asked_is_added_to_the_complaint() {
    let world = World::demo().await;
    let mut chat = world.chat("adu-lanjut");
    chat.say(&world, "rs minta bayar padahal pakai bpjs").await;
    let r = chat
        .say(
            &world,
            "kemarin di RSUD Jember saya disuruh bayar obat 200rb",
        )
        .await;
    assert!(r.has("saya tambahkan"), "{}", r.text());
    assert!(
        r.has("nomor HP"),
        "the open question is asked again: {}",
        r.text()
    );
    chat.say(&world, "0812 3456 7890").await;
    let r = chat.tap(&world, "confirm").await;
    let case = case_in(&world, &r.text(), "ADU-").await;
    let details = case.fields["details"].as_str().unwrap();
    assert!(
        details.contains("padahal pakai bpjs") && details.contains("obat 200rb"),
        "{details}"
    );
}

//! Answers from the participant's own ledger: status, bills, payment, REHAB and the penalty.
//! Expected figures are computed here with the same `jkn` rules from the stored ledger, never
//! written as literals.

use crate::helpers::{as_of, World};
use demo::Persona;
use dialog::Inbound;
use jkn::{account_status, reactivation, RulesConfig};
use store::{Participant, StoredRehabPlan};

#[tokio::test]
async fn an_inactive_participant_with_8_months_of_arrears_asks_for_instalments_and_is_offered_at_most_4(
) {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("rehab-8");
    let r = chat.say(&world, "tunggakan saya bisa dicicil gak?").await;
    assert!(r.has("NIK"), "{}", r.text());
    let r = chat.verify(&world, &p).await;
    assert!(r.has("REHAB"), "{}", chat.transcript());
    assert!(r.has("tunggakan 8 bulan"), "{}", r.text());
    assert!(r.has("2 sampai 4 kali cicilan"), "{}", r.text());
    assert!(r.offers("rehab:register:4"), "{:?}", r.options());
    assert!(
        !r.options()
            .iter()
            .any(|(id, _)| id.starts_with("rehab:register:")
                && id
                    .trim_start_matches("rehab:register:")
                    .parse::<u32>()
                    .unwrap()
                    > 4),
        "never more than 4 instalments"
    );

    let r = chat.tap(&world, "rehab:choose").await;
    let counts: Vec<u32> = r
        .options()
        .iter()
        .filter_map(|(id, _)| id.strip_prefix("rehab:count:")?.parse().ok())
        .collect();
    assert_eq!(counts, vec![4, 3, 2], "{}", r.text());

    let r = chat.say(&world, "5").await;
    assert!(r.has("2 sampai 4 kali"), "5 is refused: {}", r.text());
    let r = chat.say(&world, "3 kali").await;
    assert!(r.has("Dengan 3 kali cicilan"), "{}", r.text());
    let r = chat.say(&world, "iya").await;
    assert!(r.has("Pendaftaran REHAB berhasil"), "{}", chat.transcript());

    let stored = world
        .store
        .latest_rehab_plan(p.family_id)
        .await
        .unwrap()
        .expect("the plan is registered");
    assert_eq!(stored.plan.instalments.len(), 3);
    assert_eq!(stored.registered_by, p.id);
    let family = world.store.family(p.family_id).await.unwrap().unwrap();
    assert!(r.has(&family.virtual_account), "where to pay: {}", r.text());

    // Asking again shows the running plan instead of a new offer.
    let r = chat.say(&world, "mau ikut rehab").await;
    assert!(r.has("sudah terdaftar dalam program REHAB"), "{}", r.text());
}

async fn latest_plan(world: &World, p: &Participant) -> Option<StoredRehabPlan> {
    world.store.latest_rehab_plan(p.family_id).await.unwrap()
}

#[tokio::test]
async fn a_registration_handled_again_after_a_crash_keeps_one_plan() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("rehab-crash");
    chat.say(&world, "mau ikut rehab").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.offers("rehab:register:4"), "{}", chat.transcript());

    let lost = chat
        .send_then_crash(&world, Inbound::choice("rehab:register:4"))
        .await;
    assert!(
        lost.has("Pendaftaran REHAB berhasil"),
        "{}",
        chat.transcript()
    );
    let first = latest_plan(&world, &p)
        .await
        .expect("the flow stored the plan before the crash");

    // The provider delivers the same tap again; the conversation is still at the offer.
    let r = chat.tap(&world, "rehab:register:4").await;
    assert!(
        r.has("sudah terdaftar dalam program REHAB"),
        "the plan stored before the crash is shown, not registered again: {}",
        chat.transcript()
    );
    let latest = latest_plan(&world, &p).await.unwrap();
    assert_eq!(latest.id, first.id, "no second plan");
    assert_eq!(latest.plan, first.plan);
}

#[tokio::test]
async fn status_of_an_inactive_card_says_why_and_what_next() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let status = account_status(&ledger, as_of(), &RulesConfig::default());
    let mut chat = world.chat("status");
    chat.say(&world, "kartu saya nonaktif kenapa ya").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("TIDAK AKTIF"), "{}", r.text());
    assert!(
        r.has(&status.arrears.to_string()),
        "the arrears from the ledger: {}",
        r.text()
    );
    assert!(r.has("8 bulan"));
    assert!(
        r.offers("intent:rehab"),
        "REHAB offered as the next step: {:?}",
        r.options()
    );
    assert!(r.offers("intent:tagihan"));
}

#[tokio::test]
async fn bills_show_arrears_this_month_and_the_reactivation_amount_from_the_ledger() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let rules = RulesConfig::default();
    let status = account_status(&ledger, as_of(), &rules);
    let re = reactivation(&ledger, as_of(), &rules);
    let mut chat = world.chat("bills");
    chat.say(&world, "tunggakan iuran saya berapa").await;
    let r = chat.verify(&world, &p).await;
    assert!(
        r.has(&format!("Tunggakan: {} bulan", status.months_in_arrears)),
        "{}",
        r.text()
    );
    assert!(r.has(&status.arrears.to_string()));
    assert!(
        r.has(&format!(
            "Iuran November 2026: {}",
            status.current_month_due
        )),
        "{}",
        r.text()
    );
    assert!(
        r.has(&format!("Total agar kartu aktif kembali: *{}*", re.total)),
        "{}",
        r.text()
    );
    match &status.last_payment {
        Some(last) => assert!(r.has(&last.amount.to_string()), "{}", r.text()),
        None => assert!(r.has("Belum ada pembayaran")),
    }
}

#[tokio::test]
async fn whether_a_payment_on_a_given_day_arrived() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let last = ledger
        .payments
        .iter()
        .max_by_key(|x| x.paid_on)
        .cloned()
        .expect("the active persona pays");
    let mut chat = world.chat("payment");
    chat.say(&world, "halo").await;
    chat.verify(&world, &p).await;
    let r = chat
        .say(
            &world,
            &format!(
                "pembayaran tgl {} kemarin udah masuk belum",
                last.paid_on.format("%d-%m-%Y")
            ),
        )
        .await;
    assert!(r.has("sudah tercatat"), "{}", r.text());
    assert!(r.has(&last.amount.to_string()));
    let r = chat
        .say(&world, "pembayaran tanggal 2 november 2026 sudah masuk?")
        .await;
    if last.paid_on != chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap() {
        assert!(
            r.has("Belum ada pembayaran yang tercatat pada 2 November 2026"),
            "{}",
            r.text()
        );
    }
}

#[tokio::test]
async fn how_to_pay_gives_the_family_virtual_account_and_the_amount_due() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let family = world.store.family(p.family_id).await.unwrap().unwrap();
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let re = reactivation(&ledger, as_of(), &RulesConfig::default());
    let mut chat = world.chat("pay");
    let r = chat.say(&world, "bisa bayar lewat alfamart?").await;
    assert!(r.has("Minimarket"), "general answer first: {}", r.text());
    assert!(r.has("tanggal 10"), "{}", r.text());
    assert!(!r.has(&family.virtual_account), "no VA before verification");
    let r = chat.tap(&world, "me:cara_bayar").await;
    assert!(r.has("NIK"));
    let r = chat.verify(&world, &p).await;
    assert!(r.has(&family.virtual_account), "{}", r.text());
    assert!(r.has(&re.total.to_string()), "{}", r.text());
}

#[tokio::test]
async fn a_pbi_participant_is_active_and_pays_nothing() {
    let world = World::demo().await;
    let p = world.head(Persona::PbiApbn).await;
    let mut chat = world.chat("pbi");
    chat.say(&world, "status kartu kis saya").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has("AKTIF") && !r.has("TIDAK AKTIF"), "{}", r.text());
    assert!(r.has("dibayar oleh pemerintah"), "{}", r.text());
    let r = chat.say(&world, "no VA bpjs saya apa").await;
    assert!(r.has("tidak perlu membayar"), "{}", r.text());
}

#[tokio::test]
async fn the_penalty_is_explained_and_the_participants_own_exposure_computed() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("denda");
    let r = chat.say(&world, "denda bpjs dihitung gimana").await;
    assert!(r.has("45 hari"), "{}", r.text());
    assert!(r.has("5%"), "{}", r.text());
    assert!(r.has("Rp30.000.000"), "{}", r.text());
    assert!(r.offers("me:denda"));
    chat.tap(&world, "me:denda").await;
    let r = chat.verify(&world, &p).await;
    // 5% × 8 months = 40% of the tariff, and the window ends 45 days after today.
    assert!(r.has("40%"), "{}", r.text());
    assert!(r.has("7 Januari 2027"), "{}", r.text());
    let r = chat
        .say(&world, "kalau tarif ina cbg 8jt dendanya berapa")
        .await;
    assert!(r.has("Rp3.200.000"), "5% x 8 x 8.000.000: {}", r.text());
}

#[tokio::test]
async fn a_card_reactivated_by_payment_needs_no_request_and_a_former_employee_gets_a_case() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let ledger = world.store.ledger(p.family_id).await.unwrap();
    let re = reactivation(&ledger, as_of(), &RulesConfig::default());
    let mut chat = world.chat("aktivasi-pbpu");
    chat.say(&world, "aktifin lagi kartu bpjs").await;
    let r = chat.verify(&world, &p).await;
    assert!(r.has(&re.total.to_string()), "{}", r.text());
    assert!(r.has("tanpa perlu datang ke kantor"), "{}", r.text());

    let worker = world.head(Persona::PpuEmployerStopped).await;
    let mut chat = world.chat("aktivasi-ppu");
    chat.say(&world, "kartu dari kantor mati setelah resign")
        .await;
    let r = chat.verify(&world, &worker).await;
    assert!(r.has("peserta mandiri"), "{}", chat.transcript());
    let r = chat.say(&world, "kelas 3").await;
    assert!(r.has("Ringkasan"), "{}", chat.transcript());
    let r = chat.tap(&world, "confirm").await;
    let number = r
        .text()
        .split('*')
        .find(|w| w.starts_with("PDW-D-"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("a PDW-D case number: {}", r.text()));
    let case = world.store.case_by_number(&number).await.unwrap().unwrap();
    assert_eq!(case.kind, "aktivasi_kartu");
    assert_eq!(case.fields["move"], "ppu_ke_pbpu");
    assert_eq!(case.fields["class"], "3");
    assert_eq!(case.participant_id, Some(worker.id));
}

#[tokio::test]
async fn the_dues_of_a_class_are_answered_from_the_tariff_table_without_verification() {
    let world = World::demo().await;
    let period = jkn::TariffTable::standard()
        .period_at(jkn::YearMonth::of(as_of()))
        .unwrap();
    let two = period.mandiri_rate(jkn::CareClass::Two).unwrap();
    let mut chat = world.chat("tarif");
    let r = chat.say(&world, "iuran kelas 2 sebulan berapa sih").await;
    assert!(
        r.has(&format!("Kelas 2: {}", jkn::Rupiah(two.participant))),
        "{}",
        r.text()
    );
    assert!(
        !r.has("NIK"),
        "a public tariff needs no verification: {}",
        r.text()
    );
}

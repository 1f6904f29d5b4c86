//! Greeting, thanks, help topics, misunderstandings and the hand-off to a human.

use crate::helpers::{monday_10_wib, World};

#[tokio::test]
async fn a_greeting_gets_a_short_menu() {
    let world = World::demo().await;
    let mut chat = world.chat("salam");
    let r = chat.say(&world, "pagi min, ada orang?").await;
    assert!(r.has("Selamat pagi"), "10:00 WIB is morning: {}", r.text());
    assert!(r.has("asisten virtual"), "{}", r.text());
    let menu = r.options();
    assert!((5..=10).contains(&menu.len()), "{menu:?}");
    assert!(r.offers("intent:cek_status") && r.offers("handoff"));
}

#[tokio::test]
async fn thanks_closes_politely() {
    let world = World::demo().await;
    let mut chat = world.chat("makasih");
    chat.say(&world, "halo").await;
    let r = chat.say(&world, "siip makasih banyak").await;
    assert!(r.has("Sama-sama"), "{}", r.text());
}

#[tokio::test]
async fn out_of_scope_gets_the_menu_and_two_misunderstandings_offer_a_human() {
    let world = World::demo().await;
    let mut chat = world.chat("bingung");
    let r = chat.say(&world, "jual voucher game").await;
    assert!(
        r.has("hanya dapat membantu urusan kepesertaan JKN"),
        "{}",
        r.text()
    );
    assert!(r.offers("intent:cek_status"), "the menu follows");
    let r = chat.say(&world, "qwerty").await;
    assert!(r.has("dibantu oleh petugas"), "{}", chat.transcript());
    assert!(r.offers("handoff"));
    let r = chat.say(&world, "iya").await;
    assert!(r.has("teruskan ke petugas"), "{}", chat.transcript());
    let state = world.engine.state(&chat.sender).await.unwrap().unwrap();
    assert!(state.waiting_for_agent.is_some());
}

#[tokio::test]
async fn asking_for_a_human_marks_the_conversation_and_tells_the_branch_hours() {
    let world = World::demo().await;
    let p = world.head(demo::Persona::PbpuActive).await;
    let mut chat = world.chat("petugas");
    chat.say(&world, "cek status").await;
    chat.verify(&world, &p).await;
    let r = chat.say(&world, "tolong sambungkan ke petugas").await;
    let office = world
        .store
        .office_for_regency(p.regency_code())
        .await
        .unwrap()
        .unwrap();
    assert!(
        r.has(&office.name),
        "the participant's own branch: {}",
        r.text()
    );
    assert!(r.has("Senin–Jumat 08.00–15.00 WIB"), "{}", r.text());
    assert!(r.has("sedang bertugas"), "Monday 10:00 WIB: {}", r.text());
    let record = world
        .store
        .conversation("test", "petugas")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, "waiting_agent");
    assert_eq!(record.participant_id, Some(p.id));

    // Later messages are for the agent.
    let r = chat.say(&world, "halo? masih ada orang?").await;
    assert!(!r.has("hanya dapat membantu"), "{}", r.text());

    // Outside working hours the next opening is named, in local time.
    let mut night = world.chat("malam");
    night.now = monday_10_wib() + chrono::Duration::hours(10);
    night.say(&world, "cek status").await;
    night.verify(&world, &p).await;
    let r = night.say(&world, "mau ngomong sama cs").await;
    assert!(r.has("besok pukul 08.00 WIB"), "{}", r.text());
}

#[tokio::test]
async fn online_queue_help() {
    let world = World::demo().await;
    let mut chat = world.chat("antrean");
    let r = chat.say(&world, "daftar antrian poli umum besok").await;
    assert!(r.has("Mobile JKN") && r.has("poli"), "{}", r.text());
    assert!(r.offers("intent:lokasi_faskes"));
}

#[tokio::test]
async fn a_referral_date_is_checked_against_the_90_days() {
    let world = World::demo().await;
    let mut chat = world.chat("rujukan");
    let r = chat.say(&world, "rujukan ke rs berlaku berapa hari").await;
    assert!(r.has("90 hari"), "{}", r.text());
    let r = chat
        .say(&world, "rujukan saya tgl 1 september 2026 masih berlaku?")
        .await;
    // Issued 1 September: valid through 29 November, 7 days left on 23 November.
    assert!(r.has("29 November 2026"), "{}", r.text());
    assert!(r.has("7 hari lagi"), "{}", r.text());
}

#[tokio::test]
async fn mobile_jkn_help_by_topic() {
    let world = World::demo().await;
    let mut chat = world.chat("mjkn");
    let r = chat.say(&world, "otp mobile jkn gak masuk").await;
    assert!(r.has("Kode OTP"), "{}", r.text());
    let r = chat.say(&world, "aplikasi mobile jkn").await;
    assert!(
        r.offers("help:mobile_jkn:daftar"),
        "topics offered: {}",
        r.text()
    );
    let r = chat.tap(&world, "help:mobile_jkn:daftar").await;
    assert!(r.has("Membuat akun"), "{}", r.text());
}

#[tokio::test]
async fn service_channels() {
    let world = World::demo().await;
    let mut chat = world.chat("kanal");
    let r = chat.say(&world, "nomor care center bpjs").await;
    assert!(
        r.has("165") && r.has("PANDAWA") && r.has("CHIKA"),
        "{}",
        r.text()
    );
}

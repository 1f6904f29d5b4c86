//! Conversation behaviour: topic switches, short answers in context, never asking twice, idle
//! recap, restarts, and every turn stored.

use crate::helpers::World;
use demo::Persona;

#[tokio::test]
async fn a_topic_switch_mid_form_is_answered_and_the_form_offered_back() {
    let world = World::demo().await;
    let mut chat = world.chat("switch");
    chat.say(&world, "mau daftar bpjs baru").await;
    let nik = jkn::Nik::compose(
        350920,
        chrono::NaiveDate::from_ymd_opt(1990, 1, 5).unwrap(),
        jkn::Sex::Laki,
        55,
    )
    .unwrap();
    let r = chat.say(&world, nik.expose()).await;
    assert!(r.has("nama lengkap"), "{}", r.text());

    let r = chat
        .say(&world, "eh kantor bpjs di jember buka jam berapa ya")
        .await;
    assert!(
        r.has("Kantor Cabang"),
        "the new topic is answered: {}",
        chat.transcript()
    );
    assert!(
        r.offers("resume"),
        "the form is offered back: {:?}",
        r.options()
    );

    let r = chat.tap(&world, "resume").await;
    assert!(
        r.has("nama lengkap"),
        "continues where it was: {}",
        r.text()
    );
    assert!(!r.has("NIK calon peserta"), "the NIK is not asked again");
}

#[tokio::test]
async fn a_topic_switch_while_verifying_keeps_what_was_given() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("switch-identity");
    chat.say(&world, "cek status kartu").await;
    chat.say(&world, p.nik.expose()).await;
    let r = chat.say(&world, "rujukan ke rs berlaku berapa hari").await;
    assert!(r.has("90 hari"), "{}", r.text());
    let r = chat.say(&world, "tagihan saya berapa").await;
    assert!(
        r.has("tanggal lahir"),
        "only the missing half is asked: {}",
        r.text()
    );
    assert!(!r.has("NIK (16 angka)"), "{}", r.text());
    let r = chat
        .say(&world, &p.birth_date.format("%d-%m-%Y").to_string())
        .await;
    assert!(r.has("Tagihan iuran keluarga"), "{}", chat.transcript());
}

#[tokio::test]
async fn once_verified_nothing_is_asked_twice() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("no-repeat");
    chat.say(&world, "status kartu saya").await;
    chat.verify(&world, &p).await;
    for question in ["tagihan saya berapa", "no VA saya apa", "bisa dicicil?"] {
        let r = chat.say(&world, question).await;
        assert!(!r.has("NIK"), "{question}: {}", r.text());
    }
}

#[tokio::test]
async fn after_thirty_idle_minutes_the_conversation_starts_fresh_with_a_recap() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let mut chat = world.chat("idle");
    chat.say(&world, "tagihan saya").await;
    chat.verify(&world, &p).await;
    chat.now += chrono::Duration::minutes(31);
    let r = chat.say(&world, "halo").await;
    assert!(r.has("30 menit"), "{}", r.text());
    assert!(
        r.has("tagihan iuran"),
        "the last topic is recalled: {}",
        r.text()
    );
    assert!(r.offers("intent:tagihan"), "and offered: {:?}", r.options());
    let r = chat.tap(&world, "intent:tagihan").await;
    assert!(
        r.has("NIK"),
        "a fresh conversation verifies again: {}",
        r.text()
    );
}

#[tokio::test]
async fn a_restart_mid_conversation_continues_where_it_was() {
    let mut world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("restart");
    chat.say(&world, "tunggakan bisa dicicil gak").await;
    chat.say(&world, p.card_number.expose()).await;
    world.restart().await;
    let r = chat
        .say(&world, &p.birth_date.format("%d/%m/%Y").to_string())
        .await;
    assert!(r.has("terverifikasi"), "{}", chat.transcript());
    assert!(
        r.has("2 sampai 4 kali cicilan"),
        "the question before the restart: {}",
        r.text()
    );
    world.restart().await;
    let r = chat.say(&world, "iya").await;
    assert!(r.has("Pendaftaran REHAB berhasil"), "{}", chat.transcript());
}

#[tokio::test]
async fn short_answers_are_understood_in_context() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("context");
    chat.say(&world, "rehab itu program apa ya").await;
    chat.verify(&world, &p).await;
    // "gak" declines the offer instead of being a misunderstanding.
    let r = chat.say(&world, "gak").await;
    assert!(r.has("tidak saya daftarkan"), "{}", r.text());
    assert!(world
        .store
        .latest_rehab_plan(p.family_id)
        .await
        .unwrap()
        .is_none());
    // A number picks the offered option by position.
    let r = chat.say(&world, "menu").await;
    let second = r.options()[1].clone();
    assert_eq!(second.0, "intent:tagihan");
    let r = chat.say(&world, "2").await;
    assert!(r.has("Tagihan iuran keluarga"), "{}", r.text());
}

#[tokio::test]
async fn every_turn_is_stored_for_the_agents() {
    let world = World::demo().await;
    let mut chat = world.chat("audit");
    let a = chat.say(&world, "halo").await;
    let b = chat.say(&world, "faskes terdekat").await;
    let turns = world
        .store
        .recent_turns("test", "audit", 100)
        .await
        .unwrap();
    assert_eq!(turns.len(), 2 + a.0.len() + b.0.len());
    let inbound: Vec<&str> = turns
        .iter()
        .filter(|t| t.direction == "in")
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(inbound, ["faskes terdekat", "halo"]);
    assert_eq!(
        turns
            .iter()
            .find(|t| t.text == "faskes terdekat")
            .unwrap()
            .intent
            .as_deref(),
        Some("lokasi_faskes")
    );
}

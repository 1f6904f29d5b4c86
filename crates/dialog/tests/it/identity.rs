//! Proving who you are before any personal data: in one message or two, in any common date
//! format, limited attempts, and nothing disclosed by a wrong answer.

use crate::helpers::World;
use demo::Persona;
use dialog::Inbound;
use jkn::{Msisdn, Nik, Sex};

#[tokio::test]
async fn a_participant_gives_nik_and_birth_date_in_one_message_and_sees_their_status() {
    let world = World::demo().await;
    let budi = world.head(Persona::PbpuArrears8).await;
    let mut chat = world.chat("one-message");
    let r = chat.say(&world, "kartu saya aktif gak?").await;
    assert!(r.has("NIK"), "asks for identity first: {}", r.text());
    assert!(!r.has(&budi.name));

    let r = chat
        .say(
            &world,
            &format!(
                "NIK {} lahir {}",
                budi.nik.expose(),
                budi.birth_date.format("%d/%m/%Y")
            ),
        )
        .await;
    assert!(r.has("terverifikasi"), "{}", chat.transcript());
    assert!(r.has(&budi.name));
    assert!(
        r.has("TIDAK AKTIF"),
        "the question asked first is answered: {}",
        r.text()
    );
}

#[tokio::test]
async fn identity_across_two_messages_with_a_card_number_and_a_written_date() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let mut chat = world.chat("two-messages");
    chat.say(&world, "mau cek tagihan saya").await;
    let r = chat.say(&world, p.card_number.expose()).await;
    assert!(r.has("tanggal lahir"), "{}", chat.transcript());
    assert!(!r.has(&p.name), "nothing shown before the birth date");

    let months = [
        "januari",
        "februari",
        "maret",
        "april",
        "mei",
        "juni",
        "juli",
        "agustus",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    use chrono::Datelike;
    let written = format!(
        "{} {} {}",
        p.birth_date.day(),
        months[p.birth_date.month0() as usize],
        p.birth_date.year()
    );
    let r = chat.say(&world, &written).await;
    assert!(r.has("terverifikasi"), "{}", chat.transcript());
    assert!(r.has("Tagihan iuran keluarga"), "{}", r.text());
}

#[tokio::test]
async fn a_birth_date_first_then_the_nik_also_works() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let mut chat = world.chat("date-first");
    chat.say(&world, "status bpjs saya").await;
    let r = chat
        .say(&world, &p.birth_date.format("%Y-%m-%d").to_string())
        .await;
    assert!(r.has("NIK"), "asks for the other half: {}", r.text());
    assert!(
        !r.has("tanggal lahir Anda, misalnya"),
        "never asks for the date twice"
    );
    let r = chat.say(&world, p.nik.expose()).await;
    assert!(r.has("terverifikasi"), "{}", chat.transcript());
}

/// The same words for a real NIK with a wrong birth date as for an NIK nobody has.
#[tokio::test]
async fn a_wrong_birth_date_discloses_nothing() {
    let world = World::demo().await;
    let real = world.head(Persona::PbpuArrears8).await;
    let wrong_date = real.birth_date + chrono::Duration::days(1);
    // A well-formed NIK from the same district that no participant has.
    let nobody = (9000..9999u16)
        .map(|serial| {
            Nik::compose(real.nik.district_code(), wrong_date, Sex::Laki, serial).unwrap()
        })
        .find(|n| n != &real.nik)
        .unwrap();
    assert!(world
        .store
        .participant_by_nik(&nobody)
        .await
        .unwrap()
        .is_none());

    let mut a = world.chat("wrong-a");
    let mut b = world.chat("wrong-b");
    a.say(&world, "cek status").await;
    b.say(&world, "cek status").await;
    let date = wrong_date.format("%d-%m-%Y").to_string();
    let ra = a
        .say(&world, &format!("{} {date}", real.nik.expose()))
        .await;
    let rb = b.say(&world, &format!("{} {date}", nobody.expose())).await;
    assert_eq!(
        ra.text(),
        rb.text(),
        "an existing NIK must not be told apart"
    );
    assert!(ra.has("tidak cocok"), "{}", ra.text());
    for secret in [real.name.as_str(), "aktif", "tunggakan", "Rp"] {
        assert!(!ra.has(secret), "'{secret}' leaked: {}", ra.text());
    }
    let state = world.engine.state(&a.sender).await.unwrap().unwrap();
    assert!(state.identity.is_none());
}

#[tokio::test]
async fn failed_attempts_are_limited_and_then_even_the_right_answer_waits() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let mut chat = world.chat("attempts");
    chat.say(&world, "cek status").await;
    let wrong = (p.birth_date + chrono::Duration::days(3))
        .format("%d-%m-%Y")
        .to_string();
    let r1 = chat
        .say(&world, &format!("{} {wrong}", p.nik.expose()))
        .await;
    assert!(r1.has("Sisa percobaan: 2"), "{}", r1.text());
    chat.say(&world, &format!("{} {wrong}", p.nik.expose()))
        .await;
    let r3 = chat
        .say(&world, &format!("{} {wrong}", p.nik.expose()))
        .await;
    assert!(r3.has("dihentikan sementara"), "{}", chat.transcript());
    let right = p.birth_date.format("%d-%m-%Y").to_string();
    chat.say(&world, "cek status").await;
    let r4 = chat
        .say(&world, &format!("{} {right}", p.nik.expose()))
        .await;
    assert!(!r4.has("terverifikasi"), "{}", chat.transcript());
    assert!(r4.has("dihentikan sementara"), "{}", r4.text());
}

#[tokio::test]
async fn attempts_on_one_identity_are_limited_across_senders() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears15).await;
    let wrong = (p.birth_date + chrono::Duration::days(2))
        .format("%d-%m-%Y")
        .to_string();
    // Five senders, one wrong try each: the identity is then locked for the hour.
    for i in 0..5 {
        let mut chat = world.chat(&format!("attacker-{i}"));
        chat.say(&world, "cek status").await;
        chat.say(&world, &format!("{} {wrong}", p.nik.expose()))
            .await;
    }
    let mut owner = world.chat("owner");
    owner.say(&world, "cek status").await;
    let right = p.birth_date.format("%d-%m-%Y").to_string();
    let r = owner
        .say(&world, &format!("{} {right}", p.nik.expose()))
        .await;
    assert!(r.has("dihentikan sementara"), "{}", owner.transcript());
}

#[tokio::test]
async fn a_matching_whatsapp_number_is_acknowledged_but_the_birth_date_is_still_asked() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears8).await;
    let phone: Msisdn = p.phone.clone().unwrap();
    let mut chat = world.chat(phone.expose());
    chat.sender.channel = "whatsapp".into();
    chat.sender.verified_phone = Some(phone);
    chat.say(&world, "tagihan saya berapa").await;
    let r = chat.say(&world, p.nik.expose()).await;
    assert!(r.has("sama dengan nomor yang terdaftar"), "{}", r.text());
    assert!(r.has("tanggal lahir"), "{}", r.text());
    assert!(!r.has(&p.name));

    // Someone else's NIK from this phone gets the plain question.
    let other = world.head(Persona::PbpuActive).await;
    let mut chat2 = world.chat("other");
    chat2.sender.channel = "whatsapp".into();
    chat2.sender.verified_phone = p.phone.clone();
    chat2.say(&world, "tagihan").await;
    let r = chat2.say(&world, other.nik.expose()).await;
    assert!(!r.has("sama dengan nomor"), "{}", r.text());
}

#[tokio::test]
async fn verification_covers_the_family_card_and_a_wife_status_is_answered() {
    let world = World::demo().await;
    let head = world.head(Persona::PbpuActive).await;
    let members = world.store.family_members(head.family_id).await.unwrap();
    let wife = members
        .iter()
        .find(|m| m.relation == store::Relation::Istri)
        .expect("the active persona family has a wife");
    let mut chat = world.chat("family");
    chat.say(&world, "halo").await;
    chat.verify(&world, &head).await;
    let r = chat.say(&world, "bpjs istri saya aktif nggak").await;
    assert!(r.has(&wife.name), "{}", chat.transcript());
    assert!(r.has("AKTIF") && !r.has("TIDAK AKTIF"), "{}", r.text());
    assert!(
        !r.has("NIK"),
        "no second verification for the same family card"
    );
}

#[tokio::test]
async fn verification_expires_after_thirty_minutes() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuActive).await;
    let mut chat = world.chat("expiry");
    chat.say(&world, "cek status").await;
    chat.verify(&world, &p).await;
    chat.now += chrono::Duration::minutes(29);
    let r = chat.say(&world, "tagihan saya").await;
    assert!(r.has("Tagihan iuran keluarga"), "{}", r.text());
    chat.now += chrono::Duration::minutes(31);
    let r = chat.say(&world, "tagihan saya").await;
    assert!(r.has("NIK"), "asks again after expiry: {}", r.text());
}

#[tokio::test]
async fn after_a_typo_in_the_birth_date_the_corrected_date_alone_is_enough() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let mut chat = world.chat("typo");
    chat.say(&world, "cek status").await;
    chat.say(&world, p.nik.expose()).await;
    let typo = (p.birth_date + chrono::Duration::days(365))
        .format("%d-%m-%Y")
        .to_string();
    let r = chat.say(&world, &typo).await;
    assert!(r.has("Sisa percobaan: 2"), "{}", r.text());
    // A question in between is not another attempt.
    let r = chat.say(&world, "tagihan saya berapa").await;
    assert!(!r.has("Sisa percobaan"), "{}", r.text());
    assert!(r.has("diperbaiki"), "{}", r.text());
    let r = chat
        .say(&world, &p.birth_date.format("%d-%m-%Y").to_string())
        .await;
    assert!(r.has("terverifikasi"), "{}", chat.transcript());
    assert!(
        r.has("Tagihan iuran keluarga"),
        "the latest question is answered: {}",
        r.text()
    );
}

/// A participant who sends the NIK and the birth date in two quick messages (both in flight at
/// once, as over a slow connection) is verified: neither turn's state overwrites the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_messages_sent_at_once_are_both_remembered() {
    let world = World::demo().await;
    let p = world.head(Persona::PbpuArrears2).await;
    let mut chat = world.chat("double-send");
    chat.say(&world, "status bpjs saya").await;
    let nik = Inbound::Text {
        text: p.nik.expose().to_string(),
    };
    let date = Inbound::Text {
        text: p.birth_date.format("%d-%m-%Y").to_string(),
    };
    let (a, b) = tokio::join!(
        world.engine.handle(&chat.sender, nik, chat.now),
        world.engine.handle(&chat.sender, date, chat.now),
    );
    let said: Vec<String> = a
        .unwrap()
        .iter()
        .chain(b.unwrap().iter())
        .map(|m| m.body().to_string())
        .collect();
    assert!(
        said.iter().any(|t| t.contains("terverifikasi")),
        "the second of two simultaneous messages completes the identity: {said:?}"
    );
}

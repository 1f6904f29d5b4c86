//! Facilities and branch offices: nearest first, with distance and opening status in local time.

use crate::helpers::{monday_10_wib, World};
use directory::{distance_m, FacilityKind, Point};
use store::{FacilityId, NewClosure};

const ALUN_ALUN_JEMBER: (f64, f64) = (-8.1689, 113.7022);

#[tokio::test]
async fn a_sender_near_alun_alun_jember_gets_facilities_in_jember_sorted_by_distance() {
    let world = World::demo().await;
    let mut chat = world.chat("near-me");
    let r = chat.say(&world, "puskesmas deket sini mana").await;
    assert!(r.asks_for_location(), "asks where: {}", r.text());
    let r = chat
        .share_location(&world, ALUN_ALUN_JEMBER.0, ALUN_ALUN_JEMBER.1)
        .await;
    let here = Point::new(ALUN_ALUN_JEMBER.0, ALUN_ALUN_JEMBER.1).unwrap();
    let ids: Vec<i64> = r
        .options()
        .iter()
        .filter_map(|(id, _)| id.strip_prefix("fac:")?.parse().ok())
        .collect();
    assert!(ids.len() >= 3, "{}", r.text());
    let mut distances = Vec::new();
    for id in &ids {
        let f = world
            .store
            .facility(FacilityId(*id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.regency_code, 3509, "{} is in Jember", f.name);
        assert_eq!(f.kind, FacilityKind::Puskesmas, "the kind asked for");
        distances.push(distance_m(
            here,
            Point {
                lat: f.latitude,
                lon: f.longitude,
            },
        ));
    }
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {distances:?}"
    );
    assert!(
        r.has(" km") || r.has(" m\n"),
        "distances shown: {}",
        r.text()
    );
    assert!(
        r.has("Buka") || r.has("Tutup"),
        "opening status shown: {}",
        r.text()
    );
    let pins = r.pins();
    assert_eq!(pins.len(), 1, "a pin for the nearest");
    let nearest = world
        .store
        .facility(FacilityId(ids[0]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pins[0].2, nearest.name);

    // Choosing one gives its details and pin; the location is not asked again.
    let r = chat.tap(&world, &format!("fac:{}", ids[1])).await;
    assert!(r.has("Jam buka"), "{}", r.text());
    assert!(r.has("Jarak dari lokasi Anda"), "{}", r.text());
    let r = chat.say(&world, "rumah sakit terdekat").await;
    assert!(
        !r.asks_for_location(),
        "the shared location is reused: {}",
        r.text()
    );
    assert!(r.has("Rumah Sakit"), "{}", r.text());
}

#[tokio::test]
async fn hospitals_in_a_named_regency() {
    let world = World::demo().await;
    let mut chat = world.chat("named");
    let r = chat.say(&world, "rs yang terima bpjs di jember").await;
    let ids: Vec<i64> = r
        .options()
        .iter()
        .filter_map(|(id, _)| id.strip_prefix("fac:")?.parse().ok())
        .collect();
    assert!(!ids.is_empty(), "{}", r.text());
    for id in ids {
        let f = world.store.facility(FacilityId(id)).await.unwrap().unwrap();
        assert_eq!(
            (f.regency_code, f.kind),
            (3509, FacilityKind::RumahSakit),
            "{}",
            f.name
        );
    }
    assert!(r.has("Kab. Jember"), "{}", r.text());
}

#[tokio::test]
async fn a_district_typed_after_the_question_lists_its_facilities() {
    let world = World::demo().await;
    let mut chat = world.chat("district");
    let r = chat.say(&world, "faskes terdekat").await;
    assert!(r.asks_for_location());
    let r = chat.say(&world, "patrang").await;
    let ids: Vec<i64> = r
        .options()
        .iter()
        .filter_map(|(id, _)| id.strip_prefix("fac:")?.parse().ok())
        .collect();
    assert!(!ids.is_empty(), "{}", chat.transcript());
    for id in ids {
        let f = world.store.facility(FacilityId(id)).await.unwrap().unwrap();
        assert_eq!(f.district_code, 350920, "{} is in Patrang", f.name);
    }
}

#[tokio::test]
async fn the_jember_branch_office_with_hours_in_local_time_and_open_now() {
    let world = World::demo().await;
    let mut chat = world.chat("office");
    let r = chat
        .say(&world, "kantor bpjs jember alamatnya dimana")
        .await;
    let office = world.store.office_for_regency(3509).await.unwrap().unwrap();
    assert!(r.has(&office.name), "{}", r.text());
    assert!(r.has(&office.address));
    assert!(r.has("Senin–Jumat 08.00–15.00 WIB"), "{}", r.text());
    assert!(
        r.has("Buka, tutup hari ini pukul 15.00 WIB"),
        "Monday 10:00 WIB: {}",
        r.text()
    );
    assert_eq!(r.pins().len(), 1);

    // In the evening the same office is closed and opens tomorrow at 08.00.
    chat.now = monday_10_wib() + chrono::Duration::hours(9);
    let r = chat
        .say(&world, "kantor cabang jember buka jam berapa")
        .await;
    assert!(r.has("Tutup, buka besok pukul 08.00 WIB"), "{}", r.text());
}

#[tokio::test]
async fn a_closed_office_names_the_closure_and_the_online_alternatives() {
    let world = World::demo().await;
    let office = world.store.office_for_regency(3509).await.unwrap().unwrap();
    world
        .store
        .add_closure(NewClosure {
            office_id: office.id,
            starts_at: monday_10_wib() - chrono::Duration::hours(2),
            ends_at: monday_10_wib() + chrono::Duration::days(3),
            reason: "Disinfeksi gedung".into(),
            message: "Seorang petugas positif COVID-19.".into(),
            alternatives: vec!["PANDAWA 08118165165".into(), "Mobile JKN".into()],
            created_at: monday_10_wib() - chrono::Duration::hours(3),
            created_by: "admin".into(),
        })
        .await
        .unwrap();
    let mut chat = world.chat("closed");
    let r = chat
        .say(&world, "kantor bpjs di jember hari ini buka?")
        .await;
    assert!(r.has("ditutup sementara"), "{}", r.text());
    assert!(r.has("PANDAWA 08118165165"), "{}", r.text());
    assert!(r.has("Mobile JKN"));
    assert!(r.has("Tutup"), "{}", r.text());
}

#[tokio::test]
async fn the_own_branch_is_found_for_a_verified_participant() {
    let world = World::demo().await;
    let p = world.head(demo::Persona::Ppu).await;
    let mut chat = world.chat("own-branch");
    chat.say(&world, "cek status").await;
    chat.verify(&world, &p).await;
    let r = chat.say(&world, "kantor cabang buka jam berapa").await;
    let office = world
        .store
        .office_for_regency(p.regency_code())
        .await
        .unwrap()
        .unwrap();
    assert!(r.has(&office.name), "{}", r.text());
    assert!(r.has("WITA"), "Makassar's own time zone: {}", r.text());
}

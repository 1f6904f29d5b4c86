//! The facility finder: nearby candidates and search by place and name.

use crate::fixtures::{around_jember, seeded, JEMBER, JOMBANG, SURABAYA};
use crate::harness::{story, Harness};
use directory::FacilityKind;
use store::{FacilityId, FacilitySearch};

fn names(facilities: &[store::Facility]) -> Vec<&str> {
    facilities.iter().map(|f| f.name.as_str()).collect()
}

async fn facilities_inside_a_box_are_returned_and_those_outside_are_not(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;

    // 5 km around the centre of Jember: three in town; Kencong (35 km) and Surabaya are out.
    let near = db
        .store
        .facilities_in_box(around_jember(5_000.0), None)
        .await
        .unwrap();
    assert_eq!(
        names(&near),
        [
            "Klinik Pratama Sehat Jember",
            "RSUD dr. Soebandi",
            "Apotek Kimia Farma Jember",
            "PUSKESMAS SUMBERSARI"
        ]
    );
    // What comes back is the whole record.
    assert_eq!(near[1], world.batch.facilities[2]);

    let hospitals = db
        .store
        .facilities_in_box(around_jember(5_000.0), Some(FacilityKind::RumahSakit))
        .await
        .unwrap();
    assert_eq!(names(&hospitals), ["RSUD dr. Soebandi"]);

    // Widening the box brings Kencong in.
    let wide = db
        .store
        .facilities_in_box(around_jember(60_000.0), Some(FacilityKind::Puskesmas))
        .await
        .unwrap();
    assert_eq!(names(&wide), ["Puskesmas Kencong", "PUSKESMAS SUMBERSARI"]);
}
story!(facilities_inside_a_box_are_returned_and_those_outside_are_not);

async fn facilities_are_searched_by_regency_district_and_name_ignoring_case(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let search = |q: FacilitySearch| {
        let store = db.store.clone();
        async move { store.search_facilities(&q).await.unwrap() }
    };

    let in_jember = search(FacilitySearch {
        regency_code: Some(JEMBER),
        limit: 10,
        ..FacilitySearch::default()
    })
    .await;
    // Sorted by name.
    assert_eq!(
        names(&in_jember),
        [
            "Apotek Kimia Farma Jember",
            "Klinik Pratama Sehat Jember",
            "PUSKESMAS SUMBERSARI",
            "Puskesmas Kencong",
            "RSUD dr. Soebandi"
        ]
    );

    let puskesmas = search(FacilitySearch {
        name_contains: Some("puskesmas".into()),
        limit: 10,
        ..FacilitySearch::default()
    })
    .await;
    assert_eq!(
        names(&puskesmas),
        [
            "PUSKESMAS SUMBERSARI",
            "Puskesmas Kencong",
            "Puskesmas Rungkut"
        ]
    );

    let in_town = search(FacilitySearch {
        district_code: Some(JOMBANG),
        name_contains: Some("JEMBER".into()),
        kind: Some(FacilityKind::Apotek),
        limit: 10,
        ..FacilitySearch::default()
    })
    .await;
    assert_eq!(names(&in_town), ["Apotek Kimia Farma Jember"]);

    let surabaya = search(FacilitySearch {
        regency_code: Some(SURABAYA),
        name_contains: Some("kencong".into()),
        limit: 10,
        ..FacilitySearch::default()
    })
    .await;
    assert!(surabaya.is_empty());

    let first_two = search(FacilitySearch {
        limit: 2,
        ..FacilitySearch::default()
    })
    .await;
    assert_eq!(first_two.len(), 2);

    // The text is matched literally: a wildcard character matches nothing here.
    let wildcard = search(FacilitySearch {
        name_contains: Some("%".into()),
        limit: 10,
        ..FacilitySearch::default()
    })
    .await;
    assert!(wildcard.is_empty());

    assert_eq!(
        db.store.facility(FacilityId(5)).await.unwrap().as_ref(),
        Some(&world.batch.facilities[4])
    );
    assert_eq!(db.store.facility(FacilityId(99)).await.unwrap(), None);
}
story!(facilities_are_searched_by_regency_district_and_name_ignoring_case);

//! Finding participants and their families.

use crate::fixtures::{date, nik, seeded, KENCONG};
use crate::harness::{story, Harness};
use jkn::{Segment, Sex};
use store::{FamilyId, ImportBatch, ParticipantId, SampleFilter, StoreError};

async fn a_participant_is_found_by_nik_and_by_card_and_not_by_a_neighbours_nik(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;

    let by_nik = db.store.participant_by_nik(&world.budi.nik).await.unwrap();
    assert_eq!(by_nik.as_ref(), Some(&world.budi));

    let by_card = db
        .store
        .participant_by_card(&world.siti.card_number)
        .await
        .unwrap();
    assert_eq!(by_card.as_ref(), Some(&world.siti));

    // Same district and birth date as Budi, another serial: a neighbour who is not registered.
    let neighbour = nik(KENCONG, date(1985, 6, 17), Sex::Laki, 9);
    assert_eq!(db.store.participant_by_nik(&neighbour).await.unwrap(), None);
    assert_eq!(
        db.store.participant(ParticipantId(9_999)).await.unwrap(),
        None
    );

    // By registered mobile number (the voice line's caller), in both written forms.
    let budis = world.budi.phone.clone().expect("Budi has a phone");
    let by_phone = db.store.participants_by_phone(&budis, 5).await.unwrap();
    assert_eq!(by_phone, std::slice::from_ref(&world.budi));
    let local = jkn::Msisdn::parse(&budis.local()).unwrap();
    assert_eq!(
        db.store.participants_by_phone(&local, 5).await.unwrap(),
        by_phone
    );
    let nobody = jkn::Msisdn::parse("085799990001").unwrap();
    assert!(db
        .store
        .participants_by_phone(&nobody, 5)
        .await
        .unwrap()
        .is_empty());
}
story!(a_participant_is_found_by_nik_and_by_card_and_not_by_a_neighbours_nik);

async fn every_field_of_a_participant_comes_back_as_stored(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    // With phone and e-mail, without an FKTP: the optional fields both ways.
    for p in [&world.pekerja, &world.budi, &world.tetangga] {
        assert_eq!(db.store.participant(p.id).await.unwrap().as_ref(), Some(p));
    }
    assert_eq!(
        db.store.family(world.pekerja_family.id).await.unwrap(),
        Some(world.pekerja_family.clone())
    );
    assert_eq!(
        db.store.family(world.budi_family.id).await.unwrap(),
        Some(world.budi_family.clone())
    );
    assert_eq!(db.store.family(FamilyId(404)).await.unwrap(), None);
}
story!(every_field_of_a_participant_comes_back_as_stored);

async fn a_family_lists_its_head_first_then_the_others_by_birth_date(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let members = db.store.family_members(world.budi_family.id).await.unwrap();
    let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Budi Santoso",
            "Siti Aminah",
            "Ayu Santoso",
            "Rizky Santoso"
        ]
    );
    assert_eq!(members[2], world.putri);
    assert!(db
        .store
        .family_members(FamilyId(404))
        .await
        .unwrap()
        .is_empty());
}
story!(a_family_lists_its_head_first_then_the_others_by_birth_date);

async fn a_demo_sample_picks_heads_with_a_phone_in_a_segment(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let reachable_heads = db
        .store
        .sample_participants(
            SampleFilter {
                segment: None,
                heads_only: true,
                with_phone: true,
            },
            10,
        )
        .await
        .unwrap();
    let ids: Vec<_> = reachable_heads.iter().map(|p| p.id).collect();
    assert_eq!(ids, [world.budi.id, world.pekerja.id]);

    let pbi = db
        .store
        .sample_participants(
            SampleFilter {
                segment: Some(Segment::PbiApbn),
                ..SampleFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(pbi, std::slice::from_ref(&world.tetangga));

    let everyone_but_limited = db
        .store
        .sample_participants(SampleFilter::default(), 2)
        .await
        .unwrap();
    assert_eq!(everyone_but_limited.len(), 2);
}
story!(a_demo_sample_picks_heads_with_a_phone_in_a_segment);

async fn a_second_registration_with_the_same_nik_is_refused_whole(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let mut twin = world.siti.clone();
    twin.id = ParticipantId(500);
    twin.card_number = crate::fixtures::card(77);
    let mut newcomer = world.anak.clone();
    newcomer.id = ParticipantId(501);
    newcomer.nik = nik(KENCONG, date(2020, 2, 2), Sex::Laki, 42);
    newcomer.card_number = crate::fixtures::card(78);

    let result = db
        .store
        .import(ImportBatch {
            participants: vec![newcomer.clone(), twin],
            ..ImportBatch::default()
        })
        .await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    // One transaction per batch: the valid newcomer was not kept either.
    assert_eq!(db.store.participant(newcomer.id).await.unwrap(), None);
    assert_eq!(db.store.counts().await.unwrap().participants, 6);
}
story!(a_second_registration_with_the_same_nik_is_refused_whole);

//! Branch offices and their declared closures.

use crate::fixtures::{at, seeded, JEMBER, SURABAYA};
use crate::harness::{story, Harness};
use store::{NewClosure, OfficeId, StoreError};

async fn an_office_serves_its_regencies(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let jember = db.store.office_for_regency(JEMBER).await.unwrap();
    assert_eq!(jember.as_ref(), Some(&world.batch.offices[0]));
    // Bondowoso (3511) is served from Jember too.
    assert_eq!(
        db.store
            .office_for_regency(3511)
            .await
            .unwrap()
            .map(|o| o.id),
        Some(OfficeId(1))
    );
    assert_eq!(
        db.store
            .office_for_regency(SURABAYA)
            .await
            .unwrap()
            .map(|o| o.id),
        Some(OfficeId(2))
    );
    // Jakarta Pusat has no branch in this world.
    assert_eq!(db.store.office_for_regency(3171).await.unwrap(), None);

    assert_eq!(db.store.offices().await.unwrap(), world.batch.offices);
    assert_eq!(
        db.store.office(OfficeId(2)).await.unwrap().as_ref(),
        Some(&world.batch.offices[1])
    );
    assert_eq!(db.store.office(OfficeId(3)).await.unwrap(), None);
}
story!(an_office_serves_its_regencies);

fn closure(office: i64, starts: (u32, u32), ends: (u32, u32), reason: &str) -> NewClosure {
    NewClosure {
        office_id: OfficeId(office),
        starts_at: at(2026, starts.0, starts.1, 1, 0),
        ends_at: at(2026, ends.0, ends.1, 9, 0),
        reason: reason.to_string(),
        message: format!("Kantor tutup: {reason}"),
        alternatives: vec!["WhatsApp PANDAWA 08118165165".into(), "Mobile JKN".into()],
        created_at: at(2026, 3, 1, 2, 30),
        created_by: "kepala.cabang".into(),
    }
}

async fn closures_that_have_not_ended_come_soonest_first(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let now = at(2026, 3, 10, 0, 0);
    let ended = db
        .store
        .add_closure(closure(1, (3, 2), (3, 4), "sterilisasi"))
        .await
        .unwrap();
    let later = db
        .store
        .add_closure(closure(1, (4, 1), (4, 3), "cuti bersama"))
        .await
        .unwrap();
    let ongoing = db
        .store
        .add_closure(closure(1, (3, 9), (3, 12), "lockdown"))
        .await
        .unwrap();
    let elsewhere = db
        .store
        .add_closure(closure(2, (3, 11), (3, 12), "banjir"))
        .await
        .unwrap();
    assert!(ended.id != later.id && later.id != ongoing.id);

    let open = db.store.closures(OfficeId(1), now).await.unwrap();
    assert_eq!(open, [ongoing.clone(), later.clone()]);
    assert_eq!(
        db.store.closures(OfficeId(2), now).await.unwrap(),
        [elsewhere]
    );
    // After the lockdown ends only the holiday remains.
    assert_eq!(
        db.store
            .closures(OfficeId(1), at(2026, 3, 12, 9, 0))
            .await
            .unwrap(),
        [later]
    );
}
story!(closures_that_have_not_ended_come_soonest_first);

async fn a_closure_of_an_unknown_office_is_refused(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let result = db.store.add_closure(closure(9, (3, 9), (3, 12), "x")).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
}
story!(a_closure_of_an_unknown_office_is_refused);

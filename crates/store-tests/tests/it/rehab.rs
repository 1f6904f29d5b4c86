//! REHAB plans are kept whole, as the rules engine made them, and the latest one is found.

use crate::fixtures::{at, date, seeded};
use crate::harness::{story, Harness};
use jkn::{
    simulate_rehab, CareClass, ReactivationInput, RehabPlan, RehabSimulationInput, RulesConfig,
    Segment, TariffTable,
};
use store::NewRehabPlan;

fn plan(months: i64, instalments: u32) -> RehabPlan {
    let input = RehabSimulationInput {
        arrears: ReactivationInput {
            segment: Segment::Pbpu,
            class: Some(CareClass::Three),
            members: 4,
            wage: None,
            months_unpaid: months,
            date: date(2026, 3, 10),
        },
        current_segment: None,
        variant: None,
        instalments: Some(instalments),
    };
    simulate_rehab(&input, TariffTable::standard(), &RulesConfig::default())
        .unwrap()
        .plan
        .expect("eligible")
}

async fn a_registered_rehab_plan_comes_back_whole_and_the_latest_wins(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let family = world.budi_family.id;
    assert!(db.store.latest_rehab_plan(family).await.unwrap().is_none());

    let first = db
        .store
        .save_rehab_plan(NewRehabPlan {
            family_id: family,
            registered_by: world.budi.id,
            registered_at: at(2026, 3, 10, 9, 0),
            plan: plan(8, 4),
        })
        .await
        .unwrap();
    let loaded = db.store.latest_rehab_plan(family).await.unwrap().unwrap();
    assert_eq!(loaded, first);
    assert_eq!(loaded.plan.instalments.len(), 4);

    let second = db
        .store
        .save_rehab_plan(NewRehabPlan {
            family_id: family,
            registered_by: world.budi.id,
            registered_at: at(2026, 3, 11, 9, 0),
            plan: plan(8, 2),
        })
        .await
        .unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(
        db.store
            .latest_rehab_plan(family)
            .await
            .unwrap()
            .unwrap()
            .plan
            .instalments
            .len(),
        2
    );
    assert!(
        db.store
            .latest_rehab_plan(world.tetangga_family.id)
            .await
            .unwrap()
            .is_none(),
        "plans are per family"
    );
}
story!(a_registered_rehab_plan_comes_back_whole_and_the_latest_wins);

//! A family's dues ledger: billed months and payments.

use crate::fixtures::{date, month, seeded};
use crate::harness::{story, Harness};
use jkn::{PaymentChannel, Rupiah};
use store::{FamilyId, NewPayment, StoreError};

async fn a_familys_ledger_comes_back_in_month_order_with_its_payments(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let ledger = db.store.ledger(world.budi_family.id).await.unwrap();

    let months: Vec<_> = ledger.bills.iter().map(|b| b.period).collect();
    assert_eq!(
        months,
        month(2026, 1).through(month(2026, 6)).collect::<Vec<_>>()
    );
    assert!(ledger
        .bills
        .iter()
        .all(|b| b.amount == Rupiah(400_000) && b.members == 4));

    let paid: Vec<_> = ledger.payments.iter().map(|p| (p.id, p.paid_on)).collect();
    assert_eq!(paid, [(1, date(2026, 1, 9)), (2, date(2026, 2, 10))]);
    assert_eq!(ledger.payments[0].for_period, Some(month(2026, 1)));
    assert_eq!(ledger.payments[1].channel, PaymentChannel::Minimarket);

    // The neighbour's PBI family: government-paid months, nothing owed.
    let pbi = db.store.ledger(world.tetangga_family.id).await.unwrap();
    assert_eq!(pbi.bills.len(), 3);
    assert!(pbi
        .bills
        .iter()
        .all(|b| b.amount == Rupiah::ZERO && b.subsidy == Rupiah(42_000)));
    assert!(pbi.payments.is_empty());

    // A family without bills has an empty ledger, not an error.
    let none = db.store.ledger(world.pekerja_family.id).await.unwrap();
    assert!(none.bills.is_empty() && none.payments.is_empty());
}
story!(a_familys_ledger_comes_back_in_month_order_with_its_payments);

async fn recording_a_payment_shows_up_in_the_ledger(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let payment = db
        .store
        .record_payment(
            world.budi_family.id,
            NewPayment {
                paid_on: date(2026, 3, 11),
                channel: PaymentChannel::MobileJkn,
                amount: Rupiah(800_000),
                for_period: Some(month(2026, 3)),
            },
        )
        .await
        .unwrap();
    assert_eq!(payment.id, 3, "ids count on from the family's last payment");
    assert_eq!(payment.amount, Rupiah(800_000));

    let ledger = db.store.ledger(world.budi_family.id).await.unwrap();
    assert_eq!(ledger.payments.len(), 3);
    assert_eq!(ledger.payments.last(), Some(&payment));

    // A family's first payment gets id 1.
    let first = db
        .store
        .record_payment(
            world.pekerja_family.id,
            NewPayment {
                paid_on: date(2026, 3, 1),
                channel: PaymentChannel::Employer,
                amount: Rupiah(325_000),
                for_period: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(db.store.counts().await.unwrap().payments, 4);
}
story!(recording_a_payment_shows_up_in_the_ledger);

async fn a_payment_for_an_unknown_family_is_not_found(db: &Harness) {
    seeded(db.store.as_ref()).await;
    let result = db
        .store
        .record_payment(
            FamilyId(404),
            NewPayment {
                paid_on: date(2026, 3, 11),
                channel: PaymentChannel::Ewallet,
                amount: Rupiah(100_000),
                for_period: None,
            },
        )
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}
story!(a_payment_for_an_unknown_family_is_not_found);

async fn payments_arriving_at_once_each_get_their_own_id(db: &Harness) {
    let world = seeded(db.store.as_ref()).await;
    let family = world.budi_family.id;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = db.store.clone();
            tokio::spawn(async move {
                store
                    .record_payment(
                        family,
                        NewPayment {
                            paid_on: date(2026, 4, 1 + i),
                            channel: PaymentChannel::Ewallet,
                            amount: Rupiah(400_000),
                            for_period: None,
                        },
                    )
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    ids.sort_unstable();
    assert_eq!(ids, (3..15).collect::<Vec<_>>());
    let ledger = db.store.ledger(family).await.unwrap();
    assert_eq!(ledger.payments.len(), 14);
}
story!(payments_arriving_at_once_each_get_their_own_id);

use crate::helpers::{at, TestApp};
use axum::http::{Method, StatusCode};
use chrono::NaiveDate;
use jkn::{PaymentChannel, Rupiah};
use serde_json::json;
use store::NewPayment;

/// The demo's PBPU family 3 owes exactly 8 months (see crates/demo/README.md).
async fn eight_months_behind(app: &TestApp) -> (server::sample::SampleParticipant, String) {
    let who = app.sample_of("arrears_4_24").await;
    assert_eq!(
        who.months_in_arrears, 8,
        "the first 4-24 persona is the 8-month family"
    );
    let token = app.sign_in(&who.nik, who.birth_date).await;
    (who, token)
}

#[tokio::test]
async fn a_participant_eight_months_behind_registers_a_plan_and_sees_it_in_the_bills() {
    let app = TestApp::with_demo(100).await;
    let (_, token) = eight_months_behind(&app).await;

    let view = app
        .request(Method::GET, "/api/v1/me/rehab", None, Some(&token))
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.body["eligibility"]["eligible"], true);
    assert_eq!(
        view.body["eligibility"]["instalments"]["max"], 4,
        "8 months allow at most 4 instalments"
    );
    assert!(view.body["plan"].is_null());

    let registered = app
        .request(
            Method::POST,
            "/api/v1/me/rehab",
            Some(json!({"instalments": 4})),
            Some(&token),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let plan = &registered.body["plan"]["plan"];
    let instalments = plan["instalments"].as_array().unwrap();
    assert_eq!(instalments.len(), 4);
    let arrears_parts: i64 = instalments
        .iter()
        .map(|i| i["arrears_part"].as_i64().unwrap())
        .sum();
    assert_eq!(
        arrears_parts,
        plan["arrears"].as_i64().unwrap(),
        "the plan sums exactly to the arrears"
    );

    let again = app
        .request(
            Method::POST,
            "/api/v1/me/rehab",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "pressing register twice makes one plan"
    );
    assert_eq!(again.body["error"]["code"], "rehab_already_registered");

    let bills = app
        .request(Method::GET, "/api/v1/me/bills", None, Some(&token))
        .await;
    assert_eq!(
        bills.body["rehab"]["plan"]["instalments"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(bills.body["rehab"]["progress"]["state"], "on_track");
}

#[tokio::test]
async fn paying_the_first_instalment_is_counted_and_a_missed_one_lapses_the_plan() {
    let app = TestApp::with_demo(100).await;
    let (who, token) = eight_months_behind(&app).await;
    let registered = app
        .request(
            Method::POST,
            "/api/v1/me/rehab",
            Some(json!({"instalments": 4})),
            Some(&token),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.text
    );
    let first = registered.body["plan"]["plan"]["instalments"][0]["amount"]
        .as_i64()
        .unwrap();

    let participant = app
        .store
        .participant_by_nik(&jkn::Nik::parse(&who.nik).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .record_payment(
            participant.family_id,
            NewPayment {
                paid_on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                channel: PaymentChannel::MobileJkn,
                amount: Rupiah(first),
                for_period: None,
            },
        )
        .await
        .unwrap();
    app.clock.set(at(2026, 11, 25, 3, 0));
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let view = app
        .request(Method::GET, "/api/v1/me/rehab", None, Some(&token))
        .await;
    assert_eq!(
        view.body["plan"]["progress"]["instalments_paid"], 1,
        "{}",
        view.text
    );
    assert_eq!(view.body["plan"]["progress"]["state"], "on_track");
    // By default the card comes back only after the last instalment.
    let me = app
        .request(Method::GET, "/api/v1/me", None, Some(&token))
        .await;
    assert_eq!(me.body["status"]["active"], false);

    // Nothing paid in December: the plan lapses from 1 January and the rest falls due.
    app.clock.set(at(2027, 1, 5, 3, 0));
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let view = app
        .request(Method::GET, "/api/v1/me/rehab", None, Some(&token))
        .await;
    assert_eq!(
        view.body["plan"]["progress"]["state"], "lapsed",
        "{}",
        view.text
    );
    let message = view.body["plan"]["message"].as_str().unwrap();
    assert!(message.contains("batal"), "{message}");
    let bills = app
        .request(Method::GET, "/api/v1/me/bills", None, Some(&token))
        .await;
    assert_eq!(bills.body["status"]["active"], false);
    assert!(bills.body["reactivation"]["total"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn a_participant_who_is_not_eligible_is_told_why() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("arrears_1_3").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/me/rehab",
            Some(json!({})),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "rehab_not_eligible");
    assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
}

use crate::helpers::TestApp;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn reactivation_bills_each_month_at_the_tariff_of_that_month() {
    let app = TestApp::with_demo(30).await;
    // Class 3 on 15 March 2021, five months unpaid: Oct-Dec 2020 at Rp25,500, Jan-Feb 2021 at
    // Rp35,000, plus March 2021 at Rp35,000.
    let r = app
        .post(
            "/api/v1/simulations/reactivation",
            json!({"segment": "PBPU", "class": 3, "months_unpaid": 5, "date": "2021-03-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["total"], 3 * 25_500 + 3 * 35_000);
    assert_eq!(r.body["arrears_months_counted"], 5);
}

#[tokio::test]
async fn reactivation_counts_at_most_24_months() {
    let app = TestApp::with_demo(30).await;
    let r = app
        .post(
            "/api/v1/simulations/reactivation",
            json!({"segment": "PBPU", "class": 1, "months_unpaid": 30, "date": "2026-06-10"}),
        )
        .await;
    assert_eq!(r.body["arrears_months_counted"], 24);
    assert_eq!(r.body["months_not_counted"], 6);
    assert_eq!(r.body["total"], 25 * 150_000);
}

#[tokio::test]
async fn eight_months_behind_can_pay_in_at_most_four_instalments() {
    let app = TestApp::with_demo(30).await;
    let r = app.post("/api/v1/simulations/rehab", json!({"segment": "PBPU", "class": 2, "months_in_arrears": 8, "date": "2026-11-10", "variant": "rehab1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["eligibility"]["eligible"], true);
    assert_eq!(r.body["eligibility"]["instalments"]["max"], 4);
    let plan = &r.body["plan"];
    let sum: i64 = plan["instalments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["arrears_part"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 8 * 100_000, "the plan sums exactly to the arrears");
}

#[tokio::test]
async fn rehab_refusals_state_their_reason() {
    let app = TestApp::with_demo(30).await;
    let three = app
        .post(
            "/api/v1/simulations/rehab",
            json!({"segment": "PBPU", "class": 3, "months_in_arrears": 3, "date": "2026-11-10"}),
        )
        .await;
    assert_eq!(three.body["eligibility"]["eligible"], false);
    assert!(!three.body["eligibility"]["refusals"]
        .as_array()
        .unwrap()
        .is_empty());
    let on_the_29th = app
        .post(
            "/api/v1/simulations/rehab",
            json!({"segment": "PBPU", "class": 3, "months_in_arrears": 8, "date": "2026-11-29"}),
        )
        .await;
    assert_eq!(on_the_29th.body["eligibility"]["eligible"], false);
    let ppu = app.post("/api/v1/simulations/rehab", json!({"segment": "PPU", "class": 1, "months_in_arrears": 8, "wage": 5000000, "date": "2026-11-10", "variant": "rehab1"})).await;
    assert_eq!(ppu.body["eligibility"]["eligible"], false);
}

#[tokio::test]
async fn the_penalty_is_capped_at_12_months_and_30_million_and_pbi_is_exempt() {
    let app = TestApp::with_demo(30).await;
    let r = app.post("/api/v1/simulations/penalty", json!({"segment": "PBPU", "months_in_arrears": 15, "ina_cbg_tariff": 10_000_000, "date": "2026-11-23"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["months_counted"], 12);
    assert_eq!(r.body["amount"], 6_000_000);
    let big = app
        .post(
            "/api/v1/simulations/penalty",
            json!({"segment": "PBPU", "months_in_arrears": 12, "ina_cbg_tariff": 100_000_000}),
        )
        .await;
    assert_eq!(big.body["amount"], 30_000_000);
    assert_eq!(big.body["amount_capped"], true);
    let pbi = app
        .post(
            "/api/v1/simulations/penalty",
            json!({"segment": "PBI_APBN", "months_in_arrears": 6, "ina_cbg_tariff": 10_000_000}),
        )
        .await;
    assert_eq!(pbi.body["amount"], 0);
    assert_eq!(pbi.body["applies"], false);
}

#[tokio::test]
async fn invalid_simulation_input_gets_a_json_error() {
    let app = TestApp::with_demo(30).await;
    let class4 = app
        .post(
            "/api/v1/simulations/reactivation",
            json!({"segment": "PBPU", "class": 4, "months_unpaid": 2}),
        )
        .await;
    assert_eq!(class4.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(class4.body["error"]["code"], "invalid_field");
    let negative = app
        .post(
            "/api/v1/simulations/reactivation",
            json!({"segment": "PBPU", "class": 3, "months_unpaid": -1}),
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(negative.body["error"]["code"], "invalid_input");
    let no_class = app
        .post(
            "/api/v1/simulations/reactivation",
            json!({"segment": "PBPU", "months_unpaid": 2}),
        )
        .await;
    assert_eq!(no_class.status, StatusCode::UNPROCESSABLE_ENTITY);
}

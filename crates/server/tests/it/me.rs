use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_api_agrees_with_demo_sample_for_every_kind_of_participant() {
    let app = TestApp::with_demo(300).await;
    let sample = app.sample().await;
    let categories: Vec<&str> = sample.iter().map(|s| s.category).collect();
    for wanted in [
        "active",
        "arrears_1_3",
        "arrears_4_24",
        "arrears_over_24",
        "pbi",
        "ppu",
    ] {
        assert!(
            categories.contains(&wanted),
            "demo sample lacks {wanted}: {categories:?}"
        );
    }
    for who in &sample {
        let token = app.sign_in(&who.nik, who.birth_date).await;
        let me = app
            .request(Method::GET, "/api/v1/me", None, Some(&token))
            .await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["card_number"], who.card_number);
        assert_eq!(me.body["segment"], who.segment.code());
        assert_eq!(me.body["class"], who.class);
        assert_eq!(me.body["status"]["label"], who.status, "{}", who.category);
        let months = me.body["status"]["months_in_arrears"].as_u64().unwrap()
            + me.body["status"]["months_not_billed"].as_u64().unwrap();
        assert_eq!(months, u64::from(who.months_in_arrears), "{}", who.category);
        assert!(
            me.body["fktp"]["name"].is_string(),
            "every demo participant has an FKTP"
        );
    }
}

#[tokio::test]
async fn a_participant_four_to_24_months_behind_sees_what_reactivation_costs() {
    let app = TestApp::with_demo(300).await;
    let who = app.sample_of("arrears_4_24").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let bills = app
        .request(Method::GET, "/api/v1/me/bills", None, Some(&token))
        .await;
    assert_eq!(bills.status, StatusCode::OK, "{}", bills.text);
    let b = &bills.body;
    assert_eq!(b["status"]["active"], false);
    assert!(b["status"]["explanation"]
        .as_str()
        .unwrap()
        .contains("tunggakan"));
    let in_arrears: Vec<&serde_json::Value> = b["months"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "in_arrears")
        .collect();
    assert_eq!(in_arrears.len() as u64, u64::from(who.months_in_arrears));
    let arrears: i64 = in_arrears
        .iter()
        .map(|m| m["outstanding"].as_i64().unwrap())
        .sum();
    assert_eq!(b["status"]["arrears"].as_i64().unwrap(), arrears);
    let r = &b["reactivation"];
    assert_eq!(r["arrears"].as_i64().unwrap(), arrears);
    assert_eq!(
        r["total"].as_i64().unwrap(),
        arrears + r["current_month_due"].as_i64().unwrap(),
        "reactivation = arrears + the current month"
    );
    assert!(b["virtual_account"].as_str().unwrap().len() >= 13);
}

#[tokio::test]
async fn the_family_view_lists_members_and_masks_the_others_niks() {
    let app = TestApp::with_demo(300).await;
    let who = app.sample_of("active").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let fam = app
        .request(Method::GET, "/api/v1/me/family", None, Some(&token))
        .await;
    assert_eq!(fam.status, StatusCode::OK);
    let members = fam.body["members"].as_array().unwrap();
    assert!(!members.is_empty());
    for m in members {
        let nik = m["nik"].as_str().unwrap();
        if m["is_me"] == true {
            assert_eq!(nik, who.nik);
        } else {
            assert!(nik.contains("********"), "{nik}");
        }
    }
    assert!(fam.body["family_card"]
        .as_str()
        .unwrap()
        .contains("********"));
}

#[tokio::test]
async fn payments_come_newest_first() {
    let app = TestApp::with_demo(300).await;
    let who = app.sample_of("ppu").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let r = app
        .request(Method::GET, "/api/v1/me/payments", None, Some(&token))
        .await;
    let dates: Vec<&str> = r.body["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["paid_on"].as_str().unwrap())
        .collect();
    assert!(
        !dates.is_empty(),
        "an employer pays a PPU family every month"
    );
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

use crate::helpers::TestApp;
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;

#[tokio::test]
async fn a_participant_signs_in_with_nik_birth_date_and_the_code_sent_to_their_phone() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let me = app
        .request(Method::GET, "/api/v1/me", None, Some(&token))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["nik"], who.nik);
    assert_eq!(me.body["name"], who.name);
    let queued = app
        .store
        .recent_outbound(who.phone.as_deref(), 5)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "the code went to the registered phone");
    assert_eq!(queued[0].purpose, "otp");
}

#[tokio::test]
async fn signing_in_with_a_card_number_works_too() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("pbi").await;
    let started = app.post("/api/v1/sessions", json!({"card_number": who.card_number, "birth_date": who.birth_date.format("%d-%m-%Y").to_string()})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert!(app.last_code().await.is_some());
}

#[tokio::test]
async fn a_wrong_birth_date_gets_the_same_answer_as_an_unknown_nik_and_discloses_nothing() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    let right = app
        .post(
            "/api/v1/sessions",
            json!({"nik": who.nik, "birth_date": who.birth_date.to_string()}),
        )
        .await;
    let queued_after_right = app.outbound_count().await;
    let wrong_date = app
        .post(
            "/api/v1/sessions",
            json!({"nik": who.nik, "birth_date": "1901-01-01"}),
        )
        .await;
    // A well-formed NIK nobody has (serial 9999 in the same district and date).
    let stranger = format!("{}9999", &who.nik[..12]);
    let unknown = app
        .post(
            "/api/v1/sessions",
            json!({"nik": stranger, "birth_date": who.birth_date.to_string()}),
        )
        .await;
    for r in [&right, &wrong_date, &unknown] {
        assert_eq!(r.status, StatusCode::ACCEPTED);
        assert_eq!(r.body["message"], right.body["message"]);
        let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            right.body.as_object().unwrap().keys().collect::<Vec<_>>()
        );
    }
    assert_eq!(
        app.outbound_count().await,
        queued_after_right,
        "no code was sent for wrong data"
    );
    let session = wrong_date.body["session_id"].as_str().unwrap();
    let verify = app
        .post(
            &format!("/api/v1/sessions/{session}/verify"),
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::UNAUTHORIZED);
    assert!(!verify.text.contains(&who.name));
}

#[tokio::test]
async fn a_malformed_nik_is_explained_in_indonesian() {
    let app = TestApp::with_demo(30).await;
    let r = app
        .post(
            "/api/v1/sessions",
            json!({"nik": "12345", "birth_date": "1990-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "invalid_nik");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("16 digit"));
    let r = app
        .post("/api/v1/sessions", json!({"birth_date": "1990-01-01"}))
        .await;
    assert_eq!(r.body["error"]["code"], "identity_required");
    let r = app
        .post(
            "/api/v1/sessions",
            json!({"nik": "3509014503880001", "birth_date": "kemarin"}),
        )
        .await;
    assert_eq!(r.body["error"]["code"], "invalid_birth_date");
}

#[tokio::test]
async fn a_code_works_once_and_three_wrong_codes_void_the_sign_in() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    let start = || {
        app.post(
            "/api/v1/sessions",
            json!({"nik": who.nik, "birth_date": who.birth_date.to_string()}),
        )
    };

    let first = start().await;
    let session = first.body["session_id"].as_str().unwrap().to_string();
    let code = app.last_code().await.unwrap();
    let verify_uri = format!("/api/v1/sessions/{session}/verify");
    assert_eq!(
        app.post(&verify_uri, json!({"code": code})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post(&verify_uri, json!({"code": code})).await.status,
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );

    let second = start().await;
    let session = second.body["session_id"].as_str().unwrap().to_string();
    let code = app.last_code().await.unwrap();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..3 {
        let r = app
            .post(
                &format!("/api/v1/sessions/{session}/verify"),
                json!({"code": wrong}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body["error"]["code"], "invalid_code");
    }
    let r = app
        .post(
            &format!("/api/v1/sessions/{session}/verify"),
            json!({"code": code}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "after three wrong codes even the right one fails"
    );
}

#[tokio::test]
async fn codes_and_tokens_expire() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    let started = app
        .post(
            "/api/v1/sessions",
            json!({"nik": who.nik, "birth_date": who.birth_date.to_string()}),
        )
        .await;
    let session = started.body["session_id"].as_str().unwrap().to_string();
    let code = app.last_code().await.unwrap();
    app.clock.set(app.clock_now() + Duration::minutes(6));
    let late = app
        .post(
            &format!("/api/v1/sessions/{session}/verify"),
            json!({"code": code}),
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNAUTHORIZED,
        "a 5-minute code is void after 6 minutes"
    );

    let token = app.sign_in(&who.nik, who.birth_date).await;
    assert_eq!(
        app.request(Method::GET, "/api/v1/me", None, Some(&token))
            .await
            .status,
        StatusCode::OK
    );
    app.clock.set(app.clock_now() + Duration::minutes(31));
    let expired = app
        .request(Method::GET, "/api/v1/me", None, Some(&token))
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_identity_per_hour() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    let body = json!({"nik": who.nik, "birth_date": "1901-01-01"});
    for _ in 0..5 {
        assert_eq!(
            app.post("/api/v1/sessions", body.clone()).await.status,
            StatusCode::ACCEPTED
        );
    }
    let sixth = app.post("/api/v1/sessions", body.clone()).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.body["error"]["code"], "too_many_attempts");
    // Even the right birth date is refused until the hour passes: guessing gains nothing.
    let right = app
        .post(
            "/api/v1/sessions",
            json!({"nik": who.nik, "birth_date": who.birth_date.to_string()}),
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.set(app.clock_now() + Duration::hours(1));
    assert_eq!(
        app.post("/api/v1/sessions", body).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn sign_in_requests_are_limited_per_client() {
    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("active").await;
    // 30 per hour per client address, spread over many identities (an enumeration attempt).
    let mut statuses = Vec::new();
    for serial in 1..=31 {
        let nik = format!("{}{:04}", &who.nik[..12], 5000 + serial);
        statuses.push(
            app.post(
                "/api/v1/sessions",
                json!({"nik": nik, "birth_date": "1990-01-01"}),
            )
            .await
            .status,
        );
    }
    assert!(statuses[..30].iter().all(|s| *s == StatusCode::ACCEPTED));
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn personal_data_needs_a_valid_token() {
    let app = TestApp::with_demo(30).await;
    for path in [
        "/api/v1/me",
        "/api/v1/me/family",
        "/api/v1/me/bills",
        "/api/v1/me/payments",
    ] {
        let none = app.get(path).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{path}");
        let forged = app.request(Method::GET, path, None, Some("lyn_0000")).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(forged.body["error"]["code"], "unauthorized");
    }
}

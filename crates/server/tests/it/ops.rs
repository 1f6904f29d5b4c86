use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::with_demo(30).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["database"], "sqlite");
    app.get("/api/v1/offices/1").await;
    // Metrics are recorded by the router's middleware; they live in the shared state.
    let response = tower::ServiceExt::oneshot(
        server::router(app.state.clone()),
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(text.contains("layan_http_requests_total{method=\"GET\",route=\"/api/v1/offices/{id}\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("layan_database_up{backend=\"sqlite\"} 1"));
}

#[tokio::test]
async fn every_documented_operation_exists_and_every_route_is_documented() {
    let app = TestApp::with_demo(30).await;
    let doc = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let uri = format!("/api/v1{}", path.replace("{id}", "1"));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = if method == Method::POST {
                Some(serde_json::json!({}))
            } else {
                None
            };
            let r = app.request(method.clone(), &uri, body, None).await;
            assert_ne!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri} is documented but not routed"
            );
            assert!(
                r.status != StatusCode::NOT_FOUND
                    || r.body["error"]["code"] != "not_found"
                    || path.contains("{id}"),
                "{method} {uri} is documented but not routed"
            );
        }
    }
    for route in [
        "/facilities",
        "/offices",
        "/offices/{id}",
        "/sessions",
        "/sessions/{id}/verify",
        "/me",
        "/me/family",
        "/me/bills",
        "/me/payments",
        "/simulations/reactivation",
        "/simulations/rehab",
        "/simulations/penalty",
    ] {
        assert!(
            paths.contains_key(route),
            "{route} is routed but not documented"
        );
    }
}

#[tokio::test]
async fn the_demo_outbox_exists_only_on_demo_data() {
    let app = TestApp::with_demo(30).await;
    assert_eq!(app.get("/demo/outbox").await.status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let empty: store::SharedStore =
        std::sync::Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("real.db")).unwrap());
    let real = TestApp::over(empty, dir).await;
    assert_eq!(real.get("/demo/outbox").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn housekeeping_prunes_ended_rate_limit_windows_and_expired_sign_ins() {
    use chrono::Duration;
    use server::housekeeping::{prune, Pruned, EXPIRED_SIGN_IN_RETENTION, RATE_LIMIT_RETENTION};
    let app = TestApp::with_demo(300).await;
    let store = app.store.as_ref();
    let now = app.clock_now();
    // A participant signs in: a code challenge, a bearer token, and their rate-limit counters.
    let who = app.sample_of("active").await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    let me = |token: String| {
        let app = &app;
        async move {
            app.request(Method::GET, "/api/v1/me", None, Some(&token))
                .await
                .status
        }
    };
    // Seven ended windows, more than a chunk of 3.
    let old = now - RATE_LIMIT_RETENTION - Duration::minutes(1);
    for minutes in 0..7 {
        store
            .hit_rate_limit("webchat:poll:10.0.0.1", old - Duration::minutes(minutes))
            .await
            .unwrap();
    }

    // Nothing of the sign-in has expired yet; only the old counters go.
    assert_eq!(
        prune(store, now, 3).await.unwrap(),
        Pruned {
            rate_limits: 7,
            sign_ins: 0
        }
    );
    assert_eq!(me(token.clone()).await, StatusCode::OK);
    assert_eq!(
        store
            .hit_rate_limit("webchat:poll:10.0.0.1", old)
            .await
            .unwrap(),
        1,
        "the ended window's counter was gone"
    );

    // Two days on: the token and the code challenge expired more than a day ago; the sign-in's
    // counters (this hour's) and the counter just made went too.
    let later = now + EXPIRED_SIGN_IN_RETENTION + Duration::days(1);
    let pruned = prune(store, later, 3).await.unwrap();
    assert_eq!(pruned.sign_ins, 2, "{pruned:?}");
    assert!(pruned.rate_limits >= 2, "{pruned:?}");
    assert_eq!(prune(store, later, 3).await.unwrap(), Pruned::default());
    assert_eq!(me(token).await, StatusCode::UNAUTHORIZED);
}

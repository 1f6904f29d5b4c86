use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};

#[tokio::test]
async fn malformed_requests_get_the_same_json_error_shape() {
    let app = TestApp::with_demo(30).await;
    let broken = Request::post("/api/v1/sessions")
        .header("content-type", "application/json")
        .body(Body::from("{\"nik\": "))
        .unwrap();
    let r = app.raw(broken).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "invalid_json");

    let not_json = Request::post("/api/v1/sessions")
        .header("content-type", "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    let r = app.raw(not_json).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.body["error"]["code"], "unsupported_media_type");

    let unknown_field = app
        .post(
            "/api/v1/sessions",
            serde_json::json!({"nik": "x", "birth_date": "1990-01-01", "pin": 1}),
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown_field.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("pin"));

    let nowhere = app.get("/api/v1/nowhere").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(nowhere.body["error"]["code"], "not_found");
}

use crate::helpers::TestApp;
use axum::http::Method;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_nik_never_reaches_the_log_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::with_demo(100).await;
    let who = app.sample_of("arrears_4_24").await;
    // A successful sign-in, a wrong one, and every personal endpoint.
    app.post(
        "/api/v1/sessions",
        serde_json::json!({"nik": who.nik, "birth_date": "1901-01-01"}),
    )
    .await;
    let token = app.sign_in(&who.nik, who.birth_date).await;
    for path in [
        "/api/v1/me",
        "/api/v1/me/family",
        "/api/v1/me/bills",
        "/api/v1/me/payments",
    ] {
        app.request(Method::GET, path, None, Some(&token)).await;
    }
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(&format!("{}********{}", &who.nik[..4], &who.nik[12..])),
        "the masked NIK is logged: {log}"
    );
    assert!(!log.contains(&who.nik), "a full NIK reached the log");
    assert!(
        !log.contains(&who.card_number),
        "a full card number reached the log"
    );
    if let Some(phone) = &who.phone {
        assert!(
            !log.contains(phone.as_str()),
            "a full phone number reached the log"
        );
    }
}

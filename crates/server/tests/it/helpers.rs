use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use server::{AppState, Config, FixedClock};
use std::sync::Arc;
use store::SharedStore;
use tower::ServiceExt;

/// The phone number id the tests' WhatsApp business number has.
pub const PHONE_NUMBER_ID: &str = "106540352242922";

/// Turns WhatsApp on in `config`, signed with `app_secret` and sending to `mock`.
pub fn whatsapp_at_mock(config: &mut Config, mock: &provider_mock::MockHandle, app_secret: &str) {
    config.whatsapp.app_secret = server::config::Secret::new(app_secret);
    config.whatsapp.verify_token = server::config::Secret::new("verify-me");
    config.whatsapp.access_token = server::config::Secret::new(&mock.config().whatsapp_token);
    config.whatsapp.phone_number_id = PHONE_NUMBER_ID.into();
    config.whatsapp.api_base = mock.whatsapp_base();
}

/// The demo's "today": a Monday, 10:00 WIB.
pub fn demo_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub store: SharedStore,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    /// A server over a fresh SQLite file holding a small demo dataset.
    pub async fn with_demo(participants: u64) -> TestApp {
        Self::with_demo_config(participants, Config::load(None, Vec::new()).unwrap()).await
    }

    /// [`TestApp::with_demo`] with a configuration of the test's own (channels, limits).
    pub async fn with_demo_config(participants: u64, config: Config) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("layan.db")).unwrap());
        let demo = demo::DemoConfig {
            participants,
            seed: 7,
            as_of: demo_day(),
        };
        demo::load(store.as_ref(), &demo, |_| {}).await.unwrap();
        Self::over_with(store, dir, config).await
    }

    pub async fn over(store: SharedStore, dir: tempfile::TempDir) -> TestApp {
        Self::over_with(store, dir, Config::load(None, Vec::new()).unwrap()).await
    }

    async fn over_with(store: SharedStore, dir: tempfile::TempDir, config: Config) -> TestApp {
        let clock = Arc::new(FixedClock::new(at(2026, 11, 23, 3, 0)));
        let state = AppState::new(store.clone(), config, clock.clone())
            .await
            .unwrap();
        TestApp {
            state,
            clock,
            store,
            _dir: dir,
        }
    }

    /// A second node over the same database and clock, with its own configuration (its
    /// pipeline runs until the returned state is dropped with the test).
    pub async fn another_node(&self, config: Config) -> AppState {
        AppState::new(self.store.clone(), config, self.clock.clone())
            .await
            .unwrap()
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            builder = builder.header("authorization", format!("Bearer {t}"));
        }
        let request = match body {
            Some(b) => builder
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => builder.body(Body::empty()),
        }
        .unwrap();
        self.raw(request).await
    }

    pub async fn raw(&self, request: Request<Body>) -> Reply {
        let response = server::router(self.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Method::GET, uri, None, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.request(Method::POST, uri, Some(body), None).await
    }

    /// The demo participants `layan demo sample` would print.
    pub async fn sample(&self) -> Vec<server::sample::SampleParticipant> {
        server::sample::pick(
            self.store.as_ref(),
            self.clock_now(),
            &jkn::RulesConfig::default(),
        )
        .await
        .unwrap()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use server::Clock;
        self.clock.now()
    }

    pub async fn sample_of(&self, category: &str) -> server::sample::SampleParticipant {
        self.sample()
            .await
            .into_iter()
            .find(|s| s.category == category)
            .unwrap_or_else(|| panic!("the demo has no {category} participant"))
    }

    /// Signs in as a participant the way a phone user would: identity, birth date, then the
    /// code read from the outbound queue.
    pub async fn sign_in(&self, nik: &str, birth_date: NaiveDate) -> String {
        let started = self
            .post(
                "/api/v1/sessions",
                serde_json::json!({"nik": nik, "birth_date": birth_date.to_string()}),
            )
            .await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
        let session = started.body["session_id"].as_str().unwrap().to_string();
        let code = self.last_code().await.expect("a one-time code was queued");
        let verified = self
            .post(
                &format!("/api/v1/sessions/{session}/verify"),
                serde_json::json!({"code": code}),
            )
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
        verified.body["access_token"].as_str().unwrap().to_string()
    }

    /// The code in the most recent one-time-code message, if any.
    pub async fn last_code(&self) -> Option<String> {
        let messages = self.store.recent_outbound(None, 1).await.unwrap();
        let body = &messages.first()?.body;
        body.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .map(str::to_string)
    }

    pub async fn outbound_count(&self) -> usize {
        self.store.recent_outbound(None, 1000).await.unwrap().len()
    }
}

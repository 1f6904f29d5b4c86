//! Layan's HTTP server. Handlers are thin: they parse the request into domain types, call the
//! store and the pure rules, and render the answer; no business rule lives here.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]
// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "512"]

pub mod api;
pub mod auth;
pub mod casework;
pub mod config;
pub mod console;
pub mod db;
pub mod error;
pub mod extract;
pub mod forms;
pub mod health;
pub mod housekeeping;
pub mod html;
pub mod logging;
pub mod messaging;
pub mod metrics;
pub mod node;
pub mod outreach;
pub mod sample;
pub mod shared_reads;
pub mod state;
pub mod ticks;
pub mod unknown_env;
pub mod voice;
pub mod webchat;

pub use config::Config;
pub use state::{AppState, Clock, FixedClock, SystemClock};

use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use store::SharedStore;
use tokio::net::TcpListener;

/// Meta key set on databases created by the demo generator.
pub const DEMO_META_KEY: &str = "demo";

impl AppState {
    /// State for a store, reading whether it holds demo data.
    pub async fn new(
        store: SharedStore,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, store::StoreError> {
        let demo = store.meta_get(DEMO_META_KEY).await?.as_deref() == Some("true");
        let node = Arc::new(node::claim(&config.data_dir));
        let mut state = AppState {
            store,
            config: Arc::new(config),
            metrics: metrics::Metrics::default(),
            clock,
            demo,
            rules: Arc::new(jkn::RulesConfig::default()),
            messaging: None,
            node,
            queues: Arc::new(console::dashboard::shared_queues()),
        };
        state.messaging = messaging::start(&state).map_err(store::StoreError::Other)?;
        casework::assign::spawn(state.clone());
        outreach::feeder::spawn(state.clone());
        housekeeping::spawn(state.clone());
        Ok(state)
    }
}

pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route("/openapi.json", get(api::openapi::document))
        .route("/facilities", get(api::facilities::list))
        .route("/offices", get(api::offices::list))
        .route("/offices/{id}", get(api::offices::get))
        .route("/sessions", post(api::sessions::start))
        .route("/sessions/{id}/verify", post(api::sessions::verify))
        .route("/me", get(api::me::profile))
        .route("/me/family", get(api::me::family))
        .route("/me/bills", get(api::me::bills))
        .route("/me/payments", get(api::me::payments))
        .route(
            "/me/rehab",
            get(api::rehab::view).post(api::rehab::register),
        );
    api = api::simulations::routes(api);
    let mut app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api/v1", api)
        .merge(messaging::webhooks::routes())
        .merge(webchat::routes(&state))
        .merge(voice::routes(&state))
        .merge(console::routes(&state))
        .merge(forms::routes(&state))
        .merge(outreach::routes())
        .fallback(api::not_found);
    if state.demo {
        app = app.route("/demo/outbox", get(api::demo::outbox));
    }
    app.layer(axum::middleware::from_fn_with_state(
        state.metrics.clone(),
        metrics::track,
    ))
    .with_state(state)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop`, systemd and Kubernetes send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

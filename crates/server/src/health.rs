//! Liveness, readiness and metrics endpoints for operators.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

/// The process is alive and serving HTTP; says nothing about its dependencies.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// The database answers; a load balancer should send traffic only when this is 200.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "database": state.store.backend()})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": state.store.backend()})),
            )
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let ready = if state.store.ping().await.is_ok() {
        1.0
    } else {
        0.0
    };
    let mut extra = vec![
        (
            format!("layan_database_up{{backend=\"{}\"}}", state.store.backend()),
            ready,
        ),
        (
            format!(
                "layan_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            ),
            1.0,
        ),
    ];
    if state.messaging.is_some() {
        extra.extend(messaging_gauges(&state).await);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&extra),
    )
}

/// Whether this node holds the processing role; inbox lag, outbox depth per channel and
/// recorded failures by provider code, read from the database so every node reports the
/// shared truth.
async fn messaging_gauges(state: &AppState) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    // This node's own view: 1 on the node answering the inbox and sending (ingest nodes: 0).
    let role = state
        .messaging
        .as_ref()
        .and_then(|m| m.role.as_ref())
        .is_some_and(|r| r.held());
    out.push((
        "layan_processing_role".to_owned(),
        if role { 1.0 } else { 0.0 },
    ));
    match state.store.inbox_stats().await {
        Ok(stats) => {
            out.push(("layan_inbox_pending".to_owned(), stats.pending as f64));
            let lag = stats.oldest_pending.map_or(0.0, |t| {
                (state.now() - t).num_milliseconds().max(0) as f64 / 1000.0
            });
            out.push(("layan_inbox_lag_seconds".to_owned(), lag));
        }
        Err(e) => tracing::warn!(error = %e, "cannot read inbox statistics"),
    }
    match state.store.outbox_counts().await {
        Ok(counts) => {
            let mut depth: std::collections::BTreeMap<&str, u64> = Default::default();
            for c in &counts {
                if c.state.is_unfinished() {
                    *depth.entry(c.channel.as_str()).or_default() += c.count;
                }
                let code = c.error_code.as_deref().unwrap_or("");
                out.push((
                    format!(
                        "layan_outbox_messages{{channel=\"{}\",state=\"{}\",code=\"{}\"}}",
                        c.channel,
                        c.state,
                        crate::metrics::escape(code)
                    ),
                    c.count as f64,
                ));
            }
            for (channel, n) in depth {
                out.push((
                    format!("layan_outbox_depth{{channel=\"{channel}\"}}"),
                    n as f64,
                ));
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read outbox statistics"),
    }
    out
}

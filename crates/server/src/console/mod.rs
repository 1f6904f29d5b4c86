//! The agent console (`/console/...`, server-rendered HTML, mobile-friendly) and the same
//! actions as JSON under `/api/v1/agent/...`.
//!
//! - `auth`: passwords, sessions (cookie or bearer), CSRF, lock-out.
//! - `work`: who sees which case, the queue, the case screen's data, every action; shared by
//!   the pages and the API.
//! - `pages`: the HTML; `api`: the JSON; `export`: attachments and the audit CSV.
//! - `outreach`: the pages for office closures and broadcasts.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod export;
pub mod outreach;
pub mod pages;
pub mod work;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes(state: &AppState) -> Router<AppState> {
    let _ = state;
    Router::new()
        .route("/console", get(pages::queue))
        .route("/console/", get(pages::queue))
        .route("/console/login", get(pages::login_form).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/assets/console.css", get(pages::style))
        .route("/console/cases/{id}", get(pages::case))
        .route("/console/cases/{id}/reveal", post(pages::reveal))
        .route("/console/cases/{id}/actions", post(pages::act))
        .route(
            "/console/cases/{id}/attachments/{attachment}",
            get(export::attachment),
        )
        .route("/console/audit.csv", get(export::audit_csv))
        .route("/console/assets/outreach.css", get(outreach::style))
        .route("/console/assets/broadcast.js", get(outreach::script))
        .route(
            "/console/closures",
            get(outreach::closures_list).post(outreach::closures_declare),
        )
        .route("/console/closures/{id}", post(outreach::closure_edit))
        .route(
            "/console/closures/{id}/edit",
            get(outreach::closure_edit_form),
        )
        .route(
            "/console/closures/{id}/cancel",
            post(outreach::closure_cancel),
        )
        .route(
            "/console/broadcasts",
            get(outreach::broadcasts_list).post(outreach::broadcasts_send),
        )
        .route("/console/broadcasts/{id}", get(outreach::broadcast_detail))
        .route(
            "/console/broadcasts/{id}/progress",
            get(outreach::broadcast_progress),
        )
        .route(
            "/console/broadcasts/{id}/actions",
            post(outreach::broadcast_act),
        )
        .route(
            "/api/v1/agent/sessions",
            post(api::sign_in).delete(api::sign_out),
        )
        .route("/api/v1/agent/me", get(api::me))
        .route("/api/v1/agent/cases", get(api::cases))
        .route("/api/v1/agent/cases/{id}", get(api::case))
        .route("/api/v1/agent/cases/{id}/actions", post(api::act))
        .route("/api/v1/agent/audit", get(export::audit_csv))
        .merge(dashboard::routes())
}

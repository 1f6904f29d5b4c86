//! The agent API under `/api/v1/agent/`: the console's queue, case screen and actions as
//! JSON, for a bearer token from `POST /api/v1/agent/sessions`. The handlers only translate:
//! the rules are the console's own (`work`), so both behave alike.

use crate::casework::assign;
use crate::console::auth::{self, SignedIn};
use crate::console::work::{self, ActionRequest, CaseDetail, CaseSummary};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct AgentView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: cases::AgentRole,
    pub role_label: &'static str,
    pub office_id: Option<i64>,
    /// `Senin 08.00-15.00`, in the branch's local time.
    pub shifts: Vec<String>,
    pub max_open_cases: u32,
    pub on_shift: bool,
}

#[derive(Serialize)]
pub struct SessionView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub agent: AgentView,
}

async fn agent_view(state: &AppState, agent: &store::Agent) -> Result<AgentView, ApiError> {
    let on_shift = assign::agent_on_shift(state, agent, state.now()).await?;
    Ok(AgentView {
        id: agent.id.0,
        username: agent.username.clone(),
        name: agent.name.clone(),
        role: agent.role,
        role_label: agent.role.label_id(),
        office_id: agent.office_id.map(|o| o.0),
        shifts: agent.shifts.iter().map(|s| s.label_id()).collect(),
        max_open_cases: agent.max_open_cases,
        on_shift,
    })
}

/// `POST /api/v1/agent/sessions`.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let new = auth::sign_in(&state, &req.username, &req.password).await?;
    let view = SessionView {
        access_token: new.token,
        token_type: "Bearer",
        expires_at: new.session.expires_at,
        agent: agent_view(&state, &new.agent).await?,
    };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `DELETE /api/v1/agent/sessions`: ends the session of the token (or cookie) used.
pub async fn sign_out(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<StatusCode, ApiError> {
    auth::sign_out(&state, &signed).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/agent/me`.
pub async fn me(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Json<AgentView>, ApiError> {
    Ok(Json(agent_view(&state, &signed.agent).await?))
}

#[derive(Serialize)]
pub struct QueueView {
    pub cases: Vec<CaseSummary>,
}

/// `GET /api/v1/agent/cases`.
pub async fn cases(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Json<QueueView>, ApiError> {
    Ok(Json(QueueView {
        cases: work::queue(&state, &signed).await?,
    }))
}

/// `GET /api/v1/agent/cases/{id}` (audited as a view).
pub async fn case(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedIn,
) -> Result<Json<CaseDetail>, ApiError> {
    Ok(Json(
        work::detail(&state, &signed, work::case_id(&id)?, false).await?,
    ))
}

#[derive(Serialize)]
pub struct ActionDone {
    pub case: CaseSummary,
}

/// `POST /api/v1/agent/cases/{id}/actions`.
pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedIn,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<ActionDone>, ApiError> {
    let action = req.parse()?;
    let seen = req.seen_status()?;
    let case = work::perform(&state, &signed, work::case_id(&id)?, action, seen).await?;
    Ok(Json(ActionDone {
        case: work::summary_of(&state, &case).await?,
    }))
}

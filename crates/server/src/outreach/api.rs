//! The outreach endpoints under `/api/v1/agent/`, for the same bearer token or console cookie
//! (with its CSRF token) as the rest of the agent API. The handlers only translate: the
//! rules are `closures` and `broadcasts`, shared with the console and the CLI.

use super::broadcasts::{self, BroadcastAction, NoticeForm};
use super::closures::{self, ClosureForm, Declared};
use super::{Ctx, Operator, OutreachError};
use crate::console::auth::SignedIn;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{
    Audience, Broadcast, BroadcastId, BroadcastKind, BroadcastProgress, Closure, ClosureId, Office,
    OfficeId,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/agent/closures",
            get(list_closures).post(declare_closure),
        )
        .route(
            "/api/v1/agent/closures/{id}",
            get(get_closure).patch(edit_closure),
        )
        .route("/api/v1/agent/closures/{id}/cancel", post(cancel_closure))
        .route(
            "/api/v1/agent/broadcasts",
            get(list_broadcasts).post(send_notice),
        )
        .route("/api/v1/agent/broadcasts/{id}", get(get_broadcast))
        .route("/api/v1/agent/broadcasts/{id}/{action}", post(act))
}

impl From<OutreachError> for ApiError {
    fn from(e: OutreachError) -> ApiError {
        match e {
            OutreachError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            OutreachError::NotFound(m) => ApiError::not_found(m),
            OutreachError::Invalid(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", m)
            }
            OutreachError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            OutreachError::Store(e) => e.into(),
        }
    }
}

/// A closure id from a path (as `console::work::case_id`): anything else does not exist.
fn closure_id(raw: &str) -> Result<ClosureId, ApiError> {
    raw.parse::<i64>()
        .map(ClosureId)
        .map_err(|_| ApiError::not_found("Penutupan kantor tidak ditemukan."))
}

/// A broadcast id from a path: anything else does not exist.
fn broadcast_id(raw: &str) -> Result<BroadcastId, ApiError> {
    raw.parse::<i64>()
        .map(BroadcastId)
        .map_err(|_| ApiError::not_found("Siaran tidak ditemukan."))
}

// ---- views ------------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct ClosureView {
    pub id: i64,
    pub office_id: i64,
    pub office_code: String,
    pub office_name: String,
    /// WIB, WITA or WIT: the zone of the `*_local` times.
    pub timezone: &'static str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `Selasa, 24 November 2026 pukul 08.00 WITA`.
    pub starts_local: String,
    pub ends_local: String,
    pub reason: String,
    pub message: String,
    pub alternatives: Vec<String>,
    /// `upcoming`, `in_force`, `ended` or `cancelled`, at the time of the answer.
    pub state: &'static str,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub cancelled_at: Option<DateTime<Utc>>,
}

fn closure_state(c: &Closure, now: DateTime<Utc>) -> &'static str {
    if c.cancelled_at.is_some() {
        "cancelled"
    } else if c.ends_at <= now {
        "ended"
    } else if c.starts_at <= now {
        "in_force"
    } else {
        "upcoming"
    }
}

fn closure_view(c: Closure, office: &Office, now: DateTime<Utc>) -> ClosureView {
    let tz = office.timezone;
    ClosureView {
        id: c.id.0,
        office_id: office.id.0,
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        timezone: tz.abbreviation(),
        starts_local: cases::notice::local_time_id(c.starts_at, tz),
        ends_local: cases::notice::local_time_id(c.ends_at, tz),
        state: closure_state(&c, now),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        reason: c.reason,
        message: c.message,
        alternatives: c.alternatives,
        created_at: c.created_at,
        created_by: c.created_by,
        cancelled_at: c.cancelled_at,
    }
}

#[derive(Serialize)]
pub struct BroadcastView {
    pub id: i64,
    #[serde(flatten)]
    pub kind: BroadcastKind,
    pub office_id: Option<i64>,
    pub audience: Audience,
    pub title: String,
    pub text: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub total: u64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub progress: Option<BroadcastProgress>,
}

fn broadcast_view(b: Broadcast, progress: Option<BroadcastProgress>) -> BroadcastView {
    BroadcastView {
        id: b.id.0,
        kind: b.kind,
        office_id: b.office_id.map(|o| o.0),
        audience: b.audience,
        title: b.title,
        text: b.text,
        state: b.state.as_str(),
        state_label: b.state.label(),
        total: b.total,
        created_by: b.created_by,
        created_at: b.created_at,
        updated_at: b.updated_at,
        progress,
    }
}

#[derive(Serialize)]
pub struct DeclaredView {
    pub closure: ClosureView,
    /// The notice queued to the branch's participants, when asked for.
    pub broadcast: Option<BroadcastView>,
}

fn declared_view(d: Declared, now: DateTime<Utc>) -> DeclaredView {
    DeclaredView {
        closure: closure_view(d.closure, &d.office, now),
        broadcast: d.broadcast.map(|b| broadcast_view(b, None)),
    }
}

// ---- closures ---------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureQuery {
    pub office: Option<String>,
}

#[derive(Serialize)]
pub struct ClosureList {
    pub closures: Vec<ClosureView>,
}

/// `GET /api/v1/agent/closures?office=`: closures not ended yet, cancelled ones included.
/// Without `office`, the agent's own branch.
async fn list_closures(
    State(state): State<AppState>,
    signed: SignedIn,
    ApiQuery(q): ApiQuery<ClosureQuery>,
) -> Result<Json<ClosureList>, ApiError> {
    let office_id = match q.office.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => OfficeId(raw.parse().map_err(|_| {
            ApiError::bad_request("invalid_office", "Id kantor harus berupa angka.")
        })?),
        _ => signed.agent.office_id.ok_or_else(|| {
            ApiError::bad_request(
                "office_required",
                "Sebutkan kantor cabangnya dengan parameter office (id kantor).",
            )
        })?,
    };
    let ctx = Ctx::of(&state);
    let (office, list) = closures::list_with_office(ctx, office_id).await?;
    Ok(Json(ClosureList {
        closures: list
            .into_iter()
            .map(|c| closure_view(c, &office, ctx.now))
            .collect(),
    }))
}

/// An instant as the office's wall-clock time.
fn local_time<Tz: chrono::TimeZone>(t: DateTime<Tz>, office: &Office) -> NaiveDateTime {
    t.with_timezone(&directory::hours::offset(office.timezone))
        .naive_local()
}

/// A local time of the office: `2026-11-24T08:00` (or with a space, or seconds). A time with
/// an offset (`...+08:00`, `...Z`) is taken as that instant and turned into the office's time.
fn parse_local(field: &str, raw: &str, office: &Office) -> Result<NaiveDateTime, ApiError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(local_time(t, office));
    }
    closures::parse_local_time(raw)
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!(
                "Isian {field} tidak valid. Gunakan tanggal dan jam setempat kantor, misalnya 2026-11-24T08:00."
            ),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClosureRequest {
    pub office_id: i64,
    /// The office's local time.
    pub from: String,
    pub until: String,
    pub reason: String,
    pub message: String,
    pub alternatives: Option<Vec<String>>,
    #[serde(default)]
    pub notify: bool,
}

/// `POST /api/v1/agent/closures`.
async fn declare_closure(
    State(state): State<AppState>,
    signed: SignedIn,
    ApiJson(req): ApiJson<NewClosureRequest>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::of(&state);
    let office = closures::office(&ctx, OfficeId(req.office_id)).await?;
    let form = ClosureForm {
        office_id: office.id,
        from_local: parse_local("from", &req.from, &office)?,
        until_local: parse_local("until", &req.until, &office)?,
        reason: req.reason,
        message: req.message,
        alternatives: req.alternatives,
        notify: req.notify,
    };
    let declared = closures::declare(ctx, &Operator::Agent(signed.agent), form).await?;
    Ok((StatusCode::CREATED, Json(declared_view(declared, ctx.now))).into_response())
}

/// `GET /api/v1/agent/closures/{id}`.
async fn get_closure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _signed: SignedIn,
) -> Result<Json<ClosureView>, ApiError> {
    let id = closure_id(&id)?;
    let ctx = Ctx::of(&state);
    let (closure, office) = closures::get(ctx, id).await?;
    Ok(Json(closure_view(closure, &office, ctx.now)))
}

/// Fields left out keep their value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditClosureRequest {
    pub from: Option<String>,
    pub until: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub alternatives: Option<Vec<String>>,
    #[serde(default)]
    pub notify: bool,
}

/// `PATCH /api/v1/agent/closures/{id}`.
async fn edit_closure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedIn,
    ApiJson(req): ApiJson<EditClosureRequest>,
) -> Result<Json<DeclaredView>, ApiError> {
    let id = closure_id(&id)?;
    let ctx = Ctx::of(&state);
    let (existing, office) = closures::get(ctx, id).await?;
    let form = ClosureForm {
        office_id: office.id,
        from_local: match &req.from {
            Some(raw) => parse_local("from", raw, &office)?,
            None => local_time(existing.starts_at, &office),
        },
        until_local: match &req.until {
            Some(raw) => parse_local("until", raw, &office)?,
            None => local_time(existing.ends_at, &office),
        },
        reason: req.reason.unwrap_or(existing.reason),
        message: req.message.unwrap_or(existing.message),
        alternatives: Some(req.alternatives.unwrap_or(existing.alternatives)),
        notify: req.notify,
    };
    let declared = closures::edit(ctx, &Operator::Agent(signed.agent), id, form).await?;
    Ok(Json(declared_view(declared, ctx.now)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub notify: bool,
}

/// `POST /api/v1/agent/closures/{id}/cancel` (the body is optional).
async fn cancel_closure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedIn,
    body: axum::body::Bytes,
) -> Result<Json<DeclaredView>, ApiError> {
    let id = closure_id(&id)?;
    let req: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("Data tidak valid: {e}"),
            )
        })?
    };
    let ctx = Ctx::of(&state);
    let declared = closures::cancel(ctx, &Operator::Agent(signed.agent), id, req.notify).await?;
    Ok(Json(declared_view(declared, ctx.now)))
}

// ---- broadcasts -------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadcastListQuery {
    pub limit: Option<u32>,
}

#[derive(Serialize)]
pub struct BroadcastList {
    pub broadcasts: Vec<BroadcastView>,
}

/// `GET /api/v1/agent/broadcasts`: newest first, with progress.
async fn list_broadcasts(
    State(state): State<AppState>,
    signed: SignedIn,
    ApiQuery(q): ApiQuery<BroadcastListQuery>,
) -> Result<Json<BroadcastList>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let list = broadcasts::list(Ctx::of(&state), &Operator::Agent(signed.agent), limit).await?;
    Ok(Json(BroadcastList {
        broadcasts: list
            .into_iter()
            .map(|(b, p)| broadcast_view(b, Some(p)))
            .collect(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub audience: Audience,
    pub title: String,
    pub text: String,
}

/// `POST /api/v1/agent/broadcasts`: a free notice.
async fn send_notice(
    State(state): State<AppState>,
    signed: SignedIn,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> Result<Response, ApiError> {
    let form = NoticeForm {
        audience: req.audience,
        title: req.title,
        text: req.text,
    };
    let b = broadcasts::send_notice(Ctx::of(&state), &Operator::Agent(signed.agent), form).await?;
    Ok((StatusCode::CREATED, Json(broadcast_view(b, None))).into_response())
}

/// `GET /api/v1/agent/broadcasts/{id}`.
async fn get_broadcast(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedIn,
) -> Result<Json<BroadcastView>, ApiError> {
    let id = broadcast_id(&id)?;
    let (b, p) = broadcasts::get(Ctx::of(&state), &Operator::Agent(signed.agent), id).await?;
    Ok(Json(broadcast_view(b, Some(p))))
}

/// `POST /api/v1/agent/broadcasts/{id}/{pause|resume|cancel}`.
async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    signed: SignedIn,
) -> Result<Json<BroadcastView>, ApiError> {
    let id = broadcast_id(&id)?;
    let action = BroadcastAction::parse(&action).ok_or_else(|| {
        ApiError::not_found("Tindakan siaran tidak dikenal (pause, resume atau cancel).")
    })?;
    let by = Operator::Agent(signed.agent);
    let ctx = Ctx::of(&state);
    let b = broadcasts::act(ctx, &by, id, action).await?;
    let progress = state.store.broadcast_progress(b.id).await?;
    Ok(Json(broadcast_view(b, Some(progress))))
}

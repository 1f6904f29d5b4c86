//! `GET /demo/outbox`: in a demo database only, the messages Layan has queued (one-time codes
//! included), so a tester can sign in without a phone. Never routed for real data.

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use store::Outbound;

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    /// Only messages to this phone (any common format).
    pub phone: Option<String>,
    pub limit: Option<u32>,
}

pub async fn outbox(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Vec<Outbound>>> {
    let recipient = match q.phone.as_deref() {
        Some(p) => Some(
            jkn::Msisdn::parse(p)
                .map_err(|e| crate::error::ApiError::bad_request("invalid_phone", e.to_string()))?
                .expose()
                .to_string(),
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    Ok(Json(
        state
            .store
            .recent_outbound(recipient.as_deref(), limit)
            .await?,
    ))
}

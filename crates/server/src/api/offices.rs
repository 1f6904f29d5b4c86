//! `GET /api/v1/offices` and `GET /api/v1/offices/{id}`: branch offices with whether they are
//! open now, computed in each office's own time zone, and any current or upcoming closure.

use crate::api::views::{office_view, query_point, OfficeView};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use directory::{distance_m, Point};
use serde::{Deserialize, Serialize};
use store::OfficeId;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeQuery {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct OfficeList {
    pub offices: Vec<OfficeView>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<OfficeQuery>,
) -> ApiResult<Json<OfficeList>> {
    let now = state.now();
    let mut offices: Vec<(store::Office, Option<f64>)> = state
        .store
        .offices()
        .await?
        .into_iter()
        .map(|o| (o, None))
        .collect();
    match query_point(q.lat, q.lon)? {
        Some(point) => {
            for (o, d) in offices.iter_mut() {
                *d = Some(distance_m(
                    point,
                    Point {
                        lat: o.latitude,
                        lon: o.longitude,
                    },
                ));
            }
            offices.sort_by(|a, b| a.1.unwrap_or(f64::MAX).total_cmp(&b.1.unwrap_or(f64::MAX)));
            offices.truncate(q.limit.unwrap_or(5).clamp(1, 50) as usize);
        }
        None => {
            offices.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            if let Some(limit) = q.limit {
                offices.truncate(limit.clamp(1, 500) as usize);
            }
        }
    }
    let mut views = Vec::with_capacity(offices.len());
    for (office, distance) in offices {
        let closures = state.store.closures(office.id, now).await?;
        views.push(office_view(office, closures, now, distance));
    }
    Ok(Json(OfficeList { offices: views }))
}

pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<OfficeView>> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", "Id kantor harus berupa angka."))?;
    let now = state.now();
    let office = state
        .store
        .office(OfficeId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("Kantor cabang tidak ditemukan."))?;
    let closures = state.store.closures(office.id, now).await?;
    Ok(Json(office_view(office, closures, now, None)))
}

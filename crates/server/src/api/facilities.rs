//! `GET /api/v1/facilities`: nearest facilities to a point, or a search by place and name.

use crate::api::views::{facility_view, query_point, FacilityView};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use directory::FacilityKind;
use serde::{Deserialize, Serialize};
use store::{Facility, FacilitySearch, Store};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityQuery {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub kind: Option<String>,
    pub limit: Option<u32>,
    /// A regency code (`3509`) or name (`jember`, `Kota Surabaya`).
    pub regency: Option<String>,
    /// A district code (`350901`) or name.
    pub district: Option<String>,
    /// Part of the facility's name.
    pub q: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FacilityList {
    pub facilities: Vec<FacilityView>,
}

const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 50;

pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> ApiResult<Json<FacilityList>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit harus antara 1 dan {MAX_LIMIT}."),
        ));
    }
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(FacilityKind::from_code(k).ok_or_else(|| {
            let kinds: Vec<&str> = FacilityKind::ALL.iter().map(|k| k.code()).collect();
            ApiError::bad_request(
                "invalid_kind",
                format!(
                    "Jenis faskes '{k}' tidak dikenal. Pilih salah satu: {}.",
                    kinds.join(", ")
                ),
            )
        })?),
    };
    let now = state.now();
    let facilities = match query_point(q.lat, q.lon)? {
        Some(point) => store::nearest_facilities(state.store.as_ref(), point, kind, limit as usize)
            .await?
            .into_iter()
            .map(|(f, d)| facility_view(f, now, Some(d)))
            .collect(),
        None => {
            if q.regency.is_none() && q.district.is_none() && q.q.is_none() {
                return Err(ApiError::bad_request(
                    "missing_place",
                    "Kirim lokasi (lat dan lon), atau cari dengan regency, district atau q.",
                ));
            }
            search(state.store.as_ref(), &q, kind, limit)
                .await?
                .into_iter()
                .map(|f| facility_view(f, now, None))
                .collect()
        }
    };
    Ok(Json(FacilityList { facilities }))
}

/// Regencies matching a code or a name ("jember", "kab. jember", "kota bandung"). A bare name
/// shared by a regency and a city ("bandung") matches both.
pub fn resolve_regencies(input: &str) -> Vec<u16> {
    let s = input.trim().to_lowercase();
    if let Ok(code) = s.parse::<u16>() {
        return wilayah::regency(code)
            .map(|r| vec![r.code])
            .unwrap_or_default();
    }
    let s = s
        .strip_prefix("kabupaten ")
        .map(|r| format!("kab. {r}"))
        .unwrap_or(s);
    let exact: Vec<u16> = wilayah::regencies()
        .iter()
        .filter(|r| r.name.to_lowercase() == s)
        .map(|r| r.code)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    wilayah::regencies()
        .iter()
        .filter(|r| r.short_name().to_lowercase() == s)
        .map(|r| r.code)
        .collect()
}

/// Districts matching a code or a name, within the given regencies when any.
pub fn resolve_districts(input: &str, within: &[u16]) -> Vec<u32> {
    let s = input.trim().to_lowercase();
    if let Ok(code) = s.parse::<u32>() {
        return wilayah::district(code)
            .map(|d| vec![d.code])
            .unwrap_or_default();
    }
    wilayah::districts()
        .iter()
        .filter(|d| {
            d.name.to_lowercase() == s && (within.is_empty() || within.contains(&d.regency_code))
        })
        .map(|d| d.code)
        .collect()
}

async fn search(
    store: &dyn Store,
    q: &FacilityQuery,
    kind: Option<FacilityKind>,
    limit: u32,
) -> ApiResult<Vec<Facility>> {
    let regencies = match &q.regency {
        Some(r) => {
            let found = resolve_regencies(r);
            if found.is_empty() {
                return Err(ApiError::not_found(format!(
                    "Kabupaten/kota '{r}' tidak ditemukan."
                )));
            }
            found
        }
        None => Vec::new(),
    };
    let districts = match &q.district {
        Some(d) => {
            let found = resolve_districts(d, &regencies);
            if found.is_empty() {
                return Err(ApiError::not_found(format!(
                    "Kecamatan '{d}' tidak ditemukan."
                )));
            }
            found
        }
        None => Vec::new(),
    };
    let name =
        q.q.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    // One query per place matched (a name can match a regency and a city of the same name).
    let mut searches: Vec<FacilitySearch> = Vec::new();
    let base = FacilitySearch {
        name_contains: name,
        kind,
        limit,
        ..FacilitySearch::default()
    };
    if !districts.is_empty() {
        for d in &districts {
            searches.push(FacilitySearch {
                district_code: Some(*d),
                ..base.clone()
            });
        }
    } else if !regencies.is_empty() {
        for r in &regencies {
            searches.push(FacilitySearch {
                regency_code: Some(*r),
                ..base.clone()
            });
        }
    } else {
        searches.push(base);
    }
    let mut out = Vec::new();
    for s in &searches {
        out.extend(store.search_facilities(s).await?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    out.dedup_by_key(|f| f.id);
    out.truncate(limit as usize);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regencies_resolve_by_code_name_and_prefix() {
        assert_eq!(resolve_regencies("3509"), vec![3509]);
        assert_eq!(resolve_regencies("Jember"), vec![3509]);
        assert_eq!(resolve_regencies("kabupaten jember"), vec![3509]);
        let bandung = resolve_regencies("bandung");
        assert_eq!(bandung.len(), 2, "Kab. Bandung and Kota Bandung");
        assert_eq!(resolve_regencies("kota bandung").len(), 1);
        assert!(resolve_regencies("atlantis").is_empty());
    }

    #[test]
    fn districts_resolve_within_a_regency() {
        assert_eq!(resolve_districts("jombang", &[3509]), vec![350901]);
        // Jombang is also a regency in East Java; as a district name within Jember it is one.
        assert_eq!(resolve_districts("350901", &[]), vec![350901]);
    }
}

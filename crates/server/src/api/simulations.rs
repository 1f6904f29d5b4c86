//! Public calculators (no login): `POST /api/v1/simulations/{reactivation,rehab,penalty}`.
//! Thin wrappers over the `jkn` rules, which also serve the logged-in endpoints.

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use jkn::{
    penalty, simulate_reactivation, simulate_rehab, CareClass, Penalty, PenaltyInput, Reactivation,
    ReactivationInput, RehabSimulation, RehabSimulationInput, RehabVariant, RuleError, Rupiah,
    Segment, TariffTable,
};
use serde::Deserialize;
use wilayah::TimeZone;

pub fn routes(api: Router<AppState>) -> Router<AppState> {
    api.route("/simulations/reactivation", post(reactivation))
        .route("/simulations/rehab", post(rehab))
        .route("/simulations/penalty", post(penalty_calc))
}

fn rule_error(e: RuleError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
        e.to_string(),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReactivationRequest {
    pub segment: Segment,
    pub class: Option<CareClass>,
    pub months_unpaid: i64,
    pub members: Option<u32>,
    pub wage: Option<Rupiah>,
    /// Defaults to today (WIB).
    pub date: Option<NaiveDate>,
}

impl ReactivationRequest {
    fn input(&self, today: NaiveDate) -> ReactivationInput {
        ReactivationInput {
            segment: self.segment,
            class: self.class,
            members: self.members.unwrap_or(1),
            wage: self.wage,
            months_unpaid: self.months_unpaid,
            date: self.date.unwrap_or(today),
        }
    }
}

async fn reactivation(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ReactivationRequest>,
) -> ApiResult<Json<Reactivation>> {
    let input = req.input(state.today_in(TimeZone::Wib));
    simulate_reactivation(&input, TariffTable::standard(), &state.rules)
        .map(Json)
        .map_err(rule_error)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RehabRequest {
    pub segment: Segment,
    pub class: Option<CareClass>,
    pub months_in_arrears: i64,
    pub members: Option<u32>,
    pub wage: Option<Rupiah>,
    pub date: Option<NaiveDate>,
    /// The segment now, if it differs (someone now in PPU or PBI with old arrears).
    pub current_segment: Option<Segment>,
    pub variant: Option<RehabVariant>,
    pub instalments: Option<u32>,
}

async fn rehab(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RehabRequest>,
) -> ApiResult<Json<RehabSimulation>> {
    let arrears = ReactivationRequest {
        segment: req.segment,
        class: req.class,
        months_unpaid: req.months_in_arrears,
        members: req.members,
        wage: req.wage,
        date: req.date,
    };
    let input = RehabSimulationInput {
        arrears: arrears.input(state.today_in(TimeZone::Wib)),
        current_segment: req.current_segment,
        variant: req.variant,
        instalments: req.instalments,
    };
    simulate_rehab(&input, TariffTable::standard(), &state.rules)
        .map(Json)
        .map_err(rule_error)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenaltyRequest {
    pub segment: Segment,
    pub months_in_arrears: i64,
    /// The INA-CBG tariff of the initial diagnosis, in rupiah.
    #[serde(alias = "inacbg_tariff")]
    pub ina_cbg_tariff: Rupiah,
    /// The day of admission; selects the rate in force. Defaults to today (WIB).
    pub date: Option<NaiveDate>,
}

async fn penalty_calc(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PenaltyRequest>,
) -> ApiResult<Json<Penalty>> {
    let input = PenaltyInput {
        segment: req.segment,
        months_in_arrears: req.months_in_arrears,
        inacbg_tariff: req.ina_cbg_tariff,
        date: Some(req.date.unwrap_or_else(|| state.today_in(TimeZone::Wib))),
    };
    penalty(&input, &state.rules).map(Json).map_err(rule_error)
}

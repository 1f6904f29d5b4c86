//! `GET /api/v1/me/rehab` and `POST /api/v1/me/rehab`: REHAB eligibility on the participant's
//! real ledger, and registering an instalment plan. The same `jkn` functions answer the public
//! calculator, so a participant sees the same numbers before and after signing in.

use crate::api::me::{load_account, Account};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use jkn::{
    rehab_eligibility, rehab_plan, rehab_progress, PlanState, RehabArrears, RehabChoice,
    RehabEligibility, RehabError, RehabPlan, RehabProgress, RulesConfig,
};
use serde::{Deserialize, Serialize};
use store::{NewRehabPlan, StoredRehabPlan};

#[derive(Debug, Serialize)]
pub struct RegisteredPlan {
    pub registered_at: DateTime<Utc>,
    pub plan: RehabPlan,
    pub progress: RehabProgress,
    /// The plan's state in plain Indonesian (a lapse is said plainly).
    pub message: String,
}

pub fn registered_plan(
    stored: StoredRehabPlan,
    account: &Account,
    rules: &RulesConfig,
) -> RegisteredPlan {
    let progress = rehab_progress(&stored.plan, &account.ledger, account.today, rules);
    RegisteredPlan {
        registered_at: stored.registered_at,
        message: progress.message(),
        plan: stored.plan,
        progress,
    }
}

#[derive(Debug, Serialize)]
pub struct RehabView {
    /// Whether a new plan could be registered today, from the real ledger.
    pub eligibility: RehabEligibility,
    pub eligibility_message: String,
    /// The most recent plan, with its progress as of today.
    pub plan: Option<RegisteredPlan>,
}

async fn members(state: &AppState, account: &Account) -> ApiResult<u32> {
    Ok(state
        .store
        .family_members(account.family.id)
        .await?
        .len()
        .max(1) as u32)
}

async fn view_of(state: &AppState, account: &Account) -> ApiResult<RehabView> {
    let arrears = RehabArrears::from_ledger(
        &account.ledger,
        account.family.segment,
        members(state, account).await?,
        account.today,
        &state.rules,
    );
    let eligibility = rehab_eligibility(&arrears, account.today, None, &state.rules);
    let plan = state
        .store
        .latest_rehab_plan(account.family.id)
        .await?
        .map(|stored| registered_plan(stored, account, &state.rules));
    Ok(RehabView {
        eligibility_message: eligibility.message(),
        eligibility,
        plan,
    })
}

pub async fn view(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Json<RehabView>> {
    let account = load_account(&state, &auth).await?;
    Ok(Json(view_of(&state, &account).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RehabRegistration {
    /// How many instalments; the most allowed when omitted.
    pub instalments: Option<u32>,
    /// `rehab1` or `rehab2`; the newest programme in force when omitted.
    pub variant: Option<jkn::RehabVariant>,
}

pub async fn register(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<RehabRegistration>,
) -> ApiResult<(StatusCode, Json<RehabView>)> {
    let account = load_account(&state, &auth).await?;
    if let Some(existing) = state.store.latest_rehab_plan(account.family.id).await? {
        let current = registered_plan(existing, &account, &state.rules);
        if current.progress.state == PlanState::OnTrack {
            // Pressing "daftar" twice over a bad connection must not make two plans.
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "rehab_already_registered",
                format!(
                    "Anda sudah terdaftar dalam program REHAB. {}",
                    current.message
                ),
            ));
        }
    }
    let arrears = RehabArrears::from_ledger(
        &account.ledger,
        account.family.segment,
        members(&state, &account).await?,
        account.today,
        &state.rules,
    );
    let choice = RehabChoice {
        variant: req.variant,
        instalments: req.instalments,
    };
    let plan = rehab_plan(&arrears, account.today, &choice, &state.rules).map_err(|e| match e {
        RehabError::Refused(eligibility) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rehab_not_eligible",
            eligibility.message(),
        ),
        other => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            other.message(),
        ),
    })?;
    state
        .store
        .save_rehab_plan(NewRehabPlan {
            family_id: account.family.id,
            registered_by: account.participant.id,
            registered_at: state.now(),
            plan,
        })
        .await?;
    tracing::info!(participant = %account.participant.nik, "REHAB plan registered");
    Ok((StatusCode::CREATED, Json(view_of(&state, &account).await?)))
}

//! Assignment: a new case goes at once to an on-shift agent of its branch (rotation, within
//! each agent's limit of open cases); a loop every `pandawa.assign_interval_secs` assigns what
//! is still unassigned (nobody was on shift) and moves cases nobody started within
//! `pandawa.pickup_minutes` working minutes. Every move is a `CaseChange` (history + audit),
//! guarded by the status it was decided on, so two nodes never both assign one case.
//!
//! Only agents with the `agent` role receive work automatically; supervisors and admins take
//! or reassign cases by hand. An agent is on shift when one of their shifts covers the moment
//! in their branch's time zone and the day is not a holiday of that branch. A case of no
//! branch (`office_id` None) may go to an on-shift agent of any branch.

use crate::casework::calendar;
use crate::state::AppState;
use cases::{AgentRole, BusinessCalendar, Candidate, CaseStatus};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use store::{
    Actor, Agent, AgentId, Case, CaseChange, CaseEventKind, CaseId, CaseQuery, NewAudit,
    NewCaseEvent, StoreError,
};

/// Most cases one pass of the loop looks at, per kind of work.
const PASS_LIMIT: u32 = 500;

/// What one pass of the loop did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Unassigned cases given to an agent.
    pub assigned: u32,
    /// Lapsed cases moved to another agent.
    pub reassigned: u32,
}

/// Whether `agent` works at `at`: a shift covers it in the branch's zone and the branch is
/// not on holiday that day.
pub async fn agent_on_shift(
    state: &AppState,
    agent: &Agent,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut branches = calendar::Branches::load(state.store.as_ref()).await?;
    on_shift(state, &mut branches, agent, at).await
}

async fn on_shift(
    state: &AppState,
    branches: &mut calendar::Branches,
    agent: &Agent,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let cal = branches
        .calendar(state.store.as_ref(), agent.office_id)
        .await?;
    let local_day = directory::hours::local_date(at, cal.tz);
    Ok(!cal.holidays.contains(&local_day) && cases::shift::on_shift(&agent.shifts, cal.tz, at))
}

/// The agent to receive `case` now, excluding `exclude`.
async fn choose(
    state: &AppState,
    branches: &mut calendar::Branches,
    case: &Case,
    exclude: Option<AgentId>,
    now: DateTime<Utc>,
) -> Result<Option<AgentId>, StoreError> {
    let agents = state.store.agents(case.office_id).await?;
    let open: HashMap<AgentId, u32> = state
        .store
        .open_cases_per_agent()
        .await?
        .into_iter()
        .collect();
    let mut candidates = Vec::new();
    for a in agents {
        if !a.active || a.role != AgentRole::Agent {
            continue;
        }
        // `agents(Some(office))` already filters; the check keeps a backend's reading of
        // "agents of no branch" from leaking other branches' cases.
        if case.office_id.is_some() && a.office_id != case.office_id {
            continue;
        }
        let on = on_shift(state, branches, &a, now).await?;
        candidates.push(Candidate {
            agent_id: a.id.0,
            on_shift: on,
            open_cases: open.get(&a.id).copied().unwrap_or(0),
            max_open_cases: a.max_open_cases,
            last_assigned_at: a.last_assigned_at,
        });
    }
    Ok(cases::pick_agent(&candidates, exclude.map(|a| a.0)).map(AgentId))
}

fn assignment(case: &Case, agent: AgentId, why: &str, now: DateTime<Utc>) -> CaseChange {
    CaseChange {
        case_id: case.id,
        expected_status: case.status,
        expected_assignee: Some(case.assigned_to),
        status: None,
        assign: Some(Some(agent)),
        first_response: false,
        fields: None,
        event: NewCaseEvent {
            kind: CaseEventKind::Assigned,
            actor: Actor::System,
            text: why.to_string(),
            at: now,
        },
        outbound: Vec::new(),
        turns: Vec::new(),
        conversation: None,
        audit: Some(NewAudit {
            at: now,
            agent_id: None,
            action: "assign".into(),
            participant_id: case.participant_id,
            case_id: Some(case.id),
            detail: format!("{why}: petugas #{}", agent.0),
        }),
    }
}

/// Applies `change`; a conflict means someone else moved the case first, which is fine.
async fn apply(state: &AppState, change: CaseChange) -> Result<Option<Case>, StoreError> {
    let id = change.case_id;
    match state.store.change_case(change).await {
        Ok(c) => Ok(Some(c)),
        Err(StoreError::Conflict(_)) => state.store.case(id).await,
        Err(e) => Err(e),
    }
}

/// Tries to give `case` to an agent now; returns the case as stored afterwards.
pub async fn assign_now(state: &AppState, case: CaseId) -> Result<Option<Case>, StoreError> {
    let Some(c) = state.store.case(case).await? else {
        return Ok(None);
    };
    if c.status.is_closed() || c.assigned_to.is_some() {
        return Ok(Some(c));
    }
    let now = state.now();
    let mut branches = calendar::Branches::load(state.store.as_ref()).await?;
    match choose(state, &mut branches, &c, None, now).await? {
        Some(agent) => apply(state, assignment(&c, agent, "Dibagikan otomatis", now)).await,
        None => Ok(Some(c)),
    }
}

/// Whether an assigned case nobody started has waited longer than `pickup_minutes` of the
/// branch's working time.
fn lapsed(case: &Case, cal: &BusinessCalendar, pickup_minutes: u32, now: DateTime<Utc>) -> bool {
    match (case.status, case.assigned_to, case.assigned_at) {
        (CaseStatus::Submitted, Some(_), Some(at)) => {
            cal.working_minutes_between(at, now) > pickup_minutes
        }
        _ => false,
    }
}

/// One pass of the loop: assigns unassigned open cases, then moves lapsed ones.
pub async fn run_once(state: &AppState) -> Result<Pass, StoreError> {
    let now = state.now();
    let mut pass = Pass::default();
    let mut branches = calendar::Branches::load(state.store.as_ref()).await?;
    let unassigned = state
        .store
        .list_cases(&CaseQuery {
            assigned_to: Some(None),
            statuses: CaseStatus::OPEN.to_vec(),
            include_unplaced: true,
            oldest_first: true,
            limit: PASS_LIMIT,
            ..CaseQuery::default()
        })
        .await?;
    for c in unassigned {
        if c.assigned_to.is_some() || c.status.is_closed() {
            continue;
        }
        if let Some(agent) = choose(state, &mut branches, &c, None, now).await? {
            if let Some(after) =
                apply(state, assignment(&c, agent, "Dibagikan otomatis", now)).await?
            {
                if after.assigned_to == Some(agent) {
                    pass.assigned += 1;
                }
            }
        }
    }
    let waiting = state
        .store
        .list_cases(&CaseQuery {
            statuses: vec![CaseStatus::Submitted],
            include_unplaced: true,
            oldest_first: true,
            limit: PASS_LIMIT,
            ..CaseQuery::default()
        })
        .await?;
    let pickup = state.config.pandawa.pickup_minutes;
    for c in waiting {
        let cal = branches.calendar(state.store.as_ref(), c.office_id).await?;
        if !lapsed(&c, &cal, pickup, now) {
            continue;
        }
        let current = c.assigned_to;
        if let Some(agent) = choose(state, &mut branches, &c, current, now).await? {
            let why = "Dialihkan karena belum diambil dalam batas waktu";
            if let Some(after) = apply(state, assignment(&c, agent, why, now)).await? {
                if after.assigned_to == Some(agent) {
                    pass.reassigned += 1;
                    tracing::info!(case = c.id.0, from = ?current.map(|a| a.0), to = agent.0, "lapsed case reassigned");
                }
            }
        }
    }
    Ok(pass)
}

/// Starts the background loop (called once per node from `AppState::new`). An interval of
/// 0 turns the loop off (tests drive [`run_once`] themselves).
pub fn spawn(state: AppState) {
    let secs = state.config.pandawa.assign_interval_secs;
    if secs == 0 {
        return;
    }
    let period = std::time::Duration::from_secs(secs);
    tokio::spawn(async move {
        let mut ticks = crate::ticks::every(period, period);
        loop {
            ticks.tick().await;
            // A database hiccup must not end assignment for the life of the node.
            match run_once(&state).await {
                Ok(p) if p.assigned + p.reassigned > 0 => {
                    tracing::info!(
                        assigned = p.assigned,
                        reassigned = p.reassigned,
                        "assignment pass"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "assignment pass failed; retrying later"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use serde_json::json;

    fn case(status: CaseStatus, assigned_at: Option<DateTime<Utc>>) -> Case {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
        Case {
            id: CaseId(1),
            number: "ADU-000001".into(),
            kind: "pengaduan".into(),
            participant_id: None,
            family_id: None,
            office_id: None,
            channel: "webchat".into(),
            sender: "b".into(),
            fields: json!({}),
            status,
            submission_key: None,
            assigned_to: assigned_at.map(|_| AgentId(3)),
            assigned_at,
            first_response_at: None,
            closed_at: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn only_an_assigned_case_still_submitted_can_lapse() {
        let cal = BusinessCalendar::pandawa_default(wilayah::TimeZone::Wib);
        // Monday 08:00 WIB assigned, 09:00 WIB now: 60 working minutes.
        let assigned = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap();
        assert!(lapsed(
            &case(CaseStatus::Submitted, Some(assigned)),
            &cal,
            30,
            now
        ));
        assert!(!lapsed(
            &case(CaseStatus::Submitted, Some(assigned)),
            &cal,
            90,
            now
        ));
        assert!(!lapsed(
            &case(CaseStatus::InProgress, Some(assigned)),
            &cal,
            30,
            now
        ));
        assert!(!lapsed(&case(CaseStatus::Submitted, None), &cal, 30, now));
    }
}

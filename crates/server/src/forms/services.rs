//! The server's casework offered to the assistant (`dialog::CaseServices`): signed web-form
//! links, each branch's PANDAWA calendar, and assignment of a case the assistant filed.

use crate::casework::{assign, calendar, links};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use dialog::port::DataResult;
use dialog::{async_trait, CaseServices, FormLinkRequest};
use std::sync::Arc;
use store::{Case, Office};

pub struct ServerServices {
    state: AppState,
}

/// What `dialog::StoreData::with_services` takes.
pub fn dialog_services(state: &AppState) -> Arc<dyn CaseServices> {
    Arc::new(ServerServices {
        state: state.clone(),
    })
}

#[async_trait]
impl CaseServices for ServerServices {
    async fn form_link(&self, request: &FormLinkRequest) -> DataResult<Option<String>> {
        let Ok(kind) = request.kind.parse::<cases::CaseKind>() else {
            return Ok(None);
        };
        if !kind.spec().web_form {
            return Ok(None);
        }
        let mut link = links::new_link(
            &self.state,
            kind.as_str(),
            &request.channel,
            &request.sender,
        )?;
        link.participant_id = request.participant_id;
        link.family_id = request.family_id;
        link.office_id = request.office_id;
        link.prefill = request.prefill.clone();
        let (_, url) = links::issue(&self.state, link).await?;
        Ok(Some(url))
    }

    async fn agents_work_from(
        &self,
        office: Option<&Office>,
        at: DateTime<Utc>,
    ) -> DataResult<Option<DateTime<Utc>>> {
        let cal = calendar::for_office(self.state.store.as_ref(), office).await?;
        Ok(cal.next_open(at))
    }

    async fn case_filed(&self, case: &Case) -> DataResult<()> {
        // The case is stored; if no agent can take it now, the assignment loop will.
        if let Err(e) = assign::assign_now(&self.state, case.id).await {
            tracing::warn!(case = %case.number, error = %e, "assignment deferred to the loop");
        }
        Ok(())
    }
}

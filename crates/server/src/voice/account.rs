//! A verified caller's account, read from the store and run through the `jkn` rules exactly as
//! the chat and the participant API do: what the spoken answers and the details sent
//! afterwards are made of.

use crate::state::AppState;
use chrono::NaiveDate;
use dialog::templates as t;
use jkn::{
    account_status, reactivation, rehab_eligibility, rehab_progress, AccountStatus, PlanState,
    Reactivation, RehabArrears, RehabEligibility, RehabProgress, Rupiah,
};
use store::{Family, FamilyId, Participant, ParticipantId, StoreError};
use voice::call::Topic;

pub struct Account {
    pub me: Participant,
    pub family: Family,
    pub members: Vec<Participant>,
    pub today: NaiveDate,
    pub status: AccountStatus,
    pub reactivation: Reactivation,
    pub plan: Option<RehabProgress>,
    pub rehab: RehabEligibility,
}

impl Account {
    /// The participant's account today in their own time zone; `None` when the participant or
    /// the family is gone since verification.
    pub async fn load(
        state: &AppState,
        participant: ParticipantId,
        family: FamilyId,
    ) -> Result<Option<Account>, StoreError> {
        let store = &state.store;
        let Some(me) = store.participant(participant).await? else {
            return Ok(None);
        };
        if me.family_id != family {
            return Ok(None);
        }
        let Some(family) = store.family(me.family_id).await? else {
            return Ok(None);
        };
        let members = store.family_members(family.id).await?;
        let ledger = store.ledger(family.id).await?;
        let rules = state.rules.as_ref();
        let today = state.today_for_district(me.district_code);
        let status = account_status(&ledger, today, rules);
        let re = reactivation(&ledger, today, rules);
        let plan = store
            .latest_rehab_plan(family.id)
            .await?
            .map(|stored| rehab_progress(&stored.plan, &ledger, today, rules));
        let arrears = RehabArrears::from_ledger(
            &ledger,
            family.segment,
            members.len().max(1) as u32,
            today,
            rules,
        );
        let rehab = rehab_eligibility(&arrears, today, None, rules);
        Ok(Some(Account {
            me,
            family,
            members,
            today,
            status,
            reactivation: re,
            plan,
            rehab,
        }))
    }

    /// Whether the card is usable now: the ledger's status, or a REHAB plan on schedule that
    /// already reactivates it.
    pub fn active(&self) -> bool {
        self.status.active || self.plan.as_ref().is_some_and(|p| p.card_active)
    }

    fn plan_on_track(&self) -> Option<&RehabProgress> {
        self.plan.as_ref().filter(|p| p.state == PlanState::OnTrack)
    }

    fn facts(&self) -> voice::prompts::Account<'_> {
        voice::prompts::Account {
            today: self.today,
            segment: self.family.segment,
            class: self.family.class.number(),
            members: self.members.len(),
            status: &self.status,
            reactivation: &self.reactivation,
            active: self.active(),
            plan: self.plan.as_ref(),
            rehab: Some(&self.rehab).filter(|r| r.eligible),
        }
    }

    /// The spoken answer.
    pub fn speech(&self, topic: Topic) -> String {
        match topic {
            Topic::Status => voice::prompts::status(&self.facts()),
            Topic::Bill => voice::prompts::bill(&self.facts()),
        }
    }

    /// The same answer as a written message, in the chat's words, for WhatsApp or SMS.
    pub fn details(&self, topic: Topic, due_day: u32) -> String {
        let mut parts = vec!["Rincian dari layanan telepon VIKA (JKN):".to_string()];
        match topic {
            Topic::Status => {
                parts.push(
                    t::status(
                        &[&self.me],
                        &self.family,
                        &self.status,
                        self.plan.as_ref(),
                        self.active(),
                        self.members.len(),
                        true,
                    )
                    .body()
                    .to_string(),
                );
            }
            Topic::Bill => {
                parts.push(
                    t::bills(
                        &self.family,
                        &self.status,
                        &self.reactivation,
                        self.members.len(),
                        self.plan.as_ref(),
                    )
                    .body()
                    .to_string(),
                );
                let owes = self.reactivation.total > Rupiah::ZERO
                    || self.status.current_month_due > Rupiah::ZERO;
                if owes && self.family.segment.pays_own_dues() {
                    let next = self.plan_on_track().and_then(|p| p.next_due.as_ref());
                    parts.push(
                        t::pay_personal(
                            &self.family,
                            &self.status,
                            &self.reactivation,
                            next,
                            due_day,
                        )
                        .body()
                        .to_string(),
                    );
                }
                if self.rehab.eligible && self.plan_on_track().is_none() {
                    parts.push(self.rehab.message());
                }
            }
        }
        parts.join("\n\n")
    }
}

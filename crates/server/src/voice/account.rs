//! A verified caller's account: the chat's own [`dialog::Account`] (the same loading and the
//! same `jkn` rules), plus the figures the spoken answers and the details sent afterwards need.

use crate::state::AppState;
use dialog::templates as t;
use jkn::{PlanState, Reactivation, RehabEligibility, RehabProgress, Rupiah};
use store::{FamilyId, ParticipantId};
use voice::call::Topic;

pub struct Account {
    account: dialog::Account,
    reactivation: Reactivation,
    rehab: RehabEligibility,
}

impl std::ops::Deref for Account {
    type Target = dialog::Account;
    fn deref(&self) -> &dialog::Account {
        &self.account
    }
}

impl Account {
    pub async fn load(
        state: &AppState,
        participant: ParticipantId,
        family: FamilyId,
    ) -> Result<Option<Account>, dialog::DialogError> {
        let data = dialog::StoreData::new(state.store.clone());
        let rules = state.rules.as_ref();
        let Some(account) = dialog::Account::load(&data, participant, state.now(), rules).await?
        else {
            return Ok(None);
        };
        // The call verified this family; a participant moved since is not answered for.
        if account.family.id != family {
            return Ok(None);
        }
        Ok(Some(Account {
            reactivation: account.reactivation(rules),
            rehab: account.rehab_eligibility(rules),
            account,
        }))
    }

    fn progress(&self) -> Option<&RehabProgress> {
        self.plan.as_ref().map(|(_, p)| p)
    }

    fn plan_on_track(&self) -> Option<&RehabProgress> {
        self.progress().filter(|p| p.state == PlanState::OnTrack)
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
            plan: self.progress(),
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
                        self.progress(),
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
                        self.progress(),
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

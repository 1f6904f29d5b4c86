//! Greeting, thanks, misunderstandings, help topics and the hand-off to a human.

use crate::engine::{local_hour, Ctx, DialogResult};
use crate::records::NewCase;
use crate::state::{Args, Flow, Register};
use crate::templates as t;
use crate::understand::Said;
use cases::{CaseKind, CaseStatus};
use directory::hours::open_state;
use directory::ClosureWindow;
use jkn::referral_validity;
use nlu::Intent;
use wilayah::TimeZone;

impl Ctx<'_> {
    pub(crate) async fn greet(&mut self, said: &Said) -> DialogResult<()> {
        let name = match self.verified() {
            Some(id) => self
                .data()
                .participant(id.participant_id)
                .await?
                .map(|p| p.name),
            None => None,
        };
        let hour = local_hour(self.now, TimeZone::Wib);
        let casual = said.casual || self.st.register == Register::Casual;
        self.say(t::greeting(
            hour,
            name.as_deref(),
            casual,
            self.st.turns == 0,
        ));
        self.say(t::menu(name.is_some()));
        Ok(())
    }

    pub(crate) async fn thanks(&mut self) -> DialogResult<()> {
        self.st.flow = None;
        self.st.paused = None;
        self.say(t::thanks());
        Ok(())
    }

    pub(crate) async fn not_understood(&mut self, said: &Said) -> DialogResult<()> {
        if self.st.waiting_for_agent.is_some() {
            // Waiting for a human: the message is for the agent, not a misunderstanding.
            self.say(t::forwarded_to_agent());
            return Ok(());
        }
        self.st.misunderstandings += 1;
        if self.st.misunderstandings >= self.eng.config.misunderstandings_before_human {
            self.st.flow = Some(Flow::HumanOffer);
            self.say(t::offer_human());
            return Ok(());
        }
        let _ = said;
        self.say(t::not_understood());
        self.say(t::menu(self.verified().is_some()));
        Ok(())
    }

    pub(crate) async fn help(&mut self, intent: Intent, args: &Args) -> DialogResult<()> {
        match intent {
            Intent::Antrean => self.say(t::help_queue(&args.words)),
            Intent::Rujukan => {
                let today = self.today();
                let check = args
                    .date
                    .filter(|d| *d <= today)
                    .and_then(|d| referral_validity(d, today, self.rules()).ok());
                self.say(t::help_referral(
                    self.rules().changes.referral_validity_days,
                    check.as_ref(),
                ));
            }
            Intent::MobileJkn => self.say(t::help_mobile_jkn(&args.words)),
            _ => {
                let branch = self.known_branch().await?;
                self.say(t::service_channels(branch.as_ref()));
            }
        }
        Ok(())
    }

    /// Hands the conversation to a human: marks it waiting, files a live-chat case for the
    /// agents (one per wait, however often it is asked), says when agents work (the branch's
    /// hours in its local time), the case number and what happens next.
    pub(crate) async fn hand_off(&mut self) -> DialogResult<()> {
        self.st.flow = None;
        self.st.misunderstandings = 0;
        let since = *self.st.waiting_for_agent.get_or_insert(self.now);
        let branch = self.known_branch().await?;
        let identity = self.verified();
        let case = self
            .data()
            .create_case(NewCase {
                kind: CaseKind::LiveChat.as_str().to_string(),
                number_prefix: CaseKind::LiveChat.spec().number_prefix.to_string(),
                participant_id: identity.as_ref().map(|i| i.participant_id),
                family_id: identity.as_ref().map(|i| i.family_id),
                office_id: branch.as_ref().map(|b| b.id),
                channel: self.sender.channel.clone(),
                sender: self.sender.id.clone(),
                fields: serde_json::json!({
                    "waiting_since": since,
                    "topic": self.st.topic.map(Intent::code),
                    "verified": identity.is_some(),
                }),
                status: CaseStatus::Submitted,
                // The same wait is one case: asking again, or a crash making the assistant
                // handle the message twice, finds the case made the first time.
                submission_key: Some(format!(
                    "livechat:{}:{}:{}",
                    self.sender.channel,
                    self.sender.id,
                    since.timestamp_millis()
                )),
                created_at: self.now,
            })
            .await?;
        self.data().case_filed(&case).await?;
        let number = Some(case.number.as_str());
        match branch {
            Some(office) => {
                let closures = self.data().closures(office.id, self.now).await?;
                let windows: Vec<ClosureWindow> =
                    closures.iter().map(store::Closure::window).collect();
                let open = open_state(&office.hours, office.timezone, &[], &windows, self.now);
                let closure = open.closed_by.and_then(|i| closures.get(i));
                self.say(t::handoff(
                    Some((&office, &open, closure)),
                    number,
                    self.now,
                ));
            }
            None => self.say(t::handoff(None, number, self.now)),
        }
        Ok(())
    }
}

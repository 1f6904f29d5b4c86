//! Greeting, thanks, misunderstandings, help topics and the hand-off to a human.

use crate::engine::{local_hour, Ctx, DialogResult};
use crate::state::{Args, Flow, Register};
use crate::templates as t;
use crate::understand::Said;
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

    /// Hands the conversation to a human: marks it waiting, says when agents work (the
    /// branch's hours in its local time) and what happens next.
    pub(crate) async fn hand_off(&mut self) -> DialogResult<()> {
        self.st.flow = None;
        self.st.misunderstandings = 0;
        if self.st.waiting_for_agent.is_none() {
            self.st.waiting_for_agent = Some(self.now);
        }
        match self.known_branch().await? {
            Some(office) => {
                let closures = self.data().closures(office.id, self.now).await?;
                let windows: Vec<ClosureWindow> =
                    closures.iter().map(store::Closure::window).collect();
                let open = open_state(&office.hours, office.timezone, &[], &windows, self.now);
                let closure = open.closed_by.and_then(|i| closures.get(i));
                self.say(t::handoff(Some((&office, &open, closure)), self.now));
            }
            None => self.say(t::handoff(None, self.now)),
        }
        Ok(())
    }
}

//! Answers about the participant's own account, after verification: status (also of family
//! members), bills and the last payment, how to pay, REHAB, and the service penalty. Every
//! number comes from the stored ledger through the `jkn` rules.

use crate::engine::{Ctx, DialogResult, Took};
use crate::forms::FormKind;
use crate::port::DialogData;
use crate::state::{Args, Flow, Request, VerifiedIdentity};
use crate::templates as t;
use crate::understand::Said;
use chrono::{DateTime, NaiveDate, Utc};
use directory::hours::local_date;
use jkn::{
    account_status, reactivation, rehab_eligibility, rehab_plan, rehab_progress, AccountStatus,
    Ledger, PenaltyInput, PlanState, Reactivation, RehabArrears, RehabChoice, RehabEligibility,
    RehabPlan, RehabProgress, Rupiah,
};
use nlu::Intent;
use store::{Family, NewRehabPlan, Participant, ParticipantId, StoredRehabPlan};
use wilayah::TimeZone;

/// A verified participant's account as of today in their own time zone: what every channel
/// (chat, voice) answers status and bill questions from.
pub struct Account {
    pub me: Participant,
    pub family: Family,
    pub members: Vec<Participant>,
    pub ledger: Ledger,
    pub today: NaiveDate,
    pub status: AccountStatus,
    pub plan: Option<(StoredRehabPlan, RehabProgress)>,
}

impl Account {
    /// Whether the family may move to `requested` class now (once a year, no arrears, the
    /// whole family): the rule the chat and the web form both apply.
    pub fn class_change(
        &self,
        requested: jkn::CareClass,
        rules: &jkn::RulesConfig,
    ) -> Option<jkn::ClassChange> {
        let since = self
            .members
            .iter()
            .map(|m| m.class_since)
            .max()
            .unwrap_or(self.me.class_since);
        jkn::class_change(
            &jkn::ClassChangeInput {
                segment: self.family.segment,
                current_class: self.family.class,
                requested_class: requested,
                class_since: since.min(self.today),
                months_in_arrears: self.status.months_in_arrears,
                whole_family: true,
                requested_on: self.today,
            },
            rules,
        )
        .ok()
    }

    /// Whether the participant may change FKTP now (3 months after the last change, unless
    /// they moved or were posted elsewhere).
    pub fn fktp_change(
        &self,
        reason: jkn::FktpChangeReason,
        rules: &jkn::RulesConfig,
    ) -> Option<jkn::FktpChange> {
        let since = self.me.fktp_since.unwrap_or(self.me.registered_on);
        jkn::fktp_change(
            &jkn::FktpChangeInput {
                fktp_since: since.min(self.today),
                requested_on: self.today,
                reason,
            },
            rules,
        )
        .ok()
    }

    pub fn reactivation(&self, rules: &jkn::RulesConfig) -> Reactivation {
        reactivation(&self.ledger, self.today, rules)
    }

    /// Whether the card is usable now: the ledger's status, or a REHAB plan on schedule that
    /// already reactivates it.
    pub fn active(&self) -> bool {
        self.status.active || self.plan.as_ref().is_some_and(|(_, p)| p.card_active)
    }

    pub fn plan_running(&self) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|(_, p)| p.state == PlanState::OnTrack)
    }

    pub fn members_billed(&self) -> u32 {
        self.members.len().max(1) as u32
    }

    /// Whether the family may join REHAB now, from its ledger.
    pub fn rehab_eligibility(&self, rules: &jkn::RulesConfig) -> RehabEligibility {
        let arrears = RehabArrears::from_ledger(
            &self.ledger,
            self.family.segment,
            self.members_billed(),
            self.today,
            rules,
        );
        rehab_eligibility(&arrears, self.today, None, rules)
    }

    /// Loads a participant's account at `now`, "today" being the date in their home's zone.
    pub async fn load(
        data: &dyn DialogData,
        participant: ParticipantId,
        now: DateTime<Utc>,
        rules: &jkn::RulesConfig,
    ) -> DialogResult<Option<Account>> {
        let Some(me) = data.participant(participant).await? else {
            return Ok(None);
        };
        let Some(family) = data.family(me.family_id).await? else {
            return Ok(None);
        };
        let members = data.family_members(family.id).await?;
        let ledger = data.ledger(family.id).await?;
        let tz = wilayah::timezone_of_district(me.district_code).unwrap_or(TimeZone::Wib);
        let today = local_date(now, tz);
        let status = account_status(&ledger, today, rules);
        let plan = data.latest_rehab_plan(family.id).await?.map(|stored| {
            let progress = rehab_progress(&stored.plan, &ledger, today, rules);
            (stored, progress)
        });
        Ok(Some(Account {
            me,
            family,
            members,
            ledger,
            today,
            status,
            plan,
        }))
    }
}

impl Ctx<'_> {
    pub(crate) async fn account(&self, id: &VerifiedIdentity) -> DialogResult<Option<Account>> {
        Account::load(self.data(), id.participant_id, self.now, self.rules()).await
    }

    /// Answers a request that needed a verified participant.
    pub(crate) async fn answer(
        &mut self,
        request: Request,
        id: VerifiedIdentity,
    ) -> DialogResult<()> {
        let Some(acc) = self.account(&id).await? else {
            // The participant disappeared (merged or removed) since verification.
            self.st.identity = None;
            self.say(t::ask_identity(request.intent));
            self.st.flow = Some(Flow::Identify { then: request });
            return Ok(());
        };
        self.intent = Some(request.intent);
        let args = &request.args;
        let said = Said::default();
        match request.intent {
            Intent::CekStatus => self.status(&acc, args),
            Intent::Tagihan => self.bills(&acc, args),
            Intent::CaraBayar => self.how_to_pay(Some(&acc)).await?,
            Intent::Rehab => self.rehab(&acc).await?,
            Intent::Denda => self.penalty(Some(&acc), args).await?,
            Intent::TambahAnggota => {
                self.start_form(FormKind::TambahAnggota, Some(&acc), args, &said)
                    .await?
            }
            Intent::KurangiAnggota => {
                self.start_form(FormKind::KurangiAnggota, Some(&acc), args, &said)
                    .await?
            }
            Intent::UbahData => {
                self.start_form(FormKind::UbahData, Some(&acc), args, &said)
                    .await?
            }
            Intent::UbahKelas => {
                self.start_form(FormKind::UbahKelas, Some(&acc), args, &said)
                    .await?
            }
            Intent::AktivasiKartu => {
                self.start_form(FormKind::AktivasiKartu, Some(&acc), args, &said)
                    .await?
            }
            Intent::PindahFaskes => {
                self.start_form(FormKind::PindahFaskes, Some(&acc), args, &said)
                    .await?
            }
            _ => self.say(t::menu(true)),
        }
        Ok(())
    }

    fn status(&mut self, acc: &Account, args: &Args) {
        let wanted: Vec<&Participant> = match args.relation {
            Some(r) => acc
                .members
                .iter()
                .filter(|m| relation_matches(r, &acc.me, m))
                .collect(),
            None if args.words.contains("keluarga") || args.words.contains("semua") => {
                acc.members.iter().collect()
            }
            None => vec![&acc.me],
        };
        if wanted.is_empty() {
            self.say(t::no_such_member(args.relation, &acc.members));
            return;
        }
        let plan = acc.plan.as_ref().map(|(_, p)| p);
        self.say(t::status(
            &wanted,
            &acc.family,
            &acc.status,
            plan,
            acc.active(),
            acc.members.len(),
            wanted.len() == 1 && wanted[0].id == acc.me.id,
        ));
        let eligible = self.rehab_check(acc).eligible;
        self.say(t::status_next(
            acc.active(),
            &acc.family,
            eligible,
            acc.members.len() > 1,
        ));
    }

    fn rehab_check(&self, acc: &Account) -> RehabEligibility {
        acc.rehab_eligibility(self.rules())
    }

    fn bills(&mut self, acc: &Account, args: &Args) {
        let re = acc.reactivation(self.rules());
        // "pembayaran tgl 5 kemarin udah masuk belum": look for that payment.
        let asked_payment = args
            .date
            .filter(|d| *d <= acc.today && *d > acc.today - chrono::Duration::days(120));
        let found = asked_payment.map(|d| {
            (
                d,
                acc.ledger
                    .payments
                    .iter()
                    .filter(|p| p.paid_on == d)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        });
        self.say(t::bills(
            &acc.family,
            &acc.status,
            &re,
            acc.members.len(),
            acc.plan.as_ref().map(|(_, p)| p),
        ));
        self.say(t::payment_record(
            acc.status.last_payment.as_ref(),
            found.as_ref(),
        ));
        let eligible = self.rehab_check(acc).eligible && !acc.plan_running();
        self.say(t::bills_next(
            &acc.family,
            re.total > Rupiah::ZERO,
            eligible,
        ));
    }

    pub(crate) async fn how_to_pay(&mut self, acc: Option<&Account>) -> DialogResult<()> {
        match acc {
            None => {
                self.say(t::pay_channels_general(self.rules().dues.due_day));
            }
            Some(acc) => {
                let re = acc.reactivation(self.rules());
                let plan = acc
                    .plan
                    .as_ref()
                    .filter(|(_, p)| p.state == PlanState::OnTrack)
                    .and_then(|(_, p)| p.next_due.clone());
                self.say(t::pay_personal(
                    &acc.family,
                    &acc.status,
                    &re,
                    plan.as_ref(),
                    self.rules().dues.due_day,
                ));
            }
        }
        Ok(())
    }

    /// The monthly dues of a class for a participant who pays their own (PBPU/BP), from the
    /// tariff table in force today.
    pub(crate) async fn class_dues(&mut self, class: Option<jkn::CareClass>) -> DialogResult<()> {
        let today = self.today();
        let period = jkn::TariffTable::standard()
            .period_at(jkn::YearMonth::of(today))
            .ok();
        let rates: Vec<(u8, Rupiah, Rupiah)> = period
            .map(|p| {
                p.mandiri
                    .iter()
                    .filter(|r| class.is_none_or(|c| c.number() == r.class))
                    .map(|r| (r.class, Rupiah(r.participant), Rupiah(r.total)))
                    .collect()
            })
            .unwrap_or_default();
        self.say(t::class_dues(&rates, self.rules().dues.due_day));
        Ok(())
    }

    pub(crate) async fn rehab(&mut self, acc: &Account) -> DialogResult<()> {
        if let Some((_, progress)) = acc
            .plan
            .as_ref()
            .filter(|(_, p)| p.state == PlanState::OnTrack)
        {
            self.say(t::rehab_already(progress));
            return Ok(());
        }
        let eligibility = self.rehab_check(acc);
        let Some(range) = eligibility.instalments.filter(|_| eligibility.eligible) else {
            let re = acc.reactivation(self.rules());
            self.say(t::rehab_refused(&eligibility, &re, &acc.family));
            return Ok(());
        };
        let plan = self.plan_for(acc, range.max);
        match plan {
            Some(plan) => {
                self.say(t::rehab_offer(&eligibility, &plan, &acc.family));
                self.st.flow = Some(Flow::RehabOffer {
                    min: range.min,
                    max: range.max,
                    chosen: range.max,
                });
            }
            None => self.say(t::rehab_refused(
                &eligibility,
                &acc.reactivation(self.rules()),
                &acc.family,
            )),
        }
        Ok(())
    }

    fn plan_for(&self, acc: &Account, instalments: u32) -> Option<RehabPlan> {
        let arrears = RehabArrears::from_ledger(
            &acc.ledger,
            acc.family.segment,
            acc.members_billed(),
            acc.today,
            self.rules(),
        );
        rehab_plan(
            &arrears,
            acc.today,
            &RehabChoice {
                variant: None,
                instalments: Some(instalments),
            },
            self.rules(),
        )
        .ok()
    }

    async fn verified_account(&mut self) -> DialogResult<Option<Account>> {
        match self.verified() {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    pub(crate) async fn continue_rehab(
        &mut self,
        min: u32,
        max: u32,
        chosen: u32,
        said: &Said,
    ) -> DialogResult<Took> {
        if said.yes {
            self.register_rehab(chosen).await?;
            return Ok(Took::Yes);
        }
        if let Some(n) = said
            .number
            .or(said.months.filter(|_| said.words.contains("kali")))
        {
            self.choose_instalments(min, max, n).await?;
            return Ok(Took::Yes);
        }
        if said.no {
            self.st.flow = None;
            self.say(t::rehab_declined());
            return Ok(Took::Yes);
        }
        self.st.flow = None;
        Ok(Took::No)
    }

    pub(crate) async fn rehab_choice(
        &mut self,
        min: u32,
        max: u32,
        chosen: u32,
        id: &str,
    ) -> DialogResult<Took> {
        match id.split(':').collect::<Vec<_>>().as_slice() {
            ["rehab", "register", n] => {
                let n = n.parse().unwrap_or(chosen);
                self.register_rehab(n).await?;
            }
            ["rehab", "choose"] => self.say(t::rehab_counts(min, max)),
            ["rehab", "count", n] => {
                let n = n.parse().unwrap_or(chosen);
                self.choose_instalments(min, max, n).await?;
            }
            ["no"] | ["rehab", "no"] => {
                self.st.flow = None;
                self.say(t::rehab_declined());
            }
            ["yes"] => self.register_rehab(chosen).await?,
            _ => return Ok(Took::No),
        }
        Ok(Took::Yes)
    }

    async fn choose_instalments(&mut self, min: u32, max: u32, n: u32) -> DialogResult<()> {
        if n < min || n > max {
            self.say(t::rehab_out_of_range(n, min, max));
            return Ok(());
        }
        let Some(acc) = self.verified_account().await? else {
            self.st.flow = None;
            return self
                .with_identity(Request::new(Intent::Rehab), &Said::default())
                .await;
        };
        match self.plan_for(&acc, n) {
            Some(plan) => {
                self.say(t::rehab_plan_choice(&plan));
                self.st.flow = Some(Flow::RehabOffer {
                    min,
                    max,
                    chosen: n,
                });
            }
            None => {
                self.st.flow = None;
                self.rehab(&acc).await?;
            }
        }
        Ok(())
    }

    async fn register_rehab(&mut self, instalments: u32) -> DialogResult<()> {
        self.st.flow = None;
        let Some(acc) = self.verified_account().await? else {
            // Verification expired while deciding: verify again, then show the offer again.
            return self
                .with_identity(Request::new(Intent::Rehab), &Said::default())
                .await;
        };
        if acc.plan_running() {
            return self.rehab(&acc).await;
        }
        let Some(plan) = self.plan_for(&acc, instalments) else {
            return self.rehab(&acc).await;
        };
        let stored = self
            .data()
            .save_rehab_plan(NewRehabPlan {
                family_id: acc.family.id,
                registered_by: acc.me.id,
                registered_at: self.now,
                plan,
            })
            .await?;
        self.say(t::rehab_registered(&stored, &acc.family));
        Ok(())
    }

    /// How the penalty works; with an account, the participant's own exposure if they
    /// reactivated today.
    pub(crate) async fn penalty(&mut self, acc: Option<&Account>, args: &Args) -> DialogResult<()> {
        let rules = self.rules().clone();
        let today = acc.map(|a| a.today).unwrap_or_else(|| self.today());
        let rate = rules.penalty.rate_on(today).map(|r| r.rate_bp).unwrap_or(0);
        self.say(t::penalty_general(&rules.penalty, rate));
        let Some(acc) = acc else {
            self.say(t::penalty_offer_personal());
            return Ok(());
        };
        let months = acc.status.months_in_arrears;
        let tariff = args.amount.map(Rupiah);
        let computed = jkn::penalty(
            &PenaltyInput {
                segment: acc.family.segment,
                months_in_arrears: i64::from(months),
                inacbg_tariff: tariff.unwrap_or(Rupiah(0)),
                date: Some(today),
            },
            &rules,
        )
        .ok();
        let window_end = today + chrono::Duration::days(rules.penalty.window_days);
        self.say(t::penalty_personal(
            acc.family.segment,
            months,
            &rules.penalty,
            rate,
            window_end,
            tariff.and(computed.as_ref()),
        ));
        Ok(())
    }
}

/// Whether `m` is the asker's `r` ("istri saya" from the head is the wife; "ibu saya" from a
/// child is the mother), read from both people's places on the family card.
pub(crate) fn relation_matches(r: nlu::Relation, asker: &Participant, m: &Participant) -> bool {
    use nlu::Relation as N;
    use store::Relation as S;
    if m.id == asker.id {
        return false;
    }
    let couple = |x: S| matches!(x, S::Kepala | S::Istri | S::Suami);
    let spouse = match asker.relation {
        S::Kepala => matches!(m.relation, S::Istri | S::Suami),
        S::Istri | S::Suami => m.relation == S::Kepala,
        _ => false,
    };
    let parent = match asker.relation {
        S::Anak => couple(m.relation),
        S::Kepala | S::Istri | S::Suami => m.relation == S::OrangTua,
        _ => false,
    };
    let child = couple(asker.relation) && m.relation == S::Anak;
    let female = m.sex == jkn::Sex::Perempuan;
    match r {
        N::Istri => spouse && female,
        N::Suami => spouse && !female,
        N::Anak | N::Bayi | N::Cucu => child,
        N::Ibu => parent && female,
        N::Bapak => parent && !female,
        N::OrangTua | N::Mertua => parent,
        N::Adik | N::Kakak => asker.relation == S::Anak && m.relation == S::Anak,
    }
}

//! Administrative requests and complaints: explain the requirements and the participant's own
//! eligibility, collect what an agent needs one question at a time (never asking for what is
//! already known), confirm, and store a case with a number.

use crate::engine::{is_new_topic, Ctx, DialogResult, Took};
use crate::flows::account::Account;
use crate::forms::{accept_choice, accept_text, choices, Field, Form, FormKind, Invalid};
use crate::port::FormLinkRequest;
use crate::records::NewCase;
use crate::state::{Args, Flow, Request};
use crate::templates as t;
use crate::understand::Said;
use cases::CaseStatus;
use directory::{FacilityKind, Point, Tier};
use jkn::{
    newborn_registration, CareClass, ClassChange, ClassChangeBlocker, FktpChange, FktpChangeReason,
    NewbornInput, Segment,
};
use nlu::Intent;
use store::{Facility, FacilityId, FacilitySearch, ParticipantId};

/// Choices of a new FKTP shown at once.
const FKTP_CHOICES: usize = 8;

impl Ctx<'_> {
    pub(crate) async fn start_form(
        &mut self,
        kind: FormKind,
        acc: Option<&Account>,
        args: &Args,
        said: &Said,
    ) -> DialogResult<()> {
        let mut form = Form::new(kind);
        let today = acc.map(|a| a.today).unwrap_or_else(|| self.today());
        let from_args = Said {
            words: args.words.clone(),
            relation: args.relation,
            class: args.class.and_then(|c| CareClass::try_from(c).ok()),
            date: args.date,
            regency: args.regency,
            district: args.district,
            ..Said::default()
        };
        let prefill = |form: &mut Form, field: Field, said: &Said| {
            if let Ok((v, l)) = accept_text(form, field, said, today) {
                form.set(field, v, l);
            }
        };
        match kind {
            FormKind::DaftarBaru => {
                prefill(&mut form, Field::Class, &from_args);
                if from_args.place().is_some() {
                    prefill(&mut form, Field::Place, &from_args);
                }
                if said.nik.is_some() {
                    prefill(&mut form, Field::Nik, said);
                }
                self.say(t::requirements_new_member(self.rules()));
            }
            FormKind::Pengaduan => {
                prefill(&mut form, Field::Category, said);
                // A complaint told in full in the first message needs no second telling.
                if said.text.split_whitespace().count() >= 6 {
                    form.set(Field::Details, said.text.clone(), said.text.clone());
                }
                self.say(t::complaint_intro());
            }
            FormKind::TambahAnggota => {
                let Some(acc) = acc else { return Ok(()) };
                prefill(&mut form, Field::Relation, &from_args);
                self.say(t::requirements_add_member(acc.family.segment));
            }
            FormKind::KurangiAnggota => {
                let Some(acc) = acc else { return Ok(()) };
                prefill(&mut form, Field::Reason, &from_args);
                if let Some(r) = args.relation {
                    let matching: Vec<_> = acc
                        .members
                        .iter()
                        .filter(|m| {
                            m.id != acc.me.id && crate::flows::account_relation(r, &acc.me, m)
                        })
                        .collect();
                    if let [only] = matching.as_slice() {
                        form.set(Field::Member, only.id.0.to_string(), only.name.clone());
                    }
                }
                self.say(t::requirements_remove_member());
            }
            FormKind::UbahData => {
                prefill(&mut form, Field::DataItem, &from_args);
                self.say(t::requirements_data_change());
            }
            FormKind::UbahKelas => {
                let Some(acc) = acc else { return Ok(()) };
                let other = if acc.family.class == CareClass::Three {
                    CareClass::Two
                } else {
                    CareClass::Three
                };
                let requested = from_args.class.unwrap_or(other);
                let Some(cc) = self.class_check(acc, requested) else {
                    return Ok(());
                };
                let blockers: Vec<&ClassChangeBlocker> = cc
                    .unmet
                    .iter()
                    .filter(|b| !matches!(b, ClassChangeBlocker::SameClass { .. }))
                    .collect();
                if !blockers.is_empty() {
                    self.say(t::class_change_refused(&cc, acc.family.class));
                    return Ok(());
                }
                form.note("current_class", acc.family.class.number().to_string());
                self.say(t::class_change_intro(acc.family.class, &cc));
                if let Some(c) = from_args.class.filter(|c| *c != acc.family.class) {
                    form.set(
                        Field::Class,
                        c.number().to_string(),
                        format!("Kelas {}", c.number()),
                    );
                    form.note("effective_on", cc.effective_on.to_string());
                }
            }
            FormKind::AktivasiKartu => {
                let Some(acc) = acc else { return Ok(()) };
                if acc.active() {
                    self.say(t::already_active(&acc.status));
                    return Ok(());
                }
                match acc.family.segment {
                    Segment::Ppu => {
                        form.note("move", "ppu_ke_pbpu");
                        prefill(&mut form, Field::Class, &from_args);
                        self.say(t::activation_after_employment(
                            &acc.status,
                            acc.members.len(),
                        ));
                    }
                    s if s.is_pbi() => {
                        form.note("move", "pbi_nonaktif");
                        form.set(Field::Class, "3", "Kelas 3");
                        self.say(t::activation_pbi());
                    }
                    _ => {
                        // Own dues: paying reactivates the card; no request is needed.
                        let re = acc.reactivation(self.rules());
                        self.say(t::activation_by_payment(&re, &acc.family));
                        return Ok(());
                    }
                }
            }
            FormKind::PindahFaskes => {
                let Some(acc) = acc else { return Ok(()) };
                let current = match acc.me.fktp_id {
                    Some(id) => self.data().facility(id).await?,
                    None => None,
                };
                if let Some(f) = &current {
                    form.note("current_fktp", format!("{} ({})", f.name, f.code));
                    form.note("current_fktp_id", f.id.0.to_string());
                }
                let Some(fc) = self.fktp_check(acc, FktpChangeReason::Regular) else {
                    return Ok(());
                };
                if fc.allowed {
                    form.set(Field::FktpReason, "regular", "-");
                    form.note("effective_on", fc.effective_on.to_string());
                }
                self.say(t::fktp_intro(current.as_ref(), &fc));
            }
        }
        self.advance_form(form).await?;
        // After the first question, so its options keep their numbers ("1" stays the first).
        if matches!(&self.st.flow, Some(Flow::Form(f)) if f.kind == kind)
            && kind.has_web_form()
            && self.data().offers_form_links()
        {
            self.say(t::webform_offer(kind));
        }
        Ok(())
    }

    /// "Isi lewat formulir": a signed link to the web form of `code`, filled in with what the
    /// chat already knows; the chat form stays open, its question asked again.
    pub(crate) async fn web_form_link(&mut self, code: &str) -> DialogResult<()> {
        let Some(kind) = FormKind::from_code(code) else {
            self.say(t::choice_expired());
            self.say(t::menu(self.verified().is_some()));
            return Ok(());
        };
        self.intent = Intent::from_code(kind.code());
        let identity = self.verified();
        if kind.needs_identity() && identity.is_none() {
            // The verification expired since the offer: verify again, then start over.
            let intent = Intent::from_code(kind.code()).unwrap_or(Intent::Salam);
            return self
                .with_identity(Request::new(intent), &Said::default())
                .await;
        }
        let open_form = match (&self.st.flow, &self.st.paused) {
            (Some(Flow::Form(f)), _) if f.kind == kind => Some(f.clone()),
            (_, Some(f)) if f.kind == kind => Some(f.clone()),
            _ => None,
        };
        let mut prefill = serde_json::Map::new();
        if let Some(f) = &open_form {
            for (k, v) in &f.fields {
                if v != "-" {
                    prefill.insert(k.clone(), serde_json::Value::String(v.clone()));
                }
            }
        }
        let phone = self
            .sender
            .verified_phone
            .as_ref()
            .map(|m| m.expose().to_string())
            .or_else(|| self.st.phone.clone());
        if let Some(p) = phone {
            prefill
                .entry("phone")
                .or_insert(serde_json::Value::String(p));
        }
        let branch = self.known_branch().await?;
        let request = FormLinkRequest {
            kind: kind.code().to_string(),
            channel: self.sender.channel.clone(),
            sender: self.sender.id.clone(),
            participant_id: identity.as_ref().map(|i| i.participant_id),
            family_id: identity.as_ref().map(|i| i.family_id),
            office_id: branch.as_ref().map(|b| b.id),
            prefill: serde_json::Value::Object(prefill),
        };
        match self.data().form_link(&request).await? {
            Some(url) => self.say(t::webform_link(&url)),
            None => self.say(t::webform_unavailable()),
        }
        if let Some(Flow::Form(f)) = self.st.flow.clone() {
            if f.kind == kind {
                self.advance_form(f).await?;
            }
        }
        Ok(())
    }

    fn class_check(&self, acc: &Account, requested: CareClass) -> Option<ClassChange> {
        acc.class_change(requested, self.rules())
    }

    fn fktp_check(&self, acc: &Account, reason: FktpChangeReason) -> Option<FktpChange> {
        acc.fktp_change(reason, self.rules())
    }

    async fn form_account(&mut self, form: &Form) -> DialogResult<Option<Account>> {
        if !form.kind.needs_identity() {
            return Ok(None);
        }
        match self.verified() {
            Some(id) => self.account(&id).await,
            None => Ok(None),
        }
    }

    /// Asks the next missing field, or shows the summary to confirm.
    pub(crate) async fn advance_form(&mut self, mut form: Form) -> DialogResult<()> {
        let acc = self.form_account(&form).await?;
        if form.kind.needs_identity() && acc.is_none() {
            // The verification expired while filling the form: verify again, then start over.
            let intent = Intent::from_code(form.kind.code()).unwrap_or(Intent::Salam);
            self.st.paused = None;
            return self
                .with_identity(Request::new(intent), &Said::default())
                .await;
        }
        // What the conversation already knows is never asked again.
        if form.missing() == Some(Field::Phone) {
            let known = self
                .sender
                .verified_phone
                .as_ref()
                .map(|m| m.expose().to_string())
                .or_else(|| self.st.phone.clone());
            if let Some(phone) = known.and_then(|p| jkn::Msisdn::parse(&p).ok()) {
                form.set(Field::Phone, phone.expose(), phone.local());
            }
        }
        if form.missing() == Some(Field::Place) {
            if let Some(g) = self.st.location {
                if let Some(point) = Point::new(g.lat, g.lon) {
                    self.place_from_point(&mut form, point).await?;
                }
            }
        }
        match form.missing() {
            Some(field) => {
                form.asking = Some(field);
                form.confirming = false;
                let question = self.question(&form, field, acc.as_ref()).await?;
                self.say(question);
            }
            None => {
                form.asking = None;
                form.confirming = true;
                self.say(t::form_summary(&form));
            }
        }
        self.st.flow = Some(Flow::Form(form));
        Ok(())
    }

    async fn question(
        &mut self,
        form: &Form,
        field: Field,
        acc: Option<&Account>,
    ) -> DialogResult<crate::Message> {
        Ok(match field {
            Field::Member => match acc {
                Some(acc) => t::ask_member(&acc.members, acc.me.id),
                None => t::ask_field(form, field, &[]),
            },
            Field::Class => {
                let current = form.fields.get("current_class").cloned();
                let options: Vec<(&str, &str)> = choices(Field::Class)
                    .iter()
                    .copied()
                    .filter(|(v, _)| Some(v.to_string()) != current)
                    .collect();
                t::ask_field(form, field, &options)
            }
            Field::Facility => {
                let options = self.fktp_options(form, acc).await?;
                t::ask_fktp(&options, self.st.location.is_some())
            }
            _ => t::ask_field(form, field, choices(field)),
        })
    }

    /// FKTPs to choose from, nearest first: near the shared location, or else near the
    /// current FKTP (which is near home), or else in the participant's district.
    async fn fktp_options(
        &self,
        form: &Form,
        acc: Option<&Account>,
    ) -> DialogResult<Vec<Facility>> {
        let current: Option<i64> = form
            .fields
            .get("current_fktp_id")
            .and_then(|v| v.parse().ok());
        // Participants register with a puskesmas, a clinic or a family doctor; dentists are
        // chosen separately, so they are not offered here.
        let keep = |f: &Facility| {
            matches!(
                f.kind,
                FacilityKind::Puskesmas
                    | FacilityKind::KlinikPratama
                    | FacilityKind::DokterPraktikPerorangan
            ) && Some(f.id.0) != current
        };
        let mut reference = self.st.location.and_then(|g| Point::new(g.lat, g.lon));
        if reference.is_none() {
            if let Some(id) = current {
                reference = self
                    .data()
                    .facility(FacilityId(id))
                    .await?
                    .and_then(|f| Point::new(f.latitude, f.longitude));
            }
        }
        if let Some(point) = reference {
            let near = self.data().nearest_facilities(point, None, 60).await?;
            let options: Vec<Facility> = near
                .into_iter()
                .map(|(f, _)| f)
                .filter(|f| keep(f))
                .take(FKTP_CHOICES)
                .collect();
            if !options.is_empty() {
                return Ok(options);
            }
        }
        let Some(acc) = acc else {
            return Ok(Vec::new());
        };
        let mut options: Vec<Facility> = self
            .data()
            .search_facilities(&FacilitySearch {
                district_code: Some(acc.me.district_code),
                limit: 100,
                ..FacilitySearch::default()
            })
            .await?
            .into_iter()
            .filter(|f| keep(f))
            .collect();
        options.sort_by_key(|f| {
            (
                f.kind != FacilityKind::Puskesmas,
                f.kind.code(),
                f.name.clone(),
            )
        });
        options.truncate(FKTP_CHOICES);
        Ok(options)
    }

    pub(crate) async fn continue_form(
        &mut self,
        mut form: Form,
        said: &Said,
    ) -> DialogResult<Took> {
        self.intent = Intent::from_code(form.kind.code());
        let own = self.intent;
        if form.confirming {
            if said.yes {
                self.submit(form).await?;
            } else if said.no {
                self.st.flow = None;
                self.say(t::form_cancelled());
            } else if is_new_topic(said) && said.intent != own {
                return Ok(Took::No);
            } else {
                self.reprompt(t::form_summary(&form));
            }
            return Ok(Took::Yes);
        }
        let Some(field) = form.asking.or(form.missing()) else {
            self.advance_form(form).await?;
            return Ok(Took::Yes);
        };
        // Free text would swallow a question on another topic; structured answers would not.
        let free_text = matches!(field, Field::Name | Field::Details)
            || (field == Field::NewValue
                && matches!(form.get(Field::DataItem), Some("nama" | "alamat") | None));
        let strong_topic = said.intent.is_some_and(|i| {
            !matches!(
                i,
                Intent::TidakDikenal | Intent::Salam | Intent::TerimaKasih
            ) && Some(i) != own
        }) && said.confidence >= 0.9;
        if free_text && strong_topic && said.text.split_whitespace().count() >= 2 {
            return Ok(Took::No);
        }
        let today = self.today();
        match accept_text(&form, field, said, today) {
            Ok((value, label)) => {
                form.set(field, value, label);
                if self.after_set(&mut form, field).await? {
                    self.advance_form(form).await?;
                }
                Ok(Took::Yes)
            }
            Err(Invalid::NoAnswer) => {
                if said.number.is_some() {
                    if let Some(id) = self.numbered_option(said) {
                        return self.form_choice(form, &id).await;
                    }
                }
                if field == Field::Member {
                    if let Some(id) = self.member_named(said).await? {
                        return self.form_choice(form, &format!("member:{}", id.0)).await;
                    }
                }
                if is_new_topic(said) && said.intent != own {
                    return Ok(Took::No);
                }
                // More of the story while another question is open: kept with the details.
                if form.kind == FormKind::Pengaduan
                    && form.has(Field::Details)
                    && said.text.split_whitespace().count() >= 4
                {
                    let details = format!(
                        "{} {}",
                        form.get(Field::Details).unwrap_or_default(),
                        said.text
                    );
                    form.set(Field::Details, details.clone(), details);
                    self.say(t::details_added());
                    let acc = self.form_account(&form).await?;
                    let question = self.question(&form, field, acc.as_ref()).await?;
                    self.say(question);
                    self.st.flow = Some(Flow::Form(form));
                    return Ok(Took::Yes);
                }
                let acc = self.form_account(&form).await?;
                let question = self.question(&form, field, acc.as_ref()).await?;
                self.reprompt(question);
                Ok(Took::Yes)
            }
            Err(problem) => {
                self.st.misunderstandings += 1;
                self.say(t::invalid_answer(field, problem));
                Ok(Took::Yes)
            }
        }
    }

    fn numbered_option(&self, said: &Said) -> Option<String> {
        let i = usize::try_from(said.number?).ok()?.checked_sub(1)?;
        self.st.options.get(i).map(|o| o.id.clone())
    }

    async fn member_named(&self, said: &Said) -> DialogResult<Option<ParticipantId>> {
        let Some(id) = self.verified() else {
            return Ok(None);
        };
        let members = self.data().family_members(id.family_id).await?;
        let words = said.words.to_lowercase();
        Ok(members
            .iter()
            .find(|m| {
                m.name
                    .to_lowercase()
                    .split_whitespace()
                    .next()
                    .is_some_and(|first| words.split_whitespace().any(|w| w == first))
            })
            .map(|m| m.id))
    }

    pub(crate) async fn form_choice(&mut self, mut form: Form, id: &str) -> DialogResult<Took> {
        self.intent = Intent::from_code(form.kind.code());
        if form.confirming {
            match id {
                "confirm" | "yes" => self.submit(form).await?,
                "cancel" | "no" => {
                    self.st.flow = None;
                    self.say(t::form_cancelled());
                }
                _ => return Ok(Took::No),
            }
            return Ok(Took::Yes);
        }
        let Some(field) = form.asking.or(form.missing()) else {
            return Ok(Took::No);
        };
        let accepted: Option<(String, String)> = match id.split_once(':') {
            Some(("opt", rest)) => rest
                .split_once(':')
                .filter(|(key, _)| *key == field.key())
                .and_then(|(_, value)| accept_choice(field, value)),
            Some(("member", pid)) if field == Field::Member => {
                match (self.verified(), pid.parse::<i64>()) {
                    (Some(me), Ok(pid)) => self
                        .data()
                        .family_members(me.family_id)
                        .await?
                        .into_iter()
                        .find(|m| m.id.0 == pid)
                        .map(|m| (m.id.0.to_string(), m.name)),
                    _ => None,
                }
            }
            Some(("fac", fid)) if field == Field::Facility => match fid.parse::<i64>() {
                Ok(fid) => self
                    .data()
                    .facility(FacilityId(fid))
                    .await?
                    .filter(|f| f.tier == Tier::Fktp)
                    .map(|f| (f.id.0.to_string(), format!("{} ({})", f.name, f.code))),
                Err(_) => None,
            },
            _ => None,
        };
        match accepted {
            Some((value, label)) => {
                form.set(field, value, label);
                if self.after_set(&mut form, field).await? {
                    self.advance_form(form).await?;
                }
                Ok(Took::Yes)
            }
            None => Ok(Took::No),
        }
    }

    /// A shared location while filling a form: it answers "where" questions.
    pub(crate) async fn form_location(&mut self, mut form: Form, point: Point) -> DialogResult<()> {
        if form.asking == Some(Field::Place) {
            self.place_from_point(&mut form, point).await?;
        }
        // For the FKTP choice the options are recomputed near the location.
        self.advance_form(form).await
    }

    async fn place_from_point(&mut self, form: &mut Form, point: Point) -> DialogResult<()> {
        // No reverse geocoding: the district of the nearest facility stands for the place.
        if let Some((f, _)) = self
            .data()
            .nearest_facilities(point, None, 1)
            .await?
            .into_iter()
            .next()
        {
            let said = Said {
                district: Some(f.district_code),
                ..Said::default()
            };
            if let Ok((v, l)) = accept_text(form, Field::Place, &said, self.today()) {
                form.set(Field::Place, v, l);
            }
        }
        Ok(())
    }

    /// Checks that depend on the answer just given. Returns false when the form ends here.
    async fn after_set(&mut self, form: &mut Form, field: Field) -> DialogResult<bool> {
        let acc = self.form_account(form).await?;
        match (form.kind, field, acc) {
            (FormKind::UbahKelas, Field::Class, Some(acc)) => {
                let requested = form
                    .get(Field::Class)
                    .and_then(|c| c.parse::<u8>().ok())
                    .and_then(|c| CareClass::try_from(c).ok());
                let Some(cc) = requested.and_then(|r| self.class_check(&acc, r)) else {
                    return Ok(true);
                };
                if cc.allowed {
                    form.note("effective_on", cc.effective_on.to_string());
                    return Ok(true);
                }
                if cc
                    .unmet
                    .iter()
                    .all(|b| matches!(b, ClassChangeBlocker::SameClass { .. }))
                {
                    form.fields.remove(Field::Class.key());
                    self.say(t::same_class(acc.family.class));
                    return Ok(true);
                }
                self.st.flow = None;
                self.say(t::class_change_refused(&cc, acc.family.class));
                Ok(false)
            }
            (FormKind::PindahFaskes, Field::FktpReason, Some(acc)) => {
                let reason = match form.get(Field::FktpReason) {
                    Some("moved_domicile") => FktpChangeReason::MovedDomicile,
                    Some("official_assignment") => FktpChangeReason::OfficialAssignment,
                    _ => FktpChangeReason::Regular,
                };
                let Some(fc) = self.fktp_check(&acc, reason) else {
                    return Ok(true);
                };
                if fc.allowed {
                    form.note("effective_on", fc.effective_on.to_string());
                    return Ok(true);
                }
                self.st.flow = None;
                self.say(t::fktp_wait(&fc));
                Ok(false)
            }
            (FormKind::TambahAnggota, Field::BirthDate, Some(acc))
                if form.get(Field::Relation) == Some("bayi") =>
            {
                let born = form.get(Field::BirthDate).and_then(|d| d.parse().ok());
                if let Some(born_on) = born {
                    if let Ok(n) = newborn_registration(
                        &NewbornInput {
                            segment: acc.family.segment,
                            born_on,
                            registered_on: acc.today,
                        },
                        self.rules(),
                    ) {
                        form.note("newborn_on_time", n.on_time.to_string());
                        self.say(t::newborn(&n));
                    }
                }
                Ok(true)
            }
            _ => Ok(true),
        }
    }

    async fn submit(&mut self, form: Form) -> DialogResult<()> {
        self.st.flow = None;
        let identity = self.verified();
        let mut fields = serde_json::Map::new();
        for (k, v) in &form.fields {
            fields.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        let labels: serde_json::Map<String, serde_json::Value> = form
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        fields.insert("labels".into(), serde_json::Value::Object(labels));
        let branch = self.known_branch().await?;
        let fields = serde_json::Value::Object(fields);
        // The same request from the same conversation on the same day is one case, even
        // when a crash makes the assistant handle the final answer again.
        let submission_key = format!(
            "chat:{}:{}:{}:{}:{}",
            self.sender.channel,
            self.sender.id,
            form.kind.code(),
            self.today(),
            fingerprint(&fields.to_string())
        );
        let case = self
            .data()
            .create_case(NewCase {
                kind: form.kind.code().to_string(),
                number_prefix: form.kind.number_prefix(&form.fields).to_string(),
                participant_id: identity.as_ref().map(|i| i.participant_id),
                family_id: identity.as_ref().map(|i| i.family_id),
                office_id: branch.as_ref().map(|b| b.id),
                channel: self.sender.channel.clone(),
                sender: self.sender.id.clone(),
                fields,
                status: CaseStatus::Submitted,
                submission_key: Some(submission_key),
                created_at: self.now,
            })
            .await?;
        self.data().case_filed(&case).await?;
        self.say(t::case_created(
            form.kind,
            &case.number,
            branch.as_ref(),
            &form,
        ));
        // Filed while nobody works: say when an agent will, in the branch's own time.
        let back = self
            .data()
            .agents_work_from(branch.as_ref(), self.now)
            .await?;
        if let Some(back) = back.filter(|b| *b > self.now) {
            let tz = branch
                .as_ref()
                .map(|b| b.timezone)
                .unwrap_or(wilayah::TimeZone::Wib);
            self.say(t::case_waits_for_hours(&case.number, back, tz));
        }
        Ok(())
    }
}

/// A stable 64-bit FNV-1a hash as hex (the standard library's hasher may change between
/// releases; this key is stored).
fn fingerprint(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

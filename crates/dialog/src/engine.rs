//! The conversation engine: one call per inbound message. It loads the conversation's state,
//! decides what the message means in that state, answers from data and the rules, stores the
//! new state and both sides of the turn, and returns the messages to send.

use crate::message::{Inbound, Message, Sender};
use crate::port::DialogData;
use crate::records::{ConversationRecord, NewTurn};
use crate::state::{Args, ConversationState, Flow, Offered, Request, VerifiedIdentity};
use crate::templates as t;
use crate::understand::Said;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use jkn::RulesConfig;
use nlu::{Intent, Nlu};
use std::sync::Arc;
use store::StoreError;
use thiserror::Error;
use wilayah::TimeZone;

#[derive(Debug, Error)]
pub enum DialogError {
    /// The data behind the answers could not be read or written; the caller may retry.
    #[error("data unavailable: {0}")]
    Data(#[from] StoreError),
    #[error("language model unavailable: {0}")]
    Model(#[from] nlu::ModelError),
}

pub type DialogResult<T> = Result<T, DialogError>;

/// Tunable limits of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct DialogConfig {
    /// A conversation idle this long starts afresh (with a recap offer).
    pub idle_timeout: Duration,
    /// How long a verified identity lasts.
    pub identity_ttl: Duration,
    /// Verification attempts per sender per hour (shared by every node).
    pub attempts_per_sender_per_hour: u32,
    /// Verification attempts per NIK or card number per hour, whoever sends them.
    pub attempts_per_identity_per_hour: u32,
    /// Failed verifications in a row in one conversation before it is locked for the hour.
    pub failures_before_lock: u32,
    /// Misunderstood messages in a row before a human is offered.
    pub misunderstandings_before_human: u32,
}

impl Default for DialogConfig {
    fn default() -> Self {
        DialogConfig {
            idle_timeout: Duration::minutes(30),
            identity_ttl: Duration::minutes(30),
            attempts_per_sender_per_hour: 5,
            attempts_per_identity_per_hour: 5,
            failures_before_lock: 3,
            misunderstandings_before_human: 2,
        }
    }
}

/// How many locks turns are serialised on; conversations share a lock only by hash collision,
/// which costs a little waiting, never correctness.
const CONVERSATION_LOCKS: usize = 256;

/// The assistant. Cheap to share behind an `Arc`; holds no per-conversation state.
pub struct Engine {
    pub(crate) data: Arc<dyn DialogData>,
    pub(crate) nlu: &'static Nlu,
    pub(crate) rules: Arc<RulesConfig>,
    pub(crate) config: DialogConfig,
    /// Turns of one conversation run one at a time in this process: two messages sent at once
    /// (a double tap, a retried request) would otherwise both load the same state and the
    /// later save would drop what the earlier turn learned. Striped, so memory stays bounded.
    /// Across nodes, the inbox routes a conversation to one processor.
    turn_locks: Vec<tokio::sync::Mutex<()>>,
}

fn lock_index(channel: &str, sender: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (channel, sender).hash(&mut h);
    (h.finish() % CONVERSATION_LOCKS as u64) as usize
}

impl Engine {
    pub fn new(
        data: Arc<dyn DialogData>,
        rules: Arc<RulesConfig>,
        config: DialogConfig,
    ) -> DialogResult<Engine> {
        Ok(Engine {
            data,
            nlu: Nlu::shipped()?,
            rules,
            config,
            turn_locks: (0..CONVERSATION_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        })
    }

    /// Answers one inbound message at `now`, storing the turn through the data port.
    pub async fn handle(
        &self,
        sender: &Sender,
        inbound: Inbound,
        now: DateTime<Utc>,
    ) -> DialogResult<Vec<Message>> {
        let _turn = self.turn_locks[lock_index(&sender.channel, &sender.id)]
            .lock()
            .await;
        let decided = self.decide_unlocked(sender, inbound, now).await?;
        for turn in decided.turns {
            self.data.append_turn(turn).await?;
        }
        self.data.save_conversation(&decided.conversation).await?;
        Ok(decided.messages)
    }

    /// Decides the answer to one inbound message without storing anything: the caller stores
    /// the returned records together with whatever else the turn produced (the channel
    /// pipeline commits them in one transaction with the replies and the inbox mark).
    ///
    /// The caller must run the turns of one conversation one at a time and store each
    /// `Decided` before deciding the next message of that conversation.
    pub async fn decide(
        &self,
        sender: &Sender,
        inbound: Inbound,
        now: DateTime<Utc>,
    ) -> DialogResult<Decided> {
        let _turn = self.turn_locks[lock_index(&sender.channel, &sender.id)]
            .lock()
            .await;
        self.decide_unlocked(sender, inbound, now).await
    }

    async fn decide_unlocked(
        &self,
        sender: &Sender,
        inbound: Inbound,
        now: DateTime<Utc>,
    ) -> DialogResult<Decided> {
        let stored = self
            .data
            .load_conversation(&sender.channel, &sender.id)
            .await?;
        let previous = stored
            .and_then(|r| serde_json::from_value::<ConversationState>(r.state).ok())
            .filter(|s| s.version == crate::state::STATE_VERSION);
        let (state, recap) = match previous {
            None => (ConversationState::new(now), None),
            // A live chat is the agent's to end: an agent may take longer than the idle
            // timeout to reply, and the conversation must still be theirs when they do.
            Some(s) if s.agent.is_some() => (s, None),
            Some(s) if now - s.last_activity >= self.config.idle_timeout => {
                let mut fresh = ConversationState::new(now);
                // A lock outlives the pause: waiting must not reset the attempts.
                if s.locked_until.is_some_and(|l| l > now) {
                    fresh.locked_until = s.locked_until;
                    fresh.failed_attempts = s.failed_attempts;
                }
                (fresh, s.topic)
            }
            Some(s) => (s, None),
        };

        let mut ctx = Ctx {
            eng: self,
            sender,
            now,
            st: state,
            out: Vec::new(),
            intent: None,
        };
        if ctx
            .st
            .identity
            .as_ref()
            .is_some_and(|i| i.expires_at <= now)
        {
            ctx.st.identity = None;
        }
        if ctx.st.agent.is_some() {
            ctx.live_chat(&inbound);
        } else {
            ctx.process(inbound.clone()).await?;
        }
        if let Some(topic) = recap {
            let same = ctx.intent == Some(topic);
            ctx.out.insert(0, t::recap(topic, !same));
        }
        ctx.finish();

        let Ctx {
            st, out, intent, ..
        } = ctx;
        // The sender id may be a phone number: never logged.
        tracing::debug!(
            channel = %sender.channel,
            intent = intent.map(Intent::code),
            replies = out.len(),
            verified = st.verified(now).is_some(),
            "assistant turn"
        );
        Ok(records(sender, &inbound, intent, out, &st, now))
    }

    /// The stored state of a conversation (for the agent console and tests).
    pub async fn state(&self, sender: &Sender) -> DialogResult<Option<ConversationState>> {
        Ok(self
            .data
            .load_conversation(&sender.channel, &sender.id)
            .await?
            .and_then(|r| serde_json::from_value(r.state).ok()))
    }
}

/// One decided turn: the replies, and the records that must be stored before the next turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub messages: Vec<Message>,
    /// The inbound message, then each reply.
    pub turns: Vec<NewTurn>,
    pub conversation: ConversationRecord,
}

fn records(
    sender: &Sender,
    inbound: &Inbound,
    intent: Option<Intent>,
    messages: Vec<Message>,
    st: &ConversationState,
    now: DateTime<Utc>,
) -> Decided {
    let participant_id = st.verified(now).map(|i| i.participant_id);
    let turn =
        |direction: &str, body: serde_json::Value, text: String, intent: Option<Intent>| NewTurn {
            channel: sender.channel.clone(),
            sender: sender.id.clone(),
            direction: direction.to_string(),
            body,
            text,
            intent: intent.map(|i| i.code().to_string()),
            participant_id,
            at: now,
        };
    let mut turns = vec![turn(
        "in",
        serde_json::to_value(inbound).unwrap_or_default(),
        inbound_text(inbound),
        intent,
    )];
    turns.extend(messages.iter().map(|m| {
        turn(
            "out",
            serde_json::to_value(m).unwrap_or_default(),
            m.body().to_string(),
            None,
        )
    }));
    let conversation = ConversationRecord {
        channel: sender.channel.clone(),
        sender: sender.id.clone(),
        state: serde_json::to_value(st).unwrap_or_default(),
        status: if st.agent.is_some() {
            crate::handoff::STATUS_AGENT.into()
        } else if st.waiting_for_agent.is_some() {
            crate::handoff::STATUS_WAITING.into()
        } else {
            crate::handoff::STATUS_BOT.into()
        },
        participant_id,
        updated_at: now,
    };
    Decided {
        messages,
        turns,
        conversation,
    }
}

fn inbound_text(inbound: &Inbound) -> String {
    match inbound {
        Inbound::Text { text } => text.clone(),
        Inbound::Choice { id } => format!("[pilihan] {id}"),
        Inbound::Location {
            latitude,
            longitude,
        } => format!("[lokasi] {latitude:.5},{longitude:.5}"),
        Inbound::Contact { .. } => "[kontak]".to_string(),
    }
}

/// One turn being decided.
pub(crate) struct Ctx<'a> {
    pub eng: &'a Engine,
    pub sender: &'a Sender,
    pub now: DateTime<Utc>,
    pub st: ConversationState,
    pub out: Vec<Message>,
    /// What this message was understood as (stored with the turn).
    pub intent: Option<Intent>,
}

/// Whether a flow took the message as its answer.
pub(crate) enum Took {
    Yes,
    /// Not an answer to the flow's question: route it as a new topic.
    No,
}

impl Ctx<'_> {
    pub fn say(&mut self, m: Message) {
        self.out.push(m);
    }

    /// Asks the flow's question again after an answer that did not fit; after repeated
    /// misunderstandings, also offers a human.
    pub fn reprompt(&mut self, question: Message) {
        self.st.misunderstandings += 1;
        self.say(question);
        if self.st.misunderstandings >= self.eng.config.misunderstandings_before_human {
            self.say(t::human_offer_inline());
        }
    }

    pub fn data(&self) -> &dyn DialogData {
        self.eng.data.as_ref()
    }

    pub fn rules(&self) -> &RulesConfig {
        &self.eng.rules
    }

    /// Today in WIB, for messages from someone whose home is not known yet.
    pub fn today(&self) -> NaiveDate {
        directory::hours::local_date(self.now, TimeZone::Wib)
    }

    pub fn verified(&self) -> Option<VerifiedIdentity> {
        self.st.verified(self.now).cloned()
    }

    fn finish(&mut self) {
        self.st.last_activity = self.now;
        self.st.turns += 1;
        self.st.options = self
            .out
            .iter()
            .flat_map(Message::options)
            .map(|(id, title)| Offered { id, title })
            .collect();
    }

    /// A message while an agent is in the conversation: stored for the agent (the caller
    /// stores the inbound turn), unanswered, except "menu" or "batal", which end the live
    /// chat politely and give the assistant back.
    fn live_chat(&mut self, inbound: &Inbound) {
        let leave = match inbound {
            Inbound::Text { text } => {
                let said = self.understand(text);
                said.menu || said.cancel
            }
            Inbound::Choice { id } => {
                // Not "start": a reloaded web-chat page must not end the agent's chat.
                id == "menu" || id.starts_with("menu:") || id == "cancel_flow"
            }
            Inbound::Location { .. } | Inbound::Contact { .. } => false,
        };
        if !leave {
            return;
        }
        let agent = self.st.agent.take().map(|a| a.name);
        self.st.waiting_for_agent = None;
        self.st.flow = None;
        self.st.misunderstandings = 0;
        self.intent = Some(Intent::Salam);
        self.say(t::live_chat_left(agent.as_deref()));
        self.say(t::menu(self.verified().is_some()));
    }

    async fn process(&mut self, inbound: Inbound) -> DialogResult<()> {
        match inbound {
            Inbound::Text { text } => self.on_text(&text).await,
            Inbound::Choice { id } => self.on_choice(&id).await,
            Inbound::Location {
                latitude,
                longitude,
            } => self.on_location(latitude, longitude).await,
            Inbound::Contact { phone } => self.on_contact(&phone).await,
        }
    }

    pub fn understand(&self, text: &str) -> Said {
        let today = self.today();
        let a = self.eng.nlu.analyze(text, today);
        Said::from(text, &a, today)
    }

    async fn on_text(&mut self, text: &str) -> DialogResult<()> {
        let said = self.understand(text);
        if said.text.is_empty() {
            self.intent = Some(Intent::Salam);
            return self.greet(&said).await;
        }
        if said.casual {
            self.st.register = crate::state::Register::Casual;
        }
        if let Some(phone) = &said.phone {
            self.st.phone = Some(phone.expose().to_string());
        }

        if said.cancel || said.menu {
            let had_flow = self.st.flow.take().is_some() || self.st.paused.take().is_some();
            let was_waiting = self.st.waiting_for_agent.take().is_some();
            self.intent = Some(Intent::Salam);
            self.st.misunderstandings = 0;
            self.say(t::cancelled(had_flow || was_waiting, said.cancel));
            self.say(t::menu(self.verified().is_some()));
            return Ok(());
        }

        // A flow that expects a number gets a bare number before the offered options do.
        let flow_wants_number = matches!(
            &self.st.flow,
            Some(Flow::RehabOffer { .. }) | Some(Flow::Form(_))
        );
        if !(flow_wants_number && said.number.is_some()) {
            if let Some(id) = self.option_named(&said) {
                return self.on_choice(&id).await;
            }
        }

        if let Some(flow) = self.st.flow.clone() {
            if let Took::Yes = self.continue_flow(flow, &said).await? {
                return Ok(());
            }
        }
        // An identifier on its own, or with a birth date, is an offer to verify.
        if said.is_identity_only() && self.verified().is_none() {
            self.intent = Some(Intent::CekStatus);
            let then = match &self.st.flow {
                Some(Flow::Identify { then }) => then.clone(),
                _ => Request::new(Intent::Salam),
            };
            self.st.flow = Some(Flow::Identify { then });
            return self.identify(&said, true).await;
        }
        let intent = said.intent.unwrap_or(Intent::TidakDikenal);
        self.route(intent, &said).await
    }

    /// An offered option chosen by its number ("2") or its title typed back.
    fn option_named(&self, said: &Said) -> Option<String> {
        if self.st.options.is_empty() {
            return None;
        }
        if let Some(n) = said.number {
            let i = usize::try_from(n).ok()?.checked_sub(1)?;
            return self.st.options.get(i).map(|o| o.id.clone());
        }
        let typed = said.text.trim().to_lowercase();
        self.st
            .options
            .iter()
            .find(|o| o.title.to_lowercase() == typed)
            .map(|o| o.id.clone())
    }

    /// Routes a message that no flow took: the start of a new topic.
    pub async fn route(&mut self, intent: Intent, said: &Said) -> DialogResult<()> {
        self.intent = Some(intent);
        // Leaving a form for another topic keeps it to offer back. A verification under way
        // is dropped, but what was given is kept (the next topic that needs it continues).
        if let Some(Flow::Form(form)) = self.st.flow.take() {
            self.st.paused = Some(form);
        }
        if intent == Intent::TidakDikenal {
            return self.not_understood(said).await;
        }
        self.st.misunderstandings = 0;
        if intent != Intent::Salam && intent != Intent::TerimaKasih {
            self.st.topic = Some(intent);
        }
        let args = args_of(said);
        match intent {
            Intent::Salam => self.greet(said).await?,
            Intent::TerimaKasih => self.thanks().await?,
            Intent::CaraBayar => match self.verified() {
                Some(id) => self.answer(Request { intent, args }, id).await?,
                None => self.how_to_pay(None).await?,
            },
            // "iuran kelas 2 berapa": the tariff, for anyone, without verification.
            Intent::Tagihan if said.class.is_some() && !said.words.contains("saya") => {
                self.class_dues(said.class).await?
            }
            Intent::Denda => match self.verified() {
                Some(id) => self.answer(Request { intent, args }, id).await?,
                None => self.penalty(None, &args).await?,
            },
            i if needs_identity(i) => self.with_identity(Request { intent, args }, said).await?,
            Intent::DaftarBaru => {
                self.start_form(crate::forms::FormKind::DaftarBaru, None, &args, said)
                    .await?
            }
            Intent::Pengaduan => {
                self.start_form(crate::forms::FormKind::Pengaduan, None, &args, said)
                    .await?
            }
            Intent::LokasiFaskes => self.find_facility(&args).await?,
            Intent::InfoKantor => self.find_office(&args).await?,
            Intent::Antrean | Intent::Rujukan | Intent::MobileJkn | Intent::InfoLayanan => {
                self.help(intent, &args).await?
            }
            Intent::BicaraPetugas => self.hand_off().await?,
            _ => self.not_understood(said).await?,
        }
        self.offer_paused();
        Ok(())
    }

    /// After answering another topic, offer to go back to a form set aside.
    fn offer_paused(&mut self) {
        if self.st.flow.is_none() {
            if let Some(form) = &self.st.paused {
                self.say(t::resume_offer(form.kind));
            }
        }
    }

    async fn on_choice(&mut self, id: &str) -> DialogResult<()> {
        let (head, rest) = id.split_once(':').unwrap_or((id, ""));
        match head {
            "intent" => {
                let intent = Intent::from_code(rest).unwrap_or(Intent::Salam);
                if let Some(Flow::Form(form)) = self.st.flow.take() {
                    self.st.paused = Some(form);
                }
                self.st.flow = None;
                self.route(intent, &Said::default()).await
            }
            "me" => {
                let intent = Intent::from_code(rest).unwrap_or(Intent::CekStatus);
                self.intent = Some(intent);
                self.st.topic = Some(intent);
                self.with_identity(Request::new(intent), &Said::default())
                    .await
            }
            "start" => {
                // A channel opening the conversation (the web chat page on load).
                self.intent = Some(Intent::Salam);
                self.st.flow = None;
                self.greet(&Said::default()).await
            }
            "menu" => {
                self.intent = Some(Intent::Salam);
                self.st.flow = None;
                match rest {
                    "admin" => self.say(t::admin_menu()),
                    "help" => self.say(t::help_menu()),
                    _ => self.say(t::menu(self.verified().is_some())),
                }
                Ok(())
            }
            "resume" => match self.st.paused.take() {
                Some(form) => {
                    self.intent =
                        Some(Intent::from_code(form.kind.code()).unwrap_or(Intent::Salam));
                    self.advance_form(form).await
                }
                None => {
                    self.say(t::menu(self.verified().is_some()));
                    Ok(())
                }
            },
            "fac" if !matches!(self.st.flow, Some(Flow::Form(_))) => {
                self.intent = Some(Intent::LokasiFaskes);
                self.facility_detail(rest).await
            }
            "help" => {
                let (intent, topic) = rest.split_once(':').unwrap_or((rest, ""));
                let intent = Intent::from_code(intent).unwrap_or(Intent::MobileJkn);
                self.intent = Some(intent);
                self.help(
                    intent,
                    &Args {
                        words: topic.replace('_', " "),
                        ..Args::default()
                    },
                )
                .await
            }
            "status" => {
                self.intent = Some(Intent::CekStatus);
                let mut args = Args::default();
                if rest == "family" {
                    args.words = "keluarga".into();
                }
                self.with_identity(
                    Request {
                        intent: Intent::CekStatus,
                        args,
                    },
                    &Said::default(),
                )
                .await
            }
            "cancel_flow" => {
                let had = self.st.flow.take().is_some()
                    | self.st.paused.take().is_some()
                    | self.st.waiting_for_agent.take().is_some();
                self.intent = Some(Intent::Salam);
                self.say(t::cancelled(had, true));
                self.say(t::menu(self.verified().is_some()));
                Ok(())
            }
            "webform" => self.web_form_link(rest).await,
            "handoff" => {
                self.intent = Some(Intent::BicaraPetugas);
                self.st.flow = None;
                self.hand_off().await
            }
            "loc" => {
                self.intent = Some(Intent::LokasiFaskes);
                self.st.flow = Some(Flow::FindFacility { kind: None });
                self.say(t::ask_location_for_facilities());
                Ok(())
            }
            _ => {
                // Answers to a flow's own question (yes/no, options, members...).
                if let Some(flow) = self.st.flow.clone() {
                    if let Took::Yes = self.continue_choice(flow, id).await? {
                        return Ok(());
                    }
                }
                self.intent = Some(Intent::Salam);
                self.say(t::choice_expired());
                self.say(t::menu(self.verified().is_some()));
                Ok(())
            }
        }
    }

    async fn on_location(&mut self, lat: f64, lon: f64) -> DialogResult<()> {
        let Some(point) = directory::Point::new(lat, lon) else {
            self.say(t::bad_location());
            return Ok(());
        };
        self.st.location = Some(crate::state::GeoPoint { lat, lon });
        match self.st.flow.clone() {
            Some(Flow::FindOffice) => {
                self.intent = Some(Intent::InfoKantor);
                self.st.flow = None;
                self.office_near(point).await
            }
            Some(Flow::Form(form)) => {
                self.intent = Some(Intent::from_code(form.kind.code()).unwrap_or(Intent::Salam));
                self.form_location(form, point).await
            }
            Some(Flow::FindFacility { kind }) => {
                self.intent = Some(Intent::LokasiFaskes);
                self.st.flow = None;
                self.facilities_near(point, kind).await
            }
            _ => {
                // A location on its own most often means "what is near me".
                self.intent = Some(Intent::LokasiFaskes);
                self.facilities_near(point, None).await
            }
        }
    }

    async fn on_contact(&mut self, phone: &str) -> DialogResult<()> {
        let Ok(m) = jkn::Msisdn::parse(phone) else {
            self.say(t::bad_phone());
            return Ok(());
        };
        self.st.phone = Some(m.expose().to_string());
        if let Some(Flow::Form(form)) = self.st.flow.clone() {
            if form.asking == Some(crate::forms::Field::Phone) {
                let mut said = Said {
                    text: m.local(),
                    phone: Some(m),
                    ..Said::default()
                };
                said.words = said.text.clone();
                self.continue_flow(Flow::Form(form), &said).await?;
                return Ok(());
            }
        }
        self.say(t::phone_noted(&m.local()));
        Ok(())
    }

    async fn continue_flow(&mut self, flow: Flow, said: &Said) -> DialogResult<Took> {
        match flow {
            Flow::Identify { then } => {
                let gives = said.nik.is_some()
                    || said.card.is_some()
                    || said.date.is_some()
                    || looks_like_identifier(&said.text);
                if gives {
                    self.intent = Some(then.intent);
                    self.identify(said, false).await?;
                    return Ok(Took::Yes);
                }
                if is_new_topic(said) {
                    return Ok(Took::No);
                }
                self.intent = Some(then.intent);
                self.reprompt(t::ask_identity(then.intent));
                Ok(Took::Yes)
            }
            Flow::RehabOffer { min, max, chosen } => {
                self.intent = Some(Intent::Rehab);
                self.continue_rehab(min, max, chosen, said).await
            }
            Flow::FindFacility { kind } => {
                if let Some(place) = said.place() {
                    self.intent = Some(Intent::LokasiFaskes);
                    self.st.flow = None;
                    self.facilities_in(place, said.kind.or(kind)).await?;
                    return Ok(Took::Yes);
                }
                if is_new_topic(said) {
                    return Ok(Took::No);
                }
                self.intent = Some(Intent::LokasiFaskes);
                self.reprompt(t::ask_location_for_facilities());
                Ok(Took::Yes)
            }
            Flow::FindOffice => {
                if let Some(place) = said.place() {
                    self.intent = Some(Intent::InfoKantor);
                    self.st.flow = None;
                    self.office_for(place.regency_code()).await?;
                    return Ok(Took::Yes);
                }
                if is_new_topic(said) {
                    return Ok(Took::No);
                }
                self.intent = Some(Intent::InfoKantor);
                self.reprompt(t::ask_place_for_office());
                Ok(Took::Yes)
            }
            Flow::Form(form) => self.continue_form(form, said).await,
            Flow::HumanOffer => {
                if said.yes {
                    self.st.flow = None;
                    self.intent = Some(Intent::BicaraPetugas);
                    self.hand_off().await?;
                    return Ok(Took::Yes);
                }
                if said.no {
                    self.st.flow = None;
                    self.st.misunderstandings = 0;
                    self.intent = Some(Intent::Salam);
                    self.say(t::menu(self.verified().is_some()));
                    return Ok(Took::Yes);
                }
                self.st.flow = None;
                Ok(Took::No)
            }
        }
    }

    async fn continue_choice(&mut self, flow: Flow, id: &str) -> DialogResult<Took> {
        let yes = Said {
            yes: true,
            ..Said::default()
        };
        let no = Said {
            no: true,
            ..Said::default()
        };
        match (flow, id) {
            (Flow::HumanOffer, "yes") => {
                self.st.flow = None;
                self.intent = Some(Intent::BicaraPetugas);
                self.hand_off().await?;
                Ok(Took::Yes)
            }
            (Flow::RehabOffer { min, max, chosen }, _) => {
                self.intent = Some(Intent::Rehab);
                self.rehab_choice(min, max, chosen, id).await
            }
            (Flow::Form(form), _) => self.form_choice(form, id).await,
            (flow, "yes") => self.continue_flow(flow, &yes).await,
            (flow, "no") => self.continue_flow(flow, &no).await,
            _ => Ok(Took::No),
        }
    }

    // ---- identity ---------------------------------------------------------------------------

    /// Answers `request` now if the sender is verified; otherwise starts verification,
    /// using whatever identity data this message already carries.
    pub async fn with_identity(&mut self, request: Request, said: &Said) -> DialogResult<()> {
        if let Some(id) = self.verified() {
            // Boxed: answering may start a form, which may need to verify again.
            return Box::pin(self.answer(request, id)).await;
        }
        self.st.flow = Some(Flow::Identify { then: request });
        self.identify(said, true).await
    }

    /// Takes identity data from a message; verifies once both halves are known.
    /// `first` is the message that asked the question: a date in it ("pembayaran tgl 5") is a
    /// birth date only if an identifier or the word "lahir" comes with it.
    async fn identify(&mut self, said: &Said, first: bool) -> DialogResult<()> {
        if let Some(until) = self.st.locked_until.filter(|l| *l > self.now) {
            self.st.flow = None;
            self.say(t::verification_locked(until));
            return Ok(());
        }
        let identifier = said
            .nik
            .as_ref()
            .map(|n| n.expose().to_string())
            .or_else(|| said.card.as_ref().map(|c| c.expose().to_string()));
        let mut phone_matches = false;
        // Only new data triggers a verification: a failed pair stays known (so a corrected
        // birth date alone is enough) but is never tried twice.
        let mut fresh = false;
        if let Some(idf) = &identifier {
            let found = match (&said.nik, &said.card) {
                (Some(nik), _) => self.data().participant_by_nik(nik).await?,
                (None, Some(card)) => self.data().participant_by_card(card).await?,
                _ => None,
            };
            phone_matches = match (&found, &self.sender.verified_phone) {
                (Some(p), Some(phone)) => p.phone.as_ref() == Some(phone),
                _ => false,
            };
            self.st.claim = Some(crate::state::Claim {
                participant_id: found.map(|p| p.id),
                key: crate::verification::identity_key(idf),
            });
            fresh = true;
        }
        let date_is_birth = !first
            || identifier.is_some()
            || said.words.contains("lahir")
            || self.st.claim.is_some();
        if let (Some(d), true) = (said.date, date_is_birth) {
            self.st.claimed_birth_date = Some(d);
            fresh = true;
        }
        match (&self.st.claim, self.st.claimed_birth_date) {
            (Some(_), Some(_)) if fresh => self.verify().await,
            (Some(_), Some(_)) => {
                self.say(t::verification_retry());
                Ok(())
            }
            (Some(_), None) => {
                self.say(t::ask_birth_date(
                    phone_matches,
                    self.sender.channel.as_str(),
                ));
                Ok(())
            }
            (None, Some(_)) => {
                self.say(t::ask_identifier_after_date());
                Ok(())
            }
            (None, None) => {
                if !first && looks_like_identifier(&said.text) {
                    self.say(t::identifier_format());
                } else {
                    let topic = match &self.st.flow {
                        Some(Flow::Identify { then }) => then.intent,
                        _ => Intent::CekStatus,
                    };
                    self.say(t::ask_identity(topic));
                }
                Ok(())
            }
        }
    }

    async fn verify(&mut self) -> DialogResult<()> {
        let (Some(claim), Some(birth_date)) = (self.st.claim.clone(), self.st.claimed_birth_date)
        else {
            return Ok(());
        };
        let counted = crate::verification::attempt(
            self.data(),
            &self.sender.channel,
            &self.sender.id,
            &claim.key,
            self.now,
            &self.eng.config,
        )
        .await?;
        let attempt = match counted {
            Ok(attempt) => attempt,
            Err(until) => {
                self.st.locked_until = Some(until);
                self.st.flow = None;
                self.st.claim = None;
                self.st.claimed_birth_date = None;
                self.say(t::verification_locked(until));
                return Ok(());
            }
        };
        let who = match claim.participant_id {
            Some(id) => self.data().participant(id).await?,
            None => None,
        };
        match who.filter(|p| p.birth_date == birth_date) {
            Some(p) => {
                self.st.failed_attempts = 0;
                self.st.claim = None;
                self.st.claimed_birth_date = None;
                self.st.identity = Some(VerifiedIdentity {
                    participant_id: p.id,
                    family_id: p.family_id,
                    expires_at: self.now + self.eng.config.identity_ttl,
                });
                let then = match self.st.flow.take() {
                    Some(Flow::Identify { then }) => then,
                    _ => Request::new(Intent::Salam),
                };
                self.say(t::verified(&p.name, self.eng.config.identity_ttl));
                let id = self.verified();
                match id {
                    Some(id) => Box::pin(self.answer(then, id)).await,
                    None => Ok(()),
                }
            }
            None => {
                self.st.failed_attempts += 1;
                let left = self
                    .eng
                    .config
                    .failures_before_lock
                    .saturating_sub(self.st.failed_attempts);
                if left == 0 {
                    // Holds on every channel, not only in this conversation.
                    let until =
                        crate::verification::lock(self.data(), &attempt, &self.eng.config).await?;
                    self.st.locked_until = Some(until);
                    self.st.flow = None;
                    self.st.claim = None;
                    self.st.claimed_birth_date = None;
                    self.say(t::verification_locked(until));
                } else {
                    self.say(t::verification_failed(left));
                }
                Ok(())
            }
        }
    }
}

/// A message that answers nothing a flow asked but clearly opens another topic.
pub(crate) fn is_new_topic(said: &Said) -> bool {
    matches!(said.intent, Some(i) if i != Intent::TidakDikenal) && said.confidence >= 0.5
}

/// Intents whose answer is personal data.
pub(crate) fn needs_identity(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::CekStatus
            | Intent::Tagihan
            | Intent::Rehab
            | Intent::TambahAnggota
            | Intent::KurangiAnggota
            | Intent::UbahData
            | Intent::UbahKelas
            | Intent::AktivasiKartu
            | Intent::PindahFaskes
    )
}

fn looks_like_identifier(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 10
}

pub(crate) fn args_of(said: &Said) -> Args {
    Args {
        relation: said.relation,
        class: said.class.map(|c| c.number()),
        date: said.date,
        amount: said.amount.map(|a| a.amount()),
        months: said.months,
        regency: said.place().map(|p| p.regency_code()),
        district: said.district,
        kind: said.kind,
        words: said.words.clone(),
    }
}

pub(crate) fn local_hour(now: DateTime<Utc>, tz: TimeZone) -> u32 {
    now.with_timezone(&directory::hours::offset(tz)).hour()
}

#[cfg(test)]
mod tests {
    //! The engine's decisions over the in-memory port: no database involved.

    use super::*;
    use crate::memory::MemoryData;
    use cases::CaseStatus;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
    }

    fn engine(months_unpaid: i64) -> (Engine, Arc<MemoryData>) {
        let data = Arc::new(MemoryData::one_family(now().date_naive(), months_unpaid));
        let engine = Engine::new(
            data.clone(),
            Arc::new(RulesConfig::default()),
            DialogConfig::default(),
        )
        .unwrap();
        (engine, data)
    }

    fn sender(id: &str) -> Sender {
        Sender {
            channel: "test".into(),
            id: id.into(),
            verified_phone: None,
        }
    }

    async fn say(e: &Engine, s: &Sender, text: &str, at: DateTime<Utc>) -> String {
        e.handle(s, Inbound::text(text), at)
            .await
            .unwrap()
            .iter()
            .map(|m| m.body().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn six_months_behind_is_offered_rehab_with_at_most_three_instalments() {
        let (e, data) = engine(6);
        let p = data.participants[0].clone();
        let s = sender("a");
        say(&e, &s, "tunggakan bisa dicicil?", now()).await;
        let out = say(
            &e,
            &s,
            &format!("{} {}", p.nik.expose(), p.birth_date.format("%d-%m-%Y")),
            now(),
        )
        .await;
        assert!(out.contains("2 sampai 3 kali cicilan"), "{out}");
        let out = say(&e, &s, "ya", now()).await;
        assert!(out.contains("Pendaftaran REHAB berhasil"), "{out}");
        assert_eq!(data.plans.lock().unwrap()[0].plan.instalments.len(), 3);
    }

    #[tokio::test]
    async fn an_unknown_nik_and_a_wrong_date_get_the_same_words() {
        let (e, data) = engine(0);
        let p = data.participants[0].clone();
        let wrong = p.birth_date + chrono::Duration::days(1);
        let other = jkn::Nik::compose(350920, wrong, jkn::Sex::Laki, 9).unwrap();
        let (a, b) = (sender("a"), sender("b"));
        say(&e, &a, "cek status", now()).await;
        say(&e, &b, "cek status", now()).await;
        let date = wrong.format("%d-%m-%Y").to_string();
        let ra = say(&e, &a, &format!("{} {date}", p.nik.expose()), now()).await;
        let rb = say(&e, &b, &format!("{} {date}", other.expose()), now()).await;
        assert_eq!(ra, rb);
        assert!(!ra.contains(&p.name));
        // Each side hit both counters once: per sender and per identity.
        assert_eq!(data.limits.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn state_is_stored_after_every_turn_and_expires_after_thirty_idle_minutes() {
        let (e, data) = engine(2);
        let s = sender("idle");
        say(&e, &s, "tagihan saya", now()).await;
        let state = e.state(&s).await.unwrap().unwrap();
        assert!(matches!(state.flow, Some(Flow::Identify { .. })));
        assert_eq!(state.topic, Some(Intent::Tagihan));
        let out = say(&e, &s, "halo", now() + Duration::minutes(31)).await;
        assert!(
            out.contains("30 menit") && out.contains("tagihan iuran"),
            "{out}"
        );
        let state = e.state(&s).await.unwrap().unwrap();
        assert!(state.flow.is_none(), "a fresh conversation");
        // Two turns in and their replies out, all kept.
        let turns = data.turns.lock().unwrap();
        assert_eq!(turns.iter().filter(|t| t.direction == "in").count(), 2);
        assert!(turns.iter().filter(|t| t.direction == "out").count() >= 3);
    }

    async fn replies(e: &Engine, s: &Sender, inbound: Inbound, at: DateTime<Utc>) -> Vec<Message> {
        e.handle(s, inbound, at).await.unwrap()
    }

    /// What the console does when an agent joins or hands back: the record changed by
    /// `crate::handoff`, stored.
    fn console(
        data: &MemoryData,
        s: &Sender,
        f: impl Fn(&ConversationRecord) -> ConversationRecord,
    ) {
        let mut conversations = data.conversations.lock().unwrap();
        let key = (s.channel.clone(), s.id.clone());
        let changed = f(&conversations[&key]);
        conversations.insert(key, changed);
    }

    #[tokio::test]
    async fn while_an_agent_is_in_the_chat_the_assistant_stores_messages_and_stays_silent() {
        let (e, data) = engine(0);
        let s = sender("live");
        assert!(!say(&e, &s, "halo", now()).await.is_empty());
        console(&data, &s, |r| {
            crate::handoff::agent_joined(r, "Rina", now())
        });

        let before = data.turns.lock().unwrap().len();
        let out = replies(
            &e,
            &s,
            Inbound::text("pak, kartu saya kok nonaktif?"),
            now(),
        )
        .await;
        assert!(out.is_empty(), "the agent answers, not the bot: {out:?}");
        // Two hours later (past the idle timeout) the chat is still the agent's.
        let later = now() + Duration::hours(2);
        let out = replies(&e, &s, Inbound::text("cek status"), later).await;
        assert!(out.is_empty(), "{out:?}");
        let new: Vec<NewTurn> = data.turns.lock().unwrap()[before..].to_vec();
        assert_eq!(new.len(), 2, "both messages kept for the agent");
        assert!(new.iter().all(|t| t.direction == "in"));
        assert_eq!(new[0].text, "pak, kartu saya kok nonaktif?");
        let record = data.conversations.lock().unwrap()[&(s.channel.clone(), s.id.clone())].clone();
        assert_eq!(record.status, "agent");

        // Handed back: the assistant answers again.
        console(&data, &s, |r| crate::handoff::handed_back(r, later));
        let out = say(&e, &s, "halo", later + Duration::minutes(1)).await;
        assert!(
            out.contains("asisten virtual") || out.contains("Selamat"),
            "{out}"
        );
        let st = e.state(&s).await.unwrap().unwrap();
        assert!(st.agent.is_none());
    }

    #[tokio::test]
    async fn menu_or_batal_ends_a_live_chat_politely() {
        let (e, data) = engine(0);
        for (who, word) in [("m", "menu"), ("b", "batal")] {
            let s = sender(who);
            say(&e, &s, "halo", now()).await;
            console(&data, &s, |r| {
                crate::handoff::agent_joined(r, "Rina", now())
            });
            let out = say(&e, &s, word, now()).await;
            assert!(
                out.contains("dengan petugas Rina kami akhiri") && out.contains("asisten virtual"),
                "{word}: {out}"
            );
            let st = e.state(&s).await.unwrap().unwrap();
            assert!(st.agent.is_none() && st.waiting_for_agent.is_none());
        }
    }

    #[tokio::test]
    async fn handing_off_files_one_live_chat_case_and_tells_its_number() {
        let (e, data) = engine(0);
        let s = sender("cs");
        let out = say(&e, &s, "saya mau bicara dengan petugas", now()).await;
        let case = data.cases.lock().unwrap()[0].clone();
        assert_eq!(case.kind, "live_chat");
        assert!(case.number.starts_with("CHAT-"), "{}", case.number);
        assert!(out.contains(&case.number), "{out}");
        assert_eq!(case.status, CaseStatus::Submitted);
        assert_eq!(data.filed.lock().unwrap().len(), 1, "given to assignment");

        // Asking again while waiting is the same case.
        let out = replies(
            &e,
            &s,
            Inbound::choice("handoff"),
            now() + Duration::minutes(1),
        )
        .await;
        assert_eq!(data.cases.lock().unwrap().len(), 1);
        assert!(out.iter().any(|m| m.body().contains(&case.number)));
    }

    #[tokio::test]
    async fn an_administrative_form_offers_the_web_form_and_the_button_gives_a_link() {
        let (e, data) = engine(0);
        let s = sender("web");
        let out = replies(
            &e,
            &s,
            Inbound::text("saya mau daftar bpjs baru kelas 2"),
            now(),
        )
        .await;
        let offered = out
            .iter()
            .flat_map(Message::options)
            .any(|(id, title)| id == "webform:daftar_baru" && title == "Isi lewat formulir");
        assert!(offered, "{out:?}");
        // The question's own options come first, so "1" still answers the question.
        let st = e.state(&s).await.unwrap().unwrap();
        assert_eq!(st.options.last().unwrap().id, "webform:daftar_baru");

        let out = replies(&e, &s, Inbound::choice("webform:daftar_baru"), now()).await;
        let text: String = out.iter().map(|m| m.body().to_string()).collect();
        assert!(text.contains("https://layan.test/f/1"), "{text}");
        let links = data.form_links.lock().unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].kind, "daftar_baru");
        assert_eq!(links[0].channel, "test");
        assert_eq!(
            links[0].prefill["class"], "2",
            "what the chat knew: {:?}",
            links[0].prefill
        );
    }

    #[tokio::test]
    async fn a_case_filed_after_hours_says_when_an_agent_will_reply() {
        let (e, data) = engine(0);
        // Monday 20:00 WIB; agents are back Tuesday 08:00 WIB.
        let night = Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap();
        let back = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
        *data.agents_back_at.lock().unwrap() = Some(back);
        let s = sender("malam");
        let steps = [
            "saya mau mengadu",
            "rumah sakit minta biaya tambahan",
            "di RS Jember kemarin saya diminta bayar obat",
            "lewati",
        ];
        for step in steps {
            say(&e, &s, step, night).await;
        }
        let out = replies(&e, &s, Inbound::choice("confirm"), night).await;
        let text: Vec<String> = out.iter().map(|m| m.body().to_string()).collect();
        let case = data.cases.lock().unwrap()[0].clone();
        assert!(text[0].contains(&case.number), "{text:?}");
        let expected =
            cases::notice::outside_hours(Some(&case.number), back, wilayah::TimeZone::Wib);
        assert!(text.contains(&expected), "{text:?}");

        // In working hours nothing more is said.
        *data.agents_back_at.lock().unwrap() = None;
        let s = sender("siang");
        for step in steps {
            say(&e, &s, step, now()).await;
        }
        let out = replies(&e, &s, Inbound::choice("confirm"), now()).await;
        assert_eq!(out.len(), 1, "{out:?}");
    }
}

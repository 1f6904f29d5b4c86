//! One phone call as a state machine: the menu, identification by keypad, the answers and the
//! requests for an agent, without any I/O.
//!
//! The server feeds each webhook in as an [`Event`] and gets a [`Turn`] back: either a
//! [`Reply`] (what to say, then gather keys, transfer or hang up) or an [`Action`] it must
//! perform (look an identifier up, check a birth date, read the bill, create a case, send the
//! details), whose [`Outcome`] it hands back with [`Call::resume`] until a reply comes out.
//! The [`Call`] is serialisable and stored per CallSid, so a restarted server continues the
//! call where it was.
//!
//! The machine never sees an identifier or a birth date after passing it on: it keeps the
//! kind and the last four digits of the identifier for the read-back, nothing else.

use crate::keypad::{parse_birth_date, parse_identity, IdentityInput, KeypadError};
use crate::prompts::{self as p, ClosureNotice, IdentityKind, PromptId, Speech, Via};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What the caller asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// 1: card status.
    Status,
    /// 2: the bill.
    Bill,
}

impl Topic {
    pub fn other(self) -> Topic {
        match self {
            Topic::Status => Topic::Bill,
            Topic::Bill => Topic::Status,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Topic::Status => "status",
            Topic::Bill => "tagihan",
        }
    }

    fn after(self) -> PromptId {
        match self {
            Topic::Status => PromptId::AfterStatus,
            Topic::Bill => PromptId::AfterBill,
        }
    }
}

/// Why an agent should call back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackReason {
    /// 3: the caller asked to be called back.
    Requested,
    /// 0 with no care-centre number to transfer to.
    AgentNow,
}

impl CallbackReason {
    pub fn code(self) -> &'static str {
        match self {
            CallbackReason::Requested => "minta_telepon_balik",
            CallbackReason::AgentNow => "minta_bicara_petugas",
        }
    }
}

/// Where the call is: what the last reply asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The main menu (one key).
    Menu,
    /// Waiting for a NIK or card number ended by `#`.
    Identity { topic: Topic },
    /// The identifier's last four digits were read back: 1 = right, 2 = type it again.
    Confirm {
        topic: Topic,
        kind: IdentityKind,
        last4: String,
        phone_matches: bool,
    },
    /// Waiting for the birth date as DDMMYYYY; `retry` after a failed check.
    BirthDate { topic: Topic, retry: bool },
    /// An answer was given; its follow-up menu (one key).
    Answered { topic: Topic },
    /// Transferred with `<Dial>`; waiting for its outcome.
    Transfer,
    /// Hung up or said goodbye.
    Ended,
}

/// Fixed choices of the machine, set by the server from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where 0 transfers the caller (E.164); `None` creates a call-back case instead.
    pub agent_number: Option<String>,
    /// Failed verifications in a row before identification is locked (the chat's rule).
    pub failures_before_lock: u32,
    /// Malformed identifiers or dates in a row before going back to the menu.
    pub format_errors_allowed: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            agent_number: None,
            failures_before_lock: 3,
            format_errors_allowed: 3,
        }
    }
}

/// What happened on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The call came in. `closure`: a closure of the branch serving the caller's number, when
    /// the server knows the caller and the branch has one ahead (the machine decides whether
    /// it is near enough to announce).
    Incoming { closure: Option<ClosureNotice> },
    /// Keys pressed in answer to the last `<Gather>` (without the finish key).
    Digits(String),
    /// The last `<Gather>` timed out with no key pressed.
    Silence,
    /// The `<Dial>` to an agent ended; `answered` when the agent took the call.
    DialEnded { answered: bool },
    /// The caller hung up (`CallStatus=completed`).
    HungUp,
}

/// Work for the server; its result goes back in through [`Call::resume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Look the identifier up → [`Outcome::LookedUp`] (whether or not anyone has it).
    LookUp(IdentityInput),
    /// Check the birth date against the identifier looked up, within the shared rate limits
    /// → [`Outcome::Verified`], [`Outcome::Mismatch`] or [`Outcome::Locked`].
    Verify(NaiveDate),
    /// Too many failures in this call: lock identification → [`Outcome::Locked`].
    Lock,
    /// Compose the answer for the verified participant → [`Outcome::Answer`].
    Answer(Topic),
    /// Send the answer's details to the registered number → [`Outcome::Sent`] or
    /// [`Outcome::NoPhone`].
    SendDetails(Topic),
    /// Put a call-back request in the agents' queue → [`Outcome::CaseCreated`] or
    /// [`Outcome::NoCallerNumber`].
    Callback(CallbackReason),
}

/// The result of an [`Action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `phone_matches`: someone has the identifier and the caller's number is theirs.
    LookedUp {
        phone_matches: bool,
    },
    Verified,
    /// Unknown identifier or wrong birth date: the same outcome, the same words.
    Mismatch,
    Locked {
        until: DateTime<Utc>,
    },
    Answer(String),
    Sent {
        via: Via,
        ending: String,
    },
    NoPhone,
    CaseCreated {
        number: String,
    },
    NoCallerNumber,
}

/// How a `<Gather>` collects keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    /// Stop after this many keys; `None` waits for `#`.
    pub max_digits: Option<u8>,
    /// `#` ends the input.
    pub finish_on_hash: bool,
    /// Seconds of silence that end the input.
    pub timeout_secs: u8,
}

impl Expect {
    /// One key for a menu choice.
    pub const KEY: Expect = Expect {
        max_digits: Some(1),
        finish_on_hash: false,
        timeout_secs: 6,
    };
    /// A NIK or card number, ended by `#`.
    pub const IDENTITY: Expect = Expect {
        max_digits: None,
        finish_on_hash: true,
        timeout_secs: 10,
    };
    /// Eight digits of a birth date (or `*#`).
    pub const DATE: Expect = Expect {
        max_digits: Some(8),
        finish_on_hash: true,
        timeout_secs: 10,
    };
}

/// What comes after the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Wait for keys (the words are nested in the `<Gather>` so callers can barge in).
    Gather(Expect),
    /// Transfer to this number.
    Dial(String),
    Hangup,
    /// Nothing to do: the call is over (an answer to a status callback).
    Nothing,
}

/// What the caller hears next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub speech: Vec<Speech>,
    pub next: Next,
}

impl Reply {
    /// The words as one text (for the conversation history).
    pub fn text(&self) -> String {
        self.speech
            .iter()
            .map(|s| s.text().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One step of the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    Reply(Reply),
    Do(Action),
}

/// What the machine is waiting for while an [`Action`] is performed (never stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Scratch {
    /// Words decided before the action, said before its result.
    before: Vec<Speech>,
    identity: Option<(IdentityKind, String)>,
    topic: Option<Topic>,
    callback: Option<CallbackReason>,
}

/// The state of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub step: Step,
    /// Gathers in a row that timed out with no key.
    #[serde(default)]
    pub silences: u32,
    /// Malformed identifiers or dates in a row.
    #[serde(default)]
    pub format_errors: u32,
    /// Failed verifications in a row in this call.
    #[serde(default)]
    pub failed_attempts: u32,
    #[serde(default)]
    pub verified: bool,
    /// No identification is tried before this moment.
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    /// The call-back case made in this call, if any.
    #[serde(default)]
    pub callback_case: Option<String>,
    /// The caller's choices in order, for the agents: menu keys, and "nik", "kartu",
    /// "tanggal_lahir" where an identifier or a date was typed (never their digits).
    #[serde(default)]
    pub pressed: Vec<String>,
    #[serde(skip)]
    scratch: Scratch,
}

impl Default for Call {
    fn default() -> Self {
        Call::new()
    }
}

fn reply(speech: Vec<Speech>, next: Next) -> Turn {
    Turn::Reply(Reply { speech, next })
}

fn gather(speech: Vec<Speech>, expect: Expect) -> Turn {
    reply(speech, Next::Gather(expect))
}

impl Call {
    pub fn new() -> Call {
        Call {
            step: Step::Menu,
            silences: 0,
            format_errors: 0,
            failed_attempts: 0,
            verified: false,
            locked_until: None,
            callback_case: None,
            pressed: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    pub fn ended(&self) -> bool {
        self.step == Step::Ended
    }

    /// The topic an action in flight is about.
    pub fn topic(&self) -> Option<Topic> {
        match &self.step {
            Step::Identity { topic }
            | Step::Confirm { topic, .. }
            | Step::BirthDate { topic, .. }
            | Step::Answered { topic } => Some(*topic),
            _ => self.scratch.topic,
        }
    }

    /// The words and keys of the current step, as asked the first time.
    fn ask(&self) -> Turn {
        match &self.step {
            Step::Menu => gather(vec![PromptId::Menu.into()], Expect::KEY),
            Step::Identity { .. } => gather(vec![PromptId::AskIdentity.into()], Expect::IDENTITY),
            Step::Confirm { kind, last4, .. } => gather(
                vec![
                    Speech::Text(p::read_back(*kind, last4)),
                    PromptId::ConfirmOptions.into(),
                ],
                Expect::KEY,
            ),
            Step::BirthDate { retry, .. } => gather(
                vec![if *retry {
                    PromptId::RetryBirthDate.into()
                } else {
                    PromptId::AskBirthDate.into()
                }],
                Expect::DATE,
            ),
            Step::Answered { topic } => gather(vec![topic.after().into()], Expect::KEY),
            Step::Transfer | Step::Ended => reply(Vec::new(), Next::Hangup),
        }
    }

    /// The current step asked again, after `first`.
    fn ask_after(&self, first: Vec<Speech>) -> Turn {
        match self.ask() {
            Turn::Reply(mut r) => {
                let mut speech = first;
                speech.append(&mut r.speech);
                r.speech = speech;
                Turn::Reply(r)
            }
            other => other,
        }
    }

    fn goto(&mut self, step: Step) {
        self.step = step;
        self.format_errors = 0;
    }

    fn back_to_menu(&mut self, first: Vec<Speech>) -> Turn {
        self.goto(Step::Menu);
        self.ask_after(first)
    }

    /// Forgets what only an action in flight needed once a reply is out.
    fn settle(&mut self, turn: Turn) -> Turn {
        if let Turn::Reply(_) = turn {
            self.scratch = Scratch::default();
        }
        turn
    }

    /// Handles one event at `now`.
    pub fn on(&mut self, event: Event, now: DateTime<Utc>, settings: &Settings) -> Turn {
        self.scratch = Scratch::default();
        let turn = self.event(event, now, settings);
        self.settle(turn)
    }

    fn event(&mut self, event: Event, now: DateTime<Utc>, settings: &Settings) -> Turn {
        if self.ended() {
            return reply(Vec::new(), Next::Hangup);
        }
        match event {
            Event::HungUp => {
                self.step = Step::Ended;
                reply(Vec::new(), Next::Nothing)
            }
            Event::Incoming { closure } => {
                self.goto(Step::Menu);
                let mut first = vec![PromptId::Welcome.into()];
                // Before the menu: someone about to travel to a closed office hears it first.
                if let Some(notice) = closure.and_then(|c| p::closure_notice(&c, now)) {
                    first.push(Speech::Text(notice));
                }
                self.ask_after(first)
            }
            Event::Silence => {
                self.silences += 1;
                if self.silences >= 2 || self.step == Step::Transfer {
                    self.step = Step::Ended;
                    return reply(
                        vec![PromptId::NoInput.into(), PromptId::Goodbye.into()],
                        Next::Hangup,
                    );
                }
                self.ask_after(vec![PromptId::NoInput.into()])
            }
            Event::DialEnded { answered } => {
                if answered {
                    self.step = Step::Ended;
                    reply(Vec::new(), Next::Hangup)
                } else {
                    self.back_to_menu(vec![PromptId::AgentBusy.into()])
                }
            }
            Event::Digits(keys) => {
                self.silences = 0;
                let keys = keys.trim().to_string();
                if keys.is_empty() {
                    // A lone finish key: nothing was typed.
                    return self.ask_after(vec![PromptId::NoInput.into()]);
                }
                self.keys(&keys, now, settings)
            }
        }
    }

    fn keys(&mut self, keys: &str, now: DateTime<Utc>, settings: &Settings) -> Turn {
        match self.step.clone() {
            Step::Menu => self.menu(keys, now, settings),
            Step::Identity { topic } => self.identity(topic, keys, settings),
            Step::Confirm {
                topic,
                phone_matches,
                ..
            } => match keys {
                "1" => {
                    self.pressed.push("1".into());
                    self.goto(Step::BirthDate {
                        topic,
                        retry: false,
                    });
                    let first = if phone_matches {
                        vec![PromptId::PhoneMatches.into()]
                    } else {
                        Vec::new()
                    };
                    self.ask_after(first)
                }
                "2" => {
                    self.pressed.push("2".into());
                    self.goto(Step::Identity { topic });
                    self.ask()
                }
                _ => self.wrong_key(keys),
            },
            Step::BirthDate { topic, .. } => self.birth_date(topic, keys, settings),
            Step::Answered { topic } => match keys {
                "1" => {
                    self.pressed.push("1".into());
                    self.scratch.topic = Some(topic);
                    Turn::Do(Action::SendDetails(topic))
                }
                "2" => {
                    self.pressed.push("2".into());
                    self.scratch.topic = Some(topic.other());
                    Turn::Do(Action::Answer(topic.other()))
                }
                "9" => {
                    self.pressed.push("9".into());
                    self.scratch.topic = Some(topic);
                    Turn::Do(Action::Answer(topic))
                }
                "0" => self.agent(settings),
                "*" => {
                    self.pressed.push("*".into());
                    self.back_to_menu(Vec::new())
                }
                _ => self.wrong_key(keys),
            },
            Step::Transfer | Step::Ended => reply(Vec::new(), Next::Hangup),
        }
    }

    /// A key the step does not offer: recorded, and the options explained.
    fn wrong_key(&mut self, keys: &str) -> Turn {
        self.pressed.push(keys.to_string());
        self.ask_after(vec![PromptId::WrongKey.into()])
    }

    fn menu(&mut self, keys: &str, now: DateTime<Utc>, settings: &Settings) -> Turn {
        match keys {
            "1" => self.choose(Topic::Status, now),
            "2" => self.choose(Topic::Bill, now),
            "3" => {
                self.pressed.push("3".into());
                match &self.callback_case {
                    Some(number) => {
                        let already = Speech::Text(p::callback_already(number));
                        self.back_to_menu(vec![already, PromptId::AnythingElse.into()])
                    }
                    None => {
                        self.scratch.callback = Some(CallbackReason::Requested);
                        Turn::Do(Action::Callback(CallbackReason::Requested))
                    }
                }
            }
            "0" => self.agent(settings),
            "9" => {
                self.pressed.push("9".into());
                self.ask()
            }
            _ => self.wrong_key(keys),
        }
    }

    fn choose(&mut self, topic: Topic, now: DateTime<Utc>) -> Turn {
        self.pressed.push(
            match topic {
                Topic::Status => "1",
                Topic::Bill => "2",
            }
            .into(),
        );
        if self.verified {
            self.scratch.topic = Some(topic);
            return Turn::Do(Action::Answer(topic));
        }
        if let Some(until) = self.locked_until.filter(|u| *u > now) {
            return self.back_to_menu(vec![Speech::Text(p::verification_locked(until))]);
        }
        self.goto(Step::Identity { topic });
        self.ask()
    }

    fn agent(&mut self, settings: &Settings) -> Turn {
        self.pressed.push("0".into());
        match &settings.agent_number {
            Some(number) => {
                self.step = Step::Transfer;
                reply(
                    vec![PromptId::Connecting.into()],
                    Next::Dial(number.clone()),
                )
            }
            None => {
                self.scratch.callback = Some(CallbackReason::AgentNow);
                Turn::Do(Action::Callback(CallbackReason::AgentNow))
            }
        }
    }

    fn identity(&mut self, topic: Topic, keys: &str, settings: &Settings) -> Turn {
        if keys.starts_with('*') {
            self.pressed.push("*".into());
            return self.back_to_menu(Vec::new());
        }
        match parse_identity(keys) {
            Ok(id) => {
                let kind = match id {
                    IdentityInput::Nik(_) => IdentityKind::Nik,
                    IdentityInput::Card(_) => IdentityKind::Card,
                };
                self.pressed.push(
                    match kind {
                        IdentityKind::Nik => "nik",
                        IdentityKind::Card => "kartu",
                    }
                    .into(),
                );
                self.format_errors = 0;
                self.scratch.identity = Some((kind, id.last4()));
                self.scratch.topic = Some(topic);
                Turn::Do(Action::LookUp(id))
            }
            Err(e) => {
                self.format_errors += 1;
                if self.format_errors >= settings.format_errors_allowed {
                    return self.back_to_menu(vec![PromptId::IdentityGiveUp.into()]);
                }
                let why = match e {
                    KeypadError::IdentityLength { found } => {
                        Speech::Text(p::identity_length(found))
                    }
                    KeypadError::Empty => PromptId::NoInput.into(),
                    KeypadError::NotDigits => PromptId::WrongKey.into(),
                    _ => PromptId::IdentityInvalid.into(),
                };
                self.ask_after(vec![why])
            }
        }
    }

    fn birth_date(&mut self, topic: Topic, keys: &str, settings: &Settings) -> Turn {
        if keys.starts_with('*') {
            self.pressed.push("*".into());
            self.goto(Step::Identity { topic });
            return self.ask();
        }
        match parse_birth_date(keys) {
            Ok(date) => {
                self.pressed.push("tanggal_lahir".into());
                self.format_errors = 0;
                self.scratch.topic = Some(topic);
                Turn::Do(Action::Verify(date))
            }
            Err(_) => {
                self.format_errors += 1;
                if self.format_errors >= settings.format_errors_allowed {
                    return self.back_to_menu(vec![PromptId::BirthDateGiveUp.into()]);
                }
                self.ask_after(vec![PromptId::BirthDateInvalid.into()])
            }
        }
    }

    /// Continues after the server performed the last [`Action`].
    pub fn resume(&mut self, outcome: Outcome, settings: &Settings) -> Turn {
        let turn = self.outcome(outcome, settings);
        self.settle(turn)
    }

    fn outcome(&mut self, outcome: Outcome, settings: &Settings) -> Turn {
        let topic = self.scratch.topic.or_else(|| self.topic());
        let before = std::mem::take(&mut self.scratch.before);
        let turn = match outcome {
            Outcome::LookedUp { phone_matches } => {
                let Some((kind, last4)) = self.scratch.identity.take() else {
                    return self.ask();
                };
                self.goto(Step::Confirm {
                    topic: topic.unwrap_or(Topic::Status),
                    kind,
                    last4,
                    phone_matches,
                });
                self.ask()
            }
            Outcome::Verified => {
                self.verified = true;
                self.failed_attempts = 0;
                let topic = topic.unwrap_or(Topic::Status);
                self.scratch.topic = Some(topic);
                self.scratch.before = vec![PromptId::Verified.into()];
                return Turn::Do(Action::Answer(topic));
            }
            Outcome::Mismatch => {
                self.failed_attempts += 1;
                let left = settings
                    .failures_before_lock
                    .saturating_sub(self.failed_attempts);
                if left == 0 {
                    self.scratch.topic = topic;
                    return Turn::Do(Action::Lock);
                }
                self.goto(Step::BirthDate {
                    topic: topic.unwrap_or(Topic::Status),
                    retry: true,
                });
                self.ask_after(vec![Speech::Text(p::verification_failed(left))])
            }
            Outcome::Locked { until } => {
                self.locked_until = Some(until);
                self.failed_attempts = 0;
                self.back_to_menu(vec![Speech::Text(p::verification_locked(until))])
            }
            Outcome::Answer(text) => {
                self.goto(Step::Answered {
                    topic: topic.unwrap_or(Topic::Status),
                });
                self.ask_after(vec![Speech::Text(text)])
            }
            Outcome::Sent { via, ending } => {
                self.ask_after(vec![Speech::Text(p::details_sent(via, &ending))])
            }
            Outcome::NoPhone => self.ask_after(vec![PromptId::NoPhone.into()]),
            Outcome::CaseCreated { number } => {
                let said = match self.scratch.callback.take() {
                    Some(CallbackReason::AgentNow) => p::agent_case_created(&number),
                    _ => p::callback_created(&number),
                };
                self.callback_case = Some(number);
                self.back_to_menu(vec![Speech::Text(said), PromptId::AnythingElse.into()])
            }
            Outcome::NoCallerNumber => self.back_to_menu(vec![
                PromptId::NoCallerNumber.into(),
                PromptId::AnythingElse.into(),
            ]),
        };
        match turn {
            Turn::Reply(mut r) if !before.is_empty() => {
                let mut speech = before;
                speech.append(&mut r.speech);
                r.speech = speech;
                Turn::Reply(r)
            }
            other => other,
        }
    }

    /// The reply for a server that cannot do its part now (the database is down): an apology
    /// and goodbye. The state is not changed, so a retry of the same webhook starts over.
    pub fn unavailable() -> Reply {
        Reply {
            speech: vec![PromptId::Unavailable.into()],
            next: Next::Hangup,
        }
    }
}

//! The voice line, VIKA: TwiML webhooks that Twilio, SignalWire (cXML) and Telnyx (TeXML)
//! call for a phone number, so an operator connects a real number without any telephony code
//! here. Off (every route 404) until `voice.auth_token` or `voice.telnyx_public_key` is set.
//!
//! - `POST /voice/twiml`: an incoming call. `POST /voice/twiml/gather?seq=N` (keys pressed),
//!   `/silence?seq=N` (no key), `/dial?seq=N` (the transfer ended) and `/status` (the call's
//!   status callback, `CallStatus=completed` on hang-up) follow. Every answer is `text/xml`.
//! - Every webhook must carry a valid `X-Twilio-Signature` (or `X-SignalWire-Signature`) over
//!   the public URL and the form parameters, or, from Telnyx, a valid
//!   `telnyx-signature-ed25519` over its timestamp and the raw body; anything else gets 403.
//! - The call is a [`voice::call::Call`] stored per CallSid as the conversation
//!   ("voice", CallSid), with the step number `seq` of the last answer and that answer itself:
//!   a retried webhook (an old `seq`) gets the same answer again, and a restarted server
//!   continues the call from the database. Both sides of each step are stored as turns.
//! - Identification uses the chat's rate limits and lock ([`dialog::verification`]), keyed on
//!   the caller's number, so a lockout holds across calls and channels.
//! - A caller known to be a participant (a number they verified from in the WhatsApp chat)
//!   hears their branch's closure, in force or starting within a week, right after the
//!   welcome; the machine words it ([`voice::prompts::closure_notice`]).
//! - `GET /voice/audio/<prompt>.wav` serves the prerecorded prompts when `voice.prompts` is on.

pub mod account;
pub mod render;

use crate::state::AppState;
use account::Account;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use dialog::verification::{self, Attempt};
use dialog::{DialogConfig, StoreData};
use jkn::Msisdn;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use store::{ConversationRecord, FamilyId, NewCase, NewOutbound, NewTurn, ParticipantId};
use voice::call::{
    Action, Call, CallbackReason, Event, Next, Outcome, Reply, Settings, Step, Turn,
};
use voice::keypad::IdentityInput;
use voice::prompts::{ClosureNotice, PromptId, Via};

/// The conversation channel of calls.
pub const CHANNEL: &str = "voice";
/// The kind of the case a call-back request becomes.
pub const CASE_KIND: &str = "telepon_balik";
/// Its number prefix: `TLP-000042`.
pub const CASE_PREFIX: &str = "TLP";

/// Bumped when [`Stored`] changes shape; an unreadable state starts the call over.
const STATE_VERSION: u32 = 1;
const CALL_LOCKS: usize = 256;
/// Actions one webhook may chain (a verification, then its answer...); a guard, never reached.
const MAX_ACTIONS: usize = 8;

/// What the server keeps of one call (the conversation state, as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    version: u32,
    call: Call,
    /// The caller's number as the provider sent it (`From`).
    caller: String,
    /// The identifier typed, looked up: who has it (if anyone) and its key. Never the
    /// identifier itself.
    #[serde(default)]
    claim: Option<Claim>,
    #[serde(default)]
    identity: Option<Identity>,
    /// The step number of the last answer; its callbacks carry it.
    seq: u32,
    /// The last answer, given again to a retried webhook.
    last: String,
    started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claim {
    participant_id: Option<ParticipantId>,
    key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Identity {
    participant_id: ParticipantId,
    family_id: FamilyId,
}

/// Which webhook was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hook {
    Incoming,
    Gather,
    Silence,
    Dial,
    Status,
}

impl Hook {
    fn name(self) -> &'static str {
        match self {
            Hook::Incoming => "incoming",
            Hook::Gather => "gather",
            Hook::Silence => "silence",
            Hook::Dial => "dial",
            Hook::Status => "status",
        }
    }
}

#[derive(Clone)]
struct VoiceLine {
    app: AppState,
    data: Arc<StoreData>,
    dialog: Arc<DialogConfig>,
    settings: Arc<Settings>,
    render: Arc<render::Voice>,
    audio_dir: Arc<PathBuf>,
    /// Set when Telnyx signs the webhooks (Ed25519) instead of an HMAC token.
    telnyx_key: Option<Arc<voice::telnyx::PublicKey>>,
    /// Webhooks of one call run one at a time (a retry racing the original).
    locks: Arc<Vec<tokio::sync::Mutex<()>>>,
}

/// The directory of prerecorded prompts: `data_dir/voice`.
pub fn audio_dir(config: &crate::Config) -> PathBuf {
    config.data_dir.join("voice")
}

/// The voice line's routes; none when it is off.
pub fn routes(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    if !config.voice.enabled() {
        return Router::new();
    }
    let dir = audio_dir(config);
    let recorded: HashSet<PromptId> = if config.voice.prompts {
        PromptId::ALL
            .into_iter()
            .filter(|p| dir.join(format!("{}.wav", p.id())).is_file())
            .collect()
    } else {
        HashSet::new()
    };
    if config.voice.prompts {
        tracing::info!(
            recorded = recorded.len(),
            of = PromptId::ALL.len(),
            "voice prompts: recordings found"
        );
    }
    let dialog = DialogConfig::default();
    let line = VoiceLine {
        app: state.clone(),
        data: Arc::new(StoreData::new(state.store.clone())),
        settings: Arc::new(Settings {
            agent_number: config
                .voice
                .care_center_number
                .clone()
                .filter(|n| !n.trim().is_empty()),
            failures_before_lock: dialog.failures_before_lock,
            format_errors_allowed: 3,
        }),
        dialog: Arc::new(dialog),
        render: Arc::new(render::Voice {
            base: config.voice_public_url(),
            say_voice: config.voice.say_voice.clone(),
            recorded,
        }),
        audio_dir: Arc::new(dir),
        telnyx_key: config.voice.telnyx_key().map(Arc::new),
        locks: Arc::new(
            (0..CALL_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        ),
    };
    tracing::info!("voice line on");
    Router::new()
        .route(
            "/voice/twiml",
            post(|s, u, h, b| webhook(s, Hook::Incoming, u, h, b)),
        )
        .route(
            "/voice/twiml/gather",
            post(|s, u, h, b| webhook(s, Hook::Gather, u, h, b)),
        )
        .route(
            "/voice/twiml/silence",
            post(|s, u, h, b| webhook(s, Hook::Silence, u, h, b)),
        )
        .route(
            "/voice/twiml/dial",
            post(|s, u, h, b| webhook(s, Hook::Dial, u, h, b)),
        )
        .route(
            "/voice/twiml/status",
            post(|s, u, h, b| webhook(s, Hook::Status, u, h, b)),
        )
        .route("/voice/audio/{file}", get(audio))
        .with_state(line)
}

fn xml(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, voice::twiml::CONTENT_TYPE)],
        body,
    )
        .into_response()
}

fn refuse(status: StatusCode, code: &'static str, message: &'static str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Twilio's `CA` + 32 hex digits, SignalWire's UUID, Telnyx's `v3:` + Base64url text.
fn valid_call_sid(sid: &str) -> bool {
    (1..=128).contains(&sid.len())
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
}

/// The step number a callback URL carries.
fn seq_of(uri: &Uri) -> Option<u32> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == "seq")
        .and_then(|(_, v)| v.parse().ok())
}

fn lock_index(sid: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sid.hash(&mut h);
    (h.finish() % CALL_LOCKS as u64) as usize
}

/// Statuses that mean the call is over.
fn call_over(status: Option<&str>) -> bool {
    matches!(
        status,
        Some("completed" | "busy" | "failed" | "no-answer" | "canceled")
    )
}

async fn webhook(
    State(line): State<VoiceLine>,
    hook: Hook,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let metrics = &line.app.metrics;
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let url = format!(
        "{}{}",
        line.render.base,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    if let Err(e) = authenticate(&line, &url, &params, &headers, &body) {
        metrics.count(
            "layan_webhook_rejected_total",
            &[("channel", CHANNEL), ("reason", "signature")],
        );
        tracing::warn!(hook = hook.name(), reason = %e, "voice webhook signature refused");
        return refuse(
            StatusCode::FORBIDDEN,
            "bad_signature",
            "Tanda tangan webhook tidak valid.",
        );
    }
    let Some(sid) = param(&params, "CallSid").filter(|s| valid_call_sid(s)) else {
        metrics.count(
            "layan_webhook_rejected_total",
            &[("channel", CHANNEL), ("reason", "malformed")],
        );
        return refuse(
            StatusCode::BAD_REQUEST,
            "malformed",
            "Isi webhook tidak dapat dibaca: CallSid tidak ada.",
        );
    };
    metrics.count("layan_voice_webhooks_total", &[("hook", hook.name())]);
    let _call = line.locks[lock_index(sid)].lock().await;
    match line.step(hook, sid, seq_of(&uri), &params).await {
        Ok(answer) => xml(answer),
        Err(e) => {
            tracing::error!(hook = hook.name(), call = sid, error = %e, "voice webhook failed");
            // Nothing was stored: a retry of this webhook starts from the same state.
            xml(line.render.render(&Call::unavailable(), 0))
        }
    }
}

/// Checks the webhook's signature by the provider's scheme: Telnyx's Ed25519 when its header
/// is there, else Twilio's (or SignalWire's) HMAC. A scheme without its key configured
/// refuses everything (an empty HMAC key would let anyone sign).
fn authenticate(
    line: &VoiceLine,
    url: &str,
    params: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(signature) = header(voice::telnyx::SIGNATURE_HEADER) {
        let key = line
            .telnyx_key
            .as_deref()
            .ok_or("a Telnyx signature, but no Telnyx public key is configured")?;
        let timestamp = header(voice::telnyx::TIMESTAMP_HEADER);
        let now = line.app.now().timestamp();
        return voice::telnyx::verify(key, body, Some(signature), timestamp, now)
            .map_err(|e| e.to_string());
    }
    let token = line.app.config.voice.auth_token.expose();
    if token.is_empty() {
        return Err("no Telnyx signature, and no Twilio/SignalWire token is configured".into());
    }
    let signature = header(voice::signature::TWILIO_HEADER)
        .or_else(|| header(voice::signature::SIGNALWIRE_HEADER));
    voice::signature::verify(token, url, params, signature).map_err(|e| e.to_string())
}

/// The caller's number for call-backs and rate limits: an Indonesian mobile number in its
/// usual form, or any other number the provider showed; `None` when withheld.
fn caller_number(from: &str) -> Option<String> {
    if let Ok(m) = Msisdn::parse(from) {
        return Some(m.expose().to_string());
    }
    let digits = from.strip_prefix('+').unwrap_or(from);
    (digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| from.to_string())
}

impl VoiceLine {
    /// One webhook of call `sid`: the answer to give.
    async fn step(
        &self,
        hook: Hook,
        sid: &str,
        seq: Option<u32>,
        params: &[(String, String)],
    ) -> Result<String, store::StoreError> {
        let now = self.app.now();
        let record = self.app.store.conversation(CHANNEL, sid).await?;
        let stored = record
            .and_then(|r| serde_json::from_value::<Stored>(r.state).ok())
            .filter(|s| s.version == STATE_VERSION);
        let status = param(params, "CallStatus");
        let hung_up = hook == Hook::Status || call_over(status);

        let (mut stored, event) = match (stored, hook) {
            (None, _) if hung_up => return Ok(voice::twiml::Response::new().to_xml()),
            // A new call; or a call this server has no record of (it started before the line
            // was configured, or the database was replaced): welcome it afresh.
            (None, _) => {
                let caller = param(params, "From").unwrap_or_default().to_string();
                let closure = self.closure_for(&caller, now).await;
                (
                    Stored {
                        version: STATE_VERSION,
                        call: Call::new(),
                        caller,
                        claim: None,
                        identity: None,
                        seq: 0,
                        last: String::new(),
                        started_at: now,
                    },
                    Event::Incoming { closure },
                )
            }
            // A status callback for a call still going: nothing to do.
            (Some(_), Hook::Status) if !call_over(status) => {
                return Ok(voice::twiml::Response::new().to_xml())
            }
            (Some(s), _) if hung_up => {
                if s.call.ended() {
                    return Ok(voice::twiml::Response::new().to_xml());
                }
                (s, Event::HungUp)
            }
            // The call is over: whatever still arrives for it hangs up.
            (Some(s), _) if s.call.ended() => {
                return Ok(voice::twiml::Response::new().hangup().to_xml())
            }
            // The provider asked for the first answer again.
            (Some(s), Hook::Incoming) => return Ok(s.last),
            // A retry of a step already answered, or a stale request: the same answer.
            (Some(s), _) if seq != Some(s.seq) => return Ok(s.last),
            (Some(s), Hook::Gather) => {
                let digits = param(params, "Digits").unwrap_or_default().to_string();
                (s, Event::Digits(digits))
            }
            (Some(s), Hook::Silence) => (s, Event::Silence),
            (Some(s), _) => {
                let answered = matches!(
                    param(params, "DialCallStatus"),
                    Some("completed" | "answered")
                );
                (s, Event::DialEnded { answered })
            }
        };

        let before = stored.call.step.clone();
        let heard = heard(&event, &before);
        let reply = self.run(&mut stored, sid, event, now).await?;
        stored.seq += 1;
        let answer = self.render.render(&reply, stored.seq);
        stored.last = answer.clone();
        tracing::debug!(
            call = sid,
            seq = stored.seq,
            step = step_name(&stored.call.step),
            verified = stored.identity.is_some(),
            "voice step"
        );
        self.record(sid, &stored, heard, &reply, now).await?;
        Ok(answer)
    }

    /// The next closure of the branch serving the caller, if the caller's number is known to
    /// belong to a participant. A failed lookup only costs the announcement, never the call.
    async fn closure_for(&self, caller: &str, now: DateTime<Utc>) -> Option<ClosureNotice> {
        match self.caller_closure(caller, now).await {
            Ok(notice) => notice,
            Err(e) => {
                tracing::warn!(error = %e, "voice: closure lookup failed, no announcement");
                None
            }
        }
    }

    async fn caller_closure(
        &self,
        caller: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ClosureNotice>, store::StoreError> {
        let store = &self.app.store;
        let Ok(number) = Msisdn::parse(caller) else {
            return Ok(None);
        };
        // Whose branch: the participant verified in the WhatsApp chat from this number (WhatsApp
        // vouches for it), else the participants registered with it, when they all belong to
        // one branch (family members share a phone; different branches would be a guess).
        let verified = store
            .conversation(channels::Channel::WhatsApp.as_str(), number.expose())
            .await?
            .and_then(|c| c.participant_id);
        let participant = match verified {
            Some(id) => store.participant(id).await?,
            None => {
                let registered = store.participants_by_phone(&number, 5).await?;
                let one_branch = registered
                    .windows(2)
                    .all(|w| w[0].regency_code() == w[1].regency_code());
                registered.into_iter().next().filter(|_| one_branch)
            }
        };
        let Some(participant) = participant else {
            return Ok(None);
        };
        let Some(office) = store.office_for_regency(participant.regency_code()).await? else {
            return Ok(None);
        };
        // Not ended and not cancelled, soonest first: the first is the one to tell about.
        let Some(closure) = store.closures(office.id, now).await?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(ClosureNotice {
            office: office.name,
            utc_offset_secs: office.timezone.utc_offset_seconds(),
            zone: office.timezone.abbreviation().to_string(),
            starts_at: closure.starts_at,
            ends_at: closure.ends_at,
            alternatives: closure.alternatives,
        }))
    }

    /// Runs the machine until it replies, performing its actions.
    async fn run(
        &self,
        stored: &mut Stored,
        sid: &str,
        event: Event,
        now: DateTime<Utc>,
    ) -> Result<Reply, store::StoreError> {
        let mut attempt: Option<Attempt> = None;
        let mut turn = stored.call.on(event, now, &self.settings);
        for _ in 0..MAX_ACTIONS {
            match turn {
                Turn::Reply(reply) => return Ok(reply),
                Turn::Do(action) => {
                    let outcome = self.perform(stored, sid, action, &mut attempt, now).await?;
                    turn = stored.call.resume(outcome, &self.settings);
                }
            }
        }
        Err(store::StoreError::Other(
            "the call machine did not reply".into(),
        ))
    }

    async fn perform(
        &self,
        stored: &mut Stored,
        sid: &str,
        action: Action,
        attempt: &mut Option<Attempt>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, store::StoreError> {
        let store = &self.app.store;
        match action {
            Action::LookUp(id) => {
                let (found, identifier) = match &id {
                    IdentityInput::Nik(nik) => (
                        store.participant_by_nik(nik).await?,
                        nik.expose().to_string(),
                    ),
                    IdentityInput::Card(card) => (
                        store.participant_by_card(card).await?,
                        card.expose().to_string(),
                    ),
                };
                let caller = Msisdn::parse(&stored.caller).ok();
                let phone_matches = match (&found, &caller) {
                    (Some(p), Some(c)) => p.phone.as_ref() == Some(c),
                    _ => false,
                };
                stored.claim = Some(Claim {
                    participant_id: found.map(|p| p.id),
                    key: verification::identity_key(&identifier),
                });
                Ok(Outcome::LookedUp { phone_matches })
            }
            Action::Verify(birth_date) => {
                let Some(claim) = stored.claim.clone() else {
                    return Ok(Outcome::Mismatch);
                };
                let sender = caller_number(&stored.caller).unwrap_or_else(|| sid.to_string());
                let counted = verification::attempt(
                    self.data.as_ref(),
                    CHANNEL,
                    &sender,
                    &claim.key,
                    now,
                    &self.dialog,
                )
                .await?;
                let counted = match counted {
                    Ok(a) => a,
                    Err(until) => {
                        stored.claim = None;
                        return Ok(Outcome::Locked { until });
                    }
                };
                *attempt = Some(counted);
                let who = match claim.participant_id {
                    Some(id) => store.participant(id).await?,
                    None => None,
                };
                match who.filter(|p| p.birth_date == birth_date) {
                    Some(p) => {
                        stored.claim = None;
                        stored.identity = Some(Identity {
                            participant_id: p.id,
                            family_id: p.family_id,
                        });
                        Ok(Outcome::Verified)
                    }
                    None => Ok(Outcome::Mismatch),
                }
            }
            Action::Lock => {
                stored.claim = None;
                let until = match attempt.as_ref() {
                    Some(a) => verification::lock(self.data.as_ref(), a, &self.dialog).await?,
                    None => verification::hour_window(now) + chrono::Duration::hours(1),
                };
                Ok(Outcome::Locked { until })
            }
            Action::Answer(topic) => {
                let account = self.account(stored).await?;
                Ok(Outcome::Answer(account.speech(topic)))
            }
            Action::SendDetails(topic) => {
                let account = self.account(stored).await?;
                let Some(phone) = account.me.phone.clone() else {
                    return Ok(Outcome::NoPhone);
                };
                let text = account.details(topic, self.app.rules.dues.due_day);
                let via = self.send(&phone, &text, now).await?;
                let digits = phone.expose();
                let ending = digits[digits.len().saturating_sub(3)..].to_string();
                Ok(Outcome::Sent { via, ending })
            }
            Action::Callback(reason) => self.callback(stored, reason, now).await,
        }
    }

    async fn account(&self, stored: &Stored) -> Result<Account, store::StoreError> {
        let Some(id) = &stored.identity else {
            return Err(store::StoreError::Other(
                "an answer was asked for before verification".into(),
            ));
        };
        match Account::load(&self.app, id.participant_id, id.family_id).await {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(store::StoreError::NotFound(
                "the verified participant".into(),
            )),
            Err(dialog::DialogError::Data(e)) => Err(e),
            Err(e) => Err(store::StoreError::Other(e.to_string())),
        }
    }

    /// Queues `text` for the registered number: on WhatsApp when it is configured (the
    /// chat's rendering, window and template rules apply), by SMS otherwise or when WhatsApp
    /// cannot take it.
    async fn send(
        &self,
        phone: &Msisdn,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Via, store::StoreError> {
        let app = &self.app;
        let store = &app.store;
        let recipient = phone.expose();
        if app.config.whatsapp.enabled() {
            use crate::messaging::render;
            let last = store
                .last_inbound_at(channels::Channel::WhatsApp.as_str(), recipient)
                .await?;
            let to = render::Addressee {
                channel: channels::Channel::WhatsApp,
                recipient,
                purpose: "voice_details",
                window: render::window_at(last, now),
                inbox_id: None,
                at: now,
            };
            let rows = render::rows(&app.config, &to, &[dialog::Message::text(text)]);
            let sendable = !rows.is_empty() && rows.iter().all(|r| r.unsendable.is_none());
            for row in rows {
                store.enqueue_outbound(row).await?;
            }
            if let Some(m) = &app.messaging {
                m.wakers.sender(channels::Channel::WhatsApp).notify_one();
            }
            if sendable {
                return Ok(Via::WhatsApp);
            }
        }
        store
            .enqueue_outbound(NewOutbound::plain(
                "sms",
                recipient,
                "voice_details",
                text,
                now,
            ))
            .await?;
        Ok(Via::Sms)
    }

    async fn callback(
        &self,
        stored: &Stored,
        reason: CallbackReason,
        now: DateTime<Utc>,
    ) -> Result<Outcome, store::StoreError> {
        let Some(number) = caller_number(&stored.caller) else {
            return Ok(Outcome::NoCallerNumber);
        };
        let case = self
            .app
            .store
            .create_case(NewCase {
                kind: CASE_KIND.into(),
                number_prefix: CASE_PREFIX.into(),
                participant_id: stored.identity.as_ref().map(|i| i.participant_id),
                family_id: stored.identity.as_ref().map(|i| i.family_id),
                office_id: None,
                channel: CHANNEL.into(),
                sender: number.clone(),
                fields: json!({
                    "reason": reason.code(),
                    "caller": number,
                    "pressed": stored.call.pressed,
                    "verified": stored.identity.is_some(),
                    "call_started_at": stored.started_at,
                }),
                status: cases::CaseStatus::Submitted,
                // One call-back per call and reason, however often the webhook is retried.
                submission_key: Some(format!(
                    "voice:{}:{}:{}",
                    number,
                    stored.started_at.timestamp_millis(),
                    reason.code()
                )),
                created_at: now,
            })
            .await?;
        tracing::info!(case = %case.number, reason = reason.code(), "voice call-back requested");
        Ok(Outcome::CaseCreated {
            number: case.number,
        })
    }

    /// Stores both sides of the step and the call's new state.
    async fn record(
        &self,
        sid: &str,
        stored: &Stored,
        heard: String,
        reply: &Reply,
        now: DateTime<Utc>,
    ) -> Result<(), store::StoreError> {
        let store = &self.app.store;
        let participant_id = stored.identity.as_ref().map(|i| i.participant_id);
        let turn = |direction: &str, text: String, body: serde_json::Value| NewTurn {
            channel: CHANNEL.into(),
            sender: sid.to_string(),
            direction: direction.into(),
            body,
            text,
            intent: None,
            participant_id,
            at: now,
        };
        store
            .append_turn(turn(
                "in",
                heard.clone(),
                json!({"type": "voice", "heard": heard}),
            ))
            .await?;
        let next = match &reply.next {
            Next::Gather(_) => "gather".to_string(),
            Next::Dial(_) => "dial".to_string(),
            Next::Hangup => "hangup".to_string(),
            Next::Nothing => "none".to_string(),
        };
        if !reply.speech.is_empty() || next != "none" {
            store
                .append_turn(turn(
                    "out",
                    reply.text(),
                    json!({"type": "voice", "speech": reply.speech, "next": next, "seq": stored.seq}),
                ))
                .await?;
        }
        let state = serde_json::to_value(stored)
            .map_err(|e| store::StoreError::Other(format!("call state: {e}")))?;
        store
            .save_conversation(&ConversationRecord {
                channel: CHANNEL.into(),
                sender: sid.to_string(),
                state,
                status: if stored.call.ended() {
                    "ended".into()
                } else {
                    "bot".into()
                },
                participant_id,
                updated_at: now,
            })
            .await
    }
}

/// What the caller did, for the history: keys as pressed, except identifiers and dates.
fn heard(event: &Event, step: &Step) -> String {
    match event {
        Event::Incoming { .. } => "[panggilan masuk]".into(),
        Event::Silence => "[tidak ada tombol]".into(),
        Event::HungUp => "[telepon ditutup]".into(),
        Event::DialEnded { answered: true } => "[selesai berbicara dengan petugas]".into(),
        Event::DialEnded { answered: false } => "[petugas tidak menjawab]".into(),
        Event::Digits(d) => match step {
            Step::Identity { .. } if !d.starts_with('*') => {
                format!("[nomor identitas, {} digit]", d.trim_end_matches('#').len())
            }
            Step::BirthDate { .. } if !d.starts_with('*') => "[tanggal lahir]".into(),
            _ => d.clone(),
        },
    }
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Menu => "menu",
        Step::Identity { .. } => "identity",
        Step::Confirm { .. } => "confirm",
        Step::BirthDate { .. } => "birth_date",
        Step::Answered { .. } => "answered",
        Step::Transfer => "transfer",
        Step::Ended => "ended",
    }
}

/// A prerecorded prompt. Only the files `layan voice prompts` writes are served.
async fn audio(State(line): State<VoiceLine>, Path(file): Path<String>) -> Response {
    let prompt = file
        .strip_suffix(".wav")
        .and_then(PromptId::from_id)
        .filter(|p| line.render.recorded.contains(p));
    let Some(prompt) = prompt else {
        return refuse(
            StatusCode::NOT_FOUND,
            "not_found",
            "Rekaman tidak ditemukan.",
        );
    };
    let path = line.audio_dir.join(format!("{}.wav", prompt.id()));
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "audio/wav"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(prompt = prompt.id(), error = %e, "voice prompt recording unreadable");
            refuse(
                StatusCode::NOT_FOUND,
                "not_found",
                "Rekaman tidak ditemukan.",
            )
        }
    }
}

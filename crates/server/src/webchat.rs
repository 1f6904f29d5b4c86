//! The web chat: a small page at `/` and `/chat` where anyone can talk to the assistant
//! without a messaging account, and `POST /chat/messages` behind it.
//!
//! The browser makes a random conversation id once (kept in `localStorage`) and sends it with
//! every message; the engine keeps the conversation's state under ("webchat", id). The id is
//! the only key to a conversation that may hold a verified identity, so it must be long and
//! random: at least 32 characters, which the page draws from `crypto.getRandomValues`.
//!
//! Messages that arrive later (an agent's reply, a case's status notice) are stored as the
//! conversation's outbound turns; the page asks for them with `GET /chat/messages` every few
//! seconds, after the last turn id it has shown (the POST answer carries its turns' ids, so
//! nothing is shown twice).

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ApiQuery;
use crate::state::{AppState, Clock};
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Timelike, Utc};
use dialog::{DialogConfig, Engine, Inbound, Message, Sender, StoreData};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

const PAGE: &str = include_str!("../assets/chat.html");
const SCRIPT: &str = include_str!("../assets/chat.js");
const STYLE: &str = include_str!("../assets/chat.css");

/// Shortest conversation id accepted (128 bits as hex).
const MIN_ID_LEN: usize = 32;
const MAX_ID_LEN: usize = 64;
/// Longest message accepted; a chat message, not a document.
const MAX_TEXT_CHARS: usize = 2_000;
/// Messages per client address per minute, shared by every node through the store.
const MESSAGES_PER_MINUTE: u32 = 60;
/// Polls per client address per minute (a page polls every few seconds; a few tabs fit).
const POLLS_PER_MINUTE: u32 = 120;
/// Most messages one poll returns; the page asks again at once for more.
const POLL_LIMIT: usize = 50;
/// How far back a poll looks among the conversation's turns.
const POLL_WINDOW: u32 = 200;
/// Turns of one conversation are decided and stored one at a time (see `Engine::decide`).
const CONVERSATION_LOCKS: usize = 256;

#[derive(Clone)]
struct WebChat {
    /// `None` when the language model could not be loaded: the page still loads and says so.
    engine: Option<Arc<Engine>>,
    store: store::SharedStore,
    clock: Arc<dyn Clock>,
    locks: Arc<Vec<tokio::sync::Mutex<()>>>,
}

/// The web chat's routes, with their own state, ready to merge into the app's router.
pub fn routes(state: &AppState) -> Router<AppState> {
    let engine = match Engine::new(
        Arc::new(StoreData::with_services(
            state.store.clone(),
            crate::forms::dialog_services(state),
        )),
        state.rules.clone(),
        DialogConfig::default(),
    ) {
        Ok(e) => Some(Arc::new(e)),
        Err(e) => {
            tracing::error!(error = %e, "the assistant is unavailable; the web chat will say so");
            None
        }
    };
    let chat = WebChat {
        engine,
        store: state.store.clone(),
        clock: state.clock.clone(),
        locks: Arc::new(
            (0..CONVERSATION_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        ),
    };
    Router::new()
        .route("/", get(page))
        .route("/chat", get(page))
        .route("/chat/app.js", get(script))
        .route("/chat/app.css", get(style))
        .route("/chat/messages", post(message).get(poll))
        .with_state(chat)
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn script() -> Response {
    crate::html::script(SCRIPT)
}

async fn style() -> Response {
    crate::html::stylesheet(STYLE)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    pub conversation_id: String,
    pub message: Inbound,
}

#[derive(Debug, Serialize)]
pub struct ChatReply {
    pub messages: Vec<Message>,
    /// The stored turn id of each message, in order (what a poll would return it as).
    pub turn_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    pub conversation: String,
    /// The last turn id the page has; without it, only the current last id is returned.
    pub after: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Polled {
    pub id: i64,
    pub message: Message,
}

#[derive(Debug, Serialize)]
pub struct PollReply {
    pub messages: Vec<Polled>,
    /// The highest turn id of the conversation seen by this poll: the next `after`.
    pub last_id: i64,
}

fn lock_index(id: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    (h.finish() % CONVERSATION_LOCKS as u64) as usize
}

fn check_id(id: &str) -> ApiResult<()> {
    if !(MIN_ID_LEN..=MAX_ID_LEN).contains(&id.len())
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::bad_request(
            "invalid_conversation_id",
            format!(
                "conversation_id harus {MIN_ID_LEN}-{MAX_ID_LEN} karakter acak (huruf, angka, - atau _)."
            ),
        ));
    }
    Ok(())
}

fn client_ip(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Later messages of a conversation: outbound turns after `after`, oldest first.
async fn poll(
    State(chat): State<WebChat>,
    extensions: Extensions,
    ApiQuery(q): ApiQuery<PollQuery>,
) -> ApiResult<Json<PollReply>> {
    let id = q.conversation.trim();
    check_id(id)?;
    let now = chat.clock.now();
    let hits = chat
        .store
        .hit_rate_limit(
            &format!("webchat:poll:{}", client_ip(&extensions)),
            minute_window(now),
        )
        .await?;
    if hits > POLLS_PER_MINUTE {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_polls",
            "Terlalu banyak permintaan dalam satu menit. Pesan baru akan muncul sebentar lagi.",
        ));
    }
    let turns = chat.store.recent_turns("webchat", id, POLL_WINDOW).await?;
    let last_id = turns.iter().map(|t| t.id.0).max().unwrap_or(0);
    let Some(after) = q.after else {
        return Ok(Json(PollReply {
            messages: Vec::new(),
            last_id,
        }));
    };
    let mut messages: Vec<Polled> = turns
        .into_iter()
        .filter(|t| t.direction == "out" && t.id.0 > after)
        .filter_map(|t| {
            let id = t.id.0;
            match serde_json::from_value::<Message>(t.body) {
                Ok(message) => Some(Polled { id, message }),
                // A turn stored in another shape still shows as its text.
                Err(_) if !t.text.is_empty() => Some(Polled {
                    id,
                    message: Message::text(t.text),
                }),
                Err(_) => None,
            }
        })
        .collect();
    messages.sort_by_key(|m| m.id);
    messages.truncate(POLL_LIMIT);
    let last_id = if messages.len() == POLL_LIMIT {
        messages.last().map(|m| m.id).unwrap_or(last_id)
    } else {
        last_id.max(after)
    };
    Ok(Json(PollReply { messages, last_id }))
}

fn minute_window(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
}

async fn message(
    State(chat): State<WebChat>,
    extensions: Extensions,
    ApiJson(req): ApiJson<ChatRequest>,
) -> ApiResult<Json<ChatReply>> {
    let id = req.conversation_id.trim();
    check_id(id)?;
    if let Inbound::Text { text } = &req.message {
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ApiError::bad_request(
                "message_too_long",
                format!("Pesan terlalu panjang; paling banyak {MAX_TEXT_CHARS} karakter."),
            ));
        }
    }
    let Some(engine) = chat.engine.clone() else {
        return Err(ApiError::unavailable());
    };
    let now = chat.clock.now();
    let ip = client_ip(&extensions);
    let hits = chat
        .store
        .hit_rate_limit(&format!("webchat:client:{ip}"), minute_window(now))
        .await?;
    if hits > MESSAGES_PER_MINUTE {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_messages",
            "Terlalu banyak pesan dalam satu menit. Mohon tunggu sebentar lalu kirim lagi.",
        ));
    }
    let sender = Sender {
        channel: "webchat".into(),
        id: id.to_string(),
        verified_phone: None,
    };
    // Decided and stored under one lock, so the turns' ids can be returned and two messages
    // of one conversation never interleave.
    let _turn = chat.locks[lock_index(id)].lock().await;
    let decided = match engine.decide(&sender, req.message, now).await {
        Ok(d) => d,
        Err(dialog::DialogError::Data(e)) => return Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "the assistant failed");
            return Err(ApiError::internal());
        }
    };
    let mut turn_ids = Vec::new();
    for turn in decided.turns {
        let out = turn.direction == "out";
        let stored = chat.store.append_turn(turn).await?;
        if out {
            turn_ids.push(stored.id.0);
        }
    }
    chat.store.save_conversation(&decided.conversation).await?;
    Ok(Json(ChatReply {
        messages: decided.messages,
        turn_ids,
    }))
}

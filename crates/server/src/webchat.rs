//! The web chat: a small page at `/` and `/chat` where anyone can talk to the assistant
//! without a messaging account, and `POST /chat/messages` behind it.
//!
//! The browser makes a random conversation id once (kept in `localStorage`) and sends it with
//! every message; the engine keeps the conversation's state under ("webchat", id). The id is
//! the only key to a conversation that may hold a verified identity, so it must be long and
//! random: at least 32 characters, which the page draws from `crypto.getRandomValues`.

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::{AppState, Clock};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, Extensions, StatusCode};
use axum::response::{Html, IntoResponse, Response};
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

#[derive(Clone)]
struct WebChat {
    /// `None` when the language model could not be loaded: the page still loads and says so.
    engine: Option<Arc<Engine>>,
    store: store::SharedStore,
    clock: Arc<dyn Clock>,
}

/// The web chat's routes, with their own state, ready to merge into the app's router.
pub fn routes(state: &AppState) -> Router<AppState> {
    let engine = match Engine::new(
        Arc::new(StoreData::new(state.store.clone())),
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
    };
    Router::new()
        .route("/", get(page))
        .route("/chat", get(page))
        .route("/chat/app.js", get(script))
        .route("/chat/app.css", get(style))
        .route("/chat/messages", post(message))
        .with_state(chat)
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
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
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
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
    match engine.handle(&sender, req.message, now).await {
        Ok(messages) => Ok(Json(ChatReply { messages })),
        Err(dialog::DialogError::Data(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "the assistant failed");
            Err(ApiError::internal())
        }
    }
}

//! Telegram Bot API `POST /bot<token>/<method>` for the methods our side calls:
//! `sendMessage`, `sendVenue` and `answerCallbackQuery`.

use serde_json::{json, Value};

use crate::check::{
    bytes_within, chars_within, object, opt_bool, opt_str, req_array, req_number_in, req_str, Check,
};
use crate::config::Fault;
use crate::server::{Answer, Valid};

const MAX_TEXT: usize = 4096;
const MAX_CALLBACK_DATA: usize = 64;
const MAX_CALLBACK_ANSWER: usize = 200;
const MAX_INLINE_BUTTONS: usize = 100;
const MAX_PLACEHOLDER: usize = 64;

/// A bot id that looks like a real one; it only appears in answers.
const BOT_ID: i64 = 7_000_000_001;

/// The methods the mock knows, by their path segment.
pub(crate) fn known_method(method: &str) -> bool {
    matches!(method, "sendMessage" | "sendVenue" | "answerCallbackQuery")
}

/// Checks one call; the error is the `description` Telegram would give, minus its prefix.
pub(crate) fn validate(method: &str, body: &Value) -> Check<Valid> {
    object(body, "body")?;
    match method {
        "sendMessage" => {
            let chat = chat_id(body)?;
            let text = match body.get("text") {
                None | Some(Value::Null) => return Err("message text is empty".into()),
                Some(Value::String(s)) => s,
                Some(_) => return Err("text must be a string".into()),
            };
            if text.trim().is_empty() {
                return Err("message text is empty".into());
            }
            if text.chars().count() > MAX_TEXT {
                return Err(format!(
                    "message is too long (text must be at most {MAX_TEXT} characters, got {})",
                    text.chars().count()
                ));
            }
            if let Some(mode) = opt_str(body, "parse_mode", "")? {
                if !matches!(mode, "HTML" | "Markdown" | "MarkdownV2") {
                    return Err(format!("unsupported parse_mode {mode:?}"));
                }
            }
            opt_bool(body, "disable_notification", "")?;
            if let Some(markup) = body.get("reply_markup") {
                reply_markup(markup)?;
            }
            Ok(Valid::message(chat))
        }
        "sendVenue" => {
            let chat = chat_id(body)?;
            req_number_in(body, "latitude", "", -90.0, 90.0)?;
            req_number_in(body, "longitude", "", -180.0, 180.0)?;
            req_str(body, "title", "")?;
            req_str(body, "address", "")?;
            if let Some(markup) = body.get("reply_markup") {
                reply_markup(markup)?;
            }
            Ok(Valid::message(chat))
        }
        "answerCallbackQuery" => {
            let id = req_str(body, "callback_query_id", "")?;
            if id.is_empty() {
                return Err(
                    "query is too old and response timeout expired or query ID is invalid".into(),
                );
            }
            if let Some(t) = opt_str(body, "text", "")? {
                chars_within(t, 0, MAX_CALLBACK_ANSWER, "text")?;
            }
            opt_bool(body, "show_alert", "")?;
            Ok(Valid::receipt(None))
        }
        other => Err(format!("method {other} is not mocked")),
    }
}

fn chat_id(body: &Value) -> Check<String> {
    match body.get("chat_id") {
        Some(Value::Number(n)) if n.is_i64() => Ok(n.to_string()),
        Some(Value::String(s)) if is_chat_ref(s) => Ok(s.clone()),
        None | Some(Value::Null) => Err("chat_id is empty".into()),
        Some(_) => Err("chat not found (chat_id must be an integer or @username)".into()),
    }
}

/// A numeric chat id as a string, or a public `@username`.
fn is_chat_ref(s: &str) -> bool {
    if let Some(name) = s.strip_prefix('@') {
        return !name.is_empty();
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn reply_markup(markup: &Value) -> Check<()> {
    // Telegram also takes the markup as a JSON-serialized string.
    let parsed;
    let markup = match markup {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|_| "can't parse reply keyboard markup JSON object".to_string())?;
            &parsed
        }
        v => v,
    };
    let m = object(markup, "reply_markup")?;
    let kinds = [
        "inline_keyboard",
        "keyboard",
        "remove_keyboard",
        "force_reply",
    ]
    .iter()
    .filter(|k| m.contains_key(**k))
    .count();
    if kinds != 1 {
        return Err("can't parse reply keyboard markup JSON object (exactly one of inline_keyboard, keyboard, remove_keyboard, force_reply)".into());
    }
    if m.contains_key("inline_keyboard") {
        return inline_keyboard(markup);
    }
    if m.contains_key("keyboard") {
        return keyboard(markup);
    }
    let key = if m.contains_key("remove_keyboard") {
        "remove_keyboard"
    } else {
        "force_reply"
    };
    if opt_bool(markup, key, "reply_markup")? != Some(true) {
        return Err(format!("reply_markup.{key} must be true"));
    }
    opt_bool(markup, "selective", "reply_markup")?;
    Ok(())
}

fn inline_keyboard(markup: &Value) -> Check<()> {
    let rows = req_array(markup, "inline_keyboard", "reply_markup")?;
    let mut total = 0;
    for (r, row) in rows.iter().enumerate() {
        let row = row
            .as_array()
            .ok_or_else(|| format!("reply_markup.inline_keyboard[{r}] must be an array"))?;
        total += row.len();
        for (b, button) in row.iter().enumerate() {
            let p = format!("reply_markup.inline_keyboard[{r}][{b}]");
            object(button, &p)?;
            let text = req_str(button, "text", &p)?;
            if text.is_empty() {
                return Err(format!(
                    "can't parse inline keyboard button: {p}.text is empty"
                ));
            }
            let data = opt_str(button, "callback_data", &p)?;
            let url = opt_str(button, "url", &p)?;
            match (data, url) {
                (Some(d), None) => bytes_within(d, 1, MAX_CALLBACK_DATA, &format!("{p}.callback_data"))
                    .map_err(|e| format!("BUTTON_DATA_INVALID ({e})"))?,
                (None, Some(u)) if !u.is_empty() => {}
                _ => {
                    return Err(format!(
                        "can't parse inline keyboard button: {p} needs exactly one of callback_data or url"
                    ))
                }
            }
        }
    }
    if total > MAX_INLINE_BUTTONS {
        return Err(format!(
            "reply markup is too long ({total} buttons, at most {MAX_INLINE_BUTTONS})"
        ));
    }
    Ok(())
}

fn keyboard(markup: &Value) -> Check<()> {
    let rows = req_array(markup, "keyboard", "reply_markup")?;
    if rows.iter().all(|r| r.as_array().is_none_or(Vec::is_empty)) {
        return Err("reply_markup.keyboard must have at least one button".into());
    }
    for (r, row) in rows.iter().enumerate() {
        let row = row
            .as_array()
            .ok_or_else(|| format!("reply_markup.keyboard[{r}] must be an array"))?;
        for (b, button) in row.iter().enumerate() {
            let p = format!("reply_markup.keyboard[{r}][{b}]");
            if let Value::String(s) = button {
                if s.is_empty() {
                    return Err(format!("{p} text is empty"));
                }
                continue;
            }
            object(button, &p)?;
            if req_str(button, "text", &p)?.is_empty() {
                return Err(format!("{p}.text is empty"));
            }
            let contact = opt_bool(button, "request_contact", &p)?.unwrap_or(false);
            let location = opt_bool(button, "request_location", &p)?.unwrap_or(false);
            if contact && location {
                return Err(format!("{p} cannot request both a contact and a location"));
            }
        }
    }
    for key in [
        "resize_keyboard",
        "one_time_keyboard",
        "is_persistent",
        "selective",
    ] {
        opt_bool(markup, key, "reply_markup")?;
    }
    if let Some(p) = opt_str(markup, "input_field_placeholder", "reply_markup")? {
        chars_within(
            p,
            0,
            MAX_PLACEHOLDER,
            "reply_markup.input_field_placeholder",
        )?;
    }
    Ok(())
}

// ---- answers ----

fn error(status: u16, description: &str) -> Answer {
    Answer::new(
        status,
        json!({"ok": false, "error_code": status, "description": description}),
    )
}

pub(crate) fn invalid(reason: &str) -> Answer {
    error(400, &format!("Bad Request: {reason}"))
}

pub(crate) fn unauthorized() -> Answer {
    error(401, "Unauthorized")
}

pub(crate) fn not_found() -> Answer {
    error(404, "Not Found")
}

pub(crate) fn server_error() -> Answer {
    error(500, "Internal Server Error")
}

pub(crate) fn fault(f: &Fault) -> Answer {
    match f {
        Fault::ServerError | Fault::Delay(_) => server_error(),
        Fault::RateLimited { retry_after_secs } => Answer::new(
            429,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after_secs}"),
                "parameters": {"retry_after": retry_after_secs},
            }),
        ),
        Fault::WindowClosed => error(403, "Forbidden: bot was blocked by the user"),
        Fault::Undeliverable => error(400, "Bad Request: chat not found"),
        Fault::Custom { status, body } => Answer::new(*status, body.clone()),
    }
}

pub(crate) fn success(method: &str, body: &Value, message_id: u64, date: i64) -> Value {
    if method == "answerCallbackQuery" {
        return json!({"ok": true, "result": true});
    }
    // Answer the chat id in the type it has on Telegram (an integer), as the client sent it
    // when it was one.
    let chat_id = match &body["chat_id"] {
        Value::String(s) => s
            .parse::<i64>()
            .map_or_else(|_| Value::String(s.clone()), Value::from),
        other => other.clone(),
    };
    let mut message = json!({
        "message_id": message_id,
        "from": {"id": BOT_ID, "is_bot": true, "first_name": "Layan", "username": "layan_mock_bot"},
        "chat": {"id": chat_id, "type": "private"},
        "date": date,
    });
    if method == "sendVenue" {
        let location = json!({"latitude": body["latitude"], "longitude": body["longitude"]});
        message["location"] = location.clone();
        message["venue"] = json!({
            "location": location,
            "title": body["title"],
            "address": body["address"],
        });
    } else {
        message["text"] = body["text"].clone();
    }
    if let Some(m @ Value::Object(_)) = body.get("reply_markup") {
        if m.get("inline_keyboard").is_some() {
            message["reply_markup"] = m.clone();
        }
    }
    json!({"ok": true, "result": message})
}

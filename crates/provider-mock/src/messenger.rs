//! Messenger Platform Send API `POST /{version}/me/messages?access_token=...`.

use serde_json::{json, Value};

use crate::check::{chars_within, count_within, object, opt_str, req_object, req_str, Check};
use crate::config::Fault;
use crate::server::{Answer, Valid};

/// Text must be shorter than 2000 characters.
const MAX_TEXT: usize = 1999;
const MAX_QUICK_REPLIES: usize = 13;
const MAX_QUICK_REPLY_TITLE: usize = 20;
const MAX_PAYLOAD: usize = 1000;
const TAGS: [&str; 5] = [
    "ACCOUNT_UPDATE",
    "CONFIRMED_EVENT_UPDATE",
    "POST_PURCHASE_UPDATE",
    "HUMAN_AGENT",
    "CUSTOMER_FEEDBACK",
];

pub(crate) fn validate(body: &Value) -> Check<Valid> {
    object(body, "body")?;
    req_object(body, "recipient", "")?;
    let psid = match body["recipient"].get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => return Err("recipient.id is required".into()),
        Some(_) => return Err("recipient.id must be a non-empty string".into()),
    };
    let messaging_type = opt_str(body, "messaging_type", "")?;
    let tag = opt_str(body, "tag", "")?;
    if let Some(action) = opt_str(body, "sender_action", "")? {
        if !matches!(action, "typing_on" | "typing_off" | "mark_seen") {
            return Err(format!(
                "sender_action must be typing_on, typing_off or mark_seen, got {action:?}"
            ));
        }
        if body.get("message").is_some() {
            return Err("sender_action cannot be sent with a message".into());
        }
        // Sender actions are bound by the same 24-hour window as RESPONSE messages.
        let mut v = Valid::receipt(Some(psid));
        v.windowed = true;
        return Ok(v);
    }
    let windowed = match messaging_type {
        None => return Err("messaging_type is required".into()),
        Some("RESPONSE" | "UPDATE") => {
            if tag.is_some() {
                return Err("tag is only allowed with messaging_type MESSAGE_TAG".into());
            }
            true
        }
        Some("MESSAGE_TAG") => match tag {
            None => return Err("tag is required with messaging_type MESSAGE_TAG".into()),
            Some(t) if TAGS.contains(&t) => false,
            Some(t) => return Err(format!("tag {t:?} is not a valid message tag")),
        },
        Some(other) => {
            return Err(format!(
                "messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG, got {other:?}"
            ))
        }
    };
    req_object(body, "message", "")?;
    message(&body["message"])?;
    let mut v = Valid::message(psid);
    v.windowed = windowed;
    Ok(v)
}

fn message(m: &Value) -> Check<()> {
    let text = opt_str(m, "text", "message")?;
    let attachment = m.get("attachment");
    match (text, attachment) {
        (Some(t), None) => {
            let n = t.chars().count();
            if n == 0 {
                return Err("message.text must not be empty".into());
            }
            if n > MAX_TEXT {
                return Err(format!(
                    "message.text must be less than 2000 characters, got {n}"
                ));
            }
        }
        (None, Some(a)) => {
            let kind = req_str(a, "type", "message.attachment")?;
            if !matches!(kind, "image" | "audio" | "video" | "file" | "template") {
                return Err(format!("message.attachment.type {kind:?} is not valid"));
            }
            req_object(a, "payload", "message.attachment")?;
        }
        _ => return Err("message must have exactly one of text or attachment".into()),
    }
    let Some(qrs) = m.get("quick_replies") else {
        return Ok(());
    };
    let qrs = qrs
        .as_array()
        .ok_or("message.quick_replies must be an array")?;
    count_within(qrs.len(), 1, MAX_QUICK_REPLIES, "message.quick_replies")?;
    for (n, qr) in qrs.iter().enumerate() {
        let p = format!("message.quick_replies[{n}]");
        match req_str(qr, "content_type", &p)? {
            "text" => {
                let title = req_str(qr, "title", &p)?;
                chars_within(title, 1, MAX_QUICK_REPLY_TITLE, &format!("{p}.title"))?;
                let payload = match qr.get("payload") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(format!("{p}.payload is required for content_type text")),
                };
                chars_within(&payload, 1, MAX_PAYLOAD, &format!("{p}.payload"))?;
            }
            "user_phone_number" | "user_email" => {}
            other => return Err(format!("{p}.content_type {other:?} is not valid")),
        }
    }
    Ok(())
}

// ---- answers ----

fn graph_error(status: u16, code: i64, subcode: Option<i64>, message: &str, trace: &str) -> Answer {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": trace,
    });
    if let Some(s) = subcode {
        error["error_subcode"] = json!(s);
    }
    Answer::new(status, json!({ "error": error }))
}

pub(crate) fn invalid(reason: &str, trace: &str) -> Answer {
    graph_error(400, 100, None, &format!("(#100) {reason}"), trace)
}

pub(crate) fn unauthorized(trace: &str) -> Answer {
    graph_error(
        400,
        190,
        None,
        "Invalid OAuth access token - Cannot parse access token",
        trace,
    )
}

pub(crate) fn not_found(path: &str, trace: &str) -> Answer {
    graph_error(
        400,
        2500,
        None,
        &format!("Unknown path components: {path}"),
        trace,
    )
}

pub(crate) fn server_error(trace: &str) -> Answer {
    graph_error(
        500,
        1200,
        None,
        "Temporary send message failure. Please try again later",
        trace,
    )
}

pub(crate) fn window_closed(trace: &str) -> Answer {
    graph_error(
        400,
        10,
        Some(2018278),
        "(#10) This message is sent outside of allowed window.",
        trace,
    )
}

pub(crate) fn fault(f: &Fault, trace: &str) -> Answer {
    match f {
        Fault::ServerError | Fault::Delay(_) => server_error(trace),
        Fault::RateLimited { .. } => graph_error(
            400,
            613,
            None,
            "(#613) Calls to this api have exceeded the rate limit.",
            trace,
        ),
        Fault::WindowClosed => window_closed(trace),
        Fault::Undeliverable => graph_error(
            400,
            100,
            Some(2018001),
            "(#100) No matching user found",
            trace,
        ),
        Fault::Custom { status, body } => Answer::new(*status, body.clone()),
    }
}

pub(crate) fn success(valid: &Valid, mid: &str) -> Value {
    let psid = valid.recipient.clone().unwrap_or_default();
    if valid.message {
        json!({"recipient_id": psid, "message_id": mid})
    } else {
        json!({"recipient_id": psid})
    }
}

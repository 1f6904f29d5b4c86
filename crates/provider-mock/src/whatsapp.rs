//! WhatsApp Cloud API `POST /{version}/{phone_number_id}/messages`: the body rules of each
//! message type, and Graph-shaped answers.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::check::{
    chars_within, count_within, object, opt_bool, opt_str, req_array, req_number_in, req_object,
    req_str, Check,
};
use crate::config::Fault;
use crate::server::{Answer, Valid};

const MAX_TEXT: usize = 4096;
const MAX_INTERACTIVE_BODY: usize = 1024;
const MAX_HEADER_FOOTER: usize = 60;
const MAX_BUTTONS: usize = 3;
const MAX_BUTTON_ID: usize = 256;
const MAX_BUTTON_TITLE: usize = 20;
const MAX_LIST_BUTTON: usize = 20;
const MAX_SECTIONS: usize = 10;
const MAX_SECTION_TITLE: usize = 24;
const MAX_ROWS: usize = 10;
const MAX_ROW_ID: usize = 200;
const MAX_ROW_TITLE: usize = 24;
const MAX_ROW_DESCRIPTION: usize = 72;
const MAX_BIZ_OPAQUE: usize = 512;

/// Checks one messages-endpoint body: a message of a supported type, or a mark-read receipt.
pub(crate) fn validate(body: &Value) -> Check<Valid> {
    object(body, "body")?;
    match body.get("messaging_product") {
        Some(Value::String(s)) if s == "whatsapp" => {}
        None => return Err("messaging_product is required".into()),
        Some(_) => return Err("messaging_product must be \"whatsapp\"".into()),
    }
    if body.get("status").is_some() {
        return mark_read(body);
    }
    if let Some(rt) = opt_str(body, "recipient_type", "")? {
        if rt != "individual" {
            return Err(format!("recipient_type must be \"individual\", got {rt:?}"));
        }
    }
    let to = req_str(body, "to", "")?;
    let digits = to.strip_prefix('+').unwrap_or(to);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 15 {
        return Err(format!(
            "to must be a phone number in digits (E.164, at most 15), got {to:?}"
        ));
    }
    let biz_opaque = opt_str(body, "biz_opaque_callback_data", "")?;
    if let Some(b) = biz_opaque {
        chars_within(b, 0, MAX_BIZ_OPAQUE, "biz_opaque_callback_data")?;
    }
    if let Some(ctx) = body.get("context") {
        // A reply quotes one of the conversation's messages by its wamid.
        req_str(ctx, "message_id", "context")?;
    }
    let kind = req_str(body, "type", "")?;
    match kind {
        "text" => text(body)?,
        "interactive" => interactive(body)?,
        "location" => location(body)?,
        "template" => template(body)?,
        other => {
            return Err(format!(
                "type {other:?} is not one the mock checks (text, interactive, location, template)"
            ))
        }
    }
    Ok(Valid {
        recipient: Some(digits.to_string()),
        message: true,
        // Only approved templates may open a conversation outside the 24-hour window.
        windowed: kind != "template",
        biz_opaque: biz_opaque.map(str::to_string),
        template: kind == "template",
    })
}

fn mark_read(body: &Value) -> Check<Valid> {
    let status = req_str(body, "status", "")?;
    if status != "read" {
        return Err(format!("status must be \"read\", got {status:?}"));
    }
    let id = req_str(body, "message_id", "")?;
    if id.is_empty() {
        return Err("message_id must not be empty".into());
    }
    if let Some(t) = body.get("typing_indicator") {
        if req_str(t, "type", "typing_indicator")? != "text" {
            return Err("typing_indicator.type must be \"text\"".into());
        }
    }
    Ok(Valid::receipt(None))
}

fn text(body: &Value) -> Check<()> {
    req_object(body, "text", "")?;
    let t = &body["text"];
    chars_within(req_str(t, "body", "text")?, 1, MAX_TEXT, "text.body")?;
    opt_bool(t, "preview_url", "text")?;
    Ok(())
}

fn interactive(body: &Value) -> Check<()> {
    req_object(body, "interactive", "")?;
    let i = &body["interactive"];
    let kind = req_str(i, "type", "interactive")?;
    if let Some(h) = i.get("header") {
        if req_str(h, "type", "interactive.header")? != "text" {
            return Err(
                "interactive.header.type must be \"text\" (the mock checks no media headers)"
                    .into(),
            );
        }
        let t = req_str(h, "text", "interactive.header")?;
        chars_within(t, 1, MAX_HEADER_FOOTER, "interactive.header.text")?;
    }
    if let Some(f) = i.get("footer") {
        let t = req_str(f, "text", "interactive.footer")?;
        chars_within(t, 1, MAX_HEADER_FOOTER, "interactive.footer.text")?;
    }
    req_object(i, "body", "interactive")?;
    let text = req_str(&i["body"], "text", "interactive.body")?;
    chars_within(text, 1, MAX_INTERACTIVE_BODY, "interactive.body.text")?;
    req_object(i, "action", "interactive")?;
    let action = &i["action"];
    match kind {
        "button" => buttons(action),
        "list" => list(action),
        "location_request_message" => match req_str(action, "name", "interactive.action")? {
            "send_location" => Ok(()),
            other => Err(format!(
                "interactive.action.name must be \"send_location\", got {other:?}"
            )),
        },
        other => Err(format!(
            "interactive.type {other:?} is not one the mock checks (button, list, location_request_message)"
        )),
    }
}

fn buttons(action: &Value) -> Check<()> {
    let buttons = req_array(action, "buttons", "interactive.action")?;
    count_within(buttons.len(), 1, MAX_BUTTONS, "interactive.action.buttons")?;
    let mut ids = HashSet::new();
    let mut titles = HashSet::new();
    for (n, b) in buttons.iter().enumerate() {
        let p = format!("interactive.action.buttons[{n}]");
        let kind = req_str(b, "type", &p)?;
        if kind != "reply" {
            return Err(format!("{p}.type must be \"reply\", got {kind:?}"));
        }
        let rp = format!("{p}.reply");
        req_object(b, "reply", &p)?;
        let id = req_str(&b["reply"], "id", &rp)?;
        chars_within(id, 1, MAX_BUTTON_ID, &format!("{rp}.id"))?;
        let title = req_str(&b["reply"], "title", &rp)?;
        chars_within(title, 1, MAX_BUTTON_TITLE, &format!("{rp}.title"))?;
        if !ids.insert(id) {
            return Err(format!("{rp}.id {id:?} is not unique"));
        }
        if !titles.insert(title) {
            return Err(format!("{rp}.title {title:?} is not unique"));
        }
    }
    Ok(())
}

fn list(action: &Value) -> Check<()> {
    let label = req_str(action, "button", "interactive.action")?;
    chars_within(label, 1, MAX_LIST_BUTTON, "interactive.action.button")?;
    let sections = req_array(action, "sections", "interactive.action")?;
    count_within(
        sections.len(),
        1,
        MAX_SECTIONS,
        "interactive.action.sections",
    )?;
    let mut ids = HashSet::new();
    let mut total = 0;
    for (s, section) in sections.iter().enumerate() {
        let sp = format!("interactive.action.sections[{s}]");
        match opt_str(section, "title", &sp)? {
            Some(t) => chars_within(t, 1, MAX_SECTION_TITLE, &format!("{sp}.title"))?,
            None if sections.len() > 1 => {
                return Err(format!(
                    "{sp}.title is required when there are several sections"
                ))
            }
            None => {}
        }
        let rows = req_array(section, "rows", &sp)?;
        if rows.is_empty() {
            return Err(format!("{sp}.rows must not be empty"));
        }
        total += rows.len();
        for (r, row) in rows.iter().enumerate() {
            let rp = format!("{sp}.rows[{r}]");
            let id = req_str(row, "id", &rp)?;
            chars_within(id, 1, MAX_ROW_ID, &format!("{rp}.id"))?;
            if !ids.insert(id) {
                return Err(format!("{rp}.id {id:?} is not unique"));
            }
            let title = req_str(row, "title", &rp)?;
            chars_within(title, 1, MAX_ROW_TITLE, &format!("{rp}.title"))?;
            if let Some(d) = opt_str(row, "description", &rp)? {
                chars_within(d, 0, MAX_ROW_DESCRIPTION, &format!("{rp}.description"))?;
            }
        }
    }
    if total > MAX_ROWS {
        return Err(format!(
            "interactive.action.sections must hold at most {MAX_ROWS} rows in all, got {total}"
        ));
    }
    Ok(())
}

fn location(body: &Value) -> Check<()> {
    req_object(body, "location", "")?;
    let l = &body["location"];
    req_number_in(l, "latitude", "location", -90.0, 90.0)?;
    req_number_in(l, "longitude", "location", -180.0, 180.0)?;
    opt_str(l, "name", "location")?;
    opt_str(l, "address", "location")?;
    Ok(())
}

fn template(body: &Value) -> Check<()> {
    req_object(body, "template", "")?;
    let t = &body["template"];
    let name = req_str(t, "name", "template")?;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "template.name must be lowercase letters, digits and underscores, got {name:?}"
        ));
    }
    req_object(t, "language", "template")?;
    if req_str(&t["language"], "code", "template.language")?.is_empty() {
        return Err("template.language.code must not be empty".into());
    }
    let Some(components) = t.get("components") else {
        return Ok(());
    };
    let components = components
        .as_array()
        .ok_or("template.components must be an array")?;
    for (c, comp) in components.iter().enumerate() {
        let cp = format!("template.components[{c}]");
        let kind = req_str(comp, "type", &cp)?;
        if kind != "body" {
            return Err(format!(
                "{cp}.type {kind:?} is not one the mock checks (body)"
            ));
        }
        let params = req_array(comp, "parameters", &cp)?;
        for (n, p) in params.iter().enumerate() {
            let pp = format!("{cp}.parameters[{n}]");
            let kind = req_str(p, "type", &pp)?;
            if kind != "text" {
                return Err(format!("{pp}.type must be \"text\", got {kind:?}"));
            }
            let text = req_str(p, "text", &pp)?;
            template_parameter(text, &format!("{pp}.text"))?;
        }
    }
    Ok(())
}

/// Meta refuses body parameters that could reshape the approved template's layout.
fn template_parameter(text: &str, path: &str) -> Check<()> {
    chars_within(text, 1, MAX_INTERACTIVE_BODY, path)?;
    // Meta's own wording, so a failing test reads like the production error would.
    if text.contains(['\n', '\t']) || text.contains("     ") {
        return Err(format!(
            "{path}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
        ));
    }
    Ok(())
}

// ---- answers ----

fn graph_error(
    status: u16,
    code: i64,
    subcode: Option<i64>,
    message: &str,
    details: &str,
    trace: &str,
) -> Answer {
    let mut error = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": trace,
    });
    // Subcodes are deprecated since Graph v16 and only a few answers still carry one.
    if let Some(s) = subcode {
        error["error_subcode"] = json!(s);
    }
    Answer::new(status, json!({ "error": error }))
}

pub(crate) fn invalid(reason: &str, trace: &str) -> Answer {
    graph_error(400, 100, None, "(#100) Invalid parameter", reason, trace)
}

pub(crate) fn unauthorized(trace: &str) -> Answer {
    Answer::new(
        401,
        json!({"error": {
            "message": "Invalid OAuth access token - Cannot parse access token",
            "type": "OAuthException",
            "code": 190,
            "fbtrace_id": trace,
        }}),
    )
}

pub(crate) fn not_found(path: &str, trace: &str) -> Answer {
    graph_error(
        400,
        100,
        Some(33),
        &format!("Unsupported post request. Object at {path} does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
        "Only POST /{version}/{phone_number_id}/messages is mocked",
        trace,
    )
}

pub(crate) fn server_error(trace: &str) -> Answer {
    graph_error(
        500,
        131000,
        None,
        "(#131000) Something went wrong",
        "Message failed to send because of an unknown error. Try again later.",
        trace,
    )
}

pub(crate) fn window_closed(trace: &str) -> Answer {
    graph_error(
        400,
        131047,
        None,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        trace,
    )
}

pub(crate) fn fault(f: &Fault, trace: &str) -> Answer {
    match f {
        Fault::ServerError => server_error(trace),
        Fault::RateLimited { .. } => graph_error(
            429,
            130429,
            Some(2494055),
            "(#130429) Rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number in a short period of time",
            trace,
        ),
        Fault::WindowClosed => window_closed(trace),
        Fault::Undeliverable => graph_error(
            400,
            131026,
            None,
            "(#131026) Message Undeliverable",
            "Message failed to send because the recipient is not a WhatsApp user or has an old app.",
            trace,
        ),
        Fault::Custom { status, body } => Answer::new(*status, body.clone()),
        // Never answered on its own: the server waits and then answers normally.
        Fault::Delay(_) => server_error(trace),
    }
}

pub(crate) fn success(valid: &Valid, body: &Value, wamid: &str) -> Value {
    let Some(wa_id) = &valid.recipient else {
        return json!({"success": true});
    };
    let input = body["to"].as_str().unwrap_or(wa_id);
    let mut message = json!({"id": wamid});
    if valid.template {
        message["message_status"] = json!("accepted");
    }
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": input, "wa_id": wa_id}],
        "messages": [message],
    })
}

//! The assistant's messages as outbox rows: one row per provider request, rendered with the
//! channel's limits and the 24-hour window known when the reply was decided. Tokens stay out
//! of the rows (the `{secret}` placeholder); the sender fills them in.

use crate::config::Config;
use channels::{Channel, OutboundRequest, RenderError, Window};
use chrono::{DateTime, Duration, Utc};
use dialog::Message;
use store::{InboxId, NewOutbound, StoredRequest};

/// Free-form messages are allowed this long after the participant's last message.
pub const WINDOW: Duration = Duration::hours(24);

/// Whether a reply at `now` is inside the window opened by a message at `last_inbound`.
pub fn window_at(last_inbound: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Window {
    match last_inbound {
        Some(t) if now - t < WINDOW => Window::Open,
        _ => Window::Closed,
    }
}

/// Who a batch of rows is for and why.
pub struct Addressee<'a> {
    pub channel: Channel,
    pub recipient: &'a str,
    pub purpose: &'a str,
    pub window: Window,
    pub inbox_id: Option<InboxId>,
    pub at: DateTime<Utc>,
}

fn row(to: &Addressee<'_>, text: &str, request: Option<&OutboundRequest>) -> NewOutbound {
    NewOutbound {
        channel: to.channel.as_str().to_owned(),
        recipient: to.recipient.to_owned(),
        purpose: to.purpose.to_owned(),
        body: text.to_owned(),
        created_at: to.at,
        request: request.map(|r| StoredRequest {
            path: r.path_template().to_owned(),
            body: r.body.clone(),
        }),
        unsendable: None,
        inbox_id: to.inbox_id,
    }
}

/// The rows that show `messages` to the addressee, in order.
pub fn rows(config: &Config, to: &Addressee<'_>, messages: &[Message]) -> Vec<NewOutbound> {
    let mut out = Vec::new();
    for message in messages {
        let rendered: Result<Vec<OutboundRequest>, RenderError> = match to.channel {
            Channel::WhatsApp => channels::whatsapp::render(
                &channels::whatsapp::Target {
                    phone_number_id: &config.whatsapp.phone_number_id,
                    to: to.recipient,
                    window: to.window,
                    fallback_template: config.whatsapp.template.as_deref(),
                },
                message,
            ),
            // The token is replaced by the placeholder before storing (see `row`).
            Channel::Telegram => Ok(channels::telegram::render(
                config.telegram.bot_token.expose(),
                to.recipient,
                message,
            )),
            Channel::Messenger => Ok(channels::messenger::render(
                config.messenger.page_token.expose(),
                to.recipient,
                to.window,
                message,
            )),
        };
        match rendered {
            Ok(requests) => out.extend(requests.iter().map(|r| row(to, message.body(), Some(r)))),
            Err(e) => {
                let mut unsendable = row(to, message.body(), None);
                unsendable.unsendable = Some(e.to_string());
                out.push(unsendable);
            }
        }
    }
    out
}

/// The approved WhatsApp template a one-off message (a broadcast) goes out as outside the
/// 24-hour window, with its body parameters.
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    pub name: &'a str,
    pub params: &'a [String],
}

/// The rows that show one text to the addressee, not in reply to anything: as text inside the
/// window and on Telegram; outside it, on WhatsApp as `template` (a row recorded unsendable
/// without one, so the failure shows), on Messenger with the ACCOUNT_UPDATE tag.
pub fn text_rows(
    config: &Config,
    to: &Addressee<'_>,
    text: &str,
    template: Option<Template<'_>>,
) -> Vec<NewOutbound> {
    if to.channel == Channel::WhatsApp && to.window == Window::Closed {
        return match template {
            Some(t) => {
                let request = channels::whatsapp::template(
                    &channels::whatsapp::Target {
                        phone_number_id: &config.whatsapp.phone_number_id,
                        to: to.recipient,
                        window: Window::Closed,
                        fallback_template: Some(t.name),
                    },
                    t.name,
                    t.params,
                );
                vec![row(to, text, Some(&request))]
            }
            None => {
                let mut unsendable = row(to, text, None);
                unsendable.unsendable = Some(
                    RenderError::OutsideWindow {
                        channel: Channel::WhatsApp,
                    }
                    .to_string(),
                );
                vec![unsendable]
            }
        };
    }
    rows(config, to, &[Message::text(text)])
}

/// The row that acknowledges a Telegram button tap (it must go before the answer).
pub fn callback_answer(config: &Config, to: &Addressee<'_>, query_id: &str) -> NewOutbound {
    let request = channels::telegram::answer_callback_query(
        config.telegram.bot_token.expose(),
        query_id,
        None,
    );
    row(to, "", Some(&request))
}

/// The secret a channel's stored paths need.
pub fn secret(config: &Config, channel: Channel) -> Option<&str> {
    match channel {
        Channel::WhatsApp => None,
        Channel::Telegram => Some(config.telegram.bot_token.expose()),
        Channel::Messenger => Some(config.messenger.page_token.expose()),
    }
}

/// What to send instead when the provider says the window has closed: a template (WhatsApp,
/// when one is configured) or the ACCOUNT_UPDATE tag (Messenger). `None`: nothing can be
/// sent, record the failure.
pub fn outside_window_fallback(
    config: &Config,
    channel: Channel,
    recipient: &str,
    text: &str,
    current: &StoredRequest,
) -> Option<StoredRequest> {
    match channel {
        Channel::WhatsApp => {
            let name = config.whatsapp.template.as_deref()?;
            if current.body["type"] == "template" {
                return None;
            }
            let request = channels::whatsapp::template(
                &channels::whatsapp::Target {
                    phone_number_id: &config.whatsapp.phone_number_id,
                    to: recipient,
                    window: Window::Closed,
                    fallback_template: Some(name),
                },
                name,
                &[text.to_owned()],
            );
            Some(StoredRequest {
                path: request.path_template().to_owned(),
                body: request.body,
            })
        }
        Channel::Messenger => {
            if current.body["messaging_type"] == "MESSAGE_TAG" {
                return None;
            }
            let mut body = current.body.clone();
            body["messaging_type"] = "MESSAGE_TAG".into();
            body["tag"] = "ACCOUNT_UPDATE".into();
            Some(StoredRequest {
                path: current.path.clone(),
                body,
            })
        }
        Channel::Telegram => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn config() -> Config {
        let mut c = Config::default();
        c.whatsapp.phone_number_id = "106540352242922".into();
        c.telegram.bot_token = crate::config::Secret::new("123456:ABC-DEF");
        c.messenger.page_token = crate::config::Secret::new("EAAGpage");
        c
    }

    fn to(channel: Channel, window: Window) -> Addressee<'static> {
        Addressee {
            channel,
            recipient: "6281234567890",
            purpose: "reply",
            window,
            inbox_id: Some(InboxId(7)),
            at: Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_window_is_open_for_just_under_a_day() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap();
        assert_eq!(window_at(Some(t), t + Duration::hours(23)), Window::Open);
        assert_eq!(window_at(Some(t), t + Duration::hours(24)), Window::Closed);
        assert_eq!(window_at(None, t), Window::Closed);
    }

    #[test]
    fn tokens_never_reach_the_stored_rows() {
        let c = config();
        let msg = [Message::text("Status kartu Anda AKTIF.")];
        for channel in [Channel::Telegram, Channel::Messenger] {
            let rows = rows(&c, &to(channel, Window::Open), &msg);
            assert_eq!(rows.len(), 1);
            let stored = serde_json::to_string(&rows[0].request).unwrap();
            assert!(
                !stored.contains("ABC-DEF") && !stored.contains("EAAGpage"),
                "{stored}"
            );
            assert!(rows[0].request.as_ref().unwrap().path.contains("{secret}"));
        }
    }

    #[test]
    fn outside_the_window_without_a_template_the_row_is_recorded_unsendable() {
        let c = config();
        let rows = rows(
            &c,
            &to(Channel::WhatsApp, Window::Closed),
            &[Message::text("Halo")],
        );
        assert_eq!(rows.len(), 1);
        assert!(rows[0].request.is_none());
        assert!(rows[0].unsendable.as_deref().unwrap().contains("24-hour"));
    }

    #[test]
    fn outside_the_window_with_a_template_whatsapp_sends_the_template() {
        let mut c = config();
        c.whatsapp.template = Some("layan_pemberitahuan".into());
        let rows = rows(
            &c,
            &to(Channel::WhatsApp, Window::Closed),
            &[Message::text("Halo")],
        );
        let body = &rows[0].request.as_ref().unwrap().body;
        assert_eq!(body["type"], "template");
        assert_eq!(body["template"]["name"], "layan_pemberitahuan");
    }

    #[test]
    fn a_single_text_uses_the_given_template_outside_the_window_only() {
        let mut c = config();
        c.whatsapp.template = Some("layan_pemberitahuan".into());
        let params = ["KC Jember".to_owned(), "Senin".to_owned()];
        let template = Some(Template {
            name: "layan_penutupan_kantor",
            params: &params,
        });
        let closed = text_rows(&c, &to(Channel::WhatsApp, Window::Closed), "Halo", template);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].body, "Halo");
        let body = &closed[0].request.as_ref().unwrap().body;
        assert_eq!(body["template"]["name"], "layan_penutupan_kantor");
        assert_eq!(
            body["template"]["components"][0]["parameters"][1]["text"],
            "Senin"
        );
        let open = text_rows(&c, &to(Channel::WhatsApp, Window::Open), "Halo", template);
        assert_eq!(open[0].request.as_ref().unwrap().body["type"], "text");
        // No template given: recorded unsendable, even with the reply fallback configured.
        let none = text_rows(&c, &to(Channel::WhatsApp, Window::Closed), "Halo", None);
        assert!(none[0].request.is_none() && none[0].unsendable.is_some());
        let tagged = text_rows(&c, &to(Channel::Messenger, Window::Closed), "Halo", None);
        assert_eq!(
            tagged[0].request.as_ref().unwrap().body["tag"],
            "ACCOUNT_UPDATE"
        );
        let telegram = text_rows(&c, &to(Channel::Telegram, Window::Closed), "Halo", None);
        assert!(telegram[0].request.is_some());
    }

    #[test]
    fn the_fallback_turns_a_messenger_response_into_an_account_update_once() {
        let c = config();
        let rows = rows(
            &c,
            &to(Channel::Messenger, Window::Open),
            &[Message::text("Halo")],
        );
        let current = rows[0].request.clone().unwrap();
        let tagged =
            outside_window_fallback(&c, Channel::Messenger, "6281234567890", "Halo", &current)
                .unwrap();
        assert_eq!(tagged.body["messaging_type"], "MESSAGE_TAG");
        assert_eq!(tagged.body["tag"], "ACCOUNT_UPDATE");
        assert!(
            outside_window_fallback(&c, Channel::Messenger, "6281234567890", "Halo", &tagged)
                .is_none()
        );
        assert!(outside_window_fallback(&c, Channel::Telegram, "1", "Halo", &current).is_none());
    }
}

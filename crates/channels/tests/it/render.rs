use std::collections::HashSet;

use channels::limits::{clip_chars, split_chars, unique_ids};
use channels::{messenger, telegram, whatsapp, Channel, OutboundRequest, RenderError, Window};
use dialog::{Button, ListRow, Message};
use proptest::prelude::*;
use serde_json::Value;

const TOKEN: &str = "123456:AAE-bot-token-secret";

fn wa_target(window: Window, template: Option<&'static str>) -> whatsapp::Target<'static> {
    whatsapp::Target {
        phone_number_id: "106540352242922",
        to: "6281234567890",
        window,
        fallback_template: template,
    }
}

fn wa(message: &Message) -> Vec<OutboundRequest> {
    whatsapp::render(&wa_target(Window::Open, None), message).unwrap()
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Raw engine messages, built without the engine's own clipping, so this crate's limits
/// are what is tested.
fn buttons(text: &str, items: &[(&str, &str)]) -> Message {
    Message::Text {
        text: text.into(),
        buttons: items
            .iter()
            .map(|(id, title)| Button {
                id: (*id).into(),
                title: (*title).into(),
            })
            .collect(),
    }
}

fn list(text: &str, n: usize, title: &str, desc: &str, id: &str) -> Message {
    Message::List {
        text: text.into(),
        button: "Pilih fasilitas kesehatan terdekat".into(),
        rows: (0..n)
            .map(|_| ListRow {
                id: id.into(),
                title: title.into(),
                description: Some(desc.into()),
            })
            .collect(),
    }
}

fn assert_whatsapp_limits(reqs: &[OutboundRequest]) {
    for r in reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path(), "/106540352242922/messages");
        let b = &r.body;
        assert_eq!(b["messaging_product"], "whatsapp");
        assert_eq!(b["to"], "6281234567890");
        match b["type"].as_str().unwrap() {
            "text" => assert!(chars(&b["text"]["body"]) <= whatsapp::MAX_TEXT),
            "interactive" => {
                let i = &b["interactive"];
                assert!(chars(&i["body"]["text"]) <= whatsapp::MAX_INTERACTIVE_BODY);
                match i["type"].as_str().unwrap() {
                    "button" => {
                        let bs = i["action"]["buttons"].as_array().unwrap();
                        assert!((1..=3).contains(&bs.len()));
                        let mut ids = HashSet::new();
                        let mut titles = HashSet::new();
                        for x in bs {
                            assert_eq!(x["type"], "reply");
                            let id = x["reply"]["id"].as_str().unwrap();
                            let title = x["reply"]["title"].as_str().unwrap();
                            assert!(id.len() <= 256 && ids.insert(id.to_string()));
                            assert!(
                                title.chars().count() <= 20 && titles.insert(title.to_string())
                            );
                        }
                    }
                    "list" => {
                        assert!(chars(&i["action"]["button"]) <= 20);
                        let sections = i["action"]["sections"].as_array().unwrap();
                        let mut ids = HashSet::new();
                        let mut total = 0;
                        for s in sections {
                            assert!(chars(&s["title"]) <= 24);
                            for row in s["rows"].as_array().unwrap() {
                                total += 1;
                                let id = row["id"].as_str().unwrap();
                                assert!(id.len() <= 200 && ids.insert(id.to_string()));
                                assert!(chars(&row["title"]) <= 24);
                                assert!(chars(&row["description"]) <= 72);
                            }
                        }
                        assert!((1..=10).contains(&total));
                    }
                    "location_request_message" => {
                        assert_eq!(i["action"]["name"], "send_location")
                    }
                    other => panic!("interactive {other}"),
                }
            }
            "location" | "template" => {}
            other => panic!("type {other}"),
        }
    }
}

#[test]
fn a_short_whatsapp_text_is_one_request_with_the_documented_shape() {
    let reqs = wa(&Message::text("Tunggakan Anda Rp 0."));
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].body,
        serde_json::json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281234567890",
            "type": "text",
            "text": {"body": "Tunggakan Anda Rp 0.", "preview_url": false}
        })
    );
}

#[test]
fn a_long_whatsapp_text_is_split_into_parts_within_4096_chars_losing_no_word() {
    let word = "iuran ";
    let text = word.repeat(2000); // 12,000 chars
    let reqs = wa(&Message::text(text.clone()));
    assert_eq!(reqs.len(), 3);
    assert_whatsapp_limits(&reqs);
    let joined: Vec<String> = reqs
        .iter()
        .map(|r| r.body["text"]["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(joined.join(" ").split_whitespace().count(), 2000);
}

#[test]
fn whatsapp_buttons_are_clipped_deduplicated_and_capped_at_three() {
    let long_id = "x".repeat(300);
    let msg = buttons(
        "Pilih layanan",
        &[
            (&long_id, "Pendaftaran peserta baru mandiri"),
            (&long_id, "Pendaftaran peserta baru mandiri"),
            ("menu:faskes", "Faskes"),
            ("menu:lain", "Lainnya"),
        ],
    );
    let reqs = wa(&msg);
    assert_eq!(reqs.len(), 1);
    assert_whatsapp_limits(&reqs);
    let bs = reqs[0].body["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap();
    assert_eq!(bs.len(), 3);
    assert_eq!(bs[2]["reply"]["id"], "menu:faskes");
}

#[test]
fn whatsapp_interactive_body_over_1024_chars_sends_the_overflow_first_as_text() {
    let text = "a ".repeat(1500);
    let reqs = wa(&buttons(&text, &[("ya", "Ya")]));
    assert_whatsapp_limits(&reqs);
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].body["type"], "text");
    assert_eq!(reqs.last().unwrap().body["type"], "interactive");
}

#[test]
fn whatsapp_lists_keep_ten_rows_within_their_limits() {
    let msg = list(
        "Faskes terdekat",
        12,
        "Klinik Pratama Sehat Sentosa Abadi",
        &"Jl. Melati ".repeat(10),
        "faskes:1",
    );
    let reqs = wa(&msg);
    assert_whatsapp_limits(&reqs);
    let rows = reqs[0].body["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["id"], "faskes:1");
}

#[test]
fn whatsapp_location_pin_and_location_request_have_the_documented_shape() {
    let pin = wa(&Message::Location {
        latitude: -6.2,
        longitude: 106.8,
        name: "Kantor Cabang Jakarta Pusat".into(),
        address: "Jl. Letjen Suprapto".into(),
    });
    assert_eq!(pin[0].body["location"]["latitude"], -6.2);
    assert_eq!(
        pin[0].body["location"]["name"],
        "Kantor Cabang Jakarta Pusat"
    );
    let ask = wa(&Message::LocationRequest {
        text: "Bagikan lokasi Anda".into(),
    });
    assert_whatsapp_limits(&ask);
    assert_eq!(
        ask[0].body["interactive"]["type"],
        "location_request_message"
    );
    let contact = wa(&Message::ContactRequest {
        text: "Nomor HP?".into(),
    });
    assert_eq!(contact[0].body["type"], "text");
}

#[test]
fn outside_the_24_hour_window_whatsapp_needs_a_template() {
    let msg = Message::text("Iuran bulan ini sudah jatuh tempo.");
    assert_eq!(
        whatsapp::render(&wa_target(Window::Closed, None), &msg),
        Err(RenderError::OutsideWindow {
            channel: Channel::WhatsApp
        })
    );
    let reqs = whatsapp::render(&wa_target(Window::Closed, Some("pengingat_iuran")), &msg).unwrap();
    assert_eq!(reqs.len(), 1);
    let t = &reqs[0].body["template"];
    assert_eq!(reqs[0].body["type"], "template");
    assert_eq!(t["name"], "pengingat_iuran");
    assert_eq!(t["language"]["code"], "id");
    assert_eq!(t["components"][0]["type"], "body");
    assert_eq!(t["components"][0]["parameters"][0]["type"], "text");
    assert_eq!(
        t["components"][0]["parameters"][0]["text"],
        "Iuran bulan ini sudah jatuh tempo."
    );
}

#[test]
fn a_template_parameter_is_one_line_as_meta_requires() {
    // Meta answers #100 for a parameter with a new-line, a tab or more than 4 spaces in a row.
    let msg = Message::text("Status kartu: AKTIF\n\n• Iuran Rp0\tlunas     sampai Nov");
    let reqs = whatsapp::render(&wa_target(Window::Closed, Some("pengingat_iuran")), &msg).unwrap();
    let text = reqs[0].body["template"]["components"][0]["parameters"][0]["text"]
        .as_str()
        .unwrap();
    assert_eq!(text, "Status kartu: AKTIF • Iuran Rp0 lunas sampai Nov");
}

#[test]
fn telegram_buttons_become_an_inline_keyboard_with_short_unique_callback_data() {
    let long = "pilihan-".repeat(20);
    let reqs = telegram::render(
        TOKEN,
        "123456789",
        &buttons("Pilih", &[(&long, "Satu"), (&long, "Dua"), ("ok", "OK")]),
    );
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path(), format!("/bot{TOKEN}/sendMessage"));
    let kb = reqs[0].body["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap();
    let data: Vec<&str> = kb
        .iter()
        .map(|row| row[0]["callback_data"].as_str().unwrap())
        .collect();
    assert!(data.iter().all(|d| d.len() <= telegram::MAX_CALLBACK_DATA));
    assert_eq!(data.iter().collect::<HashSet<_>>().len(), 3);
    assert_eq!(data[2], "ok");
    assert_eq!(reqs[0].body["chat_id"], "123456789");
}

#[test]
fn telegram_asks_for_contact_and_location_with_reply_keyboards() {
    let c = telegram::render(
        TOKEN,
        "1",
        &Message::ContactRequest {
            text: "Nomor HP?".into(),
        },
    );
    assert_eq!(
        c[0].body["reply_markup"]["keyboard"][0][0]["request_contact"],
        true
    );
    let l = telegram::render(
        TOKEN,
        "1",
        &Message::LocationRequest {
            text: "Lokasi?".into(),
        },
    );
    assert_eq!(
        l[0].body["reply_markup"]["keyboard"][0][0]["request_location"],
        true
    );
    let rm = telegram::remove_keyboard(TOKEN, "1", "Terima kasih");
    assert_eq!(rm.body["reply_markup"]["remove_keyboard"], true);
}

#[test]
fn telegram_long_text_is_split_with_the_keyboard_under_the_last_part() {
    let reqs = telegram::render(TOKEN, "1", &buttons(&"kata ".repeat(1000), &[("ya", "Ya")]));
    assert_eq!(reqs.len(), 2);
    assert!(reqs
        .iter()
        .all(|r| chars(&r.body["text"]) <= telegram::MAX_TEXT));
    assert!(reqs[0].body.get("reply_markup").is_none());
    assert!(reqs[1].body["reply_markup"]["inline_keyboard"].is_array());
}

#[test]
fn telegram_callback_queries_are_answered() {
    let r = telegram::answer_callback_query(TOKEN, "4382bfdwdsb323b2d9", Some("Dipilih"));
    assert_eq!(r.path(), format!("/bot{TOKEN}/answerCallbackQuery"));
    assert_eq!(r.body["callback_query_id"], "4382bfdwdsb323b2d9");
    assert_eq!(r.body["text"], "Dipilih");
}

#[test]
fn tokens_in_paths_never_appear_in_logs() {
    let t = telegram::answer_callback_query(TOKEN, "q", None);
    let m = messenger::render(
        "PAGE-TOKEN-xyz",
        "6543",
        Window::Open,
        &Message::text("Halo"),
    );
    for r in [&t, &m[0]] {
        let shown = format!("{r:?} {}", r.redacted_path());
        assert!(
            !shown.contains(TOKEN) && !shown.contains("PAGE-TOKEN"),
            "{shown}"
        );
        assert!(shown.contains("***"));
    }
    assert_eq!(m[0].path(), "/me/messages?access_token=PAGE-TOKEN-xyz");
}

#[test]
fn messenger_uses_response_inside_and_account_update_outside_the_window() {
    let inside = messenger::render("tok", "6543", Window::Open, &Message::text("Halo"));
    assert_eq!(
        inside[0].body,
        serde_json::json!({"recipient": {"id": "6543"}, "messaging_type": "RESPONSE", "message": {"text": "Halo"}})
    );
    let outside = messenger::render("tok", "6543", Window::Closed, &Message::text("Halo"));
    assert_eq!(outside[0].body["messaging_type"], "MESSAGE_TAG");
    assert_eq!(outside[0].body["tag"], "ACCOUNT_UPDATE");
}

#[test]
fn messenger_lists_become_at_most_13_quick_replies_under_text_shorter_than_2000() {
    let msg = Message::List {
        text: "x".repeat(4500),
        button: "Pilih".into(),
        rows: (0..15)
            .map(|i| ListRow {
                id: format!("r{i}"),
                title: "Puskesmas Kecamatan Menteng".into(),
                description: None,
            })
            .collect(),
    };
    let reqs = messenger::render("tok", "6543", Window::Open, &msg);
    assert_eq!(reqs.len(), 3);
    assert!(reqs
        .iter()
        .all(|r| chars(&r.body["message"]["text"]) < 2000));
    let qr = reqs[2].body["message"]["quick_replies"].as_array().unwrap();
    assert_eq!(qr.len(), messenger::MAX_QUICK_REPLIES);
    assert!(qr
        .iter()
        .all(|q| q["content_type"] == "text" && chars(&q["title"]) <= 20));
    assert!(reqs[0].body["message"].get("quick_replies").is_none());
}

fn any_text() -> impl Strategy<Value = String> {
    // Mixed widths: ASCII, Latin-1, CJK, emoji (4 bytes), combining marks, spaces, newlines.
    proptest::collection::vec(
        prop_oneof![
            Just('a'),
            Just(' '),
            Just('\n'),
            Just('é'),
            Just('語'),
            Just('😀'),
            Just('\u{301}'),
            any::<char>()
        ],
        0..300,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn clipping_never_exceeds_the_limit_and_keeps_a_prefix(s in any_text(), max in 1usize..40) {
        let c = clip_chars(&s, max);
        prop_assert!(c.chars().count() <= max);
        let kept = c.strip_suffix('…').unwrap_or(&c);
        prop_assert!(s.starts_with(kept));
    }

    #[test]
    fn splitting_respects_the_limit_and_keeps_all_non_space_text(s in any_text(), max in 1usize..50) {
        let parts = split_chars(&s, max);
        prop_assert!(!parts.is_empty());
        prop_assert!(parts.iter().all(|p| p.chars().count() <= max));
        let strip = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(strip(&parts.concat()), strip(&s));
    }

    #[test]
    fn ids_stay_unique_short_and_valid_utf8(ids in proptest::collection::vec(any_text(), 1..14), max in 4usize..70) {
        let out = unique_ids(ids.iter().map(String::as_str), max);
        prop_assert_eq!(out.len(), ids.len());
        prop_assert!(out.iter().all(|i| !i.is_empty() && i.len() <= max));
        prop_assert_eq!(out.iter().collect::<HashSet<_>>().len(), out.len());
        for (o, i) in out.iter().zip(&ids) {
            // An id that fit and was first of its kind is sent unchanged.
            if !i.is_empty() && i.len() <= max && ids.iter().position(|x| x == i) == ids.iter().position(|x| std::ptr::eq(x, i)) {
                prop_assert_eq!(o, i);
            }
        }
    }

    #[test]
    fn every_whatsapp_rendering_respects_every_limit(
        text in any_text(),
        items in proptest::collection::vec((any_text(), any_text(), any_text()), 0..15),
        as_list in any::<bool>(),
    ) {
        let msg = if as_list {
            Message::List {
                text: text.clone(),
                button: text.clone(),
                rows: items.iter().map(|(id, t, d)| ListRow { id: id.clone(), title: t.clone(), description: Some(d.clone()) }).collect(),
            }
        } else {
            Message::Text { text: text.clone(), buttons: items.iter().map(|(id, t, _)| Button { id: id.clone(), title: t.clone() }).collect() }
        };
        assert_whatsapp_limits(&wa(&msg));
        for r in telegram::render(TOKEN, "1", &msg) {
            prop_assert!(chars(&r.body["text"]) <= telegram::MAX_TEXT);
            if let Some(kb) = r.body["reply_markup"]["inline_keyboard"].as_array() {
                let data: Vec<&str> = kb.iter().map(|row| row[0]["callback_data"].as_str().unwrap_or("")).collect();
                prop_assert!(data.iter().all(|d| d.len() <= telegram::MAX_CALLBACK_DATA));
                prop_assert_eq!(data.iter().collect::<HashSet<_>>().len(), data.len());
            }
        }
        for r in messenger::render("tok", "1", Window::Open, &msg) {
            prop_assert!(chars(&r.body["message"]["text"]) <= messenger::MAX_TEXT);
            if let Some(qr) = r.body["message"]["quick_replies"].as_array() {
                prop_assert!(qr.len() <= messenger::MAX_QUICK_REPLIES);
                prop_assert!(qr.iter().all(|q| chars(&q["title"]) <= 20));
            }
        }
    }
}

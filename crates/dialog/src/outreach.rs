//! Broadcast texts (office closures and free notices) and the participant's subscription
//! commands ("STOP", "berhenti", "MULAI").
//!
//! Broadcasts can reach a participant hours after they were queued, so times are written in
//! full ("Selasa, 24 November 2026 pukul 08.00 WITA"), never "besok": for dates past tomorrow
//! this is exactly how [`crate::templates::office`] words a closure, so the notice and the
//! assistant's answer about the office agree.

use cases::notice::local_time_id;
use store::Closure;
use wilayah::TimeZone;

/// The last line of every broadcast: how to stop them.
pub const STOP_LINE: &str = "Balas STOP untuk berhenti menerima pemberitahuan.";

/// A broadcast's text, and the body parameters of the WhatsApp template that carries it
/// outside the 24-hour window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// Closure notices: the four parameters of `outreach.closure_template` (office, from,
    /// until, alternatives). Anything else: the text alone, for `outreach.notice_template`.
    pub template_params: Vec<String>,
}

/// How many body parameters the closure template takes; a closure broadcast whose
/// parameters are fewer (a cancellation) goes out with the notice template instead.
pub const CLOSURE_TEMPLATE_PARAMS: usize = 4;

/// "Alasan: perbaikan listrik." — user text ends with a full stop unless it has its own.
fn sentence(text: &str) -> String {
    let t = text.trim();
    match t.chars().last() {
        None => String::new(),
        Some('.' | '!' | '?') => t.to_owned(),
        Some(_) => format!("{t}."),
    }
}

fn with_stop_line(mut text: String) -> String {
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text.push_str("\n\n");
    text.push_str(STOP_LINE);
    text
}

/// Whether `text` has `number` as a whole run of digits: a number inside another (165 in
/// 08118165165) is not it.
pub fn mentions_number(text: &str, number: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|n| n == number)
}

/// What the participant can use meanwhile (the non-blank alternatives), as the template's
/// fourth parameter.
fn alternatives_line(alternatives: &[&str], care_center: &str) -> String {
    if alternatives.is_empty() {
        format!("Care Center {care_center} (24 jam)")
    } else {
        alternatives.join(", ")
    }
}

/// The notice shared by a new and a changed closure: when, why, what to do meanwhile.
fn closure_body(
    opening: String,
    office_name: &str,
    tz: TimeZone,
    closure: &Closure,
    care_center: &str,
) -> Notice {
    let from = local_time_id(closure.starts_at, tz);
    let until = local_time_id(closure.ends_at, tz);
    let mut text = format!("{opening} mulai {from} sampai {until}.");
    let reason = sentence(&closure.reason);
    if !reason.is_empty() {
        text.push_str(&format!("\nAlasan: {reason}"));
    }
    let message = sentence(&closure.message);
    if !message.is_empty() {
        text.push_str(&format!("\n{message}"));
    }
    let alternatives: Vec<&str> = closure
        .alternatives
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
    if !alternatives.is_empty() {
        text.push_str("\n\nSelama kantor tutup, layanan tetap dapat diakses lewat:");
        for a in &alternatives {
            text.push_str(&format!("\n• {a}"));
        }
    }
    if !alternatives.iter().any(|a| mentions_number(a, care_center)) {
        text.push_str(&format!(
            "\n\nUntuk bantuan 24 jam, hubungi Care Center {care_center}."
        ));
    }
    Notice {
        text: with_stop_line(text),
        template_params: vec![
            office_name.to_owned(),
            from,
            until,
            alternatives_line(&alternatives, care_center),
        ],
    }
}

/// The broadcast telling a branch's participants about a closure.
pub fn closure_notice(
    office_name: &str,
    tz: TimeZone,
    closure: &Closure,
    care_center: &str,
) -> Notice {
    let opening = format!("*Pemberitahuan BPJS Kesehatan*\n{office_name} ditutup sementara");
    closure_body(opening, office_name, tz, closure, care_center)
}

/// The broadcast after a closure's times or texts changed: the new details in full.
pub fn closure_changed_notice(
    office_name: &str,
    tz: TimeZone,
    closure: &Closure,
    care_center: &str,
) -> Notice {
    let opening = format!(
        "*Perubahan jadwal penutupan kantor*\nJadwal penutupan {office_name} berubah. Kantor kini ditutup sementara"
    );
    closure_body(opening, office_name, tz, closure, care_center)
}

/// The broadcast after a closure was called off: the office keeps its usual hours.
pub fn closure_cancelled_notice(office_name: &str, tz: TimeZone, closure: &Closure) -> Notice {
    let text = format!(
        "*Pemberitahuan BPJS Kesehatan*\nPenutupan {office_name} yang dijadwalkan mulai {} sampai {} dibatalkan. Kantor tetap melayani pada jam layanan biasa.\nMohon maaf atas perubahan informasi ini.",
        local_time_id(closure.starts_at, tz),
        local_time_id(closure.ends_at, tz),
    );
    notice(&text)
}

/// A free notice from an admin or a supervisor, with the stop line.
pub fn notice(text: &str) -> Notice {
    let text = with_stop_line(text.trim().to_owned());
    Notice {
        template_params: vec![text.clone()],
        text,
    }
}

// ---- subscription commands ----------------------------------------------------------------

/// A participant's answer to broadcasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscription {
    /// "STOP", "berhenti": no more broadcasts on this channel address.
    OptOut,
    /// "MULAI": broadcasts again. "mulai" is also how people ask the assistant for its menu,
    /// so callers treat it as a command only from someone who opted out.
    OptIn,
}

/// Words that may follow the keyword without changing what it means ("stop pemberitahuan",
/// "berhenti langganan", "mulai kirim info"): they all name the broadcasts themselves. A
/// word outside this list ("stop kontak", "berhenti kerja") makes it an ordinary sentence.
const ABOUT_BROADCASTS: &[&str] = &[
    "kirim",
    "langganan",
    "berlangganan",
    "pemberitahuan",
    "info",
    "informasi",
    "notifikasi",
    "pesan",
    "siaran",
    "broadcast",
];

const OPT_OUT: &[&str] = &["stop", "berhenti"];
const OPT_IN: &[&str] = &["mulai"];

/// Lower case, punctuation to spaces, one space between words.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Whether the whole message is a subscription command: the keyword first, then at most
/// three words about the broadcasts. Anything else is left to the assistant, so
/// "jangan berhenti bayar iuran" or "stop kontak di rumah rusak" are never opt-outs.
pub fn subscription_command(text: &str) -> Option<Subscription> {
    let words = words(text);
    let (first, rest) = words.split_first()?;
    if rest.len() > 3 || !rest.iter().all(|w| ABOUT_BROADCASTS.contains(&w.as_str())) {
        return None;
    }
    if OPT_OUT.contains(&first.as_str()) {
        Some(Subscription::OptOut)
    } else if OPT_IN.contains(&first.as_str()) {
        Some(Subscription::OptIn)
    } else {
        None
    }
}

pub fn opted_out_reply() -> String {
    "Baik, Anda tidak akan menerima pemberitahuan dari BPJS Kesehatan lagi di sini. Anda tetap dapat bertanya kepada kami kapan saja. Bila ingin menerima pemberitahuan lagi, balas MULAI.".to_owned()
}

pub fn opted_in_reply() -> String {
    "Terima kasih, Anda akan kembali menerima pemberitahuan dari BPJS Kesehatan, misalnya bila kantor cabang tutup sementara. Untuk berhenti, balas STOP kapan saja.".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone as _, Utc};
    use proptest::prelude::*;
    use store::{ClosureId, OfficeId};

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn closure(alternatives: &[&str]) -> Closure {
        Closure {
            id: ClosureId(4),
            office_id: OfficeId(12),
            // 08.00 to 15.00 WITA on Tuesday and Wednesday.
            starts_at: utc(2026, 11, 24, 0, 0),
            ends_at: utc(2026, 11, 25, 7, 0),
            reason: "Perbaikan jaringan listrik".into(),
            message: "Mohon maaf atas ketidaknyamanannya".into(),
            alternatives: alternatives.iter().map(|a| a.to_string()).collect(),
            created_at: utc(2026, 11, 23, 3, 0),
            created_by: "spv.makassar".into(),
            cancelled_at: None,
        }
    }

    #[test]
    fn a_closure_notice_says_where_when_why_and_what_instead() {
        let c = closure(&["WhatsApp PANDAWA 08118165165", "Aplikasi Mobile JKN"]);
        let n = closure_notice("Kantor Cabang Makassar", TimeZone::Wita, &c, "165");
        let t = &n.text;
        assert!(t.contains("Kantor Cabang Makassar ditutup sementara mulai Selasa, 24 November 2026 pukul 08.00 WITA sampai Rabu, 25 November 2026 pukul 15.00 WITA."), "{t}");
        assert!(t.contains("Alasan: Perbaikan jaringan listrik."), "{t}");
        assert!(t.contains("Mohon maaf atas ketidaknyamanannya."), "{t}");
        assert!(
            t.contains("• WhatsApp PANDAWA 08118165165\n• Aplikasi Mobile JKN"),
            "{t}"
        );
        assert!(t.contains("Care Center 165"), "{t}");
        assert!(
            t.ends_with("\n\nBalas STOP untuk berhenti menerima pemberitahuan."),
            "{t}"
        );
        assert_eq!(
            n.template_params,
            vec![
                "Kantor Cabang Makassar".to_owned(),
                "Selasa, 24 November 2026 pukul 08.00 WITA".to_owned(),
                "Rabu, 25 November 2026 pukul 15.00 WITA".to_owned(),
                "WhatsApp PANDAWA 08118165165, Aplikasi Mobile JKN".to_owned(),
            ]
        );
        assert_eq!(n.template_params.len(), CLOSURE_TEMPLATE_PARAMS);
    }

    #[test]
    fn the_notice_words_times_as_the_assistant_does_for_later_days() {
        let c = closure(&[]);
        let now = utc(2026, 11, 20, 3, 0);
        let said = crate::templates::when(
            &c.starts_at
                .with_timezone(&directory::hours::offset(TimeZone::Wita)),
            TimeZone::Wita,
            now,
        );
        let n = closure_notice("Kantor Cabang Makassar", TimeZone::Wita, &c, "165");
        assert!(n.text.contains(&said), "{said} / {}", n.text);
    }

    #[test]
    fn without_alternatives_the_care_center_is_the_way_meanwhile() {
        let n = closure_notice("KC Jember", TimeZone::Wib, &closure(&[]), "165");
        assert_eq!(n.template_params[3], "Care Center 165 (24 jam)");
        assert!(!n.text.contains("Selama kantor tutup"));
        assert!(n.text.contains("hubungi Care Center 165"));
        // Named once, not twice, when an alternative already is the care centre.
        let n = closure_notice(
            "KC Jember",
            TimeZone::Wib,
            &closure(&["Care Center 165 (24 jam)"]),
            "165",
        );
        assert_eq!(n.text.matches("Care Center 165").count(), 1, "{}", n.text);
    }

    #[test]
    fn changed_and_cancelled_notices_say_so() {
        let c = closure(&[]);
        let changed = closure_changed_notice("Kantor Cabang Makassar", TimeZone::Wita, &c, "165");
        assert!(changed
            .text
            .contains("Jadwal penutupan Kantor Cabang Makassar berubah"));
        assert_eq!(changed.template_params.len(), CLOSURE_TEMPLATE_PARAMS);
        let cancelled = closure_cancelled_notice("Kantor Cabang Makassar", TimeZone::Wita, &c);
        assert!(cancelled.text.contains("dibatalkan"));
        assert!(cancelled
            .text
            .contains("Selasa, 24 November 2026 pukul 08.00 WITA"));
        assert!(cancelled.text.ends_with(STOP_LINE));
        // The closure template cannot say "cancelled": only the text goes as a parameter.
        assert_eq!(cancelled.template_params, vec![cancelled.text.clone()]);
    }

    #[test]
    fn a_free_notice_ends_with_the_stop_line_once() {
        let n = notice("  Kini antrean faskes bisa diambil lewat Mobile JKN.\n\n ");
        assert_eq!(
            n.text,
            "Kini antrean faskes bisa diambil lewat Mobile JKN.\n\nBalas STOP untuk berhenti menerima pemberitahuan."
        );
        assert_eq!(n.template_params, vec![n.text.clone()]);
    }

    #[test]
    fn stop_words_alone_opt_out() {
        for t in [
            "STOP",
            "stop",
            "Stop.",
            "berhenti",
            "Berhenti.",
            "BERHENTI kirim",
            "  berhenti   langganan!! ",
            "stop pemberitahuan",
            "/stop",
            "Berhenti berlangganan info",
        ] {
            assert_eq!(subscription_command(t), Some(Subscription::OptOut), "{t}");
        }
    }

    #[test]
    fn mulai_opts_back_in() {
        for t in [
            "MULAI",
            "mulai",
            "Mulai!",
            "mulai langganan",
            "MULAI kirim info",
        ] {
            assert_eq!(subscription_command(t), Some(Subscription::OptIn), "{t}");
        }
    }

    #[test]
    fn sentences_with_the_words_are_not_commands() {
        for t in [
            "jangan berhenti bayar iuran",
            "stop kontak di rumah rusak",
            "saya mau berhenti kerja",
            "berhenti kerja, bagaimana iuran saya?",
            "kapan mulai berlaku",
            "mulai bulan depan saya pindah",
            "stop stop",
            "tolong stop",
            "stop kirim info pesan siaran",
            "",
            "   ",
            "?!",
            "stopp",
        ] {
            assert_eq!(subscription_command(t), None, "{t:?}");
        }
    }

    #[test]
    fn replies_say_how_to_undo() {
        assert!(opted_out_reply().contains("balas MULAI"));
        assert!(opted_in_reply().contains("balas STOP"));
    }

    proptest! {
        /// A message with any word outside the short list is never a command, wherever
        /// the keyword stands.
        #[test]
        fn a_foreign_word_makes_it_a_sentence(
            keyword in prop::sample::select(vec!["stop", "STOP", "berhenti", "Berhenti", "mulai", "MULAI"]),
            foreign in "[a-z]{2,10}",
            before in any::<bool>(),
        ) {
            prop_assume!(!ABOUT_BROADCASTS.contains(&foreign.as_str()));
            let text = if before { format!("{foreign} {keyword}") } else { format!("{keyword} {foreign}") };
            prop_assert_eq!(subscription_command(&text), None);
        }

        /// Case, punctuation and spacing around a command never change it.
        #[test]
        fn noise_around_a_command_is_ignored(
            keyword in prop::sample::select(vec!["stop", "berhenti", "mulai"]),
            upper in any::<bool>(),
            pre in "[ .!\\t\\n]{0,3}",
            post in "[ .!?\\t\\n]{0,3}",
            extra in prop::option::of(prop::sample::select(ABOUT_BROADCASTS.to_vec())),
        ) {
            let word = if upper { keyword.to_uppercase() } else { keyword.to_owned() };
            let text = match extra {
                Some(e) => format!("{pre}{word} {e}{post}"),
                None => format!("{pre}{word}{post}"),
            };
            let expected = if keyword == "mulai" { Subscription::OptIn } else { Subscription::OptOut };
            prop_assert_eq!(subscription_command(&text), Some(expected));
        }

        /// Every closure notice ends with the stop line and has the template's four
        /// parameters, none of them empty.
        #[test]
        fn closure_notices_are_complete(
            reason in "[A-Za-z ]{0,40}",
            message in "[A-Za-z .]{0,80}",
            alternatives in prop::collection::vec("[A-Za-z0-9 ]{0,20}", 0..4),
            start_min in 0i64..100_000,
            length_min in 1i64..20_000,
        ) {
            let mut c = closure(&[]);
            c.starts_at = utc(2026, 11, 23, 0, 0) + chrono::Duration::minutes(start_min);
            c.ends_at = c.starts_at + chrono::Duration::minutes(length_min);
            c.reason = reason;
            c.message = message;
            c.alternatives = alternatives;
            for tz in [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit] {
                let n = closure_notice("KC Jember", tz, &c, "165");
                prop_assert!(n.text.ends_with(STOP_LINE));
                prop_assert_eq!(n.text.matches(STOP_LINE).count(), 1);
                prop_assert_eq!(n.template_params.len(), CLOSURE_TEMPLATE_PARAMS);
                prop_assert!(n.template_params.iter().all(|p| !p.trim().is_empty()));
                let abbreviation = tz.abbreviation();
                prop_assert!(n.template_params[1].ends_with(abbreviation));
            }
        }
    }
}

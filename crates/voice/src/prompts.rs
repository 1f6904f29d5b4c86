//! Everything the voice line says, in one place: the fixed prompts (which `layan voice prompts`
//! can prerecord, one WAV per [`PromptId`]) and the functions that compose the dynamic ones
//! (amounts, dates, digits read back), always spoken with `<Say>`.
//!
//! Spoken Indonesian, polite and plain: the caller is "Bapak atau Ibu"; numbers, amounts and
//! dates are written out in words ([`crate::words`]) so a text-to-speech voice reads them the
//! way a person would; key names are words too ("tekan satu").

use crate::words::{self, day_month, digits, number, rupiah};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone, Timelike, Utc};
use jkn::{
    AccountStatus, PlanState, Reactivation, RehabEligibility, RehabProgress, Rupiah, Segment,
    StatusReason,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A fixed prompt: the same words on every call, so it can be prerecorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptId {
    Welcome,
    Menu,
    NoInput,
    WrongKey,
    Goodbye,
    AskIdentity,
    IdentityInvalid,
    IdentityGiveUp,
    ConfirmOptions,
    PhoneMatches,
    AskBirthDate,
    BirthDateInvalid,
    BirthDateGiveUp,
    RetryBirthDate,
    Verified,
    AfterStatus,
    AfterBill,
    NoPhone,
    NoCallerNumber,
    Connecting,
    AgentBusy,
    AnythingElse,
    Unavailable,
}

impl PromptId {
    /// Every fixed prompt, in the order a call usually meets them.
    pub const ALL: [PromptId; 23] = [
        PromptId::Welcome,
        PromptId::Menu,
        PromptId::NoInput,
        PromptId::WrongKey,
        PromptId::Goodbye,
        PromptId::AskIdentity,
        PromptId::IdentityInvalid,
        PromptId::IdentityGiveUp,
        PromptId::ConfirmOptions,
        PromptId::PhoneMatches,
        PromptId::AskBirthDate,
        PromptId::BirthDateInvalid,
        PromptId::BirthDateGiveUp,
        PromptId::RetryBirthDate,
        PromptId::Verified,
        PromptId::AfterStatus,
        PromptId::AfterBill,
        PromptId::NoPhone,
        PromptId::NoCallerNumber,
        PromptId::Connecting,
        PromptId::AgentBusy,
        PromptId::AnythingElse,
        PromptId::Unavailable,
    ];

    /// The file name stem of its recording: `data_dir/voice/<id>.wav`, `/voice/audio/<id>.wav`.
    pub fn id(self) -> &'static str {
        match self {
            PromptId::Welcome => "welcome",
            PromptId::Menu => "menu",
            PromptId::NoInput => "no-input",
            PromptId::WrongKey => "wrong-key",
            PromptId::Goodbye => "goodbye",
            PromptId::AskIdentity => "ask-identity",
            PromptId::IdentityInvalid => "identity-invalid",
            PromptId::IdentityGiveUp => "identity-give-up",
            PromptId::ConfirmOptions => "confirm-options",
            PromptId::PhoneMatches => "phone-matches",
            PromptId::AskBirthDate => "ask-birth-date",
            PromptId::BirthDateInvalid => "birth-date-invalid",
            PromptId::BirthDateGiveUp => "birth-date-give-up",
            PromptId::RetryBirthDate => "retry-birth-date",
            PromptId::Verified => "verified",
            PromptId::AfterStatus => "after-status",
            PromptId::AfterBill => "after-bill",
            PromptId::NoPhone => "no-phone",
            PromptId::NoCallerNumber => "no-caller-number",
            PromptId::Connecting => "connecting",
            PromptId::AgentBusy => "agent-busy",
            PromptId::AnythingElse => "anything-else",
            PromptId::Unavailable => "unavailable",
        }
    }

    /// The prompt whose [`PromptId::id`] is `id`.
    pub fn from_id(id: &str) -> Option<PromptId> {
        PromptId::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The words.
    pub fn text(self) -> &'static str {
        match self {
            PromptId::Welcome => "Selamat datang di VIKA, layanan telepon peserta JKN.",
            PromptId::Menu => "Untuk status kartu JKN, tekan satu. Untuk tagihan iuran, tekan dua. Untuk meminta petugas menelepon Bapak atau Ibu kembali, tekan tiga. Untuk berbicara dengan petugas sekarang, tekan nol. Untuk mengulang pilihan ini, tekan sembilan.",
            PromptId::NoInput => "Maaf, kami belum menerima tombol yang Bapak atau Ibu tekan.",
            PromptId::WrongKey => "Maaf, pilihan itu tidak tersedia.",
            PromptId::Goodbye => "Terima kasih telah menghubungi VIKA. Sampai jumpa.",
            PromptId::AskIdentity => "Silakan tekan nomor NIK, enam belas digit, atau nomor kartu JKN, tiga belas digit, lalu akhiri dengan tanda pagar. Untuk kembali ke menu utama, tekan bintang lalu pagar.",
            PromptId::IdentityInvalid => "Maaf, nomor itu bukan NIK atau nomor kartu JKN yang sah. Mohon periksa KTP atau kartu JKN Bapak atau Ibu.",
            PromptId::IdentityGiveUp => "Maaf, nomor belum dapat kami kenali. Siapkan KTP atau kartu JKN Bapak atau Ibu, lalu coba lagi.",
            PromptId::ConfirmOptions => "Jika benar, tekan satu. Untuk mengulang, tekan dua.",
            PromptId::PhoneMatches => "Nomor telepon ini sama dengan nomor yang terdaftar. Untuk keamanan, tanggal lahir tetap kami perlukan.",
            PromptId::AskBirthDate => "Silakan tekan tanggal lahir Bapak atau Ibu, delapan digit: dua digit tanggal, dua digit bulan, dan empat digit tahun. Misalnya, untuk tujuh belas Agustus seribu sembilan ratus delapan puluh lima, tekan satu, tujuh, nol, delapan, satu, sembilan, delapan, lima.",
            PromptId::BirthDateInvalid => "Maaf, tanggal lahir itu belum sesuai.",
            PromptId::BirthDateGiveUp => "Maaf, tanggal lahir belum dapat kami kenali. Silakan coba lagi nanti.",
            PromptId::RetryBirthDate => "Silakan tekan lagi tanggal lahir delapan digit. Untuk mengganti nomor NIK atau kartu, tekan bintang lalu pagar.",
            PromptId::Verified => "Terima kasih, identitas Bapak atau Ibu sudah terverifikasi.",
            PromptId::AfterStatus => "Untuk menerima rincian ini lewat WhatsApp atau SMS ke nomor yang terdaftar, tekan satu. Untuk mendengar tagihan iuran, tekan dua. Untuk mendengar lagi, tekan sembilan. Untuk berbicara dengan petugas, tekan nol. Untuk kembali ke menu utama, tekan bintang.",
            PromptId::AfterBill => "Untuk menerima rincian ini lewat WhatsApp atau SMS ke nomor yang terdaftar, tekan satu. Untuk mendengar status kartu, tekan dua. Untuk mendengar lagi, tekan sembilan. Untuk berbicara dengan petugas, tekan nol. Untuk kembali ke menu utama, tekan bintang.",
            PromptId::NoPhone => "Maaf, belum ada nomor HP yang terdaftar untuk kepesertaan ini, jadi rincian belum dapat dikirim. Nomor HP dapat didaftarkan lewat aplikasi Mobile JKN atau di kantor cabang BPJS Kesehatan.",
            PromptId::NoCallerNumber => "Maaf, nomor telepon Bapak atau Ibu tidak terlihat oleh sistem kami, jadi petugas tidak dapat menelepon kembali. Silakan hubungi BPJS Kesehatan Care Center satu enam lima.",
            PromptId::Connecting => "Mohon tunggu, Bapak atau Ibu akan kami sambungkan dengan petugas.",
            PromptId::AgentBusy => "Maaf, petugas kami sedang sibuk. Untuk meminta petugas menelepon Bapak atau Ibu kembali, tekan tiga.",
            PromptId::AnythingElse => "Ada lagi yang dapat kami bantu?",
            PromptId::Unavailable => "Maaf, layanan sedang mengalami gangguan. Silakan telepon kembali beberapa saat lagi.",
        }
    }
}

/// One piece of what the caller hears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Speech {
    /// A fixed prompt: `<Play>` of its recording when enabled, `<Say>` otherwise.
    Prompt(PromptId),
    /// Words composed for this call: always `<Say>`.
    Text(String),
}

impl Speech {
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Speech::Prompt(p) => Cow::Borrowed(p.text()),
            Speech::Text(t) => Cow::Borrowed(t.as_str()),
        }
    }
}

impl From<PromptId> for Speech {
    fn from(p: PromptId) -> Self {
        Speech::Prompt(p)
    }
}

/// Which identifier was typed, for the read-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Nik,
    Card,
}

/// How details were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    WhatsApp,
    Sms,
}

// ---- identification --------------------------------------------------------------------------

/// A typed identifier of the wrong length.
pub fn identity_length(found: usize) -> String {
    format!(
        "Maaf, nomor yang Bapak atau Ibu tekan {} digit. NIK terdiri dari enam belas digit, dan nomor kartu JKN tiga belas digit.",
        number(found as u64)
    )
}

/// The last four digits read back, digit by digit.
pub fn read_back(kind: IdentityKind, last4: &str) -> String {
    let what = match kind {
        IdentityKind::Nik => "NIK",
        IdentityKind::Card => "Nomor kartu JKN",
    };
    format!(
        "{what} yang Bapak atau Ibu tekan berakhiran {}.",
        digits(last4)
    )
}

/// The same words whether the identifier exists or not.
pub fn verification_failed(attempts_left: u32) -> String {
    format!(
        "Maaf, data yang Bapak atau Ibu masukkan tidak cocok dengan data kami. Sisa percobaan: {} kali.",
        number(u64::from(attempts_left))
    )
}

/// Western Indonesia Time, the zone the chat names lock times in too.
fn wib() -> FixedOffset {
    // Seven hours is a valid offset, so the fallback (UTC) is never used.
    FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix())
}

/// A time of day in words: "pukul sebelas", "pukul sembilan lewat tiga puluh menit".
pub fn time_of_day(at: DateTime<Utc>) -> String {
    let local = wib().from_utc_datetime(&at.naive_utc());
    let (h, m) = (local.hour(), local.minute());
    if m == 0 {
        format!("pukul {} WIB", number(u64::from(h)))
    } else {
        format!(
            "pukul {} lewat {} menit WIB",
            number(u64::from(h)),
            number(u64::from(m))
        )
    }
}

pub fn verification_locked(until: DateTime<Utc>) -> String {
    format!(
        "Demi keamanan data, verifikasi dihentikan sementara karena terlalu banyak percobaan. Silakan coba lagi setelah {}, atau tekan nol untuk berbicara dengan petugas.",
        time_of_day(until)
    )
}

// ---- after an answer -----------------------------------------------------------------------

/// `ending`: the last digits of the registered number.
pub fn details_sent(via: Via, ending: &str) -> String {
    let via = match via {
        Via::WhatsApp => "WhatsApp",
        Via::Sms => "SMS",
    };
    format!(
        "Rincian sudah kami kirim lewat {via} ke nomor terdaftar yang berakhiran {}.",
        digits(ending)
    )
}

/// The digits of a case number ("TLP-000042" → "empat puluh dua"), so a caller can quote it.
fn case_words(case_number: &str) -> String {
    let n: String = case_number.chars().filter(char::is_ascii_digit).collect();
    match n.parse::<u64>() {
        Ok(n) => number(n),
        Err(_) => digits(case_number),
    }
}

pub fn callback_created(case_number: &str) -> String {
    format!(
        "Permintaan telepon balik sudah kami catat, dengan nomor tiket {}. Petugas akan menelepon Bapak atau Ibu ke nomor ini pada jam kerja.",
        case_words(case_number)
    )
}

pub fn callback_already(case_number: &str) -> String {
    format!(
        "Permintaan telepon balik Bapak atau Ibu sudah tercatat, dengan nomor tiket {}.",
        case_words(case_number)
    )
}

/// "0" pressed while no care-centre number is configured: a case instead of a transfer.
pub fn agent_case_created(case_number: &str) -> String {
    format!(
        "Saat ini petugas belum dapat menerima sambungan langsung. Permintaan Bapak atau Ibu sudah kami catat, dengan nomor tiket {}, dan petugas akan menelepon Bapak atau Ibu kembali pada jam kerja.",
        case_words(case_number)
    )
}

// ---- office closures -----------------------------------------------------------------------

/// How far ahead a closure is announced: a caller hears about next week's closure, not next
/// month's (which would only lengthen every call until then).
pub const CLOSURE_NOTICE_DAYS: i64 = 7;

/// A closure of the branch serving the caller, as the server found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureNotice {
    /// The branch's name as written: "Kantor Cabang Palembang".
    pub office: String,
    /// The office's own zone, which every time is said in.
    pub utc_offset_secs: i32,
    /// Its abbreviation: "WIB", "WITA" or "WIT".
    pub zone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The channels to use instead, as written for participants ("Care Center 165").
    pub alternatives: Vec<String>,
}

/// An hour of the clock as people say it, on the twelve-hour dial with the part of the day:
/// 8 → (8, "pagi"), 13 → (1, "siang"), 19 → (7, "malam").
fn hour_of_day(h: u32) -> (u32, &'static str) {
    match h {
        0 => (12, "malam"),
        1..=10 => (h, "pagi"),
        11 | 12 => (h, "siang"),
        13..=14 => (h - 12, "siang"),
        15..=18 => (h - 12, "sore"),
        _ => (h - 12, "malam"),
    }
}

/// "pukul delapan pagi WIB", "pukul satu lewat tiga puluh menit siang WITA".
fn clock(h: u32, m: u32, zone: &str) -> String {
    let (twelve, period) = hour_of_day(h);
    let hour = number(u64::from(twelve));
    if m == 0 {
        format!("pukul {hour} {period} {zone}")
    } else {
        format!(
            "pukul {hour} lewat {} menit {period} {zone}",
            number(u64::from(m))
        )
    }
}

/// "Senin dua puluh empat November", with the year when it is not this year's.
fn day_words(d: NaiveDate, today: NaiveDate) -> String {
    format!("{} {}", words::weekday(d), date_words(d, today))
}

/// Written text made speakable: phone numbers and short codes read key by key ("165" →
/// "satu enam lima", as callers write them down), small counts as numbers ("24 jam" → "dua
/// puluh empat jam"), web addresses without their scheme.
pub fn speakable(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let word = word
            .strip_prefix("https://")
            .or_else(|| word.strip_prefix("http://"))
            .unwrap_or(word);
        let word = word.strip_suffix('/').unwrap_or(word);
        let mut spoken = String::new();
        let mut chars = word.chars().peekable();
        let mut plus = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                let mut run = String::from(c);
                // Separators inside a number ("0811-8165-165") belong to it.
                while let Some(&next) = chars.peek() {
                    if next.is_ascii_digit() {
                        run.push(next);
                        chars.next();
                    } else if matches!(next, '-' | '.') {
                        let mut ahead = chars.clone();
                        ahead.next();
                        if ahead.peek().is_some_and(char::is_ascii_digit) {
                            chars.next();
                        } else {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                if spoken.chars().last().is_some_and(char::is_alphanumeric) {
                    spoken.push(' ');
                }
                // Three digits or more, or a leading zero, is a number to dial.
                if plus || run.len() >= 3 || run.starts_with('0') {
                    spoken.push_str(&digits(&run));
                } else {
                    spoken.push_str(&number(run.parse().unwrap_or_default()));
                }
                plus = false;
                if chars.peek().is_some_and(|c| c.is_alphanumeric()) {
                    spoken.push(' ');
                }
            } else if c == '+' && chars.peek().is_some_and(char::is_ascii_digit) {
                // "+62 ...": a number to dial, read from its digits.
                plus = true;
            } else {
                spoken.push(c);
            }
        }
        if !spoken.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&spoken);
        }
    }
    out
}

/// "a", "a atau b", "a, b, atau c".
fn one_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => {
            let comma = if rest.len() > 1 { "," } else { "" };
            format!("{}{comma} atau {last}", rest.join(", "))
        }
    }
}

/// The announcement of a closure in force or starting within [`CLOSURE_NOTICE_DAYS`], said
/// right after the welcome; `None` for one already over or further ahead.
pub fn closure_notice(n: &ClosureNotice, now: DateTime<Utc>) -> Option<String> {
    if n.ends_at <= now || n.starts_at > now + chrono::Duration::days(CLOSURE_NOTICE_DAYS) {
        return None;
    }
    // A valid zone offset is always within ±24 h, so the fallback (UTC) is never used.
    let tz = FixedOffset::east_opt(n.utc_offset_secs).unwrap_or(Utc.fix());
    let local = |t: DateTime<Utc>| tz.from_utc_datetime(&t.naive_utc());
    let today = local(now).date_naive();
    let zone = n.zone.as_str();

    let start = local(n.starts_at);
    let start_words = if start.hour() == 0 && start.minute() == 0 {
        day_words(start.date_naive(), today)
    } else {
        format!(
            "{} {}",
            day_words(start.date_naive(), today),
            clock(start.hour(), start.minute(), zone)
        )
    };
    let end = local(n.ends_at);
    // Closures declared "until Wednesday" end at midnight or at 23:59: the whole day.
    let end_words = match (end.hour(), end.minute()) {
        (0, 0) => format!(
            "sampai dengan {}",
            day_words(end.date_naive() - chrono::Duration::days(1), today)
        ),
        (23, 59) => format!("sampai dengan {}", day_words(end.date_naive(), today)),
        (h, m) => format!(
            "sampai {} {}",
            day_words(end.date_naive(), today),
            clock(h, m, zone)
        ),
    };
    let office = speakable(&n.office);
    let mut s = if n.starts_at <= now {
        format!("Pemberitahuan: {office} sedang tutup {end_words}.")
    } else {
        format!("Pemberitahuan: {office} tutup mulai {start_words} {end_words}.")
    };
    let alternatives: Vec<String> = n
        .alternatives
        .iter()
        .map(|a| speakable(a.trim().trim_end_matches(['.', ',', ';'])))
        .filter(|a| !a.is_empty())
        .collect();
    if !alternatives.is_empty() {
        s.push_str(&format!(
            " Selama kantor tutup, Bapak atau Ibu tetap dapat dilayani lewat {}.",
            one_of(&alternatives)
        ));
    }
    Some(s)
}

// ---- status and bill -----------------------------------------------------------------------

/// What the answers are made of, all computed by the `jkn` rules from the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    /// Today in the participant's own time zone.
    pub today: NaiveDate,
    pub segment: Segment,
    pub class: u8,
    /// People on the family card, billed together.
    pub members: usize,
    pub status: &'a AccountStatus,
    pub reactivation: &'a Reactivation,
    /// The card is usable now: the ledger says so, or a REHAB plan on schedule already
    /// reactivates it.
    pub active: bool,
    /// The latest REHAB plan's progress, if one was ever registered.
    pub plan: Option<&'a RehabProgress>,
    /// REHAB eligibility, when the family may register a plan now.
    pub rehab: Option<&'a RehabEligibility>,
}

impl Account<'_> {
    fn plan_on_track(&self) -> Option<&RehabProgress> {
        self.plan.filter(|p| p.state == PlanState::OnTrack)
    }

    fn rehab_range(&self) -> Option<(u32, u32, NaiveDate)> {
        let e = self.rehab.filter(|e| e.eligible)?;
        let range = e.instalments.as_ref()?;
        Some((range.min, range.max, e.registration_last_day))
    }
}

/// A date as said in this call: "tanggal sepuluh Mei" this year, with the year otherwise.
pub fn spoken_date(d: NaiveDate, today: NaiveDate) -> String {
    format!("tanggal {}", date_words(d, today))
}

/// "sepuluh Mei" this year, "sepuluh Mei dua ribu dua puluh tujuh" otherwise.
fn date_words(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        day_month(d)
    } else {
        words::date(d)
    }
}

fn amount(r: Rupiah) -> String {
    rupiah(r.0)
}

fn month_of(d: NaiveDate) -> &'static str {
    words::month_name(d.month()).unwrap_or_default()
}

fn next_instalment(p: &RehabProgress, today: NaiveDate) -> String {
    let mut s = format!(
        " Cicilan REHAB yang sudah lunas: {} dari {}.",
        number(u64::from(p.instalments_paid)),
        number(p.instalments.len() as u64)
    );
    if let Some(n) = &p.next_due {
        s.push_str(&format!(
            " Cicilan ke-{} sebesar {} mohon dibayar paling lambat {}.",
            number(u64::from(n.number)),
            amount(n.outstanding),
            spoken_date(n.due_by, today)
        ));
    }
    s
}

const PAY_CHANNELS: &str = " Pembayaran dapat dilakukan lewat ATM, mobile banking, minimarket, kantor pos, atau aplikasi Mobile JKN.";

/// The card status and what to do about it.
pub fn status(a: &Account<'_>) -> String {
    let today = a.today;
    let arrears_since = match (&a.status.reason, a.active) {
        (StatusReason::Arrears { months, since, .. }, false) => Some((*months, *since)),
        _ => None,
    };
    let mut s = match arrears_since {
        Some((months, since)) => format!(
            "Status kartu JKN Bapak atau Ibu: tidak aktif sejak {}, karena ada tunggakan iuran {} bulan.",
            spoken_date(since, today),
            number(u64::from(months))
        ),
        None if a.active => "Status kartu JKN Bapak atau Ibu: aktif.".to_string(),
        None => "Status kartu JKN Bapak atau Ibu: tidak aktif.".to_string(),
    };
    let plan_keeps_active = a
        .plan_on_track()
        .filter(|p| p.card_active && !a.status.active);
    if let Some(p) = plan_keeps_active {
        s.push_str(" Kartu aktif karena rencana cicilan REHAB berjalan sesuai jadwal.");
        s.push_str(&next_instalment(p, today));
    } else {
        match &a.status.reason {
            StatusReason::Paid if a.segment.is_pbi() => {
                s.push_str(" Iuran Bapak atau Ibu dibayar oleh pemerintah.")
            }
            StatusReason::Paid => s.push_str(" Iuran sudah lunas."),
            StatusReason::CurrentMonthDue { amount: due, due_by } => s.push_str(&format!(
                " Iuran bulan ini sebesar {} mohon dibayar paling lambat {}.",
                amount(*due),
                spoken_date(*due_by, today)
            )),
            StatusReason::Arrears { .. } => {
                if a.reactivation.required {
                    s.push_str(&format!(
                        " Agar kartu aktif kembali, bayar {}, yaitu tunggakan ditambah iuran bulan ini.",
                        amount(a.reactivation.total)
                    ));
                }
                if a.rehab_range().is_some() && a.plan_on_track().is_none() {
                    s.push_str(" Tunggakan ini juga dapat dicicil lewat program REHAB; rinciannya ada di menu tagihan.");
                }
            }
            StatusReason::CurrentMonthRequired { amount: due } => s.push_str(&format!(
                " Tunggakan sudah lunas. Agar kartu aktif kembali, bayar juga iuran bulan ini sebesar {}.",
                amount(*due)
            )),
            StatusReason::NoBills => s.push_str(
                " Belum ada tagihan iuran untuk kepesertaan ini. Untuk memeriksanya, silakan berbicara dengan petugas.",
            ),
        }
    }
    if a.status.months_not_billed > 0 {
        s.push_str(&format!(
            " Tunggakan {} bulan yang lebih lama tidak ditagihkan lagi.",
            number(u64::from(a.status.months_not_billed))
        ));
    }
    if a.segment == Segment::Ppu && !a.active {
        s.push_str(" Iuran PPU dibayar lewat pemberi kerja. Jika Bapak atau Ibu sudah berhenti bekerja, kepesertaan dapat dilanjutkan sebagai peserta mandiri.");
    }
    if a.members > 1 {
        s.push_str(&format!(
            " Status ini berlaku untuk seluruh {} anggota keluarga.",
            number(a.members as u64)
        ));
    }
    if !a.active && a.segment.pays_own_dues() && a.reactivation.required {
        s.push_str(PAY_CHANNELS);
    }
    s
}

/// The bill: what to pay, the months in arrears and the REHAB option when eligible.
pub fn bill(a: &Account<'_>) -> String {
    let today = a.today;
    if a.segment.is_pbi() {
        return "Iuran Bapak atau Ibu dibayar oleh pemerintah, jadi tidak ada tagihan untuk Bapak atau Ibu.".into();
    }
    let st = a.status;
    let mut s = format!(
        "Tagihan iuran keluarga Bapak atau Ibu, {} orang, kelas {}.",
        number(a.members.max(1) as u64),
        number(u64::from(a.class))
    );
    if st.months_in_arrears > 0 {
        s.push_str(&format!(
            " Tunggakan: {} bulan, sebesar {}.",
            number(u64::from(st.months_in_arrears)),
            amount(st.arrears)
        ));
    } else {
        s.push_str(" Tidak ada tunggakan.");
    }
    if st.months_not_billed > 0 {
        s.push_str(&format!(
            " Tunggakan {} bulan yang lebih lama tidak ditagihkan lagi.",
            number(u64::from(st.months_not_billed))
        ));
    }
    if let Some(month) = st.current_month {
        let name = month_of(month.first_day());
        if st.current_month_due > Rupiah::ZERO {
            let by = st
                .current_month_due_by
                .map(|d| format!(", paling lambat {}", spoken_date(d, today)))
                .unwrap_or_default();
            s.push_str(&format!(
                " Iuran bulan {name}: {}{by}.",
                amount(st.current_month_due)
            ));
        } else {
            s.push_str(&format!(" Iuran bulan {name} sudah lunas."));
        }
    }
    if a.reactivation.required {
        s.push_str(&format!(
            " Jumlah yang harus dibayar agar kartu aktif kembali: {}.",
            amount(a.reactivation.total)
        ));
    }
    if st.credit > Rupiah::ZERO {
        s.push_str(&format!(
            " Ada kelebihan bayar sebesar {}, yang dipakai untuk iuran berikutnya.",
            amount(st.credit)
        ));
    }
    match a.plan {
        Some(p) if p.state == PlanState::OnTrack => s.push_str(&next_instalment(p, today)),
        Some(p) if p.state == PlanState::Lapsed && st.months_in_arrears > 0 => s.push_str(
            " Rencana cicilan REHAB Bapak atau Ibu sudah batal karena ada cicilan yang tidak lunas tepat waktu, jadi sisa tunggakan harus dibayar sekaligus.",
        ),
        _ => {}
    }
    if let (Some((min, max, last_day)), None) = (a.rehab_range(), a.plan_on_track()) {
        s.push_str(&format!(
            " Tunggakan ini dapat dicicil lewat program REHAB, dengan {} sampai {} kali cicilan. Pendaftaran bulan ini paling lambat {}, lewat aplikasi Mobile JKN, atau dengan bantuan petugas kami.",
            number(u64::from(min)),
            number(u64::from(max)),
            spoken_date(last_day, today)
        ));
    }
    if a.segment == Segment::Ppu {
        s.push_str(" Iuran PPU dibayar lewat pemberi kerja.");
    } else if a.reactivation.required || st.current_month_due > Rupiah::ZERO {
        s.push_str(PAY_CHANNELS);
    }
    s
}

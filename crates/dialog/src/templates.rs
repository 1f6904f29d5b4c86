//! Every text the assistant sends, in one place: polite, plain Bahasa Indonesia ("Anda",
//! short sentences), short enough for a phone screen, and always ending with a next step.
//! Numbers are never written here: they arrive as arguments computed from data and the rules.
//! The help articles at the end are the stored help content for topics without data.

use crate::flows::places::Found;
use crate::forms::{Field, Form, FormKind, Invalid};
use crate::message::{Button, ListRow, Message};
use crate::understand::Place;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use directory::hours::{offset, WEEKDAYS_ID};
use directory::{FacilityKind, OpenState, WeeklyHours};
use jkn::rules::PenaltyRules;
use jkn::text::tanggal;
use jkn::{
    AccountStatus, CareClass, ClassChange, FktpChange, InstalmentProgress, NewbornRegistration,
    Payment, Penalty, Reactivation, ReferralValidity, RehabEligibility, RehabPlan, RehabProgress,
    Rupiah, Segment,
};
use nlu::Intent;
use store::{Closure, Facility, Family, Office, Participant, ParticipantId, StoredRehabPlan};
use wilayah::TimeZone;

/// The assistant's name.
pub const ASSISTANT: &str = "Layan";
/// Care Center, 24 hours (jkn-rules.md, "Channels").
pub const CARE_CENTER: &str = "165";
/// PANDAWA WhatsApp for administrative services.
pub const PANDAWA_WHATSAPP: &str = "08118165165";
/// CHIKA WhatsApp for information.
pub const CHIKA_WHATSAPP: &str = "08118750400";

// ---- small formatting helpers ---------------------------------------------------------------

fn b(id: impl Into<String>, title: &str) -> Button {
    Button::new(id, title)
}

fn row(id: impl Into<String>, title: &str, description: &str) -> ListRow {
    ListRow::new(id, title, Some(description))
}

/// "850 m", "1,2 km", "14 km".
pub fn distance(m: f64) -> String {
    if !m.is_finite() {
        return String::new();
    }
    if m < 1_000.0 {
        format!("{} m", (m / 10.0).round() as i64 * 10)
    } else if m < 10_000.0 {
        let tenths = (m / 100.0).round() as i64;
        format!("{},{} km", tenths / 10, tenths % 10)
    } else {
        format!("{} km", (m / 1_000.0).round() as i64)
    }
}

fn clock(t: &DateTime<FixedOffset>) -> String {
    t.format("%H.%M").to_string()
}

/// "pukul 14.00 WIB", "besok pukul 08.00 WIB", "Senin, 30 November 2026 pukul 08.00 WIB".
pub fn when(t: &DateTime<FixedOffset>, tz: TimeZone, now: DateTime<Utc>) -> String {
    let today = now.with_timezone(&offset(tz)).date_naive();
    let day = t.date_naive();
    let at = format!("pukul {} {}", clock(t), tz.abbreviation());
    if day == today {
        format!("hari ini {at}")
    } else if Some(day) == today.succ_opt() {
        format!("besok {at}")
    } else {
        let weekday = WEEKDAYS_ID
            .get(day.weekday().num_days_from_monday() as usize)
            .copied()
            .unwrap_or_default();
        format!("{weekday}, {} {at}", tanggal(&day))
    }
}

/// "Senin–Jumat 08.00–15.00; Sabtu 08.00–12.00" (days with equal hours grouped).
pub fn weekly(hours: &WeeklyHours) -> String {
    let days = hours.days();
    if days
        .iter()
        .all(|d| d.is_some_and(|h| h.open == 0 && h.close == 1440))
    {
        return "buka 24 jam setiap hari".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let Some(h) = days[i] else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < 7 && days[j + 1] == Some(h) {
            j += 1;
        }
        let span = if i == j {
            WEEKDAYS_ID[i].to_string()
        } else {
            format!("{}–{}", WEEKDAYS_ID[i], WEEKDAYS_ID[j])
        };
        parts.push(format!("{span} {}", h.to_string().replace('-', "–")));
        i = j + 1;
    }
    if parts.is_empty() {
        "tutup".into()
    } else {
        parts.join("; ")
    }
}

/// "Buka, tutup hari ini pukul 14.00 WIB" / "Tutup, buka besok pukul 07.30 WIB".
pub fn open_text(open: &OpenState, tz: TimeZone, now: DateTime<Utc>, always: bool) -> String {
    if always && open.open_now {
        return "Buka 24 jam".into();
    }
    match (open.open_now, &open.closes_at, &open.next_opening) {
        (true, Some(c), _) => format!("Buka, tutup {}", when(c, tz, now)),
        (true, None, _) => "Buka".into(),
        (false, _, Some(n)) => format!("Tutup, buka {}", when(n, tz, now)),
        (false, _, None) => "Tutup".into(),
    }
}

pub fn regency_name(code: u16) -> String {
    wilayah::regency(code)
        .map(|r| r.name.to_string())
        .unwrap_or_else(|| format!("wilayah {code}"))
}

pub fn district_name(code: u32) -> String {
    match wilayah::district(code) {
        Some(d) => format!(
            "Kec. {}, {}",
            d.name,
            d.regency().map(|r| r.name).unwrap_or_default()
        ),
        None => format!("kecamatan {code}"),
    }
}

fn place_name(place: Place) -> String {
    match place {
        Place::Regency(r) => regency_name(r),
        Place::District(d) => district_name(d),
    }
}

fn kind_plural(kind: Option<FacilityKind>) -> String {
    match kind {
        Some(k) => k.label().to_string(),
        None => "Faskes".to_string(),
    }
}

fn segment_short(s: Segment) -> &'static str {
    match s {
        Segment::PbiApbn | Segment::PbiApbd => "PBI",
        Segment::Ppu => "PPU",
        Segment::Pbpu => "PBPU (mandiri)",
        Segment::Bp => "BP",
    }
}

fn months_span(first: jkn::YearMonth, last: jkn::YearMonth) -> String {
    if first == last {
        first.indonesian()
    } else {
        format!("{}–{}", first.indonesian(), last.indonesian())
    }
}

/// A topic as the participant would name it.
pub fn topic_label(intent: Intent) -> &'static str {
    match intent {
        Intent::Salam | Intent::TerimaKasih | Intent::TidakDikenal => "menu utama",
        Intent::CekStatus => "status kartu",
        Intent::Tagihan => "tagihan iuran",
        Intent::CaraBayar => "cara bayar iuran",
        Intent::Rehab => "cicilan tunggakan (REHAB)",
        Intent::Denda => "denda pelayanan",
        Intent::DaftarBaru => "pendaftaran peserta baru",
        Intent::TambahAnggota => "tambah anggota keluarga",
        Intent::KurangiAnggota => "kurangi anggota keluarga",
        Intent::UbahData => "perubahan data",
        Intent::PindahFaskes => "pindah faskes",
        Intent::UbahKelas => "pindah kelas",
        Intent::AktivasiKartu => "aktivasi kartu",
        Intent::LokasiFaskes => "faskes terdekat",
        Intent::InfoKantor => "kantor cabang",
        Intent::Antrean => "antrean online",
        Intent::MobileJkn => "aplikasi Mobile JKN",
        Intent::Rujukan => "rujukan",
        Intent::Pengaduan => "pengaduan",
        Intent::BicaraPetugas => "bicara dengan petugas",
        Intent::InfoLayanan => "kanal layanan",
    }
}

fn form_label(kind: FormKind) -> &'static str {
    match kind {
        FormKind::DaftarBaru => "pendaftaran peserta baru",
        FormKind::TambahAnggota => "penambahan anggota keluarga",
        FormKind::KurangiAnggota => "pengurangan anggota keluarga",
        FormKind::UbahData => "perubahan data",
        FormKind::UbahKelas => "perubahan kelas",
        FormKind::AktivasiKartu => "aktivasi kartu",
        FormKind::PindahFaskes => "pindah faskes",
        FormKind::Pengaduan => "pengaduan",
    }
}

// ---- menus, greeting, closing -----------------------------------------------------------------

pub fn greeting(hour: u32, name: Option<&str>, casual: bool, first: bool) -> Message {
    let part = match hour {
        4..=10 => "pagi",
        11..=14 => "siang",
        15..=17 => "sore",
        _ => "malam",
    };
    let to = match (name, casual) {
        (Some(n), _) => format!(", {n}"),
        (None, true) => " Kak".to_string(),
        (None, false) => String::new(),
    };
    let intro = if first {
        format!(
            " Saya {ASSISTANT}, asisten virtual peserta JKN. Saya dapat membantu cek status kartu, tagihan, cicilan tunggakan, faskes terdekat, dan layanan administrasi."
        )
    } else {
        String::new()
    };
    Message::text(format!("Selamat {part}{to}!{intro}"))
}

pub fn menu(verified: bool) -> Message {
    let text = if verified {
        "Ada lagi yang bisa saya bantu? Pilih layanan atau ketik pertanyaan Anda."
    } else {
        "Silakan pilih layanan, atau ketik pertanyaan Anda dengan kata-kata sendiri."
    };
    Message::list(
        text,
        "Lihat menu",
        vec![
            row(
                "intent:cek_status",
                "Status kartu JKN",
                "Aktif atau tidak, dan alasannya",
            ),
            row(
                "intent:tagihan",
                "Tagihan & tunggakan",
                "Iuran bulan ini, tunggakan, pembayaran",
            ),
            row(
                "intent:cara_bayar",
                "Cara bayar iuran",
                "Kanal pembayaran dan virtual account",
            ),
            row("intent:rehab", "Cicilan tunggakan", "Program REHAB"),
            row(
                "intent:lokasi_faskes",
                "Faskes terdekat",
                "Puskesmas, klinik, rumah sakit",
            ),
            row(
                "intent:info_kantor",
                "Kantor cabang",
                "Alamat, jam buka, penutupan",
            ),
            row(
                "menu:admin",
                "Layanan administrasi",
                "Daftar, ubah data, pindah faskes/kelas",
            ),
            row(
                "menu:help",
                "Info & bantuan",
                "Antrean, rujukan, Mobile JKN, denda",
            ),
            row(
                "intent:pengaduan",
                "Pengaduan",
                "Laporkan masalah pelayanan",
            ),
            row(
                "handoff",
                "Bicara dengan petugas",
                "Sambungkan ke petugas BPJS Kesehatan",
            ),
        ],
    )
}

pub fn admin_menu() -> Message {
    Message::list(
        "Layanan administrasi tanpa datang ke kantor. Pilih yang Anda perlukan:",
        "Pilih layanan",
        vec![
            row(
                "intent:daftar_baru",
                "Daftar peserta baru",
                "Peserta mandiri (PBPU)",
            ),
            row(
                "intent:tambah_anggota",
                "Tambah anggota",
                "Bayi, istri/suami, anak",
            ),
            row(
                "intent:kurangi_anggota",
                "Kurangi anggota",
                "Meninggal dunia, pindah KK",
            ),
            row(
                "intent:ubah_data",
                "Ubah data",
                "Nama, tanggal lahir, NIK, HP, alamat",
            ),
            row("intent:ubah_kelas", "Pindah kelas", "Kelas 1, 2 atau 3"),
            row(
                "intent:pindah_faskes",
                "Pindah faskes",
                "Ganti puskesmas/klinik/dokter",
            ),
            row(
                "intent:aktivasi_kartu",
                "Aktifkan kartu",
                "Kartu nonaktif atau setelah berhenti kerja",
            ),
        ],
    )
}

pub fn help_menu() -> Message {
    Message::list(
        "Informasi yang tersedia:",
        "Pilih topik",
        vec![
            row(
                "intent:antrean",
                "Antrean online",
                "Ambil nomor antrean di Mobile JKN",
            ),
            row(
                "intent:rujukan",
                "Rujukan",
                "Cara dapat rujukan dan masa berlaku",
            ),
            row(
                "intent:mobile_jkn",
                "Aplikasi Mobile JKN",
                "Akun, OTP, kartu digital",
            ),
            row(
                "intent:denda",
                "Denda pelayanan",
                "Kapan berlaku dan berapa",
            ),
            row(
                "intent:info_layanan",
                "Kanal layanan",
                "Care Center, PANDAWA, CHIKA",
            ),
        ],
    )
}

pub fn thanks() -> Message {
    Message::text(
        "Sama-sama. Semoga Anda dan keluarga sehat selalu. Jika ada yang ingin ditanyakan lagi, tulis saja di sini kapan pun.",
    )
}

pub fn not_understood() -> Message {
    Message::text(
        "Maaf, saya belum memahami pesan Anda. Saya hanya dapat membantu urusan kepesertaan JKN (BPJS Kesehatan), misalnya status kartu, tagihan, faskes, atau perubahan data.",
    )
}

pub fn offer_human() -> Message {
    Message::buttons(
        "Maaf, saya masih belum memahami maksud Anda. Apakah Anda ingin dibantu oleh petugas kami?",
        vec![b("handoff", "Hubungi petugas"), b("menu", "Lihat menu")],
    )
}

pub fn human_offer_inline() -> Message {
    Message::buttons(
        "Jika lebih mudah, petugas kami dapat membantu Anda.",
        vec![b("handoff", "Hubungi petugas"), b("cancel_flow", "Batal")],
    )
}

pub fn cancelled(had_flow: bool, said_cancel: bool) -> Message {
    Message::text(match (had_flow, said_cancel) {
        (true, _) => "Baik, yang tadi saya batalkan.",
        (false, true) => "Baik.",
        (false, false) => "Baik, kembali ke menu utama.",
    })
}

pub fn choice_expired() -> Message {
    Message::text("Maaf, pilihan itu sudah tidak berlaku. Silakan pilih dari menu berikut.")
}

pub fn recap(topic: Intent, offer: bool) -> Message {
    let text = format!(
        "Selamat datang kembali. Percakapan sebelumnya sudah ditutup karena tidak ada aktivitas selama 30 menit. Terakhir Anda menanyakan {}.",
        topic_label(topic)
    );
    if offer {
        Message::buttons(
            format!("{text} Mau melanjutkannya?"),
            vec![
                b(format!("intent:{}", topic.code()), "Lanjutkan"),
                b("menu", "Lihat menu"),
            ],
        )
    } else {
        Message::text(text)
    }
}

pub fn resume_offer(kind: FormKind) -> Message {
    Message::buttons(
        format!("Permintaan {} Anda tadi belum selesai.", form_label(kind)),
        vec![b("resume", "Lanjutkan"), b("cancel_flow", "Batalkan")],
    )
}

// ---- identity -------------------------------------------------------------------------------

pub fn ask_identity(topic: Intent) -> Message {
    Message::text(format!(
        "Untuk {}, saya perlu memastikan identitas Anda. Mohon kirim NIK (16 angka) atau nomor kartu JKN (13 angka), beserta tanggal lahir. Contoh: 3509xxxxxxxxxxxx 17-08-1985",
        match topic {
            Intent::Salam => "melihat data kepesertaan".to_string(),
            other => format!("menjawab soal {}", topic_label(other)),
        }
    ))
}

pub fn ask_birth_date(phone_matches: bool, channel: &str) -> Message {
    let medium = if channel == "whatsapp" {
        "WhatsApp"
    } else {
        "HP"
    };
    if phone_matches {
        Message::text(format!(
            "Nomor {medium} Anda sama dengan nomor yang terdaftar. Untuk keamanan, mohon tetap kirim tanggal lahir Anda, misalnya 17-08-1985."
        ))
    } else {
        Message::text("Terima kasih. Sekarang mohon kirim tanggal lahir Anda, misalnya 17-08-1985.")
    }
}

pub fn ask_identifier_after_date() -> Message {
    Message::text("Mohon kirim juga NIK (16 angka) atau nomor kartu JKN (13 angka) Anda.")
}

/// After a failed check: either half may be corrected on its own.
pub fn verification_retry() -> Message {
    Message::text(
        "Mohon kirim NIK, nomor kartu atau tanggal lahir yang sudah diperbaiki; bagian yang tidak berubah tidak perlu dikirim lagi.",
    )
}

pub fn identifier_format() -> Message {
    Message::text(
        "Nomor itu belum sesuai format. NIK terdiri dari 16 angka sesuai KTP, nomor kartu JKN 13 angka (diawali 000). Mohon periksa dan kirim lagi.",
    )
}

pub fn verified(name: &str, ttl: Duration) -> Message {
    Message::text(format!(
        "Terima kasih, {name}. Identitas Anda sudah terverifikasi untuk {} menit ke depan.",
        ttl.num_minutes()
    ))
}

/// The same words whether the identifier exists or not.
pub fn verification_failed(attempts_left: u32) -> Message {
    Message::text(format!(
        "Maaf, data yang Anda kirim tidak cocok dengan data kami. Mohon periksa NIK atau nomor kartu dan tanggal lahir, lalu kirim yang benar. Sisa percobaan: {attempts_left}."
    ))
}

pub fn verification_locked(until: DateTime<Utc>) -> Message {
    let local = until.with_timezone(&offset(TimeZone::Wib));
    Message::buttons(
        format!(
            "Demi keamanan data, verifikasi dihentikan sementara karena terlalu banyak percobaan. Silakan coba lagi setelah pukul {} WIB, atau hubungi Care Center {CARE_CENTER}.",
            clock(&local)
        ),
        vec![b("handoff", "Hubungi petugas"), b("menu", "Lihat menu")],
    )
}

// ---- status, bills, payment -----------------------------------------------------------------

pub fn no_such_member(relation: Option<nlu::Relation>, members: &[Participant]) -> Message {
    let names: Vec<String> = members
        .iter()
        .map(|m| format!("{} ({})", m.name, m.relation.label().to_lowercase()))
        .collect();
    Message::buttons(
        format!(
            "Saya tidak menemukan {} dalam Kartu Keluarga yang sama dengan Anda. Anggota yang terdaftar: {}.",
            relation.map(|r| r.code().replace('_', " ")).unwrap_or_else(|| "anggota itu".into()),
            names.join(", ")
        ),
        vec![b("status:family", "Status semua anggota"), b("intent:tambah_anggota", "Tambah anggota")],
    )
}

#[allow(clippy::too_many_arguments)]
pub fn status(
    who: &[&Participant],
    family: &Family,
    status: &AccountStatus,
    plan: Option<&RehabProgress>,
    active: bool,
    members: usize,
    self_only: bool,
) -> Message {
    let word = if active { "AKTIF" } else { "TIDAK AKTIF" };
    let mut text = if self_only {
        format!(
            "Status kartu JKN Anda ({}, kartu {}): *{word}*.",
            who.first().map(|p| p.name.as_str()).unwrap_or_default(),
            who.first()
                .map(|p| p.card_number.to_string())
                .unwrap_or_default()
        )
    } else {
        let lines: Vec<String> = who
            .iter()
            .map(|p| {
                format!(
                    "• {} ({}), kartu {}: *{word}*",
                    p.name,
                    p.relation.label().to_lowercase(),
                    p.card_number
                )
            })
            .collect();
        format!("Status kartu JKN:\n{}", lines.join("\n"))
    };
    text.push('\n');
    match plan.filter(|p| p.card_active && !status.active) {
        Some(p) => text.push_str(&p.message()),
        None => text.push_str(&status.message()),
    }
    if family.segment.is_pbi() {
        text.push_str(" Iuran Anda dibayar oleh pemerintah (PBI).");
    } else if family.segment == Segment::Ppu && !active {
        text.push_str(" Iuran PPU dibayar lewat pemberi kerja; jika Anda sudah berhenti bekerja, kepesertaan dapat dilanjutkan sebagai peserta mandiri.");
    }
    if members > 1 {
        text.push_str(&format!(
            " Status ini berlaku untuk seluruh {members} anggota keluarga dalam satu tagihan."
        ));
    }
    Message::text(text)
}

pub fn status_next(
    active: bool,
    family: &Family,
    rehab_eligible: bool,
    has_family: bool,
) -> Message {
    let mut buttons = Vec::new();
    if !active {
        if family.segment == Segment::Ppu {
            buttons.push(b("intent:aktivasi_kartu", "Aktifkan kartu"));
        } else {
            buttons.push(b("intent:tagihan", "Lihat tagihan"));
        }
        if rehab_eligible {
            buttons.push(b("intent:rehab", "Cicil tunggakan"));
        }
        buttons.push(b("intent:cara_bayar", "Cara bayar"));
    } else {
        if has_family {
            buttons.push(b("status:family", "Status keluarga"));
        }
        buttons.push(b("intent:tagihan", "Lihat tagihan"));
        buttons.push(b("intent:lokasi_faskes", "Faskes terdekat"));
    }
    Message::buttons("Apa langkah berikutnya?", buttons)
}

pub fn bills(
    family: &Family,
    status: &AccountStatus,
    re: &Reactivation,
    members: usize,
    plan: Option<&RehabProgress>,
) -> Message {
    let mut lines = vec![format!(
        "Tagihan iuran keluarga Anda ({}, kelas {}, {} orang):",
        segment_short(family.segment),
        family.class.number(),
        members
    )];
    if family.segment.is_pbi() {
        lines.push("• Iuran dibayar oleh pemerintah; tidak ada tagihan untuk Anda.".into());
        return Message::text(lines.join("\n"));
    }
    match (status.unpaid_months.first(), status.unpaid_months.last()) {
        (Some(first), Some(last)) => lines.push(format!(
            "• Tunggakan: {} bulan ({}), {}",
            status.months_in_arrears,
            months_span(first.period, last.period),
            status.arrears
        )),
        _ => lines.push("• Tunggakan: tidak ada".into()),
    }
    if status.months_not_billed > 0 {
        lines.push(format!(
            "• {} bulan yang lebih lama tidak ditagihkan lagi (paling banyak 24 bulan dihitung)",
            status.months_not_billed
        ));
    }
    if let Some(month) = status.current_month {
        let due_by = status
            .current_month_due_by
            .map(|d| format!(", paling lambat {}", tanggal(&d)))
            .unwrap_or_default();
        if status.current_month_due > Rupiah::ZERO {
            lines.push(format!(
                "• Iuran {}: {}{due_by}",
                month.indonesian(),
                status.current_month_due
            ));
        } else {
            lines.push(format!("• Iuran {}: sudah lunas", month.indonesian()));
        }
    }
    if re.required {
        lines.push(format!("• Total agar kartu aktif kembali: *{}*", re.total));
    }
    if status.credit > Rupiah::ZERO {
        lines.push(format!("• Kelebihan bayar (deposit): {}", status.credit));
    }
    if let Some(p) = plan.filter(|p| p.state == jkn::PlanState::OnTrack) {
        lines.push(p.message());
    }
    Message::text(lines.join("\n"))
}

pub fn payment_record(
    last: Option<&Payment>,
    asked: Option<&(NaiveDate, Vec<Payment>)>,
) -> Message {
    let mut text = String::new();
    if let Some((day, found)) = asked {
        if found.is_empty() {
            text.push_str(&format!(
                "Belum ada pembayaran yang tercatat pada {}. ",
                tanggal(day)
            ));
        } else {
            let total: Rupiah = found.iter().map(|p| p.amount).sum();
            text.push_str(&format!(
                "Pembayaran pada {} sebesar {} lewat {} sudah tercatat. ",
                tanggal(day),
                total,
                found.first().map(|p| p.channel.label()).unwrap_or_default()
            ));
        }
    }
    match last {
        Some(p) => text.push_str(&format!(
            "Pembayaran terakhir yang tercatat: {} pada {} lewat {}.",
            p.amount,
            tanggal(&p.paid_on),
            p.channel.label()
        )),
        None => text.push_str("Belum ada pembayaran yang tercatat."),
    }
    Message::text(text)
}

pub fn bills_next(family: &Family, owes: bool, rehab_eligible: bool) -> Message {
    let mut buttons = Vec::new();
    if owes && family.segment.pays_own_dues() {
        buttons.push(b("intent:cara_bayar", "Cara bayar"));
    }
    if rehab_eligible {
        buttons.push(b("intent:rehab", "Cicil tunggakan"));
    }
    buttons.push(b("menu", "Menu utama"));
    Message::buttons("Ada yang ingin Anda lakukan selanjutnya?", buttons)
}

fn channels_list() -> &'static str {
    "• Transfer ke virtual account (ATM, mobile banking, teller bank)\n• Minimarket (Alfamart, Indomaret)\n• Kantor Pos\n• Dompet digital dan marketplace\n• Aplikasi Mobile JKN\n• Autodebet rekening bank"
}

pub fn pay_channels_general(due_day: u32) -> Message {
    Message::buttons(
        format!(
            "Iuran JKN peserta mandiri dapat dibayar lewat:\n{}\nIuran dibayar paling lambat tanggal {due_day} setiap bulan; tidak ada denda keterlambatan untuk iuran. Nomor virtual account Anda adalah nomor kartu kepala keluarga dengan awalan 88888.",
            channels_list()
        ),
        vec![b("me:cara_bayar", "Lihat VA & jumlah"), b("menu", "Menu utama")],
    )
}

pub fn pay_personal(
    family: &Family,
    status: &AccountStatus,
    re: &Reactivation,
    instalment: Option<&InstalmentProgress>,
    due_day: u32,
) -> Message {
    if family.segment.is_pbi() {
        return Message::buttons(
            "Iuran Anda dibayar oleh pemerintah (PBI), jadi Anda tidak perlu membayar iuran.",
            vec![
                b("intent:cek_status", "Status kartu"),
                b("menu", "Menu utama"),
            ],
        );
    }
    if family.segment == Segment::Ppu {
        return Message::buttons(
            "Iuran PPU dibayar oleh pemberi kerja lewat potongan gaji, jadi Anda tidak membayar sendiri. Jika pemberi kerja berhenti membayar karena Anda sudah tidak bekerja, kepesertaan dapat dilanjutkan sebagai peserta mandiri.",
            vec![b("intent:aktivasi_kartu", "Lanjut mandiri"), b("menu", "Menu utama")],
        );
    }
    let amount = match instalment {
        Some(i) => format!(
            "Cicilan REHAB ke-{} sebesar *{}*, paling lambat {}.",
            i.number,
            i.outstanding,
            tanggal(&i.due_by)
        ),
        None if re.required => format!(
            "Agar kartu aktif kembali: *{}* (tunggakan {} bulan ditambah iuran bulan ini).",
            re.total, re.arrears_months_counted
        ),
        None if status.current_month_due > Rupiah::ZERO => format!(
            "Iuran bulan ini: *{}*, paling lambat {}.",
            status.current_month_due,
            status
                .current_month_due_by
                .map(|d| tanggal(&d))
                .unwrap_or_else(|| format!("tanggal {due_day}"))
        ),
        None => format!(
            "Iuran bulan ini sudah lunas. Iuran berikutnya dibayar paling lambat tanggal {due_day} bulan depan."
        ),
    };
    Message::buttons(
        format!(
            "Nomor virtual account keluarga Anda: *{}*\n{amount}\nBayar lewat:\n{}",
            family.virtual_account,
            channels_list()
        ),
        vec![
            b("intent:tagihan", "Lihat tagihan"),
            b("menu", "Menu utama"),
        ],
    )
}

/// (class, what the participant pays, the full dues) per person per month.
pub fn class_dues(rates: &[(u8, Rupiah, Rupiah)], due_day: u32) -> Message {
    let mut lines = vec!["Iuran bulanan peserta mandiri (PBPU/BP), per orang:".to_string()];
    for (class, pays, total) in rates {
        if pays == total {
            lines.push(format!("• Kelas {class}: {pays}"));
        } else {
            lines.push(format!(
                "• Kelas {class}: {pays} (dari {total}; sisanya dibantu pemerintah)"
            ));
        }
    }
    if rates.is_empty() {
        lines.push(format!("Silakan hubungi Care Center {CARE_CENTER}."));
    }
    lines.push(format!(
        "Seluruh anggota keluarga dalam satu KK membayar di kelas yang sama, paling lambat tanggal {due_day} setiap bulan."
    ));
    Message::buttons(
        lines.join("\n"),
        vec![
            b("me:tagihan", "Lihat tagihan saya"),
            b("intent:ubah_kelas", "Pindah kelas"),
            b("menu", "Menu utama"),
        ],
    )
}

// ---- REHAB --------------------------------------------------------------------------------------

pub fn rehab_already(progress: &RehabProgress) -> Message {
    Message::buttons(
        format!(
            "Anda sudah terdaftar dalam program REHAB. {}",
            progress.message()
        ),
        vec![
            b("intent:cara_bayar", "Cara bayar"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn rehab_refused(e: &RehabEligibility, re: &Reactivation, family: &Family) -> Message {
    let mut text = format!(
        "Program cicilan REHAB belum dapat Anda ikuti. {}",
        e.message()
    );
    if re.required && family.segment.pays_own_dues() {
        text.push_str(&format!(
            " Untuk mengaktifkan kartu, bayar {} sekaligus ke virtual account {}.",
            re.total, family.virtual_account
        ));
    }
    Message::buttons(
        text,
        vec![
            b("intent:cara_bayar", "Cara bayar"),
            b("intent:tagihan", "Lihat tagihan"),
            b("menu", "Menu utama"),
        ],
    )
}

fn plan_summary(plan: &RehabPlan) -> String {
    let first = plan.instalments.first();
    let later = plan.instalments.get(1);
    let mut text = format!(
        "Dengan {} kali cicilan: cicilan pertama *{}*",
        plan.instalments.len(),
        first.map(|i| i.amount).unwrap_or_default()
    );
    if let Some(i) = first {
        text.push_str(&format!(" paling lambat {}", tanggal(&i.due_by)));
    }
    if let (Some(l), Some(last)) = (later, plan.instalments.last()) {
        text.push_str(&format!(
            ", lalu sekitar {} per bulan sampai {}",
            l.amount,
            last.due_month.indonesian()
        ));
    }
    text.push('.');
    if plan.carries_current_dues {
        text.push_str(" Setiap cicilan sudah termasuk iuran bulan berjalan.");
    }
    text.push_str(match plan.card_rule {
        jkn::CardRule::ArrearsAndCurrentMonthPaid => {
            " Kartu aktif kembali setelah semua tunggakan dan iuran bulan berjalan lunas."
        }
        jkn::CardRule::AfterFirstInstalment => {
            " Kartu aktif kembali setelah cicilan pertama dibayar, selama cicilan tepat waktu."
        }
        jkn::CardRule::AfterLastInstalment => {
            " Kartu aktif kembali setelah cicilan terakhir lunas."
        }
    });
    text
}

pub fn rehab_offer(e: &RehabEligibility, plan: &RehabPlan, _family: &Family) -> Message {
    let n = plan.instalments.len();
    Message::buttons(
        format!(
            "Bisa. {}\n{}\nMau saya daftarkan sekarang?",
            e.message(),
            plan_summary(plan)
        ),
        vec![
            b(
                format!("rehab:register:{n}"),
                &format!("Daftar {n}x cicilan"),
            ),
            b("rehab:choose", "Pilih jumlah lain"),
            b("rehab:no", "Tidak sekarang"),
        ],
    )
}

pub fn rehab_plan_choice(plan: &RehabPlan) -> Message {
    let n = plan.instalments.len();
    Message::buttons(
        format!("{}\nDaftarkan dengan {n} kali cicilan?", plan_summary(plan)),
        vec![
            b(
                format!("rehab:register:{n}"),
                &format!("Daftar {n}x cicilan"),
            ),
            b("rehab:choose", "Pilih jumlah lain"),
            b("rehab:no", "Tidak sekarang"),
        ],
    )
}

pub fn rehab_counts(min: u32, max: u32) -> Message {
    let low = min.max(max.saturating_sub(9));
    let rows = (low..=max)
        .rev()
        .map(|n| {
            ListRow::new(
                format!("rehab:count:{n}"),
                &format!("{n} kali cicilan"),
                None,
            )
        })
        .collect();
    Message::list(
        format!("Pilih jumlah cicilan ({min} sampai {max} kali), atau ketik angkanya."),
        "Pilih jumlah",
        rows,
    )
}

pub fn rehab_out_of_range(n: u32, min: u32, max: u32) -> Message {
    Message::text(format!(
        "Jumlah cicilan yang dapat dipilih {min} sampai {max} kali, sedangkan Anda memilih {n} kali. Mohon ketik angka antara {min} dan {max}."
    ))
}

pub fn rehab_declined() -> Message {
    Message::buttons(
        "Baik, tidak saya daftarkan. Anda dapat mendaftar REHAB kapan saja sebelum batas tanggal pendaftaran bulan ini, atau melunasi tunggakan sekaligus.",
        vec![b("intent:cara_bayar", "Cara bayar"), b("menu", "Menu utama")],
    )
}

pub fn rehab_registered(stored: &StoredRehabPlan, family: &Family) -> Message {
    let plan = &stored.plan;
    let first = plan.instalments.first();
    Message::buttons(
        format!(
            "Pendaftaran REHAB berhasil (nomor RHB-{:06}). Tunggakan {} dicicil {} kali. Cicilan pertama *{}* mohon dibayar paling lambat {} ke virtual account {}. Jika satu cicilan tidak dibayar sampai akhir bulannya, rencana cicilan batal dan sisa tunggakan harus dibayar sekaligus.",
            stored.id,
            plan.arrears,
            plan.instalments.len(),
            first.map(|i| i.amount).unwrap_or_default(),
            first.map(|i| tanggal(&i.due_by)).unwrap_or_default(),
            family.virtual_account
        ),
        vec![b("intent:cara_bayar", "Cara bayar"), b("menu", "Menu utama")],
    )
}

// ---- penalty ------------------------------------------------------------------------------------

fn percent(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{},{}%", bp / 100, (bp % 100) / 10)
    }
}

pub fn penalty_general(rules: &PenaltyRules, rate_bp: i64) -> Message {
    Message::text(format!(
        "Denda pelayanan hanya berlaku jika peserta dirawat inap di rumah sakit dalam {} hari setelah kartu aktif kembali. Besarnya {} dari tarif INA-CBG diagnosis awal dikali jumlah bulan tunggakan (paling banyak {} bulan), paling tinggi {}. Peserta PBI tidak dikenakan denda; untuk peserta PPU denda dibayar pemberi kerja. Tidak ada denda untuk keterlambatan iuran itu sendiri.",
        rules.window_days,
        percent(rate_bp),
        rules.months_cap,
        rules.amount_cap
    ))
}

pub fn penalty_offer_personal() -> Message {
    Message::buttons(
        "Ingin tahu perkiraan denda untuk Anda sendiri?",
        vec![b("me:denda", "Hitung untuk saya"), b("menu", "Menu utama")],
    )
}

pub fn penalty_personal(
    segment: Segment,
    months: u32,
    rules: &PenaltyRules,
    rate_bp: i64,
    window_end: NaiveDate,
    computed: Option<&Penalty>,
) -> Message {
    let text = if segment.is_pbi() {
        "Anda peserta PBI, jadi tidak dikenakan denda pelayanan.".to_string()
    } else if months == 0 {
        "Anda tidak memiliki tunggakan, jadi tidak ada denda pelayanan.".to_string()
    } else {
        let counted = months.min(rules.months_cap);
        let total_bp = rate_bp * i64::from(counted);
        let payer = if segment == Segment::Ppu {
            " Denda ini dibayar oleh pemberi kerja."
        } else {
            ""
        };
        let mut t = format!(
            "Tunggakan Anda {months} bulan. Jika Anda melunasinya hari ini lalu dirawat inap di rumah sakit sampai {}, denda = {} × {counted} bulan = {} dari tarif INA-CBG diagnosis awal, paling tinggi {}.{payer}",
            tanggal(&window_end),
            percent(rate_bp),
            percent(total_bp),
            rules.amount_cap
        );
        if let Some(p) = computed.filter(|p| p.applies) {
            t.push_str(&format!(
                " Untuk tarif {}, dendanya {}.",
                p.inacbg_tariff, p.amount
            ));
        } else {
            t.push_str(" Jika tidak dirawat inap dalam masa itu, tidak ada denda.");
        }
        t
    };
    let buttons = if months > 0 && !segment.is_pbi() {
        vec![
            b("intent:tagihan", "Lihat tagihan"),
            b("intent:rehab", "Cicil tunggakan"),
            b("menu", "Menu utama"),
        ]
    } else {
        vec![
            b("intent:lokasi_faskes", "Faskes terdekat"),
            b("menu", "Menu utama"),
        ]
    };
    Message::buttons(text, buttons)
}

// ---- facilities and offices -----------------------------------------------------------------

pub enum FromWhere {
    You,
    Place(Place),
}

pub fn ask_location_for_facilities() -> Message {
    Message::LocationRequest {
        text: "Bagikan lokasi Anda agar saya dapat mencarikan faskes terdekat, atau ketik nama kecamatan atau kabupaten/kota (misalnya: Patrang, Jember).".into(),
    }
}

pub fn ask_place_for_office() -> Message {
    Message::LocationRequest {
        text: "Kantor cabang di kabupaten/kota mana yang Anda cari? Ketik namanya (misalnya: Jember) atau bagikan lokasi Anda.".into(),
    }
}

pub fn bad_location() -> Message {
    Message::text("Maaf, lokasi itu tidak dapat dibaca. Mohon bagikan lokasi lagi.")
}

pub fn no_facilities_near(kind: Option<FacilityKind>) -> Message {
    Message::buttons(
        format!(
            "Maaf, saya belum menemukan {} mitra JKN di sekitar lokasi itu.",
            kind_plural(kind).to_lowercase()
        ),
        vec![b("loc", "Cari di tempat lain"), b("menu", "Menu utama")],
    )
}

pub fn no_facilities_in(place: Place, kind: Option<FacilityKind>) -> Message {
    Message::buttons(
        format!(
            "Maaf, saya belum menemukan {} mitra JKN di {}.",
            kind_plural(kind).to_lowercase(),
            place_name(place)
        ),
        vec![b("loc", "Cari di tempat lain"), b("menu", "Menu utama")],
    )
}

pub fn facility_list(found: &[Found], kind: Option<FacilityKind>, from: FromWhere) -> Message {
    let heading = match &from {
        FromWhere::You => format!("{} terdekat dari lokasi Anda:", kind_plural(kind)),
        FromWhere::Place(p) => format!(
            "{} di {} (jarak dari pusat {}):",
            kind_plural(kind),
            place_name(*p),
            match p {
                Place::Regency(_) => "kota/kabupaten",
                Place::District(_) => "kecamatan",
            }
        ),
    };
    let mut text = heading;
    for (i, f) in found.iter().enumerate() {
        let always = f.facility.hours == WeeklyHours::always();
        let entry = format!(
            "\n{}. *{}* ({}), {}\n{}\n{}",
            i + 1,
            f.facility.name,
            f.facility.kind.label(),
            distance(f.distance_m),
            f.facility.address,
            open_text(&f.open, f.tz, f.now, always)
        );
        if text.chars().count() + entry.chars().count() > crate::message::MAX_TEXT - 40 {
            break;
        }
        text.push_str(&entry);
    }
    let rows = found
        .iter()
        .map(|f| {
            ListRow::new(
                format!("fac:{}", f.facility.id.0),
                &f.facility.name,
                Some(&format!(
                    "{} · {}",
                    f.facility.kind.label(),
                    distance(f.distance_m)
                )),
            )
        })
        .collect();
    Message::list(
        format!("{text}\nPilih salah satu untuk melihat lokasi dan detailnya."),
        "Lihat lokasi",
        rows,
    )
}

pub fn facility_pin(f: &Facility) -> Message {
    Message::Location {
        latitude: f.latitude,
        longitude: f.longitude,
        name: f.name.clone(),
        address: f.address.clone(),
    }
}

pub fn facility_detail(f: &Found, has_distance: bool) -> Message {
    let always = f.facility.hours == WeeklyHours::always();
    let mut text = format!(
        "*{}* ({})\n{}\nTelepon: {}\nJam buka: {}\n{}",
        f.facility.name,
        f.facility.kind.label(),
        f.facility.address,
        f.facility.phone,
        weekly(&f.facility.hours),
        open_text(&f.open, f.tz, f.now, always),
    );
    if has_distance {
        text.push_str(&format!(
            "\nJarak dari lokasi Anda: {}",
            distance(f.distance_m)
        ));
    }
    if !f.facility.polyclinics.is_empty() {
        text.push_str(&format!("\nLayanan: {}", f.facility.polyclinics.join(", ")));
    }
    Message::buttons(
        text,
        vec![
            b("intent:antrean", "Ambil antrean"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn no_office_found() -> Message {
    Message::buttons(
        format!("Maaf, saya belum menemukan kantor cabang untuk wilayah itu. Anda dapat menghubungi Care Center {CARE_CENTER} (24 jam)."),
        vec![b("intent:info_layanan", "Kanal layanan"), b("menu", "Menu utama")],
    )
}

pub fn office(
    o: &Office,
    open: &OpenState,
    in_force: Option<&Closure>,
    upcoming: Option<&Closure>,
    now: DateTime<Utc>,
) -> Message {
    let tz = o.timezone;
    let local = |t: DateTime<Utc>| when(&t.with_timezone(&offset(tz)), tz, now);
    let mut text = format!(
        "*{}*\n{}\nJam layanan: {} {}\nSaat ini: {}.\nTelepon: {}",
        o.name,
        o.address,
        weekly(&o.hours),
        tz.abbreviation(),
        open_text(open, tz, now, false),
        o.phone
    );
    if let Some(wa) = &o.whatsapp {
        text.push_str(&format!("\nWhatsApp PANDAWA: {}", wa.local()));
    }
    if let Some(c) = in_force {
        text.push_str(&format!(
            "\n\n⚠ Kantor ditutup sementara sampai {}. {}",
            local(c.ends_at),
            c.message
        ));
        if !c.alternatives.is_empty() {
            text.push_str(&format!(
                " Layanan tetap dapat diakses lewat: {}.",
                c.alternatives.join(", ")
            ));
        }
    } else if let Some(c) = upcoming {
        text.push_str(&format!(
            "\n\nKantor akan ditutup {} sampai {}. {}",
            local(c.starts_at),
            local(c.ends_at),
            c.message
        ));
    }
    let buttons = if in_force.is_some() {
        vec![
            b("intent:info_layanan", "Layanan online"),
            b("handoff", "Hubungi petugas"),
        ]
    } else {
        vec![
            b("menu:admin", "Layanan administrasi"),
            b("menu", "Menu utama"),
        ]
    };
    Message::buttons(text, buttons)
}

pub fn office_pin(o: &Office) -> Message {
    Message::Location {
        latitude: o.latitude,
        longitude: o.longitude,
        name: o.name.clone(),
        address: o.address.clone(),
    }
}

// ---- forms ------------------------------------------------------------------------------------

pub fn requirements_new_member(rules: &jkn::RulesConfig) -> Message {
    let _ = rules;
    Message::text(
        "Pendaftaran peserta mandiri (PBPU): seluruh anggota dalam Kartu Keluarga didaftarkan bersama. Siapkan KTP/NIK, Kartu Keluarga, nomor HP dan email aktif, lalu pilih kelas (1, 2 atau 3) dan faskes tingkat pertama. Saya akan mencatat data awal Anda, lalu petugas PANDAWA melanjutkan prosesnya.",
    )
}

pub fn complaint_intro() -> Message {
    Message::text("Saya akan mencatat pengaduan Anda dan meneruskannya ke petugas.")
}

pub fn requirements_add_member(segment: Segment) -> Message {
    let mut text = "Untuk menambah anggota keluarga, siapkan Kartu Keluarga terbaru yang sudah memuat anggota baru, serta KTP atau akta lahirnya. Untuk bayi baru lahir, daftarkan dan bayar iuran pertamanya paling lambat 28 hari setelah lahir.".to_string();
    if segment == Segment::Ppu {
        text.push_str(" Untuk PPU, istri/suami dan sampai 3 anak ditanggung; anggota tambahan dikenakan iuran 1% dari gaji.");
    }
    Message::text(text)
}

pub fn requirements_remove_member() -> Message {
    Message::text(
        "Untuk mengurangi anggota keluarga, siapkan akta atau surat keterangan kematian (bila meninggal dunia), atau Kartu Keluarga baru (bila pindah KK atau bercerai).",
    )
}

pub fn requirements_data_change() -> Message {
    Message::text(
        "Perubahan nama, tanggal lahir atau NIK harus sesuai data kependudukan (KTP dan Kartu Keluarga). Nomor HP, email dan alamat dapat diubah langsung.",
    )
}

pub fn class_change_intro(current: CareClass, cc: &ClassChange) -> Message {
    Message::text(format!(
        "Keluarga Anda sekarang terdaftar di kelas {}. Perubahan kelas berlaku untuk seluruh anggota keluarga dan mulai berlaku {}.",
        current.number(),
        tanggal(&cc.effective_on)
    ))
}

pub fn class_change_refused(cc: &ClassChange, current: CareClass) -> Message {
    Message::buttons(
        format!(
            "Saat ini Anda terdaftar di kelas {}. {}",
            current.number(),
            cc.message()
        ),
        vec![
            b("intent:tagihan", "Lihat tagihan"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn same_class(current: CareClass) -> Message {
    Message::text(format!(
        "Anda sudah terdaftar di kelas {}. Mohon pilih kelas lain.",
        current.number()
    ))
}

pub fn already_active(status: &AccountStatus) -> Message {
    Message::buttons(
        format!("Kartu Anda tidak perlu diaktifkan: {}", status.message()),
        vec![
            b("intent:tagihan", "Lihat tagihan"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn activation_after_employment(status: &AccountStatus, members: usize) -> Message {
    Message::text(format!(
        "{} Jika Anda sudah berhenti bekerja, kepesertaan Anda dan {} anggota keluarga dapat dilanjutkan sebagai peserta mandiri (PBPU) dengan iuran dibayar sendiri setiap bulan.",
        status.message(),
        members.saturating_sub(1)
    ))
}

pub fn activation_pbi() -> Message {
    Message::text(
        "Kepesertaan PBI diaktifkan kembali lewat Dinas Sosial setempat. Saya dapat meneruskan permintaan Anda ke petugas untuk diperiksa.",
    )
}

pub fn activation_by_payment(re: &Reactivation, family: &Family) -> Message {
    Message::buttons(
        format!(
            "{} Bayar ke virtual account {}; kartu aktif kembali setelah pembayaran tercatat, tanpa perlu datang ke kantor.",
            re.message(),
            family.virtual_account
        ),
        vec![b("intent:cara_bayar", "Cara bayar"), b("intent:rehab", "Cicil tunggakan"), b("menu", "Menu utama")],
    )
}

pub fn fktp_intro(current: Option<&Facility>, fc: &FktpChange) -> Message {
    let now_at = current
        .map(|f| format!("FKTP Anda saat ini: {}. ", f.name))
        .unwrap_or_default();
    Message::text(format!("{now_at}{}", fc.message()))
}

pub fn fktp_wait(fc: &FktpChange) -> Message {
    Message::buttons(
        format!(
            "Baik. Anda dapat mengajukan pindah FKTP mulai {}, dan FKTP baru berlaku mulai {}. Silakan hubungi kami lagi pada tanggal itu.",
            tanggal(&fc.earliest_request_on),
            tanggal(&fc.effective_on)
        ),
        vec![b("intent:lokasi_faskes", "Cari faskes"), b("menu", "Menu utama")],
    )
}

pub fn newborn(n: &NewbornRegistration) -> Message {
    Message::text(n.message())
}

pub fn ask_member(members: &[Participant], me: ParticipantId) -> Message {
    let rows = members
        .iter()
        .map(|m| {
            let who = if m.id == me { " (Anda)" } else { "" };
            ListRow::new(
                format!("member:{}", m.id.0),
                &m.name,
                Some(&format!("{}{who}", m.relation.label())),
            )
        })
        .collect();
    Message::list(
        "Anggota keluarga mana yang akan dikurangi?",
        "Pilih anggota",
        rows,
    )
}

pub fn ask_fktp(options: &[Facility], has_location: bool) -> Message {
    let rows: Vec<ListRow> = options
        .iter()
        .map(|f| {
            ListRow::new(
                format!("fac:{}", f.id.0),
                &f.name,
                Some(&format!("{} · {}", f.kind.label(), f.address)),
            )
        })
        .collect();
    let hint = if has_location {
        "Berikut FKTP terdekat dari lokasi Anda."
    } else {
        "Berikut FKTP di sekitar tempat tinggal Anda. Untuk pilihan di dekat lokasi lain, bagikan lokasi."
    };
    if rows.is_empty() {
        return Message::LocationRequest {
            text: "Mohon bagikan lokasi Anda agar saya dapat menampilkan FKTP terdekat.".into(),
        };
    }
    Message::list(format!("{hint} Pilih FKTP baru Anda:"), "Pilih FKTP", rows)
}

/// The question for a field, with its fixed options as buttons (up to 3) or a list.
pub fn ask_field(form: &Form, field: Field, options: &[(&str, &str)]) -> Message {
    let question = match (form.kind, field) {
        (_, Field::Nik) => "Mohon kirim NIK calon peserta (16 angka sesuai KTP).".to_string(),
        (FormKind::TambahAnggota, Field::Name) => "Siapa nama anggota keluarga yang akan ditambahkan (sesuai KK atau akta lahir)?".into(),
        (_, Field::Name) => "Siapa nama lengkap Anda sesuai KTP?".into(),
        (FormKind::AktivasiKartu, Field::Class) => "Pilih kelas perawatan sebagai peserta mandiri:".into(),
        (FormKind::UbahKelas, Field::Class) => "Pindah ke kelas berapa?".into(),
        (_, Field::Class) => "Pilih kelas perawatan yang diinginkan:".into(),
        (_, Field::Place) => {
            return Message::LocationRequest {
                text: "Di kecamatan atau kabupaten/kota mana Anda tinggal? Ketik namanya atau bagikan lokasi.".into(),
            }
        }
        (_, Field::Phone) => {
            return Message::ContactRequest {
                text: "Mohon bagikan atau ketik nomor HP yang dapat dihubungi petugas (atau ketik \"lewati\").".into(),
            }
        }
        (_, Field::Relation) => "Siapa yang akan ditambahkan?".into(),
        (_, Field::BirthDate) => "Kapan tanggal lahirnya? (misalnya 01-11-2026)".into(),
        (_, Field::NewMemberNik) => "Mohon kirim NIK anggota baru (16 angka). Jika belum ada, ketik \"belum ada\".".into(),
        (_, Field::Member) => "Anggota keluarga mana yang akan dikurangi?".into(),
        (_, Field::Reason) => "Apa alasannya?".into(),
        (_, Field::DataItem) => "Data apa yang ingin diubah?".into(),
        (_, Field::NewValue) => match form.get(Field::DataItem) {
            Some("tanggal_lahir") => "Mohon kirim tanggal lahir yang benar (misalnya 17-08-1985).".into(),
            Some("nik") => "Mohon kirim NIK yang benar (16 angka sesuai KTP).".into(),
            Some("no_hp") => "Mohon kirim nomor HP yang baru.".into(),
            Some("email") => "Mohon kirim alamat email yang baru.".into(),
            Some("alamat") => "Mohon kirim alamat lengkap yang baru.".into(),
            _ => "Mohon kirim nama lengkap yang benar sesuai KTP.".into(),
        },
        (_, Field::FktpReason) => "Apakah Anda pindah domisili atau bertugas di luar kota? Dalam hal itu perubahan dapat diajukan lebih awal.".into(),
        (_, Field::Facility) => "Pilih FKTP baru Anda.".into(),
        (_, Field::Category) => "Pengaduan Anda tentang apa?".into(),
        (_, Field::Details) => "Mohon ceritakan singkat kejadiannya: di faskes mana, kapan, dan apa yang terjadi.".into(),
    };
    let id = |value: &str| format!("opt:{}:{value}", field.key());
    match options.len() {
        0 => Message::text(question),
        1..=3 => Message::buttons(question, options.iter().map(|(v, l)| b(id(v), l)).collect()),
        _ => Message::list(
            question,
            "Pilih",
            options
                .iter()
                .map(|(v, l)| ListRow::new(id(v), l, None))
                .collect(),
        ),
    }
}

pub fn invalid_answer(field: Field, problem: Invalid) -> Message {
    Message::text(match (field, problem) {
        (_, Invalid::BadNik) => {
            "NIK itu tidak valid. NIK terdiri dari 16 angka sesuai KTP; mohon periksa lagi."
        }
        (_, Invalid::BadDate) => {
            "Tanggal itu tidak dapat digunakan. Mohon tulis seperti 17-08-1985."
        }
        (_, Invalid::BadPhone) => "Nomor HP itu tidak valid. Mohon tulis seperti 081234567890.",
        (_, Invalid::Same) => "Nilai itu sama dengan data sekarang. Mohon kirim yang baru.",
        (_, Invalid::NoAnswer) => {
            "Maaf, jawaban itu belum dapat saya gunakan. Mohon jawab pertanyaan di atas."
        }
    })
}

pub fn form_summary(form: &Form) -> Message {
    let mut lines = vec![format!("Ringkasan permintaan {}:", form_label(form.kind))];
    for field in form.kind.fields() {
        if let Some(label) = form.labels.get(field.key()).filter(|l| l.as_str() != "-") {
            lines.push(format!("• {}: {label}", field_name(*field)));
        }
    }
    if let Some(d) = form
        .fields
        .get("effective_on")
        .and_then(|d| d.parse::<NaiveDate>().ok())
    {
        lines.push(format!("• Berlaku mulai: {}", tanggal(&d)));
    }
    lines.push("Kirim permintaan ini?".into());
    Message::buttons(
        lines.join("\n"),
        vec![b("confirm", "Kirim"), b("cancel", "Batal")],
    )
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Nik => "NIK",
        Field::Name => "Nama",
        Field::Class => "Kelas",
        Field::Place => "Domisili",
        Field::Phone => "Nomor HP",
        Field::Relation => "Hubungan",
        Field::BirthDate => "Tanggal lahir",
        Field::NewMemberNik => "NIK anggota baru",
        Field::Member => "Anggota",
        Field::Reason => "Alasan",
        Field::DataItem => "Data yang diubah",
        Field::NewValue => "Data baru",
        Field::FktpReason => "Alasan lebih awal",
        Field::Facility => "FKTP baru",
        Field::Category => "Kategori",
        Field::Details => "Keterangan",
    }
}

pub fn details_added() -> Message {
    Message::text("Terima kasih, keterangan itu saya tambahkan ke pengaduan Anda.")
}

pub fn form_cancelled() -> Message {
    Message::buttons(
        "Baik, permintaan tidak dikirim.",
        vec![b("menu", "Menu utama")],
    )
}

pub fn case_created(kind: FormKind, number: &str, branch: Option<&Office>, form: &Form) -> Message {
    let hours = match branch {
        Some(o) => format!("{} {}", weekly(&o.hours), o.timezone.abbreviation()),
        None => "Senin–Jumat 08.00–15.00 waktu setempat".to_string(),
    };
    let text = if kind == FormKind::Pengaduan {
        format!(
            "Pengaduan Anda sudah tercatat dengan nomor tiket *{number}*. Petugas akan menindaklanjuti pada jam kerja ({hours}){}. Simpan nomor tiket ini untuk menanyakan perkembangannya.",
            if form.get(Field::Phone).is_some_and(|p| p != "-") { " dan menghubungi Anda lewat nomor yang Anda berikan" } else { "" }
        )
    } else {
        let mut t = format!(
            "Permintaan {} Anda sudah tercatat dengan nomor *{number}*. Petugas PANDAWA akan memeriksanya pada jam kerja ({hours}) dan menghubungi Anda bila perlu dokumen.",
            form_label(kind)
        );
        if let Some(d) = form
            .fields
            .get("effective_on")
            .and_then(|d| d.parse::<NaiveDate>().ok())
        {
            t.push_str(&format!(
                " Jika disetujui, perubahan berlaku mulai {}.",
                tanggal(&d)
            ));
        }
        t.push_str(" Simpan nomor ini untuk menanyakan perkembangannya.");
        t
    };
    Message::buttons(text, vec![b("menu", "Menu utama")])
}

// ---- contact, hand-off --------------------------------------------------------------------------

pub fn bad_phone() -> Message {
    Message::text("Maaf, nomor itu bukan nomor HP Indonesia yang valid.")
}

pub fn phone_noted(local: &str) -> Message {
    Message::buttons(
        format!("Terima kasih, nomor {local} saya catat untuk dihubungi petugas bila perlu."),
        vec![b("menu", "Menu utama")],
    )
}

pub fn forwarded_to_agent() -> Message {
    Message::buttons(
        "Pesan Anda sudah kami teruskan. Petugas akan membalas di percakapan ini.",
        vec![b("cancel_flow", "Kembali ke bot")],
    )
}

pub fn handoff(
    branch: Option<(&Office, &OpenState, Option<&Closure>)>,
    case_number: Option<&str>,
    now: DateTime<Utc>,
) -> Message {
    let text = match branch {
        Some((o, open, closure)) => {
            let tz = o.timezone;
            let hours = format!("{} {}", weekly(&o.hours), tz.abbreviation());
            let when_next = open
                .next_opening
                .as_ref()
                .map(|n| when(n, tz, now))
                .unwrap_or_default();
            let mut t = format!(
                "Baik, percakapan ini saya teruskan ke petugas {}. Petugas bertugas {hours}.",
                o.name
            );
            if let Some(c) = closure {
                t.push_str(&format!(
                    " Kantor sedang ditutup sementara ({}); petugas tetap melayani secara daring.",
                    c.reason
                ));
            }
            if open.open_now {
                t.push_str(" Saat ini petugas sedang bertugas; mohon tunggu, balasan akan masuk di percakapan ini.");
            } else if !when_next.is_empty() {
                t.push_str(&format!(
                    " Saat ini di luar jam kerja. Pesan Anda akan dibalas mulai {when_next}."
                ));
            }
            t
        }
        None => "Baik, percakapan ini saya teruskan ke petugas. Petugas bertugas Senin–Jumat 08.00–15.00 waktu setempat; pesan di luar jam itu dibalas pada hari kerja berikutnya.".to_string(),
    };
    let number = case_number
        .map(|n| format!(" Nomor antrean Anda: *{n}*."))
        .unwrap_or_default();
    Message::buttons(
        format!(
            "{text}{number} Riwayat percakapan ini ikut terkirim, jadi Anda tidak perlu mengulang. Untuk keadaan mendesak, hubungi Care Center {CARE_CENTER} (24 jam)."
        ),
        vec![b("cancel_flow", "Kembali ke bot")],
    )
}

/// The participant ended a live chat with "menu" or "batal".
pub fn live_chat_left(agent: Option<&str>) -> Message {
    let with = agent
        .filter(|a| !a.trim().is_empty())
        .map(|a| format!(" dengan petugas {a}"))
        .unwrap_or_else(|| " dengan petugas".to_string());
    Message::text(format!(
        "Baik, percakapan{with} kami akhiri. Anda kembali dilayani asisten virtual. Jika masih memerlukan petugas, pilih *Hubungi petugas* kapan saja."
    ))
}

/// Told when an agent joins the conversation (sent by the console).
pub fn agent_joined(agent: &str) -> Message {
    Message::text(format!(
        "Halo, saya {agent}, petugas BPJS Kesehatan. Saya sudah membaca percakapan Anda dan siap membantu. Silakan sampaikan pertanyaan Anda di sini."
    ))
}

/// Told when the agent hands the conversation back to the assistant (sent by the console).
pub fn handed_back() -> Message {
    Message::buttons(
        "Terima kasih, petugas sudah selesai membantu. Anda kembali dilayani asisten virtual; pilih menu di bawah bila ada keperluan lain.",
        vec![b("menu", "Menu utama"), b("handoff", "Hubungi petugas")],
    )
}

/// Offered after the first question of an administrative form.
pub fn webform_offer(kind: FormKind) -> Message {
    Message::buttons(
        format!(
            "Anda juga dapat mengajukan {} lewat formulir web, sekaligus mengunggah foto dokumennya. Isian tersimpan otomatis saat Anda mengetik.",
            form_label(kind)
        ),
        vec![b(format!("webform:{}", kind.code()), "Isi lewat formulir")],
    )
}

pub fn webform_link(url: &str) -> Message {
    Message::text(format!(
        "Silakan buka formulir berikut:\n{url}\nTautan ini khusus untuk Anda, jangan dibagikan. Tautan berlaku terbatas dan permintaan hanya dapat dikirim satu kali. Anda juga tetap dapat melanjutkan di percakapan ini."
    ))
}

pub fn webform_unavailable() -> Message {
    Message::text(
        "Maaf, formulir web sedang tidak dapat dibuka. Mari lanjutkan di percakapan ini saja.",
    )
}

/// A case filed outside PANDAWA working hours: when an agent will reply, in local time.
pub fn case_waits_for_hours(number: &str, next_open: DateTime<Utc>, tz: TimeZone) -> Message {
    Message::text(cases::notice::outside_hours(Some(number), next_open, tz))
}

// ---- help content -------------------------------------------------------------------------------

pub fn help_queue(words: &str) -> Message {
    let cancel =
        words.contains("batal") || words.contains("ubah") || words.contains("ganti jadwal");
    let check = words.contains("nomor") || words.contains("cek") || words.contains("berapa");
    let mut text = String::from(
        "Antrean online lewat aplikasi Mobile JKN:\n1. Buka menu *Pendaftaran Pelayanan (Antrean)*.\n2. Pilih faskes, poli, dokter dan tanggal kunjungan.\n3. Anda mendapat nomor antrean dan perkiraan jam dilayani.\n4. Di menu yang sama terlihat nomor yang sedang dilayani dan sisa antrean di depan Anda.",
    );
    if cancel {
        text.push_str("\nUntuk mengubah jadwal atau membatalkan, buka antrean Anda lalu pilih *Ubah* atau *Batal*.");
    } else if check {
        text.push_str("\nNomor antrean Anda dapat dilihat kapan saja di menu antrean; jadwal juga dapat diubah atau dibatalkan di sana.");
    } else {
        text.push_str("\nJadwal dapat diubah atau dibatalkan dari menu yang sama. Kuota dan batas hari pendaftaran ditentukan tiap faskes.");
    }
    Message::buttons(
        text,
        vec![
            b("intent:lokasi_faskes", "Cari faskes"),
            b("intent:mobile_jkn", "Bantuan Mobile JKN"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn help_referral(validity_days: i64, check: Option<&ReferralValidity>) -> Message {
    let mut text = String::new();
    if let Some(c) = check {
        text.push_str(&c.message());
        text.push('\n');
    }
    text.push_str(&format!(
        "Rujukan ke rumah sakit diberikan oleh dokter di FKTP (puskesmas, klinik atau dokter keluarga) bila perlu pemeriksaan lanjutan. Surat rujukan berlaku {validity_days} hari sejak diterbitkan; setelah itu mintalah rujukan baru di FKTP Anda. Pasien penyakit kronis yang sudah stabil dapat dirujuk balik ke FKTP untuk kontrol dan obat. Untuk keadaan gawat darurat tidak perlu rujukan: langsung ke IGD rumah sakit terdekat."
    ));
    Message::buttons(
        text,
        vec![
            b("intent:lokasi_faskes", "Cari faskes"),
            b("menu", "Menu utama"),
        ],
    )
}

/// Mobile JKN help by topic, chosen from the words of the question.
pub fn help_mobile_jkn(words: &str) -> Message {
    let has = |ws: &[&str]| ws.iter().any(|w| words.contains(w));
    let (title, body) = if has(&["otp", "kode verifikasi", "sms"]) {
        ("Kode OTP tidak masuk", "Pastikan nomor HP yang terdaftar masih aktif dan sinyal baik, tunggu 2-3 menit lalu tekan *Kirim ulang*. Jika nomor HP sudah berganti, ubah nomor HP terdaftar lebih dulu (bisa lewat layanan administrasi di sini).")
    } else if has(&["lupa", "password", "kata sandi", "sandi", "login", "masuk"]) {
        ("Tidak bisa masuk", "Pada layar masuk pilih *Lupa kata sandi*, masukkan NIK atau nomor kartu, lalu ikuti kode OTP yang dikirim ke HP terdaftar. Pastikan aplikasi sudah versi terbaru.")
    } else if has(&["kartu", "digital", "kis"]) {
        ("Kartu digital", "Setelah masuk, buka menu *Kartu Peserta*. Kartu digital di aplikasi dapat digunakan di faskes seperti kartu fisik. Semua anggota keluarga ada di menu yang sama.")
    } else if has(&["daftar", "akun", "registrasi", "bikin", "buat"]) {
        ("Membuat akun", "Unduh Mobile JKN di Play Store atau App Store, pilih *Daftar*, isi NIK atau nomor kartu, nomor HP dan email, lalu masukkan kode OTP. Setiap peserta dapat membuat akun sendiri.")
    } else if has(&["error", "gagal", "gangguan", "tidak bisa", "transaksi"]) {
        ("Aplikasi bermasalah", "Tutup aplikasi lalu buka lagi, pastikan versi terbaru dan koneksi stabil. Jika muncul \"Transaksi tidak dapat diproses\", sistem mungkin sedang sibuk; coba beberapa saat lagi. Data yang sudah Anda kirim di sini tetap tersimpan.")
    } else {
        return Message::list(
            "Aplikasi Mobile JKN dapat dipakai untuk melihat kartu digital, tagihan, antrean online, mengubah data dan lainnya. Pilih topik bantuan:",
            "Pilih topik",
            vec![
                row("help:mobile_jkn:daftar", "Membuat akun", "Daftar akun baru"),
                row("help:mobile_jkn:otp", "Kode OTP", "OTP tidak masuk"),
                row("help:mobile_jkn:lupa_password", "Tidak bisa masuk", "Lupa kata sandi"),
                row("help:mobile_jkn:kartu", "Kartu digital", "Menampilkan kartu"),
                row("help:mobile_jkn:error", "Aplikasi bermasalah", "Error atau gagal"),
            ],
        );
    };
    Message::buttons(
        format!("*{title}*\n{body}"),
        vec![
            b("intent:antrean", "Antrean online"),
            b("handoff", "Hubungi petugas"),
            b("menu", "Menu utama"),
        ],
    )
}

pub fn service_channels(branch: Option<&Office>) -> Message {
    let mut text = format!(
        "Layanan JKN tanpa datang ke kantor:\n• Care Center {CARE_CENTER}: telepon 24 jam, termasuk menu suara untuk status dan tagihan.\n• CHIKA (WhatsApp {CHIKA_WHATSAPP}): informasi 24 jam.\n• PANDAWA (WhatsApp {PANDAWA_WHATSAPP} dan nomor cabang): layanan administrasi, Senin–Jumat 08.00–15.00 waktu setempat.\n• Aplikasi Mobile JKN: kartu digital, tagihan, antrean online.\n• Percakapan ini: status, tagihan, cicilan, faskes dan layanan administrasi."
    );
    if let Some(o) = branch {
        if let Some(wa) = &o.whatsapp {
            text.push_str(&format!("\nPANDAWA {}: {}", o.name, wa.local()));
        }
    }
    Message::buttons(
        text,
        vec![
            b("menu:admin", "Layanan administrasi"),
            b("menu", "Menu utama"),
        ],
    )
}

// ---- channel events the assistant cannot read -------------------------------------------------

/// A sticker, voice note, video, someone else's contact... on a chat channel.
pub fn unsupported_message() -> Message {
    Message::buttons(
        "Maaf, jenis pesan ini belum dapat kami baca. Silakan tulis pertanyaan Anda dalam bentuk teks, atau pilih menu di bawah ini.",
        vec![b("menu", "Lihat menu"), b("handoff", "Hubungi petugas")],
    )
}

/// A photo or document sent outside a form: kept, and the participant told where it helps.
pub fn attachment_received() -> Message {
    Message::buttons(
        "Terima kasih, berkas Anda sudah kami simpan. Untuk mengurus perubahan data atau layanan administrasi, pilih Layanan administrasi agar petugas dapat memeriksa berkas Anda bersama permohonannya.",
        vec![
            b("menu:admin", "Layanan administrasi"),
            b("menu", "Menu utama"),
        ],
    )
}

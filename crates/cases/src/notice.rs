//! What the participant is told, in polite plain Indonesian, when their case changes or when
//! they write outside working hours.

use crate::kind::CaseKind;
use crate::status::CaseStatus;
use chrono::{DateTime, Datelike, Timelike, Utc};
use directory::hours::WEEKDAYS_ID;
use wilayah::TimeZone;

pub use jkn::period::MONTHS_ID;

/// The agent's text, trimmed, if there is any; a final full stop is dropped so the notice
/// can end the sentence itself.
fn clean(s: Option<&str>) -> Option<&str> {
    s.map(|r| r.trim().trim_end_matches('.').trim_end())
        .filter(|r| !r.is_empty())
}

/// The message sent when case `number` of `kind` moves to `status`. `reason` is the agent's
/// explanation (required for rejection and for asking the participant); `link` is where to
/// send documents, when asked.
pub fn status_notice(
    number: &str,
    kind: CaseKind,
    status: CaseStatus,
    reason: Option<&str>,
    link: Option<&str>,
) -> String {
    let what = format!("{} nomor {number}", kind.spec().label);
    let reason = clean(reason);
    let link = link.map(str::trim).filter(|l| !l.is_empty());
    match status {
        CaseStatus::Submitted => format!(
            "Terima kasih, permohonan Bapak/Ibu ({what}) sudah kami terima. Petugas kami \
             akan memprosesnya pada jam kerja dan mengabari Bapak/Ibu melalui percakapan ini."
        ),
        CaseStatus::InProgress => format!(
            "Permohonan Bapak/Ibu ({what}) sedang diproses oleh petugas kami. Kami akan \
             mengabari Bapak/Ibu begitu ada perkembangan. Terima kasih atas kesabarannya."
        ),
        CaseStatus::WaitingParticipant => {
            let mut s = format!(
                "Bapak/Ibu, untuk melanjutkan permohonan ({what}) petugas kami memerlukan \
                 kelengkapan berikut: {}.",
                reason.unwrap_or("data atau dokumen tambahan")
            );
            match link {
                Some(l) => s.push_str(&format!(
                    "\nSilakan kirim dokumen melalui tautan berikut:\n{l}\nTautan ini hanya \
                     berlaku sementara dan khusus untuk Bapak/Ibu."
                )),
                None => s.push_str(" Silakan balas pesan ini dengan kelengkapan tersebut."),
            }
            s.push_str(if link.is_some() {
                "\nTerima kasih."
            } else {
                " Terima kasih."
            });
            s
        }
        CaseStatus::Done => {
            let mut s = format!("Permohonan Bapak/Ibu ({what}) sudah selesai diproses.");
            if let Some(r) = reason {
                s.push_str(&format!(" Catatan petugas: {r}."));
            }
            s.push_str(" Terima kasih telah menggunakan layanan PANDAWA BPJS Kesehatan.");
            s
        }
        CaseStatus::Rejected => format!(
            "Mohon maaf, permohonan Bapak/Ibu ({what}) belum dapat kami setujui. Alasannya: \
             {}. Bapak/Ibu dapat mengajukan kembali setelah persyaratannya dilengkapi. \
             Terima kasih atas pengertiannya.",
            reason.unwrap_or("persyaratan belum terpenuhi")
        ),
    }
}

/// Told when a case is filed or a message arrives outside working hours: the case waits and
/// an agent replies from `next_open` (local time).
pub fn outside_hours(number: Option<&str>, next_open: DateTime<Utc>, tz: TimeZone) -> String {
    let received = match number.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => format!("Terima kasih, permohonan Bapak/Ibu sudah kami catat dengan nomor {n}."),
        None => "Terima kasih, pesan Bapak/Ibu sudah kami terima.".to_string(),
    };
    format!(
        "{received} Saat ini di luar jam kerja petugas kami. Petugas akan membalas mulai {}.",
        local_time_id(next_open, tz)
    )
}

/// "Senin, 24 November 2026 pukul 08.00 WITA".
pub fn local_time_id(at: DateTime<Utc>, tz: TimeZone) -> String {
    let local = at.with_timezone(&directory::hours::offset(tz));
    let weekday = WEEKDAYS_ID[local.weekday().num_days_from_monday() as usize];
    let month = MONTHS_ID[local.month0() as usize];
    format!(
        "{weekday}, {} {month} {} pukul {:02}.{:02} {}",
        local.day(),
        local.year(),
        local.hour(),
        local.minute(),
        tz.abbreviation()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::calendar::tests::utc;

    #[test]
    fn local_times_name_the_day_month_and_zone() {
        let at = utc("2026-11-24T00:00:00Z");
        assert_eq!(
            local_time_id(at, TimeZone::Wita),
            "Selasa, 24 November 2026 pukul 08.00 WITA"
        );
        assert_eq!(
            local_time_id(at, TimeZone::Wib),
            "Selasa, 24 November 2026 pukul 07.00 WIB"
        );
        assert_eq!(
            local_time_id(utc("2026-11-23T23:00:00Z"), TimeZone::Wit),
            "Selasa, 24 November 2026 pukul 08.00 WIT"
        );
        // Crossing the date line of a month and year in local time.
        assert_eq!(
            local_time_id(utc("2026-12-31T17:05:00Z"), TimeZone::Wib),
            "Jumat, 1 Januari 2027 pukul 00.05 WIB"
        );
    }

    #[test]
    fn every_status_of_every_kind_has_a_polite_notice_with_the_number_and_label() {
        for kind in CaseKind::ALL {
            for status in CaseStatus::ALL {
                let n = status_notice(
                    "PDW-G-000123",
                    kind,
                    status,
                    Some("Foto KK belum jelas"),
                    None,
                );
                assert!(n.contains("PDW-G-000123"), "{n}");
                assert!(n.contains(kind.spec().label), "{n}");
                assert!(n.contains("Bapak/Ibu"), "{n}");
                assert!(!n.contains("  "), "{n}");
                assert!(n.ends_with('.'), "{n}");
            }
        }
        let distinct: std::collections::BTreeSet<String> = CaseStatus::ALL
            .iter()
            .map(|s| status_notice("X", CaseKind::UbahData, *s, None, None))
            .collect();
        assert_eq!(distinct.len(), CaseStatus::ALL.len());
    }

    #[test]
    fn asking_for_documents_gives_the_reason_and_the_link() {
        let n = status_notice(
            "PDW-C-000007",
            CaseKind::BayiBaruLahir,
            CaseStatus::WaitingParticipant,
            Some(" Surat keterangan lahir dari bidan. "),
            Some("https://layan.example/f/abc"),
        );
        assert!(n.contains("Surat keterangan lahir dari bidan."), "{n}");
        assert!(!n.contains(".."), "{n}");
        assert!(n.contains("https://layan.example/f/abc"), "{n}");
        assert!(n.contains("Terima kasih"), "{n}");
        let without = status_notice(
            "PDW-C-000007",
            CaseKind::BayiBaruLahir,
            CaseStatus::WaitingParticipant,
            Some("Akta kelahiran"),
            None,
        );
        assert!(without.contains("balas pesan ini"), "{without}");
    }

    #[test]
    fn a_rejection_says_why() {
        let n = status_notice(
            "PDW-L-000002",
            CaseKind::UbahKelas,
            CaseStatus::Rejected,
            Some("perubahan kelas baru dapat dilakukan setelah 1 tahun"),
            None,
        );
        assert!(n.starts_with("Mohon maaf"), "{n}");
        assert!(n.contains("setelah 1 tahun"), "{n}");
        let done = status_notice("ADU-1", CaseKind::Pengaduan, CaseStatus::Done, None, None);
        assert!(!done.contains("Catatan"), "{done}");
        assert!(done.contains("Terima kasih"), "{done}");
    }

    #[test]
    fn outside_hours_names_the_case_and_the_local_reopening() {
        let monday = utc("2026-11-30T00:00:00Z");
        let n = outside_hours(Some("PDW-A-000010"), monday, TimeZone::Wita);
        assert!(n.contains("PDW-A-000010"), "{n}");
        assert!(
            n.contains("Senin, 30 November 2026 pukul 08.00 WITA"),
            "{n}"
        );
        let m = outside_hours(None, monday, TimeZone::Wib);
        assert!(m.contains("pesan Bapak/Ibu"), "{m}");
        assert!(m.contains("pukul 07.00 WIB"), "{m}");
    }

    proptest! {
        #[test]
        fn the_local_time_matches_the_zone_offset(secs in 0i64..4_000_000_000, zone in 0usize..3) {
            let tz = TimeZone::ALL[zone];
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            let s = local_time_id(at, tz);
            let local = at.naive_utc() + chrono::Duration::seconds(i64::from(tz.utc_offset_seconds()));
            let expected_time = format!("pukul {}", local.format("%H.%M"));
            prop_assert!(s.ends_with(&format!("{expected_time} {}", tz.abbreviation())), "{}", s);
            let year = local.year().to_string();
            prop_assert!(s.contains(&year), "{}", s);
        }
    }
}

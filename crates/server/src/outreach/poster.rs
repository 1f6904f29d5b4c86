//! The closure poster for the office door: `GET /offices/{id}/closure-poster.pdf` and `.png`.
//!
//! Public on purpose: whoever stands at the printer (often not signed in) needs it, and it
//! shows only what the branch already announces to everyone. It tells the closure in force
//! now, or the next one (`?closure=<id>` picks another), and how to be served meanwhile, with
//! a QR code that opens a WhatsApp chat with the branch.

use super::{Ctx, OutreachError};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cases::notice::local_time_id;
use poster::PosterContent;
use serde::Deserialize;
use store::{Closure, ClosureId, Office, OfficeId, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/offices/{id}/closure-poster.pdf", get(pdf))
        .route("/offices/{id}/closure-poster.png", get(png))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterFormat {
    Pdf,
    Png,
}

impl PosterFormat {
    /// "pdf" or "png" (any case), as typed at the command line or found in a file name.
    pub fn parse(s: &str) -> Option<PosterFormat> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "pdf" => Some(PosterFormat::Pdf),
            "png" => Some(PosterFormat::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            PosterFormat::Pdf => "pdf",
            PosterFormat::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PosterFormat::Pdf => "application/pdf",
            PosterFormat::Png => "image/png",
        }
    }
}

/// The poster of `office`'s closure `closure`, or of the one in force now or next: its file
/// name and bytes.
pub async fn render(
    ctx: Ctx<'_>,
    office: OfficeId,
    closure: Option<ClosureId>,
    format: PosterFormat,
) -> Result<(String, Vec<u8>), OutreachError> {
    let office = super::closures::office(&ctx, office).await?;
    let closure = match closure {
        Some(id) => {
            let closure = ctx
                .store
                .closure(id)
                .await?
                .filter(|c| c.office_id == office.id)
                .ok_or_else(|| {
                    OutreachError::NotFound(
                        "Penutupan kantor tersebut tidak ditemukan untuk kantor cabang ini.".into(),
                    )
                })?;
            if closure.cancelled_at.is_some() {
                return Err(OutreachError::NotFound(
                    "Penutupan kantor tersebut sudah dibatalkan, jadi poster tidak diperlukan."
                        .into(),
                ));
            }
            if closure.ends_at <= ctx.now {
                return Err(OutreachError::NotFound(
                    "Penutupan kantor tersebut sudah berakhir, jadi poster tidak diperlukan."
                        .into(),
                ));
            }
            closure
        }
        None => ctx
            .store
            .closures(office.id, ctx.now)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                OutreachError::NotFound(
                    "Tidak ada penutupan kantor yang sedang berlaku atau akan datang untuk kantor \
                     cabang ini, jadi belum ada poster untuk dicetak."
                        .into(),
                )
            })?,
    };
    let content = content(&office, &closure, &ctx.config.outreach.care_center);
    let name = file_name(&office, &closure, format);
    // Rasterising an A4 page takes a while: keep it off the async workers.
    let bytes = tokio::task::spawn_blocking(move || match format {
        PosterFormat::Pdf => poster::pdf(&content),
        PosterFormat::Png => poster::png(&content),
    })
    .await
    .map_err(|e| StoreError::Other(format!("poster rendering stopped: {e}")))?;
    match bytes {
        Ok(bytes) => Ok((name, bytes)),
        Err(poster::PosterError::TooLong) => Err(OutreachError::Invalid(
            "Alasan, pesan, atau daftar layanan pengganti terlalu panjang untuk satu halaman \
             poster. Mohon persingkat lalu coba lagi."
                .into(),
        )),
        Err(e) => Err(StoreError::Other(format!("poster: {e}")).into()),
    }
}

/// What the poster says: Indonesian, plain, polite; times in the office's own zone.
pub(crate) fn content(office: &Office, closure: &Closure, care_center: &str) -> PosterContent {
    let tz = office.timezone;
    let care_center = care_center.trim();
    let mut ways = Vec::new();
    if let Some(wa) = &office.whatsapp {
        ways.push(format!(
            "WhatsApp PANDAWA {}: {}",
            office.name,
            group_digits(&wa.local())
        ));
    }
    if !care_center.is_empty() {
        ways.push(format!("Telepon BPJS Kesehatan Care Center {care_center}"));
    }
    ways.push("Aplikasi Mobile JKN di HP Anda".to_owned());
    // The branch's own list, less what the three lines above already say.
    for alternative in &closure.alternatives {
        let alternative = alternative.trim();
        let lower = alternative.to_lowercase();
        let said = lower.contains("whatsapp")
            || lower.contains("care center")
            || lower.contains("mobile jkn")
            || (!care_center.is_empty()
                && dialog::outreach::mentions_number(alternative, care_center));
        if !alternative.is_empty() && !said {
            ways.push(alternative.to_owned());
        }
    }
    let (qr_link, qr_caption) = match &office.whatsapp {
        Some(wa) => (
            format!("https://wa.me/{}?text=Halo", wa.expose()),
            "Chat WhatsApp dengan kami:\nBuka kamera HP, arahkan ke kode ini, lalu \
             tekan tautan yang muncul."
                .to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let reason = closure.reason.trim();
    PosterContent {
        headline: "KANTOR TUTUP SEMENTARA".into(),
        office: format!("BPJS Kesehatan {}", office.name),
        period: vec![
            format!("Mulai {}", local_time_id(closure.starts_at, tz)),
            format!("sampai {}", local_time_id(closure.ends_at, tz)),
        ],
        reason: if reason.is_empty() {
            String::new()
        } else {
            format!("Alasan: {reason}")
        },
        message: closure.message.trim().to_owned(),
        ways_heading: "Selama kantor tutup, Bapak/Ibu tetap dapat dilayani melalui:".into(),
        ways,
        qr_link,
        qr_caption,
        footer: format!(
            "{}, {}\nMohon maaf atas ketidaknyamanan ini. Terima kasih.",
            office.name,
            office.address.trim()
        ),
    }
}

/// "08118165165" → "0811-8165-165": easier to read aloud and to dial.
fn group_digits(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    digits
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// "poster-tutup-kantor-cabang-palembang-2026-11-23.pdf": the office and the local first day.
fn file_name(office: &Office, closure: &Closure, format: PosterFormat) -> String {
    let mut slug = String::new();
    for c in office.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let day = directory::hours::local_date(closure.starts_at, office.timezone);
    format!(
        "poster-tutup-{slug}-{}.{}",
        day.format("%Y-%m-%d"),
        format.extension()
    )
}

#[derive(Debug, Deserialize)]
struct PosterQuery {
    closure: Option<String>,
}

async fn pdf(
    state: State<AppState>,
    id: Path<String>,
    query: ApiQuery<PosterQuery>,
) -> Result<Response, ApiError> {
    serve(state, id, query, PosterFormat::Pdf).await
}

async fn png(
    state: State<AppState>,
    id: Path<String>,
    query: ApiQuery<PosterQuery>,
) -> Result<Response, ApiError> {
    serve(state, id, query, PosterFormat::Png).await
}

async fn serve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PosterQuery>,
    format: PosterFormat,
) -> Result<Response, ApiError> {
    let office: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_id", "Id kantor harus berupa angka."))?;
    let closure = match query.closure.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(ClosureId(c.parse().map_err(|_| {
            ApiError::bad_request("invalid_id", "Id penutupan kantor harus berupa angka.")
        })?)),
    };
    let (name, bytes) = render(Ctx::of(&state), OfficeId(office), closure, format)
        .await
        .map_err(api_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// As the agent API answers (`From<OutreachError>`), except that a poster too long for its
/// page is `invalid` rather than `invalid_field`: it names no field of the request.
fn api_error(e: OutreachError) -> ApiError {
    match e {
        OutreachError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, Utc};
    use directory::WeeklyHours;
    use wilayah::TimeZone;

    fn office(tz: TimeZone, whatsapp: Option<&str>) -> Office {
        Office {
            id: OfficeId(7),
            code: "KC1671".into(),
            name: "Kantor Cabang Palembang".into(),
            regencies: vec![1671],
            address: "Jl. Kapten A. Rivai No. 1, Palembang".into(),
            latitude: -2.97,
            longitude: 104.75,
            phone: "0711-123456".into(),
            whatsapp: whatsapp.map(|w| jkn::Msisdn::parse(w).unwrap()),
            hours: WeeklyHours::weekdays(8 * 60, 15 * 60),
            timezone: tz,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn closure(alternatives: &[&str]) -> Closure {
        let starts_at = at("2026-11-23T03:00:00Z");
        Closure {
            id: ClosureId(3),
            office_id: OfficeId(7),
            starts_at,
            ends_at: starts_at + Duration::days(3),
            reason: " Petugas positif COVID-19, kantor disterilkan ".into(),
            message: "Kantor tutup sementara selama tiga hari.".into(),
            alternatives: alternatives.iter().map(|s| s.to_string()).collect(),
            created_at: starts_at,
            created_by: "kepala.cabang".into(),
            cancelled_at: None,
        }
    }

    #[test]
    fn the_poster_tells_when_why_and_how_to_be_served_in_local_time() {
        let c = content(
            &office(TimeZone::Wib, Some("08118165165")),
            &closure(&[
                "WhatsApp PANDAWA 08118165165",
                "Care Center 165",
                "Kantor Cabang Prabumulih, Jl. Jenderal Sudirman 5",
            ]),
            "165",
        );
        assert_eq!(c.headline, "KANTOR TUTUP SEMENTARA");
        assert_eq!(c.office, "BPJS Kesehatan Kantor Cabang Palembang");
        assert_eq!(
            c.period,
            [
                "Mulai Senin, 23 November 2026 pukul 10.00 WIB",
                "sampai Kamis, 26 November 2026 pukul 10.00 WIB"
            ]
        );
        assert_eq!(
            c.reason,
            "Alasan: Petugas positif COVID-19, kantor disterilkan"
        );
        assert_eq!(c.message, "Kantor tutup sementara selama tiga hari.");
        assert_eq!(
            c.ways,
            [
                "WhatsApp PANDAWA Kantor Cabang Palembang: 0811-8165-165",
                "Telepon BPJS Kesehatan Care Center 165",
                "Aplikasi Mobile JKN di HP Anda",
                "Kantor Cabang Prabumulih, Jl. Jenderal Sudirman 5",
            ]
        );
        assert_eq!(c.qr_link, "https://wa.me/628118165165?text=Halo");
        assert!(c
            .qr_caption
            .contains("Buka kamera HP, arahkan ke kode ini, lalu tekan tautan yang muncul."));
        assert!(c.footer.contains("Jl. Kapten A. Rivai"));
    }

    #[test]
    fn eastern_offices_read_their_own_zone() {
        let c = content(&office(TimeZone::Wit, None), &closure(&[]), "165");
        assert_eq!(c.period[0], "Mulai Senin, 23 November 2026 pukul 12.00 WIT");
        let c = content(&office(TimeZone::Wita, None), &closure(&[]), "165");
        assert_eq!(
            c.period[0],
            "Mulai Senin, 23 November 2026 pukul 11.00 WITA"
        );
    }

    #[test]
    fn without_a_branch_whatsapp_there_is_no_code_and_no_whatsapp_line() {
        let c = content(&office(TimeZone::Wib, None), &closure(&[]), "165");
        assert!(c.qr_link.is_empty() && c.qr_caption.is_empty());
        assert_eq!(
            c.ways,
            [
                "Telepon BPJS Kesehatan Care Center 165",
                "Aplikasi Mobile JKN di HP Anda"
            ]
        );
        let mut empty = closure(&[]);
        empty.reason = "  ".into();
        assert_eq!(
            content(&office(TimeZone::Wib, None), &empty, "165").reason,
            ""
        );
    }

    #[test]
    fn file_names_and_formats() {
        assert_eq!(
            file_name(
                &office(TimeZone::Wib, None),
                &closure(&[]),
                PosterFormat::Png
            ),
            "poster-tutup-kantor-cabang-palembang-2026-11-23.png"
        );
        assert_eq!(PosterFormat::parse("PDF"), Some(PosterFormat::Pdf));
        assert_eq!(PosterFormat::parse(".png"), Some(PosterFormat::Png));
        assert_eq!(PosterFormat::parse("jpg"), None);
        assert_eq!(group_digits("081234567890"), "0812-3456-7890");
    }
}

//! JSON shapes of the public API, built from store records. Kept apart from the handlers so
//! the same views serve the API, the assistant and the console.

use chrono::{DateTime, FixedOffset, Utc};
use directory::hours::{offset, open_state};
use directory::{ClosureWindow, WeeklyHours};
use serde::Serialize;
use store::{Closure, Facility, Office};
use wilayah::TimeZone;

/// The point of a query's `lat` and `lon`: none, both (and valid), or a clear error.
pub fn query_point(
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<Option<directory::Point>, crate::error::ApiError> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => directory::Point::new(lat, lon).map(Some).ok_or_else(|| {
            crate::error::ApiError::bad_request(
                "invalid_location",
                "Koordinat tidak valid: lat -90..90, lon -180..180.",
            )
        }),
        _ => Err(crate::error::ApiError::bad_request(
            "invalid_location",
            "Kirim lat dan lon bersama-sama.",
        )),
    }
}

#[derive(Debug, Serialize)]
pub struct PlaceRef {
    pub code: String,
    pub name: String,
}

pub fn regency_ref(code: u16) -> PlaceRef {
    PlaceRef {
        code: format!("{code:04}"),
        name: wilayah::regency(code)
            .map(|r| r.name.to_string())
            .unwrap_or_default(),
    }
}

pub fn district_ref(code: u32) -> PlaceRef {
    PlaceRef {
        code: format!("{code:06}"),
        name: wilayah::district(code)
            .map(|d| d.name.to_string())
            .unwrap_or_default(),
    }
}

#[derive(Debug, Serialize)]
pub struct OpenNow {
    pub open_now: bool,
    /// While open: when it closes (local time, with offset).
    pub closes_at: Option<DateTime<FixedOffset>>,
    /// While closed: when it next opens (local time, with offset).
    pub next_opening: Option<DateTime<FixedOffset>>,
}

pub fn open_now(
    hours: &WeeklyHours,
    tz: TimeZone,
    closures: &[Closure],
    now: DateTime<Utc>,
) -> OpenNow {
    let windows: Vec<ClosureWindow> = closures.iter().map(Closure::window).collect();
    let s = open_state(hours, tz, &[], &windows, now);
    OpenNow {
        open_now: s.open_now,
        closes_at: s.closes_at,
        next_opening: s.next_opening,
    }
}

#[derive(Debug, Serialize)]
pub struct FacilityView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: directory::FacilityKind,
    pub kind_label: &'static str,
    pub tier: directory::Tier,
    pub hospital_class: Option<directory::HospitalClass>,
    pub regency: PlaceRef,
    pub district: PlaceRef,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub phone: String,
    pub opening_hours: WeeklyHours,
    #[serde(flatten)]
    pub open: OpenNow,
    pub polyclinics: Vec<String>,
    /// Straight-line distance from the point asked about, in metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u64>,
}

pub fn facility_view(f: Facility, now: DateTime<Utc>, distance_m: Option<f64>) -> FacilityView {
    let tz = wilayah::regency(f.regency_code)
        .map(|r| r.province().timezone)
        .unwrap_or(TimeZone::Wib);
    FacilityView {
        id: f.id.0,
        open: open_now(&f.hours, tz, &[], now),
        kind_label: f.kind.label(),
        regency: regency_ref(f.regency_code),
        district: district_ref(f.district_code),
        distance_m: distance_m.map(|d| d.round() as u64),
        code: f.code,
        name: f.name,
        kind: f.kind,
        tier: f.tier,
        hospital_class: f.hospital_class,
        address: f.address,
        latitude: f.latitude,
        longitude: f.longitude,
        phone: f.phone,
        opening_hours: f.hours,
        polyclinics: f.polyclinics,
    }
}

#[derive(Debug, Serialize)]
pub struct TimeZoneView {
    pub iana: &'static str,
    pub abbreviation: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ClosureView {
    pub id: i64,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub in_force: bool,
    pub reason: String,
    pub message: String,
    pub alternatives: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OfficeView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub phone: String,
    pub whatsapp: Option<String>,
    pub timezone: TimeZoneView,
    pub opening_hours: WeeklyHours,
    #[serde(flatten)]
    pub open: OpenNow,
    /// Current and upcoming closures, soonest first, in the office's local time.
    pub closures: Vec<ClosureView>,
    pub regencies: Vec<PlaceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u64>,
}

pub fn office_view(
    o: Office,
    closures: Vec<Closure>,
    now: DateTime<Utc>,
    distance_m: Option<f64>,
) -> OfficeView {
    let fixed = offset(o.timezone);
    OfficeView {
        id: o.id.0,
        open: open_now(&o.hours, o.timezone, &closures, now),
        closures: closures
            .into_iter()
            .map(|c| ClosureView {
                id: c.id.0,
                in_force: c.starts_at <= now && now < c.ends_at,
                starts_at: c.starts_at.with_timezone(&fixed),
                ends_at: c.ends_at.with_timezone(&fixed),
                reason: c.reason,
                message: c.message,
                alternatives: c.alternatives,
            })
            .collect(),
        timezone: TimeZoneView {
            iana: o.timezone.iana(),
            abbreviation: o.timezone.abbreviation(),
        },
        regencies: o.regencies.iter().map(|&r| regency_ref(r)).collect(),
        whatsapp: o.whatsapp.map(|w| w.local()),
        distance_m: distance_m.map(|d| d.round() as u64),
        code: o.code,
        name: o.name,
        address: o.address,
        latitude: o.latitude,
        longitude: o.longitude,
        phone: o.phone,
        opening_hours: o.hours,
    }
}

//! A small world built from the typed values: two branch offices, a handful of facilities in
//! Jember and Surabaya, and three families with their members, bills and payments.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use directory::{BoundingBox, FacilityKind, HospitalClass, Point, WeeklyHours};
use jkn::{
    BilledMonth, CardNumber, CareClass, FamilyCardNumber, Msisdn, Nik, Payment, PaymentChannel,
    Rupiah, Segment, Sex, YearMonth,
};
use store::{
    Facility, FacilityId, Family, FamilyId, ImportBatch, Office, OfficeId, Participant,
    ParticipantId, Relation,
};

pub const JEMBER: u16 = 3509;
pub const SURABAYA: u16 = 3578;
/// Kecamatan Kencong, Jember.
pub const KENCONG: u32 = 350902;
/// Kecamatan Jombang, Jember.
pub const JOMBANG: u32 = 350901;
/// Kecamatan Rungkut, Surabaya.
pub const RUNGKUT: u32 = 357803;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d} is not a date"))
}

pub fn at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0)
        .single()
        .unwrap_or_else(|| panic!("{y}-{m}-{d} {h}:{mi}"))
}

pub fn month(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).unwrap_or_else(|| panic!("{y}-{m}"))
}

pub fn nik(district: u32, birth: NaiveDate, sex: Sex, serial: u16) -> Nik {
    Nik::compose(district, birth, sex, serial).unwrap_or_else(|e| panic!("{e}"))
}

pub fn card(n: u64) -> CardNumber {
    CardNumber::parse(&format!("{n:013}")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn phone(subscriber: &str) -> Msisdn {
    Msisdn::parse(subscriber).unwrap_or_else(|e| panic!("{e}"))
}

pub fn family(id: i64, segment: Segment, district: u32) -> Family {
    Family {
        id: FamilyId(id),
        kk_number: FamilyCardNumber::parse(&format!("{district:06}{id:010}"))
            .unwrap_or_else(|e| panic!("{e}")),
        segment,
        class: if segment.is_pbi() {
            CareClass::Three
        } else {
            CareClass::Two
        },
        virtual_account: format!("88888{id:011}"),
        wage: (segment == Segment::Ppu).then_some(Rupiah(6_500_000)),
        employer: (segment == Segment::Ppu).then(|| "PT Perkebunan Nusantara XII".to_string()),
        district_code: district,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn person(
    id: i64,
    family: &Family,
    relation: Relation,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
    serial: u16,
    mobile: Option<&str>,
) -> Participant {
    Participant {
        id: ParticipantId(id),
        family_id: family.id,
        relation,
        nik: nik(family.district_code, birth, sex, serial),
        card_number: card(1_000_000 + id as u64),
        name: name.to_string(),
        sex,
        birth_date: birth,
        phone: mobile.map(phone),
        email: None,
        district_code: family.district_code,
        segment: family.segment,
        class: family.class,
        class_since: date(2020, 1, 1),
        fktp_id: Some(FacilityId(1)),
        fktp_since: Some(date(2023, 5, 2)),
        registered_on: date(2019, 3, 14),
    }
}

pub fn facility(
    id: i64,
    name: &str,
    kind: FacilityKind,
    district: u32,
    lat: f64,
    lon: f64,
) -> Facility {
    Facility {
        id: FacilityId(id),
        code: format!(
            "{:04}{}{id:03}",
            district / 100,
            kind.code()
                .chars()
                .next()
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or('X')
        ),
        name: name.to_string(),
        kind,
        tier: kind.tier(),
        hospital_class: (kind == FacilityKind::RumahSakit).then_some(HospitalClass::B),
        regency_code: (district / 100) as u16,
        district_code: district,
        address: format!("Jl. Contoh No. {id}"),
        latitude: lat,
        longitude: lon,
        phone: format!("0331-48{id:04}"),
        hours: if kind == FacilityKind::RumahSakit {
            WeeklyHours::always()
        } else {
            WeeklyHours::weekdays(7 * 60, 14 * 60)
        },
        polyclinics: vec!["Poli Umum".to_string(), "Poli Gigi".to_string()],
    }
}

pub fn office(id: i64, name: &str, regencies: Vec<u16>, lat: f64, lon: f64) -> Office {
    Office {
        id: OfficeId(id),
        code: format!("13{id:02}"),
        name: name.to_string(),
        regencies,
        address: format!("Jl. Kantor No. {id}"),
        latitude: lat,
        longitude: lon,
        phone: "0331-487111".to_string(),
        whatsapp: Some(phone("08118165165")),
        hours: WeeklyHours::weekdays(8 * 60, 15 * 60),
        timezone: wilayah::TimeZone::Wib,
    }
}

/// Centre of Jember.
pub fn jember_centre() -> Point {
    Point {
        lat: -8.1724,
        lon: 113.7000,
    }
}

pub fn around_jember(radius_m: f64) -> BoundingBox {
    BoundingBox::around(jember_centre(), radius_m)
}

/// The people of the stories, by name.
pub struct World {
    pub batch: ImportBatch,
    /// Budi, head of a PBPU family in Kencong, with a phone.
    pub budi: Participant,
    /// Siti, Budi's wife.
    pub siti: Participant,
    /// Their son, born 2015.
    pub anak: Participant,
    /// Their daughter, born 2012 (older than her brother, listed after their mother).
    pub putri: Participant,
    /// A neighbour in Kencong, head of a PBI family, no phone.
    pub tetangga: Participant,
    /// A PPU worker in Surabaya.
    pub pekerja: Participant,
    pub budi_family: Family,
    pub tetangga_family: Family,
    pub pekerja_family: Family,
}

pub fn world() -> World {
    let budi_family = family(10, Segment::Pbpu, KENCONG);
    let tetangga_family = family(11, Segment::PbiApbn, KENCONG);
    let pekerja_family = family(12, Segment::Ppu, RUNGKUT);

    let budi = person(
        100,
        &budi_family,
        Relation::Kepala,
        "Budi Santoso",
        Sex::Laki,
        date(1985, 6, 17),
        1,
        Some("081234567890"),
    );
    let siti = person(
        101,
        &budi_family,
        Relation::Istri,
        "Siti Aminah",
        Sex::Perempuan,
        date(1988, 3, 5),
        2,
        None,
    );
    let anak = person(
        102,
        &budi_family,
        Relation::Anak,
        "Rizky Santoso",
        Sex::Laki,
        date(2015, 7, 1),
        3,
        None,
    );
    let putri = person(
        103,
        &budi_family,
        Relation::Anak,
        "Ayu Santoso",
        Sex::Perempuan,
        date(2012, 1, 20),
        4,
        None,
    );
    let tetangga = person(
        110,
        &tetangga_family,
        Relation::Kepala,
        "Slamet Riyadi",
        Sex::Laki,
        date(1985, 6, 17),
        5,
        None,
    );
    let mut pekerja = person(
        120,
        &pekerja_family,
        Relation::Kepala,
        "Dewi Lestari",
        Sex::Perempuan,
        date(1990, 11, 2),
        1,
        Some("+62 857-1234-5678"),
    );
    pekerja.email = Some("dewi@example.id".to_string());
    pekerja.fktp_id = None;
    pekerja.fktp_since = None;

    let mut bills = Vec::new();
    // Budi's family: January to June 2026, 4 members at Rp100.000 each (class 2).
    for m in month(2026, 1).through(month(2026, 6)) {
        bills.push((
            budi_family.id,
            BilledMonth {
                period: m,
                amount: Rupiah(400_000),
                subsidy: Rupiah::ZERO,
                members: 4,
            },
        ));
    }
    // The neighbour's PBI family: paid by the government.
    for m in month(2026, 1).through(month(2026, 3)) {
        bills.push((
            tetangga_family.id,
            BilledMonth {
                period: m,
                amount: Rupiah::ZERO,
                subsidy: Rupiah(42_000),
                members: 1,
            },
        ));
    }
    let payments = vec![
        (
            budi_family.id,
            Payment {
                id: 1,
                paid_on: date(2026, 1, 9),
                channel: PaymentChannel::VirtualAccount,
                amount: Rupiah(400_000),
                for_period: Some(month(2026, 1)),
            },
        ),
        (
            budi_family.id,
            Payment {
                id: 2,
                paid_on: date(2026, 2, 10),
                channel: PaymentChannel::Minimarket,
                amount: Rupiah(400_000),
                for_period: None,
            },
        ),
    ];
    // Shuffled on purpose: the store, not the producer, puts a ledger in order.
    bills.reverse();

    let facilities = vec![
        facility(
            1,
            "Puskesmas Kencong",
            FacilityKind::Puskesmas,
            KENCONG,
            -8.2830,
            113.3720,
        ),
        facility(
            2,
            "Klinik Pratama Sehat Jember",
            FacilityKind::KlinikPratama,
            JOMBANG,
            -8.1750,
            113.7010,
        ),
        facility(
            3,
            "RSUD dr. Soebandi",
            FacilityKind::RumahSakit,
            JOMBANG,
            -8.1600,
            113.7150,
        ),
        facility(
            4,
            "Apotek Kimia Farma Jember",
            FacilityKind::Apotek,
            JOMBANG,
            -8.1700,
            113.6950,
        ),
        facility(
            5,
            "Puskesmas Rungkut",
            FacilityKind::Puskesmas,
            RUNGKUT,
            -7.3260,
            112.7830,
        ),
        facility(
            6,
            "PUSKESMAS SUMBERSARI",
            FacilityKind::Puskesmas,
            JOMBANG,
            -8.1800,
            113.7200,
        ),
    ];
    let offices = vec![
        office(
            1,
            "Kantor Cabang Jember",
            vec![JEMBER, 3510, 3511],
            -8.1690,
            113.7020,
        ),
        office(
            2,
            "Kantor Cabang Surabaya",
            vec![SURABAYA],
            -7.2650,
            112.7500,
        ),
    ];

    World {
        batch: ImportBatch {
            offices,
            facilities,
            families: vec![
                budi_family.clone(),
                tetangga_family.clone(),
                pekerja_family.clone(),
            ],
            participants: vec![
                budi.clone(),
                siti.clone(),
                anak.clone(),
                putri.clone(),
                tetangga.clone(),
                pekerja.clone(),
            ],
            bills,
            payments,
        },
        budi,
        siti,
        anak,
        putri,
        tetangga,
        pekerja,
        budi_family,
        tetangga_family,
        pekerja_family,
    }
}

/// Imports the small world into the store and returns it.
pub async fn seeded(store: &dyn store::Store) -> World {
    let world = world();
    store
        .import(world.batch.clone())
        .await
        .unwrap_or_else(|e| panic!("importing the small world: {e}"));
    store
        .finish_import()
        .await
        .unwrap_or_else(|e| panic!("finishing the import: {e}"));
    world
}

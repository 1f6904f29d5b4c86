//! Bulk import and NIK lookup on a synthetic national-scale slice, on either backend.
//!
//! ```text
//! cargo run --release -p store-tests --example import_bench -- sqlite [FILE] [PARTICIPANTS]
//! cargo run --release -p store-tests --example import_bench -- postgres [URL] [PARTICIPANTS]
//! ```
//! Defaults: a temporary file / `LAYAN_TEST_POSTGRES_URL` (a fresh database `layan_bench_*` is
//! created there and dropped afterwards), 1,000,000 participants. The rows are simple but shaped
//! like the demo's: ~3.3 members per family, ~27 billed months and 10 payments per family,
//! 15,000 facilities and 130 offices, imported in batches of 10,000 families.

use chrono::NaiveDate;
use directory::{FacilityKind, WeeklyHours};
use jkn::{
    BilledMonth, CardNumber, CareClass, FamilyCardNumber, Nik, Payment, PaymentChannel, Rupiah,
    Segment, Sex, YearMonth,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{
    Facility, FacilityId, Family, FamilyId, ImportBatch, Office, OfficeId, Participant,
    ParticipantId, Relation, Store,
};

const FAMILIES_PER_BATCH: usize = 10_000;
const SIZES: [usize; 10] = [3, 4, 2, 5, 3, 1, 4, 3, 2, 6];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn districts() -> Vec<u32> {
    wilayah::districts().iter().map(|d| d.code).collect()
}

/// The NIK of synthetic participant `pid`: unique because (district, serial) is.
fn nik_of(pid: i64, districts: &[u32], rng: &mut Rng) -> (Nik, NaiveDate, Sex) {
    let district = districts[(pid as usize / 9_999) % districts.len()];
    let serial = (pid % 9_999) as u16 + 1;
    let birth = NaiveDate::from_ymd_opt(
        1940 + rng.below(85) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or_default();
    let sex = if rng.below(2) == 0 {
        Sex::Laki
    } else {
        Sex::Perempuan
    };
    let nik = Nik::compose(district, birth, sex, serial).unwrap_or_else(|e| panic!("{e}"));
    (nik, birth, sex)
}

fn reference_batch() -> ImportBatch {
    let districts = districts();
    let mut rng = Rng(7);
    let offices = (1..=130)
        .map(|i| Office {
            id: OfficeId(i),
            code: format!("{i:04}"),
            name: format!("Kantor Cabang {i}"),
            regencies: wilayah::regencies()
                .iter()
                .skip(i as usize - 1)
                .step_by(130)
                .map(|r| r.code)
                .collect(),
            address: "Jl. Kantor".into(),
            latitude: -6.0 - rng.below(400) as f64 / 100.0,
            longitude: 106.0 + rng.below(800) as f64 / 100.0,
            phone: "021-1500400".into(),
            whatsapp: None,
            hours: WeeklyHours::weekdays(480, 900),
            timezone: wilayah::TimeZone::Wib,
        })
        .collect();
    let facilities = (1..=15_000)
        .map(|i| {
            let district = districts[(i as usize * 7) % districts.len()];
            let kind = FacilityKind::ALL[i as usize % FacilityKind::ALL.len()];
            Facility {
                id: FacilityId(i),
                code: format!("{:04}F{i:05}", district / 100),
                name: format!("{} Sehat {i}", kind.label()),
                kind,
                tier: kind.tier(),
                hospital_class: None,
                regency_code: (district / 100) as u16,
                district_code: district,
                address: "Jl. Sehat".into(),
                latitude: -6.0 - rng.below(40_000) as f64 / 10_000.0,
                longitude: 106.0 + rng.below(80_000) as f64 / 10_000.0,
                phone: "0331-1".into(),
                hours: WeeklyHours::weekdays(420, 840),
                polyclinics: vec!["Poli Umum".into()],
            }
        })
        .collect();
    ImportBatch {
        offices,
        facilities,
        ..ImportBatch::default()
    }
}

/// Families `first..first + count` and everything that hangs off them; `pid` is the next
/// participant id and is advanced.
fn family_batch(
    first: i64,
    count: usize,
    pid: &mut i64,
    target: i64,
    districts: &[u32],
) -> ImportBatch {
    let mut rng = Rng(first as u64 * 2_654_435_761 + 1);
    let mut batch = ImportBatch::default();
    let end_month = YearMonth::new(2026, 3).unwrap_or_else(|| unreachable!());
    for fid in first..first + count as i64 {
        if *pid >= target {
            break;
        }
        let district = districts[(fid as usize) % districts.len()];
        let segment = Segment::ALL[fid as usize % Segment::ALL.len()];
        let family = Family {
            id: FamilyId(fid),
            kk_number: FamilyCardNumber::parse(&format!("{district:06}{fid:010}"))
                .unwrap_or_else(|e| panic!("{e}")),
            segment,
            class: CareClass::Three,
            virtual_account: format!("88888{fid:011}"),
            wage: None,
            employer: None,
            district_code: district,
        };
        let size = SIZES[fid as usize % SIZES.len()];
        for m in 0..size {
            if *pid >= target {
                break;
            }
            let (nik, birth, sex) = nik_of(*pid, districts, &mut rng);
            batch.participants.push(Participant {
                id: ParticipantId(*pid),
                family_id: family.id,
                relation: if m == 0 {
                    Relation::Kepala
                } else {
                    Relation::Anak
                },
                nik,
                card_number: CardNumber::parse(&format!("{:013}", 1_000_000_000 + *pid))
                    .unwrap_or_else(|e| panic!("{e}")),
                name: format!("Peserta {pid}"),
                sex,
                birth_date: birth,
                phone: None,
                email: None,
                district_code: district,
                segment,
                class: CareClass::Three,
                class_since: birth,
                fktp_id: Some(FacilityId(1 + *pid % 15_000)),
                fktp_since: None,
                registered_on: birth,
            });
            *pid += 1;
        }
        let months = 24 + (fid % 7);
        let start = end_month.add_months(1 - months);
        for period in start.through(end_month) {
            batch.bills.push((
                family.id,
                BilledMonth {
                    period,
                    amount: Rupiah(35_000 * size as i64),
                    subsidy: Rupiah(7_000 * size as i64),
                    members: size as u32,
                },
            ));
        }
        for k in 0..10 {
            let period = start.add_months(k);
            batch.payments.push((
                family.id,
                Payment {
                    id: k + 1,
                    paid_on: period.day(10),
                    channel: PaymentChannel::ALL[(fid + k) as usize % 8],
                    amount: Rupiah(35_000 * size as i64),
                    for_period: Some(period),
                },
            ));
        }
        batch.families.push(family);
    }
    batch
}

/// CPU time this process has used (user + system), from /proc: the machine is shared, so
/// wall-clock figures alone mix in other people's builds.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here; 100 ticks/s.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

async fn run(store: Arc<dyn Store>, participants: i64) {
    let districts = districts();
    let mut import_time = Duration::ZERO;
    let mut import_cpu = Duration::ZERO;
    let mut rows = 0usize;
    let wall = Instant::now();

    let reference = reference_batch();
    rows += reference.rows();
    let (t, c) = (Instant::now(), cpu_time());
    store
        .import(reference)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    import_time += t.elapsed();
    import_cpu += cpu_time().saturating_sub(c);

    let mut pid = 1i64;
    let mut fid = 1i64;
    while pid <= participants {
        let batch = family_batch(
            fid,
            FAMILIES_PER_BATCH,
            &mut pid,
            participants + 1,
            &districts,
        );
        fid += FAMILIES_PER_BATCH as i64;
        rows += batch.rows();
        let (t, c) = (Instant::now(), cpu_time());
        store.import(batch).await.unwrap_or_else(|e| panic!("{e}"));
        import_time += t.elapsed();
        import_cpu += cpu_time().saturating_sub(c);
    }
    let t = Instant::now();
    store
        .finish_import()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let finish = t.elapsed();
    let total = wall.elapsed();
    let counts = store.counts().await.unwrap_or_else(|e| panic!("{e}"));
    println!("backend: {}", store.backend());
    println!("counts: {counts:?}");
    println!(
        "import: {rows} rows in {:.1} s of store time = {:.0} rows/s ({:.1} s CPU of this \
         process, i.e. {:.0} rows per CPU-second); finish_import {:.1} s; wall clock incl. \
         synthesis {:.1} s",
        import_time.as_secs_f64(),
        rows as f64 / import_time.as_secs_f64(),
        import_cpu.as_secs_f64(),
        rows as f64 / import_cpu.as_secs_f64(),
        finish.as_secs_f64(),
        total.as_secs_f64()
    );

    // 10,000 lookups, one at a time as a chat turn does, of NIKs that are almost always
    // absent: a real participant's district and serial with another birth date.
    let mut rng = Rng(99);
    let mut lat = Vec::with_capacity(10_000);
    let mut misses = 0;
    for _ in 0..10_000 {
        let id = 1 + rng.below(participants as u64) as i64;
        let (nik, _, _) = nik_of(id, &districts, &mut Rng(1));
        let t = Instant::now();
        let found = store
            .participant_by_nik(&nik)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        lat.push(t.elapsed());
        if found.is_none() {
            misses += 1;
        }
    }
    // 10,000 lookups of NIKs that exist, read back by id first.
    let mut hit_lat = Vec::with_capacity(10_000);
    let mut niks = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let id = 1 + rng.below(participants as u64) as i64;
        if let Some(p) = store
            .participant(ParticipantId(id))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
        {
            niks.push(p.nik);
        }
    }
    for nik in &niks {
        let t = Instant::now();
        let found = store
            .participant_by_nik(nik)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        hit_lat.push(t.elapsed());
        assert!(found.is_some());
    }
    lat.sort();
    hit_lat.sort();
    println!(
        "NIK lookup, existing ({}): p50 {:?}, p99 {:?}; absent ({misses}): p50 {:?}, p99 {:?}",
        hit_lat.len(),
        percentile(&hit_lat, 0.50),
        percentile(&hit_lat, 0.99),
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map(String::as_str).unwrap_or("sqlite");
    let participants: i64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    match backend {
        "sqlite" => {
            let path = args
                .get(1)
                .filter(|s| !s.is_empty() && *s != "-")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    std::env::temp_dir()
                        .join(format!("layan-bench-{}/layan.db", std::process::id()))
                });
            let _ = std::fs::remove_file(&path);
            let store = store_sqlite::SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
            run(Arc::new(store), participants).await;
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            println!(
                "file: {} ({:.0} MiB)",
                path.display(),
                size as f64 / 1_048_576.0
            );
        }
        "postgres" => {
            let admin = args
                .get(1)
                .filter(|s| !s.is_empty() && *s != "-")
                .cloned()
                .or_else(|| std::env::var("LAYAN_TEST_POSTGRES_URL").ok())
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("layan_bench_{}", std::process::id());
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            let store = store_postgres::PgStore::connect(&format!("{base}/{name}"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            run(Arc::new(store), participants).await;
            let _ = client
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await;
        }
        other => panic!("unknown backend {other}; use sqlite or postgres"),
    }
}

//! Families with their members, bills and payments.
//!
//! Each family draws its numbers from its own stream (seeded by the dataset seed and the
//! family id), so a family's content depends on nothing generated before it except the
//! uniqueness bookkeeping of NIK and family-card serials.

use crate::data::facts;
use crate::names::{FamilyNaming, Role};
use crate::network::RegionFktp;
use crate::regions::Regions;
use crate::rng::{mix64, Rng, Scramble, Stream, Weighted};
use chrono::{Datelike, NaiveDate};
use jkn::tariff::BillingBasis;
use jkn::{
    BilledMonth, CardNumber, CareClass, FamilyCardNumber, Msisdn, Nik, Payment, PaymentChannel,
    Rupiah, Segment, Sex, TariffTable, YearMonth,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use store::{Family, FamilyId, ImportBatch, Participant, ParticipantId, Relation};

/// How far back bills go: the current month and the 26 before it, so that "more than 24
/// months of arrears" can be seen in the data.
pub(crate) const LEDGER_MONTHS_BEFORE: i64 = 26;

/// The segment a family is drawn into; PPU is split because private and state employers
/// have different wages and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    PbiApbn,
    PbiApbd,
    PpuPrivate,
    PpuState,
    Pbpu,
    Bp,
}

impl Kind {
    pub(crate) fn segment(self) -> Segment {
        match self {
            Kind::PbiApbn => Segment::PbiApbn,
            Kind::PbiApbd => Segment::PbiApbd,
            Kind::PpuPrivate | Kind::PpuState => Segment::Ppu,
            Kind::Pbpu => Segment::Pbpu,
            Kind::Bp => Segment::Bp,
        }
    }
}

/// Shares of participants on 30 Sep 2025 (jkn-rules.md), per ten thousand, drawn per family.
/// BP households are smaller (mostly retired couples), so BP is drawn more often per family
/// to reach its share of people.
const KINDS: [(Kind, u64); 6] = [
    (Kind::PbiApbn, 4170),
    (Kind::PbiApbd, 2140),
    (Kind::PpuPrivate, 1540),
    (Kind::PpuState, 695),
    (Kind::Pbpu, 1180),
    (Kind::Bp, 510),
];

/// How a family that pays its own dues (PBPU/BP) stands at the reference date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrears {
    /// Every month before the current one is paid.
    Current,
    /// The last n months before the current one are unpaid (fewer if registered later).
    Behind(u32),
    /// Registered before the ledger window and nothing in it is paid.
    AllUnpaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Household {
    Random,
    /// Exactly these members, with safe ages (for the guaranteed personas).
    Fixed {
        spouse: bool,
        kids: u8,
        parent: bool,
    },
}

/// What the caller decides about a family; everything else is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub region: Option<usize>,
    pub district_code: Option<u32>,
    pub kind: Option<Kind>,
    pub class: Option<CareClass>,
    pub arrears: Option<Arrears>,
    /// For PPU: the employer stopped paying this many months before the current month
    /// (`Some(0)`: it never stopped; `None`: drawn at random).
    pub employer_stopped: Option<u32>,
    pub wage: Option<i64>,
    pub household: Household,
    pub head_phone: bool,
    pub head_email: bool,
    /// The family registered at least this many months before the reference month.
    pub registered_months_ago: Option<u32>,
    /// Pay the current month even if the drawn pay day is after the reference date.
    pub current_month_paid: bool,
    /// At most this many members (for the last family, to hit the requested total).
    pub max_members: usize,
}

impl Plan {
    pub(crate) fn random(max_members: usize) -> Self {
        Plan {
            region: None,
            district_code: None,
            kind: None,
            class: None,
            arrears: None,
            employer_stopped: None,
            wage: None,
            household: Household::Random,
            head_phone: false,
            head_email: false,
            registered_months_ago: None,
            current_month_paid: false,
            max_members,
        }
    }
}

/// How a family's dues get paid, as decided when the family is made.
#[derive(Debug, Clone, Copy)]
struct Payer {
    arrears: Option<Arrears>,
    stopped: Option<u32>,
    current_month_paid: bool,
}

/// A hasher for the small integer keys of the serial maps (a SplitMix64 finaliser):
/// std's SipHash is needlessly slow for a million lookups.
#[derive(Default)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        mix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

type SerialMap = HashMap<u32, u16, BuildHasherDefault<IntHasher>>;

#[derive(Debug, Clone, Copy)]
struct Member {
    relation: Relation,
    role: Role,
    sex: Sex,
    birth: i32,
    registered: i32,
}

impl Member {
    fn new(relation: Relation, role: Role, sex: Sex, birth: i32) -> Self {
        Member {
            relation,
            role,
            sex,
            birth,
            registered: 0,
        }
    }
}

fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or_default()
}

fn years(y: i32) -> i32 {
    y * 36524 / 100
}

/// Operators' mobile prefixes (after the leading 0), with rough market shares per mille.
/// 811 is left out: the generator gives it to branch offices.
const PREFIXES: [(&str, u64); 38] = [
    ("812", 110),
    ("813", 90),
    ("821", 60),
    ("822", 70),
    ("823", 30),
    ("851", 20),
    ("852", 70),
    ("853", 50),
    ("814", 10),
    ("815", 20),
    ("816", 20),
    ("855", 20),
    ("856", 40),
    ("857", 50),
    ("858", 40),
    ("817", 30),
    ("818", 30),
    ("819", 30),
    ("859", 20),
    ("877", 30),
    ("878", 30),
    ("831", 10),
    ("832", 10),
    ("833", 10),
    ("838", 10),
    ("895", 20),
    ("896", 20),
    ("897", 10),
    ("898", 10),
    ("899", 10),
    ("881", 5),
    ("882", 5),
    ("883", 5),
    ("885", 5),
    ("887", 5),
    ("888", 5),
    ("889", 5),
    ("884", 5),
];

const CHANNELS: [(PaymentChannel, u64); 6] = [
    (PaymentChannel::VirtualAccount, 28),
    (PaymentChannel::Autodebit, 12),
    (PaymentChannel::Minimarket, 20),
    (PaymentChannel::Ewallet, 15),
    (PaymentChannel::MobileJkn, 17),
    (PaymentChannel::PosIndonesia, 8),
];

const EMAIL_DOMAINS: [&str; 10] = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.co.id",
    "yahoo.com",
    "outlook.com",
];

/// Monthly wages as quantiles (per mille, rupiah), interpolated linearly: private employees
/// start near the lowest regional minimum wage; a few earn above the Rp12 million cap.
const PRIVATE_WAGES: [(u64, i64); 9] = [
    (0, 2_100_000),
    (100, 2_500_000),
    (250, 3_100_000),
    (500, 4_200_000),
    (750, 6_000_000),
    (900, 9_000_000),
    (960, 12_000_000),
    (990, 22_000_000),
    (1000, 45_000_000),
];
const STATE_WAGES: [(u64, i64); 8] = [
    (0, 2_800_000),
    (100, 3_600_000),
    (250, 4_400_000),
    (500, 5_600_000),
    (750, 7_200_000),
    (900, 9_500_000),
    (970, 12_000_000),
    (1000, 25_000_000),
];

fn wage_from(rng: &mut Rng, table: &[(u64, i64)]) -> i64 {
    let u = rng.below(1_000_000) as i64;
    for pair in table.windows(2) {
        let ((p0, w0), (p1, w1)) = (pair[0], pair[1]);
        let (p0, p1) = (p0 as i64 * 1000, p1 as i64 * 1000);
        if u < p1 {
            let w = w0 + (w1 - w0) * (u - p0) / (p1 - p0).max(1);
            return (w + 5_000) / 10_000 * 10_000;
        }
    }
    table.last().map(|(_, w)| *w).unwrap_or(4_000_000)
}

/// Per-dataset state for making families: the regions and first-level facilities, the
/// scramblers for card and phone numbers, and the serial maps that keep NIK and family-card
/// numbers unique.
pub(crate) struct FamilyMaker {
    seed: u64,
    regions: Regions,
    fktp: Vec<RegionFktp>,
    /// The first district index of each region in a dense numbering of all districts.
    district_base: Vec<u32>,
    as_of: NaiveDate,
    as_of_n: i32,
    month: YearMonth,
    jkn_start: i32,
    table: &'static TariffTable,
    first_tariff: YearMonth,
    cards: Scramble,
    phones: Scramble,
    kinds: Weighted,
    prefixes: Weighted,
    channels: Weighted,
    serials: SerialMap,
    next_participant: i64,
    next_payment: i64,
    members: Vec<Member>,
    name: String,
}

impl FamilyMaker {
    pub(crate) fn new(
        seed: u64,
        as_of: NaiveDate,
        regions: Regions,
        fktp: Vec<RegionFktp>,
    ) -> Self {
        let mut ids = Rng::for_item(seed, Stream::Identifiers, 0);
        let mut district_base = Vec::with_capacity(regions.list.len());
        let mut total = 0u32;
        for r in &regions.list {
            district_base.push(total);
            total += r.districts.len() as u32;
        }
        let table = TariffTable::standard();
        FamilyMaker {
            seed,
            fktp,
            district_base,
            as_of,
            as_of_n: day_number(as_of),
            month: YearMonth::of(as_of),
            jkn_start: day_number(NaiveDate::from_ymd_opt(2014, 1, 1).unwrap_or_default()),
            table,
            first_tariff: table
                .periods()
                .first()
                .map(|p| p.from)
                .unwrap_or(YearMonth::of(as_of)),
            cards: Scramble::new(&mut ids, 10_000_000_000),
            phones: Scramble::new(&mut ids, 100_000_000),
            kinds: Weighted::new(KINDS.iter().map(|(_, w)| *w)),
            prefixes: Weighted::new(PREFIXES.iter().map(|(_, w)| *w)),
            channels: Weighted::new(CHANNELS.iter().map(|(_, w)| *w)),
            serials: SerialMap::with_capacity_and_hasher(1 << 16, Default::default()),
            next_participant: 1,
            next_payment: 1,
            members: Vec::with_capacity(8),
            name: String::with_capacity(64),
            regions,
        }
    }

    /// A uniform day in `lo..=hi` (`lo` if empty).
    fn day_between(rng: &mut Rng, lo: i32, hi: i32) -> i32 {
        rng.range(i64::from(lo), i64::from(hi)) as i32
    }

    /// A birth date for someone aged between `min` and `max` full years at the reference date.
    fn birth_for_age(&self, rng: &mut Rng, min: i32, max: i32) -> i32 {
        let youngest = self.as_of_n - years(min);
        let oldest = self.as_of_n - years(max + 1) + 1;
        Self::day_between(rng, oldest, youngest)
    }

    /// Fills `self.members` (without registration dates) for a household.
    fn household(&mut self, rng: &mut Rng, kind: Kind, plan: &Plan) {
        let mut members = std::mem::take(&mut self.members);
        members.clear();
        match plan.household {
            Household::Fixed {
                spouse,
                kids,
                parent,
            } => {
                let head = self.birth_for_age(rng, 40, 46);
                members.push(Member::new(Relation::Kepala, Role::Head, Sex::Laki, head));
                let wife = head + years(rng.range(1, 4) as i32) + rng.range(0, 200) as i32;
                if spouse {
                    members.push(Member::new(
                        Relation::Istri,
                        Role::Spouse,
                        Sex::Perempuan,
                        wife,
                    ));
                }
                if parent {
                    let p = head - years(rng.range(24, 30) as i32) - rng.range(0, 300) as i32;
                    members.push(Member::new(
                        Relation::OrangTua,
                        Role::Parent,
                        Sex::Perempuan,
                        p,
                    ));
                }
                for i in 0..kids {
                    // Born at the mother's ages 23, 27, 31...: always before the reference date.
                    let birth = wife + years(23 + 4 * i32::from(i)) + rng.range(0, 300) as i32;
                    let sex = if rng.chance(500) {
                        Sex::Laki
                    } else {
                        Sex::Perempuan
                    };
                    members.push(Member::new(Relation::Anak, Role::Child(i + 1), sex, birth));
                }
            }
            Household::Random => {
                let max = plan.max_members.clamp(1, 6);
                // 0 single, 1 couple, 2 couple with children, 3 single parent.
                let shape = match kind {
                    Kind::Bp => [300, 550, 150, 0],
                    Kind::PpuPrivate | Kind::PpuState => [80, 80, 780, 60],
                    _ => [70, 70, 730, 130],
                };
                let shape = rng.weighted(&shape);
                let (min_age, max_age) = match kind {
                    Kind::Bp => (56, 84),
                    Kind::PpuPrivate | Kind::PpuState => (21, 56),
                    _ => (20, 75),
                };
                if shape == 0 {
                    let elderly = kind != Kind::PpuPrivate
                        && kind != Kind::PpuState
                        && (kind == Kind::Bp || rng.chance(300));
                    let (lo, hi, female) = if elderly {
                        (60.max(min_age), 88, 600)
                    } else {
                        (min_age.max(19), 35.min(max_age), 420)
                    };
                    let sex = if rng.chance(female) {
                        Sex::Perempuan
                    } else {
                        Sex::Laki
                    };
                    let b = self.birth_for_age(rng, lo, hi);
                    members.push(Member::new(Relation::Kepala, Role::Head, sex, b));
                } else {
                    // Head's age: a sum of two uniforms peaks in the middle of the range.
                    let span = i64::from(max_age - min_age);
                    let age = min_age + ((rng.range(0, span) + rng.range(0, span)) / 2) as i32;
                    let single_parent = shape == 3;
                    let head_sex = if single_parent && rng.chance(750) {
                        Sex::Perempuan
                    } else {
                        Sex::Laki
                    };
                    let head = self.birth_for_age(rng, age, age);
                    members.push(Member::new(Relation::Kepala, Role::Head, head_sex, head));
                    let mother = if single_parent {
                        if head_sex == Sex::Perempuan {
                            head
                        } else {
                            head + years(3)
                        }
                    } else {
                        let gap = if rng.chance(100) {
                            -(rng.range(0, 3) as i32)
                        } else {
                            rng.range(0, 8) as i32
                        };
                        let wife = head + years(gap) + rng.range(-150, 150) as i32;
                        if max > 1 {
                            members.push(Member::new(
                                Relation::Istri,
                                Role::Spouse,
                                Sex::Perempuan,
                                wife,
                            ));
                        }
                        wife
                    };
                    let adults = members.len();
                    let parent = adults < max
                        && shape != 1
                        && age <= 62
                        && rng.chance(if kind == Kind::Bp { 0 } else { 100 });
                    let room = max.saturating_sub(adults + usize::from(parent));
                    if shape >= 2 && room > 0 {
                        // Births over the mother's life, then those still at home (25 or
                        // younger); the oldest leave first when there is no room.
                        let lifetime = rng.weighted(&[15, 33, 28, 15, 9]) + 1;
                        let mut births = [0i32; 5];
                        let mut count = 0;
                        let mut t =
                            mother + years(rng.range(19, 31) as i32) + rng.range(0, 364) as i32;
                        while count < lifetime && t <= self.as_of_n {
                            births[count] = t;
                            count += 1;
                            t += rng.range(18 * 30, 72 * 30) as i32;
                        }
                        // Births are in date order, so those at home are the last ones.
                        let home = births[..count]
                            .iter()
                            .position(|b| self.as_of_n - b < years(26))
                            .unwrap_or(count);
                        let first = home.max(count.saturating_sub(room));
                        for (order, &birth) in births.iter().enumerate().take(count).skip(first) {
                            let sex = if rng.chance(510) {
                                Sex::Laki
                            } else {
                                Sex::Perempuan
                            };
                            members.push(Member::new(
                                Relation::Anak,
                                Role::Child(order as u8 + 1),
                                sex,
                                birth,
                            ));
                        }
                    }
                    if parent {
                        let p = head - years(rng.range(22, 38) as i32) - rng.range(0, 364) as i32;
                        let p = p.max(self.as_of_n - years(96));
                        let sex = if rng.chance(650) {
                            Sex::Perempuan
                        } else {
                            Sex::Laki
                        };
                        members.push(Member::new(Relation::OrangTua, Role::Parent, sex, p));
                    }
                }
            }
        }
        self.members = members;
    }

    fn msisdn(&self, rng: &mut Rng, participant: i64) -> Option<Msisdn> {
        let prefix = PREFIXES[self.prefixes.sample(rng)].0;
        let mut s = String::with_capacity(16);
        s.push_str("62");
        s.push_str(prefix);
        let _ = write!(s, "{:08}", self.phones.apply(participant as u64));
        Msisdn::parse(&s).ok()
    }

    fn email(rng: &mut Rng, name: &str, birth_year: i32) -> String {
        let mut local = String::with_capacity(32);
        let words: Vec<&str> = name
            .split(' ')
            .filter(|w| w.len() > 2 && !w.ends_with('.'))
            .collect();
        let first = words.first().copied().unwrap_or("user");
        let last = words.last().copied().unwrap_or("jkn");
        let ascii = |w: &str, out: &mut String| {
            out.extend(
                w.chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_lowercase()),
            )
        };
        ascii(first, &mut local);
        if words.len() > 1 {
            if rng.chance(500) {
                local.push('.');
            }
            ascii(last, &mut local);
        }
        match rng.below(3) {
            0 => {
                let _ = write!(local, "{:02}", birth_year.rem_euclid(100));
            }
            1 => {
                let _ = write!(local, "{}", rng.range(1, 999));
            }
            _ => {}
        }
        let domain = rng.pick(&EMAIL_DOMAINS).copied().unwrap_or("gmail.com");
        local.push('@');
        local.push_str(domain);
        local
    }

    fn employer(&self, rng: &mut Rng, kind: Kind, region: usize, district: &str) -> String {
        let r = &self.regions.list[region];
        let short = r.short_name();
        if kind == Kind::PpuState {
            return match rng.below(20) {
                0..=6 => format!("Pemerintah {} {short}", r.long_kind()),
                7 | 8 => format!("Pemerintah Provinsi {}", r.province.name),
                9 | 10 => format!("Dinas Pendidikan {} {short}", r.long_kind()),
                11 => format!("Dinas Kesehatan {} {short}", r.long_kind()),
                12 => format!("Kementerian Agama {} {short}", r.long_kind()),
                13 => format!("Kepolisian Resor {short}"),
                14 => format!("Komando Distrik Militer {short}"),
                15 => format!("Pengadilan Negeri {short}"),
                16 => format!("Kantor Pelayanan Pajak Pratama {short}"),
                17 => format!("Kantor Kecamatan {district}"),
                _ => format!("Pemerintah Desa, Kec. {district}"),
            };
        }
        let w = &facts().words;
        let pick = |rng: &mut Rng, section: &str| rng.pick(w.get(section)).copied().unwrap_or("");
        let prefix = pick(rng, "company_prefix");
        let a = pick(rng, "company_word");
        let mut b = pick(rng, "company_word");
        if a == b {
            b = pick(rng, "company_word");
        }
        let mut s = format!("{prefix} {a} {b}");
        if prefix == "PT" && rng.chance(400) {
            s.push(' ');
            s.push_str(pick(rng, "company_sector"));
        }
        s
    }

    /// One family, appended to the batch.
    pub(crate) fn make(&mut self, family_id: i64, plan: &Plan, batch: &mut ImportBatch) {
        let mut rng = Rng::for_item(self.seed, Stream::Family, family_id as u64);
        let region = plan.region.unwrap_or_else(|| self.regions.sample(&mut rng));
        let kind = plan
            .kind
            .unwrap_or_else(|| KINDS[self.kinds.sample(&mut rng)].0);
        let segment = kind.segment();

        let (district_pos, district) = {
            let r = &self.regions.list[region];
            let pos = plan
                .district_code
                .and_then(|code| r.districts.iter().position(|d| d.code == code))
                .unwrap_or_else(|| rng.index(r.districts.len()));
            (pos, r.districts[pos])
        };
        let district_key = self.district_base[region] + district_pos as u32;

        self.household(&mut rng, kind, plan);
        let head_birth = self
            .members
            .first()
            .map(|m| m.birth)
            .unwrap_or(self.as_of_n);

        // How the family pays, decided first because it bounds the registration date: a
        // family n months behind must have been billed for at least n months.
        let arrears = segment.pays_own_dues().then(|| {
            plan.arrears
                .unwrap_or_else(|| match rng.weighted(&[550, 150, 170, 130]) {
                    0 => Arrears::Current,
                    1 => Arrears::Behind(rng.range(1, 3) as u32),
                    2 => Arrears::Behind(rng.range(4, 24) as u32),
                    _ => Arrears::AllUnpaid,
                })
        });
        let stopped = (segment == Segment::Ppu)
            .then(|| {
                plan.employer_stopped
                    .or_else(|| rng.chance(40).then(|| rng.range(1, 12) as u32))
            })
            .flatten()
            .filter(|months| *months > 0);

        // Registration: JKN began on 1 January 2014, when the earlier schemes (Jamkesmas for
        // the poor, Askes for civil servants) were migrated in one go.
        let migrated = match kind {
            Kind::PbiApbn => rng.chance(450),
            Kind::PpuState => rng.chance(400),
            _ => false,
        };
        let months_ago = [
            plan.registered_months_ago.map(i64::from),
            match arrears {
                Some(Arrears::AllUnpaid) => Some(LEDGER_MONTHS_BEFORE + 1),
                Some(Arrears::Behind(n)) => Some(i64::from(n)),
                _ => None,
            },
            stopped.map(i64::from),
        ]
        .into_iter()
        .flatten()
        .max();
        let reg_hi = match months_ago {
            Some(m) => day_number(self.month.add_months(-m).first_day()),
            None => self.as_of_n,
        };
        let reg_lo = self.jkn_start.max(head_birth + years(17)).min(reg_hi);
        let registered = if migrated && self.jkn_start >= reg_lo {
            self.jkn_start.min(reg_hi)
        } else {
            Self::day_between(&mut rng, reg_lo, reg_hi)
        };
        for m in &mut self.members {
            m.registered = if m.birth <= registered {
                registered
            } else {
                // Newborns are registered within 28 days of birth.
                (m.birth + rng.range(0, 27) as i32).min(self.as_of_n)
            };
        }

        let class =
            plan.class.unwrap_or(match kind {
                Kind::PbiApbn | Kind::PbiApbd => CareClass::Three,
                Kind::PpuPrivate | Kind::PpuState => CareClass::Two,
                Kind::Pbpu => [CareClass::Three, CareClass::Two, CareClass::One]
                    [rng.weighted(&[580, 220, 200])],
                Kind::Bp => [CareClass::Three, CareClass::Two, CareClass::One]
                    [rng.weighted(&[400, 300, 300])],
            });
        let (wage, class) = match kind {
            Kind::PpuPrivate | Kind::PpuState => {
                let table: &[(u64, i64)] = if kind == Kind::PpuState {
                    &STATE_WAGES
                } else {
                    &PRIVATE_WAGES
                };
                let wage = plan.wage.unwrap_or_else(|| wage_from(&mut rng, table));
                // Class 2 up to Rp4 million, class 1 above (Perpres 82/2018 Pasal 23).
                let class = plan.class.unwrap_or(if wage <= 4_000_000 {
                    CareClass::Two
                } else {
                    CareClass::One
                });
                (Some(Rupiah(wage)), class)
            }
            _ => (None, class),
        };
        let employer = matches!(kind, Kind::PpuPrivate | Kind::PpuState)
            .then(|| self.employer(&mut rng, kind, region, district.name));

        // Class changes need 12 months in the current class; FKTP changes 3 months.
        let class_since = if segment.pays_own_dues() && rng.chance(150) {
            Self::day_between(&mut rng, registered + 366, self.as_of_n).min(self.as_of_n)
        } else {
            registered
        };
        let fktp = &self.fktp[region];
        let fktp_id = match rng.below(100) {
            0..=59 => fktp.puskesmas_of(district.code),
            60..=84 => rng.pick(&fktp.clinics).copied(),
            _ => rng.pick(&fktp.doctors).copied(),
        }
        .or_else(|| fktp.puskesmas_of(district.code));
        let fktp_since = if rng.chance(350) {
            Self::day_between(&mut rng, registered + 92, self.as_of_n).min(self.as_of_n)
        } else {
            registered
        };

        // Identifiers. The family card was last reissued after its youngest member was born.
        let family = FamilyId(family_id);
        let youngest = self
            .members
            .iter()
            .map(|m| m.birth)
            .max()
            .unwrap_or(head_birth);
        let kk_lo = youngest
            .max(head_birth + years(17))
            .max(day_number(
                NaiveDate::from_ymd_opt(2005, 1, 1).unwrap_or_default(),
            ))
            .min(self.as_of_n);
        let kk_day = Self::day_between(&mut rng, kk_lo, self.as_of_n);
        let (kk_day, kk_serial) = self.unique_serial(district_key, kk_day, true);
        let kk_date = date(kk_day);
        let Ok(kk_number) = FamilyCardNumber::parse(&format!(
            "{:06}{:02}{:02}{:02}{:04}",
            district.code,
            kk_date.day(),
            kk_date.month(),
            kk_date.year().rem_euclid(100),
            kk_serial
        )) else {
            // Cannot happen: the district comes from the same table the parser checks.
            return;
        };
        let culture = self.regions.list[region].culture(&mut rng);
        let mut naming = FamilyNaming::new(&mut rng, culture);
        let first_participant = batch.participants.len();
        let members = std::mem::take(&mut self.members);
        for (i, m) in members.iter().enumerate() {
            let id = self.next_participant;
            self.next_participant += 1;
            let (birth, serial) = self.unique_serial(district_key, m.birth, false);
            let birth_date = date(birth);
            let nik = match Nik::compose(district.code, birth_date, m.sex, serial) {
                Ok(n) => n,
                // Cannot happen: the district exists and the serial is 1..=9999.
                Err(_) => continue,
            };
            let card = match CardNumber::parse(&format!("000{:010}", self.cards.apply(id as u64))) {
                Ok(c) => c,
                Err(_) => continue,
            };
            // Siblings (and a child and a parent) do not share a whole name.
            for _ in 0..5 {
                naming.write_name(&mut self.name, &mut rng, m.role, m.sex, birth_date.year());
                let taken = batch.participants[first_participant..]
                    .iter()
                    .any(|p| p.name == self.name);
                if !taken {
                    break;
                }
            }
            let age = (self.as_of_n - birth) / 365;
            let phone_per_mille = match m.relation {
                Relation::Kepala => match segment {
                    Segment::Ppu => 960,
                    Segment::PbiApbn | Segment::PbiApbd => 780,
                    _ => 900,
                },
                Relation::Istri | Relation::Suami => 700,
                Relation::OrangTua => 300,
                _ if age >= 15 => 550,
                _ => 0,
            };
            let forced = i == 0 && plan.head_phone;
            let phone = if forced || (age >= 15 && rng.chance(phone_per_mille)) {
                self.msisdn(&mut rng, id)
            } else {
                None
            };
            let email_per_mille = if i == 0 { 120 } else { 50 };
            let email = if (i == 0 && plan.head_email)
                || (phone.is_some() && age >= 17 && rng.chance(email_per_mille))
            {
                Some(Self::email(&mut rng, &self.name, birth_date.year()))
            } else {
                None
            };
            let registered_on = date(m.registered);
            batch.participants.push(Participant {
                id: ParticipantId(id),
                family_id: family,
                relation: m.relation,
                nik,
                card_number: card,
                name: self.name.clone(),
                sex: m.sex,
                birth_date,
                phone,
                email,
                district_code: district.code,
                segment,
                class,
                class_since: date(class_since.max(m.registered)),
                fktp_id,
                fktp_since: fktp_id.map(|_| date(fktp_since.max(m.registered))),
                registered_on,
            });
        }

        let head_card = batch
            .participants
            .get(first_participant)
            .map(|p| p.card_number.expose())
            .unwrap_or("0000000000000");
        // Virtual accounts are a bank prefix and the head's card number.
        let virtual_account = format!("88888{}", head_card.get(2..).unwrap_or("00000000000"));
        batch.families.push(Family {
            id: family,
            kk_number,
            segment,
            class,
            virtual_account,
            wage,
            employer,
            district_code: district.code,
        });

        let payer = Payer {
            arrears,
            stopped,
            current_month_paid: plan.current_month_paid,
        };
        self.ledger(
            &mut rng, family, segment, class, wage, &members, registered, payer, batch,
        );
        self.members = members;
    }

    /// A serial 1..=9999 unused for this district and day (a birth date for NIKs, an issue
    /// date for family cards); moves to the next day in the rare case all are used.
    fn unique_serial(&mut self, district_key: u32, mut day: i32, family_card: bool) -> (i32, u16) {
        let base = day_number(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default());
        loop {
            let offset = (day - base).clamp(0, (1 << 17) - 1) as u32;
            let key = (district_key << 18) | (u32::from(family_card) << 17) | offset;
            let next = self.serials.entry(key).or_insert(0);
            if *next < 9999 {
                *next += 1;
                return (day, *next);
            }
            day += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ledger(
        &mut self,
        rng: &mut Rng,
        family: FamilyId,
        segment: Segment,
        class: CareClass,
        wage: Option<Rupiah>,
        members: &[Member],
        registered: i32,
        payer: Payer,
        batch: &mut ImportBatch,
    ) {
        // One bill a month from registration (at most 26 months back) to the current month;
        // a member counts from the month of their registration.
        let start = YearMonth::of(date(registered))
            .max(self.month.add_months(-LEDGER_MONTHS_BEFORE))
            .max(self.first_tariff);
        let first_bill = batch.bills.len();
        for period in start.through(self.month) {
            let last = day_number(period.last_day());
            let count = members.iter().filter(|m| m.registered <= last).count() as u32;
            let basis = BillingBasis {
                segment,
                class,
                members: count.max(1),
                wage: wage.unwrap_or(Rupiah::ZERO),
            };
            if let Ok(dues) = self.table.dues(period, basis) {
                batch.bills.push((
                    family,
                    BilledMonth::from_dues(period, segment, basis.members, dues),
                ));
            }
        }
        let bills = batch.bills.len() - first_bill;
        if bills == 0 || segment.is_pbi() {
            // PBI dues are paid by the government in bulk, outside family accounts.
            return;
        }
        let before = bills - 1; // bills before the current month
                                // Nothing is paid before the family registered.
        let reg_date = date(registered);
        let reg_month = YearMonth::of(reg_date);
        let not_before_registration = |period: YearMonth, day: u32| {
            if period == reg_month {
                day.max(reg_date.day())
            } else {
                day
            }
        };

        if segment == Segment::Ppu {
            let paid_until = match payer.stopped {
                Some(s) => before.saturating_sub(s as usize),
                None => bills,
            };
            for i in 0..paid_until {
                let bill = batch.bills[first_bill + i].1;
                // Employers remit by the 10th; a few are some days late.
                let day = if rng.chance(950) {
                    rng.range(1, 10)
                } else {
                    rng.range(11, 15)
                } as u32;
                let day = not_before_registration(bill.period, day);
                let Some(day) = self.pay_day(i == before, day, payer.current_month_paid) else {
                    break;
                };
                self.pay(
                    batch,
                    family,
                    bill.period.day(day),
                    PaymentChannel::Employer,
                    bill.amount,
                    bill.period,
                );
            }
            return;
        }

        let arrears = payer.arrears.unwrap_or(Arrears::Current);
        let unpaid_before = match arrears {
            Arrears::Current => 0,
            Arrears::Behind(n) => (n as usize).min(before),
            Arrears::AllUnpaid => before,
        };
        let paid_before = before - unpaid_before;
        let preferred = CHANNELS[self.channels.sample(rng)].0;
        // Some paying families once fell behind for a few months and caught up with one
        // payment: realistic, and consistent with oldest-first settlement.
        let catch_up = if arrears == Arrears::Current && paid_before >= 6 && rng.chance(150) {
            let len = rng.range(2, 4) as usize;
            let s = rng.below((paid_before - len) as u64) as usize;
            Some(s..s + len)
        } else {
            None
        };
        // A family in arrears cannot pay the current month alone: a payment settles the
        // oldest unpaid month first.
        let upto = if unpaid_before == 0 {
            bills
        } else {
            paid_before
        };
        let mut owed = Rupiah::ZERO;
        for i in 0..upto {
            let bill = batch.bills[first_bill + i].1;
            owed += bill.amount;
            if catch_up.as_ref().is_some_and(|r| r.contains(&i)) {
                continue;
            }
            // Most pay before the 10th; some later in the month.
            let day = match rng.below(10) {
                0..=6 => rng.range(1, 10),
                7 | 8 => rng.range(11, 20),
                _ => rng.range(21, 28),
            } as u32;
            let day = not_before_registration(bill.period, day);
            let Some(day) = self.pay_day(i == before, day, payer.current_month_paid) else {
                break;
            };
            let channel = if rng.chance(850) {
                preferred
            } else {
                CHANNELS[self.channels.sample(rng)].0
            };
            if owed > Rupiah::ZERO {
                self.pay(
                    batch,
                    family,
                    bill.period.day(day),
                    channel,
                    owed,
                    bill.period,
                );
            }
            owed = Rupiah::ZERO;
        }
    }

    /// The day of the month a payment is made, or None for a current-month payment that would
    /// fall after the reference date (not paid yet; it is due by the 10th).
    fn pay_day(&self, current: bool, day: u32, force: bool) -> Option<u32> {
        let today = self.as_of.day();
        match (current, day <= today, force) {
            (false, _, _) | (true, true, _) => Some(day),
            (true, false, true) => Some(today),
            (true, false, false) => None,
        }
    }

    fn pay(
        &mut self,
        batch: &mut ImportBatch,
        family: FamilyId,
        paid_on: NaiveDate,
        channel: PaymentChannel,
        amount: Rupiah,
        period: YearMonth,
    ) {
        let id = self.next_payment;
        self.next_payment += 1;
        batch.payments.push((
            family,
            Payment {
                id,
                paid_on,
                channel,
                amount,
                for_period: Some(period),
            },
        ));
    }

    pub(crate) fn participants_made(&self) -> u64 {
        (self.next_participant - 1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wages_follow_the_quantile_table() {
        let mut rng = Rng::from_seed(11);
        let mut wages: Vec<i64> = (0..10_000)
            .map(|_| wage_from(&mut rng, &PRIVATE_WAGES))
            .collect();
        wages.sort_unstable();
        let median = wages[5_000];
        assert!((3_900_000..4_500_000).contains(&median), "{median}");
        let above_cap = wages.iter().filter(|w| **w > 12_000_000).count();
        assert!((250..600).contains(&above_cap), "{above_cap}");
        assert!(wages.iter().all(|w| w % 10_000 == 0 && *w >= 2_100_000));
    }

    #[test]
    fn the_prefix_table_never_uses_the_office_range() {
        assert!(PREFIXES
            .iter()
            .all(|(p, _)| *p != "811" && p.starts_with('8')));
    }
}

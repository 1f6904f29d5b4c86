//! The national network: branch offices and health facilities. It does not grow with the
//! number of participants: the real network is the same whatever the size of the demo.

use crate::data::facts;
use crate::names::{FamilyNaming, Role};
use crate::regions::{distance2_km, scatter, Region, Regions};
use crate::rng::{Rng, Stream};
use directory::{DayHours, FacilityKind, HospitalClass, WeeklyHours};
use jkn::{Msisdn, Sex};
use std::collections::HashMap;
use std::fmt::Write as _;
use store::{Facility, FacilityId, Office, OfficeId};

/// About how many branch offices the real JKN runs for its 514 regencies.
const TARGET_OFFICES: f64 = 128.0;

/// The first-level facilities of one regency where its residents can register.
#[derive(Debug, Default)]
pub(crate) struct RegionFktp {
    /// (district code, puskesmas), sorted by district code.
    pub puskesmas: Vec<(u32, FacilityId)>,
    pub clinics: Vec<FacilityId>,
    pub doctors: Vec<FacilityId>,
}

impl RegionFktp {
    pub(crate) fn puskesmas_of(&self, district_code: u32) -> Option<FacilityId> {
        self.puskesmas
            .binary_search_by_key(&district_code, |(d, _)| *d)
            .ok()
            .map(|i| self.puskesmas[i].1)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Network {
    pub offices: Vec<Office>,
    pub facilities: Vec<Facility>,
    /// Aligned with `Regions::list`.
    pub fktp: Vec<RegionFktp>,
}

fn minutes(h: u16, m: u16) -> u16 {
    h * 60 + m
}

fn day(open: u16, close: u16) -> Option<DayHours> {
    DayHours::new(open, close)
}

/// The same hours Monday to Saturday (closed on Sunday unless `sunday` is given).
fn mon_sat(open: u16, close: u16, sunday: Option<DayHours>) -> WeeklyHours {
    let d = day(open, close);
    WeeklyHours::new([d, d, d, d, d, d, sunday])
}

fn every_day(open: u16, close: u16) -> WeeklyHours {
    WeeklyHours::new([day(open, close); 7])
}

/// A landline in local notation: "(0331) 421234". Jakarta-area numbers have 8 digits, other
/// 3-digit areas 7, the rest 6.
pub(crate) fn landline(rng: &mut Rng, area_code: &str) -> String {
    let digits = match area_code.len() {
        3 if area_code == "021" => 8,
        3 => 7,
        _ => 6,
    };
    let mut s = String::with_capacity(20);
    s.push('(');
    s.push_str(area_code);
    s.push_str(") ");
    s.push(char::from(b'3' + rng.below(6) as u8));
    for _ in 1..digits {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

/// "Jl. Gajah Mada No. 17"
fn street_address(rng: &mut Rng, out: &mut String) {
    let street = rng.pick(&facts().streets).copied().unwrap_or("Merdeka");
    let _ = write!(out, "Jl. {street} No. {}", rng.range(1, 250));
}

fn words(section: &str) -> &'static [&'static str] {
    facts().words.get(section)
}

fn pick_word(rng: &mut Rng, section: &str) -> &'static str {
    rng.pick(words(section)).copied().unwrap_or("Sehat")
}

fn polyclinics(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

const RS_D: [&str; 4] = [
    "Poli Penyakit Dalam",
    "Poli Anak",
    "Poli Bedah",
    "Poli Kebidanan dan Kandungan",
];
const RS_C: [&str; 7] = [
    "Poli Mata",
    "Poli THT",
    "Poli Saraf",
    "Poli Kulit dan Kelamin",
    "Poli Gigi",
    "Poli Jiwa",
    "Poli Rehabilitasi Medik",
];
const RS_B: [&str; 6] = [
    "Poli Jantung",
    "Poli Paru",
    "Poli Orthopedi",
    "Poli Urologi",
    "Poli Bedah Saraf",
    "Poli Gizi Klinik",
];
const RS_A: [&str; 5] = [
    "Poli Onkologi",
    "Poli Hematologi",
    "Poli Bedah Anak",
    "Poli Bedah Plastik",
    "Poli Geriatri",
];

fn hospital_polyclinics(class: HospitalClass) -> Vec<String> {
    let mut v = polyclinics(&RS_D);
    if matches!(
        class,
        HospitalClass::A | HospitalClass::B | HospitalClass::C
    ) {
        v.extend(polyclinics(&RS_C));
    }
    if matches!(class, HospitalClass::A | HospitalClass::B) {
        v.extend(polyclinics(&RS_B));
    }
    if class == HospitalClass::A {
        v.extend(polyclinics(&RS_A));
    }
    v
}

struct FacilityBuilder<'a> {
    rng: Rng,
    facilities: Vec<Facility>,
    serials: HashMap<(u16, char), u32>,
    regions: &'a Regions,
    /// A made-up centre for each district of the region being built (the reference data
    /// has coordinates for regencies only), so that a facility lies near the others of its
    /// district and its address matches its place on the map.
    district_points: Vec<(f64, f64)>,
    /// The district nearest the regency's centre: the town, where hospitals cluster.
    town: usize,
    /// Names already given in the region being built.
    names: Vec<String>,
}

/// How far district centres lie from the regency's centre, and facilities from their
/// district's centre, as fractions of the regency's radius (together at most 1).
const DISTRICT_SPREAD: f64 = 0.8;
const FACILITY_SPREAD: f64 = 0.2;

impl FacilityBuilder<'_> {
    fn code(&mut self, regency: u16, letter: char) -> String {
        let serial = self.serials.entry((regency, letter)).or_insert(0);
        *serial += 1;
        format!("{regency:04}{letter}{serial:03}")
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        region: &Region,
        district_pos: usize,
        kind: FacilityKind,
        hospital_class: Option<HospitalClass>,
        name: String,
        address: String,
        hours: WeeklyHours,
        polyclinics: Vec<String>,
    ) -> FacilityId {
        let id = FacilityId(self.facilities.len() as i64 + 1);
        let letter = match kind {
            FacilityKind::Puskesmas => 'P',
            FacilityKind::KlinikPratama => 'K',
            FacilityKind::DokterPraktikPerorangan => 'D',
            FacilityKind::DokterGigi => 'G',
            FacilityKind::RumahSakit => 'R',
            FacilityKind::Apotek => 'A',
            FacilityKind::Optik => 'O',
        };
        let code = self.code(region.code(), letter);
        let (lat, lon) = self
            .district_points
            .get(district_pos)
            .copied()
            .unwrap_or((region.regency.latitude, region.regency.longitude));
        let (latitude, longitude) =
            scatter(&mut self.rng, lat, lon, region.radius_km * FACILITY_SPREAD);
        let phone = landline(&mut self.rng, region.area_code);
        self.facilities.push(Facility {
            id,
            code,
            name,
            kind,
            tier: kind.tier(),
            hospital_class,
            regency_code: region.code(),
            district_code: region.districts[district_pos].code,
            address,
            latitude,
            longitude,
            phone,
            hours,
            polyclinics,
        });
        id
    }

    /// A district for a new facility: anywhere, or (for hospitals, pharmacies and
    /// opticians) mostly the town.
    fn district_for(&mut self, region: &Region, in_town: bool) -> usize {
        if in_town && self.rng.chance(600) {
            self.town
        } else {
            self.rng.index(region.districts.len())
        }
    }

    /// `name` if unused in this region, else tried again (twice), else numbered.
    fn unique_name(&mut self, mut make: impl FnMut(&mut Rng) -> String) -> String {
        let mut name = make(&mut self.rng);
        for _ in 0..2 {
            if !self.names.contains(&name) {
                break;
            }
            name = make(&mut self.rng);
        }
        if self.names.contains(&name) {
            let mut n = 2;
            while self.names.contains(&format!("{name} {n}")) {
                n += 1;
            }
            name = format!("{name} {n}");
        }
        self.names.push(name.clone());
        name
    }

    fn address_in(&mut self, region: &Region, district_pos: usize) -> String {
        let mut a = String::with_capacity(64);
        street_address(&mut self.rng, &mut a);
        let _ = write!(a, ", Kec. {}", region.districts[district_pos].name);
        a
    }

    fn doctor_name(&mut self, region: &Region, title: &str) -> String {
        let culture = region.culture(&mut self.rng);
        let mut naming = FamilyNaming::new(&mut self.rng, culture);
        let sex = if self.rng.chance(550) {
            Sex::Perempuan
        } else {
            Sex::Laki
        };
        let year = self.rng.range(1960, 1995) as i32;
        let mut name = String::with_capacity(40);
        naming.write_name(&mut name, &mut self.rng, Role::Head, sex, year);
        let mut full = String::with_capacity(name.len() + 8);
        full.push_str(title);
        full.push(' ');
        full.push_str(&name);
        full
    }

    fn region_facilities(&mut self, index: usize, capital_city: bool) -> RegionFktp {
        let regions = self.regions;
        let region = &regions.list[index];
        let w = region.population as f64 / 1_000_000.0;
        let short = region.short_name();
        let mut fktp = RegionFktp::default();

        let centre = (region.regency.latitude, region.regency.longitude);
        self.district_points.clear();
        for _ in &region.districts {
            let p = scatter(
                &mut self.rng,
                centre.0,
                centre.1,
                region.radius_km * DISTRICT_SPREAD,
            );
            self.district_points.push(p);
        }
        self.town = (0..self.district_points.len())
            .min_by(|&a, &b| {
                distance2_km(self.district_points[a], centre)
                    .total_cmp(&distance2_km(self.district_points[b], centre))
            })
            .unwrap_or(0);
        self.names.clear();

        // One puskesmas per district, open weekday mornings and Saturday morning.
        let puskesmas_hours = WeeklyHours::new([
            day(minutes(7, 30), minutes(14, 0)),
            day(minutes(7, 30), minutes(14, 0)),
            day(minutes(7, 30), minutes(14, 0)),
            day(minutes(7, 30), minutes(14, 0)),
            day(minutes(7, 30), minutes(11, 0)),
            day(minutes(7, 30), minutes(12, 30)),
            None,
        ]);
        for (pos, district) in region.districts.iter().enumerate() {
            let address = if self.rng.chance(500) {
                format!(
                    "Jl. Raya {} No. {}, Kec. {}",
                    district.name,
                    self.rng.range(1, 150),
                    district.name
                )
            } else {
                self.address_in(region, pos)
            };
            let mut polys = polyclinics(&["Poli Umum", "Poli Gigi", "Poli KIA", "Poli KB"]);
            if self.rng.chance(600) {
                polys.push("Poli Lansia".into());
            }
            if self.rng.chance(500) {
                polys.push("Poli MTBS".into());
            }
            if self.rng.chance(300) {
                polys.push("Poli Gizi".into());
            }
            let name = self.unique_name(|_| format!("Puskesmas {}", district.name));
            let id = self.add(
                region,
                pos,
                FacilityKind::Puskesmas,
                None,
                name,
                address,
                puskesmas_hours,
                polys,
            );
            fktp.puskesmas.push((district.code, id));
        }
        fktp.puskesmas.sort_unstable_by_key(|(d, _)| *d);

        let count = |base: f64, per_million: f64| (base + per_million * w).round() as u32;

        for _ in 0..count(2.0, 5.0) {
            let pos = self.district_for(region, false);
            let name = self.unique_name(|rng| {
                let mut name = format!("Klinik Pratama {}", pick_word(rng, "klinik"));
                if rng.chance(300) {
                    name.push(' ');
                    name.push_str(short);
                }
                name
            });
            let hours = match self.rng.below(10) {
                0 => WeeklyHours::always(),
                1 | 2 => every_day(minutes(8, 0), minutes(20, 0)),
                _ => mon_sat(
                    minutes(7, 0),
                    minutes(21, 0),
                    day(minutes(8, 0), minutes(12, 0)),
                ),
            };
            let mut polys = polyclinics(&["Poli Umum"]);
            if self.rng.chance(700) {
                polys.push("Poli Gigi".into());
            }
            if self.rng.chance(500) {
                polys.push("Poli KIA".into());
            }
            let address = self.address_in(region, pos);
            let id = self.add(
                region,
                pos,
                FacilityKind::KlinikPratama,
                None,
                name,
                address,
                hours,
                polys,
            );
            fktp.clinics.push(id);
        }

        for _ in 0..count(1.0, 4.0) {
            let pos = self.district_for(region, false);
            let name = self.doctor_name(region, "dr.");
            let name = self.unique_name(|_| name.clone());
            let hours = if self.rng.chance(600) {
                mon_sat(minutes(16, 0), minutes(21, 0), None)
            } else {
                mon_sat(minutes(8, 0), minutes(20, 0), None)
            };
            let address = self.address_in(region, pos);
            let id = self.add(
                region,
                pos,
                FacilityKind::DokterPraktikPerorangan,
                None,
                name,
                address,
                hours,
                polyclinics(&["Poli Umum"]),
            );
            fktp.doctors.push(id);
        }

        for _ in 0..count(1.0, 2.5) {
            let pos = self.district_for(region, false);
            let name = self.doctor_name(region, "drg.");
            let name = self.unique_name(|_| name.clone());
            let hours = if self.rng.chance(700) {
                mon_sat(minutes(16, 0), minutes(20, 0), None)
            } else {
                WeeklyHours::weekdays(minutes(9, 0), minutes(17, 0))
            };
            let address = self.address_in(region, pos);
            self.add(
                region,
                pos,
                FacilityKind::DokterGigi,
                None,
                name,
                address,
                hours,
                polyclinics(&["Poli Gigi"]),
            );
        }

        // The regency's own RSUD and up to three private hospitals, mostly in town.
        let rsud_class = if capital_city {
            HospitalClass::A
        } else if w >= 1.5 {
            HospitalClass::B
        } else if w >= 0.35 {
            HospitalClass::C
        } else {
            HospitalClass::D
        };
        let rsud_name = if region.is_city() {
            format!("RSUD Kota {short}")
        } else {
            format!("RSUD {short}")
        };
        let rsud_name = self.unique_name(|_| rsud_name.clone());
        let pos = self.town;
        let address = self.address_in(region, pos);
        self.add(
            region,
            pos,
            FacilityKind::RumahSakit,
            Some(rsud_class),
            rsud_name,
            address,
            WeeklyHours::always(),
            hospital_polyclinics(rsud_class),
        );
        let private = ((1.5 * w).round() as u32).min(3);
        for _ in 0..private {
            let name = self.unique_name(|rng| format!("{} {short}", pick_word(rng, "rs")));
            let class = if self.rng.chance(600) {
                HospitalClass::C
            } else {
                HospitalClass::D
            };
            let pos = self.district_for(region, true);
            let address = self.address_in(region, pos);
            self.add(
                region,
                pos,
                FacilityKind::RumahSakit,
                Some(class),
                name,
                address,
                WeeklyHours::always(),
                hospital_polyclinics(class),
            );
        }

        for _ in 0..count(1.0, 4.0) {
            let pos = self.district_for(region, true);
            let name = self.unique_name(|rng| format!("Apotek {}", pick_word(rng, "apotek")));
            let hours = match self.rng.below(20) {
                0..=2 => WeeklyHours::always(),
                3 | 4 => mon_sat(minutes(8, 0), minutes(21, 0), None),
                _ => every_day(minutes(7, 0), minutes(22, 0)),
            };
            let address = self.address_in(region, pos);
            self.add(
                region,
                pos,
                FacilityKind::Apotek,
                None,
                name,
                address,
                hours,
                Vec::new(),
            );
        }

        let optik = (1.2 * w).round() as u32 + u32::from(region.is_city());
        for _ in 0..optik {
            let pos = self.district_for(region, true);
            let name = self.unique_name(|rng| format!("Optik {}", pick_word(rng, "optik")));
            let hours = if self.rng.chance(600) {
                every_day(minutes(9, 0), minutes(21, 0))
            } else {
                mon_sat(minutes(8, 0), minutes(17, 0), None)
            };
            let address = self.address_in(region, pos);
            self.add(
                region,
                pos,
                FacilityKind::Optik,
                None,
                name,
                address,
                hours,
                Vec::new(),
            );
        }
        fktp
    }
}

/// The most populous city of each province, if it is a large one: it gets the class A
/// referral hospital.
fn capital_cities(regions: &Regions) -> Vec<usize> {
    let mut best: HashMap<u8, usize> = HashMap::new();
    for (i, r) in regions.list.iter().enumerate() {
        if !r.is_city() || r.population < 700_000 {
            continue;
        }
        let entry = best.entry(r.regency.province_code).or_insert(i);
        if regions.list[*entry].population < r.population {
            *entry = i;
        }
    }
    let mut v: Vec<usize> = best.into_values().collect();
    v.sort_unstable();
    v
}

/// Groups the regencies of each province into branches of neighbours, each seated at its most
/// populous regency. Deterministic: no randomness, ties broken by regency order.
pub(crate) fn office_groups(regions: &Regions) -> Vec<Vec<usize>> {
    let total_population: u64 = regions.list.iter().map(|r| r.population).sum();
    let total_regencies = regions.list.len();
    let mut province_codes: Vec<u8> = regions
        .list
        .iter()
        .map(|r| r.regency.province_code)
        .collect();
    province_codes.dedup();
    let mut groups = Vec::new();
    for province in province_codes {
        let members: Vec<usize> = (0..regions.list.len())
            .filter(|&i| regions.list[i].regency.province_code == province)
            .collect();
        let population: u64 = members.iter().map(|&i| regions.list[i].population).sum();
        // Branches follow both people and territory: half by population, half by regencies.
        let share = 0.5 * population as f64 / total_population.max(1) as f64
            + 0.5 * members.len() as f64 / total_regencies.max(1) as f64;
        let k = ((share * TARGET_OFFICES).round() as usize).clamp(1, members.len());
        let centre = |i: usize| {
            let r = regions.list[i].regency;
            (r.latitude, r.longitude)
        };
        // Seeds: the most populous regency, then repeatedly the one that is both populous and
        // far from every seat so far.
        let mut seats: Vec<usize> = Vec::with_capacity(k);
        if let Some(&first) = members
            .iter()
            .max_by_key(|&&i| (regions.list[i].population, std::cmp::Reverse(i)))
        {
            seats.push(first);
        }
        while seats.len() < k {
            let mut best: Option<(f64, usize)> = None;
            for &i in &members {
                if seats.contains(&i) {
                    continue;
                }
                let nearest = seats
                    .iter()
                    .map(|&s| distance2_km(centre(i), centre(s)))
                    .fold(f64::INFINITY, f64::min);
                let score = regions.list[i].population as f64 * nearest.sqrt();
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, i));
                }
            }
            match best {
                Some((_, i)) => seats.push(i),
                None => break,
            }
        }
        let mut province_groups: Vec<Vec<usize>> = vec![Vec::new(); seats.len()];
        for &i in &members {
            let mut nearest = 0;
            let mut nearest_d = f64::INFINITY;
            for (s, &seat) in seats.iter().enumerate() {
                let d = distance2_km(centre(i), centre(seat));
                if d < nearest_d {
                    nearest_d = d;
                    nearest = s;
                }
            }
            province_groups[nearest].push(i);
        }
        for mut group in province_groups.into_iter().filter(|g| !g.is_empty()) {
            // The seat (most populous) first, then the others in code order.
            group.sort_unstable_by_key(|&i| (std::cmp::Reverse(regions.list[i].population), i));
            let rest = &mut group[1..];
            rest.sort_unstable();
            groups.push(group);
        }
    }
    groups
}

fn build_offices(rng: &mut Rng, regions: &Regions) -> Vec<Office> {
    let groups = office_groups(regions);
    let seat_names: Vec<&str> = groups
        .iter()
        .map(|g| regions.list[g[0]].short_name())
        .collect();
    let mut offices = Vec::with_capacity(groups.len());
    for (n, group) in groups.iter().enumerate() {
        let seat = &regions.list[group[0]];
        let short = seat.short_name();
        // "Kantor Cabang Malang" is the regency's; the city of the same name says "Kota".
        let shared = seat_names.iter().filter(|s| **s == short).count() > 1;
        let name = if shared && seat.is_city() {
            format!("Kantor Cabang Kota {short}")
        } else {
            format!("Kantor Cabang {short}")
        };
        let mut address = String::with_capacity(64);
        street_address(rng, &mut address);
        let _ = write!(address, ", {}", seat.regency.name);
        let (latitude, longitude) =
            scatter(rng, seat.regency.latitude, seat.regency.longitude, 2.0);
        let phone = landline(rng, seat.area_code);
        // 0811 (Telkomsel's corporate range) is reserved for offices: participants' numbers
        // never use it, so an office's WhatsApp number never belongs to a participant.
        let whatsapp = Msisdn::parse(&format!("08113{:03}{:04}", n + 1, rng.below(10_000))).ok();
        offices.push(Office {
            id: OfficeId(n as i64 + 1),
            code: format!("KC{:04}", seat.code()),
            name,
            regencies: group.iter().map(|&i| regions.list[i].code()).collect(),
            address,
            latitude,
            longitude,
            phone,
            whatsapp,
            hours: WeeklyHours::weekdays(minutes(8, 0), minutes(15, 0)),
            timezone: seat.province.timezone,
        });
    }
    offices
}

impl Network {
    pub(crate) fn build(seed: u64, regions: &Regions) -> Self {
        let mut rng = Rng::for_item(seed, Stream::Network, 0);
        let offices = build_offices(&mut rng, regions);
        let capitals = capital_cities(regions);
        let mut builder = FacilityBuilder {
            rng,
            facilities: Vec::with_capacity(16_000),
            serials: HashMap::new(),
            regions,
            district_points: Vec::new(),
            town: 0,
            names: Vec::new(),
        };
        let fktp = (0..regions.list.len())
            .map(|i| builder.region_facilities(i, capitals.contains(&i)))
            .collect();
        Network {
            offices,
            facilities: builder.facilities,
            fktp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jember_has_its_own_branch_named_after_it() {
        let regions = Regions::build();
        let net = Network::build(1, &regions);
        let office = net
            .offices
            .iter()
            .find(|o| o.regencies.contains(&3509))
            .unwrap_or_else(|| panic!("no office serves Jember"));
        assert_eq!(office.name, "Kantor Cabang Jember");
        assert_eq!(office.regencies[0], 3509);
        assert!(
            (100..=160).contains(&net.offices.len()),
            "{}",
            net.offices.len()
        );
    }

    #[test]
    fn the_network_has_about_15k_facilities_of_every_kind() {
        let regions = Regions::build();
        let net = Network::build(1, &regions);
        assert!(
            (13_000..18_000).contains(&net.facilities.len()),
            "{}",
            net.facilities.len()
        );
        for kind in FacilityKind::ALL {
            assert!(net.facilities.iter().any(|f| f.kind == kind), "{kind}");
        }
        let puskesmas = net
            .facilities
            .iter()
            .filter(|f| f.kind == FacilityKind::Puskesmas)
            .count();
        assert_eq!(puskesmas, wilayah::districts().len());
        assert!(net
            .facilities
            .iter()
            .any(|f| f.hospital_class == Some(HospitalClass::A)));
        let mut codes: Vec<&str> = net.facilities.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(
            codes.len(),
            net.facilities.len(),
            "facility codes are unique"
        );
    }

    #[test]
    fn landlines_follow_the_area_code_lengths() {
        let mut rng = Rng::from_seed(1);
        assert_eq!(landline(&mut rng, "021").len(), "(021) ".len() + 8);
        assert_eq!(landline(&mut rng, "031").len(), "(031) ".len() + 7);
        assert_eq!(landline(&mut rng, "0331").len(), "(0331) ".len() + 6);
    }
}

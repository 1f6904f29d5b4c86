//! Where people live: every regency with its districts, an estimated population, its naming
//! traditions and telephone area code, precomputed once so that placing a family costs a
//! binary search.

use crate::data::facts;
use crate::names::Culture;
use crate::rng::{Rng, Weighted};
use wilayah::{District, Province, Regency};

#[derive(Debug)]
pub(crate) struct Region {
    pub regency: &'static Regency,
    pub province: &'static Province,
    pub districts: Vec<&'static District>,
    /// Inhabitants: the census figure for big cities and Papua, otherwise the rest of the
    /// province's census population shared in proportion to the number of districts (a fair
    /// proxy elsewhere: dense areas have many small districts).
    pub population: u64,
    cultures: Vec<Culture>,
    culture_weights: Weighted,
    pub area_code: &'static str,
    /// How far from the regency's centre facilities are scattered.
    pub radius_km: f64,
}

impl Region {
    pub(crate) fn code(&self) -> u16 {
        self.regency.code
    }

    pub(crate) fn is_city(&self) -> bool {
        self.regency.name.starts_with("Kota")
    }

    /// The name people use: "Jember", "Surabaya", "Jakarta Pusat".
    pub(crate) fn short_name(&self) -> &'static str {
        short_name(self.regency.name)
    }

    /// "Kabupaten Jember" / "Kota Surabaya", as written in the names of institutions.
    pub(crate) fn long_kind(&self) -> &'static str {
        if self.is_city() {
            "Kota"
        } else {
            "Kabupaten"
        }
    }

    pub(crate) fn culture(&self, rng: &mut Rng) -> Culture {
        self.cultures
            .get(self.culture_weights.sample(rng))
            .copied()
            .unwrap_or(Culture::Malay)
    }
}

/// Strips the administrative prefix from a regency name ("Kab. Adm. Kep. Seribu" gives
/// "Kep. Seribu"); also copes with a missing dot ("Kab Timor Tengah Selatan").
pub(crate) fn short_name(name: &'static str) -> &'static str {
    ["Kab. Adm. ", "Kota Adm. ", "Kab. ", "Kab ", "Kota "]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

#[derive(Debug)]
pub(crate) struct Regions {
    pub list: Vec<Region>,
    by_population: Weighted,
}

impl Regions {
    pub(crate) fn build() -> Self {
        let facts = facts();
        let all = wilayah::districts();
        let mut list: Vec<Region> = Vec::with_capacity(wilayah::regencies().len());
        for regency in wilayah::regencies() {
            let districts: Vec<&'static District> = all
                .iter()
                .filter(|d| d.regency_code == regency.code)
                .collect();
            let Some(province) = wilayah::province(regency.province_code) else {
                continue;
            };
            if districts.is_empty() {
                continue;
            }
            let pf = facts.provinces.get(&regency.province_code);
            let mix = facts
                .regency_cultures
                .get(&regency.code)
                .or(pf.map(|p| &p.cultures))
                .cloned()
                .unwrap_or_else(|| vec![(Culture::Malay, 1)]);
            let area_code = facts
                .area_codes
                .get(&regency.code)
                .copied()
                .or(pf.map(|p| p.area_code))
                .unwrap_or("021");
            let is_city = regency.name.starts_with("Kota");
            list.push(Region {
                regency,
                province,
                districts,
                population: 0,
                cultures: mix.iter().map(|(c, _)| *c).collect(),
                culture_weights: Weighted::new(mix.iter().map(|(_, w)| *w)),
                area_code,
                radius_km: if is_city { 5.0 } else { 20.0 },
            });
        }
        // Regencies with a known population keep it; the rest of the province's population is
        // shared among the others in proportion to their number of districts.
        let known = &facts.regency_population;
        for region in 0..list.len() {
            let code = list[region].regency.code;
            if let Some(thousands) = known.get(&code) {
                list[region].population = thousands * 1000;
                continue;
            }
            let province = list[region].regency.province_code;
            let same = || list.iter().filter(|r| r.regency.province_code == province);
            let province_thousands = facts
                .provinces
                .get(&province)
                .map(|p| p.population_thousands)
                .unwrap_or(1000);
            let known_thousands: u64 = same().filter_map(|r| known.get(&r.regency.code)).sum();
            // Never less than a tenth of the province, should the known ones add up to more.
            let rest = province_thousands
                .saturating_sub(known_thousands)
                .max(province_thousands / 10);
            let districts: usize = same()
                .filter(|r| !known.contains_key(&r.regency.code))
                .map(|r| r.districts.len())
                .sum();
            list[region].population =
                rest * 1000 * list[region].districts.len() as u64 / districts.max(1) as u64;
        }
        let by_population = Weighted::new(list.iter().map(|r| r.population));
        Regions {
            list,
            by_population,
        }
    }

    /// A regency drawn in proportion to its population.
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        self.by_population.sample(rng)
    }

    pub(crate) fn index_of(&self, regency_code: u16) -> Option<usize> {
        self.list.iter().position(|r| r.code() == regency_code)
    }
}

/// cos(x) for |x| below 0.2 rad (Indonesia lies within 11 degrees of the equator), as a
/// polynomial of basic IEEE operations: unlike the platform's libm `cos`, it gives the same
/// bits everywhere, which keeps the dataset byte-identical across machines.
pub(crate) fn cos_small(x: f64) -> f64 {
    let x2 = x * x;
    1.0 - x2 / 2.0 + x2 * x2 / 24.0 - x2 * x2 * x2 / 720.0
}

const KM_PER_DEGREE: f64 = 111.32;

/// A point uniformly distributed within `radius_km` of a centre, rounded to 6 decimals
/// (about 10 cm).
pub(crate) fn scatter(rng: &mut Rng, lat: f64, lon: f64, radius_km: f64) -> (f64, f64) {
    // Rejection sampling in the unit square keeps to basic arithmetic (no sin/cos/sqrt of a
    // random angle); on average 1.27 tries.
    let (dx, dy) = loop {
        let x = rng.unit() * 2.0 - 1.0;
        let y = rng.unit() * 2.0 - 1.0;
        if x * x + y * y <= 1.0 {
            break (x, y);
        }
    };
    let dlat = dy * radius_km / KM_PER_DEGREE;
    let dlon = dx * radius_km / (KM_PER_DEGREE * cos_small(lat.to_radians()));
    (round6(lat + dlat), round6(lon + dlon))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Squared flat-earth distance in km², good enough to compare nearby regencies.
pub(crate) fn distance2_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dlat = (a.0 - b.0) * KM_PER_DEGREE;
    let dlon = (a.1 - b.1) * KM_PER_DEGREE * cos_small(((a.0 + b.0) / 2.0).to_radians());
    dlat * dlat + dlon * dlon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regency_is_indexed_with_people_and_districts() {
        let regions = Regions::build();
        assert_eq!(regions.list.len(), wilayah::regencies().len());
        let total: u64 = regions.list.iter().map(|r| r.population).sum();
        assert!((250_000_000..290_000_000).contains(&total), "{total}");
        let jember = &regions.list[regions.index_of(3509).unwrap_or(0)];
        assert_eq!(jember.short_name(), "Jember");
        assert_eq!(jember.area_code, "0331");
        assert!((2_000_000..3_500_000).contains(&jember.population));
        assert_eq!(short_name("Kota Adm. Jakarta Pusat"), "Jakarta Pusat");
        assert_eq!(
            short_name("Kab Timor Tengah Selatan"),
            "Timor Tengah Selatan"
        );
    }

    #[test]
    fn the_cosine_polynomial_is_accurate_over_indonesia() {
        for i in -120..=120 {
            let x = f64::from(i) / 10.0;
            let r = x.to_radians();
            assert!((cos_small(r) - r.cos()).abs() < 1e-8, "{x}");
        }
    }

    #[test]
    fn scattered_points_stay_within_the_radius() {
        let mut rng = Rng::from_seed(3);
        let centre = directory::Point {
            lat: -8.16967,
            lon: 113.70215,
        };
        for _ in 0..2000 {
            let (lat, lon) = scatter(&mut rng, centre.lat, centre.lon, 20.0);
            let d = directory::distance_m(centre, directory::Point { lat, lon });
            assert!(d <= 20_100.0, "{d}");
        }
    }
}

//! Great-circle distances and the bounding boxes used to ask storage for nearby candidates.

use serde::{Deserialize, Serialize};

const EARTH_RADIUS_M: f64 = 6_371_008.8;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// A point with a latitude in [-90, 90] and a longitude in [-180, 180].
    pub fn new(lat: f64, lon: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(Point { lat, lon })
    }
}

/// Haversine distance in metres.
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A latitude/longitude box; every point within `radius_m` of the centre lies inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn around(centre: Point, radius_m: f64) -> Self {
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
        // Indonesia lies within 11 degrees of the equator, so the cosine never approaches 0;
        // the clamp keeps the box finite anywhere else too.
        let dlon = dlat / centre.lat.to_radians().cos().max(0.01);
        BoundingBox {
            min_lat: centre.lat - dlat,
            max_lat: centre.lat + dlat,
            min_lon: centre.lon - dlon,
            max_lon: centre.lon + dlon,
        }
    }

    pub fn contains(&self, p: Point) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat)
            && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn jember_to_surabaya_is_about_150_km() {
        let jember = Point {
            lat: -8.1724,
            lon: 113.7000,
        };
        let surabaya = Point {
            lat: -7.2575,
            lon: 112.7521,
        };
        let d = distance_m(jember, surabaya);
        assert!((140_000.0..160_000.0).contains(&d), "{d}");
        assert_eq!(distance_m(jember, jember), 0.0);
    }

    proptest! {
        #[test]
        fn the_box_contains_every_point_within_its_radius(
            lat in -11.0f64..6.0, lon in 95.0f64..141.0,
            bearing in 0.0f64..std::f64::consts::TAU, frac in 0.0f64..0.99, radius in 100.0f64..50_000.0,
        ) {
            let centre = Point { lat, lon };
            // Walk `frac * radius` metres on a bearing (small-distance approximation).
            let d = frac * radius;
            let p = Point {
                lat: lat + (d * bearing.cos() / EARTH_RADIUS_M).to_degrees(),
                lon: lon + (d * bearing.sin() / EARTH_RADIUS_M).to_degrees() / lat.to_radians().cos(),
            };
            prop_assume!(distance_m(centre, p) <= radius);
            prop_assert!(BoundingBox::around(centre, radius).contains(p));
        }
    }
}

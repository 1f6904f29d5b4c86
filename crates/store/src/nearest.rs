//! The nearest facilities to a point, on top of the backends' bounding-box query. Shared by
//! the API, the assistant and the benchmark, so every channel ranks facilities the same way.

use crate::{Facility, Store, StoreError};
use directory::{distance_m, BoundingBox, FacilityKind, Point};

/// Start small (a town) and widen: the nearest puskesmas is usually within a few km.
const FIRST_RADIUS_M: f64 = 5_000.0;
/// Wider than any gap between a place in Indonesia and its nearest facility.
const MAX_RADIUS_M: f64 = 1_000_000.0;

/// The `limit` nearest facilities to `point` (optionally of one kind), nearest first, with
/// their distance in metres. Asks storage for a box and widens it until enough facilities lie
/// within the box's inscribed circle: outside that circle a nearer one could still be missing.
pub async fn nearest_facilities(
    store: &dyn Store,
    point: Point,
    kind: Option<FacilityKind>,
    limit: usize,
) -> Result<Vec<(Facility, f64)>, StoreError> {
    let mut radius = FIRST_RADIUS_M;
    loop {
        let candidates = store
            .facilities_in_box(BoundingBox::around(point, radius), kind)
            .await?;
        let mut found: Vec<(Facility, f64)> = candidates
            .into_iter()
            .map(|f| {
                let d = distance_m(
                    point,
                    Point {
                        lat: f.latitude,
                        lon: f.longitude,
                    },
                );
                (f, d)
            })
            .collect();
        let within = found.iter().filter(|(_, d)| *d <= radius).count();
        if within >= limit || radius >= MAX_RADIUS_M {
            found.retain(|(_, d)| *d <= radius || radius >= MAX_RADIUS_M);
            found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.id.cmp(&b.0.id)));
            found.truncate(limit);
            return Ok(found);
        }
        radius *= 4.0;
    }
}

//! Facilities and branch offices as pure logic: what kind a facility is, when a place is open
//! in its own time zone, whether a closure is in force, and how far away it is.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod facility;
pub mod geo;
pub mod hours;

pub use facility::{FacilityKind, HospitalClass, Tier};
pub use geo::{distance_m, BoundingBox, Point};
pub use hours::{ClosureWindow, DayHours, OpenState, WeeklyHours};

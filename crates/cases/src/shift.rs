//! An agent's weekly shifts, in the local time of the agent's branch.
//!
//! HELPER: implement and test (shifts crossing midnight, every weekday, WIB/WITA/WIT).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wilayah::TimeZone;

/// One weekly shift: on `weekday` (0 = Monday .. 6 = Sunday) from `start` to `end`, minutes
/// after local midnight. `end < start` means the shift runs past midnight into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub weekday: u8,
    pub start: u16,
    pub end: u16,
}

impl Shift {
    /// Parses the command-line form `Mon-Fri 08:00-15:00` or `Sat 07:00-12:00` (English or
    /// Indonesian day names: `Sen-Jum 08:00-15:00`) into one shift per day.
    pub fn parse_many(spec: &str) -> Result<Vec<Shift>, String> {
        let _ = spec;
        todo!()
    }

    /// Display form, Indonesian: `Senin 08.00-15.00`.
    pub fn label_id(&self) -> String {
        todo!()
    }
}

/// Whether `at` falls inside one of `shifts` in time zone `tz`.
pub fn on_shift(shifts: &[Shift], tz: TimeZone, at: DateTime<Utc>) -> bool {
    let _ = (shifts, tz, at);
    todo!()
}

//! Each branch's PANDAWA calendar: working hours (meta key `pandawa_hours:<office id>`, a
//! `WeeklyHours` spec; default Monday-Friday 08:00-15:00) in the branch's time zone, and
//! public holidays (meta key `holidays`, national, plus `holidays:<office id>`; JSON list of
//! `{"date": "2026-12-25", "name": "Natal"}`).
//!
//! OWNER: console helper.

use cases::BusinessCalendar;
use store::{Office, Store, StoreError};

/// The calendar of a case's branch; `None` (no branch known) uses WIB and the defaults.
pub async fn for_office(
    store: &dyn Store,
    office: Option<&Office>,
) -> Result<BusinessCalendar, StoreError> {
    let _ = (store, office);
    todo!()
}

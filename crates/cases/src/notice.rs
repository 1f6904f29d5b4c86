//! What the participant is told, in polite plain Indonesian, when their case changes or when
//! they write outside working hours.
//!
//! HELPER: implement and test (every status has a notice; times in the branch's local time
//! with its zone name, e.g. "Senin, 24 November 2026 pukul 08.00 WITA").

use crate::kind::CaseKind;
use crate::status::CaseStatus;
use chrono::{DateTime, Utc};
use wilayah::TimeZone;

/// The message sent when case `number` of `kind` moves to `status`. `reason` is the agent's
/// explanation (required for rejection and for asking the participant); `link` is where to
/// send documents, when asked.
pub fn status_notice(
    number: &str,
    kind: CaseKind,
    status: CaseStatus,
    reason: Option<&str>,
    link: Option<&str>,
) -> String {
    let _ = (number, kind, status, reason, link);
    todo!()
}

/// Told when a case is filed or a message arrives outside working hours: the case waits and
/// an agent replies from `next_open` (local time).
pub fn outside_hours(number: Option<&str>, next_open: DateTime<Utc>, tz: TimeZone) -> String {
    let _ = (number, next_open, tz);
    todo!()
}

/// "Senin, 24 November 2026 pukul 08.00 WITA".
pub fn local_time_id(at: DateTime<Utc>, tz: TimeZone) -> String {
    let _ = (at, tz);
    todo!()
}

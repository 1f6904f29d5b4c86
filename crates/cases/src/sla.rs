//! Service levels per case kind, in working minutes of the branch's calendar: time to the
//! first response and to resolution; and how a case stands against them.

use crate::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Still inside the target.
    OnTrack,
    /// Less than a fifth of the target is left.
    DueSoon,
    Breached,
    /// Done inside the target.
    Met,
}

/// A case against its SLA at a moment, for timers in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaView {
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    pub first_response: SlaState,
    pub resolution: SlaState,
    /// Working minutes left to the resolution target (negative once breached).
    pub resolution_minutes_left: i64,
}

impl SlaView {
    pub fn breached(&self) -> bool {
        self.first_response == SlaState::Breached || self.resolution == SlaState::Breached
    }
}

/// One target: `target` working minutes from `created`, done at `done_at` if it was.
/// The deadline itself still counts as inside the target.
fn state(
    calendar: &BusinessCalendar,
    target: u32,
    due: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    done_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SlaState {
    if let Some(done) = done_at {
        // Without a due moment the calendar never works, so the clock never ran out.
        return if due.is_none_or(|d| done <= d) {
            SlaState::Met
        } else {
            SlaState::Breached
        };
    }
    match due {
        Some(d) if now > d => SlaState::Breached,
        _ => {
            let left = i64::from(target) * 60 - calendar.working_seconds_between(created, now);
            if left * 5 < i64::from(target) * 60 {
                SlaState::DueSoon
            } else {
                SlaState::OnTrack
            }
        }
    }
}

/// Where a case created at `created` stands at `now`. `first_response_at` and `resolved_at`
/// are when they happened, if they did. Resolving a case also answers it.
pub fn evaluate(
    sla: Sla,
    calendar: &BusinessCalendar,
    created: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SlaView {
    let first_response_due = calendar.add_working_minutes(created, sla.first_response_minutes);
    let resolution_due = calendar.add_working_minutes(created, sla.resolution_minutes);
    let responded = match (first_response_at, resolved_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let used = calendar.working_seconds_between(created, resolved_at.unwrap_or(now));
    let left_seconds = i64::from(sla.resolution_minutes) * 60 - used;
    SlaView {
        first_response_due,
        resolution_due,
        first_response: state(
            calendar,
            sla.first_response_minutes,
            first_response_due,
            created,
            responded,
            now,
        ),
        resolution: state(
            calendar,
            sla.resolution_minutes,
            resolution_due,
            created,
            resolved_at,
            now,
        ),
        resolution_minutes_left: left_seconds.div_euclid(60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;
    use wilayah::TimeZone;

    use crate::calendar::tests::utc;

    const SLA: Sla = Sla {
        first_response_minutes: 60,
        resolution_minutes: 420,
    };

    fn cal() -> BusinessCalendar {
        BusinessCalendar::pandawa_default(TimeZone::Wib)
    }

    // Monday 23 Nov 2026 09:00 WIB.
    fn created() -> DateTime<Utc> {
        utc("2026-11-23T09:00:00+07:00")
    }

    fn at(s: &str) -> DateTime<Utc> {
        utc(&format!("{s}+07:00"))
    }

    #[test]
    fn dues_are_in_working_time() {
        let v = evaluate(SLA, &cal(), created(), None, None, created());
        assert_eq!(v.first_response_due, Some(at("2026-11-23T10:00:00")));
        // 420 working minutes from Monday 09:00: six hours Monday, one hour Tuesday.
        assert_eq!(v.resolution_due, Some(at("2026-11-24T09:00:00")));
        assert_eq!(v.first_response, SlaState::OnTrack);
        assert_eq!(v.resolution, SlaState::OnTrack);
        assert_eq!(v.resolution_minutes_left, 420);
        assert!(!v.breached());
    }

    #[test]
    fn due_soon_starts_when_less_than_a_fifth_is_left() {
        // First response: 60 minutes, a fifth is 12; 48 minutes used leaves exactly 12.
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            None,
            None,
            at("2026-11-23T09:48:00"),
        );
        assert_eq!(v.first_response, SlaState::OnTrack);
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            None,
            None,
            at("2026-11-23T09:48:01"),
        );
        assert_eq!(v.first_response, SlaState::DueSoon);
        // At the deadline itself it is still due soon, a second later breached.
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            None,
            None,
            at("2026-11-23T10:00:00"),
        );
        assert_eq!(v.first_response, SlaState::DueSoon);
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            None,
            None,
            at("2026-11-23T10:00:01"),
        );
        assert_eq!(v.first_response, SlaState::Breached);
        assert!(v.breached());
        assert_eq!(v.resolution, SlaState::OnTrack);
    }

    #[test]
    fn the_night_does_not_use_up_the_target() {
        // By Monday evening 360 minutes are used, 60 left; overnight nothing more is used.
        let responded = Some(at("2026-11-23T09:30:00"));
        let evening = evaluate(
            SLA,
            &cal(),
            created(),
            responded,
            None,
            at("2026-11-23T20:00:00"),
        );
        assert_eq!(evening.resolution_minutes_left, 60);
        assert_eq!(evening.resolution, SlaState::DueSoon);
        let morning = evaluate(
            SLA,
            &cal(),
            created(),
            responded,
            None,
            at("2026-11-24T07:59:00"),
        );
        assert_eq!(morning.resolution_minutes_left, 60);
        let late = evaluate(
            SLA,
            &cal(),
            created(),
            responded,
            None,
            at("2026-11-24T09:30:00"),
        );
        assert_eq!(late.resolution, SlaState::Breached);
        assert_eq!(late.resolution_minutes_left, -30);
        assert_eq!(late.first_response, SlaState::Met);
    }

    #[test]
    fn met_and_breached_once_done() {
        let now = at("2026-11-30T10:00:00");
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            Some(at("2026-11-23T10:00:00")),
            Some(at("2026-11-24T09:00:00")),
            now,
        );
        assert_eq!(v.first_response, SlaState::Met);
        assert_eq!(v.resolution, SlaState::Met);
        assert_eq!(v.resolution_minutes_left, 0);
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            Some(at("2026-11-23T10:00:01")),
            Some(at("2026-11-24T09:00:01")),
            now,
        );
        assert_eq!(v.first_response, SlaState::Breached);
        assert_eq!(v.resolution, SlaState::Breached);
        assert_eq!(v.resolution_minutes_left, -1);
    }

    #[test]
    fn resolving_without_a_reply_counts_as_the_response() {
        let v = evaluate(
            SLA,
            &cal(),
            created(),
            None,
            Some(at("2026-11-23T09:20:00")),
            at("2026-11-30T10:00:00"),
        );
        assert_eq!(v.first_response, SlaState::Met);
        assert_eq!(v.resolution, SlaState::Met);
    }

    #[test]
    fn a_case_filed_at_the_weekend_starts_on_monday() {
        let saturday = utc("2026-11-28T10:00:00+07:00");
        let v = evaluate(SLA, &cal(), saturday, None, None, at("2026-11-30T07:00:00"));
        assert_eq!(v.first_response_due, Some(at("2026-11-30T09:00:00")));
        assert_eq!(v.first_response, SlaState::OnTrack);
        assert_eq!(v.resolution_minutes_left, 420);
    }

    proptest! {
        #[test]
        fn states_follow_the_working_time_used(
            used in 0i64..1000 * 60, first in 1u32..300, resolution in 1u32..1300,
        ) {
            let sla = Sla { first_response_minutes: first, resolution_minutes: resolution };
            let cal = cal();
            // Move `used` working seconds forward from the creation.
            let now = cal.add_working_minutes(created(), (used / 60) as u32).unwrap()
                + Duration::seconds(used % 60);
            prop_assume!(cal.is_open(now) || used % 60 == 0);
            let v = evaluate(sla, &cal, created(), None, None, now);
            let target = i64::from(resolution) * 60;
            let expected = if used > target {
                SlaState::Breached
            } else if (target - used) * 5 < target {
                SlaState::DueSoon
            } else {
                SlaState::OnTrack
            };
            prop_assert_eq!(v.resolution, expected);
            prop_assert_eq!(v.resolution_minutes_left, (target - used).div_euclid(60));
            prop_assert_eq!(v.breached(), used > target || used > i64::from(first) * 60);
        }
    }
}

//! An agent's weekly shifts, in the local time of the agent's branch.

use chrono::{DateTime, Datelike, Timelike, Utc};
use directory::hours::WEEKDAYS_ID;
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

/// Day names accepted on the command line, Monday first: English and Indonesian, short and
/// long.
const DAY_NAMES: [&[&str]; 7] = [
    &["mon", "monday", "sen", "senin"],
    &["tue", "tuesday", "sel", "selasa"],
    &["wed", "wednesday", "rab", "rabu"],
    &["thu", "thursday", "kam", "kamis"],
    &["fri", "friday", "jum", "jumat", "jum'at"],
    &["sat", "saturday", "sab", "sabtu"],
    &["sun", "sunday", "min", "minggu", "ahad"],
];

fn parse_day(s: &str) -> Option<u8> {
    let s = s.trim().to_lowercase();
    DAY_NAMES
        .iter()
        .position(|names| names.contains(&s.as_str()))
        .and_then(|i| u8::try_from(i).ok())
}

fn parse_time(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once([':', '.'])?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}.{:02}", minutes / 60, minutes % 60)
}

impl Shift {
    /// Parses the command-line form `Mon-Fri 08:00-15:00` or `Sat 07:00-12:00` (English or
    /// Indonesian day names: `Sen-Jum 08:00-15:00`) into one shift per day. Several entries
    /// may be separated by `,` or `;`: `Mon-Thu 08:00-15:00; Fri 08:00-11:00`. A day range
    /// may wrap round the week (`Sat-Mon`); `22:00-06:00` runs past midnight.
    pub fn parse_many(spec: &str) -> Result<Vec<Shift>, String> {
        let mut shifts = Vec::new();
        for entry in spec.split([',', ';']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let bad =
                || format!("jadwal '{entry}' tidak valid; tulis misalnya 'Sen-Jum 08:00-15:00'");
            let (days, times) = entry.split_once(char::is_whitespace).ok_or_else(bad)?;
            let (first, last) = match days.split_once('-') {
                Some((a, b)) => (parse_day(a), parse_day(b)),
                None => (parse_day(days), parse_day(days)),
            };
            let (first, last) = first.zip(last).ok_or_else(bad)?;
            let (start, end) = times.trim().split_once('-').ok_or_else(bad)?;
            let (start, end) = parse_time(start).zip(parse_time(end)).ok_or_else(bad)?;
            if start == end || start >= 1440 {
                return Err(bad());
            }
            let mut day = first;
            loop {
                shifts.push(Shift {
                    weekday: day,
                    start,
                    end,
                });
                if day == last {
                    break;
                }
                day = (day + 1) % 7;
            }
        }
        if shifts.is_empty() {
            return Err(format!(
                "jadwal '{spec}' kosong; tulis misalnya 'Sen-Jum 08:00-15:00'"
            ));
        }
        Ok(shifts)
    }

    /// Display form, Indonesian: `Senin 08.00-15.00`.
    pub fn label_id(&self) -> String {
        let day = WEEKDAYS_ID
            .get(usize::from(self.weekday))
            .copied()
            .unwrap_or("?");
        format!("{day} {}-{}", hhmm(self.start), hhmm(self.end))
    }

    /// Whether the local weekday `day` (0 = Monday) at `minute` after midnight is inside.
    fn covers(&self, day: u8, minute: u16) -> bool {
        if self.start < self.end {
            self.weekday == day && self.start <= minute && minute < self.end
        } else {
            // Past midnight: the evening of `weekday` and the early hours of the next day.
            (self.weekday == day && minute >= self.start)
                || ((self.weekday + 1) % 7 == day && minute < self.end)
        }
    }
}

/// Whether `at` falls inside one of `shifts` in time zone `tz`.
pub fn on_shift(shifts: &[Shift], tz: TimeZone, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&directory::hours::offset(tz));
    let day = u8::try_from(local.weekday().num_days_from_monday()).unwrap_or(0);
    let minute = u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
    shifts.iter().any(|s| s.covers(day, minute))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessCalendar;
    use proptest::prelude::*;

    use crate::calendar::tests::utc;

    #[test]
    fn a_weekday_range_gives_one_shift_per_day() {
        let s = Shift::parse_many("Mon-Fri 08:00-15:00").unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(
            s.iter().map(|x| x.weekday).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert!(s.iter().all(|x| x.start == 480 && x.end == 900));
        assert_eq!(Shift::parse_many("Sen-Jum 08.00-15.00").unwrap(), s);
        assert_eq!(s[0].label_id(), "Senin 08.00-15.00");
        assert_eq!(s[4].label_id(), "Jumat 08.00-15.00");
    }

    #[test]
    fn single_days_several_entries_and_wrapping_ranges() {
        let s = Shift::parse_many("Sat 07:00-12:00").unwrap();
        assert_eq!(
            s,
            [Shift {
                weekday: 5,
                start: 420,
                end: 720
            }]
        );
        let s = Shift::parse_many("Sen-Kam 08:00-15:00; Jumat 08:00-11:00").unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(s[4].end, 660);
        let s = Shift::parse_many("Sat-Mon 22:00-06:00").unwrap();
        assert_eq!(s.iter().map(|x| x.weekday).collect::<Vec<_>>(), [5, 6, 0]);
        assert_eq!(s[1].label_id(), "Minggu 22.00-06.00");
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "Mon",
            "Funday 08:00-15:00",
            "Mon-Fri 08:00",
            "Mon-Fri 08:00-08:00",
            "Mon-Fri 25:00-26:00",
            "Mon-Fri 08:61-15:00",
        ] {
            assert!(Shift::parse_many(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_instant_is_on_shift_in_wib_but_not_in_wit() {
        let shifts = Shift::parse_many("Mon-Fri 08:00-15:00").unwrap();
        // Monday 07:30 UTC: 14:30 WIB, 15:30 WITA, 16:30 WIT.
        let at = utc("2026-11-23T07:30:00Z");
        assert!(on_shift(&shifts, TimeZone::Wib, at));
        assert!(!on_shift(&shifts, TimeZone::Wita, at));
        assert!(!on_shift(&shifts, TimeZone::Wit, at));
        // Monday 23:30 UTC Sunday = 06:30 WIB Monday (before), 08:30 WIT Monday (inside).
        let at = utc("2026-11-22T23:30:00Z");
        assert!(!on_shift(&shifts, TimeZone::Wib, at));
        assert!(on_shift(&shifts, TimeZone::Wit, at));
    }

    #[test]
    fn a_night_shift_runs_into_the_next_morning() {
        let shifts = Shift::parse_many("Fri 22:00-06:00").unwrap();
        assert!(on_shift(
            &shifts,
            TimeZone::Wita,
            utc("2026-11-27T23:00:00+08:00")
        ));
        assert!(on_shift(
            &shifts,
            TimeZone::Wita,
            utc("2026-11-28T05:59:00+08:00")
        ));
        assert!(!on_shift(
            &shifts,
            TimeZone::Wita,
            utc("2026-11-28T06:00:00+08:00")
        ));
        assert!(!on_shift(
            &shifts,
            TimeZone::Wita,
            utc("2026-11-27T21:59:00+08:00")
        ));
        // Thursday night is not Friday night.
        assert!(!on_shift(
            &shifts,
            TimeZone::Wita,
            utc("2026-11-27T05:00:00+08:00")
        ));
        // A Sunday night shift ends on Monday morning.
        let sunday = Shift::parse_many("Minggu 20:00-02:00").unwrap();
        assert!(on_shift(
            &sunday,
            TimeZone::Wib,
            utc("2026-11-23T01:00:00+07:00")
        ));
    }

    #[test]
    fn a_shift_until_midnight_ends_at_midnight() {
        let s = Shift::parse_many("Mon 16:00-24:00").unwrap();
        assert!(on_shift(
            &s,
            TimeZone::Wib,
            utc("2026-11-23T23:59:00+07:00")
        ));
        assert!(!on_shift(
            &s,
            TimeZone::Wib,
            utc("2026-11-24T00:00:00+07:00")
        ));
    }

    proptest! {
        #[test]
        fn the_pandawa_shift_matches_the_default_calendar(
            secs in 0i64..28 * 86_400, zone in 0usize..3,
        ) {
            let tz = TimeZone::ALL[zone];
            let at = utc("2026-11-01T00:00:00Z") + chrono::Duration::seconds(secs);
            let shifts = Shift::parse_many("Sen-Jum 08:00-15:00").unwrap();
            prop_assert_eq!(
                on_shift(&shifts, tz, at),
                BusinessCalendar::pandawa_default(tz).is_open(at)
            );
        }

        #[test]
        fn every_day_and_time_parses_back_to_itself(
            first in 0usize..7, start in 0u16..1440, end in 1u16..=1440,
        ) {
            prop_assume!(start != end);
            let spec = format!(
                "{} {:02}:{:02}-{:02}:{:02}",
                DAY_NAMES[first][0], start / 60, start % 60, end / 60, end % 60
            );
            let s = Shift::parse_many(&spec).unwrap();
            prop_assert_eq!(s, vec![Shift { weekday: first as u8, start, end }]);
        }
    }
}

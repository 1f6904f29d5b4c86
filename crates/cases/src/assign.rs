//! Who gets the next case: rotation among the on-shift agents of the branch, skipping those
//! at their limit of open cases; and when an assigned case that nobody picked up is moved on.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: i64,
    pub on_shift: bool,
    pub open_cases: u32,
    pub max_open_cases: u32,
    /// When the agent last received a case; the rotation gives the next one to whoever
    /// waited longest (never = first), ties by id.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

impl Candidate {
    /// Whether the agent may receive a case now.
    pub fn available(&self) -> bool {
        self.on_shift && self.open_cases < self.max_open_cases
    }
}

/// The agent to receive the next case, excluding `exclude` (the agent who let it lapse).
pub fn pick_agent(candidates: &[Candidate], exclude: Option<i64>) -> Option<i64> {
    candidates
        .iter()
        .filter(|c| c.available() && Some(c.agent_id) != exclude)
        // `None` sorts before any time: an agent who never received a case goes first.
        .min_by_key(|c| (c.last_assigned_at, c.agent_id))
        .map(|c| c.agent_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn agent(id: i64, last: Option<i64>) -> Candidate {
        Candidate {
            agent_id: id,
            on_shift: true,
            open_cases: 0,
            max_open_cases: 10,
            last_assigned_at: last.map(|m| t0() + Duration::minutes(m)),
        }
    }

    #[test]
    fn the_one_who_waited_longest_goes_next_and_never_beats_any_time() {
        let c = [agent(1, Some(30)), agent(2, Some(10)), agent(3, Some(20))];
        assert_eq!(pick_agent(&c, None), Some(2));
        let c = [agent(1, Some(30)), agent(7, None), agent(2, Some(10))];
        assert_eq!(pick_agent(&c, None), Some(7));
        // Ties by id.
        let c = [agent(5, None), agent(4, None)];
        assert_eq!(pick_agent(&c, None), Some(4));
    }

    #[test]
    fn off_shift_full_and_excluded_agents_are_skipped() {
        let mut off = agent(1, None);
        off.on_shift = false;
        let mut full = agent(2, None);
        full.open_cases = 10;
        let lapsed = agent(3, None);
        let late = agent(4, Some(500));
        assert_eq!(
            pick_agent(&[off.clone(), full.clone(), lapsed.clone(), late], Some(3)),
            Some(4)
        );
        assert_eq!(pick_agent(&[off, full, lapsed], Some(3)), None);
        assert_eq!(pick_agent(&[], None), None);
    }

    #[test]
    fn one_below_the_limit_still_receives() {
        let mut a = agent(1, None);
        a.open_cases = 9;
        assert_eq!(pick_agent(&[a.clone()], None), Some(1));
        a.max_open_cases = 0;
        a.open_cases = 0;
        assert_eq!(pick_agent(&[a], None), None);
    }

    fn any_candidate() -> impl Strategy<Value = Candidate> {
        (
            0i64..20,
            any::<bool>(),
            0u32..6,
            0u32..6,
            proptest::option::of(0i64..1000),
        )
            .prop_map(|(id, on_shift, open, max, last)| Candidate {
                agent_id: id,
                on_shift,
                open_cases: open,
                max_open_cases: max,
                last_assigned_at: last.map(|m| t0() + Duration::minutes(m)),
            })
    }

    proptest! {
        #[test]
        fn never_picks_an_unavailable_or_excluded_agent(
            cands in proptest::collection::vec(any_candidate(), 0..12).prop_map(|mut v| {
                // Agents are distinct: ids by position, in reverse so the slice order and
                // the id order differ.
                let n = v.len();
                for (i, c) in v.iter_mut().enumerate() {
                    c.agent_id = (n - i) as i64;
                }
                v
            }),
            exclude in proptest::option::of(0i64..20),
        ) {
            match pick_agent(&cands, exclude) {
                Some(id) => {
                    prop_assert_ne!(Some(id), exclude);
                    let chosen = cands.iter().find(|c| c.agent_id == id && c.available());
                    prop_assert!(chosen.is_some());
                    let chosen = chosen.unwrap();
                    // Nobody eligible waited longer.
                    for c in cands.iter().filter(|c| c.available() && Some(c.agent_id) != exclude) {
                        prop_assert!(
                            (chosen.last_assigned_at, chosen.agent_id)
                                <= (c.last_assigned_at, c.agent_id)
                        );
                    }
                }
                None => prop_assert!(
                    cands.iter().all(|c| !c.available() || Some(c.agent_id) == exclude)
                ),
            }
        }

        #[test]
        fn with_equal_loads_the_rotation_is_fair(
            n in 1usize..8, rounds in 1usize..6,
            start in proptest::collection::vec(proptest::option::of(0i64..100), 8),
        ) {
            let mut cands: Vec<Candidate> =
                (0..n).map(|i| agent(i as i64 + 1, start[i])).collect();
            let mut got: BTreeMap<i64, usize> = BTreeMap::new();
            for k in 0..n * rounds {
                let id = pick_agent(&cands, None);
                prop_assert!(id.is_some());
                let id = id.unwrap();
                *got.entry(id).or_default() += 1;
                let c = cands.iter_mut().find(|c| c.agent_id == id).unwrap();
                c.last_assigned_at = Some(t0() + Duration::minutes(1000 + k as i64));
            }
            prop_assert_eq!(got.len(), n);
            prop_assert!(got.values().all(|&v| v == rounds));
        }
    }
}

//! The demo dataset: a deterministic, realistic slice of JKN for demos, tests and benchmarks.
//!
//! [`generate`] yields [`ImportBatch`]es: first the national network (branch offices and about
//! 15,000 facilities), then families of about 10,000 at a time with their members, monthly
//! bills and payments. [`load`] writes them into a [`store::Store`]. The same seed and
//! reference date always give byte-identical data; the first families are the guaranteed
//! [`Persona`]s. See README.md for the distributions.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod data;
mod families;
mod load;
mod names;
mod network;
mod personas;
mod regions;
mod rng;

pub use load::load;
pub use personas::Persona;
/// A small deterministic generator, also used by `layan bench` to pick comparable samples.
pub use rng::SplitMix64;

use chrono::NaiveDate;
use families::{FamilyMaker, Plan};
use network::Network;
use regions::Regions;
use store::ImportBatch;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// How many participants to make. The personas are always made, so a smaller number
    /// still gives at least their members (28 people).
    pub participants: u64,
    pub seed: u64,
    /// The reference "today": bills run up to this date's month, and no payment, birth or
    /// registration is later than it. Use a date from 2017 on (the ledger looks 26 months back
    /// and the tariff table starts in April 2016).
    pub as_of: NaiveDate,
}

/// Rows generated (or imported) so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoStats {
    pub offices: u64,
    pub facilities: u64,
    pub families: u64,
    pub participants: u64,
    pub bills: u64,
    pub payments: u64,
}

impl DemoStats {
    pub fn add(&mut self, batch: &ImportBatch) {
        self.offices += batch.offices.len() as u64;
        self.facilities += batch.facilities.len() as u64;
        self.families += batch.families.len() as u64;
        self.participants += batch.participants.len() as u64;
        self.bills += batch.bills.len() as u64;
        self.payments += batch.payments.len() as u64;
    }

    pub fn rows(&self) -> u64 {
        self.offices
            + self.facilities
            + self.families
            + self.participants
            + self.bills
            + self.payments
    }
}

/// Families per batch after the first: big enough for fast imports, small enough to keep
/// memory bounded (about 35k participants and 270k bills, some 30 MB).
pub const FAMILIES_PER_BATCH: usize = 10_000;

/// The batches of a demo dataset, lazily: nothing is computed before the first `next()`, and
/// only the batch being built is held in memory.
pub fn generate(config: &DemoConfig) -> Generator {
    Generator {
        config: config.clone(),
        state: State::Start,
    }
}

/// The iterator returned by [`generate`].
pub struct Generator {
    config: DemoConfig,
    state: State,
}

enum State {
    Start,
    Families {
        maker: Box<FamilyMaker>,
        next_family: i64,
        persona_regions: Vec<Option<usize>>,
    },
    Done,
}

impl Generator {
    fn network_batch(&mut self) -> ImportBatch {
        let regions = Regions::build();
        let network = Network::build(self.config.seed, &regions);
        let persona_regions = Persona::ALL
            .iter()
            .map(|p| regions.index_of(p.regency_code()))
            .collect();
        let maker = FamilyMaker::new(self.config.seed, self.config.as_of, regions, network.fktp);
        self.state = State::Families {
            maker: Box::new(maker),
            next_family: 1,
            persona_regions,
        };
        ImportBatch {
            offices: network.offices,
            facilities: network.facilities,
            ..ImportBatch::default()
        }
    }
}

impl Iterator for Generator {
    type Item = ImportBatch;

    fn next(&mut self) -> Option<ImportBatch> {
        let target = self.config.participants;
        match &mut self.state {
            State::Start => Some(self.network_batch()),
            State::Done => None,
            State::Families {
                maker,
                next_family,
                persona_regions,
            } => {
                let mut batch = ImportBatch {
                    families: Vec::with_capacity(FAMILIES_PER_BATCH),
                    participants: Vec::with_capacity(FAMILIES_PER_BATCH * 4),
                    bills: Vec::with_capacity(FAMILIES_PER_BATCH * 26),
                    payments: Vec::with_capacity(FAMILIES_PER_BATCH * 12),
                    ..ImportBatch::default()
                };
                for _ in 0..FAMILIES_PER_BATCH {
                    let index = (*next_family - 1) as usize;
                    let plan = if let Some(persona) = Persona::ALL.get(index) {
                        let region = persona_regions.get(index).copied().flatten().unwrap_or(0);
                        persona.plan(region)
                    } else {
                        let made = maker.participants_made();
                        if made >= target {
                            break;
                        }
                        Plan::random((target - made).min(6) as usize)
                    };
                    maker.make(*next_family, &plan, &mut batch);
                    *next_family += 1;
                }
                if batch.families.is_empty() {
                    self.state = State::Done;
                    return None;
                }
                Some(batch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(participants: u64, seed: u64) -> DemoConfig {
        DemoConfig {
            participants,
            seed,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        }
    }

    #[test]
    fn the_first_batch_is_the_network_and_the_count_is_exact() {
        let mut stats = DemoStats::default();
        let mut batches = generate(&config(12_345, 1));
        let first = batches.next().unwrap_or_default();
        assert!(first.families.is_empty() && !first.facilities.is_empty());
        for b in batches {
            assert!(b.offices.is_empty() && b.facilities.is_empty());
            assert!(b.families.len() <= FAMILIES_PER_BATCH);
            stats.add(&b);
        }
        assert_eq!(stats.participants, 12_345);
    }

    #[test]
    fn the_generator_can_run_on_another_thread() {
        fn assert_send<T: Send + 'static>(_: &T) {}
        assert_send(&generate(&config(1, 1)));
    }

    #[test]
    fn a_tiny_request_still_gets_every_persona() {
        let stats = generate(&config(3, 1)).fold(DemoStats::default(), |mut s, b| {
            s.add(&b);
            s
        });
        assert_eq!(stats.families, Persona::ALL.len() as u64);
        assert_eq!(
            stats.participants,
            Persona::ALL
                .iter()
                .map(|p| u64::from(p.members()))
                .sum::<u64>()
        );
    }
}

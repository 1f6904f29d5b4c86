//! The database stories: every story runs against SQLite and against PostgreSQL, so both
//! backends keep the same behaviour. One test binary for the whole suite.
//!
//! PostgreSQL is found through `LAYAN_TEST_POSTGRES_URL` (see `harness.rs`).

mod harness;

mod assistant;
mod casework;
mod facilities;
mod fixtures;
mod ledger;
mod lifecycle;
mod messaging;
mod offices;
mod outbox;
mod outreach;
mod participants;
mod rehab;
mod signin;

//! The crate's one integration-test binary (each binary costs link time).

mod cli;
mod model;
mod props;
mod stories;

use chrono::NaiveDate;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default()
}

pub fn shipped() -> &'static nlu::Nlu {
    nlu::Nlu::shipped().unwrap_or_else(|e| panic!("shipped model: {e}"))
}

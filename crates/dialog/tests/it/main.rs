//! Stories of participants talking to the assistant, over a real SQLite database holding the
//! demo dataset (as of 23 November 2026, a Monday) at a fixed moment. They check what the
//! answers say, not only that there is one. One test binary for the crate.

mod helpers;

mod account;
mod cases;
mod conversation;
mod identity;
mod places;
mod talk;

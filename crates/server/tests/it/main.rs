//! Stories of participants using the API, against a real SQLite database filled with demo data.
//! One test binary for the crate (each extra binary costs link time).

mod helpers;

mod api_errors;
mod auth;
mod channels;
mod console;
mod console_outreach;
mod dashboard;
mod directory;
mod forms;
mod logging;
mod me;
mod ops;
mod outreach;
mod poster;
mod rehab;
mod simulations;
mod voice;
mod webchat;

//! One integration-test binary for the voice crate (each binary costs link time).

mod call;
mod closure;
mod keypad;
mod signature;
mod twiml;
mod words;
mod xml;

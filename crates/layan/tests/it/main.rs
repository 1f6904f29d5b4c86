//! End-to-end: the real `layan` binary, started the way the README says, answering over HTTP.

mod agents;
mod binary;
mod broadcast;
mod browser;
mod chat;
mod crash;
mod crashing;
mod outbox;
mod serve;
mod voice;

//! The flows behind each intent. Each file adds methods to the per-turn context
//! ([`crate::engine::Ctx`]); the texts they send come from [`crate::templates`].

pub(crate) mod account;
mod casework;
pub(crate) mod places;
mod talk;

pub(crate) use account::relation_matches as account_relation;

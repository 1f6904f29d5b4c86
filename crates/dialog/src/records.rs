//! The stored records the engine writes, defined with the other records in `store`.

pub use store::{Case, ConversationRecord, NewCase, NewTurn, Turn};

//! PANDAWA casework shared by the agent console, the participant's forms and the assistant:
//! each branch's working calendar, assignment of cases to on-shift agents, form links, and
//! the notices that tell the participant what happened on the channel they used.

pub mod assign;
pub mod calendar;
pub mod links;
pub mod notify;

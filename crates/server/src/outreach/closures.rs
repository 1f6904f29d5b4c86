//! Declaring, editing and cancelling closures.
//!
//! Work in progress (helper H4). Public surface other modules rely on:
//!
//! ```ignore
//! pub struct ClosureForm {
//!     pub office_id: OfficeId,
//!     /// Local time of the office (its WIB/WITA/WIT zone).
//!     pub from_local: NaiveDateTime,
//!     pub until_local: NaiveDateTime,
//!     pub reason: String,
//!     pub message: String,
//!     /// `None`: the defaults (`default_alternatives`).
//!     pub alternatives: Option<Vec<String>>,
//!     /// Also send a broadcast to the branch's participants.
//!     pub notify: bool,
//! }
//! pub struct Declared { pub closure: Closure, pub office: Office, pub broadcast: Option<Broadcast> }
//! pub fn default_alternatives(office: &Office, config: &Config) -> Vec<String>;
//! pub fn may_manage(agent: &Agent, office: OfficeId) -> bool; // supervisor of it, or admin
//! pub async fn declare(ctx: Ctx<'_>, by: &Operator, form: ClosureForm) -> Result<Declared, OutreachError>;
//! pub async fn edit(ctx: Ctx<'_>, by: &Operator, id: ClosureId, form: ClosureForm) -> Result<Declared, OutreachError>;
//! pub async fn cancel(ctx: Ctx<'_>, by: &Operator, id: ClosureId, notify: bool) -> Result<Declared, OutreachError>;
//! pub async fn list(ctx: Ctx<'_>, office: OfficeId) -> Result<Vec<Closure>, OutreachError>;
//! ```

//! Free notices and broadcast control.
//!
//! Work in progress (helper H4). Public surface other modules rely on:
//!
//! ```ignore
//! pub struct NoticeForm { pub audience: Audience, pub title: String, pub text: String }
//! pub enum BroadcastAction { Pause, Resume, Cancel }
//! pub async fn send_notice(ctx: Ctx<'_>, by: &Operator, form: NoticeForm) -> Result<Broadcast, OutreachError>;
//! pub async fn act(ctx: Ctx<'_>, by: &Operator, id: BroadcastId, action: BroadcastAction) -> Result<Broadcast, OutreachError>;
//! pub async fn list(ctx: Ctx<'_>, by: &Operator, limit: u32) -> Result<Vec<(Broadcast, BroadcastProgress)>, OutreachError>;
//! pub async fn get(ctx: Ctx<'_>, by: &Operator, id: BroadcastId) -> Result<(Broadcast, BroadcastProgress), OutreachError>;
//! ```

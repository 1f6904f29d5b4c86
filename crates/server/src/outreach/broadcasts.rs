//! Free notices and broadcast control: who may send to whom, pause, resume, cancel, and the
//! progress counts. A supervisor reaches the participants of their own branch; an admin (or
//! the command line) any branch, chosen regencies, a province or everyone.
//!
//! Pausing and cancelling only change the broadcast's state: the feeder reads the state at
//! every tick (the store refuses hand-offs of a broadcast no longer `Sending`), so the change
//! takes effect within one feed interval.

use super::closures::{check_may_manage, invalid, required};
use super::{audit, Ctx, Operator, OutreachError};
use cases::Permission;
use store::{
    Audience, Broadcast, BroadcastId, BroadcastKind, BroadcastProgress, BroadcastQuery,
    BroadcastState, BroadcastStateChange, NewBroadcast, StoreError,
};

/// Longest title (a label for lists).
pub const MAX_TITLE: usize = 120;
/// Longest notice text: with the stop line it stays within a WhatsApp template parameter
/// (1,024 characters), so the whole text reaches participants outside the 24-hour window too.
pub const MAX_TEXT: usize = 900;
/// Most regencies one notice may name.
pub const MAX_REGENCIES: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct NoticeForm {
    pub audience: Audience,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastAction {
    Pause,
    Resume,
    Cancel,
}

impl BroadcastAction {
    pub fn parse(s: &str) -> Option<BroadcastAction> {
        match s {
            "pause" => Some(BroadcastAction::Pause),
            "resume" => Some(BroadcastAction::Resume),
            "cancel" => Some(BroadcastAction::Cancel),
            _ => None,
        }
    }

    fn change(self) -> (&'static [BroadcastState], BroadcastState, &'static str) {
        use BroadcastState as S;
        match self {
            BroadcastAction::Pause => (&[S::Sending], S::Paused, "broadcast_paused"),
            BroadcastAction::Resume => (&[S::Paused], S::Sending, "broadcast_resumed"),
            BroadcastAction::Cancel => (
                &[S::Sending, S::Paused],
                S::Cancelled,
                "broadcast_cancelled",
            ),
        }
    }

    /// "dijeda" etc., for "Siaran ini sudah selesai sehingga tidak dapat dijeda."
    fn verb_passive(self) -> &'static str {
        match self {
            BroadcastAction::Pause => "dijeda",
            BroadcastAction::Resume => "dilanjutkan",
            BroadcastAction::Cancel => "dibatalkan",
        }
    }
}

fn forbidden() -> OutreachError {
    OutreachError::Forbidden(
        "Anda tidak memiliki izin untuk siaran ini. Supervisor hanya dapat mengelola siaran kantor cabangnya sendiri; siaran ke wilayah lain hanya oleh admin.".to_owned(),
    )
}

/// Checks the audience exists and names the branch it concerns, if one.
async fn check_audience(
    ctx: &Ctx<'_>,
    by: &Operator,
    audience: &Audience,
) -> Result<Option<store::OfficeId>, OutreachError> {
    match audience {
        Audience::Office { office_id } => {
            super::closures::office(ctx, *office_id).await?;
            check_may_manage(by, *office_id)?;
            return Ok(Some(*office_id));
        }
        Audience::Regencies { codes } => {
            if codes.is_empty() {
                return Err(invalid("Mohon pilih paling sedikit satu kabupaten/kota."));
            }
            if codes.len() > MAX_REGENCIES {
                return Err(invalid(format!(
                    "Mohon pilih paling banyak {MAX_REGENCIES} kabupaten/kota; untuk wilayah yang lebih luas, kirim ke satu provinsi."
                )));
            }
            if let Some(unknown) = codes.iter().find(|c| wilayah::regency(**c).is_none()) {
                return Err(invalid(format!(
                    "Kode kabupaten/kota {unknown} tidak dikenal."
                )));
            }
        }
        Audience::Province { code } => {
            if wilayah::province(*code).is_none() {
                return Err(invalid(format!("Kode provinsi {code} tidak dikenal.")));
            }
        }
        Audience::Everyone => {}
    }
    match by {
        Operator::Agent(a) if !a.role.can(Permission::BroadcastWide) => Err(forbidden()),
        _ => Ok(None),
    }
}

fn audience_label(audience: &Audience) -> String {
    match audience {
        Audience::Office { office_id } => format!("peserta kantor cabang #{}", office_id.0),
        Audience::Regencies { codes } => format!(
            "peserta di kabupaten/kota {}",
            codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Audience::Province { code } => format!(
            "peserta di provinsi {}",
            wilayah::province(*code).map_or_else(|| code.to_string(), |p| p.name.to_string())
        ),
        Audience::Everyone => "seluruh peserta".to_owned(),
    }
}

/// Queues a free notice to the audience.
pub async fn send_notice(
    ctx: Ctx<'_>,
    by: &Operator,
    form: NoticeForm,
) -> Result<Broadcast, OutreachError> {
    let office_id = check_audience(&ctx, by, &form.audience).await?;
    let title = form.title.trim();
    if title.is_empty() {
        return Err(invalid("Mohon isi judul siaran."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(invalid(format!(
            "Judul siaran terlalu panjang; mohon persingkat menjadi paling banyak {MAX_TITLE} karakter."
        )));
    }
    let text = required(&form.text, "teks pemberitahuan", MAX_TEXT)?;
    let notice = dialog::outreach::notice(&text);
    let detail = format!("siaran \"{title}\" ke {}", audience_label(&form.audience));
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Notice,
        office_id,
        audience: form.audience,
        title: title.to_owned(),
        text: notice.text,
        template_params: notice.template_params,
        created_by: by.name(),
        created_at: ctx.now,
        audit: audit(by, "broadcast_created", detail, ctx.now),
    };
    Ok(ctx.store.create_broadcast(broadcast).await?)
}

/// Whether the operator may see and control the broadcast.
fn may_see(by: &Operator, b: &Broadcast) -> bool {
    match by {
        Operator::Cli { .. } => true,
        Operator::Agent(a) => {
            a.role.can(Permission::ManageOutreach)
                && (a.role.is_national() || (b.office_id.is_some() && b.office_id == a.office_id))
        }
    }
}

async fn visible(
    ctx: &Ctx<'_>,
    by: &Operator,
    id: BroadcastId,
) -> Result<Broadcast, OutreachError> {
    let b = ctx
        .store
        .broadcast(id)
        .await?
        .ok_or_else(|| OutreachError::NotFound("Siaran tidak ditemukan.".to_owned()))?;
    if !may_see(by, &b) {
        return Err(forbidden());
    }
    Ok(b)
}

pub async fn act(
    ctx: Ctx<'_>,
    by: &Operator,
    id: BroadcastId,
    action: BroadcastAction,
) -> Result<Broadcast, OutreachError> {
    let b = visible(&ctx, by, id).await?;
    change(&ctx, by, &b, action, None).await
}

async fn change(
    ctx: &Ctx<'_>,
    by: &Operator,
    b: &Broadcast,
    action: BroadcastAction,
    why: Option<&str>,
) -> Result<Broadcast, OutreachError> {
    let (from, to, name) = action.change();
    let refused = |state: BroadcastState| {
        OutreachError::Conflict(format!(
            "Siaran ini berstatus \"{}\" sehingga tidak dapat {}.",
            state.label().to_lowercase(),
            action.verb_passive()
        ))
    };
    if !from.contains(&b.state) {
        return Err(refused(b.state));
    }
    let mut detail = format!(
        "siaran #{} \"{}\" {}",
        b.id.0,
        b.title,
        action.verb_passive()
    );
    if let Some(why) = why {
        detail.push_str(&format!(" ({why})"));
    }
    let result = ctx
        .store
        .set_broadcast_state(BroadcastStateChange {
            id: b.id,
            from: from.to_vec(),
            to,
            at: ctx.now,
            audit: audit(by, name, detail, ctx.now),
        })
        .await;
    match result {
        Ok(b) => Ok(b),
        // It changed meanwhile (finished, or someone else acted first): say how it is now.
        Err(StoreError::Conflict(_)) => {
            let now = ctx
                .store
                .broadcast(b.id)
                .await?
                .map_or(b.state, |n| n.state);
            Err(refused(now))
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels a closure broadcast whose text no longer holds (the closure changed). One that
/// finished meanwhile is left as it is.
pub(crate) async fn stop_superseded(
    ctx: &Ctx<'_>,
    by: &Operator,
    b: &Broadcast,
    why: &str,
) -> Result<(), OutreachError> {
    match change(ctx, by, b, BroadcastAction::Cancel, Some(why)).await {
        Ok(_) | Err(OutreachError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The latest broadcasts the operator may see, newest first, with their progress.
pub async fn list(
    ctx: Ctx<'_>,
    by: &Operator,
    limit: u32,
) -> Result<Vec<(Broadcast, BroadcastProgress)>, OutreachError> {
    let office_id = match by {
        Operator::Cli { .. } => None,
        Operator::Agent(a) if !a.role.can(Permission::ManageOutreach) => return Err(forbidden()),
        Operator::Agent(a) if a.role.is_national() => None,
        Operator::Agent(a) => match a.office_id {
            Some(o) => Some(o),
            None => return Ok(Vec::new()),
        },
    };
    let query = BroadcastQuery {
        office_id,
        state: None,
        limit: limit.clamp(1, 500),
    };
    let mut out = Vec::new();
    for b in ctx.store.broadcasts(&query).await? {
        if may_see(by, &b) {
            let progress = ctx.store.broadcast_progress(b.id).await?;
            out.push((b, progress));
        }
    }
    Ok(out)
}

pub async fn get(
    ctx: Ctx<'_>,
    by: &Operator,
    id: BroadcastId,
) -> Result<(Broadcast, BroadcastProgress), OutreachError> {
    let b = visible(&ctx, by, id).await?;
    let progress = ctx.store.broadcast_progress(id).await?;
    Ok((b, progress))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_and_allow_only_sensible_changes() {
        assert_eq!(
            BroadcastAction::parse("pause"),
            Some(BroadcastAction::Pause)
        );
        assert_eq!(BroadcastAction::parse("stop"), None);
        let (from, to, _) = BroadcastAction::Resume.change();
        assert_eq!(
            (from, to),
            (&[BroadcastState::Paused][..], BroadcastState::Sending)
        );
        let (from, _, _) = BroadcastAction::Cancel.change();
        assert!(!from.contains(&BroadcastState::Done));
        assert!(!from.contains(&BroadcastState::Cancelled));
    }
}

//! Declaring, editing and cancelling closures: checked (who may, sensible times and texts),
//! stored with their audit entry in one transaction, and told to the branch's participants
//! when asked (`notify`). Shared by the console, the agent API and `layan offices`.
//!
//! A broadcast about a closure carries the closure's times in its text, so editing or
//! cancelling the closure cancels its broadcasts still in flight: nobody is told the old
//! times after they changed. With `notify`, a new broadcast then says what changed.

use super::{audit, broadcasts, Ctx, Operator, OutreachError};
use crate::Config;
use cases::Permission;
use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use store::{
    Agent, Audience, Broadcast, BroadcastKind, Closure, ClosureEdit, ClosureId, NewBroadcast,
    NewClosure, Office, OfficeId,
};
use wilayah::TimeZone;

/// Longest reason (a short phrase: "renovasi gedung").
pub const MAX_REASON: usize = 200;
/// Longest message to participants; with the rest of the notice it stays one readable chat
/// message and fits the WhatsApp template's parameter.
pub const MAX_MESSAGE: usize = 600;
/// At most this many alternatives, each at most `MAX_ALTERNATIVE` characters.
pub const MAX_ALTERNATIVES: usize = 6;
pub const MAX_ALTERNATIVE: usize = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct ClosureForm {
    pub office_id: OfficeId,
    /// Local time of the office (its WIB/WITA/WIT zone).
    pub from_local: NaiveDateTime,
    pub until_local: NaiveDateTime,
    pub reason: String,
    pub message: String,
    /// `None`: the defaults (`default_alternatives`).
    pub alternatives: Option<Vec<String>>,
    /// Also send a broadcast to the branch's participants.
    pub notify: bool,
}

#[derive(Debug, Clone)]
pub struct Declared {
    pub closure: Closure,
    pub office: Office,
    pub broadcast: Option<Broadcast>,
}

/// Where participants are served while the office is closed: the branch's WhatsApp
/// (PANDAWA), the care centre and the Mobile JKN app.
pub fn default_alternatives(office: &Office, config: &Config) -> Vec<String> {
    let whatsapp = office
        .whatsapp
        .as_ref()
        .map(|w| w.local())
        .unwrap_or_else(|| dialog::templates::PANDAWA_WHATSAPP.to_owned());
    vec![
        format!("WhatsApp PANDAWA {whatsapp}"),
        format!("Care Center {} (24 jam)", config.outreach.care_center),
        "Aplikasi Mobile JKN".to_owned(),
    ]
}

/// A local date and time as people and forms write it: `2026-11-24 08:00`, `2026-11-24T08:00`
/// (the browser's `datetime-local`), with seconds, or `08.00` with the Indonesian dot. The
/// console, the agent API and the CLI all read closure times through this one function.
pub fn parse_local_time(raw: &str) -> Option<NaiveDateTime> {
    const FORMATS: [&str; 5] = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H.%M",
    ];
    let raw = raw.trim();
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
}

/// Whether the agent may manage the office's closures and notices: a supervisor of that
/// branch, or an admin.
pub fn may_manage(agent: &Agent, office: OfficeId) -> bool {
    if !agent.role.can(Permission::ManageOutreach) {
        return false;
    }
    agent.role.is_national() || agent.office_id == Some(office)
}

pub(crate) fn check_may_manage(by: &Operator, office: OfficeId) -> Result<(), OutreachError> {
    match by {
        Operator::Cli { .. } => Ok(()),
        Operator::Agent(agent) if may_manage(agent, office) => Ok(()),
        Operator::Agent(_) => Err(OutreachError::Forbidden(
            "Anda tidak memiliki izin untuk mengelola penutupan dan pemberitahuan kantor ini. Hanya supervisor kantor cabang tersebut atau admin yang dapat melakukannya.".to_owned(),
        )),
    }
}

/// The office's local time as UTC (Indonesia has no daylight saving: every local time exists
/// exactly once).
pub fn to_utc(local: NaiveDateTime, tz: TimeZone) -> DateTime<Utc> {
    let offset = directory::hours::offset(tz);
    match offset.from_local_datetime(&local).single() {
        Some(t) => t.with_timezone(&Utc),
        None => local.and_utc() - chrono::Duration::seconds(i64::from(offset.local_minus_utc())),
    }
}

/// The checked values of a form.
#[derive(Debug, PartialEq)]
struct Checked {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: String,
    message: String,
    alternatives: Vec<String>,
}

pub(super) fn invalid(message: impl Into<String>) -> OutreachError {
    OutreachError::Invalid(message.into())
}

pub(super) fn required(text: &str, what: &str, max: usize) -> Result<String, OutreachError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(format!("Mohon isi {what}.")));
    }
    let len = t.chars().count();
    if len > max {
        return Err(invalid(format!(
            "{} terlalu panjang ({len} karakter); mohon persingkat menjadi paling banyak {max} karakter.",
            capitalise(what)
        )));
    }
    Ok(t.to_owned())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn check(
    form: &ClosureForm,
    office: &Office,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Checked, OutreachError> {
    let starts_at = to_utc(form.from_local, office.timezone);
    let ends_at = to_utc(form.until_local, office.timezone);
    if ends_at <= starts_at {
        return Err(invalid(
            "Waktu selesai penutupan harus sesudah waktu mulainya. Mohon periksa kembali tanggal dan jamnya.",
        ));
    }
    if ends_at <= now {
        return Err(invalid(
            "Penutupan ini seluruhnya sudah lewat. Mohon isi waktu selesai yang masih akan datang.",
        ));
    }
    let reason = required(&form.reason, "alasan penutupan", MAX_REASON)?;
    let message = required(&form.message, "pesan untuk peserta", MAX_MESSAGE)?;
    let alternatives = match &form.alternatives {
        None => default_alternatives(office, config),
        Some(list) => {
            let list: Vec<String> = list
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect();
            if list.len() > MAX_ALTERNATIVES {
                return Err(invalid(format!(
                    "Mohon cantumkan paling banyak {MAX_ALTERNATIVES} layanan pengganti."
                )));
            }
            if let Some(long) = list.iter().find(|a| a.chars().count() > MAX_ALTERNATIVE) {
                return Err(invalid(format!(
                    "Layanan pengganti \"{}…\" terlalu panjang; mohon persingkat menjadi paling banyak {MAX_ALTERNATIVE} karakter.",
                    long.chars().take(30).collect::<String>()
                )));
            }
            list
        }
    };
    Ok(Checked {
        starts_at,
        ends_at,
        reason,
        message,
        alternatives,
    })
}

pub(super) async fn office(ctx: &Ctx<'_>, id: OfficeId) -> Result<Office, OutreachError> {
    ctx.store
        .office(id)
        .await?
        .ok_or_else(|| OutreachError::NotFound("Kantor cabang tidak ditemukan.".to_owned()))
}

async fn closure(ctx: &Ctx<'_>, id: ClosureId) -> Result<Closure, OutreachError> {
    ctx.store
        .closure(id)
        .await?
        .ok_or_else(|| OutreachError::NotFound("Penutupan kantor tidak ditemukan.".to_owned()))
}

/// "24/11 08.00–26/11 15.00 WITA" for audit details and broadcast titles.
fn span(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: TimeZone) -> String {
    let offset = directory::hours::offset(tz);
    format!(
        "{}–{} {}",
        starts_at.with_timezone(&offset).format("%d/%m %H.%M"),
        ends_at.with_timezone(&offset).format("%d/%m %H.%M"),
        tz.abbreviation()
    )
}

fn title(what: &str, office: &Office, c: &Closure) -> String {
    format!(
        "{what} {} {}",
        office.name,
        span(c.starts_at, c.ends_at, office.timezone)
    )
}

/// Queues a broadcast about `closure` to the branch's participants.
async fn notify(
    ctx: &Ctx<'_>,
    by: &Operator,
    office: &Office,
    closure: &Closure,
    title: String,
    notice: dialog::outreach::Notice,
) -> Result<Broadcast, OutreachError> {
    let broadcast = NewBroadcast {
        kind: BroadcastKind::Closure {
            closure_id: closure.id,
        },
        office_id: Some(office.id),
        audience: Audience::Office {
            office_id: office.id,
        },
        title: title.clone(),
        text: notice.text,
        template_params: notice.template_params,
        created_by: by.name(),
        created_at: ctx.now,
        audit: audit(
            by,
            "broadcast_created",
            format!("siaran \"{title}\" ke peserta {}", office.name),
            ctx.now,
        ),
    };
    Ok(ctx.store.create_broadcast(broadcast).await?)
}

/// Declaring, editing and cancelling all end alike: the notice, when the operator asked
/// for one, goes out as a broadcast titled `what` and the office's details.
async fn declared(
    ctx: &Ctx<'_>,
    by: &Operator,
    office: Office,
    closure: Closure,
    what: &str,
    notice: Option<dialog::outreach::Notice>,
) -> Result<Declared, OutreachError> {
    let broadcast = match notice {
        Some(notice) => {
            let t = title(what, &office, &closure);
            Some(notify(ctx, by, &office, &closure, t, notice).await?)
        }
        None => None,
    };
    Ok(Declared {
        closure,
        office,
        broadcast,
    })
}

/// Cancels the closure's broadcasts still being sent (their text has the old details).
async fn supersede(
    ctx: &Ctx<'_>,
    by: &Operator,
    closure: &Closure,
    why: &str,
) -> Result<(), OutreachError> {
    let mut in_flight = Vec::new();
    for state in [
        store::BroadcastState::Sending,
        store::BroadcastState::Paused,
    ] {
        let query = store::BroadcastQuery {
            office_id: Some(closure.office_id),
            state: Some(state),
            limit: 1_000,
        };
        in_flight.extend(ctx.store.broadcasts(&query).await?.into_iter().filter(|b| {
            b.kind
                == BroadcastKind::Closure {
                    closure_id: closure.id,
                }
        }));
    }
    for b in in_flight {
        broadcasts::stop_superseded(ctx, by, &b, why).await?;
    }
    Ok(())
}

pub async fn declare(
    ctx: Ctx<'_>,
    by: &Operator,
    form: ClosureForm,
) -> Result<Declared, OutreachError> {
    let office = office(&ctx, form.office_id).await?;
    check_may_manage(by, office.id)?;
    let c = check(&form, &office, ctx.config, ctx.now)?;
    let detail = format!(
        "penutupan {} ({}) {}: {}",
        office.name,
        office.code,
        span(c.starts_at, c.ends_at, office.timezone),
        c.reason
    );
    let closure = ctx
        .store
        .declare_closure(
            NewClosure {
                office_id: office.id,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                reason: c.reason,
                message: c.message,
                alternatives: c.alternatives,
                created_at: ctx.now,
                created_by: by.name(),
            },
            audit(by, "closure_declared", detail, ctx.now),
        )
        .await?;
    let notice = form.notify.then(|| {
        dialog::outreach::closure_notice(
            &office.name,
            office.timezone,
            &closure,
            &ctx.config.outreach.care_center,
        )
    });
    declared(&ctx, by, office, closure, "Penutupan", notice).await
}

pub async fn edit(
    ctx: Ctx<'_>,
    by: &Operator,
    id: ClosureId,
    form: ClosureForm,
) -> Result<Declared, OutreachError> {
    let existing = closure(&ctx, id).await?;
    check_may_manage(by, existing.office_id)?;
    if form.office_id != existing.office_id {
        return Err(invalid(
            "Kantor sebuah penutupan tidak dapat diganti. Batalkan penutupan ini, lalu buat penutupan baru untuk kantor yang lain.",
        ));
    }
    if existing.cancelled_at.is_some() {
        return Err(cancelled_already());
    }
    let office = office(&ctx, existing.office_id).await?;
    let c = check(&form, &office, ctx.config, ctx.now)?;
    let detail = format!(
        "penutupan #{} {} ({}): {} menjadi {}: {}",
        id.0,
        office.name,
        office.code,
        span(existing.starts_at, existing.ends_at, office.timezone),
        span(c.starts_at, c.ends_at, office.timezone),
        c.reason
    );
    let closure = ctx
        .store
        .update_closure(
            ClosureEdit {
                id,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                reason: c.reason,
                message: c.message,
                alternatives: c.alternatives,
            },
            audit(by, "closure_edited", detail, ctx.now),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => cancelled_already(),
            e => e.into(),
        })?;
    supersede(&ctx, by, &closure, "penutupan diubah").await?;
    let notice = form.notify.then(|| {
        dialog::outreach::closure_changed_notice(
            &office.name,
            office.timezone,
            &closure,
            &ctx.config.outreach.care_center,
        )
    });
    declared(&ctx, by, office, closure, "Perubahan penutupan", notice).await
}

fn cancelled_already() -> OutreachError {
    OutreachError::Conflict(
        "Penutupan ini sudah dibatalkan sehingga tidak dapat diubah. Buat penutupan baru bila kantor tetap perlu ditutup.".to_owned(),
    )
}

pub async fn cancel(
    ctx: Ctx<'_>,
    by: &Operator,
    id: ClosureId,
    notify_participants: bool,
) -> Result<Declared, OutreachError> {
    let existing = closure(&ctx, id).await?;
    check_may_manage(by, existing.office_id)?;
    let office = office(&ctx, existing.office_id).await?;
    let was_cancelled = existing.cancelled_at.is_some();
    if !was_cancelled && existing.ends_at <= ctx.now {
        return Err(invalid(
            "Penutupan ini sudah berakhir, jadi tidak perlu dibatalkan.",
        ));
    }
    let detail = format!(
        "penutupan #{} {} ({}) {} dibatalkan",
        id.0,
        office.name,
        office.code,
        span(existing.starts_at, existing.ends_at, office.timezone),
    );
    let closure = ctx
        .store
        .cancel_closure(id, ctx.now, audit(by, "closure_cancelled", detail, ctx.now))
        .await?;
    supersede(&ctx, by, &closure, "penutupan dibatalkan").await?;
    // Cancelling twice tells the participants once.
    let notice = (notify_participants && !was_cancelled).then(|| {
        dialog::outreach::closure_cancelled_notice(&office.name, office.timezone, &closure)
    });
    declared(&ctx, by, office, closure, "Pembatalan penutupan", notice).await
}

/// The office's closures that have not ended, cancelled ones included, latest start first.
pub async fn list(ctx: Ctx<'_>, office_id: OfficeId) -> Result<Vec<Closure>, OutreachError> {
    Ok(list_with_office(ctx, office_id).await?.1)
}

/// [`list`] with the office it looked up, for callers that show the office too.
pub async fn list_with_office(
    ctx: Ctx<'_>,
    office_id: OfficeId,
) -> Result<(Office, Vec<Closure>), OutreachError> {
    let office = office(&ctx, office_id).await?;
    let list = ctx.store.office_closures(office_id, ctx.now, 200).await?;
    Ok((office, list))
}

/// A closure and its office, for the API and the console's edit form.
pub async fn get(ctx: Ctx<'_>, id: ClosureId) -> Result<(Closure, Office), OutreachError> {
    let c = closure(&ctx, id).await?;
    let o = office(&ctx, c.office_id).await?;
    Ok((c, o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cases::AgentRole;
    use chrono::NaiveDate;
    use directory::WeeklyHours;

    fn office() -> Office {
        Office {
            id: OfficeId(3),
            code: "KC7371".into(),
            name: "KC Makassar".into(),
            regencies: vec![7371],
            address: "Jl. A. P. Pettarani".into(),
            latitude: -5.15,
            longitude: 119.43,
            phone: "0411-123456".into(),
            whatsapp: None,
            hours: WeeklyHours::weekdays(480, 900),
            timezone: TimeZone::Wita,
        }
    }

    fn local(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn form(from: NaiveDateTime, until: NaiveDateTime) -> ClosureForm {
        ClosureForm {
            office_id: OfficeId(3),
            from_local: from,
            until_local: until,
            reason: "Perbaikan listrik".into(),
            message: "Mohon maaf atas ketidaknyamanannya.".into(),
            alternatives: None,
            notify: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
    }

    fn agent(role: AgentRole, office: Option<i64>) -> Agent {
        Agent {
            id: store::AgentId(1),
            username: "a".into(),
            name: "A".into(),
            role,
            office_id: office.map(OfficeId),
            password_hash: String::new(),
            shifts: Vec::new(),
            max_open_cases: 20,
            active: true,
            failed_sign_ins: 0,
            locked_until: None,
            last_assigned_at: None,
            created_at: now(),
        }
    }

    /// `check` against the test office, with the default configuration, at `now()`.
    fn checked(f: &ClosureForm) -> Result<Checked, OutreachError> {
        check(f, &office(), &Config::default(), now())
    }

    #[test]
    fn local_times_become_utc_in_the_offices_zone() {
        let c = checked(&form(local(24, 8), local(25, 15))).unwrap();
        assert_eq!(
            c.starts_at,
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
        );
        assert_eq!(
            c.ends_at,
            Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
        );
        assert_eq!(
            to_utc(local(24, 8), TimeZone::Wit),
            Utc.with_ymd_and_hms(2026, 11, 23, 23, 0, 0).unwrap()
        );
    }

    #[test]
    fn the_defaults_name_the_branch_whatsapp_care_center_and_app() {
        let c = checked(&form(local(24, 8), local(25, 15))).unwrap();
        assert_eq!(
            c.alternatives,
            vec![
                "WhatsApp PANDAWA 08118165165",
                "Care Center 165 (24 jam)",
                "Aplikasi Mobile JKN"
            ]
        );
    }

    #[test]
    fn times_must_be_in_order_and_not_all_past() {
        let backwards = checked(&form(local(25, 8), local(24, 8)));
        assert!(matches!(backwards, Err(OutreachError::Invalid(m)) if m.contains("sesudah")));
        let same = checked(&form(local(24, 8), local(24, 8)));
        assert!(matches!(same, Err(OutreachError::Invalid(_))));
        // Ended at 10.00 WITA on the 23rd; now is 11.00 WITA.
        let past = checked(&form(local(23, 8), local(23, 10)));
        assert!(matches!(past, Err(OutreachError::Invalid(m)) if m.contains("sudah lewat")));
        // Started earlier, still going: allowed (a closure declared after the fact).
        assert!(checked(&form(local(23, 8), local(23, 15))).is_ok());
    }

    #[test]
    fn reason_and_message_are_required_and_bounded() {
        let mut f = form(local(24, 8), local(25, 15));
        f.reason = "   ".into();
        assert!(matches!(checked(&f), Err(OutreachError::Invalid(m)) if m.contains("alasan")));
        let mut f = form(local(24, 8), local(25, 15));
        f.message = "x".repeat(MAX_MESSAGE + 1);
        assert!(
            matches!(checked(&f), Err(OutreachError::Invalid(m)) if m.contains("terlalu panjang"))
        );
        let mut f = form(local(24, 8), local(25, 15));
        f.alternatives = Some(vec!["".into(), " Kantor KC Maros ".into()]);
        assert_eq!(checked(&f).unwrap().alternatives, vec!["Kantor KC Maros"]);
        f.alternatives = Some(vec!["x".into(); MAX_ALTERNATIVES + 1]);
        assert!(checked(&f).is_err());
    }

    #[test]
    fn supervisors_manage_their_branch_and_admins_every_branch() {
        assert!(may_manage(
            &agent(AgentRole::Supervisor, Some(3)),
            OfficeId(3)
        ));
        assert!(!may_manage(
            &agent(AgentRole::Supervisor, Some(4)),
            OfficeId(3)
        ));
        assert!(!may_manage(&agent(AgentRole::Agent, Some(3)), OfficeId(3)));
        assert!(may_manage(&agent(AgentRole::Admin, None), OfficeId(3)));
        assert!(check_may_manage(&Operator::Cli { name: "x".into() }, OfficeId(3)).is_ok());
        assert!(matches!(
            check_may_manage(
                &Operator::Agent(agent(AgentRole::Agent, Some(3))),
                OfficeId(3)
            ),
            Err(OutreachError::Forbidden(_))
        ));
    }
}

//! What the console and the agent API share: who may see which case, the queue, the case
//! screen's data and every action on a case. The HTML pages and the JSON API are two thin
//! renderings of these functions, so a rule lives in one place.

use crate::casework::calendar::Branches;
use crate::casework::{links, notify};
use crate::console::auth::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use cases::kind::FieldType;
use cases::status::next_status;
use cases::{
    AgentRole, BusinessCalendar, CaseAction, CaseKind, CaseStatus, Permission, SlaView,
    TransitionError,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{
    Actor, Agent, AgentId, Case, CaseChange, CaseEventKind, CaseId, CaseQuery, ConversationRecord,
    NewAudit, NewCaseEvent, NewFormLink, OfficeId, StoreError,
};
use wilayah::TimeZone;

/// Most open cases a queue shows.
const QUEUE_LIMIT: u32 = 500;
/// Turns of the participant's conversation shown on the case screen.
const TURNS_SHOWN: u32 = 100;
/// Longest reply, note or reason an agent may write (a chat message stays readable).
const MAX_TEXT: usize = 2000;

/// A case id from a path; anything else is a case that does not exist.
pub fn case_id(raw: &str) -> Result<CaseId, ApiError> {
    raw.parse::<i64>()
        .map(CaseId)
        .map_err(|_| ApiError::not_found("Kasus tidak ditemukan."))
}

// ---- who sees what ----------------------------------------------------------------------------

/// Whether `agent` may see and work `case`: an agent their own cases, a supervisor every case
/// of their branch and those of no branch, an admin everything.
pub fn may_work(agent: &Agent, case: &Case) -> bool {
    if agent.role.is_national() {
        return true;
    }
    if agent.role.can(Permission::WorkBranchCases)
        && (case.office_id.is_none() || case.office_id == agent.office_id)
    {
        return true;
    }
    agent.role.can(Permission::WorkOwnCases) && case.assigned_to == Some(agent.id)
}

/// The case, if it exists and the agent may see it. A case the agent may not see is "not
/// found", so ids cannot be probed.
pub async fn visible_case(
    state: &AppState,
    signed: &SignedIn,
    id: CaseId,
) -> Result<Case, ApiError> {
    match state.store.case(id).await? {
        Some(c) if may_work(&signed.agent, &c) => Ok(c),
        _ => Err(ApiError::not_found(
            "Kasus tidak ditemukan atau bukan bagian dari antrean Anda.",
        )),
    }
}

// ---- shared lookups -----------------------------------------------------------------------------

/// Branches, agents and calendars, read once per page.
pub struct Directory {
    pub branches: Branches,
    pub agents: HashMap<AgentId, Agent>,
}

impl Directory {
    pub async fn load(state: &AppState) -> Result<Directory, ApiError> {
        let branches = Branches::load(state.store.as_ref()).await?;
        let agents = state
            .store
            .agents(None)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(Directory { branches, agents })
    }

    pub fn tz(&self, office: Option<OfficeId>) -> TimeZone {
        self.branches.tz(office)
    }

    pub fn office_name(&self, office: Option<OfficeId>) -> String {
        self.branches.name(office)
    }

    pub fn agent_name(&self, id: AgentId) -> String {
        self.agents
            .get(&id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| format!("Petugas #{}", id.0))
    }

    pub async fn calendar(
        &mut self,
        state: &AppState,
        office: Option<OfficeId>,
    ) -> Result<BusinessCalendar, ApiError> {
        Ok(self.branches.calendar(state.store.as_ref(), office).await?)
    }
}

/// `24/11/2026 08.00 WITA`: the branch's own time, with its zone.
pub fn local(at: DateTime<Utc>, tz: TimeZone) -> String {
    let t = at.with_timezone(&directory::hours::offset(tz));
    format!("{} {}", t.format("%d/%m/%Y %H.%M"), tz.abbreviation())
}

pub fn kind_label(kind: &str) -> String {
    match kind.parse::<CaseKind>() {
        Ok(k) => k.spec().label.to_string(),
        Err(_) => kind.to_string(),
    }
}

/// The SLA of an open or closed case, `None` for a kind not in the catalogue.
async fn sla_of(
    state: &AppState,
    dir: &mut Directory,
    case: &Case,
    now: DateTime<Utc>,
) -> Result<Option<SlaView>, ApiError> {
    let Ok(kind) = case.kind.parse::<CaseKind>() else {
        return Ok(None);
    };
    let cal = dir.calendar(state, case.office_id).await?;
    Ok(Some(cases::sla::evaluate(
        kind.spec().sla,
        &cal,
        case.created_at,
        case.first_response_at,
        case.closed_at,
        now,
    )))
}

// ---- the queue -------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub status: CaseStatus,
    pub status_label: &'static str,
    pub channel: String,
    pub office_id: Option<i64>,
    pub office: String,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// In the branch's time: `23/11/2026 10.05 WIB`.
    pub created_local: String,
    pub first_response_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub sla: Option<SlaView>,
    /// The SLA's targets in the branch's time.
    pub first_response_due_local: Option<String>,
    pub resolution_due_local: Option<String>,
    /// Past its first-response or resolution target.
    pub breached: bool,
}

async fn summary(
    state: &AppState,
    dir: &mut Directory,
    case: &Case,
    now: DateTime<Utc>,
) -> Result<CaseSummary, ApiError> {
    let sla = sla_of(state, dir, case, now).await?;
    Ok(CaseSummary {
        id: case.id.0,
        number: case.number.clone(),
        kind: case.kind.clone(),
        kind_label: kind_label(&case.kind),
        status: case.status,
        status_label: case.status.label_id(),
        channel: case.channel.clone(),
        office_id: case.office_id.map(|o| o.0),
        office: dir.office_name(case.office_id),
        assigned_to: case.assigned_to.map(|a| a.0),
        assigned_name: case.assigned_to.map(|a| dir.agent_name(a)),
        created_at: case.created_at,
        created_local: local(case.created_at, dir.tz(case.office_id)),
        first_response_at: case.first_response_at,
        closed_at: case.closed_at,
        breached: sla.is_some_and(|s| s.breached()),
        first_response_due_local: sla
            .and_then(|s| s.first_response_due)
            .map(|t| local(t, dir.tz(case.office_id))),
        resolution_due_local: sla
            .and_then(|s| s.resolution_due)
            .map(|t| local(t, dir.tz(case.office_id))),
        sla,
    })
}

/// One case as the queue shows it.
pub async fn summary_of(state: &AppState, case: &Case) -> Result<CaseSummary, ApiError> {
    let mut dir = Directory::load(state).await?;
    summary(state, &mut dir, case, state.now()).await
}

/// The open cases the agent works: their own; a supervisor's branch (with unassigned and
/// unplaced cases); every branch for an admin. Oldest first.
pub async fn queue(state: &AppState, signed: &SignedIn) -> Result<Vec<CaseSummary>, ApiError> {
    let agent = &signed.agent;
    let mut query = CaseQuery {
        statuses: CaseStatus::OPEN.to_vec(),
        oldest_first: true,
        limit: QUEUE_LIMIT,
        ..CaseQuery::default()
    };
    if agent.role.is_national() {
        query.include_unplaced = true;
    } else if agent.role.can(Permission::WorkBranchCases) {
        query.office_id = agent.office_id;
        query.include_unplaced = true;
    } else {
        query.assigned_to = Some(Some(agent.id));
    }
    let cases = state.store.list_cases(&query).await?;
    let now = state.now();
    let mut dir = Directory::load(state).await?;
    let mut out = Vec::with_capacity(cases.len());
    for c in cases
        .iter()
        .filter(|c| may_work(agent, c) && !c.status.is_closed())
    {
        out.push(summary(state, &mut dir, c, now).await?);
    }
    Ok(out)
}

// ---- the case screen ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub name: String,
    pub relation: &'static str,
    pub nik: String,
    pub card_number: String,
    pub birth_date: chrono::NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView {
    pub id: i64,
    pub name: String,
    /// Masked (`3509********0001`) unless revealed.
    pub nik: String,
    pub card_number: String,
    pub revealed: bool,
    pub birth_date: chrono::NaiveDate,
    pub phone: Option<String>,
    pub segment: &'static str,
    pub class: u8,
    pub relation: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub family_card: String,
    pub segment: &'static str,
    pub class: u8,
    pub active: bool,
    pub status_label: &'static str,
    /// Why, in Indonesian (from the ledger through the `jkn` rules).
    pub explanation: String,
    pub months_in_arrears: u32,
    pub arrears: String,
    pub current_month_due: String,
    pub last_payment: Option<String>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnView {
    /// "in" (the participant) or "out" (the assistant or an agent).
    pub direction: String,
    pub text: String,
    pub at: DateTime<Utc>,
    pub local: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub document: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub uploaded_local: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub kind: &'static str,
    pub label: &'static str,
    pub actor: String,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub assigned_to: Option<String>,
    pub text: String,
    pub at: DateTime<Utc>,
    pub local: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentBrief {
    pub id: i64,
    pub name: String,
    pub username: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    pub case: CaseSummary,
    pub fields: Vec<FieldView>,
    pub participant: Option<ParticipantView>,
    pub account: Option<AccountView>,
    /// What the rules say about the request (FKTP change, class change, reactivation...).
    pub eligibility: Vec<String>,
    /// The participant's conversation on the channel of the case, oldest first.
    pub conversation: Vec<TurnView>,
    pub attachments: Vec<AttachmentView>,
    pub history: Vec<EventView>,
    /// The actions this agent may take now.
    pub actions: Vec<&'static str>,
    /// Who the case can be reassigned to (supervisors and admins).
    pub reassign_to: Vec<AgentBrief>,
}

/// `3509********0001`: the first and last four of any long run of digits (an NIK or card
/// number typed into a chat or a form).
pub fn mask_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 12 {
            out.push_str(&run[..4]);
            out.push_str(&"*".repeat(run.len() - 8));
            out.push_str(&run[run.len() - 4..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn field_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// Notes the assistant keeps beside a form's fields, with the labels agents read.
const NOTE_LABELS: [(&str, &str); 5] = [
    ("current_fktp", "FKTP saat ini"),
    ("current_class", "Kelas saat ini"),
    ("effective_on", "Berlaku mulai"),
    ("newborn_on_time", "Bayi didaftarkan tepat waktu"),
    ("move", "Perpindahan segmen"),
];

fn fields_view(case: &Case, reveal: bool) -> Vec<FieldView> {
    let obj = case.fields.as_object().cloned().unwrap_or_default();
    // What the participant was shown for each answer ("Puskesmas Sumbersari (3509P021)"),
    // better for a person than the stored code or id.
    let labels = obj
        .get("labels")
        .and_then(|l| l.as_object())
        .cloned()
        .unwrap_or_default();
    let label_of = |key: &str| {
        labels
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty() && *v != "-")
            .map(str::to_string)
    };
    let spec = case.kind.parse::<CaseKind>().ok().map(|k| k.spec());
    let mut out = Vec::new();
    let mut shown = std::collections::HashSet::from(["labels".to_string()]);
    let show = |v: String| if reveal { v } else { mask_digits(&v) };
    if let Some(spec) = spec {
        for f in spec.fields {
            if let Some(v) = obj.get(f.key) {
                shown.insert(f.key.to_string());
                let value = field_value(v);
                let value = match f.kind {
                    FieldType::Nik => show(value),
                    // The label the participant chose, not the stored code.
                    FieldType::Choice(options) => options
                        .iter()
                        .find(|(code, _)| *code == value)
                        .map(|(_, label)| label.to_string())
                        .or_else(|| label_of(f.key))
                        .unwrap_or(value),
                    _ => mask_digits_unless(reveal, label_of(f.key).unwrap_or(value)),
                };
                out.push(FieldView {
                    key: f.key.to_string(),
                    label: f.label.to_string(),
                    value,
                });
            }
        }
    }
    for (k, v) in obj {
        // Internal ids are for the system; their readable form is shown under another key.
        if shown.contains(&k) || k.ends_with("_id") {
            continue;
        }
        let label = NOTE_LABELS
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, label)| label.to_string())
            .unwrap_or_else(|| k.replace('_', " "));
        out.push(FieldView {
            label,
            value: mask_digits_unless(reveal, label_of(&k).unwrap_or_else(|| field_value(&v))),
            key: k,
        });
    }
    out
}

fn mask_digits_unless(reveal: bool, v: String) -> String {
    if reveal {
        v
    } else {
        mask_digits(&v)
    }
}

fn event_label(kind: CaseEventKind) -> &'static str {
    match kind {
        CaseEventKind::Created => "Kasus dibuat",
        CaseEventKind::Assigned => "Dibagikan ke petugas",
        CaseEventKind::StatusChanged => "Status berubah",
        CaseEventKind::Reply => "Balasan ke peserta",
        CaseEventKind::Note => "Catatan internal",
        CaseEventKind::DocumentRequested => "Meminta dokumen",
        CaseEventKind::DocumentReceived => "Dokumen diterima",
        CaseEventKind::HandedBack => "Dikembalikan ke asisten virtual",
        CaseEventKind::FieldsUpdated => "Isian diperbarui",
    }
}

/// The request's eligibility under the `jkn` rules, in Indonesian, from the stored data.
fn eligibility(state: &AppState, case: &Case, account: Option<&dialog::Account>) -> Vec<String> {
    let Some(acc) = account else {
        return Vec::new();
    };
    let mut out = vec![format!(
        "Status kepesertaan: {}. {}",
        if acc.active() { "aktif" } else { "tidak aktif" },
        acc.status.message()
    )];
    let requested_on = directory::hours::local_date(
        case.created_at,
        wilayah::timezone_of_district(acc.me.district_code).unwrap_or(TimeZone::Wib),
    );
    let field = |k: &str| {
        case.fields
            .get(k)
            .map(field_value)
            .unwrap_or_default()
            .to_lowercase()
    };
    match case.kind.parse::<CaseKind>() {
        Ok(CaseKind::PindahFaskes) => match acc.me.fktp_since {
            Some(since) => {
                // The form's choice (`fktp_reason`: the rule's own codes); a free-text reason
                // from the chat only counts when it names the exemption itself.
                let chosen = case
                    .fields
                    .get("fktp_reason")
                    .cloned()
                    .and_then(|v| serde_json::from_value::<jkn::FktpChangeReason>(v).ok());
                let why = format!("{} {}", field("alasan"), field("reason"));
                let reason = chosen.unwrap_or(if why.contains("domisili") {
                    jkn::FktpChangeReason::MovedDomicile
                } else if why.contains("dinas") || why.contains("surat tugas") {
                    jkn::FktpChangeReason::OfficialAssignment
                } else {
                    jkn::FktpChangeReason::Regular
                });
                let input = jkn::FktpChangeInput {
                    fktp_since: since.min(requested_on),
                    requested_on,
                    reason,
                };
                match jkn::fktp_change(&input, &state.rules) {
                    Ok(r) => out.push(r.message()),
                    Err(e) => out.push(format!("Kelayakan pindah FKTP tidak dapat dihitung: {e}")),
                }
            }
            None => {
                out.push("Tanggal pemilihan FKTP saat ini tidak tercatat; periksa manual.".into())
            }
        },
        Ok(CaseKind::UbahKelas) => {
            let wanted = ["kelas_baru", "kelas", "requested_class", "class"]
                .iter()
                .map(|k| field(k))
                .find_map(|v| {
                    v.trim()
                        .trim_start_matches("kelas")
                        .trim()
                        .parse::<u8>()
                        .ok()
                })
                .and_then(|n| jkn::CareClass::try_from(n).ok());
            match wanted {
                Some(requested_class) => {
                    let input = jkn::ClassChangeInput {
                        segment: acc.family.segment,
                        current_class: acc.family.class,
                        requested_class,
                        class_since: acc.me.class_since.min(requested_on),
                        months_in_arrears: acc.status.months_in_arrears,
                        whole_family: true,
                        requested_on,
                    };
                    match jkn::class_change(&input, &state.rules) {
                        Ok(r) => out.push(r.message()),
                        Err(e) => {
                            out.push(format!("Kelayakan ubah kelas tidak dapat dihitung: {e}"))
                        }
                    }
                }
                None => out.push(
                    "Kelas yang diminta tidak tercantum pada isian; tanyakan kepada peserta."
                        .into(),
                ),
            }
        }
        Ok(CaseKind::AktivasiKartu) => out.push(acc.reactivation(&state.rules).message()),
        _ => {}
    }
    out
}

/// Which actions the agent may take on `case` now.
fn available_actions(agent: &Agent, case: &Case) -> Vec<&'static str> {
    if case.status.is_closed() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mine = case.assigned_to == Some(agent.id);
    if case.status == CaseStatus::Submitted || !mine {
        out.push("take");
    }
    out.extend(["reply", "ask_documents", "note"]);
    if case.status != CaseStatus::Submitted {
        out.push("complete");
    }
    out.push("reject");
    if agent.role.can(Permission::Reassign) {
        out.push("reassign");
    }
    if case.kind == CaseKind::LiveChat.as_str() && case.status != CaseStatus::Submitted {
        out.push("hand_back");
    }
    out
}

fn audit(
    signed: &SignedIn,
    case: &Case,
    action: &str,
    detail: String,
    at: DateTime<Utc>,
) -> NewAudit {
    NewAudit {
        at,
        agent_id: Some(signed.agent.id),
        action: action.to_string(),
        participant_id: case.participant_id,
        case_id: Some(case.id),
        detail,
    }
}

/// Everything the case screen shows. Reading it is audited (`view_case`); with `reveal`
/// the full NIK and card number are shown and that is audited too (`reveal_nik`).
pub async fn detail(
    state: &AppState,
    signed: &SignedIn,
    id: CaseId,
    reveal: bool,
) -> Result<CaseDetail, ApiError> {
    let case = visible_case(state, signed, id).await?;
    let now = state.now();
    let mut dir = Directory::load(state).await?;
    let tz = dir.tz(case.office_id);

    let data = dialog::StoreData::new(state.store.clone());
    let account = match case.participant_id {
        Some(p) => dialog::Account::load(&data, p, now, &state.rules)
            .await
            .map_err(|e| match e {
                dialog::DialogError::Data(s) => ApiError::from(s),
                other => {
                    tracing::error!(error = %other, "loading an account for the console");
                    ApiError::internal()
                }
            })?,
        None => None,
    };
    let masked_nik = account.as_ref().map(|a| a.me.nik.to_string());
    state
        .store
        .append_audit(audit(
            signed,
            &case,
            "view_case",
            format!("{} dibuka", case.number),
            now,
        ))
        .await?;
    if reveal {
        if case.participant_id.is_none() {
            return Err(ApiError::bad_request(
                "no_participant",
                "Kasus ini belum terhubung dengan peserta; tidak ada NIK untuk ditampilkan.",
            ));
        }
        state
            .store
            .append_audit(audit(
                signed,
                &case,
                "reveal_nik",
                format!(
                    "NIK dan nomor kartu lengkap ditampilkan ({})",
                    masked_nik.clone().unwrap_or_default()
                ),
                now,
            ))
            .await?;
    }

    // The assigned agent opening a live chat takes the conversation from the assistant.
    if case.kind == CaseKind::LiveChat.as_str()
        && !case.status.is_closed()
        && case.assigned_to == Some(signed.agent.id)
    {
        if let Some(record) = state
            .store
            .conversation(&case.channel, &case.sender)
            .await?
        {
            let joined = dialog::handoff::agent_joined(&record, &signed.agent.name, now);
            if joined.status != record.status {
                state.store.save_conversation(&joined).await?;
            }
        }
    }

    let participant = account.as_ref().map(|a| {
        let p = &a.me;
        ParticipantView {
            id: p.id.0,
            name: p.name.clone(),
            nik: if reveal {
                p.nik.expose().to_string()
            } else {
                p.nik.to_string()
            },
            card_number: if reveal {
                p.card_number.expose().to_string()
            } else {
                p.card_number.to_string()
            },
            revealed: reveal,
            birth_date: p.birth_date,
            phone: p.phone.as_ref().map(|m| {
                if reveal {
                    m.expose().to_string()
                } else {
                    m.to_string()
                }
            }),
            segment: p.segment.label(),
            class: p.class.number(),
            relation: p.relation.label(),
        }
    });
    let account_view = account.as_ref().map(|a| AccountView {
        family_card: a.family.kk_number.to_string(),
        segment: a.family.segment.label(),
        class: a.family.class.number(),
        active: a.active(),
        status_label: if a.active() { "aktif" } else { "tidak aktif" },
        explanation: a.status.message(),
        months_in_arrears: a.status.months_in_arrears,
        arrears: a.status.arrears.to_string(),
        current_month_due: a.status.current_month_due.to_string(),
        last_payment: a
            .status
            .last_payment
            .as_ref()
            .map(|p| format!("{} pada {}", p.amount, p.paid_on.format("%d/%m/%Y"))),
        members: a
            .members
            .iter()
            .map(|m| MemberView {
                name: m.name.clone(),
                relation: m.relation.label(),
                nik: m.nik.to_string(),
                card_number: m.card_number.to_string(),
                birth_date: m.birth_date,
            })
            .collect(),
    });
    let eligibility = eligibility(state, &case, account.as_ref());

    let mut turns = state
        .store
        .recent_turns(&case.channel, &case.sender, TURNS_SHOWN)
        .await?;
    turns.reverse();
    let conversation = turns
        .into_iter()
        .map(|t| TurnView {
            direction: t.direction.clone(),
            text: mask_digits_unless(reveal, t.text.clone()),
            local: local(t.at, tz),
            at: t.at,
        })
        .collect();
    let attachments = state
        .store
        .case_attachments(case.id)
        .await?
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id.0,
            document: a.document,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            uploaded_local: local(a.uploaded_at, tz),
        })
        .collect();
    let history = state
        .store
        .case_events(case.id)
        .await?
        .into_iter()
        .map(|e| EventView {
            kind: e.kind.as_str(),
            label: event_label(e.kind),
            actor: match &e.actor {
                Actor::Agent(a) => dir.agent_name(*a),
                Actor::Participant => "Peserta".to_string(),
                Actor::System => "Sistem".to_string(),
            },
            from_status: e.from_status,
            to_status: e.to_status,
            assigned_to: e.assigned_to.map(|a| dir.agent_name(a)),
            text: e.text,
            local: local(e.at, tz),
            at: e.at,
        })
        .collect();
    let reassign_to = if signed.can(Permission::Reassign) {
        let mut list: Vec<AgentBrief> = dir
            .agents
            .values()
            .filter(|a| a.active && a.role == AgentRole::Agent)
            .filter(|a| case.office_id.is_none() || a.office_id == case.office_id)
            .filter(|a| Some(a.id) != case.assigned_to)
            .map(|a| AgentBrief {
                id: a.id.0,
                name: a.name.clone(),
                username: a.username.clone(),
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    } else {
        Vec::new()
    };
    Ok(CaseDetail {
        fields: fields_view(&case, reveal),
        actions: available_actions(&signed.agent, &case),
        case: summary(state, &mut dir, &case, now).await?,
        participant,
        account: account_view,
        eligibility,
        conversation,
        attachments,
        history,
        reassign_to,
    })
}

// ---- actions ------------------------------------------------------------------------------------

/// What an agent does to a case, as the API and the forms send it: `action` and, depending on
/// it, `text` (the reply, the request, the note or the reason) and `agent_id`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ActionRequest {
    pub action: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "int_or_string")]
    pub agent_id: Option<i64>,
    /// The status the agent saw when deciding (the console's forms always send it). When the
    /// case has moved on since, the action is refused as stale instead of applied blindly.
    #[serde(default)]
    pub expected_status: Option<String>,
}

/// HTML forms send every value as text; JSON clients send numbers.
fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Int(n)) => Ok(Some(n)),
        Some(Raw::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Raw::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("agent_id harus berupa angka")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Take the case (assign to oneself) and start it.
    Take,
    Reply(String),
    AskDocuments(String),
    Note(String),
    Complete(Option<String>),
    Reject(String),
    Reassign(AgentId),
    HandBack,
}

pub const ACTIONS: [&str; 8] = [
    "take",
    "reply",
    "ask_documents",
    "note",
    "complete",
    "reject",
    "reassign",
    "hand_back",
];

fn invalid(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_action", message)
}

impl ActionRequest {
    /// The status the agent saw, if sent.
    pub fn seen_status(&self) -> Result<Option<CaseStatus>, ApiError> {
        match self.expected_status.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => s
                .parse::<CaseStatus>()
                .map(Some)
                .map_err(|_| invalid("Status kasus yang dikirim tidak dikenal.")),
        }
    }

    pub fn parse(&self) -> Result<Action, ApiError> {
        let text = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
            return Err(invalid(
                "Teks terlalu panjang; paling banyak 2.000 karakter.",
            ));
        }
        let need = |what: &str| {
            text.clone()
                .ok_or_else(|| invalid(&format!("Tuliskan {what} terlebih dahulu.")))
        };
        Ok(match self.action.as_str() {
            "take" => Action::Take,
            "reply" => Action::Reply(need("balasan untuk peserta")?),
            "ask_documents" => Action::AskDocuments(need("dokumen atau keterangan yang diminta")?),
            "note" => Action::Note(need("catatan")?),
            "complete" => Action::Complete(text),
            "reject" => Action::Reject(need("alasan penolakan")?),
            "reassign" => Action::Reassign(AgentId(
                self.agent_id
                    .ok_or_else(|| invalid("Pilih petugas tujuan pengalihan."))?,
            )),
            "hand_back" => Action::HandBack,
            _ => return Err(invalid("Tindakan tidak dikenal.")),
        })
    }
}

/// The message for a case another agent changed first.
pub const STALE: &str = "Kasus ini baru saja diubah oleh petugas lain atau oleh sistem. Tindakan Anda belum disimpan; muat ulang halaman untuk melihat keadaan terbaru, lalu ulangi bila masih perlu.";

fn stale() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "stale", STALE)
}

fn transition_error(e: TransitionError) -> ApiError {
    let message = match e {
        TransitionError::Closed(s) => format!(
            "Kasus ini sudah {} dan tidak dapat diubah lagi.",
            s.label_id().to_lowercase()
        ),
        TransitionError::NotAllowed { from, action } => format!(
            "Tindakan ini tidak dapat dilakukan pada kasus berstatus \"{}\"{}.",
            from.label_id(),
            if action == CaseAction::Complete && from == CaseStatus::Submitted {
                "; ambil kasus terlebih dahulu"
            } else {
                ""
            }
        ),
        TransitionError::ReasonRequired(_) => "Tuliskan alasannya terlebih dahulu.".to_string(),
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_allowed", message)
}

/// The participant's notice of a status change, in the kind's words.
fn status_text(
    case: &Case,
    status: CaseStatus,
    reason: Option<&str>,
    link: Option<&str>,
) -> String {
    match case.kind.parse::<CaseKind>() {
        Ok(kind) => cases::notice::status_notice(&case.number, kind, status, reason, link),
        // A kind outside the catalogue (an old record) still gets a plain notice.
        Err(_) => {
            let mut s = format!(
                "Status permohonan {} Anda: {}.",
                case.number,
                status.label_id()
            );
            if let Some(r) = reason {
                s.push_str(&format!(" Keterangan: {r}"));
            }
            if let Some(l) = link {
                s.push_str(&format!(" Silakan lengkapi melalui tautan berikut: {l}"));
            }
            s
        }
    }
}

fn blank_change(
    case: &Case,
    kind: CaseEventKind,
    actor: Actor,
    text: String,
    at: DateTime<Utc>,
) -> CaseChange {
    CaseChange {
        case_id: case.id,
        expected_status: case.status,
        expected_assignee: Some(case.assigned_to),
        status: None,
        assign: None,
        first_response: false,
        fields: None,
        event: NewCaseEvent {
            kind,
            actor,
            text,
            at,
        },
        outbound: Vec::new(),
        turns: Vec::new(),
        conversation: None,
        audit: None,
    }
}

/// The live chat's conversation with this agent joined: always when `taking` (another agent
/// may have been in it; the participant should see who leads now), otherwise only when no
/// agent is in the conversation yet.
async fn joined_conversation(
    state: &AppState,
    signed: &SignedIn,
    case: &Case,
    taking: bool,
    at: DateTime<Utc>,
) -> Result<Option<ConversationRecord>, ApiError> {
    if case.kind != CaseKind::LiveChat.as_str() {
        return Ok(None);
    }
    let Some(record) = state
        .store
        .conversation(&case.channel, &case.sender)
        .await?
    else {
        return Ok(None);
    };
    let joined = dialog::handoff::agent_joined(&record, &signed.agent.name, at);
    Ok((taking || joined.status != record.status).then_some(joined))
}

/// Performs `action` on case `id` as the signed-in agent: one `change_case` carrying the
/// history entry, the participant's notice, the conversation's new state and the audit
/// entry, guarded by the status the agent saw. Returns the case as stored afterwards.
pub async fn perform(
    state: &AppState,
    signed: &SignedIn,
    id: CaseId,
    action: Action,
    seen: Option<CaseStatus>,
) -> Result<Case, ApiError> {
    let case = visible_case(state, signed, id).await?;
    if seen.is_some_and(|s| s != case.status) {
        return Err(stale());
    }
    if case.status.is_closed() {
        return Err(transition_error(TransitionError::Closed(case.status)));
    }
    let now = state.now();
    let me = signed.agent.id;
    let actor = Actor::Agent(me);
    let mut notice_text: Option<String> = None;
    let change = match &action {
        Action::Take => {
            let status = (case.status == CaseStatus::Submitted)
                .then(|| next_status(case.status, CaseAction::Start, None))
                .transpose()
                .map_err(transition_error)?;
            let assign = (case.assigned_to != Some(me)).then_some(Some(me));
            if status.is_none() && assign.is_none() {
                return Err(invalid("Kasus ini sudah Anda tangani."));
            }
            let kind = if status.is_some() {
                CaseEventKind::StatusChanged
            } else {
                CaseEventKind::Assigned
            };
            let mut c = blank_change(
                &case,
                kind,
                actor,
                format!("Diambil oleh {}", signed.agent.name),
                now,
            );
            c.status = status;
            c.assign = assign;
            c.first_response = status.is_some();
            if let Some(s) = status {
                notice_text = Some(status_text(&case, s, None, None));
            }
            c.conversation = joined_conversation(state, signed, &case, true, now).await?;
            c.audit = Some(audit(
                signed,
                &case,
                "take",
                format!("{} diambil", case.number),
                now,
            ));
            c
        }
        Action::Reply(text) => {
            let mut c = blank_change(&case, CaseEventKind::Reply, actor, text.clone(), now);
            c.first_response = true;
            notice_text = Some(text.clone());
            c.conversation = joined_conversation(state, signed, &case, false, now).await?;
            c.audit = Some(audit(
                signed,
                &case,
                "reply",
                format!("balasan {} karakter", text.chars().count()),
                now,
            ));
            c
        }
        Action::AskDocuments(text) => {
            let status = next_status(case.status, CaseAction::AskParticipant, Some(text))
                .map_err(transition_error)?;
            let link_id = crate::auth::random_hex(16)?;
            let (_, url) = links::issue(
                state,
                NewFormLink {
                    id: link_id,
                    kind: case.kind.clone(),
                    channel: case.channel.clone(),
                    sender: case.sender.clone(),
                    participant_id: case.participant_id,
                    family_id: case.family_id,
                    office_id: case.office_id,
                    case_id: Some(case.id),
                    // The agent's words head the upload page.
                    prefill: serde_json::json!({ "reason": text }),
                    created_at: now,
                    expires_at: now + Duration::hours(state.config.pandawa.link_ttl_hours),
                },
            )
            .await?;
            let mut c = blank_change(
                &case,
                CaseEventKind::DocumentRequested,
                actor,
                text.clone(),
                now,
            );
            c.status = Some(status);
            c.first_response = true;
            notice_text = Some(status_text(&case, status, Some(text), Some(&url)));
            c.audit = Some(audit(
                signed,
                &case,
                "ask_documents",
                "tautan unggah dokumen dikirim".into(),
                now,
            ));
            c
        }
        Action::Note(text) => {
            let mut c = blank_change(&case, CaseEventKind::Note, actor, text.clone(), now);
            c.audit = Some(audit(signed, &case, "note", "catatan internal".into(), now));
            c
        }
        Action::Complete(text) => {
            let status =
                next_status(case.status, CaseAction::Complete, None).map_err(transition_error)?;
            let mut c = blank_change(
                &case,
                CaseEventKind::StatusChanged,
                actor,
                text.clone().unwrap_or_default(),
                now,
            );
            c.status = Some(status);
            c.first_response = true;
            notice_text = Some(status_text(&case, status, text.as_deref(), None));
            c.audit = Some(audit(
                signed,
                &case,
                "complete",
                format!("{} selesai", case.number),
                now,
            ));
            c
        }
        Action::Reject(reason) => {
            let status = next_status(case.status, CaseAction::Reject, Some(reason))
                .map_err(transition_error)?;
            let mut c = blank_change(
                &case,
                CaseEventKind::StatusChanged,
                actor,
                reason.clone(),
                now,
            );
            c.status = Some(status);
            c.first_response = true;
            notice_text = Some(status_text(&case, status, Some(reason), None));
            c.audit = Some(audit(
                signed,
                &case,
                "reject",
                format!("{} ditolak", case.number),
                now,
            ));
            c
        }
        Action::Reassign(target) => {
            signed.require(Permission::Reassign)?;
            let to = state.store.agent(*target).await?;
            let Some(to) = to.filter(|a| {
                a.active
                    && (signed.agent.role.is_national()
                        || case.office_id.is_none()
                        || a.office_id == case.office_id)
            }) else {
                return Err(invalid("Petugas tujuan tidak ditemukan, nonaktif, atau bukan dari kantor cabang kasus ini."));
            };
            if case.assigned_to == Some(to.id) {
                return Err(invalid("Kasus ini sudah ditangani petugas tersebut."));
            }
            let mut c = blank_change(
                &case,
                CaseEventKind::Assigned,
                actor,
                format!("Dialihkan ke {}", to.name),
                now,
            );
            c.assign = Some(Some(to.id));
            c.audit = Some(audit(
                signed,
                &case,
                "reassign",
                format!("dialihkan ke petugas #{}", to.id.0),
                now,
            ));
            c
        }
        Action::HandBack => {
            if case.kind != CaseKind::LiveChat.as_str() {
                return Err(invalid("Hanya percakapan langsung (live chat) yang dapat dikembalikan ke asisten virtual."));
            }
            let status =
                next_status(case.status, CaseAction::Complete, None).map_err(transition_error)?;
            let record = state
                .store
                .conversation(&case.channel, &case.sender)
                .await?
                .ok_or_else(|| invalid("Percakapan peserta tidak ditemukan."))?;
            let mut c = blank_change(
                &case,
                CaseEventKind::HandedBack,
                actor,
                "Dikembalikan ke asisten virtual".into(),
                now,
            );
            c.status = Some(status);
            c.first_response = true;
            c.conversation = Some(dialog::handoff::handed_back(&record, now));
            notice_text = Some(status_text(&case, status, None, None));
            c.audit = Some(audit(
                signed,
                &case,
                "hand_back",
                format!("{} dikembalikan ke asisten", case.number),
                now,
            ));
            c
        }
    };
    let mut change = change;
    if let Some(text) = notice_text {
        let notice = notify::to_participant(state, &case, &text, now).await?;
        change.outbound = notice.outbound;
        change.turns = notice.turns;
    }
    match state.store.change_case(change).await {
        Ok(c) => Ok(c),
        Err(StoreError::Conflict(_)) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_numbers_are_masked_short_ones_kept() {
        assert_eq!(
            mask_digits("NIK saya 3509123456780001, kelas 2"),
            "NIK saya 3509********0001, kelas 2"
        );
        assert_eq!(mask_digits("0001234567890"), "0001*****7890");
        assert_eq!(mask_digits("tanggal 12-03-1990"), "tanggal 12-03-1990");
    }

    #[test]
    fn an_action_needs_its_text() {
        let req = |action: &str, text: Option<&str>| ActionRequest {
            action: action.into(),
            text: text.map(str::to_string),
            agent_id: None,
            expected_status: None,
        };
        assert_eq!(req("take", None).parse().unwrap(), Action::Take);
        let mut seen = req("take", None);
        seen.expected_status = Some("in_progress".into());
        assert_eq!(seen.seen_status().unwrap(), Some(CaseStatus::InProgress));
        seen.expected_status = Some("terbuka".into());
        assert!(seen.seen_status().is_err());
        assert!(req("reject", Some("  ")).parse().is_err());
        assert_eq!(
            req("reject", Some("Data tidak sesuai")).parse().unwrap(),
            Action::Reject("Data tidak sesuai".into())
        );
        assert!(req("reassign", None).parse().is_err());
        assert!(req("hapus", None).parse().is_err());
        let long = "a".repeat(MAX_TEXT + 1);
        assert!(req("note", Some(&long)).parse().is_err());
    }

    #[test]
    fn form_values_for_the_agent_id_may_be_text() {
        let r: ActionRequest =
            serde_json::from_value(serde_json::json!({"action": "reassign", "agent_id": "7"}))
                .unwrap();
        assert_eq!(r.agent_id, Some(7));
        let r: ActionRequest =
            serde_json::from_value(serde_json::json!({"action": "reassign", "agent_id": 8}))
                .unwrap();
        assert_eq!(r.agent_id, Some(8));
    }
}

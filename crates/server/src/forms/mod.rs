//! The participant's web forms behind signed links (`/f/<token>`): drafts saved as they
//! type, uploads, one case however often "Kirim" is pressed.
//!
//! - `GET /f/{token}`: the form (fields of the kind's spec, filled in from the prefill and the
//!   saved draft; a slot per document), or for a document request only the upload part.
//! - `POST /f/{token}/draft`: what was typed so far (the page also keeps it in localStorage).
//! - `POST /f/{token}/attachments`: one document (multipart `document`, `file`), judged by
//!   its bytes, stored by its SHA-256.
//! - `POST /f/{token}/submit`: files the case once (the link id is the submission key), or
//!   completes the case whose documents were asked for.
//!
//! See docs/pandawa-forms.md.

pub mod files;
pub mod page;
pub mod services;
pub mod validate;

pub use services::dialog_services;

use crate::casework::links::{self, Resolved};
use crate::casework::{assign, calendar, notify};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cases::{CaseAction, CaseKind, CaseStatus, DocumentSpec, KindSpec};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use store::{
    Actor, Attachment, Case, CaseChange, CaseEventKind, FormLink, NewAttachment, NewCase,
    NewCaseEvent, StoreError,
};
use validate::Problem;

const SCRIPT: &str = include_str!("../../assets/form.js");
const STYLE: &str = include_str!("../../assets/form.css");

/// Largest draft or submission body: a form of text, never a document.
const TEXT_BODY_LIMIT: usize = 64 * 1024;
/// Room for the multipart envelope around the largest file allowed.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// A document slot for kinds that list none (a complaint's evidence, an agent's request).
static SUPPORTING: DocumentSpec = DocumentSpec {
    key: "pendukung",
    label: "Dokumen pendukung",
    required: false,
};

pub fn routes(state: &AppState) -> Router<AppState> {
    let upload_limit = state
        .config
        .pandawa
        .max_upload_bytes
        .saturating_add(MULTIPART_OVERHEAD);
    Router::new()
        .route("/form/app.js", get(script))
        .route("/form/app.css", get(style))
        .route("/f/{token}", get(show))
        .route(
            "/f/{token}/draft",
            post(save_draft).layer(DefaultBodyLimit::max(TEXT_BODY_LIMIT)),
        )
        .route(
            "/f/{token}/attachments",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/f/{token}/submit",
            post(submit).layer(DefaultBodyLimit::max(TEXT_BODY_LIMIT)),
        )
}

async fn script() -> Response {
    crate::html::script(SCRIPT)
}

async fn style() -> Response {
    crate::html::stylesheet(STYLE)
}

// ---- the page -------------------------------------------------------------------------------

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            // The token is in the URL: keep it out of caches and other sites' logs.
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(body),
    )
        .into_response()
}

fn expired_page() -> Response {
    html(
        StatusCode::GONE,
        page::notice(
            "Tautan sudah kedaluwarsa",
            &["Maaf, tautan formulir ini sudah tidak berlaku. Silakan minta tautan baru di percakapan Layan; isian permintaan dapat dimulai lagi dari sana.".into()],
        ),
    )
}

fn unknown_page() -> Response {
    html(
        StatusCode::NOT_FOUND,
        page::notice(
            "Tautan tidak dikenal",
            &["Maaf, tautan ini tidak dapat kami buka. Pastikan tautan disalin lengkap dari pesan yang Anda terima, atau minta tautan baru di percakapan Layan.".into()],
        ),
    )
}

async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match show_inner(&state, &token).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "form page unavailable");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                page::notice(
                    "Layanan sedang sibuk",
                    &["Maaf, formulir belum dapat dibuka. Isian yang sudah Anda ketik tetap tersimpan; silakan muat ulang halaman ini beberapa saat lagi.".into()],
                ),
            )
        }
    }
}

async fn show_inner(state: &AppState, token: &str) -> Result<Response, StoreError> {
    let link = match links::check(state, token).await? {
        Resolved::Valid(l) => *l,
        Resolved::Expired => return Ok(expired_page()),
        Resolved::Invalid => return Ok(unknown_page()),
    };
    let Some(spec) = spec_of(&link) else {
        return Ok(unknown_page());
    };
    if let Some(case_id) = link.submitted_case {
        let number = state
            .store
            .case(case_id)
            .await?
            .map(|c| c.number)
            .unwrap_or_default();
        return Ok(html(
            StatusCode::GONE,
            page::notice(
                "Formulir sudah dikirim",
                &[format!(
                    "Formulir ini sudah dikirim dan tercatat dengan nomor {number}. Simpan nomor ini untuk menanyakan perkembangannya di percakapan Layan. Tautan formulir hanya dapat dipakai satu kali."
                )],
            ),
        ));
    }
    let uploads = state.store.form_attachments(&link.id).await?;
    let values = values_of(&link);
    let request_case = match link.case_id {
        Some(id) => match state.store.case(id).await? {
            Some(c) => Some(c),
            None => return Ok(unknown_page()),
        },
        None => None,
    };
    // The agent's words: given with the link, else the request in the case's history.
    let mut reason = link
        .prefill
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let (None, Some(c)) = (&reason, &request_case) {
        reason = state
            .store
            .case_events(c.id)
            .await?
            .into_iter()
            .rev()
            .find(|e| e.kind == CaseEventKind::DocumentRequested)
            .map(|e| e.text);
    }
    let request = request_case.as_ref().map(|c| page::DocumentRequest {
        number: &c.number,
        reason: reason.as_deref(),
        documents: requested_documents(&link, spec),
        named: link.prefill.get("documents").is_some(),
    });
    let body = page::form(&page::FormPage {
        token,
        spec,
        values: &values,
        draft_saved_ms: link
            .draft_saved_at
            .map(|t| t.timestamp_millis())
            .unwrap_or(0),
        uploads: &uploads,
        request,
        max_upload_bytes: state.config.pandawa.max_upload_bytes,
    });
    Ok(html(StatusCode::OK, body))
}

fn spec_of(link: &FormLink) -> Option<&'static KindSpec> {
    link.kind.parse::<CaseKind>().ok().map(CaseKind::spec)
}

/// The prefill, overlaid with what the participant typed.
fn values_of(link: &FormLink) -> Map<String, Value> {
    let mut values = Map::new();
    for source in [&link.prefill, &link.draft] {
        if let Some(obj) = source.as_object() {
            for (k, v) in obj {
                if matches!(v, Value::String(_) | Value::Number(_)) {
                    values.insert(k.clone(), v.clone());
                }
            }
        }
    }
    values
}

/// The documents a request link asks for: those the agent named (prefill `documents`), else
/// every document of the kind, else one supporting-document slot.
fn requested_documents(link: &FormLink, spec: &'static KindSpec) -> Vec<&'static DocumentSpec> {
    let named: Vec<&str> = link
        .prefill
        .get("documents")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut docs: Vec<&'static DocumentSpec> = spec
        .documents
        .iter()
        .filter(|d| named.is_empty() || named.contains(&d.key))
        .collect();
    if docs.is_empty() {
        docs.push(&SUPPORTING);
    }
    docs
}

/// The document slots a link accepts uploads for.
fn accepted_documents(link: &FormLink, spec: &'static KindSpec) -> Vec<&'static DocumentSpec> {
    if link.case_id.is_some() {
        return requested_documents(link, spec);
    }
    let mut docs: Vec<&'static DocumentSpec> = spec.documents.iter().collect();
    if docs.is_empty() {
        docs.push(&SUPPORTING);
    }
    docs
}

// ---- JSON endpoints -------------------------------------------------------------------------

fn link_expired() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "link_expired",
        "Tautan formulir ini sudah kedaluwarsa. Silakan minta tautan baru di percakapan Layan.",
    )
}

fn link_unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "link_invalid",
        "Tautan formulir ini tidak dikenal. Pastikan tautan disalin lengkap, atau minta tautan baru di percakapan Layan.",
    )
}

fn already_submitted() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "form_submitted",
        "Formulir ini sudah dikirim. Tautan formulir hanya dapat dipakai satu kali.",
    )
}

async fn open_link(state: &AppState, token: &str) -> ApiResult<(FormLink, &'static KindSpec)> {
    match links::check(state, token).await? {
        Resolved::Valid(l) => match spec_of(&l) {
            Some(spec) => Ok((*l, spec)),
            None => Err(link_unknown()),
        },
        Resolved::Expired => Err(link_expired()),
        Resolved::Invalid => Err(link_unknown()),
    }
}

#[derive(Debug, Deserialize)]
pub struct Typed {
    #[serde(default)]
    pub fields: Map<String, Value>,
}

/// What is kept of a draft: the kind's fields, as typed (text and numbers only).
fn clean_draft(spec: &KindSpec, typed: &Map<String, Value>) -> Map<String, Value> {
    let mut kept = Map::new();
    for f in spec.fields {
        if let Some(v @ (Value::String(_) | Value::Number(_))) = typed.get(f.key) {
            kept.insert(f.key.to_owned(), v.clone());
        }
    }
    kept
}

async fn save_draft(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(typed): ApiJson<Typed>,
) -> ApiResult<Json<Value>> {
    let (link, spec) = open_link(&state, &token).await?;
    if link.submitted_case.is_some() {
        return Err(already_submitted());
    }
    let now = state.now();
    let draft = Value::Object(clean_draft(spec, &typed.fields));
    match state.store.save_form_draft(&link.id, draft, now).await {
        Ok(()) => Ok(Json(json!({"saved_at": now}))),
        Err(StoreError::Conflict(_)) => Err(already_submitted()),
        Err(e) => Err(e.into()),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!(
            "Berkas terlalu besar. Ukuran paling besar {} MB; mohon kecilkan foto atau pindai ulang dengan resolusi lebih rendah.",
            limit.div_ceil(1024 * 1024)
        ),
    )
}

async fn upload(
    State(state): State<AppState>,
    Path(token): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (link, spec) = open_link(&state, &token).await?;
    if link.submitted_case.is_some() {
        return Err(already_submitted());
    }
    let limit = state.config.pandawa.max_upload_bytes;
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            ApiError::bad_request(
                "invalid_upload",
                "Unggahan tidak terbaca. Silakan pilih berkas lalu coba lagi.",
            )
        }
    };
    let mut document: Option<String> = None;
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("document") => {
                document = Some(
                    field
                        .text()
                        .await
                        .map_err(multipart_error)?
                        .trim()
                        .to_owned(),
                );
            }
            Some("file") => {
                let name = field.file_name().map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if bytes.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let accepted = accepted_documents(&link, spec);
    let Some(doc) = document.and_then(|d| accepted.iter().find(|a| a.key == d).copied()) else {
        return Err(ApiError::bad_request(
            "unknown_document",
            "Jenis dokumen tidak dikenal. Silakan unggah lewat kolom dokumen pada formulir.",
        ));
    };
    let Some((name, bytes)) = file else {
        return Err(ApiError::bad_request(
            "no_file",
            "Belum ada berkas yang dipilih.",
        ));
    };
    // Judged by the bytes, never by the name or the browser's claim.
    let kind = cases::upload::check(&bytes).map_err(|e| match e {
        cases::UploadError::TooLarge { .. } => too_large(limit),
        other => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_refused",
            other.message_id(),
        ),
    })?;
    let data_dir = state.config.data_dir.clone();
    let size = bytes.len() as u64;
    let stored =
        tokio::task::spawn_blocking(move || files::store(&data_dir, &bytes, kind.extension()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "upload writer stopped");
                ApiError::internal()
            })?
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store an upload");
                ApiError::unavailable()
            })?;
    let attachment = state
        .store
        .add_attachment(NewAttachment {
            case_id: None,
            form_id: Some(link.id.clone()),
            document: Some(doc.key.to_owned()),
            filename: files::display_name(name.as_deref()),
            content_type: kind.mime().to_owned(),
            size_bytes: size,
            sha256: stored.sha256,
            path: stored.path,
            uploaded_by: Actor::Participant,
            uploaded_at: state.now(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(attachment_view(&attachment))))
}

fn attachment_view(a: &Attachment) -> Value {
    json!({
        "id": a.id.0,
        "document": a.document,
        "filename": a.filename,
        "content_type": a.content_type,
        "size_bytes": a.size_bytes,
    })
}

// ---- submission -----------------------------------------------------------------------------

fn invalid(problems: Vec<Problem>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "error": {
                "code": "invalid_form",
                "message": "Mohon periksa kembali isian yang ditandai. Isian Anda tetap tersimpan.",
            },
            "problems": problems,
        })),
    )
        .into_response()
}

async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(typed): ApiJson<Typed>,
) -> ApiResult<Response> {
    let (link, spec) = open_link(&state, &token).await?;
    if let Some(case_id) = link.submitted_case {
        // Pressed again, or a retry over a bad connection: the first filing stands.
        return done(&state, spec, case_id, link.case_id.is_some()).await;
    }
    if link.case_id.is_some() {
        return complete_request(&state, link, spec).await;
    }
    let now = state.now();
    // Kept before anything is checked, so a refusal never loses what was typed.
    match state
        .store
        .save_form_draft(
            &link.id,
            Value::Object(clean_draft(spec, &typed.fields)),
            now,
        )
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            // Submitted by a concurrent press: answer with that case.
            if let Some(case_id) = state
                .store
                .form_link(&link.id)
                .await?
                .and_then(|l| l.submitted_case)
            {
                return done(&state, spec, case_id, false).await;
            }
            return Err(already_submitted());
        }
        Err(e) => return Err(e.into()),
    }

    let today = state.today_in(wilayah::TimeZone::Wib);
    let validate::Filed { mut values, labels } = match validate::fields(spec, &typed.fields, today)
    {
        Ok(v) => v,
        Err(mut problems) => {
            let uploaded = uploaded_documents(&state, &link.id).await?;
            problems.extend(validate::documents(spec, &uploaded));
            return refuse(&state, &link.id, spec, problems).await;
        }
    };
    let uploaded = uploaded_documents(&state, &link.id).await?;
    let missing = validate::documents(spec, &uploaded);
    if !missing.is_empty() {
        return refuse(&state, &link.id, spec, missing).await;
    }
    if let Err(problems) = eligibility(&state, &link, spec, &mut values).await? {
        return refuse(&state, &link.id, spec, problems).await;
    }

    let as_strings: BTreeMap<String, String> = values
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
        .collect();
    let number_prefix = dialog::forms::FormKind::from_code(spec.kind.as_str())
        .map(|k| k.number_prefix(&as_strings))
        .unwrap_or(spec.number_prefix);
    values.insert("labels".into(), Value::Object(labels));
    values.insert("source".into(), Value::String("web_form".into()));
    let case = state
        .store
        .submit_form(
            &link.id,
            NewCase {
                kind: spec.kind.as_str().to_owned(),
                number_prefix: number_prefix.to_owned(),
                participant_id: link.participant_id,
                family_id: link.family_id,
                office_id: link.office_id,
                channel: link.channel.clone(),
                sender: link.sender.clone(),
                fields: Value::Object(values),
                status: CaseStatus::Submitted,
                // The link works once: however often "Kirim" is pressed, one case.
                submission_key: Some(format!("form:{}", link.id)),
                created_at: now,
            },
            now,
        )
        .await?;
    tracing::info!(case = %case.number, kind = %spec.kind, "case filed from a web form");
    if case.assigned_to.is_none() {
        if let Err(e) = assign::assign_now(&state, case.id).await {
            tracing::warn!(case = %case.number, error = %e, "assignment deferred to the loop");
        }
    }
    done(&state, spec, case.id, false).await
}

/// Refuses a submission, unless a concurrent press filed the form meanwhile (its uploads then
/// belong to the case and no longer count as the form's): that press's case is the answer.
async fn refuse(
    state: &AppState,
    link_id: &str,
    spec: &KindSpec,
    problems: Vec<Problem>,
) -> ApiResult<Response> {
    if let Some(case_id) = state
        .store
        .form_link(link_id)
        .await?
        .and_then(|l| l.submitted_case)
    {
        return done(state, spec, case_id, false).await;
    }
    Ok(invalid(problems))
}

async fn uploaded_documents(state: &AppState, form_id: &str) -> ApiResult<BTreeSet<String>> {
    Ok(state
        .store
        .form_attachments(form_id)
        .await?
        .into_iter()
        .filter_map(|a| a.document)
        .collect())
}

/// The rules a kind has beyond its fields (FKTP change after 3 months, class change once a
/// year without arrears), checked on the participant's own data, explained when unmet. Notes
/// what the agent needs (the date a change would apply from).
async fn eligibility(
    state: &AppState,
    link: &FormLink,
    spec: &KindSpec,
    values: &mut Map<String, Value>,
) -> ApiResult<Result<(), Vec<Problem>>> {
    let rule = matches!(spec.kind, CaseKind::PindahFaskes | CaseKind::UbahKelas);
    let Some(participant) = link.participant_id else {
        if spec.needs_identity {
            return Ok(Err(vec![Problem::new(
                "_form",
                "Permintaan ini memerlukan verifikasi identitas. Silakan mulai dari percakapan Layan, lalu pilih Isi lewat formulir.",
            )]));
        }
        return Ok(Ok(()));
    };
    if !rule {
        return Ok(Ok(()));
    }
    let data = dialog::StoreData::new(state.store.clone());
    let account =
        match dialog::Account::load(&data, participant, state.now(), state.rules.as_ref()).await {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Ok(Err(vec![Problem::new(
                    "_form",
                    "Data kepesertaan Anda tidak ditemukan. Silakan hubungi petugas lewat percakapan Layan.",
                )]))
            }
            Err(dialog::DialogError::Data(e)) => return Err(e.into()),
            Err(e) => {
                tracing::error!(error = %e, "cannot check eligibility");
                return Err(ApiError::internal());
            }
        };
    let rules = state.rules.as_ref();
    match spec.kind {
        CaseKind::UbahKelas => {
            let requested = validate::text_of(values, "class")
                .parse::<u8>()
                .ok()
                .and_then(|c| jkn::CareClass::try_from(c).ok());
            let Some(requested) = requested else {
                return Ok(Ok(()));
            };
            let Some(cc) = account.class_change(requested, rules) else {
                return Ok(Ok(()));
            };
            if cc.allowed {
                values.insert(
                    "effective_on".into(),
                    Value::String(cc.effective_on.to_string()),
                );
                values.insert(
                    "current_class".into(),
                    Value::String(account.family.class.number().to_string()),
                );
                return Ok(Ok(()));
            }
            if cc
                .unmet
                .iter()
                .all(|b| matches!(b, jkn::ClassChangeBlocker::SameClass { .. }))
            {
                return Ok(Err(vec![Problem::new(
                    "class",
                    format!(
                        "Kelas {} adalah kelas Anda sekarang. Mohon pilih kelas lain.",
                        account.family.class.number()
                    ),
                )]));
            }
            let why = dialog::templates::class_change_refused(&cc, account.family.class);
            Ok(Err(vec![Problem::new("_form", why.body())]))
        }
        CaseKind::PindahFaskes => {
            let reason = match validate::text_of(values, "fktp_reason").as_str() {
                "moved_domicile" => jkn::FktpChangeReason::MovedDomicile,
                "official_assignment" => jkn::FktpChangeReason::OfficialAssignment,
                _ => jkn::FktpChangeReason::Regular,
            };
            let Some(fc) = account.fktp_change(reason, rules) else {
                return Ok(Ok(()));
            };
            if fc.allowed {
                values.insert(
                    "effective_on".into(),
                    Value::String(fc.effective_on.to_string()),
                );
                return Ok(Ok(()));
            }
            let why = dialog::templates::fktp_wait(&fc);
            Ok(Err(vec![Problem::new("_form", why.body())]))
        }
        _ => Ok(Ok(())),
    }
}

/// A document request: the uploads go to the case, which moves from waiting for the
/// participant back to in progress, with a notice on the participant's channel.
async fn complete_request(
    state: &AppState,
    link: FormLink,
    spec: &'static KindSpec,
) -> ApiResult<Response> {
    let Some(case_id) = link.case_id else {
        return Err(link_unknown());
    };
    let uploads = state.store.form_attachments(&link.id).await?;
    let uploaded: BTreeSet<String> = uploads.iter().filter_map(|a| a.document.clone()).collect();
    let requested = requested_documents(&link, spec);
    // Documents the agent named are each required; otherwise the agent's message says what
    // is needed and any upload answers it.
    let named = link.prefill.get("documents").is_some();
    let mut problems: Vec<Problem> = requested
        .iter()
        .filter(|d| named && !uploaded.contains(d.key))
        .map(|d| Problem::new(d.key, format!("Mohon unggah {}.", d.label)))
        .collect();
    if uploads.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            "_form",
            "Mohon unggah dokumen yang diminta terlebih dahulu.",
        ));
    }
    if !problems.is_empty() {
        // A concurrent press may have completed it (its uploads are the case's now).
        if let Some(done_case) = state
            .store
            .form_link(&link.id)
            .await?
            .and_then(|l| l.submitted_case)
        {
            return done(state, spec, done_case, true).await;
        }
        return Ok(invalid(problems));
    }
    let names: Vec<&str> = requested
        .iter()
        .filter(|d| uploaded.contains(d.key))
        .map(|d| d.label)
        .collect();
    let now = state.now();
    // Another agent may change the case meanwhile: decide again on what is stored.
    for _ in 0..3 {
        let Some(case) = state.store.case(case_id).await? else {
            return Err(link_unknown());
        };
        let next =
            cases::status::next_status(case.status, CaseAction::ParticipantAnswered, None).ok();
        let text = match next {
            Some(s) => format!(
                "Terima kasih, dokumen untuk permintaan {} sudah kami terima. Status permintaan Anda sekarang: {}.",
                case.number,
                s.label_id()
            ),
            None => format!(
                "Terima kasih, dokumen untuk permintaan {} sudah kami terima dan akan diperiksa petugas.",
                case.number
            ),
        };
        let notice = notify::to_participant(state, &case, &text, now).await?;
        let outbound = notice.outbound.clone();
        let change = CaseChange {
            case_id,
            expected_status: case.status,
            expected_assignee: None,
            status: next,
            assign: None,
            first_response: false,
            fields: None,
            event: NewCaseEvent {
                kind: CaseEventKind::DocumentReceived,
                actor: Actor::Participant,
                text: format!("Dokumen dikirim lewat formulir: {}", names.join(", ")),
                at: now,
            },
            outbound: notice.outbound,
            turns: notice.turns,
            conversation: None,
            audit: None,
        };
        match state.store.complete_form_link(&link.id, change, now).await {
            Ok(case) => {
                notify::wake(state, &outbound);
                tracing::info!(case = %case.number, "requested documents received");
                return done(state, spec, case.id, true).await;
            }
            Err(StoreError::Conflict(e)) => {
                tracing::info!(error = %e, "case changed while completing a document request; retrying");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "case_busy",
        "Permintaan Anda sedang diperbarui petugas. Dokumen Anda tetap tersimpan; silakan tekan Kirim sekali lagi.",
    ))
}

/// The answer to a filing (first or repeated): the case number, what happens next and, when
/// agents are off, when the next one replies in the branch's local time.
async fn done(
    state: &AppState,
    spec: &KindSpec,
    case_id: store::CaseId,
    documents: bool,
) -> ApiResult<Response> {
    let Some(case) = state.store.case(case_id).await? else {
        return Err(ApiError::internal());
    };
    let mut message = if documents {
        format!(
            "Terima kasih, dokumen untuk permintaan {} sudah kami terima. Petugas akan melanjutkan pemeriksaan.",
            case.number
        )
    } else {
        format!(
            "Permintaan Anda ({}) sudah kami terima dengan nomor {}. Simpan nomor ini untuk menanyakan perkembangannya di percakapan Layan.",
            spec.label, case.number
        )
    };
    let waits = match outside_hours(state, &case).await {
        Ok(w) => w,
        Err(e) => {
            // The case is filed; only the timing hint is missing.
            tracing::warn!(error = %e, "cannot read the branch calendar");
            None
        }
    };
    if let Some(w) = &waits {
        message.push(' ');
        message.push_str(w);
    }
    Ok((
        StatusCode::OK,
        Json(json!({
            "case_number": case.number,
            "status": case.status,
            "message": message,
            "outside_hours": waits,
        })),
    )
        .into_response())
}

/// When the case's branch does not work now: the notice saying when an agent will reply.
async fn outside_hours(state: &AppState, case: &Case) -> Result<Option<String>, StoreError> {
    if case.status.is_closed() {
        return Ok(None);
    }
    let office = match case.office_id {
        Some(id) => state.store.office(id).await?,
        None => None,
    };
    let cal = calendar::for_office(state.store.as_ref(), office.as_ref()).await?;
    let now = state.now();
    if cal.is_open(now) {
        return Ok(None);
    }
    Ok(cal
        .next_open(now)
        .map(|next| cases::notice::outside_hours(None, next, cal.tz)))
}

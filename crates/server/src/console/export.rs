//! Files out of the console: a case's attachments and the audit log as CSV. Both are
//! audited themselves.

use crate::console::auth::SignedIn;
use crate::console::work;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cases::Permission;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use std::path::{Component, PathBuf};
use store::{AttachmentId, AuditEntry, AuditQuery, CaseId, NewAudit};

/// Most rows of one export (a month of a busy branch); narrow `from`/`to` for more.
const EXPORT_LIMIT: u32 = 200_000;

// ---- attachments -----------------------------------------------------------------------------

/// The stored relative path under the data directory, refusing anything that could leave it.
fn inside_data_dir(data_dir: &std::path::Path, relative: &str) -> Option<PathBuf> {
    let rel = std::path::Path::new(relative);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(data_dir.join(rel))
}

/// A file name safe inside a quoted `Content-Disposition` (the participant chose it).
fn safe_filename(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "dokumen".to_string()
    } else {
        cleaned
    }
}

/// `GET /console/cases/{id}/attachments/{attachment}`: the file, to an agent who may see the
/// case. Uploads are small (`pandawa.max_upload_bytes`), so the file is read whole.
pub async fn attachment(
    State(state): State<AppState>,
    Path((case, attachment)): Path<(i64, i64)>,
    signed: SignedIn,
) -> Result<Response, ApiError> {
    let case = work::visible_case(&state, &signed, CaseId(case)).await?;
    let att = state
        .store
        .attachment(AttachmentId(attachment))
        .await?
        .filter(|a| a.case_id == Some(case.id))
        .ok_or_else(|| ApiError::not_found("Dokumen tidak ditemukan."))?;
    let path = inside_data_dir(&state.config.data_dir, &att.path).ok_or_else(|| {
        tracing::error!(
            attachment = att.id.0,
            "attachment path leaves the data directory"
        );
        ApiError::internal()
    })?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::error!(attachment = att.id.0, error = %e, "attachment file unreadable");
        ApiError::not_found("Berkas dokumen tidak ditemukan di penyimpanan. Hubungi admin.")
    })?;
    state
        .store
        .append_audit(NewAudit {
            at: state.now(),
            agent_id: Some(signed.agent.id),
            action: "download_attachment".into(),
            participant_id: case.participant_id,
            case_id: Some(case.id),
            detail: format!(
                "dokumen #{} ({})",
                att.id.0,
                att.document.as_deref().unwrap_or("-")
            ),
        })
        .await?;
    // Only types the upload check accepts are served as themselves; anything else is a
    // download, so a stored file can never run as a page of this site.
    let content_type = match att.content_type.as_str() {
        t @ ("image/jpeg" | "image/png" | "application/pdf") => t.to_string(),
        _ => "application/octet-stream".to_string(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", safe_filename(&att.filename)),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

// ---- the audit log ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct Range {
    /// `YYYY-MM-DD` (from 00:00 UTC) or an RFC 3339 time.
    #[serde(default)]
    pub from: Option<String>,
    /// `YYYY-MM-DD` (the whole day, UTC) or an RFC 3339 time.
    #[serde(default)]
    pub to: Option<String>,
}

fn parse_bound(raw: Option<&str>, end_of_day: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => {
            let day = if end_of_day {
                d.succ_opt().unwrap_or(d)
            } else {
                d
            };
            Ok(Some(day.and_time(NaiveTime::MIN).and_utc()))
        }
        Err(_) => Err(ApiError::bad_request(
            "invalid_query",
            "Tanggal tidak valid; gunakan format YYYY-MM-DD, misalnya 2026-11-23.",
        )),
    }
}

/// One CSV field: quoted when it holds a separator, a quote or a line break (quotes
/// doubled), and prefixed with `'` when a spreadsheet would read it as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out =
        String::from("id,at,agent_id,agent_username,action,participant_id,case_id,detail\r\n");
    for e in entries {
        let fields = [
            e.id.0.to_string(),
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            e.agent_id.map(|a| a.0.to_string()).unwrap_or_default(),
            e.agent_username.clone().unwrap_or_default(),
            e.action.clone(),
            e.participant_id
                .map(|p| p.0.to_string())
                .unwrap_or_default(),
            e.case_id.map(|c| c.0.to_string()).unwrap_or_default(),
            e.detail.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `GET /console/audit.csv` and `GET /api/v1/agent/audit`: admins only; the export itself is
/// recorded before the file is made, so it appears in its own range.
pub async fn audit_csv(
    State(state): State<AppState>,
    signed: SignedIn,
    crate::extract::ApiQuery(range): crate::extract::ApiQuery<Range>,
) -> Result<Response, ApiError> {
    signed.require(Permission::ExportAudit)?;
    let from = parse_bound(range.from.as_deref(), false)?;
    let to = parse_bound(range.to.as_deref(), true)?;
    let now = state.now();
    state
        .store
        .append_audit(NewAudit {
            at: now,
            agent_id: Some(signed.agent.id),
            action: "export_audit".into(),
            participant_id: None,
            case_id: None,
            detail: format!(
                "dari {} sampai {}",
                range.from.as_deref().unwrap_or("awal"),
                range.to.as_deref().unwrap_or("sekarang")
            ),
        })
        .await?;
    let entries = state
        .store
        .audit_entries(&AuditQuery {
            from,
            to,
            limit: EXPORT_LIMIT,
            ..AuditQuery::default()
        })
        .await?;
    let name = format!("audit-layan-{}.csv", now.format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        to_csv(&entries),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed_and_formulas_defused() {
        assert_eq!(csv_field("view_case"), "view_case");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("kata \"kunci\""), "\"kata \"\"kunci\"\"\"");
        assert_eq!(csv_field("baris\nbaru"), "\"baris\nbaru\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn stored_paths_cannot_leave_the_data_directory() {
        let dir = std::path::Path::new("/data");
        assert_eq!(
            inside_data_dir(dir, "uploads/ab/cd.pdf"),
            Some(PathBuf::from("/data/uploads/ab/cd.pdf"))
        );
        assert_eq!(inside_data_dir(dir, "../etc/passwd"), None);
        assert_eq!(inside_data_dir(dir, "/etc/passwd"), None);
        assert_eq!(safe_filename("ktp\"; x.pdf"), "ktp__ x.pdf");
    }

    #[test]
    fn dates_bound_whole_days() {
        let from = parse_bound(Some("2026-11-23"), false).unwrap().unwrap();
        let to = parse_bound(Some("2026-11-23"), true).unwrap().unwrap();
        assert_eq!((to - from).num_hours(), 24);
        assert!(parse_bound(Some("23/11/2026"), false).is_err());
        assert_eq!(parse_bound(None, false).unwrap(), None);
    }
}

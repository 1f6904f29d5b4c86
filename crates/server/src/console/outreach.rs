//! The console's outreach pages: a branch's closures (declare, edit, cancel, with the
//! participants told by a broadcast) and the broadcasts with their progress, live.
//!
//! Server-rendered like the rest of the console, every value through `html::escape`, every
//! POST a plain form with the session's CSRF token, post/redirect/get after a success. The
//! work itself (checks, audit, the broadcast) is `crate::outreach`'s, shared with the agent
//! API and the CLI; these pages only turn its answers and its errors into HTML.
//!
//! The broadcast page updates itself: a small script (served here, so the page needs no
//! inline code) polls `/console/broadcasts/{id}/progress` every two seconds while the
//! broadcast is running; without JavaScript a `<noscript>` refresh reloads the page instead.

use crate::console::auth::{ConsoleForm, SignedIn};
use crate::console::pages::{banner, html, not_signed_in as unsigned, shell};
use crate::error::ApiError;
use crate::html::escape;
use crate::outreach::broadcasts::{self, BroadcastAction, NoticeForm};
use crate::outreach::closures::{self, ClosureForm, Declared};
use crate::outreach::{Ctx, Operator, OutreachError};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cases::Permission;
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Deserialize;
use std::fmt::Write as _;
use store::{
    Audience, Broadcast, BroadcastId, BroadcastKind, BroadcastProgress, BroadcastState, Closure,
    ClosureId, Office, OfficeId,
};
use wilayah::TimeZone;

/// How often the progress page asks for new counts, in milliseconds (and, without
/// JavaScript, the page's refresh in seconds).
const POLL_MS: u32 = 2000;
const LIST_LIMIT: u32 = 50;
/// The `datetime-local` input's format.
const INPUT_FORMAT: &str = "%Y-%m-%dT%H:%M";

pub const SCRIPT: &str = r#"// Live progress of one broadcast: polls its counts while anything can still change.
(function () {
  "use strict";
  var root = document.querySelector("[data-broadcast]");
  if (!root) return;
  var url = root.getAttribute("data-progress-url");
  var every = Number(root.getAttribute("data-poll-ms")) || 2000;
  var initial = root.getAttribute("data-initial-state");
  var last = "";
  var unchanged = 0;
  function render(p) {
    var total = p.progress.total || 0;
    Object.keys(p.progress).forEach(function (k) {
      var n = p.progress[k];
      root.querySelectorAll('[data-count="' + k + '"]').forEach(function (e) {
        e.textContent = n.toLocaleString("id-ID");
      });
      root.querySelectorAll('[data-part="' + k + '"]').forEach(function (e) {
        if (e.tagName === "SPAN") e.style.width = (total > 0 ? (100 * n) / total : 0) + "%";
      });
    });
    var bar = root.querySelector("[role=progressbar]");
    if (bar) bar.setAttribute("aria-valuenow", String(p.handled_percent));
    root.querySelectorAll("[data-percent]").forEach(function (e) {
      e.textContent = p.handled_percent + "%";
    });
    root.querySelectorAll(".state[data-state]").forEach(function (e) {
      e.textContent = p.state_label;
      e.setAttribute("data-state", p.state);
    });
    root.setAttribute("data-current-state", p.state);
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        render(p);
        if (p.state !== initial) {
          if (p.state === "done" || p.state === "cancelled") {
            // Nothing left to pause or cancel.
            var actions = root.querySelector("[data-actions]");
            if (actions) actions.remove();
          } else {
            // Paused or resumed elsewhere: the page with the right buttons.
            location.reload();
            return;
          }
        }
        var seen = JSON.stringify(p.progress);
        unchanged = seen === last ? unchanged + 1 : 0;
        last = seen;
        var moving = p.state === "sending" || p.progress.waiting > 0 || p.progress.queued > 0;
        // Delivery and read receipts keep coming for a while after the last hand-off.
        if (moving || (p.progress.sent + p.progress.delivered > 0 && unchanged < 30)) {
          setTimeout(tick, every);
        }
      })
      .catch(function () { setTimeout(tick, every * 3); });
  }
  setTimeout(tick, every);
})();
"#;

pub const STYLE: &str = r#"/* Outreach pages: closures and broadcasts, on top of console.css. */
.bar { display: flex; height: 1.1rem; border-radius: 999px; overflow: hidden; background: #e3e9e5; min-width: 8rem; }
.bar.big { height: 2.2rem; margin: .5rem 0 .8rem; }
.bar span { display: block; height: 100%; transition: width .6s ease; }
.bar [data-part=read] { background: #0b5a2e; }
.bar [data-part=delivered] { background: #0b7a3e; }
.bar [data-part=sent] { background: #5fb585; }
.bar [data-part=queued] { background: #f3c24f; }
.bar [data-part=failed] { background: #b23c00; }
.bar [data-part=skipped], .bar [data-part=cancelled] { background: #8a978f; }
.legend { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .4rem .8rem; margin: 0; padding: 0; list-style: none; }
.legend li { display: flex; align-items: baseline; gap: .4rem; }
.legend b { font-size: 1.3rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 3px; background: #e3e9e5; }
.legend i[data-part=read] { background: #0b5a2e; } .legend i[data-part=delivered] { background: #0b7a3e; }
.legend i[data-part=sent] { background: #5fb585; } .legend i[data-part=queued] { background: #f3c24f; }
.legend i[data-part=failed] { background: #b23c00; }
.legend i[data-part=skipped], .legend i[data-part=cancelled] { background: #8a978f; }
.state { display: inline-block; padding: .1rem .6rem; border-radius: 999px; background: #e7ede9; font-weight: 600; }
.state[data-state=sending] { background: #cfe9d9; } .state[data-state=paused] { background: #f3c24f; }
.state[data-state=cancelled] { background: #fdecea; } .state[data-state=done] { background: #0b7a3e; color: #fff; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.row form { margin: 0; }
.grid2 { display: grid; grid-template-columns: 1fr; gap: .6rem 1rem; }
@media (min-width: 640px) { .grid2 { grid-template-columns: 1fr 1fr; } }
input[type=datetime-local] { width: 100%; font: inherit; padding: .5rem; border: 1px solid #b8c6bd; border-radius: 6px; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 600; margin: .6rem 0; }
label.check input { width: 1.2rem; height: 1.2rem; }
.links a { margin-right: 1rem; }
"#;

pub async fn script() -> Response {
    crate::html::script(SCRIPT)
}

pub async fn style() -> Response {
    crate::html::stylesheet(STYLE)
}

// ---- shared --------------------------------------------------------------------------------

fn operator(signed: &SignedIn) -> Operator {
    Operator::Agent(signed.agent.clone())
}

/// A page of this module: the console's shell with the outreach stylesheet.
fn page(status: StatusCode, title: &str, signed: &SignedIn, body: &str) -> Response {
    let body = format!("<link rel=\"stylesheet\" href=\"/console/assets/outreach.css\">{body}");
    html(status, shell(title, Some(signed), &body))
}

/// A page that only says why not, with the way back.
fn refusal(signed: &SignedIn, status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<h1>{}</h1>{}<p><a href=\"/console\">Kembali ke antrean</a></p>",
        escape(title),
        banner("error", text)
    );
    page(status, title, signed, &body)
}

/// Every outreach page is for supervisors and admins: anyone else is sent to sign in or
/// refused before a handler looks at the request.
// The error is the finished page, handed straight back by the handler; boxing it would
// only add an allocation on the refusal path.
#[allow(clippy::result_large_err)]
fn manager(signed: Result<SignedIn, ApiError>) -> Result<SignedIn, Response> {
    let signed = signed.map_err(unsigned)?;
    if !signed.can(Permission::ManageOutreach) {
        return Err(forbidden(&signed));
    }
    Ok(signed)
}

/// `manager` for a posted form, handing back the form with the operator.
#[allow(clippy::result_large_err)]
fn manager_form<T>(form: Result<ConsoleForm<T>, ApiError>) -> Result<(SignedIn, T), Response> {
    let ConsoleForm { signed, form } = form.map_err(unsigned)?;
    Ok((manager(Ok(signed))?, form))
}

fn forbidden(signed: &SignedIn) -> Response {
    refusal(
        signed,
        StatusCode::FORBIDDEN,
        "Khusus supervisor dan admin",
        "Maaf, penutupan kantor dan pengumuman hanya dapat dikelola oleh supervisor kantor cabang dan admin. Silakan kembali ke antrean kasus Anda.",
    )
}

/// An outreach error as a whole page (for errors that leave nothing to show around them).
fn error_response(signed: &SignedIn, e: &OutreachError) -> Response {
    match e {
        OutreachError::Forbidden(m) => refusal(
            signed,
            StatusCode::FORBIDDEN,
            "Tidak diizinkan",
            &format!("Maaf, {}", without_apology(m)),
        ),
        OutreachError::NotFound(m) => refusal(signed, StatusCode::NOT_FOUND, "Tidak ditemukan", m),
        OutreachError::Invalid(m) => {
            refusal(signed, StatusCode::BAD_REQUEST, "Isian belum sesuai", m)
        }
        OutreachError::Conflict(m) => refusal(signed, StatusCode::CONFLICT, "Sudah berubah", m),
        OutreachError::Store(err) => {
            tracing::error!(error = %err, "console outreach: store error");
            refusal(
                signed,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Terjadi kendala",
                "Maaf, terjadi kendala pada sistem. Silakan coba beberapa saat lagi.",
            )
        }
    }
}

/// The message without a leading apology, to follow the page's own "Maaf, ".
fn without_apology(m: &str) -> String {
    m.strip_prefix("Maaf,").unwrap_or(m).trim().to_string()
}

/// "Senin, 24 Nov 2026 08.00 WIB".
fn local(t: DateTime<Utc>, tz: TimeZone) -> String {
    let l = t.with_timezone(&directory::hours::offset(tz));
    let weekday = directory::hours::WEEKDAYS_ID[l.weekday().num_days_from_monday() as usize];
    // Every month's name is at least three letters ("Mei").
    let month = &jkn::period::MONTHS_ID[l.month0() as usize][..3];
    format!(
        "{weekday}, {} {month} {} {:02}.{:02} {}",
        l.day(),
        l.year(),
        l.hour(),
        l.minute(),
        tz.abbreviation()
    )
}

fn input_value(t: DateTime<Utc>, tz: TimeZone) -> String {
    t.with_timezone(&directory::hours::offset(tz))
        .naive_local()
        .format(INPUT_FORMAT)
        .to_string()
}

/// `<option>`s of a `<select>`: value, label, and whether it is the chosen one.
fn options<V: std::fmt::Display>(items: impl IntoIterator<Item = (V, String, bool)>) -> String {
    let mut s = String::new();
    for (value, label, selected) in items {
        let _ = write!(
            s,
            "<option value=\"{value}\"{}>{}</option>",
            if selected { " selected" } else { "" },
            escape(&label)
        );
    }
    s
}

fn office_options(offices: &[Office], selected: Option<OfficeId>) -> String {
    options(
        offices
            .iter()
            .map(|o| (o.id, o.name.clone(), Some(o.id) == selected)),
    )
}

/// A ticked checkbox: present and not "0".
fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty() && v != "0")
}

/// `to` with the broadcast the action started, if any.
fn with_broadcast(mut to: String, broadcast: Option<Broadcast>) -> Response {
    if let Some(b) = broadcast {
        let _ = write!(to, "&broadcast={}", b.id);
    }
    Redirect::to(&to).into_response()
}

/// A positive id from the path.
fn path_id<T>(raw: &str, id: fn(i64) -> T) -> Option<T> {
    raw.parse::<i64>().ok().filter(|i| *i > 0).map(id)
}

// ---- closures ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ClosuresQuery {
    #[serde(default)]
    office: Option<String>,
    /// What just succeeded (post/redirect/get): "declared", "edited", "cancelled".
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    broadcast: Option<String>,
}

/// The closure form's fields as typed, kept to show the form again after a refusal.
#[derive(Deserialize, Default, Clone)]
pub struct ClosureFields {
    #[serde(default)]
    office_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    alternatives: String,
    #[serde(default)]
    notify: Option<String>,
}

impl ClosureFields {
    fn notify(&self) -> bool {
        ticked(&self.notify)
    }

    fn parse(&self, office_id: OfficeId) -> Result<ClosureForm, OutreachError> {
        let from = closures::parse_local_time(&self.from).ok_or_else(|| {
            OutreachError::Invalid(
                "Mohon isi waktu mulai tutup dengan tanggal dan jam yang lengkap.".into(),
            )
        })?;
        let until = closures::parse_local_time(&self.until).ok_or_else(|| {
            OutreachError::Invalid(
                "Mohon isi waktu kantor buka kembali dengan tanggal dan jam yang lengkap.".into(),
            )
        })?;
        let alternatives: Vec<String> = self
            .alternatives
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        Ok(ClosureForm {
            office_id,
            from_local: from,
            until_local: until,
            reason: self.reason.trim().to_string(),
            message: self.message.trim().to_string(),
            // An emptied list means "the usual channels", not "none at all".
            alternatives: if alternatives.is_empty() {
                None
            } else {
                Some(alternatives)
            },
            notify: self.notify(),
        })
    }
}

/// Which branch the page is about: a supervisor's own; for an admin the one asked for, or
/// their own, or none yet (they pick one).
fn chosen_office(signed: &SignedIn, asked: Option<&str>) -> Option<OfficeId> {
    if signed.agent.role.is_national() {
        asked
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(OfficeId)
            .or(signed.agent.office_id)
    } else {
        signed.agent.office_id
    }
}

fn closure_state(c: &Closure, now: DateTime<Utc>) -> (&'static str, &'static str) {
    if c.cancelled_at.is_some() {
        ("cancelled", "Dibatalkan")
    } else if c.ends_at <= now {
        ("over", "Sudah berakhir")
    } else if c.starts_at <= now {
        ("current", "Sedang berlaku")
    } else {
        ("upcoming", "Akan datang")
    }
}

/// The declare (or edit) form. `action` is where it posts.
fn closure_form(
    csrf: &str,
    office: &Office,
    fields: &ClosureFields,
    action: &str,
    button: &str,
) -> String {
    let zone = office.timezone.abbreviation();
    format!(
        "<form method=\"post\" action=\"{action}\" class=\"closure-form\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"office_id\" value=\"{office_id}\">\
<div class=\"grid2\"><div><label for=\"from\">Tutup mulai ({zone})</label>\
<input type=\"datetime-local\" id=\"from\" name=\"from\" required value=\"{from}\"></div>\
<div><label for=\"until\">Buka kembali ({zone})</label>\
<input type=\"datetime-local\" id=\"until\" name=\"until\" required value=\"{until}\"></div></div>\
<p class=\"muted\">Waktu setempat kantor {office_name}, {zone}.</p>\
<label for=\"reason\">Alasan penutupan</label><input type=\"text\" id=\"reason\" name=\"reason\" maxlength=\"200\" required value=\"{reason}\" placeholder=\"Misalnya: pemeliharaan jaringan listrik gedung\">\
<label for=\"message\" style=\"margin-top:.6rem\">Pesan untuk peserta</label><textarea id=\"message\" name=\"message\" maxlength=\"1000\" required placeholder=\"Misalnya: Mohon maaf, kantor kami tutup sementara.\">{message}</textarea>\
<label for=\"alternatives\" style=\"margin-top:.6rem\">Layanan pengganti (satu per baris)</label><textarea id=\"alternatives\" name=\"alternatives\" maxlength=\"1000\">{alternatives}</textarea>\
<label class=\"check\"><input type=\"checkbox\" name=\"notify\" value=\"1\"{checked}> Kirim pemberitahuan ke peserta</label>\
<p class=\"muted\">Pemberitahuan dikirim lewat WhatsApp, Telegram, atau Messenger kepada peserta yang dilayani kantor cabang ini, bertahap sesuai batas kecepatan pengiriman.</p>\
<button class=\"primary\" type=\"submit\">{button}</button></form>",
        csrf = escape(csrf),
        office_id = office.id,
        office_name = escape(&office.name),
        from = escape(&fields.from),
        until = escape(&fields.until),
        reason = escape(&fields.reason),
        message = escape(&fields.message),
        alternatives = escape(&fields.alternatives),
        checked = if fields.notify() { " checked" } else { "" },
        button = escape(button),
    )
}

fn declared_banner(office: OfficeId, broadcast: Option<&str>) -> String {
    let mut s = String::from(
        "<div class=\"notice ok\" role=\"status\"><strong>Penutupan kantor sudah diumumkan.</strong> \
Informasi ini langsung tampil di asisten virtual, direktori kantor, dan layanan telepon VIKA.\
<p class=\"links\">Poster untuk ditempel di pintu kantor: ",
    );
    let _ = write!(
        s,
        "<a href=\"/offices/{office}/closure-poster.pdf\" data-poster=\"pdf\">Unduh poster (PDF)</a>\
<a href=\"/offices/{office}/closure-poster.png\" data-poster=\"png\">Unduh poster (PNG)</a></p>"
    );
    if let Some(b) = broadcast.and_then(|b| b.parse::<i64>().ok()) {
        let _ = write!(
            s,
            "<p>Pemberitahuan ke peserta sedang dikirim. <a href=\"/console/broadcasts/{b}\" data-broadcast-link>Lihat perkembangan pengiriman</a></p>"
        );
    }
    s.push_str("</div>");
    s
}

async fn closures_page(
    state: &AppState,
    signed: &SignedIn,
    office_id: Option<OfficeId>,
    notice: String,
    fields: Option<ClosureFields>,
    status: StatusCode,
) -> Response {
    let store = &state.store;
    let now = state.now();
    let national = signed.agent.role.is_national();
    let mut body = String::from("<h1>Penutupan kantor cabang</h1>");
    body.push_str(&notice);
    // An admin's list of branches also holds the chosen one: one read for both.
    let mut offices = None;
    if national {
        let all = match store.offices().await {
            Ok(o) => o,
            Err(e) => return error_response(signed, &OutreachError::Store(e)),
        };
        let _ = write!(
            body,
            "<form method=\"get\" action=\"/console/closures\" class=\"card row\">\
<label for=\"office\">Kantor cabang</label><select id=\"office\" name=\"office\">\
<option value=\"\">Pilih kantor cabang</option>{}</select>\
<button class=\"secondary\" type=\"submit\">Tampilkan</button></form>",
            office_options(&all, office_id)
        );
        offices = Some(all);
    }
    let Some(office_id) = office_id else {
        if !national {
            return refusal(
                signed,
                StatusCode::FORBIDDEN,
                "Belum terdaftar di kantor cabang",
                "Maaf, akun Anda belum terdaftar di kantor cabang mana pun. Mohon hubungi admin.",
            );
        }
        body.push_str("<div class=\"card\"><p class=\"empty\">Pilih kantor cabang untuk melihat dan mengumumkan penutupan.</p></div>");
        return page(status, "Penutupan kantor", signed, &body);
    };
    if !closures::may_manage(&signed.agent, office_id) {
        return forbidden(signed);
    }
    let office = match offices {
        Some(all) => Ok(all.into_iter().find(|o| o.id == office_id)),
        None => store.office(office_id).await,
    };
    let office = match office {
        Ok(Some(o)) => o,
        Ok(None) => {
            return refusal(
                signed,
                StatusCode::NOT_FOUND,
                "Kantor tidak ditemukan",
                "Maaf, kantor cabang itu tidak ditemukan.",
            )
        }
        Err(e) => return error_response(signed, &OutreachError::Store(e)),
    };
    let list = match closures::list(Ctx::of(state), office_id).await {
        Ok(l) => l,
        Err(e) => return error_response(signed, &e),
    };
    let tz = office.timezone;
    let csrf = &signed.session.csrf_token;

    let _ = write!(
        body,
        "<p class=\"muted\">{} · jam setempat {}</p><section class=\"card\"><h2>Daftar penutupan</h2>",
        escape(&office.name),
        tz.abbreviation()
    );
    if list.is_empty() {
        body.push_str("<p class=\"empty\">Belum ada penutupan yang diumumkan.</p>");
    } else {
        body.push_str("<table class=\"queue\"><thead><tr><th>Waktu</th><th>Alasan</th><th>Status</th><th>Tindakan</th></tr></thead><tbody>");
        for c in &list {
            let (key, label) = closure_state(c, now);
            let actions = if matches!(key, "current" | "upcoming") {
                format!(
                    "<div class=\"row\"><a href=\"/console/closures/{id}/edit\">Ubah</a>\
<form method=\"post\" action=\"/console/closures/{id}/cancel\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<label class=\"check\"><input type=\"checkbox\" name=\"notify\" value=\"1\"> Beri tahu peserta</label>\
<button class=\"danger\" type=\"submit\">Batalkan penutupan</button></form></div>",
                    id = c.id,
                    csrf = escape(csrf)
                )
            } else {
                String::from("<span class=\"muted\">-</span>")
            };
            let _ = write!(
                body,
                "<tr data-closure=\"{id}\" data-state=\"{key}\"><td data-label=\"Waktu\">{from}<br>sampai {until}</td>\
<td data-label=\"Alasan\">{reason}<br><small class=\"muted\">{message}</small></td>\
<td data-label=\"Status\"><span class=\"badge\">{label}</span></td><td data-label=\"Tindakan\">{actions}</td></tr>",
                id = c.id,
                from = escape(&local(c.starts_at, tz)),
                until = escape(&local(c.ends_at, tz)),
                reason = escape(&c.reason),
                message = escape(&c.message),
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");

    let fields = fields.unwrap_or_else(|| ClosureFields {
        office_id: office.id.to_string(),
        alternatives: closures::default_alternatives(&office, &state.config).join("\n"),
        notify: Some("1".into()),
        ..ClosureFields::default()
    });
    body.push_str("<section class=\"card\" id=\"umumkan\"><h2>Umumkan penutupan baru</h2>");
    body.push_str(&closure_form(
        csrf,
        &office,
        &fields,
        "/console/closures",
        "Umumkan penutupan",
    ));
    body.push_str("</section>");
    page(status, "Penutupan kantor", signed, &body)
}

pub async fn closures_list(
    State(state): State<AppState>,
    Query(q): Query<ClosuresQuery>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match manager(signed) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let office = chosen_office(&signed, q.office.as_deref());
    let notice = match (q.ok.as_deref(), office) {
        (Some("declared"), Some(o)) => declared_banner(o, q.broadcast.as_deref()),
        (Some("edited"), _) => banner(
            "ok",
            "Perubahan penutupan tersimpan dan langsung berlaku di semua layanan.",
        ),
        (Some("cancelled"), _) => banner(
            "ok",
            "Penutupan dibatalkan. Kantor kembali tampil buka sesuai jam layanannya.",
        ),
        _ => String::new(),
    };
    closures_page(&state, &signed, office, notice, None, StatusCode::OK).await
}

/// A refused closure form or cancel: the page again with the reason (and the values as
/// typed).
async fn closure_refused(
    state: &AppState,
    signed: &SignedIn,
    office: OfficeId,
    fields: Option<ClosureFields>,
    e: OutreachError,
) -> Response {
    match form_refusal(e) {
        Ok((m, status)) => {
            closures_page(
                state,
                signed,
                Some(office),
                banner("error", &m),
                fields,
                status,
            )
            .await
        }
        Err(other) => error_response(signed, &other),
    }
}

/// The message and status of a refusal shown on the form again (bad input, or a clash with
/// the closure's state); any other error is handed back for the error page.
fn form_refusal(e: OutreachError) -> Result<(String, StatusCode), OutreachError> {
    match e {
        OutreachError::Invalid(m) => Ok((m, StatusCode::BAD_REQUEST)),
        OutreachError::Conflict(m) => Ok((m, StatusCode::CONFLICT)),
        other => Err(other),
    }
}

pub async fn closures_declare(
    State(state): State<AppState>,
    form: Result<ConsoleForm<ClosureFields>, ApiError>,
) -> Response {
    let (signed, form) = match manager_form(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(office) = chosen_office(&signed, Some(&form.office_id)) else {
        return forbidden(&signed);
    };
    let parsed = match form.parse(office) {
        Ok(p) => p,
        Err(e) => return closure_refused(&state, &signed, office, Some(form), e).await,
    };
    match closures::declare(Ctx::of(&state), &operator(&signed), parsed).await {
        Ok(Declared {
            closure, broadcast, ..
        }) => with_broadcast(
            format!(
                "/console/closures?office={}&ok=declared&closure={}",
                office, closure.id
            ),
            broadcast,
        ),
        Err(e) => closure_refused(&state, &signed, office, Some(form), e).await,
    }
}

/// The closure to edit, with its office, if this agent may manage it.
async fn closure_for_edit(
    state: &AppState,
    signed: &SignedIn,
    raw: &str,
) -> Result<(Closure, Office), Response> {
    let not_found = || {
        refusal(
            signed,
            StatusCode::NOT_FOUND,
            "Penutupan tidak ditemukan",
            "Maaf, penutupan itu tidak ditemukan.",
        )
    };
    let Some(id) = path_id(raw, ClosureId) else {
        return Err(not_found());
    };
    match closures::get(Ctx::of(state), id).await {
        Ok((c, _)) if !closures::may_manage(&signed.agent, c.office_id) => Err(forbidden(signed)),
        Ok(found) => Ok(found),
        Err(OutreachError::NotFound(_)) => Err(not_found()),
        Err(e) => Err(error_response(signed, &e)),
    }
}

fn edit_page(
    signed: &SignedIn,
    closure: &Closure,
    office: &Office,
    fields: &ClosureFields,
    notice: &str,
    status: StatusCode,
) -> Response {
    let mut body = format!(
        "<h1>Ubah penutupan</h1>{notice}<p class=\"muted\">{} · <a href=\"/console/closures?office={}\">Kembali ke daftar</a></p><section class=\"card\">",
        escape(&office.name),
        office.id
    );
    body.push_str(&closure_form(
        &signed.session.csrf_token,
        office,
        fields,
        &format!("/console/closures/{}", closure.id),
        "Simpan perubahan",
    ));
    body.push_str("</section>");
    page(status, "Ubah penutupan", signed, &body)
}

pub async fn closure_edit_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match manager(signed) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (closure, office) = match closure_for_edit(&state, &signed, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let tz = office.timezone;
    let fields = ClosureFields {
        office_id: office.id.to_string(),
        from: input_value(closure.starts_at, tz),
        until: input_value(closure.ends_at, tz),
        reason: closure.reason.clone(),
        message: closure.message.clone(),
        alternatives: closure.alternatives.join("\n"),
        notify: None,
    };
    edit_page(&signed, &closure, &office, &fields, "", StatusCode::OK)
}

pub async fn closure_edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<ConsoleForm<ClosureFields>, ApiError>,
) -> Response {
    let (signed, form) = match manager_form(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (closure, office) = match closure_for_edit(&state, &signed, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let result = match form.parse(office.id) {
        Ok(parsed) => closures::edit(Ctx::of(&state), &operator(&signed), closure.id, parsed).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/console/closures?office={}&ok=edited", office.id))
            .into_response(),
        Err(e) => match form_refusal(e) {
            Ok((m, status)) => edit_page(
                &signed,
                &closure,
                &office,
                &form,
                &banner("error", &m),
                status,
            ),
            Err(e) => error_response(&signed, &e),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct CancelFields {
    #[serde(default)]
    notify: Option<String>,
}

pub async fn closure_cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<ConsoleForm<CancelFields>, ApiError>,
) -> Response {
    let (signed, form) = match manager_form(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (closure, office) = match closure_for_edit(&state, &signed, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let notify = ticked(&form.notify);
    match closures::cancel(Ctx::of(&state), &operator(&signed), closure.id, notify).await {
        Ok(Declared { broadcast, .. }) => with_broadcast(
            format!("/console/closures?office={}&ok=cancelled", office.id),
            broadcast,
        ),
        Err(e @ OutreachError::Conflict(_)) => {
            closure_refused(&state, &signed, office.id, None, e).await
        }
        Err(e) => error_response(&signed, &e),
    }
}

// ---- broadcasts ----------------------------------------------------------------------------

/// The recipients the provider has taken: sent, delivered or read.
/// `handled` in percent.
fn handled_percent(p: &BroadcastProgress) -> u64 {
    if p.total == 0 {
        return 100;
    }
    p.accepted() * 100 / p.total
}

type Count = fn(&BroadcastProgress) -> u64;

/// The parts of the bar, in the order they are drawn, with their labels and counts.
const PARTS: [(&str, &str, Count); 8] = [
    ("read", "Dibaca", |p| p.read),
    ("delivered", "Diterima", |p| p.delivered),
    ("sent", "Terkirim", |p| p.sent),
    ("queued", "Dalam antrean kirim", |p| p.queued),
    ("failed", "Gagal", |p| p.failed),
    ("skipped", "Dilewati (berhenti berlangganan)", |p| p.skipped),
    ("cancelled", "Tidak dikirim (dibatalkan)", |p| p.cancelled),
    ("waiting", "Menunggu giliran", |p| p.waiting),
];

fn width(n: u64, total: u64) -> String {
    if total == 0 {
        return "0".into();
    }
    format!("{:.2}", n as f64 * 100.0 / total as f64)
}

/// The stacked bar: waiting recipients are the bar's empty background.
fn bar(p: &BroadcastProgress, big: bool) -> String {
    let mut s = format!(
        "<div class=\"bar{}\" role=\"progressbar\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\"{}\" aria-label=\"Perkembangan pengiriman\">",
        if big { " big" } else { "" },
        handled_percent(p)
    );
    for (part, label, count) in PARTS.iter().filter(|(k, ..)| *k != "waiting") {
        let _ = write!(
            s,
            "<span data-part=\"{part}\" title=\"{label}\" style=\"width:{}%\"></span>",
            width(count(p), p.total)
        );
    }
    s.push_str("</div>");
    s
}

fn state_badge(state: BroadcastState) -> String {
    format!(
        "<span class=\"state\" data-state=\"{}\">{}</span>",
        state.as_str(),
        escape(state.label())
    )
}

fn audience_label(a: &Audience, offices: &[Office]) -> String {
    match a {
        Audience::Office { office_id } => offices
            .iter()
            .find(|o| o.id == *office_id)
            .map(|o| format!("Peserta {}", o.name))
            .unwrap_or_else(|| "Peserta satu kantor cabang".into()),
        Audience::Regencies { codes } => {
            let names: Vec<&str> = codes
                .iter()
                .filter_map(|c| wilayah::regency(*c).map(|r| r.name))
                .collect();
            format!("Peserta di {}", names.join(", "))
        }
        Audience::Province { code } => wilayah::province(*code)
            .map(|p| format!("Peserta di Provinsi {}", p.name))
            .unwrap_or_else(|| "Peserta satu provinsi".into()),
        Audience::Everyone => "Semua peserta".into(),
    }
}

fn kind_label(k: &BroadcastKind) -> &'static str {
    match k {
        BroadcastKind::Closure { .. } => "Penutupan kantor",
        BroadcastKind::Notice => "Pengumuman",
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct NoticeFields {
    /// "office", "province" or "everyone".
    #[serde(default)]
    audience: String,
    #[serde(default)]
    office_id: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

impl NoticeFields {
    fn parse(&self, signed: &SignedIn) -> Result<NoticeForm, OutreachError> {
        let audience = match self.audience.as_str() {
            "province" => {
                let code = self
                    .province
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|c| wilayah::province(*c).is_some())
                    .ok_or_else(|| OutreachError::Invalid("Mohon pilih provinsi.".into()))?;
                Audience::Province { code }
            }
            "everyone" => Audience::Everyone,
            _ => {
                let office_id = if signed.agent.role.is_national() {
                    self.office_id.trim().parse::<i64>().ok().map(OfficeId)
                } else {
                    signed.agent.office_id
                };
                let office_id = office_id
                    .ok_or_else(|| OutreachError::Invalid("Mohon pilih kantor cabang.".into()))?;
                Audience::Office { office_id }
            }
        };
        Ok(NoticeForm {
            audience,
            title: self.title.trim().to_string(),
            text: self.text.trim().to_string(),
        })
    }
}

fn notice_form(signed: &SignedIn, offices: &[Office], fields: &NoticeFields) -> String {
    let wide = signed.can(Permission::BroadcastWide);
    let checked = |v: &str| {
        let chosen = if fields.audience.is_empty() {
            "office"
        } else {
            fields.audience.as_str()
        };
        if chosen == v {
            " checked"
        } else {
            ""
        }
    };
    let mut s = format!(
        "<form method=\"post\" action=\"/console/broadcasts\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<fieldset><legend>Kepada</legend>",
        escape(&signed.session.csrf_token)
    );
    if wide {
        let selected = fields.office_id.trim().parse::<i64>().ok().map(OfficeId);
        let _ = write!(
            s,
            "<label class=\"check\"><input type=\"radio\" name=\"audience\" value=\"office\"{}> Peserta satu kantor cabang</label>\
<select name=\"office_id\" aria-label=\"Kantor cabang\"><option value=\"\">Pilih kantor cabang</option>{}</select>",
            checked("office"),
            office_options(offices, selected)
        );
        let provinces = options(wilayah::provinces().iter().map(|p| {
            let selected = fields.province.trim() == p.code.to_string();
            (p.code, p.name.to_string(), selected)
        }));
        let _ = write!(
            s,
            "<label class=\"check\"><input type=\"radio\" name=\"audience\" value=\"province\"{}> Peserta satu provinsi</label>\
<select name=\"province\" aria-label=\"Provinsi\"><option value=\"\">Pilih provinsi</option>{provinces}</select>\
<label class=\"check\"><input type=\"radio\" name=\"audience\" value=\"everyone\"{}> Semua peserta</label>",
            checked("province"),
            checked("everyone"),
        );
    } else {
        let name = offices
            .iter()
            .find(|o| Some(o.id) == signed.agent.office_id)
            .map(|o| o.name.as_str())
            .unwrap_or("kantor cabang Anda");
        let _ = write!(
            s,
            "<input type=\"hidden\" name=\"audience\" value=\"office\"><p>Peserta yang dilayani {}</p>",
            escape(name)
        );
    }
    let _ = write!(
        s,
        "</fieldset><label for=\"title\" style=\"margin-top:.6rem\">Judul (untuk daftar pengiriman)</label>\
<input type=\"text\" id=\"title\" name=\"title\" maxlength=\"120\" required value=\"{}\" placeholder=\"Misalnya: Antrean online kini tersedia\">\
<label for=\"text\" style=\"margin-top:.6rem\">Isi pengumuman</label>\
<textarea id=\"text\" name=\"text\" maxlength=\"1000\" required>{}</textarea>\
<button class=\"primary\" type=\"submit\">Kirim pengumuman</button></form>",
        escape(&fields.title),
        escape(&fields.text)
    );
    s
}

async fn broadcasts_page(
    state: &AppState,
    signed: &SignedIn,
    notice: String,
    fields: Option<NoticeFields>,
    status: StatusCode,
) -> Response {
    let list = match broadcasts::list(Ctx::of(state), &operator(signed), LIST_LIMIT).await {
        Ok(l) => l,
        Err(e) => return error_response(signed, &e),
    };
    let offices = match state.store.offices().await {
        Ok(o) => o,
        Err(e) => return error_response(signed, &OutreachError::Store(e)),
    };
    let tz = signed
        .agent
        .office_id
        .and_then(|id| offices.iter().find(|o| o.id == id))
        .map(|o| o.timezone)
        .unwrap_or(TimeZone::Wib);
    let mut body = String::from("<h1>Pengiriman pemberitahuan</h1>");
    body.push_str(&notice);
    body.push_str("<section class=\"card\">");
    if list.is_empty() {
        body.push_str("<p class=\"empty\">Belum ada pemberitahuan yang dikirim.</p>");
    } else {
        body.push_str("<table class=\"queue\"><thead><tr><th>Judul</th><th>Kepada</th><th>Status</th><th>Perkembangan</th></tr></thead><tbody>");
        for (b, p) in &list {
            let _ = write!(
                body,
                "<tr data-broadcast-row=\"{id}\"><td><a href=\"/console/broadcasts/{id}\">{title}</a><br><small class=\"muted\">{kind} · {at}</small></td>\
<td data-label=\"Kepada\">{audience}</td><td data-label=\"Status\">{state}</td>\
<td data-label=\"Perkembangan\">{bar}<small class=\"muted\">{done} dari {total} terkirim · {failed} gagal</small></td></tr>",
                id = b.id,
                title = escape(&b.title),
                kind = kind_label(&b.kind),
                at = escape(&local(b.created_at, tz)),
                audience = escape(&audience_label(&b.audience, &offices)),
                state = state_badge(b.state),
                bar = bar(p, false),
                done = p.accepted(),
                total = p.total,
                failed = p.failed,
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>");
    // Only managers get here (`manager`), and every manager may send a notice.
    body.push_str("<section class=\"card\" id=\"baru\"><h2>Pengumuman baru</h2>");
    body.push_str(&notice_form(signed, &offices, &fields.unwrap_or_default()));
    body.push_str("</section>");
    page(status, "Pengiriman pemberitahuan", signed, &body)
}

pub async fn broadcasts_list(
    State(state): State<AppState>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match manager(signed) {
        Ok(s) => s,
        Err(r) => return r,
    };
    broadcasts_page(&state, &signed, String::new(), None, StatusCode::OK).await
}

pub async fn broadcasts_send(
    State(state): State<AppState>,
    form: Result<ConsoleForm<NoticeFields>, ApiError>,
) -> Response {
    let (signed, form) = match manager_form(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let result = match form.parse(&signed) {
        Ok(notice) => broadcasts::send_notice(Ctx::of(&state), &operator(&signed), notice).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(b) => Redirect::to(&format!("/console/broadcasts/{}?ok=sent", b.id)).into_response(),
        Err(e) => match form_refusal(e) {
            Ok((m, status)) => {
                broadcasts_page(&state, &signed, banner("error", &m), Some(form), status).await
            }
            Err(e) => error_response(&signed, &e),
        },
    }
}

fn not_found_broadcast(signed: &SignedIn) -> Response {
    refusal(
        signed,
        StatusCode::NOT_FOUND,
        "Pengiriman tidak ditemukan",
        "Maaf, pengiriman itu tidak ditemukan.",
    )
}

fn action_done(action: &str) -> Option<&'static str> {
    Some(match action {
        "sent" => "Pengumuman sudah diantrekan dan sedang dikirim bertahap.",
        "pause" => "Pengiriman dijeda. Pesan yang sudah masuk antrean kirim tetap terkirim.",
        "resume" => "Pengiriman dilanjutkan.",
        "cancel" => {
            "Pengiriman dibatalkan. Penerima yang belum mendapat giliran tidak akan dikirimi."
        }
        _ => return None,
    })
}

fn detail_page(
    signed: &SignedIn,
    b: &Broadcast,
    p: &BroadcastProgress,
    offices: &[Office],
    notice: &str,
    status: StatusCode,
) -> Response {
    let running = b.in_progress(p);
    // Delivery and read receipts still arrive after the last hand-off.
    let receipts = p.sent + p.delivered > 0;
    let progress_url = format!("/console/broadcasts/{}/progress", b.id);
    let mut body = String::new();
    if running {
        // Without JavaScript the page refreshes itself; the script below does it in place.
        let _ = write!(
            body,
            "<noscript><meta http-equiv=\"refresh\" content=\"{}\"></noscript>",
            POLL_MS / 1000 + 3
        );
    }
    let _ = write!(
        body,
        "{notice}<p><a href=\"/console/broadcasts\">Semua pengiriman</a></p>\
<section class=\"card\" data-broadcast=\"{id}\" data-progress-url=\"{progress_url}\" data-poll-ms=\"{POLL_MS}\" data-initial-state=\"{state}\" data-current-state=\"{state}\">\
<h1>{title}</h1><p class=\"muted\">{kind} · {audience} · dibuat oleh {by}</p>\
<p>Status: <span class=\"state\" data-state=\"{state}\">{state_label}</span> · <strong data-percent>{percent}%</strong> sudah diterima penyedia layanan pesan</p>",
        id = b.id,
        state = b.state.as_str(),
        state_label = escape(b.state.label()),
        title = escape(&b.title),
        kind = kind_label(&b.kind),
        audience = escape(&audience_label(&b.audience, offices)),
        by = escape(&b.created_by),
        percent = handled_percent(p),
    );
    body.push_str(&bar(p, true));
    body.push_str("<ul class=\"legend\">");
    let _ = write!(
        body,
        "<li><i></i><b data-count=\"total\">{}</b> penerima</li>",
        p.total
    );
    for (part, label, count) in PARTS {
        let _ = write!(
            body,
            "<li><i data-part=\"{part}\"></i><b data-count=\"{part}\">{}</b> {}</li>",
            count(p),
            escape(label)
        );
    }
    body.push_str("</ul>");

    let csrf = escape(&signed.session.csrf_token);
    let button = |action: &str, label: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"/console/broadcasts/{id}/actions\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<input type=\"hidden\" name=\"action\" value=\"{action}\"><button class=\"{class}\" type=\"submit\">{label}</button></form>",
            id = b.id,
        )
    };
    let mut actions = String::new();
    match b.state {
        BroadcastState::Sending => {
            actions.push_str(&button("pause", "Jeda pengiriman", "secondary"));
            actions.push_str(&button("cancel", "Batalkan pengiriman", "danger"));
        }
        BroadcastState::Paused => {
            actions.push_str(&button("resume", "Lanjutkan pengiriman", "primary"));
            actions.push_str(&button("cancel", "Batalkan pengiriman", "danger"));
        }
        BroadcastState::Cancelled | BroadcastState::Done => {}
    }
    if !actions.is_empty() {
        let _ = write!(body, "<div class=\"row\" data-actions>{actions}</div>");
    }
    let _ = write!(
        body,
        "<h2 style=\"margin-top:1rem\">Isi pesan</h2><p style=\"white-space:pre-wrap\">{}</p></section>",
        escape(&b.text)
    );
    if running || receipts {
        body.push_str("<script src=\"/console/assets/broadcast.js\" defer></script>");
    }
    page(status, &b.title, signed, &body)
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    ok: Option<String>,
}

pub async fn broadcast_detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match manager(signed) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(id) = path_id(&id, BroadcastId) else {
        return not_found_broadcast(&signed);
    };
    let notice =
        q.ok.as_deref()
            .and_then(action_done)
            .map(|m| banner("ok", m))
            .unwrap_or_default();
    detail(&state, &signed, id, &notice, StatusCode::OK).await
}

/// The broadcast's page as it is now, or why not.
async fn detail(
    state: &AppState,
    signed: &SignedIn,
    id: BroadcastId,
    notice: &str,
    status: StatusCode,
) -> Response {
    let (b, p) = match broadcasts::get(Ctx::of(state), &operator(signed), id).await {
        Ok(found) => found,
        Err(OutreachError::NotFound(_)) => return not_found_broadcast(signed),
        Err(e) => return error_response(signed, &e),
    };
    let offices = match state.store.offices().await {
        Ok(o) => o,
        Err(e) => return error_response(signed, &OutreachError::Store(e)),
    };
    detail_page(signed, &b, &p, &offices, notice, status)
}

/// `GET /console/broadcasts/{id}/progress`: the counts the page's script draws.
pub async fn broadcast_progress(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match signed {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if !signed.can(Permission::ManageOutreach) {
        return crate::console::auth::forbidden().into_response();
    }
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Pengiriman tidak ditemukan.",
        )
        .into_response()
    };
    let Some(id) = path_id(&id, BroadcastId) else {
        return not_found();
    };
    match broadcasts::get(Ctx::of(&state), &operator(&signed), id).await {
        Ok((b, p)) => (
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(serde_json::json!({
                "id": b.id,
                "state": b.state.as_str(),
                "state_label": b.state.label(),
                "handled_percent": handled_percent(&p),
                "progress": p,
            })),
        )
            .into_response(),
        Err(OutreachError::NotFound(_)) => not_found(),
        Err(OutreachError::Forbidden(m)) => {
            ApiError::new(StatusCode::FORBIDDEN, "forbidden", m).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "console outreach: progress");
            ApiError::internal().into_response()
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ActionFields {
    #[serde(default)]
    action: String,
}

pub async fn broadcast_act(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<ConsoleForm<ActionFields>, ApiError>,
) -> Response {
    let (signed, form) = match manager_form(form) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(id) = path_id(&id, BroadcastId) else {
        return not_found_broadcast(&signed);
    };
    let action = match form.action.as_str() {
        "pause" => BroadcastAction::Pause,
        "resume" => BroadcastAction::Resume,
        "cancel" => BroadcastAction::Cancel,
        _ => {
            return refusal(
                &signed,
                StatusCode::BAD_REQUEST,
                "Tindakan tidak dikenal",
                "Maaf, tindakan itu tidak tersedia. Muat ulang halaman lalu coba lagi.",
            )
        }
    };
    match broadcasts::act(Ctx::of(&state), &operator(&signed), id, action).await {
        Ok(_) => {
            Redirect::to(&format!("/console/broadcasts/{}?ok={}", id, form.action)).into_response()
        }
        // Changed meanwhile (finished, cancelled elsewhere): the page as it is now.
        Err(OutreachError::Conflict(m)) => {
            detail(
                &state,
                &signed,
                id,
                &banner("error", &m),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(OutreachError::NotFound(_)) => not_found_broadcast(&signed),
        Err(e) => error_response(&signed, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_the_offices_own() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 1, 0, 0).unwrap();
        assert_eq!(local(t, TimeZone::Wib), "Selasa, 24 Nov 2026 08.00 WIB");
        assert_eq!(local(t, TimeZone::Wit), "Selasa, 24 Nov 2026 10.00 WIT");
        assert_eq!(input_value(t, TimeZone::Wita), "2026-11-24T09:00");
        assert_eq!(
            closures::parse_local_time("2026-11-24T09:00"),
            chrono::NaiveDateTime::parse_from_str("2026-11-24 09:00", "%Y-%m-%d %H:%M").ok()
        );
        assert_eq!(closures::parse_local_time("24/11/2026"), None);
    }

    #[test]
    fn the_bar_adds_up_and_waiting_is_the_empty_part() {
        let p = BroadcastProgress {
            total: 8,
            waiting: 2,
            queued: 1,
            sent: 1,
            delivered: 2,
            read: 1,
            failed: 1,
            skipped: 0,
            cancelled: 0,
        };
        assert_eq!(handled_percent(&p), 50);
        let html = bar(&p, true);
        assert!(html.contains("data-part=\"delivered\" title=\"Diterima\" style=\"width:25.00%\""));
        assert!(!html.contains("data-part=\"waiting\""));
        assert_eq!(handled_percent(&BroadcastProgress::default()), 100);
    }
}

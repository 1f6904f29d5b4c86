//! The console's HTML pages: sign-in, the queue and the case screen, rendered on the server
//! (every value through `html::escape`), usable on a phone, without JavaScript. Actions are
//! plain forms carrying the session's CSRF token; after an action the browser is redirected
//! back to the case (post/redirect/get), after a refused one the case is shown again with the
//! reason.

use crate::console::auth::{self, ConsoleForm, SignedIn};
use crate::console::work::{self, ActionRequest, CaseDetail, CaseSummary};
use crate::error::ApiError;
use crate::html::escape;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use cases::{CaseStatus, Permission, SlaState};
use serde::Deserialize;
use std::fmt::Write as _;

pub const STYLE: &str = include_str!("../../assets/console/console.css");

pub async fn style() -> Response {
    crate::html::stylesheet(STYLE)
}

pub(crate) fn shell(title: &str, signed: Option<&SignedIn>, body: &str) -> String {
    let mut nav = String::new();
    if let Some(s) = signed {
        nav.push_str("<nav><a href=\"/console\">Antrean</a>");
        if s.can(Permission::ViewDashboard) {
            nav.push_str("<a href=\"/console/dashboard\">Dasbor</a>");
        }
        if s.can(Permission::ManageOutreach) {
            nav.push_str("<a href=\"/console/closures\">Penutupan kantor</a>");
            nav.push_str("<a href=\"/console/broadcasts\">Pengiriman pemberitahuan</a>");
        }
        if s.can(Permission::ExportAudit) {
            nav.push_str("<a href=\"/console/audit.csv\">Ekspor audit (CSV)</a>");
        }
        let _ = write!(
            nav,
            "<span class=\"who\">{name} · {role}</span>\
<form method=\"post\" action=\"/console/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\">Keluar</button></form></nav>",
            name = escape(&s.agent.name),
            role = escape(s.agent.role.label_id()),
            csrf = escape(&s.session.csrf_token),
        );
    }
    format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"same-origin\">\
<title>{title} · Konsol PANDAWA</title><link rel=\"stylesheet\" href=\"/console/assets/console.css\"></head>\
<body class=\"console\"><header class=\"top\"><a class=\"brand\" href=\"/console\">Layan · PANDAWA</a>{nav}</header>\
<main>{body}</main></body></html>",
        title = escape(title),
    )
}

/// An HTML page that is never cached (it shows personal data).
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(page),
    )
        .into_response()
}

fn error_page(signed: Option<&SignedIn>, e: &ApiError) -> Response {
    let body = format!(
        "<div class=\"notice error\">{}</div><p><a href=\"/console\">Kembali ke antrean</a></p>",
        escape(&e.message)
    );
    html(e.status, shell("Terjadi kendala", signed, &body))
}

/// The answer to a page request without a usable session: the sign-in page for anyone not
/// signed in, the reason otherwise (a refused CSRF token, a database error).
pub(crate) fn not_signed_in(e: ApiError) -> Response {
    if e.status == StatusCode::UNAUTHORIZED {
        Redirect::to("/console/login").into_response()
    } else {
        error_page(None, &e)
    }
}

/// A notice at the top of a page: "ok" is read out politely, "error" at once.
pub(crate) fn banner(class: &str, text: &str) -> String {
    let role = if class == "error" { "alert" } else { "status" };
    format!(
        "<div class=\"notice {class}\" role=\"{role}\">{}</div>",
        escape(text)
    )
}

// ---- sign-in -------------------------------------------------------------------------------------

fn login_page(message: Option<&str>) -> String {
    let notice = message.map(|m| banner("error", m)).unwrap_or_default();
    let body = format!(
        "<div class=\"card login\"><h1>Masuk ke konsol petugas</h1>{notice}\
<form method=\"post\" action=\"/console/login\">\
<label for=\"username\">Nama pengguna</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" autocapitalize=\"none\" required>\
<label for=\"password\" style=\"margin-top:.6rem\">Kata sandi</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
<button class=\"primary\" type=\"submit\">Masuk</button></form>\
<p class=\"muted\">Akun dibuat oleh admin. Setelah beberapa kali salah, akun dikunci sementara.</p></div>"
    );
    shell("Masuk", None, &body)
}

pub async fn login_form(
    State(state): State<AppState>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let _ = state;
    if signed.is_ok() {
        return Redirect::to("/console").into_response();
    }
    html(StatusCode::OK, login_page(None))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// Whether a browser's `Origin` (sent with every cross-site POST) names this site. The
/// sign-in form has no session yet, hence no CSRF token: this keeps another site from
/// signing a victim's browser into an account of its choosing. Behind a proxy that rewrites
/// `Host`, the configured `public_url` is this site too.
fn same_origin(headers: &axum::http::HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    let public = public_url.is_some_and(|u| {
        u.trim_end_matches('/')
            .eq_ignore_ascii_case(origin.trim_end_matches('/'))
    });
    public || (!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
}

pub async fn login(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !same_origin(&headers, state.config.public_url.as_deref()) {
        return html(
            StatusCode::FORBIDDEN,
            login_page(Some("Permintaan masuk ditolak karena tidak berasal dari halaman ini. Buka halaman masuk konsol secara langsung lalu coba lagi.")),
        );
    }
    let form: LoginForm = match auth::serde_urlencoded_from(&body) {
        Ok(f) => f,
        Err(e) => return html(e.status, login_page(Some(&e.message))),
    };
    match auth::sign_in(&state, &form.username, &form.password).await {
        Ok(new) => {
            let cookie = auth::session_cookie(&state, &new.token, new.session.expires_at);
            (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, "/console".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
            )
                .into_response()
        }
        Err(e) => html(e.status, login_page(Some(&e.message))),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    form: Result<ConsoleForm<Empty>, ApiError>,
) -> Response {
    let form = match form {
        Ok(f) => f,
        Err(e) => return not_signed_in(e),
    };
    if let Err(e) = auth::sign_out(&state, &form.signed).await {
        return error_page(Some(&form.signed), &e);
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth::clear_cookie(&state)),
            (header::LOCATION, "/console/login".to_string()),
        ],
    )
        .into_response()
}

// ---- the queue -----------------------------------------------------------------------------------

fn sla_badge(c: &CaseSummary) -> String {
    let Some(sla) = c.sla else {
        return "<span class=\"badge\">-</span>".to_string();
    };
    let worst = if sla.breached() {
        SlaState::Breached
    } else if sla.first_response == SlaState::DueSoon || sla.resolution == SlaState::DueSoon {
        SlaState::DueSoon
    } else {
        SlaState::OnTrack
    };
    let (class, label) = match worst {
        SlaState::Breached => ("breached", "Melewati SLA"),
        SlaState::DueSoon => ("due_soon", "Segera jatuh tempo"),
        _ => ("on_track", "Sesuai target"),
    };
    let left = sla.resolution_minutes_left;
    let detail = if left < 0 {
        format!("penyelesaian lewat {} kerja", minutes_label(-left))
    } else if sla.resolution == SlaState::Breached {
        "melewati batas waktu penyelesaian".to_string()
    } else if sla.first_response == SlaState::Breached {
        format!(
            "respons pertama terlambat; sisa {} kerja untuk penyelesaian",
            minutes_label(left)
        )
    } else {
        format!("sisa {} kerja", minutes_label(left))
    };
    format!(
        "<span class=\"badge {class}\" data-sla=\"{class}\">{label}</span> <small class=\"muted\">{}</small>",
        escape(&detail)
    )
}

fn minutes_label(m: i64) -> String {
    let (h, m) = (m / 60, m % 60);
    match (h, m) {
        (0, m) => format!("{m} menit"),
        (h, 0) => format!("{h} jam"),
        (h, m) => format!("{h} jam {m} menit"),
    }
}

pub async fn queue(State(state): State<AppState>, signed: Result<SignedIn, ApiError>) -> Response {
    let signed = match signed {
        Ok(s) => s,
        Err(e) => return not_signed_in(e),
    };
    let cases = match work::queue(&state, &signed).await {
        Ok(c) => c,
        Err(e) => return error_page(Some(&signed), &e),
    };
    let title = if signed.agent.role.is_national() {
        "Antrean semua kantor cabang"
    } else if signed.can(Permission::WorkBranchCases) {
        "Antrean kantor cabang"
    } else {
        "Kasus saya"
    };
    let breached = cases.iter().filter(|c| c.breached).count();
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{} kasus terbuka{}</p>",
        escape(title),
        cases.len(),
        if breached > 0 {
            format!(", <strong>{breached} melewati SLA</strong>")
        } else {
            String::new()
        }
    );
    if signed.agent.role == cases::AgentRole::Agent {
        // Whether new cases are coming: agents often open the console before their shift.
        let on = crate::casework::assign::agent_on_shift(&state, &signed.agent, state.now())
            .await
            .unwrap_or(false);
        let schedule: Vec<String> = signed.agent.shifts.iter().map(|s| s.label_id()).collect();
        let _ = write!(
            body,
            "<p class=\"muted\" data-on-shift=\"{on}\">{} Jadwal: {}.</p>",
            if on {
                "Anda sedang bertugas: kasus baru dibagikan kepada Anda."
            } else {
                "Anda di luar jadwal tugas: tidak ada kasus baru yang dibagikan kepada Anda."
            },
            escape(&if schedule.is_empty() {
                "belum diatur".to_string()
            } else {
                schedule.join(", ")
            }),
        );
    }
    if cases.is_empty() {
        body.push_str(
            "<div class=\"card\"><p class=\"empty\">Tidak ada kasus terbuka saat ini.</p></div>",
        );
    } else {
        body.push_str("<div class=\"card\"><table class=\"queue\"><thead><tr><th>Nomor</th><th>Jenis</th><th>Status</th><th>Masuk</th><th>Petugas</th><th>SLA</th></tr></thead><tbody>");
        for c in &cases {
            let _ = write!(
                body,
                "<tr class=\"{row}\" data-case=\"{number}\"><td><a href=\"/console/cases/{id}\">{number}</a><br><small class=\"muted\">{channel} · {office}</small></td>\
<td data-label=\"Jenis\">{kind}</td><td data-label=\"Status\">{status}</td><td data-label=\"Masuk\">{created}</td><td data-label=\"Petugas\">{assigned}</td><td data-label=\"SLA\">{sla}</td></tr>",
                row = if c.breached { "breached" } else { "" },
                id = c.id,
                number = escape(&c.number),
                channel = escape(&c.channel),
                office = escape(&c.office),
                kind = escape(&c.kind_label),
                status = escape(c.status_label),
                created = escape(&c.created_local),
                assigned = match &c.assigned_name {
                    Some(n) => escape(n),
                    None => "<em>Belum dibagikan</em>".to_string(),
                },
                sla = sla_badge(c),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    html(StatusCode::OK, shell(title, Some(&signed), &body))
}

// ---- the case screen ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    /// The action that just succeeded (post/redirect/get).
    #[serde(default)]
    ok: Option<String>,
}

fn done_message(action: &str) -> Option<&'static str> {
    Some(match action {
        "take" => "Kasus sudah Anda ambil dan peserta diberi tahu.",
        "reply" => "Balasan terkirim ke peserta.",
        "ask_documents" => "Permintaan dokumen beserta tautan unggah terkirim ke peserta.",
        "note" => "Catatan internal tersimpan.",
        "complete" => "Kasus selesai dan peserta diberi tahu.",
        "reject" => "Kasus ditolak dan peserta diberi tahu alasannya.",
        "reassign" => "Kasus sudah dialihkan.",
        "hand_back" => "Percakapan dikembalikan ke asisten virtual.",
        _ => return None,
    })
}

fn facts(rows: &[(&str, String)]) -> String {
    let mut s = String::from("<dl class=\"facts\">");
    for (k, v) in rows {
        let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    }
    s.push_str("</dl>");
    s
}

fn action_form(
    (id, seen): (i64, CaseStatus),
    csrf: &str,
    action: &str,
    inner: &str,
    button: &str,
    class: &str,
) -> String {
    format!(
        "<form class=\"action\" method=\"post\" action=\"/console/cases/{id}/actions\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"{action}\">\
<input type=\"hidden\" name=\"expected_status\" value=\"{seen}\">{inner}<button class=\"{class}\" type=\"submit\">{button}</button></form>",
        id = id,
        seen = seen.as_str(),
        csrf = escape(csrf),
        action = escape(action),
        button = escape(button),
    )
}

fn textarea(id: &str, label: &str, placeholder: &str) -> String {
    format!(
        "<label for=\"{id}\">{label}</label><textarea id=\"{id}\" name=\"text\" maxlength=\"2000\" required placeholder=\"{placeholder}\"></textarea>",
        label = escape(label),
        placeholder = escape(placeholder),
    )
}

fn case_page(signed: &SignedIn, d: &CaseDetail, notice: Option<(&str, &str)>) -> String {
    let c = &d.case;
    let csrf = &signed.session.csrf_token;
    let mut body = String::new();
    if let Some((class, text)) = notice {
        let _ = write!(
            body,
            "<div class=\"notice {class}\" role=\"status\">{}</div>",
            escape(text)
        );
    }
    let _ = write!(
        body,
        "<h1>{} · {}</h1>",
        escape(&c.number),
        escape(&c.kind_label)
    );
    body.push_str("<div class=\"grid\"><div>");

    // The case itself.
    body.push_str("<section class=\"card\"><h2>Kasus</h2>");
    body.push_str(&facts(&[
        ("Status", c.status_label.to_string()),
        ("Kanal", c.channel.clone()),
        ("Kantor cabang", c.office.clone()),
        ("Masuk", c.created_local.clone()),
        (
            "Petugas",
            c.assigned_name
                .clone()
                .unwrap_or_else(|| "Belum dibagikan".into()),
        ),
    ]));
    let _ = write!(body, "<p>SLA: {}</p>", sla_badge(c));
    let mut targets = Vec::new();
    if let Some(t) = &c.first_response_due_local {
        targets.push(("Target respons pertama", t.clone()));
    }
    if let Some(t) = &c.resolution_due_local {
        targets.push(("Target selesai", t.clone()));
    }
    if !targets.is_empty() {
        body.push_str(&facts(&targets));
    }
    body.push_str("</section>");

    // The participant, masked unless revealed.
    body.push_str("<section class=\"card\"><h2>Peserta</h2>");
    match &d.participant {
        Some(p) => {
            body.push_str(&facts(&[
                ("Nama", p.name.clone()),
                ("NIK", p.nik.clone()),
                ("Nomor kartu", p.card_number.clone()),
                ("Tanggal lahir", p.birth_date.format("%d/%m/%Y").to_string()),
                ("Telepon", p.phone.clone().unwrap_or_else(|| "-".into())),
                ("Segmen", p.segment.to_string()),
                ("Kelas", p.class.to_string()),
                ("Hubungan", p.relation.to_string()),
            ]));
            if !p.revealed {
                let _ = write!(
                    body,
                    "<form class=\"action\" method=\"post\" action=\"/console/cases/{}/reveal\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><button class=\"secondary\" type=\"submit\">Tampilkan NIK dan nomor kartu lengkap</button>\
<p class=\"muted\">Setiap permintaan tercatat di log audit.</p></form>",
                    c.id,
                    escape(csrf)
                );
            }
        }
        None => body.push_str(
            "<p class=\"empty\">Belum terhubung dengan data peserta (peserta belum terverifikasi atau pendaftar baru).</p>",
        ),
    }
    body.push_str("</section>");

    if let Some(a) = &d.account {
        body.push_str("<section class=\"card\"><h2>Keluarga dan iuran</h2>");
        body.push_str(&facts(&[
            ("Nomor KK", a.family_card.clone()),
            ("Segmen", a.segment.to_string()),
            ("Kelas", a.class.to_string()),
            ("Status", a.status_label.to_string()),
            ("Keterangan", a.explanation.clone()),
            (
                "Tunggakan",
                format!("{} bulan, {}", a.months_in_arrears, a.arrears),
            ),
            ("Tagihan bulan ini", a.current_month_due.clone()),
            (
                "Pembayaran terakhir",
                a.last_payment.clone().unwrap_or_else(|| "-".into()),
            ),
        ]));
        body.push_str("<table><thead><tr><th>Nama</th><th>Hubungan</th><th>NIK</th><th>Kartu</th><th>Lahir</th></tr></thead><tbody>");
        for m in &a.members {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&m.name),
                escape(m.relation),
                escape(&m.nik),
                escape(&m.card_number),
                m.birth_date.format("%d/%m/%Y")
            );
        }
        body.push_str("</tbody></table></section>");
    }

    if !d.eligibility.is_empty() {
        body.push_str("<section class=\"card\"><h2>Pemeriksaan aturan JKN</h2><ul>");
        for e in &d.eligibility {
            let _ = write!(body, "<li>{}</li>", escape(e));
        }
        body.push_str("</ul></section>");
    }

    body.push_str("<section class=\"card\"><h2>Isian formulir</h2>");
    if d.fields.is_empty() {
        body.push_str("<p class=\"empty\">Tidak ada isian.</p>");
    } else {
        let rows: Vec<(&str, String)> = d
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.clone()))
            .collect();
        body.push_str(&facts(&rows));
    }
    body.push_str("</section>");

    body.push_str("<section class=\"card\"><h2>Dokumen</h2>");
    if d.attachments.is_empty() {
        body.push_str("<p class=\"empty\">Belum ada dokumen.</p>");
    } else {
        body.push_str("<ul>");
        for a in &d.attachments {
            let _ = write!(
                body,
                "<li><a href=\"/console/cases/{}/attachments/{}\">{}</a> <small class=\"muted\">{} · {} KB · {}</small></li>",
                c.id,
                a.id,
                escape(&a.filename),
                escape(a.document.as_deref().unwrap_or("dokumen")),
                a.size_bytes.div_ceil(1024),
                escape(&a.uploaded_local),
            );
        }
        body.push_str("</ul>");
    }
    body.push_str("</section></div><div>");

    // Actions.
    body.push_str("<section class=\"card\" id=\"tindakan\"><h2>Tindakan</h2>");
    if d.actions.is_empty() {
        body.push_str("<p class=\"empty\">Kasus ini sudah ditutup.</p>");
    }
    for a in &d.actions {
        let form = match *a {
            "take" => action_form(
                (c.id, c.status),
                csrf,
                "take",
                "",
                "Ambil dan mulai proses",
                "primary",
            ),
            "reply" => action_form(
                (c.id, c.status),
                csrf,
                "reply",
                &textarea("reply", "Balas ke peserta", "Tulis balasan yang sopan dan jelas"),
                "Kirim balasan",
                "primary",
            ),
            "ask_documents" => action_form(
                (c.id, c.status),
                csrf,
                "ask_documents",
                &textarea(
                    "ask",
                    "Minta dokumen atau keterangan",
                    "Misalnya: Mohon unggah foto Kartu Keluarga terbaru",
                ),
                "Kirim permintaan beserta tautan unggah",
                "secondary",
            ),
            "note" => action_form(
                (c.id, c.status),
                csrf,
                "note",
                &textarea("note", "Catatan internal (tidak terlihat peserta)", ""),
                "Simpan catatan",
                "secondary",
            ),
            "complete" => action_form(
                (c.id, c.status),
                csrf,
                "complete",
                "<label for=\"done\">Keterangan penyelesaian (opsional)</label><textarea id=\"done\" name=\"text\" maxlength=\"2000\"></textarea>",
                "Tandai selesai",
                "primary",
            ),
            "reject" => action_form(
                (c.id, c.status),
                csrf,
                "reject",
                &textarea("reject", "Alasan penolakan (dikirim ke peserta)", ""),
                "Tolak permohonan",
                "danger",
            ),
            "reassign" if !d.reassign_to.is_empty() => {
                let mut options = String::new();
                for a in &d.reassign_to {
                    let _ = write!(
                        options,
                        "<option value=\"{}\">{} ({})</option>",
                        a.id,
                        escape(&a.name),
                        escape(&a.username)
                    );
                }
                action_form(
                (c.id, c.status),
                    csrf,
                    "reassign",
                    &format!("<label for=\"to\">Alihkan ke petugas</label><select id=\"to\" name=\"agent_id\">{options}</select>"),
                    "Alihkan",
                    "secondary",
                )
            }
            "hand_back" => action_form(
                (c.id, c.status),
                csrf,
                "hand_back",
                "",
                "Kembalikan ke asisten virtual",
                "secondary",
            ),
            _ => String::new(),
        };
        body.push_str(&form);
    }
    body.push_str("</section>");

    body.push_str("<section class=\"card\"><h2>Percakapan</h2>");
    if d.conversation.is_empty() {
        body.push_str("<p class=\"empty\">Belum ada percakapan tercatat.</p>");
    } else {
        body.push_str("<ul class=\"chat\">");
        for t in &d.conversation {
            let _ = write!(
                body,
                "<li class=\"{}\">{}<small>{}</small></li>",
                if t.direction == "in" { "in" } else { "out" },
                escape(&t.text),
                escape(&t.local)
            );
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");

    body.push_str("<section class=\"card\"><h2>Riwayat</h2><ul class=\"history\">");
    for e in &d.history {
        let mut line = e.label.to_string();
        if let (Some(f), Some(t)) = (e.from_status, e.to_status) {
            if f != t {
                line.push_str(&format!(": {} → {}", f.label_id(), t.label_id()));
            }
        }
        if let Some(a) = &e.assigned_to {
            line.push_str(&format!(" ({a})"));
        }
        let _ = write!(
            body,
            "<li>{}{}<small>{} · {}</small></li>",
            escape(&line),
            if e.text.is_empty() {
                String::new()
            } else {
                format!("<br>{}", escape(&e.text))
            },
            escape(&e.actor),
            escape(&e.local)
        );
    }
    body.push_str("</ul></section></div></div>");
    shell(&c.number, Some(signed), &body)
}

pub async fn case(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
    signed: Result<SignedIn, ApiError>,
) -> Response {
    let signed = match signed {
        Ok(s) => s,
        Err(e) => return not_signed_in(e),
    };
    let id = match work::case_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(Some(&signed), &e),
    };
    match work::detail(&state, &signed, id, false).await {
        Ok(d) => {
            let notice = q.ok.as_deref().and_then(done_message).map(|m| ("ok", m));
            html(StatusCode::OK, case_page(&signed, &d, notice))
        }
        Err(e) => error_page(Some(&signed), &e),
    }
}

pub async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<ConsoleForm<Empty>, ApiError>,
) -> Response {
    let signed = match form {
        Ok(f) => f.signed,
        Err(e) => return not_signed_in(e),
    };
    let id = match work::case_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(Some(&signed), &e),
    };
    match work::detail(&state, &signed, id, true).await {
        Ok(d) => html(StatusCode::OK, case_page(&signed, &d, None)),
        Err(e) => error_page(Some(&signed), &e),
    }
}

pub async fn act(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Result<ConsoleForm<ActionRequest>, ApiError>,
) -> Response {
    let ConsoleForm { signed, form } = match form {
        Ok(f) => f,
        Err(e) => return not_signed_in(e),
    };
    let id = match work::case_id(&id) {
        Ok(i) => i,
        Err(e) => return error_page(Some(&signed), &e),
    };
    let result = match (form.parse(), form.seen_status()) {
        (Ok(action), Ok(seen)) => work::perform(&state, &signed, id, action, seen).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/console/cases/{}?ok={}",
            id.0,
            if work::ACTIONS.contains(&form.action.as_str()) {
                form.action.as_str()
            } else {
                ""
            }
        ))
        .into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => error_page(Some(&signed), &e),
        // Refused or stale: the case as it is now, with the reason on top.
        Err(e) => match work::detail(&state, &signed, id, false).await {
            Ok(d) => html(
                e.status,
                case_page(&signed, &d, Some(("error", &e.message))),
            ),
            Err(_) => error_page(Some(&signed), &e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn a_sign_in_posted_from_another_site_is_recognised() {
        let mut h = HeaderMap::new();
        let set = |h: &mut HeaderMap, name, value: &'static str| {
            h.insert(name, HeaderValue::from_static(value));
        };
        set(&mut h, header::HOST, "layan.example:8080");
        assert!(same_origin(&h, None), "no Origin: not a cross-site POST");
        set(&mut h, header::ORIGIN, "https://layan.example:8080");
        assert!(same_origin(&h, None));
        set(&mut h, header::ORIGIN, "https://evil.example");
        assert!(!same_origin(&h, None));
        assert!(!same_origin(&h, Some("https://layan.bpjs.example")));
        set(&mut h, header::ORIGIN, "null");
        assert!(!same_origin(&h, None));
        // A proxy passing its own Host: the public URL still counts as this site.
        set(&mut h, header::HOST, "10.0.0.5:8080");
        set(&mut h, header::ORIGIN, "https://layan.bpjs.example");
        assert!(same_origin(&h, Some("https://layan.bpjs.example/")));
    }
}

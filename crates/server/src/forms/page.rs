//! The form page, rendered on the server: every value from the participant or the database
//! goes through `html::escape`; the draft travels to the script as JSON that cannot close
//! its `<script>` element.

use crate::html::escape;
use cases::kind::FieldType;
use cases::KindSpec;
use serde_json::{Map, Value};
use store::Attachment;

/// What the page shows.
pub struct FormPage<'a> {
    pub token: &'a str,
    pub spec: &'static KindSpec,
    /// Prefill overlaid with the saved draft.
    pub values: &'a Map<String, Value>,
    /// When the server's draft was saved (ms since the epoch; 0 when never).
    pub draft_saved_ms: i64,
    pub uploads: &'a [Attachment],
    /// For a document request: the case number, the agent's words and which documents.
    pub request: Option<DocumentRequest<'a>>,
    pub max_upload_bytes: usize,
}

pub struct DocumentRequest<'a> {
    pub number: &'a str,
    pub reason: Option<&'a str>,
    pub documents: Vec<&'static cases::DocumentSpec>,
    /// The agent named these documents: each is required. Otherwise any one answers.
    pub named: bool,
}

fn head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1, viewport-fit=cover\">\n\
         <meta name=\"theme-color\" content=\"#0b7a3e\">\n<meta name=\"robots\" content=\"noindex\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{} — Layan</title>\n<link rel=\"stylesheet\" href=\"/form/app.css\">\n</head>\n<body>\n\
         <header><h1>Layan</h1><p>Layanan administrasi peserta JKN</p></header>\n",
        escape(title)
    )
}

/// A page that only says something: an expired, unknown or used link.
pub fn notice(title: &str, paragraphs: &[String]) -> String {
    let mut out = head(title);
    out.push_str("<main class=\"notice\">\n");
    out.push_str(&format!("<h2>{}</h2>\n", escape(title)));
    for p in paragraphs {
        out.push_str(&format!("<p>{}</p>\n", escape(p)));
    }
    out.push_str("<p><a class=\"button\" href=\"/chat\">Buka percakapan Layan</a></p>\n");
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn value_of(values: &Map<String, Value>, key: &str) -> String {
    crate::forms::validate::text_of(values, key)
}

fn field_html(f: &cases::FieldSpec, values: &Map<String, Value>) -> String {
    let key = escape(f.key);
    let id = format!("f-{key}");
    let value = escape(&value_of(values, f.key));
    let required = if f.required { " required" } else { "" };
    let star = if f.required {
        " <span class=\"req\" aria-hidden=\"true\">*</span>"
    } else {
        " <span class=\"opt\">(tidak wajib)</span>"
    };
    let control = match f.kind {
        FieldType::Text => format!(
            "<input id=\"{id}\" name=\"{key}\" type=\"text\" maxlength=\"200\" value=\"{value}\"{required}>"
        ),
        FieldType::LongText => format!(
            "<textarea id=\"{id}\" name=\"{key}\" rows=\"5\" maxlength=\"5000\"{required}>{value}</textarea>"
        ),
        FieldType::Nik => format!(
            "<input id=\"{id}\" name=\"{key}\" type=\"text\" inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"16\" placeholder=\"16 angka sesuai KTP\" value=\"{value}\"{required}>"
        ),
        FieldType::Date => format!(
            "<input id=\"{id}\" name=\"{key}\" type=\"date\" value=\"{value}\"{required}>"
        ),
        FieldType::Phone => format!(
            "<input id=\"{id}\" name=\"{key}\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" placeholder=\"08…\" value=\"{value}\"{required}>"
        ),
        FieldType::Choice(options) => {
            let current = value_of(values, f.key);
            let mut s = format!(
                "<select id=\"{id}\" name=\"{key}\"{required}><option value=\"\">Pilih…</option>"
            );
            for (v, l) in options {
                let selected = if current == *v { " selected" } else { "" };
                s.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>",
                    escape(v),
                    escape(l)
                ));
            }
            s.push_str("</select>");
            s
        }
    };
    format!(
        "<div class=\"field\" data-key=\"{key}\">\n<label for=\"{id}\">{}{star}</label>\n{control}\n\
         <p class=\"error\" id=\"e-{key}\" role=\"alert\" hidden></p>\n</div>\n",
        escape(f.label)
    )
}

fn document_html(d: &cases::DocumentSpec, required: bool, uploads: &[Attachment]) -> String {
    let key = escape(d.key);
    let star = if required {
        " <span class=\"req\" aria-hidden=\"true\">*</span>"
    } else {
        " <span class=\"opt\">(tidak wajib)</span>"
    };
    let mut files = String::new();
    for a in uploads
        .iter()
        .filter(|a| a.document.as_deref() == Some(d.key))
    {
        files.push_str(&format!(
            "<li>✓ {} <small>({} KB)</small></li>",
            escape(&a.filename),
            a.size_bytes.div_ceil(1024)
        ));
    }
    format!(
        "<div class=\"doc\" data-doc=\"{key}\">\n<label for=\"d-{key}\">{}{star}</label>\n\
         <input id=\"d-{key}\" type=\"file\" accept=\"image/jpeg,image/png,image/webp,application/pdf\">\n\
         <ul class=\"files\">{files}</ul>\n<p class=\"error\" id=\"e-{key}\" role=\"alert\" hidden></p>\n</div>\n",
        escape(d.label)
    )
}

/// JSON safe inside a `<script>` element.
fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn form(p: &FormPage<'_>) -> String {
    let title = match &p.request {
        Some(r) => format!("Kirim dokumen untuk {}", r.number),
        None => format!("Formulir {}", p.spec.label),
    };
    let mut out = head(&title);
    out.push_str("<main>\n");
    out.push_str(&format!("<h2>{}</h2>\n", escape(&title)));
    out.push_str(&format!(
        "<form id=\"pandawa\" data-token=\"{}\" data-saved=\"{}\" data-max=\"{}\" data-request=\"{}\" novalidate>\n",
        escape(p.token),
        p.draft_saved_ms,
        p.max_upload_bytes,
        p.request.is_some()
    ));
    let max_mb = p.max_upload_bytes as f64 / (1024.0 * 1024.0);
    match &p.request {
        Some(r) => {
            out.push_str(&format!(
                "<p class=\"intro\">Petugas memerlukan dokumen berikut untuk permintaan <strong>{}</strong>.</p>\n",
                escape(r.number)
            ));
            if let Some(reason) = r.reason.filter(|s| !s.trim().is_empty()) {
                out.push_str(&format!(
                    "<p class=\"intro\">Pesan petugas: {}</p>\n",
                    escape(reason)
                ));
            }
            out.push_str("<section id=\"documents\">\n");
            if !r.named && r.documents.len() > 1 {
                out.push_str(
                    "<p class=\"intro\">Unggah dokumen yang disebut petugas; kolom lain boleh dikosongkan.</p>\n",
                );
            }
            for d in &r.documents {
                out.push_str(&document_html(d, r.named, p.uploads));
            }
        }
        None => {
            out.push_str(
                "<p class=\"intro\">Isian Anda tersimpan otomatis saat mengetik, juga saat koneksi terputus. Kolom bertanda * wajib diisi.</p>\n<section id=\"fields\">\n",
            );
            for f in p.spec.fields {
                out.push_str(&field_html(f, p.values));
            }
            out.push_str("</section>\n");
            out.push_str("<section id=\"documents\">\n");
            if !p.spec.documents.is_empty() {
                out.push_str("<h3>Dokumen</h3>\n");
            }
            for d in p.spec.documents {
                out.push_str(&document_html(d, d.required, p.uploads));
            }
        }
    }
    out.push_str(&format!(
        "<p class=\"hint\">Foto (JPG, PNG, WebP) atau PDF, paling besar {max_mb:.0} MB per berkas.</p>\n</section>\n"
    ));
    out.push_str(
        "<p id=\"status\" class=\"status\" aria-live=\"polite\"></p>\n\
         <p class=\"error\" id=\"e-_form\" role=\"alert\" hidden></p>\n\
         <button id=\"submit\" type=\"submit\" class=\"button\">Kirim</button>\n</form>\n\
         <section id=\"done\" class=\"notice\" hidden></section>\n</main>\n",
    );
    out.push_str(&format!(
        "<script id=\"draft\" type=\"application/json\">{}</script>\n",
        script_json(&Value::Object(p.values.clone()))
    ));
    out.push_str(
        "<noscript><p class=\"noscript\">Formulir ini membutuhkan JavaScript. Anda juga dapat mengurus permintaan ini di percakapan Layan.</p></noscript>\n\
         <script src=\"/form/app.js\"></script>\n</body>\n</html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        let s = script_json(&v);
        assert!(!s.contains("</script>"), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn a_notice_escapes_what_it_shows() {
        let page = notice("Tautan <kedaluwarsa>", &["a & b".into()]);
        assert!(page.contains("Tautan &lt;kedaluwarsa&gt;") && page.contains("a &amp; b"));
    }
}

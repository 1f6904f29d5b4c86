//! Escaping for the server-rendered pages (console, forms): every value that came from a
//! person or the database goes through [`escape`] before it lands in HTML.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A script or stylesheet compiled into the binary. `no-cache` lets browsers keep it but ask
/// again, so a new release is picked up at once.
pub fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub fn script(body: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", body)
}

pub fn stylesheet(body: &'static str) -> Response {
    asset("text/css; charset=utf-8", body)
}

/// Escapes text for an HTML element body or a double- or single-quoted attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_neutralised() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("Puskesmas Kencong"), "Puskesmas Kencong");
    }
}

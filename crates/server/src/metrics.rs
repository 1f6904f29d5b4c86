//! A small Prometheus registry: request counts and latency histograms per route, written in
//! the text exposition format. Hand-rolled because Layan needs a few families, not a
//! metrics framework.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// One route's requests: counts by method and status (a handful per route, so a list), and
/// the latency histogram.
#[derive(Default)]
struct RouteStats {
    requests: Vec<(String, u16, u64)>,
    latency: Histogram,
}

/// Keys are owned strings, but every lookup is by `&str`: a key is copied once, when first
/// seen, never per request or event.
#[derive(Default)]
struct Inner {
    routes: BTreeMap<String, RouteStats>,
    /// Other counters: family name, then label set (already rendered) to count.
    counters: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

#[derive(Default, Clone)]
pub struct Metrics {
    inner: Arc<Mutex<Inner>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if !inner.routes.contains_key(route) {
            inner.routes.insert(route.to_owned(), RouteStats::default());
        }
        let Some(stats) = inner.routes.get_mut(route) else {
            return;
        };
        match stats
            .requests
            .iter_mut()
            .find(|(m, s, _)| m == method && *s == status)
        {
            Some((_, _, n)) => *n += 1,
            None => stats.requests.push((method.to_owned(), status, 1)),
        }
        let h = &mut stats.latency;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// Adds one to the counter `name` with these labels. Label values must come from a small
    /// fixed set (channel, kind, result), never from user input.
    pub fn count(&self, name: &'static str, labels: &[(&str, &str)]) {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        // This runs for every webhook event, so the label set is written into a buffer kept
        // per thread, and copied only the first time it is counted.
        KEY.with_borrow_mut(|key| {
            key.clear();
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    key.push(',');
                }
                let _ = write!(key, "{k}=\"{}\"", escape(v));
            }
            let Ok(mut inner) = self.inner.lock() else {
                return;
            };
            let series = inner.counters.entry(name).or_default();
            match series.get_mut(key.as_str()) {
                Some(n) => *n += 1,
                None => {
                    series.insert(key.clone(), 1);
                }
            }
        });
    }

    /// The text exposition format; `extra` lines (gauges read at scrape time) are appended.
    pub fn render(&self, extra: &[(String, f64)]) -> String {
        let mut out = String::new();
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        out.push_str(
            "# HELP layan_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE layan_http_requests_total counter\n");
        for (route, stats) in &inner.routes {
            let route = escape(route);
            for (method, status, n) in &stats.requests {
                let _ = writeln!(
                    out,
                    "layan_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP layan_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE layan_http_request_duration_seconds histogram\n");
        for (route, stats) in &inner.routes {
            let (route, h) = (escape(route), &stats.latency);
            for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "layan_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "layan_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "layan_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "layan_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        for (name, series) in &inner.counters {
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, n) in series {
                let _ = writeln!(out, "{name}{{{labels}}} {n}");
            }
        }
        for (line, value) in extra {
            let _ = writeln!(out, "{line} {value}");
        }
        out
    }
}

/// A label value in the text exposition format: backslash, double quote and line feed are
/// escaped; most values need nothing and are not copied.
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    if s.contains(['\\', '"', '\n']) {
        Cow::Owned(
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n"),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// Middleware recording every request under its route template (not the raw path, so that
/// ids and NIKs in paths never become label values).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    // Both are cheap clones (a shared string, a standard method), not copies.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        method.as_str(),
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/offices/{id}", 200, 0.003);
        m.observe("GET", "/api/v1/offices/{id}", 200, 0.2);
        let text = m.render(&[("layan_up".into(), 1.0)]);
        assert!(text.contains("layan_http_requests_total{method=\"GET\",route=\"/api/v1/offices/{id}\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("layan_up 1"));
    }

    #[test]
    fn counters_add_up_per_label_set_and_escape_their_values() {
        let m = Metrics::default();
        for _ in 0..3 {
            m.count(
                "layan_things_total",
                &[("channel", "whatsapp"), ("new", "true")],
            );
        }
        m.count(
            "layan_things_total",
            &[("channel", "whatsapp"), ("new", "false")],
        );
        m.count("layan_things_total", &[("code", "a\"b\\c\nd")]);
        let text = m.render(&[]);
        assert!(text.contains("layan_things_total{channel=\"whatsapp\",new=\"true\"} 3"));
        assert!(text.contains("layan_things_total{channel=\"whatsapp\",new=\"false\"} 1"));
        assert!(text.contains(r#"layan_things_total{code="a\"b\\c\nd"} 1"#));
    }

    #[test]
    fn requests_are_kept_apart_by_method_and_status_within_a_route() {
        let m = Metrics::default();
        m.observe("POST", "/webhooks/whatsapp", 200, 0.001);
        m.observe("POST", "/webhooks/whatsapp", 401, 0.001);
        m.observe("GET", "/webhooks/whatsapp", 200, 0.001);
        m.observe("POST", "/webhooks/whatsapp", 200, 0.001);
        let text = m.render(&[]);
        for (line, n) in [
            (
                "method=\"POST\",route=\"/webhooks/whatsapp\",status=\"200\"",
                2,
            ),
            (
                "method=\"POST\",route=\"/webhooks/whatsapp\",status=\"401\"",
                1,
            ),
            (
                "method=\"GET\",route=\"/webhooks/whatsapp\",status=\"200\"",
                1,
            ),
        ] {
            assert!(
                text.contains(&format!("{{{line}}} {n}\n")),
                "{line}: {text}"
            );
        }
        assert!(text
            .contains("layan_http_request_duration_seconds_count{route=\"/webhooks/whatsapp\"} 4"));
    }

    /// Each thread writes label sets into a buffer of its own; counts from many threads,
    /// interleaved, still add up per label set.
    #[test]
    fn counts_from_many_threads_add_up() {
        let m = Metrics::default();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let m = &m;
                scope.spawn(move || {
                    for i in 0..1000 {
                        let kind = if (i + t) % 2 == 0 { "text" } else { "status" };
                        m.count("layan_events_total", &[("kind", kind)]);
                    }
                });
            }
        });
        let text = m.render(&[]);
        assert!(
            text.contains("layan_events_total{kind=\"text\"} 2000"),
            "{text}"
        );
        assert!(
            text.contains("layan_events_total{kind=\"status\"} 2000"),
            "{text}"
        );
    }
}

//! `layan bench webhooks`: a load generator for signed WhatsApp webhooks, and
//! `layan bench ceiling`: the bare handler it is compared with.
//!
//! Tools like `oha` send one fixed body, but the pipeline drops a redelivered message id (wamid),
//! so a fixed body would measure only duplicate handling. This generator makes every request a
//! real-shaped text webhook with a unique wamid, a sender drawn from a pool of Indonesian
//! MSISDNs and a valid `X-Hub-Signature-256`.
//!
//! Two modes:
//! - `--rate R` (open loop): request `i` is *scheduled* at `start + i / R`, whatever happened to
//!   the requests before it, and its latency is measured from that scheduled instant, not from
//!   when a connection became free to send it. A server that stalls therefore shows its stall in
//!   every request that was due meanwhile (correction for coordinated omission, as in wrk2 and
//!   `oha --latency-correction`). Requests are released by a dedicated timer thread (sub-ms
//!   precision, unlike the runtime's 1 ms timer wheel) to a pool of keep-alive HTTP/1.1
//!   connections, one request in flight per connection.
//! - `--max` (closed loop): every connection sends its next request as soon as the previous one
//!   is answered; the acknowledged-per-second rate is the throughput at saturation.

use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use clap::{Args, ValueEnum};
use http_body_util::{BodyExt, Full};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// What a participant types; plain ASCII so the bodies need no JSON escaping.
const TEXTS: &[&str] = &[
    "cek status bpjs saya",
    "halo",
    "berapa tunggakan iuran saya?",
    "faskes terdekat di mana ya",
    "cara pindah faskes gimana",
    "kartu kis saya hilang, bagaimana cara cetak ulang?",
    "saya mau bayar iuran bulan ini",
    "apakah kartu saya masih aktif",
    "kantor bpjs terdekat buka jam berapa",
    "terima kasih",
    "menu",
    "mau daftar autodebet",
    "kenapa status saya tidak aktif",
    "selamat pagi, saya mau tanya denda rawat inap",
];

const NAMES: &[&str] = &[
    "Siti Aminah",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Setiawan",
    "Nur Hidayah",
    "Rahmat Hidayat",
    "Sri Wahyuni",
    "Putu Ayu",
    "Yohanes Tanaka",
    "Ahmad Fauzi",
];

/// Operator prefixes of Indonesian mobile numbers (after the country code 62).
const PREFIXES: &[&str] = &[
    "812", "813", "821", "822", "852", "857", "877", "878", "896",
];

#[derive(Args, Debug, Clone)]
pub struct WebhookArgs {
    /// The WhatsApp webhook endpoint (plain http).
    #[arg(long, default_value = "http://127.0.0.1:8080/webhooks/whatsapp")]
    pub url: String,
    /// The app secret the server verifies `X-Hub-Signature-256` with.
    #[arg(long, env = "LAYAN_WHATSAPP_APP_SECRET", hide_env_values = true)]
    pub app_secret: String,
    /// Open loop: requests per second, latency measured from each request's scheduled time.
    #[arg(long, conflicts_with = "max", required_unless_present = "max")]
    pub rate: Option<f64>,
    /// Closed loop: every connection sends again as soon as it is answered (throughput).
    #[arg(long)]
    pub max: bool,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before measuring (sent the same way, not counted).
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Distinct senders (MSISDNs) the messages come from.
    #[arg(long, default_value_t = 100_000)]
    pub senders: u64,
    /// Keep-alive HTTP/1.1 connections, each with one request in flight.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Seconds before one request counts as a timeout.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// `metadata.phone_number_id` of the business number the messages are sent to.
    #[arg(
        long,
        env = "LAYAN_WHATSAPP_PHONE_NUMBER_ID",
        default_value = "106540352242922"
    )]
    pub phone_number_id: String,
    /// Worker threads of the generator (default: the cores it may run on).
    #[arg(long)]
    pub threads: Option<usize>,
    /// HTTP client: hyper's bare HTTP/1.1 connections, or reqwest's pool (for comparison).
    #[arg(long, value_enum, default_value_t = ClientKind::Hyper)]
    pub client: ClientKind,
    /// Distinguishes the wamids of this run from earlier runs (default: from the clock).
    #[arg(long)]
    pub run_id: Option<u64>,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    Hyper,
    Reqwest,
}

// ---------------------------------------------------------------------------------------------
// Schedule

/// The open-loop schedule: request `i` is due at `i / rate` seconds after the start.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub rate: f64,
    pub total: u64,
}

impl Schedule {
    /// Offset of request `i` from the start.
    pub fn offset(&self, i: u64) -> Duration {
        Duration::from_secs_f64(i as f64 / self.rate)
    }

    /// How many requests are due once `elapsed` has passed (request `i` is due when
    /// `elapsed >= offset(i)`), never more than `total`.
    pub fn due(&self, elapsed: Duration) -> u64 {
        let mut n = ((elapsed.as_secs_f64() * self.rate).floor() as u64 + 1).min(self.total);
        // Floating-point rounding may be off by one either way; `offset` is the definition.
        while n < self.total && self.offset(n) <= elapsed {
            n += 1;
        }
        while n > 0 && self.offset(n - 1) > elapsed {
            n -= 1;
        }
        n
    }

    /// The corrected latency of request `i` that was answered `done` after the start: from when
    /// it was due, not from when it was actually sent.
    pub fn corrected_latency(&self, i: u64, done: Duration) -> Duration {
        done.saturating_sub(self.offset(i))
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// A stateless, well-mixed hash of a counter: the first output of the demo's SplitMix64.
fn mix64(z: u64) -> u64 {
    demo::SplitMix64::new(z).next_u64()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Real-shaped WhatsApp Cloud API text webhooks, one per request index.
#[derive(Debug, Clone)]
pub struct Bodies {
    pub run_id: u64,
    pub senders: u64,
    pub phone_number_id: String,
    pub app_secret: Vec<u8>,
}

impl Bodies {
    /// The `k`-th MSISDN of the pool (`0 <= k < senders`): distinct for distinct `k` below
    /// 10^8 per operator prefix, e.g. `6281234567890`.
    pub fn msisdn(&self, k: u64) -> String {
        let prefix = PREFIXES[(k % PREFIXES.len() as u64) as usize];
        let serial = k / PREFIXES.len() as u64;
        // Multiplying by a number coprime to 10^8 permutes the serials, so consecutive senders
        // do not look consecutive; distinct serials stay distinct.
        let digits = (serial.wrapping_mul(48_271) + 12_345_679) % 100_000_000;
        format!("62{prefix}{digits:08}")
    }

    /// Which sender sends request `i`.
    pub fn sender_of(&self, i: u64) -> u64 {
        mix64(self.run_id ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93)) % self.senders.max(1)
    }

    /// A unique message id in WhatsApp's format (`wamid.` + base64 of a binary record that
    /// carries the sender), unique per run and request index.
    pub fn wamid(&self, i: u64, msisdn: &str) -> String {
        let mut raw = Vec::with_capacity(64);
        raw.extend_from_slice(&[0x1C, 0x18, msisdn.len() as u8]);
        raw.extend_from_slice(msisdn.as_bytes());
        raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x12, 0x18, 0x20]);
        raw.extend_from_slice(format!("{:016X}{:016X}", self.run_id, i).as_bytes());
        raw.push(0x00);
        format!("wamid.{}", base64(&raw))
    }

    /// The body of request `i` and its `X-Hub-Signature-256` header value.
    pub fn signed(&self, i: u64, unix_time: u64) -> (Vec<u8>, String) {
        let body = self.body(i, unix_time);
        let signature = channels::verify::meta_signature(&self.app_secret, &body);
        (body, signature)
    }

    pub fn body(&self, i: u64, unix_time: u64) -> Vec<u8> {
        let from = self.msisdn(self.sender_of(i));
        let wamid = self.wamid(i, &from);
        let h = mix64(i ^ 0x5A5A_5A5A);
        let text = TEXTS[(h % TEXTS.len() as u64) as usize];
        // The display name belongs to the sender, not to the message.
        let name = NAMES[(mix64(self.sender_of(i)) % NAMES.len() as u64) as usize];
        let pnid = &self.phone_number_id;
        format!(
            concat!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"#,
                r#""value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"6281100001111","phone_number_id":"{pnid}"}},"#,
                r#""contacts":[{{"profile":{{"name":"{name}"}},"wa_id":"{from}"}}],"#,
                r#""messages":[{{"from":"{from}","id":"{wamid}","timestamp":"{ts}","text":{{"body":"{text}"}},"type":"text"}}]}},"#,
                r#""field":"messages"}}]}}]}}"#
            ),
            pnid = pnid,
            name = name,
            from = from,
            wamid = wamid,
            ts = unix_time,
            text = text,
        )
        .into_bytes()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// HTTP clients

struct Target {
    /// `host:port` to connect to.
    authority: String,
    path: String,
    url: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target> {
        let uri: hyper::Uri = url.parse().with_context(|| format!("invalid URL {url}"))?;
        if uri.scheme_str() != Some("http") {
            bail!("only plain http:// URLs are supported, got {url}");
        }
        let host = uri.host().context("the URL has no host")?;
        let port = uri.port_u16().unwrap_or(80);
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Target {
            authority: format!("{host}:{port}"),
            path,
            url: url.to_string(),
        })
    }
}

/// One connection's client: hyper's bare HTTP/1.1 connection (reconnected after an error), or
/// a handle on reqwest's shared pool.
enum Conn {
    Hyper(Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>),
    Reqwest(reqwest::Client),
}

/// How one request ended, short enough to count by kind.
enum Outcome {
    Status(u16),
    Error(String),
}

impl Conn {
    async fn send(&mut self, target: &Target, body: Vec<u8>, signature: String) -> Outcome {
        match self {
            Conn::Hyper(slot) => {
                let mut sender = match slot.take() {
                    Some(s) if !s.is_closed() => s,
                    _ => match connect(&target.authority).await {
                        Ok(s) => s,
                        Err(e) => return Outcome::Error(e),
                    },
                };
                if sender.ready().await.is_err() {
                    // The server closed the kept-alive connection; one fresh try.
                    sender = match connect(&target.authority).await {
                        Ok(s) => s,
                        Err(e) => return Outcome::Error(e),
                    };
                }
                let request = hyper::Request::post(target.path.as_str())
                    .header(hyper::header::HOST, target.authority.as_str())
                    .header(hyper::header::CONTENT_TYPE, "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(Full::new(Bytes::from(body)));
                let request = match request {
                    Ok(r) => r,
                    Err(e) => return Outcome::Error(format!("request: {e}")),
                };
                match sender.send_request(request).await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        // Read the whole body so the connection can carry the next request.
                        match response.into_body().collect().await {
                            Ok(_) => {
                                *slot = Some(sender);
                                Outcome::Status(status)
                            }
                            Err(e) => Outcome::Error(classify_hyper(&e)),
                        }
                    }
                    Err(e) => Outcome::Error(classify_hyper(&e)),
                }
            }
            Conn::Reqwest(client) => {
                let result = client
                    .post(&target.url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", signature)
                    .body(body)
                    .send()
                    .await;
                match result {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) => Outcome::Status(status),
                            Err(e) => Outcome::Error(classify_reqwest(&e)),
                        }
                    }
                    Err(e) => Outcome::Error(classify_reqwest(&e)),
                }
            }
        }
    }
}

async fn connect(
    authority: &str,
) -> std::result::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| classify_hyper(&e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

fn classify_hyper(e: &hyper::Error) -> String {
    if e.is_incomplete_message() {
        "connection closed mid-response".into()
    } else if e.is_canceled() {
        "canceled".into()
    } else if e.is_closed() {
        "connection closed".into()
    } else if e.is_parse() {
        "malformed response".into()
    } else {
        format!("http: {e}")
    }
}

fn classify_reqwest(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connect".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else if e.is_body() || e.is_decode() {
        "response body".into()
    } else {
        "request".into()
    }
}

// ---------------------------------------------------------------------------------------------
// The run

/// What one connection saw; merged at the end.
#[derive(Default)]
struct Tally {
    /// Latency of every measured request in microseconds (from its scheduled time in open-loop
    /// mode, from its send in closed-loop mode).
    latencies_us: Vec<u32>,
    /// Open loop: how late the generator actually sent each request (actual − scheduled).
    lag_us: Vec<u32>,
    sent: u64,
    acked: u64,
    /// Every request answered 2xx, warm-up included (what the server has to reply to).
    acked_all: u64,
    errors: BTreeMap<String, u64>,
    /// Latest completion of a measured request, from the start.
    last_done: Duration,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.lag_us.extend(other.lag_us);
        self.sent += other.sent;
        self.acked += other.acked;
        self.acked_all += other.acked_all;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.last_done = self.last_done.max(other.last_done);
    }
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}

/// Percentiles of a list of microsecond samples (sorted in place).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub p50_us: u32,
    pub p99_us: u32,
    pub p999_us: u32,
    pub max_us: u32,
    pub mean_us: f64,
}

pub fn summarize(samples: &mut [u32]) -> Summary {
    if samples.is_empty() {
        return Summary::default();
    }
    samples.sort_unstable();
    // Nearest rank: the smallest sample with at least q of all samples at or below it.
    let at = |q: f64| {
        let rank = (q * samples.len() as f64).ceil() as usize;
        samples[rank.clamp(1, samples.len()) - 1]
    };
    Summary {
        count: samples.len(),
        p50_us: at(0.50),
        p99_us: at(0.99),
        p999_us: at(0.999),
        max_us: samples[samples.len() - 1],
        mean_us: samples.iter().map(|&s| f64::from(s)).sum::<f64>() / samples.len() as f64,
    }
}

pub fn run(args: WebhookArgs) -> Result<()> {
    if args.duration <= 0.0 || args.warmup < 0.0 {
        bail!("--duration must be positive and --warmup not negative");
    }
    if let Some(rate) = args.rate {
        if rate.is_nan() || rate <= 0.0 {
            bail!("--rate must be positive");
        }
    }
    if args.connections == 0 || args.senders == 0 {
        bail!("--connections and --senders must be at least 1");
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .context("starting the generator's runtime")?;
    let report = runtime.block_on(generate(&args))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_human(&args, &report);
    }
    Ok(())
}

async fn generate(args: &WebhookArgs) -> Result<serde_json::Value> {
    let target = Arc::new(Target::parse(&args.url)?);
    let bodies = Arc::new(Bodies {
        run_id: args.run_id.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        }),
        senders: args.senders,
        phone_number_id: args.phone_number_id.clone(),
        app_secret: args.app_secret.as_bytes().to_vec(),
    });
    let reqwest_client = match args.client {
        ClientKind::Reqwest => Some(
            reqwest::Client::builder()
                .pool_max_idle_per_host(args.connections)
                .tcp_nodelay(true)
                .build()?,
        ),
        ClientKind::Hyper => None,
    };
    let timeout = Duration::from_secs_f64(args.timeout);
    let warmup = Duration::from_secs_f64(args.warmup);
    let measured_end = warmup + Duration::from_secs_f64(args.duration);
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));

    // Open loop: a timer thread releases one permit per due request.
    let (schedule, permits) = match args.rate {
        Some(rate) => {
            let total = ((args.warmup + args.duration) * rate).round().max(1.0) as u64;
            (
                Some(Schedule { rate, total }),
                Some(Arc::new(Semaphore::new(0))),
            )
        }
        None => (None, None),
    };
    let warmup_requests = schedule.map(|s| (args.warmup * s.rate).round() as u64);

    let start = Instant::now();
    let releaser = match (schedule, &permits) {
        (Some(schedule), Some(permits)) => {
            let permits = permits.clone();
            let stop = stop.clone();
            let connections = args.connections;
            Some(std::thread::spawn(move || {
                release(schedule, start, &permits, &stop);
                // One extra permit per connection: a worker that claims an index past the end
                // stops, so none waits forever.
                permits.add_permits(connections);
            }))
        }
        _ => None,
    };
    // In the open loop the backlog left when the schedule ends may drain for a little while;
    // past this, what is not sent yet counts as unsent (reported, not in the percentiles).
    let hard_end = measured_end + timeout + Duration::from_secs(5);

    let mut workers = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        let target = target.clone();
        let bodies = bodies.clone();
        let next = next.clone();
        let permits = permits.clone();
        let mut conn = match &reqwest_client {
            Some(c) => Conn::Reqwest(c.clone()),
            None => Conn::Hyper(None),
        };
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let (i, due) = match (&permits, schedule) {
                    (Some(permits), Some(schedule)) => {
                        let permit =
                            tokio::time::timeout_at((start + hard_end).into(), permits.acquire())
                                .await;
                        match permit {
                            Ok(Ok(p)) => p.forget(),
                            _ => break,
                        }
                        // A server far behind the schedule: stop, leaving the rest unsent.
                        if start.elapsed() >= hard_end {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= schedule.total {
                            break;
                        }
                        (i, Some(schedule.offset(i)))
                    }
                    _ => {
                        if start.elapsed() >= measured_end {
                            break;
                        }
                        (next.fetch_add(1, Ordering::Relaxed), None)
                    }
                };
                let (body, signature) = bodies.signed(i, unix_now());
                let sent = start.elapsed();
                let outcome = tokio::time::timeout(timeout, conn.send(&target, body, signature))
                    .await
                    .unwrap_or_else(|_| Outcome::Error("timeout".into()));
                if matches!(outcome, Outcome::Error(_)) {
                    if let Conn::Hyper(slot) = &mut conn {
                        // A timed-out or broken connection may still hold a response: drop it.
                        *slot = None;
                    }
                }
                let done = start.elapsed();
                if matches!(outcome, Outcome::Status(s) if (200..300).contains(&s)) {
                    tally.acked_all += 1;
                }
                let measured = match (due, warmup_requests) {
                    (Some(_), Some(w)) => i >= w,
                    _ => sent >= warmup && sent < measured_end,
                };
                if !measured {
                    continue;
                }
                tally.sent += 1;
                tally.last_done = tally.last_done.max(done);
                match outcome {
                    Outcome::Status(s) if (200..300).contains(&s) => {
                        tally.acked += 1;
                        let latency = match schedule {
                            Some(schedule) => schedule.corrected_latency(i, done),
                            None => done - sent,
                        };
                        tally.latencies_us.push(micros(latency));
                        if let Some(due) = due {
                            tally.lag_us.push(micros(sent.saturating_sub(due)));
                        }
                    }
                    Outcome::Status(s) => {
                        *tally.errors.entry(format!("HTTP {s}")).or_default() += 1
                    }
                    Outcome::Error(kind) => *tally.errors.entry(kind).or_default() += 1,
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for w in workers {
        tally.merge(w.await.context("a generator task panicked")?);
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(r) = releaser {
        let _ = r.join();
    }

    let measured_secs = Duration::from_secs_f64(args.duration).as_secs_f64();
    let (mode, unsent, window) = match (schedule, warmup_requests) {
        (Some(s), Some(w)) => {
            let claimed = next.load(Ordering::Relaxed).min(s.total);
            // From the first measured request's scheduled time to the last answer.
            let window = tally.last_done.saturating_sub(s.offset(w)).as_secs_f64();
            ("rate", s.total - claimed, window.max(measured_secs))
        }
        _ => ("max", 0, measured_secs),
    };
    let errors: u64 = tally.errors.values().sum();
    let latency = summarize(&mut tally.latencies_us);
    let lag = summarize(&mut tally.lag_us);
    Ok(json!({
        "mode": mode,
        "url": target.url,
        "client": format!("{:?}", args.client).to_lowercase(),
        "rate": args.rate,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "senders": args.senders,
        "sent": tally.sent,
        "acknowledged": tally.acked,
        "acknowledged_incl_warmup": tally.acked_all,
        "errors": errors,
        "errors_by_kind": tally.errors,
        "unsent": unsent,
        "sent_per_s": tally.sent as f64 / window,
        "acknowledged_per_s": tally.acked as f64 / window,
        "latency_us": summary_json(&latency),
        "latency_corrected": mode == "rate",
        "send_lag_us": if mode == "rate" { summary_json(&lag) } else { serde_json::Value::Null },
    }))
}

fn summary_json(s: &Summary) -> serde_json::Value {
    json!({
        "count": s.count,
        "p50": s.p50_us,
        "p99": s.p99_us,
        "p999": s.p999_us,
        "max": s.max_us,
        "mean": (s.mean_us * 10.0).round() / 10.0,
    })
}

/// The timer thread of the open loop: sleeps until the next request is due, then releases all
/// requests due by now. `std::thread::sleep` wakes within tens of microseconds, where the async
/// runtime's timer rounds up to the next millisecond.
fn release(schedule: Schedule, start: Instant, permits: &Semaphore, stop: &AtomicBool) {
    let mut released = 0u64;
    while released < schedule.total && !stop.load(Ordering::Relaxed) {
        let elapsed = start.elapsed();
        let due = schedule.due(elapsed);
        if due > released {
            permits.add_permits((due - released) as usize);
            released = due;
        }
        if released >= schedule.total {
            break;
        }
        let next = schedule.offset(released);
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
}

fn ms(us: &serde_json::Value) -> String {
    format!("{:.2} ms", us.as_f64().unwrap_or(0.0) / 1000.0)
}

fn print_human(args: &WebhookArgs, r: &serde_json::Value) {
    match args.rate {
        Some(rate) => println!(
            "webhooks -> {}: open loop at {rate}/s for {} s (+{} s warm-up), {} connections, {} senders",
            args.url, args.duration, args.warmup, args.connections, args.senders
        ),
        None => println!(
            "webhooks -> {}: closed loop (--max) for {} s (+{} s warm-up), {} connections, {} senders",
            args.url, args.duration, args.warmup, args.connections, args.senders
        ),
    }
    let errors = r["errors_by_kind"]
        .as_object()
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "none".into());
    println!(
        "sent {}, acknowledged (2xx) {}, errors {} ({errors})",
        r["sent"], r["acknowledged"], r["errors"]
    );
    if r["unsent"].as_u64().unwrap_or(0) > 0 {
        println!(
            "unsent {}: the server fell too far behind the schedule (not in the percentiles)",
            r["unsent"]
        );
    }
    println!(
        "acknowledged {:.0}/s (sent {:.0}/s)",
        r["acknowledged_per_s"].as_f64().unwrap_or(0.0),
        r["sent_per_s"].as_f64().unwrap_or(0.0)
    );
    let l = &r["latency_us"];
    println!(
        "latency ({}): p50 {}  p99 {}  p99.9 {}  max {}",
        if args.rate.is_some() {
            "from the scheduled send, corrected"
        } else {
            "from the actual send"
        },
        ms(&l["p50"]),
        ms(&l["p99"]),
        ms(&l["p999"]),
        ms(&l["max"])
    );
    if args.rate.is_some() {
        let g = &r["send_lag_us"];
        println!(
            "generator lag (actual - scheduled send): p50 {}  p99 {}  max {}",
            ms(&g["p50"]),
            ms(&g["p99"]),
            ms(&g["max"])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The ceiling

/// A bare axum server with the same route: reads the raw body, verifies the signature, parses
/// the webhook and answers 200 without storing anything. The most any handler on this machine
/// can acknowledge.
pub async fn ceiling(listen: SocketAddr, app_secret: String) -> Result<()> {
    use axum::routing::{get, post};
    let secret: Arc<[u8]> = Arc::from(app_secret.into_bytes());
    let app = axum::Router::new()
        .route("/webhooks/whatsapp", post(ceiling_hook))
        .route("/readyz", get(|| async { "ok" }))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(secret);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    eprintln!(
        "ceiling: POST http://{}/webhooks/whatsapp (verify + parse, no storage)",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(server::shutdown_signal())
        .await?;
    Ok(())
}

async fn ceiling_hook(
    axum::extract::State(secret): axum::extract::State<Arc<[u8]>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if channels::verify_meta_signature(&secret, signature, &body).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    match channels::whatsapp::parse(&body) {
        Ok(events) => {
            std::hint::black_box(events);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

// ---------------------------------------------------------------------------------------------
// The mock provider as a process

#[derive(Args, Debug, Clone)]
pub struct MockProviderArgs {
    /// Where to listen; WhatsApp's base URL is then `http://ADDR/v21.0`.
    #[arg(long, default_value = "127.0.0.1:9300")]
    pub listen: SocketAddr,
    /// The bearer token WhatsApp sends must carry.
    #[arg(
        long,
        env = "LAYAN_WHATSAPP_ACCESS_TOKEN",
        default_value = "mock-whatsapp-token",
        hide_env_values = true
    )]
    pub whatsapp_token: String,
    /// The token in Telegram's `/bot<token>/<method>` paths.
    #[arg(
        long,
        env = "LAYAN_TELEGRAM_BOT_TOKEN",
        default_value = "123456789:mock-telegram-token",
        hide_env_values = true
    )]
    pub telegram_token: String,
    /// The `access_token` Messenger sends must carry.
    #[arg(
        long,
        env = "LAYAN_MESSENGER_PAGE_TOKEN",
        default_value = "mock-page-token",
        hide_env_values = true
    )]
    pub messenger_page_token: String,
    /// Keep every accepted request's body (memory grows with the run; off for benchmarks).
    #[arg(long)]
    pub record_bodies: bool,
    /// Fraction (0.0 to 1.0) of valid sends answered with a provider 500.
    #[arg(long, default_value_t = 0.0)]
    pub failure_rate: f64,
}

pub async fn mock_provider(args: MockProviderArgs) -> Result<()> {
    let config = provider_mock::MockConfig {
        port: args.listen.port(),
        whatsapp_token: args.whatsapp_token,
        telegram_token: args.telegram_token,
        messenger_page_token: args.messenger_page_token,
        record_bodies: args.record_bodies,
        failure_rate: args.failure_rate,
        ..provider_mock::MockConfig::default()
    };
    eprintln!(
        "mock provider: WhatsApp http://{addr}/{v}, Telegram http://{addr}, Messenger http://{addr}/{v}; stats: GET http://{addr}/_mock/stats",
        addr = args.listen,
        v = provider_mock::GRAPH_VERSION
    );
    provider_mock::run_standalone(args.listen, config)
        .await
        .with_context(|| format!("mock provider on {}", args.listen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_spaces_requests_evenly_from_the_start() {
        let s = Schedule {
            rate: 2000.0,
            total: 10_000,
        };
        assert_eq!(s.offset(0), Duration::ZERO);
        assert_eq!(s.offset(1), Duration::from_micros(500));
        assert_eq!(s.offset(2000), Duration::from_secs(1));
        // Request 0 is due at once; request i becomes due exactly at its offset.
        assert_eq!(s.due(Duration::ZERO), 1);
        for i in [1u64, 7, 1999, 2000, 4321] {
            assert_eq!(s.due(s.offset(i)), i + 1, "request {i} due at its offset");
            assert_eq!(
                s.due(s.offset(i) - Duration::from_nanos(1)),
                i,
                "request {i} not due 1 ns early"
            );
        }
        // Never more than the total.
        assert_eq!(s.due(Duration::from_secs(3600)), 10_000);
        // Odd rates too.
        let odd = Schedule {
            rate: 3.0,
            total: 100,
        };
        for i in 0..100 {
            assert_eq!(odd.due(odd.offset(i)), i + 1);
        }
    }

    #[test]
    fn latency_counts_from_the_scheduled_time_not_the_send() {
        let s = Schedule {
            rate: 1000.0,
            total: 100,
        };
        // Request 10 is due at 10 ms. The server stalled, so it was sent only at 50 ms and
        // answered at 51 ms: its latency is 41 ms, not the 1 ms the connection saw.
        let done = Duration::from_millis(51);
        assert_eq!(s.corrected_latency(10, done), Duration::from_millis(41));
        // Answered before it was due (cannot happen, but must not underflow).
        assert_eq!(
            s.corrected_latency(90, Duration::from_millis(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut samples: Vec<u32> = (1..=1000).rev().collect();
        let s = summarize(&mut samples);
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50_us, 500);
        assert_eq!(s.p99_us, 990);
        assert_eq!(s.p999_us, 999);
        assert_eq!(s.max_us, 1000);
        assert_eq!(summarize(&mut []).count, 0);
    }

    fn bodies() -> Bodies {
        Bodies {
            run_id: 42,
            senders: 100_000,
            phone_number_id: "106540352242922".into(),
            app_secret: b"bench-secret".to_vec(),
        }
    }

    #[test]
    fn signed_bodies_verify_and_parse_as_whatsapp_text() {
        let b = bodies();
        for i in [0u64, 1, 99_999, 1 << 40] {
            let (body, signature) = b.signed(i, 1_763_884_800);
            channels::verify_meta_signature(b"bench-secret", Some(&signature), &body)
                .expect("the signature verifies");
            assert!(
                channels::verify_meta_signature(b"other-secret", Some(&signature), &body).is_err()
            );
            let events = channels::whatsapp::parse(&body).expect("a valid WhatsApp webhook");
            assert_eq!(events.len(), 1, "one event per body");
            let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let message = &raw["entry"][0]["changes"][0]["value"]["messages"][0];
            assert_eq!(message["type"], "text");
            assert!(message["id"].as_str().unwrap().starts_with("wamid."));
            assert!(message["from"].as_str().unwrap().starts_with("628"));
            assert_eq!(message["timestamp"], "1763884800");
        }
    }

    #[test]
    fn wamids_are_unique_and_senders_come_from_the_pool() {
        let b = Bodies {
            senders: 1000,
            ..bodies()
        };
        let mut wamids = std::collections::HashSet::new();
        let mut senders = std::collections::HashSet::new();
        for i in 0..20_000u64 {
            let from = b.msisdn(b.sender_of(i));
            assert_eq!(from.len(), 13, "{from}");
            assert!(wamids.insert(b.wamid(i, &from)), "wamid {i} repeated");
            senders.insert(from);
        }
        assert_eq!(
            senders.len(),
            1000,
            "the whole pool is used, and nothing else"
        );
        // The pool's numbers are distinct.
        let pool: std::collections::HashSet<_> = (0..100_000).map(|k| b.msisdn(k)).collect();
        assert_eq!(pool.len(), 100_000);
        // Another run never repeats this run's ids.
        let other = Bodies {
            run_id: 43,
            ..b.clone()
        };
        assert_ne!(other.wamid(5, "6281234567890"), b.wamid(5, "6281234567890"));
    }
}

//! One typed configuration, read from defaults, then an optional TOML file, then `LAYAN_*`
//! environment variables (each documented in the README). Secrets are wrapped so they never
//! print.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// A value that must never appear in logs or debug output.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<unset>)"
        } else {
            "Secret(<redacted>)"
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite database and attachments live.
    pub data_dir: PathBuf,
    /// `postgres://...` selects PostgreSQL; unset means SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// SQLite only: checkpoint the WAL from a background thread this often (milliseconds,
    /// default 20), up to five times less often while the writer is busy; 0 checkpoints
    /// inside commits instead: more messages per second at the limit on one core, but a tail
    /// latency that grows with the database (BENCHMARKS.md).
    pub sqlite_checkpoint_ms: u64,
    /// PostgreSQL only: most connections this node opens, one of them kept for the messaging
    /// pipeline's group commit (so at least 2). Nodes times this must stay under the server's
    /// own `max_connections`.
    pub database_max_connections: usize,
    pub log_format: LogFormat,
    /// `tracing` filter, e.g. `info` or `server=debug,info`.
    pub log_level: String,
    /// The URL people reach this server at (printed by `--demo`; used in links).
    pub public_url: Option<String>,
    /// Fill an empty database with demo data at start-up.
    pub demo: bool,
    pub demo_participants: u64,
    pub demo_seed: u64,
    pub auth: AuthConfig,
    pub whatsapp: WhatsAppConfig,
    pub telegram: TelegramConfig,
    pub messenger: MessengerConfig,
    pub messaging: MessagingConfig,
    pub voice: VoiceConfig,
    pub pandawa: PandawaConfig,
    pub outreach: OutreachConfig,
}

/// PANDAWA casework: form links, uploads, the agent console and assignment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PandawaConfig {
    /// Signs form links (HMAC-SHA256). Unset: a random secret is made once and kept in the
    /// database, so every node shares it.
    pub link_secret: Secret,
    /// How long a form link works.
    pub link_ttl_hours: i64,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// Console sessions last this long without a new sign-in.
    pub session_hours: i64,
    /// Wrong passwords before an agent is locked out, and for how long.
    pub max_failed_sign_ins: u32,
    pub lockout_minutes: i64,
    /// Mark session cookies `Secure` (browsers send them only over HTTPS, and over plain
    /// HTTP to localhost). Turn off only behind a trusted TLS-terminating proxy on HTTP.
    pub secure_cookies: bool,
    /// An assigned case nobody started within this many working minutes is reassigned.
    pub pickup_minutes: u32,
    /// Open cases an agent gets at once, unless set per agent.
    pub default_max_open_cases: u32,
    /// How often the assignment loop looks for unassigned and lapsed cases, in seconds.
    pub assign_interval_secs: u64,
}

impl Default for PandawaConfig {
    fn default() -> Self {
        PandawaConfig {
            link_secret: Secret::default(),
            link_ttl_hours: 72,
            max_upload_bytes: 5 * 1024 * 1024,
            session_hours: 10,
            max_failed_sign_ins: 5,
            lockout_minutes: 15,
            secure_cookies: true,
            pickup_minutes: 30,
            default_max_open_cases: 20,
            assign_interval_secs: 15,
        }
    }
}

/// Office closures and broadcasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutreachConfig {
    /// Broadcast messages handed to the outbox per second on WhatsApp (per business number),
    /// Telegram and Messenger. Replies to participants share the channel's sending rate and
    /// go first, so keep these below the channel rates.
    pub whatsapp_rate_per_sec: u32,
    pub telegram_rate_per_sec: u32,
    pub messenger_rate_per_sec: u32,
    /// Approved WhatsApp template for closure notices outside the 24-hour window. Body
    /// parameters: {{1}} office name, {{2}} closed from, {{3}} closed until, {{4}} how to be
    /// served meanwhile.
    pub closure_template: Option<String>,
    /// Approved WhatsApp template for free notices outside the window: {{1}} the text.
    pub notice_template: Option<String>,
    /// The care-centre number, on posters and in the default alternatives.
    pub care_center: String,
    /// How often the feeder hands recipients to the outbox, in milliseconds.
    pub feed_interval_ms: u64,
}

impl Default for OutreachConfig {
    fn default() -> Self {
        OutreachConfig {
            whatsapp_rate_per_sec: 40,
            telegram_rate_per_sec: 20,
            messenger_rate_per_sec: 20,
            closure_template: None,
            notice_template: None,
            care_center: "165".to_owned(),
            feed_interval_ms: 100,
        }
    }
}

/// The voice line (VIKA): TwiML webhooks for Twilio, SignalWire or Telnyx. On when
/// `auth_token` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceConfig {
    /// The provider's auth token (Twilio) or signing key (SignalWire): checks
    /// `X-Twilio-Signature` / `X-SignalWire-Signature` on every webhook.
    pub auth_token: Secret,
    /// The URL the provider calls this server at, exactly as configured on the number
    /// (signatures cover it; action URLs are built from it). Unset: the server's `public_url`.
    pub public_url: Option<String>,
    /// The provider's text-to-speech voice for `<Say>`.
    pub say_voice: String,
    /// The care-centre number 0 transfers to with `<Dial>`; unset: a call-back case instead.
    pub care_center_number: Option<String>,
    /// Play prerecorded prompts (`layan voice prompts`, in `data_dir/voice/`) where present.
    pub prompts: bool,
    /// Telnyx (TeXML): the account's Ed25519 public key, Base64; checks
    /// `telnyx-signature-ed25519` on every webhook. Not a secret.
    pub telnyx_public_key: Option<String>,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            auth_token: Secret::default(),
            public_url: None,
            say_voice: "Google.id-ID-Standard-A".into(),
            care_center_number: None,
            prompts: false,
            telnyx_public_key: None,
        }
    }
}

impl VoiceConfig {
    /// On once webhooks can be authenticated: a Twilio/SignalWire token or a Telnyx key.
    pub fn enabled(&self) -> bool {
        !self.auth_token.is_empty() || self.telnyx_key().is_some()
    }

    /// The configured Telnyx key, when set (checked by `Config::validate`).
    pub fn telnyx_key(&self) -> Option<voice::telnyx::PublicKey> {
        let text = self.telnyx_public_key.as_deref()?.trim();
        if text.is_empty() {
            return None;
        }
        voice::telnyx::PublicKey::from_base64(text).ok()
    }
}

/// WhatsApp Business Cloud API. The channel is on when `app_secret` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WhatsAppConfig {
    /// Signs every webhook (`X-Hub-Signature-256`).
    pub app_secret: Secret,
    /// Answers Meta's `hub.verify_token` handshake.
    pub verify_token: Secret,
    /// Bearer token for the send API.
    pub access_token: Secret,
    /// The business number's id in the send path.
    pub phone_number_id: String,
    pub api_base: String,
    /// An approved template (one body parameter) used outside the 24-hour window; without
    /// one, such messages are recorded as not sendable.
    pub template: Option<String>,
    /// Messages per second for the business number (Meta's default tier is 80).
    pub rate_per_sec: u32,
    /// Seconds between two messages to the same person when more are queued (Meta's pair
    /// rate limit is about one every 6 s sustained; short bursts are allowed).
    pub pair_interval_ms: u64,
}

impl Default for WhatsAppConfig {
    fn default() -> Self {
        WhatsAppConfig {
            app_secret: Secret::default(),
            verify_token: Secret::default(),
            access_token: Secret::default(),
            phone_number_id: String::new(),
            api_base: "https://graph.facebook.com/v21.0".into(),
            template: None,
            rate_per_sec: 80,
            pair_interval_ms: 0,
        }
    }
}

/// Telegram Bot API. The channel is on when `secret_token` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    pub bot_token: Secret,
    /// Given to `setWebhook`; Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token`.
    pub secret_token: Secret,
    pub api_base: String,
    /// Messages per second across all chats (Telegram: about 30).
    pub rate_per_sec: u32,
    /// Milliseconds between two messages to one chat (Telegram: about one per second).
    pub chat_interval_ms: u64,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            bot_token: Secret::default(),
            secret_token: Secret::default(),
            api_base: "https://api.telegram.org".into(),
            rate_per_sec: 30,
            chat_interval_ms: 1000,
        }
    }
}

/// Facebook Messenger Platform. The channel is on when `app_secret` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessengerConfig {
    pub app_secret: Secret,
    pub verify_token: Secret,
    pub page_token: Secret,
    pub api_base: String,
    pub rate_per_sec: u32,
}

impl Default for MessengerConfig {
    fn default() -> Self {
        MessengerConfig {
            app_secret: Secret::default(),
            verify_token: Secret::default(),
            page_token: Secret::default(),
            api_base: "https://graph.facebook.com/v21.0".into(),
            rate_per_sec: 40,
        }
    }
}

/// The inbox, the conversation workers and the senders.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessagingConfig {
    /// Whether this node answers what arrives. Off, it only receives webhooks into the inbox
    /// (an ingest node) and other nodes of the same database answer them.
    pub process: bool,
    /// Most events committed in one inbox transaction (group commit).
    pub ingest_batch: usize,
    /// Conversation workers: conversations are spread over them, each works in order.
    pub workers: usize,
    /// Sends in flight per channel.
    pub send_concurrency: usize,
    /// How long a sender owns a message it took; after a crash, another takes it over then.
    pub lease_secs: i64,
    /// Extra wait before re-sending a WhatsApp message whose send a crash interrupted, so the
    /// provider's status (which carries our id) can show it was sent after all.
    pub in_doubt_grace_secs: i64,
    /// Attempts before a transient failure becomes a recorded failure.
    pub max_attempts: u32,
    /// Time-out of one provider call.
    pub send_timeout_secs: u64,
}

impl Default for MessagingConfig {
    fn default() -> Self {
        MessagingConfig {
            process: true,
            ingest_batch: 1024,
            workers: 32,
            send_concurrency: 64,
            lease_secs: 30,
            in_doubt_grace_secs: 60,
            max_attempts: 8,
            send_timeout_secs: 10,
        }
    }
}

impl WhatsAppConfig {
    pub fn enabled(&self) -> bool {
        !self.app_secret.is_empty()
    }
}

impl TelegramConfig {
    pub fn enabled(&self) -> bool {
        !self.secret_token.is_empty()
    }
}

impl MessengerConfig {
    pub fn enabled(&self) -> bool {
        !self.app_secret.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// How long a one-time code is valid.
    pub code_ttl_secs: i64,
    /// How long a bearer token is valid.
    pub token_ttl_secs: i64,
    /// Wrong codes allowed per sign-in before it is void.
    pub code_attempts: u32,
    /// Sign-in requests allowed per identity (NIK or card number) per hour.
    pub logins_per_identity_per_hour: u32,
    /// Sign-in requests allowed per client address per hour.
    pub logins_per_client_per_hour: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            code_ttl_secs: 300,
            token_ttl_secs: 1800,
            code_attempts: 3,
            logins_per_identity_per_hour: 5,
            logins_per_client_per_hour: 30,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            sqlite_checkpoint_ms: store_sqlite::DEFAULT_CHECKPOINT_INTERVAL.as_millis() as u64,
            database_max_connections: store_postgres::PgOptions::default().max_connections,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            public_url: None,
            demo: false,
            demo_participants: 10_000,
            demo_seed: 2020,
            auth: AuthConfig::default(),
            whatsapp: WhatsAppConfig::default(),
            telegram: TelegramConfig::default(),
            messenger: MessengerConfig::default(),
            messaging: MessagingConfig::default(),
            voice: VoiceConfig::default(),
            pandawa: PandawaConfig::default(),
            outreach: OutreachConfig::default(),
        }
    }
}

/// Environment variables and the configuration keys they set. Kept explicit (rather than
/// derived from names) so the README table and the code cannot drift apart unnoticed: a test
/// checks every variable here is documented.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("LAYAN_LISTEN", "listen"),
    ("LAYAN_DATA_DIR", "data_dir"),
    ("LAYAN_DATABASE_URL", "database_url"),
    ("LAYAN_SQLITE_CHECKPOINT_MS", "sqlite_checkpoint_ms"),
    ("LAYAN_DATABASE_MAX_CONNECTIONS", "database_max_connections"),
    ("LAYAN_LOG_FORMAT", "log_format"),
    ("LAYAN_LOG_LEVEL", "log_level"),
    ("LAYAN_PUBLIC_URL", "public_url"),
    ("LAYAN_DEMO", "demo"),
    ("LAYAN_DEMO_PARTICIPANTS", "demo_participants"),
    ("LAYAN_DEMO_SEED", "demo_seed"),
    ("LAYAN_AUTH_CODE_TTL_SECS", "auth.code_ttl_secs"),
    ("LAYAN_AUTH_TOKEN_TTL_SECS", "auth.token_ttl_secs"),
    ("LAYAN_AUTH_CODE_ATTEMPTS", "auth.code_attempts"),
    (
        "LAYAN_AUTH_LOGINS_PER_IDENTITY_PER_HOUR",
        "auth.logins_per_identity_per_hour",
    ),
    (
        "LAYAN_AUTH_LOGINS_PER_CLIENT_PER_HOUR",
        "auth.logins_per_client_per_hour",
    ),
    ("LAYAN_WHATSAPP_APP_SECRET", "whatsapp.app_secret"),
    ("LAYAN_WHATSAPP_VERIFY_TOKEN", "whatsapp.verify_token"),
    ("LAYAN_WHATSAPP_ACCESS_TOKEN", "whatsapp.access_token"),
    ("LAYAN_WHATSAPP_PHONE_NUMBER_ID", "whatsapp.phone_number_id"),
    ("LAYAN_WHATSAPP_API_BASE", "whatsapp.api_base"),
    ("LAYAN_WHATSAPP_TEMPLATE", "whatsapp.template"),
    ("LAYAN_WHATSAPP_RATE_PER_SEC", "whatsapp.rate_per_sec"),
    (
        "LAYAN_WHATSAPP_PAIR_INTERVAL_MS",
        "whatsapp.pair_interval_ms",
    ),
    ("LAYAN_TELEGRAM_BOT_TOKEN", "telegram.bot_token"),
    ("LAYAN_TELEGRAM_SECRET_TOKEN", "telegram.secret_token"),
    ("LAYAN_TELEGRAM_API_BASE", "telegram.api_base"),
    ("LAYAN_TELEGRAM_RATE_PER_SEC", "telegram.rate_per_sec"),
    (
        "LAYAN_TELEGRAM_CHAT_INTERVAL_MS",
        "telegram.chat_interval_ms",
    ),
    ("LAYAN_MESSENGER_APP_SECRET", "messenger.app_secret"),
    ("LAYAN_MESSENGER_VERIFY_TOKEN", "messenger.verify_token"),
    ("LAYAN_MESSENGER_PAGE_TOKEN", "messenger.page_token"),
    ("LAYAN_MESSENGER_API_BASE", "messenger.api_base"),
    ("LAYAN_MESSENGER_RATE_PER_SEC", "messenger.rate_per_sec"),
    ("LAYAN_MESSAGING_PROCESS", "messaging.process"),
    ("LAYAN_MESSAGING_INGEST_BATCH", "messaging.ingest_batch"),
    ("LAYAN_MESSAGING_WORKERS", "messaging.workers"),
    (
        "LAYAN_MESSAGING_SEND_CONCURRENCY",
        "messaging.send_concurrency",
    ),
    ("LAYAN_MESSAGING_LEASE_SECS", "messaging.lease_secs"),
    (
        "LAYAN_MESSAGING_IN_DOUBT_GRACE_SECS",
        "messaging.in_doubt_grace_secs",
    ),
    ("LAYAN_MESSAGING_MAX_ATTEMPTS", "messaging.max_attempts"),
    (
        "LAYAN_MESSAGING_SEND_TIMEOUT_SECS",
        "messaging.send_timeout_secs",
    ),
    ("LAYAN_VOICE_AUTH_TOKEN", "voice.auth_token"),
    ("LAYAN_VOICE_PUBLIC_URL", "voice.public_url"),
    ("LAYAN_VOICE_SAY_VOICE", "voice.say_voice"),
    ("LAYAN_VOICE_CARE_CENTER_NUMBER", "voice.care_center_number"),
    ("LAYAN_VOICE_PROMPTS", "voice.prompts"),
    ("LAYAN_VOICE_TELNYX_PUBLIC_KEY", "voice.telnyx_public_key"),
    ("LAYAN_PANDAWA_LINK_SECRET", "pandawa.link_secret"),
    ("LAYAN_PANDAWA_LINK_TTL_HOURS", "pandawa.link_ttl_hours"),
    ("LAYAN_PANDAWA_MAX_UPLOAD_BYTES", "pandawa.max_upload_bytes"),
    ("LAYAN_PANDAWA_SESSION_HOURS", "pandawa.session_hours"),
    (
        "LAYAN_PANDAWA_MAX_FAILED_SIGN_INS",
        "pandawa.max_failed_sign_ins",
    ),
    ("LAYAN_PANDAWA_LOCKOUT_MINUTES", "pandawa.lockout_minutes"),
    ("LAYAN_PANDAWA_SECURE_COOKIES", "pandawa.secure_cookies"),
    ("LAYAN_PANDAWA_PICKUP_MINUTES", "pandawa.pickup_minutes"),
    (
        "LAYAN_PANDAWA_DEFAULT_MAX_OPEN_CASES",
        "pandawa.default_max_open_cases",
    ),
    (
        "LAYAN_PANDAWA_ASSIGN_INTERVAL_SECS",
        "pandawa.assign_interval_secs",
    ),
    (
        "LAYAN_OUTREACH_WHATSAPP_RATE_PER_SEC",
        "outreach.whatsapp_rate_per_sec",
    ),
    (
        "LAYAN_OUTREACH_TELEGRAM_RATE_PER_SEC",
        "outreach.telegram_rate_per_sec",
    ),
    (
        "LAYAN_OUTREACH_MESSENGER_RATE_PER_SEC",
        "outreach.messenger_rate_per_sec",
    ),
    (
        "LAYAN_OUTREACH_CLOSURE_TEMPLATE",
        "outreach.closure_template",
    ),
    ("LAYAN_OUTREACH_NOTICE_TEMPLATE", "outreach.notice_template"),
    ("LAYAN_OUTREACH_CARE_CENTER", "outreach.care_center"),
    (
        "LAYAN_OUTREACH_FEED_INTERVAL_MS",
        "outreach.feed_interval_ms",
    ),
];

impl Config {
    /// Defaults, overlaid by the file (if any), overlaid by the environment.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Syntax {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            if let Some((_, key)) = ENV_VARS.iter().find(|(var, _)| *var == name) {
                set_path(&mut table, key, env_value(key, &value));
            }
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let u = url.expose();
            if !(u.starts_with("postgres://")
                || u.starts_with("postgresql://")
                || u.starts_with("sqlite:"))
            {
                return Err(ConfigError::Invalid(
                    "database_url must start with postgres://, postgresql:// or sqlite:".into(),
                ));
            }
        }
        if self.database_max_connections < 2 {
            return Err(ConfigError::Invalid(
                "database_max_connections must be at least 2: one connection is kept for the \
                 messaging pipeline's commits"
                    .into(),
            ));
        }
        let wa = &self.whatsapp;
        if wa.enabled() && (wa.access_token.is_empty() || wa.phone_number_id.is_empty()) {
            return Err(ConfigError::Invalid(
                "WhatsApp has an app secret but no access token or phone number id; set LAYAN_WHATSAPP_ACCESS_TOKEN and LAYAN_WHATSAPP_PHONE_NUMBER_ID".into(),
            ));
        }
        if self.telegram.enabled() && self.telegram.bot_token.is_empty() {
            return Err(ConfigError::Invalid(
                "Telegram has a secret token but no bot token; set LAYAN_TELEGRAM_BOT_TOKEN".into(),
            ));
        }
        if self.messenger.enabled() && self.messenger.page_token.is_empty() {
            return Err(ConfigError::Invalid(
                "Messenger has an app secret but no page token; set LAYAN_MESSENGER_PAGE_TOKEN"
                    .into(),
            ));
        }
        for (name, base) in [
            ("whatsapp", &wa.api_base),
            ("telegram", &self.telegram.api_base),
            ("messenger", &self.messenger.api_base),
        ] {
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err(ConfigError::Invalid(format!(
                    "{name} api_base must be an http(s) URL"
                )));
            }
        }
        if let Some(url) = &self.voice.public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::Invalid(
                    "voice public_url must be an http(s) URL".into(),
                ));
            }
        }
        if let Some(key) = self.voice.telnyx_public_key.as_deref() {
            if !key.trim().is_empty() {
                voice::telnyx::PublicKey::from_base64(key).map_err(ConfigError::Invalid)?;
            }
        }
        if self.voice.say_voice.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "voice say_voice must name a provider voice".into(),
            ));
        }
        let m = &self.messaging;
        if m.ingest_batch == 0 || m.workers == 0 || m.send_concurrency == 0 || m.lease_secs <= 0 {
            return Err(ConfigError::Invalid(
                "messaging batch, workers, concurrency and lease must be positive".into(),
            ));
        }
        if self.auth.code_ttl_secs <= 0
            || self.auth.token_ttl_secs <= 0
            || self.auth.code_attempts == 0
        {
            return Err(ConfigError::Invalid(
                "auth durations and attempts must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The SQLite file used when no PostgreSQL URL is configured.
    pub fn sqlite_path(&self) -> PathBuf {
        match self
            .database_url
            .as_ref()
            .and_then(|u| u.expose().strip_prefix("sqlite:"))
        {
            Some(path) => PathBuf::from(path.trim_start_matches("//")),
            None => self.data_dir.join("layan.db"),
        }
    }

    pub fn postgres_url(&self) -> Option<&str> {
        self.database_url
            .as_ref()
            .map(Secret::expose)
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The URL the voice provider calls, without a trailing slash: signatures cover it and
    /// every action URL starts with it.
    pub fn voice_public_url(&self) -> String {
        self.voice
            .public_url
            .clone()
            .unwrap_or_else(|| self.public_url())
            .trim_end_matches('/')
            .to_string()
    }
}

/// Environment values are strings; numbers and booleans are typed so the file and the
/// environment accept the same spellings.
fn env_value(key: &str, raw: &str) -> toml::Value {
    let numeric = key.ends_with("_secs")
        || key.ends_with("attempts")
        || key.ends_with("_per_hour")
        || key.ends_with("_per_sec")
        || key.ends_with("_ms")
        || key.ends_with("_batch")
        || key.ends_with("workers")
        || key.ends_with("concurrency")
        || key.ends_with("_hours")
        || key.ends_with("_minutes")
        || key.ends_with("_bytes")
        || key.ends_with("_sign_ins")
        || key.ends_with("_open_cases")
        || key.ends_with("_connections")
        || key == "demo_participants"
        || key == "demo_seed";
    if numeric {
        if let Ok(n) = raw.trim().parse::<i64>() {
            return toml::Value::Integer(n);
        }
    }
    if matches!(
        key,
        "demo" | "voice.prompts" | "pandawa.secure_cookies" | "messaging.process"
    ) {
        match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => return toml::Value::Boolean(true),
            "0" | "false" | "no" | "off" | "" => return toml::Value::Boolean(false),
            _ => {}
        }
    }
    toml::Value::String(raw.to_string())
}

fn set_path(table: &mut toml::Table, dotted: &str, value: toml::Value) {
    let mut parts = dotted.split('.').peekable();
    let mut current = table;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_string(), value);
            return;
        }
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        match entry {
            toml::Value::Table(t) => current = t,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_listen_on_loopback_8080_with_sqlite_in_data() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.sqlite_path(), PathBuf::from("./data/layan.db"));
        assert_eq!(c.postgres_url(), None);
    }

    #[test]
    fn environment_overrides_the_file_and_the_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layan.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nlog_format = \"json\"\n[auth]\ncode_attempts = 5\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                ("LAYAN_LISTEN", "127.0.0.1:9100"),
                ("LAYAN_DATABASE_URL", "postgres://u@localhost/layan"),
                ("LAYAN_AUTH_TOKEN_TTL_SECS", "60"),
                ("LAYAN_DEMO", "1"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.auth.code_attempts, 5);
        assert_eq!(c.auth.token_ttl_secs, 60);
        assert!(c.demo);
        assert_eq!(c.postgres_url(), Some("postgres://u@localhost/layan"));
    }

    #[test]
    fn secrets_never_print() {
        let c = Config::load(
            None,
            env(&[("LAYAN_DATABASE_URL", "postgres://u:hunter2@db/layan")]),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn mistakes_are_reported_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "lissten = \"x\"").unwrap();
        assert!(matches!(
            Config::load(Some(&path), env(&[])),
            Err(ConfigError::Invalid(_))
        ));
        assert!(Config::load(None, env(&[("LAYAN_LISTEN", "not an address")])).is_err());
        assert!(Config::load(None, env(&[("LAYAN_DATABASE_URL", "mysql://x")])).is_err());
    }

    #[test]
    fn a_node_can_be_told_to_only_ingest() {
        assert!(Config::load(None, env(&[])).unwrap().messaging.process);
        let c = Config::load(
            None,
            env(&[
                ("LAYAN_MESSAGING_PROCESS", "off"),
                ("LAYAN_MESSAGING_INGEST_BATCH", "256"),
            ]),
        )
        .unwrap();
        assert!(!c.messaging.process);
        assert_eq!(c.messaging.ingest_batch, 256);
        let c = Config::load(None, env(&[("LAYAN_SQLITE_CHECKPOINT_MS", "500")])).unwrap();
        assert_eq!(c.sqlite_checkpoint_ms, 500);
    }

    #[test]
    fn the_postgresql_connection_limit_comes_from_the_environment_and_keeps_one_for_commits() {
        assert_eq!(
            Config::load(None, env(&[]))
                .unwrap()
                .database_max_connections,
            store_postgres::PgOptions::default().max_connections
        );
        let c = Config::load(None, env(&[("LAYAN_DATABASE_MAX_CONNECTIONS", "40")])).unwrap();
        assert_eq!(c.database_max_connections, 40);
        let err = Config::load(None, env(&[("LAYAN_DATABASE_MAX_CONNECTIONS", "1")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 2"), "{err}");
    }

    #[test]
    fn pandawa_numbers_and_switches_come_from_the_environment() {
        let c = Config::load(
            None,
            env(&[
                ("LAYAN_PANDAWA_SECURE_COOKIES", "false"),
                ("LAYAN_PANDAWA_PICKUP_MINUTES", "45"),
                ("LAYAN_PANDAWA_SESSION_HOURS", "8"),
                ("LAYAN_PANDAWA_LINK_TTL_HOURS", "24"),
                ("LAYAN_PANDAWA_MAX_FAILED_SIGN_INS", "3"),
                ("LAYAN_PANDAWA_LOCKOUT_MINUTES", "30"),
                ("LAYAN_PANDAWA_MAX_UPLOAD_BYTES", "1048576"),
                ("LAYAN_PANDAWA_DEFAULT_MAX_OPEN_CASES", "7"),
                ("LAYAN_PANDAWA_ASSIGN_INTERVAL_SECS", "5"),
                ("LAYAN_PANDAWA_LINK_SECRET", "12345"),
            ]),
        )
        .unwrap();
        let p = &c.pandawa;
        assert!(!p.secure_cookies);
        assert_eq!(
            (p.pickup_minutes, p.session_hours, p.link_ttl_hours),
            (45, 8, 24)
        );
        assert_eq!((p.max_failed_sign_ins, p.lockout_minutes), (3, 30));
        assert_eq!(
            (p.max_upload_bytes, p.default_max_open_cases),
            (1_048_576, 7)
        );
        assert_eq!(p.assign_interval_secs, 5);
        // A secret made only of digits stays a string.
        assert_eq!(p.link_secret.expose(), "12345");
    }
}

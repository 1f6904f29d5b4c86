//! Console sign-in: argon2id passwords, sessions in a secure cookie (or a bearer token for
//! the agent API), CSRF tokens, lock-out after failed attempts.
//!
//! A session is a random token; the store keeps only its SHA-256. The browser holds it in
//! the `layan_console` cookie (HttpOnly, SameSite=Strict); API clients send it as
//! `Authorization: Bearer`. Every state-changing request made with the cookie must carry the
//! session's CSRF token: [`SignedIn`] checks the `X-CSRF-Token` header, and [`ConsoleForm`]
//! (for HTML forms, which cannot set headers) the hidden `csrf` field or that header. Bearer
//! requests are exempt: a browser never attaches a bearer token by itself.

use crate::auth::{constant_time_eq, random_hex, sha256_hex};
use crate::error::ApiError;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use cases::Permission;
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use std::sync::LazyLock;
use store::{Agent, AgentSession, NewAgentSession, NewAudit, SignInFailure};

pub const COOKIE: &str = "layan_console";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The one answer to every refused sign-in: wrong name, wrong password, locked or disabled
/// all read the same, so nobody learns which usernames exist.
pub const SIGN_IN_REFUSED: &str =
    "Nama pengguna atau kata sandi salah, atau akun sedang dikunci sementara. Silakan coba lagi; bila berulang, hubungi supervisor Anda.";

/// A request from a signed-in agent (cookie session, or `Authorization: Bearer` for the
/// API). State-changing requests with a cookie must carry the session's CSRF token.
pub struct SignedIn {
    pub agent: Agent,
    pub session: AgentSession,
    /// Signed in through the cookie (a browser), not a bearer token.
    pub via_cookie: bool,
}

impl SignedIn {
    /// `Forbidden` unless the agent's role has `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.agent.role.can(p) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.agent.role.can(p)
    }
}

pub fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Anda tidak memiliki izin untuk tindakan ini.",
    )
}

fn csrf_failed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "Permintaan ditolak karena token keamanan formulir tidak ada atau tidak cocok. Muat ulang halaman lalu coba lagi.",
    )
}

/// The value of the console cookie, if sent.
pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|t| !t.is_empty())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session and agent behind the request's bearer token or cookie, without CSRF checks.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<SignedIn, ApiError> {
    let (token, via_cookie) = match crate::auth::bearer_token(&parts.headers) {
        Some(t) => (t, false),
        None => (
            cookie_token(&parts.headers).ok_or_else(ApiError::unauthorized)?,
            true,
        ),
    };
    let now = state.now();
    let session = state
        .store
        .agent_session(&sha256_hex(token), now)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let agent = state
        .store
        .agent(session.agent_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    // An agent disabled or locked after signing in loses the session at once.
    if !agent.active || agent.locked_until.is_some_and(|t| t > now) {
        return Err(ApiError::unauthorized());
    }
    Ok(SignedIn {
        agent,
        session,
        via_cookie,
    })
}

fn csrf_matches(session: &AgentSession, given: Option<&str>) -> bool {
    given.is_some_and(|g| constant_time_eq(g.trim(), &session.csrf_token))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed = authenticate(parts, state).await?;
        if signed.via_cookie && !is_safe(&parts.method) {
            let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !csrf_matches(&signed.session, given) {
                return Err(csrf_failed());
            }
        }
        Ok(signed)
    }
}

/// A URL-encoded HTML form from a signed-in agent, checked against the session's CSRF token
/// (the hidden `csrf` field, or the `X-CSRF-Token` header).
pub struct ConsoleForm<T> {
    pub signed: SignedIn,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for ConsoleForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let signed = authenticate(&parts, state).await?;
        let bytes = axum::body::to_bytes(body, 256 * 1024)
            .await
            .map_err(|_| ApiError::bad_request("invalid_form", "Isian formulir terlalu besar."))?;
        if signed.via_cookie {
            let from_field = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned());
            let from_header = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if !csrf_matches(&signed.session, from_field.or(from_header).as_deref()) {
                return Err(csrf_failed());
            }
        }
        let form: T = serde_urlencoded_from(&bytes)?;
        Ok(ConsoleForm { signed, form })
    }
}

/// Parses a URL-encoded body through serde_json (the crate's one deserializer): every value
/// is a string, and a repeated key keeps its last value.
pub fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let map: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("Isian formulir tidak valid: {e}"),
        )
    })
}

// ---- passwords ------------------------------------------------------------------------------

/// An argon2id PHC string of `password` with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| format!("no randomness available: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash no password matches, checked when the username is unknown so that a wrong name
/// costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("layan-no-such-agent").unwrap_or_default());

/// Rules a new password must meet (the CLI asks for it).
pub fn password_acceptable(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err("kata sandi minimal 10 karakter");
    }
    if password.len() > 256 {
        return Err("kata sandi maksimal 256 karakter");
    }
    Ok(())
}

// ---- signing in and out -----------------------------------------------------------------------

/// A new session: the token goes to the client once and is never stored.
pub struct NewSession {
    pub token: String,
    pub session: AgentSession,
    pub agent: Agent,
}

/// Checks a username and password and opens a session. Every refusal is the same
/// `401 SIGN_IN_REFUSED`; wrong passwords count towards the lock-out.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<NewSession, ApiError> {
    let refused = || ApiError::new(StatusCode::UNAUTHORIZED, "sign_in_refused", SIGN_IN_REFUSED);
    let username = username.trim().to_lowercase();
    let agent = if username.is_empty() || username.len() > 64 {
        None
    } else {
        state.store.agent_by_username(&username).await?
    };
    let hash = agent
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let pw = password.to_string();
    // Argon2 takes tens of milliseconds of CPU on purpose; off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|_| ApiError::internal())?;
    let Some(agent) = agent else {
        return Err(refused());
    };
    let now = state.now();
    let locked = agent.locked_until.is_some_and(|t| t > now);
    let audit = |action: &str, detail: &str| NewAudit {
        at: now,
        agent_id: Some(agent.id),
        action: action.to_string(),
        participant_id: None,
        case_id: None,
        detail: detail.to_string(),
    };
    if !matches {
        let cfg = &state.config.pandawa;
        let after = state
            .store
            .agent_sign_in_failed(
                agent.id,
                SignInFailure {
                    at: now,
                    max_failures: cfg.max_failed_sign_ins,
                    lock_for: Duration::minutes(cfg.lockout_minutes),
                },
            )
            .await?;
        let detail = match after.locked_until {
            Some(t) if t > now && !locked => "kata sandi salah; akun dikunci",
            _ => "kata sandi salah",
        };
        state
            .store
            .append_audit(audit("sign_in_failed", detail))
            .await?;
        return Err(refused());
    }
    if locked || !agent.active {
        let detail = if locked {
            "akun sedang dikunci"
        } else {
            "akun nonaktif"
        };
        state
            .store
            .append_audit(audit("sign_in_failed", detail))
            .await?;
        return Err(refused());
    }
    state.store.agent_signed_in(agent.id).await?;
    let token = random_hex(32)?;
    let new = NewAgentSession {
        token_hash: sha256_hex(&token),
        agent_id: agent.id,
        csrf_token: random_hex(16)?,
        created_at: now,
        expires_at: now + Duration::hours(state.config.pandawa.session_hours),
    };
    state.store.create_agent_session(new.clone()).await?;
    state.store.append_audit(audit("sign_in", "")).await?;
    Ok(NewSession {
        token,
        session: AgentSession {
            token_hash: new.token_hash,
            agent_id: new.agent_id,
            csrf_token: new.csrf_token,
            created_at: new.created_at,
            expires_at: new.expires_at,
        },
        agent,
    })
}

/// Ends the session and records it.
pub async fn sign_out(state: &AppState, signed: &SignedIn) -> Result<(), ApiError> {
    state
        .store
        .end_agent_session(&signed.session.token_hash)
        .await?;
    state
        .store
        .append_audit(NewAudit {
            at: state.now(),
            agent_id: Some(signed.agent.id),
            action: "sign_out".into(),
            participant_id: None,
            case_id: None,
            detail: String::new(),
        })
        .await?;
    Ok(())
}

/// The `Set-Cookie` value carrying a session token.
pub fn session_cookie(state: &AppState, token: &str, expires_at: DateTime<Utc>) -> String {
    let max_age = (expires_at - state.now()).num_seconds().max(0);
    let secure = if state.config.pandawa.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    let secure = if state.config.pandawa.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn passwords_verify_only_against_their_own_salted_hash() {
        let a = hash_password("kata-sandi-rahasia").unwrap();
        let b = hash_password("kata-sandi-rahasia").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("kata-sandi-rahasia", &a));
        assert!(!verify_password("kata-sandi-salah", &a));
        assert!(!verify_password("kata-sandi-rahasia", "bukan hash"));
    }

    #[test]
    fn the_console_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; layan_console=abc123 ; b=2"),
        );
        assert_eq!(cookie_token(&h), Some("abc123"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("layan_console_x=zzz"),
        );
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(password_acceptable("pendek").is_err());
        assert!(password_acceptable("cukup-panjang-sekali").is_ok());
    }
}

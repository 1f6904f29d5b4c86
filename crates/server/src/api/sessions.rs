//! `POST /api/v1/sessions` and `POST /api/v1/sessions/{id}/verify`.
//!
//! Wrong data gets exactly the same answer as unknown data, so the API cannot be used to find
//! out who is a participant. Attempts are limited per identity and per client address.

use crate::auth::{code_hash, constant_time_eq, random_code, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Extensions, StatusCode};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use jkn::{CardNumber, Nik};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use store::{NewLogin, NewOutbound, NewToken, Participant};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartLogin {
    pub nik: Option<String>,
    pub card_number: Option<String>,
    /// `YYYY-MM-DD`, `DD-MM-YYYY` or `DD/MM/YYYY`.
    pub birth_date: String,
}

#[derive(Debug, Serialize)]
pub struct LoginStarted {
    pub session_id: String,
    pub expires_at: DateTime<Utc>,
    pub message: &'static str,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyLogin {
    pub code: String,
}

#[derive(Debug, Serialize)]
pub struct TokenIssued {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

const SENT_MESSAGE: &str = "Jika data yang Anda masukkan cocok dengan data peserta, kode verifikasi telah dikirim ke nomor HP yang terdaftar. Masukkan kode tersebut untuk melanjutkan.";

enum Identity {
    Nik(Nik),
    Card(CardNumber),
}

impl Identity {
    fn from_request(req: &StartLogin) -> ApiResult<Self> {
        match (&req.nik, &req.card_number) {
            (Some(nik), None) => Nik::parse(nik)
                .map(Identity::Nik)
                .map_err(|e| ApiError::bad_request("invalid_nik", e.to_string())),
            (None, Some(card)) => CardNumber::parse(card)
                .map(Identity::Card)
                .map_err(|e| ApiError::bad_request("invalid_card_number", e.to_string())),
            _ => Err(ApiError::bad_request(
                "identity_required",
                "Isi salah satu: NIK (16 digit) atau nomor kartu JKN (13 digit).",
            )),
        }
    }

    /// The rate-limit key: a hash, so the identifier itself is never stored for this purpose.
    fn limit_key(&self) -> String {
        match self {
            Identity::Nik(n) => format!("login:id:{}", sha256_hex(n.expose())),
            Identity::Card(c) => format!("login:id:{}", sha256_hex(c.expose())),
        }
    }
}

pub fn parse_birth_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

fn client_key(extensions: &Extensions) -> String {
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    format!("login:client:{ip}")
}

fn hour_window(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
}

pub async fn start(
    State(state): State<AppState>,
    extensions: Extensions,
    ApiJson(req): ApiJson<StartLogin>,
) -> ApiResult<(StatusCode, Json<LoginStarted>)> {
    let identity = Identity::from_request(&req)?;
    let birth_date = parse_birth_date(&req.birth_date).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_birth_date",
            "Tanggal lahir tidak valid. Tulis seperti 1988-03-05 atau 05-03-1988.",
        )
    })?;

    let now = state.now();
    let window = hour_window(now);
    let auth = &state.config.auth;
    let per_client = state
        .store
        .hit_rate_limit(&client_key(&extensions), window)
        .await?;
    let per_identity = state
        .store
        .hit_rate_limit(&identity.limit_key(), window)
        .await?;
    if per_client > auth.logins_per_client_per_hour
        || per_identity > auth.logins_per_identity_per_hour
    {
        return Err(ApiError::too_many_requests());
    }

    let participant = match &identity {
        Identity::Nik(nik) => state.store.participant_by_nik(nik).await?,
        Identity::Card(card) => state.store.participant_by_card(card).await?,
    };
    let session_id = random_hex(16)?;
    let expires_at = now + Duration::seconds(auth.code_ttl_secs);
    let matched = participant.filter(|p| p.birth_date == birth_date && p.phone.is_some());
    if let Some(p) = matched {
        send_code(&state, &p, &session_id, expires_at, now).await?;
    } else {
        // Same answer, same shape: the caller cannot tell a wrong birth date from an unknown
        // NIK. The session id leads nowhere and verifies as a wrong code.
        tracing::info!(identity = %identity_display(&identity), "sign-in requested with data that does not match");
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(LoginStarted {
            session_id,
            expires_at,
            message: SENT_MESSAGE,
        }),
    ))
}

fn identity_display(identity: &Identity) -> String {
    match identity {
        Identity::Nik(n) => n.to_string(),
        Identity::Card(c) => c.to_string(),
    }
}

async fn send_code(
    state: &AppState,
    participant: &Participant,
    session_id: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(phone) = &participant.phone else {
        return Ok(());
    };
    let code = random_code()?;
    state
        .store
        .create_login(NewLogin {
            id: session_id.to_string(),
            participant_id: participant.id,
            code_hash: code_hash(session_id, &code),
            expires_at,
            created_at: now,
        })
        .await?;
    let minutes = state.config.auth.code_ttl_secs / 60;
    state
        .store
        .enqueue_outbound(NewOutbound::plain(
            "sms",
            phone.expose(),
            "otp",
            &format!(
                "Kode verifikasi JKN Anda: {code}. Berlaku {minutes} menit. Jangan berikan kode ini kepada siapa pun, termasuk petugas BPJS Kesehatan."
            ),
            now,
        ))
        .await?;
    tracing::info!(participant = %participant.nik, phone = %phone, "one-time code queued");
    Ok(())
}

pub async fn verify(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    ApiJson(req): ApiJson<VerifyLogin>,
) -> ApiResult<Json<TokenIssued>> {
    let wrong = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_code",
            "Kode verifikasi salah atau sudah kedaluwarsa. Minta kode baru jika perlu.",
        )
    };
    let now = state.now();
    let login = state.store.login(&session_id).await?.ok_or_else(wrong)?;
    if login.consumed
        || login.expires_at <= now
        || login.attempts >= state.config.auth.code_attempts
    {
        return Err(wrong());
    }
    if !constant_time_eq(&code_hash(&session_id, req.code.trim()), &login.code_hash) {
        state.store.add_login_attempt(&session_id).await?;
        return Err(wrong());
    }
    if !state.store.consume_login(&session_id).await? {
        return Err(wrong());
    }
    let token = format!("lyn_{}", random_hex(32)?);
    let ttl = state.config.auth.token_ttl_secs;
    state
        .store
        .create_token(NewToken {
            token_hash: sha256_hex(&token),
            participant_id: login.participant_id,
            expires_at: now + Duration::seconds(ttl),
            created_at: now,
        })
        .await?;
    Ok(Json(TokenIssued {
        access_token: token,
        token_type: "Bearer",
        expires_in: ttl,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_in_the_common_formats() {
        let d = NaiveDate::from_ymd_opt(1988, 3, 5);
        assert_eq!(parse_birth_date("1988-03-05"), d);
        assert_eq!(parse_birth_date("05-03-1988"), d);
        assert_eq!(parse_birth_date("05/03/1988"), d);
        assert_eq!(parse_birth_date("5.3.1988"), d);
        assert_eq!(parse_birth_date("31-02-1988"), None);
    }
}

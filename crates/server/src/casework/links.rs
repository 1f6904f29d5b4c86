//! Form links: a stored `FormLink` (random id) and a signed, expiring token for it
//! (`cases::link`), as a URL under `public_url`: `/f/<token>`. The signing secret is
//! `pandawa.link_secret`, or one made at random and kept in the database (meta key
//! `form_link_secret`) so every node signs alike.

use crate::state::AppState;
use base64::Engine as _;
use cases::link::{self, LinkClaims, LinkError};
use chrono::Duration;
use store::{FormLink, NewFormLink, Store, StoreError};

/// Meta key of the generated signing secret.
pub const SECRET_META_KEY: &str = "form_link_secret";

/// A new link for `kind` filed from (`channel`, `sender`): a random id, made now, expiring
/// after `pandawa.link_ttl_hours`. The caller fills in what it knows (participant, branch,
/// prefill, the case a document request completes) before [`issue`].
pub fn new_link(
    state: &AppState,
    kind: &str,
    channel: &str,
    sender: &str,
) -> Result<NewFormLink, StoreError> {
    let now = state.now();
    Ok(NewFormLink {
        id: random_id()?,
        kind: kind.to_owned(),
        channel: channel.to_owned(),
        sender: sender.to_owned(),
        participant_id: None,
        family_id: None,
        office_id: None,
        case_id: None,
        prefill: serde_json::json!({}),
        created_at: now,
        expires_at: now + Duration::hours(state.config.pandawa.link_ttl_hours.max(1)),
    })
}

/// Stores `link` and returns the URL the participant opens.
pub async fn issue(state: &AppState, link: NewFormLink) -> Result<(FormLink, String), StoreError> {
    let secret = secret(state).await?;
    let stored = state.store.create_form_link(link).await?;
    let token = link::sign(
        &secret,
        &LinkClaims {
            id: stored.id.clone(),
            expires_at: stored.expires_at,
        },
    );
    let url = format!("{}/f/{token}", base_url(state));
    Ok((stored, url))
}

/// The stored link of a token, if the token is intact, unexpired and the link exists.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<FormLink>, StoreError> {
    Ok(match check(state, token).await? {
        Resolved::Valid(link) => Some(*link),
        _ => None,
    })
}

/// What a token turned out to be, so the page can tell the participant what to do.
#[derive(Debug)]
pub enum Resolved {
    Valid(Box<FormLink>),
    /// Signed by us, but past its expiry (by the token or the stored link).
    Expired,
    /// Malformed, altered, signed with another secret, or for a link that does not exist.
    Invalid,
}

pub async fn check(state: &AppState, token: &str) -> Result<Resolved, StoreError> {
    let secret = secret(state).await?;
    let now = state.now();
    let claims = match link::verify(&secret, token, now) {
        Ok(c) => c,
        Err(LinkError::Expired(_)) => return Ok(Resolved::Expired),
        Err(LinkError::Malformed | LinkError::BadSignature) => return Ok(Resolved::Invalid),
    };
    match state.store.form_link(&claims.id).await? {
        Some(l) if l.expires_at <= now => Ok(Resolved::Expired),
        Some(l) => Ok(Resolved::Valid(Box::new(l))),
        None => Ok(Resolved::Invalid),
    }
}

/// Where participants reach this server: `public_url`, else `http://<listen>`.
pub fn base_url(state: &AppState) -> String {
    match state.config.public_url.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() => u.trim_end_matches('/').to_owned(),
        _ => format!("http://{}", state.config.listen),
    }
}

/// 24 random bytes, URL-safe base64 (32 characters).
pub fn random_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 24];
    fill_random(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn fill_random(bytes: &mut [u8]) -> Result<(), StoreError> {
    getrandom::getrandom(bytes)
        .map_err(|e| StoreError::Other(format!("no randomness from the operating system: {e}")))
}

/// The signing secret: configured, or the database's (made once for every node).
async fn secret(state: &AppState) -> Result<Vec<u8>, StoreError> {
    let configured = state.config.pandawa.link_secret.expose();
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    stored_secret(state.store.as_ref())
        .await
        .map(String::into_bytes)
}

/// Reads the stored secret, creating it when there is none. Two nodes starting at once must
/// not each use their own (the links one signed would fail on the other): each offers a fresh
/// one, and every node uses the one stored first.
async fn stored_secret(store: &dyn Store) -> Result<String, StoreError> {
    if let Some(s) = store.meta_get(SECRET_META_KEY).await? {
        return Ok(s);
    }
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes)?;
    let offered: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let stored = store.meta_set_if_absent(SECRET_META_KEY, &offered).await?;
    if stored == offered {
        tracing::info!("form-link signing secret created and stored");
    }
    Ok(stored)
}

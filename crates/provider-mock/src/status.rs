//! WhatsApp status webhooks for accepted sends, posted in the background the way Meta does:
//! signed over the exact body, retried with backoff until answered with a 2xx.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use crate::config::StatusWebhook;
use crate::state::Shared;

const FIRST_BACKOFF: Duration = Duration::from_millis(25);
/// Meta backs off much further over 7 days; a second keeps tests quick while still showing
/// that our endpoint copes with being retried.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// One accepted WhatsApp message whose statuses are to be reported.
pub(crate) struct Job {
    pub wamid: String,
    pub recipient: String,
    pub phone_number_id: String,
    pub biz_opaque: Option<String>,
    pub template: bool,
}

/// Counts the posts as pending now (before the send is answered, so a caller that reads the
/// count right after its send sees them), then posts them in order on a task of their own.
pub(crate) fn spawn(shared: Arc<Shared>, hook: StatusWebhook, job: Job) {
    let Some(client) = shared.http.clone() else {
        return;
    };
    let statuses: &[&str] = if hook.delivered {
        &["sent", "delivered"]
    } else {
        &["sent"]
    };
    shared
        .status_pending
        .fetch_add(statuses.len(), Ordering::Relaxed);
    tokio::spawn(async move {
        let mut stop = shared.shutdown.subscribe();
        for status in statuses {
            let body = body(&shared, &job, status);
            let Ok(bytes) = serde_json::to_vec(&body) else {
                continue;
            };
            // Shared bytes: a retry re-sends the same buffer instead of copying it.
            let bytes = axum::body::Bytes::from(bytes);
            let signature = channels::verify::meta_signature(hook.app_secret.as_bytes(), &bytes);
            let mut backoff = FIRST_BACKOFF;
            loop {
                let post = client
                    .post(&hook.url)
                    .header("Content-Type", "application/json")
                    .header("X-Hub-Signature-256", &signature)
                    .body(bytes.clone())
                    .send();
                let answered = tokio::select! {
                    r = post => r,
                    _ = stop.wait_for(|s| *s) => return,
                };
                match answered {
                    Ok(r) if r.status().is_success() => break,
                    Ok(r) => {
                        tracing::debug!(status = %r.status(), url = %hook.url, "status webhook refused; retrying")
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, url = %hook.url, "status webhook failed; retrying")
                    }
                }
                shared.status_failures.fetch_add(1, Ordering::Relaxed);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            shared.status_pending.fetch_sub(1, Ordering::Relaxed);
            shared.status_delivered.fetch_add(1, Ordering::Relaxed);
            shared.status_changed.notify_waiters();
        }
    });
}

fn body(shared: &Shared, job: &Job, status: &str) -> Value {
    let config = &shared.config;
    let now = Utc::now().timestamp();
    let category = if job.template { "utility" } else { "service" };
    let mut conversation = json!({
        "id": format!("CONVERSATION{}", job.recipient),
        "origin": {"type": category},
    });
    // Meta tells when the conversation ends only on its first (sent) status.
    if status == "sent" {
        conversation["expiration_timestamp"] = json!((now + 24 * 3600).to_string());
    }
    let mut s = json!({
        "id": job.wamid,
        "status": status,
        "timestamp": now.to_string(),
        "recipient_id": job.recipient,
        "conversation": conversation,
        "pricing": {"billable": true, "pricing_model": "CBP", "category": category},
    });
    if let Some(b) = &job.biz_opaque {
        s["biz_opaque_callback_data"] = json!(b);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": config.waba_id,
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": config.display_phone_number,
                        "phone_number_id": job.phone_number_id,
                    },
                    "statuses": [s],
                },
                "field": "messages",
            }],
        }],
    })
}

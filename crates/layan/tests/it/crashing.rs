//! What the crash tests share: seeded randomness, a free port, the mock provider wired to
//! the binary's WhatsApp settings with short leases, and the kill itself.

use crate::binary::Server;
use provider_mock::{MockConfig, MockHandle, MockProvider, StatusWebhook};
use std::time::Duration;

pub const PHONE_NUMBER_ID: &str = "106540352242922";

/// Draws below `n` from the demo's deterministic generator, so a failing run can be replayed
/// from its printed seed.
pub fn below(rng: &mut demo::SplitMix64, n: u64) -> u64 {
    rng.next_u64() % n.max(1)
}

/// A seed from the clock, printed so a failure can be replayed.
pub fn seed(test: &str) -> u64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("{test} seed {seed}");
    seed
}

/// A port for a server that must keep its address across restarts (the mock provider posts
/// statuses to it). It is taken below the kernel's ephemeral range: a port the kernel handed
/// out (`bind` to port 0) could be handed out again, to any test's outgoing connection, in
/// the moment between this check and the server's own `bind`.
pub fn free_port() -> u16 {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (low, high) = (10_000u16, ephemeral_start.max(10_001));
    let start = seed_of_this_process() % u64::from(high - low);
    (0..u64::from(high - low))
        .map(|i| low + ((start + i) % u64::from(high - low)) as u16)
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// Differs between test processes and between calls, so parallel tests try different ports.
fn seed_of_this_process() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    demo::SplitMix64::new(nanos ^ (u64::from(std::process::id()) << 32)).next_u64()
}

/// A mock provider that fails `failure_rate` of valid sends and posts signed statuses to the
/// binary listening on `port`, and the environment pointing the binary's WhatsApp at it.
pub async fn provider(
    port: u16,
    app_secret: &str,
    failure_rate: f64,
    delivered: bool,
    seed: u64,
) -> (MockHandle, Vec<(&'static str, String)>) {
    let mock = MockProvider::start(MockConfig {
        status_webhook: Some(StatusWebhook {
            url: format!("http://127.0.0.1:{port}/webhooks/whatsapp"),
            app_secret: app_secret.into(),
            delivered,
        }),
        failure_rate,
        seed,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let env = vec![
        ("LAYAN_LISTEN", format!("127.0.0.1:{port}")),
        ("RUST_LOG", "warn".into()),
        ("LAYAN_WHATSAPP_APP_SECRET", app_secret.into()),
        ("LAYAN_WHATSAPP_VERIFY_TOKEN", "crash-verify".into()),
        (
            "LAYAN_WHATSAPP_ACCESS_TOKEN",
            mock.config().whatsapp_token.clone(),
        ),
        ("LAYAN_WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID.into()),
        ("LAYAN_WHATSAPP_API_BASE", mock.whatsapp_base()),
        // Short leases so sends cut off by a kill are taken over within seconds; the grace
        // leaves time for the provider's status (with our id) to settle them first.
        ("LAYAN_MESSAGING_LEASE_SECS", "2".into()),
        ("LAYAN_MESSAGING_IN_DOUBT_GRACE_SECS", "8".into()),
        ("LAYAN_MESSAGING_SEND_TIMEOUT_SECS", "3".into()),
    ];
    (mock, env)
}

/// SIGKILL after a random moment, then a restart after another.
pub async fn kill_and_restart(
    server: &mut Server,
    rng: &mut demo::SplitMix64,
    mock: &MockHandle,
    restart: impl FnOnce() -> Server,
) {
    tokio::time::sleep(Duration::from_millis(below(rng, 400))).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    eprintln!("killed after {} provider sends", mock.accepted_count());
    tokio::time::sleep(Duration::from_millis(100 + below(rng, 500))).await;
    *server = restart();
}

/// Every refusal was an injected failure, never a malformed request.
pub fn assert_only_injected_failures(mock: &MockHandle) {
    let refused: Vec<_> = mock
        .rejected()
        .into_iter()
        .filter(|r| {
            !r.rejection
                .as_deref()
                .unwrap_or("")
                .starts_with("random failure")
        })
        .take(3)
        .collect();
    assert!(refused.is_empty(), "the provider refused: {refused:#?}");
}

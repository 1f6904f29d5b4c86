//! A local stand-in for the send APIs of the WhatsApp Cloud API, the Telegram Bot API and
//! the Messenger Platform, for integration tests, crash tests and benchmarks.
//!
//! Every request is checked against the provider's documented body shape, headers and
//! limits, recorded, and answered the way the provider answers, errors included, so
//! `channels::classify` sees the same codes it would see in production. On top of that the
//! mock can misbehave on request: scripted faults per channel, a seeded random failure rate,
//! closed 24-hour windows, slow answers, and signed WhatsApp status webhooks that must be
//! retried.
//!
//! Base URLs: WhatsApp and Messenger `http://127.0.0.1:PORT/v21.0`, Telegram
//! `http://127.0.0.1:PORT`. `GET /_mock/stats` and `POST /_mock/reset` serve a benchmark
//! that runs the mock as a separate process.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

mod check;
mod config;
mod messenger;
mod server;
mod state;
mod status;
mod telegram;
mod whatsapp;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use channels::Channel;
pub use config::{Fault, MockConfig, StatusWebhook};
pub use state::{ChannelStats, Recorded, Stats};

use state::{index, Shared};

/// The Graph API version in the base URLs the mock hands out.
pub const GRAPH_VERSION: &str = "v21.0";

/// Starts mock providers.
pub struct MockProvider;

impl MockProvider {
    /// Serves the mock on 127.0.0.1 (`config.port`, 0 for any free port) in the background,
    /// until the last clone of the handle is dropped or [`MockHandle::shutdown`] is called.
    pub async fn start(config: MockConfig) -> std::io::Result<MockHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(MockHandle {
            inner: Arc::new(Inner {
                addr,
                shared,
                server: Mutex::new(Some(server)),
            }),
        })
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<()> {
    let mut stop = shared.shutdown.subscribe();
    axum::serve(listener, server::router(shared))
        .with_graceful_shutdown(async move {
            // An error means the sender is gone, which is a shutdown too.
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
}

/// Runs the mock as a process of its own (`layan bench mock-provider`) until Ctrl-C.
pub async fn run_standalone(addr: SocketAddr, config: MockConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config));
    tracing::info!(
        whatsapp = %format!("http://{local}/{GRAPH_VERSION}"),
        telegram = %format!("http://{local}"),
        messenger = %format!("http://{local}/{GRAPH_VERSION}"),
        "mock provider listening"
    );
    let stop = Arc::clone(&shared);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.shutdown.send_replace(true);
    });
    serve(listener, shared).await
}

/// Controls and inspects a running mock. Clones share the same mock.
#[derive(Clone)]
pub struct MockHandle {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Stops the server and abandons status posts still being retried.
        self.shared.shutdown.send_replace(true);
    }
}

impl MockHandle {
    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// `http://127.0.0.1:PORT/v21.0`
    pub fn whatsapp_base(&self) -> String {
        format!("http://{}/{GRAPH_VERSION}", self.inner.addr)
    }

    /// `http://127.0.0.1:PORT`
    pub fn telegram_base(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// `http://127.0.0.1:PORT/v21.0`
    pub fn messenger_base(&self) -> String {
        format!("http://{}/{GRAPH_VERSION}", self.inner.addr)
    }

    pub fn config(&self) -> &MockConfig {
        &self.shared().config
    }

    /// Appends a fault to `channel`'s script; the next message send on that channel gets
    /// the first fault still in the script.
    pub fn push_fault(&self, channel: Channel, fault: Fault) {
        self.shared().state().faults[index(channel)].push_back(fault);
    }

    pub fn push_faults(&self, channel: Channel, faults: impl IntoIterator<Item = Fault>) {
        self.shared().state().faults[index(channel)].extend(faults);
    }

    /// Scripted faults not yet used on `channel`.
    pub fn pending_faults(&self, channel: Channel) -> usize {
        self.shared().state().faults[index(channel)].len()
    }

    pub fn clear_faults(&self) {
        for f in &mut self.shared().state().faults {
            f.clear();
        }
    }

    /// Answers this fraction (0.0..=1.0) of valid requests with a provider 500, drawing from
    /// the configured seed.
    pub fn set_failure_rate(&self, rate: f64) {
        self.shared().state().failure_rate = rate.clamp(0.0, 1.0);
    }

    /// From now on free-form sends to `recipient` (a WhatsApp wa_id or a Messenger PSID) are
    /// refused as outside the 24-hour window; templates and tagged messages still go through.
    pub fn close_window(&self, recipient: &str) {
        let r = recipient.trim_start_matches('+').to_string();
        self.shared().state().closed.insert(r);
    }

    pub fn open_window(&self, recipient: &str) {
        self.shared()
            .state()
            .closed
            .remove(recipient.trim_start_matches('+'));
    }

    /// Every recorded request, in arrival order (accepted ones only with `record_bodies`).
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared().state().records.clone()
    }

    pub fn accepted(&self) -> Vec<Recorded> {
        self.filtered(|r| r.accepted)
    }

    pub fn rejected(&self) -> Vec<Recorded> {
        self.filtered(|r| !r.accepted)
    }

    fn filtered(&self, keep: impl Fn(&Recorded) -> bool) -> Vec<Recorded> {
        let st = self.shared().state();
        st.records.iter().filter(|r| keep(r)).cloned().collect()
    }

    /// Requests accepted since start or the last reset, on all channels (counted even
    /// without `record_bodies`).
    pub fn accepted_count(&self) -> u64 {
        self.shared().accepted_total()
    }

    /// Waits until at least `n` requests were accepted since start or the last reset;
    /// false when `timeout` passes first.
    pub async fn wait_for_accepted(&self, n: usize, timeout: Duration) -> bool {
        let shared = self.shared();
        wait_until(&shared.accepted_changed, timeout, || {
            shared.accepted_total() >= n as u64
        })
        .await
    }

    /// Status webhook posts not yet answered with a 2xx.
    pub fn pending_status_posts(&self) -> usize {
        self.shared().status_pending.load(Ordering::Relaxed)
    }

    /// Waits until no status webhook post is pending; false when `timeout` passes first.
    pub async fn wait_for_status_posts(&self, timeout: Duration) -> bool {
        let shared = self.shared();
        wait_until(&shared.status_changed, timeout, || {
            shared.status_pending.load(Ordering::Relaxed) == 0
        })
        .await
    }

    pub fn stats(&self) -> Stats {
        self.shared().stats()
    }

    /// Forgets recorded requests, counters, fault scripts and closed windows.
    pub fn reset(&self) {
        self.shared().reset();
    }

    /// Stops the server and waits for it; status posts still being retried are abandoned.
    pub async fn shutdown(self) {
        self.shared().shutdown.send_replace(true);
        let task = self
            .inner
            .server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// Polls `done` each time `notify` fires (and at least every 50 ms, so a wake-up lost
/// between the check and the wait costs a little latency, never a hang).
async fn wait_until(
    notify: &tokio::sync::Notify,
    timeout: Duration,
    done: impl Fn() -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = notify.notified();
        if done() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        let tick = deadline.min(tokio::time::Instant::now() + Duration::from_millis(50));
        let _ = tokio::time::timeout_at(tick, notified).await;
    }
}

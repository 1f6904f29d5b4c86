use crate::config::Config;
use crate::metrics::Metrics;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex};
use store::SharedStore;
use wilayah::TimeZone;

/// Where "now" comes from. Handlers never read the system clock directly, so tests can pin
/// the date (a REHAB deadline on the 28th, an office closing at 15:00 WITA).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays where it is set; for tests and demos of a given day.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub clock: Arc<dyn Clock>,
    /// The database was created as demo data: demo-only helpers (the outbox viewer) are on.
    pub demo: bool,
    pub rules: Arc<jkn::RulesConfig>,
    /// The chat channels' pipeline; `None` when no channel is configured.
    pub messaging: Option<crate::messaging::Messaging>,
    /// This node's name in its leases (see `node`).
    pub node: Arc<crate::node::NodeName>,
    /// The dashboards' live queues, read once for all viewers of a scope.
    pub(crate) queues: Arc<crate::console::dashboard::SharedQueues>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's calendar date in a time zone: dues, deadlines and status are per local day.
    pub fn today_in(&self, tz: TimeZone) -> NaiveDate {
        directory::hours::local_date(self.now(), tz)
    }

    /// Today's date for a participant living in `district_code`.
    pub fn today_for_district(&self, district_code: u32) -> NaiveDate {
        local_today(self.now(), district_code)
    }
}

/// The calendar date at `now` in the time zone of a district.
pub fn local_today(now: DateTime<Utc>, district_code: u32) -> NaiveDate {
    let tz = wilayah::timezone_of_district(district_code).unwrap_or(TimeZone::Wib);
    directory::hours::local_date(now, tz)
}

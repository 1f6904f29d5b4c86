//! A demo database (built once, copied per test), the engine over it, and a participant
//! chatting at a fixed moment. Every reply is checked against the channel limits.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use demo::Persona;
use dialog::message::{MAX_BUTTONS, MAX_LIST_ROWS, MAX_TEXT};
use dialog::{DialogConfig, Engine, Inbound, Message, Sender, StoreData};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use store::{Participant, SharedStore};
use store_sqlite::SqliteStore;

/// The demo's "today".
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// Monday 23 November 2026, 10:00 WIB: branch offices are open.
pub fn monday_10_wib() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()
}

/// Builds the demo database once per test binary; each test copies the file.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let dir = tempfile::tempdir().unwrap().keep();
            let path = dir.join("template.db");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let store = SqliteStore::open(&path).unwrap();
                let config = demo::DemoConfig {
                    participants: 60,
                    seed: 7,
                    as_of: as_of(),
                };
                demo::load(&store, &config, |_| {}).await.unwrap();
            });
            path
        })
        .join()
        .unwrap()
    })
}

pub struct World {
    dir: tempfile::TempDir,
    pub store: SharedStore,
    pub engine: Arc<Engine>,
}

impl World {
    pub async fn demo() -> World {
        let dir = tempfile::tempdir().unwrap();
        let from = template();
        for suffix in ["", "-wal", "-shm"] {
            let src = PathBuf::from(format!("{}{suffix}", from.display()));
            if src.exists() {
                std::fs::copy(&src, dir.path().join(format!("layan.db{suffix}"))).unwrap();
            }
        }
        let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("layan.db")).unwrap());
        let engine = engine_over(store.clone());
        World { dir, store, engine }
    }

    /// A restart: the database is reopened and a new engine built over it.
    pub async fn restart(&mut self) {
        let store: SharedStore =
            Arc::new(SqliteStore::open(&self.dir.path().join("layan.db")).unwrap());
        self.engine = engine_over(store.clone());
        self.store = store;
    }

    pub fn chat(&self, who: &str) -> Chat {
        Chat {
            sender: Sender {
                channel: "test".into(),
                id: who.into(),
                verified_phone: None,
            },
            now: monday_10_wib(),
            log: Vec::new(),
        }
    }

    pub async fn head(&self, persona: Persona) -> Participant {
        self.store
            .participant(persona.head_id())
            .await
            .unwrap()
            .unwrap()
    }
}

fn engine_over(store: SharedStore) -> Arc<Engine> {
    Arc::new(
        Engine::new(
            Arc::new(StoreData::new(store)),
            Arc::new(jkn::RulesConfig::default()),
            DialogConfig::default(),
        )
        .unwrap(),
    )
}

/// One participant's side of a conversation.
pub struct Chat {
    pub sender: Sender,
    pub now: DateTime<Utc>,
    /// Everything said so far, for failure messages.
    pub log: Vec<String>,
}

impl Chat {
    pub async fn send(&mut self, world: &World, inbound: Inbound) -> Replies {
        self.log.push(format!("> {inbound:?}"));
        let out = world
            .engine
            .handle(&self.sender, inbound, self.now)
            .await
            .unwrap();
        for m in &out {
            check_limits(m);
            self.log.push(format!("< {}", m.body()));
        }
        // Time passes between messages, as it does for a person typing.
        self.now += Duration::seconds(20);
        Replies(out)
    }

    pub async fn say(&mut self, world: &World, text: &str) -> Replies {
        self.send(world, Inbound::text(text)).await
    }

    /// A turn cut off by a crash: the assistant decides its answer (and whatever a flow wrote
    /// on the way), but the conversation state and the replies are never committed, so the
    /// same message is handled again after the restart.
    pub async fn send_then_crash(&mut self, world: &World, inbound: Inbound) -> Replies {
        self.log
            .push(format!("> {inbound:?} (crashed before the turn committed)"));
        let decided = world
            .engine
            .decide(&self.sender, inbound, self.now)
            .await
            .unwrap();
        for m in &decided.messages {
            self.log.push(format!("< (lost) {}", m.body()));
        }
        self.now += Duration::seconds(20);
        Replies(decided.messages)
    }

    pub async fn tap(&mut self, world: &World, id: &str) -> Replies {
        self.send(world, Inbound::choice(id)).await
    }

    pub async fn share_location(&mut self, world: &World, lat: f64, lon: f64) -> Replies {
        self.send(
            world,
            Inbound::Location {
                latitude: lat,
                longitude: lon,
            },
        )
        .await
    }

    /// Sends NIK and birth date in one message and checks that verification worked.
    pub async fn verify(&mut self, world: &World, p: &Participant) -> Replies {
        let r = self
            .say(
                world,
                &format!("{} {}", p.nik.expose(), p.birth_date.format("%d-%m-%Y")),
            )
            .await;
        assert!(r.has("terverifikasi"), "{}", self.transcript());
        r
    }

    pub fn transcript(&self) -> String {
        self.log.join("\n")
    }
}

/// Every message fits the strictest channel (WhatsApp) and a phone screen.
fn check_limits(m: &Message) {
    assert!(
        m.body().chars().count() <= MAX_TEXT,
        "message too long ({} chars): {}",
        m.body().chars().count(),
        m.body()
    );
    match m {
        Message::Text { buttons, .. } => {
            assert!(buttons.len() <= MAX_BUTTONS);
            // Button titles are the catalogue's own words: written to fit, never clipped.
            for b in buttons {
                assert!(
                    !b.title.ends_with('…'),
                    "a button title clipped: {}",
                    b.title
                );
            }
        }
        Message::List { rows, .. } => {
            assert!(!rows.is_empty() && rows.len() <= MAX_LIST_ROWS)
        }
        _ => {}
    }
}

/// The assistant's answer to one message.
#[derive(Debug)]
pub struct Replies(pub Vec<Message>);

impl Replies {
    /// All the text, joined.
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(Message::body)
            .collect::<Vec<_>>()
            .join("\n---\n")
    }

    pub fn has(&self, needle: &str) -> bool {
        self.text().to_lowercase().contains(&needle.to_lowercase())
    }

    /// Every option offered (buttons and list rows), as (id, title).
    pub fn options(&self) -> Vec<(String, String)> {
        self.0.iter().flat_map(Message::options).collect()
    }

    pub fn offers(&self, id: &str) -> bool {
        self.options().iter().any(|(i, _)| i == id)
    }

    pub fn pins(&self) -> Vec<(f64, f64, String)> {
        self.0
            .iter()
            .filter_map(|m| match m {
                Message::Location {
                    latitude,
                    longitude,
                    name,
                    ..
                } => Some((*latitude, *longitude, name.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn asks_for_location(&self) -> bool {
        self.0
            .iter()
            .any(|m| matches!(m, Message::LocationRequest { .. }))
    }
}

//! Understanding what JKN participants write: normalisation of colloquial Indonesian, intent
//! classification with out-of-scope detection, and entity extraction.
//!
//! No I/O at inference time: the lexicons, place names and the trained model are embedded in
//! the binary. The model is trained from the labelled corpus in `corpus/` by
//! [`cli::train`] and committed as `model/intent.bin`; a test checks that it is up to date
//! with the corpus and another that retraining gives the same bytes.
//!
//! ```
//! use chrono::NaiveDate;
//! let nlu = nlu::Nlu::shipped().expect("embedded model");
//! let today = NaiveDate::from_ymd_opt(2025, 6, 18).unwrap();
//! let a = nlu.analyze("nunggak 5 bln totalnya brp", today);
//! assert_eq!(a.intent, nlu::Intent::Tagihan);
//! assert_eq!(a.entities[0].value, nlu::EntityValue::MonthCount(5));
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::todo)
)]

pub mod cli;
pub mod corpus;
pub mod entities;
pub mod eval;
pub mod features;
mod hash;
pub mod intent;
mod lexicon;
pub mod model;
pub mod normalize;

pub use entities::{Entity, EntityValue, Relation};
pub use eval::EvalReport;
pub use intent::Intent;
pub use model::{Model, ModelError, TrainConfig};
pub use normalize::{normalize, Normalized};

use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::LazyLock;
use thiserror::Error;

/// The model trained from `corpus/`, embedded at build time.
const SHIPPED_MODEL: &[u8] = include_bytes!("../model/intent.bin");

static SHIPPED: LazyLock<Result<Nlu, ModelError>> =
    LazyLock::new(|| Nlu::from_bytes(SHIPPED_MODEL));

/// Errors of the corpus tools (the runtime path cannot fail once a model is loaded).
#[derive(Debug, Error)]
pub enum NluError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Corpus {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("corpus {0} has no examples")]
    EmptyCorpus(PathBuf),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// What one message means.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The normalised text the classifier saw.
    pub normalized: String,
    pub intent: Intent,
    /// Calibrated probability of `intent` (for an out-of-scope fallback: one minus the
    /// probability of the best in-scope intent).
    pub confidence: f32,
    /// The next most likely intents, best first (at most three).
    pub alternatives: Vec<(Intent, f32)>,
    /// Entities with char spans into the original text, sorted by position.
    pub entities: Vec<Entity>,
}

/// The classifier with its calibration; cheap to share (`&'static` via [`Nlu::shipped`]).
#[derive(Debug, Clone)]
pub struct Nlu {
    model: Model,
}

impl Nlu {
    /// The model shipped in the binary, loaded once.
    pub fn shipped() -> Result<&'static Nlu, ModelError> {
        SHIPPED.as_ref().map_err(Clone::clone)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Nlu, ModelError> {
        Ok(Nlu {
            model: Model::from_bytes(bytes)?,
        })
    }

    pub fn from_model(model: Model) -> Nlu {
        Nlu { model }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Normalises, extracts entities and classifies one message. `today` resolves relative
    /// dates ("kemarin", "tgl 5"); the clock is never read.
    pub fn analyze(&self, text: &str, today: NaiveDate) -> Analysis {
        let norm = normalize(text);
        let entities = entities::extract(&norm, today);
        let mut feats = Vec::with_capacity(256);
        let (intent, confidence, alternatives) =
            self.classify_prepared(&norm, &entities, &mut feats);
        Analysis {
            normalized: norm.into_text(),
            intent,
            confidence,
            alternatives,
            entities,
        }
    }

    /// Classification of an already normalised message, reusing a feature buffer.
    pub(crate) fn classify_prepared(
        &self,
        norm: &Normalized,
        entities: &[Entity],
        feats: &mut Vec<(u32, f32)>,
    ) -> (Intent, f32, Vec<(Intent, f32)>) {
        if norm.is_empty() {
            // Nothing but punctuation or unknown symbols: there is nothing to understand.
            return (Intent::TidakDikenal, 1.0, Vec::new());
        }
        features::extract(norm, entities, feats);
        let p = self.model.probabilities(feats);
        let (intent, confidence) = model::decide(&p, self.model.threshold);
        let mut ranked: Vec<(Intent, f32)> = Intent::ALL
            .into_iter()
            .map(|i| (i, p[i.index()]))
            .filter(|(i, _)| *i != intent)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(3);
        (intent, confidence, ranked)
    }

    /// Intent and confidence only.
    pub fn classify(&self, text: &str) -> (Intent, f32) {
        let norm = normalize(text);
        let entities = entities::extract(&norm, fixed_today());
        let mut feats = Vec::with_capacity(256);
        let (i, c, _) = self.classify_prepared(&norm, &entities, &mut feats);
        (i, c)
    }
}

/// A fixed date for work where the date cannot matter (training, classification without
/// entities): entity kinds, which the classifier sees, do not depend on it.
pub(crate) fn fixed_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default()
}

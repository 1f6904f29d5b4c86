//! Multinomial logistic regression over hashed features, trained with plain SGD, calibrated
//! with temperature scaling, and stored compactly.
//!
//! Training is deterministic: examples are visited in an order shuffled by a fixed-seed
//! SplitMix64, and floating-point operations happen in a fixed order (Rust does not reorder
//! or fuse float arithmetic), so the same corpus gives the same bytes in debug and release.
//!
//! Stored format (little endian), version 1:
//! ```text
//! magic "LAYANNLU" | u32 version | u32 dim_bits | u32 classes | f32 scale | f32 temperature
//! | f32 threshold | u64 corpus fingerprint | u32 config length, config (UTF-8, informative)
//! | classes × (u8 length, intent code) | u32 rows | rows × (u32 bucket, classes × i16)
//! ```
//! Only buckets with a non-zero weight are stored. Weights are quantised to i16 with one scale
//! for the whole model; in memory each bucket is one 64-byte row (32 lanes, 23 used) so scoring
//! a feature touches a single cache line.

use crate::features::{DIM, DIM_BITS};
use crate::intent::Intent;
use thiserror::Error;

pub const CLASSES: usize = Intent::ALL.len();
const LANES: usize = 32;
const MAGIC: &[u8; 8] = b"LAYANNLU";
const VERSION: u32 = 1;

/// Why a model file cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("model file is not a Layan NLU model (bad magic)")]
    BadMagic,
    #[error("model file version {0} is not supported")]
    Version(u32),
    #[error("model file was built for {found} hash bits, this code uses {expected}")]
    Dimensions { expected: u32, found: u32 },
    #[error("model file lists intents {found:?}, this code has {expected:?}")]
    Intents {
        expected: Vec<String>,
        found: Vec<String>,
    },
    #[error("model file is truncated or corrupt at byte {0}")]
    Truncated(usize),
}

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Row([i16; LANES]);

/// A trained, quantised, calibrated classifier.
#[derive(Clone)]
pub struct Model {
    rows: Vec<Row>,
    scale: f32,
    pub(crate) temperature: f32,
    pub(crate) threshold: f32,
    pub(crate) fingerprint: u64,
    pub(crate) config: String,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("temperature", &self.temperature)
            .field("threshold", &self.threshold)
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint))
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Training hyper-parameters. The defaults were chosen on the dev split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub epochs: u32,
    pub learning_rate: f32,
    /// L2 penalty applied to the weights a step touches.
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 40,
            learning_rate: 1.0,
            l2: 3e-4,
            seed: 0x4c41_5941_4e00_0001,
        }
    }
}

impl std::fmt::Display for TrainConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "epochs={} lr={} l2={} seed={:#x} dim_bits={}",
            self.epochs, self.learning_rate, self.l2, self.seed, DIM_BITS
        )
    }
}

/// One training example: its class and its features.
pub struct Example {
    pub intent: Intent,
    pub features: Vec<(u32, f32)>,
}

/// SplitMix64: a tiny, well-mixed generator; enough for shuffling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn softmax_in_place(x: &mut [f32; CLASSES]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    if sum > 0.0 {
        for v in x.iter_mut() {
            *v /= sum;
        }
    }
}

/// Dense float weights during training: `DIM × CLASSES`.
pub(crate) struct Dense {
    w: Vec<f32>,
}

impl Dense {
    fn logits(&self, feats: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut out = [0.0f32; CLASSES];
        for &(j, v) in feats {
            let row = &self.w[j as usize * CLASSES..(j as usize + 1) * CLASSES];
            for (o, w) in out.iter_mut().zip(row) {
                *o += v * w;
            }
        }
        out
    }
}

/// Trains the weights. Deterministic for a given corpus order and config.
pub(crate) fn train(examples: &[Example], config: &TrainConfig) -> Dense {
    let mut dense = Dense {
        w: vec![0.0; DIM * CLASSES],
    };
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = SplitMix(config.seed);
    let total = (config.epochs as usize * examples.len()).max(1) as f32;
    let mut step = 0usize;
    for _ in 0..config.epochs {
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        for &k in &order {
            let ex = &examples[k];
            // Linear decay to a tenth of the initial rate.
            let lr = config.learning_rate * (1.0 - 0.9 * step as f32 / total);
            step += 1;
            let mut p = dense.logits(&ex.features);
            softmax_in_place(&mut p);
            p[ex.intent.index()] -= 1.0;
            for &(j, v) in &ex.features {
                let row = &mut dense.w[j as usize * CLASSES..(j as usize + 1) * CLASSES];
                for (w, g) in row.iter_mut().zip(p.iter()) {
                    *w -= lr * (g * v + config.l2 * *w);
                }
            }
        }
    }
    dense
}

impl Model {
    /// Quantises trained weights into a model (calibration is set afterwards).
    pub(crate) fn from_dense(dense: &Dense, fingerprint: u64, config: String) -> Model {
        let max = dense.w.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut rows = vec![Row([0; LANES]); DIM];
        for (j, row) in rows.iter_mut().enumerate() {
            for c in 0..CLASSES {
                let q = (dense.w[j * CLASSES + c] / scale).round();
                row.0[c] = q.clamp(-32767.0, 32767.0) as i16;
            }
        }
        Model {
            rows,
            scale,
            temperature: 1.0,
            threshold: 0.0,
            fingerprint,
            config,
        }
    }

    /// Raw scores, one per intent.
    pub fn logits(&self, feats: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut acc = [0.0f32; LANES];
        for &(j, v) in feats {
            if let Some(row) = self.rows.get(j as usize) {
                for (a, w) in acc.iter_mut().zip(row.0.iter()) {
                    *a += v * f32::from(*w);
                }
            }
        }
        let mut out = [0.0f32; CLASSES];
        for (o, a) in out.iter_mut().zip(acc.iter()) {
            *o = a * self.scale;
        }
        out
    }

    /// Probabilities at a given temperature.
    pub fn probabilities_at(&self, feats: &[(u32, f32)], temperature: f32) -> [f32; CLASSES] {
        let mut l = self.logits(feats);
        let t = if temperature > 0.0 { temperature } else { 1.0 };
        for v in l.iter_mut() {
            *v /= t;
        }
        softmax_in_place(&mut l);
        l
    }

    /// Calibrated probabilities, one per intent.
    pub fn probabilities(&self, feats: &[(u32, f32)]) -> [f32; CLASSES] {
        self.probabilities_at(feats, self.temperature)
    }

    /// The temperature fitted on the dev split.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Below this calibrated probability the top in-scope intent is not trusted and the
    /// message is treated as out of scope.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Fingerprint of the training corpus the model was built from.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Bytes held by the weights in memory.
    pub fn weight_bytes(&self) -> usize {
        self.rows.len() * std::mem::size_of::<Row>()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&DIM_BITS.to_le_bytes());
        b.extend_from_slice(&(CLASSES as u32).to_le_bytes());
        b.extend_from_slice(&self.scale.to_le_bytes());
        b.extend_from_slice(&self.temperature.to_le_bytes());
        b.extend_from_slice(&self.threshold.to_le_bytes());
        b.extend_from_slice(&self.fingerprint.to_le_bytes());
        b.extend_from_slice(&(self.config.len() as u32).to_le_bytes());
        b.extend_from_slice(self.config.as_bytes());
        for intent in Intent::ALL {
            let code = intent.code().as_bytes();
            b.push(code.len() as u8);
            b.extend_from_slice(code);
        }
        let nonzero: Vec<usize> = (0..self.rows.len())
            .filter(|&j| self.rows[j].0.iter().any(|w| *w != 0))
            .collect();
        b.extend_from_slice(&(nonzero.len() as u32).to_le_bytes());
        for j in nonzero {
            b.extend_from_slice(&(j as u32).to_le_bytes());
            for w in &self.rows[j].0[..CLASSES] {
                b.extend_from_slice(&w.to_le_bytes());
            }
        }
        b
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(ModelError::Version(version));
        }
        let bits = r.u32()?;
        if bits != DIM_BITS {
            return Err(ModelError::Dimensions {
                expected: DIM_BITS,
                found: bits,
            });
        }
        let classes = r.u32()? as usize;
        let scale = r.f32()?;
        let temperature = r.f32()?;
        let threshold = r.f32()?;
        let fingerprint = r.u64()?;
        let config_len = r.u32()? as usize;
        let config = String::from_utf8_lossy(r.take(config_len)?).into_owned();
        let mut codes = Vec::with_capacity(classes);
        for _ in 0..classes {
            let n = r.take(1)?[0] as usize;
            codes.push(String::from_utf8_lossy(r.take(n)?).into_owned());
        }
        let expected: Vec<String> = Intent::ALL.iter().map(|i| i.code().to_string()).collect();
        if codes != expected {
            return Err(ModelError::Intents {
                expected,
                found: codes,
            });
        }
        let count = r.u32()? as usize;
        let mut rows = vec![Row([0; LANES]); DIM];
        for _ in 0..count {
            let at = r.at;
            let j = r.u32()? as usize;
            let row = rows.get_mut(j).ok_or(ModelError::Truncated(at))?;
            for c in 0..CLASSES {
                row.0[c] = r.i16()?;
            }
        }
        if r.at != bytes.len() {
            return Err(ModelError::Truncated(r.at));
        }
        Ok(Model {
            rows,
            scale,
            temperature,
            threshold,
            fingerprint,
            config,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        let s = self
            .b
            .get(self.at..self.at + n)
            .ok_or(ModelError::Truncated(self.at))?;
        self.at += n;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let at = self.at;
        self.take(N)?
            .try_into()
            .map_err(|_| ModelError::Truncated(at))
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.arr()?))
    }
    fn i16(&mut self) -> Result<i16, ModelError> {
        Ok(i16::from_le_bytes(self.arr()?))
    }
}

/// Fits the temperature on held-out examples by minimising their negative log-likelihood over
/// a fixed grid (deterministic, and smooth enough for one parameter).
pub(crate) fn fit_temperature(model: &Model, dev: &[Example]) -> f32 {
    let logits: Vec<([f32; CLASSES], usize)> = dev
        .iter()
        .map(|e| (model.logits(&e.features), e.intent.index()))
        .collect();
    let mut best = (f64::INFINITY, 1.0f32);
    for step in 0..=150 {
        let t = 0.1 + step as f32 * 0.02;
        let mut nll = 0.0f64;
        for (l, y) in &logits {
            let mut p = *l;
            for v in p.iter_mut() {
                *v /= t;
            }
            softmax_in_place(&mut p);
            nll -= f64::from(p[*y].max(1e-9)).ln();
        }
        if nll < best.0 {
            best = (nll, t);
        }
    }
    best.1
}

/// The decision rule shared by the runtime and the threshold search: the top intent, unless
/// it is in scope with a probability under the threshold.
pub(crate) fn decide(p: &[f32; CLASSES], threshold: f32) -> (Intent, f32) {
    let mut top = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[top] {
            top = i;
        }
    }
    let intent = Intent::from_index(top).unwrap_or(Intent::TidakDikenal);
    if intent != Intent::TidakDikenal && p[top] < threshold {
        (Intent::TidakDikenal, 1.0 - p[top])
    } else {
        (intent, p[top])
    }
}

/// Picks the out-of-scope threshold that maximises dev accuracy; ties go to the higher
/// out-of-scope recall, then to the lower threshold.
pub(crate) fn fit_threshold(model: &Model, dev: &[Example]) -> f32 {
    let probs: Vec<([f32; CLASSES], Intent)> = dev
        .iter()
        .map(|e| (model.probabilities(&e.features), e.intent))
        .collect();
    let mut best = (0usize, 0usize, 0.0f32);
    for step in 0..=80 {
        let t = step as f32 * 0.01;
        let mut correct = 0;
        let mut oos_hits = 0;
        for (p, gold) in &probs {
            let (pred, _) = decide(p, t);
            if pred == *gold {
                correct += 1;
                if gold.is_out_of_scope() {
                    oos_hits += 1;
                }
            }
        }
        if (correct, oos_hits) > (best.0, best.1) {
            best = (correct, oos_hits, t);
        }
    }
    best.2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<Example> {
        let ex = |intent: Intent, feats: &[u32]| Example {
            intent,
            features: feats.iter().map(|&f| (f, 1.0)).collect(),
        };
        vec![
            ex(Intent::Salam, &[1, 2]),
            ex(Intent::Salam, &[1, 3]),
            ex(Intent::Tagihan, &[10, 11]),
            ex(Intent::Tagihan, &[10, 12]),
            ex(Intent::TidakDikenal, &[20, 21]),
        ]
    }

    #[test]
    fn training_separates_a_toy_problem_and_is_repeatable() {
        let cfg = TrainConfig::default();
        let a = Model::from_dense(&train(&toy(), &cfg), 7, cfg.to_string());
        let b = Model::from_dense(&train(&toy(), &cfg), 7, cfg.to_string());
        assert_eq!(a.to_bytes(), b.to_bytes());
        let (intent, p) = decide(&a.probabilities(&[(1, 1.0)]), 0.0);
        assert_eq!(intent, Intent::Salam);
        assert!(p > 0.5);
        let (intent, _) = decide(&a.probabilities(&[(10, 1.0)]), 0.0);
        assert_eq!(intent, Intent::Tagihan);
    }

    #[test]
    fn a_model_survives_its_own_bytes_and_rejects_garbage() {
        let cfg = TrainConfig::default();
        let mut m = Model::from_dense(&train(&toy(), &cfg), 7, cfg.to_string());
        m.temperature = 1.5;
        m.threshold = 0.25;
        let bytes = m.to_bytes();
        let again = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.to_bytes(), bytes);
        assert_eq!(again.temperature(), 1.5);
        assert_eq!(
            Model::from_bytes(b"nonsense").err(),
            Some(ModelError::BadMagic)
        );
        assert!(matches!(
            Model::from_bytes(&bytes[..bytes.len() - 3]),
            Err(ModelError::Truncated(_))
        ));
    }

    #[test]
    fn a_weak_in_scope_guess_falls_back_to_out_of_scope() {
        let mut p = [0.0f32; CLASSES];
        p[Intent::Tagihan.index()] = 0.3;
        p[Intent::CaraBayar.index()] = 0.25;
        p[Intent::TidakDikenal.index()] = 0.2;
        assert_eq!(decide(&p, 0.4).0, Intent::TidakDikenal);
        assert_eq!(decide(&p, 0.2).0, Intent::Tagihan);
    }
}

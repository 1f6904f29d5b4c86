//! Entry points for the `layan` binary's NLU subcommands (the binary wires them to its CLI).

use crate::corpus::{self, Labelled};
use crate::entities;
use crate::eval::EvalReport;
use crate::model::{self, Example, Model, TrainConfig};
use crate::normalize::normalize;
use crate::{features, fixed_today, Nlu, NluError};
use chrono::NaiveDate;
use serde_json::json;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// One message per input line, one JSON object per output line:
/// `{"text","normalized","intent","confidence","alternatives":[{"intent","confidence"}],
/// "entities":[{"kind","value","start","end"}]}` with `start`/`end` in chars of `text`.
/// Blank lines are skipped. Fails only on I/O errors or if the shipped model is unusable.
pub fn classify(input: impl BufRead, mut output: impl Write, today: NaiveDate) -> io::Result<()> {
    let nlu = Nlu::shipped().map_err(io::Error::other)?;
    for line in input.lines() {
        let line = line?;
        let text = line.trim_end_matches('\r');
        if text.trim().is_empty() {
            continue;
        }
        let a = nlu.analyze(text, today);
        let value = json!({
            "text": text,
            "normalized": a.normalized,
            "intent": a.intent.code(),
            "confidence": round3(a.confidence),
            "alternatives": a.alternatives.iter().map(|(i, p)| json!({
                "intent": i.code(),
                "confidence": round3(*p),
            })).collect::<Vec<_>>(),
            "entities": a.entities.iter().map(|e| json!({
                "kind": e.kind(),
                "value": e.value.to_json(),
                "start": e.start,
                "end": e.end,
            })).collect::<Vec<_>>(),
        });
        serde_json::to_writer(&mut output, &value)?;
        output.write_all(b"\n")?;
    }
    output.flush()
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

/// Evaluates the shipped model on a TSV split and prints the report.
pub fn eval(path: &Path, out: impl Write) -> Result<EvalReport, NluError> {
    let nlu = Nlu::shipped()?;
    eval_with(nlu, path, out)
}

/// Evaluates a given model on a TSV split and prints the report.
pub fn eval_with(nlu: &Nlu, path: &Path, mut out: impl Write) -> Result<EvalReport, NluError> {
    let items = corpus::load(path)?;
    if items.is_empty() {
        return Err(NluError::EmptyCorpus(path.to_path_buf()));
    }
    let report = evaluate(nlu, &items);
    writeln!(out, "evaluation of {}", path.display())?;
    report.write_to(&mut out, 40)?;
    Ok(report)
}

/// Scores a classifier on labelled messages.
pub fn evaluate(nlu: &Nlu, items: &[Labelled]) -> EvalReport {
    let predictions: Vec<_> = items
        .iter()
        .map(|l| (l.intent, nlu.classify(&l.text).0, l.text.clone()))
        .collect();
    EvalReport::from_predictions(&predictions)
}

/// What a training run did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub train_examples: usize,
    pub dev_examples: usize,
    pub temperature: f32,
    pub threshold: f32,
    pub dev: EvalReport,
    pub model_bytes: usize,
    pub duration: Duration,
}

fn examples(items: &[Labelled]) -> Vec<Example> {
    let today = fixed_today();
    items
        .iter()
        .map(|l| {
            let norm = normalize(&l.text);
            let ents = entities::extract(&norm, today);
            let mut feats = Vec::new();
            features::extract(&norm, &ents, &mut feats);
            Example {
                intent: l.intent,
                features: feats,
            }
        })
        .collect()
}

/// Trains from `corpus_dir/train.tsv`, calibrates on `corpus_dir/dev.tsv` (temperature and
/// out-of-scope threshold) and returns the model; nothing is written.
pub fn train_model(
    corpus_dir: &Path,
    config: &TrainConfig,
) -> Result<(Model, TrainReport), NluError> {
    let started = Instant::now();
    let read = |name: &str| {
        let path = corpus_dir.join(name);
        std::fs::read_to_string(&path)
            .map_err(|source| NluError::Io {
                path: path.clone(),
                source,
            })
            .map(|t| (t, path))
    };
    let (train_text, train_path) = read("train.tsv")?;
    let (dev_text, dev_path) = read("dev.tsv")?;
    let train_items = corpus::parse(&train_text, &train_path)?;
    let dev_items = corpus::parse(&dev_text, &dev_path)?;
    if train_items.is_empty() {
        return Err(NluError::EmptyCorpus(train_path));
    }
    if dev_items.is_empty() {
        return Err(NluError::EmptyCorpus(dev_path));
    }
    let train_ex = examples(&train_items);
    let dev_ex = examples(&dev_items);
    let dense = model::train(&train_ex, config);
    let mut m = Model::from_dense(
        &dense,
        corpus::fingerprint(&train_text, &dev_text),
        config.to_string(),
    );
    m.temperature = model::fit_temperature(&m, &dev_ex);
    m.threshold = model::fit_threshold(&m, &dev_ex);
    let nlu = Nlu::from_model(m.clone());
    let dev = evaluate(&nlu, &dev_items);
    let report = TrainReport {
        train_examples: train_items.len(),
        dev_examples: dev_items.len(),
        temperature: m.temperature,
        threshold: m.threshold,
        dev,
        model_bytes: m.to_bytes().len(),
        duration: started.elapsed(),
    };
    Ok((m, report))
}

/// Trains with the default configuration, writes the model to `model_out` and prints a
/// summary with the dev-split scores.
pub fn train(
    corpus_dir: &Path,
    model_out: &Path,
    mut out: impl Write,
) -> Result<TrainReport, NluError> {
    let config = TrainConfig::default();
    let (m, report) = train_model(corpus_dir, &config)?;
    std::fs::write(model_out, m.to_bytes()).map_err(|source| NluError::Io {
        path: model_out.to_path_buf(),
        source,
    })?;
    writeln!(
        out,
        "trained on {} messages ({config})",
        report.train_examples
    )?;
    writeln!(
        out,
        "calibrated on {} dev messages: temperature {:.2}, out-of-scope threshold {:.2}",
        report.dev_examples, report.temperature, report.threshold
    )?;
    writeln!(
        out,
        "wrote {} ({} bytes) in {:.2} s",
        model_out.display(),
        report.model_bytes,
        report.duration.as_secs_f64()
    )?;
    writeln!(out, "dev split:")?;
    report.dev.write_to(&mut out, 30)?;
    Ok(report)
}

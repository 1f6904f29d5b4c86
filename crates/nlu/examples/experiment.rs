//! Development aid: how well would a model trained now generalise? Without writing the model.
//!
//! `cargo run --release -p nlu --example experiment [-- --errors] [--epochs=N --lr=X --l2=X]
//! [FILE.tsv ...]`
//!
//! - trains on `train.tsv`, calibrates on `dev.tsv` and reports dev (what training reports);
//! - k-fold cross-validation on `train.tsv` (each fold trained on the rest, calibrated on dev,
//!   scored on the held-out fold): an estimate of generalisation that uses neither the test nor
//!   the challenge split, so corpus and feature changes can be judged without looking at them;
//! - with `--errors`, lists every cross-validation and dev error with its runner-up;
//! - extra files are scored only when named (the test and challenge splits are for final
//!   measurement, not for choosing changes).

use nlu::cli::{evaluate, train_model};
use nlu::corpus::{self, Labelled};
use nlu::{EvalReport, Nlu, TrainConfig};
use std::path::{Path, PathBuf};

const FOLDS: usize = 5;

fn write_split(path: &Path, items: &[&Labelled]) -> std::io::Result<()> {
    let mut s = String::new();
    for l in items {
        s.push_str(l.intent.code());
        s.push('\t');
        s.push_str(&l.text);
        s.push('\n');
    }
    std::fs::write(path, s)
}

fn line(name: &str, r: &EvalReport) {
    println!(
        "{name:<12} n={:>5} acc {:6.2}%  macroF1 {:6.2}%  OOS P {:6.2}% R {:6.2}%",
        r.total,
        r.accuracy * 100.0,
        r.macro_f1 * 100.0,
        r.oos_precision * 100.0,
        r.oos_recall * 100.0
    );
}

fn show_errors(nlu: &Nlu, items: &[Labelled]) {
    for l in items {
        let a = nlu.analyze(&l.text, chrono::NaiveDate::default());
        if a.intent != l.intent {
            let alt = a
                .alternatives
                .first()
                .map(|(i, p)| format!("{i} {p:.2}"))
                .unwrap_or_default();
            println!(
                "  {} -> {} {:.2} ({alt}): {}   [{}]",
                l.intent, a.intent, a.confidence, l.text, a.normalized
            );
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let errors = args.iter().any(|a| a == "--errors");
    let files: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let arg = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name))
            .and_then(|v| v.parse::<f32>().ok())
    };
    let base = TrainConfig::default();
    let config = TrainConfig {
        epochs: arg("--epochs=").map_or(base.epochs, |v| v as u32),
        learning_rate: arg("--lr=").unwrap_or(base.learning_rate),
        l2: arg("--l2=").unwrap_or(base.l2),
        ..base
    };
    println!("config: {config}");

    let (model, report) = train_model(&dir, &config)?;
    println!(
        "full model: {} train, T {:.2}, threshold {:.2}",
        report.train_examples, report.temperature, report.threshold
    );
    line("dev", &report.dev);
    let full = Nlu::from_model(model);
    if errors {
        show_errors(&full, &corpus::load(&dir.join("dev.tsv"))?);
    }

    let train = corpus::load(&dir.join("train.tsv"))?;
    let dev_text = std::fs::read_to_string(dir.join("dev.tsv"))?;
    let tmp = std::env::temp_dir().join(format!("nlu-cv-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    std::fs::write(tmp.join("dev.tsv"), &dev_text)?;
    let mut predictions = Vec::new();
    for fold in 0..FOLDS {
        let rest: Vec<&Labelled> = train
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS != fold)
            .map(|(_, l)| l)
            .collect();
        let held: Vec<Labelled> = train
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS == fold)
            .map(|(_, l)| l.clone())
            .collect();
        write_split(&tmp.join("train.tsv"), &rest)?;
        let (m, _) = train_model(&tmp, &config)?;
        let nlu = Nlu::from_model(m);
        for l in &held {
            predictions.push((l.intent, nlu.classify(&l.text).0, l.text.clone()));
        }
        if errors {
            show_errors(&nlu, &held);
        }
    }
    std::fs::remove_dir_all(&tmp)?;
    let cv = EvalReport::from_predictions(&predictions);
    line("train CV", &cv);
    for c in cv.confusions.iter().take(12) {
        println!("    {} -> {}: {}", c.gold, c.predicted, c.count);
    }

    for f in files {
        let items = corpus::load(&f)?;
        let r = evaluate(&full, &items);
        line(
            &f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            &r,
        );
    }
    Ok(())
}

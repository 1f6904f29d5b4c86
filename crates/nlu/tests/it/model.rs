//! The shipped model: up to date with the corpus, reproducible, and accurate enough.

use nlu::cli::{evaluate, train_model};
use nlu::corpus;
use nlu::TrainConfig;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

#[test]
fn the_shipped_model_was_trained_on_the_current_corpus_and_lexicons() {
    let dir = corpus_dir();
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap_or_default();
    let expected = corpus::fingerprint(&read("train.tsv"), &read("dev.tsv"));
    assert_eq!(
        crate::shipped().model().fingerprint(),
        expected,
        "model/intent.bin is stale: run `cargo run --release -p nlu --example train`"
    );
}

#[test]
fn retraining_from_the_corpus_gives_the_shipped_bytes() {
    // Training is deterministic (fixed seed, fixed order, no float reassociation), so a debug
    // build reproduces the release-trained file bit for bit.
    let (model, _) = train_model(&corpus_dir(), &TrainConfig::default())
        .unwrap_or_else(|e| panic!("training: {e}"));
    let shipped = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("model/intent.bin"))
        .unwrap_or_default();
    assert!(
        model.to_bytes() == shipped,
        "retrained model differs from model/intent.bin"
    );
}

#[test]
fn the_held_out_test_split_meets_the_targets() {
    let items = corpus::load(&corpus_dir().join("test.tsv")).unwrap_or_else(|e| panic!("{e}"));
    let report = evaluate(crate::shipped(), &items);
    assert!(
        report.accuracy >= 0.95,
        "accuracy {:.3}\n{report}",
        report.accuracy
    );
    assert!(
        report.oos_recall >= 0.90,
        "OOS recall {:.3}\n{report}",
        report.oos_recall
    );
    assert!(
        report.macro_f1 >= 0.93,
        "macro-F1 {:.3}\n{report}",
        report.macro_f1
    );
}

#[test]
fn every_split_has_enough_varied_examples_per_intent() {
    let dir = corpus_dir();
    let split = |n: &str| corpus::load(&dir.join(n)).unwrap_or_else(|e| panic!("{e}"));
    let (train, dev, test) = (split("train.tsv"), split("dev.tsv"), split("test.tsv"));
    for intent in nlu::Intent::ALL {
        let count =
            |items: &[corpus::Labelled]| items.iter().filter(|l| l.intent == intent).count();
        assert!(count(&train) >= 80, "{intent}: {} in train", count(&train));
        assert!(count(&dev) >= 20, "{intent}: {} in dev", count(&dev));
        assert!(count(&test) >= 20, "{intent}: {} in test", count(&test));
    }
    // No held-out message is a copy of a training message (up to case, spacing and
    // punctuation; slang that normalises to the same words as a training line is allowed).
    let key = |t: &str| {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let seen: std::collections::HashSet<String> = train.iter().map(|l| key(&l.text)).collect();
    let copies: Vec<&str> = dev
        .iter()
        .chain(&test)
        .filter(|l| {
            let k = key(&l.text);
            !k.is_empty() && seen.contains(&k)
        })
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        copies.is_empty(),
        "held-out copies of train lines: {copies:?}"
    );
}

/// The words of a message, lower-cased, without punctuation; a message with no letters or
/// digits (emoji only) keeps its trimmed text so that it is still compared.
fn comparison_key(t: &str) -> String {
    let words = t
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if words.is_empty() {
        t.trim().to_string()
    } else {
        words
    }
}

#[test]
fn the_challenge_split_is_independent_of_everything_the_model_learned_from() {
    // challenge.tsv was written apart from the other splits and is never trained, tuned or
    // calibrated on: no line of it may appear in train or dev (up to case, spacing and
    // punctuation), and it must stay broad enough to mean something.
    let dir = corpus_dir();
    let load = |n: &str| corpus::load(&dir.join(n)).unwrap_or_else(|e| panic!("{e}"));
    let challenge = load("challenge.tsv");
    let learned: std::collections::HashMap<String, &'static str> = load("train.tsv")
        .iter()
        .map(|l| (comparison_key(&l.text), "train.tsv"))
        .chain(
            load("dev.tsv")
                .iter()
                .map(|l| (comparison_key(&l.text), "dev.tsv")),
        )
        .collect();
    let leaks: Vec<String> = challenge
        .iter()
        .filter_map(|l| {
            learned
                .get(&comparison_key(&l.text))
                .map(|split| format!("{split}: {}", l.text))
        })
        .collect();
    assert!(leaks.is_empty(), "challenge lines found in {leaks:#?}");
    for intent in nlu::Intent::ALL {
        let n = challenge.iter().filter(|l| l.intent == intent).count();
        let needed = if intent.is_out_of_scope() { 120 } else { 25 };
        assert!(n >= needed, "{intent}: {n} in challenge.tsv, want {needed}");
    }
    // The training code never opens it.
    for source in [
        include_str!("../../src/cli.rs"),
        include_str!("../../src/corpus.rs"),
        include_str!("../../src/model.rs"),
        include_str!("../../examples/train.rs"),
    ] {
        assert!(!source.contains("challenge"));
    }
}

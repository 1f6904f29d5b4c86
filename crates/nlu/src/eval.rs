//! Scores of a classifier on a labelled split.

use crate::intent::Intent;
use crate::model::CLASSES;
use std::fmt;
use std::io::{self, Write};

/// Precision and recall of one intent.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentScore {
    pub intent: Intent,
    /// Gold examples of this intent.
    pub support: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A gold intent mistaken for another, with how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    pub gold: Intent,
    pub predicted: Intent,
    pub count: usize,
}

/// An evaluation on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub total: usize,
    pub correct: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Of the messages called out of scope, the share that were.
    pub oos_precision: f64,
    /// Of the out-of-scope messages, the share that were called so.
    pub oos_recall: f64,
    pub per_intent: Vec<IntentScore>,
    /// Every confusion, most frequent first.
    pub confusions: Vec<Confusion>,
    /// Misclassified examples (gold, predicted, text), in corpus order.
    pub errors: Vec<(Intent, Intent, String)>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl EvalReport {
    /// Builds the report from (gold, predicted, text) triples.
    pub fn from_predictions(items: &[(Intent, Intent, String)]) -> EvalReport {
        let mut matrix = [[0usize; CLASSES]; CLASSES];
        for (gold, pred, _) in items {
            matrix[gold.index()][pred.index()] += 1;
        }
        let total = items.len();
        let correct = (0..CLASSES).map(|i| matrix[i][i]).sum();
        let mut per_intent = Vec::new();
        for intent in Intent::ALL {
            let i = intent.index();
            let support: usize = matrix[i].iter().sum();
            let predicted: usize = (0..CLASSES).map(|g| matrix[g][i]).sum();
            let precision = ratio(matrix[i][i], predicted);
            let recall = ratio(matrix[i][i], support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            per_intent.push(IntentScore {
                intent,
                support,
                precision,
                recall,
                f1,
            });
        }
        let present: Vec<&IntentScore> = per_intent.iter().filter(|s| s.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|s| s.f1).sum::<f64>() / present.len() as f64
        };
        let oos = per_intent
            .iter()
            .find(|s| s.intent.is_out_of_scope())
            .cloned();
        let mut confusions = Vec::new();
        for gold in Intent::ALL {
            for pred in Intent::ALL {
                let count = matrix[gold.index()][pred.index()];
                if gold != pred && count > 0 {
                    confusions.push(Confusion {
                        gold,
                        predicted: pred,
                        count,
                    });
                }
            }
        }
        confusions.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.gold.cmp(&b.gold))
                .then(a.predicted.cmp(&b.predicted))
        });
        EvalReport {
            total,
            correct,
            accuracy: ratio(correct, total),
            macro_f1,
            oos_precision: oos.as_ref().map_or(0.0, |s| s.precision),
            oos_recall: oos.as_ref().map_or(0.0, |s| s.recall),
            per_intent,
            confusions,
            errors: items.iter().filter(|(g, p, _)| g != p).cloned().collect(),
        }
    }

    /// Writes the report; `show_errors` caps how many misclassified messages are listed.
    pub fn write_to(&self, out: &mut impl Write, show_errors: usize) -> io::Result<()> {
        write!(out, "{self}")?;
        if show_errors > 0 && !self.errors.is_empty() {
            writeln!(out, "misclassified (gold -> predicted):")?;
            for (g, p, text) in self.errors.iter().take(show_errors) {
                writeln!(out, "  {g} -> {p}: {text}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "messages        {}", self.total)?;
        writeln!(
            f,
            "accuracy        {:.2}% ({}/{})",
            self.accuracy * 100.0,
            self.correct,
            self.total
        )?;
        writeln!(f, "macro-F1        {:.2}%", self.macro_f1 * 100.0)?;
        writeln!(f, "OOS precision   {:.2}%", self.oos_precision * 100.0)?;
        writeln!(f, "OOS recall      {:.2}%", self.oos_recall * 100.0)?;
        writeln!(
            f,
            "{:<16} {:>7} {:>9} {:>7} {:>7}",
            "intent", "support", "precision", "recall", "f1"
        )?;
        for s in self.per_intent.iter().filter(|s| s.support > 0) {
            writeln!(
                f,
                "{:<16} {:>7} {:>8.1}% {:>6.1}% {:>6.1}%",
                s.intent.code(),
                s.support,
                s.precision * 100.0,
                s.recall * 100.0,
                s.f1 * 100.0
            )?;
        }
        if !self.confusions.is_empty() {
            writeln!(f, "confusions (gold -> predicted: count):")?;
            for c in self.confusions.iter().take(15) {
                writeln!(f, "  {} -> {}: {}", c.gold, c.predicted, c.count)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_a_small_known_case() {
        let items = vec![
            (Intent::Salam, Intent::Salam, "a".to_string()),
            (Intent::Salam, Intent::TidakDikenal, "b".to_string()),
            (Intent::TidakDikenal, Intent::TidakDikenal, "c".to_string()),
            (Intent::Tagihan, Intent::Tagihan, "d".to_string()),
        ];
        let r = EvalReport::from_predictions(&items);
        assert_eq!(r.correct, 3);
        assert!((r.accuracy - 0.75).abs() < 1e-9);
        assert!((r.oos_precision - 0.5).abs() < 1e-9);
        assert!((r.oos_recall - 1.0).abs() < 1e-9);
        assert_eq!(r.confusions.len(), 1);
        assert_eq!(r.confusions[0].gold, Intent::Salam);
        assert!(r.to_string().contains("accuracy        75.00%"));
    }
}

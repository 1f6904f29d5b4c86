//! Hyper-parameter search on the dev split (never the test split):
//! `cargo run --release -p nlu --example tune`.

use nlu::cli::train_model;
use nlu::TrainConfig;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let base = TrainConfig::default();
    for epochs in [20u32, 40, 60] {
        for lr in [1.0f32, 2.0, 4.0] {
            for l2 in [1e-5f32, 1e-4, 3e-4] {
                let cfg = TrainConfig {
                    epochs,
                    learning_rate: lr,
                    l2,
                    ..base
                };
                let (_, r) = train_model(&dir, &cfg)?;
                println!(
                    "epochs={epochs:>2} lr={lr:<4} l2={l2:<7} dev acc {:.2}% macroF1 {:.2}% oos P {:.1}% R {:.1}% T {:.2} thr {:.2}",
                    r.dev.accuracy * 100.0,
                    r.dev.macro_f1 * 100.0,
                    r.dev.oos_precision * 100.0,
                    r.dev.oos_recall * 100.0,
                    r.temperature,
                    r.threshold
                );
            }
        }
    }
    Ok(())
}

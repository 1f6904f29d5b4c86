//! Retrains the shipped model from the corpus:
//! `cargo run --release -p nlu --example train` (from the workspace root).

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    nlu::cli::train(
        &dir.join("corpus"),
        &dir.join("model/intent.bin"),
        std::io::stdout().lock(),
    )?;
    Ok(())
}

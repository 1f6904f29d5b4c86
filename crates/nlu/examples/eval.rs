//! Evaluates the shipped model on a split:
//! `cargo run --release -p nlu --example eval -- crates/nlu/corpus/test.tsv`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/test.tsv"));
    nlu::cli::eval(&path, std::io::stdout().lock())?;
    Ok(())
}

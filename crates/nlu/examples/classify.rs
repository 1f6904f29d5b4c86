//! Classifies standard input, one JSON object per line (what `layan nlu classify` prints):
//! `cargo run --release -p nlu --example classify < messages.txt`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default();
    nlu::cli::classify(std::io::stdin().lock(), std::io::stdout().lock(), today)?;
    Ok(())
}

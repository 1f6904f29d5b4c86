//! Lists the slowest messages of the corpus (development aid for the latency budget).

use chrono::NaiveDate;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let nlu = nlu::Nlu::shipped()?;
    let today = NaiveDate::from_ymd_opt(2025, 6, 18).unwrap_or_default();
    let text = std::fs::read_to_string(dir.join("corpus/train.tsv"))?;
    let msgs: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t))
        .collect();
    for m in &msgs {
        black_box(nlu.analyze(m, today));
    }
    let mut timed: Vec<(f64, f64, f64, &str)> = msgs
        .iter()
        .map(|m| {
            let best = |f: &dyn Fn()| {
                (0..20)
                    .map(|_| {
                        let t = Instant::now();
                        f();
                        t.elapsed().as_secs_f64() * 1e6
                    })
                    .fold(f64::INFINITY, f64::min)
            };
            let n = best(&|| {
                black_box(nlu::normalize(m));
            });
            let e = best(&|| {
                black_box(nlu::entities::extract(&nlu::normalize(m), today));
            });
            let a = best(&|| {
                black_box(nlu.analyze(m, today));
            });
            (a, n, e, *m)
        })
        .collect();
    timed.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (a, n, e, m) in timed.iter().take(15) {
        println!("{a:6.1} us (norm {n:5.1}, +ent {e:5.1})  {m}");
    }
    Ok(())
}

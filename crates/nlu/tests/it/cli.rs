//! The entry points the `layan` binary wires to its subcommands.

use serde_json::Value;
use std::io::Cursor;

#[test]
fn classify_writes_one_json_object_per_message() {
    let input = "nunggak 5bln totalnya brp\n\nnik 3509014503880001 aktif ga\n";
    let mut out = Vec::new();
    nlu::cli::classify(Cursor::new(input), &mut out, crate::today())
        .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "blank lines are skipped");
    assert_eq!(lines[0]["text"], "nunggak 5bln totalnya brp");
    assert_eq!(lines[0]["intent"], "tagihan");
    assert!(lines[0]["confidence"].as_f64().unwrap_or(0.0) > 0.5);
    assert!(lines[0]["alternatives"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    let e = &lines[0]["entities"][0];
    assert_eq!(e["kind"], "month_count");
    assert_eq!(e["value"], 5);
    assert_eq!(
        (e["start"].as_u64(), e["end"].as_u64()),
        (Some(8), Some(12))
    );
    assert_eq!(lines[1]["intent"], "cek_status");
    assert_eq!(lines[1]["entities"][0]["kind"], "nik");
    assert_eq!(lines[1]["entities"][0]["value"], "3509014503880001");
}

#[test]
fn eval_prints_the_scores_and_returns_the_report() {
    let dir = std::env::temp_dir().join(format!("nlu-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("mini.tsv");
    std::fs::write(
        &path,
        "salam\thalo kak\ntagihan\ttunggakan saya berapa\ntidak_dikenal\tjual voucher game murah\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let report = nlu::cli::eval(&path, &mut out).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out);
    assert_eq!(report.total, 3);
    for needle in [
        "accuracy",
        "macro-F1",
        "OOS precision",
        "OOS recall",
        "salam",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eval_names_the_line_of_a_bad_corpus() {
    let dir = std::env::temp_dir().join(format!("nlu-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("bad.tsv");
    std::fs::write(&path, "salam\thalo\nbukan_intent\tx\n").unwrap_or_else(|e| panic!("{e}"));
    let err = nlu::cli::eval(&path, Vec::new())
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("bad.tsv:2")));
    let _ = std::fs::remove_dir_all(&dir);
}

//! `layan chat` scripted: one participant message per line on stdin, the replies on stdout
//! with each message followed by a blank line, options answered by number.

use crate::binary::{layan, sample};
use std::io::Write;
use std::process::Stdio;

fn generate_demo(data_dir: &std::path::Path) {
    let out = layan()
        .args([
            "demo",
            "generate",
            "--participants",
            "300",
            "--as-of",
            "2026-11-23",
        ])
        .env("LAYAN_DATA_DIR", data_dir)
        .output()
        .expect("layan demo generate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chat(data_dir: &std::path::Path, extra: &[&str], script: &str) -> String {
    let mut child = layan()
        .arg("chat")
        .args(["--at", "2026-11-23T10:00:00+07:00"])
        .args(extra)
        .env("LAYAN_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("layan chat starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_scripted_chat_answers_line_by_line_and_takes_options_by_number() {
    let dir = tempfile::tempdir().unwrap();
    generate_demo(dir.path());
    let who = sample(dir.path(), "arrears_4_24");
    let script = format!(
        "tunggakan saya bisa dicicil gak?\n{}\n{}\n2\n3\n",
        who["nik"].as_str().unwrap(),
        who["birth_date"].as_str().unwrap(),
    );
    let out = chat(dir.path(), &[], &script);
    assert!(!out.contains("> "), "no prompt when scripted: {out}");
    assert!(out.contains("NIK (16 angka)"), "{out}");
    assert!(out.contains("tanggal lahir"), "{out}");
    assert!(out.contains("terverifikasi"), "{out}");
    assert!(out.contains("2 sampai 4 kali cicilan"), "{out}");
    assert!(
        out.contains("  1) Daftar 4x cicilan\n  2) Pilih jumlah lain\n"),
        "{out}"
    );
    // "2" chose "Pilih jumlah lain"; "3" then chose the third row, 2 instalments.
    assert!(out.contains("  3) 2 kali cicilan"), "{out}");
    assert!(out.contains("Dengan 2 kali cicilan"), "{out}");
    // Every message ends with a blank line.
    assert!(out.ends_with("\n\n"), "{out:?}");
    assert!(
        !out.contains("\n\n\n"),
        "exactly one blank line between messages"
    );
}

#[test]
fn a_location_line_and_a_whatsapp_sender() {
    let dir = tempfile::tempdir().unwrap();
    generate_demo(dir.path());
    let who = sample(dir.path(), "arrears_4_24");
    let phone = who["phone"].as_str().unwrap();
    let out = chat(
        dir.path(),
        &["--from", phone],
        &format!(
            "rumah sakit terdekat\n/lokasi -8.1689,113.7022\ntagihan saya berapa\n{}\n",
            who["nik"].as_str().unwrap()
        ),
    );
    assert!(out.contains("(bagikan lokasi: /lokasi LAT,LON)"), "{out}");
    assert!(
        out.contains("Rumah Sakit terdekat dari lokasi Anda"),
        "{out}"
    );
    assert!(out.contains("📍 "), "a pin: {out}");
    assert!(out.contains("sama dengan nomor yang terdaftar"), "{out}");
}

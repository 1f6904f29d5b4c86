//! `layan voice call` against a running `layan serve --demo`, keys fed on stdin, as the README
//! shows; and `layan voice prompts`.

use crate::binary::{layan, sample, Server};
use std::io::Write;
use std::process::{Output, Stdio};

const TOKEN: &str = "e2e-voice-token";
/// The URL the provider would call; the simulator signs for it and posts to the real address.
const PUBLIC: &str = "https://vika.example.test";

fn call(server: &Server, token: &str, from: &str, keys: &str) -> Output {
    let mut child = layan()
        .args(["voice", "call", "--from", from, "--echo", "--server"])
        .arg(&server.base)
        .env("LAYAN_VOICE_AUTH_TOKEN", token)
        .env("LAYAN_VOICE_PUBLIC_URL", PUBLIC)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("layan voice call starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(keys.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn spoken_last4(s: &str) -> String {
    voice::words::digits(&s[s.len() - 4..])
}

#[test]
fn a_simulated_call_hears_the_bill_and_the_status_then_says_goodbye() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(
        dir.path(),
        &[
            ("LAYAN_VOICE_AUTH_TOKEN", TOKEN.to_string()),
            ("LAYAN_VOICE_PUBLIC_URL", PUBLIC.to_string()),
        ],
    );
    let owing = sample(dir.path(), "arrears_4_24");
    let card = owing["card_number"].as_str().unwrap();
    let born = chrono::NaiveDate::parse_from_str(owing["birth_date"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap()
        .format("%d%m%Y")
        .to_string();

    // The bill by card number, then the details by SMS; the end of input hangs up.
    let out = call(
        &server,
        TOKEN,
        "081299990000",
        &format!("2\n{card}\n1\n{born}\n1\n"),
    );
    let heard = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{heard}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(heard.starts_with("Selamat datang di VIKA"), "{heard}");
    assert!(heard.contains("\n> 2\n"), "{heard}");
    assert!(
        heard.contains(&format!("berakhiran {}.", spoken_last4(card))),
        "{heard}"
    );
    assert!(heard.contains("sudah terverifikasi"), "{heard}");
    assert!(
        heard.contains("Tunggakan: delapan bulan, sebesar "),
        "{heard}"
    );
    assert!(
        heard.contains("Jumlah yang harus dibayar agar kartu aktif kembali: "),
        "{heard}"
    );
    assert!(
        heard.contains("Rincian sudah kami kirim lewat SMS"),
        "{heard}"
    );
    assert!(
        heard.trim_end().ends_with("[Hangup: the caller hangs up]"),
        "{heard}"
    );

    // The status of an active participant by NIK; then silence twice: goodbye.
    let active = sample(dir.path(), "active");
    let nik = active["nik"].as_str().unwrap();
    let born =
        chrono::NaiveDate::parse_from_str(active["birth_date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap()
            .format("%d%m%Y")
            .to_string();
    let out = call(
        &server,
        TOKEN,
        "+6281299990001",
        &format!("1\n{nik}#\n1\n{born}\n\n\n"),
    );
    let heard = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{heard}");
    assert!(
        heard.contains("Status kartu JKN Bapak atau Ibu: aktif."),
        "{heard}"
    );
    assert!(
        heard.contains("> (tidak ada tombol)\nMaaf, kami belum menerima tombol"),
        "{heard}"
    );
    assert!(
        heard
            .trim_end()
            .ends_with("Terima kasih telah menghubungi VIKA. Sampai jumpa.\n[Hangup]"),
        "{heard}"
    );

    // A call-back request, and a caller with the wrong token is refused.
    let out = call(&server, TOKEN, "081311112222", "3\n");
    let heard = String::from_utf8(out.stdout).unwrap();
    assert!(
        heard.contains("Permintaan telepon balik sudah kami catat"),
        "{heard}"
    );
    let out = call(&server, "not-the-token", "081311112222", "1\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused the signature (403)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (stopped, log) = server.terminate();
    assert!(stopped, "{log}");
    // No identifier, birth date or caller number reaches the log.
    for secret in [card, nik, "081299990000", "6281299990000", &born] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

#[test]
fn prompts_are_listed_and_rendered_when_espeak_ng_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let list = layan()
        .args(["voice", "prompts", "--list"])
        .env("LAYAN_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(list.status.success());
    let listed = String::from_utf8(list.stdout).unwrap();
    assert_eq!(listed.lines().count(), voice::prompts::PromptId::ALL.len());
    assert!(
        listed.starts_with("welcome.wav\tSelamat datang di VIKA"),
        "{listed}"
    );

    let out = layan()
        .args(["voice", "prompts"])
        .env("LAYAN_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    let espeak = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let audio = dir.path().join("voice");
    if espeak {
        for p in voice::prompts::PromptId::ALL {
            let file = audio.join(format!("{}.wav", p.id()));
            let bytes = std::fs::read(&file).unwrap();
            assert!(bytes.starts_with(b"RIFF"), "{}", file.display());
        }
    } else {
        assert!(said.contains("espeak-ng is not installed"), "{said}");
        assert!(!audio.exists());
    }
}

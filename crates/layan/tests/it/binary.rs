//! Starting and stopping the real binary.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn layan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_layan"))
}

/// The demo participant of a `layan demo sample` category ("active", "arrears_4_24"...).
pub fn sample(data_dir: &std::path::Path, category: &str) -> Value {
    let out = layan()
        .args(["demo", "sample", "--json"])
        .env("LAYAN_DATA_DIR", data_dir)
        .output()
        .expect("layan demo sample runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    all.into_iter()
        .find(|s| s["category"] == category)
        .unwrap_or_else(|| panic!("no {category} in the sample"))
}

/// A running `layan serve`, killed on drop if still running.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub stdout: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Runs `layan serve --demo` with `env`, waits for the line announcing its address.
    pub fn start_demo(data_dir: &std::path::Path, env: &[(&str, String)]) -> Server {
        let mut cmd = layan();
        cmd.args(["serve", "--demo"])
            .env("LAYAN_LISTEN", "127.0.0.1:0")
            .env("LAYAN_DATA_DIR", data_dir)
            .env("LAYAN_DEMO_PARTICIPANTS", "300")
            .env("RUST_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("layan starts");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        // The guide is printed once the server listens; read until its last line.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut printed = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                printed.push_str(&line);
                printed.push('\n');
                if line.starts_with("Stop with Ctrl-C") {
                    let _ = tx.send(printed.clone());
                }
            }
        });
        // Generous: a debug build generating demo data on a loaded 2-core machine.
        let stdout = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(printed) => printed,
            Err(waited) => {
                // Say why: a server that died at start-up left its reason on stderr.
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                let log = stderr.join().unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                panic!(
                    "the demo guide was not printed ({waited:?}, {status}); stderr ends with:\n{}",
                    tail.join("\n")
                );
            }
        };
        let base = stdout
            .lines()
            .find_map(|l| l.strip_prefix("Layan demo is running at "))
            .expect("the guide names the URL")
            .trim()
            .to_string();
        Server {
            child,
            base,
            stdout,
            stderr: Some(stderr),
        }
    }

    /// Sends SIGTERM and returns (exit success, everything written to stderr).
    pub fn terminate(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = self.child.wait().expect("layan exits");
        let log = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (status.success(), log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A throw-away PostgreSQL database; dropped (best effort) at the end.
pub struct PgDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        let admin = std::env::var("LAYAN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!(
            "layan_e2e_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
                % 1_000_000_000
        );
        let status = Command::new("psql")
            .args([
                admin.as_str(),
                "-q",
                "-c",
                &format!("CREATE DATABASE {name}"),
            ])
            .status()
            .expect("psql runs");
        assert!(
            status.success(),
            "PostgreSQL must be reachable at {admin} (set LAYAN_TEST_POSTGRES_URL)"
        );
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin.clone());
        PgDatabase {
            url: format!("{base}/{name}"),
            admin,
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

pub fn postgres_skipped() -> bool {
    std::env::var("LAYAN_TEST_POSTGRES").as_deref() == Ok("skip")
}

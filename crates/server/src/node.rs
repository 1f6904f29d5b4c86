//! This node's name in the leases it holds (broadcast feeding, inbox processing).
//!
//! A node restarted over the same data directory takes its predecessor's name, and with it
//! that node's leases, at once: after a crash it answers again straight away instead of
//! waiting for its own leases to run out. The name is kept in `data_dir/node-name` under an
//! OS file lock held for the life of the process. So two live processes never share a name:
//! a second process over the same directory (an ingest node beside a processing one) gets a
//! fresh name. The kernel drops the lock of a process that died, and a hung process keeps it,
//! so a hung node's leases are taken over only when they run out.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The file that keeps the name, in the data directory.
pub const FILE: &str = "node-name";

/// This process's name; holds the name file's lock while it lives.
#[derive(Debug)]
pub struct NodeName {
    name: String,
    _held: Option<File>,
}

impl NodeName {
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// The name kept in `data_dir` when no live process holds it; otherwise, or when `data_dir`
/// does not exist (it is never created for this) or cannot be locked, a fresh name.
pub fn claim(data_dir: &Path) -> NodeName {
    match kept(data_dir) {
        Ok(Some(name)) => name,
        Ok(None) => fresh(),
        Err(e) => {
            tracing::debug!(error = %e, "no node name kept in the data directory; using a new one");
            fresh()
        }
    }
}

fn fresh() -> NodeName {
    NodeName {
        name: new_name(),
        _held: None,
    }
}

fn kept(data_dir: &Path) -> std::io::Result<Option<NodeName>> {
    if !data_dir.is_dir() {
        return Ok(None);
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(data_dir.join(FILE))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(e),
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let name = match text.trim() {
        kept if usable(kept) => kept.to_owned(),
        _ => {
            let name = new_name();
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(name.as_bytes())?;
            file.sync_all()?;
            name
        }
    };
    Ok(Some(NodeName {
        name,
        _held: Some(file),
    }))
}

fn usable(name: &str) -> bool {
    (1..=100).contains(&name.len()) && name.chars().all(|c| c.is_ascii_graphic())
}

/// A name no other process has: the host's name (when set) and random digits.
fn new_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    // Without OS randomness, the process id and start time are unique enough per host.
    let random = crate::auth::random_hex(6).unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        format!("{}-{nanos}", std::process::id())
    });
    let host: String = host
        .chars()
        .filter(char::is_ascii_graphic)
        .take(60)
        .collect();
    if host.is_empty() {
        format!("node-{random}")
    } else {
        format!("{host}-{random}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_node_takes_its_predecessors_name_but_a_live_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path());
        assert!(usable(first.as_str()));
        // Another process over the same directory while the first lives: a name of its own.
        let beside = claim(dir.path());
        assert_ne!(beside.as_str(), first.as_str());
        let name = first.as_str().to_owned();
        drop(first);
        // The first is gone (its lock with it): the next one continues under its name.
        let restarted = claim(dir.path());
        assert_eq!(restarted.as_str(), name);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE)).unwrap(),
            name
        );
    }

    #[test]
    fn no_directory_or_a_damaged_file_means_a_fresh_name() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-there");
        let a = claim(&missing);
        let b = claim(&missing);
        assert_ne!(a.as_str(), b.as_str());
        assert!(
            !missing.exists(),
            "the data directory is never created for a name"
        );

        std::fs::write(dir.path().join(FILE), "bad name\n\u{7}").unwrap();
        let repaired = claim(dir.path());
        assert!(usable(repaired.as_str()));
        let written = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert_eq!(written, repaired.as_str());
    }
}

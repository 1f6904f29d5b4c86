//! Uploaded documents on disk: `data_dir/attachments/<first two hex>/<sha256>.<ext>`, named by
//! their content, so the participant's file name never becomes a path and the same photo sent
//! twice is stored once. Written to a temporary file, flushed to disk, then renamed into
//! place: a crash leaves either nothing or the whole file, never half of one.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a stored upload is, relative to the data directory, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    /// Relative to the data directory, with `/` separators (stored in the database).
    pub path: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores `bytes` under `data_dir` (blocking I/O: call from `spawn_blocking`).
pub fn store(data_dir: &Path, bytes: &[u8], extension: &str) -> std::io::Result<Stored> {
    let sha256 = sha256_hex(bytes);
    let shard = &sha256[..2];
    let relative = format!("attachments/{shard}/{sha256}.{extension}");
    let dir: PathBuf = data_dir.join("attachments").join(shard);
    let target = dir.join(format!("{sha256}.{extension}"));
    if target.exists() {
        // Same content, same name: already safely on disk.
        return Ok(Stored {
            sha256,
            path: relative,
        });
    }
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile_in(&dir)?;
    tmp.1.write_all(bytes)?;
    tmp.1.sync_all()?;
    drop(tmp.1);
    if let Err(e) = std::fs::rename(&tmp.0, &target) {
        let _ = std::fs::remove_file(&tmp.0);
        return Err(e);
    }
    // The rename itself must survive a power cut: flush the directory entry too.
    #[cfg(unix)]
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(Stored {
        sha256,
        path: relative,
    })
}

/// A new file with a random name next to the target (same file system, so rename is atomic).
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for _ in 0..8 {
        let mut r = [0u8; 8];
        getrandom::getrandom(&mut r).map_err(std::io::Error::other)?;
        let name: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!(".upload-{name}.tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file")))
}

/// The participant's file name, for display only: the last path component, without control
/// characters, at most 120 characters.
pub fn display_name(name: Option<&str>) -> String {
    let base = name
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect::<String>();
    if base.trim().is_empty() {
        "berkas".to_owned()
    } else {
        base.trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_stored_by_its_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), b"%PDF-1.4 hello", "pdf").unwrap();
        let b = store(dir.path(), b"%PDF-1.4 hello", "pdf").unwrap();
        assert_eq!(a, b);
        assert!(a.path.starts_with("attachments/") && a.path.ends_with(".pdf"));
        assert_eq!(
            std::fs::read(dir.path().join(&a.path)).unwrap(),
            b"%PDF-1.4 hello"
        );
        // No temporary file left behind.
        let shard = dir.path().join("attachments").join(&a.sha256[..2]);
        assert_eq!(std::fs::read_dir(shard).unwrap().count(), 1);
    }

    #[test]
    fn names_are_for_display_only() {
        assert_eq!(display_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(display_name(Some("C:\\foto\\ktp.jpg")), "ktp.jpg");
        assert_eq!(display_name(None), "berkas");
    }
}

//! Names of this node in the leases it holds (broadcast feeding, inbox processing).

/// A name that is new for every process, so a restarted node does not mistake its
/// predecessor's leases for its own (the predecessor's leases simply run out).
pub fn new_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    // Without OS randomness, the process id and start time are unique enough per host.
    let random = crate::auth::random_hex(6).unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        format!("{}-{nanos}", std::process::id())
    });
    if host.is_empty() {
        format!("node-{random}")
    } else {
        format!("{host}-{random}")
    }
}

//! A small, fast, deterministic hasher. The standard `HashMap` hasher is randomised per process
//! and slow for the short keys used here; feature hashing must also be identical across runs and
//! machines because the trained model stores weights by hash bucket.

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (as used in rustc): one multiply per word. Not DoS-resistant, which is fine for
/// tables built from embedded data.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub(crate) type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

/// 64-bit FNV-1a, used for feature hashing: byte-at-a-time so that a feature can be hashed
/// incrementally from pieces (prefix, word, separator) without building a string, and fixed
/// forever because the shipped model depends on it.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    #[inline]
    pub(crate) fn bytes(mut self, bytes: &[u8]) -> Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    #[inline]
    pub(crate) fn byte(mut self, b: u8) -> Self {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        self
    }

    /// A final avalanche so that the low bits used as a bucket index depend on every byte.
    #[inline]
    pub(crate) fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Hash of a whole byte string with [`Fnv`]; used for the corpus fingerprint.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    Fnv::new().bytes(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_BPJS: u64 = 0xfbac_0558_39a7_b7ed;
    const PINNED_EMPTY: u64 = 0xf52a_15e9_a9b5_e89b;

    #[test]
    fn feature_hash_is_fixed_forever() {
        // The shipped model's weights are indexed by these values: changing the hash function
        // silently ruins it, so exact outputs are pinned.
        assert_eq!(fnv(b"bpjs"), PINNED_BPJS);
        assert_eq!(fnv(b""), PINNED_EMPTY);
        assert_eq!(fnv(b"bpjs"), Fnv::new().bytes(b"bp").bytes(b"js").finish());
        assert_eq!(
            Fnv::new().byte(b'w').finish(),
            Fnv::new().bytes(b"w").finish()
        );
    }

    #[test]
    fn fx_hasher_spreads_short_keys() {
        use std::hash::BuildHasher;
        let b = FxBuild::default();
        let h = |s: &str| b.hash_one(s);
        assert_ne!(h("kak"), h("kal"));
        assert_ne!(h(""), h("a"));
    }
}

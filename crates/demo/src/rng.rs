//! The generator's own pseudo-random numbers: SplitMix64 to derive seeds and xoshiro256** for
//! the streams (both public-domain algorithms by Vigna et al., written here from their
//! published descriptions).
//!
//! The demo dataset must be byte-identical for a given seed forever, so the algorithms live in
//! this crate instead of coming from a library whose output may change between versions.
//! Only integer arithmetic and IEEE-754 basic operations are used downstream, which every
//! platform computes identically.

/// SplitMix64: a 64-bit counter passed through a bijective mixer. Used to expand one seed into
/// the 256-bit state of [`Rng`] and to derive independent streams.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
}

/// The SplitMix64 output function, a bijection on u64.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**: fast, small, statistically strong for simulation.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

/// Names of the independent streams, so that adding draws to one part of the generator never
/// shifts the numbers another part sees.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Network = 1,
    Family = 2,
    Identifiers = 3,
}

impl Rng {
    pub(crate) fn from_seed(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        // An all-zero state would only ever produce zeros; SplitMix64 cannot give four zero
        // words in a row, but the guard costs nothing.
        if s == [0; 4] {
            return Rng { s: [1, 2, 3, 4] };
        }
        Rng { s }
    }

    /// The generator for item `index` of `stream` under the dataset seed: items can be made
    /// in any order (or in parallel) and still get the same numbers.
    pub(crate) fn for_item(seed: u64, stream: Stream, index: u64) -> Self {
        let base = mix64(seed ^ mix64(stream as u64));
        Rng::from_seed(base ^ mix64(index.wrapping_add(0x632B_E59B_D9B4_E019)))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A number in `0..n` (0 when `n` is 0), by the multiply-high method. Its bias is below
    /// n / 2^64, irrelevant for a demo.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// An index into a slice of length `len` (0 for an empty one).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `per_mille` / 1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// A uniform number in [0, 1) with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An index drawn with probability proportional to `weights` (for small inline tables;
    /// [`Weighted`] precomputes large ones).
    pub(crate) fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut x = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        0
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.index(items.len()))
    }
}

/// A discrete distribution over indices, from integer weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0u64;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub(crate) fn total(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// An index drawn with probability proportional to its weight (0 if all weights are 0).
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let x = rng.below(self.total());
        // The first index whose cumulative weight exceeds x.
        self.cumulative.partition_point(|&c| c <= x)
    }
}

/// A bijection on `0..modulus` (an affine map with a multiplier coprime to the modulus), used
/// to turn sequential ids into unique but random-looking numbers without remembering any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scramble {
    multiplier: u64,
    offset: u64,
    modulus: u64,
}

impl Scramble {
    /// `modulus` must be a power of ten; the multiplier is made odd and not a multiple of 5,
    /// hence coprime to it.
    pub(crate) fn new(rng: &mut Rng, modulus: u64) -> Self {
        let mut multiplier = rng.below(modulus / 2) + modulus / 3;
        multiplier |= 1;
        if multiplier.is_multiple_of(5) {
            multiplier += 2;
        }
        Scramble {
            multiplier: multiplier % modulus,
            offset: rng.below(modulus),
            modulus,
        }
    }

    pub(crate) fn apply(&self, x: u64) -> u64 {
        let m = u128::from(self.modulus);
        ((u128::from(self.multiplier) * u128::from(x % self.modulus) + u128::from(self.offset)) % m)
            as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_published_reference_output() {
        // The first two outputs of SplitMix64 from state 0, as printed by the reference C code.
        let mut sm = SplitMix64::new(0);
        assert_eq!(sm.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(sm.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn xoshiro_follows_its_definition_for_a_known_state() {
        // From state (1, 2, 3, 4): the first output is rotl(2 * 5, 7) * 9 = 11520; the later
        // values were computed independently from the algorithm's definition.
        let mut rng = Rng { s: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 11520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1509978240);
        assert_eq!(rng.next_u64(), 1215971899390074240);
    }

    #[test]
    fn the_same_seed_gives_the_same_stream_and_items_are_independent() {
        let a: Vec<u64> = {
            let mut r = Rng::for_item(42, Stream::Family, 7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::for_item(42, Stream::Family, 7);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::for_item(42, Stream::Family, 8);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_and_weighted_stay_in_range_and_follow_the_weights() {
        let mut rng = Rng::from_seed(1);
        let w = Weighted::new([1, 0, 3]);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[w.sample(&mut rng)] += 1;
            assert!(rng.below(7) < 7);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(counts[1], 0);
        let mut inline = [0u32; 3];
        for _ in 0..40_000 {
            inline[rng.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(inline[1], 0);
        assert!((9_000..11_000).contains(&inline[0]), "{inline:?}");
        assert!((9_000..11_000).contains(&counts[0]), "{counts:?}");
        assert_eq!(rng.range(5, 5), 5);
        assert_eq!(rng.range(5, 4), 5);
    }

    #[test]
    fn scramble_is_a_bijection() {
        let mut rng = Rng::from_seed(9);
        let s = Scramble::new(&mut rng, 1000);
        let mut seen = [false; 1000];
        for x in 0..1000 {
            let y = s.apply(x) as usize;
            assert!(!seen[y]);
            seen[y] = true;
        }
    }
}

//! Hashed features of a normalised message for the intent classifier.
//!
//! - word unigrams and bigrams of the normalised words (numbers replaced by their shape, so
//!   "8 bulan" and "12 bulan" look alike);
//! - character 2- to 5-grams of each word with boundary marks, which carry the classifier
//!   through typos and word forms the corpus never showed ("tunggakannya", "bpjsku");
//! - the kinds of entity found (a regency the corpus never named still says "a place");
//! - word classes (`data/wordclass.tsv`): one shared feature for every word of another service
//!   or programme ("pajak", "indihome", "jht") and one for medical-advice words, so rare words
//!   borrow what the whole class taught the model; plus a feature for a message that names
//!   another service and no JKN word at all;
//! - message length and the share of words the lexicon does not know (keyboard mashing).
//!
//! Each feature is hashed with FNV-1a into `2^DIM_BITS` buckets; the vector is L2-normalised so
//! that long and short messages train at the same scale.

use crate::entities::Entity;
use crate::hash::Fnv;
use crate::lexicon::LEXICON;
use crate::normalize::{Normalized, TokenKind};

/// log2 of the number of hash buckets. Part of the model format.
pub const DIM_BITS: u32 = 16;
pub const DIM: usize = 1 << DIM_BITS;

const CHAR_WEIGHT: f32 = 0.8;
/// Weight of a word-class feature (before L2 normalisation).
const CLASS_WEIGHT: f32 = 2.0;

/// The shape of a number token: its digit count class and separators, never its value.
fn number_shape(s: &str) -> &'static str {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if s.contains('/') || s.split('-').count() == 3 {
        return "#tgl";
    }
    if s.contains(':') {
        return "#jam";
    }
    let groups = s.split(['.', ',']).count();
    if groups >= 2 {
        let last = s.rsplit(['.', ',']).next().map_or(0, str::len);
        return if last == 3 { "#uang" } else { "#desimal" };
    }
    match digits {
        0..=2 => "#n2",
        3..=4 => "#n4",
        13 => "#n13",
        16 => "#n16",
        _ => "#npanjang",
    }
}

/// The word the classifier sees for token `i`. "tk" right after "bpjs" is BPJS
/// Ketenagakerjaan, another programme, and reads like the other ways of writing it; elsewhere
/// "tk" is "tingkat" ("faskes tk 1").
fn feature_word(n: &Normalized, i: usize) -> &str {
    match n.tokens().get(i).map(|t| t.kind) {
        Some(TokenKind::Number) => number_shape(n.word(i)),
        _ => {
            let w = n.word(i);
            if w == "tk" && i > 0 && n.word(i - 1) == "bpjs" {
                "ketenagakerjaan"
            } else {
                w
            }
        }
    }
}

/// Sink that hashes features into buckets.
struct Sink<'a> {
    out: &'a mut Vec<(u32, f32)>,
}

impl Sink<'_> {
    #[inline]
    fn add(&mut self, h: Fnv, value: f32) {
        let bucket = (h.finish() & (DIM as u64 - 1)) as u32;
        self.out.push((bucket, value));
    }
}

/// Computes the features of a message into `out` (cleared first), L2-normalised.
pub fn extract(n: &Normalized, entities: &[Entity], out: &mut Vec<(u32, f32)>) {
    out.clear();
    let mut sink = Sink { out };
    sink.add(Fnv::new().bytes(b"bias"), 1.0);
    let len = n.len();
    let lx = &*LEXICON;
    let mut unknown = 0usize;
    let mut words = 0usize;
    let mut prev: &str = "<s>";
    let mut anchored = false;
    let mut elsewhere = false;
    for i in 0..len {
        let w = feature_word(n, i);
        sink.add(Fnv::new().bytes(b"w:").bytes(w.as_bytes()), 1.0);
        sink.add(
            Fnv::new()
                .bytes(b"b:")
                .bytes(prev.as_bytes())
                .byte(b' ')
                .bytes(w.as_bytes()),
            1.0,
        );
        prev = w;
        if n.tokens()[i].kind == TokenKind::Word {
            words += 1;
            if !lx.recognised(w) {
                unknown += 1;
            }
            char_ngrams(w, &mut sink);
            match lx.word_class(w) {
                // "bpjs ketenagakerjaan" is another programme, not a JKN anchor.
                Some("jkn") if w == "bpjs" && feature_word(n, i + 1) == "ketenagakerjaan" => {}
                Some("jkn") => anchored = true,
                Some(class) => {
                    elsewhere |= class == "lain";
                    sink.add(
                        Fnv::new().bytes(b"k:").bytes(class.as_bytes()),
                        CLASS_WEIGHT,
                    );
                }
                None => {}
            }
        }
    }
    if len > 0 {
        sink.add(
            Fnv::new()
                .bytes(b"b:")
                .bytes(prev.as_bytes())
                .bytes(b" </s>"),
            1.0,
        );
    }
    let len_class: &[u8] = match len {
        0 => b"len0",
        1 => b"len1",
        2 => b"len2",
        3..=4 => b"len4",
        5..=8 => b"len8",
        9..=16 => b"len16",
        _ => b"len+",
    };
    sink.add(Fnv::new().bytes(len_class), 1.0);
    if let Some(share) = (unknown * 4).checked_div(words) {
        let class: &[u8] = match (unknown, share) {
            (0, _) => b"oov0",
            (_, 0) => b"oov1",
            (_, 1) => b"oov2",
            (_, 2 | 3) => b"oov3",
            _ => b"oov4",
        };
        sink.add(Fnv::new().bytes(class), 1.0);
    }
    // Another service named and nothing that only JKN participants say: the strongest sign
    // of an out-of-scope question asked with in-scope words ("kantor pajak buka sabtu?").
    if elsewhere && !anchored {
        sink.add(Fnv::new().bytes(b"k:lain-saja"), CLASS_WEIGHT);
    }
    for e in entities {
        sink.add(Fnv::new().bytes(b"e:").bytes(e.kind().as_bytes()), 1.0);
    }
    let norm = out.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in out.iter_mut() {
            *v /= norm;
        }
    }
}

/// Character n-grams (2 to 5) of " word ", hashed without building strings.
fn char_ngrams(w: &str, sink: &mut Sink<'_>) {
    // Byte offsets of char starts in the padded word; non-ASCII words are rare enough that the
    // small allocation does not matter.
    let padded_len = w.len() + 2;
    let byte_at = |k: usize| -> u8 {
        if k == 0 || k == padded_len - 1 {
            b' '
        } else {
            w.as_bytes()[k - 1]
        }
    };
    if w.is_ascii() {
        for n in 2..=5usize {
            if padded_len < n {
                break;
            }
            for s in 0..=padded_len - n {
                let mut h = Fnv::new().byte(b'c').byte(n as u8);
                for k in s..s + n {
                    h = h.byte(byte_at(k));
                }
                sink.add(h, CHAR_WEIGHT);
            }
        }
    } else {
        let chars: Vec<char> = std::iter::once(' ')
            .chain(w.chars())
            .chain(std::iter::once(' '))
            .collect();
        let mut buf = [0u8; 4];
        for n in 2..=5usize {
            if chars.len() < n {
                break;
            }
            for win in chars.windows(n) {
                let mut h = Fnv::new().byte(b'c').byte(n as u8);
                for c in win {
                    h = h.bytes(c.encode_utf8(&mut buf).as_bytes());
                }
                sink.add(h, CHAR_WEIGHT);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn numbers_are_seen_by_shape_only() {
        assert_eq!(number_shape("8"), "#n2");
        assert_eq!(number_shape("150.000"), "#uang");
        assert_eq!(number_shape("1,5"), "#desimal");
        assert_eq!(number_shape("12/03/1988"), "#tgl");
        assert_eq!(number_shape("3509014503880001"), "#n16");
    }

    #[test]
    fn features_are_normalised_and_in_range() {
        let mut out = Vec::new();
        extract(&normalize("bpjs saya aktif ga"), &[], &mut out);
        assert!(out.len() > 20);
        assert!(out.iter().all(|(b, _)| (*b as usize) < DIM));
        let norm: f32 = out.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}

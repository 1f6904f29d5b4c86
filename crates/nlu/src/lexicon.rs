//! The embedded word lists behind normalisation: informal→formal mappings (IndoCollex plus the
//! project's own domain lexicon), the vocabulary of correctly spelled words, and an index for
//! bounded-edit-distance typo correction against that vocabulary.
//!
//! Everything is parsed once, on first use, from files embedded with `include_str!`.

use crate::hash::{FxHashMap, FxHashSet};
use crate::normalize::fold_into;
use std::sync::LazyLock;

const INDOCOLLEX: &str = include_str!("../data/indocollex/informal-formal.tsv");
const DOMAIN_LEXICON: &str = include_str!("../data/lexicon.tsv");
const VOCAB: &str = include_str!("../data/vocab.txt");
const WORD_CLASSES: &str = include_str!("../data/wordclass.tsv");

/// Longest word the typo corrector looks at; longer tokens are URLs, hashes or keyboard mashing.
const MAX_TYPO_LEN: usize = 20;

pub(crate) struct Lexicon {
    /// Informal word → its formal words (one or more).
    map: FxHashMap<Box<str>, Box<[Box<str>]>>,
    /// Words that are spelled correctly and must not be "corrected".
    known: FxHashSet<Box<str>>,
    /// Typo-correction targets in priority order (earlier wins a tie).
    targets: Vec<Box<str>>,
    /// Symmetric-delete index: a target with up to its allowed number of letters deleted →
    /// indices into `targets`.
    deletes: FxHashMap<Box<str>, Vec<u32>>,
    /// Normalised word → its class (`data/wordclass.tsv`), a feature shared by the class.
    classes: FxHashMap<Box<str>, Box<str>>,
}

pub(crate) static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::load);

/// Splits a mapping's right-hand side into words the same way messages are split, so that a
/// formal form is itself a fixed point of normalisation ("tidak apa-apa" → "tidak apa apa").
fn words_of(s: &str) -> Vec<Box<str>> {
    let mut folded = String::new();
    for c in s.chars() {
        fold_into(c, &mut folded);
    }
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(Box::from)
        .collect()
}

fn tsv_pairs(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?.trim(), parts.next()?.trim()))
        })
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
}

/// How many edits a word of this length may contain and still be corrected. Short words are
/// left alone: Indonesian is dense in 4-letter words ("emas"/"emak", "cuci"/"cucu",
/// "adil"/"adik"), so one slip in a short word is as likely another real word.
pub(crate) fn max_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

impl Lexicon {
    fn load() -> Lexicon {
        let mut map: FxHashMap<Box<str>, Box<[Box<str>]>> = FxHashMap::default();
        // IndoCollex first, skipping keys with digits ("150rb", "10th"): numbers glued to words
        // are split generically, and those entries are inconsistent ("10th" → "kesepuluh").
        for (k, v) in tsv_pairs(INDOCOLLEX).skip(1) {
            if k.chars().any(|c| c.is_ascii_digit()) || k.contains(' ') {
                continue;
            }
            let words = words_of(v);
            if !words.is_empty() {
                map.insert(Box::from(k.to_lowercase()), words.into_boxed_slice());
            }
        }
        // The domain lexicon overrides IndoCollex where they disagree ("kk" is a family card
        // here, not "kakak"); an empty right-hand side ("-") removes an IndoCollex entry.
        for (k, v) in tsv_pairs(DOMAIN_LEXICON) {
            let key: Box<str> = Box::from(k.to_lowercase());
            if v == "-" {
                map.remove(&key);
                continue;
            }
            map.insert(key, words_of(v).into_boxed_slice());
        }
        // Close the mapping so that normalising twice changes nothing: every formal word is
        // expanded through the map until it maps to itself (bounded, in case of a cycle).
        let keys: Vec<Box<str>> = {
            let mut k: Vec<Box<str>> = map.keys().cloned().collect();
            k.sort();
            k
        };
        for _ in 0..3 {
            let mut changed = false;
            for key in &keys {
                let Some(words) = map.get(key) else { continue };
                let mut expanded: Vec<Box<str>> = Vec::with_capacity(words.len());
                let mut differs = false;
                for w in words.iter() {
                    match map.get(w) {
                        Some(next) if next.len() != 1 || next[0] != *w => {
                            expanded.extend(next.iter().cloned());
                            differs = true;
                        }
                        _ => expanded.push(w.clone()),
                    }
                }
                if differs {
                    map.insert(key.clone(), expanded.into_boxed_slice());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // A formal word that still maps elsewhere after closing (a cycle) would break
        // idempotence; such entries are dropped.
        let mut unstable: Vec<Box<str>> = Vec::new();
        for (k, words) in &map {
            if words
                .iter()
                .any(|w| map.get(w).is_some_and(|n| n.len() != 1 || n[0] != *w))
            {
                unstable.push(k.clone());
            }
        }
        for k in unstable {
            map.remove(&k);
        }

        let mut targets: Vec<Box<str>> = Vec::new();
        let mut known: FxHashSet<Box<str>> = FxHashSet::default();
        for line in VOCAB.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            for w in words_of(line) {
                if known.insert(w.clone()) {
                    targets.push(w);
                }
            }
        }
        // Slang spellings of the domain lexicon are targets too, after the vocabulary:
        // "hellow" is one slip from "hello" (→ "halo"), "maaci" from "makaci".
        for (k, _) in tsv_pairs(DOMAIN_LEXICON) {
            let k = k.to_lowercase();
            if k.len() >= 5
                && k.bytes().all(|b| b.is_ascii_lowercase())
                && !known.contains(k.as_str())
            {
                let k: Box<str> = Box::from(k);
                known.insert(k.clone());
                targets.push(k);
            }
        }
        for words in map.values() {
            for w in words.iter() {
                known.insert(w.clone());
            }
        }
        // Words with a class are real words, spelled as the classifier should see them.
        let mut classes: FxHashMap<Box<str>, Box<str>> = FxHashMap::default();
        for (w, class) in tsv_pairs(WORD_CLASSES) {
            let w: Box<str> = Box::from(w.to_lowercase());
            known.insert(w.clone());
            classes.insert(w, Box::from(class));
        }
        // Place names are real words too; without this "Sleman" could be "corrected".
        for r in wilayah::regencies() {
            for w in words_of(crate::entities::regency_short_name(r)) {
                known.insert(w);
            }
        }

        let mut deletes: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        for (i, t) in targets.iter().enumerate() {
            let b = t.as_bytes();
            if b.len() < 4 || b.len() > MAX_TYPO_LEN || !b.iter().all(u8::is_ascii_alphabetic) {
                continue;
            }
            for_each_delete(b, max_edits(b.len()), &mut |v| {
                let key = String::from_utf8_lossy(v);
                let entry = deletes.entry(Box::from(key.as_ref())).or_default();
                if !entry.contains(&(i as u32)) {
                    entry.push(i as u32);
                }
            });
        }
        Lexicon {
            map,
            known,
            targets,
            deletes,
            classes,
        }
    }

    /// The formal words for an informal word, if the lexicon has one.
    pub(crate) fn formal(&self, word: &str) -> Option<&[Box<str>]> {
        self.map.get(word).map(|w| &**w)
    }

    /// The class of a normalised word, if `data/wordclass.tsv` gives it one.
    pub(crate) fn word_class(&self, word: &str) -> Option<&str> {
        self.classes.get(word).map(|c| &**c)
    }

    /// Whether a word needs no change: in the vocabulary or a formal form of the lexicon.
    pub(crate) fn is_known(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    /// Known as is or through the lexicon.
    pub(crate) fn recognised(&self, word: &str) -> bool {
        self.known.contains(word) || self.map.contains_key(word)
    }

    /// The closest vocabulary word within the allowed edit distance, if one is unambiguous
    /// enough: the same first letter, the smallest distance, ties going to the earlier word of
    /// the vocabulary (which lists domain words first). Only ASCII words are corrected; the
    /// lookups allocate nothing, which keeps a message with several long unknown words within
    /// the latency budget.
    pub(crate) fn correct(&self, word: &str) -> Option<&str> {
        let b = word.as_bytes();
        let allowed = max_edits(b.len());
        if allowed == 0 || b.len() > MAX_TYPO_LEN || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        // The index holds targets with up to `allowed` letters deleted, so a typed word that
        // lost letters is found as is; a swap is found through one deletion on both sides.
        for_each_delete(b, 1, &mut |v| {
            let Some(cands) = std::str::from_utf8(v)
                .ok()
                .and_then(|v| self.deletes.get(v))
            else {
                return;
            };
            for &ci in cands {
                let Some(target) = self.targets.get(ci as usize) else {
                    continue;
                };
                let t = target.as_bytes();
                if t.first() != b.first() || t.len().abs_diff(b.len()) > allowed {
                    continue;
                }
                let Some(d) = slip(b, t, allowed.min(max_edits(t.len()))) else {
                    continue;
                };
                if best.is_none_or(|(bd, bi)| (d, ci) < (bd, bi)) {
                    best = Some((d, ci));
                }
            }
        });
        best.and_then(|(_, i)| self.targets.get(i as usize))
            .map(|t| &**t)
    }
}

/// How many slips turn `target` into `typed`, if the difference is the kind chat typing makes:
/// letters left out ("tghn", "pusksmas", "rujkan") or two neighbours swapped ("tagihna").
/// Substitutions and extra letters are not accepted: in a language dense with near-homographs
/// they mostly turn one real word into another ("pengajuan"/"pengaduan", "susah"/"sudah").
fn slip(typed: &[u8], target: &[u8], allowed: usize) -> Option<usize> {
    if typed == target || allowed == 0 {
        return None;
    }
    if typed.len() == target.len() {
        let diffs: Vec<usize> = (0..typed.len())
            .filter(|&i| typed[i] != target[i])
            .collect();
        return match diffs.as_slice() {
            [i, j] if *j == i + 1 && typed[*i] == target[*j] && typed[*j] == target[*i] => Some(1),
            _ => None,
        };
    }
    let missing = target.len().checked_sub(typed.len())?;
    if missing > allowed {
        return None;
    }
    // `typed` must be `target` with letters removed: a subsequence.
    let mut it = target.iter();
    typed.iter().all(|c| it.any(|t| t == c)).then_some(missing)
}

/// Calls `f` with the word and every string obtained by deleting up to `edits` (at most 2)
/// bytes; variants may repeat. Uses a stack buffer: no allocation.
fn for_each_delete(word: &[u8], edits: usize, f: &mut dyn FnMut(&[u8])) {
    let n = word.len();
    let mut buf = [0u8; MAX_TYPO_LEN];
    if n > MAX_TYPO_LEN {
        return;
    }
    f(word);
    if edits == 0 {
        return;
    }
    for i in 0..n {
        let mut k = 0;
        for (p, &c) in word.iter().enumerate() {
            if p != i {
                buf[k] = c;
                k += 1;
            }
        }
        f(&buf[..k]);
        if edits >= 2 {
            for j in i + 1..n {
                let mut k = 0;
                for (p, &c) in word.iter().enumerate() {
                    if p != i && p != j {
                        buf[k] = c;
                        k += 1;
                    }
                }
                f(&buf[..k]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_letters_and_swaps_are_slips_other_edits_are_not() {
        assert_eq!(slip(b"tagihna", b"tagihan", 1), Some(1));
        assert_eq!(slip(b"tghn", b"tagihan", 2), None); // three letters missing
        assert_eq!(slip(b"tgihan", b"tagihan", 1), Some(1));
        assert_eq!(slip(b"pusksmas", b"puskesmas", 2), Some(1));
        assert_eq!(slip(b"pengajuan", b"pengaduan", 2), None);
        assert_eq!(slip(b"tagihan", b"tagihan", 2), None);
        assert_eq!(slip(b"tagihaan", b"tagihan", 2), None);
    }

    #[test]
    fn domain_typos_are_corrected_and_real_words_are_not() {
        let lx = &*LEXICON;
        assert_eq!(lx.correct("tagihna"), Some("tagihan"));
        assert_eq!(lx.correct("tunggakn"), Some("tunggakan"));
        assert_eq!(lx.correct("puskesmsa"), Some("puskesmas"));
        assert_eq!(lx.correct("rujkan"), Some("rujukan"));
        // Too short to correct safely, or another real word.
        assert_eq!(lx.correct("bpj"), None);
        assert_eq!(lx.correct("emas"), None);
        assert_eq!(lx.correct("pengajuan"), None);
        assert_eq!(lx.correct("menonaktifkan"), None);
        // Nothing near.
        assert_eq!(lx.correct("qwertyuiop"), None);
    }

    #[test]
    fn every_formal_form_is_a_fixed_point() {
        let lx = &*LEXICON;
        for words in lx.map.values() {
            for w in words.iter() {
                if let Some(again) = lx.formal(w) {
                    assert_eq!(again.len(), 1, "{w} maps to {again:?}");
                    assert_eq!(&again[0], w);
                }
            }
        }
    }

    #[test]
    fn the_domain_lexicon_overrides_indocollex() {
        let lx = &*LEXICON;
        // IndoCollex reads "kk" as "kakak"; for JKN participants it is the family card.
        assert_eq!(
            lx.formal("kk").map(|w| w.to_vec()),
            Some(vec![Box::from("kk")])
        );
        assert_eq!(
            lx.formal("sy").map(|w| w.to_vec()),
            Some(vec![Box::from("saya")])
        );
    }
}

//! Normalisation of colloquial Indonesian chat messages.
//!
//! `"Halooo kak,bpjs sy msh aktif ga?? 🙏"` becomes
//! `"halo kak bpjs saya masih aktif tidak xsembah"`. Steps, per character and then per word:
//!
//! 1. Unicode: each character is decomposed (NFKD, so full-width and styled letters become
//!    ASCII), lower-cased, and stripped of combining marks ("é" → "e"). This is NFKC plus accent
//!    folding, done per character so every output character keeps its original position.
//! 2. A few emoji carry meaning in chats (🙏 thanks/please, 👍 ok) and become pseudo-words;
//!    other emoji and punctuation separate words.
//! 3. Words glued to numbers are split ("5bln" → "5 bulan", "rp150.000" → "rp 150.000"),
//!    except reduplication ("anak2" → "anak anak"), which applies unless the word is one that
//!    takes a number ("kelas2" → "kelas 2").
//! 4. Letters repeated for emphasis are squeezed ("halooo" → "halo", "kakk" → "kak").
//! 5. Slang and abbreviations go through the domain lexicon and IndoCollex ("sy" → "saya",
//!    "nunggak" → "menunggak", "puskes" → "puskesmas").
//! 6. Unknown words are tried as a known word plus a clitic ("kartunya" → "kartu nya"), as two
//!    known words run together ("cekstatus" → "cek status"), then against the vocabulary
//!    within a small edit distance ("tagihna" → "tagihan").
//!
//! Normalising the output again changes nothing (checked by a property test).
//!
//! Each output token remembers the span of the original message it came from, in **char**
//! offsets (not bytes), so that entities can point into the text the participant wrote.

use crate::lexicon::LEXICON;
use std::ops::Range;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Whether a token came from letters or from a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// Digits, possibly with separators between digits ("150.000", "12/03/1988", "1,5").
    Number,
}

/// One normalised word with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range of the normalised word in [`Normalized::text`].
    text: Range<usize>,
    /// Byte range of the folded original chunk in the surface buffer (for place names, which
    /// must not go through slang mapping or typo correction).
    surface: Range<usize>,
    /// Char offsets into the original message, end exclusive.
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// A normalised message: the normalised text and its tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    surface: String,
    tokens: Vec<Token>,
}

impl Normalized {
    /// The normalised words joined by single spaces.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The normalised word of token `i` ("" past the end).
    pub fn word(&self, i: usize) -> &str {
        self.tokens
            .get(i)
            .and_then(|t| self.text.get(t.text.clone()))
            .unwrap_or("")
    }

    /// The original chunk of token `i`, folded (lower case, no accents) but not mapped.
    pub fn surface(&self, i: usize) -> &str {
        self.tokens
            .get(i)
            .and_then(|t| self.surface.get(t.surface.clone()))
            .unwrap_or("")
    }

    pub fn into_text(self) -> String {
        self.text
    }

    fn push(&mut self, word: &str, surface: Range<usize>, span: (usize, usize), kind: TokenKind) {
        if word.is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let from = self.text.len();
        self.text.push_str(word);
        self.tokens.push(Token {
            text: from..self.text.len(),
            surface,
            start: span.0,
            end: span.1,
            kind,
        });
    }
}

/// Folds one character: compatibility decomposition, lower case, no combining marks. Applied
/// twice internally because lower-casing can produce a combining mark ("İ" → "i̇") and
/// decomposition can produce upper case ("㎒" → "MHz"); two rounds reach a fixed point.
pub(crate) fn fold_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    decompose_compatible(c, |d| {
        for l in d.to_lowercase() {
            decompose_compatible(l, |e| {
                if !is_combining_mark(e) {
                    for f in e.to_lowercase() {
                        if !is_combining_mark(f) {
                            out.push(f);
                        }
                    }
                }
            });
        }
    });
}

/// Emoji that carry meaning in a service chat, as pseudo-words the classifier can learn from.
fn emoji_word(c: char) -> Option<&'static str> {
    Some(match c {
        '🙏' => "xsembah",
        '👍' | '👌' | '🆗' => "oke",
        '😊' | '🙂' | '😁' | '😀' | '😃' | '😄' | '☺' | '🤗' => "xsenyum",
        '😂' | '🤣' | '😆' => "xtawa",
        '😭' | '😢' | '😞' | '😔' | '☹' | '😥' | '😩' => "xsedih",
        '😡' | '😠' | '🤬' | '😤' => "xmarah",
        '❤' | '💕' | '😍' | '🥰' | '💖' => "xhati",
        _ => return None,
    })
}

/// Words that are followed by a number, so a glued "2" is a number and not reduplication:
/// "kelas2" is class 2, "anak2" is "anak-anak".
const NUMBER_HEADS: &[&str] = &[
    "kelas", "kls", "kelaz", "faskes", "fktp", "lantai", "lt", "tahap", "no", "nomor", "nmr",
    "nomer", "tgl", "tanggal", "jam", "poli", "loket", "rt", "rw", "ke", "kamar", "ruang", "bulan",
    "bln", "tahun", "thn", "th", "umur", "usia", "kode", "hari", "hr", "minggu", "mgg", "blok",
    "gang", "gg", "jl", "jalan", "angsuran", "cicilan", "rp", "va", "nik", "pasal", "tipe", "type",
    "level", "lv", "step", "langkah", "opsi", "pilihan", "menu", "antrian", "antrean", "tingkat",
    "tk", "ruko", "x", "jt", "rb", "ribu", "juta",
];

/// One character of the original message after folding, with its original char index.
#[derive(Clone, Copy)]
struct Ch {
    c: char,
    at: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_number_sep(c: char) -> bool {
    matches!(c, '.' | ',' | '/' | ':' | '-')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '`' | '\u{2018}')
}

/// Normalises a message. See the module documentation for the steps.
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized {
        text: String::with_capacity(text.len() + 8),
        surface: String::with_capacity(text.len() + 8),
        tokens: Vec::with_capacity(16),
    };
    let mut chars: Vec<Ch> = Vec::with_capacity(text.len());
    let mut folded = String::new();
    // Emoji pseudo-words are emitted in order with the words around them, so the chunk being
    // built is flushed first.
    for (at, c) in text.chars().enumerate() {
        if let Some(word) = emoji_word(c) {
            flush(&mut chars, &mut out);
            let s = out.surface.len();
            out.surface.push_str(word);
            let e = out.surface.len();
            out.push(word, s..e, (at, at + 1), TokenKind::Word);
            continue;
        }
        folded.clear();
        fold_into(c, &mut folded);
        for f in folded.chars() {
            chars.push(Ch { c: f, at });
        }
    }
    flush(&mut chars, &mut out);
    out
}

/// Splits the pending folded characters into chunks and processes each.
fn flush(chars: &mut Vec<Ch>, out: &mut Normalized) {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !is_word_char(chars[i].c) {
            i += 1;
            continue;
        }
        // A chunk: word characters, with apostrophes inside words dropped ("jum'at") and
        // separators kept between digits ("150.000", "12/03/1988").
        let mut chunk: Vec<Ch> = Vec::new();
        while i < n {
            let c = chars[i].c;
            if is_word_char(c) {
                chunk.push(chars[i]);
                i += 1;
            } else if i + 1 < n
                && !chunk.is_empty()
                && is_word_char(chars[i + 1].c)
                && ((is_number_sep(c)
                    && chunk.last().is_some_and(|p| p.c.is_ascii_digit())
                    && chars[i + 1].c.is_ascii_digit())
                    || (is_apostrophe(c)
                        && chunk.last().is_some_and(|p| p.c.is_alphabetic())
                        && chars[i + 1].c.is_alphabetic()))
            {
                if is_number_sep(c) {
                    chunk.push(chars[i]);
                }
                i += 1;
            } else if c == '-'
                && i + 1 < n
                && chunk.last().is_some_and(|p| p.c.is_alphabetic())
                && chars[i + 1].c.is_alphabetic()
            {
                // "m-jkn", "e-ktp", "e-mail" are one word when the joined form is known;
                // "anak-anak" is reduplication and splits.
                let mut j = i + 1;
                while j < n && chars[j].c.is_alphabetic() {
                    j += 1;
                }
                let left: String = chunk
                    .iter()
                    .rev()
                    .take_while(|x| x.c.is_alphabetic())
                    .map(|x| x.c)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let right: String = chars[i + 1..j].iter().map(|x| x.c).collect();
                let joined = format!("{left}{right}");
                if LEXICON.recognised(&joined) && left != right {
                    i += 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        process_chunk(&chunk, out);
    }
    chars.clear();
}

/// A run of letters or of digits inside a chunk.
struct Segment<'a> {
    chars: &'a [Ch],
    digits: bool,
}

fn segments(chunk: &[Ch]) -> Vec<Segment<'_>> {
    let mut segs = Vec::new();
    let mut from = 0;
    for i in 1..=chunk.len() {
        let boundary = i == chunk.len() || {
            let a = chunk[i - 1].c;
            let b = chunk[i].c;
            let a_num = a.is_ascii_digit() || is_number_sep(a);
            let b_num = b.is_ascii_digit() || is_number_sep(b);
            a_num != b_num
        };
        if boundary {
            let part = &chunk[from..i];
            segs.push(Segment {
                digits: part.first().is_some_and(|c| c.c.is_ascii_digit()),
                chars: part,
            });
            from = i;
        }
    }
    segs
}

fn process_chunk(chunk: &[Ch], out: &mut Normalized) {
    if chunk.is_empty() {
        return;
    }
    let segs = segments(chunk);
    let mut k = 0;
    while k < segs.len() {
        let seg = &segs[k];
        let s: String = seg.chars.iter().map(|c| c.c).collect();
        let span = (
            seg.chars.first().map_or(0, |c| c.at),
            seg.chars.last().map_or(0, |c| c.at + 1),
        );
        let surf_from = out.surface.len();
        if !out.surface.is_empty() {
            out.surface.push(' ');
        }
        let surf_start = out.surface.len();
        out.surface.push_str(&s);
        let surface = surf_start..out.surface.len();
        debug_assert!(surf_from <= surf_start);
        if seg.digits {
            out.push(&s, surface, span, TokenKind::Number);
            k += 1;
            continue;
        }
        // Reduplication: letters immediately followed by a lone "2" ("anak2", "hati2").
        let next_is_two = segs
            .get(k + 1)
            .is_some_and(|n| n.chars.len() == 1 && n.chars[0].c == '2');
        let head = squeeze_known(&s);
        let is_head = NUMBER_HEADS.contains(&head.as_str()) || NUMBER_HEADS.contains(&s.as_str());
        if next_is_two && !is_head && s.chars().count() >= 2 {
            let two = &segs[k + 1];
            let two_span = (two.chars[0].at, two.chars[0].at + 1);
            normalize_word(&s, &mut |w| {
                out.push(w, surface.clone(), span, TokenKind::Word);
            });
            normalize_word(&s, &mut |w| {
                out.push(w, surface.clone(), two_span, TokenKind::Word);
            });
            k += 2;
            continue;
        }
        normalize_word(&s, &mut |w| {
            out.push(w, surface.clone(), span, TokenKind::Word);
        });
        k += 1;
    }
}

/// The squeezed form of a word as the lexicon would see it; used to recognise number heads.
fn squeeze_known(w: &str) -> String {
    squeeze(w, 1)
}

/// Collapses runs of three or more identical letters to `keep` letters.
fn squeeze(w: &str, keep: usize) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::with_capacity(w.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let len = j - i;
        let n = if len >= 3 { keep.min(len) } else { len };
        for _ in 0..n {
            out.push(c);
        }
        i = j;
    }
    out
}

/// Collapses every run of repeated letters to one ("kakk" → "kak", "okee" → "oke").
fn collapse_doubles(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut prev: Option<char> = None;
    for c in w.chars() {
        if Some(c) != prev {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

const CLITICS: &[&str] = &["nya", "ku", "mu", "lah", "kah"];

/// Emits the formal form of `w` if the lexicon or vocabulary recognises it.
fn emit_recognised(w: &str, emit: &mut dyn FnMut(&str)) -> bool {
    let lx = &*LEXICON;
    if let Some(formal) = lx.formal(w) {
        for f in formal {
            emit(f);
        }
        return true;
    }
    if lx.is_known(w) {
        emit(w);
        return true;
    }
    false
}

/// Normalises one alphabetic word; may emit several words ("gaperlu" → "tidak perlu").
fn normalize_word(raw: &str, emit: &mut dyn FnMut(&str)) {
    let lx = &*LEXICON;
    let has_long_run = {
        let b: Vec<char> = raw.chars().collect();
        b.windows(3).any(|w| w[0] == w[1] && w[1] == w[2])
    };
    let w: String = if has_long_run {
        let one = squeeze(raw, 1);
        let two = squeeze(raw, 2);
        if one.chars().count() == 1 {
            // Keyboard mashing ("aaaaaa", "kkkkk") is not the one-letter slang word it would
            // squeeze to ("k" = "ribu").
            squeeze(raw, 3)
        } else if lx.recognised(&two) && !lx.recognised(&one) {
            two
        } else {
            one
        }
    } else {
        raw.to_string()
    };
    if emit_recognised(&w, emit) {
        return;
    }
    let single = collapse_doubles(&w);
    if single != w && emit_recognised(&single, emit) {
        return;
    }
    let n = w.chars().count();
    if !w.chars().all(char::is_alphabetic) || n < 4 {
        emit(&w);
        return;
    }
    for clitic in CLITICS {
        if let Some(stem) = w.strip_suffix(clitic) {
            if stem.chars().count() >= 3 && lx.recognised(stem) {
                emit_recognised(stem, emit);
                emit(clitic);
                return;
            }
        }
    }
    if let Some((left, right)) = word_break(&w) {
        emit_recognised(left, emit);
        emit_recognised(right, emit);
        return;
    }
    if let Some(fixed) = lx.correct(&w) {
        if !emit_recognised(fixed, emit) {
            emit(fixed);
        }
        return;
    }
    for clitic in CLITICS {
        if let Some(stem) = w.strip_suffix(clitic) {
            if stem.chars().count() >= 4 {
                if let Some(fixed) = lx.correct(stem) {
                    if !emit_recognised(fixed, emit) {
                        emit(fixed);
                    }
                    emit(clitic);
                    return;
                }
            }
        }
    }
    emit(&w);
}

/// Two recognised words written without a space ("cekstatus", "bpjssaya"); the longest
/// recognised left part wins.
fn word_break(w: &str) -> Option<(&str, &str)> {
    const SHORT_LEFT: &[&str] = &["di", "ke", "sy", "yg", "ga", "gk", "dr"];
    let lx = &*LEXICON;
    if w.len() < 5 || !w.is_ascii() {
        return None;
    }
    for cut in (2..=w.len() - 3).rev() {
        let (left, right) = w.split_at(cut);
        if left.len() < 3 && !SHORT_LEFT.contains(&left) {
            continue;
        }
        if lx.recognised(left) && lx.recognised(right) {
            return Some((left, right));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s).into_text()
    }

    #[test]
    fn a_typical_whatsapp_question_reads_formally() {
        assert_eq!(
            n("Halooo kak,bpjs sy msh aktif ga?? 🙏"),
            "halo kak bpjs saya masih aktif tidak xsembah"
        );
    }

    #[test]
    fn numbers_glued_to_words_are_split() {
        assert_eq!(n("nunggak 5bln"), "menunggak 5 bulan");
        assert_eq!(n("Rp150.000"), "rp 150.000");
        assert_eq!(n("1,5jt"), "1,5 juta");
        assert_eq!(n("kelas2"), "kelas 2");
    }

    #[test]
    fn reduplication_with_a_two_is_spelled_out() {
        assert_eq!(n("anak2 sy"), "anak anak saya");
        assert_eq!(n("anak-anak"), "anak anak");
    }

    #[test]
    fn case_width_and_accents_are_folded() {
        assert_eq!(n("ＢＰＪＳ"), "bpjs");
        assert_eq!(n("KARTÙ"), "kartu");
    }

    #[test]
    fn typos_and_glued_words_are_repaired() {
        assert_eq!(n("tagihna"), "tagihan");
        assert_eq!(n("cekstatus"), "cek status");
        assert_eq!(n("kartunya"), "kartu nya");
    }

    #[test]
    fn spans_point_at_the_original_characters() {
        let text = "Bayar 150rb";
        let norm = normalize(text);
        let words: Vec<(&str, usize, usize)> = (0..norm.len())
            .map(|i| (norm.word(i), norm.tokens()[i].start, norm.tokens()[i].end))
            .collect();
        assert_eq!(words, vec![("bayar", 0, 5), ("150", 6, 9), ("ribu", 9, 11)]);
    }

    #[test]
    fn empty_and_punctuation_only_messages_have_no_tokens() {
        assert!(normalize("").is_empty());
        assert!(normalize("?!... ,,").is_empty());
    }
}

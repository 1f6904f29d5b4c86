//! Cutting text to provider limits without ever splitting a UTF-8 character, and keeping
//! ids unique after cutting so a tapped button still maps back to one choice.

use std::collections::HashSet;

/// Clips to at most `max` characters, marking a cut with '…' so it is visibly shortened.
pub fn clip_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Splits text into chunks of at most `max` characters, preferring to cut after a newline,
/// then after a space, so words stay whole where possible. Always returns at least one chunk.
pub fn split_chars(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut chunks = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        // Byte offset just past the `max`-th character.
        let hard = rest
            .char_indices()
            .nth(max)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let window = &rest[..hard];
        let cut = window
            .rfind('\n')
            .or_else(|| window.rfind(' '))
            .map(|i| i + 1)
            .filter(|&i| i > 0 && i < hard)
            .unwrap_or(hard);
        chunks.push(rest[..cut].trim_end().to_string());
        rest = &rest[cut..];
    }
    if chunks.is_empty() || !rest.trim().is_empty() {
        chunks.push(rest.to_string());
    }
    // A chunk of only whitespace (e.g. after trimming) would be rejected by providers.
    chunks.retain(|c| !c.is_empty());
    if chunks.is_empty() {
        chunks.push(String::new());
    }
    chunks
}

/// Makes every id non-empty, at most `max_bytes` long and distinct (for any limit a provider
/// has; below 4 bytes uniqueness cannot be promised). Ids that already fit and are not taken
/// stay as they are, so taps map back unchanged; the others are cut on a character boundary
/// and given a `~n` suffix.
pub fn unique_ids<'a>(ids: impl IntoIterator<Item = &'a str>, max_bytes: usize) -> Vec<String> {
    let ids: Vec<&str> = ids.into_iter().collect();
    // Reserve the ids that fit, so a later fitting id is never displaced by a renamed one.
    let mut taken: HashSet<String> = HashSet::new();
    let mut keep = vec![false; ids.len()];
    for (i, id) in ids.iter().enumerate() {
        // Providers reject empty ids, so an empty one is renamed like an overlong one.
        if !id.is_empty() && id.len() <= max_bytes && taken.insert((*id).to_string()) {
            keep[i] = true;
        }
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            if keep[i] {
                return (*id).to_string();
            }
            // Each `n` gives a distinct candidate and at most `ids.len()` are taken, so this
            // finds one within `ids.len() + 1` tries while the suffix still fits.
            let mut n = i;
            loop {
                let suffix = format!("~{n}");
                if suffix.len() > max_bytes {
                    // Only for limits far below any provider's (< 4 bytes): give up on
                    // uniqueness rather than loop forever.
                    return prefix_bytes(id, max_bytes).to_string();
                }
                let base = prefix_bytes(id, max_bytes - suffix.len());
                let candidate = format!("{base}{suffix}");
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

/// Clips titles to `max` characters and keeps them distinct (WhatsApp rejects duplicate
/// button titles), by numbering the later duplicates.
pub fn unique_titles<'a>(titles: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    titles
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let clipped = clip_chars(t, max);
            if seen.insert(clipped.clone()) {
                return clipped;
            }
            let mut n = i + 1;
            loop {
                let suffix = format!(" {n}");
                let base = clip_chars(t, max.saturating_sub(suffix.chars().count()));
                let candidate = format!("{base}{suffix}");
                if seen.insert(candidate.clone()) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_prefers_spaces_and_keeps_everything() {
        let chunks = split_chars("satu dua tiga empat", 9);
        assert!(chunks.iter().all(|c| c.chars().count() <= 9));
        assert_eq!(chunks.join(" "), "satu dua tiga empat");
    }

    #[test]
    fn prefix_never_cuts_a_char() {
        assert_eq!(prefix_bytes("aé", 2), "a");
    }
}

//! The labelled corpus: `intent<TAB>text` per line, `#` comments and blank lines ignored.

use crate::hash::fnv;
use crate::intent::Intent;
use crate::NluError;
use std::path::Path;

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub intent: Intent,
    pub text: String,
}

/// Parses corpus text; `path` only names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Labelled>, NluError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, msg) = line.split_once('\t').ok_or_else(|| NluError::Corpus {
            path: path.to_path_buf(),
            line: n + 1,
            reason: "expected intent<TAB>text".into(),
        })?;
        let intent = Intent::from_code(code.trim()).ok_or_else(|| NluError::Corpus {
            path: path.to_path_buf(),
            line: n + 1,
            reason: format!("unknown intent {code:?}"),
        })?;
        out.push(Labelled {
            intent,
            text: msg.to_string(),
        });
    }
    Ok(out)
}

pub fn load(path: &Path) -> Result<Vec<Labelled>, NluError> {
    let text = std::fs::read_to_string(path).map_err(|source| NluError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Fingerprint of everything a trained model depends on besides the code: the train and dev
/// splits and the embedded lexicons that shape normalisation and features.
pub fn fingerprint(train: &str, dev: &str) -> u64 {
    let parts = [
        train,
        dev,
        include_str!("../data/lexicon.tsv"),
        include_str!("../data/vocab.txt"),
        include_str!("../data/wordclass.tsv"),
        include_str!("../data/indocollex/informal-formal.tsv"),
    ];
    let mut all = String::new();
    for p in parts {
        all.push_str(p);
        all.push('\u{0}');
    }
    fnv(all.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_unknown_intents_are_reported_with_their_number() {
        let err = parse("salam\thalo\n\nbogus\tx\n", Path::new("t.tsv"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("t.tsv:3: unknown intent \"bogus\""));
        let ok = parse("# comment\nsalam\thalo kak\n", Path::new("t.tsv"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].intent, Intent::Salam);
    }
}

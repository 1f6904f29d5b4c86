//! `LAYAN_*` variables that no part of Layan reads. The configuration file refuses an unknown
//! key, but the environment is shared with everything else on the machine, so an unknown
//! variable is reported, not refused: a misspelt `LAYAN_WHATSAP_APP_SECRET` would otherwise
//! leave WhatsApp silently disabled, and a setting removed in an upgrade would look applied.

use crate::config::ENV_VARS;

/// Read outside [`crate::Config`]: the CLI's file path, and the scripts' and tests' own.
const READ_ELSEWHERE: &[&str] = &[
    "LAYAN_CONFIG",
    "LAYAN_BIN",
    "LAYAN_BENCH_POSTGRES_URL",
    "LAYAN_TEST_POSTGRES",
    "LAYAN_TEST_POSTGRES_URL",
    "LAYAN_CHROMIUM",
    "LAYAN_BROADCAST_SCALE",
];

/// Settings that existed once, with what replaced them.
const RETIRED: &[(&str, &str)] = &[(
    "LAYAN_OUTREACH_LEASE_SECS",
    "broadcasts are fed by the node holding the processing role (LAYAN_MESSAGING_LEASE_SECS)",
)];

/// A typo this far from a real name is still recognised; further, a suggestion would mislead.
const MAX_SUGGESTION_EDITS: usize = 3;

/// One ignored variable and the sentence an operator reads about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredVar {
    pub name: String,
    pub advice: String,
}

/// The `LAYAN_*` names among `names` that nothing reads, in the order given.
pub fn ignored_vars(names: impl IntoIterator<Item = String>) -> Vec<IgnoredVar> {
    names
        .into_iter()
        .filter(|name| name.starts_with("LAYAN_") && !is_read(name))
        .map(|name| {
            let advice = advice(&name);
            IgnoredVar { name, advice }
        })
        .collect()
}

fn is_read(name: &str) -> bool {
    ENV_VARS.iter().any(|(var, _)| *var == name) || READ_ELSEWHERE.contains(&name)
}

fn advice(name: &str) -> String {
    if let Some((_, instead)) = RETIRED.iter().find(|(old, _)| *old == name) {
        return format!("{name} is no longer used and is ignored: {instead}");
    }
    match nearest_setting(name) {
        Some(setting) => {
            format!("{name} is not a Layan setting and is ignored; did you mean {setting}?")
        }
        None => format!("{name} is not a Layan setting and is ignored"),
    }
}

/// The configuration variable closest in spelling, when it is close enough to be a typo.
fn nearest_setting(name: &str) -> Option<&'static str> {
    ENV_VARS
        .iter()
        .map(|(var, _)| (edit_distance(name, var), *var))
        .filter(|(edits, _)| *edits <= MAX_SUGGESTION_EDITS)
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, var)| var)
}

/// Levenshtein distance over bytes (the names are ASCII), one row at a time.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let replaced = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = replaced.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn settings_and_variables_read_elsewhere_are_not_reported() {
        let mut all: Vec<&str> = ENV_VARS.iter().map(|(var, _)| *var).collect();
        all.extend(READ_ELSEWHERE);
        all.extend(["HOME", "PATH", "RUST_LOG", "layan_listen"]);
        assert_eq!(ignored_vars(names(&all)), vec![]);
    }

    #[test]
    fn a_misspelt_setting_is_reported_with_the_setting_meant() {
        let ignored = ignored_vars(names(&["LAYAN_WHATSAP_APP_SECRET", "HOME"]));
        assert_eq!(
            ignored,
            vec![IgnoredVar {
                name: "LAYAN_WHATSAP_APP_SECRET".into(),
                advice: "LAYAN_WHATSAP_APP_SECRET is not a Layan setting and is ignored; \
                         did you mean LAYAN_WHATSAPP_APP_SECRET?"
                    .into(),
            }]
        );
        let swapped = ignored_vars(names(&["LAYAN_MESSAGING_WOKRERS"]));
        assert!(swapped[0]
            .advice
            .ends_with("did you mean LAYAN_MESSAGING_WORKERS?"));
    }

    #[test]
    fn a_name_far_from_every_setting_gets_no_suggestion() {
        let ignored = ignored_vars(names(&["LAYAN_FEATURE_FLAGS"]));
        assert_eq!(
            ignored[0].advice,
            "LAYAN_FEATURE_FLAGS is not a Layan setting and is ignored"
        );
    }

    #[test]
    fn a_retired_setting_says_what_replaced_it() {
        let ignored = ignored_vars(names(&["LAYAN_OUTREACH_LEASE_SECS"]));
        assert_eq!(ignored.len(), 1);
        assert!(ignored[0]
            .advice
            .starts_with("LAYAN_OUTREACH_LEASE_SECS is no longer used"));
        assert!(ignored[0].advice.contains("LAYAN_MESSAGING_LEASE_SECS"));
    }

    #[test]
    fn retired_names_are_not_settings_and_settings_are_not_read_elsewhere() {
        for (old, _) in RETIRED {
            assert!(!is_read(old), "{old} is retired but still read");
        }
        for name in READ_ELSEWHERE {
            assert!(
                !ENV_VARS.iter().any(|(var, _)| var == name),
                "{name} is a setting"
            );
        }
    }

    /// Misspelt on purpose in the binary's own tests, to see them reported.
    const DELIBERATE_TYPOS: &[&str] = &["LAYAN_WHATSAP_APP_SECRET"];

    /// Every `LAYAN_*` name the project's code, scripts and docs mention is read somewhere (or
    /// retired), so a variable added to a script or a test is not reported as a mistake.
    #[test]
    fn every_variable_the_project_mentions_is_known() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = vec![root.join("README.md")];
        for dir in ["crates", "scripts", ".ci", "docs"] {
            collect_files(&root.join(dir), &mut files);
        }
        let this_file = std::path::Path::new(file!()).file_name();
        let mut mentioned = Vec::new();
        for file in files.iter().filter(|f| f.file_name() != this_file) {
            if let Ok(text) = std::fs::read_to_string(file) {
                mentioned.extend(variable_names(&text));
            }
        }
        assert!(
            mentioned.len() > ENV_VARS.len(),
            "the scan found too little"
        );
        mentioned.sort();
        mentioned.dedup();
        let unknown: Vec<_> = mentioned
            .into_iter()
            .filter(|name| {
                !is_read(name)
                    && !RETIRED.iter().any(|(old, _)| old == name)
                    && !DELIBERATE_TYPOS.contains(&name.as_str())
            })
            .collect();
        assert_eq!(unknown, Vec::<String>::new());
    }

    fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    collect_files(&path, out);
                }
            } else {
                out.push(path);
            }
        }
    }

    /// Whole names only: `LAYAN_WHATSAPP_*` in prose is a prefix, not a variable.
    fn variable_names(text: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("LAYAN_") {
            let tail = &rest[at..];
            let len = tail
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(tail.len());
            let name = &tail[..len];
            if !name.ends_with('_') {
                names.push(name.to_string());
            }
            rest = &tail[len..];
        }
        names
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        assert_eq!(edit_distance("WORKERS", "WOKRERS"), 2);
        for (a, b) in [("LAYAN_DEMO", "LAYAN_DEMO_SEED"), ("abc", "cab")] {
            assert_eq!(edit_distance(a, b), edit_distance(b, a));
        }
    }
}

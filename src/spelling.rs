//! What the user typed, said back: the "did you mean" of a crate name spelt nearly right in
//! the configuration or on the command line, and why a regular expression is invalid.

use std::collections::BTreeSet;

/// Why `pattern` is no regular expression, in one line (`unclosed group`), or `None` when it is
/// one. The regex crate's own message draws the pattern with a caret under it over several
/// lines (QA an F2: `--ready 'line:('` printed five lines and two `error:`s).
pub fn invalid_regex(pattern: &str) -> Option<String> {
    let e = regex::Regex::new(pattern).err()?.to_string();
    let last = e.lines().last().unwrap_or_default().trim();
    Some(last.strip_prefix("error: ").unwrap_or(last).to_string())
}

/// The name in `known` closest to `name`, if it is close enough to be the one meant: at most a
/// third of the name's characters apart (at least one), `-` and `_` and case not counted; of
/// names in as many `-`/`_` parts, each part so too: `tree_sitter_rust` is not a misspelt
/// `tree_sitter_ruby`, two edits in a part of four letters (QA dm F6).
pub fn nearest<'k>(name: &str, known: &BTreeSet<&'k str>) -> Option<&'k str> {
    known
        .iter()
        .map(|&k| (distance(name, k), k))
        .filter(|&(d, k)| close(d, name) && parts_close(name, k))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Whether `d` edits are few enough for a misspelling of `name`.
fn close(d: usize, name: &str) -> bool {
    d <= (name.chars().count() / 3).max(1)
}

/// Whether each part of `a` is close to `b`'s part in its place, where both have as many.
fn parts_close(a: &str, b: &str) -> bool {
    let parts = |s: &str| s.split(['-', '_']).map(str::to_string).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    pa.len() != pb.len() || pa.iter().zip(&pb).all(|(x, y)| close(distance(x, y), x))
}

/// The edit distance between `a` and `b` as a typist makes edits: a letter left out, added,
/// changed, or two neighbours swapped (`zoxdie` for `zoxide` is one edit, where Levenshtein
/// counts two: QA ch F3); as cargo spells names, `-` is `_` and case does not count.
pub fn distance(a: &str, b: &str) -> usize {
    let norm = |s: &str| s.replace('-', "_").to_ascii_lowercase();
    strsim::osa_distance(&norm(a), &norm(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Ready;

    #[test]
    fn distance_counts_edits_and_ignores_dash_and_case() {
        assert_eq!(distance("libloadng", "libloading"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("openssl_sys", "OpenSSL-sys"), 0);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("zoxdie", "zoxide"), 1);
    }

    #[test]
    fn nearest_suggests_only_a_close_name() {
        let known: BTreeSet<&str> = ["cfg-if", "libloading", "libc"].into();
        assert_eq!(nearest("libloadng", &known), Some("libloading"));
        assert_eq!(nearest("cfg_if", &known), Some("cfg-if"));
        assert_eq!(nearest("openssl-sys", &known), None);
        assert_eq!(nearest("lbic", &known), Some("libc"));
    }

    /// QA dm F6: `--filter tree_sitter_rust` of a binary with `tree_sitter_ruby` asked "did
    /// you mean `tree_sitter_ruby`?": another crate, not a misspelling. A part misspelt is.
    #[test]
    fn a_name_of_another_word_in_one_part_is_not_suggested() {
        let known: BTreeSet<&str> = ["tree_sitter_ruby", "serde_json", "regex-syntax"].into();
        assert_eq!(nearest("tree_sitter_rust", &known), None);
        assert_eq!(nearest("tree_sitter_rby", &known), Some("tree_sitter_ruby"));
        assert_eq!(nearest("serde_jsn", &known), Some("serde_json"));
        assert_eq!(nearest("regex_syntx", &known), Some("regex-syntax"));
        assert_eq!(nearest("serdejson", &known), Some("serde_json"));
    }

    /// QA an F2: `--ready 'line:('` printed the regex crate's five lines (the pattern, a caret,
    /// a second `error:`); the reason is one line, the one the crate ends with.
    #[test]
    fn an_invalid_regex_is_said_in_one_line() {
        assert_eq!(invalid_regex("("), Some("unclosed group".into()));
        assert_eq!(invalid_regex("ready on [0-9]+"), None);
        let e = Ready::parse("line:(").expect_err("invalid");
        assert_eq!(e, "`(` is not a valid regular expression (unclosed group)");
        assert_eq!(e.lines().count(), 1);
    }
}

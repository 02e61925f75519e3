//! Tests of `workspace.rs`.

use super::Glob;

fn matches(pattern: &str, name: &str) -> bool {
    Glob::new(pattern).expect("a glob").matches(name)
}

#[test]
fn globs_match_names_as_cargo_does() {
    for (pattern, name, want) in [
        ("grep-*", "grep-cli", true),
        ("grep-*", "grep-", true),
        ("grep-*", "grep", false),
        ("*", "anything", true),
        ("**", "anything", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("?eta", "beta", true),
        ("?eta", "eta", false),
        ("[ab]*", "beta", true),
        ("[!ab]*", "beta", false),
        ("[a-c]lpha", "alpha", true),
        ("[x-z]lpha", "alpha", false),
        ("[]]x", "]x", true),
        ("[-a]x", "-x", true),
        ("a]", "a]", true),
    ] {
        assert_eq!(matches(pattern, name), want, "{pattern} vs {name}");
    }
}

#[test]
fn malformed_globs_are_refused_as_glob_refuses_them() {
    for pattern in ["a[bc", "a**", "***", "[!]"] {
        assert!(Glob::new(pattern).is_err(), "{pattern}");
    }
}

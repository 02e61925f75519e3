use super::*;

fn why(matched: &str, pattern: &str) -> Why {
    Why {
        pattern: pattern.into(),
        matched: matched.into(),
        entry_points: None,
        entry_names: None,
        chains: Vec::new(),
        more: 0,
        note: None,
        crates_first: None,
        spare: Vec::new(),
    }
}

fn chain(target: &str) -> Chain {
    Chain {
        target: target.into(),
        steps: Vec::new(),
        retained: None,
    }
}

/// QA ct F2: `--why serde` (inlined into serde_core and serde_json) kept the ten nearest
/// matches and put serde's first among them, hiding nearer-than-others serde symbols past the
/// tenth: the spare chains of serde's crates replace the others, and the heading says so.
#[test]
fn a_crate_of_its_name_is_chosen_among_all_the_matches() {
    let deps = Dependencies::of_pairs(&[("dust", &["serde"]), ("serde", &[])]);
    let mut w = why("symbol", "serde");
    w.chains = vec![
        chain("serde_core::de::Error::duplicate_field"),
        chain("dust::display_node::serialize"),
        chain("toml::de::next_value_seed"),
    ];
    w.spare = vec![chain("serde_json::ser::format_escaped_str")];
    w.more = 40;
    note_dependency(&mut w, &deps, "dust");
    let order: Vec<&str> = w.chains.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(
        order,
        [
            "serde_core::de::Error::duplicate_field",
            "serde_json::ser::format_escaped_str",
            "dust::display_node::serialize",
        ]
    );
    assert_eq!(w.more, 40, "as many matches as before");
    assert_eq!(w.crates_first.as_deref(), Some("serde"));
    assert!(w.order_words().starts_with("those of crates named `serde`"));
}

/// QA av F2: `--why nix` of a binary that depends on nix, which has no symbol of its own,
/// says so before the symbols that match `nix` as a pattern; not for a crate the binary
/// does not depend on, nor for a crate or no match.
#[test]
fn a_dependency_without_symbols_is_said_to_be_one() {
    let deps = Dependencies::of_pairs(&[
        ("hyperfine", &["nix", "libc"]),
        ("nix", &["libc"]),
        ("libc", &[]),
        ("other", &[]),
    ]);
    let mut w = why("symbol", "nix");
    note_dependency(&mut w, &deps, "hyperfine");
    let note = w.note.expect("a note");
    assert!(
        note.starts_with("`nix` is a crate this binary depends on, with no symbol"),
        "{note}"
    );
    for (matched, pattern) in [("symbol", "other"), ("crate", "nix"), ("none", "nix")] {
        let mut w = why(matched, pattern);
        note_dependency(&mut w, &deps, "hyperfine");
        assert_eq!(w.note, None, "{matched} {pattern}");
    }
    let mut w = why("symbol", "hyperfine");
    note_dependency(&mut w, &deps, "hyperfine");
    assert_eq!(w.note, None);
}

/// QA br F5: `--why dirs` (inlined) matched glibc's `_dl_all_dirs` and zoxide's
/// `exclude_dirs` before `dirs_sys::home_dir`: a crate of its name comes first, the others
/// in their order.
#[test]
fn symbols_of_a_crate_of_its_name_come_first() {
    let deps = Dependencies::of_pairs(&[("zoxide", &["dirs"]), ("dirs", &["dirs-sys"])]);
    let mut w = why("symbol", "dirs");
    for target in [
        "_dl_all_dirs",
        "zoxide::config::exclude_dirs",
        "dirs_sys::target_unix_not_redox::home_dir",
        "__rtld_search_dirs",
    ] {
        w.chains.push(Chain {
            target: target.into(),
            steps: Vec::new(),
            retained: None,
        });
    }
    note_dependency(&mut w, &deps, "zoxide");
    let order: Vec<&str> = w.chains.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(
        order,
        [
            "dirs_sys::target_unix_not_redox::home_dir",
            "_dl_all_dirs",
            "zoxide::config::exclude_dirs",
            "__rtld_search_dirs"
        ]
    );
}

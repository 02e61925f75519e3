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
    }
}

/// QA ct F2, cv F3: `--why serde` (inlined into serde_core and serde_json) kept the ten
/// nearest matches and put serde's first among them only on the main command, hiding nearer
/// serde symbols past the tenth: they are chosen among all the matches, first.
#[test]
fn a_crate_of_its_name_is_chosen_among_all_the_matches() {
    let mut hits: Vec<(u32, String)> = [
        "serde_core::de::Error::duplicate_field",
        "dust::display_node::serialize",
        "toml::de::next_value_seed",
        "serde_json::ser::format_escaped_str",
    ]
    .iter()
    .enumerate()
    .map(|(k, n)| (k as u32, n.to_string()))
    .collect();
    assert_eq!(crates_first(&mut hits, "serde").as_deref(), Some("serde"));
    let order: Vec<u32> = hits.iter().map(|h| h.0).collect();
    assert_eq!(order, [0, 3, 1, 2]);
    let w = Why {
        crates_first: Some("serde".into()),
        ..why("symbol", "serde")
    };
    assert!(w.order_words().starts_with("those of crates named `serde`"));
    // No match of such a crate: the order stays, nothing said.
    let mut other = vec![(0u32, "_dl_all_dirs".to_string())];
    assert_eq!(crates_first(&mut other, "dirs-x"), None);
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
    let mut hits: Vec<(u32, String)> = [
        "_dl_all_dirs",
        "zoxide::config::exclude_dirs",
        "dirs_sys::target_unix_not_redox::home_dir",
        "__rtld_search_dirs",
    ]
    .iter()
    .map(|n| (0u32, n.to_string()))
    .collect();
    assert_eq!(crates_first(&mut hits, "dirs").as_deref(), Some("dirs"));
    let order: Vec<&str> = hits.iter().map(|h| h.1.as_str()).collect();
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

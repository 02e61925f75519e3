//! What a feature's row says of its dependencies and of the crates that shrink.

use super::*;

/// QA r, F5: grex's `cli = ["clap"]` read "cli (dep: clap)" though its variant is built with
/// `clap` (another default feature), like the row without `clap`: the dependency it keeps
/// is said to be kept.
#[test]
fn a_dependency_another_feature_keeps_is_said_to_stay() {
    let mut a = advice();
    let f = &mut a.binaries[0].features[0];
    f.feature = "cli".into();
    f.enables = vec!["clap".into(), "bigtable".into()];
    f.built_with = vec!["clap".into()];
    let style = plain();
    let s = human(&a, &style);
    assert!(
        s.contains("    cli (dep: clap, kept by the other features; bigtable)"),
        "{s}"
    );
}

/// QA bq F7: a dependency declared for another target only is said not to be built here,
/// apart from the others.
#[test]
fn a_dependency_of_another_target_is_said_so() {
    let f = FeatureAdvice {
        feature: "net".into(),
        enables: vec!["network-interface".into(), "socket2".into()],
        not_for_target: vec!["network-interface".into()],
        ..FeatureAdvice::default()
    };
    assert_eq!(
        f.enables_words(),
        "network-interface, not built for this target; socket2"
    );
}

/// QA cz F3: a crate whose two sizes read alike is said in exact bytes.
#[test]
fn a_shrinking_crate_whose_sizes_read_alike_is_said_in_bytes() {
    let said = shrinking(&[crate::report::ShrinkingCrate {
        name: "std".into(),
        file_size: 1_302_272,
        file_size_without: 1_295_929,
    }]);
    assert_eq!(said, "std (1,302,272 B → 1,295,929 B)");
}

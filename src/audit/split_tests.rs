//! Tests of `split.rs`.

use super::*;
use crate::report::RefKind;

fn step(symbol: &str, krate: Option<&str>) -> Step {
    Step::named(symbol, krate, RefKind::Call)
}

/// QA bc F4: the note goes in the list's parentheses; the list reads as before.
#[test]
fn a_note_on_the_defines_line_keeps_its_list() {
    let rule = super::super::rules::find("AOT004").expect("AOT004");
    let mut f = super::super::findings::new_finding(rule, "nix", "1.0.0", vec![]);
    f.evidence = vec![format!("{DEFINES}`getpwuid_r`, `initgroups`")];
    note_defines(&mut f, "`initgroups` referred to by no code");
    assert_eq!(
        f.evidence[0],
        format!("{DEFINES}`getpwuid_r`, `initgroups` (`initgroups` referred to by no code)")
    );
    f.evidence = vec![format!(
        "{DEFINES}`initgroups` (named by its analysis link)"
    )];
    note_defines(&mut f, "x");
    assert_eq!(
        f.evidence[0],
        format!("{DEFINES}`initgroups` (named by its analysis link; x)")
    );
    assert_eq!(f.defined(), ["initgroups"]);
}

#[test]
fn a_chain_line_is_told_from_the_reachable_too_line() {
    let names = ["getaddrinfo"];
    assert!(is_chain_to(
        "`getaddrinfo` is reachable: _start → main",
        &names
    ));
    assert!(is_chain_to(
        "`getaddrinfo` is reachable through std: _start → main",
        &names
    ));
    assert!(!is_chain_to(
        "`getaddrinfo` is reachable too (`--why '^getaddrinfo$'` shows how)",
        &names
    ));
    assert!(!is_chain_to("`getpwuid_r` is reachable: _start", &names));
}

#[test]
fn the_caller_is_the_last_crate_before_the_function_past_glibc() {
    let std_chain = [
        step("main", None),
        step("app::main", Some("app")),
        step("std::net::lookup_host", Some("std")),
        step("__gai_internal", Some("[libc]")),
        step("getaddrinfo", Some("[libc]")),
    ];
    assert!(last_caller_is_std(&std_chain));
    let users_chain = [
        step("app::main", Some("app")),
        step("users::get_user_by_uid", Some("users")),
        step("getpwuid_r", Some("[libc]")),
    ];
    assert!(!last_caller_is_std(&users_chain));
    assert!(!last_caller_is_std(&[step("getpwuid_r", Some("[libc]"))]));
}

/// The crates that find users make user and group lookups (the reentrant ones, but for
/// `pwd`), dns-lookup host and service ones; a crate the rule does not name may make any.
#[test]
fn what_each_crate_is_known_to_look_up() {
    assert!(known_for("dirs-sys", "getpwuid_r"));
    assert!(known_for("uzers", "getgrgid_r"));
    assert!(known_for("nix", "getgrouplist"));
    assert!(!known_for("dirs-sys", "getaddrinfo"));
    assert!(!known_for("etcetera", "gethostbyname2_r"));
    assert!(known_for("dns-lookup", "getaddrinfo"));
    assert!(!known_for("dns-lookup", "getpwnam"));
    assert!(known_for("my-own-lookups", "getaddrinfo"));
    assert!(known_for("my-own-lookups", "getpwnam"));
    // QA aw F1: the lookups into a static buffer are `pwd`'s alone of them.
    assert!(!known_for("dirs-sys", "getpwuid"));
    assert!(!known_for("nix", "getgrnam"));
    assert!(known_for("nix", "getgrnam_r"));
    assert!(known_for("pwd", "getpwuid"));
    // QA ax F4: dirs-sys looks up no group.
    assert!(!known_for("dirs-sys", "getgrgid_r"));
    assert!(known_for("uzers", "getgrgid_r"));
    assert!(known_for("whoami", "getpwuid_r"));
    // Every crate the rule names has its kind here: the two lists cannot drift apart.
    let rule = rules::find("AOT004").expect("AOT004");
    for t in rule.triggers {
        assert_ne!(kind_of(t.krate), "any", "{} has no kind", t.krate);
    }
}

#[test]
fn narrowing_keeps_the_note_and_never_empties_the_list() {
    let mut f = new_finding(
        rules::find("AOT004").expect("AOT004"),
        "users",
        "0.11.0",
        vec![],
    );
    f.evidence = vec![
        "static binary defines `getaddrinfo`, `getpwuid_r` (named by its analysis link: x)".into(),
        "static binary defines `getaddrinfo`".into(),
    ];
    narrow_defines(&mut f, &["getaddrinfo"]);
    assert_eq!(
        f.evidence,
        [
            "static binary defines `getpwuid_r` (named by its analysis link: x)",
            "static binary defines `getaddrinfo`",
        ]
    );
}

/// QA cn F5: uzers's `getgrgid_r`, said called by its code on a line moved from another
/// finding, was said so a second time by `also_reachable`.
#[test]
fn a_call_said_on_a_moved_line_is_not_said_again() {
    let e = vec![
        "`getpwuid_r`, `getgrgid_r` called by uzers's code (`get_group_by_gid`, the reference \
         graph)"
            .to_string(),
    ];
    assert!(said_called(&e, "getgrgid_r", "uzers"));
    assert!(said_called(&e, "getpwuid_r", "uzers"));
    assert!(!said_called(&e, "getgrnam_r", "uzers"));
    assert!(!said_called(&e, "getgrgid_r", "nix"));
}

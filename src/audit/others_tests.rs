//! Tests of others.rs's pure steps.

use super::lines::{not_said_std, own_callers_of};
use super::*;
use crate::audit::split::STD_SAID;

/// QA ar F1: `procs::main` calls `getpwnam_r` alone; `View::display` `getpwuid_r`. QA bm F5:
/// bottom's `read_proc` reaches `getpwuid_r` through glibc's `getpwuid`, and says so.
#[test]
fn own_callers_are_named_with_their_functions() {
    let own = [
        ("getpwnam_r", "procs::main".to_string(), None),
        ("getpwuid_r", "procs::view::View::display".to_string(), None),
        ("getpwuid_r", "procs::main".to_string(), None),
        (
            "getpwuid_r",
            "read_proc".to_string(),
            Some("getpwuid".to_string()),
        ),
    ];
    assert_eq!(
        own_callers_of(&own[..2], &["getpwuid_r"]),
        vec!["`procs::view::View::display`"]
    );
    assert_eq!(
        own_callers_of(&own[..3], &["getpwuid_r", "getpwnam_r"]),
        vec!["`procs::main`", "`procs::view::View::display`"]
    );
    assert_eq!(
        own_callers_of(&own, &["getpwuid_r"]),
        vec![
            "`procs::view::View::display`",
            "`procs::main`",
            "`read_proc` through `getpwuid`"
        ]
    );
    assert!(own_callers_of(&own, &["getgrgid_r"]).is_empty());
}

#[test]
fn what_std_reaches_is_said_once() {
    let said = format!("`getaddrinfo`, `getservbyname_r` are{STD_SAID}nix (the finding on std)");
    let names = ["getaddrinfo", "getservbyname_r", "getaddrinfo_a"];
    assert_eq!(
        not_said_std(std::slice::from_ref(&said), &names),
        vec!["getaddrinfo_a"]
    );
    assert_eq!(not_said_std(&[], &names), names.to_vec());
    // A line that is not split.rs's says nothing of them.
    assert_eq!(
        not_said_std(&["`getaddrinfo` is called by std".into()], &names[..1]),
        vec!["getaddrinfo"]
    );
}

#[test]
fn no_caller_is_not_std_code_only() {
    let call = |k: &str| (k.to_string(), format!("{k}::f"));
    assert!(!std_calls_only(&[]));
    assert!(std_calls_only(&[call("std")]));
    assert!(std_calls_only(&[call("std"), call("core")]));
    assert!(!std_calls_only(&[call("std"), call("nix")]));
}

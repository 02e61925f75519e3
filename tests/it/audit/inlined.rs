//! A crate whose code was all inlined under LTO (fixture `audit-lto-inlined`: etcetera, no
//! function of its own in the binary) beside other crates' lookups. The fixture is built by
//! one test, `native::a_crate_inlined_under_lto_keeps_its_finding_and_gives_none_to_std`,
//! which calls these checks in turn.

use super::native::{chain_of, finding};
use super::*;

/// QA ap F1: du-dust's dirs-sys, inlined into the program, was given sysinfo's `getgrgid`
/// (sysinfo does not depend on dirs-sys, so none of its code can be dirs-sys's), and sysinfo
/// had no finding. Here group-name, which does not depend on etcetera, calls `getgrgid`: that
/// lookup leaves etcetera's finding for one on group-name, with its chain (each step checked
/// with objdump); etcetera keeps `getpwuid_r`, which the program's code, holding etcetera's,
/// calls. `nm` shows that etcetera has no function of its own in the binary. Called by
/// `native`'s test of the fixture: each feature builds it at one path, so one after the other.
pub(super) fn a_lookup_by_a_crate_that_does_not_depend_on_an_inlined_one_is_not_its() {
    let v = audit(
        "audit-lto-inlined",
        &["--features", "groups"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "etcetera",
                path: &["audit-lto-inlined", "etcetera"],
                evidence: &[
                    "etcetera has no function of its own in the binary",
                    "called by the code of group-name, not of etcetera; group-name does not \
                     depend on etcetera, so no code of its can be etcetera's, inlined",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "group-name",
                path: &["audit-lto-inlined", "group-name"],
                evidence: &["called by group-name's code (`group_name::name`"],
            },
        ],
    );
    let a = artifact(&v, "static");
    let bin = str_of(a, "path");
    let nm = tool("nm", &["-C", bin]);
    assert!(!nm.contains("etcetera::"), "etcetera has symbols");
    assert!(
        nm.contains("group_name::name"),
        "group_name::name is inlined"
    );
    let etcetera = finding(a, "crate", "etcetera");
    let evidence = strings(&etcetera["evidence"]).join("\n");
    let defines = evidence
        .lines()
        .find(|e| e.starts_with("static binary defines"))
        .unwrap_or_else(|| panic!("no defines line: {evidence}"));
    assert!(defines.contains("`getpwuid_r`"), "{defines}");
    assert!(!defines.contains("`getgrgid`"), "{defines}");
    let groups = finding(a, "crate", "group-name");
    let steps = chain_of(groups);
    let last: Vec<&str> = steps.iter().rev().take(2).map(|s| s.0.as_str()).collect();
    assert!(
        last[0].ends_with("getgrgid") && last[1] == "group_name::name",
        "{steps:?}"
    );
    crate::why::check_pairs(bin, &steps);
}

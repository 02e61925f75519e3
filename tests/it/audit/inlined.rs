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

/// QA ax F4: lsd's dirs-sys was said to perhaps make the `getgrgid_r` of lsd's `get_output`,
/// which holds uzers's lookups, inlined; dirs-sys looks no group up. Here the program calls
/// `getgrgid_r` itself (`--features own-group`), and nix, which makes group lookups, has a
/// finding: etcetera's says the lookup is none it makes and names nix; the package gets no
/// finding of its own for it (nix's code may be the program's, inlined). nm and the binary's
/// code: the program's `main` (with `own_group` inlined) refers to `getgrgid_r`.
pub(super) fn a_lookup_of_a_kind_an_inlined_crate_never_makes_is_not_its() {
    let v = audit(
        "audit-lto-inlined",
        &["--features", "own-group"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "etcetera",
                path: &["audit-lto-inlined", "etcetera"],
                evidence: &[
                    "`getgrgid_r` is no lookup etcetera makes: the program's own code calls it \
                     (`audit_lto_inlined::main`), where the code of nix, which makes such \
                     lookups, may be inlined (the finding on nix)",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-lto-inlined", "nix"],
                evidence: &["`getgrgid_r`"],
            },
        ],
    );
    let a = artifact(&v, "static");
    let bin = str_of(a, "path");
    // `own_group` is inlined into `main` under LTO.
    assert!(
        crate::why::refers_by_name(bin, "audit_lto_inlined::main", "getgrgid_r"),
        "the program's own call of getgrgid_r"
    );
    let etcetera = finding(a, "crate", "etcetera");
    let defines = strings(&etcetera["evidence"]).join("\n");
    assert!(!defines.contains("defines `getgrgid_r`"), "{defines}");
}

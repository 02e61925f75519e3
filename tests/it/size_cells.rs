//! The unwind tables' `DW.ref.X` cells: every object with a landing pad defines the cell that
//! holds its personality routine's address, and the linker keeps one copy. Its crate is the
//! one that defines X (checked with `nm` of the archives), not whichever archive the index met
//! first.

use crate::util::*;

/// QA r, F3: `DW.ref.rust_eh_personality` (8 bytes, and its 24-byte relocation) was nix's
/// `exact` here, and in an `advise` variant a crate whose code had all left the binary stayed
/// with a 32-byte row. The cell is std's, where `rust_eh_personality` is defined; libgcc's
/// `DW.ref.__gcc_personality_v0` (said to be glibc's) is `[libgcc]`'s, whose `libgcc_eh.a`
/// defines `__gcc_personality_v0`.
#[test]
fn a_personality_cell_is_the_crate_of_its_routine() {
    let r = run(&mut check_fixture("audit-nss-other", &["--symbols", "all"]));
    assert_eq!(
        r.code, 1,
        "the fixture's NSS lookups are AOT004 errors: {}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let a = artifact(&v, "static");
    let crate_of = |name: &str| {
        a["binary"]["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["crate"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        crate_of("DW.ref.rust_eh_personality").as_deref(),
        Some("std")
    );
    assert_eq!(
        crate_of("DW.ref.__gcc_personality_v0").as_deref(),
        Some("[libgcc]")
    );
    // nm: the cells are in the binary, and libgcc's unwinder archive defines the routine.
    let syms = tool("nm", &[str_of(a, "path")]);
    assert!(
        syms.lines()
            .any(|l| l.ends_with(" DW.ref.rust_eh_personality"))
    );
    let eh = tool("gcc", &["-print-file-name=libgcc_eh.a"]);
    let defined = tool("nm", &["-g", "--defined-only", eh.trim()]);
    assert!(
        defined
            .lines()
            .any(|l| l.ends_with(" T __gcc_personality_v0")),
        "{defined}"
    );
}

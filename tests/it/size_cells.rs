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
    // Apart: audit/nss_other.rs builds the fixture with other features meanwhile.
    let r = run(&mut check_fixture_apart(
        "audit-nss-other",
        "size-cells",
        &["--symbols", "all"],
    ));
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

/// QA z, Z2: under fat LTO every Rust crate is one codegen unit, so no crate's code reads as
/// instantiated in another's. The dynamic link also holds compiler_builtins' own units (it is
/// `no_builtins`, never part of LTO), and they made tspin's non-generic clap_builder code read
/// as instantiated in tspin, where the static build said nothing of it.
#[test]
fn fat_lto_names_no_instantiating_crate_in_either_link() {
    let v = json(&mut check_fixture(
        "lto-builtins",
        &["--compare", "--symbols", "all"],
    ));
    for link in ["static", "dynamic"] {
        let a = artifact(&v, link);
        let path = str_of(a, "path");
        let units: Vec<String> = tool("readelf", &["-sW", path])
            .lines()
            .filter(|l| l.contains(" FILE ") && l.contains("-cgu."))
            .filter_map(|l| l.split_whitespace().last().map(str::to_string))
            .collect();
        let builtins = units.iter().any(|u| u.starts_with("compiler_builtins."));
        // The case itself: only the dynamic link takes compiler_builtins' units.
        assert_eq!(builtins, link == "dynamic", "{link}: {units:?}");
        let digest: Vec<&serde_json::Value> = a["binary"]["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .filter(|s| s["name"] == "lto_dep::digest")
            .collect();
        assert_eq!(digest.len(), 1, "{link}");
        assert_eq!(digest[0]["crate"], "lto_dep", "{link}");
        assert!(
            digest[0]["instantiated_in"].is_null(),
            "{link}: {}",
            digest[0]
        );
        let elsewhere: u64 = a["binary"]["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .map(|c| c["instantiated_elsewhere"].as_u64().unwrap_or(0))
            .sum();
        // It was 187,302 bytes of std's, in the dynamic build only.
        assert_eq!(elsewhere, 0, "{link}");
    }
}

/// QA al F2: generic code of one crate instantiated in another's rlib is the first crate's,
/// instantiated in the other, also where its name (`<A as B>::f`, the type's crate and the
/// trait's) makes the first a guess. mid's archive defines gen's `<W<T> as tr::Show>::show`
/// (nm: a global symbol of mid's rlib, shared generics at opt-level 0), and the index alone
/// made it mid's, exact, where tokei had 34 rows (36 KiB) of toml's and serde_json's code.
#[test]
fn generic_code_instantiated_in_another_crates_archive_is_its_own_crates() {
    let v = json(&mut check_fixture("impl-generic", &["--symbols", "all"]));
    let a = artifact(&v, "static");
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let row = rows
        .iter()
        .find(|r| r["name"] == "<gen::W<T> as tr::Show>::show")
        .unwrap_or_else(|| panic!("no row of gen's show: {rows:?}"));
    let deps = std::path::Path::new(str_of(a, "path"))
        .parent()
        .expect("release dir")
        .join("deps");
    let rlib = std::fs::read_dir(&deps)
        .expect("deps")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("libmid-") && n.ends_with(".rlib")
        })
        .expect("mid's rlib");
    let defined = tool("nm", &["-C", &rlib.display().to_string()])
        .lines()
        .any(|l| l.contains(" T <gen::W<T> as tr::Show>::show"));
    assert!(defined, "mid's rlib does not define gen's show");
    assert_eq!(row["crate"], "gen", "{row}");
    assert_eq!(row["instantiated_in"], "mid", "{row}");
    assert_eq!(row["confidence"], "heuristic", "{row}");
}

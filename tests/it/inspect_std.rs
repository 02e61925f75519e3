//! `inspect` of a binary it did not build has no sysroot archives to tell std's own crates
//! (its copies of gimli, addr2line, rustc_demangle, miniz_oxide, memchr) from the program's:
//! the prebuilt standard library is v0-mangled while the program's code, by rustc's default,
//! is legacy-mangled. Checked with `nm`: every crate row `inspect` shows apart from std has
//! legacy-mangled symbols in the binary; with `--split-std`, std's copy of memchr is a row of
//! its own beside the program's memchr, as the build's own table has it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{aotcheck, artifact, check_fixture, json, str_of, tool};

/// The crate names of the binary's legacy-mangled Rust symbols (`_ZN<len><crate>…17h…E`).
fn legacy_crates(path: &str) -> BTreeSet<String> {
    tool("nm", &[path])
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|n| n.starts_with("_ZN") && n.ends_with('E') && n.contains("17h"))
        .filter_map(|n| {
            let rest = &n[3..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let len: usize = rest[..digits].parse().ok()?;
            rest.get(digits..digits + len).map(str::to_string)
        })
        .collect()
}

/// `inspect`'s crate rows of `path` (every crate), as name and loaded bytes.
fn crate_sizes(path: &str, split: bool) -> Vec<(String, u64)> {
    let mut cmd = aotcheck();
    cmd.args(["aotcheck", "inspect", "--format", "json", "--crates", path]);
    if split {
        cmd.arg("--split-std");
    }
    let v: Value = json(&mut cmd);
    v["artifacts"][0]["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| {
            let size = c["vm_size"].as_u64().expect("vm_size");
            (str_of(c, "name").to_string(), size)
        })
        .collect()
}

fn crate_rows(path: &str, split: bool) -> Vec<String> {
    crate_sizes(path, split)
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn inspect_folds_stds_own_crates_into_std_as_the_build_does() {
    let v = json(&mut check_fixture("std-twin", &[]));
    let path = str_of(artifact(&v, "static"), "path").to_string();
    let legacy = legacy_crates(&path);
    assert!(legacy.contains("memchr"), "{legacy:?}");
    // std's own copies are in the binary, v0-mangled.
    let nm = tool("nm", &[&path]);
    for private in ["rustc_demangle", "gimli"] {
        assert!(
            nm.lines().any(|l| l.contains(" _R") && l.contains(private)),
            "no v0 symbol of {private}"
        );
        assert!(!legacy.contains(private), "{private} is legacy-mangled");
    }

    let rows = crate_rows(&path, false);
    for row in rows.iter().filter(|r| !r.starts_with('[') && *r != "std") {
        assert!(
            legacy.contains(row.as_str()),
            "{row}: no legacy symbol; rows {rows:?}"
        );
    }
    assert!(rows.iter().any(|r| r == "memchr"), "{rows:?}");

    let split = crate_rows(&path, true);
    for row in [
        "memchr",
        "memchr (std)",
        "rustc_demangle (std)",
        "gimli (std)",
    ] {
        assert!(split.iter().any(|r| r == row), "{row} missing: {split:?}");
    }
    assert!(
        !split.iter().any(|r| r == "gimli" || r == "rustc_demangle"),
        "{split:?}"
    );
}

/// rustc names its runtime entry points under `__rustc` (the allocator shim's `__rust_alloc`,
/// std's `__rdl_alloc`, `rust_begin_unwind`): with `--split-std` they are std's, as their
/// unmangled forms were, in the build's table and in `inspect`'s; no crate `__rustc` (QA k).
#[test]
fn rustcs_runtime_entry_points_are_no_crate_under_split_std() {
    let v = json(&mut check_fixture(
        "std-twin",
        &["--split-std", "--symbols", "all"],
    ));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let nm = tool("nm", &[&path]);
    let shims: Vec<&str> = nm
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|n| n.starts_with("_R") && n.contains("7___rustc"))
        .collect();
    assert!(
        shims.iter().any(|n| n.ends_with("12___rust_alloc")),
        "{shims:?}"
    );
    let names = |crates: &Value| -> Vec<String> {
        crates
            .as_array()
            .expect("crates")
            .iter()
            .map(|c| str_of(c, "name").to_string())
            .collect()
    };
    let built = names(&a["binary"]["crates"]);
    assert!(!built.iter().any(|r| r.contains("__rustc")), "{built:?}");
    let inspected = crate_rows(&path, true);
    assert!(
        !inspected.iter().any(|r| r.contains("__rustc")),
        "{inspected:?}"
    );
    // Each of nm's `__rustc` symbols that has a row is std's (alloc's shim included).
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let mut seen = 0;
    for r in rows {
        let name = str_of(r, "name");
        if name.contains("__rust_alloc") || name.contains("rust_begin_unwind") {
            assert_eq!(str_of(r, "crate"), "std", "{r}");
            seen += 1;
        }
    }
    assert!(seen >= 2, "{seen} rows of the runtime entry points");
}

/// `--split-std` splits std's row and moves no byte between the other crates: bytes without
/// a symbol that std and core both referred to went to the crate dominating them when split
/// (QA n: bandwhich's clap_builder gained 288 B, `[no symbol]` here 672 B). The rows std's
/// row splits into sum to it.
#[test]
fn split_std_changes_no_other_crates_row() {
    let v = json(&mut check_fixture("std-twin", &[]));
    let path = str_of(artifact(&v, "static"), "path").to_string();
    let folded = crate_sizes(&path, false);
    let split = crate_sizes(&path, true);
    let mut std_parts = 0;
    for (name, size) in &split {
        match folded.iter().find(|(n, _)| n == name && n != "std") {
            Some((_, before)) => assert_eq!(size, before, "{name}: {folded:?} {split:?}"),
            None => std_parts += size,
        }
    }
    let std = folded.iter().find(|(n, _)| n == "std").map(|(_, s)| *s);
    assert_eq!(Some(std_parts), std, "{folded:?} {split:?}");
    assert!(split.len() > folded.len() + 2, "{split:?}");
}

/// QA x, F2: a static glibc build whose link line ends with a shared library has `DT_NEEDED`
/// and no interpreter (AOT012). `inspect` called it dynamic and left glibc's code `[unknown]`
/// (0.28 of the file named), where the main command names it `[libc]`: the same file must get
/// the same C library rows either way.
#[test]
fn inspect_names_libc_in_a_static_binary_that_needs_a_shared_library() {
    let r = crate::util::run(&mut check_fixture("static-needs-so", &[]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    // The case itself, by readelf: needed libraries and no interpreter.
    assert!(!crate::util::readelf_needed(&path).is_empty());
    assert!(!tool("readelf", &["-lW", &path]).contains("INTERP"));
    let built: Vec<(String, u64)> = a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .filter(|c| str_of(c, "name").starts_with("[lib"))
        .map(|c| {
            (
                str_of(c, "name").to_string(),
                c["vm_size"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(built.iter().any(|(n, _)| n == "[libc]"), "{built:?}");
    let inspected: Vec<(String, u64)> = crate_sizes(&path, false)
        .into_iter()
        .filter(|(n, _)| n.starts_with("[lib"))
        .collect();
    assert_eq!(inspected, built);
}

/// QA y: std's `HashMap` in a dependency is std's private hashbrown instantiated in that
/// dependency's rlib; with no crate of the build named hashbrown (its Cargo.lock has none) it
/// was a `hashbrown` row of its own (40 KiB in mini-redis), where it is std's: folded into std,
/// and `hashbrown (std)` with `--split-std`. `nm` shows the code is there.
#[test]
fn std_code_instantiated_in_a_dependency_is_std() {
    let lock = std::fs::read_to_string(crate::util::fixture("std-private-dep").join("Cargo.lock"))
        .expect("Cargo.lock");
    assert!(!lock.contains("hashbrown"));
    for split in [false, true] {
        let mut args = vec!["--symbols", "all"];
        if split {
            args.push("--split-std");
        }
        let v = json(&mut check_fixture("std-private-dep", &args));
        let a = artifact(&v, "static");
        let nm = tool("nm", &["-C", str_of(a, "path")]);
        assert!(
            nm.contains(" hashbrown::"),
            "no hashbrown code to test with"
        );
        let names: Vec<&str> = a["binary"]["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .map(|c| str_of(c, "name"))
            .collect();
        assert!(!names.contains(&"hashbrown"), "{names:?}");
        assert_eq!(names.contains(&"hashbrown (std)"), split, "{names:?}");
    }
}

/// QA ad, F7: `inspect` of xsv, which has no hashbrown in its lock file, showed a `hashbrown`
/// row: std's copy, whose generic code the program's `HashMap` instantiates under legacy
/// mangling (`nm`: `_ZN9hashbrown…`). A single-file program has no dependency at all, so every
/// such row is std's; the row says it may be std's copy and the others do not.
#[test]
fn a_crate_std_has_a_copy_of_is_said_to_be_either() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("p.rs");
    std::fs::write(
        &src,
        "use std::collections::HashMap;\nfn main() {\n    let mut m = HashMap::new();\n    \
         for i in 0..std::env::args().count() * 100 { m.insert(i.to_string(), i); }\n    \
         println!(\"{}\", m.len());\n}\n",
    )
    .expect("write");
    let out = dir.path().join("p");
    let out = out.to_str().expect("utf-8");
    tool("rustc", &["-o", out, src.to_str().expect("utf-8")]);
    assert!(
        legacy_crates(out).contains("hashbrown"),
        "nm: no legacy hashbrown symbol"
    );
    let r =
        crate::util::run(aotcheck().args(["aotcheck", "inspect", "-q", "--format", "json", out]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let crates = v["artifacts"][0]["binary"]["crates"]
        .as_array()
        .expect("crates");
    let flagged: Vec<&str> = crates
        .iter()
        .filter(|c| c["std_copy_unknown"] == true)
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(flagged.contains(&"hashbrown"), "{crates:?}");
    assert!(
        crates
            .iter()
            .filter(|c| c["std_copy_unknown"] != true)
            .all(|c| c["name"] != "hashbrown"),
        "{crates:?}"
    );
    let text = crate::util::run(aotcheck().args(["aotcheck", "inspect", "-q", out])).stdout;
    assert!(
        text.contains("std's copy or the program's: std has a private copy"),
        "{text}"
    );
}

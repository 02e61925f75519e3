//! A system C library a `-sys` crate links (openssl-sys's `rustc-link-lib=crypto`, the static
//! build taking `libcrypto.a` from the system's directories): its code is that crate's, and
//! its unwind tables and relocations are not the package's. Checked against `nm` of the
//! system's archive and of the binary.

use std::collections::HashSet;

use serde_json::Value;

use crate::util::*;

/// Global names an archive defines (`nm -g --defined-only`).
fn defined_globals(archive: &str) -> HashSet<String> {
    tool("nm", &["-g", "--defined-only", archive])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| f[2].to_string())
        })
        .collect()
}

/// The system's static archive `lib<name>.a` in the multiarch directory.
fn system_archive(name: &str) -> String {
    let arch = tool("cc", &["-print-multiarch"]);
    let path = format!("/usr/lib/{}/lib{name}.a", arch.trim());
    assert!(
        std::path::Path::new(&path).is_file(),
        "{path}: install libssl-dev"
    );
    path
}

/// The static artifact of audit-openssl, with every symbol row.
fn openssl_static() -> Value {
    // Exit 1: the static binary's NSS finding (AOT004).
    let r = run(&mut check_fixture("audit-openssl", &["--symbols", "all"]));
    assert!(r.code <= 1, "exit {}: {}", r.code, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == "static")
        .expect("static artifact")
        .clone()
}

#[test]
fn a_system_library_a_sys_crate_links_is_that_crates() {
    let a = openssl_static();
    let b = &a["binary"];
    let rows = b["symbols"].as_array().expect("symbols");
    let crypto = defined_globals(&system_archive("crypto"));
    let libc = defined_globals(&system_archive("c"));
    // libcrypto's functions and tables in the binary: openssl_sys's, from the archive's index.
    let ours: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            let n = str_of(r, "name");
            crypto.contains(n) && !libc.contains(n)
        })
        .collect();
    assert!(ours.len() > 1000, "{} of libcrypto's symbols", ours.len());
    let wrong: Vec<String> = ours
        .iter()
        .filter(|r| r["crate"] != "openssl_sys" || r["confidence"] != "exact")
        .map(|r| format!("{} {} {}", r["name"], r["crate"], r["confidence"]))
        .take(10)
        .collect();
    assert!(wrong.is_empty(), "not openssl_sys's, exactly: {wrong:?}");

    // The package holds its own code and what describes it: about its symbols' size by nm,
    // not libcrypto's FDEs and relocations "dominated" by its `main`.
    let path = str_of(&a, "path");
    let own: u64 = tool("nm", &["-S", "-C", "--defined-only", path])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(4, ' ').collect();
            (f.len() == 4 && f[3].starts_with("audit_openssl::"))
                .then(|| u64::from_str_radix(f[1], 16).expect("nm size"))
        })
        .sum();
    assert!(own > 0, "nm finds audit_openssl's code");
    let package = b["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == "audit_openssl")
        .expect("the package's crate");
    let size = u64_of(package, "vm_size");
    assert!(
        size <= own + 1024,
        "audit_openssl {size} B, its symbols {own} B: {package}"
    );
    // What only the package's code keeps alive is its own (`main`, the C function rustc
    // writes for it, is the package's: QA dq F10), a few constants; never libcrypto's unwind
    // tables or relocations.
    let dominated: Vec<&Value> = rows
        .iter()
        .filter(|r| r["crate"] == "audit_openssl" && r["confidence"] == "dominated")
        .collect();
    let sum: u64 = dominated.iter().map(|r| u64_of(r, "vm_size")).sum();
    assert!(sum <= 1024, "{dominated:?}");
    assert!(
        dominated.iter().all(|r| !matches!(
            str_of(r, "section"),
            ".eh_frame" | ".rela.dyn" | ".gcc_except_table"
        )),
        "{dominated:?}"
    );
}

/// QA h, B2: glibc's maths library is `[libc]`. Debian's `libm.a` is a linker script naming
/// `libm-2.36.a` and `libmvec.a`; every symbol row whose name those archives define (`nm`)
/// is `[libc]`, and none of them is left `[unknown]` or given to another crate.
#[test]
fn glibcs_maths_library_is_libc() {
    let v = json(&mut check_fixture("libm-user", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let dir = std::path::Path::new("/usr/lib/x86_64-linux-gnu");
    let mut libm: std::collections::HashSet<String> = std::collections::HashSet::new();
    for e in std::fs::read_dir(dir).expect("the system's library directory") {
        let p = e.expect("entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("libm-") && name.ends_with(".a") {
            let out = tool("nm", &["--defined-only", p.to_str().expect("utf-8")]);
            libm.extend(out.lines().filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 3).then(|| f[2].to_string())
            }));
        }
    }
    assert!(!libm.is_empty(), "no libm-*.a in {}", dir.display());
    let rows: Vec<(String, String)> = a["binary"]["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter(|r| libm.contains(str_of(r, "name")))
        .map(|r| {
            let krate = r["crate"].as_str().unwrap_or("[unknown]").to_string();
            (str_of(r, "name").to_string(), krate)
        })
        .collect();
    assert!(
        rows.iter().any(|(n, _)| n.contains("powf")),
        "no powf among {rows:?}"
    );
    let other: Vec<&(String, String)> = rows.iter().filter(|(_, k)| k != "[libc]").collect();
    assert!(other.is_empty(), "libm's code not [libc]: {other:?}");
}

/// `inspect FILE` of a static glibc binary built elsewhere names its glibc code by this
/// machine's `libc.a` (heuristic: a name match). Checked against the build's own attribution
/// of the same binary (which indexes the archives it linked, exact) and against `nm` of
/// `libc.a`: every row the build calls `[libc]` exactly is `[libc]` heuristically under
/// `inspect`, `__libc_start_main` among them, and none of them is left `[unknown]`.
#[test]
fn inspecting_a_static_glibc_binary_names_glibc_by_this_machines_libc() {
    let built = json(&mut check_fixture("libm-user", &["--symbols", "all"]));
    let a = &built["artifacts"][0];
    let path = str_of(a, "path");
    let libc = defined_globals(&system_archive("c"));
    let exact: Vec<String> = rows_of(&a["binary"])
        .into_iter()
        .filter(|(n, k, c)| k == "[libc]" && c == "exact" && libc.contains(n))
        .map(|(n, _, _)| n)
        .collect();
    assert!(
        exact.iter().any(|n| n == "__libc_start_main"),
        "no __libc_start_main among {} [libc] rows",
        exact.len()
    );
    assert_inspect_names(path, &exact, "[libc]");
}

/// QA i, F1: C++ code linked statically brings libstdc++, whose objects carry no `STT_FILE`
/// symbol: its local functions (libiberty's demangler `d_print_comp_inner`, the exception
/// pool) took the C++ archive's source file before them, its global ones were `[unknown]`.
/// Every symbol row whose name `nm` finds in `libstdc++.a` and not in the package's own
/// archive is `[libstdc++]`, the personality routine exactly.
#[test]
fn a_static_cpp_runtime_is_libstdcxx_not_the_cpp_crates() {
    let v = json(&mut check_fixture("cxx-user", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let libstdcxx = tool("c++", &["-print-file-name=libstdc++.a"]);
    let cxx = archive_symbols(std::path::Path::new(libstdcxx.trim()));
    let build = std::path::Path::new(str_of(a, "path"))
        .parent()
        .expect("release dir")
        .join("build");
    let own_archive = crate::size::walk(&build, "libgreet.a").expect("the fixture's libgreet.a");
    let own = archive_symbols(&own_archive);
    let rows: Vec<(String, String, String)> = rows_of(&a["binary"])
        .into_iter()
        .filter(|r| cxx.contains(&r.0) && !own.contains(&r.0))
        .collect();
    for want in ["d_print_comp_inner", "__gxx_personality_v0"] {
        assert!(rows.iter().any(|r| r.0 == want), "no {want} among {rows:?}");
    }
    let other: Vec<&(String, String, String)> =
        rows.iter().filter(|r| r.1 != "[libstdc++]").collect();
    assert!(other.is_empty(), "libstdc++'s code elsewhere: {other:?}");
    let personality = rows.iter().find(|r| r.0 == "__gxx_personality_v0");
    assert_eq!(personality.map(|r| r.2.as_str()), Some("exact"));
    // QA i, F7: C++ names are shown as `nm -C` shows them (they were left mangled): every
    // libstdc++ `_Z` name of the binary is a row under its demangled name, not its raw one.
    let bin = str_of(a, "path");
    let raw = tool("nm", &["--defined-only", bin]);
    let shown = tool("nm", &["--defined-only", "-C", bin]);
    let last = |l: &str| l.splitn(3, ' ').nth(2).unwrap_or("").to_string();
    // Functions (`T`, `t`, `W`): a vtable's or typeinfo's special name is worded differently
    // by every demangler.
    let function = |l: &str| matches!(l.split(' ').nth(1), Some("T" | "t" | "W"));
    let pairs: Vec<(String, String)> = raw
        .lines()
        .zip(shown.lines())
        .filter(|(r, _)| function(r))
        .map(|(r, d)| (last(r), last(d)))
        .filter(|(r, _)| r.starts_with("_Z") && cxx.contains(r))
        .collect();
    assert!(pairs.len() >= 5, "{pairs:?}");
    let names: HashSet<&str> = a["binary"]["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .map(|r| str_of(r, "name"))
        .collect();
    let missing: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(r, d)| names.contains(r.as_str()) || !names.contains(d.as_str()))
        .collect();
    // Aliases (one address, several names) are one row: a few demangled names are not rows.
    assert!(missing.len() * 10 < pairs.len(), "{missing:?}");
    assert!(
        !pairs.iter().any(|(r, _)| names.contains(r.as_str())),
        "a raw C++ name is a row"
    );
    // `--why` takes a regular expression over the demangled name (it matched nothing).
    let why = run(&mut check_fixture(
        "cxx-user",
        &[
            "--why",
            r"std::runtime_error::runtime_error\(char const\*\)",
        ],
    ));
    assert_eq!(why.code, 0, "{}", why.stderr);
    // `inspect FILE` of the same binary (no archives at hand): this machine's libstdc++.a
    // names the same rows, heuristically (they were `[unknown]`, or took a neighbour's file).
    let names: Vec<String> = rows.into_iter().map(|r| r.0).collect();
    assert_inspect_names(bin, &names, "[libstdc++]");
    // QA cx F1: a stripped copy, its symbols read from the analysis link the build left, names
    // them so too (the stripped file's own had no `.symtab` to find C++ in: no
    // `[libstdc++]` row, its code given to the package).
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("cxx-user");
    tool("strip", &["-o", copy.to_str().expect("utf-8"), bin]);
    let build_dir = std::path::Path::new(bin)
        .ancestors()
        .nth(3)
        .expect("build dir");
    let stripped = json(
        inspect_all(copy.to_str().expect("utf-8"))
            .arg("--target-dir")
            .arg(build_dir),
    );
    let b = &stripped["artifacts"][0]["binary"];
    assert!(
        b["coverage"]["symbols_from"].is_string(),
        "{}",
        b["coverage"]
    );
    let by_name: std::collections::HashMap<String, String> =
        rows_of(b).into_iter().map(|(n, k, _)| (n, k)).collect();
    for n in &names {
        assert_eq!(
            by_name.get(n).map(String::as_str),
            Some("[libstdc++]"),
            "{n}"
        );
    }
}

/// QA i, F8: tree-sitter grammars' C statics have the same names in every grammar
/// (`ts_parse_table`, `language`), so no name tells whose they are, and difftastic was 89%
/// `[unknown]`. The code that refers to them does: each `parse_table` is its grammar's
/// (`referenced`). Checked by objdump and readelf: `grammar_X` loads the address of a
/// `language`, whose relocation stores the address of the `parse_table` of X's size.
#[test]
fn c_statics_of_the_same_name_go_to_the_crate_whose_code_refers_to_them() {
    let v = json(&mut check_fixture("c-statics", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let bin = str_of(a, "path");
    // (address, size) of every symbol of that name, by `nm -S`.
    let nm = tool("nm", &["-S", bin]);
    let all = |name: &str| -> Vec<(u64, u64)> {
        nm.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 4 && f[3] == name).then(|| {
                    let hex = |s: &str| u64::from_str_radix(s, 16).expect("hex");
                    (hex(f[0]), hex(f[1]))
                })
            })
            .collect()
    };
    let (tables, languages) = (all("parse_table"), all("language"));
    assert_eq!(
        (tables.len(), languages.len()),
        (2, 2),
        "{tables:?} {languages:?}"
    );
    let relocs = crate::why::relative_relocs(bin);
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    for (grammar, size) in [("grammar_a", 4000u64), ("grammar_b", 8000)] {
        let function = all(grammar)[0];
        let language = languages
            .iter()
            .find(|l| crate::why::refers(bin, function, l.0, &relocs))
            .unwrap_or_else(|| panic!("{grammar} refers to no `language`"));
        let table = tables
            .iter()
            .find(|t| crate::why::refers(bin, *language, t.0, &relocs))
            .unwrap_or_else(|| panic!("{grammar}'s `language` refers to no `parse_table`"));
        assert_eq!(table.1, size, "{grammar}'s table");
        let row = rows
            .iter()
            .find(|r| r["name"] == "parse_table" && r["vm_size"] == size)
            .expect("the table's row");
        assert_eq!(row["crate"], grammar, "{row}");
        assert_eq!(row["confidence"], "referenced", "{row}");
    }
    // QA i, F5: grammar-a's `bcm.c` static `precomputed` (local, after `FILE bcm.c` in
    // readelf's symbol table) shares its name with grammar-b's global: it was grammar_b's,
    // `exact`, by the global name. `nm`: the local is `r`, the global `R`.
    let symtab = tool("readelf", &["-sW", bin]);
    let mut file = "";
    let mut local_after = "";
    for line in symtab.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 8 && f[3] == "FILE" {
            file = f[7];
        } else if f.len() == 8 && f[7] == "precomputed" && f[4] == "LOCAL" {
            local_after = file;
        }
    }
    assert_eq!(local_after, "bcm.c", "{symtab}");
    for (kind, krate, confidence) in [('r', "grammar_a", "heuristic"), ('R', "grammar_b", "exact")]
    {
        let size = nm
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 4 && f[3] == "precomputed" && f[2] == kind.to_string())
                    .then(|| u64::from_str_radix(f[1], 16).expect("hex"))
            })
            .expect("nm's precomputed");
        let row = rows
            .iter()
            .find(|r| r["name"] == "precomputed" && r["vm_size"] == size)
            .expect("the table's row");
        assert_eq!(row["crate"], krate, "{row}");
        assert_eq!(row["confidence"], confidence, "{row}");
    }
    // QA bu F4: two statics of one name in two C files of one crate (oniguruma's five
    // `wordlist.1`) read "copy 1 of 2": each row names its source file, as readelf's `FILE`
    // symbol before it says, by size.
    let mut file = "";
    let mut wordlists: Vec<(String, u64)> = Vec::new();
    for line in symtab.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 8 && f[3] == "FILE" {
            file = f[7];
        } else if f.len() == 8 && f[7] == "wordlist" {
            wordlists.push((file.to_string(), f[2].parse().expect("size")));
        }
    }
    wordlists.sort();
    assert_eq!(
        wordlists,
        [("bcm.c".to_string(), 300), ("parser.c".to_string(), 700)],
        "{symtab}"
    );
    for (file, size) in &wordlists {
        let row = rows
            .iter()
            .find(|r| r["name"] == "wordlist" && r["vm_size"] == *size)
            .expect("the table's row");
        assert_eq!(row["source_file"], file.as_str(), "{row}");
        assert!(row.get("copy").is_none(), "{row}");
        // QA bu F5: a static only grammar-a's archive defines, after one of its members'
        // files, is defined there: `exact`, as nm of the archive shows.
        assert_eq!(row["confidence"], "exact", "{row}");
    }
    let build = std::path::Path::new(bin)
        .parent()
        .expect("the binary's directory")
        .join("build");
    let archive = std::fs::read_dir(&build)
        .expect("build dir")
        .filter_map(|e| e.ok().map(|e| e.path().join("out/libgrammar_a.a")))
        .find(|p| p.is_file())
        .expect("grammar-a's archive");
    let members = tool("nm", &["-A", archive.to_str().expect("utf-8")]);
    for member in ["bcm.o", "parser.o"] {
        assert!(
            members
                .lines()
                .any(|l| l.contains(member) && l.ends_with(" r wordlist")),
            "{member}: {members}"
        );
    }
    let human = run(&mut human_fixture(
        "c-statics",
        &["--no-probe", "--symbols", "all"],
    ));
    for (file, _) in &wordlists {
        assert!(
            human
                .stdout
                .lines()
                .any(|l| l.contains(&format!("wordlist ({file})"))),
            "{}",
            human.stdout
        );
    }
}

/// Symbols an archive (an rlib) defines, by `nm --defined-only`.
fn archive_symbols(path: &std::path::Path) -> HashSet<String> {
    tool("nm", &["--defined-only", path.to_str().expect("utf-8")])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| f[2].to_string())
        })
        .collect()
}

/// The one file in `dir` whose name starts with `prefix` and ends with `.rlib`.
fn rlib_in(dir: &std::path::Path, prefix: &str) -> std::path::PathBuf {
    let found: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("a library directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(prefix) && f.ends_with(".rlib"))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{prefix}*.rlib in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().expect("one")
}

/// QA j, J8: with `--split-std`, std's private copy of a crate (the sysroot's memchr, which
/// its backtraces use) and the build's crate of the same name were one row: the build's
/// memchr looked larger by std's bytes. They are two rows, `memchr` and `memchr (std)`. `nm`
/// finds each `memchr` row's symbol in the registry's rlib, none of std's; each `memchr (std)`
/// row is a symbol of the sysroot's rlib's archive index (`nm -s`: its objects are bitcode,
/// which nm cannot list), or a local one under the crate root those symbols share.
#[test]
fn split_std_names_stds_own_copy_of_a_crate_apart() {
    let v = json(&mut check_fixture(
        "std-twin",
        &["--split-std", "--symbols", "all"],
    ));
    let a = &v["artifacts"][0];
    let crates: Vec<&str> = a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| str_of(c, "name"))
        .collect();
    assert!(crates.contains(&"memchr"), "{crates:?}");
    assert!(crates.contains(&"memchr (std)"), "{crates:?}");
    let sysroot = tool("rustc", &["--print", "sysroot"]);
    let lib = std::path::Path::new(sysroot.trim()).join("lib/rustlib/x86_64-unknown-linux-gnu/lib");
    let std_rlib = rlib_in(&lib, "libmemchr-");
    let armap: HashSet<String> = tool("nm", &["-s", std_rlib.to_str().expect("utf-8")])
        .lines()
        .filter_map(|l| l.split_once(" in ").map(|(s, _)| s.to_string()))
        .collect();
    // The crate root of std's memchr, as its indexed symbols spell it: `Cs<hash>_6memchr`.
    let root = armap
        .iter()
        .find_map(|s| {
            s.find("_6memchr")
                .map(|i| s[..i + 8].rsplit('C').next().map(str::to_string))
        })
        .flatten()
        .map(|r| format!("C{r}"))
        .expect("std's memchr crate root");
    let deps = std::path::Path::new(str_of(a, "path"))
        .parent()
        .expect("release dir")
        .join("deps");
    let ours = archive_symbols(&rlib_in(&deps, "libmemchr-"));
    let exact = |krate: &str| -> Vec<String> {
        a["binary"]["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .filter(|r| r["crate"] == krate && r["confidence"] == "exact")
            .map(|r| {
                r["mangled"]
                    .as_str()
                    .unwrap_or(str_of(r, "name"))
                    .to_string()
            })
            .collect()
    };
    let (mine, std_rows) = (exact("memchr"), exact("memchr (std)"));
    assert!(
        !mine.is_empty() && !std_rows.is_empty(),
        "{mine:?} {std_rows:?}"
    );
    for m in &mine {
        assert!(
            ours.contains(m) && !m.contains(&root),
            "{m}: not the registry's"
        );
    }
    for m in &std_rows {
        assert!(
            armap.contains(m) || m.contains(&root),
            "{m}: not the sysroot's ({root})"
        );
        assert!(!ours.contains(m), "{m}: the registry's");
    }
}

/// Every symbol row of a report's `binary`: (name, crate or `[unknown]`, confidence).
fn rows_of(b: &Value) -> Vec<(String, String, String)> {
    b["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .map(|r| {
            let krate = r["crate"].as_str().unwrap_or("[unknown]").to_string();
            let conf = str_of(r, "confidence").to_string();
            (str_of(r, "name").to_string(), krate, conf)
        })
        .collect()
}

/// `inspect FILE` of `bin` (no archives at hand: this machine's C and C++ libraries, by
/// name) names each of `names` as the build did, `krate`, heuristically (they were
/// `[unknown]`, or took a neighbour's source file).
fn assert_inspect_names(bin: &str, names: &[String], krate: &str) {
    let inspected: std::collections::HashMap<String, (String, String)> =
        rows_of(&json(&mut inspect_all(bin))["artifacts"][0]["binary"])
            .into_iter()
            .map(|(n, k, c)| (n, (k, c)))
            .collect();
    let differ: Vec<(&String, Option<&(String, String)>)> = names
        .iter()
        .map(|n| (n, inspected.get(n)))
        .filter(|(_, o)| o.is_none_or(|(k, c)| k != krate || c != "heuristic"))
        .collect();
    assert!(
        differ.is_empty(),
        "inspect differs from the build: {differ:?}"
    );
}

//! Where the bytes go (issue 6): coverage of every byte, crate attribution, normalised names,
//! checked against the file's length, `readelf` and `nm`.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use cargo_aotcheck::format::thousands;

use crate::util::*;

fn static_artifact(v: &Value) -> &Value {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == "static")
        .unwrap_or_else(|| panic!("no static artifact in {v}"))
}

fn rows(b: &Value) -> &Vec<Value> {
    b["symbols"].as_array().expect("symbols")
}

fn sum(rows: &[&Value], key: &str) -> u64 {
    rows.iter().map(|r| u64_of(r, key)).sum()
}

/// Sum of the `PT_LOAD` memory sizes according to `readelf -l`.
fn readelf_load_memsz(path: &str) -> u64 {
    tool("readelf", &["-lW", path])
        .lines()
        .filter(|l| l.trim_start().starts_with("LOAD"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            u64::from_str_radix(f[5].trim_start_matches("0x"), 16).expect("MemSiz")
        })
        .sum()
}

/// `nm -S` of `path`: name → size, for sized symbols.
fn nm_sizes(path: &str, extra: &[&str]) -> HashMap<String, u64> {
    let mut args = vec!["-S", "--defined-only"];
    args.extend_from_slice(extra);
    args.push(path);
    tool("nm", &args)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4).then(|| {
                (
                    f[3].to_string(),
                    u64::from_str_radix(f[1], 16).expect("nm size"),
                )
            })
        })
        .collect()
}

fn assert_full_coverage(path: &str, b: &Value) {
    let all: Vec<&Value> = rows(b).iter().collect();
    let len = std::fs::metadata(path).expect("meta").len();
    assert_eq!(sum(&all, "file_size"), len, "rows sum to the file's length");
    assert_eq!(u64_of(&b["coverage"], "file_size"), len);
    let vm = sum(&all, "vm_size");
    assert_eq!(vm, u64_of(&b["coverage"], "vm_size"));
    assert_eq!(
        vm,
        readelf_load_memsz(path),
        "rows sum to the PT_LOAD sizes"
    );
    // Per section: the rows of a section sum to its size as readelf gives it.
    for (name, size) in readelf_sections(path) {
        let in_section: Vec<&Value> = all
            .iter()
            .copied()
            .filter(|r| str_of(r, "section") == name)
            .collect();
        let ours = sum(&in_section, "file_size").max(sum(&in_section, "vm_size"));
        if name != ".tbss" {
            assert_eq!(ours, size, "section {name}");
        }
    }
}

/// The 512 KiB table: its own crate, in .rodata, the size nm gives.
fn assert_big_table_is_where_bytes(b: &Value, nm: &HashMap<String, u64>) {
    let table = rows(b)
        .iter()
        .find(|r| str_of(r, "name") == "where_bytes::BIG_TABLE")
        .expect("BIG_TABLE row");
    assert_eq!(str_of(table, "crate"), "where_bytes");
    assert_eq!(str_of(table, "section"), ".rodata");
    assert_eq!(u64_of(table, "file_size"), 512 * 1024);
    let mangled = str_of(table, "mangled");
    assert_eq!(nm[mangled], 512 * 1024, "nm agrees");
}

/// zlib's C code: most of what libz.a defines and the binary holds (by `nm`) goes to libz_sys.
fn assert_zlib_goes_to_libz_sys(b: &Value, nm: &HashMap<String, u64>) {
    let libz = walk(&shared_target_dir(), "libz.a").expect("libz.a built by libz-sys");
    let libz = libz.to_str().expect("utf-8");
    let zlib_names: HashSet<String> = nm_sizes(libz, &[]).into_keys().collect();
    let zlib_in_binary: u64 = nm
        .iter()
        .filter(|(n, _)| zlib_names.contains(*n))
        .map(|(_, s)| s)
        .sum();
    let ours: Vec<&Value> = rows(b)
        .iter()
        .filter(|r| r["crate"] == "libz_sys")
        .collect();
    let ours_bytes = sum(&ours, "vm_size");
    assert!(
        zlib_in_binary > 20_000 && ours_bytes * 10 >= zlib_in_binary * 9,
        "libz_sys {ours_bytes} B of zlib's {zlib_in_binary} B"
    );
    for f in ["deflate", "inflate", "inflate_fast", "deflate_slow"] {
        let r = ours.iter().find(|r| r["name"] == f);
        assert!(r.is_some(), "{f} attributed to libz_sys");
    }
}

/// The static where-bytes built with `args`, after the checks that hold for every build of it:
/// whole coverage, the table's crate, zlib's code in libz_sys.
fn where_bytes_attributed(args: &[&str]) -> Value {
    let v = json(&mut check_fixture("where-bytes", args));
    let a = static_artifact(&v);
    let path = str_of(a, "path");
    assert_full_coverage(path, &a["binary"]);
    let nm = nm_sizes(path, &[]);
    assert_big_table_is_where_bytes(&a["binary"], &nm);
    assert_zlib_goes_to_libz_sys(&a["binary"], &nm);
    a.clone()
}

#[test]
fn where_bytes_every_byte_once_and_crates_named() {
    let a = where_bytes_attributed(&["--symbols", "all"]);
    let b = &a["binary"];

    // The small dependencies are among the crates, with exact confidence.
    let crates = b["crates"].as_array().expect("crates");
    for dep in ["md5", "crc32fast", "libz_sys", "where_bytes"] {
        let c = crates
            .iter()
            .find(|c| c["name"] == dep)
            .unwrap_or_else(|| panic!("{dep} not among {crates:?}"));
        let exact = u64_of(&c["confidence"], "exact");
        assert!(exact * 2 > u64_of(c, "vm_size"), "{dep}: mostly exact: {c}");
    }
    // Crates sum to the allocated bytes; coverage says how much is named.
    let cov = &b["coverage"];
    let crate_vm: u64 = crates.iter().map(|c| u64_of(c, "vm_size")).sum();
    assert_eq!(crate_vm, u64_of(cov, "allocated_bytes"));
    assert!(cov["share"].as_f64().expect("share") > 0.7, "{cov}");
    // QA de F8: the crate table rebuilt from the rows, each counted by its crate or, where
    // that is null, by its `crate_row`; rows with neither are outside the allocated bytes.
    let mut rebuilt: HashMap<String, u64> = HashMap::new();
    for r in rows(b) {
        let key = match (r["crate"].as_str(), r["crate_row"].as_str()) {
            (Some(k), None) | (None, Some(k)) => k,
            (None, None) => {
                let outside = str_of(r, "section").is_empty() || str_of(r, "name").starts_with('[');
                assert!(outside, "a symbol row with neither: {r}");
                continue;
            }
            (Some(_), Some(_)) => panic!("a row with both: {r}"),
        };
        *rebuilt.entry(key.to_string()).or_default() += u64_of(r, "vm_size");
    }
    let table: HashMap<String, u64> = crates
        .iter()
        .map(|c| (str_of(c, "name").to_string(), u64_of(c, "vm_size")))
        .collect();
    assert_eq!(rebuilt, table);
    assert!(
        table.contains_key("[no symbol]") && table.contains_key("[unknown]"),
        "{table:?}"
    );
}

/// gcc's runtime in a static build (the unwinder std's panics use) is `[libgcc]`, not
/// `[unknown]`: every symbol given to it is defined in a file of gcc's runtime directory (by
/// `nm`, the directory from `cc -print-libgcc-file-name`), and none of those files' symbols is
/// left unknown.
#[test]
fn gcc_runtime_in_a_static_build_is_libgcc() {
    let v = json(&mut check_fixture("where-bytes", &["--symbols", "all"]));
    let b = &static_artifact(&v)["binary"];
    let libgcc = tool("cc", &["-print-libgcc-file-name"]);
    let dir = std::path::Path::new(libgcc.trim())
        .parent()
        .expect("gcc's directory");
    let mut gcc_names: HashSet<String> = HashSet::new();
    for f in ["libgcc_eh.a", "libgcc.a", "crtbeginS.o", "crtendS.o"] {
        let path = dir.join(f);
        let out = tool("nm", &["--defined-only", path.to_str().expect("utf-8")]);
        gcc_names.extend(out.lines().filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| f[2].to_string())
        }));
    }
    let named = |krate: &str| -> Vec<String> {
        rows(b)
            .iter()
            .filter(|r| r["crate"] == krate)
            .map(|r| str_of(r, "name").to_string())
            // Symbols only: the bytes no symbol covers are given to a crate by the graph.
            .filter(|n| !n.starts_with('['))
            .collect()
    };
    let ours = named("[libgcc]");
    assert!(
        ours.iter().any(|n| n == "_Unwind_RaiseException"),
        "{ours:?}"
    );
    for n in &ours {
        assert!(
            gcc_names.contains(n),
            "{n} is [libgcc] but no gcc file defines it"
        );
    }
    let unknown: Vec<String> = named("[unknown]")
        .into_iter()
        .filter(|n| gcc_names.contains(n))
        .collect();
    assert!(
        unknown.is_empty(),
        "gcc's symbols left unknown: {unknown:?}"
    );
    // QA v: libgcc's soft-float routines, which glibc's `strtof128` calls, were std's
    // (`exact`), since compiler_builtins' archive lists the same names (its own 13-byte
    // `__addtf3`). A row whose name and size are those of a libgcc.a function (`nm -S`) is
    // `[libgcc]`; glibc's float128 code brings at least `__addtf3`.
    let out = tool(
        "nm",
        &[
            "-S",
            "--defined-only",
            dir.join("libgcc.a").to_str().expect("utf-8"),
        ],
    );
    let sized: HashSet<(String, u64)> = out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let size = u64::from_str_radix(f.get(1)?, 16).ok()?;
            (f.len() == 4).then(|| (f[3].to_string(), size))
        })
        .collect();
    let gcc_copies: Vec<&Value> = rows(b)
        .iter()
        .filter(|r| sized.contains(&(str_of(r, "name").to_string(), u64_of(r, "vm_size"))))
        .collect();
    assert!(
        gcc_copies.iter().any(|r| r["name"] == "__addtf3"),
        "no __addtf3 of libgcc.a's size"
    );
    for r in gcc_copies {
        assert_eq!(r["crate"], "[libgcc]", "{r}");
    }
}

/// With fat LTO the unwinder's objects (no `STT_FILE` symbol of their own) follow the
/// package's C object in the symbol table: they are still `[libgcc]`, and the package holds
/// only its own code (`add_two`, which `nm` finds in the archive its build script made, its
/// Rust functions, and the C `main` rustc writes for it).
#[test]
fn the_unwinder_after_a_c_object_is_not_the_c_crates() {
    let v = json(&mut check_fixture("lto-c-unwind", &["--symbols", "all"]));
    let b = &static_artifact(&v)["binary"];
    let archive = walk(&shared_target_dir(), "libadd.a").expect("libadd.a of the build script");
    let c_names: HashSet<String> = nm_sizes(archive.to_str().expect("utf-8"), &[])
        .into_keys()
        .collect();
    assert!(c_names.contains("add_two"), "{c_names:?}");
    let ours: Vec<&str> = rows(b)
        .iter()
        .filter(|r| r["crate"] == "lto_c_unwind")
        .map(|r| str_of(r, "name"))
        .filter(|n| !n.starts_with('['))
        .collect();
    assert!(ours.contains(&"add_two"), "{ours:?}");
    for n in &ours {
        assert!(
            c_names.contains(*n) || n.starts_with("lto_c_unwind::") || *n == "main",
            "{n} is not the package's own: {ours:?}"
        );
    }
    let unwinder = rows(b)
        .iter()
        .find(|r| r["name"] == "_Unwind_RaiseException")
        .expect("the static build links the unwinder");
    assert_eq!(unwinder["crate"], "[libgcc]", "{unwinder}");
}

/// Fat LTO merges every crate into one object before codegen: no codegen-unit file symbols,
/// fewer archive members to match. Coverage stays whole; the crates are still found, from
/// the archives for C code and from the symbol names for Rust.
#[test]
fn lto_builds_are_covered_and_attributed() {
    let a = where_bytes_attributed(&["--profile", "release-lto", "--symbols", "all"]);
    assert!(str_of(&a, "path").contains("release-lto"), "{a}");
    let b = &a["binary"];
    let crates = b["crates"].as_array().expect("crates");
    for dep in ["md5", "crc32fast", "std"] {
        assert!(
            crates.iter().any(|c| c["name"] == dep),
            "{dep} not among {crates:?}"
        );
    }
    assert!(b["coverage"]["share"].as_f64().expect("share") > 0.7);
    // QA i, F10: std's own dependencies (gimli, addr2line, rustc_demangle, ...) are folded
    // into std under LTO too: every crate row is std, a pseudo-crate, or a package of the
    // fixture's Cargo.lock.
    let lock = std::fs::read_to_string(fixture("where-bytes").join("Cargo.lock")).expect("lock");
    let packages: Vec<String> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"').replace('-', "_"))
        .collect();
    let strays: Vec<&str> = crates
        .iter()
        .map(|c| str_of(c, "name"))
        .filter(|n| *n != "std" && !n.starts_with('[') && !packages.iter().any(|p| p == n))
        .collect();
    assert!(strays.is_empty(), "not in Cargo.lock: {strays:?}");
}

#[test]
fn top_symbols_filter_and_split_std() {
    let v = json(&mut check_fixture(
        "where-bytes",
        &["-n", "3", "--filter", "core", "--split-std"],
    ));
    let b = &static_artifact(&v)["binary"];
    let rows = rows(b);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["crate"] == "core"), "{rows:?}");
    let sizes: Vec<u64> = rows.iter().map(|r| u64_of(r, "vm_size")).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first");
    let crates = b["crates"].as_array().expect("crates");
    assert!(crates.iter().any(|c| c["name"] == "core"));
    assert!(
        !crates
            .iter()
            .any(|c| c["name"] == "std" && c["vm_size"] == 0)
    );
}

/// QA aa: under `--filter`, a crate's bytes without a symbol (`[section .eh_frame]` of std)
/// were rows with `--symbols all` only; `-n N` left them out even where they were the crate's
/// largest. The N rows are the first N of all rows.
#[test]
fn a_filtered_top_n_is_the_head_of_all_the_crates_rows() {
    let all = json(&mut check_fixture(
        "where-bytes",
        &["--symbols", "all", "--filter", "std"],
    ));
    let all = rows(&static_artifact(&all)["binary"]).clone();
    let key = |r: &Value| (str_of(r, "name").to_string(), u64_of(r, "vm_size"));
    let first = all
        .iter()
        .position(|r| str_of(r, "name").starts_with("[section "))
        .expect("std has bytes without a symbol");
    let n = (first + 2).min(all.len());
    let top = json(&mut check_fixture(
        "where-bytes",
        &["-n", &n.to_string(), "--filter", "std"],
    ));
    let top = rows(&static_artifact(&top)["binary"]).clone();
    assert_eq!(top.len(), n);
    let mut sizes: Vec<u64> = all.iter().map(|r| u64_of(r, "vm_size")).collect();
    sizes.truncate(n);
    assert_eq!(
        top.iter().map(|r| u64_of(r, "vm_size")).collect::<Vec<_>>(),
        sizes
    );
    assert!(top.iter().any(|r| key(r) == key(&all[first])), "{top:?}");
}

/// The same generic function, built with other optimisation flags: the symbol names differ
/// (legacy hashes, suffixes), the normalised names do not.
#[test]
fn normalised_names_match_across_builds_with_other_flags() {
    let names = |profile: &str| -> (BTreeSet<String>, BTreeSet<String>) {
        let v = json(&mut check_fixture("where-bytes", &["--profile", profile]));
        let path = str_of(static_artifact(&v), "path").to_string();
        let raw: BTreeSet<String> = nm_sizes(&path, &[])
            .into_keys()
            .filter(|n| n.contains("where_bytes") && n.contains("sum_all"))
            .collect();
        let norm = raw
            .iter()
            .map(|n| cargo_aotcheck::attribute::normalize(n))
            .collect();
        (raw, norm)
    };
    let (raw_a, norm_a) = names("release");
    let (raw_b, norm_b) = names("release-small");
    assert!(!raw_a.is_empty(), "sum_all is in the binary");
    assert_ne!(raw_a, raw_b, "the raw names differ between the builds");
    assert_eq!(norm_a, norm_b);
    assert_eq!(
        norm_a.into_iter().collect::<Vec<_>>(),
        vec!["where_bytes::sum_all".to_string()]
    );
}

#[test]
fn inspect_attributes_a_binary_it_did_not_build() {
    let ls = std::fs::canonicalize("/bin/ls").expect("/bin/ls");
    let ls = ls.to_str().expect("utf-8");
    let r = run(&mut inspect_all(ls));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let b = &v["artifacts"][0]["binary"];
    assert_full_coverage(ls, b);
    // Human output shows the crates and symbols blocks.
    let r = run(aotcheck().args(["aotcheck", "inspect", ls]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("crates "), "{}", r.stdout);
}

/// Where the section header table of `path` ends, by `readelf -h`.
fn readelf_section_table_end(path: &str) -> u64 {
    let header = tool("readelf", &["-hW", path]);
    let field = |label: &str| -> u64 {
        let line = header
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("readelf -h has no {label}"));
        let value = line.split(':').nth(1).expect("value");
        value
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("readelf -h: {line}"))
    };
    field("Start of section headers")
        + field("Number of section headers") * field("Size of section headers")
}

/// A binary cut short keeps its ELF header, and its section header table (at the end of the
/// file) points past the end: a malformed binary, exit 2, one line that names the file, where
/// the table should end (readelf's figure) and how long the file is.
#[test]
fn truncated_binary_is_an_error_not_a_panic() {
    let ls = std::fs::canonicalize("/bin/ls").expect("/bin/ls");
    let ls = ls.to_str().expect("utf-8");
    let bytes = std::fs::read(ls).expect("/bin/ls");
    let table_end = readelf_section_table_end(ls);
    assert_eq!(
        table_end,
        bytes.len() as u64,
        "ls ends with its section headers"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    for cut in [64usize, 700, bytes.len() / 2, bytes.len() - 10] {
        let p = dir.path().join(format!("cut{cut}"));
        std::fs::write(&p, &bytes[..cut]).expect("write");
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "--format", "json"])
            .arg(&p));
        assert_eq!(r.code, 2, "cut at {cut}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "no report for a single failed file");
        let errors = r.error_lines();
        let expected = format!(
            "error: `{}`: truncated or malformed binary: the table of {} section headers ends \
             at byte {table_end}, past the end of the file ({cut} bytes)",
            p.display(),
            tool("readelf", &["-hW", ls])
                .lines()
                .find_map(|l| l.trim().strip_prefix("Number of section headers:"))
                .expect("section count")
                .trim()
        );
        assert_eq!(errors, [expected.as_str()], "cut at {cut}");
    }
}

/// The first file called `file` under `dir`.
pub(super) fn walk(dir: &std::path::Path, file: &str) -> Option<std::path::PathBuf> {
    walk_where(dir, file, &|_| true)
}

/// As [`walk`], the first such file whose path `keep` takes.
pub(super) fn walk_where(
    dir: &std::path::Path,
    file: &str,
    keep: &dyn Fn(&std::path::Path) -> bool,
) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = walk_where(&p, file, keep) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == file) && keep(&p) {
            return Some(p);
        }
    }
    None
}

/// `stripped_size` is what GNU `strip` leaves, to the byte. It was 8-16 B above it on almost
/// every file (above the file's own size on already-stripped ones) because the rebuilt
/// `.shstrtab` stored `.plt` again although binutils stores it as the tail of `.rela.plt`.
/// Already-stripped Debian binaries and a shared library, and gcc builds (dynamic, static,
/// with DWARF) before and after `strip`.
#[test]
fn stripped_size_is_what_strip_leaves_to_the_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = dir.path().join("prog.c");
    std::fs::write(
        &c,
        "#include <stdio.h>\nstatic int table[4096] = {1};\nint main(int argc, char **argv) \
         { printf(\"%d\\n\", table[argc]); return 0; }\n",
    )
    .expect("write");
    let mut built = Vec::new();
    for (name, args) in [
        ("dyn", &[][..]),
        ("static", &["-static"][..]),
        ("debug", &["-g"][..]),
    ] {
        let out = dir.path().join(name).display().to_string();
        let mut all = vec!["-O2", "-o", &out, c.to_str().expect("utf-8")];
        all.extend_from_slice(args);
        tool("gcc", &all);
        let stripped = format!("{out}-stripped");
        tool("strip", &["-o", &stripped, &out]);
        built.push((out, false));
        built.push((stripped, true));
    }
    let libc = tool("ldd", &["/bin/ls"])
        .lines()
        .find_map(|l| {
            l.split(" => ")
                .nth(1)?
                .split(" (")
                .next()
                .filter(|p| p.contains("libc.so"))
        })
        .map(str::to_string)
        .expect("ldd /bin/ls names libc");
    let mut files: Vec<(String, bool)> = ["/bin/ls", "/usr/bin/apt", "/usr/bin/gpgv", &libc]
        .iter()
        .map(|p| std::fs::canonicalize(p).expect("system file exists"))
        .map(|p| (p.display().to_string(), true))
        .collect();
    files.extend(built);

    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json"])
        .args(&paths));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let artifacts = v["artifacts"].as_array().expect("artifacts");
    assert_eq!(artifacts.len(), files.len());
    for (a, (path, already)) in artifacts.iter().zip(&files) {
        assert_eq!(str_of(a, "path"), path);
        let ours = u64_of(&a["binary"], "stripped_size");
        assert_eq!(ours, strip_size(path), "{path}: stripped_size vs strip");
        let len = std::fs::metadata(path).expect("meta").len();
        if *already {
            assert_eq!(ours, len, "{path} is already stripped");
        } else {
            assert!(ours < len, "{path}: {ours} of {len}");
        }
    }
}

/// QA ad: a file stripped with GNU strip read "debug info 34 B": rustc's `.debug_gdb_scripts`
/// is loaded (`SHF_ALLOC`), and strip keeps it. Debug info is what strip removes: the
/// `.debug_*` sections readelf shows without the `A` flag; a loaded one is a section row.
#[test]
fn a_loaded_debug_section_is_not_debug_info() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = b"__attribute__((used, section(\".debug_gdb_scripts\")))\n\
                static const char scripts[40] = \"\\001gdb_load_rust_pretty_printers.py\";\n\
                int main(void) { return 0; }\n";
    let bin = gcc(dir.path(), "gdbscripts", src, &["-g"]);
    let stripped = format!("{bin}.stripped");
    tool("strip", &["-o", &stripped, &bin]);
    // readelf: the non-allocated `.debug_*` sections, by the flags column.
    let unloaded_debug = |path: &str| -> u64 {
        tool("readelf", &["-SW", path])
            .lines()
            .filter_map(|l| {
                let (_, rest) = l.trim_start().strip_prefix('[')?.split_once(']')?;
                let f: Vec<&str> = rest.split_whitespace().collect();
                let name = *f.first()?;
                let size = u64::from_str_radix(f.get(4)?, 16).ok()?;
                let flags = f.get(6).copied().unwrap_or("");
                (name.starts_with(".debug") && !flags.contains('A')).then_some(size)
            })
            .sum()
    };
    let loaded = readelf_sections(&stripped)
        .into_iter()
        .find(|(n, _)| n == ".debug_gdb_scripts")
        .expect("strip keeps the loaded section");
    assert!(loaded.1 >= 40, "{loaded:?}");
    for (path, some) in [(&bin, true), (&stripped, false)] {
        let v = json(&mut inspect_all(path));
        let b = &v["artifacts"][0]["binary"];
        assert_eq!(u64_of(b, "debug_size"), unloaded_debug(path), "{path}");
        assert_eq!(u64_of(b, "debug_size") > 0, some, "{path}");
        // Its bytes are a symbol's here; none of the loaded bytes is called debug info.
        let loaded_debug: Vec<&Value> = rows(b)
            .iter()
            .filter(|r| r["name"] == "[debug info]" && u64_of(r, "vm_size") > 0)
            .collect();
        assert!(loaded_debug.is_empty(), "{path}: {loaded_debug:?}");
    }
    let r = run(aotcheck().args(["aotcheck", "inspect", &stripped]));
    assert!(!r.stdout.contains("debug info"), "{}", r.stdout);
}

/// QA ad, F12: `--symbols all` was headed "9395 largest", `--filter CRATE` "10 largest" with no
/// crate named, and the `[debug info]` rows did not say their section. All the rows are "all
/// N rows" (they add up to the file's size, by `stat`); a filtered list names its crate; a row
/// without a symbol names its section.
#[test]
fn the_symbols_heading_says_what_the_rows_are() {
    let path = {
        let v = json(&mut check_fixture("where-bytes", &[]));
        str_of(static_artifact(&v), "path").to_string()
    };
    let size = std::fs::metadata(&path).expect("stat").len();
    let inspect = |args: &[&str]| {
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "-q", &path])
            .args(args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let v: Value =
        serde_json::from_str(&inspect(&["--symbols", "all", "--format", "json"])).expect("JSON");
    let all = rows(&v["artifacts"][0]["binary"]);
    let sum: u64 = all
        .iter()
        .map(|r| r["file_size"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(sum, size, "the rows add up to the file");
    let text = inspect(&["--symbols", "all"]);
    let heading = format!(
        "symbols      all {} rows (in memory / in file / retained)",
        thousands(all.len() as u64)
    );
    assert!(text.contains(&heading), "{heading}\n{text}");
    // A label names its section once: `[symbol table] .symtab`, `[section .shstrtab]`.
    assert!(text.contains("[symbol table] .symtab"), "{text}");
    assert!(!text.contains(".shstrtab] .shstrtab"), "{text}");
    let text = inspect(&["--filter", "std", "-n", "3"]);
    assert!(
        text.contains("symbols      3 largest of std (in memory / in file / retained)"),
        "{text}"
    );
    let text = inspect(&["-n", "3"]);
    assert!(
        text.contains("symbols      3 largest (in memory / in file / retained)"),
        "{text}"
    );
}

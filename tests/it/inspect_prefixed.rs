//! `inspect` of a binary whose C code carries a `-sys` crate's prefix (aws-lc-sys's
//! `aws_lc_0_46_0_`, ring's `ring_core_0_17_14_`) names that crate by the prefix, as a guess
//! (QA ay F4: xh's 2.55 MiB of aws-lc were `[unknown]`). A program compiled here with gcc holds
//! such functions and a table, and a function of a Rust symbol's name, as the Rust program
//! that links such a library has (QA dj F7: in a binary with no Rust, a prefix names no
//! crate); `nm -S` gives their sizes.

use std::collections::HashMap;

use serde_json::Value;

use crate::util::{gcc, inspect_all, json, str_of, tool, u64_of};

const SRC: &[u8] = br#"
__attribute__((noinline)) int aws_lc_0_46_0_work(int x) {
    volatile int a[64];
    for (int i = 0; i < 64; i++) a[i] = x * i;
    return a[x & 63];
}
const unsigned char aws_lc_0_46_0_table[4096] = {1, 2, 3};
__attribute__((noinline)) int ring_core_0_17_14_mul(int x) { return x * 7 + 3; }
__attribute__((noinline)) int aws_lc_init(int x) { return x + 1; }
__attribute__((noinline)) int onig_search(int x) { return x * 5 + 1; }
__attribute__((noinline)) int crc32_z(int x) { return x ^ 0x1234; }
int main(int argc, char **argv) {
    (void)argv;
    return aws_lc_0_46_0_work(argc) + ring_core_0_17_14_mul(argc) + aws_lc_init(argc)
        + aws_lc_0_46_0_table[argc] + onig_search(argc) + crc32_z(argc);
}
"#;

/// A function named as rustc names one (legacy mangling), in a file of its own: the Rust
/// program whose C library the tests' code stands for.
const RUST: &[u8] = b"int _ZN3app4main17h0123456789abcdefE(int x) { return x + 2; }\n";

/// `RUST` written into `dir`, as a source file for gcc.
fn rust_source(dir: &std::path::Path) -> String {
    let path = dir.join("rust.c");
    std::fs::write(&path, RUST).expect("write rust.c");
    path.to_str().expect("utf-8 path").to_string()
}

/// `nm -S` sizes of the defined symbols of `path`, by name.
fn nm_sizes(path: &str) -> HashMap<String, u64> {
    tool("nm", &["-S", "--defined-only", path])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let size = u64::from_str_radix(f.get(1)?, 16).ok()?;
            (f.len() == 4).then(|| (f[3].to_string(), size))
        })
        .collect()
}

/// The `--symbols all` rows of binary `b`, by name.
fn rows_by_name(b: &Value) -> HashMap<&str, &Value> {
    b["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .map(|r| (str_of(r, "name"), r))
        .collect()
}

#[test]
fn a_c_librarys_prefix_names_its_crate_as_a_guess() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = gcc(dir.path(), "prefixed", SRC, &[&rust_source(dir.path())]);
    let nm = nm_sizes(&bin);
    let v: Value = json(&mut inspect_all(&bin));
    let b = &v["artifacts"][0]["binary"];
    let rows = rows_by_name(b);
    for (name, krate) in [
        ("aws_lc_0_46_0_work", "aws_lc_sys"),
        ("aws_lc_0_46_0_table", "aws_lc_sys"),
        ("ring_core_0_17_14_mul", "ring"),
        // QA be F3: oniguruma's and zlib's names (git-delta's onig-sys and libz-sys).
        ("onig_search", "onig_sys"),
        ("crc32_z", "libz_sys"),
    ] {
        let r = rows.get(name).unwrap_or_else(|| panic!("no row {name}"));
        assert_eq!(str_of(r, "crate"), krate, "{r}");
        assert_eq!(str_of(r, "confidence"), "heuristic", "{r}");
        assert_eq!(Some(&u64_of(r, "vm_size")), nm.get(name), "{name}: nm -S");
    }
    // A versioned prefix without a version is no crate's.
    let init = rows.get("aws_lc_init").expect("aws_lc_init");
    assert_ne!(init["crate"], "aws_lc_sys", "{init}");
    // The crate row holds at least its symbols' bytes by nm (their unwind tables may join).
    let crates = b["crates"].as_array().expect("crates");
    let aws = crates
        .iter()
        .find(|c| c["name"] == "aws_lc_sys")
        .expect("an aws_lc_sys row");
    let by_nm = nm["aws_lc_0_46_0_work"] + nm["aws_lc_0_46_0_table"];
    assert!(u64_of(aws, "vm_size") >= by_nm, "{aws} < {by_nm}");
    assert!(
        u64_of(aws, "vm_size") < by_nm + 256,
        "{aws}: more than its own and its FDE"
    );
}

/// QA dj F7: in a binary without a Rust symbol (the system's `libz.so`, qemu, ASan), a
/// `-sys` crate's prefix names no crate: its C code is `[unknown]`. `nm` lists the names.
#[test]
fn a_prefix_names_no_crate_in_a_binary_without_rust() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = gcc(dir.path(), "prefixed", SRC, &[]);
    let nm = nm_sizes(&bin);
    assert!(nm.contains_key("crc32_z") && nm.contains_key("aws_lc_0_46_0_work"));
    assert!(!nm.keys().any(|n| n.starts_with("_ZN")), "{nm:?}");
    let v: Value = json(&mut inspect_all(&bin));
    let b = &v["artifacts"][0]["binary"];
    let rows = rows_by_name(b);
    for name in [
        "aws_lc_0_46_0_work",
        "ring_core_0_17_14_mul",
        "onig_search",
        "crc32_z",
    ] {
        let r = rows.get(name).unwrap_or_else(|| panic!("no row {name}"));
        assert!(r["crate"].is_null() && r["crate_row"] == "[unknown]", "{r}");
    }
}

/// Oniguruma's static functions and tables (`match_at`, `CR_Alnum`), in `onig.c`.
const ONIG: &[u8] = br#"
static const unsigned char CR_Alnum[2048] = {1, 2, 3};
__attribute__((noinline)) static int match_at(int x) {
    if (x > 100) return match_at(x - 7) + 1;
    return CR_Alnum[x & 2047];
}
__attribute__((noinline)) int shared_helper(int x) { return x * 3 + 2; }
__attribute__((noinline)) int onig_search(int x) { return match_at(x * 5 + 1) + shared_helper(x); }
int regexp_entry(int x);
int main(int argc, char **argv) {
    (void)argv;
    return onig_search(argc) + regexp_entry(argc);
}
"#;

/// libgit2's, in a file named as one of glibc's (`regexp.o`); local in the binary, after the
/// file's name, as libgit2's hidden functions are in a Rust binary.
const REGEXP: &[u8] = br#"
int shared_helper(int x);
__attribute__((noinline)) static int pattern_length(int x) { return x * 9 + 4; }
__attribute__((noinline)) static int git_regexp_compile(int x) {
    return shared_helper(x ^ 0x55) + pattern_length(x);
}
int regexp_entry(int x) { return git_regexp_compile(x) + 1; }
"#;

/// QA be F3: `inspect` of git-delta left 636 KiB of oniguruma's and libgit2's C code
/// `[unknown]`: functions and tables with no prefix (`match_at`, `CR_Alnum`), and libgit2's
/// `git_regexp_compile`, whose file `regexp.c` shares its name with glibc's `regexp.o`, was
/// `[libc]`'s. A C symbol that one crate's code alone refers to is that crate's
/// (`referenced`), recursion included; one that two crates call stays without a crate; a
/// prefix says more than a file's name. The references by objdump, the sizes by nm.
#[test]
fn c_code_without_a_prefix_is_the_crate_s_whose_code_alone_refers_to_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let regexp = dir.path().join("regexp.c");
    std::fs::write(&regexp, REGEXP).expect("write regexp.c");
    let regexp = regexp.to_str().expect("utf-8 path");
    let bin = gcc(
        dir.path(),
        "onig",
        ONIG,
        &[regexp, &rust_source(dir.path()), "-static"],
    );
    let nm = nm_sizes(&bin);
    let v: Value = json(&mut inspect_all(&bin));
    let b = &v["artifacts"][0]["binary"];
    let rows = rows_by_name(b);
    let row = |name: &str| *rows.get(name).unwrap_or_else(|| panic!("no row {name}"));
    for (name, krate, confidence) in [
        ("onig_search", "onig_sys", "heuristic"),
        ("match_at", "onig_sys", "referenced"),
        ("CR_Alnum", "onig_sys", "referenced"),
        ("git_regexp_compile", "libgit2_sys", "heuristic"),
        // QA bi F3: its file's name is glibc's too, which says nothing without the archives.
        ("pattern_length", "libgit2_sys", "referenced"),
    ] {
        let r = row(name);
        assert_eq!(
            (str_of(r, "crate"), str_of(r, "confidence")),
            (krate, confidence),
            "{r}"
        );
        assert_eq!(Some(&u64_of(r, "vm_size")), nm.get(name), "{name}: nm -S");
    }
    let shared = row("shared_helper");
    assert!(shared["crate"].is_null(), "{shared}");
    // What each was said to be referred to by.
    let code = tool("objdump", &["-d", "--no-show-raw-insn", &bin]);
    let body = |f: &str| -> String {
        code.split("\n\n")
            .find(|b| {
                b.lines()
                    .next()
                    .is_some_and(|l| l.ends_with(&format!(" <{f}>:")))
            })
            .unwrap_or_else(|| panic!("no {f} in objdump"))
            .to_string()
    };
    assert!(body("onig_search").contains("<match_at>"));
    assert!(body("match_at").contains("<match_at>"), "recursive");
    assert!(body("match_at").contains("<CR_Alnum>"));
    assert!(body("onig_search").contains("<shared_helper>"));
    assert!(body("git_regexp_compile").contains("<shared_helper>"));
}

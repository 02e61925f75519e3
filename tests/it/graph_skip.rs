//! `inspect` builds the reference graph only where it can name what it finds: a binary with no
//! Rust symbol (a C program, a stripped binary) gets the crate table without it and a line that
//! says why; `--graph` (or `--why`) builds it anyway. Whether a binary has a Rust symbol is checked with `nm`.

use std::path::Path;

use serde_json::Value;

use crate::util::{aotcheck, gcc, json, run, str_of, tool, u64_of};

/// A C program with its symbols, compiled into `dir`.
fn c_program(dir: &Path) -> String {
    gcc(
        dir,
        "hello",
        b"#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
        &[],
    )
}

/// Whether `nm` (of `.symtab`, or with `-D` of `.dynsym`) lists a Rust symbol name: a legacy
/// `_ZN…17h<16 hex>E` or a v0 `_R…`.
fn nm_has_rust(path: &str) -> bool {
    let legacy = |n: &str| {
        n.starts_with("_ZN")
            && n.len() > 20
            && n.as_bytes()[n.len() - 20..n.len() - 17] == *b"17h"
            && n.ends_with('E')
    };
    ["-a", "-D"].iter().any(|flag| {
        tool("nm", &[flag, path])
            .lines()
            .filter_map(|l| l.split_whitespace().last())
            .any(|n| n.starts_with("_R") || legacy(n))
    })
}

fn binary_of(v: &Value) -> &Value {
    &v["artifacts"][0]["binary"]
}

/// No graph was built, and the report says the binary has no Rust symbol.
fn assert_skipped_without_rust(b: &Value) {
    assert!(
        b.get("graph").is_none(),
        "a graph was built: {}",
        b["graph"]
    );
    assert!(
        str_of(b, "graph_skipped").starts_with("no Rust symbol in the binary"),
        "{}",
        b["graph_skipped"]
    );
}

/// The crate table's rows sum to the file's length and to its loaded bytes without a graph.
fn assert_rows_sum(b: &Value, path: &str) {
    let len = std::fs::metadata(path).expect("stat").len();
    let cov = &b["coverage"];
    assert_eq!(u64_of(cov, "file_size"), len, "rows sum to the file");
    let rows: u64 = b["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| u64_of(c, "vm_size"))
        .sum();
    assert_eq!(
        rows,
        u64_of(cov, "allocated_bytes"),
        "crate rows sum to the loaded bytes"
    );
}

/// QA dj F9: a C function named `_R…` (libunwind's `_ReadSLEB`) is no Rust symbol, as
/// `c++filt --format=rust` leaves it, where a v0 name is demangled: no graph is built.
#[test]
fn a_c_name_starting_with_r_is_no_rust_symbol() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = gcc(
        dir.path(),
        "unwind",
        b"int _ReadSLEB(int x) { return x * 3; }\n\
          int main(int c, char **v) { (void)v; return _ReadSLEB(c); }\n",
        &[],
    );
    let demangled = |name: &str| {
        let out = std::process::Command::new("c++filt")
            .args(["--format=rust", name])
            .output()
            .expect("c++filt");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(demangled("_ReadSLEB"), "_ReadSLEB");
    assert_ne!(
        demangled("_RNvCs1234_7mycrate3foo"),
        "_RNvCs1234_7mycrate3foo"
    );
    assert!(tool("nm", &[&path]).contains(" T _ReadSLEB"));
    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", &path]));
    let b = binary_of(&v);
    assert_skipped_without_rust(b);
}

#[test]
fn a_c_program_gets_its_crate_table_without_a_graph_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = c_program(dir.path());
    assert!(!nm_has_rust(&path), "nm lists a Rust symbol in {path}");
    assert!(tool("readelf", &["-SW", &path]).contains(" .symtab "));

    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", &path]));
    let b = binary_of(&v);
    assert_skipped_without_rust(b);
    assert_rows_sum(b, &path);

    let r = run(aotcheck().args(["aotcheck", "inspect", &path]));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    assert!(
        r.stdout
            .contains("graph        not built: no Rust symbol in the binary"),
        "{}",
        r.stdout
    );

    // `--graph` asks for it; `--why` asks for chains, so builds it too.
    for flags in [&["--graph"][..], &["--why", "main"]] {
        let mut cmd = aotcheck();
        cmd.args(["aotcheck", "inspect", "--format", "json", &path])
            .args(flags);
        let v = json(&mut cmd);
        let b = binary_of(&v);
        assert!(
            b["graph"]["nodes"].as_u64().is_some_and(|n| n > 0),
            "{flags:?}: {b}"
        );
        assert!(b.get("graph_skipped").is_none(), "{flags:?}");
        assert_rows_sum(b, &path);
    }
}

#[test]
fn a_stripped_binary_without_rust_symbols_says_it_is_stripped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = c_program(dir.path());
    tool("strip", &[&path]);
    assert!(!tool("readelf", &["-SW", &path]).contains(" .symtab "));
    assert!(!nm_has_rust(&path));

    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", &path]));
    let b = binary_of(&v);
    assert!(b.get("graph").is_none());
    assert!(
        str_of(b, "graph_skipped").starts_with("the binary is stripped (no .symtab)"),
        "{}",
        b["graph_skipped"]
    );
    assert_rows_sum(b, &path);
    // The page: the flag the reason names as code, not in raw backticks; one crate row, "1
    // crate" (QA z, Z8).
    let page = run(aotcheck().args(["aotcheck", "inspect", "--format", "html", &path]));
    assert_eq!(page.code, 0, "{}", page.stderr);
    let facts = page
        .stdout
        .split("not built: ")
        .nth(1)
        .and_then(|r| r.split("</").next())
        .expect("the graph's fact");
    assert!(!facts.contains('`'), "{facts}");
    assert!(page.stdout.contains("<code>--graph</code>"), "{facts}");
    let rows = b["crates"].as_array().map_or(0, Vec::len);
    assert_eq!(rows, 1);
    assert!(page.stdout.contains("<summary>1 crate</summary>"));
    assert!(page.stdout.contains("go</b>: 1 crate, "));
}

/// A file whose `.comment` names its compilers and not rustc (`readelf -p .comment`: gcc's
/// alone) holds no Rust object: its symbols are not searched one by one for a Rust name (the
/// time of a C++ library's), so even a C function named as rustc names one builds no graph.
#[test]
fn a_file_that_rustc_did_not_make_is_not_searched_for_rust_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = gcc(
        dir.path(),
        "named",
        b"int _ZN3app4main17h0123456789abcdefE(int x) { return x + 2; }\n\
          int main(int c, char **v) { (void)v; return _ZN3app4main17h0123456789abcdefE(c); }\n",
        &[],
    );
    let comment = tool("readelf", &["-p", ".comment", &path]);
    assert!(
        comment.contains("GCC: ") && !comment.contains("rustc"),
        "{comment}"
    );
    assert!(
        nm_has_rust(&path),
        "nm lists no Rust-named symbol in {path}"
    );
    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", &path]));
    let b = binary_of(&v);
    assert_skipped_without_rust(b);
    let listed: Vec<&str> = comment
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, s)| s.trim()))
        .collect();
    assert_eq!(b["comment"], serde_json::json!(listed));
}

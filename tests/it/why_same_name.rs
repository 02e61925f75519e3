//! `--why` of a name that several symbols share (each tree-sitter grammar's static
//! `ts_parse_table`): every one of them is a match with its own chain (QA az F1: difftastic's
//! 61 `ts_parse_table` were "1 matching symbol", the 3 KiB one of them). The c-statics
//! fixture has two grammars, each with a static `parse_table` of its own size; `nm -S` counts
//! and sizes them.

use serde_json::Value;

use crate::util::*;

#[test]
fn every_symbol_of_a_shared_name_is_a_match() {
    let v: Value = json(&mut check_fixture("c-statics", &["--why", "^parse_table$"]));
    let a = &v["artifacts"][0];
    let bin = str_of(a, "path");
    let mut sizes: Vec<u64> = tool("nm", &["-S", bin])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4 && f[3] == "parse_table").then(|| u64::from_str_radix(f[1], 16).ok())?
        })
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes.len(), 2, "nm: {sizes:?}");
    let why = &a["binary"]["why"];
    assert_eq!(why["matched"], "symbol", "{why}");
    let chains = why["chains"].as_array().expect("chains");
    assert_eq!(chains.len() as u64 + u64_of(why, "more"), 2, "{why}");
    // Each table keeps only its own bytes, and each is reached through its own grammar.
    let mut retained: Vec<u64> = chains.iter().map(|c| u64_of(c, "retained")).collect();
    retained.sort_unstable();
    assert_eq!(retained, sizes, "{why}");
    let through = |c: &Value, f: &str| {
        c["steps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["symbol"] == f))
    };
    for grammar in ["grammar_a", "grammar_b"] {
        assert!(
            chains.iter().any(|c| through(c, grammar)),
            "no chain through {grammar}: {why}"
        );
    }
}

/// QA az F2: two statics of one name, one in `.rodata` and one in `.data` (difftastic's latex
/// and janet `ts_parse_table`), were no copies as symbol rows (copies are numbered within a
/// section) and "copy 2 of 2" in `--why`. A C program of two such `table`s (`nm -S`: `r` and
/// `d`, 3000 and 500 bytes): both views number them alike, that is not at all.
#[test]
fn copies_are_numbered_within_a_section_in_why_as_in_the_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(
        d.join("a.c"),
        "static const unsigned char table[3000] = {1, 2, 3};\n\
         const unsigned char *table_a(int i) { return &table[i]; }\n",
    )
    .expect("write a.c");
    std::fs::write(
        d.join("b.c"),
        "static unsigned char table[500] = {4, 5, 6};\n\
         unsigned char *table_b(int i) { table[i]++; return &table[i]; }\n",
    )
    .expect("write b.c");
    let main = b"const unsigned char *table_a(int); unsigned char *table_b(int);\n\
                 int main(int c, char **v) { (void)v; return *table_a(c) + *table_b(c); }\n";
    let a = d.join("a.c").display().to_string();
    let b = d.join("b.c").display().to_string();
    let bin = gcc(d, "tables", main, &[&a, &b]);
    let kinds: Vec<String> = tool("nm", &["-S", &bin])
        .lines()
        .filter(|l| l.ends_with(" table"))
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    assert_eq!(
        kinds,
        ["r", "d"],
        "nm: two `table`s, read-only and writable"
    );
    let mut cmd = inspect_all(&bin);
    cmd.args(["--graph", "--why", "^table$"]);
    let v = json(&mut cmd);
    let b = &v["artifacts"][0]["binary"];
    let rows: Vec<&Value> = b["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter(|r| r["name"] == "table")
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r["copy"].is_null()), "{rows:?}");
    let chains = b["why"]["chains"].as_array().expect("chains");
    assert_eq!(chains.len(), 2, "{}", b["why"]);
    for c in chains {
        assert_eq!(c["target"], "table", "{c}");
        let last = c["steps"].as_array().and_then(|s| s.last()).expect("steps");
        assert!(last["copy"].is_null(), "{c}");
    }
}

/// QA bb F4: watchexec-cli's binary is the crate `watchexec`, as is the library it depends on,
/// and one crate row held both; the gate blamed the library for the binary's own `main`. The
/// run says so: both symbols are in the binary (nm) under the one crate name, and its row
/// holds both.
#[test]
fn a_binary_named_as_a_library_of_another_package_is_said_to_share_its_row() {
    // Once, though `--compare` builds the binary twice.
    let v = json(&mut check_fixture("bin-lib-same-name", &["--compare"]));
    let warned = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| {
            w.as_str().is_some_and(|w| {
                w.starts_with(
                    "crate `watchlib` is two crates, the binary `watchlib` of watch-cli@0.1.0 \
                     and the library of watchlib@0.1.0",
                )
            })
        })
        .count();
    assert_eq!(warned, 1, "{}", v["warnings"]);
    let a = &v["artifacts"][0];
    let nm = crate::why::nm(str_of(a, "path"));
    let (main, work) = (nm.get("watchlib::main"), nm.get("watchlib::work"));
    let (Some(&(_, main)), Some(&(_, work))) = (main, work) else {
        panic!("nm: watchlib::main {main:?}, watchlib::work {work:?}");
    };
    let row = a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == "watchlib")
        .expect("a watchlib row");
    assert!(u64_of(row, "vm_size") >= main + work, "{row}");
}

/// QA ci F3: `--why webpki_roots` (certificates merged into ureq's constants) and `--filter`
/// said it was no crate of the binary, exit 2. A crate the build compiled that no symbol
/// carries, and no finding is on, is the answer: here cfg-if, macros only (`nm`: no symbol of
/// it), under libloading. `--why` says so with exit 0; `--filter` still has nothing to list,
/// exit 2, and says why in its one line.
#[test]
fn a_compiled_crate_without_symbols_is_said_to_be_one() {
    let r = run(&mut check_fixture(
        "audit-libloading",
        &["--why", "cfg_if", "--warn-only"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let a = artifact(&v, "static");
    let nm = tool("nm", &[str_of(a, "path")]);
    assert!(!nm.contains("cfg_if"), "cfg_if has symbols");
    let why = &a["binary"]["why"];
    assert_eq!(why["matched"], "none", "{why}");
    let note = str_of(why, "note");
    assert!(
        note.starts_with("`cfg_if` (v1.")
            && note.contains(" from crates.io) is a crate this build compiled, with no symbol of")
            && !note.contains("registry+"),
        "{note}"
    );
    let r = run(&mut check_fixture(
        "audit-libloading",
        &["--filter", "cfg-if"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.error_lines().len(), 1, "{}", r.stderr);
    assert!(
        words(&r.stderr).contains("is a crate this build compiled, with no symbol of its own"),
        "{}",
        r.stderr
    );
}

//! What `--why` and `--filter` match: every name at an address (aliases), binaries without
//! symbols among others, patterns and crate names that match nothing (exit 2, one line); and
//! what counts as a way into a crate.

use serde_json::Value;

use crate::util::*;

/// A static C program (glibc's `printf` is an alias of `__printf` there), and a stripped copy.
fn programs(dir: &std::path::Path) -> (String, String) {
    let src = dir.join("p.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
    )
    .expect("write");
    let bin = dir.join("p").to_str().expect("utf-8").to_string();
    tool(
        "gcc",
        &["-O1", "-static", src.to_str().expect("utf-8"), "-o", &bin],
    );
    let stripped = dir.join("p-stripped").to_str().expect("utf-8").to_string();
    tool("strip", &["-o", &stripped, &bin]);
    (bin, stripped)
}

fn inspect(args: &[&str]) -> Run {
    run(aotcheck().args(["aotcheck", "inspect", "-q"]).args(args))
}

#[test]
fn an_anchored_pattern_finds_an_alias() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, _) = programs(dir.path());
    // nm: `printf` and another name at one address.
    let nm = tool("nm", &[&bin]);
    let addr_of = |name: &str| {
        nm.lines()
            .find(|l| l.split_whitespace().nth(2) == Some(name))
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_string)
    };
    let at = addr_of("printf").expect("printf in nm");
    assert!(
        nm.lines()
            .filter(|l| l.starts_with(&at) && !l.ends_with(" printf"))
            .count()
            > 0,
        "printf has an alias"
    );
    let r = inspect(&[&bin, "--format", "json", "--why", "^printf$"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let why = &v["artifacts"][0]["binary"]["why"];
    assert_eq!(why["matched"], "symbol", "{why}");
    let chain = &why["chains"][0];
    assert!(
        chain["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("printf")),
        "{chain}"
    );
    assert_eq!(chain["steps"][0]["kind"], "root", "{chain}");
    // The last step is the piece at printf's address (its own name, per nm).
    let last = chain["steps"]
        .as_array()
        .and_then(|s| s.last())
        .and_then(|s| s["symbol"].as_str())
        .expect("a last step");
    assert_eq!(addr_of(last).as_deref(), Some(at.as_str()), "{last}");
}

#[test]
fn no_match_is_exit_2_even_beside_a_stripped_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, stripped) = programs(dir.path());
    let r = inspect(&[&stripped, &bin, "--why", "no_such_symbol_zz"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.error_lines().len(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("no_such_symbol_zz"), "{}", r.stderr);
    // Only stripped binaries: nothing could be searched, each says chains need symbols.
    let r = inspect(&[&stripped, "--why", "no_such_symbol_zz"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("chains need symbols"), "{}", r.stdout);
}

/// QA i, F13: a dynamic build imports `printf` (`readelf --dyn-syms`: `UND`): `--why printf`
/// said no symbol matched (exit 2); it is an answer (exit 0) that says the function is
/// imported. Something that is not even imported is still exit 2.
#[test]
fn an_imported_function_of_a_dynamic_binary_is_said_to_be_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("d.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 7); return 0; }\n",
    )
    .expect("write");
    let bin = dir.path().join("d").to_str().expect("utf-8").to_string();
    tool("gcc", &["-O1", src.to_str().expect("utf-8"), "-o", &bin]);
    let dynsyms = tool("readelf", &["--dyn-syms", "-W", &bin]);
    assert!(
        dynsyms
            .lines()
            .any(|l| l.contains(" UND ") && l.contains(" printf")),
        "{dynsyms}"
    );
    let r = inspect(&[&bin, "--why", "^printf$", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let why = &v["artifacts"][0]["binary"]["why"];
    assert_eq!(why["matched"], "none", "{why}");
    assert!(
        str_of(why, "note").starts_with("`printf` is imported from a shared library"),
        "{why}"
    );
    // The flags it names are the main command's, said as such (QA cb F7: `inspect` has no
    // `--link`).
    assert!(
        str_of(why, "note").contains(
            "(`cargo aotcheck --link static` or `--compare` in the project: `inspect` has neither)"
        ),
        "{why}"
    );
    let r = inspect(&[&bin, "--why", "no_such_symbol_zz"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    // Stripped, its `.dynsym` still names the import (QA de F5: "the binary has no symbol
    // names", and an analysis link a plain build cannot have).
    let stripped = format!("{bin}-stripped");
    tool("strip", &["-o", &stripped, &bin]);
    let symtab = tool("readelf", &["-SW", &stripped]);
    assert!(!symtab.contains(".symtab"), "{symtab}");
    let r = inspect(&[&stripped, "--why", "^printf$", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let note = str_of(&v["artifacts"][0]["binary"]["why"], "note");
    assert!(
        note.starts_with("`printf` is imported from a shared library"),
        "{note}"
    );
    assert!(
        note.ends_with("it has no symbol table (stripped)"),
        "{note}"
    );
}

#[test]
fn an_invalid_expression_that_matches_nothing_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, _) = programs(dir.path());
    let r = inspect(&[&bin, "--why", "zz(b"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let lines = r.error_lines();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(lines[0].contains("invalid"), "{}", lines[0]);
}

#[test]
fn filter_on_no_crate_is_exit_2_and_takes_the_table_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, _) = programs(dir.path());
    let r = inspect(&[&bin, "--filter", "no_such_crate"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.error_lines().len(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("no_such_crate"), "{}", r.stderr);
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    // A table label without its brackets is pointed at it (QA am F6: `libc` for `[libc]`).
    let r = inspect(&[&bin, "--filter", "no symbol"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("did you mean `[no symbol]`?"),
        "{}",
        r.stderr
    );
    // `[no symbol]`: the rows are the bytes without a symbol (with -n, the largest), and
    // all of them sum to the crate table's figure for it.
    let rows_of = |n: &str| {
        let r = inspect(&[
            &bin,
            "--format",
            "json",
            "--filter",
            "[no symbol]",
            "--symbols",
            n,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str::<Value>(&r.stdout).expect("JSON")["artifacts"][0]["binary"].clone()
    };
    assert_eq!(rows_of("2")["symbols"].as_array().map(Vec::len), Some(2));
    let b = rows_of("all");
    let rows = b["symbols"].as_array().expect("rows");
    assert!(rows.len() > 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["crate"].is_null() && r["name"].as_str().is_some_and(|n| n.starts_with('['))),
        "{rows:?}"
    );
    let table = b["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == "[no symbol]")
        .expect("[no symbol] in the crate table");
    let sum: u64 = rows.iter().filter_map(|r| r["vm_size"].as_u64()).sum();
    assert_eq!(Some(sum), table["vm_size"].as_u64(), "{rows:?}");
    // The terminal names their crate as the filter and the table do (QA j: every row said
    // `[unknown]`, the label of symbols without a crate).
    let r = inspect(&[&bin, "--filter", "[no symbol]", "--symbols", "all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shown: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("symbols"))
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .collect();
    assert_eq!(shown.len(), rows.len(), "{}", r.stdout);
    assert!(
        shown.iter().all(|l| l.contains("  [no symbol]  ")),
        "{}",
        r.stdout
    );
}

/// QA do F11: `--filter` of the package whose binary's crate has its own name (difftastic's is
/// `difft`) offers that crate: the main command knows the package, `inspect` a crate whose name
/// begins the filter's. The crate table names `finder`, as `nm` does.
#[test]
fn filter_of_a_package_offers_its_binarys_crate() {
    let r = run(&mut check_fixture(
        "audit-bin-name",
        &["--filter", "audit-bin-name"],
    ));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let errors = r.error_lines().join("\n");
    assert!(
        errors.contains(
            "`audit-bin-name` is the package: did you mean `finder`, its binary's crate?"
        ),
        "{errors}"
    );
    let built = json(&mut check_fixture("audit-bin-name", &["--warn-only"]));
    let bin = str_of(&built["artifacts"][0], "path").to_string();
    assert!(
        tool("nm", &["-C", &bin]).contains(" finder::main"),
        "no finder::main"
    );
    let r = inspect(&[&bin, "--filter", "finder-tool"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("did you mean `finder`?"), "{}", r.stderr);
}

/// `DT_INIT` names `.init` (readelf): one root, said once.
#[test]
fn the_init_section_is_one_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("d.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").expect("write");
    let bin = dir.path().join("d").to_str().expect("utf-8").to_string();
    tool("gcc", &["-O1", src.to_str().expect("utf-8"), "-o", &bin]);
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    let init = tool("readelf", &["-dW", &bin])
        .lines()
        .find(|l| l.contains("(INIT)"))
        .and_then(|l| l.split_whitespace().last().and_then(hex))
        .expect("DT_INIT");
    let section = tool("readelf", &["-SW", &bin])
        .lines()
        .find(|l| l.contains(" .init "))
        .and_then(|l| {
            let cols: Vec<&str> = l.split(']').nth(1)?.split_whitespace().collect();
            Some((hex(cols.get(2)?)?, hex(cols.get(4)?)?))
        })
        .expect(".init");
    assert!((section.0..section.0 + section.1).contains(&init));
    // A C program's graph is built on request (`--graph`: it has no Rust symbol).
    let r = inspect(&[&bin, "--format", "json", "--graph"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let roots: Vec<&str> = v["artifacts"][0]["binary"]["graph"]["roots"]
        .as_array()
        .expect("roots")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(roots.contains(&".init (DT_INIT)"), "{roots:?}");
    assert!(!roots.contains(&"DT_INIT"), "{roots:?}");
}

/// `strip` changes no byte of code: the stripped copy must not call more of it linked but
/// unreachable than the graph with symbols does (it called 6x more: code cut at each branch
/// target, the bytes before a target not running on into it).
#[test]
fn stripping_does_not_make_code_unreachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, stripped) = programs(dir.path());
    let graph = |f: &str| {
        let r = inspect(&[f, "--format", "json", "--graph"]);
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        v["artifacts"][0]["binary"]["graph"].clone()
    };
    let (with, without) = (graph(&bin), graph(&stripped));
    let dead = |g: &Value| g["unreachable_bytes"].as_u64().expect("unreachable_bytes");
    assert!(dead(&with) > 0, "{with}");
    assert!(dead(&without) <= dead(&with), "{without} against {with}");
}

/// A file with no reference graph (a PE file here) cannot be searched: exit 2, saying so
/// rather than counting "0 binaries with symbols".
#[test]
fn why_on_files_without_a_graph_says_nothing_could_be_searched() {
    let pe =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/inspect/tiny-pe.exe");
    let r = inspect(&[pe.to_str().expect("utf-8"), "--why", "main"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let lines = r.error_lines();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].contains("nothing could be searched"),
        "{}",
        lines[0]
    );
}

/// A constant without a symbol that two crates' code share (the compiler or the linker merges
/// equal literals) is no way into the crate it is counted to: the gate's entry points into
/// `beta` are `main` (a call, objdump) and not `alpha::idle`, which only loads the same
/// literal. `--why beta` counts the same one entry.
#[test]
fn a_shared_constant_is_no_entry_point() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("leaf.c");
    // C functions under Rust (legacy) names, so that they have crates.
    std::fs::write(
        &src,
        "#include <stdio.h>\n\
         __attribute__((noinline)) int _ZN4beta4work17h0123456789abcdefE(int x) {\n\
           const char *s = \"beta's table of words, long enough to stand alone\"; return s[x & 31];\n\
         }\n\
         __attribute__((noinline, used)) int _ZN5alpha4idle17h0123456789abcdefE(int x) {\n\
           const char *s = \"beta's table of words, long enough to stand alone\"; return s[(x + 1) & 31];\n\
         }\n\
         int main(int argc, char **argv) {\n\
           (void)argv; printf(\"%d\\n\", _ZN4beta4work17h0123456789abcdefE(argc)); return 0;\n\
         }\n",
    )
    .expect("write");
    let bin = dir.path().join("leaf").to_str().expect("utf-8").to_string();
    tool(
        "gcc",
        &[
            "-O1",
            "-Wl,--emit-relocs",
            src.to_str().expect("utf-8"),
            "-o",
            &bin,
        ],
    );
    // The case is there: both functions load one anonymous literal, and only main calls beta.
    let listing = tool("objdump", &["-d", "--no-show-raw-insn", &bin]);
    let body = |name: &str| -> Vec<String> {
        listing
            .split("\n\n")
            .find(|b| b.contains(&format!("<{name}>:")))
            .map(|b| b.lines().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let loaded = |name: &str| -> Vec<String> {
        body(name)
            .iter()
            .filter(|l| l.contains("lea") && l.contains("(%rip)"))
            .filter_map(|l| l.split('#').nth(1))
            .map(|t| t.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    };
    let (beta, alpha) = (
        loaded("_ZN4beta4work17h0123456789abcdefE"),
        loaded("_ZN5alpha4idle17h0123456789abcdefE"),
    );
    assert!(!beta.is_empty() && beta == alpha, "{beta:?} {alpha:?}");
    assert!(
        body("main")
            .iter()
            .any(|l| l.contains("call") && l.contains("_ZN4beta4work"))
    );
    let v = json(aotcheck().args([
        "aotcheck", "inspect", "-q", &bin, "--format", "json", "--why", "beta",
    ]));
    let b = &v["artifacts"][0]["binary"];
    let krate = |name: &str| {
        b["crates"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    // The literal is counted to beta (it dominates it): alpha is linked but unreachable.
    assert!(krate("beta")["file_size"].as_u64().unwrap_or(0) > 50, "{b}");
    assert_eq!(krate("beta")["entry_points"], serde_json::json!(["main"]));
    assert_eq!(b["why"]["entry_points"], 1);
    assert_eq!(b["why"]["entry_names"], 1);
}

/// Reviewer: the steps `_start` (glibc's start file) and `main` (the C `main` rustc emits) of a
/// `--why` chain showed no crate, an empty cell. The attribution names none for `_start` (its
/// symbol row has no crate: the crate table counts it under `[unknown]`), so the JSON keeps
/// `null` and the terminal and Markdown name that row, as the crate table does. `main` is the
/// binary crate's, from the names its codegen units define (QA dq F10).
#[test]
fn why_steps_without_a_crate_name_the_crate_table_row() {
    let v = json(&mut check_fixture(
        "why-chain",
        &["--why", "why_b", "--symbols", "all"],
    ));
    let b = &v["artifacts"][0]["binary"];
    let row = |name: &str| {
        b["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no symbol row {name}"))
            .clone()
    };
    let steps = b["why"]["chains"][0]["steps"].as_array().expect("steps");
    let bare: Vec<&str> = steps
        .iter()
        .filter(|s| s["crate"].is_null())
        .map(|s| str_of(s, "symbol"))
        .collect();
    // The independent source: `nm` has both, and the chain starts at the ELF entry point.
    let nm = tool("nm", &[str_of(&v["artifacts"][0], "path")]);
    for name in ["_start", "main"] {
        assert!(
            nm.lines().any(|l| l.ends_with(&format!(" {name}"))),
            "{name} not in nm"
        );
    }
    assert_eq!(bare, ["_start"], "{steps:?}");
    assert!(row("_start")["crate"].is_null(), "{}", row("_start"));
    let main = steps.iter().find(|s| s["symbol"] == "main").expect("main");
    assert_eq!(main["crate"], "why_chain", "{main}");
    assert_eq!(row("main")["crate"], "why_chain", "{}", row("main"));
    assert!(
        b["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .any(|c| c["name"] == "[unknown]"),
        "no [unknown] row"
    );
    let human = run(&mut human_fixture(
        "why-chain",
        &["--no-probe", "--why", "why_b"],
    ));
    assert_eq!(human.code, 0, "{}", human.stderr);
    for name in &bare {
        let line = human
            .stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no step {name} in\n{}", human.stdout));
        assert!(line.ends_with("  ([unknown])"), "{line}");
    }
    let md = run(&mut human_fixture(
        "why-chain",
        &["--no-probe", "--format", "markdown", "--why", "why_b"],
    ));
    assert_eq!(md.code, 0, "{}", md.stderr);
    // The steps' crates are code spans (QA z, Z6): `[unknown]` once per bare step, and the
    // parser reads it as code.
    let steps = md
        .stdout
        .lines()
        .filter(|l| {
            l.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .filter(|l| l.ends_with(" (`[unknown]`)"))
        .count();
    assert_eq!(steps, bare.len(), "{}", md.stdout);
    let parsed = super::gate_render::parse_markdown(&md.stdout);
    assert!(
        parsed.code.iter().any(|c| c == "[unknown]"),
        "{}",
        md.stdout
    );
}

/// QA j, J14: `--why '[unknown]'` was read as a regular expression (a class of the letters
/// u, n, k, o, w) and matched thousands of symbols; `--why '[libc]'` was the pseudo-crate.
/// The crate table's rows `[unknown]` and `[no symbol]` are their own pieces: each chain's
/// target is a row of that crate in `--symbols all` (`crate` null; a symbol, or a section's
/// bytes).
#[test]
fn why_takes_the_crate_tables_unknown_and_no_symbol_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, _) = programs(dir.path());
    let json_of = |args: &[&str]| -> Value {
        let r = inspect(&[&[bin.as_str(), "--format", "json"], args].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str::<Value>(&r.stdout).expect("JSON")["artifacts"][0]["binary"].clone()
    };
    let rows = json_of(&["--symbols", "all"]);
    let unknown: std::collections::HashSet<String> = rows["symbols"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["crate"].is_null())
        .map(|r| str_of(r, "name").to_string())
        .collect();
    for (label, symbol) in [("[unknown]", true), ("[no symbol]", false)] {
        let why = &json_of(&["--why", label])["why"];
        assert_eq!(why["matched"], "row", "{why}");
        let targets: Vec<&str> = why["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .map(|c| str_of(c, "target"))
            .collect();
        assert!(!targets.is_empty(), "{why}");
        for t in &targets {
            assert!(unknown.contains(*t), "{label}: {t} has a crate");
            assert_eq!(!t.starts_with("[section "), symbol, "{label}: {t}");
        }
        let all = targets.len() as u64 + why["more"].as_u64().unwrap_or(0);
        if symbol {
            assert!(all < 100, "{label}: {all} matches, a regular expression's");
        }
        // The terminal says what they are: no "matching symbols" for stretches of bytes.
        let human = inspect(&[bin.as_str(), "--why", label]);
        let what = if symbol {
            "symbols of no known crate"
        } else {
            "stretches of bytes without a symbol"
        };
        let head = format!(
            "`{label}`: a row of the crate table; {} {what}",
            cargo_aotcheck::format::thousands(all)
        );
        assert!(human.stdout.contains(&head), "{head}:\n{}", human.stdout);
    }
    // A symbol table's row of a section's bytes, `[section .rodata]`, is taken as that row,
    // not as a character class (QA de F1: 8,602 matches, every name with one of its letters).
    let label = "[section .rodata]";
    let rows_named = rows["symbols"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["name"] == label)
        .count() as u64;
    assert!(rows_named > 0, "no {label} row");
    let why = &json_of(&["--why", label])["why"];
    assert_eq!(why["matched"], "row", "{why}");
    let chains = why["chains"].as_array().expect("chains");
    assert!(chains.iter().all(|c| c["target"] == label), "{why}");
    let all = chains.len() as u64 + why["more"].as_u64().unwrap_or(0);
    // Each row holds one crate's stretches of the section; each stretch is a piece.
    assert!(
        all >= rows_named,
        "{all} stretches, {rows_named} rows: {why}"
    );
    let human = inspect(&[bin.as_str(), "--why", label]);
    let head = format!(
        "`{label}`: rows of the symbol table; {} stretch",
        cargo_aotcheck::format::thousands(all)
    );
    assert!(human.stdout.contains(&head), "{head}:\n{}", human.stdout);
    // Another label is a character class, and the answer says so.
    let why = &json_of(&["--why", "[ELF headers]"])["why"];
    assert_eq!(why["matched"], "symbol", "{why}");
    assert!(
        str_of(why, "note").starts_with("`[ELF headers]` was taken as a regular expression"),
        "{why}"
    );
}

/// QA z, Z9: `--filter` of a dependency whose code was all inlined into its callers (LTO) said
/// only that no crate is named so, where `--why` of it explains. Both say why now. nm shows no
/// symbol of etcetera, and the audit's finding is on it. Called by the test that builds the
/// fixture with each of its features in turn (`audit::native`): one at a time at one path.
pub(crate) fn filter_of_an_inlined_dependency_says_its_code_was_inlined() {
    let r = run(&mut check_fixture(
        "audit-lto-inlined",
        &["--filter", "etcetera"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    assert!(v.is_null(), "no report on an unmatched --filter");
    let errors = r.error_lines().join("\n");
    assert!(
        errors.contains("--filter `etcetera`: no crate of the binary is named so")
            && errors.contains(
                "`etcetera` is a dependency (the AOT004 finding is on it), but no function of \
                 its own is in the binary"
            ),
        "{errors}"
    );
    let built = json(&mut check_fixture("audit-lto-inlined", &["--warn-only"]));
    let nm = tool("nm", &["-C", str_of(&built["artifacts"][0], "path")]);
    assert!(!nm.contains("etcetera::"), "etcetera has a symbol");
}

/// QA aa: the package pwlook-rs is the crate `pwlook` in the binary (`[lib] name`). Its AOT004
/// finding said it had "no function of its own in the binary", and `--why pwlook-rs` that its
/// code was inlined, though nm shows `pwlook::user_name` and the crate table has its row.
#[test]
fn a_package_under_its_librarys_name_is_not_said_to_be_inlined() {
    let r = run(&mut check_fixture("audit-lib-name", &[]));
    assert_eq!(r.code, 1, "the lookup is an AOT004 error: {}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("a report");
    let a = artifact(&v, "static");
    let nm = tool("nm", &["-C", str_of(a, "path")]);
    assert!(nm.contains(" pwlook::user_name"), "no pwlook code");
    let rows: Vec<&str> = a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .map(|c| str_of(c, "name"))
        .collect();
    assert!(rows.contains(&"pwlook"), "{rows:?}");
    let f = a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004" && f["crate"] == "pwlook-rs")
        .expect("AOT004 on pwlook-rs");
    let evidence = f["evidence"].to_string();
    assert!(!evidence.contains("no function of its own"), "{evidence}");
    assert!(evidence.contains("pwlook::user_name"), "{evidence}");
    let r = run(&mut check_fixture(
        "audit-lib-name",
        &["--why", "pwlook-rs"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.error_lines().join("\n");
    assert!(
        errors.contains("its code is in the binary under its library's crate name")
            && !errors.contains("inlined"),
        "{errors}"
    );
}

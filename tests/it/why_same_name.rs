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

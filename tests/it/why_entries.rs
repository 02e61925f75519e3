//! A crate's entry points (`crates[].entry_points`): the symbols of other crates that refer to
//! it, to one of its symbols or to a vtable or table leading into it.

use serde_json::Value;

use crate::util::*;

/// The crate table's row `name` of artifact `a`; `what` names it in the panic without one.
fn crate_row<'a>(a: &'a Value, name: &str, what: &str) -> &'a Value {
    a["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{what}"))
}

/// QA z, Z1: a crate entered only through a vtable (`expect` takes its error as `&dyn Debug`)
/// had no entry point: the vtable has no symbol and is counted in the crate of the code that
/// loads it, and the search stopped there, while `--why dep` found the way in. The code that
/// loads the vtable is named, checked with nm (the `fmt` function), readelf (the vtable slot
/// that holds its address) and objdump (the named function loads the vtable's address).
#[test]
fn a_crate_entered_through_a_vtable_names_the_code_that_loads_it() {
    let v = json(&mut check_fixture("entry-vtable", &[]));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let dep = crate_row(a, "vtable_dep", "a vtable_dep row").clone();
    // Absent when there is none.
    let entries: Vec<String> =
        serde_json::from_value(dep["entry_points"].clone()).unwrap_or_default();
    assert!(!entries.is_empty(), "{dep}");
    let fmt = tool("nm", &["-C", &path])
        .lines()
        .find(|l| l.ends_with(" <vtable_dep::DepError as core::fmt::Debug>::fmt"))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .expect("vtable_dep's fmt in nm");
    let slot = tool("readelf", &["-rW", &path])
        .lines()
        .find(|l| {
            l.contains("R_X86_64_RELATIVE")
                && l.split_whitespace().last() == Some(format!("{fmt:x}").as_str())
        })
        .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .expect("a vtable slot that holds fmt's address");
    // A trait object's vtable: drop, size, align, then the trait's methods.
    let vtable = slot - 24;
    let code = tool("objdump", &["-d", "-C", "--no-show-raw-insn", &path]);
    for e in &entries {
        let body: Vec<&str> = code
            .split("\n\n")
            .filter(|f| {
                f.lines()
                    .next()
                    .is_some_and(|l| l.ends_with(&format!("<{e}>:")))
            })
            .collect();
        assert!(
            body.iter().any(|f| f.contains(&format!("# {vtable:x} "))),
            "{e} does not load the vtable at {vtable:x}"
        );
    }
}

/// QA ak F1: fat LTO merged core's digit table with itoa's `DECIMAL_PAIRS` and kept itoa's
/// name, so every user of core's integer formatting (and `tostring`, whose `to_string` inlines
/// it, and which does not depend on itoa) was an entry point into itoa. The one real entry
/// point is `with_itoa`. The merge itself is checked with objdump (each function that loads the
/// table's address), so the test fails if the fixture stops reproducing it.
#[test]
fn a_constant_or_function_merged_across_crates_is_no_entry_point() {
    let v = json(&mut check_fixture("entry-merged", &[]));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let itoa = crate_row(a, "itoa", "an itoa row").clone();
    let entries: Vec<String> =
        serde_json::from_value(itoa["entry_points"].clone()).unwrap_or_default();
    let table = tool("nm", &["-C", &path])
        .lines()
        .find(|l| l.ends_with(" itoa::DECIMAL_PAIRS"))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .expect("itoa::DECIMAL_PAIRS in nm");
    let code = tool("objdump", &["-d", "-C", "--no-show-raw-insn", &path]);
    let loaders: Vec<&str> = code
        .split("\n\n")
        .filter(|f| f.contains(&format!("# {table:x} <itoa::DECIMAL_PAIRS>")))
        .filter_map(|f| f.lines().next()?.split_once(" <")?.1.strip_suffix(">:"))
        .collect();
    for merged in ["core::fmt", "tostring::"] {
        assert!(
            loaders.iter().any(|l| l.contains(merged)),
            "no {merged} code loads the merged table: {loaders:?}"
        );
    }
    assert!(loaders.contains(&"entry_merged::with_itoa"), "{loaders:?}");
    assert_eq!(entries, vec!["entry_merged::with_itoa"], "{itoa}");

    // QA bg F4: the same for code. `left` and `right` each have an `is_hex` of the same code;
    // fat LTO keeps one under its crate's name, and the other crate's function calls it
    // (objdump), though neither crate depends on the other. Only the package enters each.
    let callers_of = |krate: &str| -> Vec<&str> {
        code.split("\n\n")
            .filter(|f| f.contains(&format!(" <{krate}::is_hex>")))
            .filter_map(|f| f.lines().next()?.split_once(" <")?.1.strip_suffix(">:"))
            .filter(|f| !f.ends_with("is_hex"))
            .collect()
    };
    let (l, r) = (callers_of("left"), callers_of("right"));
    let kept = if l.iter().any(|f| f.starts_with("right::")) {
        "left"
    } else {
        assert!(
            r.iter().any(|f| f.starts_with("left::")),
            "fat LTO merged neither is_hex: left's called by {l:?}, right's by {r:?}"
        );
        "right"
    };
    let row = crate_row(a, kept, "the kept crate's row");
    let entries: Vec<String> =
        serde_json::from_value(row["entry_points"].clone()).unwrap_or_default();
    assert_eq!(entries, vec!["entry_merged::main"], "{row}");

    // QA bi F4: the same for std's code made for a type. Each crate calls the drop glue of its
    // own `Pair` by its address; fat LTO keeps one of the two under its type's name, and the
    // other crate's function refers to it (objdump). Only the crate of that type enters it.
    let glue = |krate: &str| format!("core::ptr::drop_in_place<{krate}::Pair>");
    let (kept, other) = if code.contains(&format!("<{}>:", glue("left"))) {
        ("left", "right")
    } else {
        ("right", "left")
    };
    let loaders = |f: &str| {
        code.split("\n\n")
            .filter(|b| b.contains(&format!(" <{f}>")))
            .filter_map(|b| b.lines().next()?.split_once(" <")?.1.strip_suffix(">:"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let by = loaders(&glue(kept));
    assert!(
        by.iter().any(|f| f.starts_with(&format!("{other}::"))),
        "fat LTO merged no drop glue: {by:?}"
    );
    let std = crate_row(a, "std", "std's row");
    let points: Vec<&str> = std["entry_points"]
        .as_array()
        .expect("entry points")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let entered = std["entered"]
        .as_array()
        .expect("entered")
        .iter()
        .find(|e| e["symbol"] == glue(kept).as_str())
        .unwrap_or_else(|| panic!("no {} in std's entered: {std}", glue(kept)));
    let from: Vec<&str> = entered["from"]
        .as_array()
        .expect("from")
        .iter()
        .filter_map(|i| points.get(i.as_u64()? as usize).copied())
        .collect();
    assert_eq!(
        from,
        [format!(
            "{kept}::pair_{}",
            if kept == "left" { "sum" } else { "len" }
        )]
    );
}

/// QA ay F2: `--why rustls` showed ten `Debug` impls of its error types, the nearest entries
/// (through a vtable), and none of the calls that keep most of it alive. `--why std` on
/// why-chain: the chains to std's entry symbols go by what each retains, the most first, each
/// at least its symbol's own bytes (`nm -S`); the first retains the most of all std's entries
/// (the crate row's `entered`, which lists them all).
#[test]
fn a_crates_chains_keep_the_most_alive_first() {
    let v = json(&mut check_fixture("why-chain", &["--why", "std"]));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let nm = crate::why::nm(&path);
    let chains = a["binary"]["why"]["chains"].as_array().expect("chains");
    assert!(chains.len() > 2, "{chains:?}");
    let mut last = u64::MAX;
    for c in chains
        .iter()
        .filter(|c| !c["steps"].as_array().is_some_and(Vec::is_empty))
    {
        let retained = u64_of(c, "retained");
        assert!(retained <= last, "not the most first: {c}");
        last = retained;
        let target = str_of(c, "target").trim_start_matches("std: ");
        if let Some(&(_, own)) = nm.get(target) {
            assert!(
                retained >= own,
                "{target} retains {retained} < its own {own} B"
            );
        }
    }
    let std = crate_row(a, "std", "std's row");
    let most = std["entered"]
        .as_array()
        .expect("entered")
        .iter()
        .map(|e| u64_of(e, "retained"))
        .max()
        .expect("an entered symbol");
    assert_eq!(u64_of(&chains[0], "retained"), most, "{}", chains[0]);
}

/// QA bd F1: glibc's symbols have other names at their address (`bcmp` of `memcmp`), and which
/// one names a symbol changed between two builds: 63 old callers were new entry points. Each
/// entered symbol lists its aliases; nm puts every one at the symbol's own address.
#[test]
fn an_entered_symbol_s_aliases_are_at_its_address() {
    let v = json(&mut check_fixture("why-chain", &[]));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let mut at: std::collections::HashMap<String, Vec<u64>> = Default::default();
    for l in tool("nm", &["-C", "--defined-only", &path]).lines() {
        let mut w = l.splitn(3, ' ');
        let (Some(addr), Some(_), Some(name)) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        if let Ok(addr) = u64::from_str_radix(addr, 16) {
            at.entry(name.to_string()).or_default().push(addr);
        }
    }
    let mut checked = 0;
    for c in a["binary"]["crates"].as_array().expect("crates") {
        for e in c["entered"].as_array().into_iter().flatten() {
            let symbol = str_of(e, "symbol");
            let Some(own) = at.get(symbol) else { continue };
            for alias in e["aliases"].as_array().into_iter().flatten() {
                let alias = alias.as_str().expect("a name");
                assert_ne!(alias, symbol);
                let theirs = at
                    .get(alias)
                    .unwrap_or_else(|| panic!("{alias}: not in nm"));
                assert!(
                    theirs.iter().any(|x| own.contains(x)),
                    "{alias} at {theirs:x?}, {symbol} at {own:x?}"
                );
                checked += 1;
            }
        }
    }
    // A static glibc binary has dozens (`memcpy` of `__new_memcpy`, `close` of `__close`).
    assert!(checked >= 10, "{checked} aliases checked");
}

/// QA be F6: `--why zlike` names `checksum` as an entry point because indexer calls it, yet
/// its chain went through zlike's own `compress` (the shortest), showing nothing of that. The
/// chain's last step is the reference from outside, `indexer::append`'s call, which objdump
/// shows; the chain before it is the shortest to `indexer::append`.
#[test]
fn a_crate_s_entry_chain_ends_with_the_reference_from_outside() {
    let v = json(&mut check_fixture("why-entered", &["--why", "zlike"]));
    let a = artifact(&v, "static");
    let path = str_of(a, "path").to_string();
    let chains = a["binary"]["why"]["chains"].as_array().expect("chains");
    let steps_to = |target: &str| -> Vec<String> {
        let c = chains
            .iter()
            .find(|c| str_of(c, "target") == format!("zlike: {target}"))
            .unwrap_or_else(|| panic!("no chain to {target}: {chains:?}"));
        c["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| str_of(s, "symbol").to_string())
            .collect()
    };
    let checksum = steps_to("zlike::checksum");
    let n = checksum.len();
    assert_eq!(
        checksum[n - 3..],
        ["indexer::index", "indexer::append", "zlike::checksum"],
        "{checksum:?}"
    );
    assert!(
        !checksum.iter().any(|s| s == "zlike::compress"),
        "{checksum:?}"
    );
    let compress = steps_to("zlike::compress");
    assert_eq!(
        compress[compress.len() - 2..],
        ["why_entered::main", "zlike::compress"]
    );
    // Each of the last steps against objdump and the GOT's relocations, and `compress` calls
    // `checksum` too: its chain would have been the shortest.
    let calls = |from: &str, to: &str| crate::why::refers_by_name(&path, from, to);
    assert!(calls("indexer::append", "zlike::checksum"), "objdump");
    assert!(calls("indexer::index", "indexer::append"), "objdump");
    assert!(calls("zlike::compress", "zlike::checksum"), "objdump");
}

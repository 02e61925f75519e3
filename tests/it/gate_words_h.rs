//! QA pass h's words: a yes-or-no budget in the tables, two sizes that would read the same, a
//! size that was there before, and the busy machine's caveat by the verdict of the Markdown
//! report (the PR comment).

use std::collections::HashMap;

use cargo_aotcheck::report::Report;
use serde_json::{Value, json};

use crate::gate_render::{compared, hand_built};
use crate::gate_words::table_cells;
use crate::util::*;

/// The cells of the first table row of `md` that has `key` in it, by its header's names.
fn row(md: &str, key: &str) -> HashMap<String, String> {
    let lines: Vec<&str> = md.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with('|') && l.contains(key))
        .unwrap_or_else(|| panic!("no row with {key} in\n{md}"));
    let head = (1..at)
        .rev()
        .find(|&i| lines[i].starts_with("|---"))
        .unwrap_or_else(|| panic!("no header above {key} in\n{md}"));
    let table = format!("{}\n{}\n{}\n", lines[head - 1], lines[head], lines[at]);
    let cells = table_cells(&table);
    cells[0]
        .iter()
        .cloned()
        .zip(cells[1].iter().cloned())
        .collect()
}

/// QA h: the Markdown's `budget.static` row read `0 | limit 0` (the dependencies against
/// none): it shows the linkage against `must be static`, checked against readelf's program
/// headers, and `budget.libraries` says how many libraries are not allowed. The page as well.
#[test]
fn qa_h_a_yes_or_no_budget_reads_as_words_in_the_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("budgets.toml");
    std::fs::write(
        &config,
        "require_static = true\nallowed_libraries = [\"libc.so.6\"]\n",
    )
    .expect("write");
    let v = json(
        check_fixture("why-chain", &[])
            .arg("--config-file")
            .arg(&config),
    );
    let bin = &artifact(&v, "static")["binary"];
    // Independent: no PT_INTERP, no DT_NEEDED, a position-independent (DYN) executable.
    let path = str_of(artifact(&v, "static"), "path");
    let headers = tool("readelf", &["-hlW", path]);
    assert!(!headers.contains("INTERP"), "{headers}");
    assert!(readelf_needed(path).is_empty());
    assert!(
        headers
            .lines()
            .any(|l| l.trim_start().starts_with("Type:") && l.contains("DYN")),
        "{headers}"
    );
    assert_eq!(bin["linkage"], "static-pie");

    let format = |f: &str| {
        let r = run(human_fixture("why-chain", &["--no-probe", "--format", f])
            .arg("--config-file")
            .arg(&config));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let md = format("markdown");
    let cells = row(&md, "`budget.static`");
    assert_eq!(cells["Now"], "static-pie", "{cells:?}");
    assert_eq!(cells["Limit / baseline"], "must be static", "{cells:?}");
    let cells = row(&md, "`budget.libraries`");
    assert_eq!(cells["Now"], "all allowed", "{cells:?}");
    assert_eq!(
        cells["Limit / baseline"], "allowed_libraries only",
        "{cells:?}"
    );
    assert!(!md.contains("| limit 0 |"), "{md}");
    let page = format("html");
    for cell in [
        ">static-pie</td>",
        ">must be static</td>",
        ">all allowed</td>",
    ] {
        assert!(page.contains(cell), "no {cell} on the page");
    }
}

/// `hand_built`'s report with these crates (name, bytes) and no checks.
pub(crate) fn with_crates(crates: &[(&str, u64)]) -> Report {
    let mut r = hand_built();
    r.baseline = None;
    let mut v = serde_json::to_value(&r).expect("to JSON");
    let rows: Vec<Value> = crates
        .iter()
        .map(|(n, s)| json!({"name": n, "file_size": s, "vm_size": s}))
        .collect();
    for a in v["artifacts"].as_array_mut().expect("artifacts") {
        a["checks"] = json!([]);
        a["binary"]["crates"] = json!(rows);
    }
    serde_json::from_value(v).expect("from JSON")
}

/// The check `id` of the first binary, as the JSON report has it.
pub(crate) fn json_check(r: &Report, id: &str) -> Value {
    let mut out = Vec::new();
    cargo_aotcheck::render::json(r, &mut out).expect("JSON");
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    v["artifacts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} in {v}"))
}

/// QA h: `crate strsim grew from 3.32 KiB to 3.32 KiB` (4 bytes), and the biggest changes'
/// `new: 1.48 KiB (was 144 B)` for a section that was there. The bytes where two sizes read
/// the same, "now" for what was there, "new" only from nothing; the JSON's figures agree.
#[test]
fn qa_h_sizes_that_read_the_same_are_bytes_and_what_was_there_is_not_new() {
    let base = with_crates(&[("strsim", 3_398), ("relro", 144)]);
    let r = compared(
        with_crates(&[("strsim", 3_402), ("relro", 1_516), ("fresh", 2_048)]),
        &base,
    );
    let check = |id: &str| json_check(&r, id);
    let strsim = check("baseline.crate:strsim");
    assert_eq!(
        (strsim["baseline"].as_u64(), strsim["value"].as_u64()),
        (Some(3_398), Some(3_402))
    );
    assert_eq!(
        str_of(&strsim, "message"),
        "crate strsim grew from 3,398 B to 3,402 B (+4 B)"
    );
    assert_eq!(
        str_of(&check("baseline.crate:relro"), "message"),
        "crate relro grew from 144 B to 1.48 KiB"
    );

    let md = cargo_aotcheck::render::markdown::render(&r);
    let cells = row(&md, "| crate `strsim` |");
    assert_eq!(cells["Was"], "3,398 B", "{cells:?}");
    assert_eq!(cells["Now"], "3,402 B", "{cells:?}");
    assert_eq!(cells["Δ"], "+4 B", "{cells:?}");
    assert_eq!(cells["Change"], "now 3,402 B (was 3,398 B)", "{cells:?}");
    let cells = row(&md, "| crate `relro` |");
    assert_eq!(cells["Change"], "now 1.48 KiB (was 144 B)", "{cells:?}");
    let cells = row(&md, "| crate `fresh` |");
    assert_eq!(cells["Change"], "new: 2.00 KiB", "{cells:?}");
    assert!(!md.contains("new: 1.48"), "{md}");
    assert!(!md.contains("3.32 KiB"), "{md}");

    let page = cargo_aotcheck::render::html::render(&r);
    for said in [
        ">now 3,402 B (was 3,398 B)</td>",
        ">now 1.48 KiB (was 144 B)</td>",
        "crate strsim grew from 3,398 B to 3,402 B (+4 B)",
    ] {
        assert!(page.contains(said), "no {said} on the page");
    }
}

/// QA h (D1): the terminal warned that the machine was busy; the Markdown, what CI posts, had
/// it at its very end, or (the baseline's run) nowhere, and a startup regression read without
/// its caveat. It stands above the verdicts, once, the baseline's carried over by the gate.
#[test]
fn qa_h_a_busy_machine_is_said_by_the_verdict_in_markdown() {
    use cargo_aotcheck::report::Probe;
    let busy = "the machine was busy (load average 3.1 on 2 CPUs): timings are inflated and noisy";
    let probed = |median: f64, warned: bool, probe: bool| {
        let mut r = hand_built();
        r.baseline = None;
        for a in &mut r.artifacts {
            a.checks.clear();
            a.probe = probe.then(|| Probe {
                runs: 1,
                startup_ms: cargo_aotcheck::stats::summarize(&[median]),
                ..Probe::default()
            });
        }
        if warned {
            r.warnings.push(busy.into());
        }
        r
    };
    let caveat = "> ⚠️ **The startup figures may not hold:**\n> - ";
    // This run's own warning: above the table of verdicts, and not again at the end.
    let r = compared(probed(0.96, true, true), &probed(0.72, false, true));
    let md = cargo_aotcheck::render::markdown::render(&r);
    let at = md
        .find(&format!("{caveat}{busy}\n"))
        .unwrap_or_else(|| panic!("no caveat in\n{md}"));
    let table = md.find("| Binary |").expect("the verdicts");
    assert!(at < table, "{md}");
    assert_eq!(md.matches("the machine was busy").count(), 1, "{md}");
    assert!(row(&md, "`baseline.startup`")["Now"] == "0.96 ms", "{md}");
    // The baseline's run was the busy one: carried into this run's warnings, and said.
    let r = compared(probed(0.96, false, true), &probed(0.72, true, true));
    let carried = format!("in the baseline's run (base|line.json), {busy}");
    assert!(r.warnings.contains(&carried), "{:?}", r.warnings);
    let md = cargo_aotcheck::render::markdown::render(&r);
    let said = format!("{caveat}in the baseline's run (base\\|line.json), {busy}\n");
    assert!(md.contains(&said), "no {said} in\n{md}");
    let page = cargo_aotcheck::render::html::render(&r);
    assert!(
        page.contains("<b>The startup figures may not hold</b>"),
        "no caveat on the page"
    );
    // Saved as the next baseline, it carries only its own warnings on: not its baseline's.
    let r = compared(probed(0.9, false, true), &r);
    assert!(
        !r.warnings.iter().any(|w| w.contains("busy")),
        "{:?}",
        r.warnings
    );
    // A run that compares no startup carries nothing of the baseline's.
    let r = compared(probed(0.96, false, false), &probed(0.72, true, true));
    assert!(
        !r.warnings.iter().any(|w| w.contains("busy")),
        "{:?}",
        r.warnings
    );
    let md = cargo_aotcheck::render::markdown::render(&r);
    assert!(!md.contains("may not hold"), "{md}");
}

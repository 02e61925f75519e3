//! A hand-built report for the page: two builds of `app` (static and regular), probed,
//! audited, run under hostile conditions and compared with a baseline; with a crate, a symbol
//! and program output that HTML would read as markup.

use cargo_aotcheck::report::Report;
use serde_json::{Value, json};

use super::image;

/// A Rust symbol full of what HTML would read as markup.
pub const VEC_DROP: &str = "<alloc::vec::Vec<T> as core::ops::Drop>::drop";
/// What would end a `<script>` element and start one, were it not escaped.
pub const CRAFTED: &str = "</script><script>window.pwned=1</script><!--";

fn binary(file_size: u64, linkage: &str, crates: Value, crate_symbols: Value) -> Value {
    let dynamic = linkage == "dynamic";
    json!({
        "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true, "linkage": linkage,
        "interpreter": if dynamic { json!("/lib64/ld-linux-x86-64.so.2") } else { Value::Null },
        "needed": if dynamic { json!(["libc.so.6"]) } else { json!([]) },
        "rpath": [], "runpath": [],
        "file_size": file_size, "stripped_size": file_size - 200_000, "debug_size": 0,
        "symtab_size": 190_000,
        "sections": [
            {"name": ".text", "file_size": file_size / 2, "mem_size": file_size / 2},
            {"name": ".rodata", "file_size": 100_000, "mem_size": 100_000}
        ],
        "build_id": "90074b3da91ee1cea335190c6c56bbcff35ffa79", "init_array_entries": 2,
        "glibc_floor": if dynamic {
            json!({"version": "2.34", "symbols": ["__libc_start_main"]})
        } else { Value::Null },
        "version_needs": [],
        "closure": if dynamic { json!([
            {"name": "libc.so.6", "path": "/lib/x86_64-linux-gnu/libc.so.6", "size": 1_922_136,
             "needed_by": "app"}
        ]) } else { json!([]) },
        "closure_size": file_size + if dynamic { 1_922_136 } else { 0 },
        "crates": crates,
        "symbols": [
            {"name": VEC_DROP, "crate": "std", "section": ".text", "file_size": 40_000,
             "vm_size": 40_000, "confidence": "mangled"},
            {"name": "app::main", "crate": "app", "section": ".text", "file_size": 9_000,
             "vm_size": 9_000, "confidence": "exact"}
        ],
        "crate_symbols": crate_symbols,
        "coverage": {"attributed_bytes": 700_000, "share": 0.7, "allocated_bytes": 1_000_000,
                     "symbol_table": ".symtab", "file_size": file_size, "vm_size": 1_000_000},
        "graph": {"edges_from": if dynamic { "decoded" } else { "analysis-link" },
                  "nodes": 12_000, "edges": 17_500, "roots": ["entry point", ".init_array"],
                  "reachable_bytes": 900_000, "unreachable_bytes": 100_000}
    })
}

fn step(symbol: &str, krate: Option<&str>, kind: &str) -> Value {
    json!({"symbol": symbol, "crate": krate, "kind": kind})
}

/// The chain from the entry point to the package's `main`.
fn to_main() -> Vec<Value> {
    vec![
        step("_start", None, "root"),
        step("__libc_start_main", Some("[libc]"), "call"),
        step("main", None, "address"),
        step("std::rt::lang_start_internal", Some("std"), "call"),
        step("app::main", Some("app"), "address"),
    ]
}

/// The chain of the NSS finding: through a symbol full of markup, to `getpwuid_r`.
pub fn nss_chain() -> Value {
    let mut c = to_main();
    c.push(step(USERS_GET, Some("users"), "call"));
    c.push(step("getpwuid_r", Some("[libc]"), "call"));
    json!(c)
}

/// A symbol on the finding's chain that HTML would read as markup.
pub const USERS_GET: &str = "<users::Users as users::Source<&str>>::get_user_by_uid";

/// A crate: its retained bytes (`None` for the fallback rows, which the graph does not
/// retain) and the symbols of other crates that refer to it.
fn krate(name: &str, vm: u64, conf: &str, retained: Option<u64>, entries: &[&str]) -> Value {
    let mut c = json!({"exact": 0, "mangled": 0, "heuristic": 0, "unattributed": 0});
    c[conf] = json!(vm);
    let mut k = json!({"name": name, "file_size": vm, "vm_size": vm, "confidence": c,
           "instantiated_elsewhere": 0});
    if let Some(r) = retained {
        k["retained"] = json!(r);
        k["entry_points"] = json!(entries);
    }
    k
}

fn row(name: &str, krate: &str, vm: u64, conf: &str) -> Value {
    json!({"name": name, "crate": krate, "section": ".text", "file_size": vm, "vm_size": vm,
           "confidence": conf, "retained_size": vm + vm / 4})
}

/// What refers to the package's crate from outside it: `main` always; with the grown crate
/// (`app` over 50 kB) a generic of serde's too, which the gate names as new.
fn app_entries(app: u64) -> Vec<&'static str> {
    let mut v = vec!["main"];
    if app > 50_000 {
        v.push(SERDE_ENTRY);
    }
    v
}

/// A new entry point into the grown crate, with markup in its name.
pub const SERDE_ENTRY: &str =
    "<serde_json::de::Deserializer<R>>::deserialize_struct::<app::Config>";

/// The crates of the hand-built binaries: std, the C library, the fallback rows, the package,
/// and one named like markup; `app_grew` bytes more of the package's crate.
fn crates(app: u64) -> (Value, Value) {
    let crates = json!([
        krate(
            "std",
            400_000,
            "mangled",
            Some(520_000),
            &["main", "app::main"]
        ),
        krate(
            "[libc]",
            250_000,
            "exact",
            Some(300_000),
            &["std::sys::fs::metadata"]
        ),
        krate("[no symbol]", 200_000, "unattributed", None, &[]),
        krate("app", app, "exact", Some(app + 35_000), &app_entries(app)),
        krate(CRAFTED, 30_000, "heuristic", Some(30_000), &[CRAFTED]),
        krate("[unknown]", 20_000, "unattributed", None, &[])
    ]);
    let symbols = json!([
        {"crate": "std", "symbols": [row(VEC_DROP, "std", 40_000, "mangled"),
            row("std::rt::lang_start_internal", "std", 30_000, "mangled")],
         "more": 120, "more_file_size": 330_000, "more_vm_size": 330_000},
        {"crate": "[libc]", "symbols": [row("__printf_fp_l", "[libc]", 12_000, "exact")],
         "more": 900, "more_file_size": 238_000, "more_vm_size": 238_000},
        {"crate": "[no symbol]", "symbols": [
            {"name": "[section .eh_frame]", "crate": null, "section": ".eh_frame",
             "file_size": 120_000, "vm_size": 120_000, "confidence": "unattributed"},
            {"name": "[section .rodata]", "crate": null, "section": ".rodata",
             "file_size": 80_000, "vm_size": 80_000, "confidence": "unattributed"}],
         "more": 0, "more_file_size": 0, "more_vm_size": 0},
        {"crate": "app", "symbols": [row("app::main", "app", 9_000, "exact")],
         "more": 3, "more_file_size": app - 9_000, "more_vm_size": app - 9_000},
        {"crate": CRAFTED, "symbols": [row(CRAFTED, CRAFTED, 30_000, "heuristic")],
         "more": 0, "more_file_size": 0, "more_vm_size": 0},
        {"crate": "[unknown]", "symbols": [row("mystery", "[unknown]", 20_000, "unattributed")],
         "more": 0, "more_file_size": 0, "more_vm_size": 0}
    ]);
    (crates, symbols)
}

fn probe(base_ms: f64, pss: Value) -> Value {
    let samples: Vec<Value> = (1..=6)
        .map(|run| {
            json!({"run": run, "warmup": run == 1, "spawned_at_ns": null,
                   "startup_ms": base_ms + run as f64 * 0.1, "shutdown_ms": 0.5,
                   "memory_kib": {"rss": 1200, "hwm": 1300, "anon": 100, "file": 1100, "pss": pss},
                   "processes": 1})
        })
        .collect();
    json!({
        "ready": "tcp", "runs": 5, "failures": 1, "requested_runs": 5, "warmup": 1,
        "timeout_ms": 10000.0, "grace_ms": 2000.0,
        "startup_ms": {"count": 5, "min": base_ms + 0.2, "median": base_ms + 0.4,
            "mean": base_ms + 0.4, "stddev": 0.15, "p90": base_ms + 0.6, "max": base_ms + 0.6,
            "mad": 0.1, "outliers": []},
        "memory_kib": {"rss": 1200, "hwm": 1300, "anon": 100, "file": 1100, "pss": pss},
        "memory_runs": 5, "spawn_floor_ms": 0.4, "spawn_floor_program": "a static _exit",
        "shutdown_ms": null, "killed_after_grace": 0, "leftover_processes_killed": 0,
        "gave_up": null,
        "failed_runs": [{"run": 7, "warmup": false, "kind": "exited-before-ready",
            "message": "exited with status 1 before it was ready", "exit_code": 1,
            "signal": null, "core_dumped": false,
            "stderr_tail": format!("cannot listen\n{CRAFTED}"), "stdout_tail": ""}],
        "warnings": [], "unknown": if pss.is_null() {
            json!({"memory_kib.pss": "no smaps_rollup"}) } else { json!({}) },
        "samples": samples
    })
}

/// Two builds of `app` (static and regular), probed and audited, compared with a baseline in
/// which the package's crate was smaller.
pub fn hand_built() -> Report {
    let report = |app: u64| -> Report {
        let (c, cs) = crates(app);
        let artifact = |link: &str, size: u64, linkage: &str, p: Value| {
            json!({"package": "app", "name": "app", "link_mode": link,
                   "path": format!("/w/app/target/{link}/app"),
                   "binary": binary(size, linkage, c.clone(), cs.clone()), "probe": p})
        };
        let mut r = json!({
            "schema_version": 1,
            "tool": {"name": "cargo-aotcheck", "version": "0.1.0"},
            "build": {"rustc": "rustc 1.95.0", "target": "x86_64-unknown-linux-gnu",
                "profile": "release", "features": [], "all_features": false,
                "no_default_features": false, "workspace_root": "/w/app"},
            "provenance": {"tool_version": "0.1.0", "rustc": "rustc 1.95.0",
                "target": "x86_64-unknown-linux-gnu", "profile": "release", "features": [],
                "link_modes": ["static", "dynamic"], "cargo_lock_sha256": null,
                "git_commit": "0123456789abcdef0123456789abcdef01234567", "git_dirty": false},
            "artifacts": [
                artifact("static", 1_400_000 + app, "static-pie", probe(3.0, json!(1150))),
                artifact("dynamic", 460_000 + app, "dynamic", probe(2.5, Value::Null))
            ],
            "comparisons": [{"package": "app", "name": "app",
                "static_path": "/w/app/target/static/app",
                "regular_path": "/w/app/target/dynamic/app",
                "metrics": [
                    {"metric": "startup_median", "unit": "ms", "static": 3.4, "regular": 2.9,
                     "ratio": 1.17},
                    {"metric": "file_size", "unit": "B", "static": 1_400_000.0 + app as f64,
                     "regular": 460_000.0 + app as f64, "ratio": 3.0},
                    {"metric": "image_size", "unit": "B", "static": image::STATIC_PULL as f64,
                     "regular": image::REGULAR_PULL as f64, "ratio": 0.5}],
                "static_glibc_floor": null, "regular_glibc_floor": "2.34"}],
            "warnings": [format!("a warning with {CRAFTED}")]
        });
        r["artifacts"][0]["findings"] = json!([{
            "rule": "AOT004", "title": "NSS lookups in a static binary", "severity": "error",
            "crate": "users", "version": "0.11.0", "feature": null,
            "path": ["app", "users"], "evidence": [format!("calls `getpwuid_r` {CRAFTED}")],
            "allowed": false, "reason": null, "advice": "Read the uid yourself.",
            "reproduced": true, "reproduce": "env -u HOME /w/app/target/static/app",
            "reachable": true, "chain": nss_chain()}, {
            "rule": "AOT001", "title": "Dynamic loading in a static binary",
            "severity": "warning", "crate": "libloading", "version": "0.8.0", "feature": null,
            "path": ["app", "libloading"], "evidence": ["defines `dlopen`"], "allowed": false,
            "reason": null, "advice": "Load nothing at run time.", "reachable": false}]);
        r["artifacts"][0]["binary"]["why"] = json!({"pattern": "app", "matched": "crate",
            "entry_points": 2, "chains": [{"target": "app::main", "steps": to_main()}],
            "more": 0});
        r["artifacts"][1]["binary"]["why"] = json!({"pattern": "dead", "matched": "symbol",
            "chains": [{"target": "app::dead", "steps": []}], "more": 2});
        r["artifacts"][0]["image"] = image::started();
        r["artifacts"][1]["image"] = image::failed();
        r["artifacts"][0]["hostile"] = json!([{
            "condition": "no-home", "description": "HOME unset", "outcome": "crashed",
            "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok",
            "reproduce": "env -u HOME /w/app/target/static/app",
            "detail": format!("segfault {CRAFTED}")}]);
        serde_json::from_value(r).expect("hand-built report")
    };
    let base = report(40_000);
    let mut cur = report(100_000);
    // Other code, another build id (the baseline's own binary passes its startup and RSS
    // checks).
    for a in &mut cur.artifacts {
        a.binary.build_id = Some("5eed4b3da91ee1cea335190c6c56bbcff35ffa79".into());
    }
    let th = |_: &cargo_aotcheck::report::Artifact| cargo_aotcheck::plan::Thresholds::default();
    cargo_aotcheck::gate::compare(&mut cur, &base, "aotcheck-baseline.json", &th);
    cur.verdict = cargo_aotcheck::gate::verdict(&cur);
    cur
}

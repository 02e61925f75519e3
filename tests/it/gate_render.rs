//! The gate's renderers on hand-built reports: Markdown that cannot be injected into, and
//! snapshots of the Markdown and terminal layouts (fixed figures, so nothing to redact).

/// A report with a crate named like markup and a path with `|`, compared with its baseline.
fn hand_built() -> cargo_aotcheck::report::Report {
    use cargo_aotcheck::report::Report;
    let binary = |rodata: u64, crate_size: u64, needed: &[&str]| {
        serde_json::json!({
            "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true,
            "linkage": if needed.is_empty() { "static-pie" } else { "dynamic" },
            "interpreter": null, "needed": needed, "rpath": [], "runpath": [],
            "file_size": 1_000_000 + rodata, "stripped_size": 800_000 + rodata,
            "debug_size": 0, "symtab_size": 0,
            "sections": [
                {"name": ".text", "file_size": 700_000, "mem_size": 700_000},
                {"name": ".rodata", "file_size": rodata, "mem_size": rodata}
            ],
            "build_id": null, "init_array_entries": 2, "glibc_floor": null,
            "version_needs": [], "closure": [], "closure_size": 1_000_000 + rodata,
            "crates": [
                {"name": "<script>alert(1)</script>", "file_size": crate_size, "vm_size": 0},
                {"name": "std", "file_size": 500_000, "vm_size": 0}
            ]
        })
    };
    let report = |rodata: u64, crate_size: u64, needed: &[&str]| -> Report {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "cargo-aotcheck", "version": "0.1.0"},
            "build": {
                "rustc": "rustc 1.95.0", "target": "x86_64-unknown-linux-gnu",
                "profile": "release", "features": [], "all_features": false,
                "no_default_features": false, "workspace_root": "/w/a|b"
            },
            "provenance": {
                "tool_version": "0.1.0", "rustc": "rustc 1.95.0",
                "target": "x86_64-unknown-linux-gnu", "profile": "release", "features": [],
                "link_modes": ["static"], "cargo_lock_sha256": null, "git_commit": null,
                "git_dirty": null
            },
            "artifacts": [{
                "package": "app|`x`", "name": "app", "link_mode": "static",
                "path": "/w/a|b/target/<b>app</b>", "binary": binary(rodata, crate_size, needed)
            }],
            "warnings": ["a path with | and\nnewline <img src=x>"]
        }))
        .expect("hand-built report")
    };
    let base = report(100_000, 10_000, &[]);
    let mut cur = report(165_536, 30_000, &["libz.so.1"]);
    if let Some(p) = cur.provenance.as_mut() {
        p.rustc = "rustc 1.96.0 `nightly`".into();
    }
    let th = |_: &cargo_aotcheck::report::Artifact| cargo_aotcheck::plan::Thresholds::default();
    cargo_aotcheck::gate::compare(&mut cur, &base, "base|line.json", &th);
    cur.verdict = cargo_aotcheck::gate::verdict(&cur);
    cur
}

#[test]
fn markdown_escapes_what_crates_paths_and_programs_say() {
    let md = cargo_aotcheck::render::markdown::render(&hand_built());
    assert!(md.starts_with("<!-- cargo-aotcheck -->\n"));
    for raw in [
        "<script>",
        "<img",
        "<b>",
        "`nightly`",
        "base|line",
        "app|`x`",
    ] {
        assert!(!md.contains(raw), "`{raw}` reached the Markdown:\n{md}");
    }
    // Every table row keeps its column count: no `|` from the data splits a cell.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.matches('|').count();
        assert!([5, 6, 7, 8].contains(&cells), "{line}");
    }
    insta::assert_snapshot!("markdown_regression", md);
}

#[test]
fn human_checks_section() {
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let text = cargo_aotcheck::render::human::render(&hand_built(), &style);
    let from = text.find("  checks").expect("checks section");
    let head = &text[..text.find("app (package").expect("artifact title")];
    insta::assert_snapshot!("human_checks", format!("{head}…\n{}", &text[from..]));
}

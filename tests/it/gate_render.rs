//! The gate's renderers on hand-built reports: Markdown that cannot be injected into, and
//! snapshots of the Markdown and terminal layouts (fixed figures, so nothing to redact); and
//! what a failed run's Markdown and annotations say of an error finding.

use crate::util::*;

/// A report with a crate named like markup and a path with `|`, compared with its baseline.
pub(crate) fn hand_built() -> cargo_aotcheck::report::Report {
    use cargo_aotcheck::report::Report;
    let binary = |rodata: u64, crate_size: u64, needed: &[&str]| {
        let tiny = if rodata > 100_000 { 300_372 } else { 57 };
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
                {"name": "<script>alert(1)</script>", "file_size": crate_size,
                 "vm_size": crate_size},
                {"name": "std", "file_size": 500_000, "vm_size": 500_000},
                {"name": "tiny", "file_size": tiny, "vm_size": tiny}
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
            "warnings": [
                "a path with | and\nnewline <img src=x>",
                "@you #12 :smile: $x$ http://evil.example www.evil.example ~~s~~ [^1] - [ ] 1. *"
            ]
        }))
        .expect("hand-built report")
    };
    let base = report(100_000, 10_000, &[]);
    let mut cur = report(165_536, 30_000, &["libz.so.1"]);
    if let Some(p) = cur.provenance.as_mut() {
        p.rustc = "rustc 1.96.0 `nightly`".into();
    }
    compared(cur, &base)
}

/// `cur` compared with `base` with the default thresholds, and its verdict.
pub(crate) fn compared(
    mut cur: cargo_aotcheck::report::Report,
    base: &cargo_aotcheck::report::Report,
) -> cargo_aotcheck::report::Report {
    let th = |_: &cargo_aotcheck::report::Artifact| cargo_aotcheck::plan::Thresholds::default();
    cargo_aotcheck::gate::compare(&mut cur, base, "base|line.json", &th);
    cur.verdict = cargo_aotcheck::gate::verdict(&cur);
    cur
}

#[test]
fn markdown_escapes_what_crates_paths_and_programs_say() {
    // Each check a row of its own: the report's checks that the toolchain moved are folded
    // into one row otherwise (QA ca F2), which is read after this.
    let mut report = hand_built();
    let folded_md = cargo_aotcheck::render::markdown::render(&report);
    for c in report
        .artifacts
        .iter_mut()
        .flat_map(|a| a.checks.iter_mut())
    {
        c.built_otherwise = false;
    }
    let md = cargo_aotcheck::render::markdown::render(&report);
    assert!(md.starts_with("<!-- cargo-aotcheck -->\n"));
    let parsed = parse_markdown(&md);
    // Only our own HTML (the marker, `<details>`) and our own emphasis; no link, no image, no
    // math, no strikethrough, no footnote: nothing the data could have opened.
    for h in &parsed.html {
        assert!(
            h.starts_with("<!-- cargo-aotcheck -->")
                || h.starts_with("<details><summary>All ")
                || h.starts_with("</details>"),
            "HTML from the data: {h:?}\n{md}"
        );
    }
    assert_eq!(parsed.strong, ["Note:"], "{md}");
    assert!(parsed.other.is_empty(), "{:?}\n{md}", parsed.other);
    // Every table row keeps its column count: no `|` from the data splits a cell.
    for (header, row) in &parsed.rows {
        assert_eq!(header, row, "a row of the wrong width in\n{md}");
    }
    // Identifiers in code spans, exactly as written; messages as text, as written.
    // Crates and sections in messages too (README: code spans for crates and sections).
    for id in [
        "<script>alert(1)</script>",
        ".rodata",
        "tiny",
        "baseline.crate:<script>alert(1)</script>",
        "app|`x`",
        "base|line.json",
        "baseline.file_size",
        "baseline.crate:tiny",
    ] {
        assert!(
            parsed.code.iter().any(|c| c == id),
            "no code span `{id}`: {:?}",
            parsed.code
        );
    }
    let text = parsed.text.join("").replace('\u{2060}', "");
    for said in [
        "a path with | and newline <img src=x>",
        "@you #12 :smile: $x$ http://evil.example www.evil.example ~~s~~ [^1] - [ ] 1. *",
        "toolchain: baseline rustc 1.95.0, now rustc 1.96.0 `nightly`",
        "crate ",
        " grew by 19.5 KiB (+200.0%) to 29.3 KiB",
    ] {
        assert!(
            text.contains(said),
            "`{said}` not shown as written in\n{text}"
        );
    }
    // What GitHub finds in the rendered text: no mention, issue link or emoji survives whole.
    for github in ["@you", "#12", ":smile:"] {
        assert!(!md.contains(github), "{github} in\n{md}");
    }
    // Readable raw: no character references for `_`, `:` or `|` in identifiers.
    for entity in ["&#95;", "&#58;", "&#124;", "&#96;"] {
        assert!(!md.contains(entity), "{entity} in\n{md}");
    }
    // The "+526882.5%": a growth from a base under `size_fail_min` reads as two sizes.
    assert!(md.contains("| now 293 KiB (was 57 B) |"), "{md}");
    assert!(!md.contains("526"), "{md}");
    insta::assert_snapshot!("markdown_regression", md);
    // Folded, the row names the crates in code spans, and nothing of them opens HTML or
    // splits a cell.
    let parsed = parse_markdown(&folded_md);
    assert!(
        parsed.html.iter().all(|h| !h.contains("script")),
        "{folded_md}"
    );
    for (header, row) in &parsed.rows {
        assert_eq!(header, row, "a row of the wrong width in\n{folded_md}");
    }
    assert!(
        parsed.code.iter().any(|c| c == "<script>alert(1)</script>"),
        "{folded_md}"
    );
    assert!(
        folded_md.contains("3 crate and section checks"),
        "{folded_md}"
    );
}

/// What a CommonMark parser with GitHub's extensions makes of a Markdown text.
#[derive(Default)]
pub(crate) struct Parsed {
    pub html: Vec<String>,
    pub code: Vec<String>,
    pub text: Vec<String>,
    pub strong: Vec<String>,
    /// (header cells, row cells) per table row.
    pub rows: Vec<(usize, usize)>,
    /// Each fenced code block's text.
    pub blocks: Vec<String>,
    /// Any other construct: links, images, math, footnotes, emphasis, strikethrough, ...
    pub other: Vec<String>,
}

pub(crate) fn parse_markdown(md: &str) -> Parsed {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM;
    let mut p = Parsed::default();
    let (mut header, mut cells, mut in_strong, mut in_block) = (0, 0, false, false);
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::CodeBlock(_)) => {
                in_block = true;
                p.blocks.push(String::new());
            }
            Event::End(TagEnd::CodeBlock) => in_block = false,
            Event::Text(t) if in_block => {
                if let Some(b) = p.blocks.last_mut() {
                    b.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => p.html.push(h.to_string()),
            Event::Code(c) => p.code.push(c.to_string()),
            Event::Text(t) if in_strong => p.strong.push(t.to_string()),
            Event::Text(t) => p.text.push(t.to_string()),
            Event::SoftBreak | Event::HardBreak => p.text.push(" ".into()),
            Event::Start(Tag::Strong) => in_strong = true,
            Event::End(TagEnd::Strong) => in_strong = false,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => {
                header = cells;
                cells = 0;
            }
            Event::End(TagEnd::TableRow) => {
                p.rows.push((header, cells));
                cells = 0;
            }
            Event::Start(
                Tag::Table(_)
                | Tag::TableHead
                | Tag::TableRow
                | Tag::Paragraph
                | Tag::List(None)
                | Tag::Item
                | Tag::BlockQuote(None)
                | Tag::HtmlBlock
                | Tag::Heading { .. },
            )
            | Event::End(_) => {}
            other => p.other.push(format!("{other:?}")),
        }
    }
    p
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

/// A report failed by a crash `--hostile` reproduced (its AOT004 finding made an error), beside
/// a binary whose probe never got ready: the reasons the checks table does not hold.
pub(crate) fn failed_without_checks() -> cargo_aotcheck::report::Report {
    use cargo_aotcheck::report::{FailedRun, Finding, HostileOutcome, HostileRun, Probe, Severity};
    let mut r = hand_built();
    let mut twin = r.artifacts[0].clone();
    r.artifacts[0].checks.clear();
    r.artifacts[0].findings.push(Finding {
        rule: "AOT004".into(),
        title: "glibc NSS lookups (users, hosts, services)".into(),
        severity: Severity::Error,
        krate: "std|x".into(),
        version: "1.95.0".into(),
        feature: None,
        path: vec!["app".into(), "std|x".into()],
        evidence: vec!["crashed under no-home".into()],
        allowed: false,
        reason: None,
        advice: "Ship the dynamic build.".into(),
        reproduced: true,
        reproduce: Some("env -u HOME ./app".into()),
        reachable: None,
        chain: Vec::new(),
        new_since_baseline: false,
    });
    r.artifacts[0].hostile.push(HostileRun {
        signal: Some("SIGSEGV".into()),
        dynamic_outcome: Some(HostileOutcome::Ok),
        reproduce: Some("env -u HOME ./app".into()),
        static_hazard: true,
        ..HostileRun::new(
            "no-home",
            "HOME unset and the user unknown",
            HostileOutcome::Crashed,
        )
    });
    twin.name = "server".into();
    twin.checks.clear();
    twin.probe = Some(Probe {
        ready: "tcp".into(),
        requested_runs: 2,
        failures: 2,
        failed_runs: vec![FailedRun {
            run: 1,
            warmup: false,
            kind: "killed-by-signal".into(),
            message: "killed by SIGABRT before ready".into(),
            exit_code: None,
            signal: Some("SIGABRT".into()),
            core_dumped: false,
            stderr_tail: String::new(),
            stdout_tail: String::new(),
        }],
        ..Probe::default()
    });
    r.artifacts.push(twin);
    r.baseline = None;
    r.warnings.clear();
    r.verdict = cargo_aotcheck::gate::verdict(&r);
    r
}

/// The QA found the PR comment and the annotations said "❌ fail" and nothing else when an
/// error finding or a `--hostile` crash failed the run.
#[test]
fn markdown_and_annotations_name_findings_crashes_and_unready_binaries() {
    let r = failed_without_checks();
    assert_eq!(r.verdict, cargo_aotcheck::report::Verdict::Fail);
    let md = cargo_aotcheck::render::markdown::render(&r);
    let parsed = parse_markdown(&md);
    for (header, row) in &parsed.rows {
        assert_eq!(header, row, "a row of the wrong width in\n{md}");
    }
    for id in ["AOT004", "std|x", "no-home"] {
        assert!(parsed.code.iter().any(|c| c == id), "no `{id}` in\n{md}");
    }
    let text = parsed.text.join("");
    for said in [
        "glibc NSS lookups (users, hosts, services), a crash reproduced by --hostile",
        "crashed (SIGSEGV); dynamic build: ok: the static linkage is the cause",
        // A crash in every run fails (QA cp F4), and says why it cannot start.
        "crashed in 1 of 1 probe run, none got ready (first: run 1, killed by SIGABRT before \
         ready): it needs 1 shared library (libz.so.1) and has no interpreter to load it, so it \
         cannot start (AOT012)",
    ] {
        assert!(text.contains(said), "`{said}` not in\n{text}\n{md}");
    }
    insta::assert_snapshot!("markdown_reasons", md);

    let notes = cargo_aotcheck::render::github::annotations(&r);
    let lines: Vec<&str> = notes.lines().collect();
    assert_eq!(lines.len(), 3, "{notes}");
    assert!(
        // QA di F6: the finding's crate in its title, as findings of one rule read alike.
        lines[0].starts_with("::error title=cargo-aotcheck%3A app (package app|`x`%2C static)%3A AOT004 on std|x::AOT004 glibc NSS lookups"),
        "{notes}"
    );
    assert!(lines[1].contains("hostile no-home::"), "{notes}");
    assert!(
        lines[2].starts_with("::error title=cargo-aotcheck%3A server"),
        "{notes}"
    );

    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let text = cargo_aotcheck::render::human::render(&r, &style);
    let footer = &text[text.rfind("\nverdict").expect("verdict line")..];
    insta::assert_snapshot!("human_reasons", footer);
}

/// The QA's failing run ended with "hint: something shrank" (and JSON `improved: true`) for a
/// startup median that moved within the noise. The hint names what shrank, and only a gate
/// that did not fail gives it.
#[test]
fn the_shrink_hint_names_what_shrank_and_never_follows_a_failure() {
    use cargo_aotcheck::report::{Finding, Severity, Verdict};
    let mut base = hand_built();
    base.baseline = None;
    base.artifacts[0].checks.clear();
    // No stripped size: one equal on both sides would say the file differs only in what
    // `strip` removes, which is no gain (QA da F3).
    base.artifacts[0].binary.stripped_size = None;
    let mut cur = base.clone();
    cur.artifacts[0].binary.file_size -= 10_240;
    let th = |_: &cargo_aotcheck::report::Artifact| cargo_aotcheck::plan::Thresholds::default();
    cargo_aotcheck::gate::compare(&mut cur, &base, "base.json", &th);
    let mut failing = cur.clone();
    cargo_aotcheck::gate::conclude(&mut cur);
    assert_eq!(cur.verdict, Verdict::Pass);
    let c = cur.baseline.as_ref().expect("compared");
    assert!(c.improved);
    assert_eq!(
        c.shrank,
        ["app (package app|`x`, static): file size shrank by 10.0 KiB (-0.9%) to 1.10 MiB"]
    );
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let text = cargo_aotcheck::render::human::render(&cur, &style);
    assert!(
        text.contains(
            "hint: something shrank: save a new baseline with `--save-baseline` to keep the gain:\n  - app (package app|`x`, static): file size shrank by 10.0 KiB"
        ),
        "{text}"
    );
    // Against `--baseline-ref` there is no file to save: merging keeps the gain (QA ae, 10).
    let mut by_ref = base.clone();
    by_ref.artifacts[0].binary.file_size -= 10_240;
    cargo_aotcheck::gate::compare(&mut by_ref, &base, "git:HEAD~1 (cda84c148ebb)", &th);
    cargo_aotcheck::gate::conclude(&mut by_ref);
    let said = "omething shrank against `git:HEAD~1 (cda84c148ebb)`: the gain is kept once this \
                change is merged";
    let text = cargo_aotcheck::render::human::render(&by_ref, &style);
    assert!(text.contains(&format!("hint: s{said}")), "{text}");
    assert!(!text.contains("--save-baseline"), "{text}");
    let md = cargo_aotcheck::render::markdown::render(&by_ref);
    assert!(
        md.contains(&format!("S{said}")) && !md.contains("--save-baseline"),
        "{md}"
    );
    let page = cargo_aotcheck::render::html::render(&by_ref);
    assert!(
        page.contains("Something shrank against <code>git:HEAD~1 (cda84c148ebb)</code>: the gain"),
        "{page}"
    );
    let md = cargo_aotcheck::render::markdown::render(&cur);
    assert!(
        md.contains(
            "to keep the gain:\n\n- app (package app\\|\\`x\\`, static): file size shrank by 10.0 KiB"
        ),
        "{md}"
    );

    failing.artifacts[0].findings.push(Finding {
        rule: "AOT001".into(),
        title: "dynamic loading / plugins".into(),
        severity: Severity::Error,
        krate: "libloading".into(),
        version: "0.8.9".into(),
        feature: None,
        path: vec!["app".into(), "libloading".into()],
        evidence: Vec::new(),
        allowed: false,
        reason: None,
        advice: "Ship the dynamic build.".into(),
        reproduced: false,
        reproduce: None,
        reachable: None,
        chain: Vec::new(),
        new_since_baseline: false,
    });
    cargo_aotcheck::gate::conclude(&mut failing);
    assert_eq!(failing.verdict, Verdict::Fail);
    assert!(!failing.baseline.as_ref().expect("compared").improved);
    let text = cargo_aotcheck::render::human::render(&failing, &style);
    assert!(!text.contains("hint"), "{text}");
    let mut json = Vec::new();
    cargo_aotcheck::render::json(&failing, &mut json).expect("json");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("valid");
    assert_eq!(v["baseline"]["improved"], false);
}

/// The QA's first item: a run failed by an error finding (AOT004 in std, `audit-lookup`) said
/// "❌ fail" in Markdown and gave no annotation. The rule and crate are named in both, as the
/// JSON of the same build has them.
#[test]
fn an_error_finding_is_named_in_markdown_and_annotations() {
    let r = run(&mut check_fixture("audit-lookup", &[]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = &v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == "static")
        .expect("static artifact")["findings"][0];
    let (rule, krate) = (str_of(f, "rule"), str_of(f, "crate"));
    assert_eq!(
        (rule, krate, str_of(f, "severity")),
        ("AOT004", "std", "error")
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    let r = run(
        human_fixture("audit-lookup", &["--no-probe", "--format", "markdown"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains(&format!("| `{rule}` | `{krate}` |")))
        .unwrap_or_else(|| panic!("no row for {rule} in {krate}:\n{}", r.stdout));
    assert!(row.starts_with("| `audit-lookup` (static) |"), "{row}");
    assert!(
        row.contains(str_of(f, "title")) && row.ends_with("❌ fail |"),
        "{row}"
    );
    let error = r
        .stderr
        .lines()
        .find(|l| l.starts_with("::error title=") && l.contains(rule))
        .unwrap_or_else(|| panic!("no ::error for {rule} in\n{}", r.stderr));
    assert!(
        error.contains(&format!("audit-lookup (static)%3A AOT004 on {krate}::")),
        "{error}"
    );
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.contains(row), "{md}");
}

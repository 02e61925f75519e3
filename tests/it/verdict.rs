//! The verdict's lines for crashes `--hostile` reproduced, on a real crash: an allowance that
//! waives one says so in every format, and Markdown gives each crash's reproduce command as the
//! JSON does. Each command is run by hand: it crashes the same way. Also on hand-built reports.

use std::path::PathBuf;
use std::process::Command;

use cargo_aotcheck::hostile::{Privilege, detect_privilege};
use serde_json::Value;

use crate::gate_render::{failed_without_checks, parse_markdown};
use crate::util::*;

const REASON: &str = "HOME is set & the uid has a <passwd> entry, 'always'";

/// As in hostile.rs: without root or user namespaces nothing crashes; fail and say so.
fn require_privilege() {
    if let Privilege::Neither(why) = detect_privilege() {
        panic!(
            "this test {why}; on a machine without either, deselect it with \
             `cargo test -- --skip privileged_`"
        );
    }
}

/// A target dir whose path holds what a shell and Markdown read specially (`&`, `<`, `'`, `$`):
/// the reproduce commands quote it.
fn awkward_target_dir() -> PathBuf {
    shared_target_dir().join("verdict").join("a&b <c'd $(id)")
}

/// `home-dir` under `--hostile`, its AOT004 allowed, in `format`: exit code, stdout.
fn allowed_run(config: &std::path::Path, format: &str) -> (i32, String) {
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("home-dir").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(awkward_target_dir())
        .args([
            "--locked",
            "-q",
            "--no-probe",
            "--hostile",
            "--bin",
            "home-dir",
        ])
        .args(["--format", format, "--config-file"])
        .arg(config)
        .env_remove("GITHUB_ACTIONS");
    let r = run(&mut cmd);
    (r.code, r.stdout)
}

fn crashed(run: &Value) -> bool {
    run["outcome"] == "crashed" || run["outcome"] == "hung"
}

/// The QA: an `allow` of AOT004 on a binary that really crashes under `--hostile` exited 0 and
/// printed `verdict pass` above `crashed (SIGSEGV) under --hostile ...`: a contradiction. The
/// allowance waives the crash (exit 0 stays) and every verdict line says so, quoting the reason;
/// JSON marks the run `allowed`. The crash is real: its command crashes by hand.
#[test]
fn privileged_an_allowed_crash_is_said_to_be_allowed_in_every_format() {
    require_privilege();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("aotcheck.toml");
    std::fs::write(
        &config,
        format!("allow = [{{ rule = \"AOT004\", reason = \"{REASON}\" }}]\n"),
    )
    .expect("write the config");

    let (code, stdout) = allowed_run(&config, "json");
    assert_eq!(code, 0, "the allowance waives the crash");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(v["verdict"], "pass");
    let a = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == "static")
        .expect("the static build");
    // README: with `--target-dir DIR` the builds go to `DIR/static` (not `DIR/aotcheck/...`),
    // and the file is there.
    let path = PathBuf::from(str_of(a, "path"));
    assert!(
        path.starts_with(awkward_target_dir().join("static")),
        "{}",
        path.display()
    );
    assert!(path.is_file(), "{}", path.display());
    let runs = a["hostile"].as_array().expect("hostile runs");
    let waived: Vec<&Value> = runs.iter().filter(|r| !r["allowed"].is_null()).collect();
    assert!(!waived.is_empty(), "no run waived: {runs:#?}");
    for r in &waived {
        assert_eq!(r["allowed"]["rule"], "AOT004");
        assert_eq!(r["allowed"]["reason"], REASON);
        assert_eq!(r["outcome"], "crashed", "{r}");
        assert_eq!(r["dynamic_outcome"], "ok", "{r}");
        // Independent: the command crashes with SIGSEGV when run by hand.
        let cmd = str_of(r, "reproduce");
        let status = Command::new("sh").args(["-c", cmd]).status().expect("sh");
        assert_eq!(
            status.code(),
            Some(128 + 11),
            "`{cmd}` should die of SIGSEGV"
        );
    }
    // Only the crashes are waived.
    for r in runs.iter().filter(|r| !crashed(r)) {
        assert!(r["allowed"].is_null(), "{r}");
    }

    let (code, human) = allowed_run(&config, "human");
    assert_eq!(code, 0);
    let footer = &human[human.rfind("\nverdict ").expect("verdict line")..];
    // Filled to 100 columns: each bullet read whole.
    let lines = unfilled(footer);
    let lines: Vec<&str> = lines.iter().skip(1).map(String::as_str).collect();
    assert_eq!(lines[0], "verdict pass", "{footer}");
    assert_eq!(lines.len(), 1 + waived.len(), "{footer}");
    for (line, r) in lines[1..].iter().zip(&waived) {
        let condition = str_of(r, "condition");
        assert!(
            line.ends_with(&format!(
                "crashed (SIGSEGV) under --hostile `{condition}`: allowed (AOT004: {REASON})"
            )),
            "{line}"
        );
    }

    let (code, md) = allowed_run(&config, "markdown");
    assert_eq!(code, 0);
    let (cells, blocks) = read_markdown(&md);
    let said = format!("allowed (AOT004: {REASON})");
    assert_eq!(
        cells.iter().filter(|c| c.ends_with(&said)).count(),
        waived.len(),
        "{md}"
    );
    // Every crash's reproduce command, exactly as the JSON gives it.
    let commands: Vec<&str> = runs
        .iter()
        .filter(|r| crashed(r))
        .filter_map(|r| r["reproduce"].as_str())
        .collect();
    assert_eq!(blocks, commands, "{md}");
}

/// Each table cell's text, and each fenced code block's, as a GFM reader (pulldown-cmark)
/// reads them.
fn read_markdown(md: &str) -> (Vec<String>, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_GFM;
    let (mut cells, mut blocks) = (Vec::new(), Vec::new());
    let (mut cell, mut block) = (None::<String>, None::<String>);
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => cells.extend(cell.take()),
            Event::Start(Tag::CodeBlock(_)) => block = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => {
                blocks.extend(block.take().map(|b| b.trim_end_matches('\n').to_string()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut().or(block.as_mut()) {
                    c.push_str(&t);
                }
            }
            _ => {}
        }
    }
    (cells, blocks)
}

/// The QA: with `allow = [{ rule = "AOT004", reason }]` a crash `--hostile` reproduced passed
/// the gate (exit 0), and the verdict lines listed it under `pass` as a plain crash. The
/// allowance waives the crash (exit 0 stays); each format says so and quotes the reason, JSON
/// in the run's `allowed`. Markdown also gives the reproduce command, exactly as written.
#[test]
fn an_allowed_crash_says_it_is_allowed_and_why_in_every_format() {
    use cargo_aotcheck::report::{Verdict, Waiver};
    let reason = "HOME is set & a <passwd> entry, 'always' | $HOME";
    let command = r#"env -u HOME sh -c 'echo "$1" && cat </etc/passwd ``` x' sh ./app"#;
    let mut r = failed_without_checks();
    r.artifacts.truncate(1);
    let a = &mut r.artifacts[0];
    a.findings[0].allowed = true;
    a.findings[0].reason = Some(reason.into());
    a.hostile[0].reproduce = Some(command.into());
    // A run the dynamic build fails too is no static hazard: not waived, not counted.
    let mut shared = a.hostile[0].clone();
    shared.condition = "nss-module".into();
    shared.dynamic_outcome = shared.dynamic_outcome.map(|_| a.hostile[0].outcome);
    shared.dynamic_signal = shared.signal.clone();
    a.hostile.push(shared);
    cargo_aotcheck::gate::waive_allowed_crashes(a);
    r.verdict = cargo_aotcheck::gate::verdict(&r);
    assert_eq!(r.verdict, Verdict::Pass);
    let waiver = Waiver {
        rule: "AOT004".into(),
        reason: reason.into(),
    };
    assert_eq!(r.artifacts[0].hostile[0].allowed.as_ref(), Some(&waiver));
    assert_eq!(r.artifacts[0].hostile[1].allowed, None);

    let mut json = Vec::new();
    cargo_aotcheck::render::json(&r, &mut json).expect("JSON");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("parse");
    let runs = &v["artifacts"][0]["hostile"];
    assert_eq!(
        runs[0]["allowed"],
        serde_json::json!({"rule": "AOT004", "reason": reason})
    );
    assert_eq!(runs[1]["allowed"], serde_json::Value::Null);

    let said = format!("allowed (AOT004: {reason})");
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let text = cargo_aotcheck::render::human::render(&r, &style);
    let footer: Vec<String> = unfilled(&text[text.rfind("\nverdict").expect("verdict")..])
        .into_iter()
        .skip(1)
        .collect();
    assert_eq!(
        footer,
        [
            "verdict pass".to_string(),
            format!(
                "  - app (package app|`x`, static): crashed (SIGSEGV) under --hostile `no-home`: {said}"
            ),
            "  - app (package app|`x`, static): crashed (SIGSEGV) under --hostile `nss-module`: \
             not counted, the dynamic build fails the same way"
                .to_string(),
        ]
    );

    // Under a failing verdict the runs that do not count are left to the hostile section: the
    // footer lists what made it fail (QA af, F6: "2 crashes" over five runs).
    let mut failing = r.clone();
    failing.artifacts[0]
        .checks
        .push(cargo_aotcheck::report::Check::worded(
            cargo_aotcheck::report::CheckId::BudgetFileSize,
            Verdict::Fail,
            "over".into(),
        ));
    failing.verdict = cargo_aotcheck::gate::verdict(&failing);
    assert_eq!(failing.verdict, Verdict::Fail);
    let text = cargo_aotcheck::render::human::render(&failing, &style);
    let footer = &text[text.rfind("\nverdict").expect("verdict")..];
    assert!(!footer.contains("under --hostile"), "{footer}");
    // The hostile section is filled to 100 columns: its words as one line.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("not counted, the dynamic build fails the same way"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    let md = cargo_aotcheck::render::markdown::render(&r);
    let parsed = parse_markdown(&md);
    for (header, row) in &parsed.rows {
        assert_eq!(header, row, "a row of the wrong width in\n{md}");
    }
    let cells = parsed.text.join("");
    assert!(
        cells.contains(&format!("the static linkage is the cause; {said}")),
        "{cells}\n{md}"
    );
    assert!(md.contains("| ✅ pass |"), "{md}");
    // The reproduce command of each crash, as the JSON has it.
    let commands: Vec<&str> = runs
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["reproduce"].as_str())
        .collect();
    let blocks: Vec<&str> = parsed
        .blocks
        .iter()
        .map(|b| b.trim_end_matches('\n'))
        .collect();
    assert_eq!(blocks, commands, "{md}");
    assert!(
        parsed.other.iter().all(|o| o.contains("CodeBlock")),
        "{:?}",
        parsed.other
    );

    let html = cargo_aotcheck::render::html::render(&r);
    let section = &html[html
        .find("<section id=\"verdict\">")
        .expect("verdict section")..];
    let section = &section[..section.find("</section>").expect("end")];
    assert!(
        section.contains(
            "allowed (AOT004: HOME is set &amp; a &lt;passwd&gt; entry, &#39;always&#39; | $HOME)"
        ),
        "{section}"
    );
    // Nothing to annotate: the crash is allowed; the shared failure is a warning.
    let notes = cargo_aotcheck::render::github::annotations(&r);
    assert_eq!(notes.lines().count(), 1, "{notes}");
    assert!(notes.contains("hostile nss-module"), "{notes}");
}

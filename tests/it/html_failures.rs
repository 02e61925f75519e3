//! `--format html` says why its verdict is not `pass`, just below it: each failed check, error
//! finding, crash under `--hostile` and probed binary with no run that got ready, with the
//! binary (a link to its details). Checked in the browser against the report of the same run
//! (embedded in the page) and the files.

use std::path::Path;

use serde_json::Value;

use crate::html::{artifacts_dir, assert_quiet, cdp, hand::hand_built};
use crate::util::{human_fixture, run};

/// The rows of the page's verdict section, read from the DOM: each cell's text, and the
/// heading of the article the binary's link leads to.
const REASONS: &str = r#"(() => {
  const sec = document.getElementById("verdict");
  if (!sec) return null;
  const gate = document.getElementById("gate");
  return {
    head: document.querySelector("h1 .verdict").innerText,
    title: sec.querySelector("h2").innerText,
    counted: (sec.querySelector(".verdict-line") || {innerText: ""}).innerText,
    before_checks: !!(sec.compareDocumentPosition(gate) & Node.DOCUMENT_POSITION_FOLLOWING),
    rows: [...sec.querySelectorAll("table.reasons tbody tr")].map(r => {
      const a = r.cells[0].querySelector("a");
      const to = a && document.querySelector(a.getAttribute("href"));
      return {
        binary: r.cells[0].innerText, what: r.cells[1].innerText,
        verdict: r.cells[2].innerText, why: r.cells[3].innerText,
        article: to ? to.querySelector("h3").innerText : null,
      };
    }),
    report: JSON.parse(document.getElementById("aotcheck-report").textContent),
  };
})()"#;

/// The page's word for a verdict (`FAIL` for fail).
fn word(v: &str) -> String {
    if v == "fail" {
        "FAIL".into()
    } else {
        v.to_string()
    }
}

/// Open `file`, read its verdict section; it must exist, sit above the checks and carry the
/// report's verdict.
fn reasons_of(browser: &mut cdp::Browser, file: &Path) -> Value {
    let url = format!("file://{}", file.display());
    let mut page = browser.open(&url, 1280);
    let shown = page.eval(REASONS);
    assert!(!shown.is_null(), "no verdict section in {}", file.display());
    let verdict = word(shown["report"]["verdict"].as_str().expect("verdict"));
    assert_eq!(shown["head"], verdict.as_str(), "{shown}");
    assert!(
        shown["title"]
            .as_str()
            .is_some_and(|t| t.ends_with(&verdict)),
        "{shown}"
    );
    assert_eq!(shown["before_checks"], true, "{shown}");
    // QA di F2: the embedded report carries the reasons besides the checks, as `--format
    // json` does; each is a row of the page's.
    let reasons = shown["report"]["verdict_reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no verdict_reasons in the page's report: {shown}"));
    let rows = shown["rows"].as_array().expect("rows");
    for reason in reasons {
        let verdict = word(reason["verdict"].as_str().expect("verdict"));
        let shown_so = |r: &&Value| {
            (&r["binary"], &r["what"], r["verdict"].as_str())
                == (&reason["binary"], &reason["what"], Some(verdict.as_str()))
        };
        assert!(
            rows.iter().any(|r| shown_so(&r)),
            "{reason} is no row: {shown}"
        );
    }
    assert_quiet(&page, &url);
    shown
}

/// The row whose "what" is `what` and whose article is the one of `binary`.
fn row<'a>(shown: &'a Value, what: &str, binary: &str) -> &'a Value {
    shown["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| {
            r["what"] == what
                && r["binary"].as_str().is_some_and(|b| b.starts_with(binary))
                && r["article"].as_str().is_some_and(|a| a.starts_with(binary))
        })
        .unwrap_or_else(|| panic!("no row `{what}` for {binary} in {shown:#}"))
}

/// The crasher of probe-targets never gets ready: the page says so for that binary, with the
/// failed run's own message, and its verdict is `inconclusive`. A hand-built report's failed
/// checks, error finding and crash are each a row.
#[test]
fn a_binary_that_never_got_ready_is_named_by_the_verdict() {
    let file = artifacts_dir().join("never-ready.html");
    let r = run(human_fixture(
        "probe-targets",
        &[
            "--bin",
            "crasher",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--format",
            "html",
            "--probe-arg",
            "status",
        ],
    )
    .arg("--output")
    .arg(&file));
    assert_eq!(r.code, 2, "every run failed: {}", r.stderr);
    let mut browser = cdp::Browser::start();
    let shown = reasons_of(&mut browser, &file);
    let a = &shown["report"]["artifacts"][0];
    assert_eq!(shown["report"]["verdict"], "inconclusive");
    assert_eq!(a["probe"]["runs"], 0, "{a}");
    let path = a["path"].as_str().expect("path");
    assert!(
        Path::new(path).is_file() && path.ends_with("/crasher"),
        "{path}"
    );
    let failed = a["probe"]["failed_runs"].as_array().expect("failed runs");
    let message = failed
        .last()
        .and_then(|f| f["message"].as_str())
        .expect("a failed run");
    let r = row(&shown, "probe", "crasher");
    assert_eq!(r["verdict"], "inconclusive", "{r}");
    let why = r["why"].as_str().expect("why");
    assert!(
        why.starts_with("no probe run got ready") && why.contains(message),
        "{why} lacks {message}"
    );
    assert!(
        shown["counted"]
            .as_str()
            .is_some_and(|c| c.contains("1 binary with no probe run that got ready")),
        "{shown}"
    );

    let hand = artifacts_dir().join("hand-built-reasons.html");
    std::fs::write(&hand, cargo_aotcheck::render::html::render(&hand_built())).expect("write");
    let shown = reasons_of(&mut browser, &hand);
    for a in shown["report"]["artifacts"].as_array().expect("artifacts") {
        let name = format!("app ({})", a["link_mode"].as_str().expect("link mode"));
        for c in a["checks"].as_array().expect("checks") {
            if c["verdict"] != "pass" {
                let r = row(&shown, c["id"].as_str().expect("id"), &name);
                assert_eq!(r["verdict"], word(c["verdict"].as_str().expect("v")));
                // Its words (the new entry points are a list, one a line: QA cj F5).
                let said =
                    |v: &serde_json::Value| crate::util::words(v.as_str().expect("a message"));
                assert_eq!(said(&r["why"]), said(&c["message"]));
            }
        }
    }
    let failed_checks = shown["report"]["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .flat_map(|a| a["checks"].as_array().expect("checks"))
        .filter(|c| c["verdict"] == "fail")
        .count();
    assert!(failed_checks > 0, "the hand-built report fails no check");
    let counted = shown["counted"].as_str().expect("counted");
    assert!(
        counted.contains(&format!("{failed_checks} check"))
            && counted.contains("1 error finding")
            && counted.contains("1 crash under --hostile"),
        "{counted}"
    );
    assert_eq!(row(&shown, "AOT004", "app (static)")["verdict"], "FAIL");
    let crash = row(&shown, "hostile no-home", "app (static)");
    assert!(
        crash["why"]
            .as_str()
            .is_some_and(|w| w.contains("crashed (SIGSEGV)")),
        "{crash}"
    );
}

/// A static glibc binary that asks the passwd database crashes under `--hostile` (home-dir, as
/// in hostile.rs): each crashed run is a row naming the binary, its condition and its signal,
/// beside the error finding the crash reproduced.
#[test]
fn privileged_a_hostile_crash_is_named_by_the_verdict() {
    let file = artifacts_dir().join("hostile-crash.html");
    let r = run(human_fixture(
        "home-dir",
        &[
            "--no-probe",
            "--hostile",
            "--bin",
            "home-dir",
            "--format",
            "html",
        ],
    )
    .arg("--output")
    .arg(&file));
    assert_eq!(r.code, 1, "a reproduced crash fails the gate: {}", r.stderr);
    let mut browser = cdp::Browser::start();
    let shown = reasons_of(&mut browser, &file);
    assert_eq!(shown["report"]["verdict"], "fail");
    let a = &shown["report"]["artifacts"][0];
    let name = format!("home-dir ({})", a["link_mode"].as_str().expect("link mode"));
    let mut crashes = 0;
    for h in a["hostile"].as_array().expect("hostile runs") {
        if h["outcome"] != "crashed" && h["outcome"] != "hung" {
            continue;
        }
        crashes += 1;
        let condition = h["condition"].as_str().expect("condition");
        let r = row(&shown, &format!("hostile {condition}"), &name);
        assert_eq!(r["verdict"], "FAIL", "{r}");
        let why = r["why"].as_str().expect("why");
        let signal = h["signal"].as_str().unwrap_or("");
        assert!(
            why.contains(&format!("under --hostile {condition} (")) && why.contains(signal),
            "{why}"
        );
    }
    assert!(crashes >= 1, "no crash under --hostile: {a}");
    assert_eq!(row(&shown, "AOT004", &name)["verdict"], "FAIL");
    let counted = shown["counted"].as_str().expect("counted");
    assert!(
        counted.contains("1 error finding") && counted.contains("under --hostile"),
        "{counted}"
    );
}

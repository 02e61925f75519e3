//! QA bt F1: a baseline made with other profile settings (`lto = "fat"`, now `"thin"`) was
//! said nowhere, and 14 crate and section checks failed, blaming "the crates that changed".
//! The report records the profile's settings as cargo resolves them (checked against the
//! rustc command lines `cargo -v` shows), says what differs above the deltas, and the crate
//! and section checks warn while the whole binary's checks judge.

use serde_json::Value;

use super::gate::{check, checks, parse};
use crate::util::*;

/// The profile's settings cargo passes to rustc: a fresh build of `cli-flags` with two of them
/// set by cargo's own variables, `-v` showing each rustc command line.
#[test]
fn the_recorded_profile_settings_are_those_cargo_builds_with() {
    let r = super::cargo_flags::fresh_build_with(
        &["-v"],
        &[
            ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "2"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "3"),
        ],
    );
    let v = parse(&r);
    let settings = &v["build"]["profile_settings"];
    let rustc = r
        .stderr
        .lines()
        .find(|l| l.contains("Running `") && l.contains("--crate-name one "))
        .unwrap_or_else(|| panic!("no rustc line of `one` in {}", r.stderr));
    for (key, flag) in [
        ("opt-level", "opt-level"),
        ("codegen-units", "codegen-units"),
    ] {
        let value = str_of(settings, key);
        assert!(
            rustc.contains(&format!("-C {flag}={value}")),
            "{key} = {value}, not in {rustc}"
        );
    }
    assert_eq!(str_of(settings, "opt-level"), "2", "{settings}");
    // Cargo passes no `-C lto` for `lto = false` (a thin local LTO): none here.
    assert_eq!(str_of(settings, "lto"), "false", "{settings}");
    assert!(!rustc.contains("-C lto"), "{rustc}");
    assert_eq!(v["provenance"]["profile_settings"], *settings);
    // Plain values, as a script compares them (QA bv F3: `"lto": "\"thin\""`).
    assert_eq!(str_of(settings, "panic"), "unwind", "{settings}");
    assert_eq!(
        v["build"]["rustflags"],
        serde_json::json!([]),
        "{}",
        v["build"]
    );
}

/// std-twin's baseline with the C library's crate row (not a crate of the registry, whose
/// inputs would tell it untouched) and `.text` made 10% smaller, its recorded `lto` set to
/// `lto` (the run's is `false`): the report of a run against it.
fn against(dir: &std::path::Path, lto: Option<&str>) -> (Run, Value) {
    let base = dir.join("base.json");
    let saved = run(check_fixture("std-twin", &["--save-baseline"]).arg(&base));
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let mut b: Value = serde_json::from_slice(&std::fs::read(&base).expect("read")).expect("JSON");
    let binary = &mut b["artifacts"][0]["binary"];
    let shrink = |row: &mut Value| {
        for key in ["vm_size", "file_size", "mem_size"] {
            if let Some(was) = row.get(key).and_then(Value::as_u64) {
                row[key] = (was - was / 10).into();
            }
        }
    };
    let own = binary["crates"]
        .as_array_mut()
        .expect("crates")
        .iter_mut()
        .find(|c| c["name"] == "[libc]")
        .expect("the C library's row");
    shrink(own);
    let text = binary["sections"]
        .as_array_mut()
        .expect("sections")
        .iter_mut()
        .find(|s| s["name"] == ".text")
        .expect(".text");
    shrink(text);
    if let Some(lto) = lto {
        assert_eq!(
            b["provenance"]["profile_settings"]["lto"], "false",
            "{}",
            b["provenance"]
        );
        b["provenance"]["profile_settings"]["lto"] = lto.into();
    }
    std::fs::write(&base, serde_json::to_vec(&b).expect("JSON")).expect("write");
    let r = run(check_fixture("std-twin", &["--baseline"]).arg(&base));
    let v = parse(&r);
    (r, v)
}

#[test]
fn another_profile_setting_is_said_and_crate_and_section_checks_warn() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Without another setting, both fail: the growth is the code's.
    let (r, v) = against(dir.path(), None);
    let all = checks(&v);
    for id in ["baseline.crate:[libc]", "baseline.section:.text"] {
        assert_eq!(check(&all, id)["verdict"], "fail", "{}", check(&all, id));
    }
    assert_eq!(r.code, 1, "{}", r.stderr);

    let (r, v) = against(dir.path(), Some("fat"));
    let mismatches = &v["baseline"]["mismatches"];
    assert!(
        mismatches
            .as_array()
            .expect("mismatches")
            .iter()
            .any(|m| m == "profile setting lto: baseline fat, now false"),
        "{mismatches}"
    );
    let all = checks(&v);
    for id in ["baseline.crate:[libc]", "baseline.section:.text"] {
        let c = check(&all, id);
        assert_eq!(c["verdict"], "warn", "{c}");
        assert!(
            str_of(c, "message").contains("the baseline was built otherwise (profile setting lto)"),
            "{c}"
        );
        assert_eq!(c["built_otherwise"], true, "{c}");
    }
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Said above the deltas, for a person.
    let human =
        run(human_fixture("std-twin", &["--no-probe", "--baseline"])
            .arg(dir.path().join("base.json")));
    assert!(
        human
            .stdout
            .contains("profile setting lto: baseline fat, now false"),
        "{}",
        human.stdout
    );
    // The checks it moved are one line, the caveat said once (QA ca F2: 42 rows, each with
    // it); `-v` lists each.
    let folded = human
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("warn") && l.contains("crate and section checks"))
        .unwrap_or_else(|| panic!("{}", human.stdout));
    assert!(folded.contains("over their thresholds"), "{folded}");
    // Counted in the text as one paragraph, whatever the filling broke.
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        flat(&human.stdout).matches("built otherwise").count(),
        1,
        "{}",
        human.stdout
    );
    let all = run(
        fixture_saying_status("std-twin", &["--no-probe", "-v", "--baseline"])
            .arg(dir.path().join("base.json")),
    );
    assert!(
        flat(&all.stdout).matches("built otherwise").count() >= 2,
        "{}\n{}",
        all.stdout,
        all.stderr
    );
}

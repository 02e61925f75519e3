//! The release gate: budgets, saved baselines, `--baseline-ref`, exit codes, Markdown and
//! GitHub outputs. Figures are checked against what the fixtures were built to contain (a
//! 64 KiB table) and against readelf; no test depends on wall-clock time.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;
mod baseline_ref;
mod kept;

/// The known table `gate-rodata-new` adds to `.rodata`.
const TABLE: f64 = 64.0 * 1024.0;

/// `cargo aotcheck` on a gate fixture. The two fixtures of a pair share their package and
/// binary name (so they match as baseline and current), so each gets its own folder inside the
/// shared target dir: one's binary must not overwrite the other's while tests run in parallel.
pub(crate) fn gate(name: &str, args: &[&str]) -> Command {
    gate_at(&fixture(name), name, args)
}

pub(crate) fn gate_at(dir: &Path, target: &str, args: &[&str]) -> Command {
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir().join("gate").join(target))
        // Sizes are under test here; startup comparisons have tests of their own.
        .args(["--locked", "-q", "--no-probe"])
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

pub(crate) fn parse(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", r.stdout))
}

pub(crate) fn checks(v: &Value) -> Vec<Value> {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .flat_map(|a| a["checks"].as_array().cloned().unwrap_or_default())
        .collect()
}

pub(crate) fn check<'a>(all: &'a [Value], id: &str) -> &'a Value {
    all.iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check `{id}` in {all:#?}"))
}

pub(crate) fn save_baseline(name: &str, file: &Path, extra: &[&str]) -> Value {
    let file = file.to_str().expect("utf-8 path");
    let mut args = vec!["--format", "json", "--save-baseline", file];
    args.extend_from_slice(extra);
    let r = run(&mut gate(name, &args));
    assert_eq!(r.code, 0, "{}", r.stderr);
    parse(&r)
}

#[test]
fn rodata_growth_fails_naming_the_section_and_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    save_baseline("gate-rodata-old", &base, &[]);
    let saved: Value = serde_json::from_slice(&std::fs::read(&base).expect("saved")).expect("JSON");
    assert_eq!(saved["schema_version"], 1);
    let p = &saved["provenance"];
    assert_eq!(str_of(p, "cargo_lock_sha256").len(), 64);
    assert!(str_of(p, "rustc").starts_with("rustc "));
    assert_eq!(p["link_modes"], serde_json::json!(["static"]));

    let b = base.to_str().expect("utf-8");
    let r = run(&mut gate(
        "gate-rodata-new",
        &["--format", "json", "--baseline", b],
    ));
    assert_eq!(r.code, 1, "a failed check exits 1: {}", r.stderr);
    let v = parse(&r);
    assert_eq!(v["verdict"], "fail");
    let all = checks(&v);
    let rodata = check(&all, "baseline.section:.rodata");
    assert_eq!(rodata["verdict"], "fail");
    let delta = rodata["delta"].as_f64().expect("delta");
    assert!(
        (delta - TABLE).abs() <= 1024.0,
        ".rodata grew by {delta}, not the 64 KiB table"
    );
    for key in ["id", "verdict", "value", "baseline", "unit", "message"] {
        assert!(rodata.get(key).is_some(), "check lacks `{key}`: {rodata}");
    }
    assert!(str_of(rodata, "message").contains(".rodata"));
    // The independent source: readelf on both binaries agrees with the delta.
    let section = |v: &Value| -> u64 {
        let path = str_of(&v["artifacts"][0], "path");
        readelf_sections(path)
            .into_iter()
            .find(|(n, _)| n == ".rodata")
            .map(|(_, s)| s)
            .expect(".rodata")
    };
    let old_now = run(&mut gate("gate-rodata-old", &["--format", "json"]));
    assert_eq!(
        section(&v) - section(&parse(&old_now)),
        delta as u64,
        "readelf"
    );
    // The whole file grew too: at least a warning.
    assert_ne!(check(&all, "baseline.file_size")["verdict"], "pass");
    // QA da F6: what in the crate grew is named, the table first, new, at its `nm -S` size.
    let krate = check(&all, "baseline.crate:gate_rodata");
    let grown = &krate["grown_symbols"][0];
    assert_eq!(grown["symbol"], "gate_rodata::TABLE", "{krate}");
    assert_eq!(grown["new"], true, "{krate}");
    let nm = tool("nm", &["-S", "-C", str_of(&v["artifacts"][0], "path")]);
    let table = nm
        .lines()
        .find(|l| l.ends_with(" gate_rodata::TABLE"))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
        .unwrap_or_else(|| panic!("no TABLE in nm:\n{nm}"));
    assert_eq!(grown["size"], table, "{krate}");
    assert!(
        str_of(krate, "message").contains("grown most: `gate_rodata::TABLE` (new, 64.0 KiB)"),
        "{krate}"
    );

    // --warn-only: the same verdict, exit 0.
    let r = run(&mut gate(
        "gate-rodata-new",
        &["--format", "json", "--baseline", b, "--warn-only"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(parse(&r)["verdict"], "fail");
    // Said where the verdict is, and kept in the report (QA cd F6: a green job said "fail").
    assert_eq!(parse(&r)["warn_only"], true);
    let human = run(&mut gate(
        "gate-rodata-new",
        &["--baseline", b, "--warn-only"],
    ));
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("(exit 0: --warn-only)"),
        "{}",
        human.stdout
    );
    let md = run(&mut gate(
        "gate-rodata-new",
        &["--baseline", b, "--warn-only", "--format", "markdown"],
    ));
    assert!(
        md.stdout
            .contains("## cargo-aotcheck: ❌ fail (exit 0: --warn-only)"),
        "{}",
        md.stdout
    );

    // In GitHub Actions: annotations on stderr, the Markdown appended to the job summary.
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let r = run(gate("gate-rodata-new", &["--baseline", b])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(r.code, 1);
    let error = r
        .stderr
        .lines()
        .find(|l| l.starts_with("::error title=") && l.contains(".rodata"))
        .unwrap_or_else(|| panic!("no ::error for .rodata in\n{}", r.stderr));
    assert!(error.contains("section:.rodata::") || error.contains("section%3A.rodata::"));
    assert!(
        !r.stdout.contains("::error"),
        "stdout carries the report only"
    );
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        md.starts_with("earlier step\n<!-- cargo-aotcheck -->"),
        "{md}"
    );
    assert!(md.contains("❌ fail"), "{md}");

    // A failed gate does not overwrite the baseline it failed against, unless accepted.
    let before = std::fs::read(&base).expect("read");
    let r = run(&mut gate(
        "gate-rodata-new",
        &["--baseline", b, "--save-baseline", b],
    ));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("baseline not saved"), "{}", r.stderr);
    // Said as the verdict says what failed (QA ao F3: "the gate failed" whatever failed).
    let verdict = r.stdout.lines().find(|l| l.starts_with("verdict fail: "));
    let verdict = verdict.unwrap_or_else(|| panic!("{}", r.stdout));
    let what = verdict.trim_start_matches("verdict fail: ");
    assert!(
        r.stderr
            .contains(&format!("the run fails ({what}; --warn-only accepts it")),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&base).expect("read"), before);
    let r = run(&mut gate(
        "gate-rodata-new",
        &["--baseline", b, "--save-baseline", b, "--warn-only"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let accepted: Value =
        serde_json::from_slice(&std::fs::read(&base).expect("read")).expect("JSON");
    assert_eq!(
        accepted["verdict"], "fail",
        "the accepted run's report is the new baseline"
    );

    // The other way round, the table's removal is an improvement with a hint.
    let newer = dir.path().join("new.json");
    save_baseline("gate-rodata-new", &newer, &[]);
    let r = run(&mut gate(
        "gate-rodata-old",
        &["--baseline", newer.to_str().expect("utf-8")],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("shrank"), "{}", r.stdout);
    assert!(r.stdout.contains("--save-baseline"), "{}", r.stdout);
}

#[test]
fn gaining_a_dynamic_library_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let old = save_baseline("gate-dylib-old", &base, &["--link", "dynamic"]);
    let old_needed: Vec<String> =
        serde_json::from_value(old["artifacts"][0]["binary"]["needed"].clone()).expect("needed");
    assert!(!old_needed.iter().any(|n| n.starts_with("libz.")));

    let b = base.to_str().expect("utf-8");
    let r = run(&mut gate(
        "gate-dylib-new",
        &["--format", "json", "--link", "dynamic", "--baseline", b],
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = parse(&r);
    let path = str_of(&v["artifacts"][0], "path");
    assert!(readelf_needed(path).iter().any(|n| n == "libz.so.1"));
    let all = checks(&v);
    let needed = check(&all, "baseline.needed");
    assert_eq!(needed["verdict"], "fail");
    assert!(str_of(needed, "message").contains("libz.so.1"), "{needed}");

    // The same as budgets: allowed_libraries (the old set) and require_static.
    let config = dir.path().join("aotcheck.toml");
    let list: Vec<String> = old_needed.iter().map(|n| format!("{n:?}")).collect();
    std::fs::write(
        &config,
        format!("allowed_libraries = [{}]\n", list.join(", ")),
    )
    .expect("write");
    let cfg = config.to_str().expect("utf-8");
    let budget = |fixture: &str| {
        let r = run(&mut gate(
            fixture,
            &[
                "--format",
                "json",
                "--link",
                "dynamic",
                "--config-file",
                cfg,
            ],
        ));
        (
            r.code,
            check(&checks(&parse(&r)), "budget.libraries").clone(),
        )
    };
    let (code, c) = budget("gate-dylib-old");
    assert_eq!((code, c["verdict"].as_str()), (0, Some("pass")));
    let (code, c) = budget("gate-dylib-new");
    assert_eq!((code, c["verdict"].as_str()), (1, Some("fail")));
    assert!(str_of(&c, "message").contains("libz.so.1"));
}

#[test]
fn a_budget_just_above_and_just_below_the_measured_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = parse(&run(&mut gate("gate-rodata-old", &["--format", "json"])));
    let b = &v["artifacts"][0]["binary"];
    let file = u64_of(b, "file_size");
    let stripped = u64_of(b, "stripped_size");
    let config = dir.path().join("budget.toml");
    // The fixture checked against the budgets `toml`: the run's exit code and checks.
    let checked = |toml: String| {
        std::fs::write(&config, toml).expect("write");
        let r = run(&mut gate(
            "gate-rodata-old",
            &[
                "--format",
                "json",
                "--config-file",
                config.to_str().expect("utf-8"),
            ],
        ));
        (r.code, checks(&parse(&r)))
    };
    let with = |file_limit: u64, stripped_limit: u64| {
        let (code, all) = checked(format!(
            "max_file_size = {file_limit}\nmax_stripped_size = \"{stripped_limit} B\"\n"
        ));
        (
            code,
            check(&all, "budget.file_size").clone(),
            check(&all, "budget.stripped_size").clone(),
        )
    };
    let (code, f, s) = with(file * 2, stripped * 2);
    assert_eq!(code, 0);
    assert_eq!(
        (f["verdict"].as_str(), s["verdict"].as_str()),
        (Some("pass"), Some("pass"))
    );
    assert_eq!(f["limit"].as_u64(), Some(file * 2));
    // Just above: within 5% of the limit, a warning, and the run still passes.
    let (code, f, s) = with(file + 1, stripped + 1);
    assert_eq!(code, 0, "a warning does not fail the run");
    assert_eq!(
        (f["verdict"].as_str(), s["verdict"].as_str()),
        (Some("warn"), Some("warn"))
    );
    assert_eq!(f["margin"].as_f64(), Some(1.0));
    // Just below: one byte over, a failure, exit 1.
    let (code, f, s) = with(file - 1, stripped - 1);
    assert_eq!(code, 1);
    assert_eq!(
        (f["verdict"].as_str(), s["verdict"].as_str()),
        (Some("fail"), Some("fail"))
    );
    assert_eq!(f["margin"].as_f64(), Some(-1.0));
    assert_eq!(f["value"].as_u64(), Some(file));
    // A budget written in decimal units is said in them too, beside the binary ones (QA ah,
    // F10: "1.9 MB" read "1.81 MiB", a figure the user could not find in the config).
    let (_, all) = checked(format!("max_file_size = \"{} kB\"\n", file / 1000 - 1));
    let f = check(&all, "budget.file_size").clone();
    let message = str_of(&f, "message");
    assert!(
        message.contains(" kB = ") || message.contains(" MB = "),
        "{message}"
    );
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=aotcheck",
            "-c",
            "user.email=aotcheck@invalid",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A copy of a fixture in a new temporary directory.
pub(crate) fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("src")).expect("mkdir");
    for f in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        std::fs::copy(fixture(name).join(f), repo.join(f)).expect("copy fixture");
    }
    (dir, repo)
}

/// A git repository holding a copy of a fixture, committed.
pub(crate) fn repo_with(name: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, repo) = copy_of(name);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "fixture"]);
    (dir, repo)
}

#[test]
fn a_corrupted_baseline_exits_2_and_stays_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "truncated.json",
            br#"{"schema_version": 1, "tool": {"name": "cargo-aot"#,
            "truncated",
        ),
        ("garbage.json", b"\x00\x01 not json", "not valid JSON"),
        // Valid JSON of a report cut short at a value: it names the file as the baseline.
        (
            "short.json",
            br#"{"schema_version": 1}"#,
            "the baseline is not a valid cargo-aotcheck report at `.`: missing field `tool`",
        ),
        (
            "future.json",
            br#"{"schema_version": 99, "tool": {"name": "cargo-aotcheck", "version": "9.9.9"}}"#,
            "schema_version 99",
        ),
    ];
    for (name, bytes, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let p = path.to_str().expect("utf-8");
        // Even when asked to save over it, a run that could not compare leaves it as it was.
        let r = run(&mut gate(
            "gate-rodata-old",
            &["--baseline", p, "--save-baseline", p],
        ));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(p), "{name}: names the file: {}", r.stderr);
        assert!(r.stderr.contains(says), "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{name}: no report");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            bytes,
            "{name} modified"
        );
    }
}

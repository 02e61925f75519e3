//! `--output FILE`: the report of any format written to a file whole, or not at all; and what a
//! run that exits 2 says as its verdict and leaves of the baseline.

use std::os::unix::fs::PermissionsExt;

use crate::util::{aotcheck, check_fixture, human_fixture, probe_fixture, run};

/// `cargo aotcheck inspect /bin/true --format FORMAT --output FILE`.
fn inspect_true_to(format: &str, file: &std::path::Path) -> crate::util::Run {
    run(aotcheck()
        .args([
            "aotcheck",
            "inspect",
            "/bin/true",
            "--format",
            format,
            "--output",
        ])
        .arg(file))
}

/// What is in `dir` besides `keep`: a temporary file left behind would show here.
fn strays(dir: &std::path::Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn every_format_goes_to_the_file_as_it_would_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["human", "json", "markdown", "html"] {
        let file = dir.path().join(format!("report.{format}"));
        let to_file = inspect_true_to(format, &file);
        assert_eq!(to_file.code, 0, "{}", to_file.stderr);
        assert_eq!(
            to_file.stdout, "",
            "{format}: the report went to stdout too"
        );
        assert!(to_file.stderr.contains("Wrote"), "{}", to_file.stderr);
        let on_stdout =
            run(aotcheck().args(["aotcheck", "inspect", "/bin/true", "--format", format]));
        let written = std::fs::read_to_string(&file).expect("the report file");
        assert_eq!(written, on_stdout.stdout, "{format}");
        assert!(!written.is_empty());
        // A report is for others to read: not the temporary file's 0600.
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{format}");
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json"),
    )
    .expect("valid JSON");
    let len = std::fs::metadata("/bin/true").expect("/bin/true").len();
    assert_eq!(json["artifacts"][0]["binary"]["file_size"], len);
    let names: Vec<String> = ["human", "json", "markdown", "html"]
        .iter()
        .map(|f| format!("report.{f}"))
        .collect();
    let keep: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(
        strays(dir.path(), &keep).is_empty(),
        "{:?}",
        strays(dir.path(), &keep)
    );
}

#[test]
fn an_unwritable_output_is_one_clear_error_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-dir/report.json");
    let r = inspect_true_to("json", &missing);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    assert!(
        errors[0].contains(&format!("cannot write the report `{}`", missing.display())),
        "{}",
        errors[0]
    );
    assert_eq!(r.stdout, "");
    // A directory where the file should be: refused, and nothing left beside it.
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "/bin/true", "--output"])
        .arg(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
    assert!(
        strays(dir.path(), &[]).is_empty(),
        "{:?}",
        strays(dir.path(), &[])
    );
}

#[test]
fn a_run_that_fails_leaves_the_old_report_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.html");
    std::fs::write(&file, "the old report").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let r = run(aotcheck()
        .args(["aotcheck", "--manifest-path"])
        .arg(dir.path().join("missing/Cargo.toml"))
        .args(["--format", "html", "--output"])
        .arg(&file));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "the old report"
    );
    // A run that does its job replaces it, keeping the mode it had.
    let r = inspect_true_to("json", &file);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .starts_with('{')
    );
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(strays(dir.path(), &["report.html"]).is_empty());
}

/// A typo in `--save-baseline` or `--output` is found before the build (the `broken` fixture
/// does not compile: its diagnostics would show if the build ran), in one line naming the path
/// given, which of the two it is (QA h: both read `cannot write `x``) and the system's reason,
/// not the directory and a temporary file.
#[test]
fn a_bad_output_or_baseline_path_fails_before_the_build_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nodir/x.json");
    for (flag, what) in [("--save-baseline", "baseline"), ("--output", "report")] {
        let r = run(crate::util::check_fixture("broken", &[flag]).arg(&missing));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        let errors = r.error_lines();
        assert_eq!(
            errors,
            vec![format!(
                "error: cannot write the {what} `{}`: No such file or directory (os error 2)",
                missing.display()
            )],
            "{flag}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(".aotcheck-"), "{flag}: {}", r.stderr);
        assert!(
            !r.stderr.contains("mismatched types"),
            "{flag}: built first"
        );
    }
    // A directory that cannot be written to (as root, permissions do not stop us: a file
    // where the directory should be does).
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").expect("write");
    let under = file.join("b.json");
    let r = run(crate::util::check_fixture("broken", &["--save-baseline"]).arg(&under));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.error_lines().len(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "cannot write the baseline `{}`: Not a directory",
            under.display()
        )),
        "{}",
        r.stderr
    );
    assert!(strays(dir.path(), &["plain"]).is_empty());
    // QA aq F8: an image directory that cannot be made, under a file, was found after the build.
    let image = file.join("img");
    let r = run(crate::util::check_fixture("broken", &["--image"]).arg(&image));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.error_lines(),
        vec![format!(
            "error: --image `{}`: cannot be made: `{}` is not a directory (images are written \
             below it)",
            image.display(),
            file.display()
        )],
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("mismatched types"), "built first");
    assert!(strays(dir.path(), &["plain"]).is_empty());
}

/// A probed binary that fails every run (exit status 3, no crash: a crash fails the verdict,
/// `verdict.rs`) exits 2, so its report is no `pass` (the QA found `"verdict": "pass"` and "✅
/// pass"), says why in Markdown and in the terminal, and does not replace the baseline (it did).
#[test]
fn a_binary_that_never_gets_ready_is_not_a_pass_and_saves_no_baseline() {
    let crasher = [
        "--bin",
        "crasher",
        "--ready",
        "exit",
        "--probe-arg",
        "status",
        "--runs",
        "2",
        "--warmup",
        "0",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, old) = (dir.path().join("base.json"), dir.path().join("old.md"));
    std::fs::write(&base, "the previous baseline\n").expect("write");
    let mut args = crasher.to_vec();
    args.extend(["--save-baseline", base.to_str().expect("utf-8")]);
    let r = run(&mut probe_fixture("probe-targets", &args));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let probe = &v["artifacts"][0]["probe"];
    assert_eq!(probe["runs"], 0);
    assert_eq!(probe["failed_runs"][0]["exit_code"], 3);
    assert_eq!(v["verdict"], "inconclusive");
    assert_eq!(
        std::fs::read(&base).expect("read"),
        b"the previous baseline\n"
    );
    assert!(
        r.stderr.contains(&format!(
            "baseline not saved to {}: a probed binary had no run that got ready (--probe-arg \
             gives it its arguments; --no-probe saves a baseline without startup figures)",
            base.display()
        )),
        "{}",
        r.stderr
    );

    let mut args = crasher.to_vec();
    args.extend(["--format", "markdown"]);
    let r = run(&mut human_fixture("probe-targets", &args));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.contains("## cargo-aotcheck: ❔ inconclusive"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("| `crasher` (package `probe-targets`, static) | no probe run got ready: "),
        "{}",
        r.stdout
    );
    // The report says why it is no pass, so `--output` gets it, as stdout does.
    let on_stdout = r.stdout;
    args.extend(["--output", old.to_str().expect("utf-8")]);
    let r = run(&mut human_fixture("probe-targets", &args));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let written = std::fs::read_to_string(&old).expect("read");
    // Without the caveat of a busy machine, which one of the two runs may have and not the other.
    let heading = |md: &str| {
        md.lines()
            .filter(|l| !l.starts_with('>') && !l.is_empty())
            .take(5)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(heading(&written), heading(&on_stdout), "{written}");

    let r = run(&mut human_fixture("probe-targets", &crasher));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "verdict inconclusive: 1 binary with no probe run that got ready\n  - crasher"
        ),
        "{}",
        r.stdout
    );
}

/// `inspect` of a missing file beside a real one exits 2 after the report of the real one: its
/// verdict is not `pass` either.
#[test]
fn inspect_with_a_missing_file_is_not_a_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nonexistent");
    let inspect = |format: &str| {
        run(aotcheck()
            .args(["aotcheck", "inspect", "/bin/true"])
            .arg(&missing)
            .args(["--format", format]))
    };
    let r = inspect("json");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    assert_eq!(v["failed"].as_array().map(Vec::len), Some(1));
    let len = std::fs::metadata("/bin/true").expect("/bin/true").len();
    assert_eq!(v["artifacts"][0]["binary"]["file_size"], len);
    assert_eq!(v["verdict"], "inconclusive");
    let r = inspect("markdown");
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("❔ inconclusive"), "{}", r.stdout);
    let r = inspect("human");
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("verdict inconclusive: 1 file not inspected"),
        "{}",
        r.stdout
    );
}

/// `--why` that matches nothing exits 2: the baseline stays as it was (it was overwritten),
/// and stderr says so and why, as README promises (QA bug 4: it said nothing).
#[test]
fn why_matching_nothing_saves_no_baseline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    std::fs::write(&base, "the previous baseline\n").expect("write");
    let b = base.to_str().expect("utf-8");
    let r = run(&mut check_fixture(
        "audit-lookup",
        &["--why", "no_such_thing_xyz", "--save-baseline", b],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        std::fs::read(&base).expect("read"),
        b"the previous baseline\n"
    );
    let said = format!(
        "baseline not saved to {b}: --why matches nothing; the previous file is left as it was"
    );
    assert!(r.stderr.contains(&said), "no `{said}` in\n{}", r.stderr);
    assert!(r.stderr.contains("no_such_thing_xyz"), "{}", r.stderr);
    // QA h: with no file there before, it said "the previous file is left as it was" too.
    let fresh = dir.path().join("fresh.json");
    let f = fresh.to_str().expect("utf-8");
    let r = run(&mut check_fixture(
        "audit-lookup",
        &["--why", "no_such_thing_xyz", "--save-baseline", f],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!fresh.exists(), "nothing written to {f}");
    let said = format!("baseline not saved to {f}: --why matches nothing; nothing was written");
    assert!(r.stderr.contains(&said), "no `{said}` in\n{}", r.stderr);
    assert!(!r.stderr.contains("previous file"), "{}", r.stderr);
}

/// A baseline that has none of this run's binaries (another project's, a mistyped
/// `--baseline`) compared nothing and exited 0 where no budget was set (QA): now one error line
/// naming both sides, exit 2, before the build.
#[test]
fn a_baseline_of_other_binaries_is_exit_2_naming_both_sides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let saved = run(check_fixture("why-chain", &["--save-baseline"]).arg(&base));
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let r = run(check_fixture("hello-server", &["--baseline"]).arg(&base));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "no report: {}", r.stdout);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("shares no binary"))
        .unwrap_or_else(|| panic!("no error line in\n{}", r.stderr));
    for said in [
        base.to_str().expect("utf-8"),
        "it has why-chain (static)",
        "this run builds hello-server (static)",
    ] {
        assert!(line.contains(said), "`{said}` not in {line}");
    }
}

/// Whether `path` is a symbolic link (not followed).
fn is_link(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path)
        .expect("symlink_metadata")
        .file_type()
        .is_symlink()
}

/// `--output link` wrote the report over the link, which became a regular file: a user who
/// keeps `report.json -> reports/main.json` lost the link. The report now goes to the target.
#[test]
fn output_through_a_symlink_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("reports")).expect("mkdir");
    let target = dir.path().join("reports/main.json");
    std::fs::write(&target, "the old report").expect("write");
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink("reports/main.json", &link).expect("symlink");
    let r = inspect_true_to("json", &link);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(is_link(&link), "the link was replaced");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).expect("read")).expect("JSON");
    let size = std::fs::metadata("/bin/true").expect("stat").len();
    assert_eq!(report["artifacts"][0]["binary"]["file_size"], size);
    assert!(strays(dir.path(), &["reports", "report.json"]).is_empty());
    assert!(strays(&dir.path().join("reports"), &["main.json"]).is_empty());
}

/// The same for `--save-baseline`: `baseline.json -> baselines/main.json` stays a link, and the
/// baseline it points to is this run's report (the one `--output` wrote, also through a link).
#[test]
fn save_baseline_through_a_symlink_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("baselines")).expect("mkdir");
    let target = dir.path().join("baselines/main.json");
    std::fs::write(&target, "the old baseline").expect("write");
    let link = dir.path().join("baseline.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    // A dangling link for the report: its target is created.
    let report_link = dir.path().join("report.json");
    std::os::unix::fs::symlink("baselines/report.json", &report_link).expect("symlink");
    let r = run(check_fixture("hello-server", &["--save-baseline"])
        .arg(&link)
        .arg("--output")
        .arg(&report_link));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        is_link(&link) && is_link(&report_link),
        "a link was replaced"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).expect("read")).expect("JSON");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("baselines/report.json")).expect("read"),
    )
    .expect("JSON");
    assert_eq!(saved["artifacts"], report["artifacts"]);
    let path = saved["artifacts"][0]["path"].as_str().expect("path");
    let size = std::fs::metadata(path).expect("stat").len();
    assert_eq!(saved["artifacts"][0]["binary"]["file_size"], size);
}

/// `--output /dev/stdout`, the usual way to have the report on stdout while a script names the
/// file: stdout is a pipe here, which has no path to replace. It was "cannot write
/// `/dev/stdout`: No such file or directory" (exit 2). The report is checked against the file's
/// length; `/dev/null` itself is not tried, since the old code replaced it with a regular file
/// (the unit test `output::tests::a_fifo_is_written_into_not_replaced` covers that case).
#[test]
fn output_to_dev_stdout_writes_the_report_on_stdout() {
    let r = inspect_true_to("json", std::path::Path::new("/dev/stdout"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    let size = std::fs::metadata("/bin/true").expect("stat").len();
    assert_eq!(report["artifacts"][0]["binary"]["file_size"], size);
    assert!(
        r.stderr.contains("Wrote the report to /dev/stdout"),
        "{}",
        r.stderr
    );
}

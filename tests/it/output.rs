//! `--output FILE`: the report of any format written to a file whole, or not at all.

use std::os::unix::fs::PermissionsExt;

use crate::util::{aotcheck, run};

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
        errors[0].contains(&format!("cannot write `{}`", missing.display())),
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
/// given and the system's reason, not the directory and a temporary file.
#[test]
fn a_bad_output_or_baseline_path_fails_before_the_build_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nodir/x.json");
    for flag in ["--save-baseline", "--output"] {
        let r = run(crate::util::check_fixture("broken", &[flag]).arg(&missing));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        let errors = r.error_lines();
        assert_eq!(
            errors,
            vec![format!(
                "error: cannot write `{}`: No such file or directory (os error 2)",
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
            "cannot write `{}`: Not a directory",
            under.display()
        )),
        "{}",
        r.stderr
    );
    assert!(strays(dir.path(), &["plain"]).is_empty());
}

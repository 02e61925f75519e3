//! `inspect` of files given by a shell glob where one of them is a link to their directory.

use serde_json::Value;

use crate::util::{aotcheck, run};

/// QA af: `/usr/bin/*` holds `/usr/bin/X11`, a symbolic link to `.`; it was walked as a
/// directory and 526 binaries were reported twice. Here a directory holds two programs and
/// `self -> .`, given as a glob gives them: each program is reported once (as many as the
/// distinct files `realpath` names), the link is said not to be walked, and a link given
/// alone, with nothing else of its directory, still is.
#[test]
fn a_link_to_the_directory_of_the_other_arguments_is_not_walked_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("d");
    std::fs::create_dir(&d).expect("mkdir");
    for p in ["true", "false"] {
        let from = which::which(p).expect("coreutils");
        std::fs::copy(&from, d.join(p)).expect("copy");
    }
    std::os::unix::fs::symlink(".", d.join("self")).expect("symlink");
    let args: Vec<String> = ["false", "self", "true"]
        .iter()
        .map(|f| d.join(f).display().to_string())
        .collect();
    let report = |args: &[String]| -> Value {
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "-q", "--format", "json"])
            .args(args));
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).expect("JSON")
    };
    let v = report(&args);
    let mut real: Vec<std::path::PathBuf> = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| std::fs::canonicalize(a["path"].as_str().expect("path")).expect("realpath"))
        .collect();
    let reported = real.len();
    real.sort();
    real.dedup();
    assert_eq!((reported, real.len()), (2, 2), "{v}");
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains("directory whose files other arguments give (not walked again)")
            && skipped.contains("/self"),
        "{skipped}"
    );
    // Given alone, the link is walked: its directory's two programs.
    let v = report(&[d.join("self").display().to_string()]);
    assert_eq!(v["artifacts"].as_array().map(Vec::len), Some(2), "{v}");
}

/// QA ah, F5: `inspect DIR DIR/FILE` reported FILE twice, `inspect X X` too, and a script
/// named so was both failed and skipped. Each file (by device and inode, as `stat` gives
/// them) is inspected once, the second way to it is listed as skipped, and a file named on the
/// command line still fails the run when it is no binary, whichever way came first.
#[test]
fn a_file_reached_twice_is_inspected_once() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("d");
    std::fs::create_dir(&d).expect("mkdir");
    let from = which::which("true").expect("coreutils");
    std::fs::copy(&from, d.join("true")).expect("copy");
    std::fs::write(d.join("run.sh"), "#!/bin/sh\n").expect("script");
    let path = |f: &str| d.join(f).display().to_string();
    let inspect = |args: &[String]| {
        let r = run(aotcheck()
            .args(["aotcheck", "inspect", "-q", "--format", "json"])
            .args(args));
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        (r.code, v)
    };
    let identities = |v: &Value| -> Vec<(u64, u64)> {
        v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| {
                let m = std::fs::metadata(a["path"].as_str().expect("path")).expect("stat");
                (m.dev(), m.ino())
            })
            .collect()
    };
    for args in [
        vec![d.display().to_string(), path("true")],
        vec![path("true"), path("true")],
    ] {
        let (code, v) = inspect(&args);
        let ids = identities(&v);
        assert_eq!(ids.len(), 1, "{args:?}: {v}");
        let skipped = v["skipped"].to_string();
        assert!(skipped.contains("the same file as"), "{args:?}: {skipped}");
        // QA cf F9: not "d/true: the same file as d/true".
        assert!(
            !skipped.contains(&format!("the same file as {}", path("true"))),
            "{args:?}: {skipped}"
        );
        assert!(
            skipped.contains("the same file as the one reached first by this path: looked at once"),
            "{args:?}: {skipped}"
        );
        assert_eq!(code, 0, "{args:?}: {v}");
    }
    // The script named after its directory: failed once (exit 2), and not also "not a binary".
    let (code, v) = inspect(&[d.display().to_string(), path("run.sh")]);
    assert_eq!(code, 2, "{v}");
    let failed = v["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{v}");
    assert!(
        !v["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|s| s["path"] == path("run.sh") && s["why"] == "not a binary"),
        "{v}"
    );
}

/// QA da F5: cargo's `release/` holds the binary and its hard link `deps/NAME-<hash>`; the
/// walk took `deps/` first (name order), and the shipped `release/NAME` was one of hundreds of
/// skipped lines not shown. A directory's own files come before its subdirectories', and the
/// second path of a file is listed before the files that are no binary.
#[test]
fn of_a_binary_and_its_hard_link_below_the_shallower_path_is_inspected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let release = dir.path().join("release");
    let deps = release.join("deps");
    let fingerprint = release.join(".fingerprint");
    std::fs::create_dir_all(&deps).expect("mkdir");
    std::fs::create_dir_all(&fingerprint).expect("mkdir");
    let from = which::which("true").expect("coreutils");
    std::fs::copy(&from, release.join("tool")).expect("copy");
    std::fs::hard_link(release.join("tool"), deps.join("tool-0123456789abcdef")).expect("link");
    for i in 0..12 {
        std::fs::write(fingerprint.join(format!("dep-{i:02}")), "x\n").expect("write");
    }
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--color", "never"])
        .arg(&release));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tool = release.join("tool").display().to_string();
    let linked = deps.join("tool-0123456789abcdef").display().to_string();
    // `--format json` of the same: the one artifact is `release/tool` (after `deps` by name).
    let v: Value = serde_json::from_str(
        &run(aotcheck()
            .args(["aotcheck", "inspect", "-q", "--format", "json"])
            .arg(&release))
        .stdout,
    )
    .expect("JSON");
    assert_eq!(v["artifacts"][0]["path"], tool.as_str(), "{v}");
    // The human list of what was passed over shows the link's line (10 lines shown of 13).
    let line = format!("  {linked}: the same file as {tool}");
    assert!(r.stdout.lines().any(|l| l == line), "{}", r.stdout);
    // QA dc F6: both named, the second is no path "in the directories".
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--color", "never"])
        .arg(&tool)
        .arg(&linked));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("1 path not looked at:\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("in the directories"), "{}", r.stdout);
}

/// QA an F4, QA ao F4: `inspect` refused `-j` after its name and before it, and took every
/// CPU on a shared machine. `-j 1` keeps it to one thread; the report is the same whichever.
#[test]
fn jobs_keep_inspect_to_that_many_threads() {
    let files = ["/bin/ls", "/bin/cp", "/bin/true"];
    let mut reports = Vec::new();
    for before in [false, true] {
        let mut cmd = aotcheck();
        match before {
            true => cmd.args(["aotcheck", "-j", "1", "inspect"]),
            false => cmd.args(["aotcheck", "inspect", "-j", "1"]),
        };
        let r = run(cmd.args(files).args(["--format", "json"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.contains("Inspecting 3 files on 1 thread\n"),
            "{}",
            r.stderr
        );
        reports.push(r.stdout);
    }
    let r = run(aotcheck()
        .args(["aotcheck", "inspect"])
        .args(files)
        .args(["--format", "json"]));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match cpus.min(files.len()) {
        1 => "1 thread".to_string(),
        n => format!("{n} threads"),
    };
    assert!(r.stderr.contains(&format!("on {threads}")), "{}", r.stderr);
    let paths = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).expect("json");
        v["artifacts"].as_array().expect("artifacts").len()
    };
    assert_eq!(paths(&reports[0]), 3);
    assert_eq!(paths(&reports[1]), 3);
    assert_eq!(paths(&r.stdout), 3);
    // A path that cannot be read is counted on the status line too (QA ao F8: three paths
    // given, "Inspecting 2 files").
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nothere");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "-j", "1", "/bin/ls", "/bin/cp"])
        .arg(&missing));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Inspecting 2 files on 1 thread (1 path cannot be read)\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("cannot read `{}`", missing.display())),
        "{}",
        r.stderr
    );
}

//! Errors keep their cause: when a tool we run cannot be run, or fails, the message says so in
//! its own words, with exit code 2.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;

use crate::util::*;

/// Where `program` is on the test's own `PATH`.
fn on_path(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH");
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

/// A directory for `PATH` holding links to cargo and rustc only.
fn path_without_git() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for program in ["cargo", "rustc"] {
        symlink(on_path(program), dir.path().join(program)).expect("symlink");
    }
    assert!(!dir.path().join("git").exists());
    dir
}

/// The bug: without git, `--baseline-ref` said the project "is not in" a git repository,
/// though it is (this fixture lies inside cargo-aotcheck's own repository).
#[test]
fn baseline_ref_without_git_says_git_cannot_be_run() {
    let bin = path_without_git();
    let r =
        run(human_fixture("gate-rodata-old", &["--baseline-ref", "HEAD"]).env("PATH", bin.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for part in [
        "--baseline-ref needs git, and cannot run `git`: No such file or directory",
        "help: install git",
    ] {
        assert!(r.stderr.contains(part), "`{part}` in\n{}", r.stderr);
    }
    assert!(!r.stderr.contains("is not in one"), "{}", r.stderr);
}

/// Outside a repository, git's own words say so.
#[test]
fn baseline_ref_outside_a_repository_shows_gits_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    )
    .expect("write manifest");
    let r = run(aotcheck()
        .args(["aotcheck", "--baseline-ref", "HEAD", "--manifest-path"])
        .arg(&manifest)
        // No repository above the temporary directory counts, whatever the machine's layout.
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().unwrap_or(dir.path()),
        ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for part in [
        "--baseline-ref needs a git repository: `git rev-parse --show-toplevel`",
        "not a git repository",
    ] {
        assert!(r.stderr.contains(part), "`{part}` in\n{}", r.stderr);
    }
}

/// The bug: any failure of `rustc --print` read "rustc does not know the target", without
/// rustc's message.
#[test]
fn an_unknown_target_shows_rustcs_own_message() {
    let r = run(&mut human_fixture(
        "gate-rodata-old",
        &["--target", "no-such-triple"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for part in [
        "rustc cannot build for the target `no-such-triple`",
        // rustc's own words, as `rustc --print target-libdir --target no-such-triple` says them.
        "could not find specification for target \"no-such-triple\"",
        "help: check the spelling",
    ] {
        assert!(r.stderr.contains(part), "`{part}` in\n{}", r.stderr);
    }
}

/// A rustc (here a wrapper in `$RUSTC`) that fails for a reason of its own, on a target it
/// knows: its message, not a claim that the target is unknown.
#[test]
fn a_failing_rustc_print_shows_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapper = dir.path().join("rustc-wrapper");
    let real = on_path("rustc");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\ncase \"$*\" in *--print*) echo 'wrapper: toolchain cache is locked' >&2; \
             exit 3;; esac\nexec '{}' \"$@\"\n",
            real.display()
        ),
    )
    .expect("write wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let host = tool(real.to_str().expect("utf-8"), &["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("host triple");
    let r = run(human_fixture("gate-rodata-old", &["--target", &host]).env("RUSTC", &wrapper));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for part in [
        format!("rustc cannot build for the target `{host}`"),
        "wrapper: toolchain cache is locked".to_string(),
    ] {
        assert!(r.stderr.contains(&part), "`{part}` in\n{}", r.stderr);
    }
    assert!(!r.stderr.contains("does not know"), "{}", r.stderr);
}

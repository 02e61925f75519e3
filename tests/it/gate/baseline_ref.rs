//! `--baseline-ref`: the baseline built from a git revision in a worktree of its own, which
//! is removed whatever happens, and whose configuration warnings are not ours.

use super::*;

#[test]
fn baseline_ref_head_on_an_unchanged_tree_reports_no_size_change() {
    let (_dir, repo) = repo_with("gate-rodata-old");
    let r = run(&mut gate_at(
        &repo,
        "ref-head",
        &["--format", "json", "--baseline-ref", "HEAD"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = parse(&r);
    assert!(str_of(&v["baseline"], "source").starts_with("git:HEAD ("));
    assert_eq!(v["baseline"]["mismatches"], serde_json::json!([]));
    let all = checks(&v);
    let sizes: Vec<&Value> = all
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.starts_with("baseline.")))
        .filter(|c| c["unit"] == "bytes")
        .collect();
    assert!(sizes.len() > 10, "file, stripped, closure and sections");
    for c in sizes {
        assert_eq!(c["delta"].as_f64(), Some(0.0), "{c}");
        assert_eq!(c["verdict"], "pass");
    }
    assert_eq!(v["verdict"], "pass");
    // The temporary worktree is gone.
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);

    // The lock file changed since the commit (QA t, D3): said, as sha256sum tells them apart.
    let lock = repo.join("Cargo.lock");
    let before = tool("sha256sum", &[lock.to_str().expect("utf-8")]);
    let mut text = std::fs::read_to_string(&lock).expect("lock");
    text.push_str("# edited\n");
    std::fs::write(&lock, text).expect("write");
    assert_ne!(before, tool("sha256sum", &[lock.to_str().expect("utf-8")]));
    let r = run(&mut gate_at(
        &repo,
        "ref-head",
        &["--format", "json", "--baseline-ref", "HEAD"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = parse(&r);
    assert_eq!(
        v["baseline"]["dependencies_changed"], true,
        "{}",
        v["baseline"]
    );
    // The same toolchain and settings: nothing was built differently (QA aa: the lock file
    // was listed under "the baseline was built differently, so part of the difference is not
    // the code's"; the dependencies are the code's).
    assert_eq!(v["baseline"]["mismatches"], serde_json::json!([]));
    let report: cargo_aotcheck::report::Report = serde_json::from_value(v).expect("report");
    let md = cargo_aotcheck::render::markdown::render(&report);
    assert!(md.contains("Cargo.lock changed since the baseline"), "{md}");
    assert!(!md.contains("built differently"), "{md}");
}

#[test]
fn baseline_ref_worktree_is_removed_when_its_build_fails() {
    let (_dir, repo) = repo_with("gate-rodata-old");
    // The committed revision does not compile; the working tree does.
    let main = repo.join("src/main.rs");
    let good = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, "fn main() { this does not compile }\n").expect("write");
    git(&repo, &["commit", "-qam", "broken"]);
    std::fs::write(&main, good).expect("write");
    let r = run(&mut gate_at(
        &repo,
        "ref-broken",
        &["--baseline-ref", "HEAD"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);
    // QA w, F12: the last line says whose build failed, with the commit (`git rev-parse`);
    // it read as this tree's, whose `src/main.rs` compiles.
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    let last = r
        .stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        last.ends_with(&format!(
            "(the baseline's build, git:HEAD ({}), in a temporary worktree)",
            &commit.trim()[..12]
        )),
        "{}",
        r.stderr
    );

    let r = run(&mut gate_at(
        &repo,
        "ref-broken",
        &["--baseline-ref", "no-such-rev"],
    ));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`no-such-rev` is not a commit"),
        "{}",
        r.stderr
    );
    // QA cu F8: a tree that is there was told to be fetched; `git cat-file -t` names its kind.
    let tree = format!("{}^{{tree}}", commit.trim());
    let kind = git(&repo, &["cat-file", "-t", &tree]);
    assert_eq!(kind.trim(), "tree");
    let r = run(&mut gate_at(&repo, "ref-tree", &["--baseline-ref", &tree]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("`{tree}` names a tree in")),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("fetch it first"), "{}", r.stderr);
    // QA cv F1: a blob named by path.
    let r = run(&mut gate_at(
        &repo,
        "ref-blob",
        &["--baseline-ref", "HEAD:Cargo.toml"],
    ));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`HEAD:Cargo.toml` names a blob in"),
        "{}",
        r.stderr
    );
    // Outside git: a clear error, before anything is built.
    let (_plain, dir) = copy_of("gate-rodata-old");
    let r = run(&mut gate_at(&dir, "ref-plain", &["--baseline-ref", "HEAD"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs a git repository"), "{}", r.stderr);
    assert!(
        !shared_target_dir().join("gate/ref-plain").exists(),
        "nothing built"
    );
}

/// The bug: `--baseline-ref` printed the warnings of the base revision's configuration (about
/// its checkout in a temporary directory) as if they were this run's. They are the revision's:
/// not shown; this tree's own warnings still are, once.
#[test]
fn baseline_ref_does_not_show_the_base_revisions_config_warnings_as_ours() {
    let (_dir, repo) = copy_of("gate-rodata-old");
    let manifest = repo.join("Cargo.toml");
    let plain = std::fs::read_to_string(&manifest).expect("read");
    let with_deny =
        |name: &str| format!("{plain}\n[package.metadata.aotcheck]\ndeny = [\"{name}\"]\n");
    std::fs::write(&manifest, with_deny("libloadin")).expect("write");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "a misspelt deny"]);
    std::fs::write(&manifest, with_deny("our-own-typo")).expect("write");
    for args in [&[][..], &["--format", "json"]] {
        let mut all = vec!["--baseline-ref", "HEAD"];
        all.extend_from_slice(args);
        let r = run(&mut gate_at(&repo, "ref-warnings", &all));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let both = format!("{}{}", r.stdout, r.stderr);
        assert!(!both.contains("libloadin"), "{args:?}: {both}");
        assert!(!both.contains("aotcheck-baseline-"), "{args:?}: {both}");
        let ours = both.matches("`deny` names `our-own-typo`").count();
        let expected = if args.is_empty() { 1 } else { 2 };
        assert_eq!(ours, expected, "{args:?}: {both}");
    }
}

/// Ctrl-C while `--baseline-ref` builds the old revision: the build (and its build script)
/// stops, the temporary worktree goes, and the existing baseline file is left as it was.
#[test]
fn interrupt_during_baseline_ref_removes_the_worktree_and_keeps_the_baseline() {
    let (_dir, repo) = copy_of("gate-rodata-old");
    // A build script that stalls only inside the temporary worktree of the old revision.
    std::fs::write(
        repo.join("build.rs"),
        "fn main() {\n    let dir = std::env::var(\"CARGO_MANIFEST_DIR\").unwrap_or_default();\n    \
         if dir.contains(\"aotcheck-baseline-\") {\n        \
         std::thread::sleep(std::time::Duration::from_secs(300));\n    }\n}\n",
    )
    .expect("write build.rs");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "fixture"]);
    let saved = repo.join("saved.json");
    std::fs::write(&saved, b"the previous baseline").expect("write");

    let mut cmd = gate_at(
        &repo,
        "ref-interrupt",
        &["--baseline-ref", "HEAD", "--save-baseline"],
    );
    let child = cmd
        .arg(&saved)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stalled = || {
        !pids_where(|exe, dir| {
            exe.to_string_lossy().contains("build-script-build")
                && std::fs::read_to_string(dir.join("environ"))
                    .is_ok_and(|env| env.contains("aotcheck-baseline-"))
        })
        .is_empty()
    };
    interrupt_when(child, stalled);
    assert_eq!(
        git(&repo, &["worktree", "list"]).lines().count(),
        1,
        "worktree left"
    );
    assert_eq!(
        std::fs::read(&saved).expect("read"),
        b"the previous baseline"
    );
    assert!(!stalled(), "the stalled build script was left running");
}

/// QA h, D1: the base revision was probed minutes after this tree's binaries, so a change of
/// the machine's load read as a startup regression. The two builds' binaries now run round by
/// round: each run of this tree's binary is followed by one of the base's (the binaries
/// append their mark to a log, in the order they ran).
#[test]
fn baseline_ref_probes_both_revisions_round_by_round() {
    let (dir, repo) = repo_with("gate-order");
    let main = repo.join("src/main.rs");
    let text = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, text.replace("\"base\"", "\"head\"")).expect("write");
    let log = dir.path().join("order.log");
    let r = order_probed(&repo, "ref-order", &log, &["--baseline-ref", "HEAD"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_round_by_round(&log);
    // Both revisions have their figures, and the gate compared them.
    let v = parse(&r);
    let startup = checks(&v)
        .into_iter()
        .find(|c| c["id"] == "baseline.startup")
        .unwrap_or_else(|| panic!("no baseline.startup check in {v}"));
    assert!(startup["baseline"].as_f64().is_some(), "{startup}");
    let head = &v["artifacts"][0]["probe"]["startup_ms"]["median"];
    assert_eq!(startup["value"].as_f64(), head.as_f64(), "{startup}");
}

/// `gate-order` (a copy at `repo`) with `ORDER_LOG` set to `log`: each run appends its mark
/// (`base`, or `head` once changed); 4 counted runs, no warmup, in `gate/TARGET`.
pub(super) fn order_probed(repo: &Path, target: &str, log: &Path, args: &[&str]) -> Run {
    let env = format!("ORDER_LOG={}", log.display());
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(repo.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir().join("gate").join(target))
        .args(["--locked", "-q", "--format", "json"])
        .args(["--warmup", "0", "--runs", "4", "--probe-env", &env])
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    run(&mut cmd)
}

/// The marks in `log` come in 4 rounds, each with `head` and `base` back to back, the order
/// turned each round (`head` first in the first; the first of a round runs slower, QA t, B1).
/// A round may start a binary more than once (its memory is read in a run of its own): the
/// runs of one binary in a round are together.
pub(super) fn assert_round_by_round(log: &Path) {
    let order = std::fs::read_to_string(log).expect("the order log");
    let marks: Vec<&str> = order.lines().collect();
    let heads = marks.iter().filter(|m| **m == "head").count();
    assert_eq!(heads * 2, marks.len(), "as many runs of each:\n{order}");
    assert_eq!(marks.len() % 4, 0, "not 4 rounds alike:\n{order}");
    for (k, round) in marks.chunks(marks.len() / 4).enumerate() {
        let mut turns = round.to_vec();
        turns.dedup();
        let want = if k % 2 == 0 {
            ["head", "base"]
        } else {
            ["base", "head"]
        };
        assert_eq!(turns, want, "round {k} not in turn:\n{order}");
    }
}

//! A baseline saved inside a package whose build script declares no `rerun-if-changed` is
//! said to make the next build a rebuild (QA dg F5: broot's 2m19s fat-LTO relink after each
//! save, with no word). Checked against cargo's own `Compiling` line on the next run.

use std::path::Path;

use crate::util::*;

/// A copy of fixture `audit-hostpaths` (its build script prints no `rerun-if-*`), and a run of
/// the tool on it, status lines on, with `args`: its stderr.
fn run_in(dir: &Path, args: &[&str]) -> String {
    let mut cmd = aotcheck();
    cmd.current_dir(dir.join("pkg"))
        .args([
            "aotcheck",
            "--no-probe",
            "--warn-only",
            "--locked",
            "--target-dir",
        ])
        .arg(dir.join("target"))
        .args(args);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stderr
}

#[test]
fn a_baseline_saved_in_a_package_that_reruns_its_build_script_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(pkg.join("src")).expect("mkdir");
    let src = fixture("audit-hostpaths");
    for f in ["Cargo.toml", "Cargo.lock", "build.rs", "src/main.rs"] {
        std::fs::copy(src.join(f), pkg.join(f)).expect("copy");
    }
    let said = "the baseline is inside `audit-hostpaths`";
    // Saved outside the package: nothing to say.
    let outside = dir.path().join("base.json");
    let err = run_in(
        dir.path(),
        &["--save-baseline", outside.to_str().expect("utf-8")],
    );
    assert!(!err.contains(said), "{err}");
    // Nothing changed: cargo builds nothing.
    let err = run_in(dir.path(), &[]);
    assert!(!err.contains("Compiling audit-hostpaths"), "{err}");
    // At the default path, beside the manifest: said, and cargo's next build is a rebuild.
    let err = run_in(dir.path(), &["--save-baseline"]);
    assert!(pkg.join("aotcheck-baseline.json").is_file());
    assert!(
        words(&err).contains(&format!(
            "{said} ({}), whose build script declares no `rerun-if-changed`",
            pkg.display()
        )),
        "{err}"
    );
    assert!(
        words(&err).contains("(and after the file is moved or removed, once more)"),
        "{err}"
    );
    let err = run_in(dir.path(), &[]);
    assert!(err.contains("Compiling audit-hostpaths"), "{err}");
    // QA dh F7: and once more when the file goes, as the warning says.
    std::fs::remove_file(pkg.join("aotcheck-baseline.json")).expect("remove");
    let err = run_in(dir.path(), &[]);
    assert!(err.contains("Compiling audit-hostpaths"), "{err}");
}

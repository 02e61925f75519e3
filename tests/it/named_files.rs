//! The files the user names (`--baseline`, `--config-file`; `--save-baseline` and `--output`
//! in `output.rs`), named in an error as what they are.

use crate::util::{check_fixture, run};

/// QA h: `--baseline /nonexistent.json` said `cannot read /nonexistent.json: ...`, and an
/// unwritable `--save-baseline` or `--output` the same `cannot write`: each says which file it
/// is. The system's reason is the one `std::fs` gives for the same path. Before any build (the
/// `broken` fixture does not compile).
#[test]
fn qa_h_the_files_the_user_names_are_named_as_what_they_are() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nonexistent.json");
    let reason = |p: &std::path::Path| {
        std::fs::read(p)
            .map(|_| ())
            .expect_err("unreadable")
            .to_string()
    };
    let error = |args: &[&std::ffi::OsStr]| {
        let r = run(check_fixture("broken", &[]).args(args));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!r.stderr.contains("mismatched types"), "built first");
        let lines = r.error_lines();
        assert_eq!(lines.len(), 1, "{}", r.stderr);
        lines[0].to_string()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    assert_eq!(
        error(&[&os("--baseline"), missing.as_os_str()]),
        format!(
            "error: cannot read the baseline `{}`: {}",
            missing.display(),
            reason(&missing)
        )
    );
    assert_eq!(
        error(&[&os("--baseline"), dir.path().as_os_str()]),
        format!(
            "error: cannot read the baseline `{}`: {}",
            dir.path().display(),
            reason(dir.path())
        )
    );
    // A config file that is not UTF-8 cannot be read as TOML text.
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"# caf\xe9\n").expect("write");
    let text_error = std::fs::read_to_string(&latin1)
        .expect_err("not UTF-8")
        .to_string();
    assert_eq!(
        error(&[&os("--config-file"), latin1.as_os_str()]),
        format!(
            "error: cannot read the config file `{}`: {text_error}",
            latin1.display()
        )
    );
    assert_eq!(
        error(&[&os("--config-file"), dir.path().as_os_str()]),
        format!(
            "error: config file `{}` is not a file",
            dir.path().display()
        )
    );
}

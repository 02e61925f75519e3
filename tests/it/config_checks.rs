//! The configuration checked against the workspace: crate names in `allow` and `deny` against
//! the dependency graph.

use serde_json::Value;

use crate::util::{check_fixture, fixture, human_fixture, run};

/// `check_fixture(name)` with `--config-file` holding `config`; the run's exit code, its JSON
/// report and its stderr.
fn check_with_config(name: &str, config: &str) -> (i32, Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(&file, config).expect("write the config");
    let r = run(check_fixture(name, &[]).arg("--config-file").arg(&file));
    let report = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", r.stderr));
    (r.code, report, r.stderr)
}

/// The report's warnings that are about the configuration file (they name it).
fn config_warnings(report: &Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("aotcheck.toml"))
        .map(str::to_string)
        .collect()
}

/// Whether the fixture's own lock file has a package of this name: the source the suggestion is
/// checked against.
fn locked(fixture_name: &str, package: &str) -> bool {
    let lock = std::fs::read_to_string(fixture(fixture_name).join("Cargo.lock")).expect("lock");
    lock.lines().any(|l| l == format!("name = \"{package}\""))
}

#[test]
fn a_misspelt_crate_in_deny_or_allow_is_a_warning_naming_the_key_and_the_real_crate() {
    let (code, report, stderr) = check_with_config(
        "audit-libloading",
        "deny = [\"libloadng\"]\n\
         allow = [{ rule = \"AOT001\", crate = \"libloding\", reason = \"plugins\" }]\n",
    );
    assert!(locked("audit-libloading", "libloading"));
    assert!(!locked("audit-libloading", "libloadng"));
    let warnings = config_warnings(&report);
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    let deny: Vec<_> = warnings.iter().filter(|w| w.contains("`deny`")).collect();
    let allow: Vec<_> = warnings.iter().filter(|w| w.contains("`allow`")).collect();
    assert_eq!((deny.len(), allow.len()), (1, 1), "{warnings:#?}");
    assert!(deny[0].contains("`libloadng`"), "{}", deny[0]);
    assert!(allow[0].contains("`libloding`"), "{}", allow[0]);
    assert!(allow[0].contains("AOT001"), "{}", allow[0]);
    for w in &warnings {
        assert!(w.contains("did you mean `libloading`?"), "{w}");
        // Also on stderr, as the run's other warnings are.
        assert!(stderr.contains(&format!("warning: {w}")), "{stderr}");
    }
    // A warning, not a failure: the misspelt allowance allows nothing, so the AOT001 finding
    // stands and fails the gate (exit 1), as it would without the allowance.
    assert_eq!(code, 1, "{stderr}");
    let findings = report["artifacts"][0]["findings"]
        .as_array()
        .expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "AOT001" && f["allowed"] == false),
        "{findings:#?}"
    );
}

#[test]
fn crate_names_in_the_graph_give_no_warning() {
    assert!(locked("audit-libloading", "cfg-if"));
    let (_, report, stderr) = check_with_config(
        "audit-libloading",
        "deny = [\"cfg-if\"]\n\
         allow = [{ rule = \"AOT001\", crate = \"libloading\", reason = \"plugins\" },\n\
                  { rule = \"AOT000\", crate = \"cfg-if\", reason = \"a test\" }]\n",
    );
    assert_eq!(config_warnings(&report), Vec::<String>::new(), "{stderr}");
    assert!(!stderr.contains("dependency graph"), "{stderr}");
}

/// The members of the `twin-names` workspace, as its manifest lists them (the source the
/// selection is checked against).
fn twin_members() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(fixture("twin-names").join("Cargo.toml")).expect("manifest");
    let line = manifest
        .lines()
        .find(|l| l.starts_with("members"))
        .expect("members");
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `-p` took only exact names, while cargo takes globs (`-p 'grep-*'`): a glob now selects the
/// members whose names it matches, and only those are built.
#[test]
fn a_package_glob_selects_exactly_the_matching_members() {
    let members = twin_members();
    assert_eq!(members, ["alpha", "beta"]);
    for (glob, wanted) in [("al*", "alpha"), ("?et[a-c]", "beta")] {
        // Exit 0 or 1 (alpha's binary has an error finding, AOT004): the selection is what
        // counts here.
        let r = run(&mut check_fixture("twin-names", &["-p", glob]));
        assert!(matches!(r.code, 0 | 1), "{glob}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("JSON");
        let packages: Vec<&str> = report["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .filter_map(|a| a["package"].as_str())
            .collect();
        assert_eq!(packages, [wanted], "{glob}");
        // The binary reported is the one built on disk, whole.
        let path = report["artifacts"][0]["path"].as_str().expect("path");
        let len = std::fs::metadata(path).expect("the binary").len();
        assert_eq!(report["artifacts"][0]["binary"]["file_size"], len, "{glob}");
    }
}

/// A glob that matches no member, and a name spelt nearly right (QA ch F3: `-p zoxdie` named
/// the members and no near one, where cargo says which is close): exit 2, one line each.
#[test]
fn a_package_that_matches_no_member_is_exit_2_naming_the_members() {
    let members = twin_members().join(", ");
    for (spec, line) in [
        (
            "gamma-*",
            format!(
                "package pattern `gamma-*` matches no member of the workspace (members: {members})"
            ),
        ),
        (
            "aplha",
            format!(
                "package `aplha` is not a member of the workspace (members: {members}); did you \
                 mean `alpha`?"
            ),
        ),
    ] {
        let r = run(&mut check_fixture("twin-names", &["-p", spec]));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(r.error_lines(), [format!("error: {line}")], "{}", r.stderr);
    }
}

/// How many lines of `text` carry the warning about `name` in `deny`.
fn deny_warnings(text: &str, name: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with("warning: ") && l.contains(&format!("`deny` names `{name}`")))
        .count()
}

/// The bug: the human report on stdout ends with the configuration's warnings, and they were
/// printed on stderr at the start too, so a terminal showed each twice. Cargo prints a warning
/// once: with the human report on stdout, only the report has it; a report for another reader
/// (`--output FILE`, JSON) has it and stderr too; a run that stops before its report still says
/// it, on stderr.
#[test]
fn a_config_warning_reaches_the_terminal_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("aotcheck.toml");
    std::fs::write(&config, "deny = [\"libloadng\"]\n").expect("write the config");
    assert!(!locked("audit-libloading", "libloadng"));
    let human = |args: &[&str]| {
        let mut cmd = human_fixture("audit-libloading", &["--no-probe", "--config-file"]);
        cmd.arg(&config).args(args);
        run(&mut cmd)
    };
    // The human report on stdout: once, in the report.
    let r = human(&[]);
    assert_eq!(r.code, 1, "AOT001 fails the gate; {}", r.stderr);
    assert_eq!(deny_warnings(&r.stdout, "libloadng"), 1, "{}", r.stdout);
    assert_eq!(deny_warnings(&r.stderr, "libloadng"), 0, "{}", r.stderr);
    // The human report in a file: in the file, and on stderr for the terminal.
    let file = dir.path().join("report.txt");
    let r = human(&["--output", file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let written = std::fs::read_to_string(&file).expect("the report file");
    assert_eq!(deny_warnings(&written, "libloadng"), 1, "{written}");
    assert_eq!(deny_warnings(&r.stderr, "libloadng"), 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    // JSON on stdout: in the report and on stderr.
    let r = human(&["--format", "json"]);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(config_warnings(&report).len(), 1, "{report:#}");
    assert_eq!(deny_warnings(&r.stderr, "libloadng"), 1, "{}", r.stderr);
    // No report (`--why` matches nothing: exit 2 before it is written): on stderr.
    let r = human(&["--why", "no_such_symbol_anywhere"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(deny_warnings(&r.stderr, "libloadng"), 1, "{}", r.stderr);
}

/// QA df F4: a denied crate that is in the graph only to build (a build script's dependency, a
/// proc-macro) can never fire, and a warning says so, where the deny was silent; the crates'
/// kinds checked against `cargo tree -e normal`, which does not list them.
#[test]
fn a_denied_crate_that_only_builds_is_said_never_to_reach_the_binary() {
    for (name, krate, why) in [
        (
            "audit-libloading-build",
            "libloading",
            "only as a dependency of build scripts or proc-macros, which run while compiling",
        ),
        (
            "audit-ctor",
            "ctor",
            "only as a proc-macro, which runs in the compiler",
        ),
    ] {
        let manifest = fixture(name).join("Cargo.toml");
        let tree = crate::util::tool(
            "cargo",
            &[
                "tree",
                "--locked",
                "-e",
                "normal,no-proc-macro",
                "--prefix",
                "none",
                "--manifest-path",
                manifest.to_str().expect("utf-8"),
            ],
        );
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{krate} "))),
            "{tree}"
        );
        let (code, report, _) = check_with_config(name, &format!("deny = [\"{krate}\"]\n"));
        assert_eq!(code, 0, "{report}");
        let warnings = config_warnings(&report);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].ends_with(&format!(
                "`deny` names `{krate}`, which is in the dependency graph of `{name}` {why}: \
                 it never reaches the binary, so it denies nothing in this run"
            )),
            "{}",
            warnings[0]
        );
        assert!(!report.to_string().contains("AOT000"), "{report}");
    }
}

//! `--hostile` says whether the `nss-module` run looked a host name up (QA ce F2: rustscan given
//! `-a 127.0.0.1` resolves nothing, given `example.com` it loads two mDNS modules, and both
//! read `nss-module ok` alike). Checked against `strace` of the same binary and arguments.

use serde_json::Value;

use crate::hostile::{require_privilege, run_named, runs_of};
use crate::util::*;

/// The files `binary` opened, run by hand with `args` under strace.
fn straced(binary: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("opens");
    let log_arg = log.display().to_string();
    let mut all = vec!["-f", "-e", "trace=open,openat", "-o", &log_arg, binary];
    all.extend(args);
    tool("strace", &all);
    std::fs::read_to_string(&log).expect("strace log")
}

/// `fixture` checked with `args` (`--hostile` among them): the JSON report.
fn hostile_report(fixture: &str, args: &[&str]) -> Value {
    let r = run(&mut check_fixture(fixture, args));
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", r.stderr))
}

/// The evidence lines of [`traced_lines`], each saying that the traced run did not test the
/// lookup; at least one.
fn untested_lines(v: &Value) -> Vec<String> {
    let lines = traced_lines(v);
    assert!(!lines.is_empty(), "no line in {v}");
    for l in &lines {
        assert!(
            l.starts_with("not tested: run once more under `nss-module`"),
            "{l}"
        );
    }
    lines
}

/// The AOT004 findings' evidence lines that say what the traced run found.
fn traced_lines(v: &Value) -> Vec<String> {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .filter(|a| a["link_mode"] == "static")
        .flat_map(|a| a["findings"].as_array().expect("findings").clone())
        .filter(|f| f["rule"] == "AOT004")
        .flat_map(|f| f["evidence"].as_array().expect("evidence").clone())
        .filter_map(|e| e.as_str().map(str::to_string))
        .filter(|e| e.contains("run once more under `nss-module`, traced"))
        .collect()
}

#[test]
fn privileged_the_nss_module_run_says_whether_a_host_name_was_looked_up() {
    require_privilege();
    // Without an argument the fixture resolves `localhost`: glibc reads `/etc/hosts`.
    let v = hostile_report("audit-lookup", &["--hostile"]);
    let runs = runs_of(&v, "audit-lookup");
    let nss = run_named(&runs, "nss-module");
    let opened: Vec<&str> = nss["nss_opened"]
        .as_array()
        .unwrap_or_else(|| panic!("not traced: {nss}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(opened.contains(&"/etc/hosts"), "{opened:?}");
    let binary = str_of(artifact(&v, "static"), "path");
    assert!(
        straced(binary, &[]).contains("\"/etc/hosts\""),
        "strace: no /etc/hosts"
    );
    let lines = traced_lines(&v);
    assert!(!lines.is_empty(), "no line in {v}");
    for l in &lines {
        assert!(
            l.starts_with("looked up: run once more under `nss-module`"),
            "{l}"
        );
        assert!(l.contains("`/etc/hosts`"), "{l}");
        assert!(
            l.ends_with("it looked a host name up there, and the run passed"),
            "{l}"
        );
    }

    // Given an address, it parses it and looks nothing up: the runs did not test the lookup.
    let v = hostile_report("audit-lookup", &["--hostile", "--probe-arg", "127.0.0.1"]);
    let nss = run_named(&runs_of(&v, "audit-lookup"), "nss-module").clone();
    let opened = nss["nss_opened"].as_array().expect("traced").clone();
    assert!(!opened.iter().any(|p| p == "/etc/hosts"), "{opened:?}");
    assert!(!straced(binary, &["127.0.0.1"]).contains("\"/etc/hosts\""));
    for l in &untested_lines(&v) {
        assert!(
            l.contains("with `127.0.0.1`, the program looked no host name up through glibc"),
            "{l}"
        );
    }
}

/// QA cn F2: procs's `getpwuid_r` opened `/etc/nsswitch.conf` and `/etc/passwd` in the traced
/// run, and its host lookup's finding said it read them "itself, not through glibc: a resolver
/// of its own". audit-nss-other (hosts-both) looks its user up (nix) and a host only when given
/// one: the line names glibc's lookups in `passwd`, as strace shows the same files.
#[test]
fn privileged_a_user_lookup_is_not_called_a_resolver_of_its_own() {
    require_privilege();
    // Apart: audit/nss_other.rs builds the fixture with other features meanwhile.
    let r = run(&mut check_fixture_apart(
        "audit-nss-other",
        "hostile-lookups",
        &["--hostile", "--features", "hosts-both"],
    ));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", r.stderr));
    let binary = str_of(artifact(&v, "static"), "path");
    let opens = straced(binary, &[]);
    assert!(opens.contains("\"/etc/passwd\""), "strace: no /etc/passwd");
    assert!(!opens.contains("\"/etc/hosts\""), "strace: /etc/hosts");
    for l in &untested_lines(&v) {
        assert!(
            l.contains("`/etc/passwd`") && l.contains("for glibc's lookups in `passwd`"),
            "{l}"
        );
        assert!(!l.contains("a resolver of its own"), "{l}");
    }
}

//! Unit tests of config parsing, layering and errors.

use std::time::Duration;

use super::*;
use crate::options::Ready;
use crate::plan::GlibcVersion;
use serde_json::json;

#[test]
fn sizes_and_durations() {
    assert_eq!(parse_size_str("12 MiB"), Ok(12 * 1024 * 1024));
    assert_eq!(parse_size_str("800 kB"), Ok(800_000));
    assert_eq!(parse_size_str("4096"), Ok(4096));
    assert_eq!(parse_size_str("1.5MiB"), Ok(1_572_864));
    assert!(
        parse_size_str("12 parsecs")
            .unwrap_err()
            .contains("parsecs")
    );
    assert!(parse_size_str("MiB").is_err());
    assert_eq!(parse_duration("15ms"), Ok(Duration::from_millis(15)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_duration("500us"), Ok(Duration::from_micros(500)));
    assert!(parse_duration("15").is_err());
    let glibc = |s: &str| GlibcVersion::parse(s).map(|v| v.parts);
    assert_eq!(glibc("2.28"), Some(vec![2, 28]));
    assert_eq!(glibc("GLIBC_2.28"), Some(vec![2, 28]));
    assert_eq!(glibc("two"), None);
    assert_eq!(glibc("2"), None);
}

fn load(ws: serde_json::Value, pkg: serde_json::Value) -> Result<Config> {
    let m = Path::new("/w/Cargo.toml");
    Config::load(
        &ws,
        m,
        &[("app", &pkg, Path::new("/w/app/Cargo.toml"))],
        None,
    )
}

#[test]
fn layers_apply_workspace_then_package_then_bin() {
    let c = load(
        json!({"aotcheck": {"max_file_size": "10 MiB", "runs": 5, "deny": ["a"]}}),
        json!({"aotcheck": {
            "max_file_size": "8 MiB",
            "deny": ["b"],
            "allow": [{"rule": "AOT004", "crate": "users", "reason": "reads $USER only"}],
            "bin": {"server": {"max_file_size": 1000, "ready": "tcp"}}
        }}),
    )
    .expect("valid");
    let s = c.for_bin("app", "server");
    assert_eq!(s.budgets.max_file_size, Some(1000));
    assert_eq!(s.probe.ready, Some(Ready::Tcp(None)));
    assert_eq!(s.probe.runs, Some(5));
    assert_eq!(s.audit.deny, vec!["a", "b"]);
    assert_eq!(s.audit.allow.len(), 1);
    let other = c.for_bin("app", "cli");
    assert_eq!(other.budgets.max_file_size, Some(8 * 1024 * 1024));
    assert_eq!(other.probe.ready, None);
    let elsewhere = c.for_bin("lib", "x");
    assert_eq!(elsewhere.budgets.max_file_size, Some(10 * 1024 * 1024));
}

#[test]
fn errors_name_the_key_and_the_file() {
    let e = load(json!({}), json!({"aotcheck": {"max_size": 1}}))
        .expect_err("unknown key")
        .to_string();
    assert!(
        e.contains("/w/app/Cargo.toml") && e.contains("max_size"),
        "{e}"
    );
    let e = load(
        json!({}),
        json!({"aotcheck": {"bin": {"s": {"max_rss": "12 parsecs"}}}}),
    )
    .expect_err("bad unit")
    .to_string();
    assert!(
        e.contains("max_rss") && e.contains("parsecs") && e.contains("bin.s"),
        "{e}"
    );
    let e = load(
        json!({}),
        json!({"aotcheck": {"allow": [{"rule": "AOT001", "reason": " "}]}}),
    )
    .expect_err("empty reason")
    .to_string();
    assert!(e.contains("reason"), "{e}");
    let e = load(
        json!({}),
        json!({"aotcheck": {"allow": [{"rule": "AOT04", "reason": "typo"}]}}),
    )
    .expect_err("unknown rule")
    .to_string();
    assert!(e.contains("AOT04") && e.contains("AOT010"), "{e}");
    let e = load(
        json!({}),
        json!({"aotcheck": {"severity": {"AOT999": "note"}}}),
    )
    .expect_err("unknown rule")
    .to_string();
    assert!(e.contains("severity.AOT999"), "{e}");
    let e = load(json!({"aotcheck": {"max_glibc": "new"}}), json!({}))
        .expect_err("bad glibc")
        .to_string();
    assert!(
        e.contains("/w/Cargo.toml") && e.contains("max_glibc"),
        "{e}"
    );
}

#[test]
fn config_file_overrides_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("aotcheck.toml");
    std::fs::write(
        &f,
        "max_rss = \"20 MiB\"\n[thresholds]\nsize_fail = \"2%\"\n",
    )
    .expect("write");
    let pkg = json!({"aotcheck": {"max_rss": "30 MiB"}});
    let c = Config::load(
        &json!({}),
        Path::new("/w/Cargo.toml"),
        &[("app", &pkg, Path::new("/w/Cargo.toml"))],
        Some(&f),
    )
    .expect("valid");
    let s = c.for_bin("app", "app");
    assert_eq!(s.budgets.max_rss, Some(20 * 1024 * 1024));
    assert!((s.thresholds.size_fail - 0.02).abs() < 1e-12);
    std::fs::write(&f, "[thresholds]\nsize_fail = 5\n").expect("write");
    let e = Config::load(&json!({}), Path::new("/w/Cargo.toml"), &[], Some(&f))
        .expect_err("5 is not 5%")
        .to_string();
    assert!(
        e.contains("thresholds.size_fail") && e.contains("\"5%\""),
        "{e}"
    );
    std::fs::write(&f, "[thresholds]\nsize_fial = 1\n").expect("write");
    let e = Config::load(&json!({}), Path::new("/w/Cargo.toml"), &[], Some(&f))
        .expect_err("typo")
        .to_string();
    assert!(
        e.contains("aotcheck.toml") && e.contains("size_fial"),
        "{e}"
    );
}

/// A `bin.NAME` table for no binary target is an error naming the key and the file: of the
/// package for its own table, of any package for the config file's.
#[test]
fn a_bin_table_for_no_binary_is_an_error() {
    let c = load(
        json!({}),
        json!({"aotcheck": {"bin": {"server": {"runs": 3}}}}),
    )
    .expect("valid");
    assert!(c.check_bin_tables(&[("app", "server")]).is_ok());
    let e = c
        .check_bin_tables(&[("app", "serve"), ("other", "server")])
        .expect_err("no binary `server` in app")
        .to_string();
    assert!(e.contains("/w/app/Cargo.toml"), "{e}");
    // In full, as the table's other errors (QA dh F4).
    assert!(
        e.contains("`package.metadata.aotcheck.bin.server`: "),
        "{e}"
    );
    assert!(e.contains("serve"), "{e}");
    let f = Config::from_file_text("[bin.nope]\nruns = 2\n", Path::new("/w/aotcheck.toml"))
        .expect("valid");
    assert!(f.check_bin_tables(&[("app", "nope")]).is_ok());
    let e = f
        .check_bin_tables(&[("app", "server")])
        .expect_err("no binary `nope`")
        .to_string();
    assert!(
        e.contains("/w/aotcheck.toml") && e.contains("`bin.nope`: "),
        "{e}"
    );
}

/// A warning threshold above the failing one (in one table) is an error naming both.
#[test]
fn size_warn_above_size_fail_is_an_error() {
    let f = |t: &str| Config::from_file_text(t, Path::new("/w/aotcheck.toml"));
    let e = f("[thresholds]\nsize_warn = \"150%\"\nsize_fail = \"5%\"\n")
        .expect_err("warn above fail")
        .to_string();
    assert!(
        e.contains("thresholds.size_warn") && e.contains("size_fail"),
        "{e}"
    );
    assert!(f("[thresholds]\nsize_warn = \"2%\"\nsize_fail = \"5%\"\n").is_ok());
}

/// A probe timeout under 1 ms is refused on the command line and in the configuration alike
/// (`1ns` counted 1.1 ms runs as ready while the traced run of the same binary timed out).
#[test]
fn a_probe_timeout_under_a_millisecond_is_refused() {
    assert_eq!(parse_probe_timeout("1ms"), Ok(Duration::from_millis(1)));
    assert_eq!(parse_probe_timeout("2s"), Ok(Duration::from_secs(2)));
    // QA dl F3: `0` was told it needs a unit (and `0ms` refused then), `-1s` that 0 will do.
    for bad in ["0s", "1ns", "999us", "0", "0.0", "-1s", "-5"] {
        let e = parse_probe_timeout(bad).expect_err(bad);
        assert!(e.contains(" 1ms") && e.contains(bad), "{e}");
    }
    assert!(parse_probe_timeout("10").is_err());
    let e = load(json!({}), json!({"aotcheck": {"probe_timeout": "0s"}}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("probe_timeout") && e.contains("under 1ms"),
        "{e}"
    );
    // QA do F7: as on the command line, `"0"` and `"-1s"` are told the floor.
    for bad in ["0", "-1s"] {
        let e = load(json!({}), json!({"aotcheck": {"probe_timeout": bad}}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("at least 1ms") || e.contains("under 1ms"),
            "{bad}: {e}"
        );
    }
    assert!(load(json!({}), json!({"aotcheck": {"probe_timeout": "250ms"}})).is_ok());
}

/// QA f: the unknown-key error listed `bin` inside `bin.NAME` and in
/// `[workspace.metadata.aotcheck]`, where `bin` is then refused; it lists only the keys valid
/// at that place (and `bin` where it is one).
#[test]
fn unknown_key_error_lists_only_the_keys_valid_there() {
    let err = |ws: serde_json::Value, pkg: serde_json::Value| {
        load(ws, pkg).expect_err("unknown key").to_string()
    };
    let in_bin = err(
        json!({}),
        json!({"aotcheck": {"bin": {"s": {"rady": "tcp"}}}}),
    );
    let in_ws = err(json!({"aotcheck": {"rady": "tcp"}}), json!({}));
    let in_pkg = err(json!({}), json!({"aotcheck": {"rady": "tcp"}}));
    let file = Config::from_file_text("[bin.s]\nrady = \"tcp\"\n", Path::new("/w/a.toml"))
        .expect_err("unknown key")
        .to_string();
    for e in [&in_bin, &in_ws, &in_pkg, &file] {
        assert!(e.contains("unknown field `rady`"), "{e}");
        assert!(
            e.contains("`ready`") && e.contains("`max_file_size`"),
            "{e}"
        );
    }
    for e in [&in_bin, &in_ws, &file] {
        assert!(!e.contains("`bin`"), "{e}");
    }
    assert!(in_pkg.contains("`bin`"), "{in_pkg}");
    // In a code span, as other configuration errors name their key (QA da F9).
    assert!(
        in_bin.contains("`package.metadata.aotcheck.bin.s."),
        "{in_bin}"
    );
    assert!(file.contains("bin.s"), "{file}");
    // The key meant, where one is spelt nearly so (QA aq F7: `maxfilesize`).
    for e in [&in_bin, &in_ws, &in_pkg, &file] {
        assert!(
            e.contains("unknown field `rady` (did you mean `ready`?)"),
            "{e}"
        );
    }
    let far = Config::from_file_text("maxfilesize = 1\nzzzzzz = 2\n", Path::new("/w/b.toml"))
        .expect_err("unknown key")
        .to_string();
    assert!(
        far.contains("unknown field `maxfilesize` (did you mean `max_file_size`?)"),
        "{far}"
    );
    let none = Config::from_file_text("zzzzzz = 2\n", Path::new("/w/c.toml"))
        .expect_err("unknown key")
        .to_string();
    assert!(!none.contains("did you mean"), "{none}");
}

/// QA f#6: `"1.5"` and `"1.5 B"` were rounded to 2 B while the number 1.5 was refused, and
/// `kb`/`KB`/`mb` were accepted while `mib` was refused with a list that named none of them.
/// One rule: units in any case, exactly those the error lists; bytes are whole.
#[test]
fn size_units_are_one_rule_and_the_error_lists_them() {
    for (text, bytes) in [
        ("10 kB", 10_000),
        ("10 kb", 10_000),
        ("10 KB", 10_000),
        ("10 mb", 10_000_000),
        ("10 Mb", 10_000_000),
        ("10 mib", 10 << 20),
        ("10 MIB", 10 << 20),
        ("10KiB", 10 << 10),
        ("2 gib", 2 << 30),
        ("1 GB", 1_000_000_000),
        ("4096", 4096),
        ("4096 B", 4096),
        ("4096 b", 4096),
        ("1.0 B", 1),
        ("1.5 kB", 1500),
        ("1.5MiB", 1_572_864),
        // QA cv F6: TiB as budgets are printed, TB beside it.
        ("1 TiB", 1 << 40),
        ("16777215 TiB", 16_777_215 << 40),
        ("2 tb", 2_000_000_000_000),
    ] {
        assert_eq!(parse_size_str(text), Ok(bytes), "{text}");
    }
    for text in ["1.5", "1.5 B", "0.5b"] {
        let e = parse_size_str(text).expect_err(text);
        assert!(e.contains("whole number"), "{text}: {e}");
    }
    for text in [
        "10 K",
        "10 M",
        "10 Mi",
        "10 bytes",
        "10 kilobytes",
        "10 kbit",
        "1 PiB",
    ] {
        let e = parse_size_str(text).expect_err(text);
        assert!(
            e.contains("use B, kB, KiB, MB, MiB, GB, GiB, TB or TiB, in any case"),
            "{text}: {e}"
        );
    }
    // The number 1.5 is refused in the config as the string is.
    let e = load(json!({}), json!({"aotcheck": {"max_file_size": "1.5 B"}}))
        .expect_err("fractional bytes")
        .to_string();
    assert!(
        e.contains("max_file_size") && e.contains("whole number"),
        "{e}"
    );
    // A negative one is said to be negative (QA l: "-5 bytes: ... must be a whole number").
    let e = load(json!({}), json!({"aotcheck": {"max_file_size": -5}}))
        .expect_err("negative bytes")
        .to_string();
    assert!(
        e.contains("max_file_size") && e.contains("-5 bytes: a size cannot be negative"),
        "{e}"
    );
}

/// QA f: duration errors said "use ns, us, ms, s or min" while `1m` and `1 sec` were taken.
/// Every unit the parser takes is in the message, and nothing else is taken.
#[test]
fn duration_units_are_those_the_error_lists() {
    for (text, d) in [
        ("5ns", Duration::from_nanos(5)),
        ("5us", Duration::from_micros(5)),
        ("5µs", Duration::from_micros(5)),
        ("5ms", Duration::from_millis(5)),
        ("5s", Duration::from_secs(5)),
        ("5 sec", Duration::from_secs(5)),
        ("1m", Duration::from_secs(60)),
        ("1 min", Duration::from_secs(60)),
    ] {
        assert_eq!(parse_duration(text), Ok(d), "{text}");
    }
    for text in ["5 MS", "5 secs", "5 h", "5 mins", "5 seconds"] {
        let e = parse_duration(text).expect_err(text);
        assert!(
            e.contains("(ns, us or µs, ms, s or sec, m or min)"),
            "{text}: {e}"
        );
    }
}

/// The probe keys as README's configuration section shows them: each reaches the probe's
/// settings of that binary.
#[test]
fn probe_keys_as_the_readme_documents_them() {
    let text = "[bin.server]\nready = \"tcp\"\n\
                probe_args = [\"--listen\", \"127.0.0.1:{port}\"]\n\
                probe_env = { RUST_LOG = \"warn\" }\nruns = 10\nwarmup = 2\n\
                probe_timeout = \"5s\"\ngrace = \"1m\"\n";
    let c = Config::from_file_text(text, Path::new("/w/a.toml")).expect("valid");
    let p = c.for_bin("app", "server").probe;
    assert_eq!(p.ready, Some(Ready::Tcp(None)));
    assert_eq!(
        p.args,
        Some(vec!["--listen".to_string(), "127.0.0.1:{port}".to_string()])
    );
    assert_eq!(p.env, Some(vec![("RUST_LOG".into(), "warn".into())]));
    assert_eq!((p.runs, p.warmup), (Some(10), Some(2)));
    assert_eq!(p.timeout, Some(Duration::from_secs(5)));
    assert_eq!(p.grace, Some(Duration::from_secs(60)));
    assert_eq!(c.for_bin("app", "other").probe.ready, None);
}

/// QA df F3: every error names its key as serde's do, in full, with the entry of a list:
/// `package.metadata.aotcheck.allow[1].rule`, not `allow`.
#[test]
fn errors_name_the_key_in_full_with_the_entry() {
    let pkg = |v: serde_json::Value| load(json!({}), json!({ "aotcheck": v })).expect_err("bad");
    let ok = json!({"rule": "AOT004", "crate": "uzers", "reason": "x"});
    let cases = [
        (
            json!({"allow": [ok.clone(), {"rule": "AOT044", "reason": "x"}]}),
            "`package.metadata.aotcheck.allow[1].rule`: `AOT044`: not a rule id",
        ),
        (
            json!({"allow": [{"rule": "AOT004", "reason": " "}]}),
            "`package.metadata.aotcheck.allow[0].reason`: allowing AOT004 needs a non-empty",
        ),
        (
            json!({"allow": [ok.clone(), {"rule": "AOT004"}]}),
            "`package.metadata.aotcheck.allow[1]`: missing field `reason`",
        ),
        (
            json!({"bin": {"s": {"ready": "tcpp"}}}),
            "`package.metadata.aotcheck.bin.s.ready`: ",
        ),
        (
            json!({"severity": {"AOT099": "note"}}),
            "`package.metadata.aotcheck.severity.AOT099`: `AOT099`: not a rule id",
        ),
    ];
    for (table, said) in cases {
        let e = pkg(table).to_string();
        assert!(e.contains(said), "{e}");
    }
    let ws = load(json!({"aotcheck": {"runs": 0}}), json!({}))
        .expect_err("bad")
        .to_string();
    assert!(
        ws.contains("`workspace.metadata.aotcheck.runs`: must be"),
        "{ws}"
    );
    // A config file's keys are its own, in code spans too.
    let file = |text: &str| {
        Config::from_file_text(text, Path::new("/w/a.toml"))
            .expect_err("bad")
            .to_string()
    };
    let e = file("allow = [{ rule = \"AOT044\", reason = \"x\" }]\n");
    assert!(e.contains("`allow[0].rule`: `AOT044`"), "{e}");
    let e = file("allow = [{ rule = \"AOT004\" }]\n");
    assert!(
        e.contains("`allow[0]`: ") && e.contains("missing field `reason`"),
        "{e}"
    );
}

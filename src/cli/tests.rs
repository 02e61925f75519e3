//! Parsing tests: cargo's conventions, validation and merging of the flags.

use super::*;
use crate::options::{LinkChoice, Ready};

fn p(args: &[&str]) -> Result<Options, clap::Error> {
    parse(args.iter().map(OsString::from))
}

#[test]
fn cargo_style_and_direct_invocations_agree() {
    let a = p(&["cargo-aotcheck", "aotcheck", "--bin", "x", "-F", "a,b c"]).expect("parse");
    let b = p(&["cargo-aotcheck", "--bin", "x", "--features", "a,b c"]).expect("parse");
    assert_eq!(a, b);
    let Command::Check(o) = a.command else {
        panic!("expected check")
    };
    assert_eq!(o.features, vec!["a", "b", "c"]);
    assert_eq!(o.profile, "release");
    assert_eq!(o.link, LinkChoice::Static);
}

/// QA f#4: cargo's `--exclude`, `--bins`, `-vv`, `-j/--jobs` and `--release` were refused
/// under "Build options (as cargo's)".
#[test]
fn cargo_build_flags_parse_as_cargo_parses_them() {
    let check = |args: &[&str]| match p(args).map(|o| o.command) {
        Ok(Command::Check(b)) => b,
        other => panic!("{args:?}: {other:?}"),
    };
    let b = check(&["x", "--workspace", "--exclude", "a", "--exclude", "b*"]);
    assert!(b.workspace);
    assert_eq!(b.exclude, ["a", "b*"]);
    // Cargo: "--exclude can only be used together with --workspace".
    let e = p(&["x", "--exclude", "a"]).expect_err("no --workspace");
    assert!(e.to_string().contains("--workspace"), "{e}");
    let b = check(&["x", "--bins", "--bin", "y"]);
    assert!(b.all_bins);
    assert_eq!(b.bins, ["y"]);
    assert_eq!(check(&["x", "-j", "3"]).jobs, Some(3));
    assert_eq!(check(&["x", "--jobs", "1"]).jobs, Some(1));
    assert!(p(&["x", "-j", "0"]).is_err());
    // `--release` is the default profile; with `--profile`, refused as cargo refuses it.
    assert_eq!(check(&["x", "--release"]).profile, "release");
    assert_eq!(check(&["x", "-r"]).profile, "release");
    assert_eq!(check(&["x", "--profile", "dev"]).profile, "dev");
    for profile in ["dev", "release"] {
        let e = p(&["x", "--release", "--profile", profile]).expect_err("conflict");
        assert!(
            e.to_string().contains(
                "the argument '--release' cannot be used with '--profile <PROFILE-NAME>'"
            ),
            "{e}"
        );
    }
    let verbosity = |args: &[&str]| p(args).expect("parse").verbosity;
    assert_eq!(verbosity(&["x"]), Verbosity::Normal);
    assert_eq!(verbosity(&["x", "-v"]), Verbosity::Verbose);
    assert_eq!(verbosity(&["x", "-vv"]), Verbosity::VeryVerbose);
    assert_eq!(verbosity(&["x", "-v", "--verbose"]), Verbosity::VeryVerbose);
    assert_eq!(verbosity(&["x", "-vvv"]).cargo_verbose(), 2);
    assert!(p(&["x", "-vv", "-q"]).is_err());
    assert_eq!(
        verbosity(&["x", "inspect", "f", "-vv"]),
        Verbosity::VeryVerbose
    );
}

#[test]
fn compare_and_link_modes() {
    let o = p(&["x", "--compare"]).expect("parse");
    assert!(matches!(o.command, Command::Check(ref b) if b.link == LinkChoice::Compare));
    let o = p(&["x", "--link", "dynamic"]).expect("parse");
    assert!(matches!(o.command, Command::Check(ref b) if b.link == LinkChoice::Dynamic));
    assert!(p(&["x", "--link", "dynamic", "--compare"]).is_err());
    assert!(p(&["x", "--link", "shared"]).is_err());
}

#[test]
fn inspect_needs_files_and_takes_global_flags() {
    assert!(p(&["x", "inspect"]).is_err());
    let o = p(&["x", "inspect", "/bin/ls", "--format", "json"]).expect("parse");
    assert_eq!(o.format, Format::Json);
    assert!(matches!(o.command, Command::Inspect { ref files, .. } if files.len() == 1));
    assert_eq!(o.output, None);
    let o = p(&[
        "x", "--output", "r.html", "inspect", "/bin/ls", "--format", "html",
    ])
    .expect("parse");
    assert_eq!(o.format, Format::Html);
    assert_eq!(o.output.as_deref(), Some(std::path::Path::new("r.html")));
    assert_eq!(o.size.crate_symbols, Some(SymbolMap::PAGE));
    let o = p(&["x", "--format", "markdown", "--output", "pr.md"]).expect("parse");
    assert_eq!(o.format, Format::Markdown);
    assert_eq!(o.output.as_deref(), Some(std::path::Path::new("pr.md")));
    assert!(p(&["x", "--output"]).is_err());
    // `-o`, as a user of most tools types it (QA ad: "unexpected argument '-o'").
    let o = p(&["x", "inspect", "f", "--format", "html", "-o", "page.html"]).expect("parse");
    assert_eq!(o.output.as_deref(), Some(std::path::Path::new("page.html")));
}

#[test]
fn global_flags_work_before_a_subcommand_but_build_flags_do_not() {
    let o = p(&["x", "-q", "--format", "json", "inspect", "/bin/ls"]).expect("parse");
    assert_eq!(o.verbosity, Verbosity::Quiet);
    assert!(p(&["x", "--bin", "y", "inspect", "/bin/ls"]).is_err());
}

#[test]
fn probe_flags_parse_validate_and_merge() {
    let Command::Check(o) = p(&[
        "x",
        "--ready",
        "http:8080/health#204",
        "--runs",
        "5",
        "--probe-timeout",
        "500ms",
        "--grace",
        "1.5s",
        "--probe-arg",
        "--flag",
        "--probe-arg",
        "a b",
        "--probe-env",
        "K=v=w",
    ])
    .expect("parse")
    .command
    else {
        panic!("expected check")
    };
    let pr = &o.probe;
    assert_eq!(
        pr.ready,
        Some(Ready::Http {
            port: Some(8080),
            path: "/health".into(),
            status: Some(204)
        })
    );
    assert_eq!(pr.runs, Some(5));
    assert_eq!(pr.timeout, Some(std::time::Duration::from_millis(500)));
    assert_eq!(pr.grace, Some(std::time::Duration::from_millis(1500)));
    let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(pr.args, strings(&["--flag", "a b"]));
    assert_eq!(pr.env, Some(vec![("K".to_string(), "v=w".to_string())]));
    let resolved = crate::config::probe_settings(pr.clone()).expect("probed");
    assert_eq!(resolved.warmup, 3, "default");
    for bad in [
        &["x", "--ready", "line:("][..],
        &["x", "--ready", "tcp:0"],
        &["x", "--ready", "udp"],
        &["x", "--ready", "http:/x#999"],
        &["x", "--runs", "0"],
        &["x", "--probe-timeout", "10"],
        &["x", "--probe-timeout", "1ns"],
        &["x", "--probe-timeout", "0s"],
        &["x", "--probe-env", "NOEQUALS"],
        &["x", "--no-probe", "--runs", "3"],
    ] {
        assert!(p(bad).is_err(), "{bad:?}");
    }
    let Command::Check(o) = p(&["x", "--no-probe"]).expect("parse").command else {
        panic!("expected check")
    };
    assert_eq!(crate::config::probe_settings(o.probe), None);
    // The command line wins over a config; what it leaves unset comes from the config.
    let config = ProbeOptions {
        runs: Some(9),
        warmup: Some(1),
        args: strings(&["cfg"]),
        ..ProbeOptions::default()
    };
    let merged = pr.clone().or(config.clone());
    assert_eq!((merged.runs, merged.warmup), (Some(5), Some(1)));
    assert_eq!(merged.args, strings(&["--flag", "a b"]));
    // Arguments the command line leaves out come whole from the config.
    assert_eq!(ProbeOptions::default().or(config).args, strings(&["cfg"]));
    assert_eq!(
        Ready::parse("tcp").map(|r| r.to_string()).as_deref(),
        Ok("tcp")
    );
    assert_eq!(
        Ready::parse("http:/a#200")
            .map(|r| r.to_string())
            .as_deref(),
        Ok("http/a#200")
    );
}

#[test]
fn hostile_is_on_off_or_left_to_the_config() {
    let hostile = |args: &[&str]| match p(args).expect("parse").command {
        Command::Check(b) => b.hostile,
        _ => panic!("expected check"),
    };
    assert_eq!(hostile(&["x"]), None);
    assert_eq!(hostile(&["x", "--hostile"]), Some(true));
    assert_eq!(hostile(&["x", "--no-hostile"]), Some(false));
    assert!(p(&["x", "--hostile", "--no-hostile"]).is_err());
}

#[test]
fn frozen_implies_locked_and_offline() {
    let Command::Check(o) = p(&["x", "--frozen"]).expect("parse").command else {
        panic!("expected check")
    };
    assert!(o.locked && o.offline);
}

#[test]
fn gate_flags() {
    let o = p(&["x", "--save-baseline"]).expect("parse");
    assert_eq!(o.gate.save_baseline, Some(None));
    let o = p(&[
        "x",
        "--save-baseline",
        "b.json",
        "--warn-only",
        "--format",
        "markdown",
    ])
    .expect("parse");
    assert_eq!(o.gate.save_baseline, Some(Some(PathBuf::from("b.json"))));
    assert!(o.gate.warn_only);
    assert_eq!(o.format, Format::Markdown);
    let o = p(&["x", "--baseline-ref", "origin/main"]).expect("parse");
    assert_eq!(o.gate.baseline_ref.as_deref(), Some("origin/main"));
    assert!(p(&["x", "--baseline", "a.json", "--baseline-ref", "HEAD"]).is_err());
    assert!(p(&["x", "inspect", "/bin/ls", "--baseline", "a.json"]).is_err());
}

#[test]
fn image_takes_an_optional_directory_and_is_refused_by_inspect() {
    let image = |args: &[&str]| match p(args).expect("parse").command {
        Command::Check(b) => b.image,
        other => panic!("expected check, got {other:?}"),
    };
    assert_eq!(image(&["x"]), None);
    assert_eq!(image(&["x", "--image"]), Some(None));
    assert_eq!(
        image(&["x", "--image", "out"]),
        Some(Some(PathBuf::from("out")))
    );
    let e = p(&["x", "inspect", "/bin/ls", "--image"]).expect_err("inspect");
    assert!(e.to_string().contains("--image writes images"), "{e}");
}

#[test]
fn advise_takes_knobs_jobs_and_build_flags_after_it() {
    let o = p(&[
        "x",
        "--format",
        "json",
        "advise",
        "--knobs",
        "lto=fat,opt-level = \"z\",strip",
        "--knobs",
        "features",
        "-j",
        "2",
        "--profile",
        "release-small",
        "--ready",
        "tcp",
        "--no-default-features",
    ])
    .expect("parse");
    assert_eq!(o.format, Format::Json);
    let Command::Advise(a) = o.command else {
        panic!("expected advise")
    };
    assert_eq!(
        a.knobs,
        ["lto=fat", "opt-level=z", "strip=symbols", "features"]
    );
    assert_eq!(a.jobs, Some(2));
    assert_eq!(a.build.jobs, Some(2));
    assert_eq!(a.build.profile, "release-small");
    assert!(a.build.no_default_features);
    assert_eq!(a.build.probe.ready, Some(Ready::Tcp(None)));
    // The probe counts are left to the advisor's own defaults.
    assert_eq!(a.build.probe.runs, None);
}

#[test]
fn advise_refuses_what_does_not_apply_to_it() {
    // An unknown knob, said with the list of knobs.
    let e = p(&["x", "advise", "--knobs", "lto=medium"]).expect_err("bad knob");
    assert!(e.to_string().contains("lto=thin"), "{e}");
    // One spelt nearly right, said back alone (QA cf F11).
    for (given, meant) in [
        ("lto=fatt", "lto=fat"),
        ("stirp=symbols", "strip=symbols"),
        ("strp", "strip"),
    ] {
        let e = p(&["x", "advise", "--knobs", given]).expect_err("bad knob");
        let e = e.to_string();
        assert!(e.contains(&format!("did you mean `{meant}`?")), "{e}");
        assert!(!e.contains("the knobs are"), "{e}");
    }
    let e = p(&["x", "advise", "--knobs", "lto"]).expect_err("two knobs");
    assert!(
        e.to_string()
            .contains("`lto` is two knobs: lto=thin or lto=fat"),
        "{e}"
    );
    // Build flags before the subcommand would be silently lost.
    assert!(p(&["x", "--profile", "dev", "advise"]).is_err());
    assert!(p(&["x", "--runs", "3", "advise"]).is_err());
    assert!(p(&["x", "--baseline", "b.json", "advise"]).is_err());
    // It builds static binaries and runs no hostile checks.
    assert!(p(&["x", "advise", "--link", "dynamic"]).is_err());
    assert!(p(&["x", "advise", "--hostile"]).is_err());
    assert!(p(&["x", "advise", "-j", "0"]).is_err());
}

/// B5: `advise --image` was offered by `advise --help` and refused as "build and probe
/// options go after `advise`". Each flag advise does not take is named, wherever it is put.
#[test]
fn advise_names_each_flag_it_does_not_take() {
    for flags in [
        &["advise", "--image"][..],
        &["advise", "--image", "/tmp/x"],
        &["--image=/tmp/x", "advise"],
        &["advise", "--why", "std"],
        &["--why", "std", "advise"],
        &["advise", "--filter", "std"],
        &["advise", "--symbols"],
        &["advise", "-n", "3"],
        &["advise", "--crates"],
        &["advise", "--graph"],
        &["--graph", "advise"],
    ] {
        let mut args = vec!["x"];
        args.extend(flags);
        let e = p(&args).expect_err("refused").to_string();
        let flag = flags
            .iter()
            .find_map(|f| f.starts_with('-').then(|| f.split('=').next())?)
            .expect("a flag");
        assert!(
            e.contains(&format!("{flag} does not apply to `advise`")),
            "{args:?}: {e}"
        );
        assert!(!e.contains("go after"), "{args:?}: {e}");
    }
    let e = p(&["x", "advise", "--why", "std", "--crates"]).expect_err("refused");
    assert!(e.to_string().contains("--crates, --why do not"), "{e}");
    // What does apply is still taken, on either side of the refused ones' checks.
    assert!(p(&["x", "advise", "--split-std", "--no-probe"]).is_ok());
    assert!(p(&["x", "--image"]).is_ok());
}

/// `-- ARGS` as `cargo run` takes them: the error says to use `--probe-arg` (QA k).
#[test]
fn program_arguments_after_dashes_point_at_probe_arg() {
    for args in [
        &["x", "--", "--version"][..],
        &["x", "--runs", "3", "--", "serve"],
    ] {
        let e = p(args).expect_err("refused");
        assert_eq!(
            e.kind(),
            clap::error::ErrorKind::InvalidSubcommand,
            "{args:?}"
        );
        let words = e.to_string();
        assert!(words.contains("--probe-arg"), "{args:?}: {words}");
        assert!(
            words.contains(&format!("`{}` after `--`", args[args.len() - 1])),
            "{words}"
        );
    }
}

/// `--ready` and `--probe-timeout` go with `--no-probe` when `--hostile` is given (they set how
/// the hostile runs wait: a server was waited for with `exit` readiness); `--ready` and
/// `--probe-arg` when `--image` is (its entrypoint and port: QA s); otherwise they conflict.
#[test]
fn no_probe_takes_ready_and_timeout_only_with_hostile() {
    let o = p(&[
        "x",
        "--no-probe",
        "--hostile",
        "--ready",
        "tcp",
        "--probe-timeout",
        "2s",
        "--probe-arg",
        "src",
        "--probe-env",
        "K=v",
    ])
    .expect("parse");
    let Command::Check(b) = o.command else {
        panic!("expected check")
    };
    assert_eq!(b.probe.enabled, Some(false));
    assert_eq!(b.probe.ready, Some(Ready::Tcp(None)));
    assert_eq!(b.probe.timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(b.probe.args, Some(vec!["src".to_string()]));
    assert_eq!(b.probe.env, Some(vec![("K".to_string(), "v".to_string())]));
    for args in [
        &["x", "--no-probe", "--ready", "tcp"][..],
        &["x", "--no-probe", "--probe-timeout", "2s"],
        &["x", "--no-probe", "--probe-arg", "src"],
        &["x", "--no-probe", "--probe-env", "K=v"],
        &["x", "advise", "--no-probe", "--probe-arg", "src"],
        &["x", "--no-probe", "--hostile", "--runs", "2"],
        &["x", "advise", "--no-probe", "--ready", "tcp"],
    ] {
        let e = p(args).expect_err("refused");
        assert!(e.to_string().contains("--no-probe"), "{args:?}: {e}");
    }
    let o = p(&[
        "x",
        "--no-probe",
        "--image",
        "--ready",
        "tcp:3000",
        "--probe-arg",
        ".",
    ])
    .expect("parse");
    let Command::Check(b) = o.command else {
        panic!("expected check")
    };
    assert_eq!(b.probe.ready, Some(Ready::Tcp(Some(3000))));
    assert_eq!(b.probe.args, Some(vec![".".to_string()]));
    for (args, flag) in [
        (
            &["x", "--no-probe", "--image", "--probe-timeout", "2s"][..],
            "--probe-timeout",
        ),
        (
            &[
                "x",
                "--no-probe",
                "--image",
                "--ready",
                "tcp",
                "--probe-env",
                "K=v",
            ],
            "--probe-env",
        ),
    ] {
        let e = p(args).expect_err("refused").to_string();
        assert!(
            e.contains(&format!("cannot be used with {flag}:")),
            "{args:?}: {e}"
        );
    }
    let e = p(&["x", "--no-probe", "--probe-arg", "."]).expect_err("refused");
    assert!(
        e.to_string()
            .contains("with --image, --ready and --probe-arg"),
        "{e}"
    );
}

/// QA y, 4a: `--grace -1s` read as the flags `-1` and `-s` ("unexpected argument '-1'"); a
/// negative duration is said to be one.
#[test]
fn a_negative_duration_is_said_to_be_negative() {
    for flag in ["--grace", "--probe-timeout"] {
        let e = p(&["x", flag, "-1s"]).expect_err("negative");
        let e = e.to_string();
        assert!(e.contains("`-1s` is negative"), "{flag}: {e}");
    }
    assert!(p(&["x", "--grace", "0s"]).is_ok());
}

//! Unit tests of the flags' places and their errors: `-j` around the subcommands, a format
//! given as a flag, the usage line of an unknown flag; the size flags' values.

use super::*;

fn p(args: &[&str]) -> Result<Options, clap::Error> {
    parse(args.iter().map(OsString::from))
}

/// QA an F4, QA ao F4: `-j` was refused by `inspect` after its name ("unexpected argument")
/// and before it (a list of build options without `-j`), and before `advise`.
#[test]
fn jobs_go_before_or_after_inspect_and_before_advise() {
    let jobs = |args: &[&str]| match p(args).expect("parse").command {
        Command::Inspect { jobs, .. } => jobs,
        Command::Advise(a) => {
            assert_eq!(a.jobs, a.build.jobs);
            a.jobs
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(jobs(&["x", "inspect", "-j", "1", "f"]), Some(1));
    assert_eq!(jobs(&["x", "-j", "2", "inspect", "f"]), Some(2));
    assert_eq!(jobs(&["x", "inspect", "--jobs", "3", "f"]), Some(3));
    assert_eq!(jobs(&["x", "inspect", "f"]), None);
    assert_eq!(jobs(&["x", "-j", "2", "advise"]), Some(2));
    assert_eq!(jobs(&["x", "advise", "-j", "1"]), Some(1));
    assert!(p(&["x", "inspect", "-j", "0", "f"]).is_err());
    // Other build options still do not apply to `inspect`.
    assert!(p(&["x", "-j", "1", "--bin", "y", "inspect", "f"]).is_err());
}

/// QA an F3: `--html` got clap's tip "a similar argument exists: '--hostile'" and a usage line
/// drawn from the flags given (`Usage: cargo aotcheck --hostile`, after `-j 1 --bogus`:
/// `Usage: cargo aotcheck --jobs <N>`). A format given as a flag points at `--format`; the
/// usage line is the command's.
#[test]
fn a_format_given_as_a_flag_points_at_format_and_the_usage_is_the_commands() {
    for (args, name) in [
        (&["x", "--html", "page.html"][..], "html"),
        (&["x", "--json"], "json"),
        (&["x", "inspect", "f", "--markdown"], "markdown"),
        (&["x", "--html=page.html"], "html"),
    ] {
        let e = p(args).expect_err("no such flag").to_string();
        assert!(e.contains(&format!("`--format {name}`")), "{args:?}: {e}");
        assert!(!e.contains("--hostile"), "{e}");
    }
    // Cargo's flag for JSON points at `--format json` (QA cf F11).
    for args in [
        &["x", "--message-format", "json"][..],
        &["x", "--message-format=json"],
    ] {
        let e = p(args).expect_err("no such flag").to_string();
        assert!(e.contains("`--message-format` is cargo's"), "{args:?}: {e}");
        assert!(
            e.contains("`--format human|json|markdown|html`"),
            "{args:?}: {e}"
        );
    }
    // A probe argument that reads so is no such mistake.
    let e = p(&["x", "--probe-arg", "--json", "--bogus"]).expect_err("no such flag");
    assert!(e.to_string().contains("'--bogus'"), "{e}");
    let e = p(&["x", "-j", "1", "--bogus"]).expect_err("no such flag");
    let e = e.render().to_string();
    assert!(
        e.contains("Usage: cargo aotcheck [OPTIONS] [COMMAND]"),
        "{e}"
    );
    assert!(!e.contains("--jobs <N>"), "{e}");
}

#[test]
fn size_flags() {
    let o = p(&["x", "inspect", "f", "--symbols", "all", "--split-std"]).expect("parse");
    assert_eq!(o.size.symbols, SymbolCount::All);
    assert!(o.size.split_std);
    let o = p(&["x", "inspect", "f", "--symbols"]).expect("parse");
    assert_eq!(o.size.symbols, SymbolCount::All);
    let o = p(&["x", "-n", "3", "--filter", "serde", "--crates"]).expect("parse");
    assert_eq!(o.size.symbols, SymbolCount::Top(3));
    assert_eq!(o.size.filter.as_deref(), Some("serde"));
    assert!(o.all_crates);
    assert_eq!(p(&["x"]).expect("parse").size.symbols, SymbolCount::Top(10));
    assert!(p(&["x", "--symbols", "lots"]).is_err());
    assert!(p(&["x", "-n", "3", "--symbols", "4"]).is_err());
    // `-n` is `--symbols`: `all` too; a number too large says so.
    assert_eq!(
        p(&["x", "inspect", "f", "-n", "all"])
            .expect("parse")
            .size
            .symbols,
        SymbolCount::All
    );
    let e = p(&["x", "--symbols", "99999999999999999999999"]).expect_err("overflow");
    assert!(
        e.to_string().contains("more rows than can be counted"),
        "{e}"
    );
    // An empty `--why` would match every symbol.
    let e = p(&["x", "inspect", "f", "--why", ""]).expect_err("empty");
    assert!(e.to_string().contains("empty"), "{e}");
    assert!(p(&["x", "inspect", "f", "--why", "main"]).is_ok());
    // Nor an empty `--filter`, before the build (QA ar F8).
    let e = p(&["x", "--filter", " "]).expect_err("empty");
    assert!(e.to_string().contains("crate name is empty"), "{e}");
}

#[test]
fn why_on_the_build_and_on_inspect() {
    let o = p(&["x", "--why", "regex"]).expect("parse");
    assert_eq!(o.size.why.as_deref(), Some("regex"));
    let o = p(&["x", "inspect", "f", "--why", "Regex::new$"]).expect("parse");
    assert_eq!(o.size.why.as_deref(), Some("Regex::new$"));
    assert_eq!(p(&["x"]).expect("parse").size.why, None);
    assert!(p(&["x", "--why"]).is_err());
}

/// QA av F7: `--format github` got clap's list of formats and nothing of how GitHub's output
/// is had; another unknown format keeps clap's words and exit code.
#[test]
fn a_github_format_says_how_github_output_is_had() {
    for args in [
        &["x", "--format", "github"][..],
        &["x", "--format=GitHub"],
        &["x", "inspect", "--format", "github", "f"],
    ] {
        let e = p(args).expect_err("refused");
        let said = e.to_string();
        assert!(said.contains("GITHUB_ACTIONS=true"), "{args:?}: {said}");
        assert!(said.contains("`--format markdown`"), "{args:?}: {said}");
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
    }
    let e = p(&["x", "--format", "yaml"]).expect_err("refused");
    assert!(e.to_string().contains("possible values"), "{e}");
    assert!(!e.to_string().contains("GITHUB_ACTIONS"), "{e}");
    // A probe argument that reads so is the program's, not a format.
    assert!(p(&["x", "--probe-arg", "github"]).is_ok());
}

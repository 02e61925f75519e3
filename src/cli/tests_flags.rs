//! Unit tests of the flags' places and their errors: `-j` around the subcommands, a format
//! given as a flag, the usage line of an unknown flag.

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

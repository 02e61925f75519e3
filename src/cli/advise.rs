//! `cargo aotcheck advise`'s own flags: which knobs, how many jobs; the build selection and the
//! probe's readiness as the main command takes them.

use clap::Args;

use super::{BuildArgs, ProbeArgs, SizeArgs, parse_symbols};
use crate::options::{AdviseOptions, BuildOptions, Command, SymbolCount};

pub(super) const HELP: &str = "\
Knobs (--knobs, comma separated; default: all of them and `features`):
  strip=symbols, relocation-model=static, debug=0, panic=abort, codegen-units=1,
  opt-level=s, opt-level=z, lto=thin, lto=fat, features (each enabled feature left out),
  features=NAME (the build without that feature only; repeat for more)

Every variant is a static build like the main command's, in one shared target dir under
<target dir>/aotcheck/advise (kept between runs); settings go through `--config
profile.<name>.<key>=...`. Exit codes: 0 advice given (a variant that fails to build, or
whose binary never gets ready, is reported and left out of the combined one), 2 the base build
failed or its binary never got ready, bad arguments, or an interrupt (finished variants are
still reported).";

#[derive(Debug, Args)]
pub(super) struct AdviseArgs {
    /// The knobs to try, comma separated (see below) [default: all, and `features`]
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = crate::advise::knobs::parse_id)]
    knobs: Vec<String>,

    #[command(flatten)]
    build: BuildArgs,

    #[command(flatten)]
    probe: ProbeArgs,

    /// Refused (see [`options`]). Declared here, hidden, so that the global flags of the
    /// symbol and crate report, which say nothing of variants, stay out of `advise --help`:
    /// clap does not propagate a global flag to a subcommand that has its own.
    #[command(flatten)]
    refused: RefusedArgs,
}

#[derive(Debug, Args)]
struct RefusedArgs {
    #[arg(long, hide = true)]
    crates: bool,
    // The main command's types: clap hands the value up to its flag of the same name.
    #[arg(long, num_args = 0..=1, default_missing_value = "all", value_parser = parse_symbols,
          hide = true)]
    symbols: Option<SymbolCount>,
    #[arg(short = 'n', value_parser = parse_symbols, hide = true)]
    top: Option<SymbolCount>,
    #[arg(long, value_name = "CRATE", hide = true)]
    filter: Option<String>,
    #[arg(long, value_name = "PATTERN", hide = true)]
    why: Option<String>,
    #[arg(long, hide = true)]
    graph: bool,
}

/// The flags `advise` refuses that were given, after `advise` or before it (`size`, `image`:
/// the main command's), as written: they shape the symbol and crate report of one build, or
/// write an image of it, and `advise` makes neither.
pub(super) fn refused(a: &AdviseArgs, size: &SizeArgs, image: bool) -> Result<(), clap::Error> {
    let r = &a.refused;
    let flags: Vec<&str> = [
        (image || a.build.image.is_some(), "--image"),
        (r.crates || size.crates, "--crates"),
        (r.symbols.is_some() || size.symbols.is_some(), "--symbols"),
        (r.top.is_some() || size.top.is_some(), "-n"),
        (r.filter.is_some() || size.filter.is_some(), "--filter"),
        (r.why.is_some() || size.why.is_some(), "--why"),
        (r.graph || size.graph, "--graph"),
    ]
    .into_iter()
    .filter_map(|(set, flag)| set.then_some(flag))
    .collect();
    let them = match flags.as_slice() {
        [] => return Ok(()),
        [one] => format!("{one} does"),
        many => format!("{} do", many.join(", ")),
    };
    Err(clap::Error::raw(
        clap::error::ErrorKind::ArgumentConflict,
        format!(
            "{them} not apply to `advise`: it measures variants of the build (sizes, start-up, \
             memory); the symbol and crate report, --why and --image are the main command's \
             (`cargo aotcheck`)\n"
        ),
    ))
}

/// `advise`'s own flags; the link mode and hostile runs are not its business.
pub(super) fn options(a: AdviseArgs) -> Result<Command, clap::Error> {
    if a.build.link.is_some() || a.build.compare || a.build.hostile || a.build.no_hostile {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "`advise` builds static binaries and runs no hostile checks: --link, --compare, \
             --hostile and --no-hostile do not apply to it\n",
        ));
    }
    a.probe.check(false, false)?;
    let probe = a.probe.into();
    let build = BuildOptions {
        probe,
        ..a.build.into()
    };
    Ok(Command::Advise(AdviseOptions {
        // `-j` is a build option like cargo's; every variant's build gets it.
        jobs: build.jobs,
        build,
        knobs: a.knobs,
    }))
}

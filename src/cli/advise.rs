//! `cargo aotcheck advise`'s own flags: which knobs, how many jobs; the build selection and the
//! probe's readiness as the main command takes them.

use clap::Args;

use super::{BuildArgs, ProbeArgs};
use crate::options::{AdviseOptions, BuildOptions, Command};

pub(super) const HELP: &str = "\
Knobs (--knobs, comma separated; default: all of them and `features`):
  strip=symbols, relocation-model=static, debug=0, panic=abort, codegen-units=1,
  opt-level=s, opt-level=z, lto=thin, lto=fat, features (each default feature left out)

Every variant is a static build like the main command's, in one shared target dir under
<target dir>/aotcheck/advise (kept between runs); settings go through `--config
profile.<name>.<key>=...`. Exit codes: 0 advice given (a variant that fails to build is
reported), 2 the base build failed, bad arguments, or an interrupt (finished variants are
still reported).";

#[derive(Debug, Args)]
pub(super) struct AdviseArgs {
    /// The knobs to try, comma separated (see below) [default: all, and `features`]
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = crate::advise::knobs::parse_id)]
    knobs: Vec<String>,

    /// Parallel jobs of each cargo build [default: cargo's]
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,

    #[command(flatten)]
    build: BuildArgs,

    #[command(flatten)]
    probe: ProbeArgs,
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
    let probe = a.probe.into();
    Ok(Command::Advise(AdviseOptions {
        build: BuildOptions {
            probe,
            ..a.build.into()
        },
        knobs: a.knobs,
        jobs: a.jobs,
    }))
}

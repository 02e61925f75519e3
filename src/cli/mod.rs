//! Command-line parsing (clap derive). Clap's types stop here: [`parse`] returns [`Options`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::options::{
    BuildOptions, ColorChoice, Command, Format, GateOptions, Options, ProbeOptions, SizeOptions,
    SymbolCount, SymbolMap, Verbosity,
};

const EXIT_CODES: &str = "\
Exit codes:
  0  the run succeeded and no check failed
  1  a check failed: a budget, a regression against the baseline, an error finding of the
     audit, or a crash reproduced by --hostile (an `allow` of the finding waives both), a
     crash in a probe run, or a static build that never got ready where its dynamic build
     did (--warn-only: 0)
  2  the tool could not do its job: bad arguments or config, failed build, unreadable or
     malformed binary or baseline, missing prerequisite, a probed binary with no run that got
     ready (but as above), or an interrupt";

/// `inspect` runs no check, so it never fails one (QA al F6: its help listed budgets, the
/// baseline and `--hostile`).
const INSPECT_EXIT_CODES: &str = "\
Exit codes:
  0  every file was inspected
  2  the tool could not do its job: bad arguments, a path missing, unreadable or not a binary
     (every other file is still reported), --why or --filter matching nothing, or an interrupt";

/// The heading of the flags that shape the report, whatever the command.
const OUTPUT: &str = "Output";

#[derive(Debug, Parser)]
#[command(
    name = "cargo",
    bin_name = "cargo",
    version,
    propagate_version = true,
    max_term_width = 100
)]
enum CargoCli {
    Aotcheck(AotcheckArgs),
}

/// Build a Rust project as a static binary and report what it really is and costs.
///
/// With no subcommand, builds every binary target of the selected packages as a static
/// executable (glibc `+crt-static`, or musl's default) in its own target directory and
/// inspects it: linkage, sizes, sections, glibc floor and the deployable closure.
#[derive(Debug, Args)]
// The usage is the command's, not one drawn from the flags given before an unknown one (QA an
// F3: `--bogus` after `-j 1` said "Usage: cargo aotcheck --jobs <N>").
#[command(version, after_help = EXIT_CODES, override_usage = "cargo aotcheck [OPTIONS] [COMMAND]")]
struct AotcheckArgs {
    #[command(subcommand)]
    command: Option<Sub>,

    #[command(flatten)]
    build: BuildArgs,

    #[command(flatten)]
    size: SizeArgs,

    #[command(flatten)]
    probe: ProbeArgs,

    /// Output format of the report (markdown: for a pull-request comment; html: one
    /// self-contained page with charts and a treemap of the bytes)
    #[arg(long, value_enum, default_value_t = FormatArg::Human, global = true, help_heading = OUTPUT)]
    format: FormatArg,

    /// Write the report to FILE instead of stdout (atomically: the whole report or no change)
    #[arg(short = 'o', long, value_name = "FILE", global = true, help_heading = OUTPUT)]
    output: Option<PathBuf>,

    /// Coloring: auto, always, never [default: $CARGO_TERM_COLOR, else auto; NO_COLOR honoured]
    #[arg(long, value_enum, value_name = "WHEN", global = true, help_heading = OUTPUT)]
    color: Option<ColorArg>,

    /// Use verbose output (-vv very verbose: the cargo commands run, with their environment); -v
    /// also lists every section
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = OUTPUT,
          conflicts_with = "quiet")]
    verbose: u8,

    /// Do not print cargo's or our progress messages
    #[arg(short, long, global = true, help_heading = OUTPUT)]
    quiet: bool,

    #[command(flatten)]
    gate: GateArgs,
}

// Parsed once per process: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Sub {
    /// Inspect binaries that already exist (no cargo project needed)
    #[command(after_help = INSPECT_EXIT_CODES)]
    Inspect {
        /// ELF, PE or Mach-O files, or directories to search for them
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Inspect at most N files at once, and each on one thread [default: the CPUs]
        #[arg(short = 'j', long = "jobs", value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// The `--target-dir` the binaries were built with: where the analysis link of a
        /// stripped copy is looked for
        #[arg(long = "target-dir", value_name = "DIR")]
        target_dir: Option<PathBuf>,
        /// Refused (see [`parse`]). Declared here, hidden, so that the global `--image` stays
        /// out of `inspect --help`: clap does not propagate a global flag to a subcommand that
        /// has its own.
        #[arg(long, value_name = "DIR", num_args = 0..=1, hide = true)]
        image: Option<Option<PathBuf>>,
    },
    /// Explain a rule of the dependency audit (e.g. AOT004), or list all rules
    Explain {
        #[arg(value_name = "RULE")]
        rule: Option<String>,
    },
    /// Build variants of the profile (LTO, codegen units, opt-level, panic, strip, debug info,
    /// relocation model) and without each feature it enables; tell what each saves and costs
    #[command(
        after_help = advise::HELP,
        mut_arg("runs", |a| a.help(format!(
            "Counted probe runs per variant [default: {}]",
            crate::advise::DEFAULT_RUNS
        ))),
        mut_arg("warmup", |a| a.help("Probe runs per variant before the counted ones [default: 1]")),
        mut_arg("link", |a| a.hide(true)),
        mut_arg("compare", |a| a.hide(true)),
        mut_arg("hostile", |a| a.hide(true)),
        mut_arg("no_hostile", |a| a.hide(true)),
        mut_arg("image", |a| a.hide(true)),
        mut_arg("no_probe", |a| a.help("Do not start the variants' binaries: sizes only")),
    )]
    Advise(advise::AdviseArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Release gate (budgets from [package.metadata.aotcheck])")]
struct GateArgs {
    /// Compare with a report saved by --save-baseline
    #[arg(long, value_name = "FILE", conflicts_with = "baseline_ref")]
    baseline: Option<PathBuf>,

    /// Compare with this git revision, built in a temporary worktree (e.g. origin/main)
    #[arg(long, value_name = "REV")]
    baseline_ref: Option<String>,

    /// Save this run's report as a baseline [default: aotcheck-baseline.json beside the
    /// workspace manifest]
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    save_baseline: Option<Option<PathBuf>>,

    /// Report failed checks but exit 0
    #[arg(long)]
    warn_only: bool,
}

impl From<GateArgs> for GateOptions {
    fn from(a: GateArgs) -> Self {
        GateOptions {
            baseline: a.baseline,
            baseline_ref: a.baseline_ref,
            save_baseline: a.save_baseline,
            warn_only: a.warn_only,
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Where the bytes go")]
struct SizeArgs {
    /// List every crate in the human report, not only the 10 largest (JSON has all)
    #[arg(long, global = true)]
    crates: bool,

    /// Symbol rows to report: the N largest, or `all` (every byte of the file, fallback labels
    /// included) [default: 10; without a value: all]
    #[arg(long, value_name = "N|all", num_args = 0..=1, default_missing_value = "all",
          value_parser = parse_symbols, global = true, allow_negative_numbers = true)]
    symbols: Option<SymbolCount>,

    /// Number of top symbols to report, or `all` (as --symbols)
    #[arg(
        short = 'n',
        value_name = "N|all",
        global = true,
        conflicts_with = "symbols",
        value_parser = parse_symbols,
        allow_negative_numbers = true
    )]
    top: Option<SymbolCount>,

    /// Report only the rows of this crate: its symbols and its bytes without a symbol
    #[arg(long, value_name = "CRATE", global = true, value_parser = a_crate)]
    filter: Option<String>,

    /// Keep std, core, alloc and the sysroot's other crates apart (default: folded into std)
    #[arg(long, global = true)]
    split_std: bool,

    /// Why is it in the binary: the shortest chain of references from a root to a crate's
    /// entry symbols, or to each symbol whose name (or a regular expression) matches; one a
    /// run (`A|B` for two symbols); `inspect --why PATTERN BINARY` asks a built binary again
    /// without a build
    #[arg(long, value_name = "PATTERN", global = true, value_parser = non_empty)]
    why: Option<String>,

    /// `inspect`: build the reference graph of a binary with no Rust symbol too (a C or C++
    /// program, a stripped binary), for its reachable bytes and retained sizes; the main
    /// command's builds always have one
    #[arg(long, global = true)]
    graph: bool,
}

fn parse_symbols(v: &str) -> Result<SymbolCount, String> {
    if v == "all" {
        return Ok(SymbolCount::All);
    }
    // Taken as a value, not a flag (QA aj, F8: "unexpected argument '-3' found").
    if v.starts_with('-') && v[1..].parse::<u64>().is_ok() {
        return Err(format!(
            "`{v}` is negative: give a number of rows, or `all`"
        ));
    }
    v.parse()
        .map(SymbolCount::Top)
        .map_err(|e: std::num::ParseIntError| {
            use std::num::IntErrorKind::PosOverflow;
            if *e.kind() == PosOverflow {
                format!("`{v}` is more rows than can be counted; `all` gives every row")
            } else {
                format!("expected a number or `all`, got `{v}`")
            }
        })
}

/// `--why ''` would match every symbol: a pattern must say something.
fn non_empty(v: &str) -> Result<String, String> {
    if v.trim().is_empty() {
        Err("the pattern is empty (a crate name, a symbol's name or a regular expression)".into())
    } else {
        Ok(v.to_string())
    }
}

/// `--filter ''` names no crate: refused before the build, as `--why ''` is (QA ar F8).
fn a_crate(v: &str) -> Result<String, String> {
    if v.trim().is_empty() {
        Err("the crate name is empty".into())
    } else {
        Ok(v.to_string())
    }
}

impl From<&SizeArgs> for SizeOptions {
    fn from(a: &SizeArgs) -> Self {
        SizeOptions {
            symbols: a.symbols.or(a.top).unwrap_or_default(),
            filter: a.filter.clone(),
            split_std: a.split_std,
            crate_symbols: None,
            why: a.why.clone(),
            graph: a.graph,
            target_dir: None,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn color_from_env(var: Option<String>) -> ColorChoice {
    match var.as_deref() {
        Some("always") => ColorChoice::Always,
        Some("never") => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

/// Parse the command line. Accepts both `cargo-aotcheck aotcheck ARGS` (as cargo runs us) and
/// `cargo-aotcheck ARGS` (run directly).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Options, clap::Error> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_none_or(|a| a != "aotcheck") {
        args.insert(1.min(args.len()), OsString::from("aotcheck"));
    }
    let CargoCli::Aotcheck(a) =
        CargoCli::try_parse_from(&args).map_err(|e| hints::after_dashes(e, &args))?;
    let build: BuildOptions = a.build.into();
    let mut target_dir = build.target_dir.clone();
    let gate: GateOptions = a.gate.into();
    let command = match a.command {
        Some(Sub::Inspect {
            files,
            image,
            jobs,
            target_dir: after,
        }) => {
            target_dir = after.or(target_dir);
            existing_dir(target_dir.as_ref())?;
            inspect(files, jobs, image.is_some(), &build)?
        }
        Some(Sub::Explain { rule }) => Command::Explain { rule },
        Some(Sub::Advise(args)) => advise_command(args, &a.size, a.probe, &build, &gate)?,
        None => {
            a.probe
                .check(build.hostile == Some(true), build.image.is_some())?;
            Command::Check(BuildOptions {
                probe: a.probe.into(),
                ..build
            })
        }
    };
    let color = match a.color {
        Some(ColorArg::Always) => ColorChoice::Always,
        Some(ColorArg::Never) => ColorChoice::Never,
        Some(ColorArg::Auto) => ColorChoice::Auto,
        None => color_from_env(std::env::var("CARGO_TERM_COLOR").ok()),
    };
    let format = match a.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
    };
    let mut size = SizeOptions::from(&a.size);
    if matches!(command, Command::Inspect { .. }) {
        size.target_dir = target_dir;
    }
    // The page's treemap draws each crate's largest symbols; a baseline keeps them, and a
    // comparison reads them, to name what in a crate grew (QA da F6).
    let compared = gate.baseline.is_some() || gate.baseline_ref.is_some();
    if format == Format::Html || compared || gate.save_baseline.is_some() {
        size.crate_symbols = Some(SymbolMap::PAGE);
    }
    Ok(Options {
        command,
        format,
        output: a.output,
        color,
        verbosity: match (a.quiet, a.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::VeryVerbose,
        },
        gate,
        size,
        all_crates: a.size.crates,
    })
}

/// `inspect --target-dir`: the folder must be there.
fn existing_dir(target_dir: Option<&PathBuf>) -> Result<(), clap::Error> {
    // Where the builds' analysis links are looked for: a folder that is not there would find
    // none, with no word of it (QA ct F4).
    if let Some(d) = target_dir.filter(|d| !d.is_dir()) {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!(
                "inspect --target-dir: `{}` is not a directory (give the build's \
                 --target-dir, the folder that holds its `static/` or `dynamic/`)\n",
                d.display()
            ),
        ));
    }
    Ok(())
}

/// `advise`: its own options, with `-j` from before the subcommand and the main command's
/// flags refused.
fn advise_command(
    args: advise::AdviseArgs,
    size: &SizeArgs,
    probe: ProbeArgs,
    build: &BuildOptions,
    gate: &GateOptions,
) -> Result<Command, clap::Error> {
    // Named before the general refusal below: `--image` is global, so it is set here too, and
    // "goes after `advise`" would be wrong for it.
    advise::refused(&args, size, build.image.is_some())?;
    let probe = ProbeOptions::from(probe);
    only_after_advise(build, &probe, gate)?;
    // `-j` before the subcommand, as cargo's own global flags go (QA ao F4).
    let mut advise = advise::options(args)?;
    if let Command::Advise(o) = &mut advise
        && o.jobs.is_none()
    {
        o.jobs = build.jobs;
        o.build.jobs = build.jobs;
    }
    Ok(advise)
}

/// `inspect FILES`: global flags (-q, --format) apply to it, and `-j` before or after its name;
/// the other build flags and `--image` do not.
fn inspect(
    files: Vec<PathBuf>,
    jobs: Option<u32>,
    image: bool,
    build: &BuildOptions,
) -> Result<Command, clap::Error> {
    let CargoCli::Aotcheck(plain) = CargoCli::try_parse_from(["cargo", "aotcheck"])?;
    let jobs = jobs.or(build.jobs);
    // `--target-dir` says where the main command's builds are: their analysis links.
    let build = &BuildOptions {
        jobs: None,
        target_dir: None,
        ..build.clone()
    };
    if build.image.is_some() || image {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "--image writes images of the binaries this run builds; `inspect` reads \
             files that already exist (build them with `cargo aotcheck --image`)\n",
        ));
    }
    if *build != BuildOptions::from(plain.build) {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "build options (--manifest-path, --bin, --profile, ...) do not apply to \
             `inspect`, which reads files that already exist\n",
        ));
    }
    Ok(Command::Inspect { files, jobs })
}

/// `advise` takes its build and probe options after its name (`-j` before it too); gate options
/// not at all.
fn only_after_advise(
    build: &BuildOptions,
    probe: &ProbeOptions,
    gate: &GateOptions,
) -> Result<(), clap::Error> {
    let CargoCli::Aotcheck(plain) = CargoCli::try_parse_from(["cargo", "aotcheck"])?;
    // `-j` may go before it, as cargo's own `-j` goes before `cargo build`'s other flags.
    let build = &BuildOptions {
        jobs: None,
        ..build.clone()
    };
    let before = *build != BuildOptions::from(plain.build)
        || *probe != ProbeOptions::default()
        || *gate != GateOptions::default();
    if before {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "build and probe options go after `advise` (`cargo aotcheck advise \
             --profile x`); gate options do not apply to it\n",
        ));
    }
    Ok(())
}

/// The `--help` text, for documentation and its snapshot test.
pub fn help() -> String {
    use clap::CommandFactory;
    let mut cmd = CargoCli::command();
    cmd.find_subcommand_mut("aotcheck")
        .map(|c| {
            let mut c = c.clone().bin_name("cargo aotcheck").term_width(100);
            c.render_long_help().to_string()
        })
        .unwrap_or_default()
}

mod advise;
mod build;
mod hints;
mod probe;

use build::BuildArgs;
use probe::ProbeArgs;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_flags;

//! cargo-aotcheck: build a Rust project as a static binary and tell what it really is and costs.
//!
//! The library is a pipeline of stages that take and return plain data (see `STYLE.md`); none
//! prints, all output goes through one [`output::Output`]. [`run`] dispatches the command,
//! [`check`] runs the stages in a row:
//!
//! ```text
//! options ─▶ plan ─▶ compile ─▶ inspect ─▶ graph (attribute) ─▶ audit ─▶ probe ─▶ hostile ─▶ image ─▶ gate ─▶ render
//! ```
//!
//! Modules, one line each:
//! - `cli`: clap's parse, converted into the library's own [`options`]; nothing else sees clap.
//! - `options`: what the user asked for (build selection, formats, partial probe options).
//! - `config`: `[package.metadata.aotcheck]` and `--config-file`, typed at load, then
//!   `config::resolve` lays the command line over them into the [`plan`].
//! - `plan`: the resolved run: toolchain, workspace, target dirs, and per binary its probe
//!   settings, hostile runs, audit policy, budgets and thresholds.
//! - `toolchain`: the cargo and rustc that build, what they say about the target.
//! - `workspace`: `cargo metadata`, the packages and binary targets selected.
//! - `compile`: `cargo build` of one link mode; artifacts from cargo's JSON messages.
//! - `inspect`: binary facts (goblin): format, linkage, sections, glibc floor, closure.
//! - `attribute`: every byte of a binary to a symbol and a crate.
//! - `graph`: the reference graph: retained sizes, `--why` chains, crates for bytes without
//!   a symbol (it runs the attribution's byte map).
//! - `audit`: rules (a catalogue, as data) over the crates that reach each binary.
//! - `probe`: startup time and memory over repeated runs.
//! - `hostile`: static binaries under conditions that expose static-glibc hazards.
//! - `image`: `--image`: an OCI image of each binary, and a start inside it (what it can
//!   refuse without the binaries, it refuses before the build: `image::preflight`).
//! - `gate`: budgets, the baseline comparison and the run's verdict.
//! - `advise`: `cargo aotcheck advise`, variants of the profile and the features, measured.
//! - `report`: the one data model every stage fills and every renderer reads (also the
//!   baseline file).
//! - `render`: human, JSON, Markdown, HTML and GitHub Actions output; layout only.
//! - `format`, `stats`, `diagnostics`: leaves shared by stages and renderers (how figures are
//!   written; medians and intervals; the error line of cargo's output).
//! - `output`, `progress`, `interrupt`, `error`, `threads`: writer, progress, Ctrl-C, errors, `-j`.

pub mod advise;
pub mod attribute;
pub mod audit;
pub mod cli;
pub mod compile;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod format;
pub mod gate;
pub mod graph;
pub mod heap;
pub mod hostile;
pub mod image;
pub mod inspect;
pub mod interrupt;
pub mod options;
pub mod output;
pub mod plan;
pub mod probe;
pub mod profile;
pub mod progress;
pub mod render;
pub mod report;
pub mod rustflags;
pub mod spelling;
pub mod stats;
pub mod threads;
pub mod toolchain;
pub mod workspace;

use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};
use crate::options::{BuildOptions, Command, Format, Options, Verbosity};
use crate::output::Output;
use crate::plan::{BuildUi, Plan};
use crate::report::Report;

/// How a run that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed (or only warned).
    Passed,
    /// A gate failed: the release should not go out as it is.
    GateFailed,
}

/// The exit-code contract, decided here and nowhere else:
/// 0 passed, 1 a gate failed, 2 the tool could not do its job.
pub fn exit_code(result: &Result<Outcome>) -> u8 {
    match result {
        Ok(Outcome::Passed) => 0,
        Ok(Outcome::GateFailed) => 1,
        Err(_) => 2,
    }
}

pub fn run(opts: &Options, out: &mut Output) -> Result<Outcome> {
    output::check_paths(opts)?;
    inspect::outputs::check(opts)?;
    threads::limit(opts.jobs());
    let mut held = Vec::new();
    let result = dispatch(opts, &mut held, out);
    // Configuration warnings kept back for a report that was not written: shown after all.
    if result.is_err() {
        show_held(&held, out);
    }
    result
}

/// The command, with the configuration's warnings `held` back for the report when it shows
/// them ([`echo_config_warnings`]); emptied once the report is written.
fn dispatch(opts: &Options, held: &mut Vec<String>, out: &mut Output) -> Result<Outcome> {
    let mut report = match &opts.command {
        Command::Inspect { files, .. } => inspect_files(files, &opts.size, out)?,
        Command::Check(build) => {
            let baseline = gate::Baseline::open(&opts.gate, build)?;
            let echo = echo_config_warnings(opts, held);
            let keep = opts.gate.save_baseline.is_some();
            check(build, &baseline, &opts.size, echo, keep, out)?
        }
        Command::Explain { rule } => return explain(rule.as_deref(), opts, out),
        Command::Advise(a) => return advise(a, opts, held, out),
    };
    // `--why` or `--filter` that matches nothing: exit 2 before anything is written or saved.
    let unmatched = graph::unmatched(&mut report, &opts.size)
        .map(|e| (e, "--why matches nothing"))
        .or_else(|| {
            graph::unmatched_filter(&report, &opts.size).map(|e| (e, "--filter matches nothing"))
        });
    if let Some((e, why)) = unmatched {
        if let Some(requested) = &opts.gate.save_baseline {
            save_baseline(&report, requested.as_deref(), Some(why), out)?;
        }
        return Err(e);
    }
    gate::conclude(&mut report);
    report.warn_only = opts.gate.warn_only;
    let unfinished = unfinished(&report);
    let outcome = match report.verdict {
        report::Verdict::Fail if !opts.gate.warn_only => Outcome::GateFailed,
        _ => Outcome::Passed,
    };
    if let Some(requested) = &opts.gate.save_baseline {
        // What failed, as the verdict line words it (QA ao F3: not "the gate failed").
        let refused = match (&unfinished, outcome) {
            (Some((_, why)), _) => Some(why.to_string()),
            (None, Outcome::GateFailed) => Some(format!(
                "the run fails ({}; --warn-only accepts it and saves){}",
                render::reasons::summary(&report),
                render::reasons::allow_hint(&report)
            )),
            (None, Outcome::Passed) => None,
        };
        save_baseline(&report, requested.as_deref(), refused.as_deref(), out)?;
    }
    emit(&report, opts, out)?;
    held.clear();
    render::github::announce(&report, out);
    match unfinished {
        Some((e, _)) => Err(e),
        None => Ok(outcome),
    }
}

/// Why a run that has its report could not do all of its job (exit code 2), with a few words
/// for the baseline it then does not save. Whether it did is [`gate::unfinished`]'s to say
/// (it also makes the verdict at least `inconclusive`); the error's words come from the stages.
fn unfinished(report: &Report) -> Option<(Error, &'static str)> {
    if !gate::unfinished(report) {
        return None;
    }
    inspect::batch::incomplete(report)
        .map(|e| (e, "paths could not be inspected"))
        .or_else(|| {
            probe::all_failed(report)
                .or_else(|| {
                    report
                        .advice
                        .as_ref()
                        .and_then(advise::measure::base_not_ready)
                })
                .map(|m| {
                    (
                        Error::ProbeFailed(m),
                        // QA bh F8: a first run of a program that needs arguments.
                        "a probed binary had no run that got ready (--probe-arg gives it its \
                         arguments; --no-probe saves a baseline without startup figures)",
                    )
                })
        })
        .or_else(|| {
            let stopped = report.advice.as_ref().is_some_and(|a| a.interrupted);
            stopped.then_some((Error::Interrupted, "the run was interrupted"))
        })
}

/// `--save-baseline`: unless the run failed (`refused` says how), which must not quietly
/// become the next baseline.
fn save_baseline(
    report: &Report,
    requested: Option<&Path>,
    refused: Option<&str>,
    out: &mut Output,
) -> Result<()> {
    let path = gate::save_path(requested, report)
        .ok_or_else(|| Error::Usage("--save-baseline: no workspace to save beside".into()))?;
    if let Some(why) = refused {
        out.warn(&format!(
            "baseline not saved to {}: {why}; {}",
            path.display(),
            gate::baseline::left_at(&path)
        ));
        return Ok(());
    }
    gate::save(report, &path)?;
    out.status("Saved", &format!("baseline to {}", path.display()));
    gate::rebuilds::warning(&path, report).inspect(|w| out.warn(w));
    Ok(())
}

/// The report in its format, to stdout or `--output`. A run with a report writes it also when
/// it then exits 2: its verdict (at least `inconclusive`) and reasons say why.
fn emit(report: &Report, opts: &Options, out: &mut Output) -> Result<()> {
    let text = match opts.format {
        Format::Json => {
            let mut v = Vec::new();
            render::json(report, &mut v).map_err(|e| Error::io("<report>", e))?;
            v
        }
        Format::Markdown => render::markdown::render_with(report, opts.all_crates).into_bytes(),
        Format::Html => render::html::render(report).into_bytes(),
        Format::Human => {
            let style = render::Style {
                // A file gets colour only when asked for (`--color always`).
                color: match opts.output {
                    Some(_) => opts.color == options::ColorChoice::Always,
                    None => out.out_color,
                },
                verbose: opts.verbosity >= Verbosity::Verbose,
                all_crates: opts.all_crates,
            };
            render::human::render(report, &style).into_bytes()
        }
    };
    out.deliver(&text, opts.output.as_deref())
}

fn inspect_files(
    files: &[std::path::PathBuf],
    size: &options::SizeOptions,
    out: &mut Output,
) -> Result<Report> {
    let listings = compile::link::Listings::default();
    let attribute = |path: &Path, file: &inspect::Mapped, binary: &mut report::Binary| {
        graph::inspect_file(path, file, binary, (size, &listings))
    };
    inspect::batch::run(files, &attribute, out)
}

/// The pipeline of the main command: one stage after the other, as in the module map above.
/// `keep`: `--save-baseline` keeps the probed binaries to probe again later (`gate::kept`).
fn check(
    opts: &BuildOptions,
    baseline: &gate::Baseline,
    size: &options::SizeOptions,
    echo: Echo,
    keep: bool,
    out: &mut Output,
) -> Result<Report> {
    let plan = config::resolve(opts, size, build_ui(out))?;
    // A baseline file of other binaries is refused before the build, as a malformed one is.
    baseline.shares_a_binary(&plan)?;
    let mut report = Report::new(Some(plan.build_info()));
    let base_run = matches!(echo, Echo::Dropped);
    config_warnings(&plan, &mut report, echo, out);
    image::preflight(&plan)?;
    let mut builds = Vec::new();
    for &link in &plan.links {
        let built = compile::build(&plan, link, out)?;
        inspect::built(&plan, &built, &mut report, out)?;
        builds.push(built);
    }
    // It attributes the bytes too: pieces without a symbol get the crate of what refers to them.
    let graphs = graph::check(&plan, &builds, &mut report)?;
    audit::check(&plan, &builds, &mut report, out)?;
    audit::annotate(&plan, &graphs, &mut report);
    // `--baseline-ref`'s revision is built before the probe, which times both builds' binaries
    // round by round (probed minutes apart, the machine's drift would read as a regression).
    let mut base = base_report(&plan, baseline, size, out)?;
    // A baseline file's binaries that `--save-baseline` kept are probed again beside ours.
    let mut again = gate::kept::again(&plan.dirs.baseline_bins, &base);
    if !base_run {
        let beside = base.as_mut().and_then(|(_, b)| match b {
            Cow::Owned(b) => Some(b),
            Cow::Borrowed(_) => again.as_mut(),
        });
        probe::check(&plan, &mut report, beside, out)?;
        gate::kept::keep(keep.then_some(&*plan.dirs.baseline_bins), &mut report);
    }
    let reprobed = gate::kept::merge(&mut base, again);
    hostile::check(&plan, &mut report, out)?;
    image::check(&plan, &mut report, out)?;
    audit::record_reproduced(&plan, &mut report);
    audit::record_image_failures(&plan, &mut report);
    if let Some((source, b)) = &base {
        gate::shares_a_binary(&report, source, b)?;
    }
    let figures = gate::kept::Figures::of(&base, reprobed);
    gate::check(
        &plan,
        base.as_ref().map(|(s, r)| (s.as_str(), r.as_ref())),
        figures,
        &mut report,
    );
    Ok(report)
}

/// Where the configuration's warnings go besides the report.
enum Echo<'a> {
    /// On stderr at once: a long build follows, and the report goes to another reader.
    Stderr,
    /// Kept back: the report shows them to the reader of stderr (the human report on stdout,
    /// the same terminal), unless the run stops before its report ([`show_held`]).
    Held(&'a mut Vec<String>),
    /// Not shown: `--baseline-ref`'s revision, whose configuration is not this run's (and
    /// whose binaries the run that compares probes beside its own).
    Dropped,
}

/// Cargo prints a warning once: the human report on stdout shows the configuration's warnings
/// (at its end), so they are not printed on stderr too. JSON, Markdown, HTML and `--output FILE`
/// are for another reader (a program, a PR comment, a file): stderr gets them at once as well.
fn echo_config_warnings<'a>(opts: &Options, held: &'a mut Vec<String>) -> Echo<'a> {
    if opts.format == Format::Human && opts.output.is_none() {
        Echo::Held(held)
    } else {
        Echo::Stderr
    }
}

/// Warnings kept back for the report, on stderr after all: the run stopped before its report
/// was written.
fn show_held(held: &[String], out: &mut Output) {
    for w in held {
        out.warn(w);
    }
}

/// What the configuration's resolution warned of: in the report with the run's other warnings,
/// and where `echo` says.
fn config_warnings(plan: &Plan, report: &mut Report, echo: Echo, out: &mut Output) {
    match echo {
        Echo::Stderr => plan.warnings.iter().for_each(|w| out.warn(w)),
        Echo::Held(held) => held.extend(plan.warnings.iter().cloned()),
        Echo::Dropped => {}
    }
    report.warnings.extend(plan.warnings.iter().cloned());
}

/// The report to compare with: the baseline file's, or `--baseline-ref`'s revision built here
/// by this same pipeline, in a temporary worktree, with the options of this run. Returned with
/// the name of its source.
fn base_report<'b>(
    plan: &Plan,
    baseline: &'b gate::Baseline,
    size: &options::SizeOptions,
    out: &mut Output,
) -> Result<Option<(String, Cow<'b, Report>)>> {
    let rev = match baseline {
        gate::Baseline::None => return Ok(None),
        gate::Baseline::File { path, report } => {
            return Ok(Some((path.display().to_string(), Cow::Borrowed(&**report))));
        }
        gate::Baseline::Ref(rev) => rev,
    };
    let tree = gate::Worktree::add(rev)?;
    let short = |c: &str| c.get(..12).unwrap_or(c).to_string();
    out.status(
        "Baseline",
        &format!(
            "{} ({}) in a temporary worktree",
            rev.rev,
            short(&tree.commit)
        ),
    );
    let mut opts = plan.options.clone();
    opts.manifest_path = Some(tree.map(&plan.workspace.manifest())?);
    opts.target_dir = Some(plan.dirs.baseline_ref.clone());
    // The base is measured, not judged: its hostile runs would tell nothing to compare, and
    // `Some(false)` also overrides `hostile = true` in its config.
    opts.hostile = Some(false);
    // Its images go beside its build, never over this run's.
    opts.image = opts
        .image
        .as_ref()
        .map(|_| Some(plan.dirs.baseline_ref.join("image")));
    let lock_of_run = tree.bring_lock_file(plan.workspace.root())?;
    if lock_of_run {
        // The copied lock is this tree's, not the revision's: cargo may prune it for the older
        // manifest. `--frozen` still means no network.
        opts.offline |= opts.frozen;
        (opts.locked, opts.frozen) = (false, false);
    }
    // Its configuration's warnings (of its checkout in a temporary directory, on `allow` and
    // `deny`) are not this run's, and change nothing the comparison reads: not shown.
    let source = format!("git:{} ({})", rev.rev, short(&tree.commit));
    let mut base = check(
        &opts,
        &gate::Baseline::None,
        size,
        Echo::Dropped,
        false,
        out,
    )
    .map_err(|e| e.of_baseline(&source))?;
    if let Some(p) = base.provenance.as_mut() {
        p.cargo_lock_of_run = lock_of_run;
    }
    Ok(Some((source, Cow::Owned(base))))
}

/// `cargo aotcheck advise`: the advice is shown also when the run stops early (an interrupt
/// keeps the finished variants), then the error decides the exit code.
fn advise(
    a: &options::AdviseOptions,
    opts: &Options,
    held: &mut Vec<String>,
    out: &mut Output,
) -> Result<Outcome> {
    let plan = config::resolve(&advise::build_options(a), &opts.size, build_ui(out))?;
    let mut report = Report::new(Some(plan.build_info()));
    config_warnings(&plan, &mut report, echo_config_warnings(opts, held), out);
    let result = advise::run(&plan, a, &mut report, out);
    audit::advised::warn_static_lookups(&plan, &mut report);
    // As the main command's: at least `inconclusive` where it exits 2 with a report.
    gate::conclude(&mut report);
    if report.advice.is_some() {
        emit(&report, opts, out)?;
        held.clear();
    }
    result?;
    match unfinished(&report) {
        Some((e, _)) => Err(e),
        None => Ok(Outcome::Passed),
    }
}

/// How cargo's output is shown: like ours.
fn build_ui(out: &Output) -> BuildUi {
    BuildUi {
        color: out.err_color,
        progress_width: (out.err_terminal && out.verbosity != Verbosity::Quiet)
            .then(output::terminal_width),
        quiet: out.verbosity == Verbosity::Quiet,
        verbose: out.verbosity.cargo_verbose(),
    }
}

/// `cargo aotcheck explain [RULE]`: one catalogue entry, or the list of rules.
fn explain(rule: Option<&str>, opts: &Options, out: &mut Output) -> Result<Outcome> {
    // Said, not ignored (QA aj, F9: the terminal's text came out under `--format html`).
    if matches!(opts.format, Format::Markdown | Format::Html) {
        return Err(Error::Usage(
            "`explain` writes its text for the terminal, or JSON (`--format json`)".into(),
        ));
    }
    let one = match rule {
        None => None,
        Some(id) => match audit::rules::find(id) {
            Some(r) => Some(r),
            None => {
                let ids: Vec<&str> = audit::rules::RULES.iter().map(|r| r.id).collect();
                return Err(Error::Usage(format!(
                    "no rule `{id}`; the rules are {}",
                    ids.join(", ")
                )));
            }
        },
    };
    let text = match (opts.format, one) {
        (Format::Json, _) => {
            let rules: Vec<serde_json::Value> = match one {
                Some(r) => vec![render::audit::rule_json(r)],
                None => audit::rules::RULES
                    .iter()
                    .map(render::audit::rule_json)
                    .collect(),
            };
            let mut t = serde_json::to_string_pretty(&serde_json::json!({ "rules": rules }))
                .map_err(|e| Error::Usage(format!("cannot serialise the rules: {e}")))?;
            t.push('\n');
            t
        }
        (_, Some(r)) => render::audit::explain(r),
        (_, None) => render::audit::rule_list(),
    };
    out.deliver(text.as_bytes(), opts.output.as_deref())?;
    Ok(Outcome::Passed)
}

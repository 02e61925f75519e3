//! cargo-aotcheck: build a Rust project as a static binary and tell what it really is and costs.
//!
//! The library is a pipeline of stages that take and return plain data (see `STYLE.md`):
//! options → workspace → compile → inspect → render. [`run`] wires them together.

pub mod attribute;
pub mod audit;
pub mod cli;
pub mod compile;
pub mod config;
pub mod error;
pub mod gate;
pub mod hostile;
pub mod inspect;
pub mod interrupt;
pub mod options;
pub mod output;
pub mod probe;
pub mod progress;
pub mod render;
pub mod report;
pub mod workspace;

use std::path::{Path, PathBuf};

use crate::compile::{BuildRequest, Toolchain};
use crate::error::{Error, Result};
use crate::options::{BuildOptions, Command, Format, LinkChoice, Options, Verbosity};
use crate::output::Output;
use crate::report::{Artifact, BuildInfo, LinkMode, Report};

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
    let mut report = match &opts.command {
        Command::Inspect { files } => inspect_files(files, &opts.size, out)?,
        Command::Check(build) => check(
            build,
            &gate::Baseline::open(&opts.gate, build)?,
            &opts.size,
            out,
        )?,
        Command::Explain { rule } => return explain(rule.as_deref(), out),
    };
    report.verdict = gate::verdict(&report);
    let outcome = match report.verdict {
        report::Verdict::Fail if !opts.gate.warn_only => Outcome::GateFailed,
        _ => Outcome::Passed,
    };
    if let Some(requested) = &opts.gate.save_baseline {
        save_baseline(&report, requested.as_deref(), outcome, out)?;
    }
    emit(&report, opts, out)?;
    render::github::announce(&report, out);
    if let Some(e) = inspect::batch::incomplete(&report) {
        return Err(e);
    }
    if let Some(msg) = probe::all_failed(&report) {
        return Err(Error::ProbeFailed(msg));
    }
    Ok(outcome)
}

/// `--save-baseline`: unless the gate failed, which must not quietly become the next baseline.
fn save_baseline(
    report: &Report,
    requested: Option<&Path>,
    outcome: Outcome,
    out: &mut Output,
) -> Result<()> {
    let path = gate::save_path(requested, report)
        .ok_or_else(|| Error::Usage("--save-baseline: no workspace to save beside".into()))?;
    if outcome == Outcome::GateFailed {
        out.warn(&format!(
            "baseline not saved to {}: checks failed (--warn-only accepts them and saves)",
            path.display()
        ));
        return Ok(());
    }
    gate::save(report, &path)?;
    out.status("Saved", &format!("baseline to {}", path.display()));
    Ok(())
}

fn emit(report: &Report, opts: &Options, out: &mut Output) -> Result<()> {
    let written = match opts.format {
        Format::Json => render::json(report, out.out),
        Format::Markdown => out
            .out
            .write_all(render::markdown::render(report).as_bytes()),
        Format::Human => {
            let style = render::human::Style {
                color: out.out_color,
                verbose: opts.verbosity == Verbosity::Verbose,
                all_crates: opts.size.all_crates,
            };
            out.out
                .write_all(render::human::render(report, &style).as_bytes())
        }
    };
    match written {
        Ok(()) => out.out.flush().or_else(ignore_broken_pipe),
        Err(e) => ignore_broken_pipe(e),
    }
    .map_err(|e| Error::io("<stdout>", e))
}

/// `cargo aotcheck | head` closing the pipe early is the reader's choice, not our failure.
fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn inspect_files(
    files: &[std::path::PathBuf],
    size: &attribute::Settings,
    out: &mut Output,
) -> Result<Report> {
    let attribute = |path: &Path, bytes: &[u8], binary: &mut report::Binary| {
        attribute::attribute_bytes(path, bytes, binary, None, size)
    };
    inspect::batch::run(files, &attribute, out)
}

fn check(
    opts: &BuildOptions,
    baseline: &gate::Baseline,
    size: &attribute::Settings,
    out: &mut Output,
) -> Result<Report> {
    let cargo = compile::find_cargo()?;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let mut toolchain = Toolchain::discover(cargo.clone(), &cwd)?;
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| toolchain.host.clone());
    toolchain.prepare_target(&target, &cwd)?;
    let ws = workspace::load(opts, &cargo, &target)?;

    let modes: &[LinkMode] = match opts.link {
        LinkChoice::Static => &[LinkMode::Static],
        LinkChoice::Dynamic => &[LinkMode::Dynamic],
        LinkChoice::Compare => &[LinkMode::Static, LinkMode::Dynamic],
    };
    if modes.contains(&LinkMode::Static) && target.ends_with("-linux-gnu") {
        compile::check_static_glibc()?;
    }

    let mut report = Report::new(Some(BuildInfo {
        rustc: toolchain.rustc_version.clone(),
        target: target.clone(),
        profile: opts.profile.clone(),
        features: opts.features.clone(),
        all_features: opts.all_features,
        no_default_features: opts.no_default_features,
        workspace_root: ws.root().display().to_string(),
    }));
    let progress_width = if out.err_terminal && out.verbosity != Verbosity::Quiet {
        Some(terminal_width())
    } else {
        None
    };
    // Every build's own record (artifacts, build-script output): later stages read it.
    let mut builds = Vec::new();
    for &link in modes {
        let req = BuildRequest {
            opts,
            toolchain: &toolchain,
            target: &target,
            link,
            target_dir: compile::target_dir(opts, &ws.target_directory(), link),
            color: out.err_color,
            progress_width,
            quiet: out.verbosity == Verbosity::Quiet,
            verbose: out.verbosity == Verbosity::Verbose,
        };
        out.status(
            "Building",
            &format!(
                "{} binaries for {target} ({} profile)",
                link.as_str(),
                opts.profile
            ),
        );
        let built = compile::build(&req, out.err)?;
        for bin in &ws.bins {
            let Some(b) = built
                .binaries
                .iter()
                .find(|b| b.name == bin.name && b.package_id == bin.package_id)
            else {
                report.warnings.push(format!(
                    "cargo did not report a {} binary for `{}`",
                    link.as_str(),
                    bin.name
                ));
                continue;
            };
            out.status("Inspecting", &relative(&b.path, &cwd));
            report.artifacts.push(Artifact::new(
                Some(bin.package.clone()),
                bin.name.clone(),
                Some(link),
                b.path.display().to_string(),
                inspect::inspect_path(&b.path)?,
            ));
        }
        builds.push(built);
    }
    attribute::attribute_report(&mut report, &builds, &toolchain.rustc, &target, size)?;
    // The stages after inspection (audit, probe, gate) take `&ws`, `&builds` and `&mut report`.
    let started = std::time::Instant::now();
    let host = audit::Host {
        target_dirs: modes
            .iter()
            .map(|&m| compile::target_dir(opts, &ws.target_directory(), m))
            .collect(),
        cargo_home: toolchain.cargo_home.as_deref(),
    };
    audit::run(&ws, &builds, &host, &mut report)?;
    if out.verbosity == Verbosity::Verbose {
        out.status("Audited", &format!("in {:.1?}", started.elapsed()));
    }
    if opts.probe.enabled() {
        let floor = compile::target_dir(opts, &ws.target_directory(), LinkMode::Static)
            .with_file_name("probe-floor");
        let bar = progress::ProbeBar::new(out);
        let options_for = |a: &Artifact| {
            let settings = ws
                .config
                .for_bin(a.package.as_deref().unwrap_or_default(), &a.name);
            opts.probe.clone().or(settings.probe.to_options())
        };
        probe::probe_report(&mut report, &options_for, &floor, &mut |p| bar.update(p))?;
        bar.finish();
    }
    let ctx = Context {
        opts,
        ws: &ws,
        toolchain: &toolchain,
        target: &target,
        progress_width,
    };
    hostile_stage(&ctx, &mut report, out)?;
    let base = |o: &BuildOptions, out: &mut Output| check(o, &gate::Baseline::None, size, out);
    gate::stage(opts, baseline, &ws, &mut report, out, &base)?;
    Ok(report)
}

/// What the stages after the build share.
struct Context<'a> {
    opts: &'a BuildOptions,
    ws: &'a workspace::Workspace,
    toolchain: &'a Toolchain,
    target: &'a str,
    progress_width: Option<u16>,
}

impl Context<'_> {
    fn settings(&self, a: &Artifact) -> config::Settings {
        self.ws
            .config
            .for_bin(a.package.as_deref().unwrap_or_default(), &a.name)
    }

    fn build_request(&self, link: LinkMode, out: &Output) -> BuildRequest<'_> {
        BuildRequest {
            opts: self.opts,
            toolchain: self.toolchain,
            target: self.target,
            link,
            target_dir: compile::target_dir(self.opts, &self.ws.target_directory(), link),
            color: out.err_color,
            progress_width: self.progress_width,
            quiet: out.verbosity == Verbosity::Quiet,
            verbose: out.verbosity == Verbosity::Verbose,
        }
    }
}

/// `--hostile` (or `hostile = true` in config): each static binary under hostile conditions;
/// a failure is checked against the dynamic build, built for the purpose if need be.
fn hostile_stage(ctx: &Context, report: &mut Report, out: &mut Output) -> Result<()> {
    let wanted: Vec<usize> = (0..report.artifacts.len())
        .filter(|&i| {
            let a = &report.artifacts[i];
            a.link_mode == Some(LinkMode::Static)
                && ctx
                    .opts
                    .hostile
                    .or(ctx.settings(a).probe.hostile)
                    .unwrap_or(false)
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let privilege = hostile::detect_privilege();
    let scratch = compile::target_dir(ctx.opts, &ctx.ws.target_directory(), LinkMode::Static)
        .with_file_name("hostile");
    let mut dynamic_build: Option<Vec<compile::BuiltBinary>> = None;
    for i in wanted {
        let (package, name) = {
            let a = &report.artifacts[i];
            (a.package.clone(), a.name.clone())
        };
        let settings = ctx.settings(&report.artifacts[i]);
        // The probe's options (command line over config) say how to run and when it is up.
        let probe = ctx.opts.probe.clone().or(settings.probe.to_options());
        let spec = hostile::HostileSpec {
            args: probe.args.clone(),
            env: probe.env.clone(),
            timeout: probe.timeout(),
            ready: probe.ready(),
            grace: probe.grace(),
        };
        let existing = report
            .artifacts
            .iter()
            .find(|d| {
                d.link_mode == Some(LinkMode::Dynamic) && d.package == package && d.name == name
            })
            .map(|d| PathBuf::from(&d.path));
        out.status("Hostile", &format!("runs of {name} (static)"));
        let mut build_error = None;
        let mut dynamic = || -> Option<PathBuf> {
            if existing.is_some() {
                return existing.clone();
            }
            if dynamic_build.is_none() {
                out.status("Building", "dynamic binaries to compare the failures with");
                match compile::build(&ctx.build_request(LinkMode::Dynamic, out), out.err) {
                    Ok(b) => dynamic_build = Some(b.binaries),
                    Err(e) => {
                        build_error = Some(e);
                        dynamic_build = Some(Vec::new());
                    }
                }
            }
            dynamic_build
                .as_ref()?
                .iter()
                .find(|b| b.name == name)
                .map(|b| b.path.clone())
        };
        let path = PathBuf::from(&report.artifacts[i].path);
        let runs = hostile::run_all(&path, &mut dynamic, &spec, &privilege, &scratch)?;
        if let Some(e) = build_error {
            report
                .warnings
                .push(format!("the dynamic build for comparison failed: {e}"));
        }
        report.artifacts[i].hostile = runs;
        let version = ctx
            .ws
            .metadata
            .workspace_packages()
            .iter()
            .find(|p| Some(p.name.as_str()) == package.as_deref())
            .map(|p| p.version.to_string())
            .unwrap_or_default();
        audit::record_reproduced(&mut report.artifacts[i], &settings, &version);
    }
    Ok(())
}

/// `cargo aotcheck explain [RULE]`: one catalogue entry, or the list of rules.
fn explain(rule: Option<&str>, out: &mut Output) -> Result<Outcome> {
    let text = match rule {
        None => render::audit::rule_list(),
        Some(id) => match audit::rules::find(id) {
            Some(r) => render::audit::explain(r),
            None => {
                let ids: Vec<&str> = audit::rules::RULES.iter().map(|r| r.id).collect();
                return Err(Error::Usage(format!(
                    "no rule `{id}`; the rules are {}",
                    ids.join(", ")
                )));
            }
        },
    };
    out.out
        .write_all(text.as_bytes())
        .and_then(|()| out.out.flush())
        .or_else(ignore_broken_pipe)
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(Outcome::Passed)
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

//! cargo-aotcheck: build a Rust project as a static binary and tell what it really is and costs.
//!
//! The library is a pipeline of stages that take and return plain data (see `STYLE.md`):
//! options → workspace → compile → inspect → render. [`run`] wires them together.

pub mod cli;
pub mod compile;
pub mod error;
pub mod inspect;
pub mod options;
pub mod output;
pub mod probe;
pub mod progress;
pub mod render;
pub mod report;
pub mod workspace;

use std::path::Path;

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
    let report = match &opts.command {
        Command::Inspect { files } => inspect_files(files, out)?,
        Command::Check(build) => check(build, out)?,
    };
    emit(&report, opts, out)?;
    if let Some(msg) = probe::all_failed(&report) {
        return Err(Error::ProbeFailed(msg));
    }
    Ok(Outcome::Passed)
}

fn emit(report: &Report, opts: &Options, out: &mut Output) -> Result<()> {
    let written = match opts.format {
        Format::Json => render::json(report, out.out),
        Format::Human => {
            let style = render::human::Style {
                color: out.out_color,
                verbose: opts.verbosity == Verbosity::Verbose,
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

fn inspect_files(files: &[std::path::PathBuf], out: &mut Output) -> Result<Report> {
    let mut report = Report::new(None);
    for f in files {
        out.status("Inspecting", &f.display().to_string());
        let binary = inspect::inspect_path(f)?;
        let name = f.file_name().map_or_else(
            || f.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        report.artifacts.push(Artifact::new(
            None,
            name,
            None,
            f.display().to_string(),
            binary,
        ));
    }
    Ok(report)
}

fn check(opts: &BuildOptions, out: &mut Output) -> Result<Report> {
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
    // The stages after inspection (audit, probe, gate) take `&ws`, `&builds` and `&mut report`.
    let _ = (&ws, &builds);
    if opts.probe.enabled() {
        let floor = compile::target_dir(opts, &ws.target_directory(), LinkMode::Static)
            .with_file_name("probe-floor");
        let bar = progress::ProbeBar::new(out);
        probe::probe_report(&mut report, &opts.probe, &floor, &mut |p| bar.update(p))?;
        bar.finish();
    }
    Ok(report)
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

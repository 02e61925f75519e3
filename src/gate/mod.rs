//! The release gate: budgets, a saved baseline and regression verdicts.
//!
//! Budgets (`budgets.rs`) and baseline comparisons (`compare.rs`) add [`Check`]s to each
//! artifact; [`verdict`] folds them (and error findings of the audit) into the run's verdict.
//! Like every stage, this returns data and prints nothing; the only output it causes is the
//! recursive build of `--baseline-ref`, which reports its progress as any build does.

pub mod baseline;
mod budgets;
mod compare;
mod measure;
mod runtime;
mod stats;
mod worktree;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::options::{BuildOptions, GateOptions};
use crate::output::Output;
use crate::report::{Check, Report, Severity, Verdict};
use crate::workspace::Workspace;

pub use baseline::{default_path, load, provenance, save};
pub use budgets::apply as apply_budgets;
pub use compare::compare;
pub use measure::{rss_bytes, startup_median_ms, startup_samples_ms};
pub use runtime::{Timing, startup_check};
pub use stats::{RatioInterval, median, median_interval, ratio_of_medians};
pub use worktree::{Revision, Worktree};

/// What to compare the run with, resolved before anything is built: a bad baseline file is an
/// error within a second, not after a long build.
#[derive(Debug, Default)]
pub enum Baseline {
    #[default]
    None,
    File {
        path: PathBuf,
        report: Box<Report>,
    },
    /// A git revision, built in a temporary worktree after the current tree.
    Ref(Revision),
}

impl Baseline {
    /// Load the baseline file, or resolve the revision in the repository of the project
    /// (`--manifest-path`'s directory, else the current one).
    pub fn open(opts: &GateOptions, build: &BuildOptions) -> Result<Self> {
        if let Some(path) = &opts.baseline {
            return Ok(Baseline::File {
                path: path.clone(),
                report: Box::new(load(path)?),
            });
        }
        let Some(rev) = &opts.baseline_ref else {
            return Ok(Baseline::None);
        };
        let dir = match build.manifest_path.as_deref().map(Path::parent) {
            Some(Some(d)) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Baseline::Ref(Revision::resolve(&dir, rev)?))
    }
}

/// The check pipeline itself, for building a baseline revision with the same options.
pub type CheckFn<'a> = &'a dyn Fn(&BuildOptions, &mut Output) -> Result<Report>;

/// The gate stage of `check`: provenance, budgets, and the comparison with a baseline.
pub fn stage(
    opts: &BuildOptions,
    baseline: &Baseline,
    ws: &Workspace,
    report: &mut Report,
    out: &mut Output,
    check: CheckFn,
) -> Result<()> {
    report.provenance = Some(provenance(report, ws.root()));
    apply_budgets(&ws.config, report);
    let thresholds = |package: &str, bin: &str| ws.config.for_bin(package, bin).thresholds;
    match baseline {
        Baseline::None => {}
        Baseline::File { path, report: base } => {
            compare(report, base, &path.display().to_string(), &thresholds);
        }
        Baseline::Ref(rev) => {
            let (source, base) = build_ref(opts, rev, ws, out, check)?;
            compare(report, &base, &source, &thresholds);
        }
    }
    Ok(())
}

/// Build `rev` in a temporary worktree with the options of this run, into a target dir of its
/// own (kept between runs, so dependencies are compiled once). The worktree goes when the
/// guard is dropped, whether the build succeeded or not.
fn build_ref(
    opts: &BuildOptions,
    rev: &Revision,
    ws: &Workspace,
    out: &mut Output,
    check: CheckFn,
) -> Result<(String, Report)> {
    // The manifest cargo was pointed at: the root package's, else the workspace's.
    let manifest: PathBuf = ws
        .metadata
        .root_package()
        .map(|p| p.manifest_path.clone().into_std_path_buf())
        .unwrap_or_else(|| ws.root().join("Cargo.toml"));
    let tree = Worktree::add(rev)?;
    out.status(
        "Baseline",
        &format!(
            "{} ({}) in a temporary worktree",
            rev.rev,
            short(&tree.commit)
        ),
    );
    let mut ref_opts = opts.clone();
    ref_opts.manifest_path = Some(tree.map(&manifest)?);
    ref_opts.target_dir = Some(
        opts.target_dir
            .clone()
            .unwrap_or_else(|| ws.target_directory().join("aotcheck"))
            .join("baseline-ref"),
    );
    // The base is measured, not judged: its hostile runs would tell nothing to compare, and
    // `Some(false)` also overrides `hostile = true` in its config.
    ref_opts.hostile = Some(false);
    tree.bring_lock_file(ws.root())?;
    let base = check(&ref_opts, out)?;
    Ok((format!("git:{} ({})", rev.rev, short(&tree.commit)), base))
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The run's verdict: the worst check, and `fail` for an error-severity finding not allowed.
pub fn verdict(report: &Report) -> Verdict {
    let checks = report
        .artifacts
        .iter()
        .flat_map(|a| a.checks.iter().map(|c| c.verdict));
    let findings = report.artifacts.iter().flat_map(|a| {
        a.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.allowed)
            .map(|_| Verdict::Fail)
    });
    checks.chain(findings).max().unwrap_or(Verdict::Pass)
}

/// Where `--save-baseline` without a file name writes.
pub fn save_path(requested: Option<&Path>, report: &Report) -> Option<PathBuf> {
    requested
        .map(Path::to_path_buf)
        .or_else(|| default_path(report))
}

/// Checks of `report` with a verdict other than pass, with the artifact they belong to.
pub fn alerts(report: &Report) -> Vec<(String, &Check)> {
    let mut v = Vec::new();
    for a in &report.artifacts {
        let label = artifact_label(a);
        for c in a.checks.iter().filter(|c| c.verdict != Verdict::Pass) {
            v.push((label.clone(), c));
        }
    }
    v
}

/// `name (static)` or `name (package p, dynamic)`: how the gate names a binary.
pub fn artifact_label(a: &crate::report::Artifact) -> String {
    let mut parts = Vec::new();
    if let Some(p) = a.package.as_ref().filter(|p| **p != a.name) {
        parts.push(format!("package {p}"));
    }
    if let Some(m) = a.link_mode {
        parts.push(m.as_str().to_string());
    }
    if parts.is_empty() {
        a.name.clone()
    } else {
        format!("{} ({})", a.name, parts.join(", "))
    }
}

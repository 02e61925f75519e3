//! Builds that vary from the plan's: the variants of `cargo aotcheck advise`. Same command line,
//! same rustflags and static linking as the main build, plus the variation's settings; a failed
//! build is a result (with its first error line), not the end of the run.

use std::path::Path;

use super::{BuildRequest, Built, failure, run_cargo};
use crate::diagnostics::first_error;
use crate::error::{Error, Result};
use crate::options::BuildOptions;
use crate::output::Output;
use crate::plan::Plan;
use crate::report::LinkMode;
use crate::toolchain::check_static_glibc;

/// How one build differs from the plan's own: a variant of `cargo aotcheck advise`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variation {
    /// `--config KEY=VALUE` for cargo, e.g. `profile.release.lto="fat"` (unlike cargo's
    /// environment overrides, this works for profile names with a dash).
    pub config: Vec<String>,
    /// Flags for every unit built for the target, after the user's and ours.
    pub rustflags: Vec<String>,
    /// Flags for the final unit only, through `cargo rustc -- FLAGS`: dependencies stay as they
    /// were built. Needs a build selecting exactly one binary target.
    pub final_unit: Vec<String>,
    /// `--jobs N` for cargo.
    pub jobs: Option<u32>,
}

/// A build that cargo ran and that failed: its first error line and the error that explains it.
#[derive(Debug)]
pub struct Failed {
    /// The first line of cargo's diagnostics that starts with `error`, without colours.
    pub first_error: Option<String>,
    pub error: Error,
}

/// A static build of `opts` (the plan's selection, or a narrower one) changed by `variation`,
/// in `target_dir`. `Ok(Err(_))`: cargo ran and the build failed (its diagnostics went to
/// `out.err`, unless `-q`); `Err(_)`: cargo could not be run, or the user interrupted.
pub fn build_variant(
    plan: &Plan,
    opts: &BuildOptions,
    target_dir: &Path,
    variation: &Variation,
    out: &mut Output,
) -> Result<std::result::Result<Built, Failed>> {
    if plan.target.ends_with("-linux-gnu") {
        check_static_glibc()?;
    }
    let req = BuildRequest {
        opts,
        toolchain: &plan.toolchain,
        target: &plan.target,
        link: LinkMode::Static,
        target_dir: target_dir.to_path_buf(),
        color: plan.ui.color,
        progress_width: plan.ui.progress_width,
        quiet: plan.ui.quiet,
        verbose: plan.ui.verbose,
        variation,
        user: &plan.settings.rustflags,
    };
    // With `-q`, a variant's failed build says its first error line in the report; cargo's
    // whole diagnostics (a failed variant is no failure of the run) are not shown.
    let mut quiet = std::io::sink();
    let sink: &mut dyn std::io::Write = if plan.ui.quiet { &mut quiet } else { out.err };
    let mut once = super::once::OnceWarnings::new(sink, &mut out.cargo_warnings);
    let done = run_cargo(&req, &mut once)?;
    drop(once);
    if done.success {
        return Ok(Ok(done.built));
    }
    Ok(Err(Failed {
        first_error: first_error(&done.stderr_tail),
        error: failure::explain(&done.stderr_tail, &done.built, &req),
    }))
}

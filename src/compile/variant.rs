//! Builds that vary from the plan's: the variants of `cargo aotcheck advise`. Same command line,
//! same rustflags and static linking as the main build, plus the variation's settings; a failed
//! build is a result (with its first error line), not the end of the run.

use std::path::Path;

use super::{BuildRequest, Built, explain_failure, run_cargo};
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
    };
    // With `-q`, a variant's failed build says its first error line in the report; cargo's
    // whole diagnostics (a failed variant is no failure of the run) are not shown.
    let mut quiet = std::io::sink();
    let diag: &mut dyn std::io::Write = if plan.ui.quiet { &mut quiet } else { out.err };
    let done = run_cargo(&req, diag)?;
    if done.success {
        return Ok(Ok(done.built));
    }
    Ok(Err(Failed {
        first_error: first_error(&done.stderr_tail),
        error: explain_failure(&done.stderr_tail, &done.built, &req),
    }))
}

/// The first line starting with `error` in cargo's diagnostics, colours removed.
pub fn first_error(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .map(strip_ansi)
        .find(|l| l.starts_with("error"))
        .map(|l| l.trim_end().to_string())
}

/// A failed cargo command's stderr as an error message: cargo's own `error` line first (without
/// its `error: `), then its other lines as context, in their order (progress such as `Updating
/// crates.io index` and warnings come before the error, `Caused by:` and `help:` after it).
/// Without an `error` line, the whole text.
pub fn cargo_error(stderr: &str) -> String {
    let lines: Vec<String> = stderr
        .lines()
        .map(|l| strip_ansi(l).trim_end().to_string())
        .collect();
    let Some(at) = lines.iter().position(|l| l.starts_with("error")) else {
        return lines.join("\n").trim().to_string();
    };
    let head = &lines[at];
    let head = head
        .strip_prefix("error:")
        .map_or(head.as_str(), str::trim_start);
    let context: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|&(i, l)| i != at && !l.trim().is_empty())
        .map(|(_, l)| l.as_str())
        .collect();
    if context.is_empty() {
        head.to_string()
    } else {
        format!("{head}\n{}", context.join("\n"))
    }
}

/// `line` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_line_without_colours() {
        let text = "   Compiling x v0.1.0\n\x1b[0m\x1b[1m\x1b[38;5;9merror\x1b[0m\x1b[0m\x1b[1m: needs `core`\x1b[0m\nerror: could not compile `x`\n";
        assert_eq!(first_error(text).as_deref(), Some("error: needs `core`"));
        assert_eq!(first_error("warning: unused\n"), None);
    }

    /// QA f#5: `--locked` with a stale lock file gave cargo's progress line as the headline.
    #[test]
    fn cargo_error_headline_is_cargo_error_line_not_its_progress() {
        let stderr = "    Updating crates.io index\n\
                      error: cannot update the lock file /p/Cargo.lock because --locked was \
                      passed to prevent this\n\
                      help: to generate the lock file without accessing the network, remove \
                      the --locked flag and use --offline instead.\n";
        let m = cargo_error(stderr);
        let mut lines = m.lines();
        assert_eq!(
            lines.next(),
            Some(
                "cannot update the lock file /p/Cargo.lock because --locked was passed to \
                 prevent this"
            )
        );
        assert_eq!(
            lines.collect::<Vec<_>>(),
            [
                "    Updating crates.io index",
                "help: to generate the lock file without accessing the network, remove the \
                 --locked flag and use --offline instead."
            ]
        );
        // Coloured, with `Caused by:` after it; and no error line at all.
        let m = cargo_error("\x1b[1m\x1b[31merror\x1b[0m: failed to parse\n\nCaused by:\n  bad\n");
        assert_eq!(m, "failed to parse\nCaused by:\n  bad");
        assert_eq!(cargo_error("  something odd\n"), "something odd");
    }
}

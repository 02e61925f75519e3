//! Where a hostile run crashed: the crashing condition once more, under the crash-site tracer
//! (`tracer.rs`), and the functions on the stack at the fatal signal (`frames.rs`). Only for a
//! run that a signal ended and the static linkage is to blame for: nothing more runs otherwise.
//! The audit then pins the crash on the findings whose code is on that stack (see
//! `audit::record_reproduced`), not on every AOT004 finding of the binary.

use std::ffi::OsString;
use std::path::Path;

use nix::sys::signal::Signal;

use super::conditions::{self, Condition, Invocation, Scratch};
use super::privilege::Privilege;
use super::run::{RunResult, run_invocation};
use super::tracer::{CRASH_ARG, Capture, TRACER_FAILED};
use crate::plan::ProbeSettings;
use crate::report::{HostileOutcome, HostileRun};

/// What a crash site is looked for in: the static binary that ran, its analysis link (for
/// its symbols when the binary is stripped), and how the hostile runs started it.
pub struct Site<'a> {
    pub binary: &'a Path,
    pub analysis: Option<&'a Path>,
    pub spec: &'a ProbeSettings,
    pub privilege: &'a Privilege,
    pub scratch_dir: &'a Path,
}

/// Fill `crash_stack` of each run in `runs` that crashed by a signal the static build is to
/// blame for, or `crash_site_unknown` with the reason none was found (a run that does not crash
/// again, a binary without symbols, a tracer that could not run).
pub fn locate(runs: &mut [HostileRun], site: &Site) {
    if !cfg!(all(
        target_arch = "x86_64",
        target_os = "linux",
        target_env = "gnu"
    )) {
        return;
    }
    let scratch = Scratch::new(site.scratch_dir).map_err(|e| {
        format!(
            "no scratch folder in {} to run it again in: {e}",
            site.scratch_dir.display()
        )
    });
    for run in runs.iter_mut() {
        if run.outcome != HostileOutcome::Crashed || !run.static_hazard() {
            continue;
        }
        let Some(signal) = run.signal.as_deref().and_then(|s| s.parse::<Signal>().ok()) else {
            continue;
        };
        let Some(condition) = Condition::named(&run.condition) else {
            continue;
        };
        if crate::interrupt::requested() {
            return;
        }
        let found = scratch.as_ref().map_err(Clone::clone).and_then(|scratch| {
            let inv =
                conditions::invocation(condition, site.binary, site.spec, site.privilege, scratch)
                    .map_err(|e| format!("the condition could not be set up again: {e}"))?;
            // A crash that races the program's exit may take more than one run to catch.
            let again = |c: &Result<Capture, String>| c.is_err() && !crate::interrupt::requested();
            let traced = || trace(&inv, site, signal);
            let capture = super::foreign::repeat(condition.tries(), traced, again).0?;
            let stack = super::frames::names(&capture, site.binary, site.analysis);
            if stack.is_empty() {
                return Err(NO_FUNCTION.to_string());
            }
            Ok(stack)
        });
        match found {
            Ok(stack) => run.crash_stack = stack,
            Err(why) => run.crash_site_unknown = Some(why),
        }
    }
}

/// Why a captured stack named nothing.
const NO_FUNCTION: &str = "the stack at the crash shows no function of the binary (it has no \
                           symbols, or the crash was outside its code)";

/// Run `inv` under the crash-site tracer; what it saw at `signal`, or why it saw nothing.
fn trace(inv: &Invocation, site: &Site, signal: Signal) -> Result<Capture, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find our own executable: {e}"))?;
    let out = tempfile::Builder::new()
        .prefix("crash-site.")
        .suffix(".json")
        .tempfile_in(site.scratch_dir)
        .map_err(|e| format!("no scratch file in {}: {e}", site.scratch_dir.display()))?;
    let lead: Vec<OsString> = vec![
        CRASH_ARG.into(),
        out.path().into(),
        site.binary.into(),
        (signal as i32).to_string().into(),
    ];
    let result = run_invocation(&inv.under(&me, lead), site.spec);
    let text = std::fs::read_to_string(out.path()).unwrap_or_default();
    if text.is_empty() {
        return Err(not_captured(&result, signal));
    }
    serde_json::from_str(&text).map_err(|e| format!("the tracer's capture is unreadable: {e}"))
}

/// Why the tracer wrote no capture: it failed (its exit status 125 and its own message), or
/// the program did not get `signal` this time.
fn not_captured(result: &RunResult, signal: Signal) -> String {
    let own = result
        .stderr_tail
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("cargo-aotcheck: "));
    match (result.exit_code, own) {
        (Some(code), Some(msg)) if code == i32::from(TRACER_FAILED) => {
            format!("the crash-site tracer failed: {msg}")
        }
        _ if result.timed_out => {
            format!("run again under the tracer, it timed out before any {signal}")
        }
        (_, _) => {
            let ended = match (result.signal, result.exit_code) {
                (Some(n), _) => super::signal_name(n),
                (None, Some(code)) => format!("exit status {code}"),
                (None, None) => "no status".to_string(),
            };
            format!(
                "it did not crash with {signal} when run again under the tracer (it ended with {ended})"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(exit_code: Option<i32>, signal: Option<i32>, stderr: &str) -> RunResult {
        RunResult {
            exit_code,
            signal,
            timed_out: false,
            stderr_tail: stderr.into(),
            survivors: Vec::new(),
            answered: None,
        }
    }

    /// The tracer's own failure is told by its message; a run that did not crash again, by
    /// how it ended; a timeout, as one.
    #[test]
    fn no_capture_says_why() {
        let failed = result(
            Some(125),
            None,
            "noise\ncargo-aotcheck: cannot trace (ptrace: EPERM: Operation not permitted)\n",
        );
        assert_eq!(
            not_captured(&failed, Signal::SIGSEGV),
            "the crash-site tracer failed: cannot trace (ptrace: EPERM: Operation not permitted)"
        );
        assert_eq!(
            not_captured(&result(Some(0), None, ""), Signal::SIGSEGV),
            "it did not crash with SIGSEGV when run again under the tracer (it ended with exit \
             status 0)"
        );
        assert_eq!(
            not_captured(&result(None, Some(6), ""), Signal::SIGSEGV),
            "it did not crash with SIGSEGV when run again under the tracer (it ended with \
             SIGABRT)"
        );
        // The program's own 125 is no failure of the tracer.
        assert!(
            not_captured(&result(Some(125), None, "oops\n"), Signal::SIGSEGV)
                .contains("exit status 125")
        );
        let mut late = result(None, Some(9), "");
        late.timed_out = true;
        assert_eq!(
            not_captured(&late, Signal::SIGSEGV),
            "run again under the tracer, it timed out before any SIGSEGV"
        );
    }
}

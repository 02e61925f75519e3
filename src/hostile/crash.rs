//! Where a hostile run crashed: the crashing condition once more, under the crash-site tracer
//! (`tracer.rs`), and the functions on the stack at the fatal signal (`frames.rs`). Only for a
//! run that a signal ended and the static linkage is to blame for: nothing more runs otherwise.
//! The audit then pins the crash on the findings whose code is on that stack (see
//! `audit::record_reproduced`), not on every AOT004 finding of the binary.

use std::ffi::OsString;
use std::path::Path;

use nix::sys::signal::Signal;

use super::conditions::{self, Condition, Invocation, Privilege, Scratch};
use super::run::run_invocation;
use super::tracer::{CRASH_ARG, Capture};
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
/// blame for. A run that does not crash again, or a binary without symbols, gets none.
pub fn locate(runs: &mut [HostileRun], site: &Site) {
    if !cfg!(all(
        target_arch = "x86_64",
        target_os = "linux",
        target_env = "gnu"
    )) {
        return;
    }
    let Ok(scratch) = Scratch::new(site.scratch_dir) else {
        return;
    };
    for run in runs.iter_mut() {
        if run.outcome != HostileOutcome::Crashed || !run.static_hazard() {
            continue;
        }
        let Some(signal) = run.signal.as_deref().and_then(|s| s.parse::<Signal>().ok()) else {
            continue;
        };
        let Some(condition) = Condition::ALL
            .into_iter()
            .find(|c| c.name() == run.condition)
        else {
            continue;
        };
        let Ok(inv) =
            conditions::invocation(condition, site.binary, site.spec, site.privilege, &scratch)
        else {
            continue;
        };
        if crate::interrupt::requested() {
            return;
        }
        if let Some(capture) = trace(&inv, site, signal) {
            run.crash_stack = super::frames::names(&capture, site.binary, site.analysis);
        }
    }
}

/// Run `inv` under the crash-site tracer; what it saw at `signal`, if the run got it.
fn trace(inv: &Invocation, site: &Site, signal: Signal) -> Option<Capture> {
    let me = std::env::current_exe().ok()?;
    let out = tempfile::Builder::new()
        .prefix("crash-site.")
        .suffix(".json")
        .tempfile_in(site.scratch_dir)
        .ok()?;
    let mut args: Vec<OsString> = vec![
        CRASH_ARG.into(),
        out.path().into(),
        site.binary.into(),
        (signal as i32).to_string().into(),
        inv.program.clone(),
    ];
    args.extend(inv.args.iter().cloned());
    let traced = Invocation {
        program: me.into(),
        args,
        ..inv.clone()
    };
    run_invocation(&traced, site.spec);
    let text = std::fs::read_to_string(out.path()).ok()?;
    serde_json::from_str(&text).ok()
}

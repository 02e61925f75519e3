//! `--hostile`: run a static binary under conditions that expose static-glibc hazards (NSS
//! lookups that make glibc load `libnss_*` modules into a static binary), each alone and then
//! together, and turn a suspicion from the audit into a reproduced crash.
//!
//! Conditions are set up with util-linux's `setpriv` and `unshare` rather than code between
//! `fork` and `exec`: the same command line is what the user gets to reproduce the run by hand,
//! and no `pre_exec` hook is needed.

mod conditions;
mod run;

use std::path::{Path, PathBuf};

pub use conditions::{Condition, Privilege, detect_privilege};
pub use run::{RunResult, run_invocation};

use crate::compile::Built;
use crate::error::Result;
use crate::output::Output;
use crate::plan::{BinPlan, Plan, ProbeSettings};
use crate::report::{HostileOutcome, HostileRun, LinkMode, Report};

/// The hostile stage: each static binary whose plan asks for hostile runs, under every
/// condition; a failure is checked against the dynamic build of the same package and binary,
/// built for the purpose if `--compare` did not already.
pub fn check(plan: &Plan, report: &mut Report, out: &mut Output) -> Result<()> {
    let wanted: Vec<usize> = (0..report.artifacts.len())
        .filter(|&i| {
            let a = &report.artifacts[i];
            a.link_mode == Some(LinkMode::Static) && plan.bin_of(a).is_some_and(|b| b.hostile)
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let privilege = detect_privilege();
    let mut twins = Twins::default();
    for i in wanted {
        let a = &report.artifacts[i];
        let Some(bin) = plan.bin_of(a) else { continue };
        // The probe's settings say how to run it and when it is up (the defaults under
        // `--no-probe`).
        let spec = bin.probe.clone().unwrap_or_default();
        let existing = report
            .artifacts
            .iter()
            .find(|d| {
                d.link_mode == Some(LinkMode::Dynamic) && d.package == a.package && d.name == a.name
            })
            .map(|d| PathBuf::from(&d.path));
        let path = PathBuf::from(&a.path);
        out.status("Hostile", &format!("runs of {} (static)", a.name));
        let mut dynamic = || existing.clone().or_else(|| twins.get(plan, bin, out));
        let runs = run_all(&path, &mut dynamic, &spec, &privilege, &plan.dirs.hostile)?;
        report.artifacts[i].hostile = runs;
    }
    if let Some(e) = twins.error {
        report
            .warnings
            .push(format!("the dynamic build for comparison failed: {e}"));
    }
    Ok(())
}

/// The dynamic build made for comparison, once, when a failure first needs it.
#[derive(Default)]
struct Twins {
    /// `Some(None)`: the build was tried and failed.
    built: Option<Option<Built>>,
    error: Option<crate::error::Error>,
}

impl Twins {
    fn get(&mut self, plan: &Plan, bin: &BinPlan, out: &mut Output) -> Option<PathBuf> {
        if self.built.is_none() {
            out.status("Building", "dynamic binaries to compare the failures with");
            match crate::compile::build(plan, LinkMode::Dynamic, out) {
                Ok(b) => self.built = Some(Some(b)),
                Err(e) => {
                    self.error = Some(e);
                    self.built = Some(None);
                }
            }
        }
        let built = self.built.as_ref()?.as_ref()?;
        built.binary(&bin.target).map(|b| b.path.clone())
    }
}

/// Run `binary` plainly, then under each condition; when it fails under one, run `dynamic`
/// (the regular build of the same program), if given, under the same condition.
pub fn run_all(
    binary: &Path,
    dynamic: &mut dyn FnMut() -> Option<PathBuf>,
    spec: &ProbeSettings,
    privilege: &Privilege,
    scratch_dir: &Path,
) -> Result<Vec<HostileRun>> {
    let scratch = conditions::Scratch::new(scratch_dir)?;
    let reference = run_invocation(&conditions::plain(binary, spec), spec);
    let mut runs = Vec::new();
    for condition in Condition::ALL {
        let inv = match conditions::invocation(condition, binary, spec, privilege, &scratch) {
            Ok(p) => p,
            Err(reason) => {
                runs.push(skipped(condition, None, None, reason));
                continue;
            }
        };
        let result = run_invocation(&inv, spec);
        crate::interrupt::check()?;
        if let Some(why) = wrapper_failed(&result) {
            let detail = format!("skipped: the condition could not be set up: {why}");
            runs.push(skipped(
                condition,
                result.exit_code,
                Some(inv.reproduce.clone()),
                detail,
            ));
            continue;
        }
        let outcome = judge(&result, &reference);
        let dynamic_outcome = match outcome {
            HostileOutcome::Crashed | HostileOutcome::Hung => dynamic().and_then(|d| {
                let dyn_reference = run_invocation(&conditions::plain(&d, spec), spec);
                conditions::invocation(condition, &d, spec, privilege, &scratch)
                    .ok()
                    .map(|p| judge(&run_invocation(&p, spec), &dyn_reference))
            }),
            _ => None,
        };
        runs.push(HostileRun {
            condition: condition.name().into(),
            description: condition.description().into(),
            outcome,
            signal: result.signal.map(signal_name),
            exit_code: result.exit_code,
            dynamic_outcome,
            reproduce: Some(inv.reproduce.clone()),
            detail: (outcome != HostileOutcome::Ok)
                .then(|| result.stderr_tail.clone())
                .filter(|t| !t.is_empty()),
            allowed: None,
        });
    }
    Ok(runs)
}

fn skipped(
    condition: Condition,
    exit_code: Option<i32>,
    reproduce: Option<String>,
    detail: String,
) -> HostileRun {
    HostileRun {
        condition: condition.name().into(),
        description: condition.description().into(),
        outcome: HostileOutcome::Skipped,
        signal: None,
        exit_code,
        dynamic_outcome: None,
        reproduce,
        detail: Some(detail),
        allowed: None,
    }
}

/// `setpriv`, `unshare` or `mount` refusing (not the program failing): their own messages.
fn wrapper_failed(result: &RunResult) -> Option<String> {
    if result.exit_code == Some(0) || result.signal.is_some() {
        return None;
    }
    result
        .stderr_tail
        .lines()
        .find(|l| {
            ["setpriv: ", "unshare: ", "mount: ", "sh: ", "cannot start "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
}

/// Compare a hostile run with the plain run of the same binary.
pub fn judge(result: &RunResult, reference: &RunResult) -> HostileOutcome {
    if result.timed_out {
        return if reference.timed_out {
            HostileOutcome::Ok
        } else {
            HostileOutcome::Hung
        };
    }
    // Another signal or exit status than the plain run's: a program that aborts (or exits 3)
    // plainly is not made to by the condition.
    if (result.signal, result.exit_code) != (reference.signal, reference.exit_code) {
        return HostileOutcome::Crashed;
    }
    HostileOutcome::Ok
}

/// `11` → `SIGSEGV`.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        31 => "SIGSYS",
        n => return format!("signal {n}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(exit: Option<i32>, signal: Option<i32>, timed_out: bool) -> RunResult {
        RunResult {
            exit_code: exit,
            signal,
            timed_out,
            stderr_tail: String::new(),
        }
    }

    #[test]
    fn outcomes_are_judged_against_the_plain_run() {
        let plain = r(Some(0), None, false);
        assert_eq!(judge(&r(Some(0), None, false), &plain), HostileOutcome::Ok);
        assert_eq!(
            judge(&r(None, Some(11), false), &plain),
            HostileOutcome::Crashed
        );
        assert_eq!(
            judge(&r(Some(1), None, false), &plain),
            HostileOutcome::Crashed
        );
        assert_eq!(judge(&r(None, None, true), &plain), HostileOutcome::Hung);
        // A program that fails the same way plainly is not made worse by the condition.
        let failing = r(Some(3), None, false);
        assert_eq!(
            judge(&r(Some(3), None, false), &failing),
            HostileOutcome::Ok
        );
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(64), "signal 64");
    }

    /// A program that aborts plainly (`std::process::abort()`) aborts under every condition:
    /// no crash the condition made (it was 5 "crashes" and an AOT004 error). Another signal
    /// than the plain run's still is one.
    #[test]
    fn a_signal_the_plain_run_has_too_is_no_crash() {
        let aborts = r(None, Some(6), false);
        assert_eq!(judge(&r(None, Some(6), false), &aborts), HostileOutcome::Ok);
        assert_eq!(
            judge(&r(None, Some(11), false), &aborts),
            HostileOutcome::Crashed
        );
        assert_eq!(
            judge(&r(Some(0), None, false), &aborts),
            HostileOutcome::Crashed
        );
    }
}

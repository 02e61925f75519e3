//! `--hostile`: run a static binary under conditions that expose static-glibc hazards (NSS
//! lookups that make glibc load `libnss_*` modules into a static binary), each alone and then
//! together, and turn a suspicion from the audit into a reproduced crash.
//!
//! Conditions are set up with util-linux's `setpriv` and `unshare` rather than code between
//! `fork` and `exec`: the same command line is what the user gets to reproduce the run by hand,
//! and no `pre_exec` hook is needed.

mod plan;
mod run;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use plan::{Condition, Privilege, detect_privilege};
pub use run::{RunResult, run_plan};

use crate::report::{HostileOutcome, HostileRun};

/// What a hostile run needs to know about the program.
#[derive(Debug, Clone)]
pub struct HostileSpec {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// When the program counts as up: as in the probe (`exit` by default).
    pub ready: crate::options::Ready,
    /// Between SIGTERM and SIGKILL, for programs that are stopped once ready.
    pub grace: Duration,
}

/// Run `binary` plainly, then under each condition; when it fails under one, run `dynamic`
/// (the regular build of the same program), if given, under the same condition.
pub fn run_all(
    binary: &Path,
    dynamic: &mut dyn FnMut() -> Option<PathBuf>,
    spec: &HostileSpec,
    privilege: &Privilege,
    scratch_dir: &Path,
) -> crate::error::Result<Vec<HostileRun>> {
    let scratch = plan::Scratch::new(scratch_dir)?;
    let reference = run_plan(&plan::plain(binary, spec), spec);
    let mut runs = Vec::new();
    for condition in Condition::ALL {
        let plan = match plan::plan(condition, binary, spec, privilege, &scratch) {
            Ok(p) => p,
            Err(reason) => {
                runs.push(HostileRun {
                    condition: condition.name().into(),
                    description: condition.description().into(),
                    outcome: HostileOutcome::Skipped,
                    signal: None,
                    exit_code: None,
                    dynamic_outcome: None,
                    reproduce: None,
                    detail: Some(reason),
                });
                continue;
            }
        };
        let result = run_plan(&plan, spec);
        crate::interrupt::check()?;
        if let Some(why) = wrapper_failed(&result) {
            runs.push(HostileRun {
                condition: condition.name().into(),
                description: condition.description().into(),
                outcome: HostileOutcome::Skipped,
                signal: None,
                exit_code: result.exit_code,
                dynamic_outcome: None,
                reproduce: Some(plan.reproduce.clone()),
                detail: Some(format!("skipped: the condition could not be set up: {why}")),
            });
            continue;
        }
        let outcome = judge(&result, &reference);
        let dynamic_outcome = match outcome {
            HostileOutcome::Crashed | HostileOutcome::Hung => dynamic().and_then(|d| {
                let dyn_reference = run_plan(&plan::plain(&d, spec), spec);
                plan::plan(condition, &d, spec, privilege, &scratch)
                    .ok()
                    .map(|p| judge(&run_plan(&p, spec), &dyn_reference))
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
            reproduce: Some(plan.reproduce.clone()),
            detail: (outcome != HostileOutcome::Ok)
                .then(|| result.stderr_tail.clone())
                .filter(|t| !t.is_empty()),
        });
    }
    Ok(runs)
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
    if result.signal.is_some() {
        return HostileOutcome::Crashed;
    }
    if result.exit_code != reference.exit_code {
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
}

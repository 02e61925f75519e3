//! The runs of one binary: plainly, then under each condition, each failure beside the
//! dynamic build's run under the same condition.

use std::path::{Path, PathBuf};

use super::{
    Condition, Privilege, RunResult, conditions, detail, foreign, judge, plain, run_invocation,
    signal_name,
};
use crate::error::Result;
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::report::{HostileOutcome, HostileRun};

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
    let plain = conditions::plain(binary, spec);
    let reference = run_invocation(&plain, spec);
    // The dynamic build's plain run, once: the reference of its runs under the conditions,
    // and, when the static build crashed with no condition at all, the judge of that crash.
    let mut twin: Option<Option<(PathBuf, RunResult)>> = None;
    let mut twin_of = |twin: &mut Option<Option<(PathBuf, RunResult)>>| {
        twin.get_or_insert_with(|| {
            dynamic().map(|d| {
                let r = run_invocation(&conditions::plain(&d, spec), spec);
                (d, r)
            })
        })
        .clone()
    };
    let mut runs = Vec::new();
    if plain::crashed(&reference) {
        let t = twin_of(&mut twin);
        runs.extend(plain::static_crash(
            &reference,
            t.as_ref().map(|t| &t.1),
            &plain,
            &spec.ready,
        ));
        crate::interrupt::check()?;
    }
    let plain_twin = twin.clone().flatten().map(|t| t.1);
    for condition in Condition::ALL {
        let inv = match set_up(condition, binary, spec, privilege, &scratch) {
            Ok(inv) => inv,
            Err(skip) => {
                runs.push(skipped(
                    condition,
                    skip.exit_code,
                    skip.reproduce,
                    skip.detail,
                ));
                continue;
            }
        };
        let again = |r: &RunResult| {
            judge(r, &reference, &spec.ready) == HostileOutcome::Ok
                && !crate::interrupt::requested()
        };
        let run = || run_invocation(&inv, spec);
        let (result, made) = foreign::repeat(condition.tries(), run, again);
        crate::interrupt::check()?;
        let outcome = judge(&result, &reference, &spec.ready);
        // The dynamic build under the same condition, where the static one failed.
        let twin_run = match outcome {
            HostileOutcome::Crashed | HostileOutcome::Hung => {
                twin_of(&mut twin).and_then(|(d, dyn_reference)| {
                    let p = set_up(condition, &d, spec, privilege, &scratch).ok()?;
                    Some(TwinRun::of(&run_invocation(&p, spec), &dyn_reference, spec))
                })
            }
            _ => None,
        };
        let detail = if outcome == HostileOutcome::Skipped {
            Some(plain::not_judged(spec, &reference, plain_twin.as_ref()))
        } else if condition.tries() > 1 {
            let failed = outcome != HostileOutcome::Ok;
            foreign::runs_said(made, failed, detail(&result, outcome))
        } else {
            detail(&result, outcome)
        };
        let reproduce = inv.reproduce.clone();
        runs.push(judged(
            condition, &result, outcome, twin_run, reproduce, detail,
        ));
    }
    Ok(runs)
}

/// The record of a run under a condition that was set up, judged against the plain run, with
/// the dynamic build's run where the static one failed.
fn judged(
    condition: Condition,
    result: &RunResult,
    outcome: HostileOutcome,
    twin: Option<TwinRun>,
    reproduce: String,
    detail: Option<String>,
) -> HostileRun {
    HostileRun {
        signal: result.signal.map(signal_name),
        exit_code: result.exit_code,
        dynamic_outcome: twin.as_ref().map(|t| t.outcome),
        dynamic_signal: twin.as_ref().and_then(|t| t.signal.clone()),
        dynamic_exit_code: twin.as_ref().and_then(|t| t.exit_code),
        reproduce: Some(reproduce),
        detail,
        answered: result
            .answered
            .clone()
            .filter(|_| outcome == HostileOutcome::Hung),
        dynamic_answered: twin.as_ref().and_then(|t| t.answered.clone()),
        dynamic_detail: twin.and_then(|t| t.detail),
        ..HostileRun::new(condition.name(), condition.description(), outcome)
    }
}

/// How the dynamic build ended under a condition that the static build failed.
struct TwinRun {
    outcome: HostileOutcome,
    signal: Option<String>,
    exit_code: Option<i32>,
    /// What it answered, when it hung.
    answered: Option<String>,
    detail: Option<String>,
}

impl TwinRun {
    fn of(r: &RunResult, reference: &RunResult, spec: &ProbeSettings) -> TwinRun {
        // Not ready in time, as its plain run: no verdict of its own (a server waited for
        // with `exit`), but what it did beside the static build's failure is hang; `skipped`
        // said no comparison was made (QA j).
        let outcome = match judge(r, reference, &spec.ready) {
            HostileOutcome::Skipped if r.timed_out => HostileOutcome::Hung,
            o => o,
        };
        TwinRun {
            outcome,
            signal: r.signal.map(signal_name),
            exit_code: r.exit_code,
            answered: r
                .answered
                .clone()
                .filter(|_| outcome == HostileOutcome::Hung),
            detail: detail(r, outcome),
        }
    }
}

fn skipped(
    condition: Condition,
    exit_code: Option<i32>,
    reproduce: Option<String>,
    detail: String,
) -> HostileRun {
    HostileRun {
        exit_code,
        reproduce,
        detail: Some(detail),
        ..HostileRun::new(
            condition.name(),
            condition.description(),
            HostileOutcome::Skipped,
        )
    }
}

/// Why a condition was not run.
struct Skip {
    detail: String,
    exit_code: Option<i32>,
    reproduce: Option<String>,
}

/// The command line for `condition`, once its wrapper (`setpriv`, `unshare`, `mount`) was
/// seen to set it up and reach the program's `exec` in a run of its own: a failure of the
/// program's run is then the program's, whatever its stderr says.
fn set_up(
    condition: Condition,
    binary: &Path,
    spec: &ProbeSettings,
    privilege: &Privilege,
    scratch: &conditions::Scratch,
) -> std::result::Result<conditions::Invocation, Skip> {
    let skip = |detail| Skip {
        detail,
        exit_code: None,
        reproduce: None,
    };
    let inv = conditions::invocation(condition, binary, spec, privilege, scratch).map_err(skip)?;
    if let Some((uid, gid)) = inv.beside {
        let started = foreign::start(uid, gid);
        started.map_err(|e| skip(format!("skipped: the condition could not be set up: {e}")))?;
    }
    let check = conditions::setup_check(condition, binary, privilege, scratch).map_err(skip)?;
    let Some(check) = check else {
        return Ok(inv);
    };
    let to_exit = ProbeSettings {
        ready: Ready::EXIT,
        ..spec.clone()
    };
    let r = run_invocation(&check, &to_exit);
    if r.exit_code == Some(0) {
        return Ok(inv);
    }
    let why = match (r.stderr_tail.lines().last(), r.exit_code, r.signal) {
        (Some(line), _, _) => line.to_string(),
        (None, Some(code), _) => format!("exited with status {code}"),
        (None, None, Some(sig)) => format!("killed by {}", signal_name(sig)),
        (None, None, None) => "it did not finish".to_string(),
    };
    Err(Skip {
        detail: format!("skipped: the condition could not be set up: {why}"),
        exit_code: r.exit_code,
        reproduce: Some(check.reproduce),
    })
}

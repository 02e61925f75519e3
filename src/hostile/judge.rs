//! The verdict of a hostile run: its end against the plain run's, with the readiness both
//! were run with.

use super::run::RunResult;
use crate::options::Ready;
use crate::report::HostileOutcome;

/// Compare a hostile run with the plain run of the same binary. A run that timed out where
/// the plain run timed out too is not judged (`Skipped`): a server waited for with `exit`
/// readiness never exits, and calling that `ok` under every condition meant nothing. Nor is
/// one that ended as the plain run did when that run never got ready (QA s: a server that
/// refused its arguments exited 1 under every condition, and each was called `ok`).
/// `ready`: the readiness both were run with; statuses it accepts (`exit:0,1`, `exit:any`)
/// are no failure, though they differ (QA bw F2: xh, which exits 1 when a connection is
/// refused, was "not ready (exit:1)" under `--ready exit:1`).
pub fn judge(result: &RunResult, reference: &RunResult, ready: &Ready) -> HostileOutcome {
    if result.timed_out {
        return if reference.timed_out {
            HostileOutcome::Skipped
        } else {
            HostileOutcome::Hung
        };
    }
    // Another signal or exit status than the plain run's: a program that aborts (or exits 3)
    // plainly is not made to by the condition.
    if result.signal != reference.signal {
        return HostileOutcome::Crashed;
    }
    let both_ready = || got_ready(result, ready) && got_ready(reference, ready);
    if result.exit_code != reference.exit_code && !(ready.is_exit() && both_ready()) {
        return HostileOutcome::Crashed;
    }
    if !got_ready(reference, ready) {
        return HostileOutcome::Skipped;
    }
    HostileOutcome::Ok
}

/// Whether a run got ready: it exited with a status `ready` accepts (`exit` readiness: 0
/// unless `exit:N` says otherwise), or was stopped once ready (the others: no status of its
/// own).
pub(super) fn got_ready(r: &RunResult, ready: &Ready) -> bool {
    let accepted = |c: i32| match ready {
        Ready::Exit(ok) => ok.accepts(c),
        _ => c == 0,
    };
    !r.timed_out && r.signal.is_none() && r.exit_code.is_none_or(accepted)
}

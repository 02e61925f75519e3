//! Runs of a static binary under conditions that expose static-glibc hazards (`--hostile`).
//! Owned by the hostile stage (`src/hostile/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HostileOutcome {
    /// Behaved as in a plain run.
    Ok,
    /// Killed by a signal, or exited with another status than in a plain run.
    Crashed,
    /// Still running at the timeout (and a plain run was not).
    Hung,
    /// The condition could not be set up here, or the run was not judged because the plain
    /// run timed out too (see `detail`).
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostileRun {
    /// e.g. `no-home`, `unknown-uid`, `nss-module`, `all`.
    pub condition: String,
    /// What the condition does, in words.
    pub description: String,
    pub outcome: HostileOutcome,
    /// e.g. `SIGSEGV` when killed by a signal.
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
    /// The dynamic build under the same condition, when the static one failed.
    pub dynamic_outcome: Option<HostileOutcome>,
    /// The signal that ended the dynamic build's run, e.g. `SIGABRT` (absent in reports
    /// written before it existed).
    #[serde(default)]
    pub dynamic_signal: Option<String>,
    /// The exit status of the dynamic build's run, when it ended with one (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_exit_code: Option<i32>,
    /// Whether the static linkage is to blame: the static build failed (`crashed` covers
    /// another exit status too) or hung, and the dynamic build did not fail the same way
    /// ([`HostileRun::static_hazard`]). A script that compared `outcome` with `dynamic_outcome`
    /// read a static SIGSEGV beside a dynamic exit 1 as one failure (QA ba F1). Set when the
    /// run is made; `false` in reports written before it existed.
    #[serde(default)]
    pub static_hazard: bool,
    /// A shell command that reproduces the run by hand.
    pub reproduce: Option<String>,
    /// Why it was skipped, or the tail of stderr of a failed run (which begins with
    /// [`NOTHING_ON_STDERR`] when it wrote nothing there: the rest is how the run ended).
    pub detail: Option<String>,
    /// Set by the gate: an `allow` of the finding this failure is attached to (AOT004) waives
    /// it, so it does not fail the run. `None` when nothing waives it.
    #[serde(default)]
    pub allowed: Option<Waiver>,
    /// Where a crash by a signal happened: the functions on the crashing stack, innermost
    /// first, found by running the condition once more under ptrace (a heuristic backtrace,
    /// see hostile/frames.rs). Empty when not looked for or not found (a stripped binary
    /// without its analysis link, a run that did not crash again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crash_stack: Vec<String>,
    /// Why `crash_stack` is empty for a crash it was looked for (the crash did not happen
    /// again under the tracer, the tracer could not run, the stack shows no function of the
    /// binary). Absent when the stack was found or not looked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash_site_unknown: Option<String>,
    /// A run that never got ready answered the `http` check otherwise than awaited: its last
    /// answer (`HTTP 403`), where `outcome` is `hung`. It did not hang (QA bd F2: miniserve
    /// answered 403 at once, and was said to hang). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<String>,
    /// As `answered`, of the dynamic build's run under the same condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_answered: Option<String>,
    /// As `detail`, of the dynamic build's run when it failed too: what the program said (QA
    /// ce F1: rustscan's dynamic build panicked "Could not infer config file path." where the
    /// static one crashed, and the report showed neither). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_detail: Option<String>,
    /// `nss-module` of a binary that defines a host lookup: the name-service files and
    /// modules the program opened when the condition ran once more, traced (`/etc/hosts`,
    /// `/etc/resolv.conf`, `/etc/nsswitch.conf`, `libnss_*`; QA ce F2: whether a run looked a
    /// host name up was not said). Empty: it opened none. Absent when not traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nss_opened: Option<Vec<String>>,
}

/// The allowance that waives a failure under `--hostile`: its rule and its reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    pub reason: String,
}

/// `--hostile` ran and judged none of its conditions (all skipped: no privilege here, or a
/// server probed without `--ready`): the run's verdict is at least `inconclusive` (QA am F4:
/// five skipped conditions ended in `verdict pass`). The first skipped run's reason, if so.
pub fn none_judged(runs: &[HostileRun]) -> Option<&str> {
    let first = runs.first()?;
    runs.iter()
        .all(|r| r.outcome == HostileOutcome::Skipped)
        .then(|| first.detail.as_deref().unwrap_or("skipped"))
}

impl HostileRun {
    /// A run under `condition` with this outcome and nothing else known yet.
    pub fn new(condition: &str, description: &str, outcome: HostileOutcome) -> HostileRun {
        HostileRun {
            condition: condition.into(),
            description: description.into(),
            outcome,
            signal: None,
            exit_code: None,
            dynamic_outcome: None,
            dynamic_signal: None,
            dynamic_exit_code: None,
            reproduce: None,
            detail: None,
            allowed: None,
            crash_stack: Vec::new(),
            crash_site_unknown: None,
            answered: None,
            dynamic_answered: None,
            dynamic_detail: None,
            nss_opened: None,
            static_hazard: false,
        }
    }

    /// Whether the static linkage is to blame for this run's failure: it crashed or hung, and
    /// the dynamic build under the same condition did not fail the same way (or could not be
    /// run). A failure both builds share is the program's own answer to the condition (it
    /// needs `HOME`), not a static-glibc hazard. A static crash by a signal is shared only
    /// with a dynamic crash by the same signal: a static SIGSEGV where the dynamic build exits
    /// 1 (or aborts) is the static linkage's to answer for.
    pub fn static_hazard(&self) -> bool {
        if !matches!(self.outcome, HostileOutcome::Crashed | HostileOutcome::Hung) {
            return false;
        }
        match self.dynamic_outcome {
            Some(d) if d == self.outcome => {
                self.signal.is_some() && self.dynamic_signal != self.signal
            }
            _ => true,
        }
    }

    /// Whether the dynamic build failed under this condition too (crashed, another exit
    /// status, or hung): the program does not run under it whatever the linkage.
    pub fn both_fail(&self) -> bool {
        matches!(
            self.dynamic_outcome,
            Some(HostileOutcome::Crashed | HostileOutcome::Hung)
        )
    }
}

/// How a failed run's `detail` begins when the program wrote nothing to stderr: what follows
/// is the tool's account of how the run ended, not the program's words (QA u, F2).
pub const NOTHING_ON_STDERR: &str = "nothing on stderr; ";

#[cfg(test)]
mod tests {
    use super::*;

    fn run(outcome: HostileOutcome, dynamic: Option<HostileOutcome>) -> HostileRun {
        HostileRun {
            dynamic_outcome: dynamic,
            ..HostileRun::new("no-home", "", outcome)
        }
    }

    /// The static linkage is to blame only where the dynamic build does not fail the same
    /// way: a program that needs `HOME` fails both (no AOT004 from that).
    #[test]
    fn a_failure_both_builds_share_is_no_static_hazard() {
        use HostileOutcome::{Crashed, Hung, Ok};
        assert!(run(Crashed, Some(Ok)).static_hazard());
        assert!(
            run(Crashed, None).static_hazard(),
            "no dynamic build to compare"
        );
        assert!(
            run(Crashed, Some(Hung)).static_hazard(),
            "not the same failure"
        );
        assert!(!run(Crashed, Some(Crashed)).static_hazard());
        assert!(!run(Hung, Some(Hung)).static_hazard());
        assert!(!run(Ok, None).static_hazard());
    }

    /// A static SIGSEGV is not "shared" with a dynamic build that exits 1 or aborts: the
    /// kind of failure is compared, not only the outcome (a real static-linkage crash was
    /// hidden as "the dynamic build fails too").
    #[test]
    fn a_static_crash_by_signal_is_shared_only_with_the_same_signal() {
        use HostileOutcome::{Crashed, Hung};
        let with = |signal: Option<&str>, dynamic: HostileOutcome, dynamic_signal: Option<&str>| {
            HostileRun {
                signal: signal.map(str::to_string),
                dynamic_signal: dynamic_signal.map(str::to_string),
                dynamic_exit_code: None,
                ..run(Crashed, Some(dynamic))
            }
        };
        assert!(
            with(Some("SIGSEGV"), Crashed, None).static_hazard(),
            "dynamic exits 1"
        );
        assert!(with(Some("SIGSEGV"), Crashed, Some("SIGABRT")).static_hazard());
        assert!(with(Some("SIGSEGV"), Hung, None).static_hazard());
        assert!(!with(Some("SIGSEGV"), Crashed, Some("SIGSEGV")).static_hazard());
        // A static exit status where the dynamic build crashes as well: the program's own.
        assert!(!with(None, Crashed, None).static_hazard());
        assert!(!with(None, Crashed, Some("SIGSEGV")).static_hazard());
    }
}

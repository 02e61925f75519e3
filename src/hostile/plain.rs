//! The plain run: the one every condition is compared with. When it does not get ready, the
//! conditions are not judged, and the detail says why. When the static build crashed in it
//! and its dynamic build, run with the same arguments, did not, that crash is reported as a
//! run of its own, `plain` (QA au F1: `eza -l` of a file whose owner the passwd file lacks
//! crashed in `getpwuid_r` with no condition set: the very hazard, not its arguments).

use super::conditions::{Condition, Invocation};
use super::run::RunResult;
use super::{got_ready, signal_name};
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::report::{HostileOutcome, HostileRun};

/// How the detail of a run that was not judged begins.
pub(super) const NOT_JUDGED: &str = "not judged: ";
/// ... when the plain run ended before it was ready (see [`not_judged`]).
pub(super) const PLAIN_ENDED: &str = "not judged: the plain run did not get ready (";

/// Whether the plain run was ended by a signal before it got ready: the crash that its
/// dynamic build is asked about.
pub(super) fn crashed(reference: &RunResult) -> bool {
    !reference.timed_out && reference.signal.is_some()
}

/// The static build's crash in the plain run, as a run of its own, when its dynamic build
/// (`twin`, run with the same arguments) did not end by the same signal: the static linkage
/// is then to blame, and the crash is located and pinned as any condition's is. `None` when
/// there is no dynamic build to tell, or when it crashed alike (the program's own crash).
pub(super) fn static_crash(
    reference: &RunResult,
    twin: Option<&RunResult>,
    plain: &Invocation,
    ready: &Ready,
) -> Option<HostileRun> {
    let twin = twin?;
    if !crashed(reference) || twin.signal == reference.signal {
        return None;
    }
    let dynamic_outcome = if got_ready(twin, ready) {
        HostileOutcome::Ok
    } else if twin.timed_out {
        HostileOutcome::Hung
    } else {
        HostileOutcome::Crashed
    };
    let c = Condition::Plain;
    Some(HostileRun {
        signal: reference.signal.map(signal_name),
        exit_code: reference.exit_code,
        dynamic_outcome: Some(dynamic_outcome),
        dynamic_signal: twin.signal.map(signal_name),
        dynamic_exit_code: twin.exit_code,
        reproduce: Some(plain.reproduce.clone()),
        detail: super::detail(reference, HostileOutcome::Crashed),
        dynamic_detail: super::detail(twin, dynamic_outcome),
        ..HostileRun::new(c.name(), c.description(), HostileOutcome::Crashed)
    })
}

/// Why a run that timed out, or ended before ready, as the plain run did, tells nothing;
/// `twin` is the dynamic build's plain run, when it was run (after a crash of the static).
pub(super) fn not_judged(
    spec: &ProbeSettings,
    reference: &RunResult,
    twin: Option<&RunResult>,
) -> String {
    let limit = format!("{:?}", spec.timeout);
    if !reference.timed_out {
        let end = match (reference.signal, reference.exit_code) {
            (Some(s), _) => format!("was killed by {}", signal_name(s)),
            (None, Some(c)) => format!("exited with status {c}"),
            (None, None) => "ended".to_string(),
        };
        let said = crate::report::telling_lines(&reference.stderr_tail, 1)
            .pop()
            .map(|l| format!(": {}", crate::format::printable(l, false)))
            .unwrap_or_default();
        let ready = &spec.ready;
        let args = "check --probe-arg and --ready (or `probe_args`, `ready` in the config)";
        return match (reference.signal, twin) {
            (Some(s), Some(t)) if t.signal == Some(s) => format!(
                "{NOT_JUDGED}the plain run did not get ready ({ready}) either: it {end}{said}, \
                 and so did its dynamic build with the same arguments: the crash is the \
                 program's, not its static linkage's; {args}"
            ),
            (Some(_), Some(_)) => format!(
                "{NOT_JUDGED}the plain run did not get ready ({ready}) either: it {end}{said}, \
                 and its dynamic build with the same arguments did not: see the `plain` run"
            ),
            // A crash may be the very hazard, not the arguments; with no dynamic build to
            // run, the user is told how to tell.
            (Some(_), None) => format!(
                "{NOT_JUDGED}the plain run did not get ready ({ready}) either: it {end}{said}; \
                 {args}; a crash of the static build can be an NSS lookup of its own \
                 (AOT004): run its dynamic build with the same arguments to tell"
            ),
            (None, _) => format!(
                "{NOT_JUDGED}the plain run did not get ready ({ready}) either: it {end}{said}; \
                 {args}"
            ),
        };
    }
    match spec.ready {
        Ready::Exit(_) => format!(
            "{NOT_JUDGED}the plain run did not exit within {limit} either (a server?): set \
             --ready (or `ready` in the config) so that hostile runs wait until it is up"
        ),
        ref ready => format!(
            "{NOT_JUDGED}the plain run was not ready ({ready}) within {limit} either: check \
             --ready and --probe-timeout (or `ready`, `probe_timeout` in the config)"
        ),
    }
}

/// Arguments nearly every program answers before it does any work, lookups included.
const ANSWERED_EARLY: &[&str] = &["--version", "-V", "--help", "-h", "version", "help"];

/// Whether the program ran with nothing but arguments it answers before any work.
pub fn only_answered_early(args: &[String]) -> bool {
    !args.is_empty() && args.iter().all(|a| ANSWERED_EARLY.contains(&a.as_str()))
}

/// A warning when every condition passed and the program ran with nothing but an argument it
/// answers at once (`--version`): the `ok`s may have tested no lookup (QA bm F2: `btm
/// --version` passed all five, and without arguments crashed under one).
/// Also when some crashed and others passed: what crashed was looked up before the answer
/// (xh's user, through `dirs`), and the lookups of its work were not reached (QA bq F3: xh's
/// host-name lookup was "not reproduced", never made, and nothing said so).
pub(super) fn answered_early(name: &str, args: &[String], runs: &[HostileRun]) -> Option<String> {
    let early = only_answered_early(args);
    let ok = runs
        .iter()
        .filter(|r| r.outcome == HostileOutcome::Ok)
        .count();
    if !early || ok == 0 {
        return None;
    }
    let args = args.join(" ");
    let give = "give --probe-arg (and --ready) the arguments it runs with";
    Some(if ok == runs.len() {
        format!(
            "{name}: every --hostile condition passed with `{args}`, which most programs answer \
             before any lookup, so the runs may have tested none; {give}"
        )
    } else {
        format!(
            "{name}: the --hostile runs gave it `{args}`, which most programs answer before \
             their work: the lookups its work makes (a host name) were likely not reached, \
             neither in the {ok} conditions that passed nor in those that crashed; {give}"
        )
    })
}

/// The warning that every condition passed in a static binary that defines none of the NSS
/// functions they aim at (user, group and host lookups; AOT004 found none in its symbols):
/// the runs show that it starts under them, and no lookup was there to test (QA ca F4:
/// miniserve's six `ok`s read as robustness). None where a condition failed, or where the
/// binary has no symbols to tell by.
pub(super) fn no_lookup(a: &crate::report::Artifact) -> Option<String> {
    let all_ok = !a.hostile.is_empty() && a.hostile.iter().all(|r| r.outcome == HostileOutcome::Ok);
    let has_symbols = a
        .binary
        .coverage
        .as_ref()
        .is_some_and(|c| c.symbol_table.is_some());
    if !all_ok || !has_symbols || a.findings.iter().any(|f| f.rule == "AOT004") {
        return None;
    }
    Some(format!(
        "{}: every --hostile condition passed, and the static binary defines none of the NSS \
         functions they aim at (user, group and host lookups): the runs show that it starts \
         under them; there was no lookup to test",
        a.name
    ))
}

//! A `--hostile` run in words, as the terminal, Markdown, the page and the verdict say it:
//! what it did, how it ended, the dynamic build's run beside it, where it crashed, and why it
//! does not count when it does not.

use crate::report::{HostileOutcome, HostileRun};

/// What a run did, in a word: `failed` for one that ended with another exit status than a
/// plain run's (the JSON's `crashed` without a signal: tealdeer's "permission denied", exit 1,
/// read as a crash; QA j), else its outcome's word.
pub fn run_word(r: &HostileRun) -> &'static str {
    if r.outcome == HostileOutcome::Crashed && r.signal.is_none() && r.exit_code.is_some() {
        "failed"
    } else if r.outcome == HostileOutcome::Hung && r.answered.is_some() {
        // It answered, not as awaited: no hang (QA bd F2).
        "not ready"
    } else {
        outcome_word(r.outcome)
    }
}

/// `crashed`, `hung`, `ok`, `skipped`.
pub fn outcome_word(o: HostileOutcome) -> &'static str {
    match o {
        HostileOutcome::Ok => "ok",
        HostileOutcome::Crashed => "crashed",
        HostileOutcome::Hung => "hung",
        HostileOutcome::Skipped => "skipped",
    }
}

/// How many frames of a crash stack the terminal, Markdown and the page show.
const CRASH_FRAMES: usize = 5;

/// `[libnss_systemd.so.2] ← getpwuid_r ← alpha::user_known ← …`: the innermost functions of
/// the stack a crash happened on (a heuristic backtrace, see `HostileRun::crash_stack`); the
/// whole stack is in the JSON. `unknown: WHY` when it was looked for and not found; `None`
/// when it was not looked for.
pub fn crash_site(r: &HostileRun) -> Option<String> {
    if r.crash_stack.is_empty() {
        return r
            .crash_site_unknown
            .as_ref()
            .map(|why| format!("unknown: {why}"));
    }
    let mut s = r
        .crash_stack
        .iter()
        .take(CRASH_FRAMES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ← ");
    if r.crash_stack.len() > CRASH_FRAMES {
        s.push_str(" ← …");
    }
    Some(s)
}

/// ` (SIGSEGV)` or ` (exit status 3)` after a crash; empty otherwise.
pub fn how(r: &HostileRun) -> String {
    if let Some(a) = r
        .answered
        .as_ref()
        .filter(|_| r.outcome == HostileOutcome::Hung)
    {
        return format!(" (it answered {a} until the timeout)");
    }
    match (&r.signal, r.exit_code) {
        (Some(sig), _) => format!(" ({sig})"),
        (None, Some(code)) if r.outcome == HostileOutcome::Crashed => {
            format!(" (exit status {code})")
        }
        _ => String::new(),
    }
}

/// Why a crash or hang under `--hostile` does not fail the run: `allowed (AOT004: REASON)` when
/// an allowance waives it, `not counted, the dynamic build fails the same way` when the static
/// linkage is not to blame; `None` when it counts.
pub fn not_counted(r: &HostileRun) -> Option<String> {
    if let Some(w) = &r.allowed {
        return Some(format!("allowed ({}: {})", w.rule, w.reason));
    }
    (matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung) && !r.static_hazard())
        .then(|| "not counted, the dynamic build fails the same way".into())
}

/// The dynamic build's run under the same condition, worded as [`run_word`] and [`how`] word
/// the static one's: its outcome, `failed`/`crashed`/..., and ` (exit status 101)` or
/// ` (SIGABRT)` when known.
pub fn dynamic_run(r: &HostileRun) -> Option<(HostileOutcome, &'static str, String)> {
    let d = r.dynamic_outcome?;
    Some(match (d, &r.dynamic_signal, r.dynamic_exit_code) {
        (HostileOutcome::Crashed, Some(sig), _) => (d, "crashed", format!(" ({sig})")),
        (HostileOutcome::Crashed, None, Some(code)) => {
            (d, "failed", format!(" (exit status {code})"))
        }
        // Ended as its own plain run did, which never got ready (QA aw F2: "dynamic build:
        // skipped" where it ran and exited 1): how it ended, said as such.
        (HostileOutcome::Skipped, Some(sig), _) => {
            (d, "crashed", format!(" ({sig}), as its plain run did"))
        }
        (HostileOutcome::Skipped, None, Some(code)) => (
            d,
            "failed",
            format!(" (exit status {code}), as its plain run did"),
        ),
        (HostileOutcome::Hung, ..) if r.dynamic_answered.is_some() => (
            d,
            "not ready",
            format!(
                " (it answered {} until the timeout)",
                r.dynamic_answered.as_deref().unwrap_or_default()
            ),
        ),
        _ => (d, outcome_word(d), String::new()),
    })
}

/// What follows the dynamic build's outcome `d` of run `r` when the static linkage is to blame
/// (see [`HostileRun::static_hazard`]); `None` when both builds failed alike. Where the dynamic
/// build failed too, it says how the static one's failure differs (QA ae, 4: "differently:
/// the static linkage is the cause of this one" read as if the dynamic build had worked).
pub fn static_cause(r: &HostileRun, d: HostileOutcome) -> Option<&'static str> {
    if d == HostileOutcome::Ok {
        return (r.outcome != HostileOutcome::Ok).then_some(": the static linkage is the cause");
    }
    if !r.static_hazard() {
        return None;
    }
    Some(match (r.outcome, &r.signal, &r.dynamic_signal) {
        (HostileOutcome::Crashed, Some(_), None)
            if d == HostileOutcome::Crashed && r.dynamic_exit_code.is_some() =>
        {
            " too, without a signal: the static linkage turns it into a crash"
        }
        (HostileOutcome::Crashed, Some(_), Some(_)) if d == HostileOutcome::Crashed => {
            ", by another signal: the static linkage changes how it crashes"
        }
        (HostileOutcome::Hung, _, _) => ", without hanging: the static linkage makes it hang",
        (HostileOutcome::Crashed, Some(_), _)
            if d == HostileOutcome::Skipped && r.dynamic_signal.is_none() =>
        {
            ": the static linkage turns its failure into a crash"
        }
        _ => ", differently: the static linkage is the cause of this one",
    })
}

/// `crashed (SIGSEGV); dynamic build: ok: the static linkage is the cause`, and why it does
/// not count when it does not (`; allowed (AOT004: REASON)`). The dynamic build's run is
/// worded as the static one's: `failed (exit status 101)`, `crashed (SIGABRT)` (QA l: it read
/// "crashed" beside the static "failed (exit status 101)", for the same exit).
pub fn hostile_outcome(r: &HostileRun) -> String {
    let mut s = format!("{}{}", run_word(r), how(r));
    if let Some((d, word, how)) = dynamic_run(r) {
        s.push_str(&format!("; dynamic build: {word}{how}"));
        s.push_str(static_cause(r, d).unwrap_or_default());
    }
    if let Some(n) = not_counted(r) {
        s.push_str(&format!("; {n}"));
    }
    s
}

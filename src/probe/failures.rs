//! How failed runs are told: a run-level warning when some runs failed, and the error when
//! some binary had no run that got ready.

use crate::report::{Artifact, Probe, Report};

/// A run-level warning when some runs failed and others got ready: the verdict rests on the
/// runs that got ready, and a reader must know that the program does not always start.
/// `whose`: `the baseline's ` for a baseline's binary timed beside this run's (QA cn F4: both
/// read `` `procs` (static) ``). A crash's message goes without the hint at the run's
/// directory and arguments, which do not explain it (QA cn F1).
pub fn some_runs_failed(a: &Artifact, p: &Probe, whose: &str) -> Option<String> {
    let first = p.failed_runs.first().filter(|_| p.runs > 0)?;
    let made = p.made();
    let link = a.link_mode.map_or("", |l| l.as_str());
    let message = match first.crashed() {
        true => without_notes(&first.message),
        false => first.message.clone(),
    };
    let line = format!(
        "{whose}`{}` ({link}): {} of {} failed (first: run {}, {message}): the figures are of \
         the runs that got ready{}",
        a.name,
        p.failed_runs.len(),
        crate::format::count(made, "run", "runs"),
        first.run,
        changed_after(p).unwrap_or_default()
    );
    Some(crate::format::printable(&line, false).into_owned())
}

/// Where every run got ready up to some run and every run after it failed (two or more):
/// the program changed, most likely for what its first runs wrote (QA dg F3: broot's first run,
/// given a fresh HOME, installed its shell function and exited 0; every run after it found no
/// terminal, and the one ready run was timed as its start-up).
fn changed_after(p: &Probe) -> Option<String> {
    let (first_ready, last_ready) = (
        p.samples.iter().map(|s| s.run).min()?,
        p.samples.iter().map(|s| s.run).max()?,
    );
    let first_failed = p.failed_runs.iter().map(|f| f.run).min()?;
    let last_failed = p.failed_runs.iter().map(|f| f.run).max()?;
    let wrote = "most likely for what they wrote (under HOME, which it has from this run, or in \
                 its working directory); give it a scratch HOME (`--probe-env HOME=DIR`) and \
                 see what it wrote there";
    if first_failed > last_ready && p.failed_runs.len() >= 2 {
        return Some(format!(
            "; every run up to run {last_ready} got ready and every run after it failed: the \
             program behaved otherwise after its first runs, {wrote}"
        ));
    }
    // QA dh F9: broot under `--ready exit:1`, its first run setting itself up (exit 0), was
    // told to pass `--ready exit:0`, which every later run would fail.
    // Only of runs that exited so: a first run that timed out on a cold cache wrote nothing.
    let exited = p.failed_runs.iter().all(|f| f.kind == "exit-status");
    (last_failed < first_ready && p.samples.len() >= 2 && exited).then(|| {
        format!(
            "; every run up to run {last_failed} failed and every run after it got ready: the \
             program behaved otherwise in its first runs, {wrote}; a hint of those runs at \
             another readiness is of them alone"
        )
    })
}

/// A crash's message without what follows it in parentheses ([`super::CRASH_NOTE`], or
/// [`super::FAILED_RUN_NOTE`] in a report of before): a line that says why runs crashed needs
/// neither.
pub fn without_notes(message: &str) -> String {
    [super::CRASH_NOTE, super::FAILED_RUN_NOTE]
        .iter()
        .fold(message.to_string(), |m, n| m.replace(&format!(" {n}"), ""))
}

/// The last failed run's message of `a` ("no run" without one). A binary that cannot start
/// whatever its arguments (it needs shared libraries and has no interpreter, AOT012) says so
/// in place of the hint at its arguments (QA x: `advise` said only "killed by SIGSEGV").
pub fn last_failure(a: &Artifact) -> String {
    let Some(f) = a.probe.as_ref().and_then(|p| p.failed_runs.last()) else {
        return "no run".into();
    };
    match cannot_start(a) {
        None => f.message.clone(),
        Some(why) => format!(
            "{}{why}",
            f.message
                .replace(&format!(" {}", super::FAILED_RUN_NOTE), "")
        ),
    }
}

/// `: it needs 1 shared library (libz.so.1) and has no interpreter to load it, so it cannot
/// start (AOT012)` for a binary that cannot start whatever its arguments; `None` for another.
pub fn cannot_start(a: &Artifact) -> Option<String> {
    if !a.binary.stranded() {
        return None;
    }
    let n = a.binary.needed.len();
    Some(format!(
        ": it needs {} ({}) and has no interpreter to load {}, so it cannot start (AOT012)",
        crate::format::count(n, "shared library", "shared libraries"),
        a.binary.needed.join(", "),
        if n == 1 { "it" } else { "them" },
    ))
}

/// Why a run of `a` did not get ready: [`last_failure`] and the last line of its stderr that
/// is not a backtrace's (not escaped).
pub fn why_not_ready(a: &Artifact) -> String {
    let mut why = last_failure(a);
    let Some(p) = a.probe.as_ref() else {
        return why;
    };
    // A run that printed its usage says so in its own message (`RunFail::into_failed_run`).
    if let Some(f) = p.failed_runs.last()
        && let Some(line) = f.stderr_last(1).pop()
    {
        why.push_str(&format!("; its stderr says: {}", with_its_list(f, line)));
    }
    why
}

/// The line, and when it ends with `:` the lines that follow it (clap's "the following
/// required arguments were not provided:" and the arguments; QA al F5: quoted without them,
/// and as the line stderr "ends with", which it was not).
fn with_its_list(f: &crate::report::FailedRun, line: &str) -> String {
    if !line.ends_with(':') {
        return line.to_string();
    }
    let lines = f.stderr_last(LIST_SHOWN + 1);
    let after: Vec<&str> = lines
        .iter()
        .skip_while(|l| **l != line)
        .skip(1)
        .copied()
        .collect();
    match after.as_slice() {
        [] => line.to_string(),
        items => format!("{line} {}", items.join(", ")),
    }
}

/// The items of a listed error quoted after it.
const LIST_SHOWN: usize = 4;

/// A message when some probed binary had no run at all that reached ready (exit code 2): one
/// line for one binary, else a line for each under a heading (a `--compare` of a crashing
/// program fails twice). Names, messages and stderr are escaped here, so that the only line
/// breaks are ours.
pub fn all_failed(report: &Report) -> Option<String> {
    let ready = |a: &Artifact| a.probe.as_ref().is_some_and(|p| p.runs > 0);
    // A static build that fails alone, or a crash, is a verdict on it, not an error of the run.
    let failed: Vec<&Artifact> = report
        .artifacts
        .iter()
        .filter(|a| a.probe.as_ref().is_some_and(|p| p.runs == 0) && !report.fails_probe(a))
        .collect();
    let names: Vec<String> = failed
        .iter()
        .map(|a| {
            let why = why_not_ready(a);
            let link = a.link_mode.map_or("", |l| l.as_str());
            let line = format!("`{}` ({link}): {why}", a.name);
            crate::format::printable(&line, false).into_owned()
        })
        .collect();
    let mut message = no_successful_run(&names)?;
    // One program's arguments rarely suit another's (QA ac, D3: git-cliff's `-r DIR` given to
    // its `git-cliff-completions` too, which then panicked): when some other binary did get
    // ready, say how to give each binary its own. A failing binary's own other build is not
    // another program.
    let other_ready = report.artifacts.iter().any(|a| {
        ready(a)
            && !failed
                .iter()
                .any(|f| f.package == a.package && f.name == a.name)
    });
    if other_ready {
        message.push_str(&format!("\n{EACH_ITS_OWN}"));
    }
    Some(message)
}

/// What follows a static build's failure when it fails alone ([`Report::fails_alone`]).
pub const ALONE: &str = "; its dynamic build got ready with the same arguments: the static \
    build alone fails (AOT004 and --hostile tell whether glibc's static linkage is the cause)";

/// The hint when some binaries got ready and others did not (see [`all_failed`]).
pub const EACH_ITS_OWN: &str = "hint: the probe's arguments go to every binary it probes: \
    `--bin NAME` probes one, and `[package.metadata.aotcheck.bin.NAME]` gives each its own \
    `probe_args` (and `ready`)";

/// The error for the binaries (one line each, already escaped) that had no run that got
/// ready: one line for one, else a line for each under a heading; `None` for none.
pub fn no_successful_run(lines: &[String]) -> Option<String> {
    match lines {
        [] => None,
        [one] => Some(format!("the startup probe had no successful run for {one}")),
        many => Some(format!(
            "the startup probe had no successful run for {}:\n  {}",
            crate::format::count(many.len(), "binary", "binaries"),
            many.join("\n  ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::LinkMode;

    /// A static build and a dynamic one of `app`, with `runs` runs that got ready each (a
    /// run killed by SIGSEGV when none did).
    fn probed(link: LinkMode, runs: u32, name: &str) -> crate::report::Artifact {
        let mut a = crate::report::test_artifact(1000);
        a.name = name.into();
        a.link_mode = Some(link);
        let mut p = crate::report::Probe {
            runs,
            ..Default::default()
        };
        if runs == 0 {
            p.failed_runs.push(
                serde_json::from_value(serde_json::json!({
                    "run": 1, "warmup": true, "kind": "exited-before-ready",
                    "message": "exited with status 1", "exit_code": 1,
                    "signal": null, "core_dumped": false, "stdout_tail": "",
                    "stderr_tail": ""
                }))
                .expect("run"),
            );
        }
        a.probe = Some(p);
        a
    }

    /// QA au F1, QA ax F5: with `--compare`, a static build that failed where its dynamic
    /// build got ready fails alone: no error of the run (a verdict, see the gate's test), and
    /// the hint about other programs' arguments is not given for its own dynamic build.
    /// Another program that got ready still brings it.
    #[test]
    fn a_static_build_failing_alone_is_no_error_of_the_run() {
        let mut r = Report::new(None);
        r.artifacts = vec![
            probed(LinkMode::Static, 0, "app"),
            probed(LinkMode::Dynamic, 20, "app"),
        ];
        assert!(r.fails_alone(&r.artifacts[0]));
        assert!(!r.fails_alone(&r.artifacts[1]));
        assert_eq!(all_failed(&r), None);
        // Both failed: an error of the run, neither failing alone.
        r.artifacts[1] = probed(LinkMode::Dynamic, 0, "app");
        assert!(!r.fails_alone(&r.artifacts[0]));
        let m = all_failed(&r).expect("a failure");
        assert!(m.contains("`app` (static): exited with status 1"), "{m}");
        assert!(!m.contains(EACH_ITS_OWN), "{m}");
        // Both crashed in every run: a verdict too (QA cp F4), no error of the run.
        let mut crashed = r.clone();
        for a in &mut crashed.artifacts {
            if let Some(f) = a.probe.as_mut().and_then(|p| p.failed_runs.first_mut()) {
                f.signal = Some("SIGSEGV".into());
            }
        }
        assert_eq!(all_failed(&crashed), None);
        // Another program got ready: the hint is given.
        r.artifacts[1] = probed(LinkMode::Static, 20, "other");
        let m = all_failed(&r).expect("a failure");
        assert!(m.contains(EACH_ITS_OWN), "{m}");
    }

    /// QA cn F4: the baseline's binary timed beside this run's says whose it is; a crash goes
    /// without the hint at the run's directory and arguments (QA cn F1).
    #[test]
    fn the_warning_says_whose_binary_failed_and_a_crash_without_the_hint() {
        let mut a = probed(LinkMode::Static, 0, "procs");
        let p = a.probe.as_mut().expect("probe");
        p.runs = 3;
        p.failed_runs[0].message = format!("killed by SIGSEGV {}", super::super::FAILED_RUN_NOTE);
        p.failed_runs[0].signal = Some("SIGSEGV".into());
        let p = p.clone();
        assert_eq!(
            some_runs_failed(&a, &p, "the baseline's ").as_deref(),
            Some(
                "the baseline's `procs` (static): 1 of 1 run failed (first: run 1, killed by \
                 SIGSEGV): the figures are of the runs that got ready"
            )
        );
    }

    /// QA al F5: grex run without its argument; clap's error line ends with `:` and its list
    /// follows, then the usage. The line is quoted with its list.
    #[test]
    fn a_listed_error_is_quoted_with_its_list() {
        let f: crate::report::FailedRun = serde_json::from_value(serde_json::json!({
            "run": 1, "warmup": true, "kind": "exit-status", "message": "exited with status 2",
            "exit_code": 2, "signal": null, "core_dumped": false, "stdout_tail": "",
            "stderr_tail": "error: the following required arguments were not provided:\n  \
                            --file <FILE>\n  <INPUT>...\n\nUsage: grex --file <FILE> \
                            <INPUT>...\n\nFor more information, try '--help'.\n"
        }))
        .expect("run");
        let line = f.stderr_last(1).pop().expect("a line");
        assert_eq!(
            with_its_list(&f, line),
            "error: the following required arguments were not provided: --file <FILE>, \
             <INPUT>..."
        );
        assert_eq!(with_its_list(&f, "plain"), "plain");
    }
}

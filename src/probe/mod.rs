//! The startup probe: start each built binary repeatedly, time it from just before spawn until
//! it is ready, read its memory at that moment, stop it and everything it started.
//!
//! Runs are interleaved across binaries (A B A B … and the spawn floor in each round), so that
//! drift of the machine hits every series alike. The stage prints nothing: progress goes to
//! the callback it is given.

mod busy;
mod cleanup;
mod compare;
mod cpu_wait;
mod drain;
mod failures;
mod floor;
mod groups;
mod listener;
pub(crate) mod memory;
mod ready;
mod rounds;
mod series_warnings;
mod spawn;

/// The reason a figure of a probe with no counted run ready is unknown, when the probe did not
/// give up with one of its own.
pub const NO_COUNTED_RUN: &str = "no counted run reached ready";

use busy::{Window, busy_warning, load_average};
pub use busy::{baseline_busy, busy};
pub use failures::{
    ALONE, all_failed, cannot_start, last_failure, no_successful_run, some_runs_failed,
    why_not_ready, without_notes,
};
pub use floor::build_gate as exec_gate;
pub use listener::{held_anywhere, holder_of};
pub use ready::free_port;
pub use spawn::{
    CRASH_NOTE, FAILED_RUN_NOTE, NO_ARGS, NO_TTY, NOT_FOUND, OTHER_STATUS, RunSpec, USAGE, run_once,
};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};
use crate::options::Ready;
use crate::output::Output;
use crate::plan::{Plan, ProbeSettings};
use crate::progress::{ProbeBar, Progress};
use crate::report::{FailedRun, Memory, Probe, Report, Sample};
use crate::stats;
use rounds::Rounds;
use series_warnings::series_warnings;
use spawn::{RunResult, human_duration};

/// Failed runs in a row, with none ever reaching ready, after which a binary is given up on.
const GIVE_UP_AFTER: u32 = 3;

/// One binary's series of runs.
struct Series {
    label: String,
    path: PathBuf,
    samples: Vec<Sample>,
    failed: Vec<FailedRun>,
    unknown: BTreeMap<String, String>,
    /// Runs in which some process (the program or one it started) outlived the grace period.
    killed_after_grace: u32,
    /// The processes killed so, over all runs.
    killed_processes: u32,
    leftovers: u32,
    survivors: Vec<i32>,
    in_a_row: u32,
    gave_up: Option<String>,
    /// Counted runs that exited with a status `--ready exit:N` accepts, not 0, saying they
    /// found no terminal (see `RunOk::no_tty`): a terminal UI's failed start.
    no_tty: u32,
}

impl Series {
    fn new(label: String, path: PathBuf) -> Self {
        Series {
            label,
            path,
            samples: Vec::new(),
            failed: Vec::new(),
            unknown: BTreeMap::new(),
            killed_after_grace: 0,
            killed_processes: 0,
            leftovers: 0,
            survivors: Vec::new(),
            in_a_row: 0,
            gave_up: None,
            no_tty: 0,
        }
    }

    fn record(&mut self, run: u32, warmup: bool, r: RunResult, ready: &Ready, more: bool) {
        match r {
            Ok(ok) => {
                self.in_a_row = 0;
                self.no_tty += u32::from(ok.no_tty && !warmup);
                self.killed_after_grace += u32::from(ok.stop.killed > 0);
                self.killed_processes += ok.stop.killed;
                self.leftovers += ok.stop.leftovers;
                self.survivors.extend(&ok.stop.survivors);
                for (k, why) in ok.unknown {
                    self.unknown.entry(k.to_string()).or_insert(why);
                }
                self.samples.push(Sample {
                    run,
                    warmup,
                    spawned_at_ns: ok.spawned_at_ns,
                    startup_ms: ok.startup.as_secs_f64() * 1e3,
                    shutdown_ms: ok.stop.shutdown.map(|d| d.as_secs_f64() * 1e3),
                    memory_kib: ok.memory,
                    processes: ok.processes,
                    exit_code: ok.exit_code,
                    cpu_wait_share: ok.cpu_wait,
                });
            }
            Err(f) => {
                self.in_a_row += 1;
                self.killed_after_grace += u32::from(f.stop.killed > 0);
                self.killed_processes += f.stop.killed;
                self.leftovers += f.stop.leftovers;
                self.survivors.extend(&f.stop.survivors);
                let never = self.samples.is_empty() && more;
                // A port another process holds stays taken: no run could tell the program.
                let hopeless = f.kind == "port-taken" || (ready.is_exit() && f.kind == "timeout");
                if never && hopeless {
                    self.gave_up = Some(f.message.clone());
                } else if never && self.in_a_row >= GIVE_UP_AFTER {
                    self.gave_up = Some(format!(
                        "stopped after {GIVE_UP_AFTER} failed runs in a row, none ready"
                    ));
                }
                self.failed.push(f.into_failed_run(run, warmup));
            }
        }
    }

    fn counted(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(|s| !s.warmup)
    }

    fn startup_median(&self) -> Option<f64> {
        let v: Vec<f64> = self.counted().map(|s| s.startup_ms).collect();
        stats::summarize(&v).map(|s| s.median)
    }
}

/// The probe stage: every binary the plan probes, with its settings (the command line over its
/// config), then the comparisons of static and regular builds. A progress bar on a terminal.
/// `base`: the report of `--baseline-ref`'s revision, whose binaries are probed with this
/// run's settings, each beside its counterpart, round by round.
pub fn check(
    plan: &Plan,
    report: &mut Report,
    base: Option<&mut Report>,
    out: &mut Output,
) -> Result<()> {
    crate::inspect::unchanged(report)?;
    let settings = |a: &crate::report::Artifact| plan.bin_of(a).and_then(|b| b.probe.clone());
    // Together, the two builds' binaries of the same settings form one group: a base binary
    // runs right after its counterpart (they sort side by side).
    let ours = report.artifacts.len();
    let mut base = base;
    if let Some(b) = base.as_deref_mut() {
        report.artifacts.append(&mut b.artifacts);
    }
    announce(report, &settings, ours, out);
    let bar = ProbeBar::new(out);
    let floor = &plan.dirs.probe_floor;
    let result = probe_report(report, &settings, floor, &mut |p| bar.update(p));
    let failed: Vec<String> = report
        .artifacts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let whose = if i >= ours { "the baseline's " } else { "" };
            failures::some_runs_failed(a, a.probe.as_ref()?, whose)
        })
        .collect();
    report.warnings.extend(failed);
    if let Some(base) = base {
        base.artifacts = report.artifacts.split_off(ours);
        report.comparisons = compare::build(report);
        base.comparisons = compare::build(base);
    }
    bar.finish();
    result
}

/// One `Probing` status line per group of binaries probed together, before their runs: which,
/// how many runs, ready when. Those from `ours` on are a baseline's.
pub fn announce(
    report: &Report,
    settings_for: &dyn Fn(&crate::report::Artifact) -> Option<ProbeSettings>,
    ours: usize,
    out: &mut Output,
) {
    for line in groups::announced(report, &groups::groups(report, settings_for), ours) {
        out.status("Probing", &line);
    }
}

/// The counted runs' startup times of `a`, ms, in run order (warm-ups left out): what a ratio
/// of medians with its interval is made of.
pub fn counted_ms(a: &crate::report::Artifact) -> Vec<f64> {
    a.probe.as_ref().map_or_else(Vec::new, |p| {
        p.samples
            .iter()
            .filter(|s| !s.warmup)
            .map(|s| s.startup_ms)
            .collect()
    })
}

/// Probe every artifact that `settings_for` gives settings for, and fill `artifact.probe`,
/// then the comparisons. Binaries that share settings are probed together, interleaved.
pub fn probe_report(
    report: &mut Report,
    settings_for: &dyn Fn(&crate::report::Artifact) -> Option<ProbeSettings>,
    floor_dir: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    // Orphans (a `setsid` grandchild whose parent died) come back to us, so we can kill them.
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        report.warnings.push(format!(
            "cannot become a child subreaper ({e}): processes that escape with setsid may \
             survive the probe"
        ));
    }
    // Polls sleep 100 us; the default 50 us timer slack would add half as much again to each.
    let _ = nix::sys::prctl::set_timerslack(1_000);
    let groups = groups::groups(report, settings_for);
    if !groups.is_empty() {
        // Built once a run (each is a small C program, compiled when its source changed).
        let floor = floor::build(floor_dir);
        // Without the gate (no `cc`), `exit` mode attaches after spawn and may miss short
        // programs.
        let gate = floor::build_gate(floor_dir);
        if let Err(why) = &gate
            && groups.iter().any(|(o, _)| o.ready.is_exit())
        {
            report.warnings.push(format!(
                "{why}; memory in `exit` mode is read only when the program is still running \
                 once spawn returns"
            ));
        }
        // The machine's load before and after each group (said once, at its highest, where
        // other processes' CPU time is not known), and that CPU time over the whole window.
        let window = Window::open();
        let mut load = load_average();
        for (opts, members) in &groups {
            probe_group(report, members, opts, (&floor, &gate), progress)?;
            load = load.max(load_average());
        }
        busy_warning(report, load, &window);
    }
    report.comparisons = compare::build(report);
    Ok(())
}

/// Probe the artifacts at `members`, which share `opts`, round by round.
fn probe_group(
    report: &mut Report,
    members: &[usize],
    opts: &ProbeSettings,
    (floor, gate): (&Result<floor::Floor, String>, &Result<PathBuf, String>),
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let pattern = match &opts.ready {
        Ready::Line(re) => Some(Regex::new(re).map_err(|_| {
            let why = crate::spelling::invalid_regex(re).unwrap_or_default();
            Error::Usage(format!(
                "--ready line:{re}: not a valid regular expression ({why})"
            ))
        })?),
        _ => None,
    };
    // Static before dynamic of the same binary, so that a compared pair runs back to back.
    let mut order: Vec<usize> = members.to_vec();
    order.sort_by_key(|&i| {
        let a = &report.artifacts[i];
        (a.package.clone(), a.name.clone(), a.link_mode)
    });
    let mut all: Vec<Series> = order
        .iter()
        .map(|&i| {
            let a = &report.artifacts[i];
            let link = a.link_mode.map_or("", |l| l.as_str());
            Series::new(format!("{} ({link})", a.name), PathBuf::from(&a.path))
        })
        .collect();
    // The floor runs last in every round, in `exit` mode, with no arguments.
    let floor_at = floor.as_ref().ok().map(|f| {
        all.push(Series::new("spawn floor".into(), f.path.clone()));
        all.len() - 1
    });
    for s in &all {
        memory::from_disk(&s.path);
    }
    let rounds = Rounds {
        opts,
        gate: gate.as_deref().ok(),
        pattern: pattern.as_ref(),
        floor_at,
    };
    rounds.run(&mut all, progress)?;

    let floor_series = floor_at.and_then(|_| all.pop());
    let floor_ms = floor_series.as_ref().and_then(Series::startup_median);
    let floor_why = match (&floor, &floor_series) {
        (Err(why), _) => Some(why.clone()),
        (Ok(_), Some(f)) if floor_ms.is_none() => Some(format!(
            "the floor program did not run: {}",
            f.failed
                .first()
                .map_or("no run succeeded", |x| x.message.as_str())
        )),
        _ => None,
    };
    for (&i, s) in order.iter().zip(all) {
        let mut p = finish(s, opts);
        p.spawn_floor_ms = floor_ms;
        p.spawn_floor_program = floor.as_ref().ok().map(|f| f.description.clone());
        if let Some(why) = &floor_why {
            p.unknown.insert("spawn_floor_ms".into(), why.clone());
        }
        report.artifacts[i].probe = Some(p);
    }
    Ok(())
}

fn finish(s: Series, opts: &ProbeSettings) -> Probe {
    let ready = &opts.ready;
    let counted: Vec<Sample> = s.counted().cloned().collect();
    let startup: Vec<f64> = counted.iter().map(|x| x.startup_ms).collect();
    let shutdown: Vec<f64> = counted.iter().filter_map(|x| x.shutdown_ms).collect();
    let startup_ms = stats::summarize(&startup);
    let shutdown_ms = stats::summarize(&shutdown);
    let per_run: Vec<Memory> = counted.iter().map(|x| x.memory_kib).collect();
    let memory_kib = Memory::combine(&per_run, stats::median_u64);
    let memory_runs = counted
        .iter()
        .filter(|x| x.memory_kib.rss.is_some())
        .count() as u32;
    let warnings = series_warnings(
        &s,
        opts,
        (
            startup_ms.as_ref(),
            shutdown_ms.as_ref().map(|sd| (sd, &shutdown[..])),
        ),
    );
    let mut unknown = s.unknown;
    // A reason given by some run stays only while the figure is still unknown, or (for the
    // memory) while some runs lack it.
    unknown.retain(|k, _| match k.as_str() {
        "memory_kib" => memory_runs < counted.len() as u32,
        "memory_kib.pss" => memory_kib.pss.is_none(),
        "memory_kib.anon" => memory_kib.anon.is_none(),
        _ => true,
    });
    if counted.is_empty() {
        let why = match &s.gave_up {
            Some(g) => g.clone(),
            None => NO_COUNTED_RUN.into(),
        };
        unknown.insert("startup_ms".into(), why.clone());
        unknown.entry("memory_kib".into()).or_insert(why);
    }
    if shutdown.is_empty() && !counted.is_empty() && !ready.is_exit() {
        unknown.insert(
            "shutdown_ms".into(),
            format!(
                "the program and what it started were never all gone within {} of SIGTERM",
                human_duration(opts.grace)
            ),
        );
    }
    Probe {
        ready: ready.to_string(),
        args: Some(opts.args.clone()),
        env: Some(opts.env.iter().map(|(k, _)| k.clone()).collect()),
        env_sha256: env_sha256(&opts.env),
        runs: counted.len() as u32,
        failures: s.failed.len() as u32,
        requested_runs: opts.runs,
        warmup: opts.warmup,
        timeout_ms: opts.timeout.as_secs_f64() * 1e3,
        grace_ms: opts.grace.as_secs_f64() * 1e3,
        startup_ms,
        memory_kib,
        memory_runs,
        spawn_floor_ms: None,
        spawn_floor_program: None,
        shutdown_ms,
        killed_after_grace: s.killed_after_grace,
        leftover_processes_killed: s.leftovers,
        gave_up: s.gave_up,
        failed_runs: s.failed,
        warnings,
        unknown,
        samples: s.samples,
    }
}

/// A SHA-256 of the probe's `KEY=VALUE` lines, in hex; none without variables.
fn env_sha256(env: &[(String, String)]) -> Option<String> {
    use sha2::{Digest, Sha256};
    if env.is_empty() {
        return None;
    }
    let mut h = Sha256::new();
    for (k, v) in env {
        h.update(format!("{k}={v}\n").as_bytes());
    }
    Some(crate::format::hex(&h.finalize()))
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;

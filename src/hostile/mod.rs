//! `--hostile`: run a static binary under conditions that expose static-glibc hazards (NSS
//! lookups that make glibc load `libnss_*` modules into a static binary), each alone and then
//! together, and turn a suspicion from the audit into a reproduced crash.
//!
//! Conditions are set up with util-linux's `setpriv` and `unshare` rather than code between
//! `fork` and `exec`: the same command line is what the user gets to reproduce the run by hand,
//! and no `pre_exec` hook is needed.

mod all;
mod conditions;
mod crash;
mod foreign;
mod frames;
mod judge;
mod lookups;
mod plain;
mod privilege;
mod run;
mod sweep;
mod tracer;
mod unwind;

use std::path::PathBuf;

pub use all::run_all;
pub use conditions::{Condition, HOST_MODULES, missing_host_modules};
use judge::got_ready;
pub use judge::judge;
pub use lookups::{looked_up_hosts, other_databases};
pub use plain::only_answered_early;
pub use privilege::{Privilege, detect_privilege};
pub use run::{RunResult, run_invocation};
pub use tracer::hidden_main;

use crate::compile::Built;
use crate::error::Result;
use crate::output::Output;
use crate::plan::{BinPlan, Plan};
use crate::report::{HostileOutcome, LinkMode, Report};

/// The hostile stage: each static binary whose plan asks for hostile runs, under every
/// condition; a failure is checked against the dynamic build of the same package and binary,
/// built for the purpose if `--compare` did not already.
pub fn check(plan: &Plan, report: &mut Report, out: &mut Output) -> Result<()> {
    crate::inspect::unchanged(report)?;
    let wanted: Vec<usize> = (0..report.artifacts.len())
        .filter(|&i| {
            let a = &report.artifacts[i];
            a.link_mode == Some(LinkMode::Static) && plan.bin_of(a).is_some_and(|b| b.hostile)
        })
        .collect();
    if wanted.is_empty() {
        warn_none_static(plan, report);
        return Ok(());
    }
    // Orphans of a run (a `setsid` child whose parent died) come back to us, to be reaped
    // once stopped; without, they are stopped all the same (found by the run's mark).
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        report.warnings.push(format!(
            "cannot become a child subreaper ({e}): processes a hostile run leaves behind are \
             stopped, but reaped by init"
        ));
    }
    let privilege = detect_privilege();
    let mut twins = Twins::default();
    for i in wanted {
        let a = &report.artifacts[i];
        let Some(bin) = plan.bin_of(a) else { continue };
        // The probe's settings say how to run it and when it is up (also under `--no-probe`).
        let spec = bin.start.clone();
        let existing = report.dynamic_of(a).map(|d| PathBuf::from(&d.path));
        let path = PathBuf::from(&a.path);
        out.status("Hostile", &format!("runs of {} (static)", a.name));
        let mut dynamic = || existing.clone().or_else(|| twins.get(plan, bin, out));
        let mut runs = run_all(&path, &mut dynamic, &spec, &privilege, &plan.dirs.hostile)?;
        // Stopped during the runs or the dynamic build they asked for: no report whose runs
        // were judged without their twin and whose crash was never traced (QA bg F7: it was
        // pinned on every finding).
        crate::interrupt::check()?;
        // Where a crash happened, for the audit to pin it on the code that was running.
        let analysis = a.binary.build_id.as_deref().and_then(|id| {
            let dir = crate::compile::analysis_dir(plan.dirs.build(LinkMode::Static));
            crate::compile::link::analysis_file(&dir, id)
        });
        let site = crash::Site {
            binary: &path,
            analysis: analysis.as_deref(),
            spec: &spec,
            privilege: &privilege,
            scratch_dir: &plan.dirs.hostile,
        };
        crash::locate(&mut runs, &site);
        crate::interrupt::check()?;
        // Whether the host lookup it defines was made at all (AOT004 says so).
        let hosts = a
            .findings
            .iter()
            .any(|f| f.rule == "AOT004" && f.looks_up_hosts());
        if hosts {
            lookups::trace_nss_module(&mut runs, &site);
            crate::interrupt::check()?;
        }
        for r in &mut runs {
            r.static_hazard = r.static_hazard();
        }
        let early = plain::answered_early(&a.name, &spec.args, &runs);
        report.artifacts[i].hostile = runs;
        // One of the two: with `--version` alone, the arguments are what to change.
        match early {
            Some(w) => report.warnings.push(w),
            None => report
                .warnings
                .extend(plain::no_lookup(&report.artifacts[i])),
        }
    }
    warn_unjudged(report);
    if let Some(e) = twins.error {
        report
            .warnings
            .push(format!("the dynamic build for comparison failed: {e}"));
    }
    Ok(())
}

/// Asked for, but no static binary was built (`--link dynamic`): said, not silent (QA j: the
/// silence read as "no hazard").
fn warn_none_static(plan: &Plan, report: &mut Report) {
    let asked: Vec<&str> = report
        .artifacts
        .iter()
        .filter(|a| plan.bin_of(a).is_some_and(|b| b.hostile))
        .map(|a| a.name.as_str())
        .collect();
    if !asked.is_empty() && !plan.links.contains(&LinkMode::Static) {
        report.warnings.push(format!(
            "--hostile runs static binaries only, and this run built none (--link \
             dynamic): no hostile run of {}",
            asked.join(", ")
        ));
    }
}

/// Say which binaries' hostile runs were not judged because the plain run did not finish, or
/// ended before it was ready.
fn warn_unjudged(report: &mut Report) {
    // Per binary whose runs were not judged so: its name, how many of its runs were not, of
    // how many, and how many of the others failed where the plain run did not (QA bh F7: "were
    // not judged" read as if the two crashes that failed the verdict did not count).
    let unjudged = |ended: bool| -> Vec<String> {
        report
            .artifacts
            .iter()
            .filter_map(|a| {
                // A static build's crash in the plain run is a run of its own, which says it:
                // not a matter of arguments.
                let plain_crash = a
                    .hostile
                    .iter()
                    .any(|r| r.condition == Condition::Plain.name());
                let not = a
                    .hostile
                    .iter()
                    .filter(|r| {
                        r.detail.as_deref().is_some_and(|d| {
                            d.starts_with(plain::NOT_JUDGED)
                                && d.starts_with(plain::PLAIN_ENDED) == ended
                        })
                    })
                    .count();
                if not == 0 || ended && plain_crash {
                    return None;
                }
                // How the judged ones failed, by what they did (QA bi F2: "failed where the
                // plain run did not" read false beside a plain run that exited with status 5).
                let failed: Vec<&crate::report::HostileRun> =
                    a.hostile.iter().filter(|r| r.static_hazard()).collect();
                let mut how: Vec<String> = Vec::new();
                for r in &failed {
                    let word = match (r.outcome, &r.signal) {
                        (crate::report::HostileOutcome::Hung, _) => "hung".to_string(),
                        (_, Some(signal)) => format!("crashed ({signal})"),
                        _ => "crashed".to_string(),
                    };
                    if !how.contains(&word) {
                        how.push(word);
                    }
                }
                let rest = match failed.len() {
                    0 => String::new(),
                    n => format!(
                        "; the other {n} {} where the dynamic build did not, and count",
                        how.join(" or ")
                    ),
                };
                Some(format!(
                    "{}: {not} of {} hostile runs{rest}",
                    a.name,
                    a.hostile.len()
                ))
            })
            .collect()
    };
    let (hung, ended) = (unjudged(false), unjudged(true));
    let mut warnings = Vec::new();
    if !hung.is_empty() {
        warnings.push(format!(
            "hostile runs were not judged where the plain run did not finish either (a \
             server?): set --ready (or `ready` in the config) so that they wait until it is up \
             ({})",
            hung.join("; ")
        ));
    }
    if !ended.is_empty() {
        warnings.push(format!(
            "hostile runs were not judged where they ended as the plain run did, which never got \
             ready, so nothing showed that the program survives those conditions: check its \
             arguments, --probe-arg, and --ready ({})",
            ended.join("; ")
        ));
    }
    report.warnings.extend(warnings);
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

/// The tail of stderr of a run that failed; and processes it started that could not be
/// stopped, whatever its outcome.
fn detail(result: &RunResult, outcome: HostileOutcome) -> Option<String> {
    let mut d = if outcome == HostileOutcome::Ok {
        String::new()
    } else {
        result.stderr_tail.clone()
    };
    if !result.survivors.is_empty() {
        let pids: Vec<String> = result.survivors.iter().map(i32::to_string).collect();
        d.push_str(&format!(
            "{}processes this run started could not be stopped: {}",
            if d.is_empty() { "" } else { "\n" },
            pids.join(", ")
        ));
    }
    (!d.is_empty()).then_some(d)
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
#[path = "mod_tests.rs"]
mod tests;

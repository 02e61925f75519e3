//! The release gate: budgets, a saved baseline and regression verdicts.
//!
//! Budgets (`budgets.rs`) and baseline comparisons (`compare.rs`) add [`Check`](crate::report::Check)s to each
//! artifact; [`verdict()`] folds them (and error findings of the audit) into the run's verdict.
//! The gate compares two plain reports: the baseline file's, or the one the pipeline made of
//! `--baseline-ref`'s revision (in a [`Worktree`]). Like every stage, it prints nothing.

pub mod baseline;
mod borrowed;
mod budgets;
mod compare;
pub mod entry_points;
mod grown;
pub mod kept;
mod libraries;
mod measure;
mod probed;
mod provenance;
pub mod rebuilds;
mod runtime;
mod untouched;
mod verdict;
mod worktree;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::options::{BuildOptions, GateOptions};
use crate::plan::{Budgets, Plan};
use crate::report::{Artifact, Finding, LinkMode, Report, Verdict, Waiver};

pub use baseline::{default_path, load, provenance, save};
pub use compare::{compare, foreign};
pub use measure::{rss_bytes, startup_median_ms, startup_samples_ms};
pub use runtime::{Timing, startup_check};
pub use worktree::{Revision, Worktree};

/// What to compare the run with, resolved before anything is built: a bad baseline file is an
/// error within a second, not after a long build.
#[derive(Debug, Default)]
pub enum Baseline {
    #[default]
    None,
    File {
        path: PathBuf,
        report: Box<Report>,
    },
    /// A git revision, built in a temporary worktree after the current tree.
    Ref(Revision),
}

impl Baseline {
    /// Load the baseline file, or resolve the revision in the repository of the project
    /// (`--manifest-path`'s directory, else the current one).
    pub fn open(opts: &GateOptions, build: &BuildOptions) -> Result<Self> {
        if let Some(path) = &opts.baseline {
            return Ok(Baseline::File {
                path: path.clone(),
                report: Box::new(load(path)?),
            });
        }
        let Some(rev) = &opts.baseline_ref else {
            return Ok(Baseline::None);
        };
        let dir = match build.manifest_path.as_deref().map(Path::parent) {
            Some(Some(d)) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Baseline::Ref(Revision::resolve(&dir, rev)?))
    }
}

impl Baseline {
    /// A baseline file that has none of the binaries `plan` builds (another project's, a
    /// mistyped path) would compare nothing: an error naming both sides, before the build.
    pub fn shares_a_binary(&self, plan: &Plan) -> Result<()> {
        let Baseline::File { path, report } = self else {
            return Ok(());
        };
        let now: Vec<_> = plan
            .bins
            .iter()
            .flat_map(|b| {
                let t = &b.target;
                plan.links
                    .iter()
                    .map(|&l| (Some(t.package.as_str()), t.name.as_str(), Some(l)))
            })
            .collect();
        match foreign(&now, report) {
            Some(why) => Err(Error::malformed(path, why)),
            None => Ok(()),
        }
    }
}

/// As [`Baseline::shares_a_binary`], once both reports are made (`--baseline-ref`'s revision
/// may have renamed every binary); `source` names the baseline.
pub fn shares_a_binary(report: &Report, source: &str, base: &Report) -> Result<()> {
    let now: Vec<_> = report
        .artifacts
        .iter()
        .map(|a| (a.package.as_deref(), a.name.as_str(), a.link_mode))
        .collect();
    match foreign(&now, base) {
        Some(why) => Err(Error::Usage(format!("{source}: {why}"))),
        None => Ok(()),
    }
}

/// The gate stage: provenance, each binary's budgets, and the comparison with `base` (the
/// baseline's source, as the report names it, and its report).
pub fn check(
    plan: &Plan,
    base: Option<(&str, &Report)>,
    figures: kept::Figures,
    report: &mut Report,
) {
    report.provenance = Some(provenance(report, plan.workspace.root()));
    for a in &mut report.artifacts {
        waive_allowed_crashes(a);
        if let Some(bin) = plan.bin_of(a) {
            let checks = budgets::checks(&budgets_of(&bin.budgets, a, &plan.links), a);
            a.checks.extend(checks);
        }
    }
    if let Some((source, base)) = base {
        let thresholds = |a: &crate::report::Artifact| {
            plan.bin_of(a)
                .map(|b| b.thresholds.clone())
                .unwrap_or_default()
        };
        compare(report, base, source, &thresholds);
        if let Some(b) = report.baseline.as_mut() {
            b.reprobed = figures == kept::Figures::Reprobed;
        }
        if figures == kept::Figures::Apart {
            runtime::busy_apart(report, base);
        }
    }
}

/// The budgets artifact `a` is held to, of its binary's `budgets`, when the run makes the
/// builds `links`. `--compare`'s regular build is made to be compared with, not shipped:
/// `require_static` is the static build's budget (QA n: every `--compare` run of a package
/// that requires a static binary failed on its regular build). Alone (`--link dynamic`), the
/// regular build is held to it. `allowed_libraries` and `max_glibc`, budgets of a dynamic
/// build, hold for both.
fn budgets_of(budgets: &Budgets, a: &Artifact, links: &[LinkMode]) -> Budgets {
    let mut b = budgets.clone();
    if a.link_mode == Some(LinkMode::Dynamic) && links.contains(&LinkMode::Static) {
        b.require_static = None;
    }
    b
}

/// An `allow` of AOT004, the finding a reproduced crash is attached to, waives the crash too
/// (that is what the allowance says, with its required reason): each run the static linkage is
/// to blame for gets the allowance, so every format says why the crash does not fail the run.
/// Only when no AOT004 finding that the crash reproduced still fails the gate (a second one, for
/// another crate, not allowed). Each run quotes the reasons of the findings it was reproduced
/// on, where its crash was pinned (QA ar F3: procs's `unknown-uid` crash, uzers's, quoted
/// dirs-sys's reason too); of them all where it was not.
pub fn waive_allowed_crashes(a: &mut Artifact) {
    let hostile = |f: &&Finding| f.rule == "AOT004" && f.reproduced_by() == Some("--hostile");
    let attached: Vec<&Finding> = a.findings.iter().filter(hostile).collect();
    if attached.is_empty() || attached.iter().any(|f| f.fails_gate()) {
        return;
    }
    for run in a.hostile.iter_mut().filter(|r| r.static_hazard()) {
        let pinned: Vec<&Finding> = attached
            .iter()
            .copied()
            .filter(|f| f.reproduced_under(&run.condition))
            .collect();
        let its = if pinned.is_empty() {
            &attached
        } else {
            &pinned
        };
        let mut reasons: Vec<&str> = Vec::new();
        for r in its.iter().filter_map(|f| f.reason.as_deref()) {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
        run.allowed = Some(Waiver {
            rule: "AOT004".into(),
            reason: reasons.join("; "),
        });
    }
}

/// The run has a report but could not do all of its job (exit code 2): files `inspect` could
/// not read, a probed binary with no run that got ready and no crash that fails it
/// ([`Report::fails_probe`]; for `advise`: a base variant), or an
/// interrupted `advise`. Such a run is never a `pass`.
pub fn unfinished(report: &Report) -> bool {
    !report.failed.is_empty()
        || report
            .artifacts
            .iter()
            .any(|a| a.probe.as_ref().is_some_and(|p| p.runs == 0) && !report.fails_probe(a))
        || report.advice.as_ref().is_some_and(|a| {
            a.interrupted
                || a.binaries
                    .iter()
                    .any(|b| b.base.status == crate::report::VariantStatus::NotReady)
        })
}

/// The run's verdict: the worst check, `fail` for an error-severity finding not allowed, a
/// crash in probe runs or a static build failing alone ([`Report::fails_probe`]), and at
/// least `inconclusive` for a run that could not finish ([`unfinished`]) or whose `--hostile`
/// judged none of its conditions (which alone does not make the exit code 2: the conditions
/// need privileges a machine may lack).
pub fn verdict(report: &Report) -> Verdict {
    let checks = report
        .artifacts
        .iter()
        .flat_map(|a| a.checks.iter().map(|c| c.verdict));
    let findings = report.artifacts.iter().flat_map(|a| {
        a.findings
            .iter()
            .filter(|f| f.fails_gate())
            .map(|_| Verdict::Fail)
    });
    let unfinished = unfinished(report).then_some(Verdict::Inconclusive);
    let alone = report
        .artifacts
        .iter()
        .filter(|a| report.fails_probe(a))
        .map(|_| Verdict::Fail);
    let unjudged = report
        .artifacts
        .iter()
        .filter(|a| crate::report::none_judged(&a.hostile).is_some())
        .map(|_| Verdict::Inconclusive);
    checks
        .chain(findings)
        .chain(unfinished)
        .chain(alone)
        .chain(unjudged)
        .max()
        .unwrap_or(Verdict::Pass)
}

/// The run's verdict into `report`; the hint to save a new baseline stays only when something
/// shrank and the run neither failed nor stopped short ([`unfinished`]).
pub fn conclude(report: &mut Report) {
    report.verdict = verdict(report);
    let keep = report.verdict != Verdict::Fail && !unfinished(report);
    if let Some(b) = report.baseline.as_mut() {
        b.improved = keep && !b.shrank.is_empty();
    }
}

/// Where `--save-baseline` without a file name writes.
pub fn save_path(requested: Option<&Path>, report: &Report) -> Option<PathBuf> {
    requested
        .map(Path::to_path_buf)
        .or_else(|| default_path(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{HostileOutcome, HostileRun, Severity};

    /// QA ax F5: a static build whose probe never got ready where its dynamic build did (lsd's
    /// crash on a file of an unknown owner) is a `fail` (exit code 1), not a run that could
    /// not finish (`inconclusive`, exit code 2); both failing is still the latter.
    #[test]
    fn a_static_build_failing_alone_fails_the_gate() {
        let probed = |link: crate::report::LinkMode, runs: u32| {
            let mut a = crate::report::test_artifact(1000);
            a.link_mode = Some(link);
            a.probe = Some(crate::report::Probe {
                runs,
                ..Default::default()
            });
            a
        };
        let mut r = Report::new(None);
        r.artifacts = vec![
            probed(crate::report::LinkMode::Static, 0),
            probed(crate::report::LinkMode::Dynamic, 20),
        ];
        assert!(!unfinished(&r));
        assert_eq!(verdict(&r), Verdict::Fail);
        let reasons = crate::render::reasons::reasons(&r);
        assert!(
            reasons.iter().any(|x| x.verdict() == Verdict::Fail
                && x.line()
                    .contains("its dynamic build got ready with the same arguments")),
            "{:?}",
            reasons.iter().map(|x| x.line()).collect::<Vec<_>>()
        );
        r.artifacts[1].probe = Some(crate::report::Probe::default());
        assert!(unfinished(&r));
        assert_eq!(verdict(&r), Verdict::Inconclusive);
    }

    fn aot004(krate: &str, reason: Option<&str>) -> Finding {
        Finding {
            rule: "AOT004".into(),
            title: String::new(),
            severity: Severity::Error,
            krate: krate.into(),
            version: "1.0.0".into(),
            feature: None,
            path: Vec::new(),
            evidence: Vec::new(),
            allowed: reason.is_some(),
            reason: reason.map(str::to_string),
            advice: String::new(),
            reproduced: true,
            reproduce: None,
            reachable: None,
            chain: Vec::new(),
            new_since_baseline: false,
        }
    }

    fn crash(condition: &str, dynamic: HostileOutcome) -> HostileRun {
        HostileRun {
            signal: Some("SIGSEGV".into()),
            dynamic_outcome: Some(dynamic),
            // A dynamic crash is by the same signal: the failure is shared.
            dynamic_signal: (dynamic == HostileOutcome::Crashed).then(|| "SIGSEGV".into()),
            ..HostileRun::new(condition, "", HostileOutcome::Crashed)
        }
    }

    /// `require_static` holds the static build and a regular build made alone, not the
    /// regular build `--compare` makes beside the static one (QA n).
    #[test]
    fn require_static_is_not_a_budget_of_compares_regular_build() {
        let b = Budgets {
            require_static: Some(true),
            allowed_libraries: Some(vec!["libc.so.6".into()]),
            ..Budgets::default()
        };
        let mut a = crate::report::test_artifact(1000);
        let both = [LinkMode::Static, LinkMode::Dynamic];
        a.link_mode = Some(LinkMode::Static);
        assert_eq!(budgets_of(&b, &a, &both).require_static, Some(true));
        a.link_mode = Some(LinkMode::Dynamic);
        let compared = budgets_of(&b, &a, &both);
        assert_eq!(compared.require_static, None);
        assert_eq!(compared.allowed_libraries, b.allowed_libraries);
        let ids: Vec<String> = budgets::checks(&compared, &a)
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(ids, ["budget.libraries"]);
        let alone = budgets_of(&b, &a, &[LinkMode::Dynamic]);
        assert_eq!(alone.require_static, Some(true));
        // An artifact given to `inspect` has no link mode: held to every budget.
        a.link_mode = None;
        assert_eq!(budgets_of(&b, &a, &both).require_static, Some(true));
    }

    /// The crash is waived only when every AOT004 finding it reproduced is allowed, with their
    /// reasons; a failure the dynamic build shares is not the finding's, and is not waived.
    #[test]
    fn an_allowance_waives_a_crash_only_when_no_finding_it_reproduced_still_fails() {
        let mut a = crate::report::test_artifact(1000);
        a.hostile = vec![
            crash("unknown-uid", HostileOutcome::Ok),
            crash("no-home", HostileOutcome::Crashed),
        ];
        a.findings = vec![aot004("whoami", Some("ours")), aot004("std", None)];
        waive_allowed_crashes(&mut a);
        assert!(a.hostile.iter().all(|r| r.allowed.is_none()), "std's fails");

        a.findings[1] = aot004("std", Some("HOME is set"));
        a.findings.push(aot004("nix", Some("ours")));
        waive_allowed_crashes(&mut a);
        let waiver = Waiver {
            rule: "AOT004".into(),
            reason: "ours; HOME is set".into(),
        };
        assert_eq!(a.hostile[0].allowed.as_ref(), Some(&waiver));
        assert_eq!(a.hostile[1].allowed, None, "the dynamic build fails too");
    }

    /// QA ar F3: each crash quotes the reason of the finding it was reproduced on.
    #[test]
    fn a_waived_crash_quotes_the_findings_it_was_pinned_on() {
        let mut a = crate::report::test_artifact(1000);
        a.hostile = vec![
            crash("unknown-uid", HostileOutcome::Ok),
            crash("no-home", HostileOutcome::Ok),
        ];
        let on = |krate, reason, condition: &str| {
            let mut f = aot004(krate, Some(reason));
            f.evidence.push(format!(
                "{}crashed with SIGSEGV under `{condition}` (x); the dynamic build survives it",
                crate::report::REPRODUCED
            ));
            f
        };
        a.findings = vec![
            on("uzers", "user column", "unknown-uid"),
            on("dirs-sys", "config dir", "no-home"),
        ];
        waive_allowed_crashes(&mut a);
        let reason = |k: usize| a.hostile[k].allowed.as_ref().map(|w| w.reason.as_str());
        assert_eq!(reason(0), Some("user column"));
        assert_eq!(reason(1), Some("config dir"));
    }

    /// QA am F4: `--hostile` with every condition skipped (a server without `--ready`) ended in
    /// `verdict pass`; it is `inconclusive`, while one condition judged is enough for a pass.
    #[test]
    fn hostile_runs_all_skipped_make_the_verdict_inconclusive() {
        let skipped = |condition: &str| HostileRun {
            outcome: HostileOutcome::Skipped,
            signal: None,
            dynamic_outcome: None,
            dynamic_signal: None,
            detail: Some("not judged: the plain run did not exit within 1s either".into()),
            ..crash(condition, HostileOutcome::Ok)
        };
        let mut report = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.hostile = vec![skipped("no-home"), skipped("unknown-uid")];
        report.artifacts.push(a);
        assert_eq!(verdict(&report), Verdict::Inconclusive);
        assert!(!unfinished(&report), "not an exit code 2");
        report.artifacts[0].hostile[1].outcome = HostileOutcome::Ok;
        assert_eq!(verdict(&report), Verdict::Pass);
        report.artifacts[0].hostile.clear();
        assert_eq!(verdict(&report), Verdict::Pass, "no --hostile");
    }
}

//! Why a run's verdict is what it is beyond its checks: the error findings of the audit, the
//! crashes `--hostile` reproduced, the probed binaries with no run that got ready and the files
//! not inspected. One wording for the terminal, Markdown and GitHub annotations (the terminal's
//! own: the findings' `RULE title` and `error: crate vVERSION`, the hostile runs' `crashed
//! (SIGSEGV); dynamic build: ok`, from `hostile_words`). A leaf but for that: the report's
//! types and `format`, nothing else.

use super::hostile_words::{hostile_outcome, how, not_counted, run_word};
use crate::format::{artifact_label, count as count_of};
use crate::report::{
    Artifact, FailedFile, Finding, HostileOutcome, HostileRun, Report, Severity, Verdict, Why,
};

#[path = "reasons_checks.rs"]
mod checks;

/// One thing that counts for the run's verdict and is not a check.
#[derive(Debug)]
pub enum Reason<'a> {
    /// An error-severity finding no `allow` covers (`fail`).
    Finding {
        artifact: &'a Artifact,
        finding: &'a Finding,
    },
    /// A run under `--hostile` that crashed or hung: `fail` unless an `allow` covers the
    /// binary's AOT004 finding (then `pass`: the run carries the allowance, which its line
    /// quotes), or the dynamic build fails the same way (`warn`: not the static linkage's).
    Hostile {
        artifact: &'a Artifact,
        run: &'a HostileRun,
        fails: bool,
    },
    /// A probed binary with no run that got ready (`inconclusive`; exit code 2).
    /// `alone`: the static build fails where its dynamic build got ready (a `fail`).
    NotReady {
        artifact: &'a Artifact,
        why: String,
        alone: bool,
    },
    /// A probed binary that crashed in some probe runs or in all of them (`fail`; see
    /// `Report::crashed_in_probe`): how many, the first crash, and whether its dynamic build
    /// crashed too.
    Crashed { artifact: &'a Artifact, why: String },
    /// `--hostile` judged none of its conditions (`inconclusive`): the first one's reason.
    NotJudged {
        artifact: &'a Artifact,
        why: &'a str,
    },
    /// A file `inspect` could not read (`inconclusive`; exit code 2).
    NotInspected { file: &'a FailedFile },
}

/// Every reason of `report`, binary by binary in report order, then the files not inspected.
pub fn reasons(report: &Report) -> Vec<Reason<'_>> {
    let mut v = Vec::new();
    for a in &report.artifacts {
        // By rule, as the findings' section groups them (QA aw F6: AOT001, AOT004, AOT001).
        let mut failing: Vec<&Finding> = a.findings.iter().filter(|f| f.fails_gate()).collect();
        failing.sort_by(|x, y| x.rule.cmp(&y.rule));
        for f in failing {
            v.push(Reason::Finding {
                artifact: a,
                finding: f,
            });
        }
        let fails = a
            .findings
            .iter()
            .any(|f| f.reproduced_by() == Some("--hostile") && f.fails_gate());
        for r in a.hostile.iter().filter(|r| crashed(r)) {
            v.push(Reason::Hostile {
                artifact: a,
                run: r,
                fails: fails && r.static_hazard(),
            });
        }
        // A static build that never got ready where its dynamic build did says so (its last
        // failure, a crash or not); another that crashed in every run is a crash (QA cp F4).
        let alone = report.fails_alone(a);
        match (not_ready(a), crashed_runs(report, a)) {
            (Some(why), crashed) if alone || crashed.is_none() => v.push(Reason::NotReady {
                artifact: a,
                why: why + if alone { crate::probe::ALONE } else { "" },
                alone,
            }),
            (_, Some(why)) => v.push(Reason::Crashed { artifact: a, why }),
            (_, None) => {}
        }
        if let Some(why) = crate::report::none_judged(&a.hostile) {
            v.push(Reason::NotJudged { artifact: a, why });
        }
    }
    v.extend(
        report
            .failed
            .iter()
            .map(|file| Reason::NotInspected { file }),
    );
    v
}

/// `crashed in 10 of 23 probe runs (first: run 5, killed by SIGSEGV)`, and what its dynamic
/// build did in the same rounds; `None` unless `Report::crashed_in_probe`.
fn crashed_runs(report: &Report, a: &Artifact) -> Option<String> {
    let p = a.probe.as_ref().filter(|_| Report::crashed_in_probe(a))?;
    let crashes = p.crashes();
    let first = crashes.first()?;
    let none = if p.runs == 0 { ", none got ready" } else { "" };
    let mut why = format!(
        "crashed in {} of {}{none} (first: run {}, {})",
        crashes.len(),
        count_of(p.made(), "probe run", "probe runs"),
        first.run,
        crate::probe::without_notes(&first.message)
    );
    if p.runs == 0
        && let Some(note) = crate::probe::cannot_start(a)
    {
        why.push_str(&note);
    }
    let twin = report.dynamic_twin(a).and_then(|d| d.probe.as_ref());
    match twin {
        Some(d) if d.crashes().is_empty() => why.push_str(&format!(
            "; its dynamic build, probed in the same rounds, crashed in none of its {}: the \
             static build alone crashes (AOT004 and --hostile tell whether glibc's static \
             linkage is the cause)",
            count_of(d.made(), "run", "runs")
        )),
        Some(d) => why.push_str(&format!(
            "; its dynamic build crashed too, in {} of its {}",
            d.crashes().len(),
            count_of(d.made(), "run", "runs")
        )),
        None => {}
    }
    Some(why)
}

fn crashed(r: &HostileRun) -> bool {
    matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung)
}

/// Why no probe run of `a` got ready: the last failed run's message; `None` when one did.
fn not_ready(a: &Artifact) -> Option<String> {
    a.probe.as_ref().filter(|p| p.runs == 0)?;
    Some(crate::probe::last_failure(a))
}

/// What made the verdict, in one line: [`counts`] of [`reasons`], joined.
pub fn summary(report: &Report) -> String {
    counts(report, &reasons(report)).join(", ")
}

/// For a run that error findings fail, how to waive them and keep the gate on the rest: an
/// `allow` for each rule and crate (QA bl F5: a first baseline refused for five AOT004 errors
/// of one cause named only `--warn-only`, which stops every check failing the job).
pub fn allow_hint(report: &Report) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for r in reasons(report) {
        if let Reason::Finding { finding, .. } = r
            && !pairs.contains(&(finding.rule.as_str(), finding.krate.as_str()))
        {
            pairs.push((finding.rule.as_str(), finding.krate.as_str()));
        }
    }
    if pairs.is_empty() {
        return String::new();
    }
    let entries: Vec<String> = pairs
        .iter()
        .take(3)
        .map(|(rule, krate)| {
            format!("{{ rule = \"{rule}\", crate = \"{krate}\", reason = \"...\" }}")
        })
        .collect();
    let more = if pairs.len() > 3 { ", ..." } else { "" };
    format!(
        "; findings known and accepted are waived one by one, the gate kept on the rest, by \
         `allow = [{}{more}]` in [package.metadata.aotcheck]",
        entries.join(", ")
    )
}

/// What made the verdict, counted, in the order the terminal's footer gives it: `1 check
/// failed`, `2 error findings`, `1 crash under --hostile`, `1 binary with no probe run that got
/// ready`, `1 file not inspected`; nothing for a kind without any.
pub fn counts(report: &Report, reasons: &[Reason]) -> Vec<String> {
    let failed: usize = report
        .artifacts
        .iter()
        .map(|a| {
            a.checks
                .iter()
                .filter(|c| c.verdict == Verdict::Fail)
                .count()
        })
        .sum();
    let count = |f: &dyn Fn(&Reason) -> bool| reasons.iter().filter(|r| f(r)).count();
    let mut why = Vec::new();
    for (n, one, many) in [
        (failed, "check failed", "checks failed"),
        (
            count(&|r| matches!(r, Reason::Finding { .. })),
            "error finding",
            "error findings",
        ),
        (
            count(&|r| matches!(r, Reason::Hostile { fails: true, .. })),
            "crash under --hostile",
            "crashes under --hostile",
        ),
        (
            count(&|r| matches!(r, Reason::NotReady { .. })),
            "binary with no probe run that got ready",
            "binaries with no probe run that got ready",
        ),
        (
            count(&|r| matches!(r, Reason::Crashed { .. })),
            "binary that crashed in probe runs",
            "binaries that crashed in probe runs",
        ),
        (
            count(&|r| matches!(r, Reason::NotJudged { .. })),
            "binary with no --hostile condition judged",
            "binaries with no --hostile condition judged",
        ),
        (
            count(&|r| matches!(r, Reason::NotInspected { .. })),
            "file not inspected",
            "files not inspected",
        ),
    ] {
        if n > 0 {
            why.push(count_of(n, one, many));
        }
    }
    // What left the verdict inconclusive by itself, by name (QA cd F2: a budget on the image
    // size, without `--image`, made every run `verdict inconclusive`, with no reason said), and
    // why: a figure missing, or one measured whose change the noise hides (QA cu F1: "not
    // measured" of a startup compared and within the noise sent users looking for a probe).
    if report.verdict == Verdict::Inconclusive {
        why.extend(checks::inconclusive(report));
    }
    why
}

/// After a `fail` verdict that `--warn-only` let exit 0: said where the verdict is (QA cd F6).
pub fn waived(report: &Report) -> &'static str {
    match report.warn_only && report.verdict == Verdict::Fail {
        true => " (exit 0: --warn-only)",
        false => "",
    }
}

impl Reason<'_> {
    pub fn verdict(&self) -> Verdict {
        match self {
            Reason::Finding { .. }
            | Reason::Hostile { fails: true, .. }
            | Reason::NotReady { alone: true, .. }
            | Reason::Crashed { .. } => Verdict::Fail,
            // Waived by an allowance, as an allowed finding is: nothing to warn of.
            Reason::Hostile { run, .. } if run.allowed.is_some() => Verdict::Pass,
            Reason::Hostile { fails: false, .. } => Verdict::Warn,
            Reason::NotReady { .. } | Reason::NotJudged { .. } | Reason::NotInspected { .. } => {
                Verdict::Inconclusive
            }
        }
    }

    /// A run under `--hostile` that failed as the dynamic build does: no part of the verdict,
    /// though it warns (its badge on the page and in Markdown says "not counted", not "warn",
    /// under a verdict it did not change: QA bk F3).
    pub fn not_counted(&self) -> bool {
        matches!(self, Reason::Hostile { fails: false, run, .. }
            if run.allowed.is_none() && !run.static_hazard())
    }

    /// The binary it is about; `None` for a file not inspected.
    pub fn artifact(&self) -> Option<&Artifact> {
        match self {
            Reason::Finding { artifact, .. }
            | Reason::Hostile { artifact, .. }
            | Reason::NotReady { artifact, .. }
            | Reason::Crashed { artifact, .. }
            | Reason::NotJudged { artifact, .. } => Some(artifact),
            Reason::NotInspected { .. } => None,
        }
    }

    /// The binary it is about (`name (static)`), or the file.
    pub fn subject(&self) -> String {
        match self {
            Reason::NotInspected { file } => file.path.clone(),
            _ => self.artifact().map(artifact_label).unwrap_or_default(),
        }
    }

    /// A short name: the rule, `hostile CONDITION`, `probe`, `inspect`.
    pub fn what(&self) -> String {
        match self {
            Reason::Finding { finding, .. } => finding.rule.clone(),
            Reason::Hostile { run, .. } => format!("hostile {}", run.condition),
            Reason::NotReady { .. } | Reason::Crashed { .. } => "probe".into(),
            Reason::NotJudged { .. } => "hostile".into(),
            Reason::NotInspected { .. } => "inspect".into(),
        }
    }

    /// One line, without the subject: `AOT004 glibc NSS lookups: error: std v1.95.0`.
    pub fn line(&self) -> String {
        match self {
            Reason::Finding { finding, .. } => {
                // The title of AOT011 says what its start in the image did: not said twice (QA
                // aq F3: "does not start in its image: error: x, which did not start in its own
                // image").
                let label = match finding.reproduced_by() {
                    Some(by) if by != "--hostile" => crate_label(finding),
                    _ => finding_label(finding),
                };
                format!("{} {}: {label}", finding.rule, finding.title)
            }
            Reason::Hostile { run, .. } => format!(
                "under --hostile `{}` ({}): {}",
                run.condition,
                run.description,
                hostile_outcome(run)
            ),
            Reason::NotReady { why, .. } => format!("no probe run got ready: {why}"),
            Reason::Crashed { why, .. } => why.clone(),
            Reason::NotJudged { artifact, why } => format!(
                "--hostile judged none of its {}: {why}",
                count_of(artifact.hostile.len(), "condition", "conditions")
            ),
            Reason::NotInspected { file } => format!("not inspected: {}", file.error),
        }
    }

    /// The terminal's footer, below the details: `AOT004 error: std v1.95.0`, `crashed
    /// (SIGSEGV) under --hostile `no-home``.
    pub fn short(&self) -> String {
        match self {
            Reason::Finding { finding, .. } => {
                format!("{} {}", finding.rule, finding_label(finding))
            }
            Reason::Hostile { run, .. } => format!(
                "{}{} under --hostile `{}`{}{}",
                run_word(run),
                how(run),
                run.condition,
                dynamic_failed(run),
                not_counted(run)
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            _ => self.line(),
        }
    }
}

/// ` (dynamic build: failed (exit status 101))` where the dynamic build did not pass under
/// the condition either: a reader of the verdict alone would ship it for nothing (QA cm F7).
fn dynamic_failed(run: &HostileRun) -> String {
    match super::hostile_words::dynamic_run(run) {
        // Not where it fails the same way: that is said as why the run is not counted.
        Some((d, word, how)) if d != HostileOutcome::Ok && run.static_hazard() => {
            format!(" (dynamic build: {word}{how})")
        }
        _ => String::new(),
    }
}

/// `error: std v1.95.0 (feature `x`)`, as the terminal's findings list writes one.
pub fn finding_label(f: &Finding) -> String {
    let mut s = crate_label(f);
    // AOT011's is the start inside the image: said as what happened (QA ae, 6: "reproduced
    // by its start inside its own image" read as if a crash seen elsewhere had been).
    s.push_str(f.reproduced_words());
    // What a pull request changed, in the verdict's list too (QA bm F6: one new finding of
    // five read like the others there).
    if f.new_since_baseline {
        s.push_str(", new since the baseline");
    }
    s
}

/// `error: std v1.95.0 (feature `x`)`: the severity and what the finding is on.
fn crate_label(f: &Finding) -> String {
    let mut s = format!("{}: {} v{}", severity(f), f.krate, f.version);
    if let Some(feat) = &f.feature {
        s.push_str(&format!(" (feature `{feat}`)"));
    }
    s
}

/// `error`, `warning`, `note`, or `allowed error`.
pub fn severity(f: &Finding) -> String {
    let word = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    if f.allowed {
        format!("allowed {word}")
    } else {
        word.to_string()
    }
}

/// How many of a crate's symbols `--why` found referred to from outside it, with their
/// verb: "29 of its symbols (19 names: each instantiation of a generic function counts) are"
/// (QA ag, F4: the 29 read like 23 targets of the relocations, counted by name).
pub fn entered(w: &Why) -> String {
    let n = w.entry_points.unwrap_or(0);
    let names = match w.entry_names {
        Some(k) if k < n => format!(
            " ({}: each instantiation of a generic function counts)",
            count_of(k as usize, "name", "names")
        ),
        _ => String::new(),
    };
    // With thousands, as every count (QA ar F9: "1994 of its symbols (1160 names...)").
    if n == 1 {
        format!("1 of its symbols{names} is")
    } else {
        format!("{} of its symbols{names} are", crate::format::thousands(n))
    }
}

/// The sentence that heads `--why`'s chains on the page and in Markdown: what `pattern` (the
/// pattern as the format quotes it) matched, how many ways into a crate it has.
pub fn why_head(w: &Why, pattern: &str) -> String {
    let matches = w.chains.len() + w.more as usize;
    match (w.matched.as_str(), w.entry_points) {
        ("crate", Some(_)) => format!(
            "{pattern} is a crate; {} referred to from outside it{}",
            entered(w),
            if w.chains.is_empty() {
                "."
            } else {
                ". Those that keep the most alive first:"
            }
        ),
        ("crate", None) => format!("{pattern} is a crate."),
        ("symbol", _) => format!(
            "{pattern}: {}, {}.",
            count_of(matches, "matching symbol", "matching symbols"),
            w.order_words()
        ),
        ("row", _) => format!(
            "{pattern} is {}: {}, the nearest to a root first.",
            row_table(w),
            row_members(w, matches)
        ),
        _ if w.needs_symbols() => {
            format!("{pattern}: cannot be matched, the binary has no symbol names.")
        }
        _ => format!("{pattern}: nothing in this binary matches."),
    }
}

/// Which table a `--why` row is a row of: the symbol table's rows of a section's bytes
/// (`[section .rodata]`), the crate table's others.
pub fn row_table(w: &Why) -> &'static str {
    match crate::attribute::is_section_row(&w.pattern) {
        true => "rows of the symbol table",
        false => "a row of the crate table",
    }
}

/// What `--why [no symbol]` or `--why [unknown]` matched: the row's members, counted (they
/// are no symbols that matched a name).
pub fn row_members(w: &Why, n: usize) -> String {
    if let Some(section) = w
        .pattern
        .strip_prefix("[section ")
        .and_then(|p| p.strip_suffix(']'))
    {
        let one = format!("stretch of {section} without a symbol");
        let many = format!("stretches of {section} without a symbol");
        count_of(n, &one, &many)
    } else if w.pattern == crate::attribute::NO_SYMBOL {
        count_of(
            n,
            "stretch of bytes without a symbol",
            "stretches of bytes without a symbol",
        )
    } else {
        count_of(n, "symbol of no known crate", "symbols of no known crate")
    }
}

#[cfg(test)]
#[path = "reasons_tests.rs"]
mod tests;

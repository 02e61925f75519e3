//! Regression checks against a baseline report: per binary (matched by package, name and link
//! mode), per size figure, section and crate, and startup and memory when both runs measured
//! them.
//!
//! Sizes are deterministic: growth over `size_warn` warns, over `size_fail` and at least
//! `size_fail_min` bytes fails. A section or crate (a part of the binary) alerts only from
//! `size_fail_min` bytes on, so that a 16-byte section growing to 24 is not a 50% alarm.
//! Startup and memory are compared in `runtime.rs`.

use std::collections::BTreeMap;

use super::entry_points::new_entry_points;
use super::provenance::{dependency_changes, lock_changed, mismatches};
use super::runtime;
use super::verdict::{relative, verdict_of};
use crate::format::{
    artifact_label, grew_from_little, limit_percent, percent, signed_size, size, two_sizes,
};
use crate::plan::Thresholds;
use crate::report::{
    Artifact, BaselineSummary, Binary, Check, CheckId, LinkMode, Report, Unit, Verdict,
};

/// Compare `current` with `base`: checks go to each artifact, the summary to
/// `current.baseline`. `thresholds` gives each binary's thresholds.
pub fn compare(
    current: &mut Report,
    base: &Report,
    source: &str,
    thresholds: &dyn Fn(&Artifact) -> Thresholds,
) {
    let mut cmp = BaselineSummary {
        source: source.to_string(),
        provenance: base.provenance.clone(),
        mismatches: mismatches(base.provenance.as_ref(), current.provenance.as_ref()),
        dependencies_changed: lock_changed(base.provenance.as_ref(), current.provenance.as_ref()),
        dependency_changes: dependency_changes(
            base.provenance.as_ref(),
            current.provenance.as_ref(),
        ),
        ..BaselineSummary::default()
    };
    let prov = current.provenance.as_ref();
    for a in &mut current.artifacts {
        let Some(b) = base.artifacts.iter().find(|b| same_binary(a, b)) else {
            cmp.unmatched
                .push(format!("{}: not in the baseline", artifact_label(a)));
            // Nothing of it was compared: not a pass (a renamed binary would pass unseen).
            a.checks.push(Check::worded(
                CheckId::BaselineBinary,
                Verdict::Inconclusive,
                "not in the baseline (a new or renamed binary): nothing to compare it with; \
                 save a new baseline to include it"
                    .into(),
            ));
            continue;
        };
        for f in &mut a.findings {
            let before = b
                .findings
                .iter()
                .find(|o| o.rule == f.rule && o.krate == f.krate);
            f.new_since_baseline = before.is_none();
            f.evidence.extend(before.and_then(|o| new_functions(o, f)));
        }
        cmp.gone_findings.extend(
            b.findings
                .iter()
                .filter(|o| {
                    !a.findings
                        .iter()
                        .any(|f| f.rule == o.rule && f.krate == o.krate)
                })
                .map(|o| {
                    let allowed = if o.allowed { "allowed " } else { "" };
                    crate::report::GoneFinding {
                        binary: artifact_label(a),
                        rule: o.rule.clone(),
                        krate: o.krate.clone(),
                        severity: format!("{allowed}{}", o.severity.as_str()),
                    }
                }),
        );
        let th = thresholds(a);
        let (mut checks, mut gains) = artifact_checks(b, a, &th);
        let provs = (base.provenance.as_ref(), prov);
        let given = |c: &mut [Check]| super::borrowed::given_bytes(c, (b, a), &th, provs);
        super::untouched::not_the_code(&mut checks, provs, given);
        let probed = super::probed::not_the_binary(&mut checks, &mut gains, b, a);
        cmp.mismatches.extend(probed);
        let label = artifact_label(a);
        cmp.shrank
            .extend(gains.iter().map(|c| format!("{label}: {}", c.message)));
        a.checks.extend(checks);
    }
    for b in &base.artifacts {
        if !current.artifacts.iter().any(|a| same_binary(a, b)) {
            cmp.unmatched
                .push(format!("{}: only in the baseline", artifact_label(b)));
        }
    }
    // The hint, until the verdict says whether the gate failed (`super::conclude`).
    cmp.improved = !cmp.shrank.is_empty();
    current.baseline = Some(cmp);
    let busy = super::runtime::busy_baseline(current, base, source);
    current.warnings.extend(busy);
}

fn same_binary(a: &Artifact, b: &Artifact) -> bool {
    same(a, b.package.as_deref(), &b.name, b.link_mode)
}

fn same(a: &Artifact, package: Option<&str>, name: &str, link: Option<LinkMode>) -> bool {
    a.package.as_deref() == package && a.name == name && a.link_mode == link
}

/// A baseline that shares no binary with this run (another project's file, a mistyped
/// `--baseline`) would compare nothing and could pass: the words of the error that stops the
/// run, naming both sides. `now`: this run's binaries (package, name, link mode), known from
/// the plan before the build. `None` when one matches, or this run has none.
pub fn foreign(now: &[(Option<&str>, &str, Option<LinkMode>)], base: &Report) -> Option<String> {
    if now.is_empty()
        || now
            .iter()
            .any(|(p, n, l)| base.artifacts.iter().any(|b| same(b, *p, n, *l)))
    {
        return None;
    }
    let theirs: Vec<String> = base.artifacts.iter().map(artifact_label).collect();
    let ours: Vec<String> = now
        .iter()
        .map(|(p, n, l)| {
            // As `artifact_label` writes a binary.
            let package = p.filter(|p| p != n).map(|p| format!("package {p}"));
            let mut parts: Vec<&str> = package.as_deref().into_iter().collect();
            parts.extend(l.map(LinkMode::as_str));
            if parts.is_empty() {
                n.to_string()
            } else {
                format!("{n} ({})", parts.join(", "))
            }
        })
        .collect();
    let theirs = if theirs.is_empty() {
        "no binary".to_string()
    } else {
        theirs.join(", ")
    };
    // The same binaries of other link modes: the run's `--link` is what differs (QA dp F5).
    let modes: std::collections::BTreeSet<&str> = base
        .artifacts
        .iter()
        .filter(|b| {
            now.iter()
                .any(|(p, n, _)| b.package.as_deref() == *p && b.name == *n)
        })
        .filter_map(|b| b.link_mode.map(LinkMode::as_str))
        .collect();
    let why = match modes.iter().collect::<Vec<_>>()[..] {
        [] => "another project's baseline, or a mistyped path?".to_string(),
        [m] => format!("it was saved of the {m} build: `--link {m}` or `--link both` builds that"),
        _ => "it was saved of other builds: `--link both` builds them".to_string(),
    };
    Some(format!(
        "the baseline shares no binary with this run: it has {theirs}, this run builds {}; \
         nothing would be compared ({why})",
        ours.join(", ")
    ))
}

/// Every check of one binary against its baseline, and (cloned) those that are a gain worth a
/// new baseline: a smaller whole-binary size, fewer libraries, a startup faster beyond the
/// noise, an RSS that shrank as much as would fail it (a section moving a few bytes is not).
fn artifact_checks(b: &Artifact, a: &Artifact, th: &Thresholds) -> (Vec<Check>, Vec<Check>) {
    let (bb, ab) = (&b.binary, &a.binary);
    let mut v = vec![size_check(
        CheckId::BaselineFileSize,
        "file size",
        bb.file_size,
        ab.file_size,
        th,
        true,
    )];
    if let (Some(x), Some(y)) = (bb.stripped_size, ab.stripped_size) {
        v.push(size_check(
            CheckId::BaselineStrippedSize,
            "stripped size",
            x,
            y,
            th,
            true,
        ));
    }
    if let (Some(x), Some(y)) = (bb.closure_size, ab.closure_size) {
        v.push(size_check(
            CheckId::BaselineClosureSize,
            "closure",
            x,
            y,
            th,
            true,
        ));
    }
    if let (Some(x), Some(y)) = (&b.image, &a.image) {
        v.push(size_check(
            CheckId::BaselineImageSize,
            "image",
            x.compressed_size,
            y.compressed_size,
            th,
            true,
        ));
    }
    v.extend(super::libraries::libraries(b, a));
    v.extend(part_checks(Part::Section, &sections(bb), &sections(ab), th));
    if !bb.crates.is_empty() && !ab.crates.is_empty() {
        let mut crates = part_checks(Part::Crate, &crate_parts(bb), &crate_parts(ab), th);
        for c in &mut crates {
            super::grown::grown_symbols(c, bb, ab);
            new_entry_points(c, bb, ab, &a.name);
        }
        v.extend(crates);
    }
    let strip_only = strip_only(&mut v, bb, ab);
    let mut gains: Vec<Check> = v
        .iter()
        .filter(|c| {
            (c.id.is_whole_size() || c.id == CheckId::BaselineNeeded)
                && c.delta.is_some_and(|d| d < 0.0)
                && !strip_only.contains(&c.id)
        })
        .cloned()
        .collect();
    for (c, gain) in [runtime::startup(b, a, th), runtime::memory(b, a, th)]
        .into_iter()
        .flatten()
    {
        if gain {
            gains.push(c.clone());
        }
        v.push(c);
    }
    (v, gains)
}

/// The parts of a binary compared one by one.
#[derive(Clone, Copy)]
enum Part {
    Section,
    Crate,
}

/// A part's bytes in the file and in memory once loaded (summed over parts of one name).
#[derive(Clone, Copy, Default)]
struct Bytes {
    file: u64,
    mem: u64,
}

fn parts<'a>(items: impl Iterator<Item = (&'a String, u64, u64)>) -> BTreeMap<String, Bytes> {
    let mut m: BTreeMap<String, Bytes> = BTreeMap::new();
    for (name, file, mem) in items {
        let e = m.entry(name.clone()).or_default();
        e.file += file;
        e.mem += mem;
    }
    m
}

/// A binary's sections by name, for [`part_checks`]: not lld's `.relro_padding`, which pads
/// `.data.rel.ro` and the GOT to a page, no content of its own, and swings with them (QA cd
/// F7: fifth of a comment's biggest changes).
fn sections(b: &Binary) -> BTreeMap<String, Bytes> {
    parts(
        b.sections
            .iter()
            .filter(|s| s.name != ".relro_padding")
            .map(|s| (&s.name, s.file_size, s.mem_size)),
    )
}

/// A binary's crates by name, for [`part_checks`].
fn crate_parts(b: &Binary) -> BTreeMap<String, Bytes> {
    parts(b.crates.iter().map(|c| (&c.name, c.file_size, c.vm_size)))
}

/// The whole-binary checks whose difference is only what `strip` removes (the symbol table,
/// debug information), whose names a build's folder changes under LTO: the stripped size is
/// the baseline's while the file's differs (QA da F3: `--baseline-ref HEAD` of an unchanged
/// tree read "file size shrank by 432 B", a gain to keep); the closure too where its shared
/// libraries weigh what they did. Their messages say so; no gain is counted of them.
fn strip_only(checks: &mut [Check], b: &Binary, a: &Binary) -> Vec<CheckId> {
    let alike = b.stripped_size.is_some() && b.stripped_size == a.stripped_size;
    if !alike || b.file_size == a.file_size {
        return Vec::new();
    }
    let libraries = |x: &Binary| x.closure_size.map(|c| c.saturating_sub(x.file_size));
    let mut ids = vec![CheckId::BaselineFileSize];
    if libraries(b) == libraries(a) {
        ids.push(CheckId::BaselineClosureSize);
    }
    for c in checks.iter_mut().filter(|c| ids.contains(&c.id)) {
        c.message.push_str(
            "; the stripped size is the baseline's: only what `strip` removes differs (symbol \
             names, debug information, which the build's folder changes)",
        );
    }
    ids
}

/// Sections and crates are compared by the bytes they take in memory where they are loaded
/// (`.bss` and `.tbss` take none of the file: a 4 MiB zeroed static grows no file), as the
/// crate table shows them; a part not loaded on either side (`.symtab`, `.debug_*`) by its
/// bytes in the file, which is what it costs. Baselines of older versions carry both figures.
///
/// The message names the measure it compared only where the reader needs it (a crate's file
/// and loaded bytes nearly always differ by a few bytes of alignment): when the check is not a
/// pass, or when the other measure would tell another story (it moves the other way or not at
/// all, or would give another verdict), as `.bss` growth does.
fn part_checks(
    kind: Part,
    base: &BTreeMap<String, Bytes>,
    cur: &BTreeMap<String, Bytes>,
    th: &Thresholds,
) -> Vec<Check> {
    let mut names: Vec<&String> = base.keys().chain(cur.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (x, y) = (base.get(name), cur.get(name).copied().unwrap_or_default());
            let xb = x.copied().unwrap_or_default();
            let loaded = xb.mem > 0 || y.mem > 0;
            let ((b, c), (ob, oc)) = if loaded {
                ((xb.mem, y.mem), (xb.file, y.file))
            } else {
                ((xb.file, y.file), (xb.mem, y.mem))
            };
            (b > 0 || c > 0).then(|| {
                let (id, what) = match kind {
                    Part::Section => (CheckId::BaselineSection(name.clone()), "section"),
                    Part::Crate => (CheckId::BaselineCrate(name.clone()), "crate"),
                };
                let verdict = verdict_of(b, c, th, false);
                let other_story =
                    c.cmp(&b) != oc.cmp(&ob) || verdict != verdict_of(ob, oc, th, false);
                let named = (b, c) != (ob, oc) && (verdict != Verdict::Pass || other_story);
                let measure = match (named, loaded) {
                    (false, _) => "",
                    (true, true) => " (in memory)",
                    (true, false) => " (in the file)",
                };
                let what = format!("{what} {name}{measure}");
                judge(
                    id,
                    &what,
                    (x.map(|_| b), cur.get(name).map(|_| c)),
                    th,
                    false,
                )
            })
        })
        .collect()
}

/// `whole`: a figure of the whole binary (warns on relative growth alone); otherwise a part.
/// The baseline had the figure (it may be 0).
pub fn size_check(
    id: CheckId,
    what: &str,
    base: u64,
    cur: u64,
    th: &Thresholds,
    whole: bool,
) -> Check {
    judge(id, what, (Some(base), Some(cur)), th, whole)
}

/// As [`size_check`]; `(had, has)`: the baseline's figure and this run's, `None` where that
/// report does not have the part at all (only then is it "new", or "gone").
fn judge(
    id: CheckId,
    what: &str,
    (had, has): (Option<u64>, Option<u64>),
    th: &Thresholds,
    whole: bool,
) -> Check {
    let (base, cur) = (had.unwrap_or(0), has.unwrap_or(0));
    let delta = i128::from(cur) - i128::from(base);
    let change = relative(base, cur);
    let verdict = verdict_of(base, cur, th, whole);
    let message = match delta.cmp(&0) {
        std::cmp::Ordering::Equal => format!("{what} unchanged ({})", size(cur)),
        // QA ae, 7: a crate that left the binary "shrank by 597 KiB (-100.0%) to 0 B".
        std::cmp::Ordering::Less if has.is_none() => format!("{what} is gone (was {})", size(base)),
        std::cmp::Ordering::Less => format!(
            "{what} shrank by {} ({}) to {}",
            size(delta.unsigned_abs() as u64),
            percent(change),
            size(cur)
        ),
        std::cmp::Ordering::Greater => {
            let why = match verdict {
                // From nothing, any growth is over every percentage: only the bytes count
                // (QA aa: "is new: 571 KiB: over 5% and 4.00 KiB").
                Verdict::Fail if base == 0 => {
                    format!(": at least size_fail_min ({})", size(th.size_fail_min))
                }
                Verdict::Fail => format!(
                    ": over {} and {}",
                    limit_percent(th.size_fail),
                    size(th.size_fail_min)
                ),
                Verdict::Warn => format!(": over {}", limit_percent(th.size_warn)),
                _ => String::new(),
            };
            if had.is_none() {
                format!("{what} is new: {}{why}", size(cur))
            } else if base == 0 {
                format!("{what} is {}, was 0 B in the baseline{why}", size(cur))
            } else if grew_from_little(base, cur, th.size_fail_min) {
                // A percentage of a small base would mislead: the two sizes, in bytes with the
                // growth where they would read the same (`3.32 KiB to 3.32 KiB`).
                let (was, now, exact) = two_sizes(base, cur);
                let by = if exact {
                    format!(" ({})", signed_size(delta))
                } else {
                    String::new()
                };
                format!("{what} grew from {was} to {now}{by}{why}")
            } else {
                format!(
                    "{what} grew by {} ({}) to {}{why}",
                    signed_size(delta).trim_start_matches('+'),
                    percent(change),
                    size(cur)
                )
            }
        }
    };
    let mut check = Check::new(id, Unit::Bytes, verdict, message).against_baseline(
        base as f64,
        cur as f64,
        change.is_finite().then_some(change),
    );
    check.fail_min = Some(th.size_fail_min as f64);
    (check.new, check.gone) = (had.is_none(), had.is_some() && has.is_none());
    check
}

/// The line on a finding the baseline had too whose static binary now defines functions the
/// baseline's did not: an `allow` written for the old lookups covers the new ones without a
/// word (QA ar F2: procs's uzers and dirs-sys findings, allowed, gained nix's `getpwnam_r`).
fn new_functions(before: &crate::report::Finding, now: &crate::report::Finding) -> Option<String> {
    let old = before.defined();
    let new: Vec<String> = now
        .defined()
        .into_iter()
        .filter(|n| !old.contains(n))
        .collect();
    (!new.is_empty()).then(|| {
        format!(
            "new since the baseline: {}{}",
            crate::format::quoted(&new),
            if now.allowed {
                " (the `allow` of this finding covers them too)"
            } else {
                ""
            }
        )
    })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "compare_findings_tests.rs"]
mod findings_tests;

#[cfg(test)]
#[path = "compare_entry_tests.rs"]
mod entry_tests;

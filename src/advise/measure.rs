//! After the builds: the startup probe over every variant's binary (interleaved, so that drift
//! of the machine hits them alike), then each variant's change against the base and the
//! ranking.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::output::Output;
use crate::plan::{Plan, ProbeSettings};
use crate::progress::ProbeBar;
use crate::report::{
    Advice, Artifact, BinaryAdvice, Change, LinkMode, Measured, Report, VariantStatus,
};

/// Every measured copy of the binaries that the plan probes (those `only` keeps, by variant
/// id), with the binary's own readiness settings; start-up median and memory at ready go into
/// each variant's figures. A variant none of whose runs got ready becomes
/// [`VariantStatus::NotReady`] with the reason (see [`warn_not_ready`] and [`base_not_ready`]);
/// one whose runs got ready only some of the time is warned of.
pub fn probe(
    plan: &Plan,
    advice: &mut Advice,
    only: &dyn Fn(&str) -> bool,
    warnings: &mut Vec<String>,
    out: &mut Output,
) -> Result<()> {
    let mut runs = Report::new(None);
    let mut settings: HashMap<String, ProbeSettings> = HashMap::new();
    for (b, bin) in advice.binaries.iter_mut().zip(&plan.bins) {
        let Some(s) = &bin.probe else { continue };
        advice.probe_runs = s.runs;
        let name = b.name.clone();
        for slot in slots(b).filter(|x| only(&x.id)) {
            let (Some(path), Some(_)) = (&slot.measured.path, slot.measured.file_size) else {
                continue;
            };
            let binary = crate::inspect::inspect_path(Path::new(path))?;
            let label = format!("{name} [{}]", slot.id);
            let a = Artifact::new(None, label, Some(LinkMode::Static), path.clone(), binary);
            runs.artifacts.push(a);
            settings.insert(path.clone(), s.clone());
        }
    }
    if runs.artifacts.is_empty() {
        return Ok(());
    }
    let settings_for = |a: &Artifact| settings.get(&a.path).cloned();
    // Said also where no bar is drawn (QA bv F4: four variants probed in silence).
    crate::probe::announce(&runs, &settings_for, runs.artifacts.len(), out);
    let bar = ProbeBar::new(out);
    let result =
        crate::probe::probe_report(&mut runs, &settings_for, &plan.dirs.probe_floor, &mut |p| {
            bar.update(p)
        });
    bar.finish();
    result?;
    let by_path: HashMap<&str, &Artifact> = runs
        .artifacts
        .iter()
        .map(|a| (a.path.as_str(), a))
        .collect();
    for b in &mut advice.binaries {
        let name = b.name.clone();
        for slot in slots(b) {
            let Some((a, p)) = slot
                .measured
                .path
                .as_deref()
                .and_then(|p| by_path.get(p))
                .and_then(|a| Some((*a, a.probe.as_ref()?)))
            else {
                continue;
            };
            slot.measured.startup_ms = p.startup_ms.as_ref().map(|s| s.median);
            slot.measured.startup_runs_ms = crate::probe::counted_ms(a);
            slot.measured.memory_kib = p.memory_kib.rss;
            if p.runs == 0 && *slot.status == VariantStatus::Measured {
                *slot.status = VariantStatus::NotReady;
                let why = crate::probe::why_not_ready(a);
                *slot.error = Some(crate::format::printable(&why, false).into_owned());
            } else if p.failures > 0 {
                let why = crate::probe::why_not_ready(a);
                warnings.push(failed_runs_warning(&name, &slot.id, p, &why));
            }
        }
    }
    // The probe's own line on runs that failed (`some_runs_failed`) is not among its
    // warnings: the line above says it (QA ap F7).
    for w in runs.warnings {
        if !warnings.contains(&w) {
            warnings.push(w);
        }
    }
    Ok(())
}

/// A variant some of whose runs failed and others got ready: how many of the runs made, why,
/// and where too few counted runs are left for an interval, that its start-up cell is empty
/// for it (QA ap F6: blank, with a note on "the 6 counted runs of each").
fn failed_runs_warning(name: &str, id: &str, p: &crate::report::Probe, why: &str) -> String {
    let min = crate::stats::MIN_SAMPLES;
    let few = match p.runs as usize {
        n if n < min => format!(
            "; its start-up change is not told from {} that got ready ({min} or more give one)",
            crate::format::count(n, "counted run", "counted runs")
        ),
        _ => String::new(),
    };
    format!(
        "`{name}` [{id}]: {} of {} did not get ready: {why}{few}",
        p.failures,
        crate::format::count(p.made(), "run", "runs"),
    )
}

/// One variant of a binary, as the probe fills it: the base, each knob, the combined one, each
/// feature left out.
struct Slot<'a> {
    id: String,
    status: &'a mut VariantStatus,
    measured: &'a mut Measured,
    error: &'a mut Option<String>,
}

fn slots(b: &mut BinaryAdvice) -> impl Iterator<Item = Slot<'_>> {
    fn variant(v: &mut crate::report::Variant) -> Slot<'_> {
        Slot {
            id: v.id.clone(),
            status: &mut v.status,
            measured: &mut v.measured,
            error: &mut v.error,
        }
    }
    std::iter::once(&mut b.base)
        .chain(b.variants.iter_mut())
        .chain(b.combined.iter_mut())
        .map(variant)
        .chain(b.features.iter_mut().map(|f| Slot {
            id: format!("without {}", f.feature),
            status: &mut f.status,
            measured: &mut f.measured,
            error: &mut f.error,
        }))
}

/// A warning for each variant that never got ready, where its base did (a knob that breaks the
/// program: `panic = "abort"` under `catch_unwind`); once the combined variant is settled.
pub fn warn_not_ready(advice: &mut Advice, warnings: &mut Vec<String>) {
    for b in &mut advice.binaries {
        if b.base.status == VariantStatus::NotReady {
            continue;
        }
        let name = b.name.clone();
        for slot in slots(b).filter(|x| *x.status == VariantStatus::NotReady) {
            let then = if slot.id == "combined" {
                "no lines to paste (each of its knobs alone got ready)"
            } else {
                "left out of the combined variant"
            };
            warnings.push(format!(
                "`{name}` [{}]: no probe run got ready: {}; {then}",
                slot.id,
                slot.error.as_deref().unwrap_or("no run")
            ));
        }
    }
}

/// Where the run was interrupted after some builds and before their probe: the variants built
/// but never probed say so, in their row and in one warning per binary (QA ai, F11: they read
/// `measured`, with empty start-up and memory and nothing said).
pub fn warn_not_probed(advice: &mut Advice, warnings: &mut Vec<String>) {
    if !advice.interrupted || advice.probe_runs == 0 {
        return;
    }
    for b in &mut advice.binaries {
        let name = b.name.clone();
        let mut ids = Vec::new();
        for slot in slots(b).filter(|x| {
            *x.status == VariantStatus::Measured
                && x.measured.startup_ms.is_none()
                && x.measured.memory_kib.is_none()
        }) {
            *slot.status = VariantStatus::NotProbed;
            *slot.error = Some(NOT_PROBED.into());
            ids.push(slot.id);
        }
        if !ids.is_empty() {
            warnings.push(format!(
                "`{name}`: {} built but not probed, the run was interrupted first: no start-up \
                 or memory figures for {}",
                crate::format::count(ids.len(), "variant", "variants"),
                ids.join(", ")
            ));
        }
    }
}

/// What the start-up change beside each variant's median is, or why there is none.
pub fn startup_note(runs: u32) -> Vec<String> {
    let min = crate::stats::MIN_SAMPLES;
    // What the memory column is (QA cf F8: never said).
    let memory = (runs > 0).then(|| {
        "memory: the resident set (RSS) of the program's processes when it was ready (in `exit` \
         mode at its exit, before its memory is let go), the median of the counted runs"
            .to_string()
    });
    let startup = match runs as usize {
        0 => None,
        n if n < min => Some(format!(
            "start-up: {} per variant give no interval ({min} or more do: --runs), so no \
             change of start-up is told from the noise of this machine",
            crate::format::count(n, "run", "runs")
        )),
        n => Some(format!(
            "start-up: beside each variant's median, its change against the profile's where \
             the 95% interval of their ratio (bootstrap over the counted runs of each that \
             got ready, {n} asked) excludes no change (a ratio of 1); {} where it includes it \
             (within the noise of this machine)",
            crate::report::WITHIN_NOISE
        )),
    };
    startup.into_iter().chain(memory).collect()
}

/// Why a variant was not built when the base never got ready (not an interrupt).
pub const BASE_NOT_READY: &str = "the profile's own binary never got ready (see above)";

/// A run stopped because a base never got ready, not interrupted (QA dg F6: broot's variants
/// read "not built (interrupted)", with notes on start-up and memory figures it never had):
/// its variants not built say why, and where no base got ready the notes on those figures go.
pub fn base_never_ready(advice: &mut Advice) {
    if advice.interrupted {
        return;
    }
    let mut none_ready = true;
    for b in &mut advice.binaries {
        if b.base.status != VariantStatus::NotReady {
            none_ready = false;
            continue;
        }
        let variants = b.variants.iter_mut().chain(b.combined.iter_mut());
        for v in variants.filter(|v| v.status == VariantStatus::NotBuilt) {
            v.error = Some(BASE_NOT_READY.into());
        }
        for f in b
            .features
            .iter_mut()
            .filter(|f| f.status == VariantStatus::NotBuilt)
        {
            f.error = Some(BASE_NOT_READY.into());
        }
    }
    if none_ready && !advice.binaries.is_empty() {
        advice
            .notes
            .retain(|n| !n.starts_with("start-up") && !n.starts_with("memory"));
    }
}

/// Where the machine was busy while variants were compared by their start-up, a note that
/// the calls are to be taken with care (QA ai, F6: one binary's 1.5x slowdown, seen by
/// hyperfine in every round, was flagged in three runs of five and `≈` in two).
pub fn note_busy(advice: &mut Advice, warnings: &[String]) {
    if advice.probe_runs as usize >= crate::stats::MIN_SAMPLES
        && warnings.iter().any(|w| crate::probe::busy(w, false))
    {
        advice.notes.push(Advice::BUSY_NOTE.into());
    }
}

/// The note of a variant built but never probed.
pub const NOT_PROBED: &str = "built, not probed: the run was interrupted first";

/// The run's error when some binary's base variant (the profile as it is) never got ready:
/// nothing can be compared with it, as the main command fails for a probed binary with no run
/// that got ready.
pub fn base_not_ready(advice: &Advice) -> Option<String> {
    let lines: Vec<String> = advice
        .binaries
        .iter()
        .filter(|b| b.base.status == VariantStatus::NotReady)
        .map(|b| {
            let line = format!(
                "`{}` as the profile builds it: {}",
                b.name,
                b.base.error.as_deref().unwrap_or("no run")
            );
            crate::format::printable(&line, false).into_owned()
        })
        .collect();
    crate::probe::no_successful_run(&lines)
}

/// Fill every change against the base, the bytes each feature saves, and rank.
pub fn finish(advice: &mut Advice) {
    for b in &mut advice.binaries {
        let base = b.base.measured.clone();
        for m in b
            .variants
            .iter_mut()
            .map(|v| &mut v.measured)
            .chain(b.combined.iter_mut().map(|v| &mut v.measured))
            .chain(b.features.iter_mut().map(|f| &mut f.measured))
        {
            m.change = change(&base, m);
        }
        for f in &mut b.features {
            f.bytes_saved = f.measured.change.as_ref().map(|c| -c.file_size);
        }
        let rank = |s: VariantStatus| match s {
            VariantStatus::Measured => 0,
            VariantStatus::Already => 1,
            VariantStatus::NotReady => 2,
            VariantStatus::NotProbed => 3,
            VariantStatus::Failed => 4,
            VariantStatus::NotBuilt => 5,
        };
        // Stable sorts: ties keep the catalogue's order.
        b.variants.sort_by_key(|v| {
            (
                rank(v.status),
                v.measured.change.as_ref().map_or(0, |c| c.file_size),
            )
        });
        b.features
            .sort_by_key(|f| (rank(f.status), -f.bytes_saved.unwrap_or(0)));
    }
}

fn change(base: &Measured, m: &Measured) -> Option<Change> {
    let (b, v) = (base.file_size?, m.file_size?);
    let delta = |b: u64, v: u64| v as i64 - b as i64;
    let percent = |b: u64, v: u64| {
        if b == 0 {
            0.0
        } else {
            (v as f64 - b as f64) / b as f64 * 100.0
        }
    };
    let stripped = base.stripped_size.zip(m.stripped_size);
    // QA ah, F3: five runs' medians told `strip = "symbols"` +126% once, where hyperfine saw
    // nothing; the interval says when a change is beyond the noise.
    let ratio = crate::stats::ratio_of_medians(&base.startup_runs_ms, &m.startup_runs_ms);
    Some(Change {
        file_size: delta(b, v),
        file_size_percent: percent(b, v),
        stripped_size: stripped.map(|(b, v)| delta(b, v)),
        stripped_size_percent: stripped.map(|(b, v)| percent(b, v)),
        startup_ms: base.startup_ms.zip(m.startup_ms).map(|(b, v)| v - b),
        startup_ratio: base
            .startup_ms
            .zip(m.startup_ms)
            .filter(|(b, _)| *b > 0.0)
            .map(|(b, v)| v / b),
        startup_ratio_interval: ratio.map(|i| [i.low, i.high]),
        memory_kib: base.memory_kib.zip(m.memory_kib).map(|(b, v)| delta(b, v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FeatureAdvice, Variant};

    fn m(file: u64, stripped: u64) -> Measured {
        Measured {
            file_size: Some(file),
            stripped_size: Some(stripped),
            ..Measured::default()
        }
    }

    /// QA ap F6: a variant with 3 of 7 runs failed (one warmup, 6 counted asked) has too few
    /// counted runs for an interval; the warning counts the runs made and says so.
    #[test]
    fn a_variant_with_failed_runs_says_how_many_of_those_made_and_why_no_change() {
        let sample = |run: u32| crate::report::Sample {
            run,
            warmup: run == 1,
            spawned_at_ns: None,
            startup_ms: 30.0,
            shutdown_ms: None,
            memory_kib: crate::report::Memory::default(),
            processes: 1,
            exit_code: None,
            cpu_wait_share: None,
        };
        let failed = |run: u32| crate::report::FailedRun {
            run,
            warmup: false,
            kind: "signal".into(),
            message: "killed by SIGABRT".into(),
            exit_code: None,
            signal: Some("SIGABRT".into()),
            core_dumped: false,
            stderr_tail: String::new(),
            stdout_tail: String::new(),
        };
        let mut p = crate::report::Probe {
            runs: 3,
            failures: 3,
            requested_runs: 6,
            warmup: 1,
            samples: [1, 3, 4, 7].map(sample).to_vec(),
            failed_runs: [2, 5, 6].map(failed).to_vec(),
            ..crate::report::Probe::default()
        };
        let w = failed_runs_warning("dust", "panic=abort", &p, "killed by SIGABRT");
        assert_eq!(
            w,
            "`dust` [panic=abort]: 3 of 7 runs did not get ready: killed by SIGABRT; its \
             start-up change is not told from 3 counted runs that got ready (5 or more give one)"
                .replace("(5 ", &format!("({} ", crate::stats::MIN_SAMPLES))
        );
        p.runs = crate::stats::MIN_SAMPLES as u32;
        let w = failed_runs_warning("dust", "panic=abort", &p, "killed by SIGABRT");
        assert!(!w.contains("not told"), "{w}");
    }

    /// QA ah, F3: the start-up change carries the interval of its ratio, from the counted
    /// runs of both; it holds 1 for the same series, not for one twice as slow, and is absent
    /// below six runs (the ratio of the medians stays).
    #[test]
    fn the_start_up_change_has_its_interval() {
        let timed = |runs: &[f64]| Measured {
            startup_ms: crate::stats::median(runs),
            startup_runs_ms: runs.to_vec(),
            ..m(1000, 800)
        };
        let base: Vec<f64> = (0..10).map(|i| 1.0 + f64::from(i) * 0.01).collect();
        let same = change(&timed(&base), &timed(&base)).expect("change");
        let [lo, hi] = same.startup_ratio_interval.expect("interval");
        assert!(lo <= 1.0 && hi >= 1.0, "{lo} {hi}");
        assert_eq!(same.startup_ratio, Some(1.0));
        let slow: Vec<f64> = base.iter().map(|t| t * 2.0).collect();
        let twice = change(&timed(&base), &timed(&slow)).expect("change");
        let [lo, hi] = twice.startup_ratio_interval.expect("interval");
        assert!(lo > 1.9 && hi < 2.1, "{lo} {hi}");
        assert!((twice.startup_ratio.expect("ratio") - 2.0).abs() < 1e-9);
        let few = change(&timed(&base[..5]), &timed(&slow[..5])).expect("change");
        assert_eq!(few.startup_ratio_interval, None);
        assert!((few.startup_ratio.expect("ratio") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn changes_and_ranking() {
        let v = |id: &str, status, measured| Variant {
            id: id.into(),
            status,
            measured,
            ..Variant::default()
        };
        let mut advice = Advice {
            binaries: vec![BinaryAdvice {
                base: v("base", VariantStatus::Measured, m(1000, 800)),
                variants: vec![
                    v("debug=0", VariantStatus::Already, Measured::default()),
                    v("lto=thin", VariantStatus::Measured, m(990, 790)),
                    v("panic=abort", VariantStatus::Failed, Measured::default()),
                    v("lto=fat", VariantStatus::Measured, m(750, 600)),
                ],
                features: vec![
                    FeatureAdvice {
                        feature: "small".into(),
                        measured: m(990, 800),
                        ..FeatureAdvice::default()
                    },
                    FeatureAdvice {
                        feature: "big".into(),
                        measured: m(400, 300),
                        ..FeatureAdvice::default()
                    },
                ],
                ..BinaryAdvice::default()
            }],
            ..Advice::default()
        };
        finish(&mut advice);
        let b = &advice.binaries[0];
        let ids: Vec<&str> = b.variants.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["lto=fat", "lto=thin", "debug=0", "panic=abort"]);
        let c = b.variants[0].measured.change.as_ref().expect("change");
        assert_eq!((c.file_size, c.stripped_size), (-250, Some(-200)));
        assert!((c.file_size_percent + 25.0).abs() < 1e-9);
        assert!(b.variants[2].measured.change.is_none());
        assert_eq!(b.features[0].feature, "big");
        assert_eq!(b.features[0].bytes_saved, Some(600));
    }
}

//! Budgets: absolute limits from `[package.metadata.aotcheck]` (and the other layers), one
//! [`Check`] each. A value over its limit fails; within [`WARN_WITHIN`] of it warns; a budget
//! that cannot be measured is `inconclusive`, never a silent pass.

use super::measure;
use crate::format::{ms, size};
use crate::plan::{Budgets, GlibcVersion};
use crate::report::{Artifact, Check, CheckId, Unit, Verdict};
use crate::stats::{median, median_interval};

/// Warn when a value is within this fraction of its limit.
pub const WARN_WITHIN: f64 = 0.05;

/// The budget checks of one binary: one per budget set.
pub fn checks(b: &Budgets, a: &Artifact) -> Vec<Check> {
    let bin = &a.binary;
    let mut v = Vec::new();
    if let Some(limit) = b.max_file_size {
        v.push(bytes(
            CheckId::BudgetFileSize,
            "file size",
            Some(bin.file_size),
            limit,
            None,
        ));
    }
    if let Some(limit) = b.max_stripped_size {
        v.push(bytes(
            CheckId::BudgetStrippedSize,
            "stripped size",
            bin.stripped_size,
            limit,
            bin.stripped_size
                .is_none()
                .then_some("not measured (no stripped size for this format)"),
        ));
    }
    if let Some(limit) = b.max_closure_size {
        let missing = bin.closure.iter().filter(|e| e.size.is_none()).count();
        let mut c = bytes(
            CheckId::BudgetClosureSize,
            "closure",
            Some(bin.closure_size),
            limit,
            None,
        );
        if missing > 0 && c.verdict != Verdict::Fail {
            c.verdict = Verdict::Inconclusive;
            c.message = format!(
                "{}; {missing} shared libraries were not found here, so the closure is larger",
                c.message
            );
        }
        v.push(c);
    }
    if let Some(limit) = b.max_startup {
        v.push(startup(a, limit.as_secs_f64() * 1000.0));
    }
    if let Some(limit) = b.max_rss {
        let rss = measure::rss_bytes(a);
        let missing = rss.is_none().then_some("not measured (no probe)");
        v.push(bytes(
            CheckId::BudgetRss,
            "RSS at ready",
            rss,
            limit,
            missing,
        ));
    }
    if let Some(limit) = b.max_image_size {
        v.push(bytes(
            CheckId::BudgetImageSize,
            "image",
            a.image.as_ref().map(|i| i.compressed_size),
            limit,
            Some("not measured (no image: run with --image)"),
        ));
    }
    v.extend(linkage(b, a));
    v
}

/// `require_static`, `allowed_libraries` and `max_glibc`: what the binary needs at run time.
fn linkage(b: &Budgets, a: &Artifact) -> Vec<Check> {
    let bin = &a.binary;
    let mut v = Vec::new();
    if b.require_static == Some(true) {
        let mut deps: Vec<String> = bin.interpreter.iter().cloned().collect();
        // The loader is often also a `DT_NEEDED` (`ld-linux-x86-64.so.2`): one dependency.
        let loader = bin
            .interpreter
            .as_deref()
            .map(|i| i.rsplit('/').next().unwrap_or(i));
        deps.extend(
            bin.needed
                .iter()
                .filter(|n| Some(n.as_str()) != loader)
                .cloned(),
        );
        let message = if deps.is_empty() {
            "static: no interpreter, no shared libraries".into()
        } else {
            format!("require_static, but it needs {}", deps.join(", "))
        };
        v.push(no_libraries(CheckId::BudgetStatic, deps.len(), message));
    }
    if let Some(allowed) = &b.allowed_libraries {
        let extra: Vec<&String> = bin
            .needed
            .iter()
            .filter(|n| !allowed.iter().any(|a| library_matches(a, n)))
            .collect();
        let message = if extra.is_empty() {
            format!(
                "{}, all allowed",
                crate::format::count(bin.needed.len(), "shared library", "shared libraries")
            )
        } else {
            let names: Vec<&str> = extra.iter().map(|s| s.as_str()).collect();
            format!("not in allowed_libraries: {}", names.join(", "))
        };
        v.push(no_libraries(CheckId::BudgetLibraries, extra.len(), message));
    }
    if let Some(max) = &b.max_glibc {
        v.push(glibc(a, max));
    }
    v
}

/// A check that passes only when `found` libraries is zero (the limit).
fn no_libraries(id: CheckId, found: usize, message: String) -> Check {
    let verdict = if found == 0 {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Check::new(id, Unit::Libraries, verdict, message).against_limit(Some(found as f64), 0.0)
}

/// `libz.so` allows `libz.so.1`; `libc.so.6` allows exactly that.
fn library_matches(allowed: &str, needed: &str) -> bool {
    needed == allowed
        || needed
            .strip_prefix(allowed)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn verdict_for(value: f64, limit: f64) -> Verdict {
    if value > limit {
        Verdict::Fail
    } else if value > limit * (1.0 - WARN_WITHIN) {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

fn bytes(id: CheckId, what: &str, value: Option<u64>, limit: u64, missing: Option<&str>) -> Check {
    let Some(value) = value else {
        let message = missing.unwrap_or("not measured").into();
        return Check::new(id, Unit::Bytes, Verdict::Inconclusive, message)
            .against_limit(None, limit as f64);
    };
    let verdict = verdict_for(value as f64, limit as f64);
    let message = match verdict {
        Verdict::Fail => format!(
            "{what} {} is over the budget of {} by {}",
            size(value),
            size(limit),
            size(value - limit)
        ),
        Verdict::Warn => format!(
            "{what} {} is within {:.0}% of the budget of {} ({} left)",
            size(value),
            WARN_WITHIN * 100.0,
            size(limit),
            size(limit - value)
        ),
        _ => format!(
            "{what} {} is within the budget of {} ({} left)",
            size(value),
            size(limit),
            size(limit - value)
        ),
    };
    Check::new(id, Unit::Bytes, verdict, message).against_limit(Some(value as f64), limit as f64)
}

/// The median startup against its budget. With per-run samples, a median over the limit fails
/// only when its 95% interval lies entirely above it (with under 6 runs, when every run is
/// over it); otherwise the noise could explain it.
fn startup(a: &Artifact, limit_ms: f64) -> Check {
    let samples = measure::startup_samples_ms(a);
    let med = measure::startup_median_ms(a).or_else(|| samples.as_deref().and_then(median));
    let mut c = Check::new(
        CheckId::BudgetStartup,
        Unit::Ms,
        Verdict::Inconclusive,
        String::new(),
    )
    .against_limit(med, limit_ms);
    let Some(m) = med else {
        c.message = "not measured (no probe)".into();
        return c;
    };
    let interval = samples.as_deref().and_then(median_interval);
    c.verdict = verdict_for(m, limit_ms);
    // Worded as the other budgets are, its times as the report writes them (`0.93 ms`).
    let (now, budget) = (ms(m), ms(limit_ms));
    let over = format!(
        "median startup {now} is over the budget of {budget} by {}",
        ms(m - limit_ms)
    );
    c.message = match c.verdict {
        Verdict::Fail => match interval {
            Some((lo, _)) if lo > limit_ms => {
                format!("{over} (95% interval of the median from {})", ms(lo))
            }
            Some((lo, hi)) => {
                c.verdict = Verdict::Inconclusive;
                format!(
                    "{over}, but its 95% interval {}..{} includes the budget: within the noise",
                    ms(lo).trim_end_matches(" ms"),
                    ms(hi)
                )
            }
            // Too few runs for a 95% interval (under 6): the runs' range is the interval
            // (93.8% for 5 runs), so only every run over the budget fails (QA n: 5 runs of
            // 31, 31, 31, 1.0 and 0.85 ms failed a 20 ms budget on their median).
            None => match samples.as_deref() {
                Some(xs) if xs.iter().all(|&x| x > limit_ms) => match xs.len() {
                    1 => format!("{over} (one run: too few for an interval)"),
                    n => format!(
                        "{over} (each of its {n} runs is over it: too few runs for a 95% \
                         interval)"
                    ),
                },
                Some(xs) => {
                    c.verdict = Verdict::Inconclusive;
                    let fastest = xs.iter().copied().fold(f64::INFINITY, f64::min);
                    format!(
                        "{over}, but its {} runs are too few for a 95% interval and the \
                         fastest, {}, is within the budget: within the noise",
                        xs.len(),
                        ms(fastest)
                    )
                }
                None => format!("{over} (no per-run samples: the median alone)"),
            },
        },
        Verdict::Warn => format!(
            "median startup {now} is within {:.0}% of the budget of {budget} ({} left)",
            WARN_WITHIN * 100.0,
            ms(limit_ms - m)
        ),
        _ => format!(
            "median startup {now} is within the budget of {budget} ({} left)",
            ms(limit_ms - m)
        ),
    };
    c
}

fn glibc(a: &Artifact, max: &GlibcVersion) -> Check {
    let written = &max.written;
    let mut c = Check::worded(CheckId::BudgetGlibc, Verdict::Pass, String::new());
    match &a.binary.glibc_floor {
        None => c.message = "no versioned glibc requirement".into(),
        Some(floor) => {
            let needed = GlibcVersion::parse(&floor.version);
            let by: Vec<&str> = floor.symbols.iter().take(3).map(String::as_str).collect();
            let by = if by.is_empty() {
                String::new()
            } else {
                format!(" (needed by {})", by.join(", "))
            };
            match needed {
                Some(v) if v.parts > max.parts => {
                    c.verdict = Verdict::Fail;
                    c.message = format!(
                        "needs GLIBC_{}{by}, newer than max_glibc {written}",
                        floor.version
                    );
                }
                Some(_) => {
                    c.message = format!("needs GLIBC_{}, within max_glibc {written}", floor.version)
                }
                None => {
                    c.verdict = Verdict::Inconclusive;
                    c.message = format!("cannot read the glibc version `{}`", floor.version);
                }
            }
        }
    }
    c
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::Linkage;

    pub(crate) fn artifact(file_size: u64) -> Artifact {
        let a = crate::report::test_artifact(file_size);
        assert_eq!(a.binary.linkage, Linkage::StaticPie);
        a
    }

    fn one(b: Budgets, a: &Artifact) -> Check {
        let mut v = checks(&b, a);
        assert_eq!(v.len(), 1, "{v:?}");
        v.remove(0)
    }

    #[test]
    fn a_budget_just_above_passes_or_warns_and_just_below_fails() {
        let a = artifact(1_000_000);
        let at = |limit| {
            one(
                Budgets {
                    max_file_size: Some(limit),
                    ..Budgets::default()
                },
                &a,
            )
        };
        assert_eq!(at(2_000_000).verdict, Verdict::Pass);
        assert_eq!(at(1_000_001).verdict, Verdict::Warn);
        assert_eq!(at(1_000_000).verdict, Verdict::Warn);
        let c = at(999_999);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(c.margin, Some(-1.0));
        assert!(c.message.contains("over the budget"), "{}", c.message);
    }

    #[test]
    fn unmeasured_budgets_are_inconclusive_not_passed() {
        let a = artifact(1000);
        let b = Budgets {
            max_startup: Some(std::time::Duration::from_millis(5)),
            ..Budgets::default()
        };
        let c = one(b, &a);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert_eq!(c.message, "not measured (no probe)");
        let c = one(
            Budgets {
                max_rss: Some(1 << 20),
                ..Budgets::default()
            },
            &a,
        );
        assert_eq!(c.verdict, Verdict::Inconclusive);
    }

    /// QA h: `median startup 0.928 ms, budget 50.000 ms`, unlike every other budget and with
    /// three decimals: worded as the size budgets are, the times as the report writes them.
    #[test]
    fn the_startup_budget_is_worded_as_the_other_budgets() {
        let mut a = artifact(1000);
        let with = |a: &mut Artifact, samples: &[f64]| {
            a.probe = Some(crate::report::Probe {
                samples: samples
                    .iter()
                    .enumerate()
                    .map(|(i, &ms)| crate::report::Sample {
                        run: i as u32 + 1,
                        warmup: false,
                        spawned_at_ns: None,
                        startup_ms: ms,
                        shutdown_ms: None,
                        memory_kib: crate::report::Memory::default(),
                        processes: 1,
                    })
                    .collect(),
                ..crate::report::Probe::default()
            });
        };
        let budget = |ms: u64| Budgets {
            max_startup: Some(std::time::Duration::from_millis(ms)),
            ..Budgets::default()
        };
        with(&mut a, &[0.928]);
        let c = one(budget(50), &a);
        assert_eq!(c.verdict, Verdict::Pass);
        assert_eq!(
            c.message,
            "median startup 0.93 ms is within the budget of 50.0 ms (49.1 ms left)"
        );
        with(&mut a, &[4.9]);
        let c = one(budget(5), &a);
        assert_eq!(c.verdict, Verdict::Warn);
        assert_eq!(
            c.message,
            "median startup 4.90 ms is within 5% of the budget of 5.00 ms (0.10 ms left)"
        );
        with(&mut a, &[12.5]);
        let c = one(budget(10), &a);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(
            c.message,
            "median startup 12.5 ms is over the budget of 10.0 ms by 2.50 ms (one run: too few \
             for an interval)"
        );
        // QA n: 5 runs straddling the budget are too few for a 95% interval, and the
        // fastest runs are well within it: not a failure.
        with(&mut a, &[30.8, 31.3, 31.3, 1.01, 0.85]);
        let c = one(budget(20), &a);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert_eq!(
            c.message,
            "median startup 30.8 ms is over the budget of 20.0 ms by 10.8 ms, but its 5 runs \
             are too few for a 95% interval and the fastest, 0.85 ms, is within the budget: \
             within the noise"
        );
        with(&mut a, &[30.8, 31.3, 31.3, 21.0, 25.0]);
        let c = one(budget(20), &a);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(
            c.message,
            "median startup 30.8 ms is over the budget of 20.0 ms by 10.8 ms (each of its 5 runs \
             is over it: too few runs for a 95% interval)"
        );
        // Six runs have a 95% interval (the lowest and highest of six, 96.9%).
        with(&mut a, &[30.8, 31.3, 31.3, 1.01, 0.85, 31.0]);
        assert_eq!(one(budget(20), &a).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn image_size_budget_needs_an_image() {
        let mut a = artifact(1000);
        let b = Budgets {
            max_image_size: Some(2_000),
            ..Budgets::default()
        };
        let c = one(b.clone(), &a);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!(c.message.contains("--image"), "{}", c.message);
        let image: crate::report::Image = serde_json::from_value(serde_json::json!({
            "layout": "l", "tar": "t", "reference": "app:1", "manifest_digest": "m",
            "config_digest": "c", "layer_digest": "l", "diff_id": "d",
            "architecture": "amd64", "os": "linux", "compressed_size": 2_500,
            "uncompressed_size": 9_000, "created": "1970-01-01T00:00:00Z",
            "created_from": "zero", "user": "65532:65532", "user_name": "nonroot",
            "workdir": "/app", "entrypoint": ["/app/app"], "env": [], "stripped": true,
            "files": [], "trace": {"traced": false, "opened": 0},
            "in_image": {"outcome": "skipped", "runs": 0, "failures": 0}
        }))
        .expect("image");
        a.image = Some(Box::new(image));
        let c = one(b, &a);
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(c.id.to_string(), "budget.image_size");
        assert_eq!(c.margin, Some(-500.0));
    }

    #[test]
    fn libraries_and_static() {
        let mut a = artifact(1000);
        a.binary.needed = vec!["libz.so.1".into(), "libc.so.6".into()];
        let c = one(
            Budgets {
                allowed_libraries: Some(vec!["libc.so.6".into()]),
                ..Budgets::default()
            },
            &a,
        );
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(c.message.contains("libz.so.1"), "{}", c.message);
        let c = one(
            Budgets {
                allowed_libraries: Some(vec!["libc.so.6".into(), "libz.so".into()]),
                ..Budgets::default()
            },
            &a,
        );
        assert_eq!(c.verdict, Verdict::Pass);
        let c = one(
            Budgets {
                require_static: Some(true),
                ..Budgets::default()
            },
            &a,
        );
        assert_eq!(c.verdict, Verdict::Fail);
    }

    /// The loader named as the interpreter and again as a `DT_NEEDED` is one dependency.
    #[test]
    fn require_static_names_the_loader_once() {
        let mut a = artifact(1000);
        a.binary.interpreter = Some("/lib64/ld-linux-x86-64.so.2".into());
        a.binary.needed = vec!["libc.so.6".into(), "ld-linux-x86-64.so.2".into()];
        let c = one(
            Budgets {
                require_static: Some(true),
                ..Budgets::default()
            },
            &a,
        );
        assert_eq!(c.verdict, Verdict::Fail);
        assert_eq!(
            c.message,
            "require_static, but it needs /lib64/ld-linux-x86-64.so.2, libc.so.6"
        );
    }

    #[test]
    fn glibc_floor_against_max_glibc() {
        let mut a = artifact(1000);
        a.binary.glibc_floor = Some(crate::report::GlibcFloor {
            version: "2.34".into(),
            symbols: vec!["__libc_start_main".into()],
        });
        let b = |m: &str| Budgets {
            max_glibc: GlibcVersion::parse(m),
            ..Budgets::default()
        };
        let c = one(b("2.28"), &a);
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(c.message.contains("__libc_start_main"), "{}", c.message);
        assert_eq!(one(b("2.34"), &a).verdict, Verdict::Pass);
        assert_eq!(one(b("2.4"), &a).verdict, Verdict::Fail);
    }
}

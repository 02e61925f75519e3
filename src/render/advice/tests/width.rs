//! The advice laid out within 100 columns, and what a run that stopped or a busy machine says
//! (QA ai, QA aj).

use super::*;

/// QA ai, F4: a table wider than 100 columns (long figures beside `-C relocation-model=static`)
/// leaves out the stripped size's column: the base's stripped size stands under `stripped`,
/// each variant's change under it; every other cell keeps its column.
#[test]
fn a_table_too_wide_folds_the_stripped_sizes() {
    let mut a = advice();
    let style = plain();
    let wide = human(&a, &style);
    assert!(wide.contains(" stripped change "), "{wide}");
    if let Some(c) = a.binaries[0].combined.as_mut() {
        c.measured.build_seconds = Some(725.0);
        c.measured.memory_kib = Some(123_456);
        c.measured.startup_ms = Some(12.25);
    }
    let s = human(&a, &style);
    assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    let lines: Vec<&str> = s.lines().collect();
    let header = lines.iter().find(|l| l.contains("variant")).copied();
    let header = header.unwrap_or_else(|| panic!("{s}"));
    assert!(header.contains(" stripped start-up") && !header.contains("stripped change"));
    let row = |k: &str| lines.iter().find(|l| l.contains(k)).copied().unwrap_or("");
    // The base's stripped size and a variant's change end where the heading ends.
    let end = header.find("stripped").map(|i| i + "stripped".len());
    let base = row("(as it is)");
    assert_eq!(base.find("1.17 MiB ").map(|i| i + 8), end, "{s}");
    let combined = row("combined");
    assert_eq!(combined.find("-13.0%").map(|i| i + 6), end, "{s}");
    assert!(
        combined.contains("12m05s") && combined.contains("12.2 ms"),
        "{s}"
    );
}

/// QA ai, F10: a feature whose build grows saves nothing, said so; its start-up is shown.
#[test]
fn a_feature_that_grows_the_binary_saves_nothing() {
    let mut a = advice();
    let f = &mut a.binaries[0].features[0];
    f.bytes_saved = Some(-1672);
    f.measured = startup(
        measured(1_420_952, 1_226_000, 0.62, Some((1672, 0.118))),
        0.98,
        [0.87, 1.16],
    );
    let r = &feature_rows(&a.binaries[0])[0];
    assert_eq!(r.saved, "nothing: 1.63 KiB larger");
    assert_eq!(r.percent, "+0.1%");
    assert_eq!(r.startup, "0.62 ms (≈)");
    let s = human(&a, &plain());
    assert!(
        s.contains("saves nothing: 1.63 KiB larger +0.1%, start-up 0.62 ms (≈)"),
        "{s}"
    );
    // No change is no growth (QA ai, F9: `+0.0%`).
    assert_eq!(pct(0.0), "0%");
    assert_eq!(pct(-0.004), "-0.004%");
}

/// QA ai, F11: variants built but never probed (an interrupt between the builds and the
/// probe) say so in their row, not `measured` with empty figures.
#[test]
fn a_variant_built_but_not_probed_says_so() {
    let mut a = advice();
    a.interrupted = true;
    let lto = &mut a.binaries[0].variants[0];
    lto.measured.startup_ms = None;
    lto.measured.memory_kib = None;
    let mut warnings = Vec::new();
    crate::advise::measure::warn_not_probed(&mut a, &mut warnings);
    assert_eq!(
        warnings,
        [
            "`app-server`: 1 variant built but not probed, the run was interrupted first: no \
          start-up or memory figures for lto=fat"
        ]
    );
    assert_eq!(
        a.binaries[0].variants[0].status,
        crate::report::VariantStatus::NotProbed
    );
    let r = rows(&a.binaries[0]);
    assert_eq!(r[1].note, crate::advise::measure::NOT_PROBED);
    let s = human(&a, &plain());
    assert!(
        s.contains(&format!("    {}", crate::advise::measure::NOT_PROBED)),
        "{s}"
    );
    // Not interrupted: nothing is said (a `--no-probe` run has no figures either).
    a.interrupted = false;
    let mut none = Vec::new();
    crate::advise::measure::warn_not_probed(&mut a, &mut none);
    assert!(none.is_empty());
}

/// The start-up heading starts over the medians (QA ai, F9); without any (`--no-probe`) the
/// column goes (QA aj, F10), and the headings after it stay over their figures.
#[test]
fn the_start_up_heading_stands_over_the_medians() {
    let mut a = advice();
    let s = human(&a, &plain());
    let line = |s: &str, k: &str| s.lines().find(|l| l.contains(k)).unwrap_or("").to_string();
    assert_eq!(
        line(&s, "variant").find("start-up"),
        line(&s, "(as it is)").find("0.61 ms"),
        "{s}"
    );
    let b = &mut a.binaries[0];
    for v in std::iter::once(&mut b.base)
        .chain(&mut b.variants)
        .chain(&mut b.combined)
    {
        v.measured.startup_ms = None;
        if let Some(c) = v.measured.change.as_mut() {
            (c.startup_ratio, c.startup_ratio_interval) = (None, None);
        }
    }
    let s = human(&a, &plain());
    assert!(!line(&s, "variant").contains("start-up"), "{s}");
    let end = |l: String, k: &str| l.find(k).map(|i| i + k.len());
    assert_eq!(
        end(line(&s, "variant"), "memory"),
        end(line(&s, "(as it is)"), "1.17 MiB 12.5s").map(|e| e - 6),
        "{s}"
    );
}

/// QA ai, F6: on a busy machine the start-up calls come with a note that they may change from
/// run to run; not without the warning, nor with too few runs for an interval.
#[test]
fn a_busy_machine_s_start_up_calls_come_with_a_caveat() {
    use crate::advise::measure::note_busy;
    let busy =
        vec!["the machine was busy (load average 4.8 on 2 CPUs): timings are inflated".into()];
    let mut a = advice();
    a.probe_runs = 10;
    note_busy(&mut a, &[]);
    assert!(!a.busy());
    note_busy(&mut a, &busy);
    assert!(a.busy());
    let md = crate::render::markdown::render(&crate::report::Report {
        advice: Some(a.clone()),
        ..crate::report::Report::new(None)
    });
    assert!(md.contains("so a `≈` may hide a change"), "{md}");
    let mut few = advice();
    few.probe_runs = 5;
    note_busy(&mut few, &busy);
    assert!(!few.busy());
}

/// QA cm F8: a feature whose dependencies make its name wider than its column (bat's
/// `application`, nine of them) keeps every line within 100 columns: the name on lines of its
/// own, what it saves or why it does not build under it.
#[test]
fn a_feature_with_many_dependencies_stays_within_100_columns() {
    let mut a = advice();
    let f = &mut a.binaries[0].features[0];
    f.enables = [
        "bugreport",
        "clap",
        "etcetera",
        "grep-cli",
        "minus",
        "regex",
        "shell-words",
    ]
    .iter()
    .chain(&["walkdir", "wild"])
    .map(|d| d.to_string())
    .collect();
    let feature = f.feature.clone();
    let s = human(&a, &plain());
    assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    let named = s
        .lines()
        .position(|l| l.trim_start().starts_with(&format!("{feature} (dep:")));
    let next = named
        .and_then(|i| s.lines().nth(i + 1))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        next.trim_start().starts_with("wild)") || next.contains("saves"),
        "{s}"
    );
}

//! The advice's layout: a hand-built report of every status, snapshots and rows.

use super::*;
use crate::render::Style;
use crate::report::LeavingCrate;

fn measured(file: u64, stripped: u64, startup: f64, change: Option<(i64, f64)>) -> Measured {
    Measured {
        path: Some("/t/advise/release/x/app/app".into()),
        file_size: Some(file),
        stripped_size: Some(stripped),
        startup_ms: Some(startup),
        startup_runs_ms: Vec::new(),
        memory_kib: Some(1200),
        build_seconds: Some(12.5),
        compiled_units: Some(3),
        change: change.map(|(d, p)| Change {
            file_size: d,
            file_size_percent: p,
            stripped_size: Some(d / 2),
            stripped_size_percent: Some(p / 2.0),
            startup_ms: None,
            startup_ratio: None,
            startup_ratio_interval: None,
            memory_kib: None,
        }),
    }
}

/// `m` with a start-up `ratio` to the base's and its 95% interval.
fn startup(mut m: Measured, ratio: f64, interval: [f64; 2]) -> Measured {
    if let Some(c) = m.change.as_mut() {
        c.startup_ratio = Some(ratio);
        c.startup_ratio_interval = Some(interval);
    }
    m
}

/// A hand-built advice: every status, a feature that saves and one that cannot go. Long,
/// as data is: one literal report for the snapshots of every format.
pub fn advice() -> Advice {
    let v = |id: &str, knob: &str, status, m: Measured| Variant {
        id: id.into(),
        knob: knob.into(),
        status,
        measured: m,
        tradeoff: crate::advise::knobs::find(id)
            .map_or("", |k| k.tradeoff)
            .into(),
        error: (status == VariantStatus::Failed)
            .then(|| "error[E0080]: evaluation of constant value failed".into()),
    };
    let base = measured(1_419_280, 1_224_904, 0.61, None);
    Advice {
        profile: "release".into(),
        settings: [("lto", "false"), ("opt-level", "3"), ("debug", "0")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        binaries: vec![BinaryAdvice {
            package: "app".into(),
            name: "app-server".into(),
            ready: Some("tcp".into()),
            base: v("base", "(as it is)", VariantStatus::Measured, base),
            variants: vec![
                v(
                    "lto=fat",
                    "lto = \"fat\"",
                    VariantStatus::Measured,
                    startup(
                        measured(1_100_000, 1_000_000, 0.58, Some((-319_280, -22.5))),
                        0.951,
                        [0.90, 1.02],
                    ),
                ),
                v(
                    "relocation-model=static",
                    "-C relocation-model=static",
                    VariantStatus::Measured,
                    Measured {
                        compiled_units: Some(0),
                        ..startup(
                            measured(1_367_024, 1_190_000, 1.16, Some((-52_256, -3.7))),
                            1.9,
                            [1.72, 2.05],
                        )
                    },
                ),
                v(
                    "debug=0",
                    "debug = 0",
                    VariantStatus::Already,
                    Measured::default(),
                ),
                v(
                    "panic=abort",
                    "panic = \"abort\"",
                    VariantStatus::Failed,
                    Measured::default(),
                ),
                v(
                    "opt-level=z",
                    "opt-level = \"z\"",
                    VariantStatus::NotBuilt,
                    Measured::default(),
                ),
            ],
            combined: Some(v(
                "combined",
                "lto = \"fat\"; -C relocation-model=static",
                VariantStatus::Measured,
                startup(
                    measured(1_050_000, 950_000, 0.57, Some((-369_280, -26.0))),
                    0.934,
                    [0.91, 0.96],
                ),
            )),
            features: vec![
                FeatureAdvice {
                    feature: "table".into(),
                    enables: vec!["bigtable".into()],
                    built_with: vec!["core".into()],
                    not_for_target: Vec::new(),
                    kept_deps: Vec::new(),
                    needing: Vec::new(),
                    also_leaves_out: Vec::new(),
                    status: VariantStatus::Measured,
                    bytes_saved: Some(262_400),
                    crates_leaving: Some(vec![LeavingCrate {
                        name: "bigtable".into(),
                        file_size: 262_150,
                        in_both_builds: false,
                    }]),
                    // QA cx F2: what stays and shrinks, the runtime's row to nothing.
                    crates_shrinking: Some(vec![
                        crate::report::ShrinkingCrate {
                            name: "regex_syntax".into(),
                            file_size: 691_200,
                            file_size_without: 183_296,
                        },
                        crate::report::ShrinkingCrate {
                            name: "[libstdc++]".into(),
                            file_size: 58_266,
                            file_size_without: 0,
                        },
                    ]),
                    measured: measured(1_156_880, 962_000, 0.6, Some((-262_400, -18.5))),
                    error: None,
                    ..FeatureAdvice::default()
                },
                // Built with another back-end in its place (QA cm F3, cq).
                FeatureAdvice {
                    feature: "rustls".into(),
                    enables: vec!["rustls".into()],
                    status: VariantStatus::Measured,
                    bytes_saved: Some(-40_960),
                    crates_leaving: Some(vec![LeavingCrate {
                        name: "rustls".into(),
                        file_size: 49_152,
                        in_both_builds: false,
                    }]),
                    instead: Some("native-tls".into()),
                    alone_error: Some(
                        "error: Either native-tls or rustls feature must be enabled!".into(),
                    ),
                    // A crate of both builds whose generic code came with the swap (QA cs F4).
                    crates_joining: Some(vec![
                        LeavingCrate {
                            name: "openssl".into(),
                            file_size: 90_112,
                            in_both_builds: false,
                        },
                        LeavingCrate {
                            name: "alloc_stdlib".into(),
                            file_size: 414,
                            in_both_builds: true,
                        },
                    ]),
                    measured: {
                        let mut m = measured(1_460_240, 1_002_000, 0.6, Some((40_960, 2.9)));
                        m.memory_kib = Some(13_260);
                        m.change.as_mut().expect("change").memory_kib = Some(5_196);
                        m
                    },
                    ..FeatureAdvice::default()
                },
                FeatureAdvice {
                    feature: "core".into(),
                    status: VariantStatus::Failed,
                    error: Some("error: advise-features needs its `core` feature".into()),
                    ..FeatureAdvice::default()
                },
            ],
        }],
        combined_knobs: vec!["relocation-model=static".into(), "lto=fat".into()],
        snippet: Some("[profile.release]\nlto = \"fat\"\n".into()),
        profile_in_manifest: false,
        replaces: Vec::new(),
        rustflags_snippet: Some(
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \
             \"target-feature=+crt-static\", \"-C\", \"relocation-model=static\"]\n"
                .into(),
        ),
        rustflags_file: None,
        probe_runs: 5,
        interrupted: false,
        notes: vec!["start-up and memory are measured, throughput is not".into()],
    }
}

#[test]
fn human_table_ranked_with_costs_and_what_to_paste() {
    let style = plain();
    let s = human(&advice(), &style);
    for line in s.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn rows_keep_the_report_order_and_say_why_a_row_is_empty() {
    let r = rows(&advice().binaries[0]);
    let knobs: Vec<&str> = r.iter().map(|r| r.knob.as_str()).collect();
    assert_eq!(
        knobs,
        [
            "(as it is)",
            "lto = \"fat\"",
            "-C relocation-model=static",
            "debug = 0",
            "panic = \"abort\"",
            "opt-level = \"z\"",
            "combined"
        ]
    );
    assert_eq!(r[1].change, "-312 KiB");
    assert_eq!(r[1].percent, "-22.5%");
    assert_eq!(r[2].build, "kept");
    assert_eq!(r[3].note, "already in the profile");
    assert!(r[4].note.starts_with("does not build: error[E0080]"));
    assert_eq!(r[5].note, "not built (interrupted)");
}

/// B6: a variant built and measured whose binary never got ready keeps its sizes, says "not
/// ready" where the start-up would be, and why under its figures; nothing to paste is said so.
#[test]
fn a_variant_that_never_got_ready_shows_its_sizes_and_why() {
    let mut a = advice();
    let b = &mut a.binaries[0];
    let abort = b
        .variants
        .iter_mut()
        .find(|v| v.id == "panic=abort")
        .expect("panic=abort");
    abort.status = VariantStatus::NotReady;
    abort.measured = Measured {
        startup_ms: None,
        memory_kib: None,
        ..measured(1_400_000, 1_200_000, 0.0, Some((-19_280, -1.4)))
    };
    abort.error = Some("killed by SIGABRT".into());
    let style = plain();
    let s = human(&a, &style);
    let at = s.find("panic = \"abort\"").expect("the row");
    let row: Vec<&str> = s[at..].lines().take(2).collect();
    assert!(
        row[0].contains("1.34 MiB") && row[0].contains("not ready"),
        "{row:?}"
    );
    assert_eq!(row[1].trim(), "no probe run got ready: killed by SIGABRT");
    let md = markdown(&a);
    assert!(
        md.contains("| `panic = \"abort\"`: no probe run got ready: killed by SIGABRT | 1.34 MiB"),
        "{md}"
    );
    // Without lines to paste, the reason: interrupted, a combined variant that does not start.
    a.snippet = None;
    a.rustflags_snippet = None;
    assert!(
        human(&a, &style)
            .contains("No profile knob saved bytes over the profile as it is and got ready.")
    );
    a.interrupted = true;
    assert!(human(&a, &style).contains("No lines to paste: the run was interrupted"));
    a.interrupted = false;
    if let Some(c) = a.binaries[0].combined.as_mut() {
        c.status = VariantStatus::NotReady;
    }
    assert!(human(&a, &style).contains("the combined variant's binary never got ready"));
    a.binaries[0].base.status = VariantStatus::NotReady;
    assert_eq!(no_paste(&a), None);
}

/// Where the manifest has the profile's table, the lines to paste are the keys to add to it, not a
/// second `[profile.release]` (cargo refuses a duplicate table); the config file's lines stay.
#[test]
fn a_profile_the_manifest_has_gets_its_keys_only() {
    let mut a = advice();
    a.profile_in_manifest = true;
    let style = plain();
    let s = human(&a, &style);
    // The heading is filled to 100 columns (QA ai, F4: 158).
    let at = s
        .find("has:\n  lto = \"fat\"\n")
        .unwrap_or_else(|| panic!("{s}"));
    let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("start-up -6.6%), paste into the `[profile.release]` table Cargo.toml"),
        "{s}"
    );
    assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    assert!(s[at..].contains("[target.x86_64-unknown-linux-gnu]"), "{s}");
    // Markdown and the page take the same words and lines.
    assert_eq!(
        a.cargo_toml_paste(),
        Some((
            "the `[profile.release]` table Cargo.toml already has".to_string(),
            "lto = \"fat\"\n".to_string()
        ))
    );
    // QA r: a key the table sets already is replaced, said with its line there.
    a.replaces = vec!["lto = true".into()];
    assert_eq!(
        a.cargo_toml_paste().map(|p| p.0),
        Some(
            "the `[profile.release]` table Cargo.toml already has, in place of its `lto = true`"
                .to_string()
        )
    );
}

/// QA g, B9: one knob alone whose lines are all for `.cargo/config.toml` takes the heading (no
/// dangling "and into"); a run that tried no knob says nothing of knobs after a feature that
/// saved bytes, and one that did speaks of the profile's knobs; a feature that took another
/// with it says so on its row; crates that could not be named are said to be so.
#[test]
fn the_words_around_features_and_a_lone_config_knob() {
    let style = plain();
    let mut a = advice();
    a.snippet = None;
    a.binaries[0].combined = None;
    let s = human(&a, &style);
    assert!(
        s.contains("\nTo keep the knob that saved bytes, paste into .cargo/config.toml ("),
        "{s}"
    );
    // The file by its path, and where cargo reads it (QA cb F2).
    let mut at = a.clone();
    at.rustflags_file = Some("/p/.cargo/config.toml".into());
    let flat = human(&at, &style)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(
            "paste into `/p/.cargo/config.toml`, which cargo reads when it runs in `/p` or \
             below, not with --manifest-path from elsewhere"
        ),
        "{flat}"
    );
    // As code spans in Markdown (QA cf F13).
    let md = crate::render::markdown::render(&crate::report::Report {
        advice: Some(at.clone()),
        ..crate::report::Report::new(None)
    });
    assert!(md.contains("`/p/.cargo/config.toml`"), "{md}");
    assert!(!s.contains("and into"), "{s}");
    let page = crate::render::html::render(&crate::report::Report {
        advice: Some(a.clone()),
        ..crate::report::Report::new(None)
    });
    assert!(!page.contains("<h3>And, for"), "{page}");

    a.rustflags_snippet = None;
    a.binaries[0].variants.clear();
    let f = &mut a.binaries[0].features[0];
    f.also_leaves_out = vec!["lookup".into(), "fast".into()];
    f.needing = vec!["lookup".into()];
    f.crates_leaving = None;
    let s = human(&a, &style);
    assert!(!s.contains("knob saved bytes"), "{s}");
    let at = s.find("    table (dep: bigtable)").expect("the row");
    let row: Vec<&str> = s[at..].lines().skip(1).take(2).map(str::trim).collect();
    // QA bs F3: one that needs it, one that only it turns on, each said so.
    assert_eq!(
        row[0], "also leaves out `lookup` (it needs `table`) and `fast` (only `table` turns it on)",
        "{s}"
    );
    assert!(
        row[1].starts_with("leaving the binary: could not be named: a binary has no symbol"),
        "{s}"
    );
    let md = markdown(&a);
    assert!(
        md.contains(
            "| `table` (also leaves out `lookup` (it needs `table`) and `fast` (only `table` \
             turns it on)) |"
        ),
        "{md}"
    );
    // A knob asked for that the profile has already: nothing tried (QA dg F7: "No profile knob
    // saved bytes" read as if knobs were built); one tried that saved nothing: the knobs'.
    for (id, status, said) in [
        (
            "debug=0",
            VariantStatus::Already,
            "every knob asked for is in the profile already.",
        ),
        (
            "lto=fat",
            VariantStatus::Measured,
            "No profile knob saved bytes over the profile",
        ),
    ] {
        let v = Variant {
            id: id.into(),
            status,
            ..Variant::default()
        };
        a.binaries[0].variants.push(v);
        assert!(human(&a, &style).contains(said), "{said}");
    }
}

/// The terminal's style without colour.
fn plain() -> Style {
    Style::plain()
}

/// The Markdown report of advice `a` alone.
fn markdown(a: &Advice) -> String {
    crate::render::markdown::render_with(
        &crate::report::Report {
            advice: Some(a.clone()),
            ..crate::report::Report::new(None)
        },
        false,
    )
}

/// QA r, F6: the Markdown left the start-up and memory columns of a `--no-probe` run empty
/// without the terminal's note of why, and of an interrupted run likewise.
#[test]
fn markdown_says_why_figures_are_missing() {
    let mut a = advice();
    a.probe_runs = 0;
    a.interrupted = true;
    let md = markdown(&a);
    assert!(
        md.contains("- note: not probed (`--no-probe`): no start-up or memory figures\n"),
        "{md}"
    );
    assert!(
        md.contains("- note: the run was interrupted: what was not built or probed is missing\n"),
        "{md}"
    );
}

mod costs;
mod features;
mod startup;
mod width;

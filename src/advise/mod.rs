//! `cargo aotcheck advise`: what each profile knob and each enabled feature would save,
//! measured on builds made for the purpose, not guessed.
//!
//! The stage builds, in this order, each as a static binary the way the main command builds it
//! (the user's rustflags kept): the profile as it is (the base), the knobs whose effect is all in
//! the final link (no dependency is rebuilt), the build without each enabled feature, the other
//! knobs, then the combined variant of the knobs that saved bytes. Then it probes every binary,
//! interleaved, and ranks. Every variant shares one cargo target dir (`advise/cargo`): cargo
//! keeps each profile's and each feature set's units apart there (their hashes differ), so
//! nothing is built twice, host units (build scripts, proc-macros) are shared, and a second run
//! rebuilds nothing. Each variant's binaries are copied to
//! `advise/<profile>/<selection>/<variant>/` (the selection: the features and target).
//!
//! Prints nothing but the status lines and the probe's bar through `out`; an interrupt stops
//! the builds and leaves the finished variants in the report.

mod build;
mod combine;
mod crates;
mod feature_build;
pub mod features;
mod features_asked;
pub mod knobs;
pub mod measure;

mod sources;

use std::path::PathBuf;

use crate::attribute;
use crate::compile::Variation;
use crate::error::{Error, Result};
use crate::options::{AdviseOptions, BuildOptions, LinkChoice};
use crate::output::Output;
use crate::plan::Plan;
use crate::profile;
use crate::report::{Advice, BinaryAdvice, CrateSize, Report, Variant, VariantStatus};
use crate::rustflags;
use build::{Outcome, fill, record};
use features::Without;
use knobs::{Apply, Knob};

/// Counted probe runs and warmup runs per variant, unless `--runs`/`--warmup` say otherwise:
/// every variant is probed, so fewer than the main command's 20; enough for the interval of
/// each variant's start-up against the base's (QA ah, F3: five runs had none).
pub const DEFAULT_RUNS: u32 = 10;
pub const DEFAULT_WARMUP: u32 = 1;

/// The options the plan is resolved from: always a static build, no hostile runs, and the
/// advisor's own probe counts (readiness, arguments and timeouts stay the package's).
pub fn build_options(a: &AdviseOptions) -> BuildOptions {
    let mut b = a.build.clone();
    b.link = LinkChoice::Static;
    b.hostile = Some(false);
    b.probe.runs = b.probe.runs.or(Some(DEFAULT_RUNS));
    b.probe.warmup = b.probe.warmup.or(Some(DEFAULT_WARMUP));
    b
}

const NOTES: [&str; 3] = [
    "start-up and memory are measured, throughput is not: opt-level \"s\"/\"z\" and \
     panic = \"abort\" change hot code that a start-up probe does not run",
    "build times are this run's: units an earlier variant or run already built (build scripts, \
     proc-macros, unchanged dependencies) were not rebuilt",
    "-C relocation-model=static alone is measured on the final link (dependencies stay \
     position-independent); the combined variant builds every unit with it, as the snippet does",
];

/// What a feature's row does not say (QA dg F8: broot's 233 KiB without `clipboard` read as
/// free; its `:copy_path` verb goes with it).
const FEATURE_NOTE: &str = "a feature left out takes away what it provides (a command, a \
     format, a protocol): its row says what it costs in bytes; the package's documentation of \
     its features says what it does, and the dependencies it turns on are the clue";

/// Where the run is, for the status lines (`Building variant 3/9: lto=fat`).
struct Steps<'p> {
    plan: &'p Plan,
    jobs: Option<u32>,
    done: usize,
    total: usize,
    libdir: Option<PathBuf>,
    /// The base binary's crates (attribution), per binary, when features are tried; `None`
    /// where they could not be named.
    base_crates: Vec<Option<Vec<CrateSize>>>,
    /// The features cargo built each base binary with.
    base_features: Vec<Vec<String>>,
    /// The crates cargo built for the target in the base's build ([`crates::libraries`]).
    base_libraries: Vec<String>,
    /// The knobs the combined variant was built with (ids), when it was.
    combined: Vec<&'static str>,
    /// The sources once the base was built: a variant built after they changed is not
    /// comparable with it (see `sources`).
    stamp: Option<sources::Stamp>,
}

impl Steps<'_> {
    fn announce(&mut self, what: &str, out: &mut Output) {
        self.done += 1;
        out.status(
            "Building",
            &format!("variant {}/{}: {what}", self.done, self.total),
        );
    }

    /// The steps of a run that makes `total` builds, none made yet.
    fn new<'a>(plan: &'a Plan, jobs: Option<u32>, total: usize) -> Steps<'a> {
        Steps {
            plan,
            jobs,
            done: 0,
            total,
            libdir: None,
            base_crates: Vec::new(),
            base_features: Vec::new(),
            base_libraries: Vec::new(),
            combined: Vec::new(),
            stamp: None,
        }
    }

    fn variation(&self) -> Variation {
        Variation {
            jobs: self.jobs,
            ..Variation::default()
        }
    }
}

/// The analysis link advise's build of the binary at `path` left (matched by its build id), which
/// holds the symbols a stripped variant lacks.
pub fn analysis_link(plan: &Plan, path: &std::path::Path) -> Option<std::path::PathBuf> {
    let id = crate::inspect::build_id(path)?;
    let links = crate::compile::analysis_dir(&build::cargo_dir(plan));
    crate::compile::link::analysis_file(&links, &id)
}

/// The advise stage: fills `report.advice`, also when it stops early (an interrupt, a failed
/// base build); the error is returned after.
pub fn run(plan: &Plan, opts: &AdviseOptions, report: &mut Report, out: &mut Output) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let env = |k: &str| std::env::var(k).ok();
    let cargo_home = plan.toolchain.cargo_home.as_deref();
    let files = rustflags::config_files(&cwd, cargo_home);
    let manifest = plan.workspace.root().join("Cargo.toml");
    let sources = profile::Sources {
        manifest: &manifest,
        config_files: &files,
        env: &env,
    };
    let settings = profile::resolve(&plan.options.profile, &sources)?;
    // Where a line pasted into Cargo.toml would be overridden (read now: a bad file fails fast).
    let overriding = profile::overriding(&plan.options.profile, &sources)?;
    let user = &plan.settings.rustflags;
    let (chosen, with_features) = selection(&opts.knobs, &plan.target);
    let has = |k: &Knob| match k.apply {
        Apply::Rustflag(flags) => knobs::flags_have(&user.flags, flags),
        _ => settings.get(k.key).is_some_and(|v| v == k.value),
    };
    let to_build: Vec<&Knob> = chosen.iter().copied().filter(|k| !has(k)).collect();
    let (withouts, not_tried) = match &with_features {
        Some(only) => features_asked::for_plan(plan, only)?,
        None => Default::default(),
    };
    let mut advice = skeleton(plan, &chosen, &has, &withouts);
    for (status, note) in not_tried {
        out.status("Skipping", &status);
        advice.notes.push(note);
    }
    advice.settings = settings;
    let table = profile::in_manifest(&plan.options.profile, &sources)?;
    advice.profile_in_manifest = table.is_some();
    let builds = to_build.len() + withouts.len() + usize::from(combine::worth_building(&to_build));
    let mut steps = Steps::new(plan, opts.jobs, 1 + builds);
    let result = build_all(
        &mut steps,
        (&to_build, &withouts),
        &mut advice,
        &mut report.warnings,
        out,
    );
    let probed = match result {
        Ok(()) => probe_all(&mut steps, &mut advice, &mut report.warnings, out)
            .and_then(|()| crate::interrupt::check()),
        Err(e) => Err(e),
    };
    // Any error past the base stops the run early (an interrupt, a cargo killed from outside):
    // what was not built or probed is missing, so no lines to paste and at best inconclusive
    // (QA aj, F1: a killed cargo left a `pass` with lines to paste from unprobed variants).
    advice.interrupted = probed.is_err();
    if let Some(stamp) = &steps.stamp {
        let root = plan.workspace.root();
        let now = sources::Stamp::of(root, &plan.workspace.target_directory());
        report.warnings.extend(stamp.changed(&now, root));
    }
    measure::warn_not_ready(&mut advice, &mut report.warnings);
    measure::warn_not_probed(&mut advice, &mut report.warnings);
    measure::note_busy(&mut advice, &report.warnings);
    measure::finish(&mut advice);
    measure::base_never_ready(&mut advice);
    combine::conclude(&mut advice, plan, user, &overriding, &mut report.warnings);
    advice.replaces = combine::replaced(advice.snippet.as_deref(), &table.unwrap_or_default());
    // Without the base there is nothing to compare: the error alone says what happened.
    if advice.binaries.iter().any(|b| b.base.status.has_figures()) {
        report.advice = Some(advice);
    }
    // How it was built: the lock file, the commit, as the gate records it for the main command
    // (QA cf F5: the page said "Binaries given to inspect: no build provenance").
    report.provenance = Some(crate::gate::provenance(report, plan.workspace.root()));
    probed
}

/// The knobs `--knobs` names (all, by default; the relocation model only for Linux, where the
/// static executable can be non-PIE), and which builds without a feature are tried: none
/// (`None`), every enabled feature's (`Some` of none named), or those of the features named
/// (`features=NAME`).
fn selection(ids: &[String], target: &str) -> (Vec<&'static Knob>, Option<Vec<String>>) {
    if ids.is_empty() {
        let all = knobs::KNOBS
            .iter()
            .filter(|k| target.contains("-linux-") || !matches!(k.apply, Apply::Rustflag(_)))
            .collect();
        return (all, Some(Vec::new()));
    }
    let chosen = knobs::KNOBS
        .iter()
        .filter(|k| ids.iter().any(|i| i == k.id))
        .collect();
    let named: Vec<String> = ids
        .iter()
        .filter_map(|i| knobs::feature_named(i))
        .map(str::to_string)
        .collect();
    let features = match ids.iter().any(|i| i == knobs::FEATURES) {
        true => Some(Vec::new()),
        false => (!named.is_empty()).then_some(named),
    };
    (chosen, features)
}

/// The advice before any build: every variant not built yet, the profile's own knobs marked.
fn skeleton(
    plan: &Plan,
    chosen: &[&Knob],
    has: &dyn Fn(&Knob) -> bool,
    withouts: &[Without],
) -> Advice {
    let not_built = |id: &str, knob: String| Variant {
        id: id.to_string(),
        knob,
        status: VariantStatus::NotBuilt,
        ..Variant::default()
    };
    let binaries = plan
        .bins
        .iter()
        .map(|b| BinaryAdvice {
            package: b.target.package.clone(),
            name: b.target.name.clone(),
            ready: b.probe.as_ref().map(|p| p.ready.to_string()),
            base: not_built("base", "(as it is)".into()),
            variants: chosen
                .iter()
                .map(|k| Variant {
                    status: if has(k) {
                        VariantStatus::Already
                    } else {
                        VariantStatus::NotBuilt
                    },
                    tradeoff: k.tradeoff.to_string(),
                    ..not_built(k.id, k.written())
                })
                .collect(),
            combined: None,
            features: withouts
                .iter()
                .filter(|w| w.package == b.target.package)
                .map(Without::row)
                .collect(),
        })
        .collect();
    // Known before any build: an interrupted run that probed nothing was not `--no-probe`
    // (QA ad: it said so).
    let probe_runs = plan
        .bins
        .iter()
        .find_map(|b| b.probe.as_ref())
        .map_or(0, |p| p.runs);
    // The relocation model's note only where that knob is measured.
    let notes = NOTES
        .iter()
        .filter(|n| {
            !n.starts_with("-C")
                || chosen
                    .iter()
                    .any(|k| k.key == "relocation-model" && !has(k))
        })
        .map(|n| n.to_string())
        .chain(measure::startup_note(probe_runs))
        .chain((!withouts.is_empty()).then(|| FEATURE_NOTE.to_string()))
        .collect();
    Advice {
        profile: plan.options.profile.clone(),
        binaries,
        notes,
        probe_runs,
        ..Advice::default()
    }
}

/// The probe of every variant built; then, where a knob of the combined variant turned out not
/// to start (its binary never got ready), the combined variant again without it, probed alone
/// (with nothing left worth building, none: see [`combine::worth_building`]).
fn probe_all(
    steps: &mut Steps,
    advice: &mut Advice,
    warnings: &mut Vec<String>,
    out: &mut Output,
) -> Result<()> {
    let plan = steps.plan;
    // Nothing to compare with: the run's error (see `measure::base_not_ready`), said before
    // the other variants were built.
    if measure::base_not_ready(advice).is_some() {
        return Ok(());
    }
    measure::probe(plan, advice, &|_| true, warnings, out)?;
    if steps.combined.is_empty() || measure::base_not_ready(advice).is_some() {
        return Ok(());
    }
    let picked = combine::choose(advice);
    if picked
        .iter()
        .map(|k| k.id)
        .eq(steps.combined.iter().copied())
    {
        return Ok(());
    }
    for b in &mut advice.binaries {
        b.combined = None;
    }
    if !combine::worth_building(&picked) {
        return Ok(());
    }
    crate::interrupt::check()?;
    combined(steps, &picked, advice, out)?;
    measure::probe(plan, advice, &|id| id == "combined", warnings, out)
}

/// Every build, in order; stops at the first error (an interrupt included).
fn build_all(
    steps: &mut Steps,
    (to_build, withouts): (&[&Knob], &[Without]),
    advice: &mut Advice,
    warnings: &mut Vec<String>,
    out: &mut Output,
) -> Result<()> {
    let plan = steps.plan;
    let all: Vec<&crate::plan::BinPlan> = plan.bins.iter().collect();
    steps.announce("base (the profile as it is)", out);
    let base = match build::make(plan, &plan.options, &all, &steps.variation(), "base", out)? {
        Outcome::Made(m) => m,
        Outcome::Failed { error, .. } => return Err(error),
    };
    for (b, found) in advice.binaries.iter_mut().zip(&base.bins) {
        record(&mut b.base.measured, found.as_ref(), &base);
        b.base.status = VariantStatus::Measured;
    }
    // The base probed before anything else is built: a program that never gets ready as it
    // is (a TUI without a terminal, a server without its arguments) ends the run now, not
    // after every variant's build (QA bm F4: 7 minutes of builds, then exit 2). Probed again
    // with the variants, interleaved, when it did get ready.
    if plan.bins.iter().any(|b| b.probe.is_some()) {
        // Its warnings are the interleaved probe's to give, unless this is the last one.
        let mut early = Vec::new();
        measure::probe(plan, advice, &|id| id == "base", &mut early, out)?;
        if measure::base_not_ready(advice).is_some() {
            warnings.extend(early);
            return Ok(());
        }
    }
    // After the base's build, which may have written `Cargo.lock`.
    let root = plan.workspace.root();
    steps.stamp = Some(sources::Stamp::of(root, &plan.workspace.target_directory()));
    if !withouts.is_empty() {
        steps.libdir = attribute::crates::sysroot_libdir(&plan.toolchain.rustc, &plan.target);
        steps.base_crates = crates::of(plan, steps.libdir.as_deref(), &base);
        steps.base_features.clone_from(&base.features);
        steps.base_libraries = crates::libraries(&base);
    }
    for k in to_build.iter().filter(|k| k.link_only()) {
        knob(steps, k, advice, out)?;
    }
    for w in withouts {
        feature_build::feature(steps, w, advice, out)?;
    }
    for k in to_build.iter().filter(|k| !k.link_only()) {
        knob(steps, k, advice, out)?;
    }
    let picked = combine::choose(advice);
    if combine::worth_building(&picked) {
        combined(steps, &picked, advice, out)?;
    }
    combine::say_if_skipped(to_build, &picked, out);
    Ok(())
}

fn knob(steps: &mut Steps, k: &Knob, advice: &mut Advice, out: &mut Output) -> Result<()> {
    steps.announce(k.id, out);
    let plan = steps.plan;
    let mut variation = steps.variation();
    match k.apply {
        Apply::Profile => variation
            .config
            .push(combine::config_arg(&plan.options.profile, k)),
        Apply::ProfileAtLink(flags) | Apply::Rustflag(flags) => {
            variation.final_unit = flags.iter().map(|f| f.to_string()).collect();
        }
    }
    let all: Vec<&crate::plan::BinPlan> = plan.bins.iter().collect();
    let outcome = build::make(
        plan,
        &plan.options,
        &all,
        &variation,
        &build::slug(k.id),
        out,
    )?;
    for (i, b) in advice.binaries.iter_mut().enumerate() {
        if let Some(v) = b.variants.iter_mut().find(|v| v.id == k.id) {
            fill(v, &outcome, i);
        }
    }
    Ok(())
}

fn combined(
    steps: &mut Steps,
    picked: &[&Knob],
    advice: &mut Advice,
    out: &mut Output,
) -> Result<()> {
    let ids: Vec<&'static str> = picked.iter().map(|k| k.id).collect();
    let what = format!("combined ({})", ids.join(", "));
    if steps.combined.is_empty() {
        steps.announce(&what, out);
    } else {
        // Built again without a knob that never got ready: the same step, not one more
        // (QA ai, F9: `variant 7/7` then `8/8`).
        out.status(
            "Rebuilding",
            &format!("{what}, without what never got ready"),
        );
    }
    steps.combined.clone_from(&ids);
    let plan = steps.plan;
    let variation = combine::variation(&plan.options.profile, picked, steps.jobs);
    let all: Vec<&crate::plan::BinPlan> = plan.bins.iter().collect();
    let outcome = build::make(plan, &plan.options, &all, &variation, "combined", out)?;
    let written: Vec<String> = picked.iter().map(|k| k.written()).collect();
    for (i, b) in advice.binaries.iter_mut().enumerate() {
        let mut v = Variant {
            id: "combined".into(),
            knob: written.join("; "),
            ..Variant::default()
        };
        fill(&mut v, &outcome, i);
        b.combined = Some(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests;

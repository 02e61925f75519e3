//! The build without one enabled feature, and, where the package does not build without it and
//! the error names another of its features, the build with that one in its place (a back-end
//! swapped for another: xh's `rustls` for `native-tls`), measured as the feature's row.

use crate::error::Result;
use crate::options::BuildOptions;
use crate::output::Output;
use crate::report::{Advice, CrateSize, FeatureAdvice, Variant};

use super::build::{self, Outcome, fill};
use super::features::{self, Without};
use super::{Steps, crates};

pub(super) fn feature(
    steps: &mut Steps,
    w: &Without,
    advice: &mut Advice,
    out: &mut Output,
) -> Result<()> {
    steps.announce(&format!("without feature `{}`", w.feature), out);
    let plan = steps.plan;
    let bins: Vec<(usize, &crate::plan::BinPlan)> = plan
        .bins
        .iter()
        .enumerate()
        .filter(|(_, b)| b.target.package == w.package)
        .collect();
    let opts = BuildOptions {
        packages: vec![w.package.clone()],
        workspace: false,
        bins: bins.iter().map(|(_, b)| b.target.name.clone()).collect(),
        features: w.keep.clone(),
        all_features: false,
        no_default_features: !w.default_kept,
        ..plan.options.clone()
    };
    let only: Vec<&crate::plan::BinPlan> = bins.iter().map(|(_, b)| *b).collect();
    let slug = build::slug(&format!("without-{}", w.feature));
    let mut outcome = build::make(plan, &opts, &only, &steps.variation(), &slug, out)?;
    let mut swapped = None;
    if let Outcome::Failed { first_error, error } = &outcome {
        let said = first_error.clone().unwrap_or_else(|| error.to_string());
        if let Some((other, g)) = instead(steps, w, &opts, &only, &said, out)? {
            outcome = other;
            swapped = Some((g, said));
        }
    }
    let (crates, built_with, libraries) = match &outcome {
        Outcome::Made(m) => (
            crates::of(plan, steps.libdir.as_deref(), m),
            m.features.clone(),
            crates::libraries(m),
        ),
        // A build that failed has no features reported by cargo; the ones it was asked for are
        // closed under "enables" (see `features::variants`), so they are the ones it had (QA r, F4).
        Outcome::Failed { .. } => (Vec::new(), vec![w.keep.clone(); bins.len()], Vec::new()),
    };
    let moved = |before: &[CrateSize], after: &[CrateSize]| {
        let mut list = crates::leaving(before, after);
        crates::mark_in_both(&mut list, &steps.base_libraries, &libraries);
        list
    };
    for (j, (i, _)) in bins.iter().enumerate() {
        let Some(f) = advice.binaries[*i]
            .features
            .iter_mut()
            .find(|f| f.feature == w.feature)
        else {
            continue;
        };
        let mut v = Variant::default();
        fill(&mut v, &outcome, j);
        (f.status, f.measured, f.error) = (v.status, v.measured, v.error);
        let pair = match (crates.get(j), steps.base_crates.get(*i)) {
            (Some(Some(after)), Some(Some(before))) => Some((after, before)),
            _ => None,
        };
        f.crates_leaving = pair.map(|(after, before)| moved(before, after));
        f.crates_shrinking = pair.map(|(after, before)| crates::shrinking(before, after));
        if let (Some(base), Some(variant)) = (steps.base_features.get(*i), built_with.get(j)) {
            f.also_leaves_out = crates::also_left_out(base, variant, &w.feature);
        }
        if let Some((g, said)) = &swapped {
            swap(f, g, said, pair.map(|(after, before)| moved(after, before)));
        }
    }
    Ok(())
}

/// The build with another feature in place of `w`'s, where the package does not build without
/// it and the error (`said`) names one: the build and that feature, when it was made.
fn instead(
    steps: &Steps,
    w: &Without,
    opts: &BuildOptions,
    only: &[&crate::plan::BinPlan],
    said: &str,
    out: &mut Output,
) -> Result<Option<(Outcome, String)>> {
    let plan = steps.plan;
    let package = only.first().and_then(|b| {
        let metadata = &plan.workspace.metadata;
        metadata
            .packages
            .iter()
            .find(|p| p.id == b.target.package_id)
    });
    let Some(g) = package.and_then(|p| features::instead(p, w, said)) else {
        return Ok(None);
    };
    // The same step, not one more (as the combined variant's rebuild).
    out.status(
        "Building",
        &format!(
            "with feature `{g}` in place of `{}`, which it does not build without",
            w.feature
        ),
    );
    let mut with = opts.clone();
    with.features.push(g.clone());
    let slug = build::slug(&format!("{}-instead-of-{}", g, w.feature));
    let other = build::make(plan, &with, only, &steps.variation(), &slug, out)?;
    Ok(matches!(other, Outcome::Made(_)).then_some((other, g)))
}

/// Row `f` as the build with `g` in its feature's place: the error without either, and the
/// crates that come in with `g`.
fn swap(
    f: &mut FeatureAdvice,
    g: &str,
    said: &str,
    joining: Option<Vec<crate::report::LeavingCrate>>,
) {
    f.instead = Some(g.to_string());
    f.alone_error = Some(said.to_string());
    f.crates_joining = joining;
}

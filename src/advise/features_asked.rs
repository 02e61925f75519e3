//! The builds without a feature that `advise` makes: every enabled feature's, or those of
//! `--knobs features=NAME`; of a name the build does not offer to leave out, what it is to the
//! packages, and what to ask instead.

use std::collections::BTreeSet;

use super::features::{NotTried, Without, every_feature};
use crate::plan::Plan;

/// The builds without one feature each of the packages whose binaries `plan` selects (those
/// of the features named in `only`, where it names any), and why those a binary cannot be
/// built without were not tried.
/// Also what is not tried, each as (the status line after "Skipping", the note). A name in
/// `only` that no build enables is an error that lists those it does.
pub(super) fn for_plan(plan: &Plan, only: &[String]) -> crate::Result<(Vec<Without>, NotTried)> {
    let (out, not_tried, offered) = every_feature(plan);
    if only.is_empty() {
        return Ok((out, not_tried));
    }
    let offered: BTreeSet<&str> = offered.iter().map(String::as_str).collect();
    if let Some(name) = only.iter().find(|n| !offered.contains(n.as_str())) {
        let why = match beyond_offered(plan, &out, name) {
            Some(why) => format!("`--knobs features={name}`: {why}"),
            None => not_offered(name, &offered),
        };
        return Err(crate::Error::Usage(why));
    }
    let kept = |w: &Without| only.contains(&w.feature);
    // What was not tried for a feature not asked for is no news (the required-features note).
    let not_tried = not_tried
        .into_iter()
        .filter(|(_, note)| only.iter().any(|n| note.contains(&format!("`{n}`"))))
        .collect();
    Ok((out.into_iter().filter(kept).collect(), not_tried))
}

/// What `name`, a feature the build does not offer to leave out, is to the selected packages
/// (QA dh F6): an optional dependency that an offered feature turns on (try that one), or a
/// feature of theirs the build does not enable (enable it, to try the build without it); the
/// nearest of their features when spelt nearly right and the build enables none.
pub(super) fn beyond_offered(plan: &Plan, out: &[Without], name: &str) -> Option<String> {
    // The one the others that turn it on need (`table`, not `lookup = ["table"]`).
    let turning_on = out.iter().filter(|w| w.enables.iter().any(|d| d == name));
    if let Some(w) = turning_on.max_by_key(|w| w.needing.len()) {
        return Some(format!(
            "`{name}` is an optional dependency that `{}` turns on: try `features={}`",
            w.feature, w.feature
        ));
    }
    let packages: Vec<&cargo_metadata::Package> = plan
        .workspace
        .metadata
        .packages
        .iter()
        .filter(|p| plan.bins.iter().any(|b| b.target.package_id == p.id))
        .collect();
    if let Some(p) = packages.iter().find(|p| p.features.contains_key(name)) {
        return Some(format!(
            "`{}` does not enable its feature `{name}`: enable it (`--features {name}`) to try \
             the build without it",
            p.name
        ));
    }
    let declared: BTreeSet<&str> = packages
        .iter()
        .flat_map(|p| p.features.keys().map(String::as_str))
        .filter(|f| *f != "default")
        .collect();
    let near = crate::spelling::nearest(name, &declared)?;
    out.is_empty().then(|| {
        format!(
            "the build enables no feature to leave out; did you mean `{near}`? enable it \
             (`--features {near}`) to try the build without it"
        )
    })
}

/// The error of `--knobs features=NAME` where the build enables no feature `name`: the ones it
/// does, the nearest first when spelt nearly right.
pub(super) fn not_offered(name: &str, offered: &BTreeSet<&str>) -> String {
    let list: Vec<String> = offered.iter().map(|f| format!("`{f}`")).collect();
    let near = crate::spelling::nearest(name, offered)
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    match list.is_empty() {
        true => format!(
            "`--knobs features={name}`: the build enables no feature to leave out (by default \
             or --features)"
        ),
        false => format!(
            "`--knobs features={name}`: the build enables no feature `{name}`; {near}the \
             features it enables: {}",
            list.join(", ")
        ),
    }
}

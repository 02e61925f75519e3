//! What leaves the binary without a feature: the crates of the base and of the variant (the
//! crate table's lists, with the reference graph, a stripped binary's symbols borrowed from its
//! analysis link, as the main command makes them), and the other features cargo left out
//! with it.

use std::path::Path;

use crate::attribute::CrateIndex;
use crate::plan::Plan;
use crate::report::{CrateSize, LeavingCrate, ShrinkingCrate};

use super::build::{self, Made};

/// The crates of each binary of `made` (the crate table's, std folded); `None` where the
/// binary is missing, cannot be read, or has no symbol table to name them by (stripped, and no
/// analysis link of it in the shared target dir).
pub fn of(plan: &Plan, libdir: Option<&Path>, made: &Made) -> Vec<Option<Vec<CrateSize>>> {
    let Some(built) = made.builds.first() else {
        return Vec::new();
    };
    // The index's warnings are the main command's to give.
    let (mut index, mut warnings) = CrateIndex::for_build(built, &plan.target, libdir);
    let links = crate::compile::analysis_dir(&build::cargo_dir(plan));
    made.bins
        .iter()
        .map(|found| {
            let (path, binary) = found.as_ref()?;
            let mut b = binary.clone();
            let link = b
                .build_id
                .as_deref()
                .and_then(|id| crate::compile::link::analysis_file(&links, id));
            crate::graph::attribute_built(
                path,
                link.as_deref(),
                &mut b,
                (&mut index, &mut warnings),
                built.link,
                &plan.size,
                false,
            )
            .ok()?;
            let named = b
                .coverage
                .as_ref()
                .is_some_and(|c| c.symbol_table.as_deref() == Some(".symtab"));
            named.then_some(b.crates)
        })
        .collect()
}

/// Crates with bytes in `before` and none in `after`, largest first.
pub fn leaving(before: &[CrateSize], after: &[CrateSize]) -> Vec<LeavingCrate> {
    let mut gone: Vec<LeavingCrate> = before
        .iter()
        .filter(|c| c.file_size > 0 && !c.name.starts_with('['))
        .filter(|c| !after.iter().any(|a| a.name == c.name && a.file_size > 0))
        .map(|c| LeavingCrate {
            name: c.name.clone(),
            file_size: c.file_size,
            in_both_builds: false,
        })
        .collect();
    gone.sort_by(|a, b| b.file_size.cmp(&a.file_size).then(a.name.cmp(&b.name)));
    gone
}

/// Crates in both `before` and `after` that lost the most bytes in the file (at most
/// [`SHRINKING_SHOWN`], each of [`SHRINKING_MIN`] bytes or more), largest loss first; a
/// runtime's row (`[libstdc++]`) too, even to nothing, as no crate leaves for it. The rows of
/// bytes no crate is named for are not crates.
pub fn shrinking(before: &[CrateSize], after: &[CrateSize]) -> Vec<ShrinkingCrate> {
    use crate::attribute::{NO_SYMBOL, UNKNOWN};
    let mut list: Vec<ShrinkingCrate> = before
        .iter()
        .filter(|c| c.name != NO_SYMBOL && c.name != UNKNOWN)
        .filter_map(|c| {
            let now = after
                .iter()
                .filter(|a| a.name == c.name)
                .map(|a| a.file_size)
                .sum::<u64>();
            let stays = now > 0 || c.name.starts_with('[');
            (stays && c.file_size >= now + SHRINKING_MIN).then(|| ShrinkingCrate {
                name: c.name.clone(),
                file_size: c.file_size,
                file_size_without: now,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        (b.file_size - b.file_size_without)
            .cmp(&(a.file_size - a.file_size_without))
            .then(a.name.cmp(&b.name))
    });
    list.truncate(SHRINKING_SHOWN);
    list
}

/// How many shrinking crates are named, and the least loss named.
pub const SHRINKING_SHOWN: usize = 3;
pub const SHRINKING_MIN: u64 = 4096;

/// The crate names of the libraries cargo built for the target in `made`.
pub fn libraries(made: &Made) -> Vec<String> {
    let mut names: Vec<String> = made
        .builds
        .iter()
        .flat_map(|b| b.libraries.iter().map(|l| l.crate_name.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Marks each crate of `list` that cargo built for the target in both builds (`a` and `b`,
/// their [`libraries`]) and moves those last: its bytes came or went with its callers' code,
/// generic code instantiated there, while the crate stayed a dependency (QA cs F4: xh's
/// `alloc_stdlib` "joining" with `native-tls`, which brotli uses either way).
pub fn mark_in_both(list: &mut [LeavingCrate], a: &[String], b: &[String]) {
    for c in list.iter_mut() {
        c.in_both_builds = a.contains(&c.name) && b.contains(&c.name);
    }
    list.sort_by_key(|c| c.in_both_builds);
}

/// The features the base was built with and the variant without `feature` was not, besides
/// `feature` itself (and `default`): as cargo resolved them for the two builds' binaries.
pub fn also_left_out(base: &[String], variant: &[String], feature: &str) -> Vec<String> {
    let mut out: Vec<String> = base
        .iter()
        .filter(|f| *f != feature && *f != "default" && !variant.contains(f))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

//! Whether the static glibc build that `advise`'s `.cargo/config.toml` lines make looks names
//! up through glibc's name service (AOT004), said among advise's warnings (QA cj F4: just's static
//! build has two AOT004 errors, and the lines that make every `--target` build that build
//! said only "check its findings first"). The pipeline asks it once `advise` is done.

use std::path::Path;

use crate::plan::Plan;
use crate::report::{LinkMode, Report};

/// Add to the report's warnings [`static_lookups`]'s, if any.
pub fn warn_static_lookups(plan: &Plan, report: &mut Report) {
    let said = static_lookups(plan, report);
    report.warnings.extend(said);
}

/// The warning where the report's advice has lines for `.cargo/config.toml` and a base binary
/// (built as those lines build it) defines a function of AOT004's; `None` when none does, or
/// its symbols are gone (a stripped base without its analysis link says nothing either way), or
/// the binary's
/// configuration allows AOT004 for every crate (QA ck F8: the main command passed it, and
/// advise still warned). An `allow` for some crates is named, as it may not cover these.
fn static_lookups(plan: &Plan, report: &Report) -> Option<String> {
    let advice = report.advice.as_ref()?;
    advice.rustflags_snippet.as_ref()?;
    let rule = super::rules::find("AOT004")?;
    let mut found: Vec<&str> = Vec::new();
    let mut scoped: Vec<&str> = Vec::new();
    for b in &advice.binaries {
        // Each `allow` of AOT004 for this binary: `None` for every crate.
        let allows: Vec<Option<&str>> = plan
            .bins
            .iter()
            .find(|p| p.target.package == b.package && p.target.name == b.name)
            .map(|p| &p.audit.allow[..])
            .unwrap_or_default()
            .iter()
            .filter(|a| a.rule.eq_ignore_ascii_case(rule.id))
            .map(|a| a.krate.as_deref())
            .collect();
        if allows.contains(&None) {
            continue;
        }
        let Some(path) = b.base.measured.path.as_deref() else {
            continue;
        };
        // A profile that strips (bat's `strip = true`): the symbols of its analysis link (QA de
        // F6: the warning was dropped, though the link defines `getpwuid_r`).
        let path = Path::new(path);
        let link = crate::advise::analysis_link(plan, path);
        let Ok(ev) = super::evidence::read(path, LinkMode::Static, &[], link.as_deref()) else {
            continue;
        };
        let defines = |name: &str| {
            ev.functions
                .keys()
                .any(|f| super::crash::is_function(f, name))
        };
        let here: Vec<&str> = rule
            .symbols
            .iter()
            .copied()
            .filter(|n| defines(n))
            .collect();
        if !here.is_empty() {
            found.extend(here);
            scoped.extend(allows.into_iter().flatten());
        }
    }
    found.sort_unstable();
    found.dedup();
    scoped.sort_unstable();
    scoped.dedup();
    if found.is_empty() {
        return None;
    }
    let allowed = match scoped.is_empty() {
        true => String::new(),
        false => format!(
            " (the configuration allows AOT004 for {} alone, which may not be these)",
            crate::format::quoted(&scoped)
        ),
    };
    Some(format!(
        "the static glibc build that the `.cargo/config.toml` lines make (advise's base) \
         defines {}{allowed} (AOT004: glibc's name-service lookups, which can fail or crash in \
         a static binary): run `cargo aotcheck` for its findings before you paste those lines, \
         or paste the `Cargo.toml` lines alone",
        crate::format::quoted(&found)
    ))
}

//! Whether the static glibc build that `advise`'s `.cargo/config.toml` lines make looks names
//! up through glibc's name service (AOT004), said among advise's warnings (QA cj F4: just's static
//! build has two AOT004 errors, and the lines that make every `--target` build that build
//! said only "check its findings first"). The pipeline asks it once `advise` is done.

use std::path::Path;

use crate::report::{LinkMode, Report};

/// Add to the report's warnings [`static_lookups`]'s, if any.
pub fn warn_static_lookups(report: &mut Report) {
    let said = static_lookups(report);
    report.warnings.extend(said);
}

/// The warning where the report's advice has lines for `.cargo/config.toml` and a base binary
/// (built as those lines build it) defines a function of AOT004's; `None` when none does, or
/// its symbols are gone (a stripped base says nothing either way).
fn static_lookups(report: &Report) -> Option<String> {
    let advice = report.advice.as_ref()?;
    advice.rustflags_snippet.as_ref()?;
    let rule = super::rules::find("AOT004")?;
    let mut found: Vec<&str> = Vec::new();
    for b in &advice.binaries {
        let Some(path) = b.base.measured.path.as_deref() else {
            continue;
        };
        let Ok(ev) = super::evidence::read(Path::new(path), LinkMode::Static, &[], None) else {
            continue;
        };
        for &name in rule.symbols {
            if !found.contains(&name)
                && ev
                    .functions
                    .keys()
                    .any(|f| super::crash::is_function(f, name))
            {
                found.push(name);
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    Some(format!(
        "the static glibc build that the `.cargo/config.toml` lines make (advise's base) \
         defines {} (AOT004: glibc's name-service lookups, which can fail or crash in a static \
         binary): run `cargo aotcheck` for its findings before you paste those lines, or \
         paste the `Cargo.toml` lines alone",
        crate::format::quoted(&found)
    ))
}

//! Advice fitted to the binary's dependencies: AOT006's for a crate whose bundling feature the
//! rules know (libz-sys's `static`, libgit2-sys's `vendored`), with the line of `Cargo.toml`
//! that turns it on from the package, which may not depend on the crate itself. AOT004's is
//! fitted in `nss_advice.rs`.

use super::graph::Reached;
use super::rules::Rule;

/// The advice for crate `r` under `rule` when the rule knows its bundling feature: that feature by name, and how to
/// reach it from the package when the crate is not its own dependency (QA ac, W7: git-cliff
/// was told to enable "the crate's bundling feature" of libz-sys, four dependencies down).
pub(super) fn bundling(rule: &Rule, r: &Reached) -> Option<String> {
    let feature = rule
        .triggers
        .iter()
        .find(|t| t.krate == r.name())
        .and_then(|t| t.unless)?;
    let (name, version) = (r.name(), &r.package.version);
    let entry = format!("`{name} = {{ version = \"{version}\", features = [\"{feature}\"] }}`");
    let package = r.path.first().map_or("the package", String::as_str);
    Some(match r.path.get(1).filter(|_| r.path.len() > 2) {
        Some(via) => format!(
            "Enable {name}'s `{feature}` feature, so the library is built from source and \
             versioned with your code. {name} comes in through {via}: add {entry} to {package}'s \
             own `[dependencies]`; cargo builds one copy of a crate with the features of every \
             dependent, so {via}'s gets it too."
        ),
        None => format!(
            "Enable {name}'s `{feature}` feature ({entry} in {package}'s `[dependencies]`), so \
             the library is built from source and versioned with your code."
        ),
    })
}

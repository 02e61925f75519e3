//! Advice fitted to the binary's dependencies: AOT006's for a crate whose bundling feature the
//! rules know (libz-sys's `static`, libgit2-sys's `vendored`), with the line of `Cargo.toml`
//! that turns it on from the package, which may not depend on the crate itself. AOT004's is
//! fitted in `nss_advice.rs`.

use super::graph::Reached;
use super::rules::Rule;
use crate::format::same_crate;

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

/// AOT001's advice for crate `r`, which `root` brings in through an optional dependency and
/// which has no feature that links its library at build time (`static`, `linked`): build
/// without the package's feature that turns the dependency on (QA bm F3: bottom was told of
/// nvml-wrapper's `static`/`linked` feature, which does not exist; NVML is the driver's own
/// library, loaded at run time, and bottom's `nvidia` feature, on by default, brings it).
/// With no such package feature, the advice leaves out the feature the crate does not have
/// (libloading, a dependency that is not optional, was told of its `static`/`linked` feature).
/// `None` when the crate has one: the rule's advice fits.
pub(super) fn loading_feature(r: &Reached, root: &cargo_metadata::Package) -> Option<String> {
    let linkable = ["static", "linked"]
        .iter()
        .any(|f| r.package.features.contains_key(*f));
    if linkable {
        return None;
    }
    Some(package_feature(r, root).unwrap_or_else(|| {
        format!(
            "{} has no feature that links its library at build time: ship the dynamic build, \
             make the part that needs the library a separate process, or, when the program \
             goes on without the library, allow the finding with a reason.",
            r.name()
        )
    }))
}

/// The advice that names the package's feature turning the loader's dependency on.
fn package_feature(r: &Reached, root: &cargo_metadata::Package) -> Option<String> {
    let via = r.path.get(1)?;
    let dep = root.dependencies.iter().find(|d| {
        d.optional && crate::format::same_crate(d.rename.as_deref().unwrap_or(&d.name), via)
    })?;
    let key = dep.rename.as_deref().unwrap_or(&dep.name);
    let (feature, by_default) = crate::advise::features::turning_on(root, key)?;
    let (default, list) = default_words(root, &feature, by_default);
    let package = root.name.as_str();
    let name = r.name();
    let brings = match crate::format::same_crate(via, name) {
        true => name.to_string(),
        false => format!("{via}, and through it {name}"),
    };
    Some(format!(
        "Build without {package}'s `{feature}` feature{default} (`--no-default-features` and \
         the others by name, or leave it out of `{list}`): it brings in {brings}, which loads \
         its library at run time and has no feature that links it at build time; or ship the \
         dynamic build, or make the part that needs the library a separate process."
    ))
}

/// What a finding whose chain runs through `crates` (in chain order) may add: the first of
/// them that only one optional dependency of the package (`reached[0]`) brings in, and the
/// package's feature that turns that dependency on (QA cp F7: procs's host-name lookups run
/// through bollard's HTTP client, which its `docker` feature, on by default, turns on; the
/// advice named a resolver and not the feature). A crate another dependency also brings in is
/// never named: building without the feature would not remove it.
pub(super) fn only_with_feature(reached: &[Reached], crates: &[&str]) -> Option<String> {
    let root = reached.first()?;
    for &j in &root.deps {
        let Some(direct) = reached.get(j) else {
            continue;
        };
        let Some(dep) = root.package.dependencies.iter().find(|d| {
            d.optional
                && d.kind == cargo_metadata::DependencyKind::Normal
                && d.name == direct.name()
        }) else {
            continue;
        };
        let key = dep.rename.as_deref().unwrap_or(&dep.name);
        let Some((feature, by_default)) = crate::advise::features::turning_on(root.package, key)
        else {
            continue;
        };
        let kept = reachable_without(reached, j);
        let gone = crates.iter().find(|c| {
            !same_crate(c, root.name())
                && reached
                    .iter()
                    .position(|r| r.is_crate(c))
                    .is_some_and(|i| !kept[i])
        });
        let Some(gone) = gone else { continue };
        let (mut default, list) = default_words(root.package, &feature, by_default);
        // Closed, as the clause goes on (QA cx F6: "feature, on by default brings in").
        if !default.is_empty() {
            default.push(',');
        }
        let through = match same_crate(gone, direct.name()) {
            true => String::new(),
            false => format!(" (through its optional dependency {})", direct.name()),
        };
        return Some(format!(
            " The chain above runs through {gone}, which only {}'s `{feature}` \
             feature{default} brings in{through}: without that feature (`--no-default-features` \
             and the others by name, or leave it out of `{list}`) this chain is gone, if the \
             package builds without it; `cargo aotcheck advise` tries the build without \
             `{list}` and measures what it saves.",
            root.name()
        ));
    }
    None
}

/// `, on by default` (or `through `deploy``) and the list to leave `feature` out of. On through
/// another feature of `default` (bottom's `deploy`): that list is the one to edit (QA bp F3: it
/// said to leave `nvidia` out of `default`, which does not name it).
fn default_words(
    pkg: &cargo_metadata::Package,
    feature: &str,
    by_default: Option<String>,
) -> (String, String) {
    match by_default {
        Some(f) if f != feature => {
            // Listed by a feature that `f` turns on: that list is the one to edit.
            let list = crate::advise::features::listing(pkg, feature, &f);
            let listed = match list == f {
                true => String::new(),
                false => format!(" (which turns on `{list}`, whose list names it)"),
            };
            (format!(", on by default through `{f}`{listed}"), list)
        }
        Some(_) => (", on by default".to_string(), "default".to_string()),
        None => (String::new(), "default".to_string()),
    }
}

/// Which of `reached` the package (index 0) still reaches without its dependency `cut`.
fn reachable_without(reached: &[Reached], cut: usize) -> Vec<bool> {
    let mut seen = vec![false; reached.len()];
    let mut stack = vec![0];
    seen[0] = true;
    while let Some(i) = stack.pop() {
        for &d in &reached[i].deps {
            if !(i == 0 && d == cut) && d < seen.len() && !seen[d] {
                seen[d] = true;
                stack.push(d);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry package `name`, shaped as `root`, with no features or dependencies.
    /// A package reached with edges to `deps` (indices of the list), no path of its own.
    fn node(package: &cargo_metadata::Package, deps: Vec<usize>) -> Reached<'_> {
        Reached {
            package,
            features: Vec::new(),
            path: Vec::new(),
            proc_macro: false,
            deps,
        }
    }

    fn dependency(root: &cargo_metadata::Package, name: &str) -> cargo_metadata::Package {
        let mut p = serde_json::to_value(root).expect("json");
        p["name"] = name.into();
        p["id"] = format!("registry+{name}#1.0.0").into();
        p["features"] = serde_json::json!({});
        p["dependencies"] = serde_json::json!([]);
        serde_json::from_value(p).expect("package")
    }

    /// QA bp F3: bottom's `nvidia`, which brings NVML in, is on by default through `deploy`,
    /// the entry of `default`'s list: that list is the one to leave it out of.
    #[test]
    fn a_feature_on_by_default_through_another_names_that_one() {
        let root = crate::advise::features::test_package(
            serde_json::json!({
                "default": ["deploy"], "deploy": ["nvidia", "zfs"],
                "nvidia": ["dep:nvml-wrapper"], "zfs": []
            }),
            &["nvml-wrapper"],
        );
        let loader = dependency(&root, "nvml-wrapper");
        let r = Reached {
            package: &loader,
            features: Vec::new(),
            path: vec!["app".into(), "nvml-wrapper".into()],
            proc_macro: false,
            deps: Vec::new(),
        };
        let advice = loading_feature(&r, &root).expect("advice");
        assert!(
            advice.starts_with(
                "Build without app's `nvidia` feature, on by default through `deploy` \
                 (`--no-default-features` and the others by name, or leave it out of `deploy`)"
            ),
            "{advice}"
        );
    }

    /// QA cp F7: a crate on a finding's chain that only an optional dependency brings in is
    /// named with the package's feature that turns it on; one that another dependency brings
    /// in too is not (building without the feature would keep it).
    #[test]
    fn a_crate_only_a_feature_brings_in_names_that_feature() {
        let mut root = crate::advise::features::test_package(
            serde_json::json!({"default": ["docker"], "docker": ["dep:bollard"]}),
            &["bollard"],
        );
        let mut plain = serde_json::to_value(&root.dependencies[0]).expect("json");
        plain["name"] = "ureq".into();
        plain["optional"] = false.into();
        root.dependencies
            .push(serde_json::from_value(plain).expect("dependency"));
        let other = |name: &str| dependency(&root, name);
        let (bollard, ureq, hyper) = (other("bollard"), other("ureq"), other("hyper"));
        // app → bollard → hyper; app → ureq.
        let mut reached = vec![
            node(&root, vec![1, 2]),
            node(&bollard, vec![3]),
            node(&ureq, vec![]),
            node(&hyper, vec![]),
        ];
        let advice = only_with_feature(&reached, &["app", "hyper", "std"]).expect("advice");
        assert_eq!(
            advice,
            " The chain above runs through hyper, which only app's `docker` feature, on by \
             default, brings in (through its optional dependency bollard): without that feature \
             (`--no-default-features` and the others by name, or leave it out of `default`) this \
             chain is gone, if the package builds without it; `cargo aotcheck advise` tries the \
             build without `default` and measures what it saves."
        );
        // ureq brings hyper in too: only bollard itself goes with the feature.
        reached[2].deps = vec![3];
        assert_eq!(only_with_feature(&reached, &["app", "hyper"]), None);
        let advice = only_with_feature(&reached, &["hyper", "bollard"]).expect("advice");
        assert!(
            advice.starts_with(" The chain above runs through bollard, which only app's"),
            "{advice}"
        );
        assert!(!advice.contains("through its optional"), "{advice}");
    }

    /// QA de F4: bat's `etcetera` is on by default through `application`, which turns on
    /// `minimal-application`, whose list names it: that is the list to leave it out of, and
    /// whether the package builds without it is not promised.
    #[test]
    fn a_feature_listed_deeper_names_the_list_that_names_it() {
        let root = crate::advise::features::test_package(
            serde_json::json!({
                "default": ["application", "git"], "git": [],
                "application": ["minimal-application", "bugreport"], "bugreport": [],
                "minimal-application": ["etcetera", "paging"], "paging": [],
                "etcetera": ["dep:etcetera"]
            }),
            &["etcetera"],
        );
        let etcetera = dependency(&root, "etcetera");
        let reached = vec![node(&root, vec![1]), node(&etcetera, vec![])];
        let advice = only_with_feature(&reached, &["app", "etcetera"]).expect("advice");
        assert!(
            advice.contains(
                "`etcetera` feature, on by default through `application` (which turns on \
                 `minimal-application`, whose list names it), brings in"
            ),
            "{advice}"
        );
        assert!(
            advice.contains("or leave it out of `minimal-application`) this chain is gone, if"),
            "{advice}"
        );
        assert!(
            advice.ends_with(
                "tries the build without `minimal-application` and measures what it saves."
            ),
            "{advice}"
        );
    }
}

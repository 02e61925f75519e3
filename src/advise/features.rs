//! Which features to leave out, one at a time: every feature the build enables (the defaults,
//! unless `--no-default-features`, and `--features`), each with the optional dependencies it
//! enables. Without feature F, the build keeps every other enabled feature that does not itself
//! enable F, and that F is not alone to turn on where the build asks for F (in `default`'s list
//! or `--features`): leaving F out of that list leaves those out too.

use std::collections::{BTreeMap, BTreeSet};

use cargo_metadata::Package;

use crate::options::BuildOptions;
use crate::plan::Plan;
use crate::report::{FeatureAdvice, VariantStatus};

/// One build to make: `package` without `feature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Without {
    pub package: String,
    pub feature: String,
    /// Optional dependencies the feature enables, directly or through other features.
    pub enables: Vec<String>,
    /// The features the variant is built with (`--features ...`, and `--no-default-features`
    /// unless `default_kept`).
    pub keep: Vec<String>,
    /// Those of `enables` that are dependencies of another target only
    /// (`[target.'cfg(...)'.dependencies]`): never built here ([`not_for_target`]).
    pub not_for_target: Vec<String>,
    /// Those of `enables` that a feature the variant keeps turns on too: they stay.
    pub kept_deps: Vec<String>,
    /// The enabled features that need `feature` (enable it): they go with it. The others it
    /// takes along are those only it turns on.
    pub needing: Vec<String>,
    /// Whether the variant keeps `default` on: the build enables it and the feature is none
    /// that `default` turns on. It is then built as the user's own build of those features is,
    /// without `--no-default-features`, so cargo's feature list, and with it the crate's hash
    /// and the code fat LTO makes of it, is theirs (QA dh F8: broot without `clipboard` was
    /// 16 KiB larger built with `--no-default-features` than with its empty `default` on).
    pub default_kept: bool,
}

impl Without {
    /// The feature's row before its build: what it enables and the features the variant is
    /// built with (`default` first when it keeps it on).
    pub fn row(&self) -> FeatureAdvice {
        FeatureAdvice {
            feature: self.feature.clone(),
            enables: self.enables.clone(),
            built_with: self
                .default_kept
                .then(|| "default".to_string())
                .into_iter()
                .chain(self.keep.iter().cloned())
                .collect(),
            not_for_target: self.not_for_target.clone(),
            kept_deps: self.kept_deps.clone(),
            needing: self.needing.clone(),
            status: VariantStatus::NotBuilt,
            ..FeatureAdvice::default()
        }
    }
}

/// What a set of features enables, following every feature's list.
#[derive(Debug, Default, PartialEq, Eq)]
struct Closure {
    features: BTreeSet<String>,
    deps: BTreeSet<String>,
}

/// What a feature list's item names: (the name, whether it is a dependency). `dep:x` enables
/// the optional dependency x; `x/f` enables x (a feature or an optional dependency) and its
/// feature f; `x?/f` enables f only if x is enabled anyway, so nothing (`None`).
fn item_name(item: &str) -> Option<(&str, bool)> {
    if let Some(d) = item.strip_prefix("dep:") {
        return Some((d, true));
    }
    match item.split_once('/') {
        Some((x, _)) if x.ends_with('?') => None,
        Some((x, _)) => Some((x, false)),
        None => Some((item, false)),
    }
}

fn closure<'a>(
    table: &BTreeMap<String, Vec<String>>,
    optional: &BTreeSet<String>,
    start: impl IntoIterator<Item = &'a str>,
) -> Closure {
    let mut c = Closure::default();
    let mut todo: Vec<String> = start.into_iter().map(str::to_string).collect();
    while let Some(item) = todo.pop() {
        let Some((name, is_dep)) = item_name(&item) else {
            continue;
        };
        if optional.contains(name) && !table.contains_key(name) || is_dep {
            c.deps.insert(name.to_string());
            continue;
        }
        if let Some(list) = table.get(name)
            && c.features.insert(name.to_string())
        {
            todo.extend(list.iter().cloned());
        }
        if optional.contains(name) {
            c.deps.insert(name.to_string());
        }
    }
    c
}

/// The features the build of `pkg` enables with `opts`.
fn enabled(pkg: &Package, opts: &BuildOptions) -> Vec<String> {
    if opts.all_features {
        return pkg.features.keys().cloned().collect();
    }
    let mut start: Vec<String> = opts
        .features
        .iter()
        .filter_map(|f| match f.split_once('/') {
            Some((p, f)) if p == pkg.name.as_str() => Some(f.to_string()),
            Some(_) => None,
            None => Some(f.clone()),
        })
        .collect();
    if !opts.no_default_features && pkg.features.contains_key("default") {
        start.push("default".into());
    }
    start
}

/// `pkg`'s feature table and the names of its optional dependencies, for [`closure`].
fn tables(pkg: &Package) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let table = pkg
        .features
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let optional = pkg
        .dependencies
        .iter()
        .filter(|d| d.optional)
        .map(|d| d.rename.clone().unwrap_or_else(|| d.name.clone()))
        .collect();
    (table, optional)
}

/// The feature of `pkg` that turns its optional dependency `dep` (as `pkg` names it) on, the
/// one that enables least besides; and, when `default` turns it on, the entry of `default`'s
/// list that does (the feature itself, or one that enables it: bottom's `deploy`, QA bp F3).
/// `None` when no feature does (`dep` is not an optional dependency).
pub fn turning_on(pkg: &Package, dep: &str) -> Option<(String, Option<String>)> {
    let (table, optional) = tables(pkg);
    let of = |f: &str| closure(&table, &optional, [f]);
    let feature = table
        .keys()
        .filter(|f| *f != "default")
        .map(|f| (f, of(f)))
        .filter(|(_, c)| c.deps.contains(dep))
        .min_by_key(|(_, c)| c.features.len() + c.deps.len())?
        .0
        .clone();
    // The entries of `default`'s list that reach it: the feature itself if listed, else the
    // first.
    let reaching: Vec<&String> = table
        .get("default")
        .into_iter()
        .flatten()
        .filter(|f| of(f).deps.contains(dep))
        .collect();
    let by_default = reaching
        .iter()
        .find(|f| ***f == feature)
        .or(reaching.first())
        .map(|f| f.to_string());
    Some((feature, by_default))
}

/// The feature whose own list names `feature`, found from `from` (the entry of `default`'s list
/// that turns it on): the list to leave it out of (QA de F4: bat's `etcetera` is listed by
/// `minimal-application`, which `application` turns on, and "leave it out of `application`"
/// named a list without it). `from` itself when none is found.
pub fn listing(pkg: &Package, feature: &str, from: &str) -> String {
    let (table, _) = tables(pkg);
    let mut todo = vec![from.to_string()];
    let mut seen = BTreeSet::new();
    while let Some(f) = todo.pop() {
        let Some(list) = table.get(&f).filter(|_| seen.insert(f.clone())) else {
            continue;
        };
        let names = || list.iter().filter_map(|i| item_name(i));
        if names().any(|(n, _)| n == feature) {
            return f;
        }
        todo.extend(names().filter(|(_, dep)| !dep).map(|(n, _)| n.to_string()));
    }
    from.to_string()
}

/// The feature to build in place of `w.feature` where the package does not build without it
/// and the build's `error` names another of its features (xh's `compile_error!`: "Either
/// native-tls or rustls feature must be enabled!", QA cm F3 and cq: bat's and xh's back-ends
/// were never measured against each other): the first named that the variant does not have
/// and that neither turns `w.feature` back on nor is one that `w.feature` turns on (`cli =
/// ["core"]` without `cli` is not `core` in its place). `None` when the error names none.
pub fn instead(pkg: &Package, w: &Without, error: &str) -> Option<String> {
    let (table, optional) = tables(pkg);
    let own = closure(&table, &optional, [w.feature.as_str()]).features;
    error
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .find(|t| {
            table.contains_key(*t)
                && *t != "default"
                && !own.contains(*t)
                && !w.keep.iter().any(|k| k == t)
                && !closure(&table, &optional, [*t])
                    .features
                    .contains(&w.feature)
        })
        .map(str::to_string)
}

/// One build per enabled feature of `pkg` (`default` itself aside), in name order.
pub fn variants(pkg: &Package, opts: &BuildOptions) -> Vec<Without> {
    let (table, optional) = tables(pkg);
    let start = enabled(pkg, opts);
    let all = closure(&table, &optional, start.iter().map(String::as_str));
    let by_default = start.iter().any(|f| f == "default");
    let of_default = closure(&table, &optional, ["default"]).features;
    let each: BTreeMap<&str, Closure> = all
        .features
        .iter()
        .map(|f| (f.as_str(), closure(&table, &optional, [f.as_str()])))
        .collect();
    // Features given for dependencies (`dep/feature` of another package) stay as given.
    let foreign: Vec<String> = opts
        .features
        .iter()
        .filter(|f| {
            f.split_once('/')
                .is_some_and(|(p, _)| p != pkg.name.as_str())
        })
        .cloned()
        .collect();
    // What the build asks for with `default` read as its list: a feature asked for here
    // takes along, when left out, what only it turns on (bottom's `default = ["deploy"]`, an
    // umbrella of three: without it all three stayed on and it "saved 0 B", QA bm F9).
    let asked: Vec<&str> = start
        .iter()
        .flat_map(|f| match (f.as_str(), table.get(f)) {
            ("default", Some(list)) => list.iter().map(String::as_str).collect(),
            _ => vec![f.as_str()],
        })
        .collect();
    // An optional dependency's own feature (`hex = ["dep:hex"]`, implicit before edition
    // 2024) that another feature turns on goes with that one, and is no row of its own unless
    // the build asks for it by name (QA bx F3: tokei's `cbor = ["hex", "serde_cbor"]` made
    // three rows and builds of one choice).
    let implicit =
        |f: &str| optional.contains(f) && table.get(f).is_some_and(|l| l == &[format!("dep:{f}")]);
    all.features
        .iter()
        .filter(|f| *f != "default" && (!implicit(f) || asked.contains(&f.as_str())))
        .map(|f| {
            let needs = |g: &str| each.get(g).is_some_and(|c| c.features.contains(f));
            let keep: Vec<String> = kept_without(&table, &asked, f, &needs)
                .into_iter()
                .filter(|g| g != "default")
                .chain(foreign.iter().cloned())
                .collect();
            let enables: Vec<String> = each[f.as_str()].deps.iter().cloned().collect();
            let kept = closure(&table, &optional, keep.iter().map(String::as_str));
            let needing = all
                .features
                .iter()
                .filter(|g| *g != f && *g != "default" && each[g.as_str()].features.contains(f))
                .cloned()
                .collect();
            Without {
                package: pkg.name.to_string(),
                feature: f.clone(),
                kept_deps: enables
                    .iter()
                    .filter(|d| kept.deps.contains(*d))
                    .cloned()
                    .collect(),
                enables,
                keep,
                not_for_target: Vec::new(),
                needing,
                default_kept: by_default && !of_default.contains(f),
            }
        })
        .collect()
}

/// The features a build that asks for `asked` keeps without `f`: those it reaches without
/// passing `f`. One that needs `f` (enables it) goes too, but what it asks for besides stays
/// (`all = ["cbor", "yaml"]` without `cbor` keeps `yaml`), and what only `f` turns on goes
/// with it (`cbor = ["hex", "serde_cbor"]`: the optional dependencies' own features).
fn kept_without(
    table: &BTreeMap<String, Vec<String>>,
    asked: &[&str],
    f: &str,
    needs: &dyn Fn(&str) -> bool,
) -> BTreeSet<String> {
    let mut keep = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = asked.to_vec();
    while let Some(item) = todo.pop() {
        // A dependency (`dep:x`) is no feature.
        let Some((name, false)) = item_name(item) else {
            continue;
        };
        let Some(list) = table.get(name).filter(|_| name != f) else {
            continue;
        };
        if !seen.insert(name) {
            continue;
        }
        if !needs(name) {
            keep.insert(name.to_string());
        }
        todo.extend(list.iter().map(String::as_str));
    }
    keep
}

/// What is not tried, each as (the status line after "Skipping", the note).
pub(super) type NotTried = Vec<(String, String)>;

/// `features_asked::for_plan` for every enabled feature, and the features enabled (those a binary requires
/// too, which are not tried).
pub(super) fn every_feature(plan: &Plan) -> (Vec<Without>, NotTried, BTreeSet<String>) {
    let mut seen = Vec::new();
    let (mut out, mut not_tried): (Vec<Without>, Vec<(String, String)>) = Default::default();
    for b in &plan.bins {
        if seen.contains(&b.target.package_id) {
            continue;
        }
        seen.push(b.target.package_id.clone());
        if let Some(p) = plan
            .workspace
            .metadata
            .packages
            .iter()
            .find(|p| p.id == b.target.package_id)
        {
            let mut each = variants(p, &plan.options);
            for w in &mut each {
                w.not_for_target = not_for_target(p, &plan.workspace.metadata, &w.enables);
            }
            // Said, not left out in silence (QA ap F8: `--knobs ...,features` on du-dust, which
            // has no `[features]`, said nothing of features).
            if each.is_empty() {
                let why = format!(
                    "`{}` has no feature enabled (by default or --features) to leave out",
                    p.name
                );
                // Where the levers are then (QA bu F6: git-delta's C code and assets come
                // with its dependencies' features).
                not_tried.push((
                    format!("builds without a feature: {why}"),
                    format!(
                        "no build without a feature: {why}; its dependencies' features are not \
                         tried: turn one off in Cargo.toml and compare the build with --baseline"
                    ),
                ));
            }
            out.extend(each);
        }
    }
    // A variant without a feature that a binary requires (`required-features`) has no such
    // binary: cargo says so and builds nothing. Not tried, and said why (QA af, F9: oxipng's
    // `binary` read as "does not build without it", with a stray `error:` line).
    let required = |b: &crate::workspace::BinTarget| -> Vec<String> {
        let metadata = &plan.workspace.metadata;
        let package = metadata.packages.iter().find(|p| p.id == b.package_id);
        package
            .and_then(|p| p.targets.iter().find(|t| t.is_bin() && t.name == b.name))
            .map_or_else(Vec::new, |t| t.required_features.clone())
    };
    let offered = out.iter().map(|w| w.feature.clone()).collect();
    out.retain(|w| {
        let needs = plan.bins.iter().find(|b| {
            b.target.package == w.package
                && required(&b.target)
                    .iter()
                    .any(|r| *r == w.feature || !w.keep.contains(r))
        });
        if let Some(b) = needs {
            // "Skipping the build ... is not tried" said it twice (QA bo F7).
            let what = format!("the build without feature `{}`", w.feature);
            let why = format!("`{}` requires it (`required-features`)", b.target.name);
            not_tried.push((
                format!("{what}: {why}"),
                format!("{what} is not tried: {why}"),
            ));
        }
        needs.is_none()
    });
    (out, not_tried, offered)
}

/// Those of `deps` (optional dependencies of `pkg`, as it names them) that are declared for
/// another target only and are not in the resolve cargo made for this one (`--filter-platform`):
/// a feature that turns one on builds nothing of it here (QA bq F7: xh's `network-interface`
/// read as a dependency the feature adds, on Linux, where it is never compiled).
fn not_for_target(
    pkg: &Package,
    metadata: &cargo_metadata::Metadata,
    deps: &[String],
) -> Vec<String> {
    let Some(node) = crate::workspace::node_of(metadata, &pkg.id) else {
        return Vec::new();
    };
    let resolved: BTreeSet<&str> = metadata
        .packages
        .iter()
        .filter(|p| node.deps.iter().any(|d| d.pkg == p.id))
        .map(|p| p.name.as_str())
        .collect();
    deps.iter()
        .filter(|d| {
            pkg.dependencies.iter().any(|x| {
                x.rename.as_deref().unwrap_or(&x.name) == d.as_str()
                    && x.target.is_some()
                    && !resolved.contains(x.name.as_str())
            })
        })
        .cloned()
        .collect()
}

/// A package `app` with `features` and the optional dependencies `optional`, for tests.
#[cfg(test)]
pub(crate) fn test_package(features: serde_json::Value, optional: &[&str]) -> Package {
    let deps: Vec<serde_json::Value> = optional
        .iter()
        .map(|d| {
            serde_json::json!({
                "name": d, "source": null, "req": "*", "kind": null, "rename": null,
                "optional": true, "uses_default_features": true, "features": [],
                "target": null, "registry": null
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "name": "app", "version": "0.1.0", "id": "path+file:///app#0.1.0",
        "license": null, "license_file": null, "description": null, "source": null,
        "dependencies": deps, "targets": [], "features": features,
        "manifest_path": "/app/Cargo.toml", "metadata": null, "publish": null,
        "authors": [], "categories": [], "keywords": [], "readme": null,
        "repository": null, "homepage": null, "documentation": null, "edition": "2021",
        "links": null, "default_run": null, "rust_version": null
    }))
    .expect("package")
}

#[cfg(test)]
#[path = "features_tests.rs"]
mod tests;

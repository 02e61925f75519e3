//! Which crates reach a shipped binary, and the shortest dependency path to each.
//!
//! Only what is linked into the binary counts: the package's normal (not build, not dev)
//! dependencies, transitively, as cargo resolved them for this target (`cargo metadata
//! --filter-platform`) and these features. A proc-macro runs in the compiler: it is listed
//! (marked [`Reached::proc_macro`]), because what it expands to is the dependent's own code and
//! a rule may name it as the cause of that code (`ctor` 0.2), but the walk never enters it, so
//! its own dependencies are left out. A build-dependency's own normal dependencies are left out
//! too, because the walk never enters it. The metadata's features are unified over the target and
//! the build host; [`linked_features`] puts those of the units built for the target in their place.

use std::collections::{BTreeMap, HashMap, VecDeque};

use cargo_metadata::{DependencyKind, Metadata, Package, PackageId, TargetKind};

use crate::compile::Built;

/// A crate that reaches the binary.
#[derive(Debug, Clone)]
pub struct Reached<'m> {
    pub package: &'m Package,
    /// Features cargo enabled on this crate.
    pub features: Vec<String>,
    /// Crate names from the root package to this crate (both included).
    pub path: Vec<String>,
    /// A proc-macro: its own code runs in the compiler and is never in the binary; only what
    /// it expands to in the crate that uses it is.
    pub proc_macro: bool,
    /// Its normal dependencies, as indices into the list [`reach`] returns (none for a
    /// proc-macro, whose dependencies are not walked).
    pub deps: Vec<usize>,
}

impl Reached<'_> {
    pub fn name(&self) -> &str {
        self.package.name.as_str()
    }

    pub fn has_feature(&self, f: &str) -> bool {
        self.features.iter().any(|x| x == f)
    }

    /// The crate names its code carries in the binary: the package's, and its library's and
    /// binaries' (QA l: du-dust's binary is the crate `dust`; QA aa: prettytable-rs's library
    /// is `prettytable`). Not a test's, an example's or a bench's: their code is in no binary
    /// built (QA o: async-process's test `std` took std's own lookups as its).
    pub fn crate_names(&self) -> Vec<&str> {
        let linked = |t: &&cargo_metadata::Target| {
            t.kind.iter().any(|kind| {
                matches!(
                    kind,
                    TargetKind::Lib
                        | TargetKind::RLib
                        | TargetKind::DyLib
                        | TargetKind::CDyLib
                        | TargetKind::StaticLib
                        | TargetKind::Bin
                )
            })
        };
        let mut names = vec![self.name()];
        names.extend(
            self.package
                .targets
                .iter()
                .filter(linked)
                .map(|t| t.name.as_str()),
        );
        names
    }

    /// Whether `krate`, a crate name as symbols carry it, is this package's: one of
    /// [`Self::crate_names`].
    pub fn is_crate(&self, krate: &str) -> bool {
        self.crate_names().iter().any(|n| same_crate(n, krate))
    }
}

pub(super) use crate::format::same_crate;

/// Every crate the binary of `root` links, and the proc-macros those crates use (whose
/// dependencies are not walked), root first, then in breadth-first order (so each path is a
/// shortest one). Empty when `root` is not in the resolve (e.g. `--no-deps`).
pub fn reach<'m>(metadata: &'m Metadata, root: &PackageId) -> Vec<Reached<'m>> {
    let Some(resolve) = &metadata.resolve else {
        return Vec::new();
    };
    let packages: HashMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let nodes: HashMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();

    // The root is the binary's package, whatever kind its library is.
    let proc_macro =
        |id: &PackageId| id != root && packages.get(id).is_some_and(|p| is_proc_macro(p));
    let mut parent: BTreeMap<&PackageId, Option<&PackageId>> = BTreeMap::new();
    let mut order: Vec<&PackageId> = Vec::new();
    let mut queue = VecDeque::from([root]);
    parent.insert(root, None);
    while let Some(id) = queue.pop_front() {
        order.push(id);
        // A proc-macro's own dependencies are linked into the compiler, not the binary.
        if proc_macro(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            if parent.contains_key(&dep.pkg) || !is_normal(dep) {
                continue;
            }
            parent.insert(&dep.pkg, Some(id));
            queue.push_back(&dep.pkg);
        }
    }

    // Indices into the list returned: every package the metadata describes.
    order.retain(|id| packages.contains_key(id));
    let index: HashMap<&PackageId, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    order
        .iter()
        .filter_map(|&id| {
            let package = *packages.get(id)?;
            let mut path = Vec::new();
            let mut at = Some(id);
            while let Some(cur) = at {
                path.push(
                    packages
                        .get(cur)
                        .map_or_else(|| cur.repr.clone(), |p| p.name.to_string()),
                );
                at = parent.get(cur).copied().flatten();
            }
            path.reverse();
            let node = nodes.get(id);
            let features = node
                .map(|n| n.features.iter().map(|f| f.to_string()).collect())
                .unwrap_or_default();
            let deps = node
                .filter(|_| !proc_macro(id))
                .map(|n| {
                    n.deps
                        .iter()
                        .filter(|d| is_normal(d))
                        .filter_map(|d| index.get(&d.pkg).copied())
                        .collect()
                })
                .unwrap_or_default();
            Some(Reached {
                package,
                features,
                path,
                proc_macro: proc_macro(id),
                deps,
            })
        })
        .collect()
}

/// The dependency (not the package, `reached[0]`, nor a proc-macro, whose code is not in the
/// binary) that crate `krate` of the binary's code is, as symbols name it.
pub(super) fn dependency_named<'r, 'm>(
    reached: &'r [Reached<'m>],
    krate: &str,
) -> Option<&'r Reached<'m>> {
    reached
        .iter()
        .skip(1)
        .find(|r| !r.proc_macro && r.is_crate(krate))
}

/// Whether crate `from` (an index into `reached`) depends on a crate named `on`, directly or
/// through others.
pub(super) fn depends_on(reached: &[Reached], from: usize, on: &str) -> bool {
    let mut seen = vec![false; reached.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        for &d in reached.get(i).map_or(&[][..], |r| &r.deps) {
            if same_crate(reached[d].name(), on) {
                return true;
            }
            if !std::mem::replace(&mut seen[d], true) {
                stack.push(d);
            }
        }
    }
    false
}

/// Give each crate the features of the unit cargo built for the target, where one was built (a
/// library; the binary's own package keeps the metadata's). `cargo metadata` unifies a crate's
/// features over the target and the build host, so a feature that only a build script's copy
/// has would otherwise trigger a rule on the shipped binary.
pub fn linked_features(reached: &mut [Reached], builds: &[Built]) {
    for r in reached {
        let built = builds
            .iter()
            .flat_map(|b| &b.libraries)
            .find(|l| l.package_id == r.package.id);
        if let Some(lib) = built {
            r.features.clone_from(&lib.features);
        }
    }
}

/// A dependency edge that links code into the dependent: kind `normal` (cargo lists one entry
/// per kind; an edge that is both normal and build counts as normal). Cargo before 1.41 gave
/// no kinds: count such an edge, rather than miss a finding.
fn is_normal(dep: &cargo_metadata::NodeDep) -> bool {
    dep.dep_kinds.is_empty()
        || dep
            .dep_kinds
            .iter()
            .any(|k| k.kind == DependencyKind::Normal)
}

fn is_proc_macro(p: &Package) -> bool {
    p.targets
        .iter()
        .any(|t| t.kind.contains(&TargetKind::ProcMacro))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pkg(name: &str, proc_macro: bool) -> serde_json::Value {
        let kind = if proc_macro { "proc-macro" } else { "lib" };
        json!({
            "name": name, "version": "1.0.0", "id": format!("{name}-id"),
            "source": null, "dependencies": [], "features": {},
            "manifest_path": format!("/x/{name}/Cargo.toml"),
            "targets": [{"kind": [kind], "crate_types": [kind], "name": name,
                         "src_path": "/x/src/lib.rs", "edition": "2021",
                         "doctest": false, "test": false, "doc": false}],
            "authors": [], "categories": [], "keywords": [], "edition": "2021",
            "metadata": null, "publish": null, "links": null
        })
    }

    /// A crate's name is its package's, its library's or a binary's, never a test's: the
    /// crate `std` of std's own code was taken for async-process, which has a test `std`
    /// (QA o: topgrade).
    #[test]
    fn a_test_target_names_no_crate_of_the_package() {
        let mut v = pkg("async-process", false);
        let target = |kind: &str, name: &str| {
            json!({"kind": [kind], "crate_types": ["bin"], "name": name,
                   "src_path": "/x/t.rs", "edition": "2021",
                   "doctest": false, "test": false, "doc": false})
        };
        let targets = v["targets"].as_array_mut().expect("targets");
        targets.push(target("test", "std"));
        targets.push(target("example", "demo"));
        targets.push(target("bin", "ap"));
        let p: Package = serde_json::from_value(v).expect("package");
        let r = Reached {
            package: &p,
            features: vec![],
            path: vec!["async-process".into()],
            proc_macro: false,
            deps: vec![],
        };
        assert!(r.is_crate("async_process") && r.is_crate("ap"));
        assert!(!r.is_crate("std") && !r.is_crate("demo"));
    }

    fn dep(name: &str, kinds: &[Option<&str>]) -> serde_json::Value {
        let kinds: Vec<_> = kinds
            .iter()
            .map(|k| json!({"kind": k, "target": null}))
            .collect();
        json!({"name": name, "pkg": format!("{name}-id"), "dep_kinds": kinds})
    }

    fn node(name: &str, deps: Vec<serde_json::Value>, features: &[&str]) -> serde_json::Value {
        let id = format!("{name}-id");
        json!({"id": id, "deps": deps, "dependencies": [], "features": features})
    }

    /// The metadata of these packages and resolve nodes, rooted at `app`.
    fn metadata(packages: Vec<serde_json::Value>, nodes: Vec<serde_json::Value>) -> Metadata {
        serde_json::from_value(json!({
            "packages": packages,
            "workspace_members": ["app-id"],
            "workspace_default_members": ["app-id"],
            "resolve": {"root": "app-id", "nodes": nodes},
            "target_directory": "/x/target", "workspace_root": "/x",
            "version": 1, "metadata": null
        }))
        .expect("metadata")
    }

    fn app() -> PackageId {
        PackageId {
            repr: "app-id".into(),
        }
    }

    /// `reach` from `app` over these packages and resolve nodes.
    fn reach_app(packages: Vec<serde_json::Value>, nodes: Vec<serde_json::Value>) -> Vec<String> {
        reach(&metadata(packages, nodes), &app())
            .iter()
            .map(|r| {
                let mark = if r.proc_macro { " (proc-macro)" } else { "" };
                let features = r.features.join(",");
                format!("{}{mark} [{features}]", r.path.join(" > "))
            })
            .collect()
    }

    /// A crate depends on another through its normal dependencies, at any depth; not through
    /// a dev-dependency, nor the other way round.
    #[test]
    fn depends_on_follows_normal_dependencies_down() {
        let m = metadata(
            vec![
                pkg("app", false),
                pkg("a", false),
                pkg("b", false),
                pkg("c", false),
            ],
            vec![
                node("app", vec![dep("a", &[None]), dep("c", &[None])], &[]),
                node("a", vec![dep("b", &[None])], &[]),
                node("b", vec![], &[]),
                node("c", vec![dep("b", &[Some("dev")])], &[]),
            ],
        );
        let r = reach(&m, &app());
        let at = |n: &str| r.iter().position(|x| x.name() == n).expect(n);
        assert!(depends_on(&r, at("app"), "b") && depends_on(&r, at("a"), "b"));
        assert!(!depends_on(&r, at("c"), "b") && !depends_on(&r, at("b"), "a"));
        assert!(!depends_on(&r, at("b"), "b"));
    }

    #[test]
    fn only_normal_target_dependencies_reach_the_binary() {
        let r = reach_app(
            vec![
                pkg("app", false),
                pkg("a", false),
                pkg("b", false),
                pkg("loader", false),
                pkg("tester", false),
            ],
            vec![
                node(
                    "app",
                    vec![
                        dep("a", &[None]),
                        dep("loader", &[Some("build")]),
                        dep("tester", &[Some("dev")]),
                    ],
                    &[],
                ),
                node("a", vec![dep("b", &[Some("build"), None])], &["std"]),
                node("b", vec![], &[]),
                node("loader", vec![], &[]),
                node("tester", vec![], &[]),
            ],
        );
        assert_eq!(r, ["app []", "app > a [std]", "app > a > b []"]);
    }

    /// A proc-macro is listed (a rule may name it as the cause of what it expands to), but
    /// what it depends on is linked into the compiler: never into the binary, not even when
    /// the proc-macro is the only way to it. A crate it shares with a linked crate is reached
    /// through that crate.
    #[test]
    fn a_proc_macros_own_dependencies_do_not_reach_the_binary() {
        let r = reach_app(
            vec![
                pkg("app", false),
                pkg("a", false),
                pkg("shared", false),
                pkg("mac", true),
                pkg("under-mac", false),
                pkg("inner-mac", true),
                pkg("deep-mac", true),
            ],
            vec![
                node("app", vec![dep("mac", &[None]), dep("a", &[None])], &[]),
                node(
                    "mac",
                    vec![
                        dep("shared", &[None]),
                        dep("under-mac", &[None]),
                        dep("inner-mac", &[None]),
                    ],
                    &["full"],
                ),
                node(
                    "a",
                    vec![dep("shared", &[None]), dep("deep-mac", &[None])],
                    &[],
                ),
                node("shared", vec![], &[]),
                node("under-mac", vec![], &[]),
                node("inner-mac", vec![], &[]),
                node("deep-mac", vec![dep("under-mac", &[None])], &[]),
            ],
        );
        assert_eq!(
            r,
            [
                "app []",
                "app > mac (proc-macro) [full]",
                "app > a []",
                "app > a > shared []",
                "app > a > deep-mac (proc-macro) []",
            ]
        );
    }
}

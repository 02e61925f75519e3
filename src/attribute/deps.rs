//! Which crates of a build each crate depends on, by the names symbols give them: a crate's own
//! code can name a static of a crate it depends on and of no other (generic code instantiated
//! for another crate's type aside, which its name shows). The gate's entry points use it to
//! tell a reference from a constant the linker merged with another crate's equal one (QA ak F1).

use std::collections::{HashMap, HashSet};

use cargo_metadata::{Metadata, Package, TargetKind};

/// Crate name (`-` read as `_`) → the crate names it depends on, directly or through others.
#[derive(Debug, Default, Clone)]
pub struct Dependencies {
    closure: HashMap<String, HashSet<String>>,
    /// Each crate's direct dependencies.
    direct: HashMap<String, HashSet<String>>,
}

/// A crate name as symbols spell it.
fn normal(name: &str) -> std::borrow::Cow<'_, str> {
    match name.contains('-') {
        true => name.replace('-', "_").into(),
        false => name.into(),
    }
}

/// The crate names of `p`'s linked targets: its library's (`libz_sys`) and its binaries'.
fn crates_of(p: &Package) -> (Vec<String>, Vec<String>) {
    let (mut lib, mut bins) = (Vec::new(), Vec::new());
    for t in &p.targets {
        if t.kind.contains(&TargetKind::Bin) {
            bins.push(normal(&t.name).into_owned());
        } else if t.kind.iter().any(|k| {
            matches!(
                k,
                TargetKind::Lib
                    | TargetKind::RLib
                    | TargetKind::DyLib
                    | TargetKind::CDyLib
                    | TargetKind::StaticLib
                    | TargetKind::ProcMacro
            )
        }) {
            lib.push(normal(&t.name).into_owned());
        }
    }
    (lib, bins)
}

impl Dependencies {
    /// From cargo's resolve: every kind of dependency counts (an edge too many only keeps an
    /// entry point, one too few would drop a real one). Two packages whose crates share a name
    /// (two versions) share one entry.
    pub fn of(metadata: &Metadata) -> Self {
        let Some(resolve) = &metadata.resolve else {
            return Dependencies::default();
        };
        let by_id: HashMap<_, _> = metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let mut direct: HashMap<String, HashSet<String>> = HashMap::new();
        for node in &resolve.nodes {
            let Some(p) = by_id.get(&node.id) else {
                continue;
            };
            let (lib, bins) = crates_of(p);
            let mut deps: HashSet<String> = node
                .deps
                .iter()
                .filter_map(|d| by_id.get(&d.pkg))
                .flat_map(|d| crates_of(d).0)
                .collect();
            for l in &lib {
                direct
                    .entry(l.clone())
                    .or_default()
                    .extend(deps.iter().cloned());
            }
            // A binary uses its package's library as a dependency.
            deps.extend(lib.iter().cloned());
            for b in &bins {
                direct
                    .entry(b.clone())
                    .or_default()
                    .extend(deps.iter().cloned());
            }
        }
        Dependencies::from_direct(direct)
    }

    /// The closure of `direct`, each crate's direct dependencies.
    fn from_direct(direct: HashMap<String, HashSet<String>>) -> Self {
        let closure = direct
            .keys()
            .map(|k| {
                let mut seen: HashSet<String> = HashSet::new();
                let mut next: Vec<&String> = direct[k].iter().collect();
                while let Some(d) = next.pop() {
                    if seen.insert(d.clone()) {
                        next.extend(direct.get(d).into_iter().flatten());
                    }
                }
                (k.clone(), seen)
            })
            .collect();
        Dependencies { closure, direct }
    }

    /// `from`'s direct dependencies that are `on` or depend on it: those whose code may call
    /// `on`'s, or be inlined into `from`'s doing so.
    pub fn leading_to(&self, from: &str, on: &str) -> Vec<String> {
        let (from, on) = (normal(from), normal(on));
        let mut v: Vec<String> = self
            .direct
            .get(&*from)
            .into_iter()
            .flatten()
            // A binary's own library (`bat` of `bat`) is no dependency of its code.
            .filter(|d| **d != *from)
            .filter(|d| **d == *on || self.closure.get(*d).is_some_and(|c| c.contains(&*on)))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Whether crate `from` depends on crate `on`, directly or through others (not itself);
    /// `None` when either is not a crate of the build.
    pub fn depends(&self, from: &str, on: &str) -> Option<bool> {
        let (from, on) = (normal(from), normal(on));
        let deps = self.closure.get(&*from)?;
        self.closure.get(&*on)?;
        Some(from != on && deps.contains(&*on))
    }

    /// For tests: each crate with the crates it depends on (the closure, as given).
    #[cfg(test)]
    pub fn of_pairs(pairs: &[(&str, &[&str])]) -> Self {
        let closure: HashMap<String, HashSet<String>> = pairs
            .iter()
            .map(|(k, deps)| {
                (
                    normal(k).into_owned(),
                    deps.iter().map(|d| normal(d).into_owned()).collect(),
                )
            })
            .collect();
        Dependencies {
            direct: closure.clone(),
            closure,
        }
    }

    /// For tests: each crate with its direct dependencies (every crate listed).
    #[cfg(test)]
    pub fn of_direct(pairs: &[(&str, &[&str])]) -> Self {
        Dependencies::from_direct(
            pairs
                .iter()
                .map(|(k, deps)| {
                    (
                        normal(k).into_owned(),
                        deps.iter().map(|d| normal(d).into_owned()).collect(),
                    )
                })
                .collect(),
        )
    }

    /// Whether code of crate `from` may name a static of crate `to`: `None` when either is not
    /// a crate of the build (a C library, std's crates), which this cannot say.
    pub fn may_name(&self, from: &str, to: &str) -> Option<bool> {
        if normal(from) == normal(to) {
            return Some(true);
        }
        self.depends(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// app (bin) → app (lib) → a → b; c beside them; `my-dep` spelled with a dash.
    fn metadata() -> Metadata {
        let pkg = |name: &str, kinds: &[(&str, &str)]| {
            let targets: Vec<serde_json::Value> = kinds
                .iter()
                .map(|(kind, t)| {
                    serde_json::json!({
                        "name": t, "kind": [kind], "crate_types": [kind],
                        "src_path": "/x/src/lib.rs", "edition": "2021", "doctest": false,
                        "test": false, "doc": false
                    })
                })
                .collect();
            serde_json::json!({
                "name": name, "version": "0.1.0", "id": format!("{name} 0.1.0"),
                "dependencies": [], "targets": targets, "features": {},
                "manifest_path": "/x/Cargo.toml", "authors": [], "categories": [],
                "keywords": [], "edition": "2021", "metadata": null, "publish": null,
                "source": null, "license": null, "license_file": null, "description": null,
                "readme": null, "repository": null, "homepage": null, "documentation": null,
                "links": null, "default_run": null, "rust_version": null
            })
        };
        let node = |name: &str, deps: &[&str]| {
            let deps: Vec<serde_json::Value> = deps
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d, "pkg": format!("{d} 0.1.0"),
                        "dep_kinds": [{"kind": null, "target": null}]
                    })
                })
                .collect();
            serde_json::json!({
                "id": format!("{name} 0.1.0"), "dependencies": [], "deps": deps, "features": []
            })
        };
        let v = serde_json::json!({
            "packages": [
                pkg("app", &[("lib", "app"), ("bin", "app-cli")]),
                pkg("a", &[("lib", "a")]),
                pkg("my-dep", &[("lib", "my_dep")]),
                pkg("c", &[("lib", "c")]),
            ],
            "workspace_members": ["app 0.1.0"],
            "workspace_default_members": ["app 0.1.0"],
            "resolve": {"nodes": [
                node("app", &["a"]), node("a", &["my-dep"]), node("my-dep", &[]), node("c", &[])
            ], "root": "app 0.1.0"},
            "target_directory": "/x/target", "version": 1, "workspace_root": "/x",
            "metadata": null
        });
        serde_json::from_value(v).expect("metadata")
    }

    #[test]
    fn a_crate_names_statics_of_what_it_depends_on_through_others() {
        let d = Dependencies::of(&metadata());
        assert_eq!(d.may_name("app", "my_dep"), Some(true));
        assert_eq!(d.may_name("app_cli", "my-dep"), Some(true));
        assert_eq!(d.may_name("app_cli", "app"), Some(true));
        assert_eq!(d.may_name("a", "a"), Some(true));
        assert_eq!(d.may_name("my_dep", "a"), Some(false));
        assert_eq!(d.may_name("c", "my_dep"), Some(false));
        assert_eq!(d.may_name("app", "c"), Some(false));
        // Not a crate of the build: not said.
        assert_eq!(d.may_name("core", "a"), None);
        assert_eq!(d.may_name("a", "[libc]"), None);
    }
}

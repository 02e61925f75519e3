//! Crate names in `allow` and `deny`, checked against the dependency graph once `cargo metadata`
//! has resolved it: a misspelt name (`libloadng`) would otherwise allow or deny nothing, silently.
//!
//! A name that is not in the graph is a warning, not an error: the crate may be behind a feature
//! this run leaves off, or only on another target (`cargo metadata --filter-platform`).
//!
//! The graph is every package the checked packages resolve to, over every kind of dependency
//! (normal, build, dev): a warning should mean "no such crate here", never "this crate does not
//! reach the binary", which is the audit's own business. A `deny` is the exception: AOT000 is a
//! finding on a crate the binary links, so a denied crate that is in the graph only to build
//! (a proc-macro, a build script's or a test's dependency) is a warning of its own, as the deny
//! can never fire (QA df F4: `deny = ["serde_derive"]` was silent).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use cargo_metadata::{DependencyKind, Metadata, PackageId};

use super::{Config, Layer, Partial};

impl Config {
    /// One warning for each crate name in an `allow` or `deny` of a layer that applies to the
    /// `selected` packages (name, id) and that names no package of their dependency graph; none
    /// when the metadata has no resolve. A package's own table is checked against its own graph;
    /// the workspace's and the config file's against the graph of every selected package.
    pub fn unknown_crates(
        &self,
        metadata: &Metadata,
        selected: &[(&str, &PackageId)],
    ) -> Vec<String> {
        let Some(graph) = Graph::new(metadata) else {
            return Vec::new();
        };
        let mut warnings = Vec::new();
        let all: Vec<&PackageId> = selected.iter().map(|&(_, id)| id).collect();
        let everyone = selected
            .iter()
            .map(|&(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let declared = |name: &str| declared(metadata, name);
        for l in self.workspace.iter().chain(&self.file) {
            check_layer(l, &graph.known(&all, &declared), &everyone, &mut warnings);
        }
        for &(name, id) in selected {
            if let Some(l) = self.packages.get(name) {
                let known = graph.known(&[id], &declared);
                check_layer(l, &known, &format!("`{name}`"), &mut warnings);
            }
        }
        warnings
    }
}

/// What a layer's crate names are checked against: the names of the dependency graph of the
/// packages it applies to (`all`), those their binaries link (`linked`: normal dependencies,
/// proc-macros and what only they use left out), those with the packages' dev-dependencies too
/// (`tested`), the names of the proc-macro packages, and what the manifests declare of a name
/// not in the graph.
struct Known<'a, 'm> {
    all: BTreeSet<&'m str>,
    linked: BTreeSet<&'m str>,
    tested: BTreeSet<&'m str>,
    proc_macros: &'a BTreeSet<&'m str>,
    declared: &'a Declared<'a>,
}

impl Known<'_, '_> {
    /// Why `name`, in the graph, never reaches a binary: `None` when it does.
    fn build_only(&self, name: &str) -> Option<&'static str> {
        let among = |set: &BTreeSet<&str>| set.iter().any(|k| crate::format::same_crate(k, name));
        if among(&self.linked) {
            return None;
        }
        Some(if among(self.proc_macros) {
            "a proc-macro, which runs in the compiler"
        } else if among(&self.tested) {
            "a dev-dependency, of tests, examples and benches"
        } else {
            "a dependency of build scripts or proc-macros, which run while compiling"
        })
    }
}

/// The resolved dependency graph: package names by id, each node's dependencies with how it
/// depends on them (normal, dev), and the proc-macro packages.
struct Graph<'m> {
    names: HashMap<&'m PackageId, &'m str>,
    deps: HashMap<&'m PackageId, Vec<(&'m PackageId, Edge)>>,
    proc_macro_ids: HashSet<&'m PackageId>,
    proc_macros: BTreeSet<&'m str>,
}

/// How a package depends on another: as a normal dependency (or with no kind said, as cargo
/// before 1.41 wrote it: counted as linked), as a dev-dependency; else only to build.
#[derive(Clone, Copy)]
struct Edge {
    normal: bool,
    dev: bool,
}

impl<'m> Graph<'m> {
    fn new(metadata: &'m Metadata) -> Option<Self> {
        let resolve = metadata.resolve.as_ref()?;
        let edge = |d: &cargo_metadata::NodeDep| Edge {
            normal: d.dep_kinds.is_empty()
                || d.dep_kinds.iter().any(|k| k.kind == DependencyKind::Normal),
            dev: d
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Development),
        };
        let macros = || {
            metadata
                .packages
                .iter()
                .filter(|p| p.targets.iter().any(|t| t.is_proc_macro()))
        };
        Some(Graph {
            names: metadata
                .packages
                .iter()
                .map(|p| (&p.id, p.name.as_str()))
                .collect(),
            deps: resolve
                .nodes
                .iter()
                .map(|n| (&n.id, n.deps.iter().map(|d| (&d.pkg, edge(d))).collect()))
                .collect(),
            proc_macro_ids: macros().map(|p| &p.id).collect(),
            proc_macros: macros().map(|p| p.name.as_str()).collect(),
        })
    }

    /// What a layer that applies to `roots` is checked against.
    fn known<'a>(&'a self, roots: &[&'m PackageId], declared: &'a Declared<'a>) -> Known<'a, 'm> {
        Known {
            all: self.names(roots),
            linked: self.linked(roots, false),
            tested: self.linked(roots, true),
            proc_macros: &self.proc_macros,
            declared,
        }
    }

    /// The names of `roots` and of what their binaries link: normal dependencies, transitively,
    /// a proc-macro and what it alone uses left out; with `dev`, the roots' dev-dependencies
    /// too (and what they link).
    fn linked(&self, roots: &[&'m PackageId], dev: bool) -> BTreeSet<&'m str> {
        let mut seen: HashSet<&PackageId> = roots.iter().copied().collect();
        let mut queue: VecDeque<(&PackageId, bool)> = roots.iter().map(|r| (*r, dev)).collect();
        while let Some((id, dev)) = queue.pop_front() {
            for &(dep, e) in self.deps.get(id).into_iter().flatten() {
                let follows = e.normal || dev && e.dev;
                if follows && !self.proc_macro_ids.contains(dep) && seen.insert(dep) {
                    queue.push_back((dep, false));
                }
            }
        }
        seen.iter()
            .filter_map(|id| self.names.get(id).copied())
            .collect()
    }

    /// The names of `roots` and of every package they depend on, transitively.
    fn names(&self, roots: &[&'m PackageId]) -> BTreeSet<&'m str> {
        let mut seen: BTreeSet<&PackageId> = roots.iter().copied().collect();
        let mut queue: VecDeque<&PackageId> = roots.iter().copied().collect();
        while let Some(id) = queue.pop_front() {
            for &(dep, _) in self.deps.get(id).into_iter().flatten() {
                if seen.insert(dep) {
                    queue.push_back(dep);
                }
            }
        }
        seen.iter()
            .filter_map(|id| self.names.get(id).copied())
            .collect()
    }
}

/// Why a crate not in the graph may be declared all the same, from the manifests' own
/// dependency tables: for another target only (QA df F4: eza's `windows-sys`, said to be
/// "behind a feature that is off?"), or optional.
fn declared(metadata: &Metadata, name: &str) -> Option<String> {
    // The workspace's own manifests first: the one the user edits (QA dh F5: eza's own
    // `cfg(target_os = "windows")` table, not `anstyle-query`'s, one of 12 that declare it).
    let mut packages: Vec<&cargo_metadata::Package> = metadata.packages.iter().collect();
    packages.sort_by_key(|p| !metadata.workspace_members.contains(&p.id));
    let deps = packages.into_iter().flat_map(|p| {
        p.dependencies
            .iter()
            .filter(|d| crate::format::same_crate(&d.name, name))
            .map(move |d| (p.name.as_str(), d))
    });
    let mut optional = None;
    for (package, d) in deps {
        if let Some(target) = &d.target {
            return Some(format!(
                "a dependency of `{package}` for another target only (`{target}`)"
            ));
        }
        if d.optional {
            optional.get_or_insert_with(|| {
                format!("an optional dependency of `{package}`: behind a feature that is off?")
            });
        }
    }
    optional
}

/// What the manifests declare of a crate name (see [`declared`]).
type Declared<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The warnings of one layer (its top table and its `bin.NAME` tables) against `known`, the
/// graph of `whose` (package names, for the message).
fn check_layer(l: &Layer, known: &Known, whose: &str, warnings: &mut Vec<String>) {
    let tables = std::iter::once((String::new(), &l.top))
        .chain(l.bins.iter().map(|(b, p)| (format!("bin.{b}."), p)));
    for (prefix, table) in tables {
        for (key, rule, name, does) in names_in(table) {
            // std is no package, but its own lookups are a finding of their own (AOT004 on
            // `std`) to allow (QA i: the allowance worked, and the warning said it did not).
            let of_std = does == "allows" && crate::attribute::demangle::is_std_crate(name);
            // Spelt as rustc spells it (`dirs_sys`) is the same crate (QA t, D2).
            let known_as = known.all.iter().any(|k| crate::format::same_crate(k, name));
            if of_std {
                continue;
            }
            if known_as {
                if let Some(why) = known.build_only(name).filter(|_| does == "denies") {
                    warnings.push(format!(
                        "{}: `{prefix}{key}` names `{name}`, which is in the dependency graph \
                         of {whose} only as {why}: it never reaches the binary, so it {does} \
                         nothing in this run",
                        l.source
                    ));
                }
                continue;
            }
            let hint = match (
                crate::spelling::nearest(name, &known.all),
                (known.declared)(name),
            ) {
                (_, Some(why)) => why,
                (Some(n), None) => format!("did you mean `{n}`?"),
                (None, None) => "misspelt, or behind a feature that is off?".to_string(),
            };
            let rule = rule.map(|r| format!(" (rule {r})")).unwrap_or_default();
            warnings.push(format!(
                "{}: `{prefix}{key}`{rule} names `{name}`, which is not in the dependency \
                 graph of {whose}: it {does} nothing in this run ({hint})",
                l.source
            ));
        }
    }
}

/// Each crate name of a table's `allow` and `deny`: (the key; the rule, for an allowance; the
/// name; what the entry does).
fn names_in(p: &Partial) -> Vec<(&'static str, Option<&str>, &str, &'static str)> {
    let allowed = p.allow.iter().filter_map(|a| {
        a.krate
            .as_deref()
            .map(|c| ("allow", Some(a.rule.as_str()), c, "allows"))
    });
    let denied = p.deny.iter().map(|d| ("deny", None, d.as_str(), "denies"));
    allowed.chain(denied).collect()
}

#[cfg(test)]
#[path = "crates_tests.rs"]
mod tests;

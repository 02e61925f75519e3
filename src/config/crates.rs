//! Crate names in `allow` and `deny`, checked against the dependency graph once `cargo metadata`
//! has resolved it: a misspelt name (`libloadng`) would otherwise allow or deny nothing, silently.
//!
//! A name that is not in the graph is a warning, not an error: the crate may be behind a feature
//! this run leaves off, or only on another target (`cargo metadata --filter-platform`).
//!
//! The graph is every package the checked packages resolve to, over every kind of dependency
//! (normal, build, dev): a warning should mean "no such crate here", never "this crate does not
//! reach the binary", which is the audit's own business.

use std::collections::{BTreeSet, HashMap, VecDeque};

use cargo_metadata::{Metadata, PackageId};

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
        let shared = graph.names(&all);
        let declared = |name: &str| declared(metadata, name);
        for l in self.workspace.iter().chain(&self.file) {
            check_layer(l, (&shared, &declared), &everyone, &mut warnings);
        }
        for &(name, id) in selected {
            if let Some(l) = self.packages.get(name) {
                let known = graph.names(&[id]);
                check_layer(l, (&known, &declared), &format!("`{name}`"), &mut warnings);
            }
        }
        warnings
    }
}

/// The resolved dependency graph: package names by id, and each node's dependencies.
struct Graph<'m> {
    names: HashMap<&'m PackageId, &'m str>,
    deps: HashMap<&'m PackageId, Vec<&'m PackageId>>,
}

impl<'m> Graph<'m> {
    fn new(metadata: &'m Metadata) -> Option<Self> {
        let resolve = metadata.resolve.as_ref()?;
        Some(Graph {
            names: metadata
                .packages
                .iter()
                .map(|p| (&p.id, p.name.as_str()))
                .collect(),
            deps: resolve
                .nodes
                .iter()
                .map(|n| (&n.id, n.deps.iter().map(|d| &d.pkg).collect()))
                .collect(),
        })
    }

    /// The names of `roots` and of every package they depend on, transitively.
    fn names(&self, roots: &[&'m PackageId]) -> BTreeSet<&'m str> {
        let mut seen: BTreeSet<&PackageId> = roots.iter().copied().collect();
        let mut queue: VecDeque<&PackageId> = roots.iter().copied().collect();
        while let Some(id) = queue.pop_front() {
            for &dep in self.deps.get(id).into_iter().flatten() {
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
/// names in the dependency graph of `whose` (package names, for the message), with what
/// the manifests declare of a name that is not (`declared`).
fn check_layer(
    l: &Layer,
    (known, declared): (&BTreeSet<&str>, &Declared),
    whose: &str,
    warnings: &mut Vec<String>,
) {
    let tables = std::iter::once((String::new(), &l.top))
        .chain(l.bins.iter().map(|(b, p)| (format!("bin.{b}."), p)));
    for (prefix, table) in tables {
        for (key, rule, name, does) in names_in(table) {
            // std is no package, but its own lookups are a finding of their own (AOT004 on
            // `std`) to allow (QA i: the allowance worked, and the warning said it did not).
            let of_std = does == "allows" && crate::attribute::demangle::is_std_crate(name);
            // Spelt as rustc spells it (`dirs_sys`) is the same crate (QA t, D2).
            let known_as = known.iter().any(|k| crate::format::same_crate(k, name));
            if known_as || of_std {
                continue;
            }
            let hint = match (crate::spelling::nearest(name, known), declared(name)) {
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
mod tests {
    use super::*;

    use serde_json::json;
    use std::path::Path;

    /// `app` → `serde`, `tool` → `regex`; `app` and `tool` are the workspace's members.
    fn metadata() -> Metadata {
        let pkg = |name: &str| {
            json!({
                "name": name, "version": "1.0.0", "id": format!("{name}-id"),
                "source": null, "dependencies": [], "features": {}, "targets": [],
                "manifest_path": format!("/w/{name}/Cargo.toml"),
                "authors": [], "categories": [], "keywords": [], "edition": "2021",
                "metadata": null, "publish": null, "links": null
            })
        };
        let node = |name: &str, deps: &[&str]| {
            let deps: Vec<_> = deps
                .iter()
                .map(|d| json!({"name": d, "pkg": format!("{d}-id"), "dep_kinds": []}))
                .collect();
            json!({"id": format!("{name}-id"), "deps": deps, "dependencies": [], "features": []})
        };
        serde_json::from_value(json!({
            "packages": [pkg("app"), pkg("tool"), pkg("serde"), pkg("regex")],
            "workspace_members": ["app-id", "tool-id"],
            "workspace_default_members": ["app-id", "tool-id"],
            "resolve": {"root": null, "nodes": [
                node("app", &["serde"]), node("tool", &["regex"]),
                node("serde", &[]), node("regex", &[]),
            ]},
            "target_directory": "/w/target", "workspace_root": "/w",
            "version": 1, "metadata": null
        }))
        .expect("metadata")
    }

    /// A package's table is checked against its own graph, the workspace's against every
    /// selected package's, and the table of a package not selected not at all.
    #[test]
    fn each_table_is_checked_against_the_graph_it_applies_to() {
        let m = metadata();
        let ws = json!({"aotcheck": {"deny": ["regex", "serd"]}});
        let app = json!({"aotcheck": {
            "deny": ["serde", "regex"],
            "allow": [{"rule": "AOT004", "crate": "std", "reason": "std's own lookups"}],
        }});
        let tool = json!({"aotcheck": {"deny": ["nonsense"]}});
        let config = Config::load(
            &ws,
            Path::new("/w/Cargo.toml"),
            &[
                ("app", &app, Path::new("/w/app/Cargo.toml")),
                ("tool", &tool, Path::new("/w/tool/Cargo.toml")),
            ],
            None,
        )
        .expect("config");
        let app_id = PackageId {
            repr: "app-id".into(),
        };
        let tool_id = PackageId {
            repr: "tool-id".into(),
        };
        // The names of each warning, in order.
        let named = |w: &[String]| -> Vec<String> {
            w.iter()
                .map(|w| {
                    let at = w.find(" names `").map_or(0, |i| i + 8);
                    let name = w[at..].split('`').next().unwrap_or("");
                    format!("{} {name}", &w[..w.find(':').unwrap_or(0)])
                })
                .collect()
        };
        let w = config.unknown_crates(&m, &[("app", &app_id)]);
        assert_eq!(
            named(&w),
            [
                "/w/Cargo.toml regex",
                "/w/Cargo.toml serd",
                "/w/app/Cargo.toml regex"
            ],
            "{w:#?}"
        );
        assert!(w[1].contains("did you mean `serde`?"), "{}", w[1]);
        assert!(w[2].contains("graph of `app`:"), "{}", w[2]);
        // Both selected: the workspace's `regex` is in `tool`'s graph; `tool`'s table counts.
        let w = config.unknown_crates(&m, &[("app", &app_id), ("tool", &tool_id)]);
        assert_eq!(
            named(&w),
            [
                "/w/Cargo.toml serd",
                "/w/app/Cargo.toml regex",
                "/w/tool/Cargo.toml nonsense"
            ],
            "{w:#?}"
        );
        assert!(w[0].contains("graph of `app`, `tool`:"), "{}", w[0]);
        assert!(w[2].contains("misspelt"), "{}", w[2]);
    }

    /// QA df F4: a crate declared for another target only is said to be one, an optional one
    /// to be behind a feature, rather than "misspelt, or behind a feature that is off?".
    #[test]
    fn a_crate_of_another_target_or_optional_is_said_so() {
        let mut m = metadata();
        let dep = |name: &str, target: Option<&str>, optional: bool| {
            serde_json::from_value::<cargo_metadata::Dependency>(json!({
                "name": name, "source": null, "req": "*", "kind": null, "rename": null,
                "optional": optional, "uses_default_features": true, "features": [],
                "target": target, "path": null, "registry": null
            }))
            .expect("dependency")
        };
        m.packages[0].dependencies = vec![
            dep("windows-sys", Some("cfg(windows)"), false),
            dep("arboard", None, true),
        ];
        // QA dh F5: a dependency's declaration, listed first, gives way to the member's own.
        m.packages[2].dependencies = vec![dep(
            "windows-sys",
            Some("cfg(target_os = \"redox\")"),
            false,
        )];
        m.packages.rotate_left(2);
        let app = json!({"aotcheck": {"deny": ["windows_sys", "arboard", "nonsense"]}});
        let config = Config::load(
            &json!({}),
            Path::new("/w/Cargo.toml"),
            &[("app", &app, Path::new("/w/app/Cargo.toml"))],
            None,
        )
        .expect("config");
        let id = PackageId {
            repr: "app-id".into(),
        };
        let w = config.unknown_crates(&m, &[("app", &id)]);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(
            w[0].ends_with("(a dependency of `app` for another target only (`cfg(windows)`))"),
            "{}",
            w[0]
        );
        assert!(
            w[1].ends_with("(an optional dependency of `app`: behind a feature that is off?)"),
            "{}",
            w[1]
        );
        assert!(
            w[2].ends_with("(misspelt, or behind a feature that is off?)"),
            "{}",
            w[2]
        );
    }
}

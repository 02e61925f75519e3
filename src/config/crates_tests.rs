//! Unit tests of the crate names in `allow` and `deny` checked against the graph.

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
    let w = app_denying(&m, json!(["windows_sys", "arboard", "nonsense"]));
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

/// QA df F4: a denied crate that the binaries never link is said to be so, by how it is in
/// the graph (a dev-dependency here; a proc-macro and a build script's dependency are tested
/// on fixtures); one linked, or reached by an edge of no kind (cargo before 1.41), is not.
#[test]
fn a_denied_dev_dependency_is_said_never_to_reach_the_binary() {
    let mut m = metadata();
    let mut nodes = serde_json::to_value(m.resolve.take().expect("resolve")).expect("resolve");
    let dev = json!({"name": "regex", "pkg": "regex-id",
        "dep_kinds": [{"kind": "dev", "target": null}]});
    nodes["nodes"][0]["deps"]
        .as_array_mut()
        .expect("app's deps")
        .push(dev);
    m.resolve = Some(serde_json::from_value(nodes).expect("resolve"));
    let w = app_denying(&m, json!(["regex", "serde"]));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].contains(
            "`deny` names `regex`, which is in the dependency graph of `app` only as a \
             dev-dependency, of tests, examples and benches"
        ),
        "{}",
        w[0]
    );
}

/// The warnings of `app`'s table `deny = denied`, `app` alone selected.
fn app_denying(m: &Metadata, denied: serde_json::Value) -> Vec<String> {
    let app = json!({"aotcheck": {"deny": denied}});
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
    config.unknown_crates(m, &[("app", &id)])
}

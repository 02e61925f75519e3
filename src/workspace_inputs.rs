//! What each crate the build compiles was built from: the gate tells by it a crate the change
//! did not touch (`gate::untouched`).

use std::collections::{BTreeMap, HashMap, HashSet};

use cargo_metadata::{DependencyKind, Metadata, Node, PackageId, TargetKind};

/// What each crate from a registry or git was built from, by its library's crate name (as its
/// symbols carry it): `version source [features]`, those of two versions of one crate joined.
/// A path crate has no entry: its sources can change under one version. The gate tells by
/// these a crate the change did not touch (`gate::untouched`).
///
/// Only the packages the build of `roots` compiles for the target: their normal dependencies,
/// not their dev-dependencies (QA cd F1: hexyl's `memchr`, a dev-dependency's, was "built
/// there from the same inputs, all of it inlined" when serde_json brought it in) nor what only
/// build scripts use, built for the host (QA da F2: `generic_array`, which tokei's baseline
/// built for pest's build script alone, was said to have been all inlined there). What the
/// resolve holds beyond the build (proc-macros' dependencies, optional ones only the host's
/// build turns on) the inspect stage takes out, by the rlibs the build made for the target.
pub fn crate_inputs(metadata: &Metadata, roots: &[&PackageId]) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, Vec<String>> = Default::default();
    // Each package's node once, not a search of the resolve per package (on every run).
    let nodes: HashMap<&PackageId, &Node> = metadata
        .resolve
        .iter()
        .flat_map(|r| &r.nodes)
        .map(|n| (&n.id, n))
        .collect();
    let built = built_from(&nodes, roots);
    for p in metadata.packages.iter().filter(|p| built.contains(&p.id)) {
        let Some(source) = &p.source else { continue };
        let lib = p.targets.iter().find(|t| {
            t.kind
                .iter()
                .any(|k| matches!(k, TargetKind::Lib | TargetKind::RLib))
        });
        let (Some(lib), Some(node)) = (lib, nodes.get(&p.id)) else {
            continue;
        };
        let mut features: Vec<String> = node.features.iter().map(|f| f.to_string()).collect();
        features.sort();
        m.entry(lib.name.replace('-', "_"))
            .or_default()
            .push(format!("{} {source} [{}]", p.version, features.join(", ")));
    }
    m.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v.join("; "))
        })
        .collect()
}

/// The packages `roots` build for the target, themselves included: walked along normal
/// dependencies (a dependency of one kind or more, normal among them).
fn built_from<'m>(
    nodes: &HashMap<&'m PackageId, &'m Node>,
    roots: &[&'m PackageId],
) -> HashSet<&'m PackageId> {
    let mut seen: HashSet<&PackageId> = roots.iter().copied().collect();
    let mut stack: Vec<&PackageId> = roots.to_vec();
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for d in &node.deps {
            let built = d.dep_kinds.is_empty()
                || d.dep_kinds
                    .iter()
                    .any(|k| matches!(k.kind, DependencyKind::Normal));
            if built && seen.insert(&d.pkg) {
                stack.push(&d.pkg);
            }
        }
    }
    seen
}

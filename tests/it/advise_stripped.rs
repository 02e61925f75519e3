//! `advise`'s feature rows on a profile that strips (`strip = true`): the crates leaving are
//! named from the analysis links' symbols, as the main command names a stripped binary's
//! crates (QA g, B8); a feature that takes another with it says so (B9). Checked against
//! readelf and nm.

use std::path::{Path, PathBuf};

use crate::advise::{advise, binary, feature};
use crate::util::*;

fn build_id(path: &str) -> String {
    tool("readelf", &["-nW", path])
        .lines()
        .find_map(|l| l.split_once("Build ID: ").map(|(_, id)| id))
        .unwrap_or_else(|| panic!("no build id in {path}"))
        .trim()
        .to_string()
}

/// The analysis links the tool kept for the binary at `path` (`<name>-<unit hash>.<build id>`):
/// builds of other feature sets that made the same program share its build id, so there can
/// be several, and any of them is the binary's.
fn analysis_links(path: &str) -> Vec<PathBuf> {
    let dir = shared_target_dir().join("advise/cargo/graph");
    let suffix = format!(".{}", build_id(path));
    let links: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(&suffix))
        .collect();
    assert!(
        !links.is_empty(),
        "no analysis link of {path} in {}",
        dir.display()
    );
    links
}

/// nm: does the file define bigtable's 256 KiB table?
fn has_table(path: &Path) -> bool {
    let path = path.to_string_lossy();
    tool("nm", &["-S", "--defined-only", &path])
        .lines()
        .any(|l| l.contains("bigtable") && l.contains("TABLE"))
}

/// Renamed for the guard's life, renamed back on drop (a failed assertion included), so the
/// shared target dir keeps them for the next run.
struct Hidden(Vec<(PathBuf, PathBuf)>);

impl Drop for Hidden {
    fn drop(&mut self) {
        for (from, to) in &self.0 {
            let _ = std::fs::rename(to, from);
        }
    }
}

fn hide(paths: &[PathBuf]) -> Hidden {
    let moved = paths
        .iter()
        .map(|p| {
            let to = p.with_extension("hidden-by-test");
            std::fs::rename(p, &to).expect("rename");
            (p.clone(), to)
        })
        .collect();
    Hidden(moved)
}

const ARGS: [&str; 5] = [
    "--profile",
    "release-stripped",
    "--knobs",
    "features",
    "--no-probe",
];

#[test]
fn stripped_profile_names_the_crates_leaving_and_the_features_dragged_along() {
    let v = json(&mut advise("advise-features", &shared_target_dir(), &ARGS));
    let b = binary(&v, "advise-features");
    let base = str_of(&b["base"], "path");
    let table = feature(b, "table");
    assert_eq!(str_of(table, "status"), "measured", "{table}");
    let variant = str_of(table, "path");
    // Independent: both binaries are stripped (readelf), and the base's analysis link has the
    // table's symbol where the variant's has none (nm).
    let symtab = |p: &str| tool("readelf", &["-SW", p]).contains(" .symtab ");
    assert!(!symtab(base) && !symtab(variant), "not stripped");
    let (base_links, variant_links) = (analysis_links(base), analysis_links(variant));
    assert!(has_table(&base_links[0]), "{}", base_links[0].display());
    assert!(
        !has_table(&variant_links[0]),
        "{}",
        variant_links[0].display()
    );
    let leaving: Vec<&str> = table["crates_leaving"]
        .as_array()
        .unwrap_or_else(|| panic!("crates_leaving not named: {table}"))
        .iter()
        .map(|c| str_of(c, "name"))
        .collect();
    assert!(leaving.contains(&"bigtable"), "{leaving:?}");
    // `lookup` needs `table`: cargo built the variant without it too, and the row says so.
    assert_eq!(table["also_leaves_out"], serde_json::json!(["lookup"]));
    assert_eq!(table["built_with"], serde_json::json!(["cli", "core"]));
    assert_eq!(
        feature(b, "lookup")["also_leaves_out"],
        serde_json::json!([])
    );

    let human = || {
        let r = run(aotcheck()
            .args(["aotcheck", "advise", "--manifest-path"])
            .arg(fixture("advise-features").join("Cargo.toml"))
            .arg("--target-dir")
            .arg(shared_target_dir())
            .args(["--locked", "-q"])
            .args(ARGS)
            .env("NO_COLOR", "1"));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let out = human();
    let at = out
        .find("    table (dep: bigtable)")
        .unwrap_or_else(|| panic!("{out}"));
    let row: Vec<&str> = out[at..].lines().take(3).collect();
    assert_eq!(
        row[1].trim(),
        "also leaves out `lookup` (it needs `table`)",
        "{out}"
    );
    assert!(
        row[2]
            .trim()
            .starts_with("leaving the binary (in the file): bigtable ("),
        "{out}"
    );
    // A row that failed to build still says which features its build left out (QA r, F4).
    let failed: Vec<&str> = out[out.find("    core ").unwrap_or_else(|| panic!("{out}"))..]
        .lines()
        .map(str::trim)
        .collect();
    assert!(failed[0].contains("does not build without it"), "{out}");
    assert!(
        failed[1..3].contains(&"also leaves out `cli` (it needs `core`)"),
        "{out}"
    );
    // No knob was tried: no line about knobs after the features that saved bytes.
    assert!(!out.contains("knob saved bytes"), "{out}");

    // `inspect` of the stripped base, from another directory, names its crates from the
    // analysis link `advise` kept (QA cb F3: "no crate can be named").
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--format", "json"])
        .arg(base)
        .current_dir(std::env::temp_dir()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let inspected: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let bin = &inspected["artifacts"][0]["binary"];
    let from = str_of(&bin["coverage"], "symbols_from");
    assert!(
        base_links
            .iter()
            .any(|l| from.ends_with(&*l.to_string_lossy())),
        "{from} is none of {base_links:?}"
    );
    assert!(
        bin["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .any(|c| c["name"] == "bigtable"),
        "{bin}"
    );

    // Without the analysis links (a build made before them) the crates cannot be named: the
    // output says so, never an empty list that reads as "none leave".
    let _hidden = hide(&[base_links, variant_links].concat());
    let v = json(&mut advise("advise-features", &shared_target_dir(), &ARGS));
    let table = feature(binary(&v, "advise-features"), "table");
    assert!(table["crates_leaving"].is_null(), "{table}");
    let out = human();
    assert!(
        out.contains("leaving the binary: could not be named: a binary has no symbol table"),
        "{out}"
    );
}

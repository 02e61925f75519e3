//! A baseline saved inside a package whose build script declares no `rerun-if-changed`: cargo
//! reruns such a script, and rebuilds the package, when any file of the package changes, and
//! the baseline is one (QA dg F5: each save of broot's, at the default path beside its
//! manifest, cost the next run a 2m19s fat-LTO rebuild, with no word of it).

use std::path::{Path, PathBuf};

use crate::report::Report;

/// The warning for a baseline saved at `path`, when the package whose folder holds it has a
/// build script that, as this run's build ran it (its `output` beside the report's binaries:
/// `<profile>/build/<package>-<hash>/output`), declared no `rerun-if-changed` or
/// `rerun-if-env-changed`.
pub fn warning(path: &Path, report: &Report) -> Option<String> {
    let (dir, package) = package_of(path)?;
    let outputs = report
        .artifacts
        .iter()
        .filter_map(|a| Some(Path::new(&a.path).parent()?.join("build")))
        .flat_map(|build| outputs_of(&build, &package));
    // The latest run of the script: an older hash's output may be of another version.
    let latest = outputs.max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())?;
    let text = std::fs::read_to_string(&latest).ok()?;
    if declares_rerun(&text) {
        return None;
    }
    Some(format!(
        "the baseline is inside `{package}` ({}), whose build script declares no \
         `rerun-if-changed`: cargo reruns such a script, and rebuilds `{package}`, when any \
         file of the package changes, so the next build after each save is a rebuild (and \
         after the file is moved or removed, once more); save it outside the package \
         (`--save-baseline FILE`), or have the script print \
         `cargo::rerun-if-changed=build.rs`",
        dir.display()
    ))
}

/// The folder and name of the package whose folder holds `path`: the nearest `Cargo.toml`
/// above it, when that has `[package]` (a virtual workspace's root holds no package's files).
fn package_of(path: &Path) -> Option<(PathBuf, String)> {
    let absolute = std::path::absolute(path.parent()?).ok()?;
    let dir = absolute
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())?;
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let name = manifest.get("package")?.get("name")?.as_str()?;
    Some((dir.to_path_buf(), name.to_string()))
}

/// The `output` files of `package`'s build script runs in the folder `build`.
fn outputs_of(build: &Path, package: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(build) else {
        return Vec::new();
    };
    let prefix = format!("{package}-");
    entries
        .flatten()
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            })
        })
        .map(|e| e.path().join("output"))
        .filter(|p| p.is_file())
        .collect()
}

/// Whether a build script's output declares what reruns it (`cargo:` or `cargo::`).
fn declares_rerun(output: &str) -> bool {
    output.lines().any(|l| {
        let l = l.trim();
        let d = l
            .strip_prefix("cargo::")
            .or_else(|| l.strip_prefix("cargo:"))
            .unwrap_or("");
        d.starts_with("rerun-if-changed=") || d.starts_with("rerun-if-env-changed=")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nearest manifest decides: a virtual workspace's root holds no package's files, and
    /// a package above it is not looked for.
    #[test]
    fn the_package_is_the_nearest_manifest_s() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outer = dir.path();
        std::fs::write(outer.join("Cargo.toml"), "[package]\nname = \"outer\"\n").expect("w");
        let ws = outer.join("ws");
        std::fs::create_dir_all(ws.join("app")).expect("mkdir");
        std::fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = [\"app\"]\n").expect("w");
        std::fs::write(ws.join("app/Cargo.toml"), "[package]\nname = \"app\"\n").expect("w");
        assert_eq!(package_of(&ws.join("base.json")), None);
        let (at, name) = package_of(&ws.join("app/base.json")).expect("app");
        assert_eq!((at, name.as_str()), (ws.join("app"), "app"));
    }

    #[test]
    fn either_spelling_of_a_rerun_directive_counts() {
        assert!(declares_rerun("cargo:rerun-if-changed=build.rs\n"));
        assert!(declares_rerun("cargo::rerun-if-env-changed=CC\n"));
        assert!(!declares_rerun(
            "cargo:rustc-link-lib=z\ncargo:warning=rerun-if-changed\n"
        ));
        assert!(!declares_rerun(""));
    }
}

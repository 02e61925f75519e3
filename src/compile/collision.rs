//! Binaries of two packages with the same name: cargo copies ("uplifts") both to one file,
//! `target/<profile>/NAME`, and warns of an output filename collision; the last one built
//! wins, so both artifacts would name the same program. Each is then read from its own copy in
//! `deps/`, found by its dep-info file, which lists the binary's crate root. Also a binary of
//! the name of another package's library ([`same_named`]).

use std::path::{Path, PathBuf};

use super::BuiltBinary;

/// Point every binary whose path another one shares at its own copy in `deps/`; `sources` are
/// the binaries' crate roots, in the same order. A binary whose copy cannot be found keeps the
/// shared path.
pub fn separate(binaries: &mut [BuiltBinary], sources: &[PathBuf]) {
    let shared: Vec<bool> = binaries
        .iter()
        .map(|b| binaries.iter().filter(|o| o.path == b.path).count() > 1)
        .collect();
    for ((b, src), shared) in binaries.iter_mut().zip(sources).zip(shared) {
        if shared && let Some(own) = own_copy(&b.path, &b.name, src) {
            b.path = own;
        }
    }
}

/// `deps/NAME-HASH` (with `-` in NAME as `_`) whose dep-info lists `src`; the newest if a stale
/// build left several.
fn own_copy(uplifted: &Path, name: &str, src: &Path) -> Option<PathBuf> {
    let deps = uplifted.parent()?.join("deps");
    let prefix = format!("{}-", name.replace('-', "_"));
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(&deps).ok()?.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let Some(hash) = file.strip_prefix(&prefix) else {
            continue;
        };
        if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let path = entry.path();
        if !lists_source(&path.with_extension("d"), src) {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
        if best.as_ref().is_none_or(|(t, _)| modified > *t) {
            best = Some((modified, path));
        }
    }
    best.map(|(_, p)| p)
}

/// Whether the dep-info file lists `src` among the dependencies of its first target (paths in
/// it may be relative to the workspace root, so a listed path matches as a suffix of `src`).
fn lists_source(dep_info: &Path, src: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return false;
    };
    let Some((_, deps)) = text.lines().next().and_then(|l| l.split_once(": ")) else {
        return false;
    };
    deps.split_whitespace().map(Path::new).any(|d| {
        if d.is_absolute() {
            d == src
        } else {
            src.ends_with(d)
        }
    })
}

/// A binary whose crate has the name of a library of another package (watchexec-cli's
/// binary `watchexec` beside the library watchexec): symbol names do not tell the two apart,
/// so one row holds both, which is said (QA bb F4: the gate blamed the library for the
/// binary's own `main`).
pub fn same_named(built: &super::Built) -> Vec<String> {
    built
        .binaries
        .iter()
        .filter_map(|b| {
            let name = b.name.replace('-', "_");
            let lib = built
                .libraries
                .iter()
                .find(|l| l.crate_name == name && l.package_id != b.package_id)?;
            Some(format!(
                "crate `{name}` is two crates, the binary `{}` of {} and the library of {}: \
                 symbol names do not tell them apart, so its row (and `--why`, and the gate's \
                 figures for it) holds both",
                b.name,
                super::crate_of(&b.package_id),
                super::crate_of(&lib.package_id)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_colliding_binary_gets_its_own_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let release = dir.path().join("release");
        let deps = release.join("deps");
        std::fs::create_dir_all(&deps).expect("mkdir");
        std::fs::write(release.join("my-tool"), b"b").expect("write");
        for (hash, src) in [("0a1b", "alpha/src/main.rs"), ("2c3d", "beta/src/main.rs")] {
            let exe = deps.join(format!("my_tool-{hash}"));
            std::fs::write(&exe, hash).expect("write");
            let line = format!("{}: {src}\n", exe.display());
            std::fs::write(exe.with_extension("d"), line).expect("write");
        }
        let bin = |pkg: &str| BuiltBinary {
            package_id: cargo_metadata::PackageId { repr: pkg.into() },
            name: "my-tool".into(),
            path: release.join("my-tool"),
            features: Vec::new(),
        };
        let mut bins = vec![bin("alpha"), bin("beta")];
        let sources = [
            PathBuf::from("/w/alpha/src/main.rs"),
            PathBuf::from("/w/beta/src/main.rs"),
        ];
        separate(&mut bins, &sources);
        assert_eq!(bins[0].path, deps.join("my_tool-0a1b"));
        assert_eq!(bins[1].path, deps.join("my_tool-2c3d"));
        // A binary alone keeps the uplifted path.
        let mut one = vec![bin("alpha")];
        separate(&mut one, &sources[..1]);
        assert_eq!(one[0].path, release.join("my-tool"));
    }
}

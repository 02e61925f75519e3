//! `inspect FILE` of a binary the main command built (its analysis link found in a build dir,
//! see `graph::wanted`): the native archives its build scripts left in that build dir, each
//! named after its `-sys` package, as the main command names them from cargo's own record of
//! the build. Without them `inspect` gave libbzip3's C code to the Rust crate that calls it
//! and unrar's C++ to `[unknown]` (QA cx F4). No cargo run says that these are the archives
//! the binary was linked from (an older build may have left them), so a name found here is a
//! name match only ([`CrateIndex::is_names_only`]).

use std::path::{Path, PathBuf};

use super::crates::{CrateIndex, script_archives};
use crate::compile::linked;

/// One build script's record in a build dir: `<profile dir>/build/<package>-<hash>/output`.
struct ScriptOutput {
    /// The package's crate name as cargo spells a library's (`unrar-ng-sys` → `unrar_ng_sys`).
    krate: String,
    /// Its `rustc-link-lib` values (`static=unrar`), as the script printed them.
    libs: Vec<String>,
    /// Its `rustc-link-search` values (`native=/opt/lib`).
    paths: Vec<String>,
    out_dir: PathBuf,
}

impl CrateIndex {
    /// The native archives of the build scripts of the build dir `build_dir` (`<target dir>/
    /// aotcheck/static`: where the analysis link of `binary` was found), by name only: those
    /// of `binary`'s own profile dir when it lies in the build dir (`<build dir>/<target>/
    /// <profile>/NAME`), else of every profile dir there. `static_link`: the binary is
    /// static, so a library the linker finds outside the script's `out_dir` is its archive.
    /// `None` when no build script there links a native library found on this machine.
    pub fn of_build_dir(build_dir: &Path, binary: &Path, static_link: bool) -> Option<Self> {
        let own = binary
            .parent()
            .filter(|p| p.starts_with(build_dir) && p.join("build").is_dir());
        let profiles: Vec<PathBuf> = match own {
            Some(p) => vec![p.to_path_buf()],
            None => subdirs(build_dir)
                .into_iter()
                .flat_map(|t| subdirs(&t))
                .filter(|p| p.join("build").is_dir())
                .collect(),
        };
        let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
        let mut index = CrateIndex::names_only();
        for run in profiles
            .iter()
            .flat_map(|p| script_outputs(&p.join("build")))
        {
            add_run(&mut index, &run, &target, static_link);
        }
        (!index.is_empty()).then_some(index)
    }
}

/// Add the archives `run` links (see [`script_archives`]).
fn add_run(index: &mut CrateIndex, run: &ScriptOutput, target: &str, static_link: bool) {
    let dirs: Vec<PathBuf> = run
        .paths
        .iter()
        .filter_map(|p| linked::search_dir(p))
        .chain(linked::system_dirs(target))
        .collect();
    for a in script_archives(&run.libs, &run.out_dir, &dirs, static_link) {
        add(index, &a, &run.krate);
    }
}

/// Add a C library file (an archive, or a GNU ld script naming archives); one that cannot be
/// read is left out: the symbols it would name stay as they were.
fn add(index: &mut CrateIndex, path: &Path, krate: &str) {
    for a in linked::archives_of(path) {
        // Deliberately quiet: a stale archive of an older build is no error of this binary's.
        let _ = index.add_archive(&a, krate, false, true);
    }
}

/// The build scripts' records under `build` (`<package>-<16 hex digits>/output`), in name
/// order; those that link no library are left out.
fn script_outputs(build: &Path) -> Vec<ScriptOutput> {
    let targets = build
        .parent()
        .map(|p| package_targets(&p.join(".fingerprint")))
        .unwrap_or_default();
    subdirs(build)
        .into_iter()
        .filter_map(|dir| {
            let name = dir.file_name()?.to_str()?;
            let (package, hash) = name.rsplit_once('-')?;
            if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let text = std::fs::read_to_string(dir.join("output")).ok()?;
            let (libs, paths) = directives(&text);
            (!libs.is_empty()).then(|| ScriptOutput {
                krate: targets
                    .get(package)
                    .cloned()
                    .unwrap_or_else(|| package.replace('-', "_")),
                libs,
                paths,
                out_dir: dir.join("out"),
            })
        })
        .collect()
}

/// The crate each package's build script links for, as the main command names it: the
/// package's library, else its one binary (QA dm F3: difftastic's grammars were `difftastic`
/// to `inspect` and `difft` to the main command), read from cargo's fingerprints
/// (`.fingerprint/<package>-<hash>/lib-<crate>` and `bin-<name>`). A package with neither, or
/// with several binaries and no library, is left out: its name stands.
fn package_targets(fingerprint: &Path) -> std::collections::BTreeMap<String, String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut found: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for dir in subdirs(fingerprint) {
        let Some((package, hash)) = dir.file_name().and_then(|n| n.to_str()?.rsplit_once('-'))
        else {
            continue;
        };
        if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let (libs, bins) = found.entry(package.to_string()).or_default();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                continue;
            }
            if let Some(l) = name.strip_prefix("lib-") {
                libs.insert(l.to_string());
            } else if let Some(b) = name.strip_prefix("bin-") {
                bins.insert(b.replace('-', "_"));
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(package, (libs, bins))| {
            let one = |s: &BTreeSet<String>| (s.len() == 1).then(|| s.iter().next().cloned())?;
            Some((
                package,
                one(&libs).or_else(|| libs.is_empty().then(|| one(&bins))?)?,
            ))
        })
        .collect()
}

/// The `rustc-link-lib` and `rustc-link-search` values of a build script's output, in both
/// spellings (`cargo:` and `cargo::`).
fn directives(output: &str) -> (Vec<String>, Vec<String>) {
    let (mut libs, mut paths) = (Vec::new(), Vec::new());
    for line in output.lines() {
        let Some(rest) = line
            .strip_prefix("cargo::")
            .or_else(|| line.strip_prefix("cargo:"))
        else {
            continue;
        };
        if let Some(v) = rest.strip_prefix("rustc-link-lib=") {
            libs.push(v.trim().to_string());
        } else if let Some(v) = rest.strip_prefix("rustc-link-search=") {
            paths.push(v.trim().to_string());
        }
    }
    (libs, paths)
}

/// The directories in `dir`, in name order (none when it cannot be read).
pub(super) fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn both_spellings_of_the_link_directives_are_read() {
        let out = "cargo:rerun-if-changed=x\ncargo:rustc-link-lib=static=unrar\n\
                   cargo::rustc-link-lib=z\ncargo:rustc-link-search=native=/opt/lib\n\
                   CC = None\n";
        let (libs, paths) = directives(out);
        assert_eq!(libs, ["static=unrar", "z"]);
        assert_eq!(paths, ["native=/opt/lib"]);
    }
}

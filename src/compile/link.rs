//! The analysis link: our builds link each binary twice, once as asked (the binary every other
//! stage measures, untouched) and once more with `--emit-relocs` into `<build dir>/graph/`, whose
//! relocations give the reference graph its exact edges.
//!
//! How: cargo runs the linker we name in `CARGO_TARGET_<TRIPLE>_LINKER`, a small script in
//! `<build dir>/linker/<hash>/cc` that runs this executable in its linker mode ([`as_linker`]):
//! it runs the real linker (the user's configured one, else `cc`, rustc's default) with the
//! arguments as given, and beside it the same link with `-Wl,--emit-relocs -Wl,--strip-debug`
//! and another output. Nothing is recompiled for the second link: the objects are the ones
//! rustc just made. Why not `cargo rustc -- -C link-arg=...`: that changes the binary unit's
//! fingerprint, so cargo recompiles it and uplifts the relocatable link over the measured file;
//! `RUSTFLAGS` would rebuild every unit. Cargo hashes the linker's *path* into every unit's
//! fingerprint: the script's path is stable between runs (the real linker's hash is in it, so
//! a change of the user's linker relinks), so only the first run with it rebuilds, in our own
//! target dir. `--emit-relocs` moves `.eh_frame` among the read-only sections, so the analysis
//! link's addresses are mapped to the measured binary's by section (graph/refs.rs).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

const REAL: &str = "AOTCHECK_REAL_LINKER";
const OUT_DIR: &str = "AOTCHECK_ANALYSIS_DIR";

/// Where the analysis links of a build dir go, named `<output name>.<build id>`.
pub fn analysis_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("graph")
}

/// The analysis link of the binary with this build id in `dir`, if there is one.
pub fn analysis_file(dir: &Path, build_id: &str) -> Option<PathBuf> {
    let suffix = format!(".{build_id}");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .find(|p| ends_with(p, &suffix))
}

/// The folders [`analysis_file`] looked in, listed once: `inspect` of a folder of binaries
/// looks for each one's analysis link in the same dozen places (the build dirs of the working
/// directory and above it), which were a `read_dir` each per file (QA: 14,000 failed opens
/// for `/usr/bin` and `/usr/lib/x86_64-linux-gnu`). Only where nothing is linked meanwhile:
/// the main command and `advise` link between their lookups.
#[derive(Default)]
pub struct Listings(std::sync::Mutex<std::collections::HashMap<PathBuf, Option<Vec<PathBuf>>>>);

impl Listings {
    /// As [`analysis_file`], from the listing of `dir` made the first time it was asked for.
    pub fn analysis_file(&self, dir: &Path, build_id: &str) -> Option<PathBuf> {
        let suffix = format!(".{build_id}");
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let listing = seen.entry(dir.to_path_buf()).or_insert_with(|| {
            let entries = std::fs::read_dir(dir).ok()?;
            Some(entries.filter_map(|e| Some(e.ok()?.path())).collect())
        });
        listing
            .as_ref()?
            .iter()
            .find(|p| ends_with(p, &suffix))
            .cloned()
    }
}

fn ends_with(p: &Path, suffix: &str) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(suffix))
}

/// Write the linker script for a build in `build_dir` and return the environment variable
/// that makes cargo use it. `user`: the linker the user configured for the target, if any.
pub fn wrapper(build_dir: &Path, target: &str, user: Option<&str>) -> Result<(String, PathBuf)> {
    let exe = std::env::current_exe().map_err(|e| Error::io("<current executable>", e))?;
    let real = user.unwrap_or("cc");
    let hash: String = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(real.as_bytes());
        d.iter().take(8).map(|b| format!("{b:02x}")).collect()
    };
    let dir = build_dir.join("linker").join(hash);
    let script = dir.join("cc");
    let out = analysis_dir(build_dir);
    let text = format!(
        "#!/bin/sh\n# Written by cargo-aotcheck: links as asked with {real}, then once more with\n\
         # --emit-relocs into {out} for the reference graph. Rewritten on every run.\n\
         {REAL}={} {OUT_DIR}={} exec {} \"$@\"\n",
        quote(real),
        quote(&out.to_string_lossy()),
        quote(&exe.to_string_lossy()),
        out = out.display(),
    );
    if std::fs::read_to_string(&script).ok().as_deref() != Some(text.as_str()) {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
        // A temporary name of its own: two runs on one target dir (parallel tests, advise
        // beside a check) may write the script at once, and a shared `cc.tmp` would be
        // renamed away under the other writer.
        use std::io::Write as _;
        use std::os::unix::fs::PermissionsExt;
        let mut tmp = tempfile::Builder::new()
            .prefix("cc.")
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(0o755))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, e))?;
        tmp.write_all(text.as_bytes())
            .map_err(|e| Error::io(tmp.path(), e))?;
        tmp.persist(&script)
            .map_err(|e| Error::io(&script, e.error))?;
    }
    let var = format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    Ok((var, script))
}

/// `'...'` for the shell.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The linker the user configured for `target`: `CARGO_TARGET_<TRIPLE>_LINKER`, else
/// `target.<triple>.linker` of the innermost cargo config file that sets it (a relative path
/// with a slash is relative to the folder that holds `.cargo`, as cargo reads it).
pub fn user_linker(
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    cargo_home: Option<&Path>,
    target: &str,
) -> Option<String> {
    let var = format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    if let Some(v) = env(&var).filter(|v| !v.is_empty()) {
        return Some(v);
    }
    let mut found = None;
    for file in crate::rustflags::config_files(cwd, cargo_home) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let linker = doc
            .get("target")
            .and_then(|t| t.get(target))
            .and_then(|t| t.get("linker"))
            .and_then(|l| l.as_str());
        if let Some(l) = linker {
            let base = file.parent().and_then(Path::parent);
            found = Some(match base {
                Some(b) if l.contains('/') && Path::new(l).is_relative() => {
                    b.join(l).display().to_string()
                }
                _ => l.to_string(),
            });
        }
    }
    found
}

/// Linker mode: when this executable was started by the script of [`wrapper`], link and
/// return the exit code; `None` in every other case (the normal command line).
pub fn as_linker() -> Option<u8> {
    let real = std::env::var_os(REAL)?;
    let dir = PathBuf::from(std::env::var_os(OUT_DIR)?);
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let output = output_of(&args);
    // The analysis link runs beside the real one; its failure only costs the exact graph.
    let analysis = output.as_ref().and_then(|o| {
        let name = o.file_name()?.to_string_lossy().into_owned();
        // Build scripts run on the build host, and a `-shared` link is a proc-macro (or a
        // library): only executables are measured, so nobody reads the others' graphs.
        if name.starts_with("build_script_") || args.iter().any(|a| a == "-shared") {
            return None;
        }
        let tmp = dir.join(format!("{name}.linking"));
        let mut extra: Vec<OsString> = args
            .iter()
            .filter(|a| !matches!(a.to_str(), Some("-s" | "-Wl,--strip-all" | "-Wl,-s")))
            .cloned()
            .collect();
        extra.extend(["-Wl,--emit-relocs", "-Wl,--strip-debug", "-o"].map(OsString::from));
        extra.push(tmp.clone().into_os_string());
        let child = Command::new(&real)
            .args(&extra)
            .env_remove(REAL)
            .env_remove(OUT_DIR)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        Some((child, tmp, name))
    });
    let status = Command::new(&real)
        .args(&args)
        .env_remove(REAL)
        .env_remove(OUT_DIR)
        .status();
    let code = match status {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "cargo-aotcheck: cannot run the linker `{}`: {e}",
                real.to_string_lossy()
            );
            1
        }
    };
    if let Some((mut child, tmp, name)) = analysis {
        let linked = child.wait().is_ok_and(|s| s.success());
        let id = output.as_deref().and_then(build_id);
        match id {
            Some(id) if linked && code == 0 => keep(&dir, &tmp, &name, &id),
            _ => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
    Some(u8::try_from(code).unwrap_or(1))
}

/// Move the finished analysis link to `<name>.<build id>`, replacing older ones of `name`.
fn keep(dir: &Path, tmp: &Path, name: &str, id: &str) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let prefix = format!("{name}.");
        for e in entries.filter_map(std::result::Result::ok) {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && !n.ends_with(".linking") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let _ = std::fs::rename(tmp, dir.join(format!("{name}.{id}")));
}

/// The `-o` output of a linker command line (in an `@file` too, one argument a line).
fn output_of(args: &[OsString]) -> Option<PathBuf> {
    let mut out = None;
    let mut take = false;
    for a in args {
        let s = a.to_string_lossy();
        if take {
            out = Some(PathBuf::from(a));
            take = false;
        } else if s == "-o" {
            take = true;
        } else if let Some(p) = s.strip_prefix("-o").filter(|p| !p.is_empty()) {
            out = Some(PathBuf::from(p));
        } else if let Some(file) = s.strip_prefix('@') {
            let lines: Vec<OsString> = std::fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .map(|l| OsString::from(l.replace("\\ ", " ")))
                .collect();
            if let Some(o) = output_of(&lines) {
                out = Some(o);
            }
        }
    }
    out
}

/// The GNU build id of the ELF file at `path`, as hex. Its own reader, not `inspect`'s: the
/// build stage comes before inspection and does not depend on it (no import cycle).
fn build_id(path: &Path) -> Option<String> {
    use object::Object;
    let data = std::fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let id = file.build_id().ok()??;
    Some(id.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_found_in_arguments_and_at_files() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            output_of(&args(&["-m64", "a.o", "-o", "/t/deps/app-1", "-s"])),
            Some(PathBuf::from("/t/deps/app-1"))
        );
        assert_eq!(output_of(&args(&["-o/t/x"])), Some(PathBuf::from("/t/x")));
        let dir = tempfile::tempdir().expect("tempdir");
        let at = dir.path().join("args");
        std::fs::write(&at, "-m64\n-o\n/t/my\\ app\n").expect("write");
        let at_arg = format!("@{}", at.display());
        assert_eq!(
            output_of(&args(&[&at_arg])),
            Some(PathBuf::from("/t/my app"))
        );
        assert_eq!(output_of(&args(&["a.o"])), None);
    }

    #[test]
    fn user_linker_from_env_then_innermost_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join(".cargo")).expect("mkdir");
        std::fs::write(
            ws.join(".cargo/config.toml"),
            "[target.x86_64-unknown-linux-gnu]\nlinker = 'tools/cc'\n",
        )
        .expect("write");
        let none = |_: &str| None;
        let t = "x86_64-unknown-linux-gnu";
        assert_eq!(
            user_linker(&none, &ws, None, t),
            Some(ws.join("tools/cc").display().to_string())
        );
        let env = |k: &str| {
            (k == "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").then(|| "clang".to_string())
        };
        assert_eq!(user_linker(&env, &ws, None, t).as_deref(), Some("clang"));
        assert_eq!(user_linker(&none, dir.path(), None, t), None);
    }
}

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
            Some(id) if linked && code == 0 => {
                keep(&dir, &tmp, &name, &id);
                write_own(&dir.join(format!("{name}.{id}")), &args);
            }
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

/// The file beside an analysis link that names the binary crate and the symbols its own
/// objects define (see [`own_symbols`]).
fn own_file(analysis: &Path) -> PathBuf {
    let mut name = analysis.as_os_str().to_owned();
    name.push(".own");
    PathBuf::from(name)
}

/// The binary crate's own code, as the link saw it: its crate (the output's name before
/// cargo's `-<hash>`) and the global names that the codegen units rustc made for it
/// (`*.rcgu.o`, deleted after the link) define, but for Rust's mangled ones. No archive lists
/// them, so a `#[no_mangle]` or `#[export_name]` function of the binary, and the `main` that
/// rustc writes for it, had no crate (QA dq F10). What cannot be read is left out.
pub fn own_symbols(analysis: &Path) -> Option<(String, Vec<String>)> {
    let text = std::fs::read_to_string(own_file(analysis)).ok()?;
    let mut lines = text.lines();
    let krate = lines.next().filter(|k| !k.is_empty())?.to_string();
    Some((krate, lines.map(str::to_string).collect()))
}

/// Write what [`own_symbols`] reads for the analysis link at `analysis`, from the linker's
/// arguments `args`.
fn write_own(analysis: &Path, args: &[OsString]) {
    let Some(name) = analysis
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return;
    };
    let krate = name.rsplit_once('-').map_or(name.as_str(), |(k, _)| k);
    let mut text = format!("{krate}\n");
    for object in objects_of(args) {
        for n in defined_globals(&object) {
            text.push_str(&n);
            text.push('\n');
        }
    }
    let _ = std::fs::write(own_file(analysis), text);
}

/// The codegen units rustc passed to the linker (`*.rcgu.o`; in an `@file` too).
fn objects_of(args: &[OsString]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for a in args {
        let s = a.to_string_lossy();
        if let Some(file) = s.strip_prefix('@') {
            out.extend(objects_of(&at_file(file)));
        } else if s.ends_with(".rcgu.o") {
            out.push(PathBuf::from(a));
        }
    }
    out
}

/// The global symbols `object` defines, but for Rust's mangled names (`_ZN...`, `_R...`).
fn defined_globals(object: &Path) -> Vec<String> {
    use object::{Object as _, ObjectSymbol as _};
    let Ok(data) = std::fs::read(object) else {
        return Vec::new();
    };
    let Ok(file) = object::File::parse(&*data) else {
        return Vec::new();
    };
    let mangled = |n: &str| {
        n.starts_with("_ZN")
            || (n.starts_with("_R") && n[2..].starts_with(|c: char| c.is_ascii_uppercase()))
    };
    file.symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.is_empty() && !mangled(n) && !n.contains('\n'))
        .collect()
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
        } else if let Some(file) = s.strip_prefix('@')
            && let Some(o) = output_of(&at_file(file))
        {
            out = Some(o);
        }
    }
    out
}

/// The arguments of an `@file` of a linker command line, one a line (`\\ ` for a space).
fn at_file(file: &str) -> Vec<OsString> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| OsString::from(l.replace("\\ ", " ")))
        .collect()
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

    /// rustc's codegen units are taken from the arguments and from an `@file`; other objects
    /// (its `symbols.o`, a C start file) and archives are not.
    #[test]
    fn the_codegen_units_are_found_in_arguments_and_at_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at = dir.path().join("args");
        std::fs::write(&at, "/t/deps/app-1.b.rcgu.o\n/t/my\\ dir/app-1.c.rcgu.o\n").expect("write");
        let args: Vec<OsString> = [
            "/t/deps/app-1.a.rcgu.o".to_string(),
            "/tmp/rustc1/symbols.o".to_string(),
            "/usr/lib/rcrt1.o".to_string(),
            "/t/deps/libdep-2.rlib".to_string(),
            format!("@{}", at.display()),
        ]
        .map(OsString::from)
        .to_vec();
        let want: Vec<PathBuf> = [
            "/t/deps/app-1.a.rcgu.o",
            "/t/deps/app-1.b.rcgu.o",
            "/t/my dir/app-1.c.rcgu.o",
        ]
        .map(PathBuf::from)
        .to_vec();
        assert_eq!(objects_of(&args), want);
    }

    /// What the link writes beside its analysis link is read back: the crate from the output's
    /// name, then each global name an object defines but Rust's mangled ones. The object is
    /// compiled here by `cc`, and `nm` says what it defines.
    #[test]
    fn own_symbols_are_written_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = dir.path().join("x.c");
        std::fs::write(
            &c,
            "int exported_one(int x) { return x + 1; }\n\
             static int hidden(int x) { return x * 2; }\n\
             int _ZN3app4main17h0123456789abcdefE(int x) { return hidden(x); }\n\
             int table_of_two[2] = {1, 2};\n",
        )
        .expect("write");
        let o = dir.path().join("app-1.x.rcgu.o");
        let ok = Command::new("cc")
            .arg("-c")
            .arg(&c)
            .arg("-o")
            .arg(&o)
            .status()
            .expect("cc");
        assert!(ok.success());
        let nm = Command::new("nm")
            .arg("--defined-only")
            .arg(&o)
            .output()
            .expect("nm");
        let nm = String::from_utf8_lossy(&nm.stdout).into_owned();
        assert!(
            nm.contains(" T exported_one") && nm.contains(" t hidden"),
            "{nm}"
        );
        let analysis = dir.path().join("my_app-0123abcd.beef");
        write_own(&analysis, &[o.into_os_string()]);
        let (krate, mut names) = own_symbols(&analysis).expect("read back");
        names.sort();
        assert_eq!(krate, "my_app");
        assert_eq!(names, ["exported_one", "table_of_two"]);
        assert_eq!(own_symbols(&dir.path().join("other.beef")), None);
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

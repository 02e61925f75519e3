//! The cargo and rustc that will build the project, and what they say about the target.

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::cargo_platform::Cfg;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Toolchain {
    pub cargo: PathBuf,
    pub rustc: PathBuf,
    /// `rustc -V`.
    pub rustc_version: String,
    pub host: String,
    pub cargo_home: Option<PathBuf>,
    /// `rustc --print cfg --target <target>`.
    pub cfgs: Vec<Cfg>,
}

/// Cargo as cargo itself names it to subcommands (`$CARGO`), else the one on `PATH`.
pub fn find_cargo() -> Result<PathBuf> {
    if let Some(c) = std::env::var_os("CARGO") {
        return Ok(PathBuf::from(c));
    }
    which::which("cargo").map_err(|_| Error::Prerequisite {
        what: "cannot find `cargo`".into(),
        help: "install Rust with rustup (https://rustup.rs) or set $CARGO".into(),
    })
}

fn run(program: &Path, args: &[&str], cwd: &Path) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|source| Error::Spawn {
            program: program.display().to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::BuildFailed(format!(
            "`{} {}` failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Toolchain {
    /// Ask the rustc that cargo will use (`$RUSTC`, else `rustc`, run in the workspace so that a
    /// `rust-toolchain` file picks the same toolchain).
    pub fn discover(cargo: PathBuf, cwd: &Path) -> Result<Self> {
        let rustc = std::env::var_os("RUSTC")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("rustc"));
        let vv = run(&rustc, &["-vV"], cwd)?;
        let host = vv
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .ok_or_else(|| Error::BuildFailed("`rustc -vV` did not name the host triple".into()))?
            .trim()
            .to_string();
        let rustc_version = vv
            .lines()
            .next()
            .unwrap_or("rustc (unknown)")
            .trim()
            .to_string();
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        Ok(Toolchain {
            cargo,
            rustc,
            rustc_version,
            host,
            cargo_home,
            cfgs: Vec::new(),
        })
    }

    /// Check the target is installed and learn its cfgs (for `target.'cfg(..)'` rustflags).
    pub fn prepare_target(&mut self, target: &str, cwd: &Path) -> Result<()> {
        // rustc's own message says why: an unknown triple, a bad target spec file, a wrapper
        // that failed. A rustc that cannot be run at all is said as such (`Error::Spawn`).
        let libdir = run(
            &self.rustc,
            &["--print", "target-libdir", "--target", target],
            cwd,
        )
        .map_err(|e| match e {
            Error::BuildFailed(why) => Error::Prerequisite {
                what: format!("rustc cannot build for the target `{target}`: {why}"),
                help: "check the spelling against `rustc --print target-list`; a custom \
                       target needs its `.json` spec file"
                    .into(),
            },
            other => other,
        })?;
        let libdir = PathBuf::from(libdir.trim());
        let has_std = match std::fs::read_dir(&libdir) {
            Ok(d) => d
                .filter_map(std::result::Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io(libdir, e)),
        };
        if !has_std {
            return Err(Error::Prerequisite {
                what: format!("the standard library for `{target}` is not installed"),
                help: format!("run `rustup target add {target}`, or choose an installed target"),
            });
        }
        let cfg = run(&self.rustc, &["--print", "cfg", "--target", target], cwd)?;
        self.cfgs = cfg.lines().filter_map(|l| l.parse().ok()).collect();
        Ok(())
    }
}

/// Before a static glibc build: is there a `libc.a` for the C compiler to link? Only checked
/// when a C compiler is on `PATH`; the build's own error is explained otherwise.
pub fn check_static_glibc() -> Result<()> {
    let Ok(cc) = which::which("cc") else {
        return Ok(());
    };
    let Ok(out) = Command::new(cc).arg("-print-file-name=libc.a").output() else {
        return Ok(());
    };
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if Path::new(&path).is_absolute() && Path::new(&path).exists() {
        return Ok(());
    }
    Err(Error::Prerequisite {
        what: "a static glibc build needs libc.a, and the C toolchain has none".into(),
        help: "install `libc6-dev` (Debian/Ubuntu) or `glibc-static` (Fedora/RHEL), \
               or use the musl target if it is installed"
            .into(),
    })
}

//! The C library and the C compiler's runtime of a static build, as pseudo-crates of the
//! crate index: `[libc]` (glibc's or musl's `libc.a`, glibc's `libm.a`) and `[libgcc]`
//! (libgcc's unwinder and helpers, gcc's start files). For a build the tool made they are the
//! archives the link took; for `inspect FILE` of a static glibc binary built elsewhere, this
//! machine's, matched by name only ([`CrateIndex::c_runtime_by_name`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::crates::CrateIndex;
use crate::compile::linked;

impl CrateIndex {
    /// Add the C library `target` links statically as [`LIBC`] (with glibc's maths library
    /// beside it) and, on `*-linux-gnu`, the C compiler's runtime as [`LIBGCC`]. Files that
    /// cannot be read are skipped with a warning in `warnings`.
    pub fn add_c_runtime(
        &mut self,
        target: &str,
        sysroot_libdir: Option<&Path>,
        warnings: &mut Vec<String>,
    ) {
        let Some(libc) = c_library(target, sysroot_libdir) else {
            return;
        };
        // glibc's maths library (std's `f32::powf` and the like), beside libc.a; a linker
        // script on Debian, which names the archives.
        let libm = libc
            .parent()
            .map(|d| d.join("libm.a"))
            .filter(|m| m.is_file());
        for path in std::iter::once(libc).chain(libm) {
            for a in linked::archives_of(&path) {
                if let Err(e) = self.add_archive(&a, LIBC, false, true) {
                    warnings.push(format!("crate attribution skips an archive: {e}"));
                }
            }
        }
        // The C compiler's runtime: the unwinder std's panics use, and gcc's start files.
        // glibc's own start files (`_start` in `rcrt1.o`) stay unnamed: as a part of
        // `[libc]` they would make it retain the whole program, which `_start` reaches.
        let gcc: &[PathBuf] = if target.ends_with("-linux-gnu") {
            gcc_runtime()
        } else {
            &[]
        };
        for path in gcc {
            let added = if path.extension().is_some_and(|e| e == "a") {
                self.add_archive(path, LIBGCC, false, true).map(drop)
            } else {
                self.add_object(path, LIBGCC)
            };
            if let Err(e) = added {
                warnings.push(format!("crate attribution skips a C runtime file: {e}"));
            }
        }
    }

    /// Add the C++ standard library a static build with C++ code linked (`libstdc++.a`, as
    /// `cc` finds it; libsupc++'s objects are in it) as [`LIBSTDCXX`]: its global names
    /// exactly, its local ones (libiberty's demangler, the exception pool) by name. Its objects
    /// carry no `STT_FILE` symbol, so without it their local functions took the source file of
    /// the C++ crate's archive before them (QA i: unrar's, in ouch). Once per index: the
    /// caller asks [`CrateIndex::has_crate`] first.
    pub fn add_cxx_runtime(&mut self, warnings: &mut Vec<String>) {
        let Some(path) = cxx_library() else {
            return;
        };
        if let Err(e) = self.add_archive(path, LIBSTDCXX, false, true) {
            warnings.push(format!("crate attribution skips an archive: {e}"));
        }
    }

    /// For `inspect FILE` of a static glibc binary: this machine's C library and compiler
    /// runtime (with `cxx`, and its C++ library: a binary that [`carries_cxx`]), indexed once
    /// a run, whose names then name a symbol's crate with `heuristic` confidence only (the
    /// binary may have been linked against another glibc: a name that glibc defines here is
    /// glibc's there too, but no archive proves it). `None` where this machine has no static
    /// glibc.
    pub fn c_runtime_by_name(cxx: bool) -> Option<&'static CrateIndex> {
        BY_NAME[usize::from(cxx)]
            .get_or_init(|| {
                let mut index = CrateIndex::names_only();
                index.add_c_runtime_by_name(cxx);
                (!index.is_empty()).then_some(index)
            })
            .as_ref()
    }

    /// Add what [`Self::c_runtime_by_name`] holds to this index (of archives the binary was
    /// not linked from either): this machine's C library and compiler runtime, and with `cxx`
    /// its C++ library.
    pub fn add_c_runtime_by_name(&mut self, cxx: bool) {
        let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
        self.add_c_runtime(&target, None, &mut Vec::new());
        if cxx {
            self.add_cxx_runtime(&mut Vec::new());
        }
    }

    /// Start indexing [`Self::c_runtime_by_name`] on a thread of its own, unless it is done
    /// or under way; asked for later, it is then ready (or waited for).
    pub fn index_c_runtime_ahead(cxx: bool) {
        use std::sync::atomic::{AtomicBool, Ordering};
        static STARTED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
        let k = usize::from(cxx);
        if BY_NAME[k].get().is_none() && !STARTED[k].swap(true, Ordering::AcqRel) {
            let started = std::thread::Builder::new()
                .name("c-runtime-index".into())
                .spawn(move || {
                    CrateIndex::c_runtime_by_name(cxx);
                });
            // Without a thread, the attribution indexes it when it gets there.
            drop(started);
        }
    }
}

/// [`CrateIndex::c_runtime_by_name`] without and with the C++ library, each once a run.
static BY_NAME: [OnceLock<Option<CrateIndex>>; 2] = [OnceLock::new(), OnceLock::new()];

/// The pseudo-crate of the C compiler's runtime linked into a static glibc binary: libgcc's
/// unwinder (`libgcc_eh.a`, which std's panics and backtraces use), its helpers (`libgcc.a`)
/// and gcc's start and end files (`crtbegin*.o`, `crtend*.o`).
pub const LIBGCC: &str = "[libgcc]";

/// libgcc's archives and start files, from the directory `cc -print-libgcc-file-name` names
/// (rustc links with `cc` on `*-linux-gnu`); none when there is no `cc`. Asked once a run:
/// `advise` indexes every variant's build.
fn gcc_runtime() -> &'static [PathBuf] {
    static FILES: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let Ok(out) = Command::new("cc").arg("-print-libgcc-file-name").output() else {
            return Vec::new();
        };
        let printed = String::from_utf8_lossy(&out.stdout);
        let Some(dir) = Path::new(printed.trim()).parent().filter(|d| d.is_dir()) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|f| f.to_str()).is_some_and(|f| {
                    f == "libgcc_eh.a"
                        || f == "libgcc.a"
                        || (f.starts_with("crtbegin") || f.starts_with("crtend"))
                            && f.ends_with(".o")
                })
            })
            .collect();
        files.sort();
        files
    })
}

/// The pseudo-crate of the C++ standard library linked into a static binary.
pub const LIBSTDCXX: &str = "[libstdc++]";

/// `libstdc++.a` where `cc -print-file-name` finds it (it prints the bare name otherwise).
fn cxx_library() -> Option<&'static Path> {
    static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();
    FILE.get_or_init(|| {
        let out = Command::new("cc")
            .arg("-print-file-name=libstdc++.a")
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        (path.is_absolute() && path.is_file()).then_some(path)
    })
    .as_deref()
}

/// Whether the ELF file `data` carries the C++ runtime: its symbol table defines
/// `__gxx_personality_v0` (libsupc++'s, wherever C++ code with unwind tables is linked) or
/// libstdc++'s `std::` code (`_ZNSt`, `_ZNKSt`, `_ZSt`).
pub fn carries_cxx(data: &[u8]) -> bool {
    use object::{Object as _, ObjectSymbol as _};
    let Ok(file) = object::File::parse(data) else {
        return false;
    };
    file.symbols().any(|s| {
        s.is_definition()
            && s.name_bytes().is_ok_and(|n| {
                n == b"__gxx_personality_v0"
                    || n.starts_with(b"_ZNSt")
                    || n.starts_with(b"_ZNKSt")
                    || n.starts_with(b"_ZSt")
            })
    })
}

/// The pseudo-crate of the C library linked into a static binary.
pub const LIBC: &str = "[libc]";

/// `libc.a` as the linker would find it for `target`: musl's self-contained copy in the
/// sysroot, glibc's in the system's library directories.
fn c_library(target: &str, sysroot_libdir: Option<&Path>) -> Option<PathBuf> {
    let arch = target.split('-').next()?;
    let mut candidates = Vec::new();
    if target.contains("-musl") {
        candidates.extend(sysroot_libdir.map(|d| d.join("self-contained/libc.a")));
    }
    if target.ends_with("-linux-gnu") {
        candidates.push(PathBuf::from(format!("/usr/lib/{arch}-linux-gnu/libc.a")));
        candidates.push(PathBuf::from("/usr/lib64/libc.a"));
        candidates.push(PathBuf::from("/usr/lib/libc.a"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

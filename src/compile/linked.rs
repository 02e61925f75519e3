//! Where the linker finds the native libraries a build script asks for
//! (`cargo:rustc-link-lib=crypto`): the archive that a `-sys` crate links from outside its
//! `out_dir` (a system library, a prebuilt one), so that its symbols are that crate's.

use std::path::PathBuf;

/// Libraries of the C runtime and toolchain, shared by every crate: linking them is nobody's
/// own native code (the C library and gcc's runtime have pseudo-crates of their own).
pub const RUNTIME_LIBS: &[&str] = &[
    "c", "m", "dl", "pthread", "rt", "util", "resolv", "gcc", "gcc_s", "gcc_eh", "unwind",
    "stdc++", "c++", "atomic",
];

/// A `rustc-link-lib` value (`static=crypto`, `static:+whole-archive=z`, `crypto`):
/// its name, and whether it must be a static archive. `None` for a shared library
/// (`dylib=`), a framework and the C runtime ([`RUNTIME_LIBS`]).
pub fn link_lib(value: &str) -> Option<(&str, bool)> {
    let (kind, name) = match value.split_once('=') {
        Some((kind, name)) => (kind.split(':').next().unwrap_or(kind), name),
        None => ("", value),
    };
    // `name:rename` links `name`.
    let name = name.split(':').next().unwrap_or(name);
    if name.is_empty() || RUNTIME_LIBS.contains(&name) {
        return None;
    }
    match kind {
        "static" => Some((name, true)),
        "" => Some((name, false)),
        _ => None,
    }
}

/// The directories the linker searches for the native libraries of build scripts `runs`:
/// their `rustc-link-search` paths, then the linker's own for `target` ([`system_dirs`]).
pub fn search_dirs<'a>(
    runs: impl IntoIterator<Item = &'a super::BuildScriptRun>,
    target: &str,
) -> Vec<PathBuf> {
    runs.into_iter()
        .flat_map(|r| r.linked_paths.iter().filter_map(|p| search_dir(p)))
        .chain(system_dirs(target))
        .collect()
}

/// A `rustc-link-search` value (`native=/opt/lib`, `all=/opt/lib`, `/opt/lib`) as a directory
/// the linker searches for native libraries; `None` for rlib paths (`dependency=`, `crate=`)
/// and frameworks.
pub fn search_dir(value: &str) -> Option<PathBuf> {
    let dir = match value.split_once('=') {
        Some(("native" | "all", dir)) => dir,
        Some(("dependency" | "crate" | "framework", _)) => return None,
        _ => value,
    };
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// The linker's own directories for `target` (GNU ld's default search path on a multiarch
/// system, then the usual ones), after the ones the build scripts give. Only for
/// `*-linux-gnu`: elsewhere (musl's self-contained link, other systems) they are not the
/// target's.
pub fn system_dirs(target: &str) -> Vec<PathBuf> {
    let Some(arch) = target.split('-').next() else {
        return Vec::new();
    };
    if !target.ends_with("-linux-gnu") {
        return Vec::new();
    }
    [
        format!("/usr/local/lib/{arch}-linux-gnu"),
        format!("/lib/{arch}-linux-gnu"),
        format!("/usr/lib/{arch}-linux-gnu"),
        "/usr/local/lib64".into(),
        "/lib64".into(),
        "/usr/lib64".into(),
        "/usr/local/lib".into(),
        "/lib".into(),
        "/usr/lib".into(),
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect()
}

/// The static archive the linker takes for library `name`, as GNU ld searches `dirs` in order:
/// in a static link (or for `static=`) the first `lib<name>.a`; in a dynamic one a directory
/// with `lib<name>.so` ends the search with the shared library (no archive: `None`).
pub fn find_archive(name: &str, dirs: &[PathBuf], static_link: bool) -> Option<PathBuf> {
    let (a, so) = (format!("lib{name}.a"), format!("lib{name}.so"));
    for dir in dirs {
        if !static_link && dir.join(&so).exists() {
            return None;
        }
        let archive = dir.join(&a);
        if archive.is_file() {
            return Some(archive);
        }
    }
    None
}

/// The archives a library file stands for: itself when it is an archive; the archives a GNU
/// ld script names when it is one (Debian's `libm.a` is `GROUP ( .../libm-2.36.a
/// .../libmvec.a )`); none otherwise. Absolute paths only, as glibc's scripts write them.
pub fn archives_of(path: &std::path::Path) -> Vec<PathBuf> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut bytes));
    if read.is_err() {
        return Vec::new();
    }
    if bytes.starts_with(b"!<arch>\n") {
        return vec![path.to_path_buf()];
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for keyword in ["GROUP", "INPUT"] {
        let mut rest = text;
        while let Some(at) = rest.find(keyword) {
            rest = &rest[at + keyword.len()..];
            let Some(list) = rest.trim_start().strip_prefix('(') else {
                continue;
            };
            let list = list.split(')').next().unwrap_or("");
            out.extend(
                list.split(|c: char| c.is_whitespace() || c == '(' || c == ',')
                    .filter(|w| w.starts_with('/') && w.ends_with(".a"))
                    .map(PathBuf::from)
                    .filter(|p| p.is_file() && p.as_path() != path),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_lib_values() {
        assert_eq!(link_lib("crypto"), Some(("crypto", false)));
        assert_eq!(link_lib("static=crypto"), Some(("crypto", true)));
        assert_eq!(link_lib("static:+whole-archive=z"), Some(("z", true)));
        assert_eq!(link_lib("ssl:myssl"), Some(("ssl", false)));
        assert_eq!(link_lib("dylib=crypto"), None);
        assert_eq!(link_lib("framework=Security"), None);
        assert_eq!(link_lib("m"), None);
        assert_eq!(link_lib("static=stdc++"), None);
    }

    #[test]
    fn search_dir_values() {
        assert_eq!(search_dir("native=/opt/a"), Some("/opt/a".into()));
        assert_eq!(search_dir("all=/opt/a"), Some("/opt/a".into()));
        assert_eq!(search_dir("/opt/a"), Some("/opt/a".into()));
        assert_eq!(search_dir("dependency=/t/deps"), None);
        assert_eq!(search_dir("framework=/F"), None);
    }

    /// GNU ld's order: the first directory with the archive; in a dynamic link the first with
    /// either, the shared library winning within a directory.
    #[test]
    fn archives_are_found_as_the_linker_finds_them() {
        let t = tempfile::tempdir().expect("tempdir");
        let (d1, d2, d3) = (t.path().join("1"), t.path().join("2"), t.path().join("3"));
        for d in [&d1, &d2, &d3] {
            std::fs::create_dir(d).expect("mkdir");
        }
        std::fs::write(d1.join("libfoo.so"), b"").expect("write");
        std::fs::write(d2.join("libfoo.a"), b"").expect("write");
        std::fs::write(d3.join("libfoo.a"), b"").expect("write");
        std::fs::write(d3.join("libbar.a"), b"").expect("write");
        let dirs = vec![d1.clone(), d2.clone(), d3.clone()];
        assert_eq!(find_archive("foo", &dirs, true), Some(d2.join("libfoo.a")));
        assert_eq!(find_archive("foo", &dirs, false), None);
        assert_eq!(find_archive("bar", &dirs, false), Some(d3.join("libbar.a")));
        assert_eq!(find_archive("baz", &dirs, true), None);
    }

    /// Debian's `libm.a` is a GNU ld script: the archives it names are read instead; an
    /// archive is itself; a name that is no file, a relative name or `-lfoo` is left out.
    #[test]
    fn a_linker_script_stands_for_the_archives_it_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (m, mvec) = (dir.path().join("libm-2.36.a"), dir.path().join("libmvec.a"));
        for a in [&m, &mvec] {
            std::fs::write(a, b"!<arch>\n").expect("archive");
        }
        let script = dir.path().join("libm.a");
        let text = format!(
            "/* GNU ld script\n*/\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( {} {} AS_NEEDED ( /no/such.a ) libx.a -lfoo )\n",
            m.display(),
            mvec.display()
        );
        std::fs::write(&script, text).expect("script");
        assert_eq!(archives_of(&script), [m.clone(), mvec]);
        assert_eq!(archives_of(&m), [m]);
        assert!(archives_of(&dir.path().join("none.a")).is_empty());
    }
}

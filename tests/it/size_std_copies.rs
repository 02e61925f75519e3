//! std's private copy of a crate the program depends on too (rustc-demangle, which std's
//! backtraces bring), under fat LTO: its symbols are local, v0-mangled under a crate root no
//! archive index lists. They are std's (`rustc_demangle (std)` with `--split-std`), not the
//! program's (QA bz F1: 72 KiB of std's gimli, addr2line, rustc_demangle and miniz_oxide were
//! dua's). Checked against the archives' bytes: the crate root is the sysroot's, and not in
//! the build's own rlib.

use crate::util::*;

/// The v0 crate root of `rustc_demangle` in a mangled name (`Cs…_14rustc_demangle`).
fn root(mangled: &str) -> Option<String> {
    let end = mangled.find("_14rustc_demangle")?;
    let start = mangled[..end].rfind('C')?;
    Some(mangled[start..end + "_14rustc_demangle".len()].to_string())
}

fn contains(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn std_s_own_copy_of_a_crate_under_fat_lto_is_std_s() {
    let v = json(&mut check_fixture(
        "std-twin-lto",
        &["--split-std", "--symbols", "all"],
    ));
    let a = &v["artifacts"][0];
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let libdir = tool(
        "rustc",
        &[
            "--print",
            "target-libdir",
            "--target",
            "x86_64-unknown-linux-gnu",
        ],
    );
    let sysroot = std::fs::read_dir(libdir.trim())
        .expect("libdir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("librustc_demangle-"))
        })
        .expect("the sysroot's rustc_demangle");
    let deps = std::path::Path::new(str_of(a, "path"))
        .parent()
        .expect("dir")
        .join("deps");
    let own = std::fs::read_dir(&deps)
        .expect("deps")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("librustc_demangle-") && n.ends_with(".rlib"))
        })
        .expect("the build's rustc_demangle");
    // Each archive read once, its path kept for the messages.
    let read = |p: &std::path::Path| std::fs::read(p).expect("read an archive");
    let (sysroot_archive, own_archive) = (read(&sysroot), read(&own));
    let (mut std_bytes, mut own_bytes) = (0, 0);
    for r in rows {
        let mangled = r["mangled"].as_str().unwrap_or_default();
        let krate = r["crate"].as_str().unwrap_or_default();
        if let Some(root) = root(mangled).filter(|_| mangled.starts_with("_R")) {
            if krate.starts_with("rustc_demangle") {
                assert_eq!(krate, "rustc_demangle (std)", "{r}");
                std_bytes += u64_of(r, "vm_size");
            }
            assert!(
                contains(&sysroot_archive, &root),
                "{root} not in {}",
                sysroot.display()
            );
            assert!(
                !contains(&own_archive, &root),
                "{root} in {}",
                own.display()
            );
        } else if mangled.starts_with("_ZN14rustc_demangle") {
            assert_eq!(krate, "rustc_demangle", "{r}");
            own_bytes += u64_of(r, "vm_size");
        }
    }
    assert!(std_bytes > 0 && own_bytes > 0, "{std_bytes} {own_bytes}");
}

//! Tests of the crate index.

use super::*;

#[test]
fn sysroot_rlib_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "libstd-0123abcd.rlib",
        "libcompiler_builtins-99.rlib",
        "libstd-0123abcd.so",
    ] {
        std::fs::write(dir.path().join(f), b"").expect("write");
    }
    let names: Vec<String> = sysroot_rlibs(dir.path())
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, vec!["compiler_builtins", "std"]);
}

#[test]
fn real_sysroot_defines_std_symbols() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let host = Command::new(&rustc).arg("-vV").output().expect("rustc -vV");
    let host = String::from_utf8_lossy(&host.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("host");
    let dir = sysroot_libdir(Path::new(&rustc), &host).expect("sysroot libdir");
    let mut index = CrateIndex::default();
    for (p, k) in sysroot_rlibs(&dir) {
        index
            .add_archive(&p, &k, true, false)
            .expect("sysroot rlib");
    }
    assert!(index.len() > 1000, "{} symbols", index.len());
    // A C symbol from compiler_builtins.
    assert_eq!(
        index.lookup(b"__udivti3").map(|c| c.name.as_str()),
        Some("compiler_builtins")
    );
}

#[test]
fn garbage_archive_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("libx.a");
    std::fs::write(&p, b"!<arch>\nthis is not a member header at all").expect("write");
    let mut index = CrateIndex::default();
    let _ = index.add_archive(&p, "x", false, true);
    std::fs::write(&p, b"").expect("write");
    assert!(index.add_archive(&p, "x", false, true).is_err());
}

/// A name is the sysroot's only when no crate of the build has it, whichever came first.
#[test]
fn a_crate_is_the_sysroots_only_when_the_build_has_none_of_that_name() {
    let mut index = CrateIndex::default();
    index.crate_id("hashbrown", true);
    index.crate_id("memchr", true);
    index.crate_id("memchr", false);
    index.crate_id("regex", false);
    index.crate_id("regex", true);
    index.crate_id("serde", false);
    assert!(index.is_sysroot_crate("hashbrown"));
    for k in ["memchr", "regex", "serde", "absent"] {
        assert!(!index.is_sysroot_crate(k), "{k}");
    }
    assert!(index.has_crate("memchr") && index.has_crate("serde"));
    assert!(!index.has_crate("absent"));
}

#[test]
fn member_stems() {
    assert_eq!(member_stem(b"b9b191b8e1a44c35-deflate.o"), Some("deflate"));
    assert_eq!(
        member_stem(b"vfprintf-internal.o"),
        Some("vfprintf-internal")
    );
    assert_eq!(member_stem(b"lib.rmeta"), None);
}

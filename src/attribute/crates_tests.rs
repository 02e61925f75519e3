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
    let dir = host_sysroot_libdir();
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

/// A binary's own exported names (`add_own`) name its crate where no archive defines them;
/// an archive's name (compiler_builtins' `__udivti3`) and Rust's mangled names are not taken;
/// `forget_own` leaves the next binary free to give the same name to its own crate.
#[test]
fn own_names_fill_only_what_no_archive_defines() {
    let dir = host_sysroot_libdir();
    let mut index = CrateIndex::default();
    for (p, k) in sysroot_rlibs(&dir)
        .into_iter()
        .filter(|r| r.1 == "compiler_builtins")
    {
        index.add_archive(&p, &k, true, false).expect("rlib");
    }
    let crate_of = |i: &CrateIndex, n: &[u8]| i.lookup(n).map(|c| c.name.clone());
    let names: Vec<String> = [
        "checksum",
        "__udivti3",
        "_ZN3app4main17h0123456789abcdefE",
        "_RNvCs1234_3app4main",
    ]
    .map(String::from)
    .to_vec();
    let added = index.add_own("app", &names);
    assert_eq!(added, vec![b"checksum".to_vec().into_boxed_slice()]);
    assert_eq!(crate_of(&index, b"checksum").as_deref(), Some("app"));
    assert_eq!(
        crate_of(&index, b"__udivti3").as_deref(),
        Some("compiler_builtins")
    );
    assert_eq!(crate_of(&index, names[2].as_bytes()), None);
    assert_eq!(crate_of(&index, names[3].as_bytes()), None);
    index.forget_own(&added);
    assert_eq!(crate_of(&index, b"checksum"), None);
    let again = index.add_own("other", &names[..1]);
    assert_eq!(again.len(), 1);
    assert_eq!(crate_of(&index, b"checksum").as_deref(), Some("other"));
}

/// The sysroot's library dir of the host's target, as `rustc` says.
fn host_sysroot_libdir() -> std::path::PathBuf {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let host = Command::new(&rustc).arg("-vV").output().expect("rustc -vV");
    let host = String::from_utf8_lossy(&host.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("host");
    sysroot_libdir(Path::new(&rustc), &host).expect("sysroot libdir")
}

use super::*;

#[test]
fn a_dep_info_file_lists_its_first_target_s_files_with_escaped_spaces() {
    let text = "/t/deps/bat-1.d: src/lib.rs src/../assets/my\\ file.bin /abs/x.json\n\n\
                src/lib.rs:\n";
    assert_eq!(
        listed(text),
        ["src/lib.rs", "src/../assets/my file.bin", "/abs/x.json"].map(PathBuf::from)
    );
    assert!(listed("no colon here").is_empty());
}

#[test]
fn paths_are_made_plain_and_shown_from_their_package() {
    assert_eq!(
        normal(Path::new("/r/bat-0.26.1/src/../assets/./x.bin")),
        PathBuf::from("/r/bat-0.26.1/assets/x.bin")
    );
    let e = Embedded {
        root: PathBuf::from("/work/ws"),
        ..Embedded::default()
    };
    let shown = |p: &str| e.shown(Path::new(p));
    assert_eq!(
        shown("/root/.cargo/registry/src/index.crates.io-19/bat-0.26.1/assets/syntaxes.bin"),
        "bat-0.26.1/assets/syntaxes.bin"
    );
    assert_eq!(
        shown("/root/.cargo/git/checkouts/foo-12ab/3cd4/data/x.bin"),
        "foo-12ab/3cd4/data/x.bin"
    );
    assert_eq!(shown("/work/ws/blob/data.bin"), "blob/data.bin");
    assert_eq!(shown("/elsewhere/data.bin"), "/elsewhere/data.bin");
    // QA cp F8: a build script's output, under the workspace or not.
    for target in ["/work/ws/target", "/tmp/td"] {
        let out = format!("{target}/x86_64-unknown-linux-gnu/release/build/procs-4f2a/out");
        assert_eq!(shown(&format!("{out}/_procs")), "$OUT_DIR/_procs");
        assert_eq!(shown(&format!("{out}/man/procs.1")), "$OUT_DIR/man/procs.1");
    }
    assert_eq!(shown("/work/ws/build/x/out"), "build/x/out");
    assert_eq!(
        library_dep_info(Path::new("/t/deps/libbat-b49.rlib")),
        Some(PathBuf::from("/t/deps/bat-b49.d"))
    );
}

/// Files under the size worth naming and Rust sources are not looked for; the rest by size.
#[test]
fn the_embedded_files_are_indexed_by_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("src")).expect("mkdir");
    std::fs::write(d.join("src/lib.rs"), vec![b'/'; 500]).expect("write");
    std::fs::write(d.join("big.bin"), vec![7u8; 300]).expect("write");
    std::fs::write(d.join("tiny.txt"), b"hi").expect("write");
    let info = d.join("x.d");
    std::fs::write(&info, "x: src/lib.rs src/../big.bin tiny.txt missing.bin\n").expect("write");
    let e = Embedded::from_dep_infos(&[info], d);
    assert_eq!(e.by_size.len(), 1, "{e:?}");
    assert_eq!(e.by_size[&300], [d.join("big.bin")]);
}

//! Unit tests of the root filesystem a start inside runs in.

use super::*;

/// A layer whose `dev` is a link (to the host's `/dev`, say) gets no device node made
/// through it: the link's target stays as it was.
#[test]
fn no_device_node_is_made_through_a_link() {
    let root = tempfile::tempdir().expect("root");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    std::os::unix::fs::symlink(elsewhere.path(), root.path().join("dev")).expect("link");
    assert!(make_devices(root.path()).is_err());
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).expect("dir").collect();
    assert!(left.is_empty(), "{left:?}");
}

/// QA cl F4: every file of a directory, four or more, is one glob; a directory that holds
/// others too, or fewer files, or a hidden one, names each.
#[test]
fn every_file_of_a_directory_is_one_glob() {
    let dir = tempfile::tempdir().expect("root");
    let certs = dir.path().join("etc/ssl/certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    let mut changed = Vec::new();
    for name in ["a.pem", "b.pem", "c.pem", "d.0"] {
        std::fs::write(certs.join(name), "x").expect("write");
        changed.push((PathBuf::from("etc/ssl/certs").join(name), 0o444));
    }
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::write(dir.path().join("etc/passwd"), "x").expect("write");
    std::fs::write(dir.path().join("etc/group"), "x").expect("write");
    changed.push((PathBuf::from("etc/passwd"), 0o444));
    changed.push((PathBuf::from("etc/group"), 0o444));
    let fs = Rootfs {
        dir,
        changed,
        dirs: Vec::new(),
        devices: false,
        made_proc: false,
        made_etc: Vec::new(),
        proc_dir: false,
    };
    assert_eq!(
        fs.chmods(),
        "chmod 444 \"$d\"/etc/ssl/certs/* \"$d\"/etc/passwd \"$d\"/etc/group"
    );
    // Run as the `reproduce` command runs it: the files get the mode (`stat`).
    let d = fs.path().display().to_string();
    let ran = std::process::Command::new("sh")
        .args(["-c", &format!("d='{d}' && {}", fs.chmods())])
        .status()
        .expect("sh");
    assert!(ran.success());
    let mode = |p: &str| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(fs.path().join(p)).expect("stat").mode() & 0o777
    };
    assert_eq!(mode("etc/ssl/certs/d.0"), 0o444);
    assert_eq!(mode("etc/group"), 0o444);
    // A link to a name beside it changes nothing of that: still one glob (a CA's hash
    // link); one that leads out of the directory would have `chmod` change its target.
    let certs = fs.path().join("etc/ssl/certs");
    let glob = "chmod 444 \"$d\"/etc/ssl/certs/* ";
    std::os::unix::fs::symlink("a.pem", certs.join("e.0")).expect("link");
    assert!(fs.chmods().starts_with(glob), "{}", fs.chmods());
    std::os::unix::fs::symlink("../../passwd", certs.join("f.0")).expect("link");
    assert!(!fs.chmods().starts_with(glob), "{}", fs.chmods());
    std::fs::remove_file(certs.join("f.0")).expect("rm");
    // One more file in the directory than the modes changed: each is named.
    std::fs::write(fs.path().join("etc/ssl/certs/e.pem"), "x").expect("write");
    assert!(
        fs.chmods().contains("\"$d\"/etc/ssl/certs/a.pem"),
        "{}",
        fs.chmods()
    );
}

#[test]
fn the_bits_that_apply_to_the_user_become_the_owners() {
    let user = ImageUser::numeric(65532, 65532);
    // Root's 0755 directory: the user may list it, not write in it.
    assert_eq!(as_seen_by(&user, 0o755, 0, 0), 0o555);
    // The user's own home.
    assert_eq!(as_seen_by(&user, 0o700, 65532, 65532), 0o700);
    // Root's file in the user's group: the group's bits.
    assert_eq!(as_seen_by(&user, 0o640, 0, 65532), 0o440);
    // Root's secret: nothing.
    assert_eq!(as_seen_by(&user, 0o600, 0, 0), 0o000);
    // The set-uid and sticky bits stay.
    assert_eq!(as_seen_by(&user, 0o1777, 0, 0), 0o1777);
    assert_eq!(as_seen_by(&user, 0o4755, 0, 0), 0o4555);
    // Root inside may do anything: the layer's modes.
    let root = ImageUser::numeric(0, 0);
    assert_eq!(as_seen_by(&root, 0o755, 0, 0), 0o755);
}

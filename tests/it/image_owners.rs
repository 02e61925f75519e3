//! `--image`, QA pass l (F1, F2): the user namespace of the start inside maps one user, so
//! every unpacked file was the image user's, and a binary that writes to its root-owned
//! working directory "started" there while `docker run` fails it; the `reproduce` command,
//! run as root, kept the layer's owners and failed where the tool's run started. Both are
//! checked against a run as a container runtime makes it: the layer unpacked as root with
//! its owners kept (GNU tar), `chroot` into it and the image's uid and gid (Python's `os`),
//! independent of the tool's namespaces.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::image_causes::aot011;
use crate::image_checks::{image, probed, report, strings};
use crate::util::*;

/// The image's one layer blob.
fn layer_of(i: &Value) -> PathBuf {
    let layout = str_of(i, "layout");
    let raw = tool("skopeo", &["inspect", "--raw", &format!("oci:{layout}")]);
    let manifest: Value = serde_json::from_str(&raw).expect("manifest");
    let digest = manifest["layers"][0]["digest"]
        .as_str()
        .expect("layer digest")
        .trim_start_matches("sha256:");
    Path::new(layout).join("blobs/sha256").join(digest)
}

/// The exit status of `binary` started as a container runtime starts it: the layer unpacked
/// by root with its owners kept, `chroot` to it, `workdir`, then uid and gid 65532.
fn as_a_runtime(layer: &Path, workdir: &str, binary: &str) -> Option<i32> {
    let root = tempfile::tempdir().expect("tempdir");
    let status = Command::new("tar")
        .args(["--same-owner", "-p", "-xzf"])
        .arg(layer)
        .arg("-C")
        .arg(root.path())
        .status()
        .expect("tar");
    assert!(status.success(), "tar");
    let script = "import os, sys\n\
                  os.chmod(sys.argv[1], 0o755)\n\
                  os.chroot(sys.argv[1]); os.chdir(sys.argv[2])\n\
                  os.setgroups([]); os.setgid(65532); os.setuid(65532)\n\
                  os.execve(sys.argv[3], [sys.argv[3]], {'PATH': '/bin'})\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(root.path())
        .args([workdir, binary])
        .output()
        .expect("python3");
    out.status.code()
}

/// As `image_checks::probed`, run in `dir` (the fixture writes to its working directory on the host too).
fn probed_in(dir: &Path, config: &str) -> Run {
    let file = dir.join("aotcheck.toml");
    std::fs::write(&file, config).expect("config");
    let mut cmd = probe_fixture("image-writes", &["--warmup", "0", "--runs", "1"]);
    cmd.current_dir(dir)
        .arg("--image")
        .arg(dir.join("images"))
        .arg("--config-file")
        .arg(&file);
    run(&mut cmd)
}

#[test]
fn privileged_qa_l_a_binary_writing_to_its_root_owned_workdir_fails_inside_as_under_a_runtime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed_in(dir.path(), "");
    assert_eq!(r.code, 1, "AOT011 is an error:\n{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    // The layer gives /app to root (0755) and the image's user is 65532.
    let layer = layer_of(i);
    let listing = tool(
        "tar",
        &["-tvzf", layer.to_str().expect("utf-8"), "--numeric-owner"],
    );
    let app = listing
        .lines()
        .find(|l| l.ends_with(" app/"))
        .unwrap_or_else(|| panic!("no app/ in\n{listing}"));
    assert!(app.starts_with("drwxr-xr-x 0/0 "), "{app}");
    assert_eq!(str_of(i, "user"), "65532:65532");
    // As a runtime runs it: denied.
    assert_eq!(as_a_runtime(&layer, "/app", "/app/image-writes"), Some(3));

    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    assert_eq!(inside["started_on_host"], true);
    assert_eq!(strings(&inside["denied"]), vec!["/app/out"], "{inside}");
    let reason = str_of(inside, "reason");
    assert!(
        reason.contains("(uid 65532) was denied `/app/out`")
            && reason.contains("`/home/nonroot`")
            && reason.contains("image.workdir"),
        "{reason}"
    );
    let f = aot011(&v);
    assert!(
        strings(&f["evidence"])
            .iter()
            .any(|e| e.contains("was denied `/app/out`")),
        "{f}"
    );
    // The advice is the denial's, not the rule's "add the files" (QA n).
    let advice = str_of(&f, "advice");
    assert!(
        advice.contains("image.workdir") && !advice.contains("Add the files"),
        "{advice}"
    );
    // By hand, as root: the same failure, not a start.
    let cmd = str_of(inside, "reproduce");
    assert!(cmd.contains("tar --no-same-owner -p -xzf"), "{cmd}");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(3), "{cmd}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Permission denied"), "{err}");

    // With the user's home as its working directory, it starts: there, inside, and by hand.
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed_in(dir.path(), "[image]\nworkdir = \"/home/nonroot\"\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let layer = layer_of(i);
    assert_eq!(
        as_a_runtime(&layer, "/home/nonroot", "/app/image-writes"),
        Some(0)
    );
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "started", "{inside}");
    assert!(inside.get("denied").is_none(), "{inside}");
    let cmd = str_of(inside, "reproduce");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(0), "{cmd}");
}

/// QA o: a binary that reads `/dev/urandom` (pueued seeds its random generator there) did not
/// start in its image, whose root filesystem had no `/dev`, though it starts under a
/// container runtime, which makes one: an error finding on a good image. As root, the start
/// inside makes the runtime's device nodes, and so does its `reproduce` command; the layer
/// itself holds none.
#[test]
fn privileged_qa_o_a_binary_reading_dev_urandom_starts_in_its_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(&file, "").expect("config");
    let mut cmd = probe_fixture("image-dev", &["--warmup", "0", "--runs", "1"]);
    cmd.arg("--image")
        .arg(dir.path().join("images"))
        .arg("--config-file")
        .arg(&file);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "started", "{inside}");
    let layer = layer_of(i);
    let listing = tool("tar", &["-tzf", layer.to_str().expect("utf-8")]);
    assert!(!listing.lines().any(|l| l.starts_with("dev/")), "{listing}");
    // It read `/sys` on this machine, and the start inside had none: said (QA bt F6).
    let warnings = i["warnings"].to_string();
    assert!(
        warnings.contains("started inside the image with no `/sys`")
            && warnings.contains("the program read /sys/devices/system/cpu/online"),
        "{warnings}"
    );
    // By hand: the same nodes made, the same start.
    let cmd = str_of(inside, "reproduce");
    assert!(
        cmd.contains("mknod -m 666 \"$d\"/dev/urandom c 1 9"),
        "{cmd}"
    );
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(0), "{cmd}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ready\n");
}

/// QA cw F1: hexyl given `/etc/hostname` did not start inside its image, which the report said
/// a container runtime provides, and the gate failed a working image. The start inside writes
/// the runtime's files the layer lacks (`hostname`, `hosts`, `resolv.conf` in `/etc`), as a
/// runtime does; the layer carries none of them (`tar -t`), and the `reproduce` command, run by
/// hand, starts the binary and prints the runtime's hostname.
#[test]
fn privileged_a_file_the_runtime_writes_is_there_when_the_image_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed(
        "image-argfile",
        dir.path(),
        "",
        &["--probe-arg", "/etc/hostname"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "started", "{inside}");
    let listing = tool("tar", &["-tzf", layer_of(i).to_str().expect("utf-8")]);
    assert!(
        !listing
            .lines()
            .any(|l| l.starts_with("etc/host") || l == "etc/resolv.conf"),
        "{listing}"
    );
    let by_hand = Command::new("sh")
        .args(["-c", str_of(inside, "reproduce")])
        .output()
        .expect("sh");
    assert!(by_hand.status.success(), "{by_hand:?}");
    assert_eq!(String::from_utf8_lossy(&by_hand.stdout), "aotcheck\n");
    // QA cw F4: an argument that is nowhere fails on this machine too (no run got ready:
    // exit 2); the image is not said to be the cause.
    let r = probed(
        "image-argfile",
        dir.path(),
        "",
        &["--probe-arg", "/nonexistent"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = report(&r);
    let reason = str_of(&image(&v)["in_image"], "reason");
    assert!(
        reason.contains("it did not get ready on this machine either"),
        "{reason}"
    );
    assert!(
        !reason.contains("with the image's own environment"),
        "{reason}"
    );
}

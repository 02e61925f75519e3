//! Unit tests of the start inside an image.

use super::*;
use crate::image::tarball::{Data, Entry, append, complete};

#[test]
fn qa_b3_unshare_blames_the_image_only_for_its_workdir_and_its_binary() {
    // The lines util-linux 2.38's unshare writes (`unshare --root=R --wd=W BIN`).
    for (stderr, blame) in [
        (
            "unshare: cannot chdir to '/app': Not a directory",
            Blame::Image,
        ),
        (
            "unshare: failed to execute /x: No such file or directory",
            Blame::Image,
        ),
        (
            "unshare: failed to execute /app: Permission denied",
            Blame::Image,
        ),
        (
            "unshare: cannot change root directory to '/tmp/r': No such file or directory",
            Blame::Setup,
        ),
        (
            "unshare: unshare failed: Operation not permitted",
            Blame::Setup,
        ),
        (
            "unshare: write failed /proc/self/uid_map: Operation not permitted",
            Blame::Setup,
        ),
    ] {
        let tail = format!("earlier line\n{stderr}\n");
        assert_eq!(unshare_says(&tail), Some((blame, stderr)), "{stderr}");
    }
    // The binary's own words are its failure, not unshare's.
    assert_eq!(unshare_says("cannot read /x: No such file\n"), None);
}

/// A layer of `entries` written as the image stage writes one.
fn layer(dir: &Path, entries: Vec<Entry>) -> PathBuf {
    let path = dir.join("layer.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).expect("create"),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    for e in complete(entries) {
        append(&mut b, &e, 0).expect("append");
    }
    b.into_inner().and_then(|gz| gz.finish()).expect("finish");
    path
}

fn file(path: &str, from: &str) -> Entry {
    Entry {
        path: path.into(),
        data: Data::File(from.into()),
        mode: 0o755,
        uid: 0,
        gid: 0,
    }
}

/// The start inside an image whose binary is `binary` and whose working directory is
/// `workdir`, and what its `reproduce` command writes on stderr when run by hand.
fn start(entries: Vec<Entry>, binary: &str, workdir: &str) -> (InImage, String) {
    let unshare = namespaces().expect("user namespaces (tests run as root)");
    let dir = tempfile::tempdir().expect("tempdir");
    let blob = layer(dir.path(), entries);
    let user = ImageUser::numeric(65532, 65532);
    let inside = Inside {
        unshare: &unshare,
        gate: None,
        layer_blob: &blob,
        binary,
        user: &user,
        workdir,
        args: &[],
        own_args: false,
        env: &[("PATH".into(), "/bin".into())],
    };
    let probe = ProbeSettings {
        runs: 2,
        warmup: 0,
        ..ProbeSettings::default()
    };
    let opened = HashSet::new();
    let host = Host {
        started: Some(true),
        opened: &opened,
        env_not_in_image: &HostOnly::default(),
    };
    let r = run(&inside, &probe, dir.path(), &host);
    let cmd = r.reproduce.clone().expect("a reproduce command");
    let out = Command::new("sh").args(["-c", &cmd]).output().expect("sh");
    (r, String::from_utf8_lossy(&out.stderr).trim().to_string())
}

#[test]
fn privileged_qa_b3_an_image_that_cannot_start_its_binary_fails_and_is_not_skipped() {
    // WORKDIR is the binary (a file): what `path = "/app"` made before it was refused.
    let (r, by_hand) = start(vec![file("/app", "/bin/true")], "/app", "/app");
    assert_eq!(r.outcome, InImageOutcome::Failed, "{r:?}");
    assert_eq!(by_hand, "unshare: cannot chdir to '/app': Not a directory");
    let reason = r.reason.as_deref().unwrap_or("");
    assert!(reason.ends_with(&by_hand), "{reason}");
    // One run was enough to know.
    assert_eq!((r.runs, r.failures), (0, 1));
    // Its entrypoint is not there.
    let (r, by_hand) = start(vec![file("/app/x", "/bin/true")], "/app/y", "/app");
    assert_eq!(r.outcome, InImageOutcome::Failed, "{r:?}");
    assert!(
        by_hand.starts_with("unshare: failed to execute /app/y"),
        "{by_hand}"
    );
    assert!(
        r.reason.as_deref().unwrap_or("").ends_with(&by_hand),
        "{r:?}"
    );
}

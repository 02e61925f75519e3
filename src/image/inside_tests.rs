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
        // The bind of `/proc` in the outer namespace.
        (
            "mount: /tmp/r/proc: mount point does not exist.",
            Blame::Setup,
        ),
    ] {
        let tail = format!("earlier line\n{stderr}\n");
        assert_eq!(unshare_says(&tail), Some((blame, stderr)), "{stderr}");
    }
    // The binary's own words are its failure, not unshare's.
    assert_eq!(unshare_says("cannot read /x: No such file\n"), None);
}

/// Run `inner` (an ignored test of this module) in a test process of its own, and check that
/// it ran and passed. The probe it runs is a child subreaper that reaps and stops every child
/// of its process, taking them for the run's: beside the other unit tests, it took theirs
/// (`cc` of the exec gate's test got `No child processes`).
fn alone(inner: &str) {
    let me = std::env::current_exe().expect("the test binary");
    let name = format!("image::inside::tests::{inner}");
    let out = Command::new(me)
        .args(["--exact", &name, "--ignored", "--test-threads=1"])
        .output()
        .expect("the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let ns = namespaces().expect("user namespaces (tests run as root)");
    let dir = tempfile::tempdir().expect("tempdir");
    let blob = layer(dir.path(), entries);
    let user = ImageUser::numeric(65532, 65532);
    let inside = Inside {
        ns: &ns,
        gate: None,
        layer_blob: &blob,
        binary,
        user: &user,
        workdir,
        args: &[],
        own_args: false,
        own_env: false,
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
        exit_statuses: Vec::new(),
        opened: &opened,
        found: &opened,
        env_not_in_image: &HostOnly::default(),
        files: &[],
    };
    let r = run(&inside, &probe, dir.path(), &host);
    let cmd = r.reproduce.clone().expect("a reproduce command");
    let out = Command::new("sh").args(["-c", &cmd]).output().expect("sh");
    (r, String::from_utf8_lossy(&out.stderr).trim().to_string())
}

#[test]
fn privileged_qa_b3_an_image_that_cannot_start_its_binary_fails_and_is_not_skipped() {
    alone("qa_b3_inside");
}

#[test]
#[ignore = "run in a process of its own by privileged_qa_b3_… (see `alone`)"]
fn qa_b3_inside() {
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

/// A static program that exits 0 when `/proc/self/exe` names it (what
/// `std::env::current_exe` reads), `/proc/self/status` gives it uid and gid 65532 and its
/// environment is the image's, `PATH=/bin` alone (QA s: the shell that binds `/proc` gave it
/// `PWD`), built with the system's `cc` into `dir`.
fn proc_reader(dir: &Path) -> PathBuf {
    let src = dir.join("proc.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    char exe[256] = {0}, line[256];
    int ids = 0;
    if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) { perror("/proc/self/exe"); return 3; }
    if (strcmp(exe, "/app/app") != 0) { fprintf(stderr, "exe is %s\n", exe); return 4; }
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) { perror("/proc/self/status"); return 5; }
    while (fgets(line, sizeof line, f))
        ids += !strncmp(line, "Uid:\t65532\t", 11) + !strncmp(line, "Gid:\t65532\t", 11);
    if (ids != 2) { fprintf(stderr, "uid and gid 65532 lines: %d\n", ids); return 6; }
    extern char **environ;
    for (char **e = environ; *e; e++)
        if (strcmp(*e, "PATH=/bin") != 0) { fprintf(stderr, "not the image's: %s\n", *e); return 7; }
    if (!environ[0]) { fprintf(stderr, "no PATH\n"); return 8; }
    return 0;
}
"#,
    )
    .expect("write");
    let bin = dir.join("proc-reader");
    let out = Command::new("cc")
        .args(["-static", "-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// QA p F3: a binary that reads `/proc/self/exe` at start (fclones, through
/// `std::env::current_exe`) starts inside its image, as under a container runtime: the
/// host's `/proc` is bound in its root, and it shows the binary its own path in the image
/// and the image's user. The same by hand, with the `reproduce` command.
#[test]
fn privileged_qa_p_f3_a_binary_that_reads_proc_self_starts_inside() {
    alone("qa_p_f3_inside");
}

#[test]
#[ignore = "run in a process of its own by privileged_qa_p_f3_… (see `alone`)"]
fn qa_p_f3_inside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = proc_reader(dir.path());
    let (r, by_hand) = start(
        vec![file("/app/app", &bin.display().to_string())],
        "/app/app",
        "/app",
    );
    assert_eq!(r.outcome, InImageOutcome::Started, "{r:?}");
    assert_eq!((r.runs, r.failures), (2, 0), "{r:?}");
    assert_eq!(by_hand, "", "{:?}", r.reproduce);
}

/// QA cw F2: the runtime's `/etc/hostname`, which the host run opened (hexyl's argument), was
/// dropped for the dynamic loader's search paths, none of them on the host. What the host
/// found comes first, the runtime's too; only when none was found are the tries listed.
#[test]
fn what_the_host_found_is_what_the_image_lacks_the_runtime_s_too() {
    let paths = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<String>>();
    let tries = paths(&[
        "/etc/ld.so.preload",
        "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v4/libgcc_s.so.1",
    ]);
    let found: HashSet<String> = paths(&["/etc/hostname"]).into_iter().collect();
    let got = lacked(
        tries.clone(),
        paths(&["/etc/hostname"]),
        &found_on_host(&found),
        ("/app", Path::new("/nowhere")),
    );
    let named: Vec<&str> = got.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(named, ["/etc/hostname"]);
    assert!(got[0].opened_on_host);
    // QA u, F1 still: the binary's own path the host found comes alone, without the runtime's
    // nor the loader's cache, which the host opened too.
    let all: HashSet<String> = paths(&["/srv/data", "/etc/hostname", "/etc/ld.so.cache"])
        .into_iter()
        .collect();
    let got = lacked(
        paths(&["/srv/data"]),
        paths(&["/etc/hostname", "/etc/ld.so.cache"]),
        &found_on_host(&all),
        ("/app", Path::new("/nowhere")),
    );
    let named: Vec<&str> = got.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(named, ["/srv/data"]);
    // Nothing the host found: the binary's own tries, not the runtime's.
    let got = lacked(
        tries.clone(),
        paths(&["/proc/self/exe"]),
        &found_on_host(&HashSet::new()),
        ("/app", Path::new("/nowhere")),
    );
    let named: Vec<String> = got.into_iter().map(|m| m.path).collect();
    assert_eq!(named, tries);
    // QA dd F2: a path under the image's working directory that the host run found under its
    // own (`./public`) is the binary's own path the host found, before the runtime's.
    let host: HashSet<String> = paths(&["/srv/pkg/public", "/sys/fs/cgroup/cpu"])
        .into_iter()
        .collect();
    let got = lacked(
        paths(&["/app/public"]),
        paths(&["/sys/fs/cgroup/cpu"]),
        &found_on_host(&host),
        ("/app", Path::new("/srv/pkg")),
    );
    let named: Vec<&str> = got.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(named, ["/app/public"]);
    assert!(got[0].opened_on_host);
}

/// A host run that got ready and opened (so found) `paths`.
fn found_on_host(paths: &HashSet<String>) -> Host<'_> {
    Host {
        started: Some(true),
        exit_statuses: Vec::new(),
        opened: paths,
        found: paths,
        env_not_in_image: &NO_HOST_ONLY,
        files: &[],
    }
}

static NO_HOST_ONLY: HostOnly = HostOnly {
    env: Vec::new(),
    differ: Vec::new(),
    port: false,
};

/// QA dd F1: an image on a port below the machine's first unprivileged one cannot start here
/// (the run inside shares the host's network from a user namespace, where not even its root
/// may bind it), where Docker would start it; a port at or above it can.
#[test]
fn a_privileged_port_is_not_started_here() {
    let nonroot = ImageUser::numeric(65532, 65532);
    let why = super::port::privileged(80, 1024, &nonroot).expect("privileged");
    assert!(
        why.contains("listens on port 80, which is privileged on this machine (ports below 1024)"),
        "{why}"
    );
    assert!(
        why.contains("Docker lets a container bind any port"),
        "{why}"
    );
    assert_eq!(super::port::privileged(1024, 1024, &nonroot), None);
    assert_eq!(super::port::privileged(80, 0, &nonroot), None);
    // Root too: the run inside is root of a user namespace on this machine's network
    // (`unshare --user --map-root-user` cannot bind port 81 here either).
    let root = super::port::privileged(80, 1024, &ImageUser::numeric(0, 0)).expect("root too");
    assert!(root.contains("where not even root may bind it"), "{root}");
    assert!(
        root.contains("Docker and podman let a container's root bind it"),
        "{root}"
    );
}

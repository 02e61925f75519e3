//! `--image`, QA pass g (B1): when a binary does not start in its image, AOT011 names what it
//! looked for there (a lookup by `stat`/`readlink`/`access`, not only an open), a host path
//! given as its argument, and not the `PORT` the probe hands out when its port came in its
//! arguments. What the binary looked for is checked against strace of the `reproduce` command.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::image_checks::{free_port, image, probed, report, strings};
use crate::util::*;

/// The paths the image's binary looked for and did not find (ENOENT) when the `reproduce`
/// command runs under strace: the lines of the process after it became `binary`.
fn strace_not_found(cmd: &str, binary: &str, dir: &Path) -> BTreeSet<String> {
    let log = dir.join("strace.log");
    let calls = "execve,open,openat,stat,lstat,access,readlink,newfstatat,readlinkat,\
                 faccessat,faccessat2,statx";
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&log)
        .args(["-e", &format!("trace={calls}"), "sh", "-c", cmd])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("strace");
    assert_eq!(status.code(), Some(1), "by hand it fails too: {cmd}");
    let text = std::fs::read_to_string(&log).expect("strace log");
    let exec = format!("execve(\"{binary}\"");
    let pid = text
        .lines()
        .find(|l| l.contains(&exec) && l.ends_with("= 0"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no exec of {binary} in\n{text}"))
        .to_string();
    text.lines()
        .filter(|l| l.split_whitespace().next() == Some(pid.as_str()))
        .skip_while(|l| !l.contains(&exec))
        .filter(|l| l.contains("= -1 ENOENT"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_string))
        .collect()
}

pub(crate) fn aot011(v: &Value) -> Value {
    finding(artifact(v, "static"), "AOT011").clone()
}

fn missing(inside: &Value) -> Vec<String> {
    inside["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|m| str_of(m, "path").to_string())
        .collect()
}

/// `path` is `of` or a directory above it.
fn at_or_above(path: &str, of: &str) -> bool {
    of == path || of.starts_with(&format!("{}/", path.trim_end_matches('/')))
}

#[test]
fn privileged_qa_g_b1_a_directory_only_looked_up_is_what_the_image_lacks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("servedir");
    std::fs::create_dir(&served).expect("mkdir");
    let served = served.to_str().expect("utf-8");
    // Exit mode: the binary checks the directory with `Path::exists` (statx), never opens it.
    // With `--compare`, the regular (dynamic) build gets its image too.
    let args = ["--probe-arg", served, "--compare"];
    let r = probed("image-hostdir", dir.path(), "", &args);
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    // QA u, F1: the dynamic image named only `/etc/ld.so.cache`, which its loader does
    // without, as opened on the host: the directory, only looked up, was left out, and the
    // advice said to add files. It names the directory and gives the argument's advice, as
    // the static image does.
    let dynamic = artifact(&v, "dynamic");
    assert_eq!(
        dynamic["image"]["in_image"]["outcome"], "failed",
        "{dynamic}"
    );
    assert_eq!(
        missing(&dynamic["image"]["in_image"]),
        [served],
        "{dynamic}"
    );
    let f = dynamic["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT011")
        .unwrap_or_else(|| panic!("no AOT011 in {dynamic}"));
    assert!(
        str_of(f, "advice").starts_with("Give the entrypoint a path inside the image"),
        "{f}"
    );
    let inside = &image(&v)["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    let lacks = missing(inside);
    assert_eq!(lacks, [served], "{inside}");
    // strace of the command shown: the binary's statx of that path fails with ENOENT.
    let by_hand = strace_not_found(
        str_of(inside, "reproduce"),
        "/app/image-hostdir",
        dir.path(),
    );
    assert!(by_hand.contains(served), "{by_hand:?}");
    let reason = str_of(inside, "reason");
    assert!(
        reason.contains(&format!(
            "the argument `{served}` is a path on the host that the image does not have"
        )) && reason.contains("image.files"),
        "{reason}"
    );
    let evidence = strings(&aot011(&v)["evidence"]).join("\n");
    assert!(
        evidence.contains(&format!("the image lacks {served}")),
        "{evidence}"
    );
    assert!(!evidence.contains("/proc/"), "{evidence}");
    // An argument, not data the binary reads: no `include_bytes!` (QA s, F5).
    let advice = str_of(&aot011(&v), "advice").to_string();
    assert!(
        advice.starts_with("Give the entrypoint a path inside the image (`image.args`)"),
        "{advice}"
    );
}

/// QA dd F6: the folder given as the argument was in the image, at `/site`, put there by
/// `image.files`, and the advice was to add it with `image.files`. It says where it is.
#[test]
fn privileged_a_host_folder_that_image_files_copied_is_said_to_be_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("servedir");
    std::fs::create_dir(&served).expect("mkdir");
    std::fs::write(served.join("index.html"), "hi\n").expect("write");
    let served = served.to_str().expect("utf-8");
    let table = format!("[image]\nfiles = {{ \"/site\" = \"{served}\" }}\n");
    let r = probed(
        "image-hostdir",
        dir.path(),
        &table,
        &["--probe-arg", served],
    );
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    // The image holds the folder's file at /site (its layer, as the report lists it).
    let copied = i["files"]
        .as_array()
        .expect("files")
        .iter()
        .any(|f| f["path"] == "/site/index.html" && f["why"] == "extra");
    assert!(copied, "{}", i["files"]);
    let reason = str_of(&i["in_image"], "reason");
    assert!(
        reason.contains(&format!(
            "the argument `{served}` is a path on the host that the image does not have; \
             `image.files` put it at `/site` there: give the binary that path in `image.args`"
        )),
        "{reason}"
    );
    assert!(!reason.contains("add the files it needs"), "{reason}");
}

#[test]
fn privileged_qa_g_b1_a_server_given_a_host_directory_is_not_blamed_on_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("servedir");
    std::fs::create_dir(&served).expect("mkdir");
    let served = served.to_str().expect("utf-8");
    let port = free_port();
    let table = format!("[image]\nport = {port}\n");
    let args = [
        "--ready",
        "tcp",
        "--probe-arg",
        served,
        "--probe-arg",
        "{port}",
    ];
    let r = probed("image-hostdir", dir.path(), &table, &args);
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    let inside = &image(&v)["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    let reason = str_of(inside, "reason");
    assert!(
        reason.contains(&format!("the argument `{served}` is a path on the host")),
        "{reason}"
    );
    // Its port came as its argument: the probe's `PORT` is no cause.
    assert!(!reason.contains("PORT"), "{reason}");
    // `canonicalize` reads each component's link: what it missed is the directory or above it,
    // as strace of the command shown says.
    let lacks = missing(inside);
    assert!(!lacks.is_empty(), "{inside}");
    let by_hand = strace_not_found(
        str_of(inside, "reproduce"),
        "/app/image-hostdir",
        dir.path(),
    );
    for m in &lacks {
        assert!(at_or_above(m, served), "{m} is not {served} nor above it");
        assert!(by_hand.contains(m), "{m} not in {by_hand:?}");
    }
    // The line before the last one of stderr says what failed.
    let f = aot011(&v);
    let evidence = strings(&f["evidence"]).join("\n");
    assert!(
        evidence.contains("its stderr says: [ERROR] Failed to resolve path to be served")
            && evidence.contains("caused by: No such file or directory"),
        "{evidence}"
    );
    assert!(!evidence.contains("PORT"), "{evidence}");
    // The human report shows both lines too.
    let mut cmd = human_fixture("image-hostdir", &["--warmup", "0", "--runs", "1"]);
    cmd.args(args)
        .arg("--image")
        .arg(dir.path().join("images"))
        .arg("--config-file")
        .arg(dir.path().join("aotcheck.toml"));
    let h = run(&mut cmd);
    assert_eq!(h.code, 1, "{}", h.stderr);
    assert!(
        h.stdout
            .contains("| [ERROR] Failed to resolve path to be served\n    | caused by: "),
        "{}",
        h.stdout
    );

    // Given a directory of the image, it starts there.
    let args = [
        "--ready",
        "tcp",
        "--probe-arg",
        ".",
        "--probe-arg",
        "{port}",
    ];
    let r = probed("image-hostdir", dir.path(), &table, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    assert_eq!(image(&v)["in_image"]["outcome"], "started", "{v}");
}

/// QA h, B5: a file opened relative to the working directory was named by its path in the
/// scratch copy of the root filesystem (`.../rootfs-XXXX/app/./app.conf`), gone after the run;
/// the image names it `/app/app.conf` (its working directory is `/app`). QA dd F2: it is named
/// before the runtime's `/sys/kernel`, which the binary looked at too and the host has: the
/// host run found `app.conf` in its own working directory.
#[test]
fn privileged_qa_h_b5_a_relative_path_is_named_as_the_image_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = fixture("image-relfile");
    let mut cmd = probe_fixture("image-relfile", &["--warmup", "0", "--runs", "1"]);
    // Started from its folder, where `app.conf` is: it gets ready on the host.
    cmd.current_dir(&project)
        .arg("--image")
        .arg(dir.path().join("images"));
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    let inside = &image(&v)["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    assert_eq!(missing(inside), ["/app/app.conf"], "{inside}");
    // strace of the command shown: the binary's open of `./app.conf` fails with ENOENT.
    let by_hand = strace_not_found(
        str_of(inside, "reproduce"),
        "/app/image-relfile",
        dir.path(),
    );
    assert!(by_hand.iter().any(|p| p == "./app.conf"), "{by_hand:?}");
    let evidence = strings(&aot011(&v)["evidence"]).join("\n");
    assert!(
        evidence.contains("the image lacks /app/app.conf"),
        "{evidence}"
    );
    assert!(!evidence.contains("rootfs-"), "{evidence}");
    // QA h: its failed run said `--probe-arg/--probe-env set its arguments`; in the image, the
    // probe's arguments (no `image.args`) and `image.env` do.
    let run = &inside["failed_runs"][0];
    assert_eq!(run["exit_code"], 1, "{inside}");
    // QA am F7: and no `image.env` is set either: the environment is PATH alone.
    let note = "exited with status 1 (a failing run is not timed; in the image, its arguments \
                are the probe's, as image.args sets none, and its environment is PATH alone, \
                as image.env is not set)";
    assert_eq!(str_of(run, "message"), note, "{inside}");
    assert!(evidence.contains(note), "{evidence}");
    assert!(!evidence.contains("--probe-arg"), "{evidence}");
}

/// QA bn F3: a directory the binary opened to list it (miniserve's root) was in no list of
/// what the image lacks: directories were passed over. It is `not in the image`, as a file
/// would be; strace of the same command on the host shows the open (`O_DIRECTORY`).
#[test]
fn privileged_a_directory_opened_to_list_it_is_said_to_be_left_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("servedir");
    std::fs::create_dir(&served).expect("mkdir");
    std::fs::write(served.join("index.html"), "hi").expect("write");
    let served = served.to_str().expect("utf-8");
    let r = probed(
        "image-hostdir",
        dir.path(),
        "",
        &["--probe-arg", served, "--probe-arg", "list"],
    );
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let left: Vec<(&str, &str)> = i["not_in_image"]
        .as_array()
        .expect("not_in_image")
        .iter()
        .map(|l| (str_of(l, "path"), str_of(l, "why")))
        .collect();
    assert!(left.contains(&(served, "not-copied")), "{left:?}");
    // Nothing of the image is said to be left out: `/`, `/etc`, `/app` hold its files.
    for (path, _) in &left {
        assert!(!["/", "/etc", "/app"].contains(path), "{left:?}");
    }
    let binary = str_of(artifact(&v, "static"), "path");
    let log = dir.path().join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=openat", "-o"])
        .arg(&log)
        .args([binary, served, "list"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("strace");
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).expect("strace log");
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("\"{served}\"")) && l.contains("O_DIRECTORY")),
        "{text}"
    );
}

/// QA bn F4: `image.files` refused a directory ("is not a file"), and a file server's root had
/// to be listed file by file. A directory is copied as its tree of files: the image lists
/// each at its place, the binary lists the directory inside its image (it starts there), and
/// umoci's unpacked root filesystem holds the same bytes as the host's files.
#[test]
fn privileged_a_directory_in_image_files_is_copied_as_its_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let www = dir.path().join("www");
    std::fs::create_dir_all(www.join("css")).expect("mkdir");
    std::fs::write(www.join("index.html"), "<p>hi</p>").expect("write");
    std::fs::write(www.join("css/site.css"), "p { color: red }").expect("write");
    let table = format!(
        "[image]\nargs = [\"/srv/www\", \"list\"]\nfiles = {{ \"/srv/www\" = \"{}\" }}\n",
        www.display()
    );
    let served = www.to_str().expect("utf-8");
    let r = probed(
        "image-hostdir",
        dir.path(),
        &table,
        &["--probe-arg", served, "--probe-arg", "list"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    assert_eq!(i["in_image"]["outcome"], "started", "{i}");
    let listed: Vec<&str> = i["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| str_of(f, "path"))
        .filter(|p| p.starts_with("/srv/"))
        .collect();
    assert_eq!(
        listed,
        ["/srv/www/css/site.css", "/srv/www/index.html"],
        "{i}"
    );
    let bundle = dir.path().join("bundle");
    let reference = format!(
        "{}:{}",
        str_of(i, "layout"),
        str_of(i, "reference").rsplit(':').next().expect("tag")
    );
    let to = bundle.to_str().expect("utf-8");
    tool(
        "umoci",
        &["unpack", "--rootless", "--image", &reference, to],
    );
    let rootfs = bundle.join("rootfs");
    let unpacked = crate::image::tree(&rootfs.join("srv/www"));
    let expected: BTreeSet<String> = ["css", "css/site.css", "index.html"]
        .map(String::from)
        .into();
    assert_eq!(unpacked, expected);
    for f in ["index.html", "css/site.css"] {
        let ours = std::fs::read(rootfs.join("srv/www").join(f)).expect("unpacked");
        assert_eq!(ours, std::fs::read(www.join(f)).expect("host"), "{f}");
    }
}

/// QA bw F3: under `--ready exit:any` a binary that reads a host file exits 0 on the host and
/// 1 inside its image, both accepted: the start inside is no proof, and fails as the plain
/// readiness would have it fail, the two statuses said, AOT011 naming the file. The host's
/// runs record their status (QA bw F4); the `reproduce` command exits 1 by hand.
#[test]
fn privileged_qa_bw_f3_a_status_the_host_run_never_had_is_no_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed("image-hostfile", dir.path(), "", &["--ready", "exit:any"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = report(&r);
    let probe = &artifact(&v, "static")["probe"];
    let codes: Vec<&Value> = probe["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|s| &s["exit_code"])
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| **c == 0),
        "{probe}"
    );
    let inside = &image(&v)["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    let reason = str_of(inside, "reason");
    assert!(
        reason.starts_with(
            "it ran otherwise inside the image: it exited with status 1 there and with status \
             0 on this machine, both of which `exit:any` accepts"
        ) && !reason.contains("get ready"),
        "{reason}"
    );
    let wanted = fixture("image-hostfile").join("greeting.txt");
    let f = aot011(&v);
    assert!(
        f["evidence"]
            .to_string()
            .contains(wanted.to_str().expect("utf-8")),
        "{f}"
    );
    let cmd = str_of(inside, "reproduce");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(1), "{cmd}");
}

//! `--image` and the home directory (QA br F2, F4): the start inside the image has `HOME` set
//! to the image user's home, as umoci (like Docker and runc) puts it in the runtime's
//! config; a file the host run read under this machine's `$HOME` says where the image's user
//! would have it.

use std::process::Command;

use crate::image_checks::{image, report};
use crate::util::*;

#[test]
fn the_image_runs_with_its_user_s_home_and_says_where_a_home_file_would_be() {
    let dir = tempfile::tempdir().expect("tempdir");
    // This machine's home for the run: a file of it the fixture reads, as its own
    // configuration. cargo and rustup keep theirs.
    let home = dir.path().join("host-home");
    std::fs::create_dir(&home).expect("mkdir");
    std::fs::write(home.join(".home-dir.toml"), "x = 1\n").expect("write");
    let real = std::env::var("HOME").expect("HOME");
    let r = {
        let mut cmd = probe_fixture(
            "home-dir",
            &["--warmup", "0", "--runs", "1", "--bin", "home-dir"],
        );
        cmd.arg("--image")
            .arg(dir.path().join("images"))
            .env("HOME", &home)
            .env(
                "CARGO_HOME",
                std::env::var("CARGO_HOME").unwrap_or(format!("{real}/.cargo")),
            )
            .env(
                "RUSTUP_HOME",
                std::env::var("RUSTUP_HOME").unwrap_or(format!("{real}/.rustup")),
            );
        run(&mut cmd)
    };
    let v = report(&r);
    let i = image(&v);
    let read = home.join(".home-dir.toml").display().to_string();
    let left = i["not_in_image"]
        .as_array()
        .expect("not_in_image")
        .iter()
        .find(|l| l["path"] == read.as_str())
        .unwrap_or_else(|| panic!("{read} not listed: {}", i["not_in_image"]));
    assert_eq!(left["why"], "home", "{left}");
    assert_eq!(left["in_image"], "/home/nonroot/.home-dir.toml", "{left}");
    // The runtime's HOME, as umoci writes it into the bundle's config from the image's
    // /etc/passwd.
    let bundle = dir.path().join("bundle");
    let layout = str_of(i, "layout");
    let tag = str_of(i, "reference").rsplit(':').next().expect("tag");
    tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{layout}:{tag}"),
            bundle.to_str().expect("utf-8"),
        ],
    );
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("config.json")).expect("config"))
            .expect("JSON");
    let runtime_home = config["process"]["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e.as_str()?.strip_prefix("HOME="))
        .next()
        .expect("umoci sets HOME")
        .to_string();
    // The home the report names (QA br F8) is the runtime's, and the layer's: the user's own.
    assert_eq!(i["home"], runtime_home.as_str(), "{i}");
    let started = &i["in_image"];
    assert_eq!(started["outcome"], "started", "{started}");
    let reproduce = str_of(started, "reproduce");
    assert!(
        reproduce.contains(&format!("HOME={runtime_home}")),
        "{reproduce}"
    );
    // Run by hand, the program finds that home from the environment.
    let out = Command::new("sh")
        .args(["-c", reproduce])
        .output()
        .expect("sh");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("Some(\"{runtime_home}\")"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// QA cr F4: the home the probe gives the program (`--probe-env HOME=DIR`, as the README
/// advises) is the run's home: a file read under it is a home file, not "not copied".
#[test]
fn a_file_under_the_probe_s_home_is_a_home_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("probe-home");
    std::fs::create_dir(&home).expect("mkdir");
    std::fs::write(home.join(".home-dir.toml"), "x = 1\n").expect("write");
    // As an absolute path, and relative to the directory the run starts in (QA cs F3).
    for given in [home.display().to_string(), "probe-home".to_string()] {
        let probe_home = format!("HOME={given}");
        let mut cmd = probe_fixture(
            "home-dir",
            &["--warmup", "0", "--runs", "1", "--bin", "home-dir"],
        );
        cmd.args(["--probe-env", &probe_home, "--image"])
            .arg(dir.path().join("images"))
            .current_dir(dir.path());
        let v = report(&run(&mut cmd));
        let read = home.join(".home-dir.toml").display().to_string();
        let left = image(&v)["not_in_image"]
            .as_array()
            .expect("not_in_image")
            .iter()
            .find(|l| l["path"] == read.as_str())
            .unwrap_or_else(|| panic!("{given}: {read} not listed: {v}"))
            .clone();
        assert_eq!(left["why"], "home", "{given}: {left}");
        assert_eq!(left["in_image"], "/home/nonroot/.home-dir.toml", "{left}");
    }
}

/// QA cr F3: starship's `ip netns identify` loaded `libc.so.6` and others, listed as opened by
/// the static binary, and `ip` itself went unnamed. image-child runs `/usr/bin/env true`:
/// strace shows the child load libc; the image names the program, not its libraries.
#[test]
fn a_program_it_runs_is_named_and_what_that_opens_is_not_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = probe_fixture("image-child", &["--warmup", "0", "--runs", "1"]);
    cmd.arg("--image").arg(dir.path().join("images"));
    let v = report(&run(&mut cmd));
    let binary = str_of(artifact(&v, "static"), "path").to_string();
    let traced = Command::new("strace")
        .args(["-f", "-e", "trace=execve,openat", "-o"])
        .arg(dir.path().join("strace.txt"))
        .arg(&binary)
        .output()
        .expect("strace");
    assert!(traced.status.success(), "strace failed");
    let strace = std::fs::read_to_string(dir.path().join("strace.txt")).expect("strace output");
    assert!(strace.contains("execve(\"/usr/bin/env\""), "{strace}");
    assert!(strace.contains("libc.so.6"), "{strace}");
    let left = image(&v)["not_in_image"]
        .as_array()
        .expect("not_in_image")
        .clone();
    let why_of = |path: &str| {
        left.iter()
            .find(|l| l["path"] == path)
            .map(|l| l["why"].clone())
    };
    assert_eq!(why_of("/usr/bin/env"), Some("program".into()), "{left:?}");
    assert!(
        !left.iter().any(|l| str_of(l, "path").contains("libc.so.6")),
        "{left:?}"
    );
}

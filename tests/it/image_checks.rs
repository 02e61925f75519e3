//! `--image`, regressions of the QA pass: the run inside an image has the image's environment
//! and nothing else (what `docker run` gives it), colliding image paths are refused at load,
//! and the values an image is labelled with are ones skopeo can read. Figures are checked
//! against the image's own config (skopeo), its layer (tar) and a run of the `reproduce`
//! command by hand.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// `cargo aotcheck --image DIR --config-file CONFIG` on `fixture`, probed once.
pub(crate) fn probed(fixture: &str, dir: &Path, config: &str, args: &[&str]) -> Run {
    let file = dir.join("aotcheck.toml");
    std::fs::write(&file, config).expect("config");
    let mut cmd = probe_fixture(fixture, &["--warmup", "0", "--runs", "1"]);
    cmd.arg("--image")
        .arg(dir.join("images"))
        .arg("--config-file")
        .arg(&file)
        .args(args);
    run(&mut cmd)
}

pub(crate) fn image(v: &Value) -> &Value {
    let i = &artifact(v, "static")["image"];
    assert!(i.is_object(), "no image in {v}");
    i
}

/// The report of a run whose image did not start (exit 1), and the reason it gives.
fn failed_inside(r: &Run) -> (Value, String) {
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = report(r);
    let inside = &image(&v)["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    let reason = str_of(inside, "reason").to_string();
    (v, reason)
}

pub(crate) fn report(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr))
}

/// The image's config as skopeo reads it from the layout.
pub(crate) fn config_of(i: &Value) -> Value {
    let oci = format!("oci:{}", str_of(i, "layout"));
    let text = tool("skopeo", &["inspect", "--config", &oci]);
    let v: Value = serde_json::from_str(&text).expect("skopeo prints JSON");
    v["config"].clone()
}

pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn privileged_qa_b1_a_variable_only_the_probe_had_does_not_start_the_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed("image-env", dir.path(), "", &["--probe-env", "GREETING=hi"]);
    assert_eq!(r.code, 1, "the image cannot start:\n{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    // The image's own config has no GREETING: `docker run` would fail.
    let env = strings(&config_of(i)["Env"]);
    assert!(env.iter().all(|e| !e.starts_with("GREETING=")), "{env:?}");
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "failed", "{inside}");
    assert_eq!(inside["started_on_host"], true);
    let reason = str_of(inside, "reason");
    assert!(
        reason.contains("`GREETING`") && reason.contains("image.env") && !reason.contains("PORT"),
        "{reason}"
    );
    let f = crate::image_causes::aot011(&v);
    assert!(f["evidence"].to_string().contains("`GREETING`"), "{f}");
    // What a container runtime mounts (`/proc/...`) is not said to be lacking from the image.
    for e in strings(&f["evidence"]) {
        assert!(!e.starts_with("the image lacks /proc"), "{e}");
    }
    // The command shown is the run: by hand it fails the same way.
    let cmd = str_of(inside, "reproduce");
    assert!(!cmd.contains("GREETING") && !cmd.contains("PORT"), "{cmd}");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(1), "{cmd}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("GREETING is not set"));

    // With the variable in the image, it starts there, and by hand too.
    let r = probed(
        "image-env",
        dir.path(),
        "[image]\nenv = { GREETING = \"hi\" }\n",
        &["--probe-env", "GREETING=hi"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    assert!(strings(&config_of(i)["Env"]).contains(&"GREETING=hi".to_string()));
    assert_eq!(i["in_image"]["outcome"], "started", "{}", i["in_image"]);
    let cmd = str_of(&i["in_image"], "reproduce");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(0), "{cmd}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
}

/// QA ci F5: tealdeer probed with `--probe-env HOME=...` found its page cache there and not in
/// its image, whose `HOME` is its user's; the reason was "it did not get ready with the
/// image's own environment and files". Here the fixture reads `$HOME/.greeting`: the reason
/// names `HOME` with the host run's value and the image's.
#[test]
fn privileged_a_variable_the_image_sets_otherwise_is_named_with_both_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::write(home.join(".greeting"), "hi\n").expect("write");
    let home_var = format!("HOME={}", home.display());
    let r = probed(
        "image-env",
        dir.path(),
        "[image]\nenv = { GREETING = \"from-home\" }\n",
        &[
            "--probe-env",
            "GREETING=from-home",
            "--probe-env",
            &home_var,
        ],
    );
    let (v, reason) = failed_inside(&r);
    let inside = &image(&v)["in_image"];
    assert!(
        reason.starts_with(&format!(
            "the run on the host had `{home_var}`, which the image sets otherwise \
             (`HOME=/home/nonroot`)"
        )),
        "{reason}"
    );
    // By hand, the run fails as said: no `.greeting` in the image's home.
    let cmd = str_of(inside, "reproduce");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(1), "{cmd}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cannot read /home/nonroot/.greeting"),
        "{said}"
    );
}

/// QA ck F1: `image.args = []`, as the warning on a `--version` entrypoint advises, shipped the
/// program bare and ran it bare inside, where tealdeer printed its usage and failed. The
/// entrypoint is the program alone (skopeo), and the start inside gives it the probe's
/// arguments, as `docker run IMAGE ARGS` would: it starts, and by hand too.
#[test]
fn privileged_a_bare_entrypoint_starts_inside_with_the_probes_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = probed(
        "image-env",
        dir.path(),
        "[image]\nargs = []\nenv = { GREETING = \"hi\" }\n",
        &["--probe-arg", "hello", "--probe-env", "GREETING=hi"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    assert_eq!(
        config_of(i)["Entrypoint"],
        serde_json::json!(["/app/image-env"])
    );
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "started", "{inside}");
    let cmd = str_of(inside, "reproduce");
    assert!(cmd.ends_with("/app/image-env hello"), "{cmd}");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(0), "{cmd}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
}

#[test]
fn privileged_qa_b1_a_server_runs_inside_as_its_config_says_port_and_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let args = [
        "--ready",
        "tcp",
        "--probe-arg",
        "serve",
        "--probe-env",
        "GREETING=hi",
    ];
    // The host run had PORT from the probe; the image has none.
    let table = format!("[image]\nport = {port}\nenv = {{ GREETING = \"hi\" }}\n");
    let r = probed("image-env", dir.path(), &table, &args);
    let (_, reason) = failed_inside(&r);
    // The probe set `PORT`, so whether the binary reads it is not known: a possibility only.
    assert!(
        reason.contains("if the binary reads its port from `PORT`") && !reason.contains("GREETING"),
        "{reason}"
    );

    let table =
        format!("[image]\nport = {port}\nenv = {{ GREETING = \"hi\", PORT = \"{{port}}\" }}\n");
    let r = probed("image-env", dir.path(), &table, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let config = config_of(i);
    let env = strings(&config["Env"]);
    assert_eq!(&env[1..], ["GREETING=hi", format!("PORT={port}").as_str()]);
    assert!(
        config["ExposedPorts"][format!("{port}/tcp")].is_object(),
        "{config}"
    );
    let inside = &i["in_image"];
    assert_eq!(inside["outcome"], "started", "{inside}");
    assert_eq!(inside["ready"], format!("tcp:{port}"));
    // The command shown: the config's Env after `env -i`, word for word, and its entrypoint.
    let cmd = str_of(inside, "reproduce");
    let words: Vec<&str> = cmd.split(' ').collect();
    let at = words.iter().position(|w| *w == "-i").expect("env -i") + 1;
    assert_eq!(words[at..at + env.len()], env, "{cmd}");
    let entrypoint = strings(&config["Entrypoint"]).join(" ");
    assert!(cmd.ends_with(&entrypoint), "{cmd}");
    // No word is the default port (a blob's digest may hold the digits: `080808b4...`).
    assert!(
        !words
            .iter()
            .any(|w| *w == "8080" || w.ends_with("=8080") || w.ends_with(":8080")),
        "{cmd}"
    );
    // Run by hand, it answers on the image's port (timeout stops its process group).
    let mut child = Command::new("timeout")
        .args(["5", "sh", "-c", cmd])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("timeout");
    let mut answer = String::new();
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            s.read_to_string(&mut answer).expect("read");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    let _ = child.wait();
    assert_eq!(answer, "hi\n");
}

#[test]
fn qa_b2_colliding_image_paths_are_one_config_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("x.txt");
    std::fs::write(&file, "x").expect("write");
    let x = file.to_str().expect("utf-8");
    let cases = [
        ("path = \"/etc/passwd\"", ["`image.path`", "/etc/passwd"]),
        ("path = \"/etc/passwd/x\"", ["`image.path`", "/etc/passwd"]),
        (
            "files = { \"/app/hello-server\" = \"X\" }",
            ["`image.files.\"/app/hello-server\"`", "`image.path`"],
        ),
        (
            "files = { \"/app/hello-server/x\" = \"X\" }",
            ["`image.files.\"/app/hello-server/x\"`", "`image.path`"],
        ),
        // QA B3's images: WORKDIR a file.
        ("path = \"/app\"", ["`image.path`", "`image.workdir`"]),
        (
            "workdir = \"/etc/passwd\"",
            ["`image.workdir`", "/etc/passwd"],
        ),
    ];
    for (table, needles) in cases {
        let config = dir.path().join("bad.toml");
        std::fs::write(&config, format!("[image]\n{}\n", table.replace('X', x))).expect("w");
        let out = dir.path().join("out");
        let mut cmd = check_fixture("hello-server", &["--image"]);
        cmd.arg(&out).arg("--config-file").arg(&config);
        let r = run(&mut cmd);
        assert_eq!(r.code, 2, "{table}: {}", r.stderr);
        let lines = r.error_lines();
        assert_eq!(lines.len(), 1, "{table}: {}", r.stderr);
        for n in needles.iter().chain(&[config.to_str().expect("utf-8")]) {
            assert!(lines[0].contains(n), "{table}: no {n} in {}", lines[0]);
        }
        assert!(!out.exists(), "{table}: something was written");
    }
}

#[test]
fn qa_image_env_path_replaces_the_default_and_an_own_ca_bundle_goes_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ca.pem");
    std::fs::write(&file, "mine").expect("write");
    let config = dir.path().join("image.toml");
    let table = format!(
        "[image]\nenv = {{ PATH = \"/app\" }}\nfiles = {{ \"/etc/ssl/cert.pem\" = {:?} }}\n",
        file.to_str().expect("utf-8")
    );
    std::fs::write(&config, table).expect("config");
    let mut cmd = check_fixture("hello-server", &["--image"]);
    cmd.arg(dir.path().join("out"))
        .arg("--config-file")
        .arg(&config);
    let v = json(&mut cmd);
    let i = image(&v);
    let paths: Vec<String> = strings(&config_of(i)["Env"])
        .into_iter()
        .filter(|e| e.starts_with("PATH="))
        .collect();
    assert_eq!(paths, ["PATH=/app"]);
    // The layer holds the file of one's own, as tar lists it.
    let blob = str_of(i, "layer_digest").trim_start_matches("sha256:");
    let layer = Path::new(str_of(i, "layout"))
        .join("blobs/sha256")
        .join(blob);
    let listing = tool("tar", &["tzvf", layer.to_str().expect("utf-8")]);
    let line = listing
        .lines()
        .find(|l| l.ends_with(" etc/ssl/cert.pem"))
        .unwrap_or_else(|| panic!("no etc/ssl/cert.pem in\n{listing}"));
    assert!(line.split_whitespace().any(|w| w == "4"), "{line}");
}

#[test]
fn qa_b4_source_date_epoch_past_year_9999_and_image_at_a_file_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = check_fixture("hello-server", &["--image"]);
    cmd.arg(dir.path().join("out"))
        .env("SOURCE_DATE_EPOCH", "99999999999999");
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("SOURCE_DATE_EPOCH=`99999999999999` is not a number of seconds since 1970"),
        "{}",
        r.stderr
    );
    // Refused before the build, and before its directory was made (an empty one was left).
    assert!(!dir.path().join("out").exists());
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let mut cmd = check_fixture("hello-server", &["--image"]);
    cmd.arg(&file);
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not a directory"), "{}", r.stderr);
    assert_eq!(std::fs::read(&file).expect("kept"), b"x");
}

#[test]
fn qa_an_image_built_from_a_changed_tree_names_its_revision_dirty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("image-env");
    std::fs::create_dir_all(project.join("src")).expect("mkdir");
    for f in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        std::fs::copy(fixture("image-env").join(f), project.join(f)).expect("copy");
    }
    let git = |args: &[&str]| {
        let mut all = vec!["-C", project.to_str().expect("utf-8")];
        all.extend(["-c", "user.email=t@example.org", "-c", "user.name=t"]);
        all.extend(args);
        tool("git", &all)
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "fixture"]);
    let head = git(&["rev-parse", "HEAD"]).trim().to_string();
    let revision = |sub: &str| {
        let mut cmd = aotcheck();
        cmd.arg("aotcheck")
            .arg("--manifest-path")
            .arg(project.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(shared_target_dir())
            .args([
                "--locked",
                "-q",
                "--no-probe",
                "--format",
                "json",
                "--image",
            ])
            .arg(dir.path().join(sub));
        let v = json(&mut cmd);
        let oci = format!("oci:{}", str_of(image(&v), "layout"));
        let raw = tool("skopeo", &["inspect", "--raw", &oci]);
        let manifest: Value = serde_json::from_str(&raw).expect("manifest");
        str_of(
            &manifest["annotations"],
            "org.opencontainers.image.revision",
        )
        .to_string()
    };
    assert_eq!(revision("clean"), head);
    let main = project.join("src/main.rs");
    let text = std::fs::read_to_string(&main).expect("read");
    std::fs::write(&main, format!("{text}// changed\n")).expect("write");
    assert_eq!(revision("dirty"), format!("{head}-dirty"));
}

/// QA m: under `--no-probe` the image lost the configured start: bore's `server` argument and
/// the port of `ready = "tcp:PORT"`, so an image written by a CI job that probes nothing
/// printed its usage and exited. Read back with skopeo.
#[test]
fn an_image_written_without_the_probe_starts_as_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(
        &file,
        "ready = \"tcp:7311\"\nprobe_args = [\"serve\", \"--quiet\"]\n",
    )
    .expect("config");
    let mut cmd = check_fixture("hello-server", &["--config-file"]);
    cmd.arg(&file).arg("--image").arg(dir.path().join("images"));
    let v = json(&mut cmd);
    let i = image(&v);
    let config = config_of(i);
    assert_eq!(
        strings(&config["Entrypoint"]),
        ["/app/hello-server", "serve", "--quiet"],
        "{config}"
    );
    let exposed: Vec<&String> = config["ExposedPorts"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(exposed, ["7311/tcp"], "{config}");
    assert_eq!(i["in_image"]["outcome"], "skipped", "{i}");
}

/// QA g: an image of a server probed on a port it was handed said nothing of that port (no
/// `ExposedPorts`, while its start inside waited on 8080), and kept the probe's loopback
/// address in its entrypoint without a word.
#[test]
fn an_image_exposes_the_port_it_starts_on_and_warns_of_a_loopback_argument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["--ready", "http", "--probe-arg", "--bind=127.0.0.1:{port}"];
    let r = probed("hello-server", dir.path(), "", &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = report(&r);
    let i = image(&v);
    let config = config_of(i);
    let exposed: Vec<&String> = config["ExposedPorts"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(exposed, ["8080/tcp"], "{config}");
    assert_eq!(strings(&i["exposed_ports"]), ["8080/tcp"]);
    let entrypoint = strings(&config["Entrypoint"]);
    assert_eq!(entrypoint[1..], ["--bind=127.0.0.1:8080"], "{config}");
    let inside = &i["in_image"];
    if inside["outcome"] == "started" {
        assert_eq!(inside["ready"], "http:8080/", "{inside}");
    }
    let warnings = strings(&i["warnings"]);
    assert!(
        warnings.iter().any(|w| w.contains(
            "`--bind=127.0.0.1:8080` (taken from the probe's arguments) names the loopback address"
        )),
        "{warnings:?}"
    );
}

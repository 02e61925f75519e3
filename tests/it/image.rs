//! `--image`: the OCI layout and its tar, read back by skopeo and umoci (not by our own
//! reader); reproducible digests; the files a binary needs at run time; the binary started
//! inside its image (AOT011 when it does not); bad input refused with nothing left behind.
//!
//! Starting a binary inside its image needs user namespaces (or root): CI runs as root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// `cargo aotcheck --image DIR` on `fixture` (the probe off unless `args` asks for runs).
fn image_run(fixture: &str, dir: &Path, args: &[&str], probe: bool) -> Command {
    let mut cmd = if probe {
        probe_fixture(fixture, &["--warmup", "0"])
    } else {
        check_fixture(fixture, &[])
    };
    cmd.arg("--image").arg(dir).args(args);
    cmd
}

fn image_of<'a>(v: &'a Value, link: &str) -> &'a Value {
    let i = &artifact(v, link)["image"];
    assert!(i.is_object(), "no image in {v}");
    i
}

fn skopeo(args: &[&str]) -> Value {
    serde_json::from_str(&tool("skopeo", args)).expect("skopeo prints JSON")
}

/// Every file below `dir`, relative, sorted.
pub(crate) fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            out.insert(p.strip_prefix(dir).expect("below").display().to_string());
            if p.is_dir() && !p.is_symlink() {
                todo.push(p);
            }
        }
    }
    out
}

fn uid() -> u32 {
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").expect("/proc/self"))
}

#[test]
fn skopeo_and_umoci_read_the_layout_and_its_tar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = json(&mut image_run("hello-server", dir.path(), &[], false));
    let i = image_of(&v, "static");
    let layout = str_of(i, "layout");
    let oci = format!("oci:{layout}");
    // The layout: digest, platform, user and entrypoint as we report them.
    let inspect = skopeo(&["inspect", &oci]);
    assert_eq!(inspect["Digest"], i["manifest_digest"]);
    assert_eq!(inspect["Architecture"], i["architecture"]);
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    let config = skopeo(&["inspect", "--config", &oci]);
    assert_eq!(config["config"]["User"], i["user"]);
    assert_eq!(config["config"]["User"], "65532:65532");
    assert_eq!(config["config"]["Entrypoint"], i["entrypoint"]);
    assert_eq!(config["config"]["Entrypoint"][0], "/app/hello-server");
    // Arguments, when it has some, are said to come from the probe or `image.args`.
    let with_args = i["entrypoint"].as_array().is_some_and(|e| e.len() > 1);
    assert_eq!(i["args_from"].is_string(), with_args, "{i}");
    assert_eq!(config["config"]["WorkingDir"], i["workdir"]);
    // What a pull transfers: the manifest and every blob it names, as they are on disk.
    let raw = tool("skopeo", &["inspect", "--raw", &oci]);
    let manifest: Value = serde_json::from_str(&raw).expect("manifest");
    let blob = |d: &Value| {
        let hex = d["digest"]
            .as_str()
            .expect("digest")
            .trim_start_matches("sha256:");
        std::fs::metadata(Path::new(layout).join("blobs/sha256").join(hex))
            .expect("blob on disk")
            .len()
    };
    let named: u64 = blob(&manifest["config"])
        + manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(blob)
            .sum::<u64>();
    assert_eq!(u64_of(i, "compressed_size"), raw.len() as u64 + named);
    // The layer's own headers (GNU tar): the user's home belongs to the user, mode 0700.
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .expect("layer digest")
        .trim_start_matches("sha256:");
    let layer = Path::new(layout).join("blobs/sha256").join(layer);
    let listing = tool(
        "tar",
        &["-tvzf", layer.to_str().expect("utf-8"), "--numeric-owner"],
    );
    let home = listing
        .lines()
        .find(|l| l.trim_end().ends_with("home/nonroot/") || l.trim_end().ends_with("home/nonroot"))
        .unwrap_or_else(|| panic!("no home/nonroot in the layer:\n{listing}"));
    assert!(home.starts_with("drwx------ 65532/65532 "), "{home}");
    // The tar beside it: Docker's manifest.json and the OCI layout, as both loaders read them.
    let tar = str_of(i, "tar");
    let docker = skopeo(&["inspect", &format!("docker-archive:{tar}")]);
    assert_eq!(docker["Architecture"], "amd64");
    let in_tar = skopeo(&["inspect", &format!("oci-archive:{tar}")]);
    assert_eq!(in_tar["Digest"], i["manifest_digest"]);
    let copied = dir.path().join("copied.tar");
    tool(
        "skopeo",
        &[
            "copy",
            "-q",
            &oci,
            &format!("docker-archive:{}:hello:test", copied.display()),
        ],
    );
    assert!(copied.is_file());
    // umoci: the root filesystem holds the binary, the user's entries and nothing else.
    let bundle = dir.path().join("bundle");
    let reference = format!(
        "{layout}:{}",
        str_of(i, "reference").rsplit(':').next().expect("tag")
    );
    tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &reference,
            bundle.to_str().expect("utf-8"),
        ],
    );
    let rootfs = bundle.join("rootfs");
    let files = tree(&rootfs);
    let expected: BTreeSet<String> = [
        "app",
        "app/hello-server",
        "etc",
        "etc/group",
        "etc/passwd",
        "home",
        "home/nonroot",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(files, expected);
    // The user's home, as /etc/passwd names it, is there (a program may resolve it).
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).expect("passwd");
    assert!(passwd.contains(":/home/nonroot:"), "{passwd}");
    let bin = rootfs.join("app/hello-server");
    let meta = std::fs::metadata(&bin).expect("binary");
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    assert_eq!(meta.permissions().mode() & 0o7777, 0o755);
    assert_eq!(meta.uid(), uid());
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).expect("passwd");
    assert!(passwd.contains("\nnonroot:x:65532:65532:"), "{passwd}");
    let group = std::fs::read_to_string(rootfs.join("etc/group")).expect("group");
    assert!(group.contains("\nnonroot:x:65532:\n"), "{group}");
    // Stripped as GNU strip strips it, its build-id kept.
    let a = artifact(&v, "static");
    assert_eq!(meta.len(), strip_size(str_of(a, "path")));
    let notes = tool("readelf", &["-n", bin.to_str().expect("utf-8")]);
    let id = str_of(&a["binary"], "build_id");
    assert!(notes.contains(id), "build-id {id} not in\n{notes}");
    let reported: Vec<&str> = i["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| str_of(f, "path"))
        .collect();
    assert_eq!(reported, ["/app/hello-server", "/etc/group", "/etc/passwd"]);
}

#[test]
fn same_inputs_give_the_same_bytes_and_source_date_epoch_changes_the_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |sub: &str, epoch: &str| {
        let mut cmd = image_run("hello-server", &dir.path().join(sub), &[], false);
        cmd.env("SOURCE_DATE_EPOCH", epoch);
        json(&mut cmd)
    };
    let (a, b) = (at("a", "1700000000"), at("b", "1700000000"));
    let (ia, ib) = (image_of(&a, "static"), image_of(&b, "static"));
    assert_eq!(ia["manifest_digest"], ib["manifest_digest"]);
    assert_eq!(ia["created"], "2023-11-14T22:13:20Z");
    assert_eq!(ia["created_from"], "SOURCE_DATE_EPOCH");
    for (x, y) in [("layout", "layout"), ("tar", "tar")] {
        let (pa, pb) = (PathBuf::from(str_of(ia, x)), PathBuf::from(str_of(ib, y)));
        if pa.is_dir() {
            assert_eq!(tree(&pa), tree(&pb));
            for f in tree(&pa).iter().filter(|f| pa.join(f).is_file()) {
                let same = std::fs::read(pa.join(f)).ok() == std::fs::read(pb.join(f)).ok();
                assert!(same, "{f} differs between two runs");
            }
        } else {
            assert!(
                std::fs::read(&pa).ok() == std::fs::read(&pb).ok(),
                "tars differ"
            );
        }
    }
    let later = at("c", "1700000001");
    assert_ne!(
        image_of(&later, "static")["manifest_digest"],
        ia["manifest_digest"]
    );
    let created = skopeo(&["inspect", &format!("oci:{}", str_of(ia, "layout"))]);
    assert_eq!(created["Created"], "2023-11-14T22:13:20Z");
}

#[test]
fn privileged_the_ca_bundle_read_at_start_up_is_copied_in_and_the_binary_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = json(&mut image_run(
        "image-ca",
        dir.path(),
        &["--runs", "2"],
        true,
    ));
    let i = image_of(&v, "static");
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let f = i["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == bundle)
        .unwrap_or_else(|| panic!("no CA bundle in {i}"));
    assert_eq!(f["why"], "runtime-data");
    // QA cl F1: less the CAs this machine trusts of its own (not links into Debian's
    // `/usr/share/ca-certificates`), which the bundle holds too: the image's bundle has the
    // host's certificates but those, as the fixture counts them inside the image.
    let host = std::fs::read_to_string(bundle).expect("bundle");
    let local_files: std::collections::BTreeMap<String, String> =
        std::fs::read_dir("/etc/ssl/certs")
            .expect("/etc/ssl/certs")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_str() != Some(bundle) && p.is_file())
            .filter(|p| {
                std::path::Path::new("/usr/share/ca-certificates").is_dir()
                    && std::fs::canonicalize(p)
                        .is_ok_and(|r| !r.starts_with("/usr/share/ca-certificates"))
            })
            .filter_map(|p| Some((p.to_str()?.to_string(), std::fs::read_to_string(&p).ok()?)))
            .map(|(p, t)| (p, t.trim().to_string()))
            .filter(|(_, t)| t.contains("BEGIN CERTIFICATE") && host.contains(t.as_str()))
            .collect();
    let locals: std::collections::BTreeSet<&String> = local_files.values().collect();
    // Each local CA file whose certificate left the bundle is named as left out, once: not
    // with its hash link too (QA do F6).
    let paths = local_files.keys().cloned().collect();
    let links = ca_hash_links(&paths);
    let named: std::collections::BTreeSet<&str> = i["not_in_image"]
        .as_array()
        .expect("not_in_image")
        .iter()
        .filter(|e| e["why"] == "local-ca")
        .map(|e| str_of(e, "path"))
        .collect();
    assert!(
        paths.difference(&links).all(|p| named.contains(p.as_str())),
        "{}",
        i["not_in_image"]
    );
    assert!(
        links.iter().all(|p| !named.contains(p.as_str())),
        "{links:?}"
    );
    let size = u64_of(f, "size");
    assert_eq!(
        size == host.len() as u64,
        locals.is_empty(),
        "{size} B, {locals:?}"
    );
    let cmd = str_of(&i["in_image"], "reproduce");
    let out = std::process::Command::new("sh")
        .args(["-c", cmd])
        .output()
        .expect("sh");
    let said = String::from_utf8_lossy(&out.stdout);
    let expected = host.matches("BEGIN CERTIFICATE").count() - locals.len();
    assert!(
        said.starts_with(&format!("{expected} CA certificates in ")),
        "{said}"
    );
    assert_eq!(i["in_image"]["outcome"], "started", "{}", i["in_image"]);
    assert_eq!(u64_of(&i["in_image"], "runs"), 2);
    assert!(
        i["in_image"]["memory_kib"]["rss"]
            .as_u64()
            .is_some_and(|r| r > 0)
    );
    // The config's labels and the manifest's annotations, as skopeo reads them.
    let oci = format!("oci:{}", str_of(i, "layout"));
    let inspect = skopeo(&["inspect", &oci]);
    assert_eq!(inspect["Labels"]["org.example.fixture"], "image-ca");
    let manifest: Value =
        serde_json::from_str(&tool("skopeo", &["inspect", "--raw", &oci])).expect("manifest");
    let notes = &manifest["annotations"];
    assert_eq!(
        notes["org.opencontainers.image.source"],
        "https://example.org/image-ca"
    );
    assert_eq!(notes["org.opencontainers.image.version"], "0.1.0");
    let head = tool(
        "git",
        &["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"],
    );
    assert_eq!(notes["org.opencontainers.image.revision"], head.trim());
    assert_eq!(notes["org.opencontainers.image.created"], i["created"]);
}

#[test]
fn privileged_a_build_host_file_read_at_start_up_fails_in_the_image_as_aot011() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&mut image_run(
        "image-hostfile",
        dir.path(),
        &["--runs", "2"],
        true,
    ));
    assert_eq!(
        r.code, 1,
        "a failed start in the image fails the gate:\n{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let wanted = fixture("image-hostfile").join("greeting.txt");
    let wanted = wanted.to_str().expect("utf-8");
    let i = image_of(&v, "static");
    assert_eq!(i["in_image"]["outcome"], "failed");
    assert_eq!(i["in_image"]["started_on_host"], true);
    let missing: Vec<&str> = i["in_image"]["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|m| str_of(m, "path"))
        .collect();
    assert_eq!(missing, [wanted]);
    assert!(
        i["not_in_image"]
            .as_array()
            .expect("not_in_image")
            .iter()
            .any(|l| l["path"] == wanted && l["why"] == "not-copied"),
        "{i}"
    );
    let f = crate::image_causes::aot011(&v);
    assert_eq!(f["severity"], "error");
    assert!(f["evidence"].to_string().contains(wanted), "{f}");
    // The reproduce command fails the same way, by hand, from the layer on disk.
    let cmd = str_of(&f, "reproduce");
    let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
    assert_eq!(out.status.code(), Some(1), "{cmd}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read") && stderr.contains(wanted),
        "{stderr}"
    );
    let explained = run(aotcheck().args(["aotcheck", "explain", "AOT011"]));
    assert_eq!(explained.code, 0);
    assert!(explained.stdout.contains("does not start in its image"));
}

#[test]
fn privileged_the_hello_server_answers_in_its_image_and_so_does_its_regular_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The image carries the `PORT` the server reads, on a port of its own.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = dir.path().join("image.toml");
    let table = format!("[image]\nport = {port}\nenv = {{ PORT = \"{{port}}\" }}\n");
    std::fs::write(&config, table).expect("config");
    let config = config.to_str().expect("utf-8");
    let args = [
        "--compare",
        "--ready",
        "http",
        "--runs",
        "2",
        "--config-file",
        config,
    ];
    let v = json(&mut image_run("hello-server", dir.path(), &args, true));
    for link in ["static", "dynamic"] {
        let i = image_of(&v, link);
        assert_eq!(
            i["in_image"]["outcome"], "started",
            "{link}: {}",
            i["in_image"]
        );
        // Inside, on the image's port, with the image's `PORT`.
        assert_eq!(i["in_image"]["ready"], format!("http:{port}/"));
        // On 127.0.0.1 alone, its default (QA bk F1: a container's published port does not
        // reach that, and the run inside, on this machine's network, could not tell).
        assert_eq!(i["in_image"]["loopback_only"], true, "{}", i["in_image"]);
        assert!(
            i["warnings"].as_array().expect("warnings").iter().any(|w| w
                .as_str()
                .is_some_and(|w| w.contains("loopback address alone"))),
            "{i}"
        );
        assert!(
            i["env"]
                .as_array()
                .expect("env")
                .contains(&Value::from(format!("PORT={port}"))),
            "{i}"
        );
    }
    // The regular image: the interpreter the binary names and every library it needs.
    let d = artifact(&v, "dynamic");
    let path = str_of(d, "path");
    let program = tool("readelf", &["-lW", path]);
    let interp = program
        .lines()
        .find_map(|l| l.split("interpreter: ").nth(1))
        .map(|s| s.trim_end_matches(']').to_string())
        .expect("PT_INTERP");
    let files: Vec<(String, String)> = image_of(&v, "dynamic")["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (str_of(f, "path").to_string(), str_of(f, "why").to_string()))
        .collect();
    assert!(
        files.contains(&(interp.clone(), "interpreter".into())),
        "{files:?}"
    );
    for lib in readelf_needed(path) {
        assert!(
            files
                .iter()
                .any(|(p, w)| p.ends_with(&format!("/{lib}")) && w != "binary"),
            "{lib} not in {files:?}"
        );
    }
    let row = v["comparisons"][0]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "image_size")
        .expect("image_size row")
        .clone();
    let (s, r) = (
        u64_of(image_of(&v, "static"), "compressed_size"),
        u64_of(image_of(&v, "dynamic"), "compressed_size"),
    );
    assert_eq!(row["static"].as_f64(), Some(s as f64));
    assert_eq!(row["regular"].as_f64(), Some(r as f64));
    // Told to listen on every address, it is not warned of.
    let table = format!(
        "[image]\nport = {port}\nenv = {{ PORT = \"{{port}}\", HELLO_ADDR = \"0.0.0.0\" }}\n"
    );
    std::fs::write(config, table).expect("config");
    let args = ["--ready", "http", "--runs", "1", "--config-file", config];
    let v = json(&mut image_run("hello-server", dir.path(), &args, true));
    let i = image_of(&v, "static");
    assert_eq!(i["in_image"]["outcome"], "started", "{}", i["in_image"]);
    assert!(i["in_image"].get("loopback_only").is_none(), "{i}");
    assert!(!i.to_string().contains("loopback address alone"), "{i}");
}

/// QA cy F12: the image's port taken on this machine: the start inside is skipped, and the
/// holder named, as the host probe names it (here this test's own listener, `ss` would say);
/// QA cz F2: on another address than 127.0.0.1 too, where a bind of `0.0.0.0` fails all the
/// same (it failed inside, an AOT011 error).
#[test]
fn a_taken_image_port_names_its_holder() {
    for at in ["127.0.0.1:0", "127.0.0.2:0"] {
        taken_image_port(at);
    }
}

fn taken_image_port(at: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let holder = std::net::TcpListener::bind(at).expect("a listener");
    let port = holder.local_addr().expect("its address").port();
    let config = dir.path().join("image.toml");
    let table = format!("[image]\nport = {port}\nenv = {{ PORT = \"{{port}}\" }}\n");
    std::fs::write(&config, table).expect("config");
    let args = [
        "--ready",
        "tcp",
        "--runs",
        "1",
        "--config-file",
        config.to_str().expect("utf-8"),
    ];
    let v = json(&mut image_run("hello-server", dir.path(), &args, true));
    let inside = &image_of(&v, "static")["in_image"];
    assert_eq!(inside["outcome"], "skipped", "{inside}");
    let pid = std::process::id();
    assert!(
        str_of(inside, "reason").contains(&format!(
            "port {port} is taken on this machine (pid {pid} ("
        )),
        "{inside}"
    );
    drop(holder);
}

/// QA dd F1: a server whose image runs as `nonroot` on port 80 failed inside (EACCES on its
/// bind, the run sharing this machine's network from a user namespace) as an AOT011 error
/// blamed on `PORT`, where `docker run` starts it. The start inside is skipped and says why, from the machine's own
/// first unprivileged port (`/proc/sys/net/ipv4/ip_unprivileged_port_start`).
#[test]
fn a_privileged_image_port_is_skipped_and_says_why() {
    let start: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .expect("the sysctl")
        .trim()
        .parse()
        .expect("a port");
    // The image's root too: the run inside is root of a user namespace, which may not bind a
    // privileged port of this machine's network (`unshare --user --map-root-user` cannot).
    for (user, ids) in [("", "65532:65532"), ("user = \"root\"\n", "0:0")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("image.toml");
        let table = format!("[image]\n{user}port = 80\nenv = {{ PORT = \"{{port}}\" }}\n");
        std::fs::write(&config, table).expect("config");
        let args = ["--ready", "tcp", "--runs", "1", "--config-file"];
        let mut cmd = image_run("hello-server", dir.path(), &args, true);
        let v = json(cmd.arg(config.to_str().expect("utf-8")));
        let image = image_of(&v, "static");
        assert_eq!(image["user"], ids, "{image}");
        let inside = &image["in_image"];
        let reason = inside["reason"].as_str().unwrap_or_default();
        if start > 80 {
            assert_eq!(inside["outcome"], "skipped", "{inside}");
            let said = format!(
                "listens on port 80, which is privileged on this machine (ports below {start})"
            );
            assert!(reason.contains(&said), "{inside}");
            let findings = v["artifacts"][0]["findings"].as_array().expect("findings");
            assert!(
                findings.iter().all(|f| f["rule"] != "AOT011"),
                "{findings:?}"
            );
        } else {
            assert!(!reason.contains("privileged"), "{inside}");
        }
    }
}

#[test]
fn without_namespaces_the_start_inside_is_skipped_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = image_run("image-hostfile", dir.path(), &["--runs", "1"], true);
    cmd.env("CARGO_AOTCHECK_NAMESPACES", "none");
    let r = run(&mut cmd);
    // No start inside, so no AOT011; but never a silent pass: skipped, with the reason.
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let inside = &image_of(&v, "static")["in_image"];
    assert_eq!(inside["outcome"], "skipped");
    assert!(
        str_of(inside, "reason").contains("CARGO_AOTCHECK_NAMESPACES"),
        "{inside}"
    );
    // In the report's warnings, which every format shows (QA j: on stderr only, a CI job
    // reading the JSON or Markdown never saw it).
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("not started inside its image"))
    });
    assert!(warned, "{}", v["warnings"]);
}

#[test]
fn image_budget_and_baseline_check_the_pull_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("budget.toml");
    std::fs::write(&config, "max_image_size = 1000\n").expect("config");
    let out = dir.path().join("out");
    let mut cmd = image_run("hello-server", &out, &["--config-file"], false);
    cmd.arg(&config);
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let a = artifact(&v, "static");
    let c = a["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "budget.image_size")
        .expect("budget.image_size");
    assert_eq!(c["verdict"], "fail");
    assert_eq!(c["value"], a["image"]["compressed_size"]);
    let base = dir.path().join("base.json");
    let mut save = image_run("hello-server", &out, &["--save-baseline"], false);
    save.arg(&base);
    json(&mut save);
    let mut again = image_run("hello-server", &out, &["--baseline"], false);
    again.arg(&base);
    let v = json(&mut again);
    let c = artifact(&v, "static")["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "baseline.image_size")
        .expect("baseline.image_size")
        .clone();
    assert_eq!(c["verdict"], "pass");
    assert_eq!(c["delta"], 0);
}

#[test]
fn bad_input_is_one_clear_line_exit_2_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one_line = |r: &Run, needle: &str| {
        assert_eq!(r.code, 2, "{}", r.stderr);
        let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{}", r.stderr);
        assert!(lines[0].contains(needle), "{}", r.stderr);
    };
    // Unwritable: a directory below a regular file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let r = run(&mut image_run(
        "hello-server",
        &file.join("images"),
        &[],
        false,
    ));
    one_line(&r, "a-file");
    assert_eq!(std::fs::read(&file).expect("still there"), b"x");
    // Foreign: something we did not write where the image goes.
    let foreign = dir.path().join("foreign");
    let target = foreign.join("hello-server/hello-server/static");
    std::fs::create_dir_all(&target).expect("mkdir");
    std::fs::write(target.join("notes.txt"), "mine").expect("write");
    let before = tree(&foreign);
    let r = run(&mut image_run("hello-server", &foreign, &[], false));
    one_line(&r, "did not write");
    assert_eq!(tree(&foreign), before);
    // Before the build, which may take long (QA cr F5: it came after a full build).
    let r = run(
        fixture_saying_status("hello-server", &["--no-probe", "--format", "json"])
            .arg("--image")
            .arg(&foreign),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("did not write"), "{}", r.stderr);
    assert!(!r.stderr.contains("Building"), "{}", r.stderr);
    assert_eq!(tree(&foreign), before);
    // An image user that is neither a number nor a known name: at load, before any build.
    let config = dir.path().join("user.toml");
    std::fs::write(&config, "[image]\nuser = \"www-data\"\n").expect("config");
    let out = dir.path().join("out");
    let mut cmd = image_run("hello-server", &out, &["--config-file"], false);
    cmd.arg(&config);
    let r = run(&mut cmd);
    one_line(&r, "image.user");
    assert!(!out.exists());
    // `inspect` reads binaries that already exist: no image of a binary we did not build.
    let r = run(aotcheck().args(["aotcheck", "inspect", "/bin/ls", "--image"]));
    one_line(&r, "--image");
}

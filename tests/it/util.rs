//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

/// The binary under test, with a clean, predictable environment.
pub fn aotcheck() -> Command {
    let mut cmd = Command::cargo_bin("cargo-aotcheck").expect("binary built by cargo test");
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1").env_remove("CARGO_TERM_COLOR");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One target dir shared by all fixture builds, so that deps are compiled once per suite.
pub fn shared_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures")
}

/// `cargo aotcheck --manifest-path <fixture> --format json --no-probe ARGS` with the shared
/// target dir. The startup probe is skipped to keep these tests fast; see [`probe_fixture`].
pub fn check_fixture(name: &str, args: &[&str]) -> Command {
    let mut cmd = probe_fixture(name, &["--no-probe"]);
    cmd.args(args);
    cmd
}

/// As [`check_fixture`], with the startup probe.
pub fn probe_fixture(name: &str, args: &[&str]) -> Command {
    let mut cmd = human_fixture(name, &["--format", "json"]);
    cmd.args(args);
    cmd
}

/// `cargo aotcheck --manifest-path <fixture> --locked -q ARGS` with the shared target dir: the
/// human report, with the startup probe.
pub fn human_fixture(name: &str, args: &[&str]) -> Command {
    let mut cmd = fixture_saying_status(name, &["-q"]);
    cmd.args(args);
    cmd
}

/// As [`human_fixture`] without `-q`: the status lines on stderr too.
pub fn fixture_saying_status(name: &str, args: &[&str]) -> Command {
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture(name).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir())
        .arg("--locked")
        .args(args);
    cmd
}

/// As [`check_fixture`], built in a target dir of its own (`fixtures-<dir>`): for a test whose
/// fixture another test builds at the same path with other features, at the same time (the
/// binary one run inspects would be the other's).
pub fn check_fixture_apart(name: &str, dir: &str, args: &[&str]) -> Command {
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture(name).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir().with_file_name(format!("fixtures-{dir}")))
        .args(["--locked", "-q", "--format", "json", "--no-probe"])
        .args(args);
    cmd
}

/// The functions of `bin` (by `objdump -d`) with a call whose target ends with `callee`
/// (`"<gethostbyname>"`, `"dlopen>"`), each once, in address order.
pub fn functions_calling(bin: &str, callee: &str) -> Vec<String> {
    let code = tool("objdump", &["-d", "--no-show-raw-insn", bin]);
    let mut out: Vec<String> = Vec::new();
    let mut current = "";
    for line in code.lines() {
        if let Some((_, name)) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")) {
            current = name;
        } else if line.contains("call")
            && line.ends_with(callee)
            && !out.iter().any(|f| f == current)
        {
            out.push(current.to_string());
        }
    }
    out
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The lines of stderr that are errors (`error: ...`), in order.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect()
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("spawn cargo-aotcheck");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the tool panicked:\n{}",
        run.stderr
    );
    run
}

/// Run, expect exit 0, parse the JSON report.
pub fn json(cmd: &mut Command) -> Value {
    let r = run(cmd);
    assert_eq!(r.code, 0, "exit code; stderr:\n{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", r.stdout))
}

/// Output of an independent tool, which must succeed.
pub fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `DT_NEEDED` entries according to `readelf -d`.
pub fn readelf_needed(path: &str) -> Vec<String> {
    tool("readelf", &["-dW", path])
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1))
        .map(|s| s.trim_end_matches(']').to_string())
        .collect()
}

/// Section (name, size) pairs according to `readelf -S`, in file order, null section skipped.
pub fn readelf_sections(path: &str) -> Vec<(String, u64)> {
    tool("readelf", &["-SW", path])
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('[')?;
            let (idx, rest) = rest.split_once(']')?;
            if idx.trim() == "0" || idx.trim() == "Nr" {
                return None;
            }
            let f: Vec<&str> = rest.split_whitespace().collect();
            // name type address offset size ...
            let size = u64::from_str_radix(f.get(4)?, 16).ok()?;
            Some((f.first()?.to_string(), size))
        })
        .collect()
}

/// Size in bytes of what GNU `strip` writes for `path`.
pub fn strip_size(path: &str) -> u64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("stripped");
    tool("strip", &["-o", out.to_str().expect("utf-8 path"), path]);
    std::fs::metadata(&out).expect("stripped file").len()
}

pub fn within_one_percent(ours: u64, theirs: u64) -> bool {
    (ours as f64 - theirs as f64).abs() <= theirs as f64 * 0.01
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

pub fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

/// The artifact of a report built with `link` (`static` or `dynamic`).
pub fn artifact<'a>(v: &'a Value, link: &str) -> &'a Value {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == link)
        .unwrap_or_else(|| panic!("no {link} artifact in {v}"))
}

/// The `path` of each artifact of the report `v`, in its order.
pub fn artifact_paths(v: &Value) -> Vec<&str> {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| str_of(a, "path"))
        .collect()
}

/// The first finding of `rule` on the artifact `a`.
pub fn finding<'a>(a: &'a Value, rule: &str) -> &'a Value {
    a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {a}"))
}

/// Pids of the running processes for which `pred(executable, /proc/PID)` holds.
pub fn pids_where(pred: impl Fn(&Path, &Path) -> bool) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter(|e| std::fs::read_link(e.path().join("exe")).is_ok_and(|exe| pred(&exe, &e.path())))
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Press Ctrl-C on `child` once `ready()` holds (polled while the child runs), and check that
/// it stops as an interrupted run must: exit 2, saying so. Its stdout, when piped.
pub fn interrupt_when(child: std::process::Child, ready: impl Fn() -> bool) -> String {
    interrupt_with(child, ready, &[nix::sys::signal::Signal::SIGINT])
}

/// [`interrupt_when`], sending each of `signals` at once, one after the other.
pub fn interrupt_with(
    mut child: std::process::Child,
    ready: impl Fn() -> bool,
    signals: &[nix::sys::signal::Signal],
) -> String {
    while !ready() {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "the tool ended before the moment to interrupt it"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    for &sig in signals {
        nix::sys::signal::kill(pid, sig).expect("kill");
    }
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `cargo aotcheck inspect --format json --symbols all FILE`: every row of a binary the tool
/// did not build.
pub fn inspect_all(path: &str) -> Command {
    let mut cmd = aotcheck();
    cmd.args([
        "aotcheck",
        "inspect",
        "--format",
        "json",
        "--symbols",
        "all",
        path,
    ]);
    cmd
}

/// Compile the C program `src` with gcc and `args` into `dir/name`.
pub fn gcc(dir: &Path, name: &str, src: &[u8], args: &[&str]) -> String {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, src).expect("write C source");
    let out = dir.join(name);
    let out = out.to_str().expect("utf-8 path").to_string();
    let mut all = vec!["-O1", "-o", &out, c.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    tool("gcc", &all);
    out
}

/// `text`'s words one space apart: the terminal fills its lines to 100 columns, so a phrase
/// may be broken across lines.
pub fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lines of a filled list (`  - ` bullets whose text goes on under itself): each bullet
/// whole, its continuation lines joined back with a space. Every line must fit the terminal
/// report's 100 columns.
pub fn unfilled(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines() {
        assert!(l.chars().count() <= 100, "over 100 columns: {l}");
        match out.last_mut() {
            Some(last) if last.starts_with("  - ") && l.starts_with("    ") => {
                last.push(' ');
                last.push_str(l.trim_start());
            }
            _ => out.push(l.to_string()),
        }
    }
    out
}

/// The CA files of `paths` that are hash links to another of them, named by the certificate's
/// subject hash (`openssl x509 -subject_hash`): the image names each CA once (QA do F6).
pub fn ca_hash_links(
    paths: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    let real = |p: &str| std::fs::canonicalize(p).ok();
    let hash_link = |p: &&String| {
        let name = p.rsplit('/').next().unwrap_or_default();
        let hash = tool(
            "openssl",
            &["x509", "-subject_hash", "-noout", "-in", p.as_str()],
        );
        name.starts_with(&format!("{}.", hash.trim()))
            && paths.iter().any(|o| o != *p && real(o) == real(p))
    };
    paths.iter().filter(hash_link).cloned().collect()
}

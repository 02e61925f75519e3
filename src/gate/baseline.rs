//! The baseline file: the JSON report itself, with its provenance. Read strictly (a bad file
//! is an error naming it, before anything is built), written atomically (a temporary file in
//! the same directory, renamed over the old one: a crash never leaves half a file).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::format::hex;

use crate::error::{Error, Result};
use crate::report::{Provenance, Report, SCHEMA_VERSION};

/// The file name `--save-baseline` uses when given none.
pub const DEFAULT_FILE: &str = "aotcheck-baseline.json";

/// `aotcheck-baseline.json` beside the workspace manifest; `None` for `inspect` reports.
pub fn default_path(report: &Report) -> Option<PathBuf> {
    report
        .build
        .as_ref()
        .map(|b| Path::new(&b.workspace_root).join(DEFAULT_FILE))
}

/// Read a baseline. Malformed, truncated, foreign or newer-schema files are errors that name
/// the file and say what to do; the file itself is never touched.
pub fn load(path: &Path) -> Result<Report> {
    let bytes = read_now(path).map_err(|e| Error::io(path, e).naming("baseline"))?;
    crate::interrupt::check()?;
    parse(path, &bytes)
}

/// A file's bytes, without waiting for a writer that may never come: a FIFO that no process
/// writes to reads as empty (QA dp F1: `--baseline` of one hung in `open`, SIGTERM caught and
/// not acted on); one a process writes (`--baseline <(git show main:base.json)`) is read to its
/// end, an interrupt stopping the wait for its data.
fn read_now(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{ErrorKind, Read as _};
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if crate::interrupt::requested() {
                    return Ok(bytes);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

pub fn parse(path: &Path, bytes: &[u8]) -> Result<Report> {
    // A UTF-8 byte order mark, as editors on Windows write one: JSON has none (RFC 8259 lets a
    // reader ignore it), and serde_json refuses it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let what = if bytes.iter().all(u8::is_ascii_whitespace) {
            "empty"
        } else if e.is_eof() {
            "truncated"
        } else {
            "not valid JSON"
        };
        Error::malformed(
            path,
            format!(
                "the baseline is {what} ({e}); save a new one with --save-baseline, \
                 or restore it from version control"
            ),
        )
    })?;
    let Some(version) = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .filter(|&v| v >= 1)
    else {
        let what = match value.get("schema_version") {
            None => "no `schema_version`".to_string(),
            Some(v) => format!("`schema_version` is {v}, not a version number from 1 up"),
        };
        return Err(Error::malformed(
            path,
            format!(
                "not a cargo-aotcheck report: {what} (a baseline is what --save-baseline or \
                 --format json writes)"
            ),
        ));
    };
    if version > u64::from(SCHEMA_VERSION) {
        let by = value
            .pointer("/tool/version")
            .and_then(serde_json::Value::as_str)
            .map(|v| format!(" (written by cargo-aotcheck {v})"))
            .unwrap_or_default();
        return Err(Error::malformed(
            path,
            format!(
                "the baseline uses report schema_version {version}{by}, and this \
                 cargo-aotcheck {} reads schema_version {SCHEMA_VERSION}: a cargo-aotcheck \
                 that reads schema_version {version} is needed (upgrade it, or save a new \
                 baseline with this version)",
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    // Said to be the baseline, as the other errors here are (QA ae, 11).
    serde_path_to_error::deserialize(value).map_err(|e| {
        Error::malformed(
            path,
            format!(
                "the baseline is not a valid cargo-aotcheck report at `{}`: {}; save a new \
                 one with --save-baseline, or restore it from version control",
                e.path(),
                e.inner()
            ),
        )
    })
}

/// What a baseline not saved leaves at `path`, in words: the file that was there, or nothing.
pub fn left_at(path: &Path) -> &'static str {
    if path.exists() {
        "the previous file is left as it was"
    } else {
        "nothing was written"
    }
}

/// Write `report` to `path` atomically, creating no partial file on failure. Errors name
/// `path` (not the temporary file beside it).
pub fn save(report: &Report, path: &Path) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(report)
        .map_err(|e| Error::malformed(path, format!("cannot serialise the report: {e}")))?;
    json.push(b'\n');
    // A baseline is meant to be committed and read by others: 0644 unless it had a mode.
    crate::output::write_atomically(path, &json, ".aotcheck-baseline.")
        .map_err(|e| e.naming("baseline"))
}

/// How `report` was made: the build info, link modes, the lock file's hash and the commit.
pub fn provenance(report: &Report, root: &Path) -> Provenance {
    let mut p = Provenance {
        tool_version: report.tool.version.clone(),
        ..Provenance::default()
    };
    if let Some(b) = &report.build {
        p.rustc = b.rustc.clone();
        p.target = b.target.clone();
        p.profile = b.profile.clone();
        p.features = b.features.clone();
        p.enabled = b.enabled.clone();
        p.crate_inputs = Some(b.crate_inputs.clone());
        p.profile_settings = b.profile_settings.clone();
        p.rustflags = Some(b.rustflags.clone());
        if b.all_features {
            p.features.push("--all-features".into());
        }
        if b.no_default_features {
            p.features.push("--no-default-features".into());
        }
    }
    let mut modes: Vec<String> = report
        .artifacts
        .iter()
        .filter_map(|a| a.link_mode.map(|m| m.as_str().to_string()))
        .collect();
    modes.sort();
    modes.dedup();
    // `advise` reports no artifacts; each of its variants is the static build (QA ch F6: its
    // provenance said no link mode at all).
    if modes.is_empty() && report.advice.is_some() {
        modes.push(crate::report::LinkMode::Static.as_str().to_string());
    }
    p.link_modes = modes;
    p.cargo_lock_sha256 = std::fs::read(root.join("Cargo.lock"))
        .ok()
        .map(|bytes| hex(&Sha256::digest(&bytes)));
    p.git_commit = git(root, &["rev-parse", "--verify", "HEAD"]);
    if p.git_commit.is_some() {
        p.git_dirty =
            git(root, &["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    }
    p
}

/// `git -C dir ARGS`, trimmed stdout; `None` without git, outside a repository, or on error.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_baselines_are_clear_errors_naming_the_file() {
        let p = Path::new("/x/base.json");
        for (text, said) in [
            (
                &br#"{"schema_version": "1"}"#[..],
                "`schema_version` is \"1\"",
            ),
            (br#"{"schema_version": 0}"#, "`schema_version` is 0"),
            (br#"{"tool": 1}"#, "no `schema_version`"),
        ] {
            let e = parse(p, text).expect_err("no version").to_string();
            assert!(e.contains(said), "{e}");
        }
        let e = parse(p, b"{\"schema_version\": 1, \"tool\":").expect_err("truncated");
        let m = e.to_string();
        assert!(m.contains("/x/base.json") && m.contains("truncated"), "{m}");
        // QA dp F1: a FIFO no process writes to is read at once, as empty (it hung); one a
        // process writes is read whole.
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("base.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (tx, rx) = std::sync::mpsc::channel();
        let at = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(load(&at).map(|_| ()).map_err(|e| e.to_string()));
        });
        // A guard against a hang, not a measure of time.
        let read = rx.recv_timeout(std::time::Duration::from_secs(60));
        let e = read.expect("load returned").expect_err("empty");
        assert!(e.contains("the baseline is empty"), "{e}");
        // A pipe with its writer, as `<(...)` gives: its data read when it comes.
        let (reader, mut writer) = std::io::pipe().expect("pipe");
        use std::os::fd::AsRawFd as _;
        let at = PathBuf::from(format!("/proc/self/fd/{}", reader.as_raw_fd()));
        let wrote = std::thread::spawn(move || {
            use std::io::Write as _;
            std::thread::sleep(std::time::Duration::from_millis(50));
            writer.write_all(b"{\"schema_version\": 1}")
        });
        let e = load(&at).expect_err("no tool").to_string();
        assert!(e.contains("missing field `tool`"), "{e}");
        wrote.join().expect("writer").expect("written");
        // QA i: an empty file is said to be empty, not truncated.
        let e = parse(p, b"\n").expect_err("empty").to_string();
        assert!(e.contains("the baseline is empty"), "{e}");
        let e = parse(p, b"[1, 2]").expect_err("foreign").to_string();
        assert!(e.contains("schema_version"), "{e}");
        let e = parse(
            p,
            br#"{"schema_version": 7, "tool": {"name": "cargo-aotcheck", "version": "9.0.0"}}"#,
        )
        .expect_err("newer")
        .to_string();
        assert!(
            e.contains("schema_version 7") && e.contains("9.0.0") && e.contains("is needed"),
            "{e}"
        );
        let e = parse(p, br#"{"schema_version": 1, "tool": 3}"#)
            .expect_err("wrong shape")
            .to_string();
        assert!(e.contains("`tool`"), "{e}");
    }

    /// Reviewer: Windows editors write a UTF-8 byte order mark, which serde_json refuses.
    #[test]
    fn a_byte_order_mark_is_skipped() {
        let p = Path::new("/x/base.json");
        let mut r = Report::new(None);
        r.warnings.push("w".into());
        let text = serde_json::to_vec(&r).expect("JSON");
        let with: Vec<u8> = b"\xEF\xBB\xBF".iter().chain(&text).copied().collect();
        assert_eq!(parse(p, &with).expect("with a BOM").warnings, vec!["w"]);
        // Only one, and only at the start.
        let twice: Vec<u8> = b"\xEF\xBB\xBF".iter().chain(&with).copied().collect();
        assert!(parse(p, &twice).is_err());
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.json");
        let mut r = Report::new(None);
        r.warnings.push("w".into());
        save(&r, &path).expect("save");
        save(&r, &path).expect("overwrite");
        let back = load(&path).expect("load");
        assert_eq!(back.warnings, vec!["w"]);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("b.json")]);
        assert_eq!(hex(&[0, 171, 255]), "00abff");
        let e = save(&r, &dir.path().join("missing/b.json"))
            .expect_err("no such directory")
            .to_string();
        assert!(
            e.starts_with("cannot write") && e.contains("missing"),
            "{e}"
        );
    }
}

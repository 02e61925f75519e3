//! The image's tracer against strace: what a start inside the image did to files, with the
//! errno each call got.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// QA dr F5: mdbook's removal of its last output inside the image was denied and went unseen
/// (the tracer followed opens, lookups and `mkdir`), so AOT011 gave the advice for missing
/// files. The tracer records a removal and a rename (`rm`'s `unlinkat`, `mv`'s `rename*`)
/// with its errno, as strace of the same command shows them.
#[test]
fn the_tracer_records_removals_and_renames_as_strace_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&a, "x").expect("write");
    let script = format!(
        "rm -f /proc/version {gone}; mv {a} {b}",
        gone = dir.path().join("gone").display(),
        a = a.display(),
        b = b.display()
    );
    let out = dir.path().join("records");
    run(aotcheck()
        .arg("__aotcheck-trace-opens")
        .arg(&out)
        .args(["/bin/sh", "-c", &script]));
    assert!(b.exists() && !a.exists());
    std::fs::rename(&b, &a).expect("put back");
    let ours: BTreeSet<(String, i64)> = std::fs::read_to_string(&out)
        .expect("records")
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["call"] == "remove")
        .map(|r| {
            (
                str_of(&r, "path").to_string(),
                r["errno"].as_i64().expect("errno"),
            )
        })
        .collect();
    // strace: `unlinkat(AT_FDCWD, "/proc/version", 0) = -1 EPERM (...)`.
    let log = dir.path().join("strace.log");
    let traced = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&log)
        .args([
            "-e",
            "trace=unlink,unlinkat,rmdir,rename,renameat,renameat2",
        ])
        .args(["/bin/sh", "-c", &script])
        .status()
        .expect("strace");
    assert!(traced.success() || traced.code() == Some(1), "{traced}");
    let errno = |name: &str| match name {
        "EPERM" => 1,
        "ENOENT" => 2,
        "EACCES" => 13,
        other => panic!("errno {other}"),
    };
    let theirs: BTreeSet<(String, i64)> = std::fs::read_to_string(&log)
        .expect("strace log")
        .lines()
        .filter_map(|l| {
            let path = l.split('"').nth(1)?;
            let ret = l.rsplit_once("= ")?.1;
            let e = match ret.split_whitespace().collect::<Vec<_>>()[..] {
                ["0"] => 0,
                ["-1", name, ..] => errno(name),
                _ => return None,
            };
            Some((path.to_string(), e))
        })
        .collect();
    assert_eq!(ours, theirs);
    assert!(ours.contains(&("/proc/version".to_string(), 1)), "{ours:?}");
    assert!(ours.contains(&(a.display().to_string(), 0)), "{ours:?}");
}

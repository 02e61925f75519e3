//! AOT010 cites the gconv files that the image's traced run opened (QA df F5: eza opened
//! `gconv-modules.cache` at every start, and the finding cited its symbol alone). Checked
//! against strace of the static binary run by hand.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// The files `path` opens (successfully) under strace that are gconv's, or a C library's and
/// the dynamic loader's.
fn opened_by_hand(path: &str, dir: &std::path::Path) -> BTreeSet<String> {
    let log = dir.join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(path)
        .status()
        .expect("run strace");
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&log).expect("strace log");
    text.lines()
        .filter(|l| !l.contains("= -1"))
        .filter_map(|l| l.split('"').nth(1))
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            p.contains("/gconv/") || name.starts_with("libc.so") || name.starts_with("ld-linux")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn privileged_aot010_cites_the_gconv_files_the_traced_run_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = probe_fixture("audit-iconv", &["--warmup", "0", "--runs", "1"]);
    let r = run(cmd.arg("--image").arg(dir.path().join("images")));
    assert_eq!(r.code, 1, "AOT010 is an error: {}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let a = artifact(&v, "static");
    let f = finding(a, "AOT010");
    let line = f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(Value::as_str)
        .find(|e| e.starts_with("the image's traced run opened "))
        .unwrap_or_else(|| panic!("no traced files in {f}"));
    // The paths the line names, in code spans.
    let named: BTreeSet<String> = line
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|p| p.starts_with('/'))
        .map(str::to_string)
        .collect();
    let by_hand = opened_by_hand(str_of(a, "path"), dir.path());
    assert!(by_hand.iter().any(|p| p.contains("/gconv/")), "{by_hand:?}");
    assert_eq!(named, by_hand, "{line}");
    assert!(
        line.contains("a second C library beside the binary's own"),
        "{line}"
    );
}

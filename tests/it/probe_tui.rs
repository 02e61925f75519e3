//! A terminal UI timed with `--ready exit:1` (QA dc F5, dg F1: gitui's and broot's failed
//! starts without a terminal were timed and passed with no word). Checked against the
//! program run by hand without a controlling terminal (`setsid`, stdin `/dev/null`).

use std::process::{Command, Stdio};

use crate::probe::probe;
use crate::util::*;

#[test]
fn a_terminal_ui_timed_at_its_failing_status_is_said_to_have_found_no_terminal() {
    let r = probe("tui", &["--ready", "exit:1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    let runs = p["runs"].as_u64().expect("runs");
    assert_eq!(runs, 3, "{p}");
    let warned = p["warnings"].to_string();
    assert!(
        warned.contains(&format!(
            "in {runs} of {runs} counted runs it exited with status 1 and its stderr says it \
             found no terminal: the probe runs it without one, so these figures are of a \
             terminal UI's failed start"
        )),
        "{warned}"
    );
    // By hand, without a controlling terminal: status 1 and ENXIO, as the warning says.
    let path = str_of(artifact(&r.report, "static"), "path").to_string();
    let out = Command::new("setsid")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run setsid");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(os error 6)"), "{stderr}");
    // A run that exits 0 says nothing of it: `--version`-like starts are what it asks for.
    let r = probe("exits", &["--ready", "exit:any"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.probe()["warnings"]
            .to_string()
            .contains("found no terminal"),
        "{}",
        r.probe()
    );
}

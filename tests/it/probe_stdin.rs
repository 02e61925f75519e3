//! QA cq F3: the probed program's stdin is `/dev/null` (xh read it as a request body and sent
//! a POST), which a failed run's message says; checked against what the program itself sees
//! (`/proc/self/fd/0`), in the timed and the traced invocation alike.

use crate::probe::{lines, probe, report_file};

#[test]
fn the_program_s_stdin_is_dev_null_and_a_failed_run_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "exits",
        &["--probe-env", &env, "--probe-env", "STDIN=1", "--runs", "2"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen: Vec<String> = lines(&path)
        .into_iter()
        .filter(|l| l.starts_with("stdin "))
        .collect();
    // Two invocations per counted run: timed, then traced for the memory.
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen.iter().all(|l| l == "stdin /dev/null"), "{seen:?}");

    let r = probe(
        "exits",
        &[
            "--probe-env",
            "EXIT_STATUS=3",
            "--runs",
            "1",
            "--probe-arg",
            "x",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let message = r.probe()["failed_runs"][0]["message"]
        .as_str()
        .expect("a message")
        .to_string();
    assert!(
        message.contains("it runs in the current directory with /dev/null as its stdin"),
        "{message}"
    );
}

//! `inspect` never writes its report over a file it inspects (QA dj F2: `inspect X -o X`
//! replaced the binary with the report and exited 0).

use crate::util::*;

/// `-o` naming the binary inspected, or a binary inside the folder inspected, is refused
/// before anything is written: exit 2, one line, the binary byte for byte as it was. A new
/// report file inside the folder is written.
#[test]
fn the_report_never_replaces_a_file_inspected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tmp.path().join("ls");
    std::fs::copy("/bin/ls", &bin).expect("copy /bin/ls");
    let before = std::fs::read(&bin).expect("read");
    let at = bin.to_str().expect("utf-8");
    let dir = tmp.path().to_str().expect("utf-8");
    for (args, said) in [
        (
            [at, "-o", at],
            format!("--output `{at}` is `{at}`, a file this run inspects"),
        ),
        (
            [dir, "-o", at],
            format!("--output `{at}` is a binary in `{dir}`, a directory this run inspects"),
        ),
    ] {
        let r = run(aotcheck().args(["aotcheck", "inspect", "-q"]).args(args));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.error_lines(),
            [format!(
                "error: {said}: the report would replace it; write it elsewhere"
            )]
        );
        assert!(
            std::fs::read(&bin).expect("read") == before,
            "the binary changed"
        );
    }
    let report = tmp.path().join("report.md");
    let r = run(aotcheck()
        .args([
            "aotcheck", "inspect", "-q", "--format", "markdown", dir, "-o",
        ])
        .arg(&report));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(&report).expect("the report");
    assert!(md.contains(&format!("### `{at}`")), "{md}");
}

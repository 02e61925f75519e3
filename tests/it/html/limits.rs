//! What the page does with hostile and with huge input: text stays text, and the page of a
//! large binary stays small.

use super::*;

/// A fixture's own symbol and output are markup: shown as text, never run, in a page built by
/// the tool from the real binary (the symbol) and from its probe's failed runs (the output).
#[test]
fn a_crafted_symbol_and_program_output_stay_text() {
    let dir = artifacts_dir();
    let built = dir.join("html-crafted.html");
    let r = run(
        human_fixture("html-crafted", &["--no-probe", "--format", "html"])
            .arg("--output")
            .arg(&built),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Its output, from the crasher of probe-targets given the string as its argument.
    let crashed = dir.join("crasher.html");
    let r = run(human_fixture(
        "probe-targets",
        &[
            "--bin", "crasher", "--runs", "1", "--warmup", "0", "--format", "html",
        ],
    )
    .args(["--probe-arg", CRAFTED, "--output"])
    .arg(&crashed));
    assert_eq!(r.code, 1, "every run crashed, a fail: {}", r.stderr);
    let mut browser = cdp::Browser::start();
    for (file, said) in [
        (&built, CRAFTED),
        (&crashed, "crasher: about to crash (</script><script>"),
    ] {
        let html = std::fs::read_to_string(file).expect("page");
        assert!(
            !html.contains("<script>window.pwned"),
            "unescaped in {}",
            file.display()
        );
        let url = format!("file://{}", file.display());
        let mut page = browser.open(&url, 1280);
        let text = page.eval("document.body.textContent");
        assert!(
            text.as_str().expect("text").contains(said),
            "{} lacks {said}",
            file.display()
        );
        assert_eq!(page.eval("typeof window.pwned"), "undefined");
        assert_eq!(page.eval("document.scripts.length"), 2);
        assert_quiet(&page, &url);
    }
}

/// A large binary: this tool itself, unstripped, with every crate it links. The page stays
/// bounded and says what it left out.
#[test]
fn the_page_of_a_large_binary_stays_under_2_mib() {
    let me = assert_cmd::cargo::cargo_bin("cargo-aotcheck");
    let file = artifacts_dir().join("cargo-aotcheck.html");
    let r = run(aotcheck()
        .arg("aotcheck")
        .arg("inspect")
        .arg(&me)
        .args(["--format", "html", "--output"])
        .arg(&file));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let len = std::fs::metadata(&file).expect("page").len();
    let json = run(aotcheck().arg("aotcheck").arg("inspect").arg(&me).args([
        "--format",
        "json",
        "--symbols",
        "all",
    ]));
    let report: Value = serde_json::from_str(&json.stdout).expect("json");
    let rows = report["artifacts"][0]["binary"]["symbols"]
        .as_array()
        .expect("rows")
        .len();
    let binary = std::fs::metadata(&me).expect("binary").len();
    assert!(rows > 5_000, "not a large binary: {rows} rows");
    assert!(
        len < 2 * 1024 * 1024,
        "a page of {len} B for a {binary} B binary with {rows} rows"
    );
    let html = std::fs::read_to_string(&file).expect("page");
    assert!(
        html.contains("left out:"),
        "the page does not say what it left out"
    );
}

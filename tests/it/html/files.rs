//! QA dq F5: `inspect` of a folder writes on the page what the terminal says of the set: one
//! row a file (linked to its report), the files that are one build, the paths not looked at.

use serde_json::Value;

use crate::util::*;

#[test]
fn a_folders_page_has_its_overview_and_skipped_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = d.join("p.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").expect("write");
    let bin = d.join("prog");
    let (src, bin_s) = (src.to_str().expect("utf-8"), bin.to_str().expect("utf-8"));
    tool("gcc", &["-O1", "-Wl,--build-id", src, "-o", bin_s]);
    std::fs::remove_file(src).expect("rm");
    let stripped = d.join("prog-stripped");
    tool("strip", &["-o", stripped.to_str().expect("utf-8"), bin_s]);
    std::fs::write(d.join("readme.txt"), "not a binary\n").expect("write");
    std::os::unix::fs::symlink("/usr/bin/true", d.join("link")).expect("symlink");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = elsewhere.path().join("page.html");
    let dir_arg = d.to_str().expect("utf-8");
    let r = run(aotcheck()
        .args([
            "aotcheck", "inspect", "-q", dir_arg, "--format", "html", "--output",
        ])
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&out).expect("page");
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q", dir_arg, "--format", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let files = page
        .split("<section class=\"files\"")
        .nth(1)
        .and_then(|f| f.split("</section>").next())
        .unwrap_or_else(|| panic!("no files section"));
    // One row a file, linked to the report of it the page has, with its build-id as readelf
    // gives it (shortened).
    let artifacts = v["artifacts"].as_array().expect("artifacts");
    assert_eq!(artifacts.len(), 2);
    let id = tool("readelf", &["-n", bin_s])
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: ").map(str::to_string))
        .expect("a build-id");
    for (i, a) in artifacts.iter().enumerate() {
        let link = format!("<a href=\"#a{i}\"><code>{}</code></a>", str_of(a, "path"));
        assert!(files.contains(&link), "{link}:\n{files}");
        assert!(page.contains(&format!("id=\"a{i}\"")), "no report #a{i}");
    }
    assert!(files.contains(&id[..12]), "{files}");
    assert!(
        files.contains(" are one build (the same build-id "),
        "{files}"
    );
    // The paths not looked at, as the JSON's `skipped` has them.
    for f in v["skipped"].as_array().expect("skipped") {
        let line = format!(
            "<li><code>{}</code>: {}</li>",
            str_of(f, "path"),
            str_of(f, "why")
        );
        assert!(files.contains(&line), "{line}:\n{files}");
    }
    assert!(files.contains("2 paths not looked at"), "{files}");
}

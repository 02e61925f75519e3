//! A file of separate debug information (`objcopy --only-keep-debug`) is no binary (QA dj F1:
//! it was reported as a static-pie executable, its stripped size larger than the file).

use crate::util::*;

/// Named, it is one error line naming its build id (the binary's, by `readelf -n`); in a
/// folder, it is skipped and counted, and the binary beside it is reported. `readelf -SW`
/// shows what tells it: its `.text` holds no bytes.
#[test]
fn a_debug_file_is_said_so_and_skipped_in_a_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = gcc(
        tmp.path(),
        "app",
        b"int main(void) { return 0; }\n",
        &["-g", "-Wl,--build-id"],
    );
    let debug = format!("{bin}.debug");
    tool("objcopy", &["--only-keep-debug", &bin, &debug]);
    let sections = tool("readelf", &["-SW", &debug]);
    assert!(
        sections
            .lines()
            .any(|l| l.contains(" .text ") && l.contains("NOBITS")),
        "{sections}"
    );
    let notes = tool("readelf", &["-n", &bin]);
    let build_id = notes
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .expect("a build id");
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q", &debug]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.error_lines(),
        [format!(
            "error: `{debug}`: separate debug information of build id {build_id} \
             (`objcopy --only-keep-debug`: its sections of code hold no bytes), not a binary; \
             inspect the binary it belongs to"
        )]
    );
    let dir = tmp.path().to_str().expect("utf-8");
    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", dir]));
    let paths: Vec<&str> = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| str_of(a, "path"))
        .collect();
    assert_eq!(paths, [bin.as_str()], "{v}");
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains(&format!(
            "{{\"path\":\"{debug}\",\"why\":\"separate debug information (objcopy \
             --only-keep-debug)\"}}"
        )),
        "{skipped}"
    );
}

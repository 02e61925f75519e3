//! ELF files that are not what they look like: a file of separate debug information
//! (`objcopy --only-keep-debug`) is no binary (QA dj F1: it was reported as a static-pie
//! executable, its stripped size larger than the file); a binary without section headers has
//! no stripped size, as GNU `strip` refuses it (QA dj F8).

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
    // The report's entry names the file as its path, as any failure's (it was "").
    let named = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", &debug, &bin]));
    let named: serde_json::Value = serde_json::from_str(&named.stdout).expect("JSON");
    assert_eq!(named["failed"][0]["path"], debug.as_str(), "{named}");
    assert!(
        named["failed"][0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("separate debug information of build id")),
        "{named}"
    );
    let dir = tmp.path().to_str().expect("utf-8");
    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", dir]));
    let paths = artifact_paths(&v);
    assert_eq!(paths, [bin.as_str()], "{v}");
    let skipped = v["skipped"].to_string();
    // QA dk F1: a folder of debug files alone says what it skipped.
    let only = tmp.path().join("only");
    std::fs::create_dir(&only).expect("mkdir");
    std::fs::copy(&debug, only.join("app.debug")).expect("copy");
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q"]).arg(&only));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.error_lines(),
        [format!(
            "error: `{}`: no binary found in this directory or below it; 1 file of separate \
             debug information skipped",
            only.display()
        )]
    );
    assert!(
        skipped.contains(&format!(
            "{{\"path\":\"{debug}\",\"why\":\"separate debug information (objcopy \
             --only-keep-debug)\"}}"
        )),
        "{skipped}"
    );
}

/// A binary whose section headers are gone (`e_shoff`, `e_shnum`, `e_shstrndx` zeroed, as
/// `sstrip` leaves it): `strip` refuses it, so no stripped size is given (one smaller than the
/// file was); it still runs, and the rest of the report stands.
#[test]
fn a_binary_without_section_headers_has_no_stripped_size() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = gcc(tmp.path(), "app", b"int main(void) { return 7; }\n", &[]);
    let mut bytes = std::fs::read(&bin).expect("read");
    // ELF64: e_shoff at 0x28 (8 bytes), e_shnum at 0x3c, e_shstrndx at 0x3e (2 bytes each).
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    std::fs::write(&bin, &bytes).expect("write");
    let status = std::process::Command::new(&bin).status().expect("run it");
    assert_eq!(status.code(), Some(7));
    let copy = format!("{bin}.strip");
    std::fs::copy(&bin, &copy).expect("copy");
    let strip = std::process::Command::new("strip")
        .arg(&copy)
        .output()
        .expect("strip");
    assert!(!strip.status.success(), "strip took it");
    assert!(
        String::from_utf8_lossy(&strip.stderr).contains("has no sections"),
        "{}",
        String::from_utf8_lossy(&strip.stderr)
    );
    let v = json(aotcheck().args(["aotcheck", "inspect", "--format", "json", &bin]));
    let b = &v["artifacts"][0]["binary"];
    assert!(b["stripped_size"].is_null(), "{b}");
    assert_eq!(b["file_size"], bytes.len());
    let r = run(aotcheck().args(["aotcheck", "inspect", "-q", &bin]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        words(&r.stdout).contains(
            "stripped not computed: the file has no section headers, and GNU strip refuses it \
             (\"has no sections\")"
        ),
        "{}",
        r.stdout
    );
}

/// QA dq F6: a binary with annobin notes (`.gnu.build.attributes`, as gcc's annobin plugin
/// leaves them, which `strip` merges) says that its stripped size is an upper bound; `readelf
/// -SW` shows the section not loaded, of the size said. One without them says nothing.
#[test]
fn annobin_notes_make_the_stripped_size_an_upper_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = gcc(dir.path(), "plain", b"int main(void) { return 0; }\n", &[]);
    let notes = dir.path().join("notes.bin");
    std::fs::write(&notes, vec![7u8; 300]).expect("write");
    let noted = dir
        .path()
        .join("noted")
        .to_str()
        .expect("utf-8")
        .to_string();
    let add = format!(".gnu.build.attributes={}", notes.display());
    tool("objcopy", &["--add-section", &add, &plain, &noted]);
    let section = tool("readelf", &["-SW", &noted])
        .lines()
        .find(|l| l.contains(".gnu.build.attributes"))
        .map(str::to_string)
        .expect("the section");
    let fields: Vec<&str> = section.split_whitespace().collect();
    assert!(fields.contains(&"00012c"), "300 bytes: {section}");
    let warnings = |path: &str| -> Vec<String> {
        let r = run(aotcheck().args(["aotcheck", "inspect", "-q", "--format", "json", path]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        serde_json::from_value(v["warnings"].clone()).expect("warnings")
    };
    let said = warnings(&noted);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(&format!("{noted}: its stripped size, ")) && said[0].contains(
            "is an upper bound: `strip` merges the annobin notes of its `.gnu.build.attributes` \
             (300 B) and leaves less"
        ),
        "{said:?}"
    );
    assert!(warnings(&plain).is_empty());
}

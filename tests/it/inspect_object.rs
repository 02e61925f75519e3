//! `inspect` of a relocatable object (`.o`): an ELF file without program headers, which `strip`
//! lays out anew and nothing loads. Checked against readelf.

use crate::util::{aotcheck, gcc, run, tool};

/// QA q, W2: the stripped size read "n/a for this format" of an ELF file, and the closure
/// "(the binary alone)" of something that is never loaded. Both now say why there is no
/// figure; the JSON has none (`stripped_size` null).
#[test]
fn an_object_says_why_it_has_no_stripped_size_or_closure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let obj = gcc(dir.path(), "p.o", b"int f(void) { return 1; }\n", &["-c"]);
    assert!(tool("readelf", &["-lW", &obj]).contains("There are no program headers"));
    assert!(tool("readelf", &["-hW", &obj]).contains("REL (Relocatable file)"));
    let r = run(aotcheck().args(["aotcheck", "inspect", "--color", "never", &obj]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |label: &str| {
        r.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .map(|l| l.trim_start()[label.len()..].trim().to_string())
    };
    assert_eq!(
        line("stripped").as_deref(),
        Some("not computed for a file without program headers (an object: strip lays it out anew)")
    );
    assert_eq!(
        line("closure").as_deref(),
        Some("n/a for an object (linked into a program, not loaded)")
    );
    let r = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", &obj]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(v["artifacts"][0]["binary"]["stripped_size"].is_null());
}

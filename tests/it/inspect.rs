//! `cargo aotcheck inspect` on binaries we did not build, checked against readelf, strip and ldd.

use crate::util::*;

fn inspect_json(path: &str) -> serde_json::Value {
    let r = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first = r.stdout.lines().nth(1).unwrap_or_default().trim();
    assert_eq!(
        first, "\"schema_version\": 1,",
        "schema_version must come first"
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    v["artifacts"][0].clone()
}

#[test]
fn system_ls_matches_readelf_strip_and_ldd() {
    let ls = std::fs::canonicalize("/bin/ls").expect("/bin/ls exists");
    let ls = ls.to_str().expect("utf-8");
    let a = inspect_json(ls);
    assert!(a["package"].is_null() && a["link_mode"].is_null());
    let b = &a["binary"];
    assert_eq!(str_of(b, "format"), "elf");
    assert_eq!(str_of(b, "arch"), "x86_64");
    assert_eq!(str_of(b, "linkage"), "dynamic");
    assert!(tool("file", &["-L", ls]).contains("dynamically linked"));
    assert_eq!(
        u64_of(b, "file_size"),
        std::fs::metadata(ls).expect("meta").len()
    );

    let needed: Vec<String> = serde_json::from_value(b["needed"].clone()).expect("needed");
    assert_eq!(needed, readelf_needed(ls));
    let sections: Vec<(String, u64)> = b["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            (
                str_of(s, "name").to_string(),
                u64_of(s, "mem_size").max(u64_of(s, "file_size")),
            )
        })
        .collect();
    assert_eq!(sections, readelf_sections(ls));

    let ours = u64_of(b, "stripped_size");
    assert!(
        within_one_percent(ours, strip_size(ls)),
        "stripped {ours} vs strip"
    );

    // Every library ldd resolves is in our closure, at the same file.
    let ldd = tool("ldd", &[ls]);
    let closure = b["closure"].as_array().expect("closure");
    for line in ldd.lines() {
        let Some((name, rest)) = line.trim().split_once(" => ") else {
            continue;
        };
        let path = rest.split(" (").next().expect("path");
        let ours = closure
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from closure {closure:?}"));
        let ours = std::fs::canonicalize(str_of(ours, "path")).expect("our path exists");
        assert_eq!(ours, std::fs::canonicalize(path).expect("ldd path exists"));
    }
    let total: u64 = closure
        .iter()
        .filter_map(|e| e["size"].as_u64())
        .sum::<u64>()
        + u64_of(b, "file_size");
    assert_eq!(u64_of(b, "closure_size"), total);

    let floor = &b["glibc_floor"];
    let version = str_of(floor, "version");
    let highest = tool("readelf", &["-VW", ls])
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .max_by_key(|v| {
            v.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .expect("readelf names a GLIBC version")
        .to_string();
    assert_eq!(version, highest);
    assert!(!floor["symbols"].as_array().expect("symbols").is_empty());
}

#[test]
fn garbage_and_truncated_files_exit_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ls = std::fs::read("/bin/ls").expect("read /bin/ls");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"#!/bin/sh\necho hello\n".to_vec()),
        ("elf-header-only", ls[..20].to_vec()),
        ("truncated", ls[..ls.len() / 3].to_vec()),
        ("zeros", vec![0u8; 4096]),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        let r = run(aotcheck().args(["aotcheck", "inspect"]).arg(&path));
        // A truncated file whose headers survive may still be inspectable; either way no panic.
        if r.code == 0 {
            continue;
        }
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        let lines: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect();
        assert_eq!(lines.len(), 1, "{name}: {}", r.stderr);
        assert!(
            lines[0].contains(name),
            "{name}: error names the file: {}",
            lines[0]
        );
    }
    let r = run(aotcheck().args(["aotcheck", "inspect", "/nonexistent/file"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/file"));
}

#[test]
fn help_documents_exit_codes() {
    let r = run(aotcheck().args(["aotcheck", "--help"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes:"));
    for flag in [
        "--manifest-path",
        "--package",
        "--workspace",
        "--bin",
        "--features",
        "--profile",
        "--target",
        "--target-dir",
        "--locked",
        "--frozen",
        "--offline",
        "--color",
        "--compare",
        "--link",
    ] {
        assert!(r.stdout.contains(flag), "--help lacks {flag}");
    }
    insta::assert_snapshot!("help", cargo_aotcheck::cli::help());
}

/// The three linkages, on tiny committed binaries (gcc: `-static -nostdlib`, `-static-pie`,
/// default), against `file`'s verdict.
#[test]
fn linkage_agrees_with_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/inspect");
    for (name, ours, theirs) in [
        ("tiny-static", "static", "statically linked"),
        ("tiny-static-pie", "static-pie", "static-pie linked"),
        ("tiny-dynamic", "dynamic", "dynamically linked"),
    ] {
        let path = dir.join(name);
        let path = path.to_str().expect("utf-8");
        let b = &inspect_json(path)["binary"];
        assert_eq!(str_of(b, "linkage"), ours, "{name}");
        assert!(
            tool("file", &[path]).contains(theirs),
            "{name}: file disagrees"
        );
        assert_eq!(
            u64_of(b, "file_size"),
            std::fs::metadata(path).expect("meta").len()
        );
    }
}

/// PE and Mach-O (tiny hand-made files, see fuzz/seeds/inspect): the facts that apply, `null`
/// for the ELF-only ones, and what `file` says about format and architecture.
#[test]
fn pe_and_mach_o_report_what_applies() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/inspect");
    for (name, format, file_says, section, file_size, mem_size) in [
        ("tiny-pe.exe", "pe", "PE32+ executable", ".text", 512, 16),
        (
            "tiny-macho",
            "mach-o",
            "Mach-O 64-bit x86_64 executable",
            "__TEXT,__text",
            3,
            3,
        ),
    ] {
        let path = dir.join(name);
        let path = path.to_str().expect("utf-8");
        assert!(
            tool("file", &[path]).contains(file_says),
            "{name}: file disagrees"
        );
        let b = &inspect_json(path)["binary"];
        assert_eq!(str_of(b, "format"), format);
        assert_eq!(str_of(b, "arch"), "x86_64");
        assert_eq!(str_of(b, "linkage"), "static", "{name} imports nothing");
        for elf_only in [
            "stripped_size",
            "interpreter",
            "glibc_floor",
            "build_id",
            "elf_type",
        ] {
            assert!(b[elf_only].is_null(), "{name}: {elf_only} should be null");
        }
        let s = &b["sections"][0];
        assert_eq!(
            (
                str_of(s, "name"),
                u64_of(s, "file_size"),
                u64_of(s, "mem_size")
            ),
            (section, file_size, mem_size)
        );
        let r = run(aotcheck().args(["aotcheck", "inspect", path]));
        assert!(r.stdout.contains("n/a for this format"), "{}", r.stdout);
    }
}

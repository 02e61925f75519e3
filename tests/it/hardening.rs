//! Malformed input never panics, never hangs: real binaries cut at every 4 KiB boundary and at
//! random offsets, with bytes flipped in their headers. The library is called directly (no
//! process per case) so this stays fast.

use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use cargo_aotcheck::attribute::attribute_bytes;
use cargo_aotcheck::inspect::inspect_bytes;

/// A small deterministic generator (xorshift): the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn survives(label: &str, bytes: &[u8]) {
    let path = Path::new(label);
    // Ok or a clean error; a panic fails the test with the case's label.
    let result = std::panic::catch_unwind(|| {
        let mut binary = inspect_bytes(path, bytes, None)?;
        if binary.format == "elf" {
            let settings = cargo_aotcheck::options::SizeOptions::default();
            attribute_bytes(path, bytes, &mut binary, None, &settings)?;
            // Full coverage holds even on damaged files: the rows sum to the file's length.
            if let Some(c) = &binary.coverage {
                assert_eq!(c.file_size, bytes.len() as u64, "{label}: coverage");
            }
        }
        Ok::<(), cargo_aotcheck::error::Error>(())
    });
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => assert!(
            e.to_string().contains(label),
            "{label}: error names the file: {e}"
        ),
        Err(_) => panic!("inspection panicked on {label}"),
    }
}

fn torture(name: &str, original: &[u8]) {
    let mut cut = 0;
    while cut < original.len() {
        survives(&format!("{name}@{cut}"), &original[..cut]);
        cut += 4096;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..64 {
        let at = rng.below(original.len());
        survives(&format!("{name}@{at}"), &original[..at]);
    }
    // Flip bytes in the ELF header, program headers and section header table.
    let shoff = u64::from_le_bytes(original[0x28..0x30].try_into().expect("8 bytes")) as usize;
    let hot: Vec<usize> = (0..0x40)
        .chain(0x40..0x40 + 56 * 4)
        .chain(shoff..shoff.saturating_add(64 * 8).min(original.len()))
        .collect();
    for i in 0..400 {
        let mut bytes = original.to_vec();
        for _ in 0..1 + i % 4 {
            let at = hot[rng.below(hot.len())];
            bytes[at] ^= 1 << rng.below(8);
        }
        survives(&format!("{name}-flip{i}"), &bytes);
    }
}

#[test]
fn system_binary_cut_and_flipped_never_panics() {
    let ls = std::fs::read("/bin/ls").expect("read /bin/ls");
    torture("ls", &ls);
}

#[test]
fn absurd_header_counts_are_refused_without_huge_allocations() {
    let ls = std::fs::read("/bin/ls").expect("read /bin/ls");
    // e_shnum (0x3c) and e_phnum (0x38) set to the maximum, e_shoff past the end of the file.
    let mut bytes = ls.clone();
    bytes[0x3c..0x3e].copy_from_slice(&u16::MAX.to_le_bytes());
    bytes[0x38..0x3a].copy_from_slice(&u16::MAX.to_le_bytes());
    survives("counts", &bytes);
    let mut bytes = ls.clone();
    bytes[0x28..0x30].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    survives("shoff", &bytes);
    // Every section claims to be huge and to start at offset 0.
    let mut bytes = ls;
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().expect("8 bytes")) as usize;
    let shnum = u16::from_le_bytes([bytes[0x3c], bytes[0x3d]]) as usize;
    for i in 0..shnum {
        let sh = shoff + i * 64;
        if sh + 64 > bytes.len() {
            break;
        }
        bytes[sh + 0x18..sh + 0x20].copy_from_slice(&0u64.to_le_bytes());
        bytes[sh + 0x20..sh + 0x28].copy_from_slice(&(1u64 << 40).to_le_bytes());
    }
    survives("sizes", &bytes);
}

/// Found by `fuzz/inspect`: a universal Mach-O header claiming 16 million slices made
/// inspection try each one (seconds per file; minutes for `u32::MAX`). The count is now
/// bounded by what the file can hold. With the bug this test runs for many minutes.
#[test]
fn fat_macho_with_a_huge_slice_count_is_refused_at_once() {
    let mut bytes = vec![0xca, 0xfe, 0xba, 0xbe, 0xff, 0xff, 0xff, 0xff];
    bytes.extend_from_slice(&[0u8; 4096]);
    let err = inspect_bytes(Path::new("fat"), &bytes, None).expect_err("no readable slice");
    assert!(err.to_string().contains("fat"), "{err}");
}

/// ELF names are bytes. A symbol named `caf\xe9_latin1` (ISO-8859-1, as in the QA report's
/// `latin.c`) or a section renamed to `.comm\xe9nt` made goblin refuse the whole file as
/// "truncated or malformed binary: bad input invalid utf8" (exit 2). Both are inspected, the
/// names shown lossily, as readelf's (lossily decoded) listing shows them.
#[test]
fn non_utf8_symbol_and_section_names_are_inspected() {
    use crate::util::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let latin = gcc(
        dir.path(),
        "latin",
        b"#include <stdio.h>\nint foo(void) __asm__(\"caf\xe9_latin1\");\n\
          int foo(void){return 42;}\nint main(void){printf(\"%d\\n\", foo());return 0;}\n",
        &[],
    );
    let renamed = dir.path().join("renamed");
    let renamed = renamed.to_str().expect("utf-8 path");
    let rename = std::ffi::OsString::from_vec(b".comment=.comm\xe9nt".to_vec());
    let out = std::process::Command::new("objcopy")
        .arg("--rename-section")
        .arg(rename)
        .args([&latin, renamed])
        .output()
        .expect("objcopy");
    assert!(out.status.success(), "objcopy failed");
    for (path, name) in [
        (latin.as_str(), "caf\u{fffd}_latin1"),
        (renamed, ".comm\u{fffd}nt"),
    ] {
        let r = run(&mut inspect_all(path));
        assert_eq!(r.code, 0, "{path}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let b = &v["artifacts"][0]["binary"];
        let sections: Vec<(String, u64)> = b["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .map(|s| {
                let size = u64_of(s, "mem_size").max(u64_of(s, "file_size"));
                (str_of(s, "name").to_string(), size)
            })
            .collect();
        assert_eq!(sections, readelf_sections(path), "{path}");
        assert_eq!(
            u64_of(b, "file_size"),
            std::fs::metadata(path).expect("meta").len()
        );
        assert_eq!(b["needed"], serde_json::json!(readelf_needed(path)));
        // The symbol rows and the section rows name it the same way.
        assert!(
            r.stdout.contains(&format!("\"{name}\"")),
            "{path}: no {name}"
        );
        assert!(!r.stdout.contains("bad name"), "{path}");
    }
    // nm lists the symbol (lossily decoded), and so do we.
    assert!(tool("nm", &[&latin]).contains("caf\u{fffd}_latin1"));
}

/// A file cut to its loaded image with no section headers (as `sstrip` leaves one) still runs:
/// the loader reads `DT_INIT_ARRAYSZ` and `DT_VERNEED`. It got `init_array_entries: 0` and "no
/// versioned glibc imports"; the figures now come from the dynamic section, the same as for
/// the file it was cut from and as `readelf -d` shows them.
#[test]
fn without_section_headers_versions_and_constructors_come_from_the_dynamic_section() {
    use crate::util::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let full = gcc(
        dir.path(),
        "full",
        b"#include <stdio.h>\n__attribute__((constructor)) static void hi(void) { puts(\"hi\"); }\n\
          int main(void) { return 0; }\n",
        &[],
    );
    let mut bytes = std::fs::read(&full).expect("read");
    // e_shoff (0x28), e_shnum (0x3c), e_shstrndx (0x3e) of a 64-bit ELF; gcc puts the section
    // headers last, and the sections only `strip` would remove just before them.
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().expect("8 bytes")) as usize;
    bytes.truncate(shoff);
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    let cut = dir.path().join("cut");
    std::fs::write(&cut, &bytes).expect("write");
    std::fs::set_permissions(&cut, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let cut = cut.to_str().expect("utf-8 path").to_string();
    let ran = std::process::Command::new(&cut).output().expect("run");
    assert_eq!(
        (ran.status.code(), &ran.stdout[..]),
        (Some(0), &b"hi\n"[..])
    );
    assert!(tool("readelf", &["-SW", &cut]).contains("There are no sections"));

    let dynamic = tool("readelf", &["-dW", &cut]);
    let init_bytes: u64 = dynamic
        .lines()
        .find(|l| l.contains("(INIT_ARRAYSZ)"))
        .and_then(|l| l.split_whitespace().nth(2)?.parse().ok())
        .expect("readelf -d shows INIT_ARRAYSZ");
    assert!(dynamic.contains("(VERNEED)"));
    let b = |path: &str| {
        let r = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", path]));
        assert_eq!(r.code, 0, "{path}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        v["artifacts"][0]["binary"].clone()
    };
    let (cut_b, full_b) = (b(&cut), b(&full));
    assert_eq!(u64_of(&cut_b, "init_array_entries"), init_bytes / 8);
    for key in ["init_array_entries", "glibc_floor", "version_needs"] {
        assert_eq!(cut_b[key], full_b[key], "{key}");
    }
    let glibc = tool("readelf", &["-VW", &full]);
    assert!(glibc.contains(&format!(
        "GLIBC_{}",
        str_of(&cut_b["glibc_floor"], "version")
    )));
    // No byte map and no graph to show (they showed 0 B loaded and 0 B reachable), and the
    // terminal says why. The whole program has its byte map; no graph either, as a C program
    // (no Rust symbol: see `graph_skip`), which the cut one is not said to be.
    assert!(
        cut_b["coverage"].is_null() && cut_b["graph"].is_null(),
        "{cut_b}"
    );
    assert!(cut_b["graph_skipped"].is_null(), "{cut_b}");
    assert!(!full_b["coverage"].is_null() && full_b["graph_skipped"].is_string());
    let human = run(aotcheck().args(["aotcheck", "inspect", &cut]));
    assert!(
        human.stdout.contains("no section headers"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("0 B loaded"), "{}", human.stdout);
    // A static file without section headers: how many constructors it has cannot be known.
    let st = gcc(
        dir.path(),
        "static",
        b"int main(void) { return 0; }\n",
        &["-static"],
    );
    let mut bytes = std::fs::read(&st).expect("read");
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().expect("8 bytes")) as usize;
    bytes.truncate(shoff);
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    std::fs::write(&st, &bytes).expect("write");
    assert!(b(&st)["init_array_entries"].is_null());
}

//! `inspect` of a relocatable object (`.o`): an ELF file without program headers, which `strip`
//! lays out anew and nothing loads. Checked against readelf.

use crate::util::{aotcheck, gcc, inspect_all, run, tool};

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
    // QA dn F20, do F11: no glibc floor of its own, and its constructors run in a program.
    assert_eq!(
        line("glibc floor").as_deref(),
        Some("n/a for an object (linked into a program, not loaded)")
    );
    assert_eq!(
        line("init_array").as_deref(),
        Some("0 constructor entries run before the main of a program it is in")
    );
    let r = run(aotcheck().args(["aotcheck", "inspect", "--format", "json", &obj]));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(v["artifacts"][0]["binary"]["stripped_size"].is_null());
}

/// QA bk F9: constants the compiler names (`anon.<hash>.<n>`, rustc's; `alloc_<hash>`) say
/// what they hold beside their name: here a gzip stream, a page of text and zeros, laid out
/// by gcc under such names, their bytes read back with `objdump -s`; a named constant with
/// the same bytes says nothing, its name says what it is.
#[test]
fn a_constant_the_compiler_named_says_what_it_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = br#"
#include <stdio.h>
__attribute__((used)) const unsigned char gz[4096] __asm__("anon.0123456789abcdef0123456789abcdef.7") =
    {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff};
__attribute__((used)) const char page[] __asm__("alloc_0123456789abcdef01234567") =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><title>page</title></head></html>\n";
__attribute__((used)) const unsigned char zeros[512] __asm__("anon.fedcba9876543210fedcba9876543210.2") = {0};
__attribute__((used)) const char *const ptrs[3] __asm__("anon.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.9") =
    {"one", "two", "three"};
__attribute__((used)) const unsigned char named_gz[64] =
    {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff};
int main(int argc, char **argv) {
    (void)argv;
    printf("%d %d %d\n", gz[argc], page[argc], named_gz[argc] + zeros[argc]);
    return 0;
}
"#;
    let bin = gcc(dir.path(), "anon", src, &[]);
    let r = run(&mut inspect_all(&bin));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let content = |name: &str| {
        let rows = v["artifacts"][0]["binary"]["symbols"]
            .as_array()
            .expect("rows");
        let row = rows
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}"));
        row["content"].as_str().map(str::to_string)
    };
    // The bytes at each symbol, as objdump dumps them.
    let nm = tool("nm", &["-S", &bin]);
    let addr = |name: &str| {
        let line = nm
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .expect(name);
        u64::from_str_radix(line.split_whitespace().next().expect("address"), 16).expect("hex")
    };
    let first_bytes = |name: &str| {
        let at = addr(name);
        let (start, stop) = (
            format!("--start-address={at:#x}"),
            format!("--stop-address={:#x}", at + 4),
        );
        let dump = tool("objdump", &["-s", "-j", ".rodata", &start, &stop, &bin]);
        dump.lines()
            .find_map(|l| {
                l.trim_start()
                    .strip_prefix(&format!("{at:x} "))
                    .map(|r| r[..8].to_string())
            })
            .expect("a dump line")
    };
    assert_eq!(
        first_bytes("anon.0123456789abcdef0123456789abcdef.7"),
        "1f8b0800"
    );
    assert_eq!(
        content("anon.0123456789abcdef0123456789abcdef.7").as_deref(),
        Some("gzip data")
    );
    assert_eq!(first_bytes("alloc_0123456789abcdef01234567"), "3c21444f");
    assert_eq!(
        content("alloc_0123456789abcdef01234567").as_deref(),
        Some("text \"<!DOCTYPE html>\\n<html lang=\\\"…\"")
    );
    assert_eq!(
        first_bytes("anon.fedcba9876543210fedcba9876543210.2"),
        "00000000"
    );
    assert_eq!(
        content("anon.fedcba9876543210fedcba9876543210.2").as_deref(),
        Some("zero bytes")
    );
    assert_eq!(first_bytes("named_gz"), "1f8b0800");
    assert_eq!(content("named_gz"), None);
    // QA bo F8: a table of pointers, which the loader fixes up (`readelf -r`: a relative
    // relocation at each of its three slots), says so; its bytes in the file tell nothing.
    let table = "anon.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.9";
    let at = addr(table);
    let fixed = crate::why::relative_relocs(&bin)
        .iter()
        .filter(|(slot, _)| (at..at + 24).contains(slot))
        .count();
    assert_eq!(fixed, 3, "relative relocations in {table}");
    assert_eq!(content(table).as_deref(), Some("data holding addresses"));
    // The terminal says it beside the made-up name.
    let r = run(aotcheck().args(["aotcheck", "inspect", "--color", "never", "-n", "3", &bin]));
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("anon.0123"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(row.ends_with(" gzip data"), "{row}");
}

//! Regressions of the release gate found by QA (`/tmp/qa/e`): memory-only growth, `--locked`
//! with a base revision that has no committed `Cargo.lock`, a baseline of another project.
//! Figures are checked against readelf and the report's own crate table.

use serde_json::Value;

use super::gate::{check, checks, gate, parse, save_baseline};
use crate::util::*;

/// `.bss` size of a binary according to `readelf -SW`.
fn readelf_bss(path: &str) -> u64 {
    readelf_sections(path)
        .into_iter()
        .find(|(n, _)| n == ".bss")
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no .bss in {path}"))
}

/// QA bug 2: a new 4 MiB zeroed static passed as "crate bssapp grew from 413 B to 436 B", and
/// no `.bss` check existed: sections and crates were compared by their bytes in the file.
#[test]
fn memory_only_growth_fails_the_gate_bss_and_its_crate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let old = save_baseline("gate-rodata-old", &base, &[]);
    let r = run(&mut gate(
        "gate-bss-new",
        &[
            "--format",
            "json",
            "--baseline",
            base.to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(r.code, 1, "memory-only growth must fail: {}", r.stdout);
    let v = parse(&r);
    let all = checks(&v);
    // The independent source: readelf's `.bss` sizes of both binaries.
    let (was, now) = (
        readelf_bss(str_of(&old["artifacts"][0], "path")),
        readelf_bss(str_of(&v["artifacts"][0], "path")),
    );
    assert!(now >= was + (4 << 20), "readelf .bss {was} → {now}");
    let bss = check(&all, "baseline.section:.bss");
    assert_eq!(bss["verdict"], "fail", "{bss}");
    assert_eq!(bss["baseline"].as_u64(), Some(was), "{bss}");
    assert_eq!(bss["value"].as_u64(), Some(now), "{bss}");
    assert!(
        str_of(bss, "message").starts_with("section .bss (in memory) grew"),
        "{bss}"
    );
    // The crate's check and the crate table agree: loaded bytes.
    let krate = check(&all, "baseline.crate:gate_rodata");
    assert_eq!(krate["verdict"], "fail", "{krate}");
    let table = |r: &Value, name: &str| -> u64 {
        r["artifacts"][0]["binary"]["crates"]
            .as_array()
            .expect("crates")
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| u64_of(c, "vm_size"))
            .unwrap_or_else(|| panic!("no crate {name}"))
    };
    assert_eq!(krate["value"].as_u64(), Some(table(&v, "gate_rodata")));
    assert_eq!(krate["baseline"].as_u64(), Some(table(&old, "gate_rodata")));
    assert!(krate["value"].as_u64().unwrap_or(0) >= 4 << 20, "{krate}");
    // Every crate check shows the table's figure (QA: `[libc]` 842 KiB in the table,
    // "unchanged (818 KiB)" in its check).
    for c in all.iter().filter(|c| {
        c["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("baseline.crate:"))
    }) {
        let name = &str_of(c, "id")["baseline.crate:".len()..];
        assert_eq!(c["value"].as_u64(), Some(table(&v, name)), "{c}");
    }
    // A section that is not loaded is still compared by its bytes in the file.
    let symtab = check(&all, "baseline.section:.symtab");
    let file_symtab = readelf_sections(str_of(&v["artifacts"][0], "path"))
        .into_iter()
        .find(|(n, _)| n == ".symtab")
        .map(|(_, s)| s);
    assert_eq!(symtab["value"].as_u64(), file_symtab, "{symtab}");
}

//! A constant that is a file a crate embeds (`include_bytes!`) is named by that file, the
//! package's and a dependency's alike; one of the same size and other bytes is not (QA bu F3:
//! git-delta's largest row, 989 KiB, was `anon.3518…41`, bat's `assets/syntaxes.bin`).
//! Checked against `nm -S` and `readelf -S`: the symbol's bytes in the file are the file's.

use serde_json::Value;

use crate::util::*;

/// The bytes of symbol `mangled` in the ELF file `path`, found by `nm -S` (address, size) and
/// `readelf -SW` (the section's address and offset).
fn bytes_of(path: &str, mangled: &str) -> Vec<u8> {
    let nm = tool("nm", &["-S", path]);
    let (addr, size) = nm
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4 && f[3] == mangled).then(|| {
                let hex = |s: &str| u64::from_str_radix(s, 16).expect("hex");
                (hex(f[0]), hex(f[1]))
            })
        })
        .unwrap_or_else(|| panic!("{mangled} not in nm -S"));
    let sections = tool("readelf", &["-SW", path]);
    let offset = sections
        .lines()
        .filter_map(|l| {
            let l = l.split_once(']')?.1;
            let f: Vec<&str> = l.split_whitespace().collect();
            let hex = |s: &str| u64::from_str_radix(s, 16).ok();
            let (start, off, len) = (hex(f.get(2)?)?, hex(f.get(3)?)?, hex(f.get(4)?)?);
            (f[1] != "NOBITS" && start <= addr && addr + size <= start + len)
                .then(|| off + addr - start)
        })
        .next()
        .unwrap_or_else(|| panic!("no section holds {mangled}"));
    let data = std::fs::read(path).expect("read the binary");
    data[offset as usize..(offset + size) as usize].to_vec()
}

#[test]
fn a_constant_that_is_an_embedded_file_is_named_by_it() {
    let v = json(&mut check_fixture("embedded-file", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let path = str_of(a, "path");
    let row = |name: &str| -> Value {
        a["binary"]["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
            .clone()
    };
    let dir = fixture("embedded-file");
    for (name, file, krate) in [
        ("embedded_file::LOGO", "assets/logo.bin", "embedded_file"),
        ("blobs::TABLE", "blobs/table.txt", "blobs"),
    ] {
        let r = row(name);
        assert_eq!(r["content"], format!("file {file}"), "{r}");
        assert_eq!(r["crate"], krate, "{r}");
        let wanted = std::fs::read(dir.join(file)).expect("the fixture's file");
        assert_eq!(u64_of(&r, "file_size"), wanted.len() as u64, "{r}");
        assert!(
            bytes_of(path, str_of(&r, "mangled")) == wanted,
            "{name}: its bytes are not {file}"
        );
    }
    // As large as the table, and not it.
    let other = row("blobs::NOT_TABLE");
    assert_eq!(u64_of(&other, "file_size"), 4096);
    assert!(other.get("content").is_none(), "{other}");
    assert!(
        bytes_of(path, str_of(&other, "mangled"))
            != std::fs::read(dir.join("blobs/table.txt")).expect("read")
    );
}

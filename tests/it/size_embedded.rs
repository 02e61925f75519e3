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

/// QA dm F8: `--why` of an embedded file's name named the file only where its row was among
/// those listed (`--symbols all`); a file that a symbol's bytes are is named whatever the rows
/// listed, with the crate that embeds it and the symbol, as `nm` gives its size.
#[test]
fn why_of_an_embedded_file_names_it_when_its_row_is_not_listed() {
    let dir = fixture("embedded-file");
    for (file, path, symbol, krate) in [
        (
            "logo.bin",
            "assets/logo.bin",
            "embedded_file::LOGO",
            "embedded_file",
        ),
        ("table.txt", "blobs/table.txt", "blobs::TABLE", "blobs"),
    ] {
        let v = json(&mut check_fixture(
            "embedded-file",
            &["--why", file, "-n", "1"],
        ));
        let b = &v["artifacts"][0]["binary"];
        let rows = b["symbols"].as_array().expect("symbols");
        assert!(rows.iter().all(|r| r["name"] != symbol), "{rows:?}");
        let len = std::fs::read(dir.join(path))
            .expect("the fixture's file")
            .len() as u64;
        assert_eq!(
            str_of(&b["why"], "note"),
            format!(
                "`{file}` is the file {path} ({}) that {krate} embeds, the bytes of the symbol \
                 `{symbol}`: `--why` of that name gives its chain",
                cargo_aotcheck::format::size(len)
            )
        );
        let nm = crate::why::nm(str_of(&v["artifacts"][0], "path"));
        assert_eq!(nm.get(symbol).map(|s| s.1), Some(len), "{symbol}");
    }
}

/// The address of `file`'s bytes in the ELF file `path` (`readelf -SW` for the section's
/// address and offset), after checking that no symbol covers them (`nm -S`).
fn no_symbol_covers(path: &str, file: &[u8]) -> u64 {
    let data = std::fs::read(path).expect("read the binary");
    let at = data
        .windows(file.len())
        .position(|w| w == file)
        .expect("the file's bytes in the binary") as u64;
    let hex = |s: &str| u64::from_str_radix(s, 16).ok();
    let addr = tool("readelf", &["-SW", path])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_once(']')?.1.split_whitespace().collect();
            let (start, off, size) = (hex(f.get(2)?)?, hex(f.get(3)?)?, hex(f.get(4)?)?);
            (start > 0 && off <= at && at < off + size).then(|| start + at - off)
        })
        .next()
        .expect("a section holds it");
    let end = addr + file.len() as u64;
    for l in tool("nm", &["-S", path]).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if let (4, Some(s), Some(n)) = (f.len(), hex(f[0]), f.get(1).and_then(|x| hex(x))) {
            assert!(s + n <= addr || s >= end || n == 0, "{l} covers the file");
        }
    }
    addr
}

/// QA dm F2: a file one crate embeds (`tables`, no code of its own in the binary) whose bytes
/// another crate's code refers to (the package's `main`, `objdump -d`) is a row of that crate's,
/// carved out of its row of `.rodata` with that row's confidence; no crate's split moves to
/// `heuristic`. It had no row at all (racket's `highlights.scm` in difftastic).
#[test]
fn an_embedded_file_is_the_row_of_the_crate_whose_code_refers_to_it() {
    let v = json(&mut check_fixture("embedded-dep", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let path = str_of(a, "path");
    let file = std::fs::read(fixture("embedded-dep").join("tables/data.bin")).expect("file");
    let addr = no_symbol_covers(path, &file);
    // The function whose code loads the file's address, as objdump names it.
    let mut function = String::new();
    let mut referrer = None;
    for l in tool("objdump", &["-dC", "--no-show-raw-insn", path]).lines() {
        if let Some(name) = l.strip_suffix(">:").and_then(|l| l.split_once(" <")) {
            function = name.1.to_string();
        } else if l.contains(&format!("# {addr:x} <")) {
            referrer = Some(function.clone());
        }
    }
    let referrer = referrer.expect("objdump: an instruction refers to the file");
    assert!(referrer.starts_with("embedded_dep::"), "{referrer}");
    let b = &a["binary"];
    let rows = b["symbols"].as_array().expect("symbols");
    let named: Vec<&Value> = rows
        .iter()
        .filter(|r| r["content"] == "file tables/data.bin")
        .collect();
    assert_eq!(named.len(), 1, "{rows:?}");
    assert_eq!(named[0]["crate"], "embedded_dep", "{}", named[0]);
    assert_eq!(named[0]["confidence"], "referenced", "{}", named[0]);
    assert_eq!(u64_of(named[0], "file_size"), file.len() as u64);
    let total: u64 = rows.iter().map(|r| u64_of(r, "file_size")).sum();
    assert_eq!(total, std::fs::metadata(path).expect("stat").len());
    // The crate's rows sum to its row of the crate table, split as they are.
    let crates = b["crates"].as_array().expect("crates");
    let own = crates
        .iter()
        .find(|c| c["name"] == "embedded_dep")
        .expect("the package's crate");
    let of_it = rows.iter().filter(|r| r["crate"] == "embedded_dep");
    let heuristic: u64 = of_it
        .clone()
        .filter(|r| r["confidence"] == "heuristic")
        .map(|r| u64_of(r, "vm_size"))
        .sum();
    let sum: u64 = of_it.map(|r| u64_of(r, "vm_size")).sum();
    assert_eq!(sum, u64_of(own, "vm_size"), "{own}");
    assert_eq!(u64_of(&own["confidence"], "heuristic"), heuristic, "{own}");
    assert!(crates.iter().all(|c| c["name"] != "tables"), "{crates:?}");
}

/// QA cm F1: under fat LTO in one codegen unit (bat's profile) an embedded file's bytes have no
/// symbol at all (`nm -S`: none covers them); they are carved out of the crate's row of
/// `.rodata` as a row named by the file, the rows still summing to the file, and the default
/// list of the largest rows has it.
#[test]
fn an_embedded_file_without_a_symbol_is_named_by_it() {
    let v = json(&mut check_fixture("embedded-lto", &["--symbols", "all"]));
    let a = &v["artifacts"][0];
    let path = str_of(a, "path");
    let file = std::fs::read(fixture("embedded-lto").join("assets/big.bin")).expect("file");
    let rows = a["binary"]["symbols"].as_array().expect("symbols");
    let named: Vec<&Value> = rows
        .iter()
        .filter(|r| r["content"] == "file assets/big.bin")
        .collect();
    assert_eq!(named.len(), 1, "{rows:?}");
    assert_eq!(named[0]["crate"], "embedded_lto");
    assert_eq!(u64_of(named[0], "file_size"), file.len() as u64);
    let total: u64 = rows.iter().map(|r| u64_of(r, "file_size")).sum();
    let len = std::fs::metadata(path).expect("stat").len();
    assert_eq!(total, len);
    // Stripped: its bytes are in the analysis link, whose symbols the report read, where none
    // of them is (`readelf -SW` for the address).
    let path = str_of(&a["binary"]["coverage"], "symbols_from");
    no_symbol_covers(path, &file);
    // QA de F2: `--why` of the file's name is an answer, not "nothing matches": the row is
    // named, with why no chain leads to it and the `--why` that gives the chains there.
    let r = run(&mut check_fixture("embedded-lto", &["--why", "big.bin"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let why = &v["artifacts"][0]["binary"]["why"];
    assert_eq!(why["matched"], "none", "{why}");
    let note = str_of(why, "note");
    assert!(
        note.starts_with(&format!(
            "`big.bin` is the file assets/big.bin ({}), counted in embedded_lto's bytes \
             (carved out of its `[section .rodata]` row)",
            cargo_aotcheck::format::size(file.len() as u64)
        )),
        "{note}"
    );
    assert!(note.ends_with("`--why '[section .rodata]'` gives the chains to that section's stretches, one of them holding it"), "{note}");
    let top = json(&mut check_fixture("embedded-lto", &[]));
    let shown = top["artifacts"][0]["binary"]["symbols"]
        .as_array()
        .expect("symbols");
    assert_eq!(shown[0]["content"], "file assets/big.bin", "{shown:?}");
    // The Markdown and the page say it too (QA cp F3).
    for format in ["markdown", "html"] {
        let mut cmd = crate::util::human_fixture("embedded-lto", &["--no-probe"]);
        let r = run(cmd.args(["--format", format]));
        assert!(
            r.stdout.contains("(file assets/big.bin)"),
            "{format}: {}",
            r.stdout
        );
    }
}

/// QA de F10: `inspect` of a copy of a build of the tool's, given its `--target-dir`, names
/// the embedded files as the main command does: the package's and a path dependency's with a
/// symbol, and one carved out of `.rodata` under fat LTO; the rows are the main command's.
#[test]
fn inspect_of_a_copy_names_the_embedded_files_as_the_main_command_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (fixture_name, files) in [
        (
            "embedded-file",
            &["file assets/logo.bin", "file blobs/table.txt"][..],
        ),
        ("embedded-lto", &["file assets/big.bin"][..]),
        // Carved out of the row of the crate whose code refers to it (QA dm F2).
        ("embedded-dep", &["file tables/data.bin"][..]),
    ] {
        let main = json(&mut check_fixture(fixture_name, &["--symbols", "all"]));
        let a = &main["artifacts"][0];
        let copy = dir.path().join(fixture_name);
        std::fs::copy(str_of(a, "path"), &copy).expect("copy the binary");
        let target_dir = shared_target_dir();
        let r = run(inspect_all(copy.to_str().expect("utf-8"))
            .arg("--target-dir")
            .arg(&target_dir));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        let rows_of = |b: &Value, content: &str| -> Vec<(String, u64, u64)> {
            b["symbols"]
                .as_array()
                .expect("symbols")
                .iter()
                .filter(|r| r["content"] == content)
                .map(|r| {
                    let krate = str_of(r, "crate").to_string();
                    (krate, u64_of(r, "file_size"), u64_of(r, "vm_size"))
                })
                .collect()
        };
        for file in files {
            let ours = rows_of(&v["artifacts"][0]["binary"], file);
            assert_eq!(ours.len(), 1, "{fixture_name}: {file}: {ours:?}");
            assert_eq!(ours, rows_of(&a["binary"], file), "{fixture_name}: {file}");
            let on_disk = fixture(fixture_name).join(file.trim_start_matches("file "));
            let len = std::fs::metadata(on_disk)
                .expect("the fixture's file")
                .len();
            assert_eq!(ours[0].1, len, "{fixture_name}: {file}");
        }
    }
}

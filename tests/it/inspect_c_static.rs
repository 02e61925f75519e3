//! `inspect` of a static binary built elsewhere matches C statics against this machine's
//! libc.a by name: a static of a source file no member of libc.a was compiled from is not
//! glibc's (QA cm F4: oniguruma's `init` of ascii.c was `[libc]`'s, as glibc's fmtmsg.o has
//! a static `init`, and `inspect --why onig_sys` printed a chain through it).

use serde_json::Value;

use crate::util::*;

#[test]
fn a_c_static_of_a_file_libc_has_not_is_not_libcs() {
    let v = json(&mut check_fixture("c-statics", &["--symbols", "all"]));
    let bin = str_of(artifact(&v, "static"), "path").to_string();
    // readelf: one `init`, local, after `FILE ascii.c`; nm of libc.a: glibc has a static
    // `init` too.
    let mut file = "";
    let mut after = Vec::new();
    for line in tool("readelf", &["-sW", &bin]).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 8 && f[3] == "FILE" {
            file = f[7];
        } else if f.len() == 8 && f[7] == "init" {
            after.push((file.to_string(), f[4].to_string()));
        }
    }
    assert_eq!(after, [("ascii.c".to_string(), "LOCAL".to_string())]);
    let libc = tool("nm", &["-A", "/usr/lib/x86_64-linux-gnu/libc.a"]);
    assert!(
        libc.lines().any(|l| l.ends_with(" t init")),
        "libc.a has no static init"
    );
    let crate_of = |v: &Value| -> Vec<String> {
        let rows = v["artifacts"][0]["binary"]["symbols"]
            .as_array()
            .expect("rows");
        let init = rows.iter().filter(|r| r["name"] == "init");
        init.map(|r| r["crate"].as_str().unwrap_or("[unknown]").to_string())
            .collect()
    };
    // The main command, with the build's archives, says grammar_a's; `inspect`, without
    // them, does not say glibc's.
    let main: Value = serde_json::json!({ "artifacts": [artifact(&v, "static")] });
    assert_eq!(crate_of(&main), ["grammar_a"]);
    let inspected = crate_of(&json(&mut inspect_all(&bin)));
    assert_eq!(inspected.len(), 1);
    assert_ne!(inspected[0], "[libc]");
}

/// QA cx F4: `inspect` of a binary the main command built names the C code of a `-sys` crate
/// as the main command does, from the archives its build script left in the build dir (it
/// gave it to the Rust wrapper that calls it, as ouch's `bz3_*` to bzip3): in place, and as a
/// stripped copy elsewhere given the build's `--target-dir`. Checked against `nm` of the
/// archive.
#[test]
fn inspect_names_a_sys_crates_c_code_from_the_build_dirs_archives() {
    let v = json(&mut check_fixture("sys-wrapped", &["--symbols", "all"]));
    let a = artifact(&v, "static");
    let bin = str_of(a, "path").to_string();
    // The archive libfoo-sys's build script left: what it defines.
    let profile = std::path::Path::new(&bin).parent().expect("profile dir");
    let archive = std::fs::read_dir(profile.join("build"))
        .expect("build/")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("libfoo-sys-"))
        .map(|e| e.path().join("out/libfoo.a"))
        .find(|p| p.is_file())
        .expect("libfoo.a");
    let nm = tool("nm", &["--defined-only", archive.to_str().expect("utf-8")]);
    let defined: Vec<&str> = nm
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert!(defined.contains(&"bz_frob"), "{nm}");
    let c_rows = |b: &Value| -> Vec<(String, String)> {
        let rows = b["symbols"].as_array().expect("rows");
        let mut out: Vec<(String, String)> = rows
            .iter()
            .filter(|r| defined.contains(&str_of(r, "name")))
            .map(|r| {
                let krate = r["crate"].as_str().unwrap_or("[unknown]");
                (str_of(r, "name").to_string(), krate.to_string())
            })
            .collect();
        out.sort();
        out
    };
    let main = c_rows(&a["binary"]);
    assert!(main.iter().any(|(n, _)| n == "bz_frob"), "{main:?}");
    assert!(main.iter().all(|(_, k)| k == "libfoo_sys"), "{main:?}");
    // In place.
    let inspected = json(&mut inspect_all(&bin));
    assert_eq!(c_rows(&inspected["artifacts"][0]["binary"]), main);
    // A stripped copy elsewhere, with the build's target dir.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("sys-wrapped");
    tool("strip", &["-o", copy.to_str().expect("utf-8"), &bin]);
    let build_dir = std::path::Path::new(&bin).ancestors().nth(3).expect("dir");
    let inspected = json(
        inspect_all(copy.to_str().expect("utf-8"))
            .arg("--target-dir")
            .arg(build_dir),
    );
    let b = &inspected["artifacts"][0]["binary"];
    assert!(
        b["coverage"]["symbols_from"].is_string(),
        "{}",
        b["coverage"]
    );
    assert_eq!(c_rows(b), main);
}

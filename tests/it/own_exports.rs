//! A binary's own exported C names (`#[no_mangle]`, `#[export_name]`) and the `main` rustc
//! writes for it are the binary crate's (QA dq F10: no archive defines them, and they were
//! `[unknown]`). Two binaries of one build each export a `checksum` of their own: each row is
//! its own binary's, of the size `nm -S` gives in that binary.

use std::collections::HashMap;

use serde_json::Value;

use crate::util::*;

/// `nm -S --defined-only` of `path`: name → size, for the names asked.
fn nm_sizes(path: &str, names: &[&str]) -> HashMap<String, u64> {
    tool("nm", &["-S", "--defined-only", path])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (size, name) = (f.get(1)?, f.get(3)?);
            let size = u64::from_str_radix(size, 16).ok()?;
            names.contains(name).then(|| (name.to_string(), size))
        })
        .collect()
}

#[test]
fn exported_names_of_each_binary_are_its_own_crates() {
    let v = json(&mut check_fixture("bin-exports", &["--symbols", "all"]));
    let artifacts = v["artifacts"].as_array().expect("artifacts");
    let mut seen = Vec::new();
    for a in artifacts.iter().filter(|a| a["link_mode"] == "static") {
        let krate = a["name"].as_str().expect("name").replace('-', "_");
        let path = a["path"].as_str().expect("path");
        let mut names = vec!["checksum", "main"];
        if krate == "exports_one" {
            names.push("one_table_sum");
        }
        let nm = nm_sizes(path, &names);
        let rows: Vec<&Value> = a["binary"]["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .filter(|r| names.contains(&r["name"].as_str().unwrap_or("")))
            .collect();
        for name in &names {
            let r = rows
                .iter()
                .find(|r| r["name"] == *name)
                .unwrap_or_else(|| panic!("{krate}: no row {name} among {rows:?}"));
            assert_eq!(r["crate"], krate.as_str(), "{krate}: {r}");
            assert_eq!(r["confidence"], "exact", "{r}");
            assert_eq!(
                Some(&r["vm_size"].as_u64().expect("size")),
                nm.get(*name),
                "{r}"
            );
        }
        seen.push(krate);
    }
    seen.sort();
    assert_eq!(seen, ["exports_one", "exports_two"]);
}

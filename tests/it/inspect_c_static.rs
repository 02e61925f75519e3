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

//! QA bo F2: a crate the change did not touch (same version, source and features, no new
//! reference from a crate that changed) that grew, as thin LTO's inlining moves code between
//! crates, warns instead of failing. The baseline is std-twin's own with the registry's
//! `memchr` made smaller; its recorded inputs are checked against `Cargo.lock`.

use serde_json::Value;

use super::gate::{check, checks, parse};
use crate::util::*;

/// std-twin's baseline saved in `dir` with `memchr`'s row 5,000 bytes smaller (and at least
/// 10% smaller), then edited by `edit`: the report of a run against it.
fn against(dir: &std::path::Path, edit: impl Fn(&mut Value)) -> (Run, Value) {
    let base = dir.join("base.json");
    let saved = run(check_fixture("std-twin", &["--save-baseline"]).arg(&base));
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let mut b: Value = serde_json::from_slice(&std::fs::read(&base).expect("read")).expect("JSON");
    let row = b["artifacts"][0]["binary"]["crates"]
        .as_array_mut()
        .expect("crates")
        .iter_mut()
        .find(|c| c["name"] == "memchr")
        .expect("memchr in the crate table");
    for key in ["vm_size", "file_size"] {
        let was = u64_of(row, key);
        row[key] = was.saturating_sub(5_000.max(was / 10)).into();
    }
    edit(&mut b);
    std::fs::write(&base, serde_json::to_vec(&b).expect("JSON")).expect("write");
    let r = run(check_fixture("std-twin", &["--baseline"]).arg(&base));
    let v = parse(&r);
    (r, v)
}

/// `memchr`'s version in the fixture's `Cargo.lock`.
fn locked_memchr() -> String {
    let lock = std::fs::read_to_string(fixture("std-twin").join("Cargo.lock")).expect("lock");
    let at = lock.find("name = \"memchr\"").expect("memchr locked");
    let version = lock[at..].lines().nth(1).expect("version line");
    version
        .trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_string()
}

#[test]
fn an_untouched_registry_crate_that_grew_warns_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, v) = against(dir.path(), |_| {});
    let inputs = str_of(&v["provenance"]["crate_inputs"], "memchr");
    assert!(
        inputs.starts_with(&format!("{} registry+", locked_memchr())),
        "{inputs}"
    );
    // A dev-dependency is built for no binary, and not recorded as built (QA cd F1: hexyl's
    // `memchr`, a dev-dependency's, was "built there from the same inputs, all inlined").
    assert!(
        v["provenance"]["crate_inputs"].get("itoa").is_none(),
        "{}",
        v["provenance"]["crate_inputs"]
    );
    let c = check(&checks(&v), "baseline.crate:memchr").clone();
    assert_eq!(c["verdict"], "warn", "{c}");
    assert!(
        str_of(&c, "message").contains("not a change of its own"),
        "{c}"
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_registry_crate_whose_version_changed_still_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, v) = against(dir.path(), |b| {
        let inputs = &mut b["provenance"]["crate_inputs"]["memchr"];
        let was = inputs.as_str().expect("memchr's inputs").to_string();
        *inputs = was.replacen(&locked_memchr(), "2.0.0", 1).into();
    });
    let c = check(&checks(&v), "baseline.crate:memchr").clone();
    assert_eq!(c["verdict"], "fail", "{c}");
    assert_eq!(r.code, 1, "{}", r.stderr);
}

/// QA da F2: a crate only a build script uses is built for the host, not for the binary: it is
/// not recorded among the crates the build compiled (tokei's baseline had `generic_array` only
/// under pest's build script, and a later build's was said to have been "all inlined" there).
#[test]
fn a_build_dependency_is_not_recorded_as_built_for_the_binary() {
    let r = run(&mut check_fixture("audit-libloading-build", &[]));
    let v = parse(&r);
    assert!(v["provenance"].is_object(), "{}", r.stderr);
    let inputs = &v["provenance"]["crate_inputs"];
    assert!(inputs.get("libloading").is_none(), "{inputs}");
}

/// QA dc F1: nor a proc-macro's dependencies, built for the compiler (syn, quote, proc_macro2
/// under ctor's macro), nor the proc-macro itself: `crate_inputs` holds the crates whose rlib
/// the build made for the target (`deps/` of the target's folder), checked against that folder.
#[test]
fn a_proc_macros_dependencies_are_not_recorded_as_built_for_the_binary() {
    let r = run(&mut check_fixture("audit-ctor", &[]));
    let v = parse(&r);
    let inputs = v["provenance"]["crate_inputs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for host in ["syn", "quote", "proc_macro2", "ctor"] {
        assert!(!inputs.contains_key(host), "{host}: {inputs:?}");
    }
    let bin = str_of(artifact(&v, "static"), "path").to_string();
    let deps = std::path::Path::new(&bin).with_file_name("deps");
    let rlibs: Vec<String> = std::fs::read_dir(&deps)
        .expect("deps/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rlib"))
        .collect();
    for k in inputs.keys() {
        assert!(
            rlibs.iter().any(|f| f.starts_with(&format!("lib{k}-"))),
            "{k} has no rlib in {}",
            deps.display()
        );
    }
}

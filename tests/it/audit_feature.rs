//! QA cp F7: a lookup that an optional dependency makes, turned on by a default feature (procs's
//! `docker`, bringing in bollard's HTTP client): the AOT004 advice names the feature, and a
//! build without it has no such lookup (`nm` of that build, and its audit). And a lookup that
//! C code makes itself beside std's (QA cq F1).

use serde_json::Value;

use crate::util::*;

/// The AOT004 findings of the static build of `audit-lookup-feature`, built with `args`, and
/// its path; the run exits with `code` (1: the finding is an error).
fn lookups(args: &[&str], code: i32) -> (Vec<Value>, String) {
    let r = run(&mut check_fixture("audit-lookup-feature", args));
    assert_eq!(r.code, code, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("a report");
    let a = artifact(&v, "static");
    let found = a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "AOT004")
        .cloned()
        .collect();
    (found, str_of(a, "path").to_string())
}

#[test]
fn a_lookup_only_a_feature_brings_in_names_that_feature() {
    let (found, path) = lookups(&[], 1);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    let steps: Vec<&str> = f["chain"]
        .as_array()
        .expect("a chain")
        .iter()
        .filter_map(|s| s["crate"].as_str())
        .collect();
    assert!(steps.contains(&"resolver"), "{steps:?}");
    let advice = str_of(f, "advice");
    assert!(
        advice.contains(
            "The chain above runs through resolver, which only audit-lookup-feature's `net` \
             feature, on by default, brings in: without that feature (`--no-default-features` and \
             the others by name, or leave it out of `default`) this chain is gone"
        ),
        "{advice}"
    );
    assert!(defines_getaddrinfo(&path), "{path}");

    // Without the feature: no lookup, by nm and by the audit.
    let (found, path) = lookups(&["--no-default-features"], 0);
    assert!(found.is_empty(), "{found:?}");
    assert!(!defines_getaddrinfo(&path), "{path}");
}

/// Whether `nm` lists `getaddrinfo` itself (not glibc's link-warning note for it).
fn defines_getaddrinfo(path: &str) -> bool {
    tool("nm", &["--defined-only", path])
        .lines()
        .any(|l| l.split_whitespace().last() == Some("getaddrinfo"))
}

/// QA cq F1: std's finding named OpenSSL's `BIO_lookup_ex`, C code that calls `getaddrinfo`
/// itself, among the users of std's resolver. audit-c-resolver's `cresolve_lookup` does the
/// same (`objdump -d` shows its call): its finding is cresolve's, and std's names only the
/// package's own `to_socket_addrs`.
#[test]
fn c_code_that_calls_the_lookup_itself_is_no_user_of_std_s() {
    let r = run(&mut check_fixture("audit-c-resolver", &[]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("a report");
    let a = artifact(&v, "static");
    let on = |krate: &str| aot004_on(a, krate).clone();
    let disassembly = tool(
        "objdump",
        &["-d", "--disassemble=cresolve_lookup", str_of(a, "path")],
    );
    assert!(disassembly.contains("call") && disassembly.contains("<getaddrinfo>"));
    let std_said = on("std")["evidence"].to_string();
    assert!(!std_said.contains("cresolve_lookup"), "{std_said}");
    assert!(
        std_said.contains("audit-c-resolver's own code makes this call"),
        "{std_said}"
    );
    let c_said = on("cresolve")["evidence"].to_string();
    assert!(c_said.contains("cresolve_lookup"), "{c_said}");
    // QA db F4: `getservbyname_r` is called by glibc's `gaih_inet_serv`, which `getaddrinfo`
    // calls (`objdump`: cresolve_lookup calls no `getservbyname_r`): said so, two levels down.
    assert!(!disassembly.contains("getservbyname_r>"), "{disassembly}");
    assert!(
        c_said.contains("`getservbyname_r` through the C library's `getaddrinfo`")
            && !c_said.contains("`getservbyname_r` called by"),
        "{c_said}"
    );
    // QA cx F6: the graph shows the call; not said as a guess.
    assert!(
        c_said.contains("the native code cresolve links makes the call (the reference graph"),
        "{c_said}"
    );
    assert!(
        !c_said.contains("no crate in the graph is known"),
        "{c_said}"
    );
    // QA cq F1, cs: cdead's `cdead_lookup` calls `getaddrinfo` and nothing calls it (`objdump
    // -d`: no reference to it besides its own label); std's code reaches `getaddrinfo`, and
    // cdead's finding names its call, unreachable, where it named it nowhere.
    let whole = tool("objdump", &["-d", str_of(a, "path")]);
    let dead = tool(
        "objdump",
        &["-d", "--disassemble=cdead_lookup", str_of(a, "path")],
    );
    assert!(dead.contains("<getaddrinfo>"), "{dead}");
    let refs = whole
        .lines()
        .filter(|l| l.contains("<cdead_lookup>"))
        .count();
    assert_eq!(refs, 1, "cdead_lookup is referred to: {refs} lines");
    let d = on("cdead");
    assert_eq!(d["reachable"], false, "{d}");
    let d_said = d["evidence"].to_string();
    assert!(
        d_said.contains(
            "`getaddrinfo` called by cdead's code too (`cdead_lookup`, the reference graph), \
             which is linked but unreachable from every root"
        ),
        "{d_said}"
    );
    assert!(!std_said.contains("cdead"), "{std_said}");
}

/// QA ct F6: du-dust's `dust::main` holds std's `env::home_dir` under LTO, and the finding on
/// the package told of other users' entries, not that `HOME` avoids the lookup. Fixture
/// home-dir built with LTO in a target dir of its own: `nm` shows no `home_dir` of std's and
/// `objdump -d` the program's `main` calling `getpwuid_r`; the advice says what std's does.
#[test]
fn the_package_s_own_getpwuid_r_may_be_std_s_home_dir_inlined() {
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("home-dir").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir().join("home-dir-lto"))
        .args([
            "--locked",
            "-q",
            "--bin",
            "home-dir",
            "--no-probe",
            "--format",
            "json",
        ])
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1");
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("a report");
    let a = artifact(&v, "static");
    let path = str_of(a, "path");
    let symbols = tool("nm", &["-C", "--defined-only", path]);
    assert!(
        !symbols.contains("env::home_dir"),
        "std's home_dir has a symbol"
    );
    // Through its GOT slot, which `readelf -r` shows holding `getpwuid_r`.
    assert!(crate::why::refers_by_name(
        path,
        "home_dir::main",
        "getpwuid_r"
    ));
    let f = aot004_on(a, "home-dir");
    let advice = str_of(f, "advice");
    assert!(
        advice.contains("`getpwuid_r` is how it looks up the user running the program"),
        "{advice}"
    );
    // QA cv F4: `HOME` first, other users' entries after.
    let home = advice
        .find("`HOME` set where the program runs")
        .expect("HOME said");
    let passwd = advice.find("`/etc/passwd`").expect("other users said");
    assert!(home < passwd, "{advice}");
}

/// Artifact `a`'s AOT004 finding on `krate`.
fn aot004_on<'a>(a: &'a Value, krate: &str) -> &'a Value {
    a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004" && f["crate"] == krate)
        .unwrap_or_else(|| panic!("no AOT004 on {krate} in {a}"))
}

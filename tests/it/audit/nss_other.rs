//! NSS functions of a crate's finding that another crate's code calls, or no code at all
//! (fixture `audit-nss-other`: nix's `user` lookup beside a -sys crate's C host lookup; each
//! feature builds the fixture at one path, so they run in one test, in turn).

use super::native::{chain_of, finding};
use super::*;

/// QA i, F4: a crate known to look users up (nix `user`, as dirs-sys) got every NSS function
/// the static binary defines as its evidence, also the host lookups of another crate's C code
/// (libcrypto's `BIO_gethostbyname`), linked and never called. Those go to a finding on the
/// crate whose code calls them, unreachable; nix keeps `getpwuid_r`. objdump shows
/// `resolv_sys_lookup` calling `gethostbyname`, and no function of nix doing so. With nix's
/// lookup never called, its finding is a step less severe.
#[test]
fn nss_functions_another_crates_code_calls_are_that_crates() {
    let v = audit(
        "audit-nss-other",
        &[],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &[
                    "static binary defines `getpwuid_r`",
                    "`gethostbyname`, `gethostbyname_r` are called by the code of resolv-sys, \
                     not of nix",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &[
                    "static binary defines `gethostbyname`, `gethostbyname_r`",
                    "called by resolv-sys's code (`resolv_sys_lookup`",
                    "linked but unreachable from every root",
                ],
            },
        ],
    );
    let a = artifact(&v, "static");
    let nix = finding(a, "crate", "nix");
    let defines: Vec<String> = strings(&nix["evidence"])
        .into_iter()
        .filter(|e| e.starts_with("static binary defines"))
        .collect();
    assert_eq!(defines, ["static binary defines `getpwuid_r`"]);
    let resolv = finding(a, "crate", "resolv-sys");
    assert_eq!(resolv["reachable"], false);
    let bin = str_of(a, "path");
    let callers = functions_calling(bin, "<gethostbyname>");
    assert!(
        callers.iter().any(|f| f == "resolv_sys_lookup"),
        "{callers:?}"
    );
    assert!(!callers.iter().any(|f| f.contains("nix")), "{callers:?}");
    // The same with nix's lookup never called (`--features no-user`; in this test, not a
    // second one: both would build the fixture's binary at one path): none of the NSS
    // functions is nix's code's, so its finding is a warning that says why.
    let v = audit(
        "audit-nss-other",
        &["--features", "no-user"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "warning",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &["is called by nix's code, so the finding is one step less severe"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &["called by resolv-sys's code (`resolv_sys_lookup`"],
            },
        ],
    );
    // The page says nix's code calls none of them, not that they are unreachable (QA cb F1:
    // "linked but unreachable" beside dirs-sys's reachable `getpwuid_r`).
    let nix = finding(artifact(&v, "static"), "crate", "nix");
    assert_eq!(nix["reachable"], false, "{nix}");
    // Nor its advice the rule's ways around a lookup it does not make (QA cb F8).
    assert!(
        str_of(nix, "advice").starts_with("Nothing to change in nix: none of its code calls"),
        "{nix}"
    );
    let page = run(&mut human_fixture(
        "audit-nss-other",
        &["--features", "no-user", "--no-probe", "--format", "html"],
    ));
    assert!(
        page.stdout.contains("Not called by nix's code"),
        "{}",
        page.stderr
    );
    assert_eq!(page.stdout.matches("Linked but unreachable").count(), 1);
    // QA j, J1: with the lookup called (`--features lookup`), resolv-sys's finding showed the
    // shortest chain to `gethostbyname`, the package's own direct call, with no step of
    // resolv-sys (bat: std's chain to `getpwuid_r` on libgit2-sys's finding). It shows the
    // chain through resolv-sys's code; objdump shows each call of it.
    let v = audit(
        "audit-nss-other",
        &["--features", "lookup"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &["static binary defines `getpwuid_r`"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &[
                    "reachable through resolv-sys: _start → ",
                    // QA q: the other function it lists that is reachable, by name.
                    "`gethostbyname_r` is reachable too (`--why '^gethostbyname_r$'` shows how)",
                ],
            },
            // QA aw F1: the program's own direct call (objdump below: "the package calls it
            // itself") is its own finding; a lookup of the host kind is none that nix makes.
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "audit-nss-other",
                path: &["audit-nss-other"],
                evidence: &["called by audit-nss-other's code (`audit_nss_other::main`"],
            },
        ],
    );
    let a = artifact(&v, "static");
    // objdump: `gethostbyname`, which the chain reaches, calls `gethostbyname_r`.
    let code = tool("objdump", &["-d", "--no-show-raw-insn", str_of(a, "path")]);
    let body: Vec<&str> = code
        .split("\n\n")
        .filter(|f| f.contains("<gethostbyname>:"))
        .collect();
    assert!(
        body.iter().any(|f| f
            .lines()
            .any(|l| l.contains("call") && l.contains("gethostbyname_r>"))),
        "objdump shows no call of gethostbyname_r in gethostbyname"
    );
    let resolv = finding(a, "crate", "resolv-sys");
    assert_eq!(resolv["reachable"], true);
    let steps = chain_of(resolv);
    let krates: Vec<&str> = resolv["chain"]
        .as_array()
        .expect("a chain")
        .iter()
        .map(|s| s["crate"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        steps.first().map(|s| s.0.as_str()),
        Some("_start"),
        "{steps:?}"
    );
    assert_eq!(
        steps.last().map(|s| s.0.as_str()),
        Some("gethostbyname"),
        "{steps:?}"
    );
    assert!(krates.contains(&"resolv_sys"), "{steps:?} {krates:?}");
    let bin = str_of(a, "path");
    crate::why::check_pairs(bin, &steps);
    // The shorter chain the finding no longer shows: the package calls it itself.
    let syms = crate::why::nm(bin);
    let relocs = crate::why::relative_relocs(bin);
    let (main, host) = (syms["audit_nss_other::main"], syms["gethostbyname"]);
    assert!(
        crate::why::refers(bin, main, host.0, &relocs),
        "objdump shows no call of gethostbyname by the package's main"
    );
    // QA k, K9: the program calls `getgrouplist` (`--features groups`); glibc's object of it
    // brings `initgroups`, which no code calls. nix's finding lists it, and says so rather
    // than leave it to read as nix's call. objdump and the dynamic relocations: no reference.
    let v = audit(
        "audit-nss-other",
        &["--features", "groups"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &[
                    // Marked where it is listed (QA bc F4: it headed four findings unmarked).
                    "`initgroups` (`initgroups` referred to by no code)",
                    "`initgroups` is referred to by no code (linked with another function of its \
                 object file, not called by nix)",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &["called by resolv-sys's code (`resolv_sys_lookup`"],
            },
        ],
    );
    let bin = str_of(artifact(&v, "static"), "path");
    let code = tool("objdump", &["-d", "--no-show-raw-insn", bin]);
    let uses: Vec<&str> = code
        .lines()
        .filter(|l| l.contains("<initgroups>") && !l.ends_with("<initgroups>:"))
        .collect();
    assert!(uses.is_empty(), "{uses:?}");
    let at = crate::why::nm(bin)["initgroups"].0;
    assert!(
        !crate::why::relative_relocs(bin)
            .iter()
            .any(|&(_, v)| v == at)
    );
    a_lookup_the_programs_own_code_calls_stays_on_the_blamed_crates_finding();
    a_crate_left_with_only_functions_no_code_calls_is_a_step_less_severe();
    a_crates_lookup_that_std_makes_too_stays_its();
    a_lookup_another_crate_makes_too_is_named_on_the_finding();
}

/// QA db F2: dirs-sys's `getpwuid_r` finding named neither gix-path's `env::home_dir` nor
/// libgit2's `get_passwd_home`, which call it as well: setting what dirs-sys reads left those
/// lookups (and gitui's crash without HOME). Here resolv-sys's C code calls `getpwuid_r`
/// beside nix (`--features uid-both`; objdump shows the call): nix's finding names it.
/// (Run by the first test of this file, in turn with its other feature sets.)
fn a_lookup_another_crate_makes_too_is_named_on_the_finding() {
    let r = run(&mut check_fixture(
        "audit-nss-other",
        &["--features", "uid-both"],
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let a = artifact(&v, "static");
    let code = tool(
        "objdump",
        &["-d", "--disassemble=resolv_sys_uid", str_of(a, "path")],
    );
    assert!(
        code.lines()
            .any(|l| l.contains("call") && l.ends_with("getpwuid_r>")),
        "{code}"
    );
    let nix = strings(&finding(a, "crate", "nix")["evidence"]).join("\n");
    assert!(
        words(&nix).contains(
            "`getpwuid_r` called by the code of resolv-sys (`resolv_sys_uid`) too (the \
             reference graph)"
        ),
        "{nix}"
    );
}

/// QA k, K10/K11: a lookup made in std's generic code compiled into a crate's own (core's
/// `call_mut` with that crate's function inlined into it, as sysinfo's group lookups in
/// git-delta) was std's finding, or stayed on another crate's. It is the crate's that the code
/// was instantiated in: the chain's step says so, and `nm` finds that symbol defined in the
/// crate's rlib; objdump shows every call of the chain.
#[test]
fn a_lookup_in_std_generic_code_instantiated_in_a_crate_is_that_crates() {
    let v = audit(
        "audit-generic-caller",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "groups-dep",
            path: &["audit-generic-caller", "groups-dep"],
            evidence: &["`getgrgid` is called by groups-dep's code (the reference graph"],
        }],
    );
    let a = artifact(&v, "static");
    let f = finding(a, "crate", "groups-dep");
    let chain = f["chain"].as_array().expect("a chain");
    let caller = &chain[chain.len() - 2];
    assert_eq!(caller["crate"], "std", "{caller}");
    assert_eq!(caller["instantiated_in"], "groups_dep", "{caller}");
    let symbol = str_of(caller, "symbol");
    assert!(symbol.contains("call_mut"), "{symbol}");
    // The symbol is defined in groups-dep's rlib, not in the sysroot's.
    let bin = str_of(a, "path");
    let deps = std::path::Path::new(bin)
        .parent()
        .expect("dir")
        .join("deps");
    let rlib = std::fs::read_dir(&deps)
        .expect("deps")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libgroups_dep-") && n.ends_with(".rlib"))
        })
        .expect("groups-dep's rlib");
    let defined = tool(
        "nm",
        &["-C", "--defined-only", rlib.to_str().expect("utf-8")],
    );
    assert!(
        defined.lines().any(|l| l.ends_with(symbol)),
        "{symbol} not defined in {}",
        rlib.display()
    );
    crate::why::check_pairs(bin, &chain_of(f));
}

/// QA l, F7: under fat LTO broot's `user_name` holds uzers's `get_user_by_uid`, inlined, and
/// calls `getpwuid_r`; dirs-sys calls it too. uzers's finding said "not of uzers" and moved
/// it to dirs-sys, while its chain showed that call. Here the program calls `getpwnam` itself
/// (`--features own-pwd`) and `getpwnam_r` in `own_pwd_r`, and resolv-sys's and passwd-sys's
/// C code call `getpwnam`; nix's code calls neither (objdump). `own_pwd_r` may hold nix's
/// code, so `getpwnam_r`, which nix makes, stays on nix's finding, said to be called by both
/// crates too, whose findings have it with its caller; `main`, which reaches it through
/// `getpwnam` alone, is not named for it (QA bm F5); `getpwnam`, which nix never makes (QA aw
/// F1), is the program's own finding.
/// (Run by the first test of this file, after its other feature sets: each builds the
/// fixture's binary at one path.)
fn a_lookup_the_programs_own_code_calls_stays_on_the_blamed_crates_finding() {
    let v = audit(
        "audit-nss-other",
        &["--features", "own-pwd"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &[
                    "static binary defines `getpwnam_r`, `getpwuid_r`",
                    // Every crate that calls them, not the first found (QA m: lsd's
                    // libgit2-sys, after dirs-sys).
                    // Not `main`, which reaches it through glibc's `getpwnam` only, which
                    // nix never calls (QA bm F5: bottom's `read_proc` was named so).
                    "`getpwnam_r` also called by the code of passwd-sys, resolv-sys and by the \
                     program's own code (`audit_nss_other::own_pwd_r`), where nix's may be \
                     inlined (the finding on passwd-sys, resolv-sys)",
                    // A host lookup is not of the kind nix makes, nor is `getpwnam` (nix calls
                    // `getpwnam_r`): they move, the program's own call to its own finding.
                    "`gethostbyname`, `gethostbyname_r`, `getpwnam` are called by the code of \
                     audit-nss-other, passwd-sys, resolv-sys, not of nix",
                ],
            },
            // QA aw F1: bottom's own `getpwuid` stayed on dirs-sys "where dirs-sys's may be
            // inlined"; the program's own `getpwnam` is its own finding.
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "audit-nss-other",
                path: &["audit-nss-other"],
                evidence: &["`getpwnam` called by audit-nss-other's code (`audit_nss_other::main`"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &["`resolv_sys_user`"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "passwd-sys",
                path: &["audit-nss-other", "passwd-sys"],
                // QA bc F4: `getpwnam_r` was said called by the crate's code; only the C
                // library's `getpwnam` calls it (objdump, below).
                evidence: &[
                    "`getpwnam` called by passwd-sys's code (`passwd_sys_home`, the reference \
                     graph); `getpwnam_r` through the C library's `getpwnam`",
                ],
            },
        ],
    );
    // The calls of `getpwnam`: resolv_sys_user's direct one (objdump), the program's through
    // its GOT slot (the slot's relative relocation), and none of nix's functions.
    let bin = str_of(artifact(&v, "static"), "path");
    let syms = crate::why::nm(bin);
    let relocs = crate::why::relative_relocs(bin);
    let pwnam = syms["getpwnam"].0;
    let refers = |name: &str| crate::why::refers(bin, syms[name], pwnam, &relocs);
    assert!(refers("audit_nss_other::main"), "the program's own call");
    assert!(refers("resolv_sys_user"));
    assert!(refers("passwd_sys_home"));
    let pwnam_r = syms["getpwnam_r"].0;
    let refers_r = |name: &str| crate::why::refers(bin, syms[name], pwnam_r, &relocs);
    assert!(!refers_r("passwd_sys_home") && refers_r("getpwnam"));
    // Nor does the program's `main`, which reaches it through `getpwnam`; its `own_pwd_r`
    // does.
    assert!(!refers_r("audit_nss_other::main") && refers_r("audit_nss_other::own_pwd_r"));
    let nix: Vec<&String> = syms
        .keys()
        .filter(|k| k.starts_with("nix::") || k.contains("<nix::"))
        .filter(|k| refers(k))
        .collect();
    assert!(nix.is_empty(), "{nix:?}");
}

/// QA l, F8: du-dust's binary is the crate `dust`. Its call of `getpwuid_r` (std's
/// `env::home_dir` inlined into `dust::main` under LTO) named no crate of the dependency graph,
/// whose names are packages', so the guess on std stayed: "no crate in the graph is known to
/// do this", beside a chain through `dust::main`. A binary named `finder` in package
/// `audit-bin-name`: the finding is the package's, and says that inlined code counts; nm
/// names no std function on the way (the lookup is in `finder::main`'s own bytes, objdump).
#[test]
fn a_lookup_in_a_binary_whose_crate_is_not_named_as_its_package_is_the_packages() {
    let v = audit(
        "audit-bin-name",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "audit-bin-name",
            path: &["audit-bin-name"],
            evidence: &[
                "`getpwuid_r` is called by audit-bin-name's code (the reference graph; what the \
                 compiler inlined into it, such as std's code under LTO, counts as its code): \
                 _start → main → finder::main →",
            ],
        }],
    );
    let a = artifact(&v, "static");
    let f = finding(a, "crate", "audit-bin-name");
    assert!(
        !strings(&f["evidence"])
            .iter()
            .any(|e| e.contains("no crate in the graph")),
        "{f}"
    );
    let bin = str_of(a, "path");
    let syms = crate::why::nm(bin);
    let relocs = crate::why::relative_relocs(bin);
    let lookup = syms.get("getpwuid_r").expect("getpwuid_r in nm").0;
    assert!(crate::why::refers(
        bin,
        syms["finder::main"],
        lookup,
        &relocs
    ));
}

/// QA o, F8: nix (its `user` feature on, none of its lookups linked) kept an error finding
/// for the `getpwuid_r` that only std's `env::home_dir` calls, reached through home, with
/// home's chain. The function is said to be std's code's, which nix's code does not reach,
/// and nix's finding is a warning; home's stays an error. objdump shows the only caller of
/// `getpwuid_r` in the binary, std's `home_dir`, and no function of nix calling it.
#[test]
fn a_lookup_only_std_makes_through_another_crate_is_not_nixs() {
    let v = audit(
        "audit-nix-home",
        &[],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "home",
                path: &["audit-nix-home", "home"],
                evidence: &["home::home_dir → std::env::home_dir"],
            },
            Expect {
                rule: "AOT004",
                severity: "warning",
                krate: "nix",
                path: &["audit-nix-home", "nix"],
                evidence: &[
                    "`getpwuid_r` is called by std's code only, which nix's code does not reach; \
                     none of the NSS functions the static binary defines is called by nix's \
                     code, so the finding is one step less severe",
                ],
            },
        ],
    );
    // The references to `getpwuid_r` in the analysis link, by the function holding each.
    let link = crate::why_pcrel::analysis_link(artifact(&v, "static"));
    let syms = crate::why::nm(&link);
    let callers: Vec<&String> = tool("readelf", &["-rW", &link])
        .lines()
        .filter(|l| l.contains(" getpwuid_r"))
        .filter_map(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .filter_map(|at| {
            syms.iter()
                .find(|&(_, &(start, size))| (start..start + size).contains(&at))
                .map(|(name, _)| name)
        })
        .collect();
    assert!(
        callers.iter().any(|f| f.starts_with("std::env::home_dir")),
        "{callers:?}"
    );
    assert!(!callers.iter().any(|f| f.contains("nix")), "{callers:?}");
}

/// QA p, F2: fclones' nix had code in the binary but called no NSS function; sysinfo's
/// `getgrouplist` moved to sysinfo's finding, and `initgroups`, which glibc's object of
/// `getgrouplist` brings and no code calls, kept nix's finding an error. Here
/// (`--features groups-other`) nix's code is an errno's text and resolv-sys's C code calls
/// `getgrouplist`: nix's finding is a warning, with no chain (the one to `getgrouplist` goes
/// through resolv-sys). nm shows nix's code; objdump and the relocations show no reference to
/// `initgroups`, resolv-sys's call of `getgrouplist`, and none by nix.
/// (Run by the first test of this file, after its other feature sets.)
fn a_crate_left_with_only_functions_no_code_calls_is_a_step_less_severe() {
    let v = audit(
        "audit-nss-other",
        &["--features", "groups-other"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "warning",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &[
                    "`initgroups` is referred to by no code (linked with another function of its \
                     object file, not called by nix)",
                    "`getgrouplist` are called by the code of resolv-sys, not of nix (the finding \
                     on resolv-sys); none of the NSS functions the static binary defines is \
                     called by nix's code, so the finding is one step less severe",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &["`getgrouplist` is reachable: _start → main → audit_nss_other::main"],
            },
        ],
    );
    let a = artifact(&v, "static");
    let nix = finding(a, "crate", "nix");
    assert_eq!(nix["reachable"], false, "{nix}");
    // Nor its advice the rule's ways around a lookup it does not make (QA cb F8).
    assert!(
        str_of(nix, "advice").starts_with("Nothing to change in nix: none of its code calls"),
        "{nix}"
    );
    assert!(nix["chain"].is_null(), "{nix}");
    let bin = str_of(a, "path");
    let syms = crate::why::nm(bin);
    let relocs = crate::why::relative_relocs(bin);
    let of_nix: Vec<&String> = syms
        .keys()
        .filter(|k| k.starts_with("nix::") || k.contains("<nix::"))
        .collect();
    assert!(!of_nix.is_empty(), "no code of nix in the binary");
    let (grouplist, initgroups) = (syms["getgrouplist"].0, syms["initgroups"].0);
    assert!(crate::why::refers(
        bin,
        syms["resolv_sys_groups"],
        grouplist,
        &relocs
    ));
    for k in &of_nix {
        for to in [grouplist, initgroups] {
            assert!(
                !crate::why::refers(bin, syms[k.as_str()], to, &relocs),
                "{k}"
            );
        }
    }
    let code = tool("objdump", &["-d", "--no-show-raw-insn", bin]);
    let uses: Vec<&str> = code
        .lines()
        .filter(|l| l.contains("<initgroups>") && !l.ends_with("<initgroups>:"))
        .collect();
    assert!(uses.is_empty(), "{uses:?}");
    assert!(!relocs.iter().any(|&(_, v)| v == initgroups));
}

/// QA bg F1: gitui's libgit2-sys calls `getaddrinfo` in `socket_connect`; once the program
/// called `to_socket_addrs` too, std's nearer chain took the function and libgit2-sys's
/// finding went. Here (`--features hosts-both`) resolv-sys's C code calls `getaddrinfo` three
/// calls deep and std's `ToSocketAddrs` nearer: std has its finding, and resolv-sys keeps the
/// function, with the chain through its own code; objdump shows `connect_to` calling it.
/// (Run by the first test of this file, after its other feature sets.)
fn a_crates_lookup_that_std_makes_too_stays_its() {
    let v = audit(
        "audit-nss-other",
        &["--features", "hosts-both"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "nix",
                path: &["audit-nss-other", "nix"],
                evidence: &[
                    "`getaddrinfo`, `gethostbyname2_r`, `getservbyname_r` are reached by \
                             std's own code, not through nix (the finding on std)",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "std",
                path: &["audit-nss-other", "std"],
                evidence: &["`getaddrinfo` is reachable through std's own code"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "resolv-sys",
                path: &["audit-nss-other", "resolv-sys"],
                evidence: &["`getaddrinfo` is reachable through resolv-sys: _start → main → "],
            },
        ],
    );
    let a = artifact(&v, "static");
    let resolv = finding(a, "crate", "resolv-sys");
    let steps = chain_of(resolv);
    assert_eq!(
        steps
            .iter()
            .rev()
            .take(2)
            .map(|s| s.0.as_str())
            .collect::<Vec<_>>(),
        ["getaddrinfo", "connect_to"],
        "{resolv}"
    );
    crate::why::check_pairs(str_of(a, "path"), &steps);
}

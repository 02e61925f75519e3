//! Findings about native code: constructors of C code, proc-macros that expand into
//! life-before-main code, NSS lookups, and system libraries linked dynamically.

use super::*;

/// QA cx F3: beside the package's own C++ constructor, the C++ runtime's (libstdc++'s
/// emergency exception pool) is an entry beyond the plain two: it is named, with its crate,
/// and the advice is native code's, not "register from main". Checked against readelf: one
/// of `.init_array`'s relocations points at each, as nm places them.
#[test]
fn the_cpp_runtimes_constructor_is_named() {
    let v = audit(
        "cxx-user",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT003",
            severity: "warning",
            krate: "cxx-user",
            path: &["cxx-user"],
            evidence: &[
                "4 `.init_array` entries",
                "the constructor `_GLOBAL__sub_I_greet.cpp` is cxx-user's",
                "the runtimes' constructor `_GLOBAL__sub_I_eh_alloc.cc` ([libstdc++]) comes \
                 with the native code of cxx-user",
            ],
        }],
    );
    let path = str_of(artifact(&v, "static"), "path").to_string();
    assert_init_array_holds(&path, "_GLOBAL__sub_I_eh_alloc.cc");
    assert_init_array_holds(&path, "_GLOBAL__sub_I_greet.cpp");
    let f = &artifact(&v, "static")["findings"][0];
    assert!(str_of(f, "advice").starts_with("A C library's constructor runs before main"));
}

/// Two crates link native code and only ctor-sys's C has a constructor. AOT003 named both
/// ("attributed to the native code X links"); the reference graph attributes the `.init_array`
/// entry to ctor-sys, so plain-sys is no longer a suspect. Checked against readelf: one of the
/// section's relocations points at `ctor_sys_register`, as nm places it.
#[test]
fn a_native_constructor_is_blamed_on_its_own_crate_only() {
    let v = audit(
        "audit-native-ctor",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT003",
            severity: "warning",
            krate: "ctor-sys",
            path: &["audit-native-ctor", "ctor-sys"],
            evidence: &["the constructor `ctor_sys_register` is ctor-sys's"],
        }],
    );
    let path = str_of(artifact(&v, "static"), "path").to_string();
    assert_init_array_holds(&path, "ctor_sys_register");
    // QA ad, F5: a C library's constructor cannot be moved into main; the advice says what
    // can be done, with the bytes it keeps alive: at least its own (nm -S), at most those and
    // the unwind entries that describe it (its FDE in readelf's frames, its .eh_frame_hdr row).
    let f = &artifact(&v, "static")["findings"][0];
    assert!(str_of(f, "advice").starts_with("A C library's constructor runs before main"));
    let evidence = f["evidence"].to_string();
    let kept: u64 = evidence
        .split("it keeps ")
        .nth(1)
        .and_then(|s| s.strip_prefix(|c: char| c.is_ascii_digit()).map(|_| s))
        .and_then(|s| s.split(" B alive").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in bytes kept: {evidence}"));
    let own = tool("nm", &["-S", &path])
        .lines()
        .find(|l| l.ends_with(" ctor_sys_register"))
        .and_then(|l| u64::from_str_radix(l.split(' ').nth(1)?, 16).ok())
        .expect("nm -S sizes ctor_sys_register");
    let ctor = tool("nm", &[&path])
        .lines()
        .find(|l| l.ends_with(" ctor_sys_register"))
        .map(|l| l[..16].to_string())
        .expect("nm");
    let frames = tool("readelf", &["--debug-dump=frames", &path]);
    let fde = frames
        .lines()
        .find(|l| l.contains(" FDE ") && l.contains(&format!("pc={ctor}")))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
        .unwrap_or_else(|| panic!("no FDE for {ctor}"));
    assert!(
        own <= kept && kept <= own + fde + 4 + 8,
        "{own} {fde} {kept}"
    );
}

/// One of the `.init_array` relocations of the binary at `path` points at `function` (as
/// `nm -C` names it), by readelf and nm.
fn assert_init_array_holds(path: &str, function: &str) {
    let (start, size) = init_array(path);
    let ctor = tool("nm", &["-C", path])
        .lines()
        .find(|l| l.ends_with(&format!(" {function}")))
        .and_then(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .unwrap_or_else(|| panic!("nm lists {function}"));
    let held = tool("readelf", &["-rW", path]).lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let hex = |i: usize| f.get(i).and_then(|w| u64::from_str_radix(w, 16).ok());
        matches!((hex(0), hex(3)), (Some(at), Some(to)) if (start..start + size).contains(&at) && to == ctor)
    });
    assert!(
        held,
        "no .init_array relocation to {function} ({ctor:x}) in {path}"
    );
}

/// A constructor in plain Rust (a function pointer in `.init_array`, as curl 0.4's
/// `INIT_CTOR`) is its crate's, though the crate is on no list and links no native code: AOT003
/// went to every crate with native code instead (QA m: hurl blamed curl-sys, libxml,
/// openssl-sys and libz-sys, and named curl nowhere). Checked against readelf and nm: one of
/// the section's relocations points at `init_ctor`.
#[test]
fn a_rust_constructor_is_blamed_on_its_crate_not_on_native_code() {
    let v = audit(
        "audit-rust-ctor",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT003",
            severity: "warning",
            krate: "rust-ctor",
            path: &["audit-rust-ctor", "rust-ctor"],
            evidence: &["the constructor `rust_ctor::INIT_CTOR::init_ctor` is rust-ctor's"],
        }],
    );
    let a = artifact(&v, "static");
    assert_eq!(a["findings"][0]["version"], "0.3.1");
    // Rust code can register from main instead: the rule's own advice stays.
    assert!(str_of(&a["findings"][0], "advice").starts_with("Register explicitly from main"));
    assert_init_array_holds(str_of(a, "path"), "rust_ctor::INIT_CTOR::init_ctor");
}

/// `ctor` 0.2 is a proc-macro: its code runs in the compiler, and what reaches the binary is
/// what `#[ctor]` expands to in the package. Before, the graph dropped it and the audit blamed
/// the package's own code; its own dependencies (syn, quote) must still never be named.
#[test]
fn ctor_proc_macro_is_the_cause_of_its_init_array_entries() {
    let v = audit(
        "audit-ctor",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT003",
            severity: "warning",
            krate: "ctor",
            path: &["audit-ctor", "ctor"],
            evidence: &["attributed to the proc-macro ctor: what it expands to in audit-ctor's"],
        }],
    );
    let f = &artifact(&v, "static")["findings"][0];
    assert_eq!(f["version"], "0.2.9");
    // The count against readelf and nm: the section's size in 8-byte pointers, of which all
    // but std's 2 are the statics `#[ctor]` put there, one per function in src/main.rs.
    let path = str_of(artifact(&v, "static"), "path").to_string();
    let (start, size) = init_array(&path);
    let entries = size / 8;
    let expanded = tool("nm", &[&path])
        .lines()
        .filter(|l| l.contains("___rust_ctor___ctor"))
        .filter_map(|l| u64::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .filter(|a| (start..start + size).contains(a))
        .count() as u64;
    assert_eq!((entries, expanded), (4, 2), "readelf -S and nm of {path}");
    let line = format!(
        "static binary: {entries} `.init_array` entries (a plain Rust binary has 2: std's and the C runtime's)"
    );
    assert!(strings(&f["evidence"]).contains(&line), "{f}");
}

#[test]
fn host_name_lookup_is_aot004_attributed_to_std() {
    let v = audit(
        "audit-lookup",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "std",
            path: &["audit-lookup", "std"],
            evidence: &["`getaddrinfo`", "attributed to std"],
        }],
    );
    // A host-name lookup is pointed at a resolver written in Rust (QA ag, F1).
    let advice = str_of(&artifact(&v, "static")["findings"][0], "advice");
    assert!(advice.contains("hickory-resolver"), "{advice}");
}

#[test]
fn nix_with_its_user_feature_is_aot004_naming_the_feature() {
    let v = audit(
        "audit-nix",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "nix",
            path: &["audit-nix", "nix"],
            evidence: &["static binary defines `getpwuid_r`"],
        }],
    );
    let f = &artifact(&v, "static")["findings"][0];
    assert_eq!(f["feature"], "user");
    // A user lookup is told how to do without it, not pointed at a DNS resolver (QA ag, F1).
    let advice = str_of(f, "advice");
    assert!(advice.contains("`HOME`/`USER`"), "{advice}");
    assert!(
        !advice.contains("DNS") && !advice.contains("hickory"),
        "{advice}"
    );
}

#[test]
fn openssl_sys_is_aot005_and_its_libcrypto_brings_nss() {
    let v = audit(
        "audit-openssl",
        &["--compare"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT005",
                severity: "warning",
                krate: "openssl-sys",
                path: &["audit-openssl", "openssl-sys"],
                evidence: &[
                    "links the system's `ssl` (`rustc-link-lib=ssl`",
                    "dynamic build needs `libssl.so",
                    "OPENSSLDIR \"/usr/lib/ssl\"",
                ],
            },
            // libcrypto's BIO_gethostbyname: NSS in the static binary, from OpenSSL's C code.
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "openssl-sys",
                path: &["audit-openssl", "openssl-sys"],
                evidence: &["`gethostbyname`", "native code openssl-sys links"],
            },
            // libcrypto's DSO method loads engines and providers with `dlopen` (QA j: seen in
            // the static binary alone; the dynamic build's import is libcrypto.so's).
            Expect {
                rule: "AOT001",
                severity: "error",
                krate: "openssl-sys",
                path: &["audit-openssl", "openssl-sys"],
                evidence: &["static binary: `dlopen` called by openssl-sys's code"],
            },
        ],
    );
    let a = artifact(&v, "static");
    let f = finding(a, "rule", "AOT001");
    assert_eq!(f["reachable"], true, "{f}");
    // OpenSSL's own loader, whichever of its callers the graph named first (QA bg F5).
    let advice = str_of(f, "advice");
    assert!(advice.contains("OpenSSL's DSO method"), "{advice}");
    let steps = chain_of(f);
    // From the last step that is bytes without a symbol (`[section .data.rel.ro]`, which nm
    // cannot name) to `dlopen`: each call or stored address by objdump/readelf.
    let from = steps
        .iter()
        .rposition(|s| s.0.starts_with('['))
        .map_or(0, |k| k + 1);
    assert!(steps.len() - from >= 3, "{steps:?}");
    crate::why::check_pairs(str_of(a, "path"), &steps[from..]);
}

/// `fixture`'s static binary links the system's zlib through libz-sys: one AOT006, nothing else.
pub(super) fn expect_system_zlib(fixture: &str) {
    system_zlib_by(fixture, &[fixture, "libz-sys"]);
}

/// As [`expect_system_zlib`], with libz-sys at the end of the dependency `path`; the report.
pub(super) fn system_zlib_by(fixture: &str, path: &[&str]) -> Value {
    audit(
        fixture,
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT006",
            severity: "warning",
            krate: "libz-sys",
            path,
            evidence: &["links the system's `z` (`rustc-link-lib=z`, not `static=z`)"],
        }],
    )
}

/// The advice names the feature and the line, as audit-libz-static has it (QA ac, W7).
#[test]
fn libz_sys_without_static_is_aot006_and_with_static_is_nothing() {
    let v = system_zlib_by("audit-libz", &["audit-libz", "libz-sys"]);
    let advice = str_of(&artifact(&v, "static")["findings"][0], "advice").to_string();
    let lock = std::fs::read_to_string(fixture("audit-libz").join("Cargo.lock")).expect("lock");
    let version = lock
        .split("name = \"libz-sys\"\nversion = \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("libz-sys in the lock");
    assert!(
        advice.starts_with(&format!(
            "Enable libz-sys's `static` feature (`libz-sys = {{ version = \"{version}\", \
             features = [\"static\"] }}` in audit-libz's `[dependencies]`)"
        )),
        "{advice}"
    );
    let followed =
        std::fs::read_to_string(fixture("audit-libz-static").join("Cargo.toml")).expect("manifest");
    assert!(
        followed
            .lines()
            .any(|l| l.starts_with("libz-sys = ") && l.contains("\"static\"")),
        "{followed}"
    );
    audit("audit-libz-static", &[], 0, "static", &[]);
}

/// Address and size of `.init_array`, by `readelf -S`.
fn init_array(path: &str) -> (u64, u64) {
    tool("readelf", &["-SW", path])
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let at = f.iter().position(|w| *w == ".init_array")?;
            let hex = |i: usize| u64::from_str_radix(f.get(i)?, 16).ok();
            Some((hex(at + 2)?, hex(at + 4)?))
        })
        .expect("readelf -S lists .init_array")
}

/// A static build that links a library of which only a shared object exists needs it but has
/// no interpreter (readelf: a NEEDED entry, no INTERP): AOT012, an error, on the crate whose
/// build script links it; the terminal's linkage line says it cannot start.
#[test]
fn a_static_build_that_needs_a_shared_object_is_aot012() {
    let v = audit(
        "static-needs-so",
        &[],
        1,
        "static",
        &[
            Expect {
                rule: "AOT006",
                severity: "warning",
                krate: "shared-only-sys",
                path: &["static-needs-so", "shared-only-sys"],
                evidence: &["links the system's `sharedonly`"],
            },
            Expect {
                rule: "AOT012",
                severity: "error",
                krate: "shared-only-sys",
                path: &["static-needs-so", "shared-only-sys"],
                evidence: &[
                    "static binary needs `libsharedonly.so` (DT_NEEDED) and has no interpreter",
                    "the build script of shared-only-sys links `sharedonly`",
                ],
            },
        ],
    );
    let path = str_of(artifact(&v, "static"), "path").to_string();
    assert_eq!(readelf_needed(&path), ["libsharedonly.so"]);
    let headers = tool("readelf", &["-lW", &path]);
    assert!(!headers.contains("INTERP"), "{headers}");
    let human = run(&mut human_fixture("static-needs-so", &["--no-probe"]));
    assert!(
        human.stdout.contains(
            "dynamic (1 shared library needed, but no interpreter to load it: it cannot start)"
        ),
        "{}",
        human.stdout
    );
}

/// QA u, F5 (sfz's `ignore`) and QA v, D2 (procs' hyper): a lookup std's code makes for a
/// dependency stays on std, whose path (`audit-std-for → std`) and advice gave the user
/// nothing to act on. The finding names that dependency, with its own path; the chain's step
/// from it into std is a call objdump shows, and so is config-finder's call into std, off the
/// chain (QA by F1).
#[test]
fn a_lookup_std_makes_for_a_dependency_names_that_dependency() {
    let (walker, config) = ("dir_walker::global_ignore", "config_finder::config_home");
    let v = audit(
        "audit-std-for",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "std",
            path: &["audit-std-for", "std"],
            // Every crate whose code calls into std's lookup (QA by F1: the one chain's
            // alone were named), whichever of the two the shortest chain passes.
            evidence: &[
                "std makes this call when the code below, outside std, calls it (the crate on \
                 the chain above first); what can change is their use of std, or the \
                 dependencies that bring them in:",
                "↳ dir-walker v0.1.0 (audit-std-for → dir-walker): `dir_walker::global_ignore`",
                "↳ config-finder v0.1.0 (audit-std-for → config-finder): \
                 `config_finder::config_home`",
            ],
        }],
    );
    let a = artifact(&v, "static");
    let f = finding(a, "crate", "std");
    let steps = chain_of(f);
    let at = steps
        .iter()
        .position(|s| s.0 == walker || s.0 == config)
        .unwrap_or_else(|| panic!("{steps:?}"));
    assert!(
        steps[at + 1].0.starts_with("std::env::home_dir"),
        "{steps:?}"
    );
    crate::why::check_pairs(str_of(a, "path"), &steps);
    // The chain's crate is named first, a line each.
    let (first, other) = match steps[at].0 == walker {
        true => (walker, config),
        false => (config, walker),
    };
    let listed: Vec<&str> = f["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e.as_str()?.strip_prefix("↳ "))
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[0].ends_with(&format!("`{first}`")), "{listed:?}");
    assert!(listed[1].ends_with(&format!("`{other}`")), "{listed:?}");
    // The other caller is no invention: objdump shows its call into std's `home_dir`.
    let off_chain = [
        (other.to_string(), "call".to_string()),
        (steps[at + 1].0.clone(), "call".to_string()),
    ];
    crate::why::check_pairs(str_of(a, "path"), &off_chain);
}

/// QA h (eza): a crate that calls `iconv_open` and `getgrnam` through an `extern "C"` of its
/// own (eza's `locale`) is no crate of the rules' lists, so the audit guessed the crates with
/// native code (libgit2-sys, libz-sys), whose C never calls them. The graph's chain names the
/// caller: each chain is checked step by step with objdump/readelf, and nm shows that the
/// native crate's archive neither defines nor calls either function.
#[test]
fn nss_and_iconv_called_through_a_crates_own_extern_are_that_crates() {
    let v = audit(
        "audit-caller",
        &[],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "conv",
                path: &["audit-caller", "conv"],
                evidence: &[
                    "static binary defines `getgrnam`",
                    "`getgrnam` is called by conv's code (the reference graph",
                ],
            },
            Expect {
                rule: "AOT010",
                severity: "error",
                krate: "conv",
                path: &["audit-caller", "conv"],
                evidence: &["`iconv_open` is called by conv's code (the reference graph"],
            },
        ],
    );
    let a = artifact(&v, "static");
    let bin = str_of(a, "path").to_string();
    for f in a["findings"].as_array().expect("findings") {
        let chain = crate::why::steps(&serde_json::json!({ "steps": f["chain"] }));
        let names: Vec<&str> = chain.iter().map(|s| s.0.as_str()).collect();
        let caller = names.len().checked_sub(2).map(|i| names[i]);
        assert!(caller.is_some_and(|c| c.starts_with("conv::")), "{names:?}");
        crate::why::check_pairs(&bin, &chain);
    }
    let release = std::path::Path::new(&bin).parent().expect("release dir");
    let archive = std::fs::read_dir(release.join("build"))
        .expect("build dir")
        .filter_map(|e| e.ok().map(|e| e.path().join("out/libplain_native.a")))
        .find(|p| p.is_file())
        .expect("plain-sys's archive");
    let symbols = tool("nm", &[archive.to_str().expect("utf-8")]);
    assert!(symbols.contains("plain_sys_value"), "{symbols}");
    for f in ["iconv_open", "getgrnam"] {
        assert!(!symbols.contains(f), "nm {}: {symbols}", archive.display());
    }
}

/// QA h, D2: a -sys crate whose library the linker dropped (nothing of it called) was a
/// warning on the build script's `rustc-link-lib=z` alone. nm shows none of zlib's functions in
/// the static binary and readelf no `libz.so` needed by the dynamic build: the finding is a
/// note, and says why. QA ad, F3: the package's own `crc32` has the name of one of zlib's
/// functions (nm -S: not its size), and does not count as zlib's. QA bt F4: its advice was to
/// build zlib from source; it names the dependency's default feature that brings libz-sys
/// (`cargo tree -e features` shows the same) and says there is nothing to change for the
/// binary.
#[test]
fn a_system_library_the_linker_dropped_is_only_a_note() {
    let v = audit(
        "audit-libz-unused",
        &["--compare"],
        0,
        "static",
        &[Expect {
            rule: "AOT006",
            severity: "note",
            krate: "libz-sys",
            path: &["audit-libz-unused", "zdep", "libz-sys"],
            evidence: &[
                "links the system's `z` (`rustc-link-lib=z`",
                "is in the static binary: it defines none of the archive's",
            ],
        }],
    );
    let st = str_of(artifact(&v, "static"), "path").to_string();
    let names = tool("nm", &["--defined-only", &st]);
    for f in ["zlibVersion", "deflate", "inflate", "adler32"] {
        assert!(
            !names.lines().any(|l| l.ends_with(&format!(" {f}"))),
            "{f} in {st}"
        );
    }
    let advice = str_of(&artifact(&v, "static")["findings"][0], "advice");
    assert_eq!(
        advice,
        "Nothing to change for the binary: the linker kept none of the library. libz-sys costs \
         the build only (its build script and the library it links on the build machine): it \
         comes in through zdep's `z` feature, on by default; if audit-libz-unused does not use \
         it, `default-features = false` on `zdep` in audit-libz-unused's `[dependencies]` (with \
         the features it does use) leaves it out (its `[build-dependencies]` entry builds \
         libz-sys for the build script, not into the binary)."
    );
    let tree = tool(
        "cargo",
        &[
            "tree",
            "--offline",
            "-e",
            "features",
            "-i",
            "libz-sys",
            "--manifest-path",
            fixture("audit-libz-unused")
                .join("Cargo.toml")
                .to_str()
                .expect("utf-8"),
        ],
    );
    assert!(
        tree.contains("zdep feature \"z\"") && tree.contains("zdep feature \"default\""),
        "{tree}"
    );
    let evidence = artifact(&v, "static")["findings"][0]["evidence"].to_string();
    assert!(
        evidence.contains("; 1 function of the binary shares a name with one of them, not its"),
        "{evidence}"
    );
    let archive = evidence
        .split("nothing of `")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .expect("the archive named");
    let size_of = |file: &str| {
        let sizes = tool("nm", &["-S", "--defined-only", file]);
        let line = sizes.lines().find(|l| l.ends_with(" crc32"));
        line.and_then(|l| l.split(' ').nth(1)).map(str::to_string)
    };
    let (ours, zlibs) = (size_of(&st), size_of(archive));
    assert!(
        ours.is_some() && zlibs.is_some() && ours != zlibs,
        "{ours:?} {zlibs:?}"
    );
    let dy = str_of(artifact(&v, "dynamic"), "path").to_string();
    assert!(!readelf_needed(&dy).iter().any(|n| n.starts_with("libz.so")));
    // The dynamic build alone says so from its DT_NEEDED (QA m: it stayed a warning).
    let v = audit(
        "audit-libz-unused",
        &["--link", "dynamic"],
        0,
        "dynamic",
        &[
            Expect {
                rule: "AOT006",
                severity: "note",
                krate: "libz-sys",
                path: &["audit-libz-unused", "zdep", "libz-sys"],
                evidence: &["the dynamic build does not need `libz.so` (not among its DT_NEEDED"],
            },
            Expect {
                rule: "AOT008",
                severity: "note",
                krate: "glibc",
                path: &["audit-libz-unused"],
                evidence: &["needed by __libc_start_main"],
            },
        ],
    );
    let dy = str_of(artifact(&v, "dynamic"), "path").to_string();
    assert!(!readelf_needed(&dy).iter().any(|n| n.starts_with("libz.so")));
}

/// QA j, J4: AOT001's evidence for native code was the dynamic build's `dlopen` import, so C
/// code that calls `dlopen` (diesel_cli's SQLite from the system's `libsqlite3.a`) went
/// unflagged in the static binary that ships. The graph names the crate whose code calls it,
/// with the chain through it; objdump shows each call of the chain.
#[test]
fn dlopen_called_by_a_crates_c_code_is_aot001_from_the_static_binary() {
    let v = audit(
        "audit-dlopen-native",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT001",
            severity: "error",
            krate: "plugin-sys",
            path: &["audit-dlopen-native", "plugin-sys"],
            evidence: &[
                "static binary: `dlopen` called by plugin-sys's code (`plugin_sys_load`",
                "`dlopen` is reachable: _start → ",
            ],
        }],
    );
    let a = artifact(&v, "static");
    let f = &a["findings"][0];
    assert_eq!(f["reachable"], true);
    let steps = chain_of(f);
    assert!(steps.iter().any(|s| s.0 == "plugin_sys_load"), "{steps:?}");
    crate::why::check_pairs(str_of(a, "path"), &steps);
}

/// QA db F1: with `--compare`, the dynamic build's `dlopen` import, which no crate of the
/// rule's list explains, was put on every crate with native code (gitui's libgit2-sys,
/// libssh2-sys and libz-sys, beside OpenSSL's own finding). The static binary's graph names the
/// one whose code calls it: plain-sys, whose C code loads nothing, has no finding.
#[test]
fn the_dynamic_builds_dlopen_goes_to_the_crate_the_graph_names_not_every_native_one() {
    let v = audit(
        "audit-dlopen-native",
        &["--compare"],
        1,
        "static",
        &[Expect {
            rule: "AOT001",
            severity: "error",
            krate: "plugin-sys",
            path: &["audit-dlopen-native", "plugin-sys"],
            evidence: &[
                "dynamic build imports `dlopen@",
                "the native code plugin-sys links makes the call (the reference graph shows it",
                "static binary: `dlopen` called by plugin-sys's code (`plugin_sys_load`",
            ],
        }],
    );
    // objdump: the only caller of `dlopen` (glibc's `___dlopen`, of which `dlopen` is an
    // alias) in the static binary is plugin-sys's C function.
    let callers = functions_calling(str_of(artifact(&v, "static"), "path"), "dlopen>");
    assert_eq!(callers, ["plugin_sys_load"], "{callers:?}");
}

/// QA j, J11: under LTO etcetera's `home_dir` is inlined into the program's code, so taking
/// etcetera's pieces out of the graph took nothing out: its lookup read as "std's own code,
/// not through etcetera", a new error on std, and etcetera's finding lowered. With no
/// function of etcetera in the binary (`nm`), its finding stays an error, says why the split
/// cannot be made, and no finding goes to std.
#[test]
fn a_crate_inlined_under_lto_keeps_its_finding_and_gives_none_to_std() {
    let v = audit(
        "audit-lto-inlined",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "etcetera",
            path: &["audit-lto-inlined", "etcetera"],
            evidence: &[
                "static binary defines `getpwuid_r`",
                "etcetera has no function of its own in the binary",
            ],
        }],
    );
    // `--why etcetera` finds no symbol of it, and says why (QA k), with the finding's chain as
    // its answer, not exit 2 (QA ap F2).
    let r = run(&mut check_fixture(
        "audit-lto-inlined",
        &["--why", "etcetera", "--warn-only"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let answered: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let a = artifact(&answered, "static");
    let why = &a["binary"]["why"];
    assert_eq!(why["matched"], "none", "{why}");
    assert!(
        str_of(why, "note")
            .starts_with("`etcetera` is a dependency with no function of its own in the binary"),
        "{why}"
    );
    let steps = crate::why::steps(&why["chains"][0]);
    assert!(!steps.is_empty(), "{why}");
    assert_eq!(steps, chain_of(finding(a, "crate", "etcetera")), "{why}");
    let bin = str_of(artifact(&v, "static"), "path");
    let etcetera: Vec<String> = tool("nm", &["-C", bin])
        .lines()
        .filter(|l| l.contains("etcetera"))
        .map(str::to_string)
        .collect();
    assert!(etcetera.is_empty(), "etcetera has symbols: {etcetera:?}");
    // With C code that calls getpwuid_r too (`--features c-lookup`, as libgit2-sys in bat; in
    // this test, not another: both would build the fixture at one path), that crate gets
    // its finding, and etcetera's is not lowered for having no caller left to see.
    audit(
        "audit-lto-inlined",
        &["--features", "c-lookup"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "etcetera",
                path: &["audit-lto-inlined", "etcetera"],
                evidence: &["`getpwuid_r` also called by the code of passwd-sys"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "passwd-sys",
                path: &["audit-lto-inlined", "passwd-sys"],
                evidence: &["called by passwd-sys's code (`passwd_sys_home_len`"],
            },
        ],
    );
    // QA l, F5: with a host looked up through std's `ToSocketAddrs` (`--features hosts`), a
    // lookup of a kind etcetera does not make, `getaddrinfo` stayed on etcetera's finding and
    // std had none. Fat LTO merged std's code into the program's one codegen unit (one Rust
    // `STT_FILE` symbol, readelf), which made std's `lookup_host` read as instantiated in the
    // program; the lookup is std's finding, with its chain (objdump), and etcetera's keeps
    // its own with the chain to it.
    let v = audit(
        "audit-lto-inlined",
        &["--features", "hosts"],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "etcetera",
                path: &["audit-lto-inlined", "etcetera"],
                evidence: &[
                    "static binary defines `getpwuid_r`",
                    "`getpwuid_r` is reachable: _start",
                    "are reached by std's own code, not through etcetera; etcetera is known for \
                     user and group lookups, not this kind (the finding on std)",
                ],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "std",
                path: &["audit-lto-inlined", "std"],
                evidence: &[
                    "static binary defines `getaddrinfo`",
                    "`getaddrinfo` is reachable through std's own code, even with `etcetera` \
                     left out",
                ],
            },
        ],
    );
    let a = artifact(&v, "static");
    let bin = str_of(a, "path");
    let cgus: Vec<String> = tool("readelf", &["-sW", bin])
        .lines()
        .filter(|l| l.contains(" FILE ") && l.contains("-cgu."))
        .map(str::to_string)
        .collect();
    assert_eq!(cgus.len(), 1, "{cgus:?}");
    let std = finding(a, "crate", "std");
    let steps = chain_of(std);
    assert_eq!(steps.last().map(|s| s.0.as_str()), Some("getaddrinfo"));
    let lookup = std["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .find(|s| str_of(s, "symbol").contains("lookup_host"))
        .unwrap_or_else(|| panic!("no lookup_host step in {std}"));
    assert_eq!(lookup["crate"], "std");
    assert!(lookup.get("instantiated_in").is_none(), "{lookup}");
    crate::why::check_pairs(bin, &steps);
    // QA p: etcetera linked and never called (`--features no-lookup`): no NSS function in the
    // binary (nm), so its finding says no lookup stays on it, only that none was found.
    let v = audit(
        "audit-lto-inlined",
        &["--features", "no-lookup"],
        0,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "warning",
            krate: "etcetera",
            path: &["audit-lto-inlined", "etcetera"],
            evidence: &["no evidence in this binary"],
        }],
    );
    let a = artifact(&v, "static");
    let nm = tool("nm", &[str_of(a, "path")]);
    assert!(!nm.contains("getpwuid_r"), "getpwuid_r is in the binary");
    let etcetera = finding(a, "crate", "etcetera");
    let evidence = strings(&etcetera["evidence"]).join("\n");
    assert!(
        !evidence.contains("has no function of its own"),
        "{evidence}"
    );
    // QA t, D1: eza's `dirs::config_dir` holds dirs-sys's lookup, inlined under fat LTO, and
    // allowing dirs-sys left an error on dirs for that very call, unexplained. Here the lookup
    // goes through home-wrap (`--features wrapped`), whose one function keeps etcetera's code
    // inlined. With etcetera allowed, home-wrap's error stays (exit 1), and says that its call
    // may be etcetera's code and that the allow of etcetera does not cover it.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("aotcheck.toml");
    std::fs::write(
        &config,
        "allow = [{ rule = \"AOT004\", crate = \"etcetera\", reason = \"HOME is set\" }]\n",
    )
    .expect("write the config");
    let config = config.to_str().expect("a UTF-8 path");
    let inlined = "home-wrap depends on etcetera, which has no function of its own in the \
                   binary: these calls may be etcetera's code, inlined into home-wrap's";
    let v = audit(
        "audit-lto-inlined",
        &["--features", "wrapped", "--config-file", config],
        1,
        "static",
        &[
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "etcetera",
                path: &["audit-lto-inlined", "etcetera"],
                evidence: &["`getpwuid_r` also called by the code of home-wrap"],
            },
            Expect {
                rule: "AOT004",
                severity: "error",
                krate: "home-wrap",
                path: &["audit-lto-inlined", "home-wrap"],
                evidence: &[
                    "`getpwuid_r` called by home-wrap's code (`home_wrap::home`",
                    inlined,
                    "an `allow` of etcetera does not cover this finding",
                ],
            },
        ],
    );
    let a = artifact(&v, "static");
    assert_eq!(finding(a, "crate", "etcetera")["allowed"], true);
    assert_eq!(finding(a, "crate", "home-wrap")["allowed"], false);
    // The independent sources: no symbol of etcetera (nm), and each step of home-wrap's
    // chain, ending in home_wrap::home's call of the lookup, a reference objdump shows.
    let bin = str_of(a, "path");
    let nm = tool("nm", &["-C", bin]);
    assert!(!nm.contains("etcetera::"), "etcetera has symbols");
    let steps = chain_of(finding(a, "crate", "home-wrap"));
    let last: Vec<&str> = steps.iter().rev().take(2).map(|s| s.0.as_str()).collect();
    assert!(
        last[0].ends_with("getpwuid_r") && last[1] == "home_wrap::home",
        "{steps:?}"
    );
    crate::why::check_pairs(bin, &steps);
    super::inlined::a_lookup_by_a_crate_that_does_not_depend_on_an_inlined_one_is_not_its();
    super::inlined::a_lookup_of_a_kind_an_inlined_crate_never_makes_is_not_its();
    crate::why_match::filter_of_an_inlined_dependency_says_its_code_was_inlined();
}

/// The finding of artifact `a` whose `key` (`rule` or `crate`) is `value`.
pub(crate) fn finding<'a>(a: &'a Value, key: &str, value: &str) -> &'a Value {
    a["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f[key] == value)
        .unwrap_or_else(|| panic!("no finding with {key} {value} in {a}"))
}

/// A finding's chain as (symbol, kind) steps, as `--why`'s are read.
pub(crate) fn chain_of(f: &Value) -> Vec<(String, String)> {
    crate::why::steps(&serde_json::json!({ "steps": f["chain"] }))
}

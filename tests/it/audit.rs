//! The dependency audit on fixture projects: one or more per rule, each asserting exactly what
//! is reported (rule, crate, path, evidence) and nothing else.

use serde_json::Value;

use crate::util::*;

mod bundling;
mod inlined;
mod loading;
pub(crate) mod native;
mod nss_other;
mod std_for;
mod unused;
use native::expect_system_zlib;

/// What one finding must be. `evidence`: substrings that must each appear in some line.
struct Expect<'a> {
    rule: &'a str,
    severity: &'a str,
    krate: &'a str,
    path: &'a [&'a str],
    evidence: &'a [&'a str],
}

/// Which fixture triggers each rule of the catalogue (`cargo aotcheck explain` lists them),
/// with the arguments it needs (a `.toml` is a file of the fixture). A rule missing here, or a
/// fixture that does not trigger its rule, fails `every_rule_has_a_fixture_that_triggers_it`.
const TRIGGERED_BY: &[(&str, &str, &[&str])] = &[
    ("AOT000", "audit-libz", &["--config-file", "deny.toml"]),
    ("AOT001", "audit-libloading", &["--compare"]),
    // The real generators need LLVM or a large build: a stand-in crate named `llvm-sys`.
    ("AOT002", "audit-codegen", &[]),
    ("AOT003", "audit-inventory", &[]),
    ("AOT003", "audit-ctor", &[]),
    ("AOT004", "audit-lookup", &[]),
    ("AOT004", "audit-nix", &[]),
    ("AOT004", "audit-openssl", &["--compare"]),
    ("AOT005", "audit-openssl", &["--compare"]),
    ("AOT006", "audit-libz", &[]),
    // libudev has no static archive, so the real crate fails the static link: a stand-in.
    ("AOT007", "audit-udev", &[]),
    ("AOT008", "hello-server", &["--compare"]),
    ("AOT009", "audit-hostpaths", &[]),
    ("AOT010", "audit-iconv", &[]),
    // Started inside its image (`--image` runs the probe there): not a dependency rule.
    ("AOT011", "image-hostfile", &["--image"]),
    // A library of which only a shared object exists, linked into the static build.
    ("AOT012", "static-needs-so", &[]),
];

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// Run `fixture` with `args`, expect `code`, and exactly `expected` on the `link` artifact.
fn audit(fixture: &str, args: &[&str], code: i32, link: &str, expected: &[Expect]) -> Value {
    let r = run(&mut check_fixture(fixture, args));
    assert_eq!(
        r.code, code,
        "exit code of {fixture}; stderr:\n{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let findings = artifact(&v, link)["findings"]
        .as_array()
        .expect("findings")
        .clone();
    let shown = serde_json::to_string_pretty(&findings).unwrap_or_default();
    assert_eq!(
        findings.len(),
        expected.len(),
        "{fixture}: findings\n{shown}"
    );
    for e in expected {
        let f = findings
            .iter()
            .find(|f| f["rule"] == e.rule && f["crate"] == e.krate)
            .unwrap_or_else(|| panic!("{fixture}: no {} for {} in\n{shown}", e.rule, e.krate));
        assert_eq!(f["severity"], e.severity, "{shown}");
        assert_eq!(strings(&f["path"]), e.path, "{shown}");
        let evidence = strings(&f["evidence"]);
        for want in e.evidence {
            assert!(
                evidence.iter().any(|line| line.contains(want)),
                "{fixture}: no evidence `{want}` in {evidence:?}"
            );
        }
        for key in [
            "rule", "severity", "crate", "version", "path", "evidence", "allowed", "reason",
            "advice",
        ] {
            assert!(f.get(key).is_some(), "key `{key}` missing in {f}");
        }
        assert!(!str_of(f, "advice").is_empty());
    }
    v
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let r = run(aotcheck().args(["aotcheck", "explain"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ids: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(ids.len() >= 11, "{}", r.stdout);
    for id in ids {
        assert!(
            TRIGGERED_BY.iter().any(|(rule, _, _)| *rule == id),
            "rule {id} has no fixture that triggers it"
        );
    }
    for (rule, name, args) in TRIGGERED_BY {
        let args: Vec<String> = args
            .iter()
            .map(|a| match a.ends_with(".toml") {
                true => fixture(name).join(a).display().to_string(),
                false => a.to_string(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // `--image` proves a start inside the image: the probe must run.
        let r = match args.contains(&"--image") {
            true => run(&mut probe_fixture(name, &args)),
            false => run(&mut check_fixture(name, &args)),
        };
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
        let found = v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .flat_map(|a| a["findings"].as_array().cloned().unwrap_or_default())
            .any(|f| f["rule"] == *rule);
        assert!(
            found,
            "{name} {args:?} does not trigger {rule}:\n{}",
            r.stdout
        );
    }
}

#[test]
fn explain_prints_a_rule_and_rejects_unknown_ones() {
    let r = run(aotcheck().args(["aotcheck", "explain", "aot004"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("AOT004 glibc NSS"), "{}", r.stdout);
    for part in [
        "Why:",
        "How it is detected:",
        "What to do:",
        "getaddrinfo",
        "users",
    ] {
        assert!(r.stdout.contains(part), "{part} in {}", r.stdout);
    }
    // As JSON: the same rule, and every rule that the list names.
    let one = json(aotcheck().args(["aotcheck", "explain", "aot004", "--format", "json"]));
    assert_eq!(one["rules"][0]["id"], "AOT004", "{one}");
    assert!(
        one["rules"][0]["detection"]
            .as_str()
            .is_some_and(|d| d.contains("getaddrinfo")),
        "{one}"
    );
    let all = json(aotcheck().args(["aotcheck", "explain", "--format", "json"]));
    let list = run(aotcheck().args(["aotcheck", "explain"])).stdout;
    let rules = all["rules"].as_array().expect("rules");
    assert!(rules.len() >= 10, "{all}");
    for r in rules {
        let id = r["id"].as_str().expect("id");
        assert!(list.contains(id), "{id} in {list}");
    }
    // QA aj, F9: a format it does not write is refused, not ignored.
    for format in ["markdown", "html"] {
        let r = run(aotcheck().args(["aotcheck", "explain", "AOT004", "--format", format]));
        assert_eq!(r.code, 2, "{format}: {}", r.stdout);
        assert!(r.stdout.is_empty(), "{format}: {}", r.stdout);
        assert!(r.stderr.contains("`--format json`"), "{}", r.stderr);
    }
    let r = run(aotcheck().args(["aotcheck", "explain", "AOT999"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("AOT999") && r.stderr.contains("AOT001") && r.stderr.contains("AOT010"),
        "{}",
        r.stderr
    );
}

#[test]
fn libloading_at_run_time_is_aot001_proved_by_the_dynamic_import() {
    audit(
        "audit-libloading",
        &["--compare"],
        1,
        "static",
        &[Expect {
            rule: "AOT001",
            severity: "error",
            krate: "libloading",
            path: &["audit-libloading", "libloading"],
            evidence: &[
                "dynamic build imports `dlopen@GLIBC_2.",
                "of libloading kept in the static binary",
            ],
        }],
    );
}

/// QA bm F3: AOT001 advised libloading's `static`/`linked` feature, which it does not have
/// (`cargo metadata` lists its features); the package's own feature that brings it in,
/// `plugins`, on by default, is named instead.
#[test]
fn aot001_names_the_packages_feature_that_brings_the_loader_in() {
    let r = run(&mut check_fixture("audit-libloading", &[]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = v["artifacts"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT001" && f["crate"] == "libloading")
        .expect("AOT001 on libloading")
        .clone();
    let advice = f["advice"].as_str().expect("advice");
    assert!(
        advice.starts_with(
            "Build without audit-libloading's `plugins` feature, on by default (`--no-default-features`"
        ),
        "{advice}"
    );
    assert!(!advice.contains("`static`/`linked` feature"), "{advice}");
    assert!(
        advice.contains("it brings in libloading, which loads its library at run time"),
        "{advice}"
    );
    let meta = tool(
        "cargo",
        &[
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
            fixture("audit-libloading")
                .join("Cargo.toml")
                .to_str()
                .expect("utf-8"),
        ],
    );
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("metadata");
    let lib = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "libloading")
        .expect("libloading");
    for f in ["static", "linked"] {
        assert!(lib["features"].get(f).is_none(), "{}", lib["features"]);
    }
    // QA bo F4: the report records what cargo enabled on the package (a baseline compared
    // names a change of it), as `cargo metadata`'s resolve lists it.
    let id = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "audit-libloading")
        .map(|p| p["id"].clone())
        .expect("the package");
    let node = meta["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == id)
        .expect("its node");
    let mut resolved = strings(&node["features"]);
    resolved.sort();
    assert_eq!(resolved, ["default", "plugins"]);
    assert_eq!(
        strings(&v["build"]["enabled"]["audit-libloading"]),
        resolved
    );
}

#[test]
fn libloading_only_in_build_rs_is_no_finding() {
    audit("audit-libloading-build", &[], 0, "static", &[]);
}

#[test]
fn inventory_is_aot003_with_extra_init_array_entries() {
    audit(
        "audit-inventory",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT003",
            severity: "warning",
            krate: "inventory",
            path: &["audit-inventory", "inventory"],
            evidence: &[
                "4 `.init_array` entries (a plain Rust binary has 2: std's and the C runtime's)",
            ],
        }],
    );
}

/// `cargo metadata` unifies a crate's features over the target and the build host: it reports
/// `user` on nix and `static` on libz-sys in these fixtures, though only their build scripts'
/// copies have them. The audit goes by the copies linked into the binary.
#[test]
fn features_are_those_of_the_copy_that_is_linked() {
    for (name, krate, feature) in [
        ("audit-nix-build-user", "nix", "user"),
        ("audit-libz-build-static", "libz-sys", "static"),
    ] {
        let manifest = fixture(name).join("Cargo.toml");
        let meta: Value = serde_json::from_str(&tool(
            "cargo",
            &[
                "metadata",
                "--format-version=1",
                "--locked",
                "--manifest-path",
                manifest.to_str().expect("utf-8"),
            ],
        ))
        .expect("metadata JSON");
        let node = meta["resolve"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| str_of(n, "id").contains(&format!("#{krate}@")))
            .unwrap_or_else(|| panic!("{krate} not in the resolve of {name}"));
        assert!(
            strings(&node["features"]).iter().any(|f| f == feature),
            "the premise: metadata reports `{feature}` on {krate} in {name}"
        );
    }
    // nix's `user` is on in the build script's copy only: the binary never looks a user up.
    audit("audit-nix-build-user", &[], 0, "static", &[]);
    // libz-sys's `static` is on in the build script's copy only: the binary links the system's.
    expect_system_zlib("audit-libz-build-static");
}

#[test]
fn deny_allow_and_severity_come_from_the_config() {
    let committed = fixture("audit-libz").join("deny.toml");
    let cfg = std::fs::read_to_string(&committed).expect("deny.toml");
    let denied_and_allowed = [
        Expect {
            rule: "AOT000",
            severity: "error",
            krate: "libz-sys",
            path: &["audit-libz", "libz-sys"],
            evidence: &["denied by `deny = [\"libz-sys\"]`"],
        },
        Expect {
            rule: "AOT006",
            severity: "warning",
            krate: "libz-sys",
            path: &["audit-libz", "libz-sys"],
            evidence: &["`rustc-link-lib=z`"],
        },
    ];
    let allowed = |v: &serde_json::Value| {
        let f = &artifact(v, "static")["findings"];
        let allowed = f
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == "AOT006")
            .expect("AOT006")
            .clone();
        assert_eq!(allowed["allowed"], true);
        assert_eq!(allowed["reason"], "the base image patches zlib");
    };
    let v = audit(
        "audit-libz",
        &["--config-file", committed.to_str().expect("utf-8")],
        1,
        "static",
        &denied_and_allowed,
    );
    allowed(&v);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    let path = file.to_str().expect("utf-8");
    std::fs::write(
        &file,
        format!("{cfg}severity = {{ AOT000 = \"warning\" }}\n"),
    )
    .expect("write config");
    let v = audit(
        "audit-libz",
        &["--config-file", path],
        0,
        "static",
        &[
            Expect {
                rule: "AOT000",
                severity: "warning",
                krate: "libz-sys",
                path: &["audit-libz", "libz-sys"],
                evidence: &[],
            },
            Expect {
                rule: "AOT006",
                severity: "warning",
                krate: "libz-sys",
                path: &["audit-libz", "libz-sys"],
                evidence: &[],
            },
        ],
    );
    assert!(v["artifacts"][0]["findings"].is_array());

    // Spelt as rustc spells it (QA t, D2): the same crate, denied and allowed, no warning.
    std::fs::write(&file, cfg.replace("libz-sys", "libz_sys")).expect("write config");
    let v = audit(
        "audit-libz",
        &["--config-file", path],
        1,
        "static",
        &denied_and_allowed,
    );
    allowed(&v);
    assert!(
        !v["warnings"]
            .to_string()
            .contains("not in the dependency graph"),
        "{}",
        v["warnings"]
    );
}

#[test]
fn stand_in_code_generator_is_aot002() {
    audit(
        "audit-codegen",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT002",
            severity: "warning",
            krate: "llvm-sys",
            path: &["audit-codegen", "llvm-sys"],
            evidence: &["of llvm-sys kept in the static binary, e.g. `llvm_sys::version`"],
        }],
    );
}

#[test]
fn stand_in_libudev_sys_is_aot007() {
    audit(
        "audit-udev",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT007",
            severity: "warning",
            krate: "libudev-sys",
            path: &["audit-udev", "libudev-sys"],
            evidence: &["of libudev-sys kept in the static binary"],
        }],
    );
}

#[test]
fn hello_server_has_no_finding_but_its_dynamic_glibc_floor() {
    audit("hello-server", &["--compare"], 0, "static", &[]);
    audit(
        "hello-server",
        &["--compare"],
        0,
        "dynamic",
        &[Expect {
            rule: "AOT008",
            severity: "note",
            krate: "glibc",
            path: &["hello-server"],
            evidence: &["GLIBC_2.", "__libc_start_main"],
        }],
    );
}

#[test]
fn out_dir_used_at_run_time_is_aot009() {
    audit(
        "audit-hostpaths",
        &[],
        0,
        "static",
        &[Expect {
            rule: "AOT009",
            severity: "warning",
            krate: "audit-hostpaths",
            path: &["audit-hostpaths"],
            evidence: &["/out/greeting.txt` in .rodata of the static binary"],
        }],
    );
}

#[test]
fn iconv_open_is_aot010() {
    audit(
        "audit-iconv",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT010",
            severity: "error",
            krate: "audit-iconv",
            path: &["audit-iconv"],
            evidence: &["static binary defines `iconv_open`"],
        }],
    );
}

#[test]
fn findings_show_in_the_human_report() {
    let r = run(&mut human_fixture("audit-lookup", &[]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    for part in [
        "findings     1 error",
        "AOT004 glibc NSS lookups",
        "error: std v1.",
        "std\n        └── audit-lookup",
        "evidence:  static binary defines `getaddrinfo`",
    ] {
        assert!(r.stdout.contains(part), "`{part}` in\n{}", r.stdout);
    }
}

/// QA ad: a run whose audit found nothing and whose verdict was pass said neither: a reader
/// could not tell an audit that ran from one that did not. The JSON agrees (no finding, pass).
#[test]
fn a_clean_audit_and_a_pass_are_said() {
    let r = run(&mut human_fixture(
        "gate-rodata-old",
        &["--no-probe", "--compare"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // Once, for the static build that carries the findings (the dynamic build has its glibc
    // floor's note, AOT008).
    let none: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("findings     none"))
        .collect();
    assert_eq!(none.len(), 1, "{}", r.stdout);
    assert_eq!(
        lines.iter().rev().find(|l| !l.is_empty()),
        Some(&"verdict pass")
    );
    let v = json(&mut check_fixture("gate-rodata-old", &["--compare"]));
    assert_eq!(v["verdict"], "pass");
    assert_eq!(artifact(&v, "static")["findings"], serde_json::json!([]));
    assert!(
        r.stdout.contains("AOT008 glibc floor of the dynamic build"),
        "{}",
        r.stdout
    );
}

/// The audit puts a binary's findings on its static build, else (`--link dynamic`) on its dynamic
/// one; "findings none" is said under that artifact only, once per binary, and never for a
/// file `inspect` was given (no package: no audit ran).
#[test]
fn findings_none_is_said_where_the_audit_puts_the_findings() {
    use cargo_aotcheck::report::LinkMode;
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let one = || {
        let mut r = crate::gate_render::hand_built();
        r.baseline = None;
        r.artifacts.truncate(1);
        r.artifacts[0].checks.clear();
        r.artifacts[0].findings.clear();
        r
    };
    // The titles the `findings none` lines stand under, in order.
    let under = |r: &cargo_aotcheck::report::Report| -> Vec<String> {
        let text = cargo_aotcheck::render::human::render(r, &style);
        let mut title = String::new();
        let mut v = Vec::new();
        for l in text.lines() {
            if !l.starts_with(' ') && !l.is_empty() {
                title = l.to_string();
            }
            if l.trim_start().starts_with("findings     none") {
                v.push(title.clone());
            }
        }
        v
    };
    let statik = one();
    assert_eq!(under(&statik), ["app (package app|`x`) · static build"]);
    let mut both = one();
    let mut dynamic = both.artifacts[0].clone();
    dynamic.link_mode = Some(LinkMode::Dynamic);
    both.artifacts.push(dynamic.clone());
    assert_eq!(under(&both), ["app (package app|`x`) · static build"]);
    let mut only_dynamic = one();
    only_dynamic.artifacts[0] = dynamic;
    assert_eq!(
        under(&only_dynamic),
        ["app (package app|`x`) · regular build (dynamic)"]
    );
    let mut inspected = one();
    inspected.artifacts[0].package = None;
    assert!(under(&inspected).is_empty());
}

/// QA cn F9: AOT004's advice says whether this machine has the musl target, as rustc's
/// `--print target-libdir` shows it (a standard library there, or none).
#[test]
fn the_lookup_advice_says_whether_the_musl_target_is_installed() {
    let r = run(&mut check_fixture("audit-nix", &[]));
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let findings = artifact(&v, "static")["findings"]
        .as_array()
        .expect("findings")
        .clone();
    let f = findings
        .iter()
        .find(|f| f["rule"] == "AOT004")
        .expect("an AOT004 finding");
    let target = format!("{}-unknown-linux-musl", std::env::consts::ARCH);
    let dir = tool("rustc", &["--print", "target-libdir", "--target", &target]);
    let installed = std::fs::read_dir(dir.trim()).is_ok_and(|mut d| {
        d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
    });
    let advice = str_of(f, "advice");
    let said = match installed {
        true => format!("Build for musl (`--target {target}`, installed here;"),
        false => format!("Build for musl (`rustup target add {target}`: its target is not"),
    };
    assert!(advice.starts_with(&said), "{advice}");
}

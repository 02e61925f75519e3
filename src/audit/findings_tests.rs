//! Unit tests of the rules applied to hand-made evidence (no build needed).
use super::*;
use crate::report::Severity;
use cargo_metadata::Package;
use serde_json::json;

fn package(name: &str, links: Option<&str>) -> Package {
    serde_json::from_value(json!({
        "name": name, "version": "1.0.0", "id": format!("{name}-id"),
        "source": null, "dependencies": [], "features": {}, "targets": [],
        "manifest_path": format!("/x/{name}/Cargo.toml"), "authors": [],
        "categories": [], "keywords": [], "edition": "2021", "metadata": null,
        "publish": null, "links": links
    }))
    .expect("package")
}

/// `app` and its one dependency `dep`, as the graph walk gives them (no features).
fn app_and<'m>(app: &'m Package, dep: &'m Package) -> [Reached<'m>; 2] {
    let name = |p: &Package| p.name.to_string();
    [
        Reached {
            package: app,
            features: vec![],
            path: vec![name(app)],
            proc_macro: false,
            deps: vec![1],
        },
        Reached {
            package: dep,
            features: vec![],
            path: vec![name(app), name(dep)],
            proc_macro: false,
            deps: vec![],
        },
    ]
}

fn rule_on(
    id: &str,
    stat: Evidence,
    reached: &[Reached],
    scripts: &[&BuildScriptRun],
) -> Vec<Finding> {
    let ev = Binaries {
        stat: Some(stat),
        dynamic: None,
    };
    let ctx = Ctx {
        reached,
        scripts,
        ev: &ev,
        std_version: "1.95.0",
        target: "x86_64-unknown-linux-gnu",
    };
    ctx.rule(rules::find(id).expect("rule"))
}

fn symtab(functions: &[&str]) -> Evidence {
    Evidence {
        link: Some(LinkMode::Static),
        has_symtab: true,
        functions: functions.iter().map(|s| (s.to_string(), 0)).collect(),
        ..Evidence::default()
    }
}

#[test]
fn a_trigger_crate_without_its_symbols_is_one_step_less_severe() {
    let (app, home) = (package("app", None), package("home", None));
    let reached = app_and(&app, &home);
    let f = rule_on(
        "AOT004",
        symtab(&["_ZN4home8home_dir17h0123456789abcdefE"]),
        &reached,
        &[],
    );
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].krate.as_str(), f[0].severity),
        ("home", Severity::Warning)
    );
    assert!(
        f[0].evidence[0].starts_with("no evidence in this binary"),
        "{:?}",
        f[0].evidence
    );

    let f = rule_on("AOT004", symtab(&["getpwuid_r"]), &reached, &[]);
    assert_eq!(
        (f[0].krate.as_str(), f[0].severity),
        ("home", Severity::Error)
    );
    assert_eq!(f[0].evidence, ["static binary defines `getpwuid_r`"]);

    // Stripped: nothing could be searched, so nothing is weakened.
    let f = rule_on(
        "AOT004",
        Evidence {
            has_symtab: false,
            ..symtab(&[])
        },
        &reached,
        &[],
    );
    assert_eq!(f[0].severity, Severity::Error);
}

#[test]
fn a_links_crate_linking_a_system_library_is_aot006_unless_bundled() {
    let (app, png) = (package("app", None), package("png-sys", Some("png")));
    let reached = app_and(&app, &png);
    let script = |libs: &[&str]| BuildScriptRun {
        package_id: png.id.clone(),
        linked_libs: libs.iter().map(|s| s.to_string()).collect(),
        linked_paths: Vec::new(),
        out_dir: "/t/build/png-sys-1/out".into(),
    };
    let bare = script(&["png16", "m"]);
    let f = rule_on("AOT006", symtab(&[]), &reached, &[&bare]);
    assert_eq!(f.len(), 1);
    assert!(f[0].evidence[0].contains("`rustc-link-lib=png16`, not `static=png16`"));
    assert!(!f[0].evidence.iter().any(|e| e.contains("`m`")));
    let bundled = script(&["static=png16"]);
    assert!(rule_on("AOT006", symtab(&[]), &reached, &[&bundled]).is_empty());
}

#[test]
fn registries_are_proved_by_init_array_entries_and_linkme_sections() {
    let (app, linkme) = (package("app", None), package("linkme", None));
    let reached = app_and(&app, &linkme);
    let ev = Evidence {
        init_array: 3,
        linkme: vec!["linkme_PLUGINS".into()],
        ..symtab(&[])
    };
    let f = rule_on("AOT003", ev, &reached, &[]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(
        f[0].evidence,
        [
            "static binary: 3 `.init_array` entries (a plain Rust binary has 2: std's and the C runtime's)",
            "static binary: section `linkme_PLUGINS`"
        ]
    );
    // The same evidence without a registry crate: attributed to the package's own code.
    let ev = Evidence {
        init_array: 3,
        ..symtab(&[])
    };
    let f = rule_on("AOT003", ev, &reached[..1], &[]);
    assert_eq!((f.len(), f[0].krate.as_str()), (1, "app"));
}

/// `app` using the proc-macro `mac`, as the graph walk gives them.
fn app_and_macro<'m>(app: &'m Package, mac: &'m Package) -> [Reached<'m>; 2] {
    let [app, mut mac] = app_and(app, mac);
    mac.proc_macro = true;
    [app, mac]
}

#[test]
fn a_proc_macro_is_the_cause_only_of_evidence_its_expansion_left() {
    let (app, ctor) = (package("app", None), package("ctor", None));
    let reached = app_and_macro(&app, &ctor);
    let entries = |n| Evidence {
        init_array: n,
        ..symtab(&[])
    };
    let f = rule_on("AOT003", entries(4), &reached, &[]);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].krate.as_str(), f[0].path.as_slice(), f[0].severity),
        (
            "ctor",
            ["app", "ctor"].map(String::from).as_slice(),
            Severity::Warning
        )
    );
    assert_eq!(
        f[0].evidence,
        [
            "static binary: 4 `.init_array` entries (a plain Rust binary has 2: std's and the C runtime's)",
            "attributed to the proc-macro ctor: what it expands to in app's code is in the binary"
        ]
    );
    // Used by nobody (std's 2 entries only): no finding, not even a weakened one.
    assert!(rule_on("AOT003", entries(2), &reached, &[]).is_empty());

    // A proc-macro no trigger says expands is never the cause, nor denied: the evidence goes
    // to the package, as it did before proc-macros were in the graph.
    let linkme = package("linkme", None);
    let reached = app_and_macro(&app, &linkme);
    let f = rule_on("AOT003", entries(3), &reached, &[]);
    assert_eq!((f.len(), f[0].krate.as_str()), (1, "app"));
    assert!(rule_on("AOT003", entries(2), &reached, &[]).is_empty());
    let ev = Binaries {
        stat: Some(entries(2)),
        dynamic: None,
    };
    let ctx = Ctx {
        reached: &reached,
        scripts: &[],
        ev: &ev,
        std_version: "1.95.0",
        target: "x86_64-unknown-linux-gnu",
    };
    assert!(ctx.denied(&["linkme".into()]).is_empty());
}

/// A finding guessed to be std's names only the lookups of std the binary has (QA n:
/// rustypaste's named `env::home_dir`'s `getpwuid_r`, which it does not define).
#[test]
fn a_guess_of_std_names_only_the_lookups_defined() {
    let (app, dep) = (package("app", None), package("dep", None));
    let reached = app_and(&app, &dep);
    let last = |functions: &[&str]| {
        let f = rule_on("AOT004", symtab(functions), &reached, &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].krate, "std");
        f[0].evidence.last().cloned().unwrap_or_default()
    };
    let resolver = last(&["getaddrinfo", "gethostbyname2_r", "getservbyname_r"]);
    assert!(resolver.ends_with("calls `getaddrinfo`"), "{resolver}");
    assert!(!resolver.contains("getpwuid_r"), "{resolver}");
    let home = last(&["getpwuid_r"]);
    assert!(
        home.ends_with("): `env::home_dir` calls `getpwuid_r`"),
        "{home}"
    );
    let both = last(&["getaddrinfo", "getpwuid_r"]);
    assert!(
        both.contains("`getaddrinfo`, `env::home_dir` calls `getpwuid_r`"),
        "{both}"
    );
}

/// mlua-sys with LuaJIT (or Luau's code generation) carries a JIT compiler: AOT002 on it,
/// with the feature; with PUC Lua, an interpreter, none (QA o: xplr).
#[test]
fn luajit_is_run_time_code_generation() {
    let (app, mlua) = (package("app", None), package("mlua-sys", Some("lua")));
    let mut reached = app_and(&app, &mlua);
    let rule = |reached: &[Reached]| rule_on("AOT002", symtab(&[]), reached, &[]);
    for feature in ["luajit", "luau-codegen"] {
        reached[1].features = vec![feature.to_string()];
        let f = rule(&reached);
        assert_eq!(f.len(), 1, "{feature}: {f:?}");
        assert_eq!(f[0].krate, "mlua-sys");
        assert_eq!(f[0].feature.as_deref(), Some(feature));
        assert_eq!(f[0].path, ["app", "mlua-sys"]);
    }
    reached[1].features = vec!["lua54".into(), "vendored".into()];
    assert!(rule(&reached).is_empty());
}

/// The first of `packages` and each other as its direct dependency.
fn all_reached(packages: &[Package]) -> Vec<Reached<'_>> {
    packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let [root, dep] = app_and(&packages[0], p);
            if i == 0 { root } else { dep }
        })
        .collect()
}

/// A call step of a chain to `symbol` of `krate`.
fn step(symbol: &str, krate: Option<&str>) -> crate::report::Step {
    crate::report::Step::named(symbol, krate, crate::report::RefKind::Call)
}

/// QA ad, F4: a dependency whose steps in the chain of a std finding are a function and then
/// data (a vtable without a symbol) is named by its function; a crate with only data there is
/// still named by it.
#[test]
fn std_callers_are_named_by_their_functions_not_their_data() {
    let (app, dep) = (package("app", None), package("reqwest", None));
    let reached = app_and(&app, &dep);
    let rule = rules::find("AOT004").expect("rule");
    let named_by = |middle: Vec<crate::report::Step>, callers: &[(&str, &str)]| {
        let mut f = super::new_finding(rule, "std", "1.95.0", vec!["app".into(), "std".into()]);
        f.chain = [step("_start", None), step("app::main", Some("app"))]
            .into_iter()
            .chain(middle)
            .chain([
                step("std::net::lookup_host", Some("std")),
                step("getaddrinfo", None),
            ])
            .collect();
        let callers: Vec<(String, String, Option<String>)> = callers
            .iter()
            .map(|(k, s)| (k.to_string(), s.to_string(), None))
            .collect();
        crate::audit::std_callers::word(&mut f, &reached, &callers);
        f.evidence.join("\n")
    };
    let named = |middle: Vec<crate::report::Step>| named_by(middle, &[]);
    let both = named(vec![
        step("reqwest::dns::gai::GaiResolver::resolve", Some("reqwest")),
        step("[section .data.rel.ro]", Some("reqwest")),
        step(
            "anon.0123456789abcdef0123456789abcdef.6.llvm.2460976079217062271",
            Some("reqwest"),
        ),
    ]);
    assert!(
        both.ends_with(
            "↳ reqwest v1.0.0 (app → reqwest): `reqwest::dns::gai::GaiResolver::resolve`"
        ),
        "{both}"
    );
    // No dependency between the package's code and std: the package's own call (QA af, F7).
    let own = named(vec![step("app::lookup", Some("app"))]);
    assert!(
        own.contains("app's own code makes this call: `app::lookup` calls `std::net::lookup_host`"),
        "{own}"
    );
    let data = named(vec![step("[section .data.rel.ro]", Some("reqwest"))]);
    assert!(
        data.ends_with("↳ reqwest v1.0.0 (app → reqwest): `[section .data.rel.ro]`"),
        "{data}"
    );
}

/// QA by F1: a std finding names every crate whose code calls into std's way to the C
/// function (xh's tokio blocking task, off the one shortest chain through hyper-util's SOCKS
/// code), the chain's first; a crate on the chain that calls nothing of std's (tower's
/// pass-through) is not named, and the package's own call is said last.
#[test]
fn std_findings_name_every_crate_that_calls_into_std() {
    let packages = ["app", "hyper-util", "tower", "tokio"].map(|n| package(n, None));
    let reached = all_reached(&packages);
    let rule = rules::find("AOT004").expect("rule");
    let mut f = super::new_finding(rule, "std", "1.95.0", vec!["app".into(), "std".into()]);
    f.chain = vec![
        step("app::main", Some("app")),
        step("tower::MapFuture::call", Some("tower")),
        step("hyper_util::SocksV5::call", Some("hyper_util")),
        step("std::net::lookup_host", Some("std")),
        step("getaddrinfo", None),
    ];
    let callers = |tokio_for: Option<&str>| -> Vec<(String, String, Option<String>)> {
        [
            ("tokio", "tokio::BlockingTask::poll", tokio_for),
            ("hyper_util", "hyper_util::SocksV4::call", None),
            ("hyper_util", "hyper_util::SocksV5::call", None),
            ("app", "app::resolve", None),
        ]
        .map(|(k, s, m)| (k.to_string(), s.to_string(), m.map(str::to_string)))
        .to_vec()
    };
    let chain = f.clone();
    crate::audit::std_callers::word(&mut f, &reached, &callers(None));
    let said = f.evidence.join("\n");
    // One crate a line (QA bw F5: one paragraph was hard to read).
    assert_eq!(
        f.evidence,
        [
            "std makes this call when the code below, outside std, calls it (the crate on the \
             chain above first); what can change is their use of std, or the dependencies \
             that bring them in:",
            "↳ hyper-util v1.0.0 (app → hyper-util): `hyper_util::SocksV5::call`, \
             `hyper_util::SocksV4::call`",
            "↳ tokio v1.0.0 (app → tokio): `tokio::BlockingTask::poll`",
            "↳ app's own code: `app::resolve`",
        ],
        "{said}"
    );
    assert!(!said.contains("tower"), "{said}");
    // QA cc F2: tokio's generic executor instantiated in hyper-util may run hyper-util's
    // code (its resolver closure): said beside it.
    let mut f = chain;
    crate::audit::std_callers::word(&mut f, &reached, &callers(Some("hyper_util")));
    let said = f.evidence.join("\n");
    assert!(
        said.contains(
            "↳ tokio v1.0.0 (app → tokio): `tokio::BlockingTask::poll` (generic, instantiated \
             in hyper_util, whose code it may run)"
        ),
        "{said}"
    );
    // QA ck F4: a function of std's own path in tokio's code is generic code made for it.
    let mut f = f.clone();
    f.evidence.clear();
    let mut with_std = callers(None);
    with_std.push((
        "tokio".into(),
        "std::sys::backtrace::__rust_begin_short_backtrace".into(),
        None,
    ));
    crate::audit::std_callers::word(&mut f, &reached, &with_std);
    let said = f.evidence.join("\n");
    assert!(
        said.contains(
            "`std::sys::backtrace::__rust_begin_short_backtrace` (generic, instantiated in \
             tokio, whose code it may run)"
        ),
        "{said}"
    );
}

/// QA cn F3: procs's std finding named tokio's `raw::poll`, a task runner, alone; the chain
/// shows hyper's `HttpConnector::call` before it, whose task it runs: hyper is named too.
#[test]
fn the_crate_whose_task_tokio_runs_is_named_beside_it() {
    let packages = ["app", "hyper", "tokio"].map(|n| package(n, None));
    let reached = all_reached(&packages);
    let rule = rules::find("AOT004").expect("rule");
    let mut f = super::new_finding(rule, "std", "1.95.0", vec!["app".into(), "std".into()]);
    let runner = "tokio::runtime::task::raw::poll";
    f.chain = vec![
        step("app::main", Some("app")),
        step(
            "hyper::client::connect::http::HttpConnector::call",
            Some("hyper"),
        ),
        step("[section .data.rel.ro]", Some("hyper")),
        step(runner, Some("tokio")),
        step("std::net::lookup_host", Some("std")),
        step("getaddrinfo", None),
    ];
    let callers = vec![("tokio".to_string(), runner.to_string(), None)];
    crate::audit::std_callers::word(&mut f, &reached, &callers);
    assert_eq!(
        f.evidence[1..],
        [
            format!("↳ tokio v1.0.0 (app → tokio): `{runner}`"),
            "↳ hyper v1.0.0 (app → hyper): `hyper::client::connect::http::HttpConnector::call` \
             (before tokio's task on the chain: the task may be hyper's)"
                .to_string(),
        ],
        "{:?}",
        f.evidence
    );
}

/// QA bg F2: with openssl-sys's `vendored` feature the OpenSSL in the binary is built from
/// source, so neither native-tls (which uses that copy) nor the vendored build's default
/// `OPENSSLDIR` is a system TLS library; without it, native-tls is the finding.
#[test]
fn a_vendored_openssl_is_no_system_tls_library() {
    let (app, tls, ssl) = (
        package("app", None),
        package("native-tls", None),
        package("openssl-sys", Some("openssl")),
    );
    let [root, native_tls] = app_and(&app, &tls);
    let [_, mut openssl] = app_and(&app, &ssl);
    openssl.path.insert(1, "native-tls".into());
    let script = BuildScriptRun {
        package_id: ssl.id.clone(),
        linked_libs: vec!["static=ssl".into(), "static=crypto".into()],
        linked_paths: Vec::new(),
        out_dir: "/t/build/openssl-sys-1/out".into(),
    };
    let ev = || Evidence {
        openssldir: vec!["/usr/local/ssl".into()],
        ..symtab(&[])
    };
    let mut reached = [root, native_tls, openssl];
    let f = rule_on("AOT005", ev(), &reached, &[&script]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].krate, "native-tls");
    assert!(
        f[0].evidence.iter().any(|e| e.contains("OPENSSLDIR")),
        "{:?}",
        f[0].evidence
    );
    reached[2].features = vec!["vendored".into()];
    let f = rule_on("AOT005", ev(), &reached, &[&script]);
    assert!(f.is_empty(), "{f:?}");
}

#[path = "findings_advice_tests.rs"]
mod advice;

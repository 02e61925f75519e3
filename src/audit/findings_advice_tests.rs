//! Unit tests of the advice fitted to a binary's crates (reqwest's features, crates that
//! read `HOME` first, one system OpenSSL).
use super::*;

/// QA af: AOT004's advice named reqwest's `hickory-dns` feature for tealdeer, a ureq user; it
/// is said only where reqwest is among the binary's crates, and once.
#[test]
fn reqwests_resolver_is_advised_only_with_reqwest() {
    let rule = rules::find("AOT004").expect("rule");
    let with = |dep: &str| {
        let (app, dep) = (package("app", None), package(dep, None));
        let reached = app_and(&app, &dep);
        let mut a = crate::report::test_artifact(1000);
        a.findings.push(crate::audit::findings::new_finding(
            rule,
            "hyper",
            "1.0.0",
            vec!["app".into(), "hyper".into()],
        ));
        crate::audit::nss_advice::fit(&mut a, &reached);
        crate::audit::nss_advice::fit(&mut a, &reached);
        a.findings[0].advice.clone()
    };
    assert!(!rule.advice.contains("reqwest"), "{}", rule.advice);
    assert_eq!(with("ureq"), rule.advice);
    assert_eq!(
        with("reqwest"),
        format!(
            "{}{}",
            rule.advice,
            crate::audit::nss_advice::REQWEST_RESOLVER
        )
    );
}

/// QA bh F1: with reqwest's `hickory-dns` feature on, a finding whose chain runs through
/// reqwest's `GaiResolver` says when that resolver runs, not to turn the feature on; one whose
/// chain does not (the program's own lookup) says nothing of reqwest. QA bh F4: a crate that
/// reads `HOME` before it looks the user up is told to have `HOME` set, not to read it.
#[test]
fn the_advice_knows_reqwests_resolver_and_crates_that_read_home_first() {
    use crate::audit::nss_advice::{HICKORY_ON, REQWEST_RESOLVER, fit};
    use crate::report::{RefKind, Step};
    let rule = rules::find("AOT004").expect("rule");
    let step = |symbol: &str| Step::named(symbol, None, RefKind::Call);
    let (app, reqwest) = (package("app", None), package("reqwest", None));
    let mut reached = app_and(&app, &reqwest);
    reached[1].features = vec!["hickory-dns".into()];
    let advice = |krate: &str, defines: &str, via: &str, reached: &[Reached]| {
        let mut a = crate::report::test_artifact(1000);
        let mut f = nss_finding(krate, &format!("`{defines}`"));
        f.chain = vec![step("app::main"), step(via), step(defines)];
        a.findings.push(f);
        fit(&mut a, reached);
        a.findings[0].advice.clone()
    };
    let gai = "<reqwest::dns::gai::GaiResolver as reqwest::dns::resolve::Resolve>::resolve";
    let on = advice("std", "getaddrinfo", gai, &reached);
    assert!(on.ends_with(HICKORY_ON), "{on}");
    assert!(!on.contains(REQWEST_RESOLVER), "{on}");
    let own = advice("std", "getaddrinfo", "app::connect", &reached);
    assert!(!own.contains("reqwest"), "{own}");
    reached[1].features.clear();
    let off = advice("std", "getaddrinfo", gai, &reached);
    assert!(off.ends_with(REQWEST_RESOLVER), "{off}");
    // QA bq F2: reqwest picks its resolver at run time; the feature clears no finding.
    assert!(off.contains("`getaddrinfo` stays linked"), "{off}");
    assert!(off.contains("the finding stays: allow it then"), "{off}");
    // OpenSSL's own lookup: reqwest's feature does nothing for it.
    let bio = advice(
        "openssl-sys",
        "gethostbyname",
        "BIO_gethostbyname",
        &reached,
    );
    assert!(!bio.contains("reqwest"), "{bio}");
    // Unreachable, it has no chain (QA bi F1): still none of reqwest's.
    let mut a = crate::report::test_artifact(1000);
    let mut f = crate::audit::findings::new_finding(
        rule,
        "openssl-sys",
        "0.9.117",
        vec!["app".into(), "openssl-sys".into()],
    );
    f.evidence.push(format!("{DEFINES}`gethostbyname`"));
    a.findings.push(f);
    fit(&mut a, &reached);
    assert!(
        !a.findings[0].advice.contains("reqwest"),
        "{}",
        a.findings[0].advice
    );
    // User lookups: dirs-sys reads HOME first; nix does not.
    let home = "dirs_sys::home_dir";
    let dirs = advice("dirs-sys", "getpwuid_r", home, &reached);
    assert!(dirs.contains("set `HOME` where the program runs"), "{dirs}");
    assert!(dirs.contains("dirs-sys reads it first"), "{dirs}");
    let nix = advice("nix", "getpwuid_r", "nix::unistd::User::from_uid", &reached);
    assert!(nix.contains("`HOME`/`USER` from the environment"), "{nix}");
}

/// QA bh F2, F5: xh with native-tls had five AOT005 warnings with the same evidence, each
/// advising reqwest's `rustls-tls`, which reqwest 0.13 does not have. One finding on
/// openssl-sys names the crates that use it; the advice names reqwest's features as this
/// version spells them, and the package's own feature that turns rustls on.
#[test]
fn one_system_openssl_is_one_finding_with_reqwests_own_features() {
    let with_features = |name: &str, links: Option<&str>, features: serde_json::Value| {
        let mut p = serde_json::to_value(package(name, links)).expect("package");
        p["features"] = features;
        serde_json::from_value::<Package>(p).expect("package")
    };
    let app = with_features(
        "app",
        None,
        json!({"rustls": ["reqwest/rustls"], "native-tls": ["reqwest/native-tls"]}),
    );
    let reqwest = with_features(
        "reqwest",
        None,
        json!({"rustls": [], "native-tls": ["dep:native-tls"], "native-tls-vendored": []}),
    );
    let (tls, ssl) = (
        package("native-tls", None),
        package("openssl-sys", Some("openssl")),
    );
    fn node<'m>(p: &'m Package, path: &[&str], deps: Vec<usize>) -> Reached<'m> {
        Reached {
            package: p,
            features: Vec::new(),
            path: path.iter().map(|s| s.to_string()).collect(),
            proc_macro: false,
            deps,
        }
    }
    let mut reached = vec![
        node(&app, &["app"], vec![1]),
        node(&reqwest, &["app", "reqwest"], vec![2]),
        node(&tls, &["app", "reqwest", "native-tls"], vec![3]),
        node(
            &ssl,
            &["app", "reqwest", "native-tls", "openssl-sys"],
            vec![],
        ),
    ];
    reached[1].features = vec!["native-tls".into()];
    let script = BuildScriptRun {
        package_id: ssl.id.clone(),
        linked_libs: vec!["ssl".into(), "crypto".into()],
        linked_paths: Vec::new(),
        out_dir: "/t/build/openssl-sys-1/out".into(),
    };
    let ev = || Evidence {
        openssldir: vec!["/usr/lib/ssl".into()],
        ..symtab(&[])
    };
    let f = rule_on("AOT005", ev(), &reached, &[&script]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].krate, "openssl-sys");
    assert!(
        f[0].evidence.iter().any(|e| e
            == "the TLS crates that use this OpenSSL: reqwest (its `native-tls` feature), \
                native-tls (one library, one finding)"),
        "{:?}",
        f[0].evidence
    );
    assert_eq!(
        f[0].advice,
        "Use rustls: reqwest's `rustls` feature in place of `native-tls` (app's own `rustls` \
         feature turns it on); or keep OpenSSL, built from source with reqwest's \
         `native-tls-vendored` feature, and take on patching it yourself."
    );
    // reqwest with rustls of its own, and OpenSSL another crate's: reqwest is no user of it.
    reached[1].deps.clear();
    reached[1].features.clear();
    reached[0].deps.push(2);
    let f = rule_on("AOT005", ev(), &reached, &[&script]);
    assert_eq!((f.len(), f[0].krate.as_str()), (1, "openssl-sys"), "{f:#?}");
    assert!(!f[0].advice.contains("in place of"), "{}", f[0].advice);
}

/// QA ce F6: rustscan links hickory-resolver and calls it from the function whose
/// `to_socket_addrs` makes the lookup; the advice named hickory-resolver as if it were not
/// there. With it among the crates, the advice says it is there already; a user
/// lookup's advice says nothing of it.
#[test]
fn a_resolver_already_in_the_binary_is_named_as_such() {
    use crate::audit::nss_advice::fit;
    let rule = rules::find("AOT004").expect("rule");
    let (app, hickory) = (package("app", None), package("hickory-resolver", None));
    let reached = app_and(&app, &hickory);
    let advice = |krate: &str, defines: &str| {
        let mut a = crate::report::test_artifact(1000);
        let mut f = crate::audit::findings::new_finding(
            rule,
            krate,
            "1.0.0",
            vec!["app".into(), krate.into()],
        );
        f.evidence.push(format!("{DEFINES}`{defines}`"));
        a.findings.push(f);
        fit(&mut a, &reached);
        a.findings[0].advice.clone()
    };
    let hosts = advice("std", "getaddrinfo");
    assert!(
        hosts.ends_with(
            " hickory-resolver v1.0.0 is among this build's crates already: resolve host names \
             through it where the chain above calls std's `to_socket_addrs` (or \
             `getaddrinfo`), and the lookup goes."
        ),
        "{hosts}"
    );
    let users = advice("dirs-sys", "getpwuid_r");
    assert!(!users.contains("hickory"), "{users}");
}

/// QA ci F11: std's user lookup is `env::home_dir`'s, of the user running the program; its
/// advice says to have `HOME` set and nothing of other users' entries, which another crate's
/// finding keeps.
#[test]
fn stds_user_lookup_is_advised_as_its_own_users() {
    let app = package("app", None);
    let reached = app_and(&app, &app);
    let advice = |krate: &str| {
        let mut a = crate::report::test_artifact(1000);
        a.findings
            .push(nss_finding(krate, "`getaddrinfo`, `getpwuid_r`"));
        crate::audit::nss_advice::fit(&mut a, &reached[..1]);
        a.findings[0].advice.clone()
    };
    let std = advice("std");
    assert!(
        std.contains("std's `env::home_dir`, std's one user lookup"),
        "{std}"
    );
    assert!(!std.contains("other users"), "{std}");
    assert!(std.contains("hickory-resolver"), "{std}");
    let other = advice("uzers");
    assert!(
        other.contains("for other users (a file's or a process's owner)"),
        "{other}"
    );
}

/// An AOT004 finding on `krate` whose static binary defines `defines` (as the evidence lists
/// them: `` `a`, `b` ``).
fn nss_finding(krate: &str, defines: &str) -> Finding {
    let rule = rules::find("AOT004").expect("rule");
    let mut f =
        crate::audit::findings::new_finding(rule, krate, "1.0.0", vec!["app".into(), krate.into()]);
    f.evidence.push(format!("{DEFINES}{defines}"));
    f
}

/// QA cm F2: libgit2 looks the user up only in a set-uid program, and reads `HOME` otherwise:
/// its advice says so, not to set `HOME` or to read `/etc/passwd`.
#[test]
fn libgit2s_user_lookup_is_advised_as_set_uid_only() {
    let app = package("app", None);
    let reached = app_and(&app, &app);
    let mut a = crate::report::test_artifact(1000);
    a.findings.push(nss_finding("libgit2-sys", "`getpwuid_r`"));
    crate::audit::nss_advice::fit(&mut a, &reached[..1]);
    let advice = &a.findings[0].advice;
    assert!(
        advice.starts_with("libgit2-sys looks the user up only when the program runs set-uid"),
        "{advice}"
    );
    assert!(!advice.contains("/etc/passwd"), "{advice}");
}

/// QA co F1: the advice of a reproduced crash said "if its target is installed" where the
/// rule's said whether it is: both are said alike.
#[test]
fn a_crashs_advice_says_whether_musl_is_installed() {
    let mut a = crate::report::test_artifact(1000);
    let mut f = nss_finding("uzers", "`getpwuid_r`");
    f.advice = "The static glibc binary crashed where glibc loads NSS modules. Build for musl if \
                its target is installed (musl loads no NSS modules), or ship the dynamic build."
        .into();
    a.findings.push(f);
    crate::audit::nss_advice::say_musl(&mut a);
    let advice = &a.findings[0].advice;
    assert!(!advice.contains("if its target is installed"), "{advice}");
    assert!(
        advice.contains("modules. Build for musl (`")
            && advice.ends_with(", or ship the dynamic build."),
        "{advice}"
    );
}

//! AOT005 on a system OpenSSL: one finding, on openssl-sys, that names the TLS crates using
//! it, with advice in the features of the binary's own HTTP client. xh with native-tls had five
//! warnings with the same evidence (reqwest, hyper-tls, native-tls, tokio-native-tls and
//! openssl-sys), each advising reqwest's `rustls-tls`, which reqwest 0.13 no longer has (QA bh
//! F2, F5).

use super::graph::{Reached, depends_on, same_crate};
use crate::report::Finding;

/// `found` (AOT005's findings) with those on crates that use openssl-sys folded into
/// openssl-sys's, and the advice fitted to reqwest's features where reqwest is a crate of the
/// binary. `advice`: the rule's own, which a fitted advice replaces.
pub(super) fn one_openssl(found: Vec<Finding>, reached: &[Reached], advice: &str) -> Vec<Finding> {
    let index = |krate: &str| {
        reached
            .iter()
            .position(|r| !r.proc_macro && same_crate(r.name(), krate))
    };
    if index("openssl-sys").is_none() {
        return found;
    }
    let on_ssl = |i: usize| depends_on(reached, i, "openssl-sys");
    let mut out = found;
    if out.iter().any(|f| same_crate(&f.krate, "openssl-sys")) {
        let (users, kept): (Vec<Finding>, Vec<Finding>) = out.into_iter().partition(|f| {
            !same_crate(&f.krate, "openssl-sys") && index(&f.krate).is_some_and(on_ssl)
        });
        out = kept;
        if let Some(f) = out.iter_mut().find(|f| same_crate(&f.krate, "openssl-sys")) {
            let names: Vec<String> = users.iter().map(named).collect();
            if !names.is_empty() {
                f.evidence.push(format!(
                    "the TLS crates that use this OpenSSL: {} (one library, one finding)",
                    names.join(", ")
                ));
            }
        }
    }
    // Only where reqwest is one of OpenSSL's users: with rustls of its own, its features
    // change nothing for libgit2's or another crate's OpenSSL.
    let reqwest_on_it = index("reqwest").is_some_and(on_ssl);
    if let Some(fitted) = reqwest_advice(reached).filter(|_| reqwest_on_it) {
        for f in &mut out {
            let bundling = same_crate(&f.krate, "openssl-sys");
            if f.advice == advice || bundling {
                f.advice = fitted.clone();
            }
        }
    }
    out
}

/// A finding's crate as the list of users names it: with the feature that made it one.
fn named(f: &Finding) -> String {
    match &f.feature {
        Some(feature) => format!("{} (its `{feature}` feature)", f.krate),
        None => f.krate.clone(),
    }
}

/// AOT005's advice for a binary whose HTTP client is reqwest: its rustls feature by the name
/// this version has (`rustls` from 0.13, `rustls-tls` before), the package's own feature that
/// turns it on where one does, and reqwest's feature that builds OpenSSL from source.
fn reqwest_advice(reached: &[Reached]) -> Option<String> {
    let reqwest = reached.iter().find(|r| r.is_crate("reqwest"))?;
    let has = |f: &str| reqwest.package.features.contains_key(f);
    let rustls = ["rustls", "rustls-tls"].into_iter().find(|f| has(f))?;
    let package = reached.first()?.package;
    let own = package.features.iter().find(|(_, on)| {
        on.iter()
            .any(|v| v == &format!("reqwest/{rustls}") || v == &format!("reqwest?/{rustls}"))
    });
    let own = own.map_or(String::new(), |(name, _)| {
        format!(" ({}'s own `{name}` feature turns it on)", package.name)
    });
    let vendored = match has("native-tls-vendored") {
        true => "; or keep OpenSSL, built from source with reqwest's `native-tls-vendored` \
                 feature, and take on patching it yourself"
            .to_string(),
        false => String::new(),
    };
    Some(format!(
        "Use rustls: reqwest's `{rustls}` feature in place of `native-tls`{own}{vendored}."
    ))
}

//! The functions std's finding took (split.rs: std's own code reaches them) that a crate's
//! unreachable code calls too, said on that crate's finding. OpenSSL's `BIO_lookup_ex` calls
//! `getaddrinfo`; std's `ToSocketAddrs` reaches it in xh's native-tls build, so std's finding
//! took it, and openssl-sys's finding, whose other lookups are linked but unreachable as
//! `BIO_lookup_ex` is, named it nowhere (QA cq F1, cs). A reachable caller is `std_s_too`'s.

use super::super::findings::DEFINES;
use super::super::graph::{Reached, dependency_named, same_crate};
use super::super::rules::Rule;
use super::add_to_defines;
use crate::format::quoted;
use crate::graph::Graph;
use crate::report::Artifact;

/// A function std's finding lists, a crate whose code calls it where no root reaches that
/// code, and its symbol that does.
pub(super) struct DeadCall {
    name: &'static str,
    krate: String,
    symbol: String,
}

/// The calls of std's finding's functions by dependencies' unreachable code.
pub(super) fn dead_calls(
    g: &Graph,
    a: &Artifact,
    rule: &Rule,
    reached: &[Reached],
) -> Vec<DeadCall> {
    let mut out = Vec::new();
    for (name, v) in super::std_functions(g, a, rule) {
        for (k, _) in g.calling_crates(v) {
            let Some(r) = dependency_named(reached, &k) else {
                continue;
            };
            // Its own call, not one through the C library's code (`gethostbyname2_r`, which
            // glibc's `getaddrinfo` calls).
            let Some(symbol) = g.direct_caller(v, &k) else {
                continue;
            };
            if g.reach_through(v, &k).is_some() {
                continue;
            }
            out.push(DeadCall {
                name,
                krate: r.name().to_string(),
                symbol,
            });
        }
    }
    out
}

/// Each of `calls` on its crate's finding of `rule`, where it has one: listed with what the
/// binary defines, and said to be unreachable there and std's elsewhere. A crate with no
/// finding gets none for dead code std's finding covers.
pub(super) fn say(a: &mut Artifact, rule: &Rule, calls: &[DeadCall]) {
    for f in a.findings.iter_mut().filter(|f| f.rule == rule.id) {
        let mine: Vec<&DeadCall> = calls
            .iter()
            .filter(|c| same_crate(&c.krate, &f.krate))
            .collect();
        let had = f.defined();
        let mut names: Vec<&str> = Vec::new();
        let mut symbols: Vec<&str> = Vec::new();
        // Only the calls of functions the finding does not list already.
        for c in mine.iter().filter(|c| !had.iter().any(|h| h == c.name)) {
            if !names.contains(&c.name) {
                names.push(c.name);
            }
            if !symbols.contains(&c.symbol.as_str()) {
                symbols.push(&c.symbol);
            }
        }
        if names.is_empty() {
            continue;
        }
        if let Some(e) = f.evidence.iter_mut().find(|e| e.starts_with(DEFINES)) {
            add_to_defines(e, &names);
        }
        let one = if names.len() == 1 { "it" } else { "them" };
        f.evidence.push(format!(
            "{} called by {}'s code too (`{}`, the reference graph), which is linked but \
             unreachable from every root; std's own code reaches {one} (the finding on std)",
            quoted(&names),
            f.krate,
            symbols.join("`, `")
        ));
    }
}

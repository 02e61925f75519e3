//! The chain of a finding on a crate whose own code calls none of its functions (its code
//! inlined into its callers, as under LTO). The shortest chain to its lookup may be another
//! crate's own call: starship's whoami and nix findings showed dirs-sys's `home_dir` calling
//! `getpwuid_r`, and a crash in `home_dir` was then pinned on them too, while whoami's lookup
//! is in the program's `username::module` (QA bc F2). Such a finding shows the chain through
//! code that may hold the crate's: the program's, or a crate's that depends on it.

use super::graph::{Reached, dependency_named, depends_on, same_crate};
use super::reach::arrows;
use super::split::{STD_CRATES, is_chain_to, last_caller};
use crate::format::quoted;
use crate::graph::Graph;
use crate::report::{Artifact, Finding, MAY_HOLD, Step};

/// Give each AOT004 finding on a crate whose own code calls none of its functions a chain
/// through code that may hold the crate's, where its chain runs through code that cannot (see
/// the module).
pub(super) fn chains_where_inlined(g: &Graph, a: &mut Artifact, reached: &[Reached]) {
    let Some(package) = reached.first() else {
        return;
    };
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        if f.reachable != Some(true)
            || STD_CRATES.contains(&f.krate.as_str())
            || same_crate(&f.krate, package.name())
            || through_own(g, f)
        {
            continue;
        }
        let krate = f.krate.clone();
        let may_hold = |k: &str| may_hold(reached, k, &krate);
        let Some(other) = last_caller(&f.chain).filter(|k| !may_hold(k)) else {
            continue;
        };
        // Named as the dependency is (`passwd-sys`, not `passwd_sys`).
        let other = dependency_named(reached, other)
            .map_or(other, |r| r.name())
            .to_string();
        rechain(g, f, &other, may_hold);
    }
}

/// Whether a chain leads to one of `f`'s functions through its crate's own code. A crate with
/// pieces of its own may still have no code that calls them: starship's whoami has panic
/// locations naming its source, nix has its own functions, and neither calls `getpwuid_r` (QA
/// bf F2: both kept dirs-sys's chain).
fn through_own(g: &Graph, f: &Finding) -> bool {
    f.defined()
        .iter()
        .filter_map(|n| g.symbol(n))
        .any(|v| g.reach_through(v, &f.krate).is_some())
}

/// Whether the code of crate `k` may hold crate `krate`'s, inlined: it is the package, `krate`
/// or a crate that depends on `krate`, or std (which makes lookups for the crates that call it:
/// `home` calls `std::env::home_dir`), or a crate the dependency graph does not have.
fn may_hold(reached: &[Reached], k: &str, krate: &str) -> bool {
    if STD_CRATES.contains(&k) || same_crate(k, krate) || reached[0].is_crate(k) {
        return true;
    }
    let Some(r) = dependency_named(reached, k) else {
        return true;
    };
    reached
        .iter()
        .position(|x| std::ptr::eq(x, r))
        .is_none_or(|i| depends_on(reached, i, krate))
}

/// Replace `f`'s chain, which runs through crate `other`'s code, by the shortest through a
/// caller that `may_hold` the crate's code; without one, say that none leads there.
fn rechain(g: &Graph, f: &mut Finding, other: &str, may_hold: impl Fn(&str) -> bool) {
    let names = f.defined();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let best = names
        .iter()
        .filter_map(|n| g.symbol(n).map(|v| (*n, v)))
        .filter_map(|(n, v)| Some((n, g.reach_by_caller(v, STD_CRATES, &may_hold)?)))
        .min_by_key(|(_, c)| c.len());
    let at = f.evidence.iter().position(|e| is_chain_to(e, &names));
    let before = f.chain.len();
    let line = match best {
        Some((name, chain)) => {
            // Said as it is (QA cs: "shorter" of two chains of six steps each).
            let other_chain = match before.cmp(&chain.len()) {
                std::cmp::Ordering::Less => "a shorter chain",
                std::cmp::Ordering::Equal => "a chain as short",
                std::cmp::Ordering::Greater => "a longer chain",
            };
            let through = match caller_of(&chain) {
                Some(caller) => format!("`{caller}`, {MAY_HOLD}{}'s inlined", f.krate),
                None => format!("{MAY_HOLD}{}'s, inlined", f.krate),
            };
            let line = format!(
                // The chain shown is this one, not the shorter (QA cr F7: read as a
                // contradiction of the chain after it).
                "`{name}` is reachable through {through} ({other_chain} to it runs through \
                 {other}'s code, the finding on {other}): {}",
                arrows(&chain)
            );
            f.chain = chain;
            line
        }
        None => {
            f.chain.clear();
            format!(
                "no chain to {} passes through code that may hold {}'s (the program's, or a \
                 crate's that depends on it): the nearest runs through {other}'s code, which \
                 cannot",
                quoted(&names),
                f.krate
            )
        }
    };
    match at {
        Some(k) => f.evidence[k] = line,
        None => f.evidence.push(line),
    }
}

/// The step that calls the chain's function, past std's and the C library's code.
fn caller_of(chain: &[Step]) -> Option<&str> {
    chain
        .iter()
        .rev()
        .skip(1)
        .find(|s| {
            super::reach::crate_of(s)
                .is_some_and(|k| !k.starts_with('[') && !STD_CRATES.contains(&k))
        })
        .map(|s| s.symbol.as_str())
}

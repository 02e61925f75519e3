//! The calls of an NSS function that finding's crate may make, sorted (see `others::sort`):
//! a kind of lookup the crate does not make, one that other code makes too, and other
//! crates' own calls of a function the crate calls.

use super::super::graph::{Reached, dependency_named, same_crate};
use super::super::split::known_for;
use super::lines::OwnCall;
use super::std_calls_only;
use super::word::Sorted;
use crate::graph::Graph;
use crate::report::Finding;

/// A lookup crate `f.krate` is not known to make, which the program's own code calls (see
/// `others::sort`): another finding's crate's kind, or the program's and the other callers'.
pub(super) fn other_kind<'r, 'm>(
    s: &mut Sorted<'r, 'm>,
    (name, callers): (&'static str, &[(String, String)]),
    (f, blamed): (&Finding, &[String]),
    reached: &'r [Reached<'m>],
) {
    // ... unless another finding's crate makes such lookups: its code may be the
    // program's, inlined (QA ax F4: lsd's `get_output` holds uzers's `getgrgid_r`,
    // which dirs-sys's finding was said to perhaps make).
    if let Some(other) = blamed
        .iter()
        .find(|k| !same_crate(k, &f.krate) && known_for(k, name))
    {
        let own: Vec<String> = callers
            .iter()
            .filter(|(k, _)| reached[0].is_crate(k))
            .map(|(_, symbol)| symbol.clone())
            .collect();
        s.kind_of_others.push((name, other.clone(), own));
        return;
    }
    for (k, symbol) in callers {
        let r = if reached[0].is_crate(k) {
            Some(&reached[0])
        } else {
            dependency_named(reached, k)
        };
        if let Some(r) = r.filter(|r| !same_crate(r.name(), &f.krate))
            && !s
                .away
                .iter()
                .any(|(n, o, _)| *n == name && std::ptr::eq(*o, r))
        {
            s.away.push((name, r, symbol.clone()));
        }
    }
}

/// A lookup crate `krate` may make that other code calls too (see `others::sort`): which calls are
/// its, which the others', which the program's own, and which std's alone.
pub(super) fn shared<'r, 'm>(
    s: &mut Sorted<'r, 'm>,
    g: &Graph,
    (name, v, callers): (&'static str, u32, &[(String, String)]),
    krate: &str,
    reached: &'r [Reached<'m>],
) {
    // Every other crate that calls it, each with its first calling symbol (QA m: lsd's
    // libgit2-sys went unnamed after dirs-sys).
    let mut others: Vec<(&Reached, String)> = Vec::new();
    for (k, symbol) in callers {
        let r = dependency_named(reached, k).filter(|r| !same_crate(r.name(), krate));
        if let Some(r) = r
            && !others.iter().any(|(o, _)| std::ptr::eq(*o, r))
        {
            others.push((r, symbol.clone()));
        }
    }
    // The program's own calls that may hold the crate's code, inlined: those of the
    // function itself, or through a C function the crate is known to call. One through
    // another (bottom's `read_proc` reaches `getpwuid_r` through `getpwuid`, which whoami
    // never calls) holds none of it (QA bm F5).
    let own_calls: Vec<OwnCall> = g
        .callers_via(v)
        .into_iter()
        .filter(|(k, _, via)| {
            reached[0].is_crate(k) && via.as_deref().is_none_or(|w| known_for(krate, w))
        })
        .map(|(_, symbol, via)| (name, symbol, via))
        .collect();
    let package_calls = known_for(krate, name) && !own_calls.is_empty();
    // A function no code is seen to call (a decoded graph, or one reached from a root
    // alone) is not said to be std's code's.
    if others.is_empty() && !s.no_code && !package_calls && std_calls_only(callers) {
        s.std_only.push(name);
        return;
    }
    if others.is_empty() || s.no_code || package_calls {
        s.mine += 1;
    }
    if package_calls {
        for call in own_calls {
            if !s.own_callers.contains(&call) {
                s.own_callers.push(call);
            }
        }
    }
    let to = if s.no_code || package_calls {
        &mut s.also
    } else {
        &mut s.away
    };
    to.extend(others.into_iter().map(|(r, symbol)| (name, r, symbol)));
}

/// The other dependencies whose reachable code calls `v` itself, which crate `krate` calls
/// too, each with its first such symbol (QA db F2: dirs-sys's `getpwuid_r` finding named
/// neither gix-path's `env::home_dir` nor libgit2's `get_passwd_home`, which look the user up
/// as well: setting what dirs-sys reads left them).
pub(super) fn co_callers<'r, 'm>(
    g: &Graph,
    v: u32,
    krate: &str,
    reached: &'r [Reached<'m>],
) -> impl Iterator<Item = (&'r Reached<'m>, String)> {
    let mut out: Vec<(&Reached, String)> = Vec::new();
    for (k, _) in g.calling_crates(v) {
        let Some(r) = dependency_named(reached, &k).filter(|r| !same_crate(r.name(), krate)) else {
            continue;
        };
        let Some(symbol) = g.direct_caller(v, &k) else {
            continue;
        };
        let reachable = g.symbol(&symbol).is_some_and(|w| g.is_reachable(w));
        if reachable && !out.iter().any(|(o, _)| std::ptr::eq(*o, r)) {
            out.push((r, symbol));
        }
    }
    out.into_iter()
}

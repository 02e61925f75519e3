//! NSS functions another crate's code calls. A finding on a crate known to look users up
//! (dirs-sys) listed every NSS function the static binary defines, system OpenSSL's too
//! (libcrypto's `BIO_gethostbyname` calls `gethostbyname`; linked, never called: QA i, xh
//! with `native-tls`), and kept its error severity where the crate had no code in the binary
//! at all. With the graph, a function that the blamed crate's code does not reach, and that
//! another crate's code refers to (reachable or not), moves to a finding on that crate; a
//! blamed crate left with none of the functions is one step less severe.

use super::findings::{DEFINES, finding_on};
use super::graph::{Reached, dependency_named, depends_on, same_crate};
use super::reach::to_functions;
use super::rules;
use super::split::{STD_CRATES, known_for};
use crate::format::quoted;
use crate::graph::Graph;
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding};
use calls::{co_callers, other_kind, shared};
use word::{Sorted, word};

#[path = "others_calls.rs"]
mod calls;
#[path = "others_dead.rs"]
mod dead;
#[path = "others_lines.rs"]
mod lines;
#[path = "others_word.rs"]
mod word;

/// One crate the functions move to: it, the functions, and its symbols that call them.
struct Moved<'r, 'm> {
    to: &'r Reached<'m>,
    names: Vec<&'static str>,
    callers: Vec<String>,
    /// The blamed crates without code of their own in the binary that `to` depends on: its
    /// calls may be their code, inlined into its functions (QA t, D1: eza's `dirs::config_dir`
    /// with dirs-sys's lookup in it under fat LTO).
    inlined_from: Vec<String>,
}

impl<'r, 'm> Moved<'r, 'm> {
    /// Function `name`, called by `symbol`, to crate `to`'s entry of `moved` (made when it has
    /// none).
    fn add<'v>(
        moved: &'v mut Vec<Moved<'r, 'm>>,
        to: &'r Reached<'m>,
        name: &'static str,
        symbol: String,
    ) -> &'v mut Moved<'r, 'm> {
        let at = match moved.iter().position(|m| std::ptr::eq(m.to, to)) {
            Some(at) => at,
            None => {
                moved.push(Moved {
                    to,
                    names: Vec::new(),
                    callers: Vec::new(),
                    inlined_from: Vec::new(),
                });
                moved.len() - 1
            }
        };
        let m = &mut moved[at];
        if !m.names.contains(&name) {
            m.names.push(name);
        }
        if !m.callers.contains(&symbol) {
            m.callers.push(symbol);
        }
        m
    }
}

/// Move artifact `a`'s AOT004 functions to the crates whose code calls them (see the module).
/// `reached`: the binary's crates, the package first.
pub(super) fn by_other_callers(
    g: &Graph,
    a: &mut Artifact,
    reached: &[Reached],
    bin: Option<&BinPlan>,
) {
    let Some(rule) = rules::find("AOT004") else {
        return;
    };
    if !g.has_symbols() || reached.is_empty() {
        return;
    }
    let package = reached[0].name();
    let blamed: Vec<usize> = (0..a.findings.len())
        .filter(|&i| {
            let f = &a.findings[i];
            f.rule == rule.id && f.krate != "std" && !same_crate(&f.krate, package)
        })
        .collect();
    let exact = a
        .binary
        .graph
        .as_ref()
        .is_some_and(|s| s.edges_from.exact());
    let blamed_crates: Vec<String> = blamed
        .iter()
        .map(|&i| a.findings[i].krate.clone())
        .collect();
    let mut moved: Vec<Moved> = Vec::new();
    for &i in &blamed {
        let f = &mut a.findings[i];
        let sorted = sort(g, f, (rule, &blamed_crates), reached, exact);
        word(g, f, &sorted);
        let krate = f.krate.clone();
        let away = sorted.away.into_iter().map(|c| (c, false));
        for ((name, r, symbol), also) in away.chain(sorted.also.into_iter().map(|c| (c, true))) {
            let m = Moved::add(&mut moved, r, name, symbol);
            let from = reached.iter().position(|x| std::ptr::eq(x, r));
            if also
                && sorted.no_code
                && !m.inlined_from.contains(&krate)
                && from.is_some_and(|i| depends_on(reached, i, &krate))
            {
                m.inlined_from.push(krate.clone());
            }
        }
    }
    std_s_too(g, a, rule, reached, &mut moved);
    let dead = dead::dead_calls(g, a, rule, reached);
    for m in moved {
        add_finding(g, a, rule, m, bin);
    }
    dead::say(a, rule, &dead);
}

/// The functions std's finding took (split.rs: reached by std's own code) that a dependency's
/// own code reaches too: its as well (QA bg F1: libgit2-sys's `getaddrinfo`, in
/// `socket_connect`, left the audit once the program called `to_socket_addrs` too, and a user
/// who removed that call would have believed the lookup gone).
fn std_s_too<'r, 'm>(
    g: &Graph,
    a: &Artifact,
    rule: &'static rules::Rule,
    reached: &'r [Reached<'m>],
    moved: &mut Vec<Moved<'r, 'm>>,
) {
    for (name, v) in std_functions(g, a, rule) {
        for (k, symbol) in g.callers(v) {
            let Some(r) = dependency_named(reached, &k) else {
                continue;
            };
            if g.reach_through(v, &k).is_none() {
                continue;
            }
            Moved::add(moved, r, name, symbol);
        }
    }
}

/// The functions of `rule` that artifact `a`'s finding on std lists (split.rs: std's own code
/// reaches them), each with its piece; none without such a finding.
fn std_functions(g: &Graph, a: &Artifact, rule: &rules::Rule) -> Vec<(&'static str, u32)> {
    let Some(std) = a
        .findings
        .iter()
        .find(|f| f.rule == rule.id && f.krate == "std")
    else {
        return Vec::new();
    };
    let listed = std.defined();
    let names = rule.symbols.iter().chain(rule.imports);
    names
        .filter(|n| listed.iter().any(|l| l == *n))
        .filter_map(|&n| g.symbol(n).map(|v| (n, v)))
        .collect()
}

/// Sort the NSS functions that finding `f` lists by who calls them.
/// `blamed`: the crates of the binary's AOT004 findings.
fn sort<'r, 'm>(
    g: &Graph,
    f: &Finding,
    (rule, blamed): (&rules::Rule, &[String]),
    reached: &'r [Reached<'m>],
    exact: bool,
) -> Sorted<'r, 'm> {
    let listed = f.defined();
    let mut s = Sorted {
        mine: 0,
        orphans: Vec::new(),
        away: Vec::new(),
        also: Vec::new(),
        own_callers: Vec::new(),
        kind_of_others: Vec::new(),
        co: Vec::new(),
        no_code: !g.has_crate(&f.krate),
        std_only: Vec::new(),
    };
    for &name in rule
        .symbols
        .iter()
        .chain(rule.imports)
        .filter(|n| listed.iter().any(|l| l == *n))
    {
        let Some(v) = g.symbol(name) else {
            s.mine += 1;
            continue;
        };
        if g.reach_through(v, &f.krate).is_some() {
            s.mine += 1;
            s.co.extend(co_callers(g, v, &f.krate, reached).map(|(r, c)| (name, r, c)));
            continue;
        }
        // Every calling symbol, of each crate in the order found (its first is the one
        // named for it).
        let callers = g.callers(v);
        if callers.is_empty() && exact && !g.is_reachable(v) {
            s.orphans.push(name);
            continue;
        }
        if callers.iter().any(|(k, _)| same_crate(k, &f.krate)) {
            s.mine += 1;
            s.co.extend(co_callers(g, v, &f.krate, reached).map(|(r, c)| (name, r, c)));
            continue;
        }
        // A lookup the crate is not known to make, which the program's own code calls, is
        // the program's, with every other crate's that calls it (QA aw F1: bottom's own
        // `getpwuid` stayed on dirs-sys, which calls `getpwuid_r` alone, "where dirs-sys's
        // may be inlined").
        if !known_for(&f.krate, name) && callers.iter().any(|(k, _)| reached[0].is_crate(k)) {
            other_kind(&mut s, (name, &callers), (f, blamed), reached);
            continue;
        }
        // A crate without code of its own was inlined into the crates that depend on it, and
        // into no other (QA ap F1: du-dust's dirs-sys was given `getgrgid`, which sysinfo
        // calls through std's `FilterMap::next`): a function whose every caller, past std's
        // code, is a crate that does not depend on it is not its.
        if s.no_code
            && let Some(calls) =
                not_inlined_from(&g.callers_through(v, STD_CRATES), reached, &f.krate)
        {
            s.away
                .extend(calls.into_iter().map(|(r, symbol)| (name, r, symbol)));
            continue;
        }
        shared(&mut s, g, (name, v, &callers), &f.krate, reached);
    }
    s
}

/// The crates of `callers` (each with its first calling symbol) when there are some and none
/// of them can hold crate `krate`'s code: each is a dependency that is not `krate` and does not
/// depend on it. `None` when one may: `krate` itself, the package, a crate that depends on
/// `krate`, or one the dependency graph does not have.
fn not_inlined_from<'r, 'm>(
    callers: &[(String, String)],
    reached: &'r [Reached<'m>],
    krate: &str,
) -> Option<Vec<(&'r Reached<'m>, String)>> {
    let mut out: Vec<(&Reached, String)> = Vec::new();
    for (k, symbol) in callers {
        let r = dependency_named(reached, k)?;
        let i = reached.iter().position(|x| std::ptr::eq(x, r))?;
        if same_crate(r.name(), krate) || reached[0].is_crate(k) || depends_on(reached, i, krate) {
            return None;
        }
        if !out.iter().any(|(o, _)| std::ptr::eq(*o, r)) {
            out.push((r, symbol.clone()));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// There are callers, and every one is std's code. None is not std's code only: a function
/// no code is seen to call (a decoded graph, or one reached from a root alone) would have
/// left the finding as std's, and lowered it.
fn std_calls_only(callers: &[(String, String)]) -> bool {
    !callers.is_empty()
        && callers
            .iter()
            .all(|(k, _)| STD_CRATES.contains(&k.as_str()))
}

/// The finding on the crate the functions moved to (a new one, or its own with them added),
/// with whether they are reachable, and the chain when one is.
fn add_finding(
    g: &Graph,
    a: &mut Artifact,
    rule: &'static rules::Rule,
    m: Moved,
    bin: Option<&BinPlan>,
) {
    let called = called_line(g, &m);
    let inlined = (!m.inlined_from.is_empty()).then(|| {
        let (to, from) = (m.to.name(), m.inlined_from.join(", "));
        format!(
            "{to} depends on {from}, which has no function of its own in the binary: these \
             calls may be {from}'s code, inlined into {to}'s (as under LTO); an `allow` of \
             {from} does not cover this finding, so allow {to} too where the same reason holds"
        )
    });
    if let Some(f) = a
        .findings
        .iter_mut()
        .find(|f| f.rule == rule.id && same_crate(&f.krate, m.to.name()))
    {
        f.evidence.push(called);
        f.evidence.extend(inlined);
        // Listed with what it defines, and reached, where the finding had them not (QA bg F1:
        // a function std's finding took, that this crate's code reaches too).
        let had = f.defined();
        let new: Vec<&str> = m
            .names
            .iter()
            .copied()
            .filter(|n| !had.iter().any(|h| h == n))
            .collect();
        if !new.is_empty() {
            match f.evidence.iter_mut().find(|e| e.starts_with(DEFINES)) {
                Some(e) => add_to_defines(e, &new),
                None => f.evidence.insert(0, format!("{DEFINES}{}", quoted(&new))),
            }
            if f.reachable != Some(true) {
                let functions: Vec<(&str, u32)> = new
                    .iter()
                    .filter_map(|n| g.symbol(n).map(|v| (*n, v)))
                    .collect();
                to_functions(g, f, &functions);
            }
        }
        return;
    }
    let mut f = finding_on(rule, m.to);
    f.evidence = vec![format!("{DEFINES}{}", quoted(&m.names)), called];
    f.evidence.extend(inlined);
    // With the chain through the crate's own code where one leads there (QA j: libgit2-sys's
    // finding showed std's shorter chain to `getpwuid_r`, with no step of libgit2-sys).
    let functions: Vec<(&str, u32)> = m
        .names
        .iter()
        .filter_map(|n| g.symbol(n).map(|v| (*n, v)))
        .collect();
    to_functions(g, &mut f, &functions);
    if let Some(bin) = bin {
        super::apply_policy(&mut f, &bin.audit);
    }
    a.findings.push(f);
}

/// Add `names` to a line of the functions the binary defines, before its parentheses.
fn add_to_defines(e: &mut String, names: &[&str]) {
    let more = quoted(names);
    match e.find(" (") {
        Some(k) => e.insert_str(k, &format!(", {more}")),
        None => e.push_str(&format!(", {more}")),
    }
}

/// `` `getpwnam` called by K's code (`caller`, the reference graph); `getpwnam_r` through the
/// C library's `getpwnam` ``: a function the crate's code reaches only through another of the
/// C library's is said so (QA bc F4).
fn called_line(g: &Graph, m: &Moved) -> String {
    let mut direct: Vec<&str> = Vec::new();
    let mut through: Vec<(&str, &str, String)> = Vec::new();
    let to = m.to.name();
    for n in &m.names {
        let v = g.symbol(n);
        let c = v.and_then(|v| g.reached_through(v, to, |k| k.starts_with('[')));
        let std = || v.and_then(|v| g.reached_through(v, to, |k| STD_CRATES.contains(&k)));
        match c
            .map(|f| (f, "the C library"))
            .or_else(|| std().map(|f| (f, "std")))
        {
            Some((f, whose)) => through.push((n, whose, f)),
            None => direct.push(n),
        }
    }
    let by = format!(
        "{}'s code (`{}`, the reference graph)",
        m.to.name(),
        m.callers.join("`, `")
    );
    let via = |t: &[(&str, &str, String)]| -> Vec<String> {
        t.iter()
            .map(|(n, whose, f)| format!("`{n}` through {whose}'s `{f}`"))
            .collect()
    };
    match (direct.is_empty(), through.as_slice()) {
        (false, []) => format!("{} called by {by}", quoted(&direct)),
        (false, t) => format!("{} called by {by}; {}", quoted(&direct), via(t).join("; ")),
        // QA bf F8: "called by xdg's code ..." had no subject.
        (true, [(n, whose, f)]) => format!("`{n}` called through {whose}'s `{f}` by {by}"),
        (true, t) => format!("called by {by}: {}", via(t).join("; ")),
    }
}

#[cfg(test)]
#[path = "others_tests.rs"]
mod tests;

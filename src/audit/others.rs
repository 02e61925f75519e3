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
use super::split::{STD_CRATES, is_chain_to, known_for, narrow_defines, rechain};
use crate::format::quoted;
use crate::graph::Graph;
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding};
use lines::{not_said_std, own_callers_of};

#[path = "others_lines.rs"]
mod lines;

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
    fn to(to: &'r Reached<'m>) -> Self {
        Moved {
            to,
            names: Vec::new(),
            callers: Vec::new(),
            inlined_from: Vec::new(),
        }
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
    let mut moved: Vec<Moved> = Vec::new();
    for &i in &blamed {
        let f = &mut a.findings[i];
        let sorted = sort(g, f, rule, reached, exact);
        word(g, f, &sorted);
        let krate = f.krate.clone();
        let away = sorted.away.into_iter().map(|c| (c, false));
        for ((name, r, symbol), also) in away.chain(sorted.also.into_iter().map(|c| (c, true))) {
            let k = moved
                .iter()
                .position(|m| std::ptr::eq(m.to, r))
                .unwrap_or_else(|| {
                    moved.push(Moved::to(r));
                    moved.len() - 1
                });
            let m = &mut moved[k];
            if !m.names.contains(&name) {
                m.names.push(name);
            }
            if !m.callers.contains(&symbol) {
                m.callers.push(symbol);
            }
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
    for m in moved {
        add_finding(g, a, rule, m, bin);
    }
}

/// A function, a crate whose code calls it, and its first calling symbol there.
type Call<'r, 'm> = (&'static str, &'r Reached<'m>, String);

/// Where the functions of one finding go (see [`sort`]).
struct Sorted<'r, 'm> {
    /// How many of them stay this finding's crate's.
    mine: usize,
    /// Functions no code refers to, reachable from no root: linked because their object
    /// file came with another function (glibc's `initgroups.o` defines `getgrouplist` too).
    /// Not the crate's: a crate left with these alone calls none of its functions (QA p:
    /// fclones' nix, with `initgroups` of sysinfo's `getgrouplist`).
    orphans: Vec<&'static str>,
    /// Calls that move to another crate's finding.
    away: Vec<Call<'r, 'm>>,
    /// Calls also kept on this finding: its crate has no code to see (inlined: LTO), or the
    /// program's own code calls them too, where the crate's may be inlined (QA l: broot's
    /// `user_name`, with uzers's `get_user_by_uid` in it under fat LTO, calls `getpwuid_r`;
    /// the finding said "not of uzers" and showed that very chain).
    also: Vec<Call<'r, 'm>>,
    /// The program's own functions that call them, each with the function it calls, where
    /// the crate's code may be inlined (QA m: lsd's `get_output` holds uzers's lookups, its
    /// `config_paths` dirs-sys's).
    own_callers: Vec<(&'static str, String)>,
    /// The finding's crate has no code in the binary's graph.
    no_code: bool,
    /// Functions only std's code calls, which the crate's code does not reach: reached
    /// through another crate (QA o: trippy's nix, for etcetera → home → `std::env::home_dir`).
    std_only: Vec<&'static str>,
}

/// Sort the NSS functions that finding `f` lists by who calls them.
fn sort<'r, 'm>(
    g: &Graph,
    f: &Finding,
    rule: &rules::Rule,
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
            continue;
        }
        // A lookup the crate is not known to make, which the program's own code calls, is
        // the program's, with every other crate's that calls it (QA aw F1: bottom's own
        // `getpwuid` stayed on dirs-sys, which calls `getpwuid_r` alone, "where dirs-sys's
        // may be inlined").
        if !known_for(&f.krate, name) && callers.iter().any(|(k, _)| reached[0].is_crate(k)) {
            for (k, symbol) in &callers {
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
        // Every other crate that calls it, each with its first calling symbol (QA m: lsd's
        // libgit2-sys went unnamed after dirs-sys).
        let mut others: Vec<(&Reached, String)> = Vec::new();
        for (k, symbol) in &callers {
            let r = dependency_named(reached, k).filter(|r| !same_crate(r.name(), &f.krate));
            if let Some(r) = r
                && !others.iter().any(|(o, _)| std::ptr::eq(*o, r))
            {
                others.push((r, symbol.clone()));
            }
        }
        let package_calls =
            known_for(&f.krate, name) && callers.iter().any(|(k, _)| reached[0].is_crate(k));
        // A function no code is seen to call (a decoded graph, or one reached from a root
        // alone) is not said to be std's code's.
        if others.is_empty() && !s.no_code && !package_calls && std_calls_only(&callers) {
            s.std_only.push(name);
            continue;
        }
        if others.is_empty() || s.no_code || package_calls {
            s.mine += 1;
        }
        if package_calls {
            for (k, symbol) in &callers {
                let call = (name, symbol.clone());
                if reached[0].is_crate(k) && !s.own_callers.contains(&call) {
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

/// Say on finding `f` where its functions went, narrowing or lowering it when some or all of
/// them are another crate's.
fn word(g: &Graph, f: &mut Finding, s: &Sorted) {
    if !s.orphans.is_empty() {
        let one = s.orphans.len() == 1;
        f.evidence.push(format!(
            "{} {} referred to by no code (linked with another function of {} object \
             file, not called by {})",
            quoted(&s.orphans),
            if one { "is" } else { "are" },
            if one { "its" } else { "their" },
            f.krate
        ));
    }
    // The program's own callers are named with the functions they call (QA ar F1: nix's
    // finding named `procs::main`, which calls `getpwnam_r`, among `getpwuid_r`'s callers).
    let mut own_said: Vec<&str> = Vec::new();
    if !s.also.is_empty() {
        // The others' calls are theirs, but whether this crate makes them too cannot be
        // told, so its finding is neither narrowed nor lowered for them.
        let (names, by) = names_and_callers(&s.also);
        let own = own_callers_of(&s.own_callers, &names);
        let why = if s.no_code {
            String::new()
        } else if own.is_empty() {
            format!(
                " and by the program's own code, where {}'s may be inlined",
                f.krate
            )
        } else {
            own_said.extend(&names);
            format!(
                " and by the program's own code (`{}`), where {}'s may be inlined",
                own.join("`, `"),
                f.krate
            )
        };
        f.evidence.push(format!(
            "{} also called by the code of {by}{why} (the finding on {by})",
            quoted(&names)
        ));
    }
    // Kept because the program's own code calls them, its code perhaps (QA ar F2: uzers's
    // and dirs-sys's findings kept nix's `getpwnam_r`, called in `procs::main`, unsaid).
    let mut kept: Vec<&'static str> = Vec::new();
    for (n, _) in &s.own_callers {
        if !own_said.contains(n) && !kept.contains(n) {
            kept.push(n);
        }
    }
    if !kept.is_empty() {
        f.evidence.push(format!(
            "{} {} called by the program's own code (`{}`), where {}'s may be inlined",
            quoted(&kept),
            if kept.len() == 1 { "is" } else { "are" },
            own_callers_of(&s.own_callers, &kept).join("`, `"),
            f.krate
        ));
    }
    // Functions that are not this crate's: only std's code calls them, which its code does
    // not reach (no crate to move them to: std's finding is for std's own lookups, see
    // split.rs), or another crate's code does.
    let mut lines = Vec::new();
    let mut gone: Vec<&str> = Vec::new();
    let unsaid = not_said_std(&f.evidence, &s.std_only);
    if !unsaid.is_empty() {
        lines.push(format!(
            "{} {} called by std's code only, which {}'s code does not reach",
            quoted(&unsaid),
            if unsaid.len() == 1 { "is" } else { "are" },
            f.krate
        ));
    }
    gone.extend(&s.std_only);
    if !s.away.is_empty() {
        let (names, by) = names_and_callers(&s.away);
        // Without code of its own, the crate's may be anywhere it was inlined: said why not
        // there.
        let why = match s.no_code {
            true => format!(
                "; {by} {} not depend on {}, so no code of {} can be {}'s, inlined",
                if by.contains(", ") { "do" } else { "does" },
                f.krate,
                if by.contains(", ") { "theirs" } else { "its" },
                f.krate
            ),
            false => String::new(),
        };
        lines.push(format!(
            "{} {} called by the code of {by}, not of {}{why} (the finding on {by})",
            quoted(&names),
            if names.len() == 1 { "is" } else { "are" },
            f.krate,
        ));
        gone.extend(names);
    }
    if !gone.is_empty() {
        leave(g, f, s.mine, lines, &gone);
    }
}

/// Take functions `names` off finding `f`, with `lines` saying why: narrowed to what stays
/// its crate's (`mine` of them), or with none left, no line of them and a step less severe.
fn leave(g: &Graph, f: &mut Finding, mine: usize, mut lines: Vec<String>, names: &[&str]) {
    if mine == 0 {
        // Nor the chain to one of them, which goes through another crate's code (QA p:
        // fclones' nix showed sysinfo's chain to `getgrouplist`).
        if f.evidence.iter().any(|e| is_chain_to(e, names)) {
            f.chain.clear();
            f.reachable = Some(false);
        }
        f.evidence.retain(|e| {
            !e.starts_with(DEFINES) && !e.contains(UNREACHABLE) && !is_chain_to(e, names)
        });
        let lowered = format!(
            "none of the NSS functions the static binary defines is called by {}'s code, so \
             the finding is one step less severe",
            f.krate
        );
        match lines.last_mut() {
            Some(last) => last.push_str(&format!("; {lowered}")),
            None => lines.push(lowered),
        }
        f.severity = f.severity.lowered();
    } else {
        narrow_defines(f, names);
        narrow_unreachable(f, names);
        rechain(g, f, names);
    }
    f.evidence.extend(lines);
}

/// The functions of `calls` and the crates that call them, named in a line.
fn names_and_callers(calls: &[Call]) -> (Vec<&'static str>, String) {
    let mut names: Vec<&'static str> = Vec::new();
    for (n, ..) in calls {
        if !names.contains(n) {
            names.push(n);
        }
    }
    let mut by: Vec<&str> = calls.iter().map(|(_, r, _)| r.name()).collect();
    by.sort_unstable();
    by.dedup();
    (names, by.join(", "))
}

/// How reach.rs's line on functions no root reaches goes on after their names.
const UNREACHABLE: &str = " linked but unreachable from every root";

/// Take `moved` out of the names a finding's line on unreachable functions begins with; the
/// line goes when none is left.
fn narrow_unreachable(f: &mut Finding, moved: &[&str]) {
    f.evidence.retain_mut(|e| {
        let Some((list, rest)) = e.split_once(UNREACHABLE) else {
            return true;
        };
        let kept: Vec<&str> = list
            .split(", ")
            .filter(|n| !moved.contains(&n.trim_matches('`')))
            .collect();
        if kept.is_empty() {
            return false;
        }
        *e = format!("{}{UNREACHABLE}{rest}", kept.join(", "));
        true
    });
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
    let called = format!(
        "{} called by {}'s code (`{}`, the reference graph)",
        quoted(&m.names),
        m.to.name(),
        m.callers.join("`, `")
    );
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

#[cfg(test)]
#[path = "others_tests.rs"]
mod tests;

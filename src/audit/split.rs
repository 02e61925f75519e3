//! One NSS finding per cause. Before the graph, every NSS function of a static binary is
//! evidence against the crate known to look users or hosts up (`users`), even the lookups std
//! makes itself (`ToSocketAddrs` → `getaddrinfo`): replacing that crate would then meet a new
//! AOT004 on std. With the graph, the functions that something other than the blamed crates
//! reaches through std's code move to a finding on std, with their own chain.

use super::findings::new_finding;
use super::graph::{Reached, same_crate};
use super::reach::{arrows, crate_of, to_functions};
use super::rules;
use crate::format::quoted;
use crate::graph::Graph;
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding, Step};

/// The crates of std's own code, as the attribution names them.
pub(super) const STD_CRATES: &[&str] = &["std", "core", "alloc"];

use super::findings::DEFINES;

/// Split artifact `a`'s AOT004 findings by what reaches each NSS function (see the module).
pub(super) fn nss(
    g: &Graph,
    a: &mut Artifact,
    (bin, reached): (Option<&BinPlan>, &[Reached]),
    std_version: &str,
) {
    let Some(rule) = rules::find("AOT004") else {
        return;
    };
    if !g.has_symbols() {
        return;
    }
    let package = a.package.clone().unwrap_or_else(|| a.name.clone());
    let mut blamed: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule == rule.id && f.krate != "std" && !same_crate(&f.krate, &package))
        .map(|f| f.krate.clone())
        .collect();
    blamed.sort();
    blamed.dedup();
    if blamed.is_empty() {
        return;
    }
    let inlined = inlined(g, a, (rule.id, &blamed), reached);
    let reachable: Vec<(&str, u32)> = rule
        .symbols
        .iter()
        .chain(rule.imports)
        .filter_map(|s| g.symbol(s).map(|v| (*s, v)))
        .filter(|&(_, v)| g.is_reachable(v))
        .filter(|(s, _)| !inlined.iter().any(|k| known_for(k, s)))
        .collect();
    let crates: Vec<&str> = blamed.iter().map(String::as_str).collect();
    let without = g.without(&crates);
    // std's lookups: reached with the blamed crates gone, last called from std's code.
    let by_std: Vec<(&str, Vec<Step>)> = reachable
        .iter()
        .filter_map(|&(name, v)| without.chain(v).map(|c| (name, c)))
        .filter(|(_, c)| last_caller_is_std(c))
        .collect();
    if by_std.is_empty() {
        return;
    }
    let std_names: Vec<&str> = by_std.iter().map(|(n, _)| *n).collect();
    for f in a
        .findings
        .iter_mut()
        .filter(|f| f.rule == rule.id && blamed.contains(&f.krate))
    {
        let inlined = inlined.contains(&f.krate);
        leave_to_std(g, f, &reachable, &std_names, inlined);
    }
    let chain = by_std
        .iter()
        .min_by_key(|(_, c)| c.len())
        .map(|(n, c)| (*n, c.clone()));
    let Some(f) = std_finding(a, rule, (package, std_version), &std_names, bin) else {
        return;
    };
    if let Some((name, c)) = chain.filter(|_| f.chain.is_empty()) {
        f.evidence.push(format!(
            // QA ao F6: "through std without `dirs-sys`, `nix`" read as a contradiction.
            "`{name}` is reachable through std's own code, even with {} left out: {}",
            quoted(&crates),
            arrows(&c)
        ));
        f.reachable = Some(true);
        f.chain = c;
    }
}

/// The blamed crates with no code of their own in the binary (inlined into their callers:
/// LTO), each of whose findings says so. Such a crate is not taken out by leaving out its
/// pieces: std's own lookups of the kind it makes could not be told from it (QA j: bat's
/// etcetera, whose lookup then read as std's own). Said, not split; a lookup of another kind
/// is not its (QA l: rustscan's `getaddrinfo`, by std's `ToSocketAddrs`, stayed on dirs-sys's
/// finding). A package is in the binary under its targets' crate names too (QA aa:
/// prettytable-rs is the crate `prettytable`, 47 KiB of it, said to have no function of its
/// own).
fn inlined(
    g: &Graph,
    a: &mut Artifact,
    (rule, blamed): (&str, &[String]),
    reached: &[Reached],
) -> Vec<String> {
    let has_code = |k: &str| {
        g.has_crate(k)
            || reached
                .iter()
                .filter(|r| same_crate(r.name(), k))
                .any(|r| r.crate_names().iter().any(|n| g.has_crate(n)))
    };
    let inlined: Vec<String> = blamed.iter().filter(|k| !has_code(k)).cloned().collect();
    // Only where the binary has lookups to stay (QA p: dua's home, with no NSS function in
    // the binary, said its lookups stayed on its finding).
    for f in a.findings.iter_mut().filter(|f| {
        f.rule == rule
            && inlined.contains(&f.krate)
            && f.evidence.iter().any(|e| e.starts_with(DEFINES))
    }) {
        let line = f.no_code_line();
        f.evidence.push(line);
    }
    inlined
}

/// Take the functions std's own code reaches (`std_names`) out of the finding `f` on a blamed
/// crate, unless the crate's code reaches them too; `inlined`: the crate has no code of its
/// own in the binary.
fn leave_to_std(
    g: &Graph,
    f: &mut Finding,
    reachable: &[(&str, u32)],
    std_names: &[&str],
    inlined: bool,
) {
    let mine: Vec<&str> = reachable
        .iter()
        .filter(|&&(_, v)| g.reach_through(v, &f.krate).is_some())
        .map(|&(n, _)| n)
        .collect();
    let moved: Vec<&str> = std_names
        .iter()
        .copied()
        .filter(|n| !mine.contains(n))
        .collect();
    if moved.is_empty() {
        return;
    }
    // An inlined crate reaches nothing, and the kind it is not known for is not its.
    if !mine.is_empty() || inlined {
        narrow_defines(f, &moved);
        rechain(g, f, &moved);
    }
    let why = if inlined {
        format!(
            "; {} is known for {} lookups, not this kind",
            f.krate,
            kind_of(&f.krate)
        )
    } else {
        String::new()
    };
    f.evidence.push(format!(
        "{} {}{STD_SAID}{}{why} (the finding on std)",
        quoted(&moved),
        if moved.len() == 1 { "is" } else { "are" },
        f.krate
    ));
}

/// How the line on the functions std's own code reaches, not the finding's crate, goes on
/// after their names (others.rs does not say it again).
pub(super) const STD_SAID: &str = " reached by std's own code, not through ";

/// Artifact `a`'s AOT004 finding on std, made (defining `std_names`) when it has none.
fn std_finding<'a>(
    a: &'a mut Artifact,
    rule: &'static rules::Rule,
    (package, std_version): (String, &str),
    std_names: &[&str],
    bin: Option<&BinPlan>,
) -> Option<&'a mut Finding> {
    if let Some(k) = a
        .findings
        .iter()
        .position(|f| f.rule == rule.id && f.krate == "std")
    {
        return a.findings.get_mut(k);
    }
    let mut f = new_finding(rule, "std", std_version, vec![package, "std".into()]);
    f.evidence.push(format!("{DEFINES}{}", quoted(std_names)));
    if let Some(bin) = bin {
        super::apply_policy(&mut f, &bin.audit);
    }
    a.findings.push(f);
    a.findings.last_mut()
}

/// Whether `krate`, a crate the rule names, is known to make NSS lookups of `function`'s kind:
/// user and group lookups (`getpw*`, `getgr*`, `getgrouplist`, `initgroups`) for the crates
/// that find users and their homes, host and service ones for `dns-lookup`. A crate the rule
/// does not name (one of the configuration's) may make any.
pub(super) fn known_for(krate: &str, function: &str) -> bool {
    let user = function.starts_with("getpw")
        || function.starts_with("getgr")
        || matches!(function, "getgrouplist" | "initgroups");
    // The lookups that return a static buffer (`getpwuid`, not `getpwuid_r`): of the crates
    // known for user lookups, only `pwd` makes them (QA aw F1: bottom's own `getpwuid`, in
    // `read_proc`, was kept on dirs-sys, which calls `getpwuid_r` alone, "where dirs-sys's
    // may be inlined"; it is the program's).
    let not_reentrant = matches!(function, "getpwuid" | "getpwnam" | "getgrgid" | "getgrnam");
    // The crates that find the user's home and name look the passwd database up alone
    // (QA ax F4: dirs-sys was said to perhaps make lsd's `getgrgid_r`, uzers's).
    let passwd_only = matches!(
        krate.replace('-', "_").as_str(),
        "dirs_sys" | "home" | "etcetera" | "whoami"
    );
    match kind_of(krate) {
        USERS if passwd_only => function.starts_with("getpw") && !not_reentrant,
        USERS => user && (!not_reentrant || krate == "pwd"),
        HOSTS => !user,
        _ => true,
    }
}

const USERS: &str = "user and group";
const HOSTS: &str = "host and service";

/// The kind of lookups `krate` is known for (see [`known_for`]); every crate of AOT004's
/// triggers has one (a unit test holds the two lists together).
fn kind_of(krate: &str) -> &'static str {
    match krate.replace('-', "_").as_str() {
        "users" | "uzers" | "whoami" | "nix" | "dirs_sys" | "home" | "etcetera" | "pwd" => USERS,
        "dns_lookup" => HOSTS,
        _ => "any",
    }
}

/// The last step before the function (its caller, past glibc's own code) is std's.
fn last_caller_is_std(chain: &[Step]) -> bool {
    last_caller(chain).is_some_and(|k| STD_CRATES.contains(&k))
}

/// The crate of the code that calls the chain's last step: the last step before it in a crate,
/// past the C library's and the C compiler's own code (`[libc]`, `[libgcc]`).
pub(super) fn last_caller(chain: &[Step]) -> Option<&str> {
    chain
        .iter()
        .rev()
        .skip(1)
        .filter_map(crate_of)
        .find(|k| !k.starts_with('['))
}

/// After `moved` left finding `f`: its chain, when it led to one of them, is replaced by the
/// chain to one of the functions it keeps (QA l: etcetera's finding showed std's chain to
/// `getaddrinfo`, which had moved to std's finding).
pub(super) fn rechain(g: &Graph, f: &mut Finding, moved: &[&str]) {
    let Some(k) = f.evidence.iter().position(|e| is_chain_to(e, moved)) else {
        return;
    };
    f.evidence.remove(k);
    f.chain.clear();
    f.reachable = None;
    let kept = f.defined();
    let functions: Vec<(&str, u32)> = kept
        .iter()
        .filter(|n| !moved.contains(&n.as_str()))
        .filter_map(|n| g.symbol(n).map(|v| (n.as_str(), v)))
        .collect();
    to_functions(g, f, &functions);
}

/// Last, on each finding whose chain leads to one of the functions it lists: the others of
/// them that are reachable too, by name (QA q: lychee's std finding showed the chain to
/// `getpwuid_r` only, and a user who removed that lookup would have believed its
/// `getaddrinfo`, reached through reqwest, gone with it). `--why` gives each one's chain.
pub(super) fn also_reachable(g: &Graph, a: &mut Artifact) {
    for f in a.findings.iter_mut().filter(|f| f.reachable == Some(true)) {
        let Some(target) = f.chain.last().and_then(|s| g.symbol(&s.symbol)) else {
            continue;
        };
        let names = f.defined();
        let too: Vec<(&str, u32)> = names
            .iter()
            .filter_map(|n| Some((n.as_str(), g.symbol(n)?)))
            .filter(|&(_, v)| v != target && g.is_reachable(v))
            .collect();
        // Those the finding's own crate calls too, each with its caller: as much the
        // finding's as the one its chain shows (QA bj F1: `static_web_server::main` called
        // `getpwuid_r`, which crashed, and it was "reachable too", behind `gethostbyname2_r`).
        let mut rest: Vec<&str> = Vec::new();
        for &(name, v) in &too {
            // Itself, not through another of the C library's functions (std's `lookup_host`
            // calls `getaddrinfo`, which calls `gethostbyname2_r`). Not twice where a line
            // moved from another finding says so (QA cn F5: uzers's `getgrgid_r`).
            match g.direct_caller(v, &f.krate) {
                Some(_) if said_called(&f.evidence, name, &f.krate) => {}
                Some(caller) => f.evidence.push(format!(
                    "`{name}` too is called by {}'s code (`{caller}`; `--why '^{name}$'` shows \
                     the chain)",
                    f.krate
                )),
                None => rest.push(name),
            }
        }
        let Some(first) = rest.first() else {
            continue;
        };
        f.evidence.push(format!(
            "{} {} {REACHABLE_TOO} (`--why '^{first}$'` shows how)",
            quoted(&rest),
            if rest.len() == 1 { "is" } else { "are" },
        ));
    }
}

/// Whether a line of `evidence` says that `krate`'s code calls `name` (`` `getpwuid_r`,
/// `getgrgid_r` called by uzers's code (...) ``).
fn said_called(evidence: &[String], name: &str, krate: &str) -> bool {
    let by = format!(" called by {krate}'s code (");
    let named = format!("`{name}`");
    evidence
        .iter()
        .any(|e| e.find(&by).is_some_and(|k| e[..k].contains(&named)))
}

/// How [`also_reachable`]'s line says that the functions it lists are reached through other
/// functions of the C library alone.
pub(super) const REACHABLE_TOO: &str = "reachable too";

/// Whether evidence line `e` gives the chain to one of `names` (`reach::to_functions`'s
/// "`x` is reachable: …" or "… reachable through K: …", not `also_reachable`'s line).
pub(super) fn is_chain_to(e: &str, names: &[&str]) -> bool {
    names.iter().any(|m| {
        e.strip_prefix(&format!("`{m}` is reachable"))
            .is_some_and(|rest| rest.starts_with(": ") || rest.starts_with(" through "))
    })
}

/// Add `note` to the finding's line of NSS functions the binary defines, in its parentheses:
/// the list itself stays as `Finding::defined` reads it (QA bc F4: `initgroups`, which no code
/// refers to, headed four findings' evidence unmarked).
pub(super) fn note_defines(f: &mut Finding, note: &str) {
    for e in f.evidence.iter_mut().filter(|e| e.starts_with(DEFINES)) {
        match e.strip_suffix(')').filter(|_| e.contains(" (")) {
            Some(open) => *e = format!("{open}; {note})"),
            None => e.push_str(&format!(" ({note})")),
        }
    }
}

/// Take `moved` out of the finding's list of NSS functions the binary defines.
pub(super) fn narrow_defines(f: &mut Finding, moved: &[&str]) {
    for e in f.evidence.iter_mut().filter(|e| e.starts_with(DEFINES)) {
        let (list, rest) = match e[DEFINES.len()..].split_once(" (") {
            Some((l, r)) => (l.to_string(), format!(" ({r}")),
            None => (e[DEFINES.len()..].to_string(), String::new()),
        };
        let kept: Vec<&str> = list
            .split(", ")
            .filter(|n| !moved.contains(&n.trim_matches('`')))
            .collect();
        if !kept.is_empty() {
            *e = format!("{DEFINES}{}{rest}", kept.join(", "));
        }
    }
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;

//! Whether the offending code of a finding is reachable from the binary's roots, with the
//! chain that keeps it alive (issue 13, item 4): dynamic loading, run-time code generation,
//! NSS lookups and iconv. "The crate is in the graph" becomes "main → ... → dlopen".

use super::graph::same_crate;
use super::rules;
use crate::format::quoted;
use crate::graph::{Graph, Graphs};
use crate::report::{Finding, NO_EVIDENCE, NOT_LINKED, RefKind, Report, Step};

/// Fill `reachable` and `chain` of each such finding from its artifact's graph.
pub fn annotate(graphs: &Graphs, report: &mut Report) {
    for (i, a) in report.artifacts.iter_mut().enumerate() {
        let graph = graphs.by_artifact.get(&i);
        for f in a.findings.iter_mut().filter(|f| f.has_reach()) {
            if let Some(g) = graph {
                reach(g, f);
            }
        }
        versions_alike(&mut a.findings);
    }
}

/// Findings of one rule on two versions of a crate get their chains by the crate's name, which
/// both versions' code bears: said on each (QA ac, B2: etcetera 0.11.0's chain ran through
/// 0.10.0's code, word for word the other finding's).
fn versions_alike(findings: &mut [Finding]) {
    let versions = |f: &Finding, all: &[Finding]| -> Vec<String> {
        let mut v: Vec<String> = all
            .iter()
            .filter(|o| o.rule == f.rule && same_crate(&o.krate, &f.krate) && !o.chain.is_empty())
            .map(|o| o.version.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let said: Vec<Option<String>> = findings
        .iter()
        .map(|f| {
            let v = versions(f, findings);
            (!f.chain.is_empty() && v.len() > 1).then(|| {
                format!(
                    "{} is linked in {} versions ({}); the reference graph names crates, not \
                     their versions, so this chain may run through another version's code",
                    f.krate,
                    v.len(),
                    v.join(", ")
                )
            })
        })
        .collect();
    for (f, line) in findings.iter_mut().zip(said) {
        f.evidence.extend(line);
    }
}

fn reach(g: &Graph, f: &mut Finding) {
    if !g.has_symbols() {
        return;
    }
    let Some(rule) = rules::find(&f.rule) else {
        return;
    };
    let functions: Vec<(&str, u32)> = rule
        .symbols
        .iter()
        .chain(rule.imports)
        .filter_map(|s| g.symbol(s).map(|v| (*s, v)))
        .collect();
    if to_functions(g, f, &functions) {
        return;
    }
    // No function to look for (run-time codegen), or none linked: the crate's own code.
    match g.reach_crate(&f.krate) {
        Some((true, chain)) => {
            f.evidence.push(format!(
                "the code of {} is reachable: {}",
                f.krate,
                arrows(&chain)
            ));
            f.reachable = Some(true);
            f.chain = chain;
        }
        Some((false, _)) => {
            f.reachable = Some(false);
            f.evidence.push(format!(
                "the code of {} is linked but unreachable from every root",
                f.krate
            ));
        }
        None if functions.is_empty() && !rule.symbols.is_empty() => {
            f.reachable = Some(false);
            // Known, not guessed ("the code may have been trimmed away"). The severity stays
            // as the audit and the configuration left it.
            let said = format!(
                "{NO_EVIDENCE}: {NOT_LINKED}, nor any code of {}, so nothing in it can make \
                 the call",
                f.krate
            );
            match f.evidence.iter_mut().find(|e| e.starts_with(NO_EVIDENCE)) {
                Some(e) => *e = said,
                None => f.evidence.push(said),
            }
        }
        None => {}
    }
}

/// Whether `f`'s offending `functions` (name, piece) are reachable, said on `f`: the shortest
/// chain to one, or the shortest through `f`'s crate's own code when the shortest does not
/// pass there (procs: dirs-sys's `getpwuid_r` nearer than uzers' own); else that they are
/// linked but unreachable. `false` when none is linked: nothing is said.
pub(super) fn to_functions(g: &Graph, f: &mut Finding, functions: &[(&str, u32)]) -> bool {
    let mut linked_unreachable: Vec<&str> = Vec::new();
    let mut best: Option<(&str, Vec<Step>)> = None;
    // The shortest chain through the blamed crate's own code, where there is one.
    let mut through: Option<(&str, Vec<Step>)> = None;
    for &(name, v) in functions {
        match g.reach(v) {
            (true, chain) => {
                if best.as_ref().is_none_or(|b| chain.len() < b.1.len()) {
                    best = Some((name, chain));
                }
                if let Some(c) = g.reach_through(v, &f.krate)
                    && through.as_ref().is_none_or(|b| c.len() < b.1.len())
                {
                    through = Some((name, c));
                }
            }
            (false, _) => linked_unreachable.push(name),
        }
    }
    let passes = |c: &[Step]| {
        c.iter()
            .any(|s| s.krate.as_deref().is_some_and(|k| same_crate(k, &f.krate)))
    };
    let shown = match through.filter(|_| best.as_ref().is_some_and(|b| !passes(&b.1))) {
        Some((name, chain)) => {
            // Not the shortest chain to `name`, which `--why` of it would show (QA ax F3:
            // libgit2-sys's chain pointed at `--why '^getpwuid_r$'`, which showed lsd's own
            // call): the way to the crate's last step in it is.
            let last = chain
                .iter()
                .rev()
                .find(|s| s.krate.as_deref().is_some_and(|k| same_crate(k, &f.krate)))
                .map(|s| s.symbol.clone());
            Some((
                format!("`{name}` is reachable through {}", f.krate),
                last,
                name,
                chain,
            ))
        }
        None => best.map(|(name, chain)| (format!("`{name}` is reachable"), None, name, chain)),
    };
    if let Some((head, last, name, chain)) = shown {
        let line = match last {
            Some(last) => chain_line(&head, (&regex::escape(&last), false), &chain),
            None => chain_line(&head, (name, true), &chain),
        };
        f.evidence.push(line);
        f.reachable = Some(true);
        f.chain = chain;
        return true;
    }
    if linked_unreachable.is_empty() {
        return false;
    }
    f.reachable = Some(false);
    f.evidence.push(format!(
        "{} linked but unreachable from every root (the entry point, constructors, \
         exports): dead code the linker kept. The finding still counts: a reference the \
         graph cannot see (an address computed at run time) would make it live; once \
         checked, allow it in the manifest",
        quoted(&linked_unreachable)
    ));
    true
}

/// `head`, then the chain to a function; one elided says how to see it whole (QA ad, F4):
/// `--why` of `name`, a regular expression: the function itself (`to_it`), or the chain's
/// last step in the finding's crate, when the chain is not the shortest to the function.
fn chain_line(head: &str, (name, to_it): (&str, bool), chain: &[Step]) -> String {
    let whole = match (chain.len() > SHOWN, to_it) {
        (true, true) => format!(" (`--why '^{name}$'` shows it whole)"),
        (true, false) => format!(" (`--why '^{name}$'` shows the way to its call)"),
        (false, _) => String::new(),
    };
    // A step reached because data holds its address (a table of function pointers): the graph
    // sees the table reached, not that this entry of it is called (QA cl F5: SQLite's
    // `aVfs` holds `unixDlOpen`, which only `sqlite3_load_extension` calls).
    // Among the steps the `…` hides, it says so (QA cx F6: the caveat named two steps the
    // line did not show).
    let hidden = |i: usize| chain.len() > SHOWN && (3..chain.len() - 4).contains(&i);
    let table = match chain.iter().rposition(|s| s.kind == RefKind::Data) {
        Some(k) if k > 0 => format!(
            "; {}`{}` is reached through the address `{}` holds (a table of function pointers): \
             the table is reachable, not known to call this entry",
            if hidden(k - 1) || hidden(k) {
                "among the steps `…` hides, "
            } else {
                ""
            },
            chain[k].symbol,
            chain[k - 1].symbol
        ),
        _ => String::new(),
    };
    format!("{head}: {}{whole}{table}", arrows(chain))
}

/// The steps of the longest chain [`arrows`] shows whole.
const SHOWN: usize = 8;

/// `_start → main → ... → dlopen`, eliding the middle of chains longer than [`SHOWN`].
pub fn arrows(chain: &[Step]) -> String {
    let names: Vec<&str> = chain.iter().map(|s| s.symbol.as_str()).collect();
    if names.len() <= SHOWN {
        return names.join(" → ");
    }
    let (head, tail) = (&names[..3], &names[names.len() - 4..]);
    format!("{} → … → {}", head.join(" → "), tail.join(" → "))
}

/// The crate whose code a chain's step runs: where std's generic code was instantiated, else
/// the symbol's own.
pub(super) fn crate_of(s: &Step) -> Option<&str> {
    s.instantiated_in.as_deref().or(s.krate.as_deref())
}

#[cfg(test)]
mod tests {
    use crate::report::{RefKind, Step};

    /// QA ac, B2: two versions of etcetera, one chain found by the crate's name for both.
    #[test]
    fn findings_on_two_versions_of_a_crate_say_their_chains_name_no_version() {
        let rule = crate::audit::rules::find("AOT004").expect("rule");
        let finding = |krate: &str, version: &str, chained: bool| {
            let mut f = crate::audit::findings::new_finding(rule, krate, version, vec![]);
            if chained {
                f.chain = vec![Step::named("getpwuid_r", None, RefKind::Call)];
            }
            f
        };
        let mut all = vec![
            finding("etcetera", "0.10.0", true),
            finding("etcetera", "0.11.0", true),
            finding("dirs-sys", "0.5.0", true),
            finding("etcetera", "0.9.0", false),
        ];
        super::versions_alike(&mut all);
        let said = "etcetera is linked in 2 versions (0.10.0, 0.11.0); the reference graph \
                    names crates, not their versions";
        for f in &all[..2] {
            assert!(
                f.evidence.iter().any(|e| e.starts_with(said)),
                "{:?}",
                f.evidence
            );
        }
        assert!(
            all[2].evidence.is_empty() && all[3].evidence.is_empty(),
            "{all:?}"
        );
    }

    #[test]
    fn an_elided_chain_says_how_to_see_it_whole() {
        let chain = |n: usize| -> Vec<Step> {
            (0..n)
                .map(|i| Step::named(&format!("f{i}"), None, RefKind::Call))
                .collect()
        };
        let line = |n| super::chain_line("`dlopen` is reachable", ("dlopen", true), &chain(n));
        assert_eq!(
            line(super::SHOWN),
            "`dlopen` is reachable: f0 → f1 → f2 → f3 → f4 → f5 → f6 → f7"
        );
        assert_eq!(
            line(super::SHOWN + 1),
            "`dlopen` is reachable: f0 → f1 → f2 → … → f5 → f6 → f7 → f8 \
             (`--why '^dlopen$'` shows it whole)"
        );
        // QA ax F3: a chain through the finding's crate is not the shortest to the function:
        // `--why` of the crate's last step in it shows the way there, not "it whole".
        let through = super::chain_line(
            "`getpwuid_r` is reachable through libgit2-sys",
            ("get_passwd_home", false),
            &chain(super::SHOWN + 1),
        );
        assert!(
            through.ends_with("(`--why '^get_passwd_home$'` shows the way to its call)"),
            "{through}"
        );
        // QA cx F6: one the `…` hides is said to be.
        let mut long = chain(super::SHOWN + 2);
        long[5].kind = RefKind::Data;
        let said = super::chain_line("`dlopen` is reachable", ("dlopen", true), &long);
        assert!(
            said.contains("; among the steps `…` hides, `f5` is reached through the address `f4`"),
            "{said}"
        );
        // QA cl F5: a step whose address a table holds is said to be one.
        let mut tabled = chain(3);
        tabled[2].kind = RefKind::Data;
        let said = super::chain_line("`dlopen` is reachable", ("dlopen", true), &tabled);
        assert!(
            said.ends_with(
                "; `f2` is reached through the address `f1` holds (a table of function \
                 pointers): the table is reachable, not known to call this entry"
            ),
            "{said}"
        );
    }
}

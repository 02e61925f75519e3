//! A finding whose crate the audit could only guess goes to the crate whose code calls the
//! function. Before the graph, NSS and iconv functions that no crate of the rules' lists
//! explains are put on the crates with native code, else on the package (or std). eza's
//! `locale` calls `iconv_open` through an `extern "C"` of its own, and libgit2-sys and
//! libz-sys, whose C code never does, were blamed (QA h). The graph's chain to the function
//! names its caller: the crate of the last step before the C library's code.

use super::findings::DEFINES;
use super::findings::new_finding;
use super::graph::{Reached, same_crate};
use super::guess::{GUESSED_NATIVE, GUESSED_PACKAGE, GUESSED_STD, guessed, settle};
use super::reach::arrows;
use super::rules;
use super::split::{STD_CRATES, last_caller, narrow_defines};
use crate::format::quoted;
use crate::graph::Graph;
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding, Step};

/// The guesses re-blamed here (see `findings::unattributed`).
const GUESSES: &[&str] = &[GUESSED_NATIVE, GUESSED_PACKAGE, GUESSED_STD];

/// The rules whose function the chain leads to, called by the crate to blame.
const RULES: &[&str] = &["AOT004", "AOT010"];

/// Who a caller is: a crate of the binary's dependency graph, or std.
#[derive(Clone, Copy)]
enum Owner<'r, 'm> {
    Crate(&'r Reached<'m>),
    Std,
}

impl PartialEq for Owner<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Owner::Crate(a), Owner::Crate(b)) => std::ptr::eq(*a, *b),
            (Owner::Std, Owner::Std) => true,
            _ => false,
        }
    }
}

/// Re-blame artifact `a`'s guessed AOT004/AOT010 findings on the crates whose code calls the
/// functions (see the module). `reached`: the binary's crates, the package first.
pub(super) fn by_caller(
    g: &Graph,
    a: &mut Artifact,
    reached: &[Reached],
    bin: Option<&BinPlan>,
    std_version: &str,
) {
    if !g.has_symbols() || reached.is_empty() {
        return;
    }
    for &id in RULES {
        let Some(rule) = rules::find(id) else {
            continue;
        };
        let is_guess = |f: &Finding| f.rule == id && guessed(f, GUESSES);
        if !a.findings.iter().any(is_guess) {
            continue;
        }
        let (callers, unexplained, mut dead) = callers(g, rule, reached, std_version);
        if callers.is_empty() {
            continue;
        }
        // A guess the graph confirms stays (with its words); one it refutes goes, unless some
        // reachable function has no caller the graph can name: then every guess stays.
        if !unexplained {
            let calls = |k: &str| callers.iter().any(|c| same_crate(&c.krate, k));
            // A confirmed guess lists only what its own crate calls.
            let narrow = |f: &mut Finding| {
                let others: Vec<&str> = callers
                    .iter()
                    .filter(|c| !same_crate(&c.krate, &f.krate))
                    .flat_map(|c| c.names.iter().copied())
                    .collect();
                narrow_defines(f, &others);
            };
            settle(&mut a.findings, &is_guess, calls, narrow);
        }
        for c in callers {
            add_finding(a, rule, c, &mut dead, bin);
        }
    }
}

/// One caller of a rule's functions: who, which functions, the shortest chain to one of them,
/// and the crate's name, version and dependency path.
struct Caller<'r, 'm> {
    owner: Owner<'r, 'm>,
    names: Vec<&'static str>,
    chain: Vec<Step>,
    krate: String,
    version: String,
    path: Vec<String>,
}

/// Each reachable function of `rule` by the crate that calls it, with the shortest chain to
/// it; whether some reachable function has no caller the graph can name; the functions linked
/// but unreachable.
fn callers<'r, 'm>(
    g: &Graph,
    rule: &rules::Rule,
    reached: &'r [Reached<'m>],
    std_version: &str,
) -> (Vec<Caller<'r, 'm>>, bool, Vec<&'static str>) {
    let mut callers: Vec<Caller> = Vec::new();
    let (mut unexplained, mut dead) = (false, Vec::new());
    for &name in rule.symbols.iter().chain(rule.imports) {
        let Some(v) = g.symbol(name) else { continue };
        let (reachable, chain) = g.reach(v);
        if !reachable {
            dead.push(name);
            continue;
        }
        let Some(owner) = last_caller(&chain).and_then(|k| owner_of(k, reached)) else {
            unexplained = true;
            continue;
        };
        if let Some(c) = callers.iter_mut().find(|c| c.owner == owner) {
            c.names.push(name);
            if chain.len() < c.chain.len() {
                c.chain = chain;
            }
            continue;
        }
        let (krate, version, path) = match owner {
            Owner::Crate(r) => (
                r.name().to_string(),
                r.package.version.to_string(),
                r.path.clone(),
            ),
            Owner::Std => (
                "std".to_string(),
                std_version.to_string(),
                vec![reached[0].name().to_string(), "std".into()],
            ),
        };
        callers.push(Caller {
            owner,
            names: vec![name],
            chain,
            krate,
            version,
            path,
        });
    }
    (callers, unexplained, dead)
}

/// Caller `c`'s chain on its finding under `rule` (made when it has none, with the `dead`
/// functions said on the first one made).
fn add_finding(
    a: &mut Artifact,
    rule: &'static rules::Rule,
    c: Caller,
    dead: &mut Vec<&'static str>,
    bin: Option<&BinPlan>,
) {
    // A crate's function may hold code the compiler inlined into it (QA l: dust's `main`
    // with std's `env::home_dir` in it under LTO): said where it reads as the crate's own
    // call.
    let inlined = match c.owner {
        Owner::Crate(_) => {
            "; what the compiler inlined into it, such as std's code under LTO, counts as its \
             code"
        }
        Owner::Std => "",
    };
    let line = format!(
        "`{}` is called by {}'s code (the reference graph{inlined}): {}",
        c.names.first().copied().unwrap_or_default(),
        c.krate,
        arrows(&c.chain)
    );
    let existing = a
        .findings
        .iter_mut()
        .find(|f| f.rule == rule.id && same_crate(&f.krate, &c.krate));
    if let Some(f) = existing {
        if f.chain.is_empty() {
            f.evidence.push(line);
            f.reachable = Some(true);
            f.chain = c.chain;
        }
        return;
    }
    let mut f = new_finding(rule, &c.krate, &c.version, c.path);
    f.evidence = vec![format!("{DEFINES}{}", quoted(&c.names)), line];
    if !dead.is_empty() {
        f.evidence.push(format!(
            "{} linked but unreachable from every root",
            quoted(dead)
        ));
        dead.clear();
    }
    f.reachable = Some(true);
    f.chain = c.chain;
    if let Some(bin) = bin {
        super::apply_policy(&mut f, &bin.audit);
    }
    a.findings.push(f);
}

/// The crate named `krate` in the binary's dependency graph (not a proc-macro: its code is
/// not in the binary), or std.
fn owner_of<'r, 'm>(krate: &str, reached: &'r [Reached<'m>]) -> Option<Owner<'r, 'm>> {
    if STD_CRATES.contains(&krate) {
        return Some(Owner::Std);
    }
    reached
        .iter()
        .find(|r| !r.proc_macro && r.is_crate(krate))
        .map(Owner::Crate)
}

//! A finding on std names the code outside std that makes std make the call: what the user
//! can change. std's own functions (`env::home_dir`, `net::lookup_host`) make the lookup for
//! the crates that call them; the finding stays std's, as the rule puts a call where the C
//! library's code is entered.

use std::collections::HashMap;

use super::graph::{Reached, dependency_named};
use super::reach::crate_of;
use super::split::STD_CRATES;
use crate::format::LISTED;
use crate::graph::Graph;
use crate::report::{Artifact, Finding};

/// The crates named in full; more are counted.
const NAMED: usize = 6;

/// A crate's functions named; more are counted.
const FUNCTIONS: usize = 3;

/// Name, on each std finding with a chain, the crates whose code calls into std's way to the
/// C function: every one the graph shows (QA by F1: xh's tokio blocking task, which resolves
/// every plain request, went unnamed beside the SOCKS proxy code of the one shortest chain),
/// the chain's own first, innermost first (QA u: sfz's `ignore`, whose `WalkBuilder::build`
/// calls `std::env::home_dir`; QA v: procs' dockworker and hyper, through tokio, to std's
/// `lookup_host`). A crate whose step is a pass-through on the chain's way (tower's
/// `MapFuture::call`) calls nothing of std's and is not named. `reached`: the binary's
/// crates, the package first.
pub(super) fn name_std_callers(g: &Graph, a: &mut Artifact, reached: &[Reached]) {
    for f in a
        .findings
        .iter_mut()
        .filter(|f| f.krate == "std" && f.has_reach() && !f.chain.is_empty())
    {
        let on_chain = f.chain.last().and_then(|s| g.symbol(&s.symbol));
        let mut callers = on_chain.map(|v| through_std(g, v)).unwrap_or_default();
        // The other functions it lists that are reached, each caller with the function it
        // leads to (QA ci F1: tealdeer's chain ran to `getpwuid_r`, and ureq's resolver,
        // which makes std call `getaddrinfo`, went unnamed).
        let mut leads_to: HashMap<String, String> = HashMap::new();
        for name in f.defined() {
            let Some(v) = g.symbol(&name).filter(|&v| Some(v) != on_chain) else {
                continue;
            };
            if !g.is_reachable(v) {
                continue;
            }
            for c in through_std(g, v) {
                if !callers.iter().any(|o| o.0 == c.0 && o.1 == c.1) {
                    leads_to.insert(c.1.clone(), name.clone());
                    callers.push(c);
                }
            }
        }
        word_leading(f, reached, &callers, &leads_to);
    }
}

/// The callers of C function `v` through std's code ([`Graph::callers_passing`]), without the
/// C code that calls it itself or through the C library (QA cq F1: OpenSSL's `BIO_lookup_ex`,
/// which calls `getaddrinfo` and no std, was named among the users of std's resolver). Rust
/// code that refers to it itself stays: std's code inlined into it under LTO.
fn through_std(g: &Graph, v: u32) -> Vec<Caller> {
    let rust = |symbol: &str| crate::attribute::demangle::crate_of_path(symbol).is_some();
    g.callers_passing(v, STD_CRATES)
        .into_iter()
        .filter(|(c, passed)| *passed || rust(&c.1))
        .map(|(c, _)| c)
        .collect()
}

/// Say on `f` who makes std make its call: the crates of `callers` (crate, symbol, and the
/// crate it was made for when it is generic code instantiated in another: code outside std
/// that refers into std's way to the C function), after those of `f`'s chain past the
/// package's own last step. Without callers (a graph decoded from code that sees no caller),
/// the chain's crates alone.
#[cfg(test)]
pub(super) fn word(f: &mut Finding, reached: &[Reached], callers: &[Caller]) {
    word_leading(f, reached, callers, &HashMap::new());
}

/// As `word` (of the tests), where `leads_to` names, for a caller that leads to another C function than
/// the chain's, that function.
fn word_leading(
    f: &mut Finding,
    reached: &[Reached],
    callers: &[Caller],
    leads_to: &HashMap<String, String>,
) {
    let Some(package) = reached.first() else {
        return;
    };
    // After the package's own last step: before it, its code calls on.
    let from = f
        .chain
        .iter()
        .rposition(|s| crate_of(s).is_some_and(|k| package.is_crate(k)))
        .map_or(0, |p| p + 1);
    let chain = &f.chain[from..];
    let (mut named, own, generic) = gather(reached, callers);
    let spawner = spawner(chain, callers, reached);
    if let Some((r, symbol)) = spawner {
        add(&mut named, r, symbol);
    }
    if callers.is_empty() {
        // Each crate's innermost function of the chain: its data (a vtable without a symbol,
        // a constant the compiler named) is no step the user can find in its code (QA ad,
        // F4: reqwest's `[section .data.rel.ro]`, hyper-util's `anon.….llvm.…`); named only
        // when the chain has nothing else of the crate.
        for s in chain.iter().rev() {
            if let Some(r) = crate_of(s).and_then(|k| dependency_named(reached, k)) {
                add(&mut named, r, &s.symbol);
            }
        }
    }
    order_by_chain(&mut named, chain);
    if named.is_empty() {
        // The package's own code makes the call (QA af, F7: tealdeer's `tldr::try_main`
        // calls `std::env::home_dir`, and the finding read as one on a dependency).
        if let (Some(own), Some(next)) = (
            from.checked_sub(1).and_then(|k| f.chain.get(k)),
            f.chain.get(from),
        ) {
            f.evidence.push(format!(
                "{}'s own code makes this call: `{}` calls `{}`; what can change is that call",
                package.name(),
                own.symbol,
                next.symbol
            ));
        }
        return;
    }
    let quote = Quote {
        spawner: spawner.map(|(r, s)| (r.name(), s)),
        leads_to,
        generic: &generic,
    };
    let mut listed = listed(&named, &quote);
    if let Some(first) = own.first() {
        listed.push(format!(
            "{LISTED}{}'s own code: {}",
            package.name(),
            quote.quoted(first)
        ));
    }
    let them = match (named.len(), own.is_empty()) {
        (1, true) => "its use of std, or the dependency that brings it in",
        _ => "their use of std, or the dependencies that bring them in",
    };
    // Who calls, then what (QA bw F5: "std's code makes this call for tokio" read as if std
    // called on tokio's behalf unasked), one crate a line (QA bw F5: one paragraph).
    let first = if listed.len() > 1 {
        " (the crate on the chain above first)"
    } else {
        ""
    };
    f.evidence.push(format!(
        "std makes this call when the code below, outside std, calls it{first}; what can \
         change is {them}:"
    ));
    f.evidence.extend(listed);
}

/// The crates of `callers` that are the package's dependencies, each with its functions; the
/// package's own functions among them; and the callers that are generic code instantiated in
/// another crate, by that crate: the code they run may be its (QA cc F2: tokio's
/// `BlockingTask<T>::poll` runs hyper-util's resolver closure; hyper-util's `SocksV5<C>`
/// closure, made for reqwest, is its own).
fn gather<'r, 'm, 'c>(
    reached: &'r [Reached<'m>],
    callers: &'c [Caller],
) -> (Vec<Named<'r, 'm>>, Vec<String>, HashMap<&'c str, &'c str>) {
    let mut named: Vec<Named> = Vec::new();
    let mut own: Vec<String> = Vec::new();
    let mut generic: HashMap<&str, &str> = HashMap::new();
    let package = reached.first();
    for (k, symbol, made_for) in callers {
        if let Some(m) = made_for {
            generic.insert(symbol, m);
        } else if crate::attribute::demangle::crate_of_path(symbol)
            .is_some_and(|(c, _)| STD_CRATES.contains(&c))
        {
            // A function of std's own path, whose code is the crate's: generic code made for
            // it (QA ck F4: ureq's resolver thread, `__rust_begin_short_backtrace`, read as
            // ureq's own function).
            generic.insert(symbol, k);
        }
        match dependency_named(reached, k) {
            Some(r) => add(&mut named, r, symbol),
            None if package.is_some_and(|p| p.is_crate(k)) && !own.contains(symbol) => {
                own.push(symbol.clone());
            }
            None => {}
        }
    }
    (named, own, generic)
}

/// A task runner's poll runs the task another crate gave it (QA cn F3: procs's std finding
/// named tokio's `raw::poll` alone, where the chain shows hyper's `HttpConnector::call`
/// before it): the nearest crate before the runner on the chain, with its step's symbol.
fn spawner<'r, 'm, 's>(
    chain: &'s [crate::report::Step],
    callers: &[Caller],
    reached: &'r [Reached<'m>],
) -> Option<(&'r Reached<'m>, &'s str)> {
    let at = chain.iter().rposition(|s| is_runner(&s.symbol))?;
    if !callers.iter().any(|(_, s, _)| is_runner(s)) {
        return None;
    }
    chain[..at]
        .iter()
        .rev()
        .filter(|s| is_code(&s.symbol))
        .find_map(|s| {
            let k = crate_of(s).filter(|k| !STD_CRATES.contains(k) && *k != "tokio")?;
            Some((dependency_named(reached, k)?, s.symbol.as_str()))
        })
}

/// The chain's crates first, innermost first, each by its function on the chain.
fn order_by_chain(named: &mut [Named], chain: &[crate::report::Step]) {
    let on_chain = |n: &Named| {
        chain
            .iter()
            .rev()
            .position(|s| crate_of(s).is_some_and(|k| n.reached.is_crate(k)))
            .unwrap_or(usize::MAX)
    };
    named.sort_by_key(on_chain);
    for n in named.iter_mut() {
        if let Some(k) = n
            .symbols
            .iter()
            .position(|x| is_code(x) && chain.iter().any(|s| &s.symbol == x))
        {
            let s = n.symbols.remove(k);
            n.symbols.insert(0, s);
        }
    }
}

/// What a caller is said as: `sym`, and where it was instantiated when that is another
/// crate, the C function it leads to when another than the chain's, and whether it is the
/// crate before tokio's task on the chain.
struct Quote<'a> {
    /// The crate before tokio's task on the chain, and its step's symbol.
    spawner: Option<(&'a str, &'a str)>,
    leads_to: &'a HashMap<String, String>,
    generic: &'a HashMap<&'a str, &'a str>,
}

impl Quote<'_> {
    fn quoted(&self, f: &str) -> String {
        // Whose task, named (QA di F6: "the task may be its" read as a typo).
        if let Some((krate, _)) = self.spawner.filter(|(_, s)| *s == f) {
            return format!("`{f}` (before tokio's task on the chain: the task may be {krate}'s)");
        }
        let to = self
            .leads_to
            .get(f)
            .map_or(String::new(), |c| format!(", to `{c}`"));
        match self.generic.get(f) {
            Some(m) => format!("`{f}` (generic, instantiated in {m}, whose code it may run{to})"),
            None if to.is_empty() => format!("`{f}`"),
            None => format!("`{f}` ({})", &to[2..]),
        }
    }
}

/// One line per named crate (up to [`NAMED`], then a count), with its path from the package
/// and its functions (each by name, up to [`FUNCTIONS`]: QA cc F3, "and 1 more" named it
/// nowhere).
fn listed(named: &[Named], quote: &Quote) -> Vec<String> {
    let mut listed: Vec<String> = named
        .iter()
        .take(NAMED)
        .map(|n| {
            let mut functions: Vec<String> = n
                .symbols
                .iter()
                .take(FUNCTIONS)
                .map(|f| quote.quoted(f))
                .collect();
            if n.symbols.len() > FUNCTIONS {
                functions.push(format!("{} more", n.symbols.len() - FUNCTIONS));
            }
            let r = n.reached;
            format!(
                "{LISTED}{} v{} ({}): {}",
                r.name(),
                r.package.version,
                r.path.join(" → "),
                functions.join(", ")
            )
        })
        .collect();
    if named.len() > NAMED {
        listed.push(format!("{LISTED}{} more crates", named.len() - NAMED));
    }
    listed
}

/// Code outside std that refers into std's way to a C function: its crate, its symbol, and
/// the crate it was made for where it is generic code instantiated in another.
pub(super) type Caller = crate::graph::MadeFor;

/// A crate whose code calls into std's way, with its functions that do, the first shown.
struct Named<'r, 'm> {
    reached: &'r Reached<'m>,
    symbols: Vec<String>,
}

/// Add `symbol` to `r`'s functions, a function before data: a step without a symbol (`[section
/// …]`) or a constant the compiler named is shown only when the crate has nothing else.
fn add<'r, 'm>(named: &mut Vec<Named<'r, 'm>>, r: &'r Reached<'m>, symbol: &str) {
    let Some(n) = named.iter_mut().find(|n| std::ptr::eq(n.reached, r)) else {
        named.push(Named {
            reached: r,
            symbols: vec![symbol.to_string()],
        });
        return;
    };
    if n.symbols.iter().any(|s| s == symbol) {
        return;
    }
    if is_code(symbol) && !is_code(&n.symbols[0]) {
        n.symbols.retain(|s| is_code(s));
        n.symbols.insert(0, symbol.to_string());
    } else if is_code(symbol) || !is_code(&n.symbols[0]) {
        n.symbols.push(symbol.to_string());
    }
}

/// Whether `symbol` is tokio's code that runs a task another crate spawned.
fn is_runner(symbol: &str) -> bool {
    ["tokio::runtime::task::", "tokio::runtime::blocking::"]
        .iter()
        .any(|p| symbol.starts_with(p) || symbol.contains(&format!(" as {p}")))
}

/// Whether a step's symbol names code: not bytes without a symbol (`[section …]`) nor a
/// constant whose name the compiler made up.
fn is_code(symbol: &str) -> bool {
    !symbol.starts_with('[')
        && !crate::attribute::demangle::is_anonymous_constant(symbol.as_bytes())
}

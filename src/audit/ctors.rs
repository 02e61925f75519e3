//! AOT003 whose crate the audit could only guess (every crate with native code, else the
//! package's own code: "no crate in the graph is known to do this") goes to the crates the
//! reference graph attributes the constructors to. xh: aws-lc-sys's `do_library_init` made
//! onig_sys a suspect too. QA m: hurl's extra `.init_array` entry is `curl::INIT_CTOR`'s, Rust
//! code of the crate curl, and the four crates with native code were blamed while curl was
//! named nowhere. A constructor of std's (`ARGV_INIT_ARRAY`) or of no crate (`frame_dummy`)
//! moves nothing; nothing changes when no constructor has a crate of the binary's graph.

use super::findings::finding_on;
use super::graph::Reached;
use super::guess::{GUESSED_NATIVE, GUESSED_PACKAGE, guessed};
use super::rules;
use super::split::STD_CRATES;
use crate::format::quoted;
use crate::graph::{Constructor, Graph};
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding};

/// The advice on constructors of C code, which the user cannot move into `main`.
const NATIVE_ADVICE: &str = "A C library's constructor runs before main and cannot be \
    registered from it: weigh what it keeps alive (its retained size), then accept it with an \
    `allow` and a reason, or choose a dependency without that library.";

/// The guesses re-blamed here (see `findings::unattributed`).
const GUESSES: &[&str] = &[GUESSED_NATIVE, GUESSED_PACKAGE];

/// Re-blame artifact `a`'s guessed AOT003 findings on the crates of the constructors (see the
/// module). `reached`: the binary's crates, the package first.
pub(super) fn by_constructors(
    g: &Graph,
    a: &mut Artifact,
    reached: &[Reached],
    bin: Option<&BinPlan>,
) {
    let is_guess = |f: &Finding| f.rule == "AOT003" && guessed(f, GUESSES);
    let Some(template) = a.findings.iter().find(|f| is_guess(f)).cloned() else {
        return;
    };
    let ctors = g.constructors();
    let owners = owners_of(&ctors, reached);
    if owners.is_empty() {
        // Only the runtimes' (cxx-user: libstdc++'s exception pool, for the package's own
        // C++): said on the guessed finding, with the advice for native code.
        let said = runtimes_too(&ctors, a, "the native code linked in", &|f| is_guess(f));
        for f in a.findings.iter_mut().filter(|f| said && is_guess(f)) {
            f.advice = NATIVE_ADVICE.to_string();
        }
        return;
    }
    let Some(rule) = rules::find("AOT003") else {
        return;
    };
    a.findings.retain(|f| !is_guess(f));
    let mut native_owners: Vec<&Reached> = Vec::new();
    let mut all_owners: Vec<&Reached> = Vec::new();
    for (r, mine) in owners {
        let line = owned_line(r, &mine);
        // A C library's constructor (its name is no Rust path) cannot be registered from
        // main (QA ad, F5: aws-lc-sys's `do_library_init`, which detects the CPU).
        let native = mine.iter().all(|c| !c.name.contains("::"));
        all_owners.push(r);
        if native {
            native_owners.push(r);
        }
        if let Some(f) = a
            .findings
            .iter_mut()
            .find(|f| f.rule == "AOT003" && r.is_crate(&f.krate))
        {
            f.evidence.push(line);
            if native {
                f.advice = NATIVE_ADVICE.to_string();
            }
            continue;
        }
        let mut f = finding_on(rule, r);
        f.evidence = template
            .evidence
            .iter()
            .filter(|e| !GUESSES.iter().any(|m| e.starts_with(m)))
            .cloned()
            .collect();
        f.evidence.push(line);
        if native {
            f.advice = NATIVE_ADVICE.to_string();
        }
        if let Some(bin) = bin {
            super::apply_policy(&mut f, &bin.audit);
        }
        a.findings.push(f);
    }
    let owners = match native_owners.is_empty() {
        true => all_owners,
        false => native_owners,
    };
    let whose = format!(
        "the native code of {}",
        owners
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    runtimes_too(&ctors, a, &whose, &|f| {
        f.rule == "AOT003" && owners.iter().any(|r| r.is_crate(&f.krate))
    });
}

/// Each crate of the graph with its constructors, in the order of `reached`.
fn owners_of<'c, 'r, 'm>(
    ctors: &'c [Constructor],
    reached: &'r [Reached<'m>],
) -> Vec<(&'r Reached<'m>, Vec<&'c Constructor>)> {
    let mut owners = Vec::new();
    for r in reached.iter().filter(|r| !r.proc_macro) {
        let mine: Vec<&Constructor> = ctors
            .iter()
            .filter(|c| {
                c.krate
                    .as_deref()
                    .is_some_and(|k| !STD_CRATES.contains(&k) && r.is_crate(k))
            })
            .collect();
        if !mine.is_empty() {
            owners.push((r, mine));
        }
    }
    owners
}

/// The line that names crate `r`'s constructors `mine`, with the bytes they keep alive.
fn owned_line(r: &Reached, mine: &[&Constructor]) -> String {
    let names: Vec<&str> = mine.iter().map(|c| c.name.as_str()).collect();
    let (what, is, keeps) = match names.len() {
        1 => ("constructor", "is", "it keeps"),
        _ => ("constructors", "are", "they keep"),
    };
    let retained: u64 = mine.iter().map(|c| c.retained).sum();
    format!(
        "the {what} {} {is} {}'s (the reference graph's attribution); {keeps} {} alive \
         (retained: the bytes that would go with {})",
        quoted(&names),
        r.name(),
        crate::format::size(retained),
        if names.len() == 1 { "it" } else { "them" },
    )
}

/// The C and C++ runtimes' constructors, which come with native code (QA cx F3: ouch's 7
/// entries against a plain binary's 2 named unrar's three; libstdc++'s emergency exception
/// pool, `_GLOBAL__sub_I_eh_alloc.cc`, and libgcc's `__cpu_indicator_init`, which unrar's
/// `__builtin_cpu_supports` needs, were named nowhere), said on the findings `on` takes, as
/// coming with `whose` code; whether there were any. `frame_dummy`, the C runtime's own, is
/// one of the plain binary's two.
fn runtimes_too(
    ctors: &[Constructor],
    a: &mut Artifact,
    whose: &str,
    on: &dyn Fn(&Finding) -> bool,
) -> bool {
    use crate::attribute::{LIBC, LIBGCC, LIBSTDCXX};
    let runtime: Vec<&Constructor> = ctors
        .iter()
        .filter(|c| {
            c.name != "frame_dummy"
                && c.krate
                    .as_deref()
                    .is_some_and(|k| [LIBSTDCXX, LIBGCC, LIBC].contains(&k))
        })
        .collect();
    if runtime.is_empty() {
        return false;
    }
    let names: Vec<String> = runtime
        .iter()
        .map(|c| format!("`{}` ({})", c.name, c.krate.as_deref().unwrap_or_default()))
        .collect();
    let (what, come, keeps) = match runtime.len() {
        1 => ("constructor", "comes", "it keeps"),
        _ => ("constructors", "come", "they keep"),
    };
    let line = format!(
        "the runtimes' {what} {} {come} with {whose}: {keeps} {} alive",
        names.join(", "),
        crate::format::size(runtime.iter().map(|c| c.retained).sum()),
    );
    for f in a.findings.iter_mut().filter(|f| on(f)) {
        f.evidence.push(line.clone());
    }
    true
}

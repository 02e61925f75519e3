//! Dynamic loading that only the static binary shows. AOT001's evidence for native code is
//! the dynamic build's `dlopen` import: a crate whose C code calls `dlopen`, compiled in or
//! taken from the system's static archive (diesel_cli with `libsqlite3.a`: SQLite's
//! `unixDlOpen`), went unflagged without `--compare`, and with it when the dynamic build links
//! the system's shared library (whose import it is then, not the binary's), though the static
//! binary that ships calls it (QA j). With the graph, each crate whose code calls `dlopen` or
//! `dlmopen` in the static binary has the finding, with its caller and the chain through it
//! (static OpenSSL's too: its DSO method loads engines and providers with `dlopen`).

use super::findings::finding_on;
use super::graph::{Reached, depends_on, same_crate};
use super::guess::{GUESSED_NATIVE, GUESSED_PACKAGE, guessed, settle};
use super::reach::to_functions;
use super::rules;
use crate::graph::Graph;
use crate::plan::BinPlan;
use crate::report::{Artifact, Finding, LinkMode};

/// Add to artifact `a` (a static build) the AOT001 evidence of the crates whose code calls a
/// loader function, on their finding or a new one. `reached`: the binary's crates, the
/// package first.
pub(super) fn by_static_callers(
    g: &Graph,
    a: &mut Artifact,
    reached: &[Reached],
    bin: Option<&BinPlan>,
) {
    let Some(rule) = rules::find("AOT001") else {
        return;
    };
    if a.link_mode != Some(LinkMode::Static) || !g.has_symbols() || reached.is_empty() {
        return;
    }
    // The crates the graph shows calling a loader function; whether a caller is no crate.
    let (mut callers, mut unexplained) = (Vec::new(), false);
    for &name in rule.imports {
        let Some(v) = g.symbol(name) else {
            continue;
        };
        // Every calling symbol, once a function (`calling_crates` is its first per crate).
        let all_callers = g.callers(v);
        for (krate, caller) in g.calling_crates(v) {
            // std's code and a proc-macro's (which runs in the compiler) are no crate to blame.
            let Some(r) = reached.iter().find(|r| !r.proc_macro && r.is_crate(&krate)) else {
                unexplained = true;
                continue;
            };
            callers.push(r.name().to_string());
            // Any of the crate's callers may be the known loader (OpenSSL 3 calls `dlopen`
            // from `dlfcn_globallookup` and `dlfcn_load`; QA bg F5 got the rule's advice).
            let known = all_callers
                .iter()
                .filter(|(k, _)| *k == krate)
                .find_map(|(_, c)| advice_for(c));
            let call = Call {
                name,
                function: v,
                caller: &caller,
                known,
            };
            blame(g, a, reached, bin, rule, r, &call);
        }
    }
    if !unexplained && !callers.is_empty() {
        settle_guesses(a, rule.id, &callers);
    }
}

/// A call of a loader function from a crate's code, found in the graph.
struct Call<'a> {
    /// The loader function (`dlopen`).
    name: &'a str,
    /// Its node.
    function: u32,
    /// The crate's first symbol that calls it.
    caller: &'a str,
    /// The advice for the loader the crate's code is, when it is a known one.
    known: Option<&'static str>,
}

/// Put `call`, from crate `r`'s code, on AOT001: on the crate's finding, on the finding of a
/// loader crate whose code it is, or on a new finding of its own.
fn blame(
    g: &Graph,
    a: &mut Artifact,
    reached: &[Reached],
    bin: Option<&BinPlan>,
    rule: &rules::Rule,
    r: &Reached,
    call: &Call,
) {
    let line = format!(
        "static binary: `{}` called by {}'s code (`{}`, the reference graph)",
        call.name,
        r.name(),
        call.caller
    );
    let own = a
        .findings
        .iter_mut()
        .find(|f| f.rule == rule.id && same_crate(&f.krate, r.name()));
    if let Some(f) = own {
        // A guess (the dynamic build's import, `findings::unattributed`) the graph
        // confirms gets the loader's advice too (QA db F1: OpenSSL's read "link the
        // library at build time", which it is).
        if let Some(advice) = call.known.filter(|_| guessed(f, GUESSES)) {
            f.advice = advice.to_string();
        }
        if !f.evidence.contains(&line) {
            f.evidence.push(line);
        }
        return;
    }
    // A call another AOT001 finding's chain already passes through is that finding's:
    // libloading's `Library::new`, inlined into the package's `main`, is libloading's
    // hazard, not the package's.
    let explained = a
        .findings
        .iter()
        .any(|f| f.rule == rule.id && f.chain.iter().any(|s| s.symbol == call.caller));
    if explained {
        return;
    }
    // A Rust loader crate's generic code, compiled into a crate that depends on it, is
    // that loader's hazard: one `dlopen` through nvml-wrapper-sys's bindings made a
    // second error beside libloading's, with the same advice (QA bm F3).
    if let Some(f) = loader_inlined(a, reached, r, call.caller, rule.id) {
        let line = format!(
            "static binary: `{}` also called from {}'s code (`{}`, {}'s code compiled \
             into it; the reference graph)",
            call.name,
            r.name(),
            call.caller,
            f.krate
        );
        if !f.evidence.contains(&line) {
            f.evidence.push(line);
        }
        return;
    }
    let mut f = finding_on(rule, r);
    f.evidence.push(line);
    if let Some(advice) = call.known {
        f.advice = advice.to_string();
    }
    to_functions(g, &mut f, &[(call.name, call.function)]);
    if let Some(bin) = bin {
        super::apply_policy(&mut f, &bin.audit);
    }
    a.findings.push(f);
}

/// The guesses that put the dynamic build's loader import on every crate with native code
/// (or the package), settled by the static binary's graph, which names every caller
/// (`callers`): those of a crate that calls go, the others say the graph confirms them (QA db
/// F1: gitui's libgit2-sys, libssh2-sys and libz-sys had OpenSSL's `dlopen` as errors of their
/// own, and `--compare` turned a passing gate into a failure).
fn settle_guesses(a: &mut Artifact, rule: &str, callers: &[String]) {
    let is_guess = |f: &Finding| f.rule == rule && guessed(f, GUESSES);
    let calls = |k: &str| callers.iter().any(|c| same_crate(c, k));
    settle(&mut a.findings, &is_guess, calls, |_| {});
}

/// The guesses settled here (see `findings::unattributed`).
const GUESSES: &[&str] = &[GUESSED_NATIVE, GUESSED_PACKAGE];

/// The finding of rule `rule` in `a` whose crate is a Rust crate that crate `r` depends on,
/// when `caller` (the function of `r` that calls the loader) is Rust code: the loader's generic
/// functions are compiled into their callers' crates.
fn loader_inlined<'a>(
    a: &'a mut Artifact,
    reached: &[Reached],
    r: &Reached,
    caller: &str,
    rule: &str,
) -> Option<&'a mut Finding> {
    if !caller.contains("::") {
        return None;
    }
    let from = reached.iter().position(|x| std::ptr::eq(x, r))?;
    a.findings.iter_mut().find(|f| {
        f.rule == rule && !same_crate(&f.krate, r.name()) && depends_on(reached, from, &f.krate)
    })
}

/// C loaders whose `dlopen` has a knob of its own, with what to do: the rule's advice (the
/// crate's `static` feature, the dynamic build) does not fit code that is compiled in already
/// (QA m: oha's bundled SQLite, whose extension loader calls `dlopen`, was sent to the
/// `bundled` feature it had on).
const LOADERS: &[(&str, &str)] = &[
    (
        "unixDlOpen",
        "SQLite's extension loader (`sqlite3_load_extension`) calls `dlopen`: build SQLite without \
         it (`-DSQLITE_OMIT_LOAD_EXTENSION`: libsqlite3-sys's bundled build takes it from \
         `LIBSQLITE3_FLAGS`), or allow the finding with a reason when no extension is ever \
         loaded.",
    ),
    ("dlfcn_load", OPENSSL_DSO),
    ("dlfcn_globallookup", OPENSSL_DSO),
];

/// OpenSSL's loader: the rule's "static feature" does not exist for openssl-sys, and its
/// library is linked in already (QA bg F5). A vendored build is configured `no-dso` by a
/// feature of openssl-src, which openssl-sys does not forward (QA db F6: the option was named,
/// not how to set it); under `[build-dependencies]`, as openssl-sys's build script is what
/// uses openssl-src (QA dc F2: among `[dependencies]` it changed nothing, resolver 2 keeping
/// the features of the two apart).
const OPENSSL_DSO: &str = "OpenSSL's DSO method loads engines and provider modules with \
     `dlopen`, only when asked to (`ENGINE_by_id`, `OSSL_PROVIDER_load` of a module, an \
     `openssl.cnf` that names one: `OPENSSL_CONF` chooses the file): keep to the built-in \
     providers and a configuration that loads no module, build OpenSSL configured with \
     `no-dso` (a vendored build: openssl-src's `no-dso` feature, `openssl-src = { version = \
     \"300\", features = [\"no-dso\"] }` under the package's `[build-dependencies]`, where \
     openssl-sys's build script takes it), or use rustls; allow the finding with a reason when \
     nothing is ever loaded.";

/// The advice for a `dlopen` that the C function `caller` makes, when it is a known loader's.
fn advice_for(caller: &str) -> Option<&'static str> {
    LOADERS.iter().find(|(c, _)| *c == caller).map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_c_loader_gets_its_own_advice() {
        let sqlite = advice_for("unixDlOpen").expect("SQLite's loader");
        assert!(sqlite.contains("SQLITE_OMIT_LOAD_EXTENSION"), "{sqlite}");
        // QA db F6: how a vendored build is configured so, not only the option's name.
        let openssl = advice_for("dlfcn_load").expect("OpenSSL's loader");
        assert!(
            openssl.contains(
                r#"openssl-src = { version = "300", features = ["no-dso"] }` under the package's `[build-dependencies]`"#
            ),
            "{openssl}"
        );
        assert_eq!(advice_for("dlfcn_globallookup"), advice_for("dlfcn_load"));
        assert_eq!(advice_for("main"), None);
        assert_eq!(advice_for("unixDlOpen2"), None);
    }
}

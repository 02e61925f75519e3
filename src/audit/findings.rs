//! The rules applied to one binary: per triggering crate, with evidence from the binaries and
//! build scripts, else from the binary evidence alone (attributed as well as can be).

use std::collections::BTreeMap;

use super::evidence::{Evidence, STD_INIT_ARRAY};
use super::graph::{Reached, dependency_named};
use super::guess::{GUESSED_NATIVE, GUESSED_PACKAGE, std_guess};
use super::rules::{self, RULES, Rule};
use super::{RUNTIME_LIBS, STD_NSS, system_lib};
use crate::compile::BuildScriptRun;
use crate::report::{Finding, LinkMode, NO_EVIDENCE};

pub(super) struct Binaries {
    pub stat: Option<Evidence>,
    pub dynamic: Option<Evidence>,
}

pub(super) struct Ctx<'a, 'm> {
    pub reached: &'a [Reached<'m>],
    pub scripts: &'a [&'a BuildScriptRun],
    pub ev: &'a Binaries,
    pub std_version: &'a str,
    pub target: &'a str,
}

pub(super) use crate::report::DEFINES;

pub(super) fn new_finding(rule: &Rule, krate: &str, version: &str, path: Vec<String>) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        title: rule.title.to_string(),
        severity: rule.severity,
        krate: krate.to_string(),
        version: version.to_string(),
        feature: None,
        path,
        evidence: Vec::new(),
        allowed: false,
        reason: None,
        advice: rule.advice.to_string(),
        reproduced: false,
        reproduce: None,
        reachable: None,
        chain: Vec::new(),
        new_since_baseline: false,
    }
}

/// A finding of `rule` on crate `r` of the dependency graph, with its version and path.
pub(super) fn finding_on(rule: &Rule, r: &Reached) -> Finding {
    new_finding(
        rule,
        r.name(),
        &r.package.version.to_string(),
        r.path.clone(),
    )
}

impl<'m> Ctx<'_, 'm> {
    fn root(&self) -> Option<&Reached<'m>> {
        self.reached.first()
    }

    /// Whether the build script of `r` linked any library, and the ones it linked from the
    /// system (bare `rustc-link-lib`).
    fn system_libs(&self, r: &Reached) -> (bool, Vec<String>) {
        let runs: Vec<&&BuildScriptRun> = self
            .scripts
            .iter()
            .filter(|s| s.package_id == r.package.id)
            .collect();
        let mut libs: Vec<String> = runs
            .iter()
            .flat_map(|s| &s.linked_libs)
            .filter_map(|l| system_lib(l))
            .filter(|l| !RUNTIME_LIBS.contains(&l.as_str()))
            .collect();
        libs.sort();
        libs.dedup();
        (runs.iter().any(|s| !s.linked_libs.is_empty()), libs)
    }

    /// The crate that builds OpenSSL from source for this binary: openssl-sys with its
    /// `vendored` feature, or openssl-src. One openssl-sys is in a graph (`links = "openssl"`),
    /// so then native-tls, hyper-tls and the rest use that copy, not the system's library, and
    /// an `OPENSSLDIR` in the binary is its build's default (`/usr/local/ssl`), which AOT009
    /// reports (QA bg F2: gitui's vendored OpenSSL was "system TLS" on four native crates).
    fn vendored_openssl(&self) -> Option<&Reached<'m>> {
        dependency_named(self.reached, "openssl-sys")
            .filter(|r| r.has_feature("vendored"))
            .or_else(|| dependency_named(self.reached, "openssl-src"))
    }

    /// Crates with native code of their own (a build script of the target build that linked a
    /// library: a proc-macro's runs for the compiler's host).
    fn native_crates(&self) -> Vec<&Reached<'m>> {
        self.reached
            .iter()
            .skip(1)
            .filter(|r| {
                !r.proc_macro
                    && self
                        .scripts
                        .iter()
                        .any(|s| s.package_id == r.package.id && !s.linked_libs.is_empty())
            })
            .collect()
    }

    /// Evidence for `rule` in the binaries, not tied to one crate.
    fn binary_evidence(&self, rule: &Rule) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(s) = &self.ev.stat {
            let syms: Vec<&str> = rule
                .symbols
                .iter()
                .copied()
                .filter(|n| s.functions.contains_key(*n))
                .collect();
            if !syms.is_empty() {
                out.push(format!(
                    "{DEFINES}{}{}",
                    syms.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if s.symbols_borrowed {
                        " (named by its analysis link: the binary itself is stripped)"
                    } else {
                        ""
                    }
                ));
            }
        }
        if let Some(d) = &self.ev.dynamic {
            for i in &d.imports {
                let name = i.split('@').next().unwrap_or(i);
                if rule.imports.contains(&name) {
                    out.push(format!("dynamic build imports `{i}`"));
                }
            }
            for n in &d.needed {
                if rule.needed.iter().any(|p| n.starts_with(p)) {
                    out.push(format!("dynamic build needs `{n}` (DT_NEEDED)"));
                }
            }
        }
        match rule.id {
            "AOT003" => {
                for e in [&self.ev.stat, &self.ev.dynamic].into_iter().flatten() {
                    let kind = e.link.map_or("", LinkMode::as_str);
                    if e.init_array > STD_INIT_ARRAY {
                        out.push(format!(
                            "{kind} binary: {} `.init_array` entries (a plain Rust binary has \
                             {STD_INIT_ARRAY}: std's and the C runtime's)",
                            e.init_array
                        ));
                    }
                    for s in &e.linkme {
                        out.push(format!("{kind} binary: section `{s}`"));
                    }
                }
            }
            "AOT005" if self.vendored_openssl().is_none() => {
                if let Some(s) = &self.ev.stat {
                    for d in &s.openssldir {
                        out.push(format!(
                            "static binary: OPENSSLDIR \"{d}\" of the build host"
                        ));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// Evidence that the code of crate `r` is in a binary.
    fn code_evidence(&self, r: &Reached) -> Vec<String> {
        let mut out = Vec::new();
        for e in [&self.ev.stat, &self.ev.dynamic].into_iter().flatten() {
            let (n, example) = e.crate_code(r.name());
            if n > 0 {
                let kind = e.link.map_or("", LinkMode::as_str);
                let ex = example.map(|x| format!(", e.g. `{x}`")).unwrap_or_default();
                let noun = if n == 1 { "function" } else { "functions" };
                out.push(format!(
                    "{n} {noun} of {} kept in the {kind} binary{ex}",
                    r.name()
                ));
                break;
            }
        }
        out
    }

    /// Findings for one rule: per triggering crate, else from binary evidence alone.
    pub(super) fn rule(&self, rule: &Rule) -> Vec<Finding> {
        match rule.id {
            rules::DENIED | "AOT008" => return Vec::new(),
            "AOT009" => return self.host_paths(rule),
            "AOT012" => return self.unloadable(rule),
            _ => {}
        }
        let binary = self.binary_evidence(rule);
        let mut out = Vec::new();
        for r in self.reached.iter().skip(1) {
            if r.proc_macro {
                out.extend(self.expanded(rule, r, &binary));
                continue;
            }
            let vendored = rule.id == "AOT005" && self.vendored_openssl().is_some();
            let trigger = rule
                .triggers
                .iter()
                .find(|t| !vendored && t.matches(r.name(), &r.features, false));
            let (linked_any, libs) = self.system_libs(r);
            let native_rule = matches!(rule.id, "AOT005" | "AOT006" | "AOT007");
            let own_libs = own_libraries(rule, r, &libs);
            // Not triggered; or a native rule's crate whose build script linked its library
            // only as `static=`: it bundled the library, nothing comes from the system.
            if trigger.is_none() && own_libs.is_empty()
                || native_rule && own_libs.is_empty() && linked_any
            {
                continue;
            }
            let mut f = finding_on(rule, r);
            f.feature = trigger.and_then(|t| t.feature).map(str::to_string);
            f.advice = super::advice::bundling(rule, r).unwrap_or(f.advice);
            if rule.id == "AOT001"
                && f.feature.is_none()
                && let Some(root) = self.reached.first()
                && let Some(advice) = super::advice::loading_feature(r, root.package)
            {
                f.advice = advice;
            }
            for l in &own_libs {
                self.library_evidence(&mut f, r, l);
            }
            if !native_rule {
                f.evidence.extend(binary.iter().cloned());
            } else {
                let extra: Vec<String> = binary
                    .iter()
                    .filter(|e| !e.contains("DT_NEEDED") && !f.evidence.contains(e))
                    .cloned()
                    .collect();
                if extra.is_empty() {
                    let ev = (self.ev.stat.as_ref(), self.ev.dynamic.as_ref());
                    let runs = (self.scripts, &r.package.id);
                    if super::dropped::weaken(&mut f, ev, runs, &own_libs, self.target) {
                        f.advice = super::dropped::unused_advice(r, self.reached);
                    }
                }
                f.evidence.extend(extra);
            }
            // The crate's code kept proves a hazard only where no symbol says more precisely
            // (NSS and iconv: the crate's other code may be kept while the lookup was not).
            if rule.symbols.is_empty() && (!native_rule || f.evidence.is_empty()) {
                f.evidence.extend(self.code_evidence(r));
            }
            self.weaken_if_unproved(&mut f);
            out.push(f);
        }
        if out.is_empty() && !binary.is_empty() {
            out.extend(self.unattributed(rule, binary));
        }
        if rule.id == "AOT005" {
            out = super::tls::one_openssl(out, self.reached, rule.advice);
        }
        out
    }

    /// The build script linked the system's `lib`; the dynamic build needs it by that name.
    fn library_evidence(&self, f: &mut Finding, r: &Reached, lib: &str) {
        f.evidence.push(format!(
            "build script of {} links the system's `{lib}` (`rustc-link-lib={lib}`, not `static={lib}`)",
            r.name()
        ));
        if let Some(d) = &self.ev.dynamic {
            let so = format!("lib{lib}.so");
            for n in d.needed.iter().filter(|n| n.starts_with(&so)) {
                f.evidence
                    .push(format!("dynamic build needs `{n}` (DT_NEEDED)"));
            }
        }
    }

    /// A proc-macro whose expansion a trigger names as the hazard: its own code runs in the
    /// compiler, so it is the cause only of evidence in a binary, never weakened to a guess.
    fn expanded(&self, rule: &Rule, r: &Reached, binary: &[String]) -> Option<Finding> {
        let trigger = rule
            .triggers
            .iter()
            .find(|t| t.matches(r.name(), &r.features, true))?;
        if binary.is_empty() {
            return None;
        }
        let mut f = finding_on(rule, r);
        f.feature = trigger.feature.map(str::to_string);
        f.evidence = binary.to_vec();
        let user = r
            .path
            .iter()
            .rev()
            .nth(1)
            .map_or("the package", String::as_str);
        f.evidence.push(format!(
            "attributed to the proc-macro {}: what it expands to in {user}'s code is in the binary",
            r.name()
        ));
        Some(f)
    }

    /// No evidence in any binary: the code was trimmed away (or never called), so the finding
    /// is one step less severe. A stripped binary cannot show evidence, so it weakens nothing.
    pub(super) fn weaken_if_unproved(&self, f: &mut Finding) {
        if !f.evidence.is_empty() {
            return;
        }
        let stripped = self.ev.stat.as_ref().is_some_and(|e| !e.has_symtab);
        if stripped {
            f.evidence.push(
                "none: the static binary is stripped, so its symbols could not be searched".into(),
            );
        } else {
            f.severity = f.severity.lowered();
            f.evidence.push(format!(
                "{NO_EVIDENCE}: the code may have been trimmed away"
            ));
        }
    }

    /// Binary evidence with no triggering crate: std for the lookups std makes itself, else
    /// the crates with native code, else the package's own code.
    fn unattributed(&self, rule: &Rule, evidence: Vec<String>) -> Vec<Finding> {
        let Some(root) = self.root() else {
            return Vec::new();
        };
        let symbols: Vec<&str> = self.ev.stat.as_ref().map_or_else(Vec::new, |s| {
            rule.symbols
                .iter()
                .copied()
                .filter(|n| s.functions.contains_key(*n))
                .collect()
        });
        let native = self.native_crates();
        let by_std = rule.id == "AOT004"
            && !symbols.is_empty()
            && symbols.iter().all(|s| STD_NSS.contains(s));
        let mut out = Vec::new();
        if by_std || native.is_empty() {
            let mut f = if by_std {
                let mut path = root.path.clone();
                path.push("std".into());
                new_finding(rule, "std", self.std_version, path)
            } else {
                finding_on(rule, root)
            };
            f.evidence = evidence.clone();
            f.evidence.push(if by_std {
                std_guess(&symbols)
            } else {
                format!("{GUESSED_PACKAGE}: no crate in the graph is known to do this")
            });
            out.push(f);
        } else {
            for r in native {
                let mut f = finding_on(rule, r);
                f.evidence = evidence.clone();
                f.evidence.push(format!(
                    "{GUESSED_NATIVE} {} links (no crate in the graph is known to do this)",
                    r.name()
                ));
                out.push(f);
            }
        }
        out
    }

    /// AOT012: the static binary needs shared libraries and has no interpreter to load them.
    /// Each library is blamed on the crate whose build script links it from the system, else
    /// on the package.
    fn unloadable(&self, rule: &Rule) -> Vec<Finding> {
        let Some(s) = self.ev.stat.as_ref().filter(|s| !s.interpreter) else {
            return Vec::new();
        };
        let mut by_crate: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for so in &s.needed {
            let lib = so
                .strip_prefix("lib")
                .and_then(|l| l.split(".so").next())
                .unwrap_or(so);
            let who = (1..self.reached.len())
                .find(|&i| {
                    let r = &self.reached[i];
                    !r.proc_macro && self.system_libs(r).1.iter().any(|l| l == lib)
                })
                .unwrap_or(0);
            let mut line = format!(
                "static binary needs `{so}` (DT_NEEDED) and has no interpreter (no PT_INTERP): \
                 nothing loads it"
            );
            if who > 0 {
                line.push_str(&format!(
                    "; the build script of {} links `{lib}`, and the link took its shared object \
                     (no `lib{lib}.a`)",
                    self.reached[who].name()
                ));
            }
            by_crate.entry(who).or_default().push(line);
        }
        by_crate
            .into_iter()
            .filter_map(|(i, evidence)| {
                let mut f = finding_on(rule, self.reached.get(i)?);
                f.evidence = evidence;
                Some(f)
            })
            .collect()
    }

    /// AOT000: each denied crate that reaches the binary (a proc-macro's code never does).
    pub(super) fn denied(&self, deny: &[String]) -> Vec<Finding> {
        let Some(rule) = rules::find(rules::DENIED) else {
            return Vec::new();
        };
        self.reached
            .iter()
            .skip(1)
            .filter(|r| {
                !r.proc_macro && deny.iter().any(|d| crate::format::same_crate(d, r.name()))
            })
            .map(|r| {
                let mut f = finding_on(rule, r);
                f.evidence.push(format!(
                    "denied by `deny = [\"{}\"]` in the configuration",
                    r.name()
                ));
                f
            })
            .collect()
    }
}

/// The system libraries among `libs` (what `r`'s build script links from the system) that are
/// this native rule's: TLS libraries for AOT005, the unbundlable ones for AOT007, and for AOT006
/// any library of a `links` crate that no other rule names.
fn own_libraries<'l>(rule: &Rule, r: &Reached, libs: &'l [String]) -> Vec<&'l String> {
    libs.iter()
        .filter(|l| match rule.id {
            "AOT005" | "AOT007" => rule.libraries.contains(&l.as_str()),
            "AOT006" => {
                r.package.links.is_some()
                    && RULES
                        .iter()
                        .filter(|o| o.id != rule.id)
                        .all(|o| !o.libraries.contains(&l.as_str()))
            }
            _ => false,
        })
        .collect()
}

#[cfg(test)]
#[path = "findings_tests.rs"]
mod tests;

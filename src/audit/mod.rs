//! The dependency audit: rules (data) over the crates that reach each shipped binary, proved or
//! weakened by what the built binaries contain.
//!
//! With `--compare` the findings go to the static artifact (the one the tool is about), with
//! evidence from both builds; the dynamic artifact gets its glibc floor (AOT008). With
//! `--link dynamic` alone, the dynamic artifact gets the rules that apply to it.

mod advice;
pub mod advised;
mod caller;
mod crash;
mod ctors;
mod dropped;
pub mod evidence;
mod findings;
pub mod graph;
mod guess;
mod host_paths;
mod image;
mod inlined;
mod loading;
mod nss_advice;
mod others;
mod reproduced;
pub use reproduced::record_reproduced;
pub mod reach;
pub mod rules;
mod split;
mod std_callers;
mod tls;

pub use image::record_image_failures;

use std::path::{Path, PathBuf};

use crate::compile::{BuildScriptRun, Built};
use crate::error::Result;
use crate::output::Output;
use crate::plan::{AuditPolicy, BinPlan, Plan};
use crate::report::{Artifact, Finding, LinkMode, Report};
use evidence::Evidence;
use findings::{Binaries, Ctx, new_finding};
use rules::{RULES, Scope};

/// Libraries of the C runtime and toolchain: linking them from the system is not a finding.
use crate::compile::linked::RUNTIME_LIBS;

/// NSS functions std itself calls (`ToSocketAddrs`, `env::home_dir`) and what those pull in.
const STD_NSS: &[&str] = &[
    "getaddrinfo",
    "gethostbyname2_r",
    "getservbyname_r",
    "getpwuid_r",
];

/// The audit stage: every binary of the plan, against the rules, with the evidence of its
/// builds. `-v` tells how long it took.
pub fn check(plan: &Plan, builds: &[Built], report: &mut Report, out: &mut Output) -> Result<()> {
    crate::inspect::unchanged(report)?;
    let started = std::time::Instant::now();
    let target = report.build.as_ref().map_or("", |b| b.target.as_str());
    let glibc = target.contains("-gnu");
    let std_version = std_version(report);
    let prefixes = host_prefixes(plan);
    let scripts: Vec<&BuildScriptRun> = builds.iter().flat_map(|b| &b.build_scripts).collect();
    for bin in &plan.bins {
        let find = |mode: LinkMode| {
            report.artifacts.iter().position(|a| {
                a.package.as_deref() == Some(bin.target.package.as_str())
                    && a.name == bin.target.name
                    && a.link_mode == Some(mode)
            })
        };
        let (st, dy) = (find(LinkMode::Static), find(LinkMode::Dynamic));
        let read = |i: Option<usize>, mode| -> Result<Option<Evidence>> {
            i.map(|i| {
                let a = &report.artifacts[i];
                let named = a.binary.coverage.as_ref();
                let named = named.and_then(|c| c.symbols_from.as_deref()).map(Path::new);
                evidence::read(Path::new(&a.path), mode, &prefixes, named)
            })
            .transpose()
        };
        let ev = Binaries {
            stat: read(st, LinkMode::Static)?,
            dynamic: read(dy, LinkMode::Dynamic)?,
        };
        let mut reached = graph::reach(&plan.workspace.metadata, &bin.target.package_id);
        graph::linked_features(&mut reached, builds);
        let ctx = Ctx {
            reached: &reached,
            scripts: &scripts,
            ev: &ev,
            std_version: &std_version,
            target,
        };
        let Some(shipped) = st.or(dy) else { continue };
        let static_glibc = st.is_some() && glibc;
        let mut findings: Vec<Finding> = RULES
            .iter()
            .filter(|rule| match rule.scope {
                Scope::Any => true,
                Scope::Static => st.is_some(),
                Scope::StaticGlibc => static_glibc,
                Scope::Dynamic => false,
            })
            .flat_map(|rule| ctx.rule(rule))
            .collect();
        findings.extend(ctx.denied(&bin.audit.deny));
        let mut floor = dy.and_then(|i| glibc_floor(&report.artifacts[i], bin));
        for f in findings.iter_mut().chain(floor.as_mut()) {
            apply_policy(f, &bin.audit);
        }
        report.artifacts[shipped].findings.extend(findings);
        nss_advice::fit(&mut report.artifacts[shipped], &reached);
        if let (Some(i), Some(f)) = (dy, floor) {
            report.artifacts[i].findings.push(f);
        }
    }
    if out.verbosity >= crate::options::Verbosity::Verbose {
        out.status("Audited", &format!("in {:.1?}", started.elapsed()));
    }
    Ok(())
}

/// After the graph stage: whether each finding's offending code is reachable
/// ([`reach::annotate`]); a guessed crate replaced by the crates of the constructors
/// ([`ctors::by_constructors`]) or by the one whose code calls the function
/// ([`caller::by_caller`]); then one NSS finding per cause ([`split::nss`]), NSS functions
/// moved to the crates whose code calls them ([`others::by_other_callers`]), dynamic
/// loading the static binary's own code does ([`loading::by_static_callers`]), and last the
/// other listed functions that are reachable too ([`split::also_reachable`]); a finding on
/// std names the crates std's code works for ([`std_callers::name_std_callers`]).
pub fn annotate(plan: &Plan, graphs: &crate::graph::Graphs, report: &mut Report) {
    reach::annotate(graphs, report);
    let std_version = std_version(report);
    for (i, a) in report.artifacts.iter_mut().enumerate() {
        let Some(g) = graphs.by_artifact.get(&i) else {
            continue;
        };
        let bin = plan.bin_of(a);
        let reached = bin
            .map(|b| graph::reach(&plan.workspace.metadata, &b.target.package_id))
            .unwrap_or_default();
        ctors::by_constructors(g, a, &reached, bin);
        caller::by_caller(g, a, &reached, bin, &std_version);
        split::nss(g, a, (bin, &reached), &std_version);
        others::by_other_callers(g, a, &reached, bin);
        inlined::chains_where_inlined(g, a, &reached);
        loading::by_static_callers(g, a, &reached, bin);
        split::also_reachable(g, a);
        std_callers::name_std_callers(g, a, &reached);
        nss_advice::fit(a, &reached);
        nss_advice::say_musl(a);
    }
}

/// std's version: rustc's (`rustc 1.95.0 (…)`), empty when the build is not known.
fn std_version(report: &Report) -> String {
    report
        .build
        .as_ref()
        .and_then(|b| b.rustc.split_whitespace().nth(1))
        .unwrap_or("")
        .to_string()
}

/// Paths of the build host whose appearance in a binary is evidence (AOT009): the target dirs
/// of the builds and the workspace's (marked `true`), the workspace root and `$CARGO_HOME`;
/// longest first, so the most specific prefix matches.
fn host_prefixes(plan: &Plan) -> Vec<(PathBuf, bool)> {
    let mut prefixes: Vec<(PathBuf, bool)> = plan
        .links
        .iter()
        .map(|&l| plan.dirs.build(l).to_path_buf())
        .chain([plan.workspace.target_directory()])
        .map(|p| (canonical(&p), true))
        .collect();
    prefixes.push((canonical(plan.workspace.root()), false));
    if let Some(h) = &plan.toolchain.cargo_home {
        prefixes.push((canonical(h), false));
    }
    prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.as_os_str().len()));
    prefixes.dedup_by(|a, b| a.0 == b.0);
    prefixes
}

/// AOT008: the glibc floor of a dynamic build.
fn glibc_floor(a: &Artifact, bin: &BinPlan) -> Option<Finding> {
    let g = a.binary.glibc_floor.as_ref()?;
    let rule = rules::find("AOT008")?;
    let mut f = new_finding(rule, "glibc", &g.version, vec![bin.target.package.clone()]);
    f.evidence.push(format!(
        "GLIBC_{} needed by {}",
        g.version,
        g.symbols.join(", ")
    ));
    Some(f)
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn apply_policy(f: &mut Finding, s: &AuditPolicy) {
    // Rule ids are matched as `explain` matches them: case-insensitively.
    if let Some((_, sev)) = s
        .severity
        .iter()
        .find(|(rule, _)| rule.eq_ignore_ascii_case(&f.rule))
    {
        f.severity = *sev;
    }
    if let Some(a) = s.allow.iter().find(|a| {
        a.rule.eq_ignore_ascii_case(&f.rule)
            && a.krate
                .as_ref()
                .is_none_or(|c| crate::format::same_crate(c, &f.krate))
    }) {
        f.allowed = true;
        f.reason = Some(a.reason.clone());
    }
}

/// `z` → `z`, `dylib=z` → `z`, `static=z` → none, `framework=x` → none; modifiers
/// (`dylib:+verbatim=z`) are dropped; a rename (`z:zlib`) keeps the name linked.
fn system_lib(spec: &str) -> Option<String> {
    let (kind, name) = match spec.split_once('=') {
        Some((k, n)) => (k.split(':').next().unwrap_or(k), n),
        None => ("dylib", spec),
    };
    if kind != "dylib" {
        return None;
    }
    let name = name.rsplit(':').next().unwrap_or(name);
    Some(name.to_string()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::reproduced::reproduced;
    use super::*;
    use crate::report::{HostileOutcome, HostileRun, Severity};

    /// A static-pie binary of 1000 bytes, with nothing else of interest.
    fn static_pie() -> crate::report::Binary {
        serde_json::from_value(serde_json::json!({
            "format": "elf", "arch": "x86_64", "elf_type": "DYN", "pie": true,
            "linkage": "static-pie", "interpreter": null, "needed": [], "rpath": [],
            "runpath": [], "file_size": 1000, "stripped_size": 500, "debug_size": 0,
            "symtab_size": 0, "sections": [], "build_id": null, "init_array_entries": 2,
            "glibc_floor": null, "version_needs": [], "closure": [], "closure_size": 1000
        }))
        .expect("binary")
    }

    fn hostile(condition: &str, signal: Option<&str>, dynamic: HostileOutcome) -> HostileRun {
        HostileRun {
            signal: signal.map(str::to_string),
            exit_code: signal.is_none().then_some(3),
            dynamic_outcome: Some(dynamic),
            reproduce: Some(format!("run under {condition}")),
            ..HostileRun::new(condition, "", HostileOutcome::Crashed)
        }
    }

    /// AOT004's `reproduce:` names a run the static build is to blame for, not the first
    /// failing one (`no-home` exits 3 in both builds here); a static SIGSEGV where the dynamic
    /// build only exits is the static build's, and its evidence says the dynamic build fails
    /// otherwise, not "too".
    #[test]
    fn the_reproduce_line_names_a_run_the_static_build_is_to_blame_for() {
        let binary = static_pie();
        let mut a = Artifact::new(Some("app".into()), "app".into(), None, "app".into(), binary);
        a.hostile = vec![
            hostile("no-home", None, HostileOutcome::Crashed),
            hostile("unknown-uid", Some("SIGSEGV"), HostileOutcome::Crashed),
        ];
        reproduced(&mut a, &AuditPolicy::default(), "0.1.0");
        let f = a
            .findings
            .iter()
            .find(|f| f.rule == "AOT004")
            .expect("AOT004");
        assert_eq!(f.reproduce.as_deref(), Some("run under unknown-uid"));
        assert_eq!(f.evidence.len(), 1, "{:?}", f.evidence);
        assert!(
            f.evidence[0]
                .ends_with("the dynamic build fails otherwise (an exit status, no signal)"),
            "{:?}",
            f.evidence
        );
    }

    /// QA ax F1: a crash whose stack shows the code of none of the binary's AOT004 findings
    /// counts for each of them, and each says so (it was pinned on all with no word of why);
    /// the advice no longer says that HOME helps every lookup.
    #[test]
    fn a_crash_no_finding_is_on_counts_for_each_and_says_so() {
        let binary = static_pie();
        let mut a = Artifact::new(Some("app".into()), "app".into(), None, "app".into(), binary);
        for krate in ["dirs-sys", "libgit2-sys"] {
            let mut f = new_finding(
                rules::find("AOT004").expect("AOT004"),
                krate,
                "1.0.0",
                vec!["app".into(), krate.into()],
            );
            f.chain.clear();
            a.findings.push(f);
        }
        let mut run = hostile("plain", Some("SIGSEGV"), HostileOutcome::Ok);
        run.crash_stack = vec![
            "__new_getpwuid_r".into(),
            "app::display::get_output".into(),
            "app::main".into(),
        ];
        a.hostile = vec![run];
        reproduced(&mut a, &AuditPolicy::default(), "0.1.0");
        for f in a.findings.iter().filter(|f| f.rule == "AOT004") {
            assert!(f.reproduced, "{f:?}");
            let said = f.evidence.join("\n");
            assert!(
                said.contains(
                    "shows the code of none of the 2 AOT004 findings, so it counts for \
                               each of them"
                ),
                "{said}"
            );
            assert!(
                f.advice.contains("does not help a lookup of another uid"),
                "{}",
                f.advice
            );
        }
    }

    /// QA bc F1: a crash in `getpwuid_r` that no finding's code is on counts for the
    /// findings that list it, not for std's, whose functions are host lookups.
    #[test]
    fn a_crash_no_finding_is_on_counts_for_those_listing_its_function() {
        let mut a = Artifact::new(
            Some("app".into()),
            "app".into(),
            None,
            "app".into(),
            static_pie(),
        );
        for (krate, function) in [("whoami", "getpwuid_r"), ("std", "getaddrinfo")] {
            let mut f = new_finding(
                rules::find("AOT004").expect("AOT004"),
                krate,
                "1.0.0",
                vec![],
            );
            f.evidence = vec![format!("{}`{function}`", findings::DEFINES)];
            a.findings.push(f);
        }
        let mut run = hostile("unknown-uid", Some("SIGSEGV"), HostileOutcome::Ok);
        run.crash_stack = vec![
            "__new_getpwuid_r".into(),
            "app::module".into(),
            "app::main".into(),
        ];
        a.hostile = vec![run];
        reproduced(&mut a, &AuditPolicy::default(), "0.1.0");
        let (whoami, std) = (&a.findings[0], &a.findings[1]);
        assert!(whoami.reproduced, "{whoami:?}");
        assert!(
            whoami
                .evidence
                .join("\n")
                .contains("so it counts for the one that lists `getpwuid_r`")
        );
        assert!(!std.reproduced, "{std:?}");
        assert!(std.evidence.join("\n").contains(
            "not reproduced: the crash under `unknown-uid` is in `getpwuid_r`, which this finding \
             does not list"
        ), "{:?}", std.evidence);
    }

    /// QA y: every hostile condition behaved; the AOT004 finding (a reachable lookup) stays
    /// as it is and says so, naming the conditions; a skipped one is not named.
    #[test]
    fn runs_that_all_behaved_are_said_beside_the_finding() {
        let rule = rules::find("AOT004").expect("rule");
        let mut a = Artifact::new(None, "app".into(), None, "app".into(), static_pie());
        a.findings
            .push(new_finding(rule, "app", "0.1.0", vec!["app".into()]));
        let before = a.findings[0].clone();
        let mut ok = hostile("no-home", None, HostileOutcome::Ok);
        ok.outcome = HostileOutcome::Ok;
        let mut skipped = ok.clone();
        skipped.condition = "nss-module".into();
        skipped.outcome = HostileOutcome::Skipped;
        a.hostile = vec![ok, skipped];
        reproduced(&mut a, &AuditPolicy::default(), "0.1.0");
        let f = &a.findings[0];
        assert_eq!(a.findings.len(), 1);
        assert!(!f.reproduced);
        assert_eq!(f.severity, before.severity);
        assert_eq!(
            f.evidence.last().map(String::as_str),
            Some(
                "not reproduced: the program got ready under --hostile 1 condition (no-home); \
                 the lookup may not run at start-up, or not with these arguments"
            )
        );
    }

    /// A crash whose site could not be found counts for every AOT004 finding, and each says
    /// why; with one finding only, there is nothing to tell apart and nothing is said.
    #[test]
    fn a_crash_of_unknown_site_says_why_it_counts_for_every_finding() {
        let binary = static_pie();
        let rule = rules::find("AOT004").expect("rule");
        let mut run = hostile("unknown-uid", Some("SIGSEGV"), HostileOutcome::Ok);
        run.crash_site_unknown = Some("it did not crash again".into());
        let mut a = Artifact::new(Some("app".into()), "app".into(), None, "app".into(), binary);
        a.hostile = vec![run];
        let mut one = a.clone();
        for krate in ["alpha", "beta"] {
            a.findings.push(new_finding(
                rule,
                krate,
                "1.0.0",
                vec!["app".into(), krate.into()],
            ));
        }
        one.findings = a.findings[..1].to_vec();
        reproduced(&mut a, &AuditPolicy::default(), "0.1.0");
        for f in &a.findings {
            assert!(f.reproduced, "{f:?}");
            assert!(
                f.evidence.iter().any(|e| e.ends_with(
                    "; where it crashed is unknown (it did not crash again), so it counts for \
                     each of the 2 AOT004 findings"
                )),
                "{:?}",
                f.evidence
            );
        }
        reproduced(&mut one, &AuditPolicy::default(), "0.1.0");
        assert!(one.findings[0].reproduced);
        assert!(
            !one.findings[0]
                .evidence
                .iter()
                .any(|e| e.contains("where it crashed")),
            "{:?}",
            one.findings[0].evidence
        );
    }

    #[test]
    fn system_libraries_are_the_bare_and_dylib_ones() {
        assert_eq!(system_lib("z").as_deref(), Some("z"));
        assert_eq!(system_lib("dylib=ssl").as_deref(), Some("ssl"));
        assert_eq!(system_lib("static=z"), None);
        assert_eq!(system_lib("static:+whole-archive=z"), None);
        assert_eq!(system_lib("framework=Security"), None);
        assert_eq!(system_lib("dylib=z:zlib").as_deref(), Some("zlib"));
    }

    #[test]
    fn severity_lowers_and_settings_apply() {
        let rule = rules::find("AOT004").expect("rule");
        let mut f = new_finding(rule, "users", "0.11.0", vec!["app".into(), "users".into()]);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.severity.lowered(), Severity::Warning);
        let mut s = AuditPolicy::default();
        s.allow.push(crate::plan::Allow {
            rule: "AOT004".into(),
            krate: Some("users".into()),
            reason: "reads $USER only".into(),
        });
        apply_policy(&mut f, &s);
        assert!(f.allowed && !f.fails_gate());
        s.severity.insert("AOT004".into(), Severity::Note);
        apply_policy(&mut f, &s);
        assert_eq!(f.severity, Severity::Note);
    }
}

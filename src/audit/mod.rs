//! The dependency audit: rules (data) over the crates that reach each shipped binary, proved or
//! weakened by what the built binaries contain.
//!
//! With `--compare` the findings go to the static artifact (the one the tool is about), with
//! evidence from both builds; the dynamic artifact gets its glibc floor (AOT008). With
//! `--link dynamic` alone, the dynamic artifact gets the rules that apply to it.

pub mod evidence;
mod findings;
pub mod graph;
pub mod rules;

use std::path::{Path, PathBuf};

use crate::compile::{BuildScriptRun, Built};
use crate::config::Settings;
use crate::error::Result;
use crate::report::{Artifact, Finding, LinkMode, Report};
use crate::workspace::Workspace;
use evidence::Evidence;
use findings::{Binaries, Ctx, new_finding};
use rules::{RULES, Scope};

/// Build-host facts the audit needs besides the workspace and the builds.
pub struct Host<'a> {
    /// Target directories of the builds (their paths in a binary are evidence, AOT009).
    pub target_dirs: Vec<PathBuf>,
    pub cargo_home: Option<&'a Path>,
}

/// Libraries of the C runtime and toolchain: linking them from the system is not a finding.
const RUNTIME_LIBS: &[&str] = &[
    "c", "m", "dl", "pthread", "rt", "util", "resolv", "gcc", "gcc_s", "gcc_eh", "unwind",
    "stdc++", "c++", "atomic",
];

/// NSS functions std itself calls (`ToSocketAddrs`, `env::home_dir`) and what those pull in.
const STD_NSS: &[&str] = &[
    "getaddrinfo",
    "gethostbyname2_r",
    "getservbyname_r",
    "getpwuid_r",
];

/// Run the audit over every built artifact of `report`.
pub fn run(ws: &Workspace, builds: &[Built], host: &Host, report: &mut Report) -> Result<()> {
    let target = report.build.as_ref().map_or("", |b| b.target.as_str());
    let glibc = target.contains("-gnu");
    let std_version = report
        .build
        .as_ref()
        .and_then(|b| b.rustc.split_whitespace().nth(1))
        .unwrap_or("")
        .to_string();
    let mut prefixes: Vec<(PathBuf, bool)> = host
        .target_dirs
        .iter()
        .chain([&ws.target_directory()])
        .map(|p| (canonical(p), true))
        .collect();
    prefixes.push((canonical(ws.root()), false));
    if let Some(h) = host.cargo_home {
        prefixes.push((canonical(h), false));
    }
    prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.as_os_str().len()));
    prefixes.dedup_by(|a, b| a.0 == b.0);

    let scripts: Vec<&BuildScriptRun> = builds.iter().flat_map(|b| &b.build_scripts).collect();
    for bin in &ws.bins {
        let find = |mode: LinkMode| {
            report.artifacts.iter().position(|a| {
                a.package.as_deref() == Some(bin.package.as_str())
                    && a.name == bin.name
                    && a.link_mode == Some(mode)
            })
        };
        let (st, dy) = (find(LinkMode::Static), find(LinkMode::Dynamic));
        let read = |i: Option<usize>, mode| -> Result<Option<Evidence>> {
            i.map(|i| evidence::read(Path::new(&report.artifacts[i].path), mode, &prefixes))
                .transpose()
        };
        let ev = Binaries {
            stat: read(st, LinkMode::Static)?,
            dynamic: read(dy, LinkMode::Dynamic)?,
        };
        let mut reached = graph::reach(&ws.metadata, &bin.package_id);
        graph::linked_features(&mut reached, builds);
        let settings = ws.config.for_bin(&bin.package, &bin.name);
        let ctx = Ctx {
            reached: &reached,
            scripts: &scripts,
            ev: &ev,
            std_version: &std_version,
        };
        let Some(shipped) = st.or(dy) else { continue };
        let mut findings = Vec::new();
        for rule in RULES {
            let applies = match rule.scope {
                Scope::Any => true,
                Scope::Static => st.is_some(),
                Scope::StaticGlibc => st.is_some() && glibc,
                Scope::Dynamic => false,
            };
            if applies {
                findings.extend(ctx.rule(rule));
            }
        }
        findings.extend(ctx.denied(&settings.deny));
        let mut floor = dy
            .and_then(|i| report.artifacts[i].binary.glibc_floor.as_ref())
            .and_then(|g| rules::find("AOT008").map(|r| (g, r)))
            .map(|(g, rule)| {
                let mut f = new_finding(rule, "glibc", &g.version, vec![bin.package.clone()]);
                f.evidence.push(format!(
                    "GLIBC_{} needed by {}",
                    g.version,
                    g.symbols.join(", ")
                ));
                f
            });
        for f in findings.iter_mut().chain(floor.as_mut()) {
            apply_settings(f, &settings);
        }
        report.artifacts[shipped].findings.extend(findings);
        if let (Some(i), Some(f)) = (dy, floor) {
            report.artifacts[i].findings.push(f);
        }
    }
    Ok(())
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn apply_settings(f: &mut Finding, s: &Settings) {
    // Rule ids are matched as `explain` matches them: case-insensitively.
    if let Some((_, sev)) = s
        .severity
        .iter()
        .find(|(rule, _)| rule.eq_ignore_ascii_case(&f.rule))
    {
        f.severity = *sev;
    }
    if let Some(a) = s.allow.iter().find(|a| {
        a.rule.eq_ignore_ascii_case(&f.rule) && a.krate.as_ref().is_none_or(|c| *c == f.krate)
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

/// Advice when a hostile run reproduced a crash: what removes the cause.
const REPRODUCED_ADVICE: &str = "The static glibc binary crashed where glibc loads NSS modules. \
    Build for musl if its target is installed (musl loads no NSS modules), set HOME and avoid \
    `home_dir`-style or host-name lookups, or ship the dynamic build.";

/// A hostile run crashed (or hung) the static binary: the AOT004 finding becomes an error that
/// was reproduced, with the command to do it again; one is added if the audit had none.
pub fn record_reproduced(a: &mut Artifact, settings: &Settings, package_version: &str) {
    use crate::report::HostileOutcome;
    let failed: Vec<&crate::report::HostileRun> = a
        .hostile
        .iter()
        .filter(|r| matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung))
        .collect();
    let Some(first) = failed.first() else {
        return;
    };
    let evidence: Vec<String> = failed
        .iter()
        .map(|r| {
            let how = match (&r.signal, r.exit_code, r.outcome) {
                (_, _, HostileOutcome::Hung) => "hung".to_string(),
                (Some(sig), _, _) => format!("crashed with {sig}"),
                (None, Some(code), _) => format!("exited with status {code}"),
                _ => "crashed".to_string(),
            };
            let dynamic = match r.dynamic_outcome {
                Some(HostileOutcome::Ok) => "; the dynamic build survives it",
                Some(HostileOutcome::Crashed | HostileOutcome::Hung) => {
                    "; the dynamic build fails too"
                }
                _ => "",
            };
            format!(
                "reproduced: {how} under `{}` ({}){dynamic}",
                r.condition, r.description
            )
        })
        .collect();
    let reproduce = first.reproduce.clone();
    let package = a.package.clone().unwrap_or_else(|| a.name.clone());
    if !a.findings.iter().any(|f| f.rule == "AOT004")
        && let Some(rule) = rules::find("AOT004")
    {
        a.findings.push(new_finding(
            rule,
            &package,
            package_version,
            vec![package.clone()],
        ));
    }
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        // An allowance still holds; a severity override does not soften a real crash.
        apply_settings(f, settings);
        f.severity = crate::report::Severity::Error;
        f.reproduced = true;
        f.reproduce = reproduce.clone();
        f.evidence.extend(evidence.iter().cloned());
        f.advice = REPRODUCED_ADVICE.to_string();
    }
}

/// Whether any finding fails the first gate (a non-allowed error).
pub fn gate_failed(report: &Report) -> bool {
    report
        .artifacts
        .iter()
        .flat_map(|a| &a.findings)
        .any(Finding::fails_gate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;

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
        let mut s = Settings::default();
        s.allow.push(crate::config::Allow {
            rule: "AOT004".into(),
            krate: Some("users".into()),
            reason: "reads $USER only".into(),
        });
        apply_settings(&mut f, &s);
        assert!(f.allowed && !f.fails_gate());
        s.severity.insert("AOT004".into(), Severity::Note);
        apply_settings(&mut f, &s);
        assert_eq!(f.severity, Severity::Note);
    }
}

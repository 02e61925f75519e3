//! Startup and memory that differ from the baseline's for a reason that is not the code's: a
//! baseline probed otherwise (another readiness, other arguments or variables: QA cy F1, an
//! HTTP request made miniserve start its workers before it counted as ready, +27% RSS, a
//! failure), or the very binary the baseline measured (QA cy F2: its own copy, same build id,
//! read "inconclusive, more runs would decide" and "faster: keep the gain").

use crate::format::artifact_label;
use crate::report::{Artifact, Check, CheckId, Probe, Verdict};

/// How the probe of this run (`now`) differs from the baseline's (`base`): one line each, as
/// the provenance's (`what: baseline X, now Y`). A baseline that did not record its arguments
/// and variables (an older version's) is compared by its readiness alone.
pub fn differ(base: &Probe, now: &Probe) -> Vec<(&'static str, String, String)> {
    let mut v = Vec::new();
    if base.ready != now.ready {
        v.push(("readiness", base.ready.clone(), now.ready.clone()));
    }
    let (Some(x), Some(y)) = (&base.args, &now.args) else {
        return v;
    };
    if x != y {
        v.push(("arguments", words(x), words(y)));
    }
    let names = |p: &Probe| p.env.as_deref().map_or("none".into(), list);
    if base.env != now.env {
        v.push(("variables", names(base), names(now)));
    } else if base.env_sha256 != now.env_sha256 {
        let same = names(now);
        v.push((
            "variables",
            format!("{same} with other values"),
            format!("{same} with these"),
        ));
    }
    v
}

/// Arguments as a shell would read them back: one with a space, or empty, quoted.
fn words(args: &[String]) -> String {
    if args.is_empty() {
        return "none".into();
    }
    args.iter()
        .map(|a| match a.is_empty() || a.contains(char::is_whitespace) {
            true => format!("'{a}'"),
            false => a.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(names: &[String]) -> String {
    match names.is_empty() {
        true => "none".into(),
        false => names.join(", "),
    }
}

/// The startup and RSS checks of `a` (in `checks`) said again where what changed is not the
/// binary, and taken out of `gains` (nothing to keep a new baseline for): probed otherwise,
/// they warn at most and the lines returned say how (above the deltas, with the provenance's);
/// the same binary as the baseline's (equal build ids) passes them, the difference the
/// machine's.
pub fn not_the_binary(
    checks: &mut [Check],
    gains: &mut Vec<Check>,
    base: &Artifact,
    a: &Artifact,
) -> Vec<String> {
    let runtime = |c: &Check| matches!(c.id, CheckId::BaselineStartup | CheckId::BaselineRss);
    let (Some(pb), Some(pa)) = (&base.probe, &a.probe) else {
        return Vec::new();
    };
    let lines = differ(pb, pa);
    let label = artifact_label(a);
    // A baseline of an older version: what could not be compared is said (QA cz F10).
    let unrecorded = (pb.args.is_none() && pa.args.is_some()).then(|| {
        format!(
            "probe of {label}: the baseline does not record its arguments and variables (an \
             older version's): its readiness alone is compared"
        )
    });
    let same_binary = a.binary.build_id.is_some() && a.binary.build_id == base.binary.build_id;
    if lines.is_empty() && !same_binary {
        return unrecorded.into_iter().collect();
    }
    let said: Vec<String> = lines
        .iter()
        .map(|(what, x, y)| format!("{what} {x} → {y}"))
        .collect();
    for c in checks.iter_mut().filter(|c| runtime(c)) {
        if !said.is_empty() {
            if matches!(c.verdict, Verdict::Fail | Verdict::Inconclusive) {
                c.verdict = Verdict::Warn;
            }
            c.message.push_str(&format!(
                "; probed otherwise than the baseline ({}): a change of the probe, not of the \
                 binary (warns at most; save a new baseline probed so)",
                said.join("; ")
            ));
        } else {
            c.verdict = Verdict::Pass;
            c.same_binary = true;
            // No number of runs tells one binary from itself (QA cz F8).
            c.message = c.message.replace(super::runtime::MORE_RUNS, "");
            c.message.push_str(
                "; the same binary as the baseline's (the same build id): the difference is \
                 the machine's, not the code's",
            );
        }
    }
    gains.retain(|c| !runtime(c));
    lines
        .into_iter()
        .map(|(what, x, y)| format!("probe of {label}, {what}: baseline {x}, now {y}"))
        .chain(unrecorded)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probed(ready: &str, args: &[&str], env: &[&str], sha: Option<&str>) -> Artifact {
        let mut a = crate::report::test_artifact(1000);
        a.binary.build_id = Some("ab12".into());
        a.probe = Some(Probe {
            ready: ready.into(),
            args: Some(args.iter().map(|s| s.to_string()).collect()),
            env: Some(env.iter().map(|s| s.to_string()).collect()),
            env_sha256: sha.map(str::to_string),
            ..Probe::default()
        });
        a
    }

    fn check(id: CheckId, verdict: Verdict) -> Check {
        Check::new(id, crate::report::Unit::Ms, verdict, "moved".into())
    }

    /// QA cy F1: another readiness (and arguments) than the baseline's: the RSS failure warns,
    /// says why, and the line above the deltas names both.
    #[test]
    fn a_baseline_probed_otherwise_warns_and_says_how() {
        let base = probed("tcp", &["-p", "{port}", "www"], &[], None);
        let mut now = probed("http", &["-p", "{port}", "my www"], &[], None);
        now.binary.build_id = Some("cd34".into());
        let mut checks = vec![
            check(CheckId::BaselineRss, Verdict::Fail),
            check(CheckId::BaselineStartup, Verdict::Inconclusive),
            check(CheckId::BaselineFileSize, Verdict::Fail),
        ];
        let mut gains = vec![check(CheckId::BaselineStartup, Verdict::Pass)];
        let lines = not_the_binary(&mut checks, &mut gains, &base, &now);
        assert_eq!(checks[0].verdict, Verdict::Warn);
        assert_eq!(checks[1].verdict, Verdict::Warn);
        assert_eq!(checks[2].verdict, Verdict::Fail, "the sizes still judge");
        assert!(
            checks[0].message.contains(
                "probed otherwise than the baseline (readiness tcp → http; arguments -p {port} \
                 www → -p {port} 'my www')"
            ),
            "{}",
            checks[0].message
        );
        assert!(gains.is_empty());
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].ends_with(", readiness: baseline tcp, now http"),
            "{lines:?}"
        );
    }

    /// The variables: by name, and by value through the digest alone.
    #[test]
    fn variables_differ_by_name_or_by_value() {
        let base = probed("exit", &[], &["RUST_LOG"], Some("aa"));
        let names = probed("exit", &[], &["RUST_LOG", "ADDR"], Some("bb"));
        let values = probed("exit", &[], &["RUST_LOG"], Some("cc"));
        let p = |a: &Artifact| a.probe.clone().expect("probe");
        assert_eq!(
            differ(&p(&base), &p(&names)),
            [("variables", "RUST_LOG".into(), "RUST_LOG, ADDR".into())]
        );
        assert_eq!(
            differ(&p(&base), &p(&values)),
            [(
                "variables",
                "RUST_LOG with other values".into(),
                "RUST_LOG with these".into()
            )]
        );
        assert!(differ(&p(&base), &p(&base)).is_empty());
        // A baseline of an older version records neither: its readiness alone is compared,
        // and that is said (QA cz F10).
        let mut old = p(&base);
        (old.args, old.env, old.env_sha256) = (None, None, None);
        assert!(differ(&old, &p(&names)).is_empty());
        let mut older = base.clone();
        older.probe = Some(old);
        older.binary.build_id = Some("ef56".into());
        let lines = not_the_binary(&mut [], &mut Vec::new(), &older, &names);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].ends_with(
                "does not record its arguments and variables (an older \
                 version's): its readiness alone is compared"
            ),
            "{lines:?}"
        );
    }

    /// QA cy F2: the baseline's own binary, probed alike: its startup and RSS pass, whatever
    /// the machine did, and there is no gain to keep.
    #[test]
    fn the_same_binary_passes_its_runtime_checks() {
        let base = probed("tcp", &["www"], &[], None);
        let now = probed("tcp", &["www"], &[], None);
        let mut checks = vec![
            check(CheckId::BaselineStartup, Verdict::Inconclusive),
            check(CheckId::BaselineRss, Verdict::Fail),
        ];
        checks[0].message = format!("within the noise{}", super::super::runtime::MORE_RUNS);
        let mut gains = vec![check(CheckId::BaselineStartup, Verdict::Pass)];
        let lines = not_the_binary(&mut checks, &mut gains, &base, &now);
        assert!(lines.is_empty());
        assert!(gains.is_empty());
        for c in &checks {
            assert_eq!(c.verdict, Verdict::Pass, "{}", c.message);
            assert!(c.message.contains("the same binary as the baseline's"));
            assert!(c.same_binary, "{}", c.message);
            // QA cz F8: no number of runs tells a binary from itself.
            assert!(!c.message.contains("more runs"), "{}", c.message);
        }
        // Another build: judged as before.
        let mut other = probed("tcp", &["www"], &[], None);
        other.binary.build_id = Some("ef56".into());
        let mut checks = vec![check(CheckId::BaselineRss, Verdict::Fail)];
        let mut gains = vec![check(CheckId::BaselineStartup, Verdict::Pass)];
        not_the_binary(&mut checks, &mut gains, &base, &other);
        assert_eq!(checks[0].verdict, Verdict::Fail);
        assert_eq!(gains.len(), 1);
    }
}

//! AOT011 after the image stage: a binary that starts on the host but not inside its own image
//! is an error finding, with the files the image lacks and the command that shows it.

use super::{apply_policy, new_finding, rules};
use crate::plan::Plan;
use crate::report::{Artifact, InImageOutcome, Report};

/// Files named in the evidence, at most (the report's image section has them all).
const NAMED: usize = 8;

/// Each artifact whose image run failed where its host run got ready gets AOT011.
pub fn record_image_failures(plan: &Plan, report: &mut Report) {
    let Some(rule) = rules::find("AOT011") else {
        return;
    };
    for a in &mut report.artifacts {
        let Some(bin) = plan.bin_of(a) else { continue };
        let Some(evidence) = evidence(a) else {
            continue;
        };
        let package = a.package.clone().unwrap_or_else(|| a.name.clone());
        let mut f = new_finding(rule, &package, &bin.target.version, vec![package.clone()]);
        f.evidence = evidence;
        f.reproduced = true;
        f.reproduce = a.image.as_ref().and_then(|i| i.in_image.reproduce.clone());
        apply_policy(&mut f, &bin.audit);
        a.findings.push(f);
    }
}

/// What the failed start inside the image shows; `None` when there is nothing to find.
fn evidence(a: &Artifact) -> Option<Vec<String>> {
    let image = a.image.as_ref()?;
    let run = &image.in_image;
    if run.outcome != InImageOutcome::Failed || run.started_on_host != Some(true) {
        return None;
    }
    let mut v = Vec::new();
    if let Some(f) = run.failed_runs.last() {
        let mut line = format!("in its image: {}", f.message);
        let err = f.stderr_last(crate::report::STDERR_LINES);
        if !err.is_empty() {
            line.push_str(&format!("; stderr ends with: {}", err.join(" / ")));
        }
        v.push(line);
    }
    v.push("on the host: the startup probe got it ready".into());
    v.extend(run.reason.clone());
    let lacks: Vec<&str> = run.missing.iter().map(|m| m.path.as_str()).collect();
    // Only what a container runtime mounts (`/proc`, `/dev`) was not found: no cause of the
    // failure, since `docker run` provides it; the reason above (a variable, the workdir) is.
    let named = lacks
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if !lacks.is_empty() && lacks.iter().all(|p| crate::image::is_runtime(p)) {
        v.push(format!(
            "it also looked for {named}, which a container runtime provides: not the cause"
        ));
    } else if !lacks.is_empty() {
        let more = lacks.len().saturating_sub(NAMED);
        let mut line = format!("the image lacks {named}");
        if more > 0 {
            line.push_str(&format!(" and {more} more"));
        }
        let opened_here = run.missing.iter().any(|m| m.opened_on_host);
        line.push_str(if opened_here {
            " (opened on the host, not found in the image)"
        } else {
            " (not found in the image)"
        });
        v.push(line);
    }
    Some(v)
}

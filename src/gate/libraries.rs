//! The shared libraries a binary needs, and its linkage, against the baseline's: a new
//! run-time dependency is a deployment change.

use crate::report::{Artifact, Check, CheckId, Linkage, Unit, Verdict};

/// Shared libraries gained or lost, and a change of linkage: a new run-time dependency is a
/// deployment change, so it fails.
pub(super) fn libraries(b: &Artifact, a: &Artifact) -> Vec<Check> {
    let (bb, ab) = (&b.binary, &a.binary);
    let gained: Vec<&str> = ab
        .needed
        .iter()
        .filter(|n| !bb.needed.contains(n))
        .map(String::as_str)
        .collect();
    let lost: Vec<&str> = bb
        .needed
        .iter()
        .filter(|n| !ab.needed.contains(n))
        .map(String::as_str)
        .collect();
    let mut message = Vec::new();
    if !gained.is_empty() {
        message.push(format!("new shared libraries: {}", gained.join(", ")));
    }
    if !lost.is_empty() {
        message.push(format!("no longer needed: {}", lost.join(", ")));
    }
    if message.is_empty() {
        message.push(format!(
            "same {}",
            crate::format::count(ab.needed.len(), "shared library", "shared libraries")
        ));
    }
    let was_static = matches!(bb.linkage, Linkage::Static | Linkage::StaticPie);
    let now_static = matches!(ab.linkage, Linkage::Static | Linkage::StaticPie);
    let verdict = if gained.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let mut v = vec![
        Check::new(
            CheckId::BaselineNeeded,
            Unit::Libraries,
            verdict,
            message.join("; "),
        )
        .against_baseline(bb.needed.len() as f64, ab.needed.len() as f64, None),
    ];
    if bb.linkage != ab.linkage {
        let verdict = if was_static && !now_static {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let message = format!(
            "linkage changed from {} to {}",
            bb.linkage.as_str(),
            ab.linkage.as_str()
        );
        v.push(Check::worded(CheckId::BaselineLinkage, verdict, message));
    }
    v
}

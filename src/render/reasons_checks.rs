//! The checks that left a verdict inconclusive by themselves, counted by why (QA cd F2, cu F1).

use crate::format::count as count_of;
use crate::report::{Check, Report, Verdict, WITHIN_THE_NOISE};

/// The inconclusive checks by why: no figure, a figure within the noise, or another reason
/// their message gives; each kind counted, with up to three names.
pub(super) fn inconclusive(report: &Report) -> Vec<String> {
    let checks = report.artifacts.iter().flat_map(|a| &a.checks);
    let inconclusive: Vec<_> = checks
        .filter(|c| c.verdict == Verdict::Inconclusive)
        .collect();
    let kind = |c: &Check| match (c.value, c.message.contains(WITHIN_THE_NOISE)) {
        (None, _) => 0,
        (Some(_), true) => 1,
        (Some(_), false) => 2,
    };
    let kinds = [
        ("check not measured", "checks not measured"),
        ("check within the noise", "checks within the noise"),
        ("check undecided", "checks undecided"),
    ];
    let mut out = Vec::new();
    for (k, (one, many)) in kinds.into_iter().enumerate() {
        let of: Vec<&&Check> = inconclusive.iter().filter(|c| kind(c) == k).collect();
        if of.is_empty() {
            continue;
        }
        let mut names: Vec<String> = of.iter().map(|c| c.id.to_string()).collect();
        names.sort();
        names.dedup();
        let shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        let more = match names.len() {
            n if n > 3 => format!(", {} more", n - 3),
            _ => String::new(),
        };
        out.push(format!("{} ({shown}{more})", count_of(of.len(), one, many)));
    }
    out
}

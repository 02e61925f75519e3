//! Small wordings every format shares, so that the terminal, Markdown and the page say the
//! same thing: which commit the comparison header names, what the "change" of a check without
//! a ratio is.

use crate::report::{BaselineSummary, Check, Unit, Verdict};

/// The baseline's commit (in full) for the comparison header, or `None` when the baseline
/// recorded none or its source names it already (`--baseline-ref`'s `git:HEAD~1
/// (cda84c148ebb)`): the header names the commit once.
pub fn baseline_commit(c: &BaselineSummary) -> Option<&str> {
    let commit = c.provenance.as_ref()?.git_commit.as_deref()?;
    let short = commit.get(..12).unwrap_or(commit);
    (!c.source.contains(short)).then_some(commit)
}

/// The "change" cell of a check the gate could not judge because the baseline's figure is
/// zero (no ratio: a zero RSS or startup median), e.g. `no ratio (base 0 B)`; `None` for any
/// other check. Such a check is `inconclusive`: a "new:" or a percentage would read as a figure.
pub fn no_ratio(c: &Check) -> Option<String> {
    if c.verdict != Verdict::Inconclusive || c.change.is_some() || c.baseline != Some(0.0) {
        return None;
    }
    let zero = match c.unit {
        Unit::Bytes => "0 B",
        Unit::Ms => "0 ms",
        Unit::None | Unit::Libraries => "0",
    };
    Some(format!("no ratio (base {zero})"))
}

//! Small wordings every format shares, so that the terminal, Markdown and the page say the
//! same thing: which commit the comparison header names, what the "change" of a check without
//! a ratio is, what a `--why` step without a crate is called, and the lines of a hostile
//! failure's stderr a summary shows, and when the probe read memory.

use crate::attribute::{NO_SYMBOL, UNKNOWN};
use crate::report::{BaselineSummary, Check, Probe, Step, Unit, Verdict};

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

/// The crate a `--why` step is shown with: its crate, or where the attribution named none, the
/// row of the crate table its bytes are counted in (`[unknown]` for a symbol, e.g. `_start`
/// from the C runtime's start files and the `main` rustc emits; `[no symbol]` for bytes no
/// symbol covers, which a chain names by their section: `[section .rodata]`).
pub fn step_crate(st: &Step) -> &str {
    match st.krate.as_deref() {
        Some(k) => k,
        None if st.symbol.starts_with("[section ") => NO_SYMBOL,
        None => UNKNOWN,
    }
}

/// Lines of a hostile failure's stderr a summary shows (the JSON report has all it kept).
pub const STDERR_LINES: usize = 5;

/// The first [`STDERR_LINES`] lines of a hostile failure's recorded stderr, control characters
/// (terminal escapes) as spaces, and how many lines were left out.
pub fn stderr_head(detail: &str) -> (Vec<String>, usize) {
    let lines: Vec<&str> = detail.lines().collect();
    let shown = lines
        .iter()
        .take(STDERR_LINES)
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
                .collect()
        })
        .collect();
    (shown, lines.len().saturating_sub(STDERR_LINES))
}

/// When the probe read memory: in `exit` mode as the program exits, in as many of the runs as
/// it could (`memory_runs`), else once it is ready.
pub fn memory_moment(p: &Probe) -> String {
    if p.ready == "exit" {
        format!("at exit, {} of {} runs", p.memory_runs, p.runs)
    } else {
        "at ready".to_string()
    }
}

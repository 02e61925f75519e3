//! The hostile runs of one binary, for the terminal.

use std::fmt::Write as _;

use super::fill::fill;
use crate::output::{BAD, GOOD, HEADER, WARN, paint};
use crate::report::{HostileOutcome, HostileRun};

/// `word` (what the run did, see `hostile_words::run_word`) in the colour of outcome `o`.
fn painted(color: bool, o: HostileOutcome, word: &str) -> String {
    let style = match o {
        HostileOutcome::Ok => GOOD,
        HostileOutcome::Crashed | HostileOutcome::Hung => BAD,
        HostileOutcome::Skipped => WARN,
    };
    paint(color, style, word)
}

pub fn render(s: &mut String, runs: &[HostileRun], color: bool) {
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "  {}",
        paint(color, HEADER, "hostile runs (static build)")
    );
    let width = runs.iter().map(|r| r.condition.len()).max().unwrap_or(0);
    for r in runs {
        let lead = format!("    {:<width$}  ", r.condition);
        let mut line = painted(color, r.outcome, super::hostile_words::run_word(r));
        line.push_str(&super::hostile_words::how(r));
        if let Some((d, word, how)) = super::hostile_words::dynamic_run(r) {
            let _ = write!(line, "; dynamic build: {}{how}", painted(color, d, word));
            line.push_str(super::hostile_words::static_cause(r, d).unwrap_or_default());
        }
        // As the verdict lines say it: `allowed (AOT004: REASON)`, or not counted.
        if let Some(n) = super::hostile_words::not_counted(r) {
            let _ = write!(line, "; {}", paint(color, WARN, &n));
        }
        // Filled to the terminal's width (QA ai, F4: 145 columns), as the audit's evidence is.
        fill(s, &lead, &line);
        fill(s, "      ", &r.description);
        if matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung)
            && let Some(cmd) = &r.reproduce
        {
            let _ = writeln!(s, "      reproduce: {cmd}");
        }
        if let Some(site) = super::hostile_words::crash_site(r) {
            fill(s, "      crashed in: ", &site);
        }
        // The lines that tell what went wrong, not a backtrace's frames (QA af, F3: three
        // lines of `5: <unknown>` where tealdeer had said "Permission denied").
        if let Some(d) = &r.detail {
            // Said to be the program's own output, before it ended: lines of it such as
            // "Permission denied" on a home directory read as the crash's cause (QA bf F6).
            let failed = matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung);
            if failed && !d.starts_with(crate::report::NOTHING_ON_STDERR) {
                let _ = writeln!(s, "      its stderr, before it ended:");
            }
            // Quoted as the program's own output only where it is (QA cc F8: `| ok in each
            // of 5 runs`, the tool's own words, read as a broken table).
            for l in crate::report::telling_lines(d, 3) {
                match failed {
                    true => super::fill::fill_quoted(s, "      | ", l),
                    false => fill(s, "      ", l),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::report::{HostileOutcome, HostileRun};

    fn run(outcome: HostileOutcome, detail: &str) -> HostileRun {
        let mut r: HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "foreign-process", "description": "a process beside it",
            "outcome": "ok", "signal": null, "exit_code": 0, "dynamic_outcome": null,
            "reproduce": null, "detail": detail
        }))
        .expect("run");
        r.outcome = outcome;
        r
    }

    /// QA cc F8: the tool's own words on a run that passed (`ok in each of 5 runs`) were
    /// quoted as the program's output (`| ok …`); what a failed run wrote stays quoted.
    #[test]
    fn only_a_failed_runs_output_is_quoted() {
        let mut s = String::new();
        super::render(
            &mut s,
            &[run(HostileOutcome::Ok, "ok in each of 5 runs")],
            false,
        );
        assert!(s.contains("\n      ok in each of 5 runs\n"), "{s}");
        assert!(!s.contains("| ok"), "{s}");
        let mut s = String::new();
        let crashed = run(HostileOutcome::Crashed, "getpwuid_r: Permission denied");
        super::render(&mut s, &[crashed], false);
        assert!(s.contains("      | getpwuid_r: Permission denied"), "{s}");
    }
}

//! What the audit found in one build (with evidence and advice), what the hostile runs did (with
//! the commands that reproduce them), and the startup probe's details (statistics, failed
//! runs with what the program wrote, warnings, figures it could not get and why).

use std::fmt::Write as _;

use super::escape::text;
use super::{Cell, Table};
use crate::format::{ms, size};
use crate::report::{
    Artifact, FailedRun, Finding, HostileOutcome, HostileRun, Probe, Severity, Stats,
};

/// Lines of a program's output kept on the page, from the end.
const TAIL_LINES: usize = 40;

pub fn code(s: &str) -> String {
    format!("<code>{}</code>", text(s))
}

/// A shell command, whole, to copy.
pub fn command(s: &str) -> String {
    format!("<pre class=\"cmd\"><code>{}</code></pre>", text(s))
}

/// The end of what a program wrote.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let cut = lines.len().saturating_sub(TAIL_LINES);
    let mut out = String::new();
    if cut > 0 {
        let _ = writeln!(out, "[{cut} earlier lines left out]");
    }
    out.push_str(&lines[cut..].join("\n"));
    format!("<pre class=\"tail\">{}</pre>", text(&out))
}

/// The audit's findings: errors first, each with its dependency path, evidence and advice.
pub fn findings(s: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| (f.allowed, std::cmp::Reverse(f.severity), f.rule.as_str()));
    let _ = writeln!(
        s,
        "<section class=\"findings\"><h4>Audit: {} finding{}</h4>",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    for f in sorted {
        let class = if f.allowed {
            "allowed"
        } else {
            f.severity.as_str()
        };
        let label = match (f.allowed, f.severity) {
            (true, sev) => format!("allowed {}", sev.as_str()),
            (false, Severity::Error) => "error (fails the gate)".into(),
            (false, sev) => sev.as_str().into(),
        };
        let _ = write!(
            s,
            "<div class=\"finding {class}\"><p><b>{} {}</b> · <span class=\"sev\">{label}</span> · \
             {} v{}",
            text(&f.rule),
            text(&f.title),
            code(&f.krate),
            text(&f.version)
        );
        if let Some(feat) = &f.feature {
            let _ = write!(s, " (feature {})", code(feat));
        }
        if f.new_since_baseline {
            s.push_str(" · <b class=\"bad-text\">new since the baseline</b>");
        }
        s.push_str("</p>");
        if !f.path.is_empty() {
            let path: Vec<String> = f.path.iter().map(|p| code(p)).collect();
            let _ = write!(s, "<p>Reaches the binary through {}</p>", path.join(" → "));
        }
        if !f.evidence.is_empty() {
            s.push_str("<p>Evidence:</p><ul>");
            // Its backtick-quoted names as code, as the rest of the page (QA be F4).
            for e in &f.evidence {
                let _ = write!(s, "<li>{}</li>", super::verdict::spans(e));
            }
            s.push_str("</ul>");
        }
        reach(s, f);
        match f.reproduced_by() {
            Some("--hostile") => {
                s.push_str("<p class=\"bad-text\">A hostile run turned this into a crash.</p>");
            }
            Some(_) => {
                s.push_str("<p class=\"bad-text\">It did not start in its own image.</p>");
            }
            None => {}
        }
        if let Some(cmd) = &f.reproduce {
            let _ = write!(s, "<p>Reproduce:</p>{}", command(cmd));
        }
        if let Some(r) = &f.reason {
            let _ = write!(s, "<p>Allowed because: {}</p>", super::verdict::spans(r));
        }
        let _ = writeln!(
            s,
            "<p class=\"advice\">What to do: {}</p><p class=\"dim\"><code>cargo aotcheck explain \
             {}</code> tells more.</p></div>",
            super::verdict::spans(&f.advice),
            text(&f.rule)
        );
    }
    s.push_str("</section>\n");
}

/// Whether the offending code is reachable from the binary's roots, and the chain that keeps
/// it alive.
fn reach(s: &mut String, f: &Finding) {
    match f.reachable {
        Some(true) if f.chain.is_empty() => {
            s.push_str(
                "<p class=\"reach\"><b class=\"bad-text\">Reachable</b> from the roots.</p>",
            );
        }
        Some(true) => {
            s.push_str(
                "<p class=\"reach\"><b class=\"bad-text\">Reachable</b> from the roots, by this \
                 chain:</p>",
            );
            super::graph::chain(s, &f.chain);
        }
        Some(false) if f.not_linked() => s.push_str(
            "<p class=\"reach\"><b class=\"ok-text\">Not in the binary</b>: none of the \
             functions the rule looks for is linked.</p>",
        ),
        Some(false) if f.called_by_others() => {
            let _ = write!(
                s,
                "<p class=\"reach\"><b class=\"ok-text\">Not called by {}'s code</b>: the \
                 functions the rule looks for are called by other crates' code, whose findings \
                 say whether they are reachable.</p>",
                text(&f.krate)
            );
        }
        Some(false) => s.push_str(
            "<p class=\"reach\"><b class=\"ok-text\">Linked but unreachable</b> from every \
             root: the code is in the file, nothing reaches it.</p>",
        ),
        // A rule about a library or the build has no function to reach.
        None if !f.has_reach() => {}
        None => s.push_str(
            "<p class=\"reach dim\">Reachability not known: the binary has no reference graph \
             or no symbol that names the function.</p>",
        ),
    }
}

fn outcome(o: HostileOutcome) -> &'static str {
    match o {
        HostileOutcome::Ok => "<span class=\"verdict pass\">ok</span>",
        HostileOutcome::Crashed => "<span class=\"verdict fail\">crashed</span>",
        HostileOutcome::Hung => "<span class=\"verdict fail\">hung</span>",
        HostileOutcome::Skipped => "<span class=\"verdict warn\">skipped</span>",
    }
}

/// The hostile runs: each condition, what happened, the dynamic build's outcome, how to
/// reproduce it, and the program's last words.
pub fn hostile(s: &mut String, runs: &[HostileRun]) {
    if runs.is_empty() {
        return;
    }
    s.push_str("<section class=\"hostile\"><h4>Hostile runs (static build)</h4>\n");
    for r in runs {
        let mut what = match crate::render::hostile_words::run_word(r) {
            "failed" => "<span class=\"verdict fail\">failed</span>".to_string(),
            _ => outcome(r.outcome).to_string(),
        };
        match (&r.signal, r.exit_code) {
            (Some(sig), _) => {
                let _ = write!(what, " ({})", text(sig));
            }
            (None, Some(c)) if r.outcome == HostileOutcome::Crashed => {
                let _ = write!(what, " (exit status {c})");
            }
            _ => {}
        }
        if let Some((d, word, how)) = crate::render::hostile_words::dynamic_run(r) {
            let shown = match word {
                "failed" => "<span class=\"verdict fail\">failed</span>".to_string(),
                _ => outcome(d).to_string(),
            };
            let _ = write!(what, "; the dynamic build: {shown}{}", text(&how));
            let cause = crate::render::hostile_words::static_cause(r, d);
            what.push_str(&text(cause.unwrap_or_default()));
        }
        if let Some(n) = crate::render::hostile_words::not_counted(r) {
            let _ = write!(what, "; {}", text(&n));
        }
        let _ = write!(
            s,
            "<div class=\"run\"><p><b>{}</b>: {what}</p><p class=\"dim\">{}</p>",
            code(&r.condition),
            text(&r.description)
        );
        if let Some(cmd) = &r.reproduce {
            let _ = write!(s, "<p>Reproduce:</p>{}", command(cmd));
        }
        if let Some(site) = crate::render::hostile_words::crash_site(r) {
            let _ = write!(s, "<p>Crashed in (innermost first): {}</p>", code(&site));
        }
        if let Some(d) = &r.detail {
            s.push_str(&tail(d));
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
}

pub fn stats_row(t: &mut Table, what: &str, st: &Stats) {
    t.row(vec![
        Cell::Text(what.into()),
        Cell::Num(f64::from(st.count), st.count.to_string()),
        Cell::Num(st.min, ms(st.min)),
        Cell::Num(st.median, ms(st.median)),
        Cell::Num(st.mean, ms(st.mean)),
        Cell::Num(st.p90, ms(st.p90)),
        Cell::Num(st.max, ms(st.max)),
        Cell::Num(
            st.stddev.unwrap_or(f64::NAN),
            st.stddev.map_or_else(|| "–".into(), ms),
        ),
        Cell::Num(st.mad, ms(st.mad)),
        Cell::Num(st.outliers.len() as f64, st.outliers.len().to_string()),
    ]);
}

/// The probe's details beyond the charts.
pub fn probe(s: &mut String, a: &Artifact) {
    let Some(p) = &a.probe else {
        return;
    };
    let _ = writeln!(
        s,
        "<details class=\"probe\"><summary>Startup probe: {} of {} counted runs ready, {} of {} \
         runs failed</summary><p>Ready: {}; {} counted runs asked, {} warmup; timeout {}, grace \
         {}.</p>",
        p.runs,
        p.requested_runs,
        p.failures,
        p.made(),
        code(&p.ready),
        p.requested_runs,
        p.warmup,
        ms(p.timeout_ms),
        ms(p.grace_ms)
    );
    stats(s, p);
    if let Some(statuses) = crate::render::words::exit_statuses(p) {
        let _ = writeln!(s, "<p>Exited {}.</p>", text(&statuses));
    }
    let m = &p.memory_kib;
    let kib = |v: Option<u64>| v.map_or_else(|| "unknown".into(), |k| size(k.saturating_mul(1024)));
    let _ = writeln!(
        s,
        "<p>Memory {} (median of {} runs): RSS {}, peak {}, PSS {}, anonymous {}, \
         file-backed {}.</p>",
        // As the terminal says it (QA bw F6: "at ready" here, "at exit" there).
        if p.exit_mode() { "at exit" } else { "at ready" },
        p.memory_runs,
        kib(m.rss),
        kib(m.hwm),
        kib(m.pss),
        kib(m.anon),
        kib(m.file)
    );
    if let (Some(f), Some(prog)) = (p.spawn_floor_ms, &p.spawn_floor_program) {
        let _ = writeln!(s, "<p>Spawn floor {}: {}.</p>", ms(f), text(prog));
    }
    notes(s, p);
    failed_runs(s, &p.failed_runs);
    s.push_str("</details>\n");
}

/// Startup and shutdown statistics.
fn stats(s: &mut String, p: &Probe) {
    let mut t = stats_table();
    if let Some(st) = &p.startup_ms {
        stats_row(&mut t, "startup", st);
    }
    if let Some(st) = &p.shutdown_ms {
        stats_row(&mut t, "shutdown after SIGTERM", st);
    }
    if !t.is_empty() {
        t.finish(s, None);
    }
}

/// A table of timing statistics, one row per [`stats_row`].
pub fn stats_table() -> Table {
    Table::new(
        "stats",
        &[
            ("", false),
            ("Runs", true),
            ("Min", true),
            ("Median", true),
            ("Mean", true),
            ("p90", true),
            ("Max", true),
            ("Std dev", true),
            ("MAD", true),
            ("Outliers", true),
        ],
    )
}

/// What went wrong or could not be measured, and why.
fn notes(s: &mut String, p: &Probe) {
    let mut notes: Vec<String> = Vec::new();
    if p.killed_after_grace > 0 {
        notes.push(format!(
            "{}: the program or a process it started had not exited {:.0} ms after SIGTERM, \
             the grace period, and got SIGKILL",
            crate::format::count(p.killed_after_grace as usize, "run", "runs"),
            p.grace_ms
        ));
    }
    if p.leftover_processes_killed > 0 {
        notes.push(format!(
            "{} processes outside the program's group were found and killed",
            p.leftover_processes_killed
        ));
    }
    // The figures unknown because the probe gave up are named with it, the reason said once
    // (QA al F5: the same sentence three times).
    let (with_gave_up, others): (Vec<_>, Vec<_>) = p
        .unknown
        .iter()
        .partition(|(_, why)| p.gave_up.as_deref() == Some(why.as_str()));
    if let Some(g) = &p.gave_up {
        let mut note = format!("<b class=\"bad-text\">gave up</b>: {}", text(g));
        if !with_gave_up.is_empty() {
            let keys: Vec<String> = with_gave_up.iter().map(|(k, _)| code(k)).collect();
            let _ = write!(note, " (so {} unknown)", keys.join(" and "));
        }
        notes.push(note);
    }
    notes.extend(
        p.warnings
            .iter()
            .map(|w| format!("warning: {}", super::verdict::spans(w))),
    );
    notes.extend(
        others
            .iter()
            .map(|(k, why)| format!("{} unknown: {}", code(k), text(why))),
    );
    if !notes.is_empty() {
        let _ = writeln!(s, "<ul><li>{}</li></ul>", notes.join("</li><li>"));
    }
}

/// Each run that did not get to ready, with the end of what the program wrote.
pub fn failed_runs(s: &mut String, runs: &[FailedRun]) {
    for f in runs {
        let mut head = format!(
            "Run {}{}: {} ({})",
            f.run,
            if f.warmup { " (warmup)" } else { "" },
            text(&f.message),
            code(&f.kind)
        );
        if let Some(c) = f.exit_code {
            let _ = write!(head, ", exit status {c}");
        }
        if let Some(sig) = &f.signal {
            let dumped = if f.core_dumped { " (core dumped)" } else { "" };
            let _ = write!(head, ", {}{dumped}", text(sig));
        }
        let _ = write!(s, "<div class=\"failed-run\"><p>{head}</p>");
        for (name, out) in [("stderr", &f.stderr_tail), ("stdout", &f.stdout_tail)] {
            if !out.trim().is_empty() {
                let _ = write!(s, "<p class=\"dim\">{name}:</p>{}", tail(out));
            }
        }
        s.push_str("</div>\n");
    }
}

#[cfg(test)]
#[path = "findings_tests.rs"]
mod tests;

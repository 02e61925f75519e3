//! The findings section of the terminal report: grouped by rule, each crate's dependency path
//! drawn inverted, as `cargo tree -i` does (the crate first, the package last).

use std::fmt::Write as _;

use super::Style;
use super::fill::fill;
use crate::audit::rules::{RULES, Rule, Trigger};
use crate::output::{BAD, DIM, HEADER, WARN, paint};
use crate::report::{Finding, Severity};

/// One catalogue entry, for `cargo aotcheck explain RULE`.
pub fn explain(rule: &Rule) -> String {
    let triggers: Vec<String> = rule.triggers.iter().map(trigger).collect();
    let mut s = format!(
        "{} {}\n\ncategory:  {}\nseverity:  {} (by default)\napplies:   {}\n",
        rule.id,
        rule.title,
        rule.category,
        rule.severity.as_str(),
        rule.scope.as_str(),
    );
    if !triggers.is_empty() {
        fill(&mut s, "crates:    ", &triggers.join(", "));
    }
    for (label, text) in [
        ("Why", rule.why),
        ("How it is detected", rule.detection),
        ("What to do", rule.advice),
    ] {
        let _ = writeln!(s, "\n{label}:");
        fill(&mut s, "  ", text);
    }
    s
}

fn trigger(t: &Trigger) -> String {
    match (t.feature, t.unless) {
        (Some(f), _) => format!("{} (feature `{f}`)", t.krate),
        (None, Some(u)) => format!("{} (without `{u}`)", t.krate),
        (None, None) => t.krate.to_string(),
    }
}

/// A rule of the audit for `explain --format json`.
pub fn rule_json(r: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "title": r.title,
        "category": r.category,
        "severity": r.severity.as_str(),
        "why": r.why,
        "detection": r.detection,
        "advice": r.advice,
    })
}

/// One line per rule (`AOT001  error    dynamic loading / plugins`), for `explain` alone.
pub fn rule_list() -> String {
    RULES
        .iter()
        .map(|r| format!("{}  {:<8} {}\n", r.id, r.severity.as_str(), r.title))
        .collect()
}

/// Append the findings of one artifact (nothing when there are none).
pub fn findings(s: &mut String, findings: &[Finding], st: &Style) {
    let c = st.color;
    if findings.is_empty() {
        return;
    }
    let count = |sev: Severity| {
        findings
            .iter()
            .filter(|f| f.severity == sev && !f.allowed)
            .count()
    };
    let mut counts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Note]
        .into_iter()
        .map(|sev| (sev, count(sev)))
        .filter(|(_, n)| *n > 0)
        .map(|(sev, n)| {
            let word = sev.as_str();
            crate::format::count(n, word, &format!("{word}s"))
        })
        .collect();
    let allowed = findings.iter().filter(|f| f.allowed).count();
    if allowed > 0 {
        counts.push(format!("{allowed} allowed"));
    }
    super::fill::labelled(s, c, "findings", &counts.join(", "));
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (a.rule.as_str(), a.allowed, std::cmp::Reverse(a.severity)).cmp(&(
            b.rule.as_str(),
            b.allowed,
            std::cmp::Reverse(b.severity),
        ))
    });
    let mut last_rule = "";
    for f in sorted {
        if f.rule != last_rule {
            let _ = writeln!(
                s,
                "    {}",
                paint(c, HEADER, &format!("{} {}", f.rule, f.title))
            );
            last_rule = &f.rule;
        }
        finding(s, f, c);
    }
    let _ = writeln!(
        s,
        "    {}",
        paint(
            c,
            DIM,
            "(`cargo aotcheck explain RULE` tells why and what to do)"
        )
    );
}

fn finding(s: &mut String, f: &Finding, c: bool) {
    let label = if f.allowed {
        paint(c, DIM, &format!("allowed {}", f.severity.as_str()))
    } else {
        match f.severity {
            Severity::Error => paint(c, BAD, "error"),
            Severity::Warning => paint(c, WARN, "warning"),
            Severity::Note => "note".to_string(),
        }
    };
    let mut head = format!("{} v{}", f.krate, f.version);
    if let Some(feat) = &f.feature {
        let _ = write!(head, " (feature `{feat}`)");
    }
    if f.new_since_baseline {
        head.push_str(&paint(c, BAD, " (new since the baseline)"));
    }
    let _ = writeln!(s, "      {label}: {head}");
    // `cargo tree -i`: the crate, then who depends on it, up to the package.
    let mut chain = f.path.iter().rev().skip(1);
    if f.path.len() > 1 {
        let _ = writeln!(s, "        {}", f.krate);
        for (depth, name) in chain.by_ref().enumerate() {
            let _ = writeln!(s, "        {}└── {name}", "    ".repeat(depth));
        }
    }
    for (i, e) in f.evidence.iter().enumerate() {
        keyed(s, if i == 0 { "evidence:" } else { "" }, e);
    }
    if let Some(cmd) = &f.reproduce {
        // Unwrapped, so that it can be copied and pasted whole.
        // In the column of the other keys' texts (QA aj F5: two to the right of them).
        let _ = writeln!(s, "        {:<KEY$}{cmd}", "reproduce:");
    }
    if let Some(r) = &f.reason {
        keyed(s, "reason:", r);
    }
    if !f.allowed {
        keyed(s, "advice:", &f.advice);
    }
}

/// The width of a finding's keys (`reproduce: `): their texts start in one column.
const KEY: usize = 11;

/// `        key:       text`, the text wrapped to 100 columns under itself.
fn keyed(s: &mut String, key: &str, text: &str) {
    // An item of a list: its wrapped lines hang under its text.
    match text.strip_prefix(crate::format::LISTED) {
        Some(item) => fill(
            s,
            &format!("        {key:<KEY$}{}", crate::format::LISTED),
            item,
        ),
        None => fill(s, &format!("        {key:<KEY$}"), text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA bw F5: an item of a list of evidence (the crates whose code makes std make a call)
    /// hangs its wrapped lines under its own text, not under the arrow.
    #[test]
    fn an_item_of_evidence_hangs_its_wrapped_lines_under_its_text() {
        let mut s = String::new();
        let item = format!(
            "{}tokio v1.47.1 (xh → hyper → tokio): `{}`",
            crate::format::LISTED,
            "<tokio::runtime::blocking::task::BlockingTask<T> as core::future::Future>::poll"
        );
        keyed(&mut s, "", &item);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 3, "{s}");
        let at = |l: &str| l.chars().take_while(|c| *c == ' ').count();
        assert!(lines[0].trim_start().starts_with("↳ tokio"), "{s}");
        for l in &lines[1..] {
            assert_eq!(at(l), at(lines[0]) + 2, "{s}");
        }
    }

    #[test]
    fn explain_wraps_at_100_columns() {
        for rule in RULES {
            let text = explain(rule);
            assert!(text.starts_with(rule.id), "{text}");
            assert!(text.lines().all(|l| l.len() <= 100), "{text}");
        }
    }

    #[test]
    fn grouped_by_rule_with_inverted_paths() {
        let f = Finding {
            rule: "AOT001".into(),
            title: "dynamic loading / plugins".into(),
            severity: Severity::Error,
            krate: "libloading".into(),
            version: "0.8.9".into(),
            feature: None,
            path: vec!["app".into(), "middle".into(), "libloading".into()],
            evidence: vec!["dynamic build imports `dlopen@GLIBC_2.34`".into()],
            allowed: false,
            reason: None,
            advice: "Ship the dynamic build.".into(),
            reproduced: false,
            reproduce: None,
            reachable: None,
            chain: Vec::new(),
            new_since_baseline: false,
        };
        let mut allowed = f.clone();
        allowed.reproduce = Some("run under env -u HOME".into());
        allowed.krate = "dlopen2".into();
        allowed.allowed = true;
        allowed.reason = Some("plugins are optional".into());
        let mut new = f.clone();
        new.new_since_baseline = true;
        let mut s = String::new();
        findings(&mut s, &[allowed, f], &Style::plain());
        // Every key's text in one column (QA aj F5: `reproduce:` two to the right).
        let column = |key: &str| {
            let l = s.lines().find(|l| l.trim_start().starts_with(key))?;
            Some(l.len() - l[l.find(key)? + key.len()..].trim_start().len())
        };
        let keys = ["evidence:", "reproduce:", "reason:", "advice:"];
        let columns: Vec<Option<usize>> = keys.iter().map(|k| column(k)).collect();
        assert!(
            columns.iter().all(|c| c.is_some() && *c == columns[0]),
            "{columns:?}\n{s}"
        );
        insta::assert_snapshot!(s);
        // QA ao F9: a finding the baseline's binary has not says so on its first line.
        let mut s = String::new();
        findings(&mut s, &[new], &Style::plain());
        assert!(
            s.contains("error: libloading v0.8.9 (new since the baseline)"),
            "{s}"
        );
    }
}

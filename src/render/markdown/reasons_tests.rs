//! Tests of `reasons.rs`.

use super::*;

/// The Markdown of a report whose one binary has finding `f`.
fn rendered(f: Finding) -> String {
    rendered_against(f, None)
}

fn rendered_against(f: Finding, baseline: Option<crate::report::BaselineSummary>) -> String {
    let mut r = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.findings = vec![f];
    r.artifacts.push(a);
    r.baseline = baseline;
    let mut s = String::new();
    render(&mut s, &r);
    s
}

/// QA ci F7: an allowed finding is listed with its reason; nothing for none.
#[test]
fn allowed_findings_are_listed_with_their_reasons() {
    let f: Finding = serde_json::from_value(serde_json::json!({
        "rule": "AOT004", "title": "glibc NSS lookups", "severity": "error",
        "crate": "etcetera", "version": "0.11.0", "path": ["tealdeer", "etcetera"],
        "evidence": [], "allowed": true, "reason": "HOME is set <always>",
        "advice": "", "reproduced": true
    }))
    .expect("a finding");
    let s = rendered(f.clone());
    assert!(
        s.contains(
            "Allowed by the configuration, not failing the run:\n\n- `app`: `AOT004` \
             `etcetera` glibc NSS lookups (error, a crash reproduced): HOME is set \
             \\<always>\n"
        ),
        "{s}"
    );
    let s = rendered(Finding {
        allowed: false,
        ..f
    });
    assert!(!s.contains("Allowed by the configuration"), "{s}");
}

/// QA ax F6: a pull-request comment named std's new AOT004 finding with nothing of why;
/// the evidence (with its chain) and the advice are given below the table, folded, the
/// names as code spans.
#[test]
fn a_findings_evidence_and_advice_are_given_below_the_table() {
    let f: Finding = serde_json::from_value(serde_json::json!({
        "rule": "AOT004", "title": "glibc NSS lookups", "severity": "error",
        "crate": "std", "version": "1.95.0", "path": ["lsd", "std"],
        "evidence": [
            "static binary defines `getaddrinfo`",
            "`getaddrinfo` is reachable: _start → main → lsd::main → \
             std::sys::net::connection::socket::lookup_host::{closure#0} → getaddrinfo"
        ],
        "allowed": false, "reason": null, "advice": "Avoid `getaddrinfo`.",
        "reproduced": false
    }))
    .expect("a finding");
    let s = rendered(f);
    let details = s
        .split("<details><summary>What the findings rest on")
        .nth(1)
        .unwrap_or_else(|| panic!("no details: {s}"));
    assert!(
        details.contains("- static binary defines `getaddrinfo`"),
        "{s}"
    );
    // Each step a code span, as `nm -C` writes it: as text, escaping put a word joiner
    // after the `:` of `std::sys::` and the `#` (QA ba F5).
    assert!(
        details.contains(
            "is reachable: `_start` → `main` → `lsd::main` → \
             `std::sys::net::connection::socket::lookup_host::{closure#0}` → `getaddrinfo`"
        ),
        "{s}"
    );
    assert!(!details.contains('\u{2060}'), "{s}");
    assert!(details.contains("Avoid `getaddrinfo`."), "{s}");
    assert!(details.contains("</details>"), "{s}");
}

/// QA bq F4: a warning new since the baseline (the system's OpenSSL) is listed, one line,
/// though it fails nothing; one the baseline had is not. Without a baseline, every one is
/// (QA cm F6).
#[test]
fn a_new_warning_is_listed_below_the_findings() {
    let mut f: Finding = serde_json::from_value(serde_json::json!({
        "rule": "AOT005", "title": "system TLS library", "severity": "warning",
        "crate": "openssl-sys", "version": "0.9.0", "path": ["xh", "openssl-sys"],
        "evidence": [], "allowed": false, "reason": null, "advice": "",
        "reproduced": false
    }))
    .expect("a finding");
    f.new_since_baseline = true;
    let base = Some(crate::report::BaselineSummary::default());
    let s = rendered_against(f.clone(), base.clone());
    let line = ": `AOT005` `openssl-sys` system TLS library (warning)\n";
    assert!(
        s.contains("New since the baseline, not failing the run:\n\n- ") && s.contains(line),
        "{s}"
    );
    f.new_since_baseline = false;
    assert!(!rendered_against(f.clone(), base).contains(line));
    let s = rendered(f);
    assert!(
        s.contains("Findings that do not fail the run:\n\n- ") && s.contains(line),
        "{s}"
    );
}

/// The cell says what the columns beside it do not: not the crate, its version or the
/// severity, and not AOT011's "which did not start in its own image" (its title says so).
#[test]
fn a_finding_cell_is_its_title_and_what_made_it_count() {
    let mut f: Finding = serde_json::from_value(serde_json::json!({
        "rule": "AOT011", "title": "does not start in its image", "severity": "error",
        "crate": "app", "version": "0.1.0", "path": ["app"], "evidence": [],
        "allowed": false, "reason": null, "advice": "", "reproduced": true
    }))
    .expect("a finding");
    assert_eq!(finding_cell(&f), "does not start in its image");
    f.rule = "AOT004".into();
    f.title = "glibc NSS lookups".into();
    f.feature = Some("user".into());
    assert_eq!(
        finding_cell(&f),
        "glibc NSS lookups (feature `user`), a crash reproduced by --hostile"
    );
    // In the table, the feature is a code span, not escaped backquotes (QA p).
    let s = rendered(f);
    assert!(s.contains("glibc NSS lookups (feature `user`)"), "{s}");
    assert!(!s.contains("\\`"), "{s}");
}

/// QA co F3: a crash stack's frames are code spans too: as text, `core::ops::` got invisible
/// word joiners, and a name copied from the comment matched nothing.
#[test]
fn a_crash_stacks_frames_are_code_spans() {
    let line = chain_line(
        "reproduced: crashed with SIGSEGV; the crash stack runs `call_once`: \
         [libnss_systemd.so.2] _nss_systemd_is_blocked ← __new_getpwuid_r ← \
         core::ops::function::FnOnce::call_once ← …",
    )
    .expect("a stack");
    assert!(
        line.ends_with(
            ": `[libnss_systemd.so.2] _nss_systemd_is_blocked` ← `__new_getpwuid_r` ← \
             `core::ops::function::FnOnce::call_once` ← `…`"
        ),
        "{line}"
    );
    assert!(!line.contains('\u{2060}'), "{line}");
    // QA cs F5: a stack in parentheses after prose: the prose and parentheses are no frame.
    let line = chain_line(
        "not reproduced: the crash under `all` is another finding's; it crashed in \
         `getpwuid_r`, which this finding's own way reaches too: once that code is changed, the \
         same condition may crash there ([libnss_systemd.so.2] x ← __new_getpwuid_r ← …)",
    )
    .expect("a stack");
    assert!(
        line.ends_with(
            "once that code is changed, the same condition may crash there \
             (`[libnss_systemd.so.2] x` ← `__new_getpwuid_r` ← `…`)"
        ),
        "{line}"
    );
}

/// QA bg F6: the hint after an elided chain is no step: its code span is its own.
#[test]
fn a_chains_hint_is_not_in_its_last_step() {
    let line = chain_line(
        "`dlopen` is reachable: _start → … → DSO_load → dlopen (`--why '^dlopen$'` shows it \
         whole)",
    )
    .expect("a chain");
    assert_eq!(
        line,
        "`dlopen` is reachable: `_start` → `…` → `DSO_load` → `dlopen` (`--why '^dlopen$'` \
         shows it whole)"
    );
    // QA cm F5: nor is a note on a step, or a step's `[u8; 4]`.
    let line = chain_line(
        "`f` is reachable: _start → <[u8; 4] as T>::t → TABLE → call_once → f; `call_once` \
         is reached through the address `TABLE` holds",
    )
    .expect("a chain");
    assert_eq!(
        line,
        "`f` is reachable: `_start` → `<[u8; 4] as T>::t` → `TABLE` → `call_once` → `f`; \
         `call_once` is reached through the address `TABLE` holds"
    );
}

/// QA di F1: a path in parentheses followed by more parenthesised text ends at the
/// parenthesis that closes it, not at the line's last: each step and the symbol after it are
/// code spans of their own.
#[test]
fn a_path_in_parentheses_ends_at_its_own_close() {
    let line = chain_line(
        "↳ hyper v0.14.32 (procs → dockworker → hyper): `<H<R> as S<(u8, u8)>>::call` (before \
         tokio's task on the chain: the task may be hyper's)",
    )
    .expect("a chain");
    assert_eq!(
        line,
        "↳ hyper v0.14.32 (`procs` → `dockworker` → `hyper`): `<H<R> as S<(u8, u8)>>::call` \
         (before tokio's task on the chain: the task may be hyper's)"
    );
}

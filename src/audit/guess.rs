//! The words of a finding whose crate the audit could only guess (see
//! `findings::unattributed`), and how the graph stage finds such findings to blame the crates
//! whose code it shows (`caller`, `ctors`).

use crate::report::Finding;

/// How the evidence line of a guessed finding begins, by what it was guessed to be.
pub(super) const GUESSED_NATIVE: &str = "attributed to the native code";
pub(super) const GUESSED_PACKAGE: &str = "attributed to the package's own code";
pub(super) const GUESSED_STD: &str = "attributed to std (no crate";

/// Whether `f` has an evidence line that begins with one of `guesses`.
pub(super) fn guessed(f: &Finding, guesses: &[&str]) -> bool {
    f.evidence
        .iter()
        .any(|e| guesses.iter().any(|m| e.starts_with(m)))
}

/// The line of a finding on std guessed from the NSS functions `symbols` the binary defines,
/// naming only the lookups of std that they are (QA n: rustypaste's finding named
/// `getpwuid_r`, which it does not define).
pub(super) fn std_guess(symbols: &[&str]) -> String {
    let mut by = Vec::new();
    if symbols.iter().any(|s| *s != "getpwuid_r") {
        by.push("std's `ToSocketAddrs` on a host name calls `getaddrinfo`");
    }
    if symbols.contains(&"getpwuid_r") {
        by.push("`env::home_dir` calls `getpwuid_r`");
    }
    format!(
        "{GUESSED_STD} in the graph is known to do this): {}",
        by.join(", ")
    )
}

/// Settle the guesses `is_guess` picks by the crates whose code the reference graph shows
/// making the call (`calls` of a crate's name): a guess on another crate goes; the others,
/// after `each`, say that the graph confirms them.
pub(super) fn settle(
    findings: &mut Vec<Finding>,
    is_guess: &dyn Fn(&Finding) -> bool,
    calls: impl Fn(&str) -> bool,
    mut each: impl FnMut(&mut Finding),
) {
    findings.retain(|f| !is_guess(f) || calls(&f.krate));
    for f in findings.iter_mut().filter(|f| is_guess(f)) {
        each(f);
        confirmed(f);
    }
}

/// A guess the graph confirmed says so, not that no crate is known to make the call (QA cx
/// F6: unrar-ng-sys's `SetUnixOwner` calls `getpwnam`, and its finding read as a guess).
fn confirmed(f: &mut Finding) {
    let krate = f.krate.clone();
    for e in f.evidence.iter_mut() {
        if e.starts_with(GUESSED_NATIVE) {
            *e = format!(
                "the native code {krate} links makes the call (the reference graph shows it; \
                 no crate the rule knows of does)"
            );
        } else if e.starts_with(GUESSED_PACKAGE) {
            *e = "the package's own code makes the call (the reference graph shows it)".into();
        }
    }
}

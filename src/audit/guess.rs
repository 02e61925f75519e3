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

//! Small pieces of the words others.rs writes on a finding: whose own code calls which
//! function, and what std's line has said already.

use super::super::split::STD_SAID;

/// The program's own symbols among `own` that call one of `names`, each once.
pub(super) fn own_callers_of(own: &[(&'static str, String)], names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (n, symbol) in own {
        if names.contains(n) && !out.contains(symbol) {
            out.push(symbol.clone());
        }
    }
    out
}

/// Of `names`, those split.rs's line has not said to be reached by std's own code: said
/// once, not twice (QA ar F6: nix's finding said it of the same three functions twice).
pub(super) fn not_said_std<'n>(evidence: &[String], names: &[&'n str]) -> Vec<&'n str> {
    names
        .iter()
        .copied()
        .filter(|n| {
            let n = format!("`{n}`");
            !evidence
                .iter()
                .any(|e| e.contains(STD_SAID) && e.contains(&n))
        })
        .collect()
}

//! Small pieces of the words others.rs writes on a finding: whose own code calls which
//! function, and what std's line has said already.

use super::super::split::STD_SAID;

/// A function, a symbol of the program's own code that reaches it, and the C runtime's
/// function between when there is one (others.rs's `Sorted::own_callers`).
pub(super) type OwnCall = (&'static str, String, Option<String>);

/// The program's own symbols among `own` that call one of `names`, each once, quoted, with
/// the C runtime's function it calls on the way when it calls none of them itself.
pub(super) fn own_callers_of(own: &[OwnCall], names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (n, symbol, via) in own {
        let said = match via {
            Some(via) => format!("`{symbol}` through `{via}`"),
            None => format!("`{symbol}`"),
        };
        if names.contains(n) && !out.contains(&said) {
            out.push(said);
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

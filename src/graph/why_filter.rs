//! `--filter CRATE` that names nothing: the one clear line of exit 2, as `--why`'s.

use super::why::inlined;
use crate::attribute::{NO_SYMBOL, UNKNOWN};
use crate::error::Error;
use crate::options::SizeOptions;
use std::collections::BTreeSet;

use crate::format::same_crate;
use crate::report::Report;

/// `--filter CRATE` names no crate of any binary (`-` and `_` alike): the one clear line of
/// exit 2, as for `--why` (a typo would otherwise print no symbols and pass); a dependency
/// whose code was all inlined says so, as `--why` does (QA z, Z9).
pub fn unmatched_filter(report: &Report, size: &SizeOptions) -> Option<Error> {
    let f = size.filter.as_deref()?;
    let attributed = report
        .artifacts
        .iter()
        .filter(|a| a.binary.coverage.is_some());
    let mut known = attributed.clone().peekable();
    if known.peek().is_none() {
        // PE, Mach-O and ELF without section headers have no crate table: the filter would
        // be ignored, exit 0 (QA dn F9).
        return (!report.artifacts.is_empty()).then(|| {
            Error::Usage(format!(
                "--filter `{f}`: no binary here has a crate table (an ELF file with section \
                 headers), so nothing could be filtered"
            ))
        });
    }
    // A stripped binary names no crate at all: that is the reason, not the name (QA dj F4:
    // `--filter lsd` of lsd's stripped build said lsd was no crate of it).
    let named = |a: &&crate::report::Artifact| {
        a.binary.coverage.as_ref().is_some_and(|c| {
            c.symbols_from.is_some() || c.symbol_table.as_deref().is_some_and(|t| t != ".dynsym")
        })
    };
    let found = attributed
        .clone()
        .flat_map(|a| &a.binary.crates)
        .any(|c| crate::format::same_crate(&c.name, f));
    // `[no symbol]` of a stripped binary is a row like any (QA dk F2).
    if !found && !attributed.clone().any(|a| named(&a)) {
        // Where its symbols may be, for a build of rustc's alone (QA dn F18: busybox too).
        let hint = match attributed.clone().any(|a| a.binary.is_rust_built()) {
            true => {
                ": `inspect --target-dir DIR` of a `cargo aotcheck` build reads its \
                     analysis link's symbols"
            }
            false => "",
        };
        return Some(Error::Usage(format!(
            "--filter `{f}`: the binary has no symbol table to name crates by (stripped; \
             `.dynsym` names only imports and exports){hint}"
        )));
    }
    (!found).then(|| {
        // `libc` is the row `[libc]` (QA am F6), else a name spelt nearly right.
        let names: BTreeSet<&str> = report
            .artifacts
            .iter()
            .flat_map(|a| &a.binary.crates)
            .map(|c| c.name.as_str())
            .collect();
        let bracketed = format!("[{f}]");
        let hint = names
            .get(bracketed.as_str())
            .copied()
            .or_else(|| crate::spelling::nearest(f, &names))
            .map(|n| format!("; did you mean `{n}`?"))
            .or_else(|| binary_crate(report, f, &names))
            .unwrap_or_default();
        Error::Usage(format!(
            "--filter `{f}`: no crate of the binary is named so (`--crates` lists them, \
             `{NO_SYMBOL}` and `{UNKNOWN}` included){hint}{}",
            inlined(report, f)
        ))
    })
}

/// `--filter` of a package whose binary's crate is named otherwise (difftastic's is `difft`, QA
/// do F11): the crate of the package's binary where the command built it; for `inspect`, which
/// knows no package, a crate whose name begins the filter's or begins with it (four letters
/// alike at least).
fn binary_crate(report: &Report, f: &str, names: &BTreeSet<&str>) -> Option<String> {
    let norm = |s: &str| s.replace('-', "_").to_ascii_lowercase();
    let crate_named = |n: &str| names.iter().copied().find(|k| norm(k) == norm(n));
    let built = report
        .artifacts
        .iter()
        .filter(|a| a.package.as_deref().is_some_and(|p| same_crate(p, f)))
        .find_map(|a| crate_named(&a.name));
    if let Some(k) = built {
        return Some(format!(
            "; `{f}` is the package: did you mean `{k}`, its binary's crate?"
        ));
    }
    let wanted = norm(f);
    let begins = |k: &str| {
        let k = norm(k);
        let (short, long) = match k.len() < wanted.len() {
            true => (&k, &wanted),
            false => (&wanted, &k),
        };
        short.len() >= 4 && k != wanted && long.starts_with(short.as_str())
    };
    let k = names.iter().filter(|k| begins(k)).max_by_key(|k| k.len())?;
    Some(format!("; did you mean `{k}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA do F11: `inspect --filter difftastic` of difftastic's binary, whose crate is `difft`.
    #[test]
    fn a_crate_that_begins_the_filter_is_offered() {
        let report = Report::new(None);
        let names: BTreeSet<&str> = ["difft", "std", "tree_sitter", "diff"].into();
        let hint = |f: &str| binary_crate(&report, f, &names);
        assert_eq!(
            hint("difftastic").as_deref(),
            Some("; did you mean `difft`?")
        );
        assert_eq!(
            hint("tree-sitter-racket").as_deref(),
            Some("; did you mean `tree_sitter`?")
        );
        assert_eq!(hint("stdx"), None, "three letters alike are not enough");
        assert_eq!(hint("serde"), None);
    }
}

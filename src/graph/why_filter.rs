//! `--filter CRATE` that names nothing: the one clear line of exit 2, as `--why`'s.

use super::why::inlined;
use crate::attribute::{NO_SYMBOL, UNKNOWN};
use crate::error::Error;
use crate::options::SizeOptions;
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
        let names: std::collections::BTreeSet<&str> = report
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
            .unwrap_or_default();
        Error::Usage(format!(
            "--filter `{f}`: no crate of the binary is named so (`--crates` lists them, \
             `{NO_SYMBOL}` and `{UNKNOWN}` included){hint}{}",
            inlined(report, f)
        ))
    })
}

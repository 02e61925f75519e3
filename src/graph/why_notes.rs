//! `--why`'s notes beside its chains: where nothing of the binary matched, what does outside
//! its symbols (an import, an embedded file) and where the answer is; with a crate, what its
//! retained size leaves out (its dependencies entered through its inlined code).

use crate::attribute::deps::Dependencies;
use crate::report::Why;

/// Chains' targets named in a note, as many as `--why` shows.
const SHOWN: usize = super::why::SHOWN;

/// Where nothing of the binary matched: the imports from shared libraries that do (a dynamic
/// build's `getpwnam`, QA i) get a note in place of "no match"; a stripped binary's too, in
/// place of "chains need symbols", as `.dynsym` names its imports all the same (QA de F5: a
/// release build's `getpwuid_r` read "the binary has no symbol names").
pub(super) fn note_imports(w: &mut Why, data: &[u8]) {
    use object::{Object as _, ObjectSymbol as _};
    if w.matched != "none" || w.note.is_some() && !w.needs_symbols() {
        return;
    }
    let Ok(file) = object::File::parse(data) else {
        return;
    };
    let re = regex::Regex::new(&w.pattern).ok();
    let mut names: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| *n == w.pattern || re.as_ref().is_some_and(|re| re.is_match(n)))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return;
    }
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    w.note = Some(format!(
        "{}{} {} imported from a shared library, not defined in this binary: a chain ends at \
         what the binary defines; `--why` of the crate whose code calls it shows the way \
         there, and a static build defines it (`cargo aotcheck --link static` or `--compare` \
         in the project: `inspect` has neither){}",
        shown.join(", "),
        if names.len() > SHOWN { ", …" } else { "" },
        if names.len() == 1 { "is" } else { "are" },
        match w.needs_symbols() {
            true =>
                "; what the binary defines cannot be searched: it has no symbol table \
                     (stripped)",
            false => "",
        }
    ));
}

/// The rows of `b` that are files `embedded` names (`symbols`: how many rows the list of the
/// largest holds; the files read from `elf`, or from its analysis link), then
/// [`note_embedded`]: after the attribution, which made the rows. The main command's builds and
/// `inspect` of one (QA de F10) alike.
pub(super) fn name_embedded(
    embedded: &crate::attribute::embedded::Embedded,
    b: &mut crate::report::Binary,
    files: (&std::path::Path, Option<&std::path::Path>),
    symbols: crate::options::SymbolCount,
) {
    let top = match symbols {
        crate::options::SymbolCount::Top(n) => Some(n),
        crate::options::SymbolCount::All => None,
    };
    let found = embedded.name_rows(b, files, top);
    note_embedded(b, &found);
}

/// Where nothing matched: a file the binary embeds whose path does (`--why syntaxes.bin`, the
/// largest row of bat's list, was "nothing matches", QA de F2) is named, with why it has no
/// chain of its own (bytes without a symbol have no node) and the `--why` that answers: the
/// section's row, or the symbol that holds it. A file that is a symbol is found among the
/// `found` too, listed or not (QA dm F8: only with `--symbols all`).
fn note_embedded(b: &mut crate::report::Binary, found: &[crate::attribute::embedded::FileSymbol]) {
    let Some(w) = b
        .why
        .as_mut()
        .filter(|w| w.matched == "none" && w.note.is_none())
    else {
        return;
    };
    let re = regex::Regex::new(&w.pattern).ok();
    let rows = b
        .symbols
        .iter()
        .chain(b.crate_symbols.iter().flat_map(|c| &c.symbols));
    let matches =
        |path: &str| path.contains(&w.pattern) || re.as_ref().is_some_and(|re| re.is_match(path));
    let hit = rows
        .filter_map(|r| Some((r, r.content.as_deref()?.strip_prefix("file ")?)))
        .find(|(_, path)| matches(path));
    // (the file, its size, its crate, the row's name or the section's label)
    let (path, size, krate, name) = match hit {
        Some((r, path)) => (path, r.file_size, r.krate.clone(), r.name.clone()),
        None => {
            let Some((f, path)) = found
                .iter()
                .filter_map(|f| Some((f, f.label.strip_prefix("file ")?)))
                .find(|(_, path)| matches(path))
            else {
                return;
            };
            let name = crate::attribute::demangle::display_name(f.symbol.as_bytes());
            (path, f.size, f.owner.clone(), name)
        }
    };
    let size = crate::format::size(size);
    let krate = krate.as_deref().unwrap_or("no crate");
    w.note = Some(match name.starts_with("[section ") {
        true => format!(
            "`{}` is the file {path} ({size}), counted in {krate}'s bytes (carved out of its \
             `{name}` row): bytes without a symbol have no node of their own in the reference graph, so \
             no chain leads to the file itself; `--why '{name}'` gives the chains to that \
             section's stretches, one of them holding it",
            w.pattern
        ),
        false => format!(
            "`{}` is the file {path} ({size}) that {krate} embeds, the bytes of the symbol \
             `{name}`: `--why` of that name gives its chain",
            w.pattern
        ),
    });
}

/// `--why CRATE` of a crate whose code was inlined into its users (as under LTO): its
/// dependencies entered from the code of a crate that reaches them only through it are said,
/// with what they retain, which the crate's retained size leaves out (QA de F3: git2 "retains
/// 200 KiB", a build without it saves 714 KiB: bat's own code calls libgit2, through git2's
/// inlined `Repository::open`).
pub(super) fn note_inlined_into(b: &mut crate::report::Binary, deps: &Dependencies) {
    use crate::format::same_crate;
    let Some(w) = b.why.as_mut().filter(|w| w.matched == "crate") else {
        return;
    };
    let Some(k) = b.crates.iter().find(|c| same_crate(&c.name, &w.pattern)) else {
        return;
    };
    let k = k.name.clone();
    // (dependency, what it retains, the entry point, its crate)
    let mut found: Vec<(&str, u64, &str, &str)> = Vec::new();
    for d in b
        .crates
        .iter()
        .filter(|d| deps.depends(&k, &d.name) == Some(true))
    {
        let Some(retained) = d.retained else {
            continue;
        };
        let entered = d.entry_points.iter().find_map(|e| {
            let (x, _) = crate::attribute::demangle::crate_of_path(e)?;
            // `x`'s direct dependencies that lead to `d` (`d` itself among them where `x`
            // depends on it directly): `k` alone, or `x`'s code cannot have come from `k`'s.
            let only_through = deps.leading_to(x, &d.name);
            (!same_crate(x, &k) && only_through.len() == 1 && same_crate(&only_through[0], &k))
                .then_some((e.as_str(), x))
        });
        // Entered too from a crate that reaches it by another dependency: a build without `k`
        // keeps it (QA dr F1: mdbook's regex_automata, entered from elasticlunr through regex,
        // and from globset, which depends on it).
        let kept_without = d.entry_points.iter().any(|e| {
            crate::attribute::demangle::crate_of_path(e).is_some_and(|(x, _)| {
                let by_another = match deps.leading_to(x, &d.name).as_slice() {
                    [] => false,
                    [only] => !same_crate(only, &k),
                    _ => true,
                };
                by_another && !same_crate(x, &k) && !same_crate(x, &d.name)
            })
        });
        if let Some((e, x)) = entered.filter(|_| !kept_without) {
            found.push((&d.name, retained, e, x));
        }
    }
    if found.is_empty() {
        return;
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.1));
    let listed: Vec<String> = found
        .iter()
        .take(3)
        .map(|(d, r, e, x)| {
            let r = crate::format::size(*r);
            format!("`{d}` (retains {r}), from {x}'s `{e}`")
        })
        .collect();
    let said = format!(
        "{k}'s code was inlined into its users (as under LTO): dependencies of {k} are entered \
         from the code of crates that reach them only through {k}: {}{}; {k}'s retained size \
         leaves them out, and a build without {k} would leave them out too (`cargo aotcheck \
         advise` measures it)",
        listed.join("; "),
        match found.len() {
            n if n > 3 => format!(" and {} more", n - 3),
            _ => String::new(),
        }
    );
    w.note = Some(match w.note.take() {
        Some(n) => format!("{n}; {said}"),
        None => said,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA de F3: bat → git2 → libgit2_sys, bat's binary using its own library; libgit2_sys
    /// entered from bat's code (git2's inlined there) is named on `--why git2`; libz_sys,
    /// entered from libgit2's C code, which depends on it, is not; nor is a crate bat reaches
    /// by another dependency too.
    #[test]
    fn dependencies_entered_through_inlined_code_are_named() {
        let deps = Dependencies::of_direct(&[
            ("bat", &["bat", "git2", "regex"]),
            ("git2", &["libgit2_sys", "regex_syntax"]),
            ("regex", &["regex_syntax"]),
            ("libgit2_sys", &["libz_sys"]),
            ("libz_sys", &[]),
            ("regex_syntax", &[]),
        ]);
        assert_eq!(deps.leading_to("bat", "libgit2_sys"), ["git2"]);
        assert_eq!(deps.leading_to("bat", "regex_syntax"), ["git2", "regex"]);
        // A direct dependency is one of those that lead to it: no inlining needed.
        assert_eq!(deps.leading_to("git2", "libgit2_sys"), ["libgit2_sys"]);
        let mut b = crate::report::test_artifact(1000).binary;
        let row = |name: &str, retained: u64, from: &[&str]| {
            let mut c = crate::report::test_crate(name, retained);
            c.retained = Some(retained);
            c.entry_points = from.iter().map(|s| s.to_string()).collect();
            c
        };
        b.crates = vec![
            row("git2", 204_306, &["bat::controller::run"]),
            row(
                "libgit2_sys",
                680_447,
                &["bat::controller::run", "git2::Repository::open"],
            ),
            row("libz_sys", 77_795, &["git_zstream_get_output"]),
            row("regex_syntax", 150_000, &["bat::highlight"]),
        ];
        b.why = Some(Why {
            pattern: "git2".into(),
            matched: "crate".into(),
            ..Why::default()
        });
        note_inlined_into(&mut b, &deps);
        let note = b
            .why
            .as_ref()
            .and_then(|w| w.note.clone())
            .unwrap_or_default();
        assert!(
            note.contains(
                "reach them only through git2: `libgit2_sys` (retains 664 KiB), from bat's \
                 `bat::controller::run`; git2's retained size leaves them out"
            ),
            "{note}"
        );
        assert!(
            !note.contains("libz_sys") && !note.contains("regex_syntax"),
            "{note}"
        );
        // QA dr F1: entered from a crate that depends on it directly as well, it stays in a
        // build without git2: not named.
        let deps = Dependencies::of_direct(&[
            ("bat", &["bat", "vcs", "cli"]),
            ("vcs", &["git2"]),
            ("git2", &["libgit2_sys"]),
            ("cli", &["libgit2_sys"]),
            ("libgit2_sys", &[]),
        ]);
        let git2 = Some(Why {
            pattern: "git2".into(),
            matched: "crate".into(),
            ..Why::default()
        });
        b.crates[1].entry_points = vec!["vcs::open".into()];
        b.why = git2.clone();
        note_inlined_into(&mut b, &deps);
        let note = b
            .why
            .as_mut()
            .and_then(|w| w.note.take())
            .unwrap_or_default();
        assert!(
            note.contains("`libgit2_sys` (retains 664 KiB), from vcs's"),
            "{note}"
        );
        b.crates[1].entry_points.push("cli::status".into());
        b.why = git2;
        note_inlined_into(&mut b, &deps);
        assert_eq!(b.why.as_ref().and_then(|w| w.note.clone()), None);
        // Another crate's `--why`: nothing of the kind.
        b.why = Some(Why {
            pattern: "regex_syntax".into(),
            matched: "crate".into(),
            ..Why::default()
        });
        note_inlined_into(&mut b, &deps);
        assert_eq!(b.why.and_then(|w| w.note), None);
    }
}

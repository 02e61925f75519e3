//! `--why`'s notes where nothing of the binary matched: what does match outside its symbols
//! (an import, an embedded file), and where the answer is.

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

/// Where nothing matched: a file the binary embeds whose path does (`--why syntaxes.bin`, the
/// largest row of bat's list, was "nothing matches", QA de F2) is named, with why it has no
/// chain of its own (bytes without a symbol have no node) and the `--why` that answers: the
/// section's row, or the symbol that holds it.
pub(super) fn note_embedded(b: &mut crate::report::Binary) {
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
    let hit = rows
        .filter_map(|r| Some((r, r.content.as_deref()?.strip_prefix("file ")?)))
        .find(|(_, path)| {
            path.contains(&w.pattern) || re.as_ref().is_some_and(|re| re.is_match(path))
        });
    let Some((r, path)) = hit else {
        return;
    };
    let size = crate::format::size(r.file_size);
    let krate = r.krate.as_deref().unwrap_or("no crate");
    w.note = Some(match r.name.starts_with("[section ") {
        true => format!(
            "`{}` is the file {path} ({size}) that {krate} embeds, carved out of its `{}` \
             row: bytes without a symbol have no node of their own in the reference graph, so \
             no chain leads to the file itself; `--why '{}'` gives the chains to that \
             section's stretches, one of them holding it",
            w.pattern, r.name, r.name
        ),
        false => format!(
            "`{}` is the file {path} ({size}) that {krate} embeds, the bytes of the symbol \
             `{}`: `--why` of that name gives its chain",
            w.pattern, r.name
        ),
    });
}

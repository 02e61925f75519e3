//! `--why PATTERN`: a crate name, else a symbol's name (raw or demangled), else a regular
//! expression over demangled names; for each match the shortest chain from a root.

use super::Graph;
use crate::attribute::deps::Dependencies;
use crate::attribute::{NO_SYMBOL, UNKNOWN, is_section_row, unnamed_row};
use crate::error::Error;
use crate::options::SizeOptions;
use crate::report::{Chain, Report, Why};

/// Chains shown per binary; the rest is counted in `more`.
pub(super) const SHOWN: usize = 10;

pub(super) fn why(g: &Graph, pattern: &str) -> Why {
    let mut w = Why {
        pattern: pattern.to_string(),
        matched: "none".into(),
        entry_points: None,
        entry_names: None,
        chains: Vec::new(),
        more: 0,
        note: None,
        crates_first: None,
    };
    if let Some(k) = g.group_named(pattern) {
        let entries = g.entries(k);
        w.matched = "crate".into();
        w.entry_points = Some(entries.len() as u64);
        let names: std::collections::HashSet<String> = entries.iter().map(|&v| g.name(v)).collect();
        w.entry_names = Some(names.len() as u64);
        let name = g.group_names[k as usize].clone();
        w.more = entries.len().saturating_sub(SHOWN) as u64;
        w.chains = entries
            .iter()
            .take(SHOWN)
            .map(|&v| Chain {
                target: format!("{name}: {}", g.name(v)),
                steps: g.chain_into(v, k),
                retained: Some(g.retained(v)),
            })
            .collect();
        told_apart(g, &mut w.chains, &entries[..entries.len().min(SHOWN)]);
        if entries.is_empty() {
            w.note = Some(format!("nothing outside {name} refers to it"));
        }
        return w;
    }
    if !g.has_symbols {
        w.note = Some(crate::report::NEEDS_SYMBOLS.into());
        return w;
    }
    let (mut hits, row) = matches(g, pattern);
    // One chain per piece, under its own name when that matched (it comes first).
    hits.sort_by_key(|h| h.0);
    hits.dedup_by_key(|h| h.0);
    if hits.is_empty() {
        return w;
    }
    w.matched = if row { "row" } else { "symbol" }.into();
    if !row {
        w.note = pattern_note(pattern);
    }
    let depth = |v: u32| {
        let c = super::dom::path(&g.parent, g.root, v).len();
        (c == 0, c, g.name(v))
    };
    hits.sort_by_cached_key(|h| depth(h.0));
    w.more = hits.len().saturating_sub(SHOWN) as u64;
    // Those of crates named like the pattern first (`--why serde` of a binary whose serde was
    // inlined into serde_core and serde_json), chosen among all the matches, each part the
    // nearest first (QA br F5: zoxide's `dirs_sys::home_dir` came fifth, after glibc's
    // `_dl_all_dirs`; QA ct F2: `--why serde` showed three chains of dust, toml and std among
    // the ten, and 32 of serde's 39 matches not at all; QA cv F3: `inspect` alike).
    w.crates_first = crates_first(&mut hits, pattern);
    let ids: Vec<u32> = hits.iter().take(SHOWN).map(|h| h.0).collect();
    w.chains = hits
        .into_iter()
        .take(SHOWN)
        .map(|(v, name)| chain_to(g, v, name))
        .collect();
    told_apart(g, &mut w.chains, &ids);
    w
}

/// The pieces `pattern` matches, each with the name it matched by, and whether it named a row
/// (see below) rather than symbols.
fn matches(g: &Graph, pattern: &str) -> (Vec<(u32, String)>, bool) {
    // The crate table's rows of bytes without a crate are no crate of the graph: their
    // pieces, not a regular expression (`[unknown]` matched every name with a `u`, QA j).
    // So are the symbol table's rows of a section's bytes without a symbol (`[section
    // .rodata]` read as a character class matched 8,602 names, QA de F1).
    let section_row = is_section_row(pattern);
    let row = matches!(pattern, UNKNOWN | NO_SYMBOL) || section_row;
    let hits = if section_row {
        (0..g.symbol.len() as u32)
            .map(|v| (v, g.name(v)))
            .filter(|(_, name)| name == pattern)
            .collect()
    } else if row {
        row_members(g, pattern)
    } else {
        named(g, pattern)
    };
    (hits, row)
}

/// What a pattern that matched symbols was taken as, where that may surprise.
fn pattern_note(pattern: &str) -> Option<String> {
    // Matched as plain text since it is no regular expression: said, as the error says it
    // when nothing matches (QA v: `--why '('` gave 46 matches and no word of it).
    if let Some(reason) = crate::spelling::invalid_regex(pattern) {
        return Some(format!(
            "as a regular expression `{pattern}` is invalid ({reason}), so it was taken literally"
        ));
    }
    // A row's label of another kind (`[ELF headers]`) is no row of the graph: said to have been
    // taken as a character class.
    (pattern.starts_with('[') && pattern.ends_with(']')).then(|| {
        format!(
            "`{pattern}` was taken as a regular expression, a character class (any one of its \
             characters); the rows `--why` takes by their labels are `{UNKNOWN}`, \
             `{NO_SYMBOL}` and `[section NAME]`"
        )
    })
}

/// The chain to piece `v`, matched under `name`.
fn chain_to(g: &Graph, v: u32, name: String) -> Chain {
    let own = g.name(v);
    Chain {
        target: if name == own {
            name
        } else {
            format!("{name} (at the address of {own})")
        },
        steps: g.chain(v),
        retained: Some(g.retained(v)),
    }
}

/// Put the matches `hits` (in order, each with its name) of symbols of crates whose names
/// start with `pattern` first, each part in the order it had; the crate name's stem when any
/// is such a symbol.
fn crates_first<T>(hits: &mut [(T, String)], pattern: &str) -> Option<String> {
    let stem = pattern.replace('-', "_");
    if !hits.iter().any(|(_, name)| named_after(name, &stem)) {
        return None;
    }
    hits.sort_by_key(|(_, name)| !named_after(name, &stem));
    Some(stem)
}

/// Whether the symbol `name` is of a crate whose name starts with `stem` (`dirs_sys` for
/// `dirs`).
fn named_after(name: &str, stem: &str) -> bool {
    crate::attribute::demangle::crate_of_path(name).is_some_and(|(k, _)| k.starts_with(stem))
}

/// `--why nix` where nix is a crate the binary depends on that has no symbol of its own in
/// it: the pattern fell back to a regular expression, and `nix` matched std's `unix` paths
/// with no word of the crate (QA av F2: hyperfine's nix, inlined under LTO). Said first.
pub(super) fn note_dependency(w: &mut Why, deps: &Dependencies, bin: &str) {
    if w.matched != "symbol" || deps.depends(bin, &w.pattern) != Some(true) {
        return;
    }
    let p = &w.pattern;
    let said = format!(
        "`{p}` is a crate this binary depends on, with no symbol of its own in it: its code was \
         inlined into its callers (as under LTO), or none of it is used; the symbols below \
         match `{p}` only as a regular expression over their names"
    );
    w.note = Some(match w.note.take() {
        Some(n) => format!("{said}; {n}"),
        None => said,
    });
}

/// Targets that read the same (instantiations of one generic function: QA t, three
/// `locale::Numeric::format_int`), numbered as the symbol table and the chains' steps number
/// them ([`Graph::copy_of`]: QA at F1, a step said "copy 2 of 7" of a row's "6 of 22"), with
/// the rest of their raw name, as `nm` without `-C` tells them apart:
/// `locale::Numeric::format_int (copy 1 of 3, hash h212a66cd24bb8559)`. The name itself stays
/// as every step shows it (QA ag, F2: the heading read `...::h22debcbb9cf5f15e` above a last
/// step without it).
fn told_apart(g: &Graph, chains: &mut [Chain], shown: &[u32]) {
    for (c, &v) in chains.iter_mut().zip(shown) {
        let copy = match g.copy_of(v) {
            Some(([k, n], Some(h))) => format!(" (copy {k} of {n}, hash {h})"),
            Some(([k, n], None)) => format!(" (copy {k} of {n})"),
            None => continue,
        };
        c.target.push_str(&copy);
    }
}

/// The pieces whose name (own or an alias, raw or demangled) is `pattern`, else those whose
/// demangled name matches it as a regular expression; with the name each matched by.
fn named(g: &Graph, pattern: &str) -> Vec<(u32, String)> {
    // Each piece's own name demangled once, then the other names at its address (aliases:
    // `printf` beside `__printf`, folded functions); not kept: a large binary has ~16k names.
    // An exact name wins over the expression.
    let mut pieces: Vec<u32> = g.raw_names().map(|(_, v)| v).collect();
    pieces.sort_unstable();
    pieces.dedup();
    let re = regex::Regex::new(pattern)
        .unwrap_or_else(|_| regex::Regex::new(&regex::escape(pattern)).unwrap_or_else(|_| never()));
    let own = pieces.iter().map(|&v| (g.name(v), v));
    let aliases = g
        .aliases
        .iter()
        .map(|(raw, &v)| (crate::attribute::demangle::display_name(raw.as_bytes()), v));
    // (piece, the name it matched by)
    let mut hits: Vec<(u32, String)> = Vec::new();
    let mut matched: Vec<(u32, String)> = Vec::new();
    for (name, v) in own.chain(aliases) {
        if name == pattern {
            hits.push((v, name));
        } else if hits.is_empty() && re.is_match(&name) {
            matched.push((v, name));
        }
    }
    hits.extend(
        g.raw_names()
            .filter(|(raw, _)| *raw == pattern)
            .map(|(raw, v)| (v, crate::attribute::demangle::display_name(raw.as_bytes()))),
    );
    if hits.is_empty() {
        hits = matched;
    }
    hits
}

/// The pieces of the crate table's row `label`: symbols no crate was named for (`[unknown]`),
/// or bytes without a symbol left without a crate (`[no symbol]`).
fn row_members(g: &Graph, label: &str) -> Vec<(u32, String)> {
    (0..g.symbol.len() as u32)
        .filter(|&v| g.crate_of(v).is_none())
        .map(|v| (v, g.name(v)))
        .filter(|(_, name)| unnamed_row(name) == Some(label))
        .collect()
}

/// A regular expression that matches nothing.
fn never() -> regex::Regex {
    regex::Regex::new(r"[^\s\S]").unwrap_or_else(|_| unreachable!("a valid expression"))
}

/// `--why` matched nothing in any binary that has symbols: the one clear line of exit 2. A
/// binary without symbols cannot be searched (its answer says so): it neither matches nor
/// excuses the others.
pub fn unmatched(report: &mut Report, size: &SizeOptions) -> Option<Error> {
    let pattern = size.why.as_deref()?;
    answer_inlined(report, pattern);
    answer_built(report, pattern);
    let answers: Vec<&Why> = report
        .artifacts
        .iter()
        .filter_map(|a| a.binary.why.as_ref())
        .collect();
    let matched = answers.iter().any(|w| w.matched != "none");
    let stripped = |w: &&&Why| w.matched == "none" && w.note.is_some();
    let searched = answers.iter().filter(|w| !stripped(w)).count();
    if matched || report.artifacts.is_empty() || !answers.is_empty() && searched == 0 {
        return None;
    }
    let what = match searched {
        0 => {
            // The reason each one has none, where the binaries say it alike (QA dn F1: an
            // aarch64 file's graph is not decoded).
            let reasons: std::collections::BTreeSet<&str> = report
                .artifacts
                .iter()
                .filter_map(|a| a.binary.graph_skipped.as_deref())
                .collect();
            let why = match (reasons.len(), reasons.first()) {
                (1, Some(r))
                    if report
                        .artifacts
                        .iter()
                        .all(|a| a.binary.graph_skipped.is_some()) =>
                {
                    r.split(':').next().unwrap_or(r).to_string()
                }
                _ => "an ELF file of x86-64 code with section headers".to_string(),
            };
            return Some(Error::Usage(format!(
                "--why `{pattern}`: no binary here has a reference graph ({why}), so nothing \
                 could be searched"
            )));
        }
        1 => "the binary".to_string(),
        n => format!("any of the {n} binaries with symbols"),
    };
    let invalid = crate::spelling::invalid_regex(pattern)
        .map(|reason| {
            format!("; as a regular expression it is invalid ({reason}), so it was taken literally")
        })
        .unwrap_or_default();
    Some(Error::Usage(format!(
        "--why `{pattern}`: no crate or symbol of {what} matches (a crate name, a symbol's \
         name, or a regular expression over demangled names){invalid}{}",
        inlined(report, pattern)
    )))
}

/// `--why` of a dependency whose code was all inlined into its callers (LTO), which the audit
/// has a finding on: the answer is that finding's chain, with a note saying so, not exit 2
/// (QA ap F2: du-dust's `--why dirs_sys` threw the report away after its build).
fn answer_inlined(report: &mut Report, pattern: &str) {
    for a in &mut report.artifacts {
        let Some(w) = a.binary.why.as_mut().filter(|w| w.matched == "none") else {
            continue;
        };
        if w.note.is_some() {
            continue;
        }
        let Some(f) = a.findings.iter().find(|f| {
            crate::format::same_crate(&f.krate, pattern) && (f.has_no_code() || f.not_linked())
        }) else {
            continue;
        };
        // Nothing of it in the binary: that is the answer (QA bz F3: dua's `--why home` was
        // exit 2, saying its code was in the binary under another name).
        if f.not_linked() {
            w.note = Some(not_in_binary(f));
            continue;
        }
        let chain = match f.chain.last() {
            Some(last) => {
                w.chains = vec![Chain {
                    target: last.symbol.clone(),
                    steps: f.chain.clone(),
                    retained: None,
                }];
                format!(
                    "; the chain of the {} finding on it, to the function its callers call:",
                    f.rule
                )
            }
            None => format!("; the {} finding on it says what it makes", f.rule),
        };
        w.note = Some(format!(
            "`{}` is a dependency with no function of its own in the binary: its code was \
             inlined into its callers (as under LTO){chain}",
            f.krate
        ));
    }
}

/// `--why` of a crate the build compiled that no symbol of the binary carries, nor any the
/// audit has a finding on: that is the answer, not exit 2 (QA ci F3: tealdeer's webpki_roots,
/// 53 KiB of certificates merged into ureq's constants, was said to be no crate of it).
fn answer_built(report: &mut Report, pattern: &str) {
    let Some(note) = built_without_symbols(report, pattern) else {
        return;
    };
    for a in &mut report.artifacts {
        if let Some(w) = a.binary.why.as_mut().filter(|w| w.matched == "none")
            && w.note.is_none()
        {
            w.note = Some(note.clone());
        }
    }
}

/// Why a crate the build compiled (its `crate_inputs`: a registry or git crate) has no
/// symbol in the binary; `None` for a name the build has not.
fn built_without_symbols(report: &Report, name: &str) -> Option<String> {
    let inputs = &report.build.as_ref()?.crate_inputs;
    let (krate, from) = inputs
        .iter()
        .find(|(k, _)| crate::format::same_crate(k, name))?;
    // `1.0.10 registry+https://github.com/rust-lang/crates.io-index [features]`, as a user
    // writes it: `v1.0.10 from crates.io` (QA ck F7: cargo's source id, raw).
    let mut words = from.split_whitespace();
    let version = words.next().unwrap_or_default();
    let source = match words.next().unwrap_or_default() {
        s if s.ends_with("crates.io-index") || s.starts_with("sparse+https://index.crates.io") => {
            "crates.io".to_string()
        }
        s if s.starts_with("git+") => "git".to_string(),
        s => s.split('+').next_back().unwrap_or(s).to_string(),
    };
    Some(format!(
        "`{krate}` (v{version} from {source}) is a crate this build compiled, with no symbol of \
         its own in the binary: its code and data were inlined or merged into the crates that \
         use it (as under LTO), whose rows count its bytes; or it holds nothing the binary uses \
         (macros only)"
    ))
}

/// A dependency the audit has a finding on of which nothing is in the binary.
fn not_in_binary(f: &crate::report::Finding) -> String {
    format!(
        "`{}` is a dependency (the {} finding is on it) of which nothing is in the binary: \
         no code of it, and none of the functions the rule looks for is linked",
        f.krate, f.rule
    )
}

/// A crate the audit has a finding on, with no symbol in the binary: its code was all inlined
/// into its callers (LTO), so the finding's chain is the answer (QA k: tokei's `--why
/// etcetera` read as if etcetera were not a dependency).
pub(super) fn inlined(report: &Report, pattern: &str) -> String {
    let Some(f) = report
        .artifacts
        .iter()
        .flat_map(|a| &a.findings)
        .find(|f| crate::format::same_crate(&f.krate, pattern))
    else {
        return built_without_symbols(report, pattern)
            .map_or_else(String::new, |n| format!("; {n}"));
    };
    // Said only where the audit found it so: a package whose library has another name is in
    // the binary under that name (QA aa: prettytable-rs, the crate `prettytable`).
    if f.not_linked() {
        format!("; {}", not_in_binary(f))
    } else if f.has_no_code() {
        format!(
            "; `{}` is a dependency (the {} finding is on it), but no function of its own is \
             in the binary: its code was inlined into its callers, and the finding's chain goes \
             through them",
            f.krate, f.rule
        )
    } else {
        format!(
            "; `{}` is a package (the {} finding is on it): its code is in the binary under its \
             library's crate name, which `--crates` lists",
            f.krate, f.rule
        )
    }
}

#[cfg(test)]
#[path = "why_tests.rs"]
mod tests;

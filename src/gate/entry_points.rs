//! What a grown crate's check says of why it grew: the symbols outside it that refer to it
//! now and did not in the baseline (issue 13's entry points, from the reference graph).

use std::collections::HashSet;

use crate::report::{Binary, Check, CheckId, CrateSize, Entered, NewEntry};

/// Entry points named in a message, the rest counted.
const ENTRY_POINTS_SHOWN: usize = 5;

/// What a crate check's message ends with when it names entry points.
const LEAD: &str = "; new entry points: ";

/// The end of a message that names `entry_points` (a check's own), as [`new_entry_points`]
/// writes it: the lead, the names shown, and how many more there are. A renderer that quotes
/// the names finds them here instead of parsing the text.
pub fn named(entry_points: &[String]) -> (&'static str, &[String], usize) {
    let shown = entry_points.len().min(ENTRY_POINTS_SHOWN);
    (LEAD, &entry_points[..shown], entry_points.len() - shown)
}

/// `(+3 more)` after the names, or nothing.
pub fn more(n: usize) -> String {
    if n > 0 {
        format!(" (+{n} more)")
    } else {
        String::new()
    }
}

/// A message that ends with the entry points [`new_entry_points`] named in it, split for a
/// renderer to write the names its own way: the text before them, the lead, the names shown
/// and the `(+N more)` after them. `None` when the message does not end so.
pub fn split<'a>(
    message: &'a str,
    entry_points: &'a [String],
) -> Option<(&'a str, &'static str, &'a [String], String)> {
    // `entry_points`: what [`shown`] gives for the check.
    let (lead, shown, more) = named(entry_points);
    let more = self::more(more);
    let tail = format!("{lead}{}{more}", shown.join(", "));
    let body = message.strip_suffix(tail.as_str())?;
    (!shown.is_empty()).then_some((body, lead, shown, more))
}

/// At most `most` of the `shown` entry points that [`split`] gave for `names`, and what to say
/// after them: its `more` when all fit, else how many others there are and `where_` they are
/// (a renderer's short line: QA bo F3).
pub fn at_most<'a>(
    names: &[String],
    (shown, more): (&'a [String], String),
    most: usize,
    where_: &str,
) -> (&'a [String], String) {
    if shown.len() <= most {
        return (shown, more);
    }
    let all = named(names).2 + shown.len();
    (&shown[..most], format!(" (+{} more, {where_})", all - most))
}

/// One entry point as a renderer writes it, cut: a reference's two ends, or a name alone.
pub struct Cut {
    pub from: Option<String>,
    pub to: String,
    /// ` (retains 1.2 KiB)` after a reference whose callee's retained size is known, or empty.
    pub retains: String,
}

impl Cut {
    /// `from → to (retains …)`, or the name, each name as `quote` writes it.
    pub fn written(&self, quote: impl Fn(&str) -> String) -> String {
        match &self.from {
            Some(f) => format!("{} → {}{}", quote(f), quote(&self.to), self.retains),
            None => quote(&self.to),
        }
    }
}

/// The entry points `shown` of `c` (the first of its [`shown`]), each cut to `room`
/// characters so that no two read alike ([`crate::format::clip_apart`]): a reference's caller
/// and callee each to two fewer, for the arrow between them, and what the callee retains kept
/// (QA bb F2: the cut took the arrow; QA ca F1: the Markdown and the page printed names of
/// 19,163 characters whole).
pub fn cut(c: &Check, shown: &[String], room: usize) -> Vec<Cut> {
    match c.new_entries.get(..shown.len()) {
        Some(entries) if !entries.is_empty() => {
            let from: Vec<&str> = entries.iter().map(|e| e.from.as_str()).collect();
            let to: Vec<&str> = entries.iter().map(|e| e.to.as_str()).collect();
            let (from, to) = (
                crate::format::clip_apart(&from, room.saturating_sub(2)),
                crate::format::clip_apart(&to, room.saturating_sub(2)),
            );
            entries
                .iter()
                .zip(from.into_iter().zip(to))
                .map(|(e, (f, t))| Cut {
                    from: Some(f),
                    to: t,
                    retains: crate::format::retains(e.retained),
                })
                .collect()
        }
        _ => crate::format::clip_apart(shown, room)
            .into_iter()
            .map(|to| Cut {
                from: None,
                to,
                retains: String::new(),
            })
            .collect(),
    }
}

/// The message of `c` ended with its entry points as the gate writes them, for tests of the
/// renderers.
#[cfg(test)]
pub fn end_message_with_entry_points(c: &mut Check) {
    let names = shown(c);
    let (lead, shown, extra) = named(&names);
    c.message
        .push_str(&format!("{lead}{}{}", shown.join(", "), more(extra)));
}

/// The names of a family (one generic function's instantiations, alike up to their first `<`)
/// after the names alone of theirs, each group in its order: the five shown were four of
/// `<DisplayBuffer<N> as Write>::write_*` and `lookup_host`, which pulled the bytes in, came
/// sixth (QA au F3).
fn distinct_first(names: &mut [String]) {
    // `<X<15> as Y>::f`: up to the `<` after the leading one.
    let family = |n: &str| {
        let (lead, body) = n.strip_prefix('<').map_or(("", n), |b| ("<", b));
        format!("{lead}{}", body.split('<').next().unwrap_or(body))
    };
    let mut sizes: std::collections::HashMap<String, usize> = Default::default();
    for n in names.iter() {
        *sizes.entry(family(n)).or_default() += 1;
    }
    names.sort_by_key(|n| sizes[&family(n)]);
}

/// What a check's message names as its new entry points: each new reference into the crate
/// as `from → to`, with what `to` retains where no other crate entered it before; or, against
/// a baseline saved before the references were, the referrers alone.
pub fn shown(c: &Check) -> Vec<String> {
    if c.new_entries.is_empty() {
        return c.entry_points.clone();
    }
    c.new_entries
        .iter()
        .map(|e| {
            format!(
                "{} → {}{}",
                e.from,
                e.to,
                crate::format::retains(e.retained)
            )
        })
        .collect()
}

/// A crate that grew or appeared: the references into it from symbols outside it that the
/// baseline did not have, those into a symbol no other crate referred to before first, by
/// what it retains (QA av F1: `hyperfine::main` newly calling `getaddrinfo` was not named,
/// as it referred to `[libc]` before; four `DisplayBuffer` methods were). Against a baseline
/// without the references, the symbols that refer to the crate now and did not then. Nothing
/// is said when either report has no graph for the crate (a baseline saved before there were
/// entry points would make every one look new).
pub(super) fn new_entry_points(c: &mut Check, base: &Binary, cur: &Binary, own: &str) {
    let CheckId::BaselineCrate(name) = &c.id else {
        return;
    };
    if c.delta.is_none_or(|d| d <= 0.0) {
        return;
    }
    let Some(now) = cur.crates.iter().find(|k| k.name == *name) else {
        return;
    };
    let before = match base.crates.iter().find(|k| k.name == *name) {
        Some(k) if k.retained.is_none() => return,
        Some(k) => Some(k),
        None if base.graph.is_none() => return,
        None => None,
    };
    // A baseline saved before the references were kept names referrers only.
    let referrers_only = before.is_some_and(|k| k.entered.is_empty() && !k.entry_points.is_empty());
    if now.entered.is_empty() || referrers_only {
        let before = before.map_or(&[][..], |k| &k.entry_points[..]);
        new_referrers(c, &now.entry_points, before);
        return;
    }
    let new = new_references(now, before, own, added_bytes(base, cur));
    if new.is_empty() {
        return;
    }
    let mut froms: Vec<String> = Vec::new();
    for e in &new {
        if !froms.contains(&e.from) {
            froms.push(e.from.clone());
        }
    }
    c.entry_points = froms;
    c.new_entries = new;
    write_names(c, &shown(c));
}

/// The bytes in memory that crates gained from `base` to `cur`, the shrunk ones not
/// subtracted: what new references can have pulled in, at most.
fn added_bytes(base: &Binary, cur: &Binary) -> u64 {
    cur.crates
        .iter()
        .map(|k| {
            let was = base
                .crates
                .iter()
                .find(|b| b.name == k.name)
                .map_or(0, |b| b.vm_size);
            k.vm_size.saturating_sub(was)
        })
        .sum()
}

/// The references into crate `now` that `before` did not have, ordered as
/// [`new_entry_points`] says. A callee entered for the first time retains bytes that this
/// reference pulled in, unless it retains more than the crates gained in all (`added`): its
/// code was in the baseline already, under another name or inlined into its caller (QA dp F2:
/// `Builder::build → Translator::translate (retains 544 KiB)` where regex_syntax grew
/// 16 KiB); then no retained size is given, as for a callee entered before.
fn new_references(
    now: &CrateSize,
    before: Option<&CrateSize>,
    own: &str,
    added: u64,
) -> Vec<NewEntry> {
    // A baseline saved before names lost their LTO numbers still says `fmt.1400`.
    let key = crate::attribute::normal::without_local_number;
    // A symbol by each of its names ([`names`]): which alias names it may change between
    // builds (QA bd F1: 63 callers of glibc's `memcmp` were new entry points into `bcmp`).
    let mut entered: HashSet<&str> = HashSet::new();
    let mut had: HashSet<(&str, &str)> = HashSet::new();
    if let Some(k) = before {
        for e in &k.entered {
            let names = names(e);
            entered.extend(names.iter().copied());
            for f in referrers(k, e) {
                had.extend(names.iter().map(|n| (key(f), *n)));
            }
        }
    }
    let mut new: Vec<NewEntry> = Vec::new();
    for e in &now.entered {
        let names = names(e);
        let fresh = !names.iter().any(|n| entered.contains(n)) && e.retained <= added;
        for f in referrers(now, e) {
            if !names.iter().any(|n| had.contains(&(key(f), *n))) {
                new.push(NewEntry {
                    from: f.to_string(),
                    to: e.symbol.clone(),
                    retained: fresh.then_some(e.retained),
                });
            }
        }
    }
    // The names of a family last among equals (see `distinct_first`).
    let mut names: Vec<String> = new.iter().map(|e| e.from.clone()).collect();
    distinct_first(&mut names);
    let rank = |f: &str| names.iter().position(|n| n == f).unwrap_or(usize::MAX);
    // The program's own calls before other crates' among equals: a recompiled dependency's
    // incidental references (a vtable slot that changed) came before the user's new calls (QA
    // bb F5).
    let others = |f: &str| {
        !crate::attribute::demangle::crate_of_path(f)
            .is_some_and(|(k, _)| crate::format::same_crate(k, own))
    };
    new.sort_by(|x, y| {
        for_caller(x)
            .cmp(&for_caller(y))
            .then_with(|| y.retained.cmp(&x.retained))
            .then_with(|| others(&x.from).cmp(&others(&y.from)))
            .then_with(|| rank(&x.from).cmp(&rank(&y.from)))
            .then_with(|| x.to.cmp(&y.to))
    });
    callees_first(new)
}

/// Whether `e` calls code instantiated for a type of a crate outside the standard library
/// (`core::ptr::drop_in_place<regex_lite::hir::Hir>`): that crate's cost in std's name, not a
/// new use of std; such references come last (QA bg F3: five of regex_lite's drop glue led
/// std's list, the program's new host lookup was ninth; QA bi: `gitui::main` into regex_lite's
/// drop glue still came first).
fn for_caller(e: &NewEntry) -> bool {
    use crate::attribute::demangle::{crate_of_path, is_std_crate, path_roots};
    let Some((_, args)) = e.to.split_once('<') else {
        return false;
    };
    crate_of_path(&e.to).is_some_and(|(k, _)| is_std_crate(k))
        && path_roots(args).iter().any(|c| !is_std_crate(c))
}

/// Each callee's first reference before any callee's second, each group in its order: the
/// names shown then name as many different callees as they can (QA bg F3: five callers of one
/// `drop_in_place` took the five places).
fn callees_first(new: Vec<NewEntry>) -> Vec<NewEntry> {
    let mut seen: HashSet<String> = HashSet::new();
    let (first, again): (Vec<NewEntry>, Vec<NewEntry>) =
        new.into_iter().partition(|e| seen.insert(e.to.clone()));
    first.into_iter().chain(again).collect()
}

/// Every name of entered symbol `e`, its aliases' too, as the gate compares them.
fn names(e: &Entered) -> Vec<&str> {
    let own = std::iter::once(e.symbol.as_str());
    own.chain(e.aliases.iter().map(String::as_str))
        .map(crate::attribute::normal::without_local_number)
        .collect()
}

/// The names of the symbols that refer to `e`, one of crate `k`'s entered symbols.
fn referrers<'a>(k: &'a CrateSize, e: &'a Entered) -> impl Iterator<Item = &'a str> {
    e.from
        .iter()
        .filter_map(|&i| k.entry_points.get(i as usize).map(String::as_str))
}

/// The symbols of `now` that `before` did not have, as new entry points.
fn new_referrers(c: &mut Check, now: &[String], before: &[String]) {
    let key = crate::attribute::normal::without_local_number;
    let mut new: Vec<String> = now
        .iter()
        .filter(|e| !before.iter().any(|b| key(b) == key(e)))
        .cloned()
        .collect();
    if new.is_empty() {
        return;
    }
    distinct_first(&mut new);
    c.entry_points = new;
    write_names(c, &c.entry_points.clone());
}

/// The message's end that names `shown`.
fn write_names(c: &mut Check, shown: &[String]) {
    let (lead, shown, more_n) = named(shown);
    let _ = std::fmt::Write::write_fmt(
        &mut c.message,
        format_args!("{lead}{}{}", shown.join(", "), more(more_n)),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_alone_of_their_family_come_first() {
        let mut names: Vec<String> = [
            "<core::net::display_buffer::DisplayBuffer<15> as core::fmt::Write>::write_char",
            "<core::net::display_buffer::DisplayBuffer<21> as core::fmt::Write>::write_char",
            "<core::net::display_buffer::DisplayBuffer<39> as core::fmt::Write>::write_str",
            "std::sys::net::connection::socket::lookup_host::{closure#0}",
            "app::main",
            "<std::io::Stdout as std::io::Write>::flush",
        ]
        .map(String::from)
        .to_vec();
        super::distinct_first(&mut names);
        assert_eq!(
            names[0],
            "std::sys::net::connection::socket::lookup_host::{closure#0}"
        );
        assert_eq!(names[1], "app::main");
        // A trait impl of another type is a family of its own.
        assert_eq!(names[2], "<std::io::Stdout as std::io::Write>::flush");
        assert!(names[3].contains("DisplayBuffer<15>"), "{names:?}");
    }
}

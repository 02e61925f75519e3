//! What a grown crate's check says of why it grew: the symbols outside it that refer to it
//! now and did not in the baseline (issue 13's entry points, from the reference graph).

use crate::report::{Binary, Check, CheckId};

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
    let (lead, shown, more) = named(entry_points);
    let more = self::more(more);
    let tail = format!("{lead}{}{more}", shown.join(", "));
    let body = message.strip_suffix(tail.as_str())?;
    (!shown.is_empty()).then_some((body, lead, shown, more))
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

/// A crate that grew or appeared: the symbols outside it that refer to it now and did not in
/// the baseline. Nothing is said when either report has no graph for the crate (a baseline
/// saved before there were entry points would make every one look new).
pub(super) fn new_entry_points(c: &mut Check, base: &Binary, cur: &Binary) {
    let CheckId::BaselineCrate(name) = &c.id else {
        return;
    };
    if c.delta.is_none_or(|d| d <= 0.0) {
        return;
    }
    let Some(now) = cur.crates.iter().find(|k| k.name == *name) else {
        return;
    };
    let before: &[String] = match base.crates.iter().find(|k| k.name == *name) {
        Some(k) if k.retained.is_none() => return,
        Some(k) => &k.entry_points,
        None if base.graph.is_none() => return,
        None => &[],
    };
    // A baseline saved before names lost their LTO numbers still says `fmt.1400`.
    let key = crate::attribute::normal::without_local_number;
    let mut new: Vec<String> = now
        .entry_points
        .iter()
        .filter(|e| !before.iter().any(|b| key(b) == key(e)))
        .cloned()
        .collect();
    if new.is_empty() {
        return;
    }
    distinct_first(&mut new);
    let (lead, shown, more_n) = named(&new);
    let _ = std::fmt::Write::write_fmt(
        &mut c.message,
        format_args!("{lead}{}{}", shown.join(", "), more(more_n)),
    );
    c.entry_points = new;
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

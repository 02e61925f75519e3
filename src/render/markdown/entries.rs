//! The new entry points of the crates in the verdict table, listed under it: the table's cell
//! quotes the first (QA bo F3: cells of up to 1,238 characters made a pull-request comment a
//! wall), this list the ones the check names, folded.

use std::fmt::Write as _;

use super::escape::cell;
use crate::report::Check;

/// Entry points a verdict table's cell quotes.
pub(super) const IN_CELL: usize = 1;

/// After the table: each check of `rows` (a binary's label and the check) that names more
/// entry points than its cell, with all those its message names.
pub(super) fn listed(s: &mut String, rows: &[(&str, &Check)]) {
    let long: Vec<&(&str, &Check)> = rows
        .iter()
        .filter(|(_, c)| crate::gate::entry_points::shown(c).len() > IN_CELL)
        .collect();
    if long.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>New entry points of {} crate{}</summary>\n",
        long.len(),
        if long.len() == 1 { "" } else { "s" }
    );
    for (label, c) in long {
        let name = c.id.part().unwrap_or_default();
        let _ = writeln!(s, "- {label}, crate {}:", cell(name));
        let names = crate::gate::entry_points::shown(c);
        let (_, shown, more) = crate::gate::entry_points::named(&names);
        for x in crate::gate::entry_points::cut(c, shown, crate::format::NAME_MAX + 2) {
            let _ = writeln!(s, "  - {}", x.written(cell));
        }
        if more > 0 {
            let _ = writeln!(s, "  - and {more} more (the JSON report lists each)");
        }
    }
    s.push_str("\n</details>\n\n");
}

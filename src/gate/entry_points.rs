//! What a grown crate's check says of why it grew: the symbols outside it that refer to it
//! now and did not in the baseline (issue 13's entry points, from the reference graph).

use crate::report::{Binary, Check, CheckId};

/// Entry points named in a message, the rest counted.
const ENTRY_POINTS_SHOWN: usize = 5;

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
    let new: Vec<String> = now
        .entry_points
        .iter()
        .filter(|e| !before.contains(e))
        .cloned()
        .collect();
    if new.is_empty() {
        return;
    }
    let shown: Vec<&str> = new
        .iter()
        .take(ENTRY_POINTS_SHOWN)
        .map(String::as_str)
        .collect();
    let more = new.len().saturating_sub(ENTRY_POINTS_SHOWN);
    let _ = std::fmt::Write::write_fmt(
        &mut c.message,
        format_args!(
            "; new entry points: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            }
        ),
    );
    c.entry_points = new;
}

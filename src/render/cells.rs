//! The Now and Limit/baseline cells of a check's row, which the Markdown report and the page
//! both show: one place, so that they cannot disagree.

use super::words;
use crate::format::{bytes, ms, size, written_size};
use crate::report::{Artifact, Check, Unit};

/// A check's figure in its unit.
pub fn value(v: Option<f64>, unit: Unit) -> String {
    match (v, unit) {
        (None, _) => "–".into(),
        (Some(x), Unit::Bytes) if x >= 0.0 => size(x.round() as u64),
        (Some(x), Unit::Bytes) => format!("-{}", size((-x).round() as u64)),
        (Some(x), Unit::Ms) => ms(x),
        (Some(x), Unit::None | Unit::Libraries) => format!("{x}"),
    }
}

/// The Limit/baseline cell: a budget as a budget is written (QA bx F5: "limit 8.00 MiB" beside
/// "the budget of 8 MiB"; QA cq F6: `20 MB`, not "19,531.25 KiB"), else its figure; the
/// baseline's figure.
pub fn reference(c: &Check) -> String {
    match (c.limit, c.baseline) {
        (Some(l), _) if c.unit == Unit::Bytes && l >= 0.0 => {
            let now = c.value.filter(|v| *v >= 0.0).map(|v| v.round() as u64);
            size_cells(now, l.round() as u64).1
        }
        (Some(l), _) => match crate::format::whole_limit(l, c.unit) {
            Some(whole) => format!("limit {whole}"),
            None => format!("limit {}", value(Some(l), c.unit)),
        },
        (None, Some(b)) => format!("was {}", value(Some(b), c.unit)),
        _ => "–".into(),
    }
}

/// The Now and Limit/baseline cells of check `c` of artifact `a`: a yes-or-no budget in words
/// (`static-pie` against `must be static`, not `0 | 0`); a size and its baseline, or its
/// budget, that would read the same as exact bytes, as the message gives them (QA cq F7:
/// "12.7 MiB" under both Now and Limit of a warned budget).
pub fn now_and_reference(c: &Check, a: &Artifact) -> (String, String) {
    if let Some(cells) = words::yes_no_budget(c, a) {
        return cells;
    }
    if let Some((now, was)) = words::now_and_was(c) {
        return (now, words::was_cell(c, &was));
    }
    match (c.unit, c.value, c.limit) {
        (Unit::Bytes, Some(v), Some(l)) if v >= 0.0 && l >= 0.0 => {
            let (now, limit) = size_cells(Some(v.round() as u64), l.round() as u64);
            (now.unwrap_or_default(), limit)
        }
        _ => (value(c.value, c.unit), reference(c)),
    }
}

/// The Now and Limit cells of a size `now` against its budget `limit`: the limit as it was
/// likely written (QA bx F5: "limit 8.00 MiB" beside "the budget of 8 MiB"; QA cq F6: `20 MB`,
/// not "19,531.25 KiB"), in decimal units with its binary figure as the message gives it (QA
/// da F4: "6.22 MiB | limit 6.5 MB" read as under the limit); both in exact bytes where they
/// would read the same (QA cq F7: "12.7 MiB" under both; QA dc F3: `limit 6.52 MB = 6.22
/// MiB`) or where the budget is no round figure in any unit, written in bytes (QA da F7).
fn size_cells(now: Option<u64>, limit: u64) -> (Option<String>, String) {
    let written = written_size(limit);
    let shown = match &written {
        Some((w, false)) => w.clone(),
        _ => size(limit),
    };
    let exact = written.is_none() || now.is_some_and(|v| size(v) == shown);
    let figure = if exact { bytes(limit) } else { size(limit) };
    let cell = match written {
        Some((d, true)) => format!("limit {d} = {figure}"),
        Some((w, false)) if !exact => format!("limit {w}"),
        _ => format!("limit {figure}"),
    };
    let now = now.map(|v| if exact { bytes(v) } else { size(v) });
    (now, cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckId, Verdict};

    /// QA cq F7: a stripped size within 5% of its budget read "12.7 MiB" and "limit 12.7 MiB";
    /// QA cq F6: a budget of `20 MB` read "limit 19,531.25 KiB".
    #[test]
    fn a_size_and_its_budget_never_read_the_same() {
        let a = crate::report::test_artifact(1000);
        let cells = |v: f64, l: f64| {
            let c = Check::new(
                CheckId::BudgetFileSize,
                Unit::Bytes,
                Verdict::Warn,
                String::new(),
            )
            .against_limit(Some(v), l);
            now_and_reference(&c, &a)
        };
        assert_eq!(
            cells(13_297_384.0, 13_316_915.0),
            ("13,297,384 B".to_string(), "limit 13,316,915 B".to_string())
        );
        assert_eq!(
            cells(16_300_000.0, 20_000_000.0),
            ("15.5 MiB".to_string(), "limit 20 MB = 19.1 MiB".to_string())
        );
        // QA dc F3: a decimal budget whose binary figure reads as the size does.
        assert_eq!(
            cells(6_523_896.0, 6_520_000.0),
            (
                "6,523,896 B".to_string(),
                "limit 6.52 MB = 6,520,000 B".to_string()
            )
        );
        // QA da F7: equal, both exact; a budget written in bytes, in bytes both.
        assert_eq!(
            cells(5_330_456.0, 5_330_456.0),
            ("5,330,456 B".to_string(), "limit 5,330,456 B".to_string())
        );
        assert_eq!(
            cells(5_300_000.0, 5_330_456.0),
            ("5,300,000 B".to_string(), "limit 5,330,456 B".to_string())
        );
        assert_eq!(
            cells(1000.0, 8.0 * 1024.0 * 1024.0),
            ("1000 B".to_string(), "limit 8 MiB".to_string())
        );
    }
}

//! A size going from one figure to another, judged by the thresholds: the one rule the
//! baseline's checks and their second readings share.

use crate::plan::Thresholds;
use crate::report::Verdict;

/// Growth relative to `base` (infinite from 0, 0 when unchanged).
pub fn relative(base: u64, cur: u64) -> f64 {
    let delta = i128::from(cur) - i128::from(base);
    if base == 0 {
        if delta == 0 { 0.0 } else { f64::INFINITY }
    } else {
        delta as f64 / base as f64
    }
}

/// A size going from `base` to `cur`, judged by the thresholds (see `compare::size_check`).
pub fn verdict_of(base: u64, cur: u64, th: &Thresholds, whole: bool) -> Verdict {
    let delta = i128::from(cur) - i128::from(base);
    let change = relative(base, cur);
    let big = delta >= i128::from(th.size_fail_min);
    if delta <= 0 {
        Verdict::Pass
    } else if change > th.size_fail && big {
        Verdict::Fail
    } else if change > th.size_warn && (whole || big) {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

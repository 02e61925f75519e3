//! Half-open address or offset ranges `[start, end)`: merged, measured, intersected.

/// Half-open ranges, sorted and merged.
pub(super) fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.retain(|r| r.1 > r.0);
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Bytes of `[lo, hi)` inside the merged `ranges`.
pub(super) fn overlap(lo: u64, hi: u64, ranges: &[(u64, u64)]) -> u64 {
    if hi <= lo {
        return 0;
    }
    let first = ranges.partition_point(|r| r.1 <= lo);
    ranges[first..]
        .iter()
        .take_while(|r| r.0 < hi)
        .map(|r| r.1.min(hi).saturating_sub(r.0.max(lo)))
        .sum()
}

/// Bytes the merged `ranges` hold.
pub(super) fn total(ranges: &[(u64, u64)]) -> u64 {
    ranges.iter().map(|r| r.1 - r.0).sum()
}

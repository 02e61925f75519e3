//! Jump tables. A `match` compiled to a jump table puts in `.rodata` one 4-byte entry per case,
//! `case - table` (`.long .LBB - .LJTI`), each an `R_X86_64_PC32` against the code's section:
//! its `S + A` is the case plus the entry's distance from the table's start, since the field
//! is relative to the table, not to itself. Read as `S + A`, the entries after the first point
//! past their cases, and the last ones past the end of the function, into the next one (QA o:
//! topgrade's `std::io::Error::kind` "referred to" async-process's `poll_read`, which the
//! chain to async-process then went through). A table starts where code loads its address
//! (`lea table(%rip)`), so each entry is taken relative to the nearest such address before
//! it, among the entries next to it (two tables may be back to back); without one, relative
//! to the first of the entries next to it.

/// One PC-relative entry in data: its index in the references, where it is, and its `S + A`.
pub struct Entry {
    pub index: usize,
    pub at: u64,
    pub sa: u64,
}

/// The case of each of the `entries` (its index, its target): `S + A` less the entry's
/// distance from its table's start. `loaded`: the addresses code refers to.
pub fn cases(mut entries: Vec<Entry>, loaded: impl Iterator<Item = u64>) -> Vec<(usize, u64)> {
    if entries.is_empty() {
        return Vec::new();
    }
    entries.sort_unstable_by_key(|e| e.at);
    // A table's start is among its entries' addresses: only loads there are kept and sorted
    // (a few thousand, where code loads a few hundred thousand addresses).
    let (lo, hi) = (entries[0].at, entries[entries.len() - 1].at);
    let mut loaded: Vec<u64> = loaded.filter(|a| (lo..=hi).contains(a)).collect();
    loaded.sort_unstable();
    let mut run_start = 0;
    let mut out = Vec::with_capacity(entries.len());
    for k in 0..entries.len() {
        let at = entries[k].at;
        if k == 0 || entries[k - 1].at + 4 != at {
            run_start = at;
        }
        // The nearest table start at or before the entry, within its run.
        let i = loaded.partition_point(|&a| a <= at);
        let table = match i.checked_sub(1).map(|j| loaded[j]) {
            Some(t) if t >= run_start => t,
            _ => run_start,
        };
        out.push((entries[k].index, entries[k].sa.wrapping_sub(at - table)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tables back to back (0x100: 2 entries; 0x108: 3 entries), as `kind`'s in topgrade;
    /// code loads both. Each entry's case is `S + A` less its distance from its own table.
    #[test]
    fn an_entry_is_relative_to_its_own_table() {
        let cases_of = [0x5000u64, 0x5010, 0x6000, 0x6008, 0x6010];
        let ats = [0x100u64, 0x104, 0x108, 0x10c, 0x110];
        let tables = [0x100u64, 0x100, 0x108, 0x108, 0x108];
        // What the assembler writes: the case plus the distance from the table.
        let entries = |tables: &[u64]| -> Vec<Entry> {
            (0..5)
                .map(|i| Entry {
                    index: i,
                    at: ats[i],
                    sa: cases_of[i] + (ats[i] - tables[i]),
                })
                .collect()
        };
        let want: Vec<(usize, u64)> = cases_of.iter().copied().enumerate().collect();
        let loads = [0x40u64, 0x100, 0x108, 0x900];
        assert_eq!(cases(entries(&tables), loads.into_iter()), want);
        // A table of one entry at the run's last address, loaded there: its own start, as
        // the loads only at the entries' addresses are kept.
        let last = [0x100u64, 0x100, 0x100, 0x100, 0x110];
        let loads = [0x100u64, 0x110, 0x114];
        assert_eq!(cases(entries(&last), loads.into_iter()), want);
        // No load of the second table seen: both are one run, relative to its start.
        let one_run = [0x100u64; 5];
        assert_eq!(cases(entries(&one_run), std::iter::empty()), want);
    }
}

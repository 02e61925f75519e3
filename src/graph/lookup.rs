//! Pieces by address: which piece holds an address, for every reference of the binary (a few
//! hundred thousand look-ups on a large one). A binary search over all pieces misses the cache
//! at each of its ~17 steps; here the address span is cut into buckets of a power-of-two size,
//! about one bucket per piece, and each bucket knows where its pieces start in the sorted list,
//! so a look-up reads one bucket and searches the few pieces that start in it.

use crate::attribute::coverage::Piece;

/// The flag of an entry of `order` whose piece reaches the next one's start.
const REACHES: u32 = 1 << 31;

pub struct Lookup<'p> {
    pieces: &'p [Piece<'p>],
    /// The pieces with addresses, by (start, end, index), each flagged with [`REACHES`]
    /// when it does; and their starts, in that order (apart, 12 bytes a piece: a large binary
    /// has ~100k pieces).
    order: Vec<u32>,
    starts: Vec<u64>,
    /// `first[b]`: how many pieces start at or before `base + (b << shift)`.
    first: Vec<u32>,
    base: u64,
    shift: u32,
    /// Sections whose bytes are reached as a whole through `__start_`/`__stop_` symbols
    /// (names that are C identifiers): (start, end).
    arrays: Vec<(u64, u64)>,
}

impl<'p> Lookup<'p> {
    /// `sections`: (is an array section, start, end) of each section.
    pub fn new(pieces: &'p [Piece<'p>], sections: &[(bool, u64, u64)]) -> Lookup<'p> {
        let mut order: Vec<u32> = Vec::with_capacity(pieces.len());
        order.extend(
            pieces
                .iter()
                .enumerate()
                .filter(|(_, p)| p.end > p.addr)
                .map(|(i, _)| i as u32),
        );
        // The pieces come in a few runs already in address order (the symbols', by section
        // and start, then the bytes between them, by section): the stable sort finds the runs
        // and merges them, reading the pieces in their order. A quicksort read two pieces at
        // random at each comparison, a cache miss each (6-8 ms of ripgrep's 72k pieces, against
        // a buffer of 4 bytes a piece for the merge, freed at once). The indices come in order,
        // so the stable order is that of (addr, end, index).
        order.sort_by_key(|&i| {
            let p = &pieces[i as usize];
            (p.addr, p.end)
        });
        let starts: Vec<u64> = order.iter().map(|&i| pieces[i as usize].addr).collect();
        // Most pieces reach the next one's start (the bytes between symbols are pieces too):
        // flagged, a look-up there needs not read the piece's end (a cache miss: the pieces
        // are 64 bytes each, the look-ups at random).
        if pieces.len() <= REACHES as usize {
            for k in 0..order.len().saturating_sub(1) {
                if pieces[order[k] as usize].end >= starts[k + 1] {
                    order[k] |= REACHES;
                }
            }
        }
        let arrays = sections
            .iter()
            .filter(|s| s.0 && s.2 > s.1)
            .map(|s| (s.1, s.2))
            .collect();
        let base = starts.first().copied().unwrap_or(0);
        let span = starts.last().map_or(0, |&s| s - base);
        // About one bucket per piece: the smallest shift that keeps the buckets that few.
        let wanted = (starts.len() as u64).max(1);
        let shift = (0..64).find(|&s| span >> s < wanted).unwrap_or(63);
        let buckets = (span >> shift) as usize + 1;
        let mut first = Vec::with_capacity(buckets + 1);
        let mut k = 0usize;
        for b in 0..=buckets as u128 {
            let at = u128::from(base) + (b << shift);
            while k < starts.len() && u128::from(starts[k]) <= at {
                k += 1;
            }
            first.push(k as u32);
        }
        Lookup {
            pieces,
            order,
            starts,
            first,
            base,
            shift,
            arrays,
        }
    }

    /// How many pieces start at or before `a`.
    fn count_up_to(&self, a: u64) -> usize {
        let Some(off) = a.checked_sub(self.base) else {
            return 0;
        };
        let b = (off >> self.shift) as usize;
        // `b + 1` would wrap for an address near the top with a shift of 0 (fuzzing found it).
        if b.saturating_add(1) >= self.first.len() {
            return self.starts.len();
        }
        let (lo, hi) = (self.first[b] as usize, self.first[b + 1] as usize);
        lo + self.starts[lo..hi].partition_point(|&s| s <= a)
    }

    /// The piece that holds `a`: the last to start at or before it, if it reaches `a` (a
    /// piece flagged as reaching the next start holds every address up to it).
    pub fn at(&self, a: u64) -> Option<u32> {
        let k = self.count_up_to(a).checked_sub(1)?;
        let i = self.order[k] & !REACHES;
        (self.order[k] & REACHES != 0 || a < self.pieces[i as usize].end).then_some(i)
    }

    /// The pieces that start inside `[lo, hi)`.
    pub fn within(&self, lo: u64, hi: u64) -> impl Iterator<Item = u32> + '_ {
        let first = match lo.checked_sub(1) {
            Some(before) => self.count_up_to(before),
            None => 0,
        };
        self.starts[first..]
            .iter()
            .zip(&self.order[first..])
            .take_while(move |(s, _)| **s < hi)
            .map(|(_, &i)| i & !REACHES)
    }

    /// The pieces a reference to `to` reaches: the piece there, or a whole array section whose
    /// start or end it is.
    pub fn targets(&self, to: u64, out: &mut Vec<u32>) {
        out.clear();
        if let Some(&(lo, hi)) = self.arrays.iter().find(|s| s.0 == to || s.1 == to) {
            out.extend(self.within(lo, hi));
        } else if let Some(p) = self.at(to) {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::coverage::Owner;

    fn piece(addr: u64, end: u64) -> Piece<'static> {
        Piece {
            owner: Owner::Unmapped,
            file: 0,
            vm: end - addr,
            addr,
            end,
        }
    }

    /// Regression (found by `.ci/fuzz`): pieces packed closer than one byte per piece give a
    /// bucket shift of 0, and a reference to the top of the address space indexed past the
    /// buckets instead of landing after the last one.
    #[test]
    fn an_address_at_the_top_with_a_shift_of_zero_is_after_every_piece() {
        let pieces = [piece(0, 1), piece(1, 2), piece(2, 3)];
        let look = Lookup::new(&pieces, &[]);
        assert_eq!(look.shift, 0);
        assert_eq!(look.at(u64::MAX), None);
        assert_eq!(look.at(2), Some(2));
        assert_eq!(look.within(u64::MAX - 1, u64::MAX).count(), 0);
    }

    /// The bucketed look-up answers as a binary search over the sorted pieces does, on random
    /// pieces that overlap, nest, leave gaps and sit far apart.
    #[test]
    fn lookup_agrees_with_a_binary_search() {
        let mut next = crate::graph::tests::xorshift(0x5851_f42d_4c95_7f2d_u64);
        for round in 0..200 {
            let n = 1 + round % 50;
            let far = if round % 7 == 0 { u64::MAX / 4 } else { 4096 };
            let pieces: Vec<Piece> = (0..n)
                .map(|_| {
                    let a = next() % far;
                    piece(a, a + next() % 64)
                })
                .collect();
            let look = Lookup::new(&pieces, &[(true, 100, 200)]);
            let mut sorted: Vec<(u64, u64, u32)> = pieces
                .iter()
                .enumerate()
                .filter(|(_, p)| p.end > p.addr)
                .map(|(i, p)| (p.addr, p.end, i as u32))
                .collect();
            sorted.sort_unstable();
            let brute = |a: u64| {
                let k = sorted.partition_point(|r| r.0 <= a).checked_sub(1)?;
                (a < sorted[k].1).then_some(sorted[k].2)
            };
            let brute_within = |lo: u64, hi: u64| -> Vec<u32> {
                let first = sorted.partition_point(|r| r.0 < lo);
                sorted[first..]
                    .iter()
                    .take_while(|r| r.0 < hi)
                    .map(|r| r.2)
                    .collect()
            };
            let random: Vec<u64> = (0..50).map(|_| next() % far).collect();
            let probes: Vec<u64> = pieces
                .iter()
                .flat_map(|p| [p.addr, p.end, p.addr.wrapping_sub(1), p.end.wrapping_sub(1)])
                .chain(random)
                .chain([0, u64::MAX])
                .collect();
            for a in probes {
                assert_eq!(look.at(a), brute(a), "round {round} at {a:#x}");
                let hi = a.saturating_add(next() % 300);
                assert_eq!(
                    look.within(a, hi).collect::<Vec<_>>(),
                    brute_within(a, hi),
                    "round {round} within {a:#x}..{hi:#x}"
                );
            }
        }
    }
}

//! Bytes without a symbol that describe code the binary names (issue 13, item 6): each
//! `.eh_frame` FDE and its LSDA in `.gcc_except_table` describe one function, each row of
//! `.eh_frame_hdr` points at one FDE, each dynamic relocation patches one symbol's bytes.
//! Read here as [`Described`] ranges: the bytes, and an address inside what they describe.

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, Rela as _, SectionHeader};

/// Bytes from `start` that describe what is at address `owner`. Where they end is not kept:
/// the layout cuts the bytes at every start, so they end where the next cut is (a large
/// binary has ~100k of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Described {
    pub start: u64,
    pub owner: u64,
}

/// Every described range of the ELF file `data`, sorted by start. Malformed tables are read
/// as far as they make sense; what is not understood is left out (it stays `[no symbol]`).
#[cfg(test)]
pub fn described<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Vec<Described> {
    described_with::<H>(data, &mut Vec::new())
}

/// `described` (of the tests), and in `personalities` each FDE's start with the personality its CIE names
/// (`zPLR`): the address of the cell that holds the routine's (`DW.ref.rust_eh_personality`,
/// an indirect encoding) or of the routine itself. The unwinder calls it for every frame of the
/// function it unwinds through, by no reference in the code (QA ct F1: rust_eh_personality was
/// said to be linked but unreachable).
pub fn described_with<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    personalities: &mut Vec<(u64, u64)>,
) -> Vec<Described> {
    let Some((_, endian, sections)) = crate::attribute::elf_parts::<H>(data) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut lsdas: Vec<(u64, u64)> = Vec::new();
    let find = |name: &[u8]| {
        sections.iter().find(|sh| {
            sections.section_name(endian, sh).ok() == Some(name)
                && sh.sh_type(endian) != elf::SHT_NOBITS
        })
    };
    let bytes_of = |sh: &H::SectionHeader| -> Option<(u64, &[u8])> {
        let addr: u64 = sh.sh_addr(endian).into();
        Some((addr, sh.data(endian, data).ok()?))
    };
    if let Some((addr, bytes)) = find(b".eh_frame").and_then(bytes_of) {
        eh_frame(addr, bytes, (&mut out, &mut lsdas), personalities);
    }
    if let Some((addr, bytes)) = find(b".eh_frame_hdr").and_then(bytes_of) {
        eh_frame_hdr(addr, bytes, &mut out);
    }
    if let Some(sh) = find(b".gcc_except_table") {
        let addr: u64 = sh.sh_addr(endian).into();
        let end = addr.saturating_add(sh.sh_size(endian).into());
        lsdas.retain(|l| (addr..end).contains(&l.0));
        lsdas.sort_unstable();
        lsdas.dedup_by_key(|l| l.0);
        let table = bytes_of(sh).map_or(&[][..], |(_, b)| b);
        for (k, &(start, owner)) in lsdas.iter().enumerate() {
            out.push(Described { start, owner });
            // Each one ends where its own tables end (QA ac, B1: 383 KiB that no FDE points
            // at ran on from the LSDA before them); read as far as it makes sense, else where
            // the next one starts. The padding up to the next one's alignment stays with it.
            let next = lsdas.get(k + 1).map_or(end, |l| l.0);
            if let Some(len) = lsda_len(table, (start - addr) as usize, addr)
                && start + len.next_multiple_of(LSDA_ALIGN) < next
            {
                out.push(Described {
                    start: start + len,
                    owner: crate::attribute::coverage::NO_OWNER,
                });
            }
        }
    }
    for sh in sections.iter() {
        let alloc = sh.sh_flags(endian).contains(elf::SHF_ALLOC);
        if sh.sh_type(endian) != elf::SHT_RELA || !alloc {
            continue;
        }
        let Ok(Some((relas, _))) = sh.rela(endian, data) else {
            continue;
        };
        let addr: u64 = sh.sh_addr(endian).into();
        let size = std::mem::size_of::<H::Rela>() as u64;
        for (k, r) in relas.iter().enumerate() {
            let start = addr + k as u64 * size;
            out.push(Described {
                start,
                owner: r.r_offset(endian).into(),
            });
        }
    }
    out.sort_unstable();
    out
}

/// The alignment compilers give each LSDA (LLVM's `.p2align 2`, GCC's likewise).
const LSDA_ALIGN: u64 = 4;

/// The length in bytes of the LSDA at offset `start` of `.gcc_except_table` (`table`, at address
/// `addr`): its header, call-site table, action table, type table and exception
/// specifications, as the personality routine reads them (the Itanium C++ ABI's layout, which
/// Rust's personality shares). `None` for what does not parse.
fn lsda_len(table: &[u8], start: usize, addr: u64) -> Option<u64> {
    let mut r = Reader {
        bytes: table,
        at: start,
        base: addr,
    };
    let lp_enc = r.u8()?;
    r.skip_pointer(lp_enc)?;
    let tt_enc = r.u8()?;
    // The type table ends where its base points: its entries lie before it, the exception
    // specifications after it.
    let tt_base = match tt_enc {
        0xff => None,
        _ => {
            let off = r.uleb()?;
            Some(r.at.checked_add(usize::try_from(off).ok()?)?)
        }
    };
    let cs_enc = r.u8()?;
    let cs_len = usize::try_from(r.uleb()?).ok()?;
    let actions = r.at.checked_add(cs_len)?;
    let mut end = actions.max(tt_base.unwrap_or(0));
    let mut firsts = Vec::new();
    while r.at < actions {
        for _ in 0..3 {
            r.skip_pointer(cs_enc)?;
        }
        match r.uleb()? {
            0 => {}
            a => firsts.push(actions.checked_add(usize::try_from(a - 1).ok()?)?),
        }
    }
    if r.at != actions {
        return None;
    }
    // Each chain of action records (filter, offset to the next), followed to its end.
    let mut seen = std::collections::HashSet::new();
    for first in firsts {
        let mut at = first;
        while seen.insert(at) {
            r.at = at;
            let filter = r.sleb()?;
            let next_at = r.at;
            let next = r.sleb()?;
            end = end.max(r.at);
            if filter < 0 {
                end = end.max(spec_end(table, tt_base?, filter)?.0);
            }
            if next == 0 {
                break;
            }
            at = usize::try_from(i64::try_from(next_at).ok()?.checked_add(next)?).ok()?;
        }
    }
    // The records that no call site starts a chain at still have their specifications: g++
    // gives a function's cold part its own LSDA with the whole action table.
    if let (Some(base), Some(size)) = (tt_base, fixed_size(tt_enc)) {
        end = end.max(unreferenced_specs(table, actions, base, size));
    }
    (end <= table.len()).then(|| (end - start) as u64)
}

/// Where the exception specification of `filter` (negative: an offset after the type
/// table's `base`) ends, and the largest type index in it: a list of indices that ends with 0.
fn spec_end(table: &[u8], base: usize, filter: i64) -> Option<(usize, usize)> {
    let mut s = Reader {
        bytes: table,
        at: base.checked_add(usize::try_from(-(filter + 1)).ok()?)?,
        base: 0,
    };
    let mut types = 0;
    loop {
        match s.uleb()? {
            0 => return Some((s.at, types)),
            t => types = types.max(usize::try_from(t).ok()?),
        }
    }
}

/// The size of a pointer in encoding `enc`, when it has one.
fn fixed_size(enc: u8) -> Option<usize> {
    match enc & 0x0f {
        0x00 | 0x04 | 0x0c => Some(8),
        0x03 | 0x0b => Some(4),
        0x02 | 0x0a => Some(2),
        _ => None,
    }
}

/// The end of the exception specifications of the action records from `actions` on, read one
/// after the other up to the type table (its entries of `size` bytes end at `base`; as many
/// as the largest filter or type index read so far), or `base` when there are none.
fn unreferenced_specs(table: &[u8], actions: usize, base: usize, size: usize) -> usize {
    let mut r = Reader {
        bytes: table,
        at: actions,
        base: 0,
    };
    let (mut end, mut types) = (base, 0usize);
    // Padding read as records (GCC aligns the type table) may give nonsense: the reading
    // stops there, and what was read stands.
    while let Some(limit) = size.checked_mul(types).and_then(|n| base.checked_sub(n)) {
        let Some(filter) = r.sleb().filter(|_| r.at < limit) else {
            break;
        };
        if r.sleb().is_none() || r.at > limit {
            break;
        }
        if filter > 0 {
            types = types.max(usize::try_from(filter).unwrap_or(usize::MAX));
        } else if filter < 0 {
            let Some((at, most)) = spec_end(table, base, filter) else {
                break;
            };
            (end, types) = (end.max(at), types.max(most));
        }
    }
    end
}

/// A little-endian reader over a table, with the address of its first byte.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn uleb(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn sleb(&mut self) -> Option<i64> {
        let mut v = 0i64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= i64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if shift + 7 < 64 && b & 0x40 != 0 {
                    v |= -1i64 << (shift + 7);
                }
                return Some(v);
            }
        }
        None
    }
    /// Step over a pointer in `DW_EH_PE_*` encoding `enc`, however it is applied.
    fn skip_pointer(&mut self, enc: u8) -> Option<()> {
        match enc {
            0xff => Some(()),
            _ => self.pointer(enc & 0x0f, 0).map(|_| ()),
        }
    }
    fn cstr(&mut self) -> Option<&'a [u8]> {
        let len = self.bytes.get(self.at..)?.iter().position(|&b| b == 0)?;
        let s = self.take(len)?;
        self.at += 1;
        Some(s)
    }
    /// A pointer in DWARF's `DW_EH_PE_*` encoding; `datarel` is the base of `0x30`.
    fn pointer(&mut self, enc: u8, datarel: u64) -> Option<u64> {
        if enc == 0xff {
            return None;
        }
        let here = self.base.wrapping_add(self.at as u64);
        let raw: u64 = match enc & 0x0f {
            0x00 | 0x04 | 0x0c => {
                let b = self.take(8)?;
                u64::from_le_bytes(b.try_into().ok()?)
            }
            0x01 => self.uleb()?,
            0x02 => u64::from(u16::from_le_bytes(self.take(2)?.try_into().ok()?)),
            0x0a => i64::from(i16::from_le_bytes(self.take(2)?.try_into().ok()?)) as u64,
            0x03 => u64::from(self.u32()?),
            0x0b => i64::from(self.u32()? as i32) as u64,
            _ => return None,
        };
        match enc & 0x70 {
            0x00 => Some(raw),
            0x10 => Some(here.wrapping_add(raw)),
            0x30 => Some(datarel.wrapping_add(raw)),
            _ => None,
        }
    }
}

/// A CIE's FDE and LSDA encodings and the address its personality pointer gives (see
/// [`described_with`]).
type Cie = (u8, Option<u8>, Option<u64>);

/// The FDE and LSDA encodings and the personality of a CIE's augmentation (`zR`, `zPLR`, ...).
fn cie_encodings(r: &mut Reader) -> Option<Cie> {
    let version = r.u8()?;
    let aug = r.cstr()?.to_vec();
    r.uleb()?; // code alignment
    r.uleb()?; // data alignment (signed; only skipped)
    if version == 1 {
        r.u8()?;
    } else {
        r.uleb()?;
    }
    let (mut fde, mut lsda, mut personality) = (0u8, None, None);
    if aug.first() != Some(&b'z') {
        return Some((fde, lsda, personality));
    }
    r.uleb()?;
    for c in &aug[1..] {
        match c {
            b'R' => fde = r.u8()?,
            b'L' => lsda = Some(r.u8()?),
            // Indirect (0x80): the address of a cell holding the routine's; either way the
            // address read is what the unwinder goes to first.
            b'P' => {
                let enc = r.u8()?;
                personality = r.pointer(enc & 0x7f, 0).filter(|&a| a != 0);
            }
            _ => {}
        }
    }
    Some((fde, lsda, personality))
}

/// Each FDE to the function it describes (its initial location), its LSDA to the same; each
/// FDE whose CIE names a personality, with it, to `personalities`.
fn eh_frame(
    addr: u64,
    bytes: &[u8],
    (out, lsdas): (&mut Vec<Described>, &mut Vec<(u64, u64)>),
    personalities: &mut Vec<(u64, u64)>,
) {
    let mut cies: std::collections::HashMap<usize, Cie> = Default::default();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let mut r = Reader {
            bytes,
            at,
            base: addr,
        };
        let Some(len) = r.u32() else { break };
        if len == 0 {
            break;
        }
        let len = if len == 0xffff_ffff {
            match r.take(8) {
                Some(b) => u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize,
                None => break,
            }
        } else {
            len as usize
        };
        let body = r.at;
        let Some(end) = body.checked_add(len).filter(|e| *e <= bytes.len()) else {
            break;
        };
        let Some(id) = r.u32() else { break };
        if id == 0 {
            let mut c = Reader {
                bytes,
                at: r.at,
                base: addr,
            };
            if let Some(enc) = cie_encodings(&mut c) {
                cies.insert(at, enc);
            }
        } else if let Some(&(fde_enc, lsda_enc, personality)) =
            body.checked_sub(id as usize).and_then(|cie| cies.get(&cie))
            && let Some(pc) = r.pointer(fde_enc, 0)
        {
            out.push(Described {
                start: addr + at as u64,
                owner: pc,
            });
            if let Some(p) = personality {
                personalities.push((addr + at as u64, p));
            }
            if let Some(enc) = lsda_enc
                && r.pointer(fde_enc & 0x0f, 0).is_some()
                && r.uleb().is_some()
                && let Some(lsda) = r.pointer(enc, 0)
                && lsda != 0
            {
                lsdas.push((lsda, pc));
            }
        }
        at = end;
    }
}

/// `.eh_frame_hdr`: a 4-byte header, the encoded `.eh_frame` pointer and count, then a sorted
/// table of (initial location, FDE address) pairs; each row describes its function.
fn eh_frame_hdr(addr: u64, bytes: &[u8], out: &mut Vec<Described>) {
    let mut r = Reader {
        bytes,
        at: 0,
        base: addr,
    };
    let (Some(1), Some(ptr_enc), Some(count_enc), Some(table_enc)) =
        (r.u8(), r.u8(), r.u8(), r.u8())
    else {
        return;
    };
    if r.pointer(ptr_enc, addr).is_none() {
        return;
    }
    let Some(count) = r.pointer(count_enc, addr) else {
        return;
    };
    // Only the usual 4-byte data-relative rows have a fixed size to step over.
    if table_enc != 0x3b {
        return;
    }
    for _ in 0..count {
        let start = addr + r.at as u64;
        let (Some(loc), Some(_)) = (r.pointer(table_enc, addr), r.pointer(table_enc, addr)) else {
            return;
        };
        out.push(Described { start, owner: loc });
    }
}

#[cfg(test)]
#[path = "unwind_tests.rs"]
mod tests;

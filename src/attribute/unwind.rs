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
pub fn described<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Vec<Described> {
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
        eh_frame(addr, bytes, &mut out, &mut lsdas);
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
        // Each one ends where the next one starts, or with the section.
        out.extend(
            lsdas
                .iter()
                .map(|&(start, owner)| Described { start, owner }),
        );
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

/// The FDE and LSDA encodings of a CIE's augmentation (`zR`, `zPLR`, ...).
fn cie_encodings(r: &mut Reader) -> Option<(u8, Option<u8>)> {
    let version = r.u8()?;
    let aug = r.cstr()?.to_vec();
    r.uleb()?; // code alignment
    r.uleb()?; // data alignment (signed; only skipped)
    if version == 1 {
        r.u8()?;
    } else {
        r.uleb()?;
    }
    let (mut fde, mut lsda) = (0u8, None);
    if aug.first() != Some(&b'z') {
        return Some((fde, lsda));
    }
    r.uleb()?;
    for c in &aug[1..] {
        match c {
            b'R' => fde = r.u8()?,
            b'L' => lsda = Some(r.u8()?),
            b'P' => {
                let enc = r.u8()?;
                r.pointer(enc & 0x7f, 0)?;
            }
            _ => {}
        }
    }
    Some((fde, lsda))
}

/// Each FDE to the function it describes (its initial location), its LSDA to the same.
fn eh_frame(addr: u64, bytes: &[u8], out: &mut Vec<Described>, lsdas: &mut Vec<(u64, u64)>) {
    let mut cies: std::collections::HashMap<usize, (u8, Option<u8>)> = Default::default();
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
        } else if let Some(&(fde_enc, lsda_enc)) =
            body.checked_sub(id as usize).and_then(|cie| cies.get(&cie))
            && let Some(pc) = r.pointer(fde_enc, 0)
        {
            out.push(Described {
                start: addr + at as u64,
                owner: pc,
            });
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

//! A crash's stack followed by the call frame information of the files its code is in
//! (`.eh_frame`, found through `.eh_frame_hdr`'s table, read with gimli): from the registers at
//! the signal, each frame's row gives its caller's stack pointer (the CFA), its return address
//! and the callee-saved registers it had, read from the stack's words the tracer kept
//! ([`Machine`]). These are the rules gdb's and libgcc's unwinders follow, so no stale return
//! address left in a slot not yet overwritten is taken for a frame. What they cannot follow (an
//! address without an FDE, a rule given as a DWARF expression, a word not read, a file that is
//! not the one mapped) ends the walk; `frames.rs` reads the words above the last frame then,
//! as it reads the whole stack when there is no call frame information at all.

use std::collections::HashMap;
use std::ops::Range;

use gimli::{
    BaseAddresses, CfaRule, EhFrame, EhFrameHdr, LittleEndian, Register, RegisterRule,
    UnwindContext, UnwindSection,
};
use object::read::elf::{FileHeader, ProgramHeader as _, SectionHeader as _};
use object::{Endianness, elf};

use super::tracer::{Machine, Mapping};
use crate::inspect::Mapped;

type Header = elf::FileHeader64<Endianness>;

/// The DWARF numbers of x86-64's stack pointer and return address column.
const RSP: usize = 7;
const RA: usize = 16;

/// The registers a caller gets back from its callee's frame: the callee-saved ones (rbx, rbp,
/// r12 to r15) and the return address. The others are the callee's to spoil.
const RESTORED: [usize; 7] = [3, 6, 12, 13, 14, 15, RA];

/// One frame of the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The file its code is in, as mapped.
    pub path: String,
    /// The address in that file (its virtual address, as its symbols give it) of the
    /// instruction: the crashing one for the innermost frame, the last byte of the call for
    /// the others (the return address minus one: a call that ends its function returns to the
    /// next one's first byte). `None` when the file could not be read.
    pub at: Option<u64>,
}

/// The frames the call frame information gives, innermost first.
#[derive(Debug)]
pub struct Unwound {
    pub frames: Vec<Frame>,
    /// Where the walk stopped short of the stack's end, if it did: the stack pointer of the
    /// last frame; the words from there up are still to be read. `None` when the outermost
    /// frame said it was the last (`_start`'s return address is undefined) or `max` was met.
    pub stopped: Option<u64>,
}

/// The frames of `m`'s stack, at most `max`.
pub fn unwind(m: &Machine, max: usize) -> Unwound {
    let mut regs = m.regs.clone();
    let Some(&base) = regs.get(RSP).filter(|_| regs.len() > RA) else {
        return Unwound {
            frames: Vec::new(),
            stopped: None,
        };
    };
    let read = |a: u64| -> Option<u64> {
        let d = a.checked_sub(base).filter(|d| d % 8 == 0)?;
        m.words.get(usize::try_from(d / 8).ok()?).copied()
    };
    let mut files: HashMap<&str, Option<Module>> = HashMap::new();
    let mut ctx = UnwindContext::new();
    let mut frames = Vec::new();
    let stopped = loop {
        let sp = regs[RSP];
        // The innermost frame is at its instruction; a caller inside its call.
        let pc = if frames.is_empty() {
            regs[RA]
        } else {
            regs[RA].wrapping_sub(1)
        };
        let Some(map) = m.code.iter().find(|c| c.start <= pc && pc < c.end) else {
            break Some(sp);
        };
        let module = files
            .entry(map.path.as_str())
            .or_insert_with(|| Module::open(map));
        let at = module
            .as_ref()
            .and_then(|f| f.loads.vaddr(pc - map.start + map.offset));
        frames.push(Frame {
            path: map.path.clone(),
            at,
        });
        if frames.len() >= max {
            break None;
        }
        let (Some(module), Some(at)) = (module.as_ref(), at) else {
            break Some(sp);
        };
        match module.step(&mut ctx, at, &regs, &read) {
            Step::Caller(next) if next[RSP] > sp => regs = next,
            Step::Outermost => break None,
            Step::Caller(_) | Step::Unknown => break Some(sp),
        }
    };
    Unwound { frames, stopped }
}

/// What a frame's row says of its caller.
enum Step {
    /// The caller's registers.
    Caller(Vec<u64>),
    /// There is none: the return address is undefined (or 0).
    Outermost,
    /// The row cannot be found or followed.
    Unknown,
}

/// A file whose code is on the stack: its bytes, loaded segments and unwind sections.
struct Module {
    file: Mapped,
    loads: Loads,
    /// `.eh_frame`: its address and its bytes' range in the file.
    eh_frame: (u64, Range<usize>),
    /// `.eh_frame_hdr`, when there is one.
    hdr: Option<(u64, Range<usize>)>,
}

impl Module {
    /// The file of `map`, if it is still the one mapped (same inode) and a 64-bit ELF file
    /// with an `.eh_frame`.
    fn open(map: &Mapping) -> Option<Module> {
        let path = std::path::Path::new(&map.path);
        if map.inode != 0 {
            use std::os::unix::fs::MetadataExt;
            if std::fs::metadata(path).ok()?.ino() != map.inode {
                return None;
            }
        }
        let file = Mapped::open(path).ok()?;
        let data = file.bytes();
        let (_, endian, sections) = crate::attribute::elf_parts::<Header>(data)?;
        let loads = loads(data)?;
        let section = |name: &[u8]| {
            let (_, sh) = sections.section_by_name(endian, name)?;
            let (off, size) = sh.file_range(endian)?;
            let range = usize::try_from(off).ok()?..usize::try_from(off + size).ok()?;
            data.get(range.clone())?;
            Some((sh.sh_addr(endian), range))
        };
        let eh_frame = section(b".eh_frame")?;
        let hdr = section(b".eh_frame_hdr");
        Some(Module {
            file,
            loads,
            eh_frame,
            hdr,
        })
    }

    /// Follow the row of the frame at `at` from `regs` (`read` gives the stack's words).
    fn step(
        &self,
        ctx: &mut UnwindContext<usize>,
        at: u64,
        regs: &[u64],
        read: &dyn Fn(u64) -> Option<u64>,
    ) -> Step {
        let data = self.file.bytes();
        let eh = EhFrame::new(&data[self.eh_frame.1.clone()], LittleEndian);
        let mut bases = BaseAddresses::default().set_eh_frame(self.eh_frame.0);
        let table = self.hdr.as_ref().and_then(|(addr, range)| {
            bases = bases.clone().set_eh_frame_hdr(*addr);
            EhFrameHdr::new(&data[range.clone()], LittleEndian)
                .parse(&bases, 8)
                .ok()
        });
        let row = match table.as_ref().and_then(|t| t.table()) {
            Some(t) => t.unwind_info_for_address(&eh, &bases, ctx, at, EhFrame::cie_from_offset),
            None => eh.unwind_info_for_address(&bases, ctx, at, EhFrame::cie_from_offset),
        };
        let Ok(row) = row else {
            return Step::Unknown;
        };
        let CfaRule::RegisterAndOffset { register, offset } = *row.cfa() else {
            return Step::Unknown;
        };
        let Some(cfa) = regs
            .get(usize::from(register.0))
            .map(|r| r.wrapping_add_signed(offset))
        else {
            return Step::Unknown;
        };
        let mut next = regs.to_vec();
        for r in RESTORED {
            let value = match row.register(Register(r as u16)) {
                None | Some(RegisterRule::SameValue) => Some(regs[r]),
                Some(RegisterRule::Undefined) if r == RA => return Step::Outermost,
                // Not needed by the caller's own rules, as far as they go.
                Some(RegisterRule::Undefined) => Some(regs[r]),
                Some(RegisterRule::Offset(n)) => read(cfa.wrapping_add_signed(n)),
                Some(RegisterRule::ValOffset(n)) => Some(cfa.wrapping_add_signed(n)),
                Some(RegisterRule::Register(o)) => regs.get(usize::from(o.0)).copied(),
                Some(_) => None,
            };
            let Some(value) = value else {
                return Step::Unknown;
            };
            next[r] = value;
        }
        next[RSP] = cfa;
        if next[RA] == 0 {
            return Step::Outermost;
        }
        Step::Caller(next)
    }
}

/// The file's loaded segments: (offset, size in the file, address).
pub(super) struct Loads(Vec<(u64, u64, u64)>);

pub(super) fn loads(data: &[u8]) -> Option<Loads> {
    let header = Header::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let phdrs = header.program_headers(endian, data).ok()?;
    Some(Loads(
        phdrs
            .iter()
            .filter(|p| p.p_type(endian) == elf::PT_LOAD)
            .map(|p| (p.p_offset(endian), p.p_filesz(endian), p.p_vaddr(endian)))
            .collect(),
    ))
}

impl Loads {
    pub(super) fn vaddr(&self, off: u64) -> Option<u64> {
        self.0
            .iter()
            .find(|&&(o, size, _)| o <= off && off < o + size)
            .map(|&(o, _, vaddr)| vaddr + (off - o))
    }

    pub(super) fn offset(&self, vaddr: u64) -> Option<u64> {
        self.0
            .iter()
            .find(|&&(_, size, v)| v <= vaddr && vaddr < v + size)
            .map(|&(o, _, v)| o + (vaddr - v))
    }
}

#[cfg(test)]
#[path = "unwind_tests.rs"]
mod tests;

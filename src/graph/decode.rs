//! References recovered from x86-64 machine code, for binaries linked without
//! `--emit-relocs`: the targets of direct calls and jumps, RIP-relative memory operands, and in
//! a position-dependent executable (`ET_EXEC`) immediates that fall inside the image. An
//! indirect call through a register is not seen; data-held addresses come from the dynamic
//! relocations (PIE) or, in an `ET_EXEC`, from aligned words of data that point into code.
//! Decoded by `iced-x86` (its decoder only).

use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction, OpKind};
use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, SectionHeader, SectionTable, Sym as _};

use super::refs::Ref;
use crate::report::RefKind;

/// Sections whose words are not addresses (unwind tables, notes, string tables).
const NOT_POINTERS: &[&[u8]] = &[
    b".eh_frame",
    b".eh_frame_hdr",
    b".gcc_except_table",
    b".dynstr",
    b".dynsym",
    b".gnu.hash",
    b".hash",
];

/// Told which bytes of the file (a range of offsets) a pass has read and will not read again.
pub type Done<'a> = &'a (dyn Fn(std::ops::Range<usize>) + Sync);

/// The references of the code (and, in an `ET_EXEC`, of the data) of an x86-64 ELF file, in
/// parts to be read one after the other; `None` for another machine. The code is decoded
/// once: `done` is told of it as it goes.
pub fn decoded<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    done: Done,
) -> Option<Vec<Vec<Ref>>> {
    decode::<H>(data, None, done)
}

/// The references of the code of an x86-64 ELF file linked with `--emit-relocs` that its
/// static relocations do not show: an instruction with none of `sites` (the relocated
/// addresses, sorted) in its bytes. The assembler resolves a call, jump or RIP-relative
/// address to a local symbol of the same section itself and keeps no relocation for it: in
/// C code built without `-ffunction-sections` (glibc's `libc.a`: `malloc` calls `_int_malloc`
/// so), those are most calls. Absolute addresses always keep theirs, so immediates and data
/// are not read here. `None` for another machine.
pub fn unrelocated<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    sites: &[u64],
    done: Done,
) -> Option<Vec<Vec<Ref>>> {
    decode::<H>(data, Some(sites), done)
}

/// [`decoded`], or [`unrelocated`] with `sites`.
fn decode<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    sites: Option<&[u64]>,
    done: Done,
) -> Option<Vec<Vec<Ref>>> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    if header.e_machine(endian) != elf::EM_X86_64 {
        return None;
    }
    let sections = header.sections(endian, data).ok()?;
    let exec = header.e_type(endian) == elf::ET_EXEC && sites.is_none();
    // The image, to tell an immediate that is an address from one that is a number.
    let (lo, hi) = sections
        .iter()
        .filter(|sh| sh.sh_flags(endian).contains(elf::SHF_ALLOC))
        .fold((u64::MAX, 0u64), |(lo, hi), sh| {
            let a: u64 = sh.sh_addr(endian).into();
            let s: u64 = sh.sh_size(endian).into();
            (lo.min(a), hi.max(a + s))
        });
    let (starts, rust, within) = code_starts(&sections, endian, data, sites.is_some());
    let reading = Reading {
        image: exec.then_some((lo, hi)),
        got: super::pcrel::got_ranges(&sections, endian),
        sites: sites.unwrap_or_default(),
    };
    let mut jobs: Vec<Job> = Vec::new();
    for sh in sections.iter() {
        let flags = sh.sh_flags(endian);
        if !flags.contains(elf::SHF_ALLOC) || sh.sh_type(endian) == elf::SHT_NOBITS {
            continue;
        }
        let Ok(bytes) = sh.data(endian, data) else {
            continue;
        };
        let addr: u64 = sh.sh_addr(endian).into();
        if flags.contains(elf::SHF_EXECINSTR) {
            let end = addr + bytes.len() as u64;
            let first = starts.partition_point(|&s| s <= addr);
            let mut cuts = vec![addr];
            cuts.extend(starts[first..].iter().take_while(|&&s| s < end));
            cuts.push(end);
            for w in cuts.windows(2) {
                if rust.binary_search(&w[0]).is_ok() {
                    continue;
                }
                let (s, e) = ((w[0] - addr) as usize, (w[1] - addr) as usize);
                jobs.push(Job::Code(&bytes[s..e], w[0], within.end(w[0], w[1])));
            }
        } else if exec {
            let name = sections.section_name(endian, sh).unwrap_or_default();
            if !NOT_POINTERS.contains(&name) {
                jobs.push(Job::Words(bytes, addr));
            }
        }
    }
    Some(in_two(&jobs, &reading, (lo, hi), (data, done)))
}

/// Where code starts: every symbol in an executable section (sorted, once each), where decoding
/// restarts, so that bytes between functions (padding, data) cannot shift the decoding of the
/// next one; `with_sites`, also where functions with Rust names start (see the comment inside);
/// and each symbol's extent.
fn code_starts<H: FileHeader<Endian = Endianness>>(
    sections: &SectionTable<'_, H>,
    endian: Endianness,
    data: &[u8],
    with_sites: bool,
) -> (Vec<u64>, Vec<u64>, Within) {
    // With `sites`, also where functions with Rust names start: rustc gives each function a
    // section of its own, so every reference between functions keeps its relocation, and only
    // the other code (glibc's, assembly) is decoded.
    let mut symbols: Vec<(u64, u64, bool)> = Vec::new();
    let mut rust: Vec<u64> = Vec::new();
    if let Ok(t) = sections.symbols(endian, data, elf::SHT_SYMTAB) {
        for s in t.iter().filter(|s| !s.st_shndx(endian).is_special()) {
            let value: u64 = s.st_value(endian).into();
            let section = s.st_type() == elf::STT_SECTION;
            symbols.push((value, s.st_size(endian).into(), section));
            if with_sites
                && s.st_type() == elf::STT_FUNC
                && s.name(endian, t.strings())
                    .is_ok_and(crate::attribute::demangle::is_rust)
            {
                rust.push(value);
            }
        }
    }
    rust.sort_unstable();
    let mut starts: Vec<u64> = symbols.iter().map(|s| s.0).collect();
    starts.sort_unstable();
    starts.dedup();
    let within = Within::of(&symbols);
    (starts, rust, within)
}

/// What the decoding of code needs beside the bytes: in an `ET_EXEC` the image's range (an
/// immediate inside it is an address), the GOT's ranges, and the relocation sites (see
/// [`unrelocated`]).
pub(super) struct Reading<'a> {
    pub image: Option<(u64, u64)>,
    pub got: Vec<(u64, u64)>,
    pub sites: &'a [u64],
}

/// `cmpq $0, slot(%rip)`: where the slot is the GOT's, the test of whether a weak symbol is
/// linked at all (glibc's static `_IO_vtable_check`: `if (__dlopen != NULL)`), which keeps
/// nothing alive and reaches nothing: no reference (QA bn F5: it made 50 KiB of `_dl_open`
/// reachable from `main`). See [`super::pcrel::is_null_test`] for the relocated form.
fn null_test(ins: &Instruction) -> bool {
    ins.mnemonic() == iced_x86::Mnemonic::Cmp
        && ins.op_count() == 2
        && ins.op0_kind() == OpKind::Memory
        && ins.memory_size() == iced_x86::MemorySize::UInt64
        && matches!(
            ins.op1_kind(),
            OpKind::Immediate8to64 | OpKind::Immediate32to64
        )
        && ins.immediate(1) == 0
}

/// A run of code to decode from its start (with the end of the symbol bytes it starts with,
/// see [`Within`]), or of data to read as words, at an address.
enum Job<'a> {
    Code(&'a [u8], u64, u64),
    Words(&'a [u8], u64),
}

/// Where the symbol that starts a run of code surely keeps its bytes to itself. A jump or
/// address from those bytes into them (a loop, a branch inside a function: most of the
/// references of the code) is an edge of the symbol's piece to itself, which the graph drops:
/// it is not kept, so it costs no memory, no cut and no lookup. The stretch from a sized
/// symbol's start to the nearest start or end of any sized symbol is covered by the same
/// symbols throughout, so the attribution gives it to one piece, whatever the overlaps.
struct Within {
    /// Where sized symbols start, sorted.
    sized: Vec<u64>,
    /// Where sized symbols end, sorted.
    ends: Vec<u64>,
}

impl Within {
    fn of(symbols: &[(u64, u64, bool)]) -> Within {
        let sized = symbols.iter().filter(|s| s.1 > 0 && !s.2);
        let mut starts: Vec<u64> = sized.clone().map(|s| s.0).collect();
        let mut ends: Vec<u64> = sized.map(|s| s.0.saturating_add(s.1)).collect();
        starts.sort_unstable();
        ends.sort_unstable();
        Within {
            sized: starts,
            ends,
        }
    }

    /// The end of the one-piece stretch from `start` (a run of code to `next`); `start` when
    /// no sized symbol starts there.
    fn end(&self, start: u64, next: u64) -> u64 {
        if self.sized.binary_search(&start).is_err() {
            return start;
        }
        let k = self.ends.partition_point(|&e| e <= start);
        self.ends.get(k).map_or(start, |&e| e.min(next))
    }
}

/// Code below this many bytes is decoded on one thread: a second would not pay its start.
const PARALLEL_FROM: usize = 1 << 20;

/// Code decoded from this many bytes on is told `done` at once: a call each for fewer would
/// cost more than the pages it frees.
const DONE_EVERY: usize = 1 << 20;

/// The references of `jobs`, in their order. Decoding is most of the graph's time on a
/// binary without relocations, so a large one is cut in two halves of code, the second
/// decoded on a thread of its own (see [`crate::threads::both`]); the second half's references follow
/// the first's. The code's bytes are read once: `done` (with `data`, the whole file the jobs'
/// bytes are from) is told of them, a MiB at a time: on the tool's own binary its 8 MiB of
/// code were resident together, at the top of `inspect`'s peak memory.
fn in_two(
    jobs: &[Job],
    reading: &Reading,
    (lo, hi): (u64, u64),
    (data, done): (&[u8], Done),
) -> Vec<Vec<Ref>> {
    let weight = |j: &Job| match j {
        Job::Code(b, ..) => b.len(),
        Job::Words(..) => 0,
    };
    let run = |jobs: &[Job]| {
        // Fewer than one kept reference per 14 bytes of code: room for them at once, not
        // regrown (the room not filled is never touched, so never takes memory).
        let mut out = Vec::with_capacity(jobs.iter().map(weight).sum::<usize>() / 14);
        // The file's offsets of the code decoded and not yet told `done`.
        let mut read: Option<std::ops::Range<usize>> = None;
        for j in jobs {
            match *j {
                Job::Code(bytes, addr, own) => {
                    code(bytes, addr, own, reading, &mut out);
                    let at = (bytes.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
                    let r = read.get_or_insert(at..at);
                    r.end = r.end.max(at + bytes.len());
                    if r.len() >= DONE_EVERY {
                        done(std::mem::replace(r, r.end..r.end));
                    }
                }
                Job::Words(bytes, addr) => words(bytes, addr, lo, hi, &mut out),
            }
        }
        if let Some(r) = read {
            done(r);
        }
        out
    };
    let total: usize = jobs.iter().map(weight).sum();
    if total < PARALLEL_FROM {
        return vec![run(jobs)];
    }
    let mut acc = 0usize;
    let half = jobs
        .iter()
        .position(|j| {
            acc += weight(j);
            acc >= total / 2
        })
        .map_or(jobs.len(), |k| k + 1);
    let (first, second) = jobs.split_at(half);
    let (out, rest) = crate::threads::both(true, || run(first), || run(second));
    vec![out, rest]
}

/// The references of the code at `addr`; those from and to `addr..own` (the bytes of the
/// symbol it starts with, see [`Within`]) are left out, as are those of an instruction with
/// one of `sites` (sorted) in its bytes; those from those bytes, once per target and kind.
fn code(bytes: &[u8], addr: u64, own: u64, reading: &Reading, out: &mut Vec<Ref>) {
    let sites = reading.sites;
    let start = out.len();
    let mut decoder = Decoder::with_ip(64, bytes, addr, DecoderOptions::NONE);
    let mut ins = Instruction::default();
    // The first site past the instruction's start, moved along with the code.
    let mut site = sites.partition_point(|&s| s <= addr);
    let mut push = |from: u64, to: u64, kind: RefKind| {
        if from >= own || to < addr || to >= own {
            out.push(Ref { from, to, kind });
        }
    };
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        let from = ins.ip();
        if !sites.is_empty() {
            while sites.get(site).is_some_and(|&s| s <= from) {
                site += 1;
            }
            if sites.get(site).is_some_and(|&s| s < ins.next_ip()) {
                continue;
            }
        }
        match ins.flow_control() {
            FlowControl::Call
            | FlowControl::UnconditionalBranch
            | FlowControl::ConditionalBranch
                if matches!(
                    ins.op0_kind(),
                    OpKind::NearBranch64 | OpKind::NearBranch32 | OpKind::NearBranch16
                ) =>
            {
                push(from, ins.near_branch_target(), RefKind::Call);
                continue;
            }
            _ => {}
        }
        if ins.is_ip_rel_memory_operand() {
            let at = ins.ip_rel_memory_address();
            if null_test(&ins) && reading.got.iter().any(|g| (g.0..g.1).contains(&at)) {
                continue;
            }
            let branch = matches!(
                ins.flow_control(),
                FlowControl::IndirectCall | FlowControl::IndirectBranch
            );
            let kind = if branch {
                RefKind::Call
            } else {
                RefKind::Address
            };
            push(from, at, kind);
        }
        if let Some((lo, hi)) = reading.image {
            for i in 0..ins.op_count() {
                let v = match ins.op_kind(i) {
                    OpKind::Immediate32 | OpKind::Immediate32to64 | OpKind::Immediate64 => {
                        ins.immediate(i)
                    }
                    _ => continue,
                };
                if (lo..hi).contains(&v) {
                    push(from, v, RefKind::Address);
                }
            }
        }
    }
    once_per_target(out, start, own);
}

/// Keep, of the references of `out` from `start` on that come from the symbol's own bytes
/// (before `own`), one per target and kind: they are all of one piece (see [`Within`]), so
/// the others make no edge. On the tool's own binary, 91,000 of 158,000; the rest was held
/// until the edges were made.
fn once_per_target(out: &mut Vec<Ref>, start: usize, own: u64) {
    let from_own = out[start..].partition_point(|r| r.from < own);
    let own_refs = &mut out[start..start + from_own];
    own_refs.sort_unstable_by_key(|r| (r.to, r.kind, r.from));
    let mut kept = 0;
    for i in 0..own_refs.len() {
        let r = own_refs[i];
        if kept == 0 || (own_refs[kept - 1].to, own_refs[kept - 1].kind) != (r.to, r.kind) {
            own_refs[kept] = r;
            kept += 1;
        }
    }
    out.drain(start + kept..start + from_own);
}

/// Aligned 8-byte words of data that hold an address inside the image.
fn words(bytes: &[u8], addr: u64, lo: u64, hi: u64, out: &mut Vec<Ref>) {
    let skip = ((8 - addr % 8) % 8) as usize;
    for (k, w) in bytes
        .get(skip..)
        .unwrap_or_default()
        .chunks_exact(8)
        .enumerate()
    {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if (lo..hi).contains(&v) {
            out.push(Ref {
                from: addr + (skip + k * 8) as u64,
                to: v,
                kind: RefKind::Data,
            });
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

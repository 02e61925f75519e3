//! Name a crash's site: the tracer's frames and file offsets (see `tracer.rs`) turned into the
//! functions of the binary's `.symtab`, demangled, innermost first. A stripped binary is named
//! from its analysis link (the same objects linked again with their symbols, see
//! compile/link.rs), section by section; without either there are no names, and no crash stack.
//!
//! The frames come from the call frame information (`unwind.rs`), as gdb's backtrace does.
//! Where that stops (or is missing), a heuristic reads on: release builds keep no frame
//! pointers, so the stack's words are taken for return addresses when the bytes before them in
//! the file are a whole `call` instruction (`e8 rel32`, or an `ff /2` of 2 to 9 bytes). An
//! inlined function has no frame of its own (its caller's name stands for it). A slot the
//! crashing code had not yet overwritten may hold a stale return address of an earlier call:
//! one whose direct call goes to a function seen nowhere further in, and that has no jump to
//! one that is (a tail call), is dropped; a stale chain of several frames keeps all but its
//! innermost.

use std::collections::HashMap;
use std::path::Path;

use iced_x86::{Decoder, DecoderOptions, FlowControl};
use object::read::elf::Sym as _;
use object::{Endianness, elf};

use super::tracer::{Capture, Machine, Mapping, offset_in};
use super::unwind::{Loads, loads};
use crate::attribute::demangle::display_name;
use crate::graph::Translation;
use crate::inspect::Mapped;

type Header = elf::FileHeader64<Endianness>;

/// How many functions a crash stack names at most.
const MAX_FRAMES: usize = 64;

/// The functions of the crash's stack, innermost first: the one the instruction pointer is
/// in (or the file it is in, `[libnss_systemd.so.2]`, outside the binary), then each caller's,
/// a name repeated in a row once. The frames the call frame information gives (see
/// `unwind.rs`) come first; the stack's words are read as return addresses from where those
/// stop, or from the start when there are none in the binary.
pub fn names(capture: &Capture, binary: &Path, analysis: Option<&Path>) -> Vec<String> {
    let Ok(file) = Mapped::open(binary) else {
        return Vec::new();
    };
    let data = file.bytes();
    let other = analysis.and_then(|p| Mapped::open(p).ok());
    let Some(functions) = Functions::of(data, other.as_ref().map(Mapped::bytes)) else {
        return Vec::new();
    };
    let Some(loads) = loads(data) else {
        return Vec::new();
    };
    let mut out = Names {
        names: Vec::new(),
        inner: Vec::new(),
        libraries: HashMap::new(),
    };
    let own = std::fs::canonicalize(binary).ok();
    let ours = |path: &str| own.as_deref() == Some(Path::new(path));
    let unwound = capture
        .machine
        .as_ref()
        .map(|m| (m, super::unwind::unwind(m, MAX_FRAMES)))
        .filter(|(_, u)| u.frames.iter().any(|f| ours(&f.path)));
    let Some((machine, unwound)) = unwound else {
        match (capture.rip, &capture.rip_file) {
            (Some(off), _) => {
                if let Some(f) = loads.vaddr(off).and_then(|a| functions.at(a)) {
                    out.push(f.start, f.name());
                }
            }
            (None, Some(path)) => out.push_file(path, None),
            (None, None) => {}
        }
        scan(&capture.stack, (data, &loads, &functions), &mut out);
        return out.names;
    };
    for f in &unwound.frames {
        if !ours(&f.path) {
            out.push_file(&f.path, f.at);
        } else if let Some(g) = f.at.and_then(|a| functions.at(a)) {
            out.push(g.start, g.name());
        }
    }
    if let Some(sp) = unwound.stopped {
        let rest = words_in(machine, sp, &ours);
        scan(&rest, (data, &loads, &functions), &mut out);
    }
    out.names
}

/// The names so far, and the functions (by start) the stack is seen in, innermost first.
struct Names {
    names: Vec<String>,
    inner: Vec<u64>,
    /// The functions of each other file a frame is in, read once (`None`: none to read).
    libraries: HashMap<String, Option<Functions>>,
}

impl Names {
    fn push(&mut self, start: u64, name: String) {
        self.inner.push(start);
        self.push_name(name);
    }

    fn push_name(&mut self, name: String) {
        if self.names.last() != Some(&name) && self.names.len() < MAX_FRAMES {
            self.names.push(name);
        }
    }

    /// A frame in another file, at address `at` of it (see `unwind::Frame::at`): the file's
    /// name, and the function's where a symbol of its `.symtab`, else its `.dynsym`, covers
    /// the address (`[libnss_systemd.so.2] _nss_systemd_is_blocked`, as gdb names it; QA ah,
    /// F1). A shared library's own static functions have no symbol there: those frames keep
    /// the file's name alone, not the nearest export's, which would be another function.
    fn push_file(&mut self, path: &str, at: Option<u64>) {
        let base = path.rsplit('/').next().unwrap_or(path);
        let functions = match at {
            Some(_) => self
                .libraries
                .entry(path.to_string())
                .or_insert_with(|| Functions::of_library(Path::new(path)))
                .as_ref(),
            None => None,
        };
        let name = match at.zip(functions).and_then(|(a, f)| f.at(a)) {
            Some(f) => format!("[{base}] {}", f.name()),
            None => format!("[{base}]"),
        };
        self.push_name(name);
    }
}

/// The stack's words of `m` from address `sp` up that point into the binary's code (its
/// mappings' paths are those `ours` says), as offsets in the binary.
fn words_in(m: &Machine, sp: u64, ours: &dyn Fn(&str) -> bool) -> Vec<u64> {
    let skip = m
        .regs
        .get(7)
        .and_then(|&base| sp.checked_sub(base))
        .map_or(0, |d| usize::try_from(d / 8).unwrap_or(usize::MAX));
    let code: Vec<&Mapping> = m.code.iter().filter(|c| ours(&c.path)).collect();
    m.words
        .iter()
        .skip(skip)
        .filter_map(|&a| offset_in(code.iter().copied(), a))
        .collect()
}

/// Read `stack` (words pointing into the binary's code, as offsets in it, innermost first)
/// as return addresses: those right after a call instruction, less the stale ones.
fn scan(stack: &[u64], (data, loads, functions): (&[u8], &Loads, &Functions), out: &mut Names) {
    for &off in stack {
        let Some(vaddr) = loads.vaddr(off) else {
            continue;
        };
        let Some(call) = call_before(data, off, vaddr) else {
            continue;
        };
        // A call that never returns may end its function: the return address is then the
        // next one's first byte, and its call instruction is the byte before.
        let Some(f) = functions.at(vaddr - 1) else {
            continue;
        };
        let callee = call.and_then(|target| functions.at(target));
        out.inner.push(f.start);
        // A direct call to a function not seen further in, which cannot have jumped on to
        // one that is either (a tail call): the slot holds what an earlier call left, and
        // that function returned long ago.
        let further = &out.inner[..out.inner.len() - 1];
        if let Some(g) = callee
            && !further.contains(&g.start)
            && !jumps_to(data, loads, functions, &g, further)
        {
            continue;
        }
        out.push_name(f.name());
    }
}

/// Whether the bytes before `off` in the file are a whole call instruction ending there (of 2
/// to 9 bytes: `ff /2` with prefixes, a SIB byte and a displacement, or `e8 rel32`):
/// `Some(Some(target))` for a direct call, `Some(None)` for an indirect one.
fn call_before(data: &[u8], off: u64, vaddr: u64) -> Option<Option<u64>> {
    let off = usize::try_from(off).ok()?;
    (2..=9usize).find_map(|len| {
        let bytes = off.checked_sub(len).and_then(|s| data.get(s..off))?;
        let mut decoder = Decoder::with_ip(64, bytes, vaddr - len as u64, DecoderOptions::NONE);
        let ins = decoder.decode();
        if ins.is_invalid() || ins.len() != len {
            return None;
        }
        match ins.flow_control() {
            FlowControl::Call => Some(Some(ins.near_branch_target())),
            FlowControl::IndirectCall => Some(None),
            _ => None,
        }
    })
}

/// Whether function `f` may have jumped on to one of the functions `inner` (a tail call): its
/// code decoded, a direct jump to one of them, or a jump through a register or memory.
fn jumps_to(
    data: &[u8],
    loads: &Loads,
    functions: &Functions,
    f: &Function,
    inner: &[u64],
) -> bool {
    let Some(code) = loads
        .offset(f.start)
        .and_then(|o| usize::try_from(o).ok())
        .and_then(|o| data.get(o..o.checked_add(usize::try_from(f.end - f.start).ok()?)?))
    else {
        return true;
    };
    let mut decoder = Decoder::with_ip(64, code, f.start, DecoderOptions::NONE);
    decoder.iter().any(|ins| match ins.flow_control() {
        FlowControl::IndirectBranch => true,
        FlowControl::UnconditionalBranch | FlowControl::ConditionalBranch => {
            let t = ins.near_branch_target();
            (t < f.start || t >= f.end) && functions.at(t).is_some_and(|g| inner.contains(&g.start))
        }
        _ => false,
    })
}

/// Sized function symbols by address: (start, end, binding rank, raw name).
struct Functions(Vec<(u64, u64, u8, String)>);

impl Functions {
    /// The binary's own functions, else (stripped) those of its analysis link `other`, at the
    /// binary's addresses; `None` when neither has any.
    fn of(data: &[u8], other: Option<&[u8]>) -> Option<Functions> {
        if let Some(own) = Self::read(data, None).filter(|f| !f.0.is_empty()) {
            return Some(own);
        }
        let other = other?;
        let moved = Translation::between::<Header>(other, data)?;
        Self::read(other, Some(&moved)).filter(|f| !f.0.is_empty())
    }

    /// A shared library's functions: its `.symtab`'s, else (a distribution's stripped
    /// library) its `.dynsym`'s, the exported ones.
    fn of_library(path: &Path) -> Option<Functions> {
        let file = Mapped::open(path).ok()?;
        let data = file.bytes();
        Self::from_table(data, None, elf::SHT_SYMTAB)
            .filter(|f| !f.0.is_empty())
            .or_else(|| Self::from_table(data, None, elf::SHT_DYNSYM))
            .filter(|f| !f.0.is_empty())
    }

    fn read(data: &[u8], moved: Option<&Translation>) -> Option<Functions> {
        Self::from_table(data, moved, elf::SHT_SYMTAB)
    }

    /// The sized function symbols of the table of section type `kind`.
    fn from_table(
        data: &[u8],
        moved: Option<&Translation>,
        kind: elf::SectionType,
    ) -> Option<Functions> {
        let (_, endian, sections) = crate::attribute::elf_parts::<Header>(data)?;
        let table = sections.symbols(endian, data, kind).ok()?;
        let mut out = Vec::new();
        for s in table.iter() {
            let size = s.st_size(endian);
            if s.st_type() != elf::STT_FUNC || size == 0 || s.st_shndx(endian).is_special() {
                continue;
            }
            let value = s.st_value(endian);
            let Some(start) = moved.map_or(Some(value), |t| t.map(value)) else {
                continue;
            };
            let Ok(name) = s.name(endian, table.strings()) else {
                continue;
            };
            // Of aliases, the global name (`getpwuid_r`) before a local or weak one.
            let rank = match s.st_bind() {
                elf::STB_GLOBAL => 0,
                elf::STB_WEAK => 1,
                _ => 2,
            };
            out.push((
                start,
                start + size,
                rank,
                String::from_utf8_lossy(name).into_owned(),
            ));
        }
        out.sort_by(|a, b| (a.0, a.2, &a.3).cmp(&(b.0, b.2, &b.3)));
        Some(Functions(out))
    }

    /// The function at `addr`: of those covering it, the one starting last (the innermost),
    /// by its best-ranked name.
    fn at(&self, addr: u64) -> Option<Function<'_>> {
        let upto = self.0.partition_point(|f| f.0 <= addr);
        let covering = self.0[..upto].iter().rev().filter(|f| addr < f.1);
        let start = covering.clone().next()?.0;
        let best = covering
            .take_while(|f| f.0 == start)
            .min_by(|a, b| (a.2, &a.3).cmp(&(b.2, &b.3)))?;
        Some(Function {
            start,
            end: best.1,
            raw: &best.3,
        })
    }
}

/// A function symbol: where it starts, and its name as in the symbol table.
struct Function<'a> {
    start: u64,
    end: u64,
    raw: &'a str,
}

impl Function<'_> {
    /// Demangled, without a hash.
    fn name(&self) -> String {
        display_name(self.raw.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `e8 rel32`, `ff d0` (call rax), `41 ff d4` (call r12), `ff 54 24 08`, `ff 15 disp32`
    /// and `41 ff 94 24 disp32` end in a call; a `ret`, a `jmp` and a call ending one byte
    /// early do not.
    #[test]
    fn call_instructions_are_recognised_by_their_length() {
        let call = |bytes: &[u8]| {
            let mut data = vec![0x90u8; 16];
            data.extend_from_slice(bytes);
            let off = data.len() as u64;
            call_before(&data, off, 0x1000 + off)
        };
        // `call +0x10` ending at 0x1015 goes to 0x1025.
        assert_eq!(call(&[0xe8, 0x10, 0, 0, 0]), Some(Some(0x1025)));
        assert_eq!(call(&[0xff, 0xd0]), Some(None));
        assert_eq!(call(&[0x41, 0xff, 0xd4]), Some(None));
        assert_eq!(call(&[0xff, 0x54, 0x24, 0x08]), Some(None));
        assert_eq!(call(&[0xff, 0x15, 1, 2, 3, 4]), Some(None));
        assert_eq!(call(&[0x41, 0xff, 0x94, 0x24, 1, 2, 3, 4]), Some(None));
        assert_eq!(call(&[0xc3]), None);
        assert_eq!(call(&[0xe9, 1, 2, 3, 4]), None);
        assert_eq!(call(&[0xe8, 1, 2, 3, 4, 0x90]), None);
        assert_eq!(
            call_before(&[0xe8], 1, 0x1001),
            None,
            "cut off by the file's start"
        );
    }

    #[test]
    fn functions_are_found_by_address_innermost_and_global_first() {
        let f = Functions(vec![
            (0x100, 0x200, 2, "outer_local".into()),
            (0x100, 0x200, 0, "outer".into()),
            (
                0x140,
                0x150,
                0,
                "_ZN5alpha10user_known17h0123456789abcdefE".into(),
            ),
        ]);
        let name = |a: u64| f.at(a).map(|f| (f.start, f.name()));
        assert_eq!(name(0x100), Some((0x100, "outer".into())));
        assert_eq!(name(0x145), Some((0x140, "alpha::user_known".into())));
        assert_eq!(name(0x150), Some((0x100, "outer".into())));
        assert_eq!(name(0x200), None);
        assert_eq!(name(0x50), None);
    }

    /// A frame in a shared library is named by the function whose exported symbol covers its
    /// address (checked against `nm -D -S`), and by the file alone in a gap between them,
    /// where the nearest export before it would be another function.
    #[test]
    fn a_library_frame_is_named_by_the_export_that_covers_it() {
        let libc = "/lib/x86_64-linux-gnu/libc.so.6";
        let nm = std::process::Command::new("nm")
            .args(["-D", "--defined-only", "-S", libc])
            .output()
            .expect("nm");
        let mut sized: Vec<(u64, u64, String)> = String::from_utf8_lossy(&nm.stdout)
            .lines()
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                let [at, size, kind, name] = w[..] else {
                    return None;
                };
                let hex = |x: &str| u64::from_str_radix(x, 16).ok();
                matches!(kind, "T" | "W" | "i").then_some(())?;
                Some((hex(at)?, hex(size)?, name.split('@').next()?.to_string()))
            })
            .filter(|f| f.1 > 0)
            .collect();
        sized.sort();
        let mut names = Names {
            names: Vec::new(),
            inner: Vec::new(),
            libraries: HashMap::new(),
        };
        let getpid = sized
            .iter()
            .find(|f| f.2 == "getpid")
            .expect("getpid in nm");
        names.push_file(libc, Some(getpid.0 + getpid.1 - 1));
        // A gap: the first byte past a function's end that no export covers.
        let covered = |a: u64| sized.iter().any(|f| f.0 <= a && a < f.0 + f.1);
        let gap = sized
            .iter()
            .map(|f| f.0 + f.1)
            .find(|&end| !covered(end))
            .expect("a gap between libc's exports");
        names.push_file(libc, Some(gap));
        names.push_file(libc, None);
        // Of the aliases at getpid's address (`__getpid`, `getpid`), the global one.
        let aliases: Vec<String> = sized
            .iter()
            .filter(|f| f.0 == getpid.0)
            .map(|f| format!("[libc.so.6] {}", f.2))
            .collect();
        assert_eq!(names.names.len(), 2, "{:?}", names.names);
        assert!(aliases.contains(&names.names[0]), "{:?}", names.names);
        assert_eq!(names.names[1], "[libc.so.6]");
    }
}

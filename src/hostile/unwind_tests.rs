//! The unwinder on this test process's own stack, checked against std's backtrace (libgcc's
//! unwinder, symbolised by std): the registers and stack words are taken here as the tracer
//! takes them from a stopped process.

use std::os::unix::fs::FileExt;

use object::read::elf::Sym as _;

use super::*;
use crate::hostile::tracer::parse_maps;

/// This process at the point of the call, as the tracer would see it stopped there, and std's
/// backtrace from the same place.
#[inline(never)]
fn here() -> (Machine, String) {
    // rsp, rbp, rbx, r12 to r15, then rip: stored without touching a register first.
    let mut saved = [0u64; 8];
    #[allow(unsafe_code)]
    // SAFETY: stores eight words into `saved`, through its pointer; nothing else is written.
    unsafe {
        std::arch::asm!(
            "mov [{p}], rsp",
            "mov [{p} + 8], rbp",
            "mov [{p} + 16], rbx",
            "mov [{p} + 24], r12",
            "mov [{p} + 32], r13",
            "mov [{p} + 40], r14",
            "mov [{p} + 48], r15",
            "lea {t}, [rip]",
            "mov [{p} + 56], {t}",
            p = in(reg) saved.as_mut_ptr(),
            t = out(reg) _,
            options(nostack),
        );
    }
    let [rsp, rbp, rbx, r12, r13, r14, r15, rip] = saved;
    let maps = parse_maps(&std::fs::read_to_string("/proc/self/maps").expect("maps"));
    let stack = maps
        .iter()
        .find(|m| m.start <= rsp && rsp < m.end)
        .expect("the stack's mapping");
    // The callers' frames, above this one's stack pointer, stay as they are while it runs.
    let len = (stack.end.min(rsp + 256 * 1024) - rsp) as usize;
    let mut bytes = vec![0u8; len];
    let mem = std::fs::File::open("/proc/self/mem").expect("mem");
    mem.read_exact_at(&mut bytes, rsp)
        .expect("the stack's words");
    let words = bytes
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
        .collect();
    let mut regs = vec![0u64; 17];
    for (r, v) in [
        (3, rbx),
        (6, rbp),
        (7, rsp),
        (12, r12),
        (13, r13),
        (14, r14),
        (15, r15),
    ] {
        regs[r] = v;
    }
    regs[16] = rip;
    let code = maps
        .into_iter()
        .filter(|m| m.exec && m.path.starts_with('/'))
        .collect();
    let machine = Machine { regs, words, code };
    let std_trace = std::backtrace::Backtrace::force_capture().to_string();
    (machine, std_trace)
}

#[inline(never)]
fn middle() -> (Machine, String) {
    let r = here();
    std::hint::black_box(&r);
    r
}

#[inline(never)]
fn outer() -> (Machine, String) {
    let r = middle();
    std::hint::black_box(&r);
    r
}

/// The function symbol of this test executable at `addr` (a file address), demangled.
fn symbol_at(data: &[u8], addr: u64) -> Option<String> {
    let (_, endian, sections) = crate::attribute::elf_parts::<Header>(data)?;
    let table = sections
        .symbols(endian, data, object::elf::SHT_SYMTAB)
        .ok()?;
    table
        .iter()
        .filter(|s| s.st_type() == object::elf::STT_FUNC)
        .find(|s| s.st_value(endian) <= addr && addr < s.st_value(endian) + s.st_size(endian))
        .and_then(|s| s.name(endian, table.strings()).ok())
        .map(|n| {
            format!(
                "{:#}",
                rustc_demangle::demangle(&String::from_utf8_lossy(n))
            )
        })
}

#[test]
fn the_stack_is_unwound_as_std_s_backtrace_unwinds_it() {
    let (machine, std_trace) = outer();
    let unwound = unwind(&machine, 64);
    let exe = std::fs::canonicalize("/proc/self/exe").expect("exe");
    let file = Mapped::open(&exe).expect("the test executable");
    let ours: Vec<String> = unwound
        .frames
        .iter()
        .take_while(|f| std::path::Path::new(&f.path) == exe)
        .map(|f| {
            f.at.and_then(|a| symbol_at(file.bytes(), a))
                .unwrap_or_default()
        })
        .collect();
    // std's frames (`  3: cargo_aotcheck::hostile::unwind::tests::middle`), from `here` on.
    let theirs: Vec<String> = std_trace
        .lines()
        .filter_map(|l| {
            let (n, name) = l.trim_start().split_once(": ")?;
            n.parse::<u32>().ok().map(|_| name.to_string())
        })
        .skip_while(|n| !n.ends_with("::here"))
        .collect();
    let module = "cargo_aotcheck::hostile::unwind::tests::";
    let first: Vec<String> = [
        "here",
        "middle",
        "outer",
        "the_stack_is_unwound_as_std_s_backtrace_unwinds_it",
    ]
    .iter()
    .map(|f| format!("{module}{f}"))
    .collect();
    assert!(theirs.starts_with(&first), "std's backtrace: {std_trace}");
    assert!(
        ours.starts_with(&first),
        "ours: {ours:?}\nstd's: {theirs:?}"
    );
    // Further out (the test harness, std, the C runtime), frame for frame as far as std
    // names them alike: std shows inlined functions as frames of their own, so only its
    // frames that are ours are looked for, in order.
    let mut at = theirs.iter();
    for f in ours.iter().skip(first.len()).filter(|f| !f.is_empty()) {
        assert!(
            at.any(|t| t == f),
            "our frame {f} is not in std's backtrace (in order): ours {ours:?}\nstd's {theirs:?}"
        );
    }
    assert!(ours.len() > first.len(), "ours: {ours:?}");
}

/// A stack whose words the unwinder cannot have: it stops with the frame it is in.
#[test]
fn without_the_stack_s_words_the_walk_stops_after_the_first_frame() {
    let (mut machine, _) = outer();
    machine.words.clear();
    let unwound = unwind(&machine, 64);
    assert_eq!(unwound.frames.len(), 1, "{unwound:?}");
    assert_eq!(unwound.stopped, machine.regs.get(RSP).copied());
}

//! Where an x86-64 PC-relative relocation against a section symbol points. The CPU adds the
//! displacement to the end of the instruction, and the assembler folds the distance from the
//! displacement to that end into the addend: `S + A + 4` when the displacement ends the
//! instruction, but 1, 2 or 4 bytes short when an immediate follows it (`movq $0, x(%rip)`
//! has `A = x - S - 8`). Where another symbol starts in those 4 bytes, `S + A + 4` would name
//! the object before the one referred to (QA h: std's `STDOUT`, stored to with `movq $0`, gave
//! its edges to a C crate's 1-byte `static` just before it): there the instruction is decoded
//! from the start of its function to find its end.

use iced_x86::{Decoder, DecoderOptions, Instruction};
use object::Endianness;
use object::elf;
use object::read::elf::SectionHeader as _;
use object::read::elf::{FileHeader, Sym as _};

/// The symbols of a binary that a target can be told apart by.
pub struct Ends {
    /// Every symbol's address, sorted.
    starts: Vec<u64>,
    /// Functions with a size, `(start, size)`, sorted: where decoding can begin.
    functions: Vec<(u64, u64)>,
}

impl Ends {
    /// [`Ends::new`] of the symbols of `symbols` (not sections, not files).
    pub fn of_symbols<H: FileHeader<Endian = Endianness>>(
        symbols: &object::read::elf::SymbolTable<H>,
        endian: Endianness,
    ) -> Ends {
        Ends::new(
            symbols
                .iter()
                .filter(|s| {
                    !s.st_shndx(endian).is_special()
                        && !matches!(s.st_type(), elf::STT_SECTION | elf::STT_FILE)
                })
                .map(|s| {
                    let (value, size): (u64, u64) =
                        (s.st_value(endian).into(), s.st_size(endian).into());
                    (value, size, s.st_type() == elf::STT_FUNC)
                }),
        )
    }

    /// From `(address, size, is_function)` of each defined symbol.
    pub fn new(symbols: impl Iterator<Item = (u64, u64, bool)>) -> Ends {
        let mut starts = Vec::new();
        let mut functions = Vec::new();
        for (addr, size, function) in symbols {
            starts.push(addr);
            if function && size > 0 {
                functions.push((addr, size));
            }
        }
        starts.sort_unstable();
        starts.dedup();
        functions.sort_unstable();
        Ends { starts, functions }
    }

    /// The target of the relocation at `site` whose `S + A` is `sa`, in the code `bytes` of a
    /// section that starts at `base`.
    pub fn target(&self, sa: u64, site: u64, bytes: &[u8], base: u64) -> u64 {
        let plain = sa.wrapping_add(4);
        // Another symbol within the 4 bytes an immediate could shift the target by?
        let k = self.starts.partition_point(|&s| s <= plain);
        if self
            .starts
            .get(k)
            .is_none_or(|&s| s > plain.wrapping_add(4))
        {
            return plain;
        }
        match self.instruction_end(site, bytes, base) {
            Some(end) => sa.wrapping_add(end - site),
            None => plain,
        }
    }

    /// The end of the instruction whose bytes hold `site`, decoded from the start of the
    /// function around it; none without one, or when no instruction decodes there.
    fn instruction_end(&self, site: u64, bytes: &[u8], base: u64) -> Option<u64> {
        let k = self.functions.partition_point(|&(s, _)| s <= site);
        let &(start, size) = self.functions.get(k.checked_sub(1)?)?;
        if site >= start + size || start < base {
            return None;
        }
        let from = usize::try_from(start - base).ok()?;
        let to = usize::try_from(start + size - base).ok()?;
        let code = bytes.get(from..to.min(bytes.len()))?;
        let mut decoder = Decoder::with_ip(64, code, start, DecoderOptions::NONE);
        let mut ins = Instruction::default();
        while decoder.can_decode() {
            decoder.decode_out(&mut ins);
            if ins.is_invalid() {
                return None;
            }
            if ins.ip() > site {
                return None;
            }
            if site < ins.next_ip() {
                // The displacement's 4 bytes are this instruction's.
                return (site + 4 <= ins.next_ip()).then(|| ins.next_ip());
            }
        }
        None
    }
}

/// Whether the x86-64 instruction whose 4-byte operand is at `at` is a call or jump: `call`
/// and `jmp rel32` (`e8`, `e9`, also after the linker relaxed a GOT call to `addr32 call`),
/// `jcc rel32` (`0f 8x`), and `call`/`jmp *sym@GOTPCREL(%rip)` (`ff 15`, `ff 25`).
pub fn is_branch(bytes: &[u8], at: u64) -> bool {
    let at = at as usize;
    let b1 = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
    let b2 = at.checked_sub(2).and_then(|i| bytes.get(i)).copied();
    matches!(b1, Some(0xe8 | 0xe9))
        || matches!((b2, b1), (Some(0xff), Some(0x15 | 0x25)))
        || matches!((b2, b1), (Some(0x0f), Some(0x80..=0x8f)))
}

/// The ranges of `.got` and `.got.plt`.
pub(super) fn got_ranges<H: object::read::elf::FileHeader<Endian = Endianness>>(
    sections: &object::read::elf::SectionTable<H>,
    endian: object::Endianness,
) -> Vec<(u64, u64)> {
    sections
        .iter()
        .filter(|sh| matches!(sections.section_name(endian, sh), Ok(b".got" | b".got.plt")))
        .map(|sh| {
            let a: u64 = sh.sh_addr(endian).into();
            (a, a + Into::<u64>::into(sh.sh_size(endian)))
        })
        .collect()
}

/// Whether the x86-64 instruction whose 4-byte displacement is at `at` is `cmpq $0,
/// disp(%rip)` (`REX.W 83 /7 ib`, `3d`: RIP-relative, the immediate 0 after the field). Of a
/// GOT slot, the test of whether a weak symbol is linked (see `decode::null_test`).
pub fn is_null_test(bytes: &[u8], at: u64) -> bool {
    let at = at as usize;
    let (Some(start), Some(&imm)) = (at.checked_sub(3), bytes.get(at + 4)) else {
        return false;
    };
    matches!(&bytes[start..at], [rex, 0x83, 0x3d] if rex & 0xf8 == 0x48) && imm == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `movq $0x0, disp(%rip)` at 0x1000: 48 c7 05 <disp32> <imm32>, 11 bytes; the
    /// displacement at 0x1003, the instruction's end 0x100b. Then `ret`.
    fn store() -> Vec<u8> {
        let mut code = vec![0x48, 0xc7, 0x05];
        code.extend(0x10u32.to_le_bytes());
        code.extend(0u32.to_le_bytes());
        code.push(0xc3);
        code
    }

    #[test]
    fn an_immediate_after_the_displacement_moves_the_target() {
        let code = store();
        // A 1-byte object at 0x2004 and the stored-to one at 0x2008: S + A = 0x2008 - 8.
        let ends =
            Ends::new([(0x1000, 12, true), (0x2004, 1, false), (0x2008, 8, false)].into_iter());
        assert_eq!(ends.target(0x2000, 0x1003, &code, 0x1000), 0x2008);
        // Nothing starts in the 4 bytes: no decoding, `S + A + 4` stands.
        let alone = Ends::new([(0x1000, 12, true), (0x2000, 16, false)].into_iter());
        assert_eq!(alone.target(0x2000, 0x1003, &code, 0x1000), 0x2004);
    }

    #[test]
    fn without_a_function_around_the_site_the_plain_target_stands() {
        let code = store();
        let ends = Ends::new([(0x2004, 1, false), (0x2008, 8, false)].into_iter());
        assert_eq!(ends.target(0x2000, 0x1003, &code, 0x1000), 0x2004);
        // A site that is not the displacement of the instruction decoded there.
        let ends =
            Ends::new([(0x1000, 12, true), (0x2004, 1, false), (0x2008, 8, false)].into_iter());
        assert_eq!(ends.target(0x2000, 0x100a, &code, 0x1000), 0x2004);
    }

    #[test]
    fn a_compare_of_a_slot_with_zero_is_a_null_test() {
        // cmpq $0x0, 0x10(%rip): the field at 3, the immediate at 7.
        let cmp = [0x48, 0x83, 0x3d, 0x10, 0, 0, 0, 0x00, 0xc3];
        assert!(is_null_test(&cmp, 3));
        // Compared with 1, or a load of the slot: a reference.
        let one = [0x48, 0x83, 0x3d, 0x10, 0, 0, 0, 0x01];
        assert!(!is_null_test(&one, 3));
        let mov = [0x48, 0x8b, 0x05, 0x10, 0, 0, 0, 0xc3];
        assert!(!is_null_test(&mov, 3));
        // A field too close to the start or end of the bytes.
        assert!(!is_null_test(&cmp, 1));
        assert!(!is_null_test(&cmp[..7], 3));
    }
}

//! Symbol versions: what each needed library must provide (`.gnu.version_r`) and the version
//! of each dynamic symbol (`.gnu.version`). goblin finds them through the section headers
//! only; the loader finds them through `DT_VERNEED`, `DT_VERNEEDNUM` and `DT_VERSYM`, so a file
//! without section headers (sstrip-style, still runnable) is read that way too.

use goblin::elf::Elf;

/// One `Elf_Verneed` entry: the library's name and, per version, its index (`vna_other`,
/// what `.gnu.version` holds) and name, as offsets into the dynamic string table.
pub struct Need {
    pub file: usize,
    pub versions: Vec<(u16, usize)>,
}

/// The version needs, from goblin's section when there is one, else from the dynamic section.
pub fn needs(elf: &Elf, bytes: &[u8]) -> Vec<Need> {
    if let Some(verneed) = elf.verneed.as_ref() {
        return verneed
            .iter()
            .map(|n| Need {
                file: n.vn_file,
                versions: n.iter().map(|a| (a.vna_other, a.vna_name)).collect(),
            })
            .collect();
    }
    let Some(info) = elf.dynamic.as_ref().map(|d| &d.info) else {
        return Vec::new();
    };
    if info.verneed == 0 {
        return Vec::new();
    }
    let r = Reader {
        bytes,
        little: elf.little_endian,
    };
    let mut out = Vec::new();
    let Ok(mut at) = usize::try_from(info.verneed) else {
        return out;
    };
    // Elf32_Verneed and Elf64_Verneed are the same 16 bytes (so are the Vernaux entries);
    // counts are bounded by what the file can hold.
    let count = usize::try_from(info.verneednum)
        .unwrap_or(0)
        .min(bytes.len() / 16);
    for _ in 0..count {
        let (Some(cnt), Some(file), Some(aux), Some(next)) = (
            r.u16(at.saturating_add(2)),
            r.u32(at.saturating_add(4)),
            r.u32(at.saturating_add(8)),
            r.u32(at.saturating_add(12)),
        ) else {
            break;
        };
        let mut versions = Vec::new();
        let mut a = at.saturating_add(aux);
        for _ in 0..cnt {
            let (Some(other), Some(name), Some(next)) = (
                r.u16(a.saturating_add(6)),
                r.u32(a.saturating_add(8)),
                r.u32(a.saturating_add(12)),
            ) else {
                break;
            };
            versions.push((other, name));
            if next == 0 {
                break;
            }
            a = a.saturating_add(next);
        }
        out.push(Need { file, versions });
        if next == 0 {
            break;
        }
        at = at.saturating_add(next);
    }
    out
}

/// The version index of dynamic symbol `i` (hidden bit cleared), from goblin's section when
/// there is one, else from `DT_VERSYM`.
pub fn version(elf: &Elf, bytes: &[u8], i: usize) -> Option<u16> {
    if let Some(versym) = elf.versym.as_ref() {
        return versym.get_at(i).map(|v| v.version());
    }
    let at = usize::try_from(elf.dynamic.as_ref()?.info.versym).ok()?;
    if at == 0 {
        return None;
    }
    let r = Reader {
        bytes,
        little: elf.little_endian,
    };
    r.u16(at.checked_add(i.checked_mul(2)?)?)
        .map(|v| v & 0x7fff)
}

struct Reader<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.bytes.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.take::<2>(at)?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<usize> {
        let b = self.take::<4>(at)?;
        let v = if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        };
        usize::try_from(v).ok()
    }
}

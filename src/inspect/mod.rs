//! Binary facts via goblin. Reads the file through a memory map; never panics on bad input.

pub mod batch;
mod built;
pub mod closure;
pub mod elf;
mod extents;
mod foreign;
pub mod names;
pub mod outputs;
mod symver;
mod walk;

pub use built::{build_id, built, unchanged};

use std::path::Path;

use goblin::Object;

use crate::error::{Error, Result};
use crate::report::Binary;

/// The size from which [`Mapped::forget`] lets go of a file's pages: a smaller file's pages
/// are few, and each letting go costs a flush of every CPU's TLB that the process runs on
/// (`inspect` of a folder: a thousand small files on two threads).
const FORGET_FROM: usize = 8 << 20;

/// A file mapped read-only into memory.
pub struct Mapped {
    map: Option<memmap2::Mmap>,
}

impl Mapped {
    pub fn open(path: &Path) -> Result<Self> {
        use std::io::Read as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        // Non-blocking: opening a FIFO to read waits for a writer, with no end (a regular
        // file ignores the flag, and is the only kind read on).
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            let reason = format!("not a regular file ({})", kind(&meta.file_type()));
            return Err(Error::malformed(path, reason));
        }
        if meta.len() == 0 {
            // `/proc` and `/sys` files say 0 bytes and have content: no binary either.
            let mut probe = [0u8; 1];
            if (&file).read(&mut probe).is_ok_and(|n| n > 0) {
                let reason = "a pseudo-file (its size reads 0, as in /proc and /sys), not a binary";
                return Err(Error::malformed(path, reason));
            }
            return Ok(Mapped { map: None });
        }
        // SAFETY: the map is read-only and private to this process. If another process
        // truncates the file while we read it, we may fault; that is the accepted price of
        // not copying a 150 MB binary into memory, and the same trade every binary tool makes.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        Ok(Mapped { map: Some(map) })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Done with the file for now: its pages leave this process's resident memory. The file
    /// stays in the kernel's page cache, and what is read of it later is faulted back in. The
    /// graph stage reads most of a binary once (on ripgrep 3.3 MiB of code alone) and only
    /// the symbols' names again.
    pub fn forget(&self) {
        let Some(map) = self.map.as_ref().filter(|m| m.len() >= FORGET_FROM) else {
            return;
        };
        // SAFETY: the map is read-only and private (`Mmap::map`), so no page of it was ever
        // written: `MADV_DONTNEED` only drops clean pages, and the next read of any of them
        // gets the same bytes from the file (the same trade as mapping it at all: see
        // `open`).
        #[allow(unsafe_code)]
        let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
    }

    /// As [`forget`](Self::forget), for the whole pages within `range` of the file's bytes
    /// only: a pass that reads a large part once (the code, decoded) lets go of it as it goes.
    pub fn forget_part(&self, range: std::ops::Range<usize>) {
        const PAGE: usize = 4096;
        let Some(map) = self.map.as_ref().filter(|m| m.len() >= FORGET_FROM) else {
            return;
        };
        let from = range.start.next_multiple_of(PAGE);
        let to = range.end.min(map.len()) / PAGE * PAGE;
        if to <= from {
            return;
        }
        // SAFETY: as in `forget`: a read-only private map, whose dropped pages read back the
        // same bytes from the file; `from..to` is inside the map.
        #[allow(unsafe_code)]
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
        };
    }
}

/// What a file that is not a regular file is, in a few words.
fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

/// Inspect the file at `path`: parse it, read its facts and resolve its closure.
pub fn inspect_path(path: &Path) -> Result<Binary> {
    let mapped = Mapped::open(path)?;
    let bytes = mapped.bytes();
    let env = closure::Environment::from_system();
    inspect_bytes(path, bytes, Some(&env))
}

/// Inspect `bytes` (the whole file at `path`). `env`: resolve the closure against it, or skip.
pub fn inspect_bytes(
    path: &Path,
    bytes: &[u8],
    env: Option<&closure::Environment>,
) -> Result<Binary> {
    if bytes.is_empty() {
        return Err(Error::malformed(path, "empty file, not a binary"));
    }
    if bytes.starts_with(b"\x7fELF") {
        extents::check(bytes).map_err(|reason| Error::malformed(path, reason))?;
        return names::with_elf_lean(bytes, |elf| {
            if elf.header.e_type == goblin::elf::header::ET_CORE {
                return Err(Error::CoreDump {
                    path: path.to_path_buf(),
                });
            }
            if elf::debug_only(elf) {
                return Err(Error::DebugInfo {
                    path: path.to_path_buf(),
                    build_id: elf::build_id(elf, bytes),
                });
            }
            let mut binary = elf::inspect(elf, bytes);
            if let Some(env) = env {
                let class = (elf.is_64, elf.header.e_machine);
                let (entries, total) = closure::resolve(path, class, &binary, env);
                binary.closure = entries;
                binary.closure_size = binary.closure_size.map(|_| total);
            }
            Ok(binary)
        })
        .map_err(|e| Error::malformed(path, describe(&e, bytes)))?;
    }
    if bytes.len() < HINT_LEN {
        return Err(Error::malformed(path, too_short(bytes)));
    }
    let object = Object::parse(bytes).map_err(|e| Error::malformed(path, describe(&e, bytes)))?;
    match object {
        // Not reached: ELF is parsed above, names as bytes (see `names`).
        Object::Elf(_) => Err(Error::malformed(path, "unsupported object format")),
        Object::PE(pe) => {
            foreign::pe_extents(&pe, bytes).map_err(|reason| Error::malformed(path, reason))?;
            Ok(foreign::pe(&pe, bytes.len() as u64))
        }
        Object::Mach(mach) => foreign::mach(&mach, bytes).map_err(|e| Error::malformed(path, e)),
        Object::Archive(_) => Err(Error::malformed(
            path,
            "a static library archive (.a), not an executable",
        )),
        Object::COFF(_) => Err(Error::malformed(
            path,
            "a COFF object file, not an executable",
        )),
        Object::TE(_) => Err(Error::malformed(path, "a TE image, not supported")),
        Object::Unknown(_) => Err(Error::malformed(path, not_a_binary(bytes))),
        _ => Err(Error::malformed(path, "unsupported object format")),
    }
}

/// The bytes goblin reads to tell the formats apart (`take_hint_bytes`); a shorter file gets
/// goblin's bare "Object is too small.".
const HINT_LEN: usize = 16;

/// What is wrong with a file shorter than [`HINT_LEN`] (and not ELF, whose header check names
/// its own length): a format's magic cut short, or not a binary at all.
fn too_short(bytes: &[u8]) -> String {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"MZ", "PE"),
        (b"\xfe\xed\xfa\xce", "Mach-O"),
        (b"\xfe\xed\xfa\xcf", "Mach-O"),
        (b"\xce\xfa\xed\xfe", "Mach-O"),
        (b"\xcf\xfa\xed\xfe", "Mach-O"),
        (b"\xca\xfe\xba\xbe", "universal Mach-O"),
        (b"!<arch>\n", "static library archive (.a)"),
    ];
    match MAGICS.iter().find(|(m, _)| bytes.starts_with(m)) {
        Some((_, format)) => format!(
            "truncated binary: a {format} file of {} bytes, too short for its header",
            bytes.len()
        ),
        None => not_a_binary(bytes),
    }
}

/// "not an ELF, PE or Mach-O file", with its first bytes in file order (and as text when they
/// are printable), so that a user recognises what the file is.
fn not_a_binary(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(8)];
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    let text = if head.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!(", \"{}\"", String::from_utf8_lossy(head))
    } else {
        String::new()
    };
    format!(
        "not an ELF, PE or Mach-O file (starts with {}{text})",
        hex.join(" ")
    )
}

fn describe(e: &goblin::error::Error, bytes: &[u8]) -> String {
    let len = bytes.len();
    match e {
        // goblin's guess at a PE whose tables reach past its end; a file cut short is the
        // likelier cause (QA dn F19).
        goblin::error::Error::Malformed(m) if m.contains("beyond file bounds") => format!(
            "truncated or malformed binary: {} (the file is {len} bytes: cut short?)",
            m.split(" This may indicate")
                .next()
                .unwrap_or(m)
                .trim_end_matches('.')
        ),
        goblin::error::Error::Malformed(m) => format!("malformed binary: {m}"),
        goblin::error::Error::BadMagic(_) => not_a_binary(bytes),
        // scroll's own words ("type is too big (2) for 0": QA dn F19), as the file's.
        goblin::error::Error::Scroll(scroll::Error::TooBig { size, len: left }) => format!(
            "truncated or malformed binary: its headers need {size} bytes where {left} are \
             left (the file is {len} bytes)"
        ),
        goblin::error::Error::Scroll(scroll::Error::BadOffset(at)) => format!(
            "truncated or malformed binary: its headers point at byte {at}, past the end of \
             the file ({len} bytes)"
        ),
        goblin::error::Error::Scroll(s) => format!("truncated or malformed binary: {s}"),
        // `n` counts the items (load commands, sections), not bytes (QA do F3).
        goblin::error::Error::BufferTooShort(n, what) => {
            format!("truncated binary: too short for its {n} {what} (the file is {len} bytes)")
        }
        other => format!("cannot parse binary: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::memory::resident_kib;

    #[test]
    fn forgotten_pages_leave_resident_memory_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data");
        let pages = FORGET_FROM / 4096;
        let content: Vec<u8> = (0..(pages * 4096) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &content).expect("write");
        let mapped = Mapped::open(&path).expect("map");
        let bytes = mapped.bytes();
        let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
        let before = resident_kib(&path);
        let kib = pages as u64 * 4;
        assert!(
            before >= kib,
            "only {before} KiB resident after reading {kib} KiB"
        );
        mapped.forget();
        let after = resident_kib(&path);
        assert!(
            after < 16,
            "{before} KiB resident before, {after} after forgetting all"
        );
        assert_eq!(bytes, &content[..], "the bytes read back differ");
        assert_eq!(sum, content.iter().map(|&b| u64::from(b)).sum::<u64>());
        // A part: only the whole pages inside it go; a range past the end is cut short.
        let sum: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum, content.iter().map(|&b| u64::from(b)).sum::<u64>());
        // The kernel may map the file's page cache in 2 MiB pages, and let go of the whole of
        // one of which a part is asked for.
        let all = resident_kib(&path);
        mapped.forget_part(8 * 4096 + 100..40 * 4096 + 5);
        let dropped = all - resident_kib(&path);
        assert!(
            (31 * 4..=2048).contains(&dropped),
            "pages 9 to 39 of {all} KiB: {dropped} KiB let go"
        );
        mapped.forget_part(100..200);
        mapped.forget_part(60 * 4096..1 << 40);
        let left = resident_kib(&path);
        assert!(left <= 60 * 4, "pages 60 on let go too: {left} KiB left");
        assert_eq!(bytes, &content[..], "the bytes read back differ");
        // An empty file has no map: nothing to forget, no failure.
        std::fs::write(dir.path().join("empty"), b"").expect("write");
        Mapped::open(&dir.path().join("empty"))
            .expect("map")
            .forget();
    }

    /// A file under [`FORGET_FROM`] keeps its pages: letting go of them would cost more.
    #[test]
    fn a_small_files_pages_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("small");
        let content = vec![7u8; 64 * 4096];
        std::fs::write(&path, &content).expect("write");
        let mapped = Mapped::open(&path).expect("map");
        assert_eq!(mapped.bytes(), &content[..]);
        let before = resident_kib(&path);
        assert!(
            before >= 256,
            "only {before} KiB resident after reading 256 KiB"
        );
        mapped.forget();
        mapped.forget_part(0..64 * 4096);
        assert_eq!(resident_kib(&path), before);
    }
}

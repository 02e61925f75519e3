//! Unit tests of the byte map.

use super::*;

/// A piece per symbol and per cut (72k on ripgrep): at 80 bytes, a fifth of its peak.
#[test]
fn a_piece_takes_64_bytes_at_most() {
    assert!(
        std::mem::size_of::<Piece>() <= 64,
        "{}",
        std::mem::size_of::<Piece>()
    );
}

#[test]
fn overlap_counts_only_inside_ranges() {
    let r = merge(vec![(10, 20), (15, 30), (40, 50)]);
    assert_eq!(r, vec![(10, 30), (40, 50)]);
    assert_eq!(overlap(0, 100, &r), 30);
    assert_eq!(overlap(25, 45, &r), 10);
    assert_eq!(overlap(30, 40, &r), 0);
    assert_eq!(overlap(5, 5, &r), 0);
}

#[test]
fn own_test_binary_sums_exactly() {
    let exe = std::env::current_exe().expect("test binary");
    let bytes = std::fs::read(exe).expect("read");
    let l = layout::<elf::FileHeader64<object::Endianness>>(&bytes).expect("layout");
    assert_eq!(
        l.pieces.iter().map(|p| p.file).sum::<u64>(),
        bytes.len() as u64
    );
    assert_eq!(l.pieces.iter().map(|p| p.vm).sum::<u64>(), l.vm_total);
    assert!(
        l.pieces
            .iter()
            .any(|p| matches!(p.owner, Owner::Symbol { .. }))
    );
}

type H64 = elf::FileHeader64<object::Endianness>;

/// `(name, section, file bytes, memory bytes)` of every symbol piece, sorted.
fn symbol_rows(l: &Layout) -> Vec<(Vec<u8>, u32, u64, u64)> {
    let mut v: Vec<_> = l
        .pieces
        .iter()
        .filter_map(|p| match p.owner {
            Owner::Symbol { name, section, .. } => Some((name.to_vec(), section, p.file, p.vm)),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

/// GNU `strip` of the test binary: the same sections at the same places, no `.symtab`. The
/// stripped file borrows the test binary's symbols and gets the same symbol pieces (in the
/// stripped file's section numbering, which `strip` keeps for the allocated ones); symbols of a
/// link whose `.text` differs are refused, and a file with a `.symtab` keeps its own.
#[test]
fn a_stripped_file_borrows_the_symbols_of_its_own_link_only() {
    let exe = std::env::current_exe().expect("test binary");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("stripped");
    let ok = std::process::Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(&exe)
        .status()
        .expect("binutils strip");
    assert!(ok.success());
    let (full, bare) = (
        std::fs::read(&exe).expect("read"),
        std::fs::read(&out).expect("read"),
    );
    let own = layout::<H64>(&full).expect("layout");
    let alone = layout::<H64>(&bare).expect("layout");
    assert_ne!(alone.symbol_table, Some(".symtab"));
    assert!(!alone.symbols_borrowed);
    let named = layout_split_with::<H64>(&bare, &[], Some(&full), &|| ()).expect("layout");
    assert!(named.symbols_borrowed);
    assert_eq!(named.symbol_table, Some(".symtab"));
    assert_eq!(symbol_rows(&named), symbol_rows(&own));
    assert_eq!(
        named.pieces.iter().map(|p| p.file).sum::<u64>(),
        bare.len() as u64
    );
    assert_eq!(
        named.pieces.iter().map(|p| p.vm).sum::<u64>(),
        named.vm_total
    );

    // Not a link of the same objects: a section of another size.
    let mut shrunk = full.clone();
    shrink_a_section(&mut shrunk, ".text");
    let refused = layout_split_with::<H64>(&bare, &[], Some(&shrunk), &|| ()).expect("layout");
    assert!(!refused.symbols_borrowed);
    // A file with its own `.symtab` keeps it.
    let kept = layout_split_with::<H64>(&full, &[], Some(&full), &|| ()).expect("layout");
    assert!(!kept.symbols_borrowed);
}

/// Make the section header of `name` one byte shorter in the ELF file `data`.
fn shrink_a_section(data: &mut [u8], name: &str) {
    use object::read::elf::{FileHeader as _, SectionHeader as _};
    let (at, size) = {
        let h = H64::parse(&*data).expect("header");
        let e = h.endian().expect("endian");
        let secs = h.sections(e, &*data).expect("sections");
        let (i, sh) = secs
            .iter()
            .enumerate()
            .find(|(_, sh)| secs.section_name(e, sh) == Ok(name.as_bytes()))
            .expect("section");
        let shoff: u64 = h.e_shoff.get(e);
        let entsize = u64::from(h.e_shentsize.get(e));
        // sh_size is at byte 32 of an Elf64_Shdr.
        (shoff + i as u64 * entsize + 32, sh.sh_size(e))
    };
    let at = at as usize;
    data[at..at + 8].copy_from_slice(&(size - 1).to_le_bytes());
}

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

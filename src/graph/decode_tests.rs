//! Tests of the references decoded from machine code.

use super::*;

/// Decoding of position-independent code without a GOT, with relocation `sites`.
fn plain(sites: &[u64]) -> Reading<'_> {
    Reading {
        image: None,
        got: Vec::new(),
        sites,
    }
}

#[test]
fn calls_and_rip_relative_loads_are_found() {
    // call +5; lea rax, [rip+0x10]; ret
    let code_bytes = [
        0xe8, 0x05, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3,
    ];
    let mut out = Vec::new();
    code(&code_bytes, 0x1000, 0x1000, &plain(&[]), &mut out);
    assert_eq!(
        out,
        vec![
            Ref {
                from: 0x1000,
                to: 0x100a,
                kind: RefKind::Call
            },
            Ref {
                from: 0x1005,
                to: 0x101c,
                kind: RefKind::Address
            },
        ]
    );
}

/// With relocation sites, an instruction that has one in its bytes is left out (the
/// relocation shows it); one without is kept.
#[test]
fn instructions_with_a_relocation_are_left_to_it() {
    // call +5 (to 0x100a, its field at 0x1001); lea rax, [rip+0x10] (field at 0x1008)
    let code_bytes = [
        0xe8, 0x05, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3,
    ];
    let targets = |sites: &[u64]| {
        let mut out = Vec::new();
        code(&code_bytes, 0x1000, 0x1000, &plain(sites), &mut out);
        out.iter().map(|r| r.to).collect::<Vec<u64>>()
    };
    assert_eq!(targets(&[0x1001]), vec![0x101c]);
    assert_eq!(targets(&[0x1008]), vec![0x100a]);
    assert_eq!(
        targets(&[0x0ff0, 0x1001, 0x1008, 0x2000]),
        Vec::<u64>::new()
    );
    // A site at an instruction's first byte or past the code covers nothing here.
    assert_eq!(targets(&[0x1005, 0x100d]), vec![0x100a, 0x101c]);
}

/// A branch inside the symbol's own bytes is an edge to itself: left out. One that leaves
/// them (or starts past them) is kept.
#[test]
fn references_inside_the_symbol_are_left_out() {
    // call +5 (to 0x100a); lea rax, [rip+0x10] (to 0x101c); ret
    let code_bytes = [
        0xe8, 0x05, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3,
    ];
    let targets = |own: u64| {
        let mut out = Vec::new();
        code(&code_bytes, 0x1000, own, &plain(&[]), &mut out);
        out.iter().map(|r| r.to).collect::<Vec<u64>>()
    };
    assert_eq!(targets(0x100d), vec![0x101c]);
    assert_eq!(targets(0x1100), Vec::<u64>::new());
    // The symbol ends before the call's target: the call leaves it.
    assert_eq!(targets(0x1008), vec![0x100a, 0x101c]);
}

/// From the symbol's own bytes, one reference per target and kind (the first); past them
/// (code without a symbol, cut where jumps land), every one.
#[test]
fn references_from_the_symbols_own_bytes_are_kept_once_per_target_and_kind() {
    let call = |at: u64| {
        let rel = (0x2000 - (at + 5)) as u32;
        let mut b = vec![0xe8];
        b.extend(rel.to_le_bytes());
        b
    };
    let mut code_bytes = [call(0x1000), call(0x1005)].concat();
    // lea rax, [rip+...] to 0x2000: the same target, another kind.
    code_bytes.extend([0x48, 0x8d, 0x05]);
    code_bytes.extend(((0x2000 - 0x1011) as u32).to_le_bytes());
    code_bytes.extend([call(0x1011), call(0x1016), vec![0xc3]].concat());
    let mut out = vec![Ref {
        from: 0x10,
        to: 0x20,
        kind: RefKind::Data,
    }];
    code(&code_bytes, 0x1000, 0x1011, &plain(&[]), &mut out);
    let seen: Vec<(u64, u64, RefKind)> = out.iter().map(|r| (r.from, r.to, r.kind)).collect();
    assert_eq!(
        seen,
        vec![
            (0x10, 0x20, RefKind::Data),
            (0x1000, 0x2000, RefKind::Call),
            (0x100a, 0x2000, RefKind::Address),
            (0x1011, 0x2000, RefKind::Call),
            (0x1016, 0x2000, RefKind::Call),
        ]
    );
}

/// The one-piece stretch stops at the next start and at the nearest end of any sized
/// symbol; a start with no sized symbol (or only a section symbol) has none.
#[test]
fn the_stretch_stops_where_any_symbol_starts_or_ends() {
    let within = Within::of(&[
        (0x1000, 0x20, false),
        (0x1010, 0x40, false),
        (0x1000, 0x1000, true),
        (0x1100, 0, false),
    ]);
    assert_eq!(within.end(0x1000, 0x1010), 0x1010);
    assert_eq!(within.end(0x1010, 0x1100), 0x1020);
    assert_eq!(within.end(0x1100, 0x1200), 0x1100);
    assert_eq!(within.end(0x1200, 0x1300), 0x1200);
}

/// QA bn F5: `cmpq $0, slot(%rip)` of a GOT slot (glibc's test of a weak `__dlopen`) refers
/// to nothing; the same compare of a variable reads it, and a load of the slot is kept.
#[test]
fn a_null_test_of_a_got_slot_is_no_reference() {
    // cmpq $0x0, 0x10(%rip) at 0x1000 (8 bytes, slot 0x1018); mov 0x10(%rip), %rax at
    // 0x1008 (7 bytes, slot 0x101f); ret
    let code_bytes = [
        0x48, 0x83, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00,
        0xc3,
    ];
    let targets = |got: Vec<(u64, u64)>| {
        let mut out = Vec::new();
        let r = Reading {
            image: None,
            got,
            sites: &[],
        };
        code(&code_bytes, 0x1000, 0x1000, &r, &mut out);
        out.iter().map(|r| r.to).collect::<Vec<_>>()
    };
    assert_eq!(targets(vec![(0x1018, 0x1028)]), vec![0x101f]);
    assert_eq!(targets(Vec::new()), vec![0x1018, 0x101f]);
}

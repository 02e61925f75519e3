//! Tests of the graph stage's own steps.

use super::*;
use crate::attribute::coverage::{Cut, NO_OWNER};
use crate::attribute::{NO_GROUP, unwind};
use crate::report::{Confidence, RefKind};

/// The cuts merged from sorted addresses are the cuts of sorting every (address, owner)
/// pair at once, as they were made before; on random lists with repeats, owners equal to
/// `NO_OWNER` and described starts that are also reference targets.
#[test]
fn cuts_merged_match_one_sort_of_all() {
    let mut next = crate::graph::tests::xorshift(0x9e37_79b9_7f4a_7c15_u64);
    for round in 0..300 {
        let span = 1 + next() % 64;
        let part = |next: &mut dyn FnMut() -> u64| -> Vec<refs::Ref> {
            (0..next() % 40)
                .map(|_| refs::Ref {
                    from: next() % span,
                    to: next() % span,
                    kind: crate::report::RefKind::Call,
                })
                .collect()
        };
        let refs = vec![part(&mut next), part(&mut next)];
        let roots: Vec<refs::Root> = (0..next() % 4)
            .map(|_| refs::Root {
                addr: next() % span,
                end: None,
                why: "entry point",
            })
            .collect();
        let slots: Vec<u64> = (0..next() % 4).map(|_| next() % span).collect();
        let described: Vec<unwind::Described> = (0..next() % 30)
            .map(|_| {
                let start = next() % span;
                let owner = match next() % 4 {
                    0 => NO_OWNER,
                    _ => next() % span,
                };
                unwind::Described { start, owner }
            })
            .collect();
        let mut all: Vec<Cut> = refs
            .iter()
            .flatten()
            .map(|r| r.to)
            .chain(roots.iter().map(|r| r.addr))
            .chain(slots.iter().copied())
            .map(|at| Cut {
                at,
                owner: NO_OWNER,
            })
            .chain(described.iter().map(|d| Cut {
                at: d.start,
                owner: d.owner,
            }))
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(
            cuts_of(&refs, &roots, &slots, &described),
            all,
            "round {round}"
        );
    }
}

/// Damaged binaries are user input: the graph's readers (unwind tables, relocations, the
/// decoder) return what they can and never panic; the rows still sum.
#[test]
fn mutated_elf_files_never_panic_in_the_graph() {
    let Ok(original) = std::fs::read("/bin/true") else {
        return;
    };
    let len = original.len();
    let mut next = crate::graph::tests::xorshift(0x1234_5678_9abc_def1_u64);
    let settings = SizeOptions {
        symbols: crate::options::SymbolCount::All,
        why: Some("main".into()),
        ..SizeOptions::default()
    };
    for round in 0..150 {
        let mut bytes = original.clone();
        for _ in 0..1 + round % 6 {
            let at = (next() % len as u64) as usize;
            bytes[at] = next() as u8;
        }
        let path = Path::new("mutated");
        let Ok(mut binary) = crate::inspect::inspect_bytes(path, &bytes, None) else {
            continue;
        };
        if inspect_bytes(path, &bytes, &mut binary, &settings).is_ok() {
            let file: u64 = binary.symbols.iter().map(|r| r.file_size).sum();
            assert_eq!(file, len as u64, "round {round}");
        }
    }
}

/// A way into a crate through pieces without a name of their own: a vtable (nameless, or
/// `anon.…`) leads on to the crate's function; a panic location leads only to a file name,
/// itself a constant, so loading it enters nothing; a loop of such pieces ends; and pieces of
/// another crate are not followed.
#[test]
fn a_way_in_leads_on_to_an_item_of_the_crate() {
    // 0 vtable → 1 function (item); 2 location → 3 file name; 4 ↔ 5 a loop of constants;
    // 6 constant → 7 an item of another crate.
    let g = dom::Csr::new(
        8,
        vec![(0, 1, 0), (2, 3, 0), (4, 5, 0), (5, 4, 0), (6, 7, 0)],
    );
    let crate_of = [1, 1, 1, 1, 1, 1, 1, 2];
    let item = |v: u32| v == 1 || v == 7;
    let enters = |t: u32| entries::leads_into(&g, t, |u| crate_of[u as usize] == 1, item);
    assert!(enters(0), "a vtable leads to its function");
    assert!(enters(1), "an item is a way in");
    assert!(!enters(2), "a panic location leads to a constant only");
    assert!(!enters(3));
    assert!(!enters(4), "a loop of constants ends");
    assert!(!enters(6), "another crate's item is not this crate's");
}

/// The ids of a call, a data reference and an unwind table's description.
fn kinds() -> (u8, u8, u8) {
    let id = super::refs::kind_id;
    (id(RefKind::Call), id(RefKind::Data), id(RefKind::Describes))
}

/// Bytes that describe code of no crate stay without one (they went to the dominating
/// crate: the caller's); constants and relocations of a crate's own pieces get its crate.
#[test]
fn what_describes_code_of_no_crate_is_not_the_callers() {
    let (call, data, describes) = kinds();
    // 0 main (crate 0) calls 1 (a C function of no crate) and 6 (crate 1). 2 is 1's FDE,
    // 3 its `.eh_frame_hdr` row; 7 is 6's FDE. 4 a constant of main's, 8 the relocation
    // that patches it; 5 a constant only 1 refers to.
    let root = 9;
    let g = dom::Csr::new(
        10,
        vec![
            (root, 0, 0),
            (0, 1, call),
            (1, 2, describes),
            (2, 3, describes),
            (0, 4, data),
            (1, 5, data),
            (0, 6, call),
            (6, 7, describes),
            (4, 8, describes),
        ],
    );
    let doms = dom::dominators(&g, root);
    let mut group = vec![
        0, NO_GROUP, NO_GROUP, NO_GROUP, NO_GROUP, NO_GROUP, 1, NO_GROUP, NO_GROUP,
    ];
    let anonymous = [false, false, true, true, true, true, false, true, true];
    let folded: Vec<u32> = (0..2).collect();
    let mut chosen = adopt::choose(
        &g.reverse(),
        &doms,
        (&mut group, &folded),
        root,
        (&anonymous, &[]),
    );
    chosen.sort_unstable_by_key(|c| c.0);
    assert_eq!(
        group,
        vec![0, NO_GROUP, NO_GROUP, NO_GROUP, 0, 0, 1, 1, 0],
        "the FDE and its row of 1 stay without a crate"
    );
    let confidence: Vec<(usize, Confidence)> = chosen.iter().map(|c| (c.0, c.2)).collect();
    assert_eq!(
        confidence,
        vec![
            (4, Confidence::Referenced),
            (5, Confidence::Dominated),
            (7, Confidence::Referenced),
            (8, Confidence::Referenced),
        ]
    );
}

/// Without the build's archives, a C function no name told the crate of takes its only
/// referrer's crate, and its unwind entry and its own constant follow it; one that two crates
/// call stays without one, never its dominator's (QA be F3: git-delta's oniguruma and
/// libgit2 local C code was `[unknown]`).
#[test]
fn a_named_symbol_of_no_crate_takes_only_its_referrers_crate() {
    let (call, _, describes) = kinds();
    // 0 main (crate 0) calls 1 (a C function named `onig_search`, crate 1), which calls 2
    // (`match_at`, no crate); 3 is 2's FDE, 4 a function only 2 calls. 0 and 1 both call 5
    // (`helper`, no crate), which 0 dominates. 2 calls itself, and 4 calls 2 back.
    let root = 6;
    let g = dom::Csr::new(
        7,
        vec![
            (root, 0, 0),
            (0, 1, call),
            (1, 2, call),
            (2, 2, call),
            (2, 3, describes),
            (2, 4, call),
            (4, 2, call),
            (0, 5, call),
            (1, 5, call),
        ],
    );
    let doms = dom::dominators(&g, root);
    let mut group = vec![0, 1, NO_GROUP, NO_GROUP, NO_GROUP, NO_GROUP];
    let anonymous = [false, false, false, true, false, false];
    let named = [false, false, true, false, true, true];
    let folded: Vec<u32> = (0..2).collect();
    let mut chosen = adopt::choose(
        &g.reverse(),
        &doms,
        (&mut group, &folded),
        root,
        (&anonymous, &named),
    );
    chosen.sort_unstable_by_key(|c| c.0);
    assert_eq!(group, vec![0, 1, 1, 1, 1, NO_GROUP]);
    assert!(
        chosen.iter().all(|c| c.2 == Confidence::Referenced),
        "{chosen:?}"
    );
    // Not named (the archives were read): 2 stays without a crate, and so does its FDE.
    let mut group = vec![0, 1, NO_GROUP, NO_GROUP, NO_GROUP, NO_GROUP];
    adopt::choose(
        &g.reverse(),
        &doms,
        (&mut group, &folded),
        root,
        (&anonymous, &[]),
    );
    assert_eq!(group[..4], [0, 1, NO_GROUP, NO_GROUP]);
}

/// Without the build's archives, C functions that call each other (OpenSSL's `point_add` and
/// `point_double`) and a helper they share with code of the same crate take that crate: the
/// referrers still waiting for one are left out once the strict passes are done. A function
/// that another crate's code calls too stays without one (QA bi: 164 KiB of a static
/// OpenSSL's own functions were `[unknown]` in `inspect`).
#[test]
fn c_functions_calling_each_other_take_their_callers_crate() {
    let (call, _, _) = kinds();
    // 0 main (crate 0) calls 1 (`ossl_ec_points_mul`, crate 1) and 6 (crate 0's own).
    // 1 calls 2 (`point_double`) and 3 (`point_add`); 2 and 3 call each other, and 3 calls 4
    // (`batch_mul`), which calls 2 back. 5 (`felem_mul`) is called by 2 and by 6 (crate 0).
    let root = 7;
    let g = dom::Csr::new(
        8,
        vec![
            (root, 0, 0),
            (0, 1, call),
            (0, 6, call),
            (1, 2, call),
            (1, 3, call),
            (2, 3, call),
            (3, 2, call),
            (3, 4, call),
            (4, 2, call),
            (2, 5, call),
            (6, 5, call),
        ],
    );
    let doms = dom::dominators(&g, root);
    let mut group = vec![0, 1, NO_GROUP, NO_GROUP, NO_GROUP, NO_GROUP, 0];
    let anonymous = [false; 7];
    let named = [false, false, true, true, true, true, false];
    let folded: Vec<u32> = (0..2).collect();
    let chosen = adopt::choose(
        &g.reverse(),
        &doms,
        (&mut group, &folded),
        root,
        (&anonymous, &named),
    );
    assert_eq!(group, vec![0, 1, 1, 1, 1, NO_GROUP, 0], "{chosen:?}");
    assert!(
        chosen.iter().all(|c| c.2 == Confidence::Referenced),
        "{chosen:?}"
    );
}

/// With std's crates folded into one (`--split-std` off), bytes that std and core both refer
/// to are std's, as the first referrer's; split, they must not go to the crate that dominates
/// them instead (QA n: bandwhich's clap_builder gained 288 B with `--split-std`).
#[test]
fn std_crates_refer_as_one_when_split() {
    let (call, data, _) = kinds();
    // 0 main (crate 2, the application) calls 1 (std, group 0) and 2 (core, group 1); both
    // refer to the constant 3, which 0 dominates.
    let root = 4;
    let g = dom::Csr::new(
        5,
        vec![
            (root, 0, 0),
            (0, 1, call),
            (0, 2, call),
            (1, 3, data),
            (2, 3, data),
        ],
    );
    let doms = dom::dominators(&g, root);
    let anonymous = [false, false, false, true];
    let choice = |folded: &[u32]| {
        let mut group = vec![2, 0, 1, NO_GROUP];
        let chosen = adopt::choose(
            &g.reverse(),
            &doms,
            (&mut group, folded),
            root,
            (&anonymous, &[]),
        );
        assert_eq!(chosen.len(), 1);
        (chosen[0].1, chosen[0].2)
    };
    assert_eq!(choice(&[0, 0, 2]), (0, Confidence::Referenced));
    assert_eq!(
        choice(&[0, 1, 2]),
        (2, Confidence::Dominated),
        "told apart, the two crates leave the constant to its dominator"
    );
}

/// A xorshift generator for the randomised tests of the graph's steps (deterministic: a
/// failure reproduces from its seed).
pub(super) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// The crates a generic name is made for: the first segment of each path in it.
#[test]
fn path_roots_are_the_first_segments() {
    assert_eq!(
        crate::attribute::demangle::path_roots("alloc::boxed::Box<regex_lite::pikevm::Cache>>"),
        ["alloc", "regex_lite"]
    );
    assert_eq!(
        crate::attribute::demangle::path_roots("(&str, u16) as std::net::ToSocketAddrs>"),
        ["std"]
    );
    assert!(crate::attribute::demangle::path_roots("u8>").is_empty());
}

/// Letting go of the binary's pages lets go of its analysis link's too (a 71 MB link of the
/// tool's own binary held 8 MB of the graph's peak).
#[test]
fn the_analysis_links_pages_are_let_go_with_the_binarys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, link) = (dir.path().join("bin"), dir.path().join("link"));
    let content = vec![1u8; 9 << 20];
    std::fs::write(&bin, &content).expect("write");
    std::fs::write(&link, &content).expect("write");
    let (b, l) = (
        Mapped::open(&bin).expect("map"),
        Mapped::open(&link).expect("map"),
    );
    let sum = |m: &Mapped| m.bytes().iter().map(|&x| u64::from(x)).sum::<u64>();
    assert_eq!(sum(&b) + sum(&l), 2 * (9 << 20));
    let resident = crate::probe::memory::resident_kib;
    let read = resident(&link);
    assert!(read >= 9 << 10, "the link read: {read} KiB");
    let input = Input {
        bytes: b.bytes(),
        analysis: Some(l.bytes()),
        analysis_path: Some(&link),
        mapped: Some(&b),
        analysis_mapped: Some(&l),
        skip: None,
    };
    input.let_go();
    let left = (resident(&bin), resident(&link));
    assert!(left.0 < 16 && left.1 < 16, "KiB left: {left:?}");
}

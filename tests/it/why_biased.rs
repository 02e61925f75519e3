//! A table reached through a base address gcc biases before it (QA g, B3): `lea ext-8` lands
//! in the padding before `ext`, and the table's functions are still reached through it.

use crate::util::*;
use crate::why::{check_pairs, nm, steps};

/// The address `init_all`'s `lea` loads (`objdump -d`: `lea 0x...(%rip),%r12  # 4a1b8 <..>`).
fn lea_target(bin: &str, at: (u64, u64)) -> u64 {
    let text = tool(
        "objdump",
        &[
            "-d",
            "--no-show-raw-insn",
            &format!("--start-address={:#x}", at.0),
            &format!("--stop-address={:#x}", at.0 + at.1),
            bin,
        ],
    );
    text.lines()
        .filter(|l| l.contains("lea ") && l.contains("(%rip)"))
        .find_map(|l| {
            let hex = l.split("# ").nth(1)?.split_whitespace().next()?;
            u64::from_str_radix(hex, 16).ok()
        })
        .unwrap_or_else(|| panic!("no RIP-relative lea in init_all:\n{text}"))
}

#[test]
fn a_table_behind_a_biased_base_is_reached_through_it() {
    let v = json(&mut check_fixture("why-biased", &["--why", "^e3$"]));
    let a = &v["artifacts"][0];
    let bin = a["path"].as_str().expect("path").to_string();
    assert_eq!(a["binary"]["graph"]["edges_from"], "analysis-link");
    // gcc biased the base: the `lea` loads an address before the table, in bytes no symbol
    // covers, and the table's entries are e1, e2, e3 (readelf: the relocations that store
    // them).
    let syms = nm(&bin);
    let (ext, init_all) = (syms["ext"], syms["init_all"]);
    let base = lea_target(&bin, init_all);
    assert!(
        base < ext.0 && ext.0 - base <= 16,
        "lea {base:#x}, ext at {ext:#x?}"
    );
    assert!(
        syms.values().all(|&(s, n)| !(s..s + n).contains(&base)),
        "{base:#x} is inside a symbol"
    );
    let chain = steps(&a["binary"]["why"]["chains"][0]);
    let names: Vec<&str> = chain.iter().map(|s| s.0.as_str()).collect();
    let k = names
        .iter()
        .position(|&n| n == "ext")
        .unwrap_or_else(|| panic!("e3 not reached through ext: {:#}", a["binary"]["why"]));
    assert_eq!(names[k - 1], "init_all", "{names:?}");
    assert_eq!(names.last(), Some(&"e3"), "{names:?}");
    assert!(names.contains(&"why_biased::main"), "{names:?}");
    // Every step is a reference the binary shows; init_all → ext is the biased `lea` above.
    check_pairs(&bin, &chain[..k]);
    check_pairs(&bin, &chain[k..]);
}
